//! Reading a policy document: IAM's grammar and checks, in IAM's order, with its messages.
//!
//! IAM reports only the first failing stage:
//! 1. grammar (`Syntax errors in policy.`): JSON, known elements, element types, Effect,
//!    known condition operators (an unknown operator with an empty block is accepted);
//! 2. the document kind: principals in identity policies, resources and missing principals
//!    in trust policies;
//! 3. the version, for managed policies;
//! 4. "legacy parsing" (`The policy failed legacy parsing`): Effect's exact case, date
//!    condition values, the coarse shape of resource ARNs;
//! 5. statement IDs: unique, then (IAM-stored kinds) alphanumeric;
//! 6. actions present, then resources present (identity kinds);
//! 7. resource ARN formats (the message names the resource);
//! 8. action vendors;
//! 9. trust policies: `sts:` actions only, principals in IAM's forms.
//!
//! Checks that need IAM's data (does this role exist, is this service principal real) are
//! left to the caller.

use serde_json::{Map, Value};

use crate::condition::{Condition, Operator};
use crate::error::{PolicyError, malformed, msg};
use crate::pattern::Pattern;
use crate::policy::{Clause, Effect, Policy, PolicyVersion, Statement};
use crate::principal::{PrincipalEntry, valid_aws_principal};
use crate::values::parse_date;

/// The ARN partitions accepted in resources and principals.
pub(crate) const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

// IAM accepts a top-level `Conditions` element and ignores it.
const TOP_ELEMENTS: [&str; 4] = ["Version", "Id", "Statement", "Conditions"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_TYPES: [&str; 3] = ["AWS", "Federated", "Service"];
const IAM_PATHS: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// Which IAM checks apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Only the checks common to all kinds.
    Any,
    /// Inline identity policies and session policies.
    Identity,
    /// Managed policies: identity rules, version 2012-10-17.
    Managed,
    /// Role trust policies.
    Trust,
}

/// A statement after the grammar check, before the other stages.
struct Raw<'a> {
    sid: Option<&'a str>,
    effect: &'a str,
    /// (`NotPrincipal`?, entries)
    principal: Option<(bool, RawPrincipal<'a>)>,
    /// (`NotAction`?, entries)
    action: Option<(bool, Vec<&'a str>)>,
    /// (`NotResource`?, entries)
    resource: Option<(bool, Vec<&'a str>)>,
    conditions: Vec<(Operator, &'a str, Vec<String>)>,
}

enum RawPrincipal<'a> {
    /// `"Principal": "*"`
    Everyone,
    /// `{"AWS": [...], "Federated": ..., "Service": ...}`
    Typed(Vec<(&'a str, Vec<&'a str>)>),
}

impl RawPrincipal<'_> {
    fn is_empty(&self) -> bool {
        match self {
            RawPrincipal::Everyone => false,
            RawPrincipal::Typed(types) => types.iter().all(|(_, values)| values.is_empty()),
        }
    }
}

pub(crate) fn parse(json: &str, kind: Kind) -> Result<Policy, PolicyError> {
    let document: Value = serde_json::from_str(json).map_err(|_| malformed(msg::SYNTAX))?;
    let (version, id, statements) = grammar(&document).ok_or_else(|| malformed(msg::SYNTAX))?;

    check_kind(&statements, kind)?;
    if kind == Kind::Managed && version != Some(PolicyVersion::V2012_10_17) {
        return Err(malformed(msg::VERSION));
    }
    let resource_error = legacy_parsing(&statements)?;
    check_sids(&statements, kind)?;
    if statements
        .iter()
        .any(|s| s.action.as_ref().is_none_or(|(_, a)| a.is_empty()))
    {
        return Err(malformed(msg::NO_ACTIONS));
    }
    if matches!(kind, Kind::Identity | Kind::Managed)
        && statements
            .iter()
            .any(|s| s.resource.as_ref().is_none_or(|(_, r)| r.is_empty()))
    {
        return Err(malformed(msg::NO_RESOURCES));
    }
    if let Some(error) = resource_error {
        return Err(malformed(error));
    }
    for statement in &statements {
        for action in statement.action.iter().flat_map(|(_, a)| a) {
            if let Some(error) = action_error(action) {
                return Err(malformed(error));
            }
        }
    }
    if kind == Kind::Trust {
        check_trust(&statements)?;
    }

    let variables = version == Some(PolicyVersion::V2012_10_17);
    let statements = statements
        .into_iter()
        .map(|raw| build(raw, variables))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        version,
        id: id.map(str::to_string),
        statements,
    })
}

