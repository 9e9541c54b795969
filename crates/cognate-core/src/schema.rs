//! Pool schemas: Cognito's standard attributes and the rules for custom ones.

use crate::error::{CoreError, CoreResult};
use crate::model::{NumberConstraints, SchemaAttribute, StringConstraints};

/// (name, data type) of every standard attribute, in Cognito's order.
pub const STANDARD_ATTRIBUTES: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
    ("identities", "String"),
];

pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

pub fn is_standard(name: &str) -> bool {
    STANDARD_ATTRIBUTES.iter().any(|(n, _)| *n == name)
}

fn standard_default(name: &str, data_type: &str) -> SchemaAttribute {
    let mut attr = SchemaAttribute {
        name: Some(name.to_string()),
        attribute_data_type: Some(data_type.to_string()),
        developer_only_attribute: Some(false),
        mutable: Some(name != "sub"),
        required: Some(name == "sub"),
        ..Default::default()
    };
    match (name, data_type) {
        ("sub", _) => {
            attr.string_attribute_constraints = Some(StringConstraints {
                min_length: Some("1".into()),
                max_length: Some("2048".into()),
            })
        }
        ("birthdate", _) => {
            attr.string_attribute_constraints = Some(StringConstraints {
                min_length: Some("10".into()),
                max_length: Some("10".into()),
            })
        }
        ("identities", _) => attr.string_attribute_constraints = Some(StringConstraints::default()),
        (_, "String") => {
            attr.string_attribute_constraints = Some(StringConstraints {
                min_length: Some("0".into()),
                max_length: Some("2048".into()),
            })
        }
        (_, "Number") => {
            attr.number_attribute_constraints = Some(NumberConstraints {
                min_value: Some("0".into()),
                max_value: None,
            })
        }
        _ => {}
    }
    attr
}

/// The full schema of a new pool: every standard attribute (overridden where the
/// request names it) followed by the request's custom attributes.
pub fn build_schema(requested: &[SchemaAttribute]) -> CoreResult<Vec<SchemaAttribute>> {
    let mut seen = std::collections::HashSet::new();
    for attr in requested {
        if attr.name.is_none() {
            return Err(CoreError::invalid_parameter(
                "Schema attribute Name is required.",
            ));
        }
        if !seen.insert(attr.name().to_string()) {
            return Err(CoreError::invalid_parameter(format!(
                "Duplicate schema attribute name: {}.",
                attr.name()
            )));
        }
    }
    let mut schema = Vec::new();
    for (name, data_type) in STANDARD_ATTRIBUTES {
        let mut attr = standard_default(name, data_type);
        if let Some(req) = requested.iter().find(|a| a.name() == *name) {
            apply_standard_override(&mut attr, req)?;
        }
        schema.push(attr);
    }
    let custom: Vec<&SchemaAttribute> = requested
        .iter()
        .filter(|a| !is_standard(a.name()))
        .collect();
    if custom.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(CoreError::invalid_parameter(format!(
            "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )));
    }
    for attr in custom {
        schema.push(custom_attribute(attr)?);
    }
    Ok(schema)
}

fn apply_standard_override(attr: &mut SchemaAttribute, req: &SchemaAttribute) -> CoreResult<()> {
    let name = req.name();
    if let Some(dt) = &req.attribute_data_type
        && Some(dt) != attr.attribute_data_type.as_ref()
    {
        return Err(CoreError::invalid_parameter(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )));
    }
    if req.developer_only_attribute == Some(true) {
        return Err(CoreError::invalid_parameter(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )));
    }
    if name == "sub" {
        if req.mutable == Some(true) || req.required == Some(false) {
            return Err(CoreError::invalid_parameter(
                "The sub attribute is required and immutable.",
            ));
        }
        return Ok(());
    }
    if let Some(m) = req.mutable {
        attr.mutable = Some(m);
    }
    if let Some(r) = req.required {
        attr.required = Some(r);
    }
    if let Some(c) = &req.string_attribute_constraints {
        check_string_constraints(name, c)?;
        attr.string_attribute_constraints = Some(c.clone());
    }
    if let Some(c) = &req.number_attribute_constraints {
        check_number_constraints(name, c)?;
        attr.number_attribute_constraints = Some(c.clone());
    }
    Ok(())
}

