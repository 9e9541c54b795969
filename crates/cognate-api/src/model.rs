//! The botocore service models, trimmed by `tools/gen_model.py` and embedded,
//! drive request validation: required members, types, lengths, ranges,
//! patterns and enums, reported the way Cognito reports them.

use cognate_core::{CoreError, ErrorKind};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub input: Option<String>,
    #[serde(default)]
    pub unsigned: bool,
}

#[derive(Debug, Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    #[serde(rename = "enum")]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub members: HashMap<String, String>,
    pub member: Option<String>,
    pub key: Option<String>,
    pub value: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(skip)]
    regex: OnceLock<Option<Regex>>,
}

#[derive(Debug, Deserialize)]
pub struct ServiceModel {
    pub operations: HashMap<String, Operation>,
    pub shapes: HashMap<String, Shape>,
}

fn load(text: &str) -> ServiceModel {
    // The embedded file is produced by tools/gen_model.py and checked by the tests.
    serde_json::from_str(text).unwrap_or_else(|e| panic!("embedded service model is invalid: {e}"))
}

pub static COGNITO_IDP: LazyLock<ServiceModel> =
    LazyLock::new(|| load(include_str!("../model/cognito-idp.json")));
pub static COGNITO_IDENTITY: LazyLock<ServiceModel> =
    LazyLock::new(|| load(include_str!("../model/cognito-identity.json")));

impl Shape {
    /// The shape's pattern as a whole-string regex; `None` when the pattern uses a
    /// construct Rust's regex engine lacks (look-behind), in which case it is not checked.
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| {
                let p = self.pattern.as_deref()?;
                let p = p.trim_start_matches('^').trim_end_matches('$');
                Regex::new(&format!("^(?:{p})$")).ok()
            })
            .as_ref()
    }
}

/// lowerCamelCase member names in paths, as AWS prints them (`userPoolId`).
fn camel(member: &str) -> String {
    let mut c = member.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

struct Checker<'m> {
    model: &'m ServiceModel,
    violations: Vec<String>,
}