type Grammar<'a> = (Option<PolicyVersion>, Option<&'a str>, Vec<Raw<'a>>);

/// Stage 1: the shape of the document. `None` is `Syntax errors in policy.`
fn grammar(document: &Value) -> Option<Grammar<'_>> {
    let top = document.as_object()?;
    if top.keys().any(|k| !TOP_ELEMENTS.contains(&k.as_str())) {
        return None;
    }
    let version = match top.get("Version") {
        None => None,
        Some(v) => match v.as_str()? {
            "2012-10-17" => Some(PolicyVersion::V2012_10_17),
            "2008-10-17" => Some(PolicyVersion::V2008_10_17),
            _ => return None,
        },
    };
    let id = match top.get("Id") {
        None => None,
        Some(v) => Some(v.as_str()?),
    };
    let element = top.get("Statement")?;
    let statements = match element {
        Value::Object(_) => vec![statement(element)?],
        Value::Array(list) if !list.is_empty() => {
            list.iter().map(statement).collect::<Option<Vec<_>>>()?
        }
        _ => return None,
    };
    Some((version, id, statements))
}

fn statement(value: &Value) -> Option<Raw<'_>> {
    let element = value.as_object()?;
    if element
        .keys()
        .any(|k| !STATEMENT_ELEMENTS.contains(&k.as_str()))
    {
        return None;
    }
    let effect = element.get("Effect")?.as_str()?;
    if !effect.eq_ignore_ascii_case("Allow") && !effect.eq_ignore_ascii_case("Deny") {
        return None;
    }
    let sid = match element.get("Sid") {
        None => None,
        Some(v) => Some(v.as_str()?),
    };
    let principal = match pair(element, "Principal", "NotPrincipal")? {
        None => None,
        Some((not, value)) => Some((not, principal(value)?)),
    };
    let action = match pair(element, "Action", "NotAction")? {
        None => None,
        Some((not, value)) => Some((not, strings(value)?)),
    };
    let resource = match pair(element, "Resource", "NotResource")? {
        None => None,
        Some((not, value)) => Some((not, strings(value)?)),
    };
    let conditions = match element.get("Condition") {
        None => Vec::new(),
        Some(value) => conditions(value)?,
    };
    Some(Raw {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// An element and its `Not...` twin: at most one of them. Outer `None`: both present.
fn pair<'a>(
    element: &'a Map<String, Value>,
    is: &str,
    not: &str,
) -> Option<Option<(bool, &'a Value)>> {
    match (element.get(is), element.get(not)) {
        (Some(_), Some(_)) => None,
        (Some(value), None) => Some(Some((false, value))),
        (None, Some(value)) => Some(Some((true, value))),
        (None, None) => Some(None),
    }
}

/// A string or an array of strings.
fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(list) => list.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

fn principal(value: &Value) -> Option<RawPrincipal<'_>> {
    match value {
        Value::String(s) if s == "*" => Some(RawPrincipal::Everyone),
        Value::Object(types) => {
            let mut out = Vec::with_capacity(types.len());
            for (kind, values) in types {
                if !PRINCIPAL_TYPES.contains(&kind.as_str()) {
                    return None;
                }
                out.push((kind.as_str(), strings(values)?));
            }
            Some(RawPrincipal::Typed(out))
        }
        _ => None,
    }
}

type RawCondition<'a> = (Operator, &'a str, Vec<String>);