/// Validates a custom attribute definition and returns it under its stored
/// name (`custom:x`, or `dev:custom:x` for developer-only attributes).
pub fn custom_attribute(req: &SchemaAttribute) -> CoreResult<SchemaAttribute> {
    let raw = req.name();
    let bare = raw.strip_prefix("custom:").unwrap_or(raw);
    if bare.is_empty() || bare.chars().count() > 20 {
        return Err(CoreError::invalid_parameter(format!(
            "Custom attribute name {raw} must be between 1 and 20 characters."
        )));
    }
    if req.required == Some(true) {
        return Err(CoreError::invalid_parameter(
            "Required custom attributes are not supported currently.",
        ));
    }
    let data_type = req
        .attribute_data_type
        .clone()
        .unwrap_or_else(|| "String".into());
    let developer_only = req.developer_only_attribute.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    let mut attr = SchemaAttribute {
        name: Some(name.clone()),
        attribute_data_type: Some(data_type.clone()),
        developer_only_attribute: Some(developer_only),
        mutable: Some(req.mutable.unwrap_or(true)),
        required: Some(false),
        ..Default::default()
    };
    match data_type.as_str() {
        "String" => {
            let c = req.string_attribute_constraints.clone().unwrap_or_default();
            check_string_constraints(&name, &c)?;
            attr.string_attribute_constraints = Some(c);
        }
        "Number" => {
            let c = req.number_attribute_constraints.clone().unwrap_or_default();
            check_number_constraints(&name, &c)?;
            attr.number_attribute_constraints = Some(c);
        }
        _ => {
            if req.string_attribute_constraints.is_some()
                || req.number_attribute_constraints.is_some()
            {
                return Err(CoreError::invalid_parameter(format!(
                    "Attribute {name} of type {data_type} can not have constraints."
                )));
            }
        }
    }
    Ok(attr)
}

fn parse_bound(name: &str, what: &str, v: &Option<String>) -> CoreResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            CoreError::invalid_parameter(format!(
                "Invalid {what} constraint for attribute {name}: {s} is not an integer."
            ))
        }),
    }
}

fn check_string_constraints(name: &str, c: &StringConstraints) -> CoreResult<()> {
    let min = parse_bound(name, "MinLength", &c.min_length)?;
    let max = parse_bound(name, "MaxLength", &c.max_length)?;
    if min.is_some_and(|m| m < 0) || max.is_some_and(|m| !(0..=2048).contains(&m)) {
        return Err(CoreError::invalid_parameter(format!(
            "String attribute {name} lengths must be between 0 and 2048."
        )));
    }
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err(CoreError::invalid_parameter(format!(
            "MinLength of attribute {name} is greater than its MaxLength."
        )));
    }
    Ok(())
}

fn check_number_constraints(name: &str, c: &NumberConstraints) -> CoreResult<()> {
    let min = parse_bound(name, "MinValue", &c.min_value)?;
    let max = parse_bound(name, "MaxValue", &c.max_value)?;
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err(CoreError::invalid_parameter(format!(
            "MinValue of attribute {name} is greater than its MaxValue."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str) -> SchemaAttribute {
        SchemaAttribute {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn default_schema_lists_every_standard_attribute() {
        let s = build_schema(&[]).unwrap();
        assert_eq!(s.len(), STANDARD_ATTRIBUTES.len());
        assert_eq!(s[0].name(), "sub");
        assert_eq!(s[0].required, Some(true));
        assert_eq!(s[0].mutable, Some(false));
    }

    #[test]
    fn custom_attributes_get_prefix_and_dev_prefix() {
        let mut a = attr("tier");
        a.attribute_data_type = Some("String".into());
        let mut d = attr("secret");
        d.developer_only_attribute = Some(true);
        let s = build_schema(&[a, d]).unwrap();
        assert!(s.iter().any(|a| a.name() == "custom:tier"));
        assert!(s.iter().any(|a| a.name() == "dev:custom:secret"));
    }

    #[test]
    fn rejects_required_custom_duplicate_and_type_change() {
        let mut a = attr("tier");
        a.required = Some(true);
        assert!(build_schema(&[a]).is_err());
        assert!(build_schema(&[attr("x"), attr("x")]).is_err());
        let mut e = attr("email");
        e.attribute_data_type = Some("Number".into());
        assert!(build_schema(&[e]).is_err());
        let mut c = attr("n");
        c.attribute_data_type = Some("Number".into());
        c.number_attribute_constraints = Some(NumberConstraints {
            min_value: Some("5".into()),
            max_value: Some("1".into()),
        });
        assert!(build_schema(&[c]).is_err());
    }

    #[test]
    fn standard_override_sets_required() {
        let mut e = attr("email");
        e.required = Some(true);
        let s = build_schema(&[e]).unwrap();
        assert_eq!(
            s.iter().find(|a| a.name() == "email").unwrap().required,
            Some(true)
        );
    }
}