impl<'m> Checker<'m> {
    fn shape(&self, name: &str) -> Option<&'m Shape> {
        let model: &'m ServiceModel = self.model;
        model.shapes.get(name)
    }

    fn check(&mut self, shape_name: &str, value: &Value, path: &str) -> Result<(), CoreError> {
        let Some(shape) = self.shape(shape_name) else {
            return Ok(());
        };
        let type_error = |expected: &str| {
            Err(CoreError::new(
                ErrorKind::Serialization,
                format!(
                    "Unexpected value type at '{path}': expected {expected}, got {}.",
                    kind_of(value)
                ),
            ))
        };
        if value.is_null() {
            return Ok(());
        }
        match shape.kind.as_str() {
            "structure" => {
                let Some(obj) = value.as_object() else {
                    return type_error("an object");
                };
                for req in &shape.required {
                    if obj.get(req).is_none_or(Value::is_null) {
                        self.violations.push(format!(
                            "Value null at '{}' failed to satisfy constraint: Member must not be null",
                            join(path, &camel(req))
                        ));
                    }
                }
                for (member, target) in &shape.members {
                    if let Some(v) = obj.get(member) {
                        self.check(target, v, &join(path, &camel(member)))?;
                    }
                }
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    return type_error("a list");
                };
                self.length(shape, items.len(), path, value);
                if let Some(member) = &shape.member {
                    for (i, item) in items.iter().enumerate() {
                        self.check(member, item, &format!("{path}.{}.member", i + 1))?;
                    }
                }
            }
            "map" => {
                let Some(obj) = value.as_object() else {
                    return type_error("an object");
                };
                self.length(shape, obj.len(), path, value);
                for (k, v) in obj {
                    if let Some(ks) = &shape.key {
                        self.check(ks, &Value::String(k.clone()), &format!("{path}.key"))?;
                    }
                    if let Some(vs) = &shape.value {
                        self.check(vs, v, &format!("{path}.{k}"))?;
                    }
                }
            }
            "string" => {
                let Some(s) = value.as_str() else {
                    return type_error("a string");
                };
                let shown = if shape.sensitive {
                    String::new()
                } else {
                    format!(" '{s}'")
                };
                self.length(shape, s.chars().count(), path, value);
                if let Some(values) = &shape.values
                    && !values.iter().any(|v| v == s)
                {
                    self.violations.push(format!(
                        "Value{shown} at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ));
                }
                if let Some(re) = shape.regex()
                    && !re.is_match(s)
                {
                    self.violations.push(format!(
                        "Value{shown} at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {}",
                        shape.pattern.as_deref().unwrap_or_default()
                    ));
                }
            }
            "integer" | "long" => {
                let Some(n) = value.as_i64() else {
                    return type_error(if value.is_f64() {
                        "an integer"
                    } else {
                        "a number"
                    });
                };
                if let Some(min) = shape.min
                    && (n as f64) < min
                {
                    self.violations.push(format!(
                        "Value '{n}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
                    ));
                }
                if let Some(max) = shape.max
                    && (n as f64) > max
                {
                    self.violations.push(format!(
                        "Value '{n}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}"
                    ));
                }
            }
            "double" | "float" | "timestamp" if !value.is_number() => {
                return type_error("a number");
            }
            "boolean" if !value.is_boolean() => return type_error("a boolean"),
            "blob" if !value.is_string() => return type_error("a base64 string"),
            _ => {}
        }
        Ok(())
    }

    fn length(&mut self, shape: &Shape, len: usize, path: &str, value: &Value) {
        let shown = match value.as_str() {
            Some(s) if !shape.sensitive => format!(" '{s}'"),
            _ => String::new(),
        };
        if let Some(min) = shape.min
            && (len as f64) < min
        {
            self.violations.push(format!(
                "Value{shown} at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
            ));
        }
        if let Some(max) = shape.max
            && (len as f64) > max
        {
            self.violations.push(format!(
                "Value{shown} at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            ));
        }
    }
}

fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_string()
    } else {
        format!("{path}.{member}")
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Checks a request body against the operation's input shape. Type mismatches
/// are `SerializationException`; constraint violations are reported together as
/// one `InvalidParameterException`, as Cognito does.
pub fn validate(
    model: &ServiceModel,
    input_shape: Option<&str>,
    body: &Value,
) -> Result<(), CoreError> {
    let Some(shape) = input_shape else {
        return Ok(());
    };
    let mut checker = Checker {
        model,
        violations: Vec::new(),
    };
    checker.check(shape, body, "")?;
    match checker.violations.len() {
        0 => Ok(()),
        n => Err(CoreError::invalid_parameter(format!(
            "{n} validation error{} detected: {}",
            if n == 1 { "" } else { "s" },
            checker.violations.join("; ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(op: &str, body: Value) -> Result<(), CoreError> {
        let o = &COGNITO_IDP.operations[op];
        validate(&COGNITO_IDP, o.input.as_deref(), &body)
    }

    #[test]
    fn models_load_and_patterns_compile() {
        assert!(COGNITO_IDP.operations.len() > 100);
        assert!(COGNITO_IDENTITY.operations.contains_key("GetId"));
        assert!(COGNITO_IDP.operations["InitiateAuth"].unsigned);
        assert!(!COGNITO_IDP.operations["CreateUserPool"].unsigned);
        let uncompiled: Vec<_> = COGNITO_IDP
            .shapes
            .values()
            .filter(|s| s.pattern.is_some() && s.regex().is_none())
            .map(|s| s.pattern.clone().unwrap_or_default())
            .collect();
        // Only the look-behind pattern of custom domain names is beyond the regex crate.
        assert!(
            uncompiled.iter().all(|p| p.contains("(?<!")),
            "{uncompiled:?}"
        );
    }

    #[test]
    fn required_and_pattern_and_range() {
        let e = check("CreateUserPool", json!({})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidParameter);
        assert!(e.message.contains(
            "Value null at 'poolName' failed to satisfy constraint: Member must not be null"
        ));
        let e = check("DescribeUserPool", json!({"UserPoolId": "bad id"})).unwrap_err();
        assert!(e.message.contains("at 'userPoolId'"), "{}", e.message);
        assert!(e.message.contains("regular expression pattern"));
        let e = check(
            "CreateUserPool",
            json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 2}}}),
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("'policies.passwordPolicy.minimumLength'"),
            "{}",
            e.message
        );
        let e = check(
            "CreateUserPool",
            json!({"PoolName": "p", "MfaConfiguration": "MAYBE"}),
        )
        .unwrap_err();
        assert!(e.message.contains("enum value set"));
        assert!(
            check(
                "CreateUserPool",
                json!({"PoolName": "p", "MfaConfiguration": "OFF"})
            )
            .is_ok()
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let e = check("CreateUserPool", json!({"PoolName": 5})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Serialization);
        let e = check("ListUserPools", json!({"MaxResults": "ten"})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Serialization);
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let e = check(
            "SignUp",
            json!({"ClientId": "c", "Username": "u", "Password": ""}),
        )
        .unwrap_err();
        assert!(e.message.contains("Value at 'password'"), "{}", e.message);
    }
}