fn conditions(value: &Value) -> Option<Vec<RawCondition<'_>>> {
    let mut out = Vec::new();
    for (name, block) in value.as_object()? {
        let block = block.as_object()?;
        let mut keys = Vec::with_capacity(block.len());
        for (key, values) in block {
            keys.push((key.as_str(), condition_values(values)?));
        }
        match Operator::parse(name) {
            Some(operator) => out.extend(keys.into_iter().map(|(k, v)| (operator, k, v))),
            // IAM accepts an operator it does not know when its block is empty.
            None if keys.is_empty() => {}
            None => return None,
        }
    }
    Some(out)
}

/// A scalar or an array of scalars; numbers and booleans are read as their JSON text.
fn condition_values(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(list) => list.iter().map(scalar).collect(),
        other => Some(vec![scalar(other)?]),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Stage 2: elements the kind of document requires or forbids.
fn check_kind(statements: &[Raw<'_>], kind: Kind) -> Result<(), PolicyError> {
    match kind {
        Kind::Identity | Kind::Managed => {
            if statements.iter().any(|s| s.principal.is_some()) {
                return Err(malformed(msg::NO_PRINCIPAL));
            }
        }
        Kind::Trust => {
            for statement in statements {
                if let Some((not, _)) = statement.resource {
                    let field = if not { "NotResource" } else { "Resource" };
                    return Err(malformed(format!("Has prohibited field {field}")));
                }
            }
            if statements
                .iter()
                .any(|s| s.principal.as_ref().is_none_or(|(_, p)| p.is_empty()))
            {
                return Err(malformed(msg::NO_PRINCIPALS_IN_STATEMENT));
            }
        }
        Kind::Any => {}
    }
    Ok(())
}

/// Stage 4. Returns the first resource format error, which IAM reports later (stage 7).
fn legacy_parsing(statements: &[Raw<'_>]) -> Result<Option<String>, PolicyError> {
    for statement in statements {
        if statement.effect != "Allow" && statement.effect != "Deny" {
            return Err(malformed(msg::LEGACY));
        }
        for (operator, _, values) in &statement.conditions {
            if operator.base.is_date() && values.iter().any(|v| parse_date(v).is_none()) {
                return Err(malformed(msg::LEGACY));
            }
        }
    }
    let mut resource_error = None;
    for statement in statements {
        let Some((_, resources)) = &statement.resource else {
            continue;
        };
        if resource_error.is_none() {
            resource_error = resources
                .iter()
                .copied()
                .filter(|r| resource_format_error(r).is_some())
                .min()
                .and_then(resource_format_error);
        }
        if resource_error.is_none() && resources.iter().any(|r| legacy_resource_fails(r)) {
            return Err(malformed(msg::LEGACY));
        }
    }
    Ok(resource_error)
}

/// The legacy parser's view of a resource: an ARN with `::` must have all six components,
/// and the service component may not be empty.
fn legacy_resource_fails(resource: &str) -> bool {
    resource != "*"
        && ((resource.matches(':').count() < 5 && resource.contains("::"))
            || resource.split(':').nth(2) == Some(""))
}

/// IAM's checks of a resource ARN (stage 7), `None` when it passes.
fn resource_format_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    // IAM does not look at the first component; it reports the ARN rebuilt with `arn`.
    let Some((_, rest)) = resource.split_once(':') else {
        return Some(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        ));
    };
    let (partition, rest) = match rest.split_once(':') {
        Some((partition, rest)) => (partition, Some(rest)),
        None => (rest, None),
    };
    if !PARTITIONS.contains(&partition) {
        let parts: Vec<&str> = rest.unwrap_or("").split(':').collect();
        let service = if parts[0].is_empty() && parts.len() == 1 {
            "*"
        } else {
            parts[0]
        };
        let region = parts.get(1).copied().unwrap_or("*");
        let account = parts.get(2).copied().unwrap_or("*");
        let path = if parts.len() > 3 {
            parts[3..].join(":")
        } else {
            "*".to_string()
        };
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{service}:{region}:{account}:{path}\"."
        ));
    }
    let Some(rest) = rest else {
        return Some(msg::RESOURCE_VENDOR.to_string());
    };
    let (service, rest) = rest.split_once(':').unwrap_or((rest, ""));
    if service.contains(['*', '?']) {
        return Some(msg::RESOURCE_VENDOR.to_string());
    }
    if !rest.starts_with(':') {
        match service {
            "iam" => {
                return Some(format!(
                    "IAM resource {resource} cannot contain region information."
                ));
            }
            "s3" => {
                return Some(format!(
                    "Resource {resource} can not contain region information."
                ));
            }
            _ => {}
        }
    }
    if service == "iam" {
        let path = rest.splitn(3, ':').nth(2).unwrap_or("");
        if path != "*" && !IAM_PATHS.iter().any(|p| path.starts_with(p)) {
            return Some(msg::IAM_PATH.to_string());
        }
    }
    None
}

/// Stage 5.
fn check_sids(statements: &[Raw<'_>], kind: Kind) -> Result<(), PolicyError> {
    let mut seen = std::collections::HashSet::new();
    for sid in statements.iter().filter_map(|s| s.sid) {
        if !sid.is_empty() && !seen.insert(sid) {
            return Err(malformed(msg::SID_UNIQUE));
        }
    }
    if kind != Kind::Any
        && statements
            .iter()
            .filter_map(|s| s.sid)
            .any(|sid| !sid.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(malformed(msg::SID_ALPHANUMERIC));
    }
    Ok(())
}

/// Stage 8: `vendor:action`, or `*`.
fn action_error(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or("");
    match (parts.next(), parts.next()) {
        (None, _) => Some(msg::VENDOR_PREFIX.to_string()),
        (Some(_), Some(_)) => Some(msg::ONE_COLON.to_string()),
        (Some(_), None) if vendor.contains(['*', '?']) => Some(msg::VENDOR_WILDCARD.to_string()),
        (Some(_), None)
            if !vendor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') =>
        {
            Some(format!("Vendor {vendor} is not valid"))
        }
        (Some(_), None) => None,
    }
}

/// Stage 9: what a trust policy may grant and to whom.
fn check_trust(statements: &[Raw<'_>]) -> Result<(), PolicyError> {
    for statement in statements {
        let actions = statement.action.iter().flat_map(|(_, a)| a);
        for action in actions {
            let vendor = action.split_once(':').map(|(v, _)| v);
            if !vendor.is_some_and(|v| v.eq_ignore_ascii_case("sts")) {
                return Err(malformed(msg::TRUST_ACTIONS));
            }
        }
    }
    for statement in statements {
        let Some((_, RawPrincipal::Typed(types))) = &statement.principal else {
            continue;
        };
        for (kind, values) in types {
            for value in values {
                let valid = match *kind {
                    "AWS" => valid_aws_principal(value),
                    _ => !value.is_empty(),
                };
                if !valid {
                    let kind = kind.to_ascii_uppercase();
                    return Err(malformed(format!(
                        "Invalid principal in policy: \"{kind}\":\"{value}\""
                    )));
                }
            }
        }
    }
    Ok(())
}

fn build(raw: Raw<'_>, variables: bool) -> Result<Statement, PolicyError> {
    let Some((not_action, actions)) = raw.action else {
        return Err(malformed(msg::NO_ACTIONS));
    };
    let effect = if raw.effect == "Allow" {
        Effect::Allow
    } else {
        Effect::Deny
    };
    let principal = raw.principal.map(|(not, principal)| {
        let entries = match principal {
            RawPrincipal::Everyone => vec![PrincipalEntry::Everyone],
            RawPrincipal::Typed(types) => types
                .into_iter()
                .flat_map(|(kind, values)| values.into_iter().map(move |v| (kind, v)))
                .map(|(kind, value)| match kind {
                    "AWS" if value == "*" => PrincipalEntry::Everyone,
                    "AWS" => PrincipalEntry::Aws(value.to_string()),
                    "Federated" => PrincipalEntry::Federated(value.to_string()),
                    _ => PrincipalEntry::Service(value.to_string()),
                })
                .collect(),
        };
        Clause::new(not, entries)
    });
    let action = Clause::new(
        not_action,
        actions.into_iter().map(Pattern::literal).collect(),
    );
    let resource = raw.resource.map(|(not, resources)| {
        Clause::new(
            not,
            resources
                .into_iter()
                .map(|r| Pattern::resource(r, variables))
                .collect(),
        )
    });
    let conditions = raw
        .conditions
        .into_iter()
        .map(|(operator, key, values)| {
            let substitute = variables && operator.base.takes_variables();
            let values = values
                .iter()
                .map(|v| {
                    if substitute {
                        Pattern::with_variables(v)
                    } else {
                        Pattern::literal(v)
                    }
                })
                .collect();
            Condition::new(operator, key, values)
        })
        .collect();
    Ok(Statement {
        sid: raw.sid.map(str::to_string),
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str, kind: Kind) -> Option<String> {
        parse(json, kind).err().map(|e| e.message().to_string())
    }

    /// A 2012-10-17 document with one statement made of `body`.
    fn one(body: &str) -> String {
        format!(r#"{{"Version": "2012-10-17", "Statement": {{{body}}}}}"#)
    }

    const OK: &str = r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example_bucket""#;

    #[test]
    fn malformed_identity_documents() {
        let legacy = msg::LEGACY;
        let cases: Vec<(String, &str)> = vec![
            ("This is not a json document".into(), msg::SYNTAX),
            ("[]".into(), msg::SYNTAX),
            (r#"{"Version": "2012-10-17"}"#.into(), msg::SYNTAX),
            (r#"{"Version": "2012-10-17", "Statement": []}"#.into(), msg::SYNTAX),
            (r#"{"Version": "2012-10-17", "Statement": ["afd"]}"#.into(), msg::SYNTAX),
            (format!(r#"{{"Version": "2013-10-17", "Statement": {{{OK}}}}}"#), msg::SYNTAX),
            (format!(r#"{{"Version": 2012, "Statement": {{{OK}}}}}"#), msg::SYNTAX),
            (format!(r#"{{"Version": "2012-10-17", "Statement": {{{OK}}}, "Extra": 1}}"#), msg::SYNTAX),
            (format!(r#"{{"Version": "2012-10-17", "Id": ["x"], "Statement": {{{OK}}}}}"#), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Extra field": "value""#)), msg::SYNTAX),
            (one(r#""Effect": "invalid", "Action": "s3:ListBucket", "Resource": "*""#), msg::SYNTAX),
            (one(r#""Action": "s3:ListBucket", "Resource": "*""#), msg::SYNTAX),
            (one(r#""Effect": "Allow", "Action": {}, "Resource": "*""#), msg::SYNTAX),
            (one(r#""Effect": "Allow", "Action": [[]], "Resource": "*""#), msg::SYNTAX),
            (one(r#""Effect": "Deny", "Action": "s3:ListBucket", "Resource": ["adfdf", {}]"#), msg::SYNTAX),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": {"a": "b"}"#), msg::SYNTAX),
            (one(r#""Effect": "Allow", "NotAction": "s3:x", "Action": [], "Resource": "*""#), msg::SYNTAX),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "*", "NotResource": "*""#), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Sid": {{}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": []"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": "a""#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"a": "b"}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"DateGreaterThan": []}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"DateGreaterThan": {{"a": {{}}}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"StringEquals": {{"a": null}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"StringEquals": {{"a": [["b"]]}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"x": {{"a": "1"}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"StringEqualz": {{"a": "1"}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"ForAnyValue::StringEqualsIfExists": {{"a": "1"}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Condition": {{"NullIfExists": {{"a": "true"}}}}"#)), msg::SYNTAX),
            (one(&format!(r#"{OK}, "Principal": "*""#)), msg::NO_PRINCIPAL),
            (one(&format!(r#"{OK}, "NotPrincipal": {{"AWS": "123456789012"}}"#)), msg::NO_PRINCIPAL),
            (one(r#""Effect": "allow", "Action": "s3:ListBucket", "Resource": "*""#), legacy),
            (one(r#""Effect": "denY", "Action": "s3:ListBucket", "Resource": "*""#), legacy),
            (one(&format!(r#"{OK}, "Condition": {{"DateGreaterThan": {{"a": "sdfdsf"}}}}"#)), legacy),
            (one(&format!(r#"{OK}, "Condition": {{"DateLessThan": {{"a": "9223372036854775808"}}}}"#)), legacy),
            (one(r#""Effect": "Allow", "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}"#), legacy),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3::example_bucket""#), legacy),
            (one(r#""Effect": "Allow", "Resource": "arn:aws:s3::example_bucket""#), legacy),
            (one(r#""Effect": "Allow", "NotAction": "s3:x", "Resource": "arn:aws::::example_bucket""#), legacy),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws::fdsasf""#), legacy),
            (
                r#"{"Version": "2012-10-17", "Statement": [{"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}, {"Sid": "sdf", "Effect": "Allow"}]}"#.into(),
                msg::SID_UNIQUE,
            ),
            (one(&format!(r#"{OK}, "Sid": "has space""#)), msg::SID_ALPHANUMERIC),
            (one(&format!(r#"{OK}, "Sid": "dash-ed""#)), msg::SID_ALPHANUMERIC),
            (one(r#""Effect": "Allow", "Resource": "arn:aws:s3:::example_bucket""#), msg::NO_ACTIONS),
            (one(r#""Effect": "Allow""#), msg::NO_ACTIONS),
            (one(r#""Effect": "Allow", "Action": [], "Resource": "*""#), msg::NO_ACTIONS),
            (
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny"}, {"Effect": "Allow", "Action": "s3:x", "Resource": "*"}]}"#.into(),
                msg::NO_ACTIONS,
            ),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket""#), msg::NO_RESOURCES),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": []"#), msg::NO_RESOURCES),
            (one(r#""Effect": "Allow", "Action": "invalid""#), msg::NO_RESOURCES),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": "invalid resource""#), "Resource invalid resource must be in ARN format or \"*\"."),
            (one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": """#), "Resource  must be in ARN format or \"*\"."),
            (one(r#""Effect": "Allow", "Action": "s:3:ListBucket", "Resource": "sdfsadf""#), "Resource sdfsadf must be in ARN format or \"*\"."),
            (one(r#""Effect": "Allow", "NotAction": "s3s:x", "Resource": "a:bsdfdsafsad""#), "Partition \"bsdfdsafsad\" is not valid for resource \"arn:bsdfdsafsad:*:*:*:*\"."),
            (one(r#""Effect": "Allow", "NotAction": "s3s:x", "Resource": "a:b:cadfsdf""#), "Partition \"b\" is not valid for resource \"arn:b:cadfsdf:*:*:*\"."),
            (one(r#""Effect": "Allow", "NotAction": "s3s:x", "Resource": "a:b:c:d:e:f:g:h""#), "Partition \"b\" is not valid for resource \"arn:b:c:d:e:f:g:h\"."),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "aws:s3:::example_bucket""#), "Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\"."),
            (
                one(r#""Effect": "Allow", "Action": "s3:x", "Resource": ["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]"#),
                "Partition \"error\" is not valid for resource \"arn:error:s3:::example_bucket\".",
            ),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:${aws:partition}:s3:::b""#), "Partition \"${aws\" is not valid for resource \"arn:${aws:partition}:s3:::b\"."),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws""#), msg::RESOURCE_VENDOR),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:s3*:::b""#), msg::RESOURCE_VENDOR),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:iam:::example_bucket""#), msg::IAM_PATH),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:iam:us-east-1::example_bucket""#), "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."),
            (one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:s3:us-east-1::example_bucket""#), "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."),
            (one(r#""Effect": "Allow", "Action": "invalid", "Resource": "*""#), msg::VENDOR_PREFIX),
            (one(r#""Effect": "Allow", "NotAction": "", "Resource": "*""#), msg::VENDOR_PREFIX),
            (one(r#""Effect": "Allow", "Action": "a a:ListBucket", "Resource": "*""#), "Vendor a a is not valid"),
            (one(r#""Effect": "Allow", "Action": "s3:List:Bucket", "Resource": "*""#), msg::ONE_COLON),
            (one(r#""Effect": "Allow", "Action": "*:Untag*", "Resource": "*""#), msg::VENDOR_WILDCARD),
            (one(r#""Effect": "Allow", "Action": "s3*:Get", "Resource": "*""#), msg::VENDOR_WILDCARD),
        ];
        for (json, expected) in &cases {
            assert_eq!(
                error(json, Kind::Identity).as_deref(),
                Some(*expected),
                "{json}"
            );
        }
    }

    #[test]
    fn valid_identity_documents() {
        let cases = [
            one(OK),
            one(r#""Effect": "Allow", "Action": "iam: asdf safdsf af ", "Resource": "arn:aws:s3:::example_bucket""#),
            one(r#""Effect": "Allow", "Action": "s3:ListBucket", "Resource": ["arn:aws:s3:::example_bucket", "*"]"#),
            one(r#""Effect": "Allow", "Action": "*", "Resource": "*""#),
            one(r#""Effect": "Allow", "Action": "s3-s.x:ListBucket", "Resource": "arn:aws:s33:::example_bucket""#),
            one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:iam:::user/example""#),
            one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:iam::123456789012:*""#),
            one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:fdsasf""#),
            one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:ec2:us-east-1::example""#),
            one(r#""Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws-cn:s3:::b""#),
            one(r#""Effect": "Allow", "NotAction": "s3:x", "NotResource": "*""#),
            one(r#""Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HR/Payroll", "arn:aws:s3:::HR/Payroll/*"]"#),
            one(&format!(r#"{OK}, "Condition": {{}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"a": {{}}, "y": {{}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"DateGreaterThan": {{}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"DateGreaterThan": {{"a": []}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"DateGreaterThan": {{"a": "01T"}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"DateLessThanEquals": {{"a": "2016-12-13T21:20:37.593194+00:00"}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"DateLessThan": {{"a": "-292275054"}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"ForAnyValue:StringEqualsIfExists": {{"a": "asf"}}}}"#)),
            one(&format!(r#"{OK}, "Condition": {{"Bool": {{"aws:SecureTransport": false}}, "NumericLessThan": {{"s3:max-keys": 10}}}}"#)),
            one(&format!(r#"{OK}, "Sid": "Stmt1""#)),
            one(&format!(r#"{OK}, "Sid": """#)),
            format!(r#"{{"Version": "2012-10-17", "Id": "x", "Conditions": {{}}, "Statement": [{{{OK}}}]}}"#),
            format!(r#"{{"Version": "2008-10-17", "Statement": {{{OK}}}}}"#),
            format!(r#"{{"Statement": {{{OK}}}}}"#),
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:x", "Resource": "*"}, {"Sid": "", "Effect": "Allow", "Action": "s3:y", "Resource": "*"}]}"#.to_string(),
        ];
        for json in &cases {
            assert_eq!(error(json, Kind::Identity), None, "{json}");
        }
    }

    #[test]
    fn managed_policies_need_the_current_version() {
        let current = one(OK);
        let old = format!(r#"{{"Version": "2008-10-17", "Statement": {{{OK}}}}}"#);
        let missing =
            r#"{"Statement": {"Effect": "denY", "Action": "s3:x", "Resource": "*"}}"#.to_string();
        assert_eq!(error(&current, Kind::Managed), None);
        assert_eq!(error(&old, Kind::Managed).as_deref(), Some(msg::VERSION));
        assert_eq!(
            error(&missing, Kind::Managed).as_deref(),
            Some(msg::VERSION)
        );
        assert_eq!(error(&old, Kind::Identity), None);
    }

    #[test]
    fn trust_documents() {
        let web = r#""Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity""#;
        let cases: Vec<(String, Option<&str>)> = vec![
            (one(web), None),
            (
                one(r#""Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole""#),
                None,
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:role/R"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]"#,
                ),
                None,
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:*""#,
                ),
                None,
            ),
            (
                one(
                    r#""Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "STS:AssumeRole""#,
                ),
                None,
            ),
            (format!(r#"{{"Statement": {{{web}}}}}"#), None),
            (
                one(&format!(r#"{web}, "Resource": "*""#)),
                Some("Has prohibited field Resource"),
            ),
            (
                one(&format!(r#"{web}, "NotResource": "*""#)),
                Some("Has prohibited field NotResource"),
            ),
            (
                one(r#""Effect": "Allow", "Action": "sts:AssumeRole""#),
                Some(msg::NO_PRINCIPALS_IN_STATEMENT),
            ),
            (
                one(r#""Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole""#),
                Some(msg::NO_PRINCIPALS_IN_STATEMENT),
            ),
            (
                one(r#""Effect": "Allow", "Principal": {"AWS": []}, "Action": "sts:AssumeRole""#),
                Some(msg::NO_PRINCIPALS_IN_STATEMENT),
            ),
            (
                one(r#""Effect": "Allow", "Principal": "someone", "Action": "sts:AssumeRole""#),
                Some(msg::SYNTAX),
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": {"CanonicalUser": "abc"}, "Action": "sts:AssumeRole""#,
                ),
                Some(msg::SYNTAX),
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "sts:AssumeRole""#,
                ),
                Some(msg::SYNTAX),
            ),
            (
                one(r#""Effect": "Allow", "Principal": "*", "Action": "s3:GetObject""#),
                Some(msg::TRUST_ACTIONS),
            ),
            (
                one(r#""Effect": "Allow", "Principal": "*", "Action": "*""#),
                Some(msg::TRUST_ACTIONS),
            ),
            (
                one(r#""Effect": "Allow", "Principal": "*", "Action": "s3""#),
                Some(msg::VENDOR_PREFIX),
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:group/g"}, "Action": "sts:AssumeRole""#,
                ),
                Some("Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:group/g\""),
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": {"Service": ""}, "Action": "sts:AssumeRole""#,
                ),
                Some("Invalid principal in policy: \"SERVICE\":\"\""),
            ),
            (
                one(
                    r#""Effect": "Allow", "Principal": {"Federated": [""]}, "Action": "sts:AssumeRole""#,
                ),
                Some("Invalid principal in policy: \"FEDERATED\":\"\""),
            ),
            (
                one(&format!(r#"{web}, "Sid": "web identity""#)),
                Some(msg::SID_ALPHANUMERIC),
            ),
        ];
        for (json, expected) in &cases {
            assert_eq!(error(json, Kind::Trust).as_deref(), *expected, "{json}");
        }
    }

    #[test]
    fn any_kind_is_lenient_about_principals_resources_and_sids() {
        let cases = [
            one(
                r#""Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*""#,
            ),
            one(r#""Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole""#),
            one(
                r#""Sid": "any text", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*""#,
            ),
        ];
        for json in &cases {
            assert_eq!(error(json, Kind::Any), None, "{json}");
        }
        assert_eq!(
            error(&one(r#""Effect": "Allow", "Action": "s3""#), Kind::Any).as_deref(),
            Some(msg::VENDOR_PREFIX)
        );
    }

    #[test]
    fn statements_are_read() {
        let policy = parse(
            r#"{"Version": "2012-10-17", "Id": "doc", "Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b"}
            ]}"#,
            Kind::Identity,
        );
        let Ok(policy) = policy else {
            panic!("{policy:?}");
        };
        assert_eq!(policy.id(), Some("doc"));
        assert_eq!(policy.version(), Some(PolicyVersion::V2012_10_17));
        assert!(policy.has_policy_variables());
        assert_eq!(policy.statement_count(), 2);
        assert_eq!(policy.sids().collect::<Vec<_>>(), [Some("A"), None]);
        assert_eq!(policy.statements[0].effect, Effect::Allow);
        assert_eq!(policy.statements[1].effect, Effect::Deny);
        assert!(matches!(policy.statements[1].action, Clause::Not(_)));
        assert!(matches!(
            policy.statements[1].resource,
            Some(Clause::Not(_))
        ));
    }
}
