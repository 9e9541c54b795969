//! Which role an identity gets: CustomRoleArn, the provider's role mapping
//! (Token or Rules), or the pool's default roles.

use super::bad_role_config;
use super::logins::{LoginKind, ValidLogin};
use super::model::{IdentityPoolRecord, RoleMapping};
use crate::error::{CoreError, CoreResult};
use serde_json::Value;

const MAX_RULES: usize = 25;

/// Validates a RoleMappings entry as SetIdentityPoolRoles does.
pub(crate) fn check_mapping(provider: &str, m: &RoleMapping) -> CoreResult<()> {
    match m.mapping_type.as_str() {
        "Token" => {}
        "Rules" => {
            let rules = m
                .rules_configuration
                .as_ref()
                .map(|r| r.rules.as_slice())
                .unwrap_or_default();
            if rules.is_empty() {
                return Err(CoreError::invalid_parameter(format!(
                    "RulesConfiguration is required for the Rules role mapping of {provider}."
                )));
            }
            if rules.len() > MAX_RULES {
                return Err(CoreError::invalid_parameter(format!(
                    "A role mapping can have at most {MAX_RULES} rules."
                )));
            }
        }
        other => {
            return Err(CoreError::invalid_parameter(format!(
                "Invalid role mapping type: {other}"
            )));
        }
    }
    if m.ambiguous_role_resolution.is_none() {
        return Err(CoreError::invalid_parameter(format!(
            "AmbiguousRoleResolution is required for the role mapping of {provider}."
        )));
    }
    Ok(())
}

fn ambiguous_denied() -> CoreError {
    CoreError::not_authorized("The ambiguous role mapping rules denied this request.")
}

/// The keys a login's role mapping may be stored under.
fn mapping_keys(login: &ValidLogin) -> Vec<String> {
    match &login.kind {
        LoginKind::UserPool { pool_id, client_id } => vec![
            // The spelling-independent key the caller may have normalised mappings to.
            format!("userpool:{pool_id}:{client_id}"),
            format!("{}:{client_id}", login.provider),
        ],
        _ => vec![login.provider.clone()],
    }
}

fn claim_values(claims: &Value, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.to_string()],
    }
}

fn rule_matches(claims: &Value, claim: &str, match_type: &str, value: &str) -> bool {
    let values = claim_values(claims, claim);
    match match_type {
        "Equals" => values.iter().any(|v| v == value),
        "Contains" => values.iter().any(|v| v.contains(value)),
        "StartsWith" => values.iter().any(|v| v.starts_with(value)),
        // cognito-compat: NotEqual on a missing claim does not match.
        "NotEqual" => !values.is_empty() && values.iter().all(|v| v != value),
        _ => false,
    }
}

/// What a role mapping decided for one login.
enum Mapped {
    Role(String),
    /// No decision: the mapping's AmbiguousRoleResolution applies.
    Ambiguous,
}

fn apply_mapping(m: &RoleMapping, login: &ValidLogin, custom: Option<&str>) -> CoreResult<Mapped> {
    match m.mapping_type.as_str() {
        "Token" => {
            let roles = claim_values(&login.claims, "cognito:roles");
            if let Some(custom) = custom {
                return if roles.iter().any(|r| r == custom) {
                    Ok(Mapped::Role(custom.to_string()))
                } else {
                    Err(CoreError::not_authorized(
                        "The CustomRoleArn is not one of the token's cognito:roles.",
                    ))
                };
            }
            if let Some(p) = login
                .claims
                .get("cognito:preferred_role")
                .and_then(Value::as_str)
            {
                return Ok(Mapped::Role(p.to_string()));
            }
            if roles.len() == 1 {
                return Ok(Mapped::Role(roles[0].clone()));
            }
            Ok(Mapped::Ambiguous)
        }
        _ => {
            let rules = m
                .rules_configuration
                .as_ref()
                .map(|r| r.rules.as_slice())
                .unwrap_or_default();
            Ok(rules
                .iter()
                .find(|r| rule_matches(&login.claims, &r.claim, &r.match_type, &r.value))
                .map_or(Mapped::Ambiguous, |r| Mapped::Role(r.role_arn.clone())))
        }
    }
}

/// The role for an authenticated identity presenting `logins` (already
/// validated), or for a guest when `logins` is empty and `authenticated` false.
pub(crate) fn choose_role(
    pool: &IdentityPoolRecord,
    logins: &[ValidLogin],
    authenticated: bool,
    custom_role_arn: Option<&str>,
) -> CoreResult<String> {
    if !authenticated {
        return pool
            .roles
            .get("unauthenticated")
            .cloned()
            .ok_or_else(bad_role_config);
    }
    let default_role = || {
        pool.roles
            .get("authenticated")
            .cloned()
            .ok_or_else(bad_role_config)
    };
    for login in logins {
        let Some(mapping) = mapping_keys(login)
            .iter()
            .find_map(|k| pool.role_mappings.get(k))
        else {
            continue;
        };
        return match apply_mapping(mapping, login, custom_role_arn)? {
            Mapped::Role(r) => Ok(r),
            Mapped::Ambiguous => match mapping.ambiguous_role_resolution.as_deref() {
                Some("AuthenticatedRole") => default_role(),
                _ => Err(ambiguous_denied()),
            },
        };
    }
    if let Some(custom) = custom_role_arn {
        // Without a Token mapping, a custom role must still be one the token names.
        let named = logins.iter().any(|l| {
            claim_values(&l.claims, "cognito:roles")
                .iter()
                .any(|r| r == custom)
        });
        if !named {
            return Err(CoreError::not_authorized(
                "The CustomRoleArn is not one of the token's cognito:roles.",
            ));
        }
        return Ok(custom.to_string());
    }
    default_role()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::model::{IdentityPool, MappingRule, RulesConfiguration};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn pool(mappings: Vec<(&str, RoleMapping)>) -> IdentityPoolRecord {
        IdentityPoolRecord {
            pool: IdentityPool::default(),
            roles: BTreeMap::from([
                ("authenticated".to_string(), "arn:auth".to_string()),
                ("unauthenticated".to_string(), "arn:unauth".to_string()),
            ]),
            role_mappings: mappings
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            created_at: 0.0,
            updated_at: 0.0,
        }
    }

    fn login(claims: Value) -> ValidLogin {
        ValidLogin {
            provider: "cognito-idp.us-east-1.amazonaws.com/us-east-1_X".into(),
            subject: "s".into(),
            claims,
            kind: LoginKind::UserPool {
                pool_id: "us-east-1_X".into(),
                client_id: "c1".into(),
            },
        }
    }

    const KEY: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:c1";

    fn rules(resolution: &str, rules: Vec<(&str, &str, &str, &str)>) -> RoleMapping {
        RoleMapping {
            mapping_type: "Rules".into(),
            ambiguous_role_resolution: Some(resolution.into()),
            rules_configuration: Some(RulesConfiguration {
                rules: rules
                    .into_iter()
                    .map(|(c, m, v, r)| MappingRule {
                        claim: c.into(),
                        match_type: m.into(),
                        value: v.into(),
                        role_arn: r.into(),
                    })
                    .collect(),
            }),
        }
    }

    fn token(resolution: &str) -> RoleMapping {
        RoleMapping {
            mapping_type: "Token".into(),
            ambiguous_role_resolution: Some(resolution.into()),
            rules_configuration: None,
        }
    }

    #[test]
    fn guests_get_the_unauthenticated_role() {
        assert_eq!(
            choose_role(&pool(vec![]), &[], false, None).unwrap(),
            "arn:unauth"
        );
        let mut p = pool(vec![]);
        p.roles.clear();
        assert_eq!(
            choose_role(&p, &[], false, None).unwrap_err().kind,
            crate::ErrorKind::InvalidIdentityPoolConfiguration
        );
    }

    #[test]
    fn rules_table() {
        let cases: Vec<(RoleMapping, Value, Result<&str, &str>)> = vec![
            (
                rules("Deny", vec![("email", "Equals", "a@x.com", "arn:a")]),
                json!({"email": "a@x.com"}),
                Ok("arn:a"),
            ),
            (
                rules("Deny", vec![("email", "Equals", "a@x.com", "arn:a")]),
                json!({"email": "b@x.com"}),
                Err("The ambiguous role mapping rules denied this request."),
            ),
            (
                rules(
                    "AuthenticatedRole",
                    vec![("email", "Equals", "a@x.com", "arn:a")],
                ),
                json!({"email": "b@x.com"}),
                Ok("arn:auth"),
            ),
            (
                rules("Deny", vec![("email", "Contains", "@corp", "arn:c")]),
                json!({"email": "z@corp.com"}),
                Ok("arn:c"),
            ),
            (
                rules("Deny", vec![("email", "StartsWith", "admin", "arn:s")]),
                json!({"email": "admin@x"}),
                Ok("arn:s"),
            ),
            (
                rules("Deny", vec![("custom:tier", "NotEqual", "free", "arn:n")]),
                json!({"custom:tier": "gold"}),
                Ok("arn:n"),
            ),
            (
                rules("Deny", vec![("custom:tier", "NotEqual", "free", "arn:n")]),
                json!({}),
                Err("The ambiguous role mapping rules denied this request."),
            ),
            (
                rules("Deny", vec![("cognito:groups", "Equals", "ops", "arn:o")]),
                json!({"cognito:groups": ["dev", "ops"]}),
                Ok("arn:o"),
            ),
            // First match wins.
            (
                rules(
                    "Deny",
                    vec![
                        ("email", "Contains", "x", "arn:1"),
                        ("email", "Contains", "x", "arn:2"),
                    ],
                ),
                json!({"email": "x"}),
                Ok("arn:1"),
            ),
            (
                token("Deny"),
                json!({"cognito:preferred_role": "arn:p", "cognito:roles": ["arn:p", "arn:q"]}),
                Ok("arn:p"),
            ),
            (
                token("Deny"),
                json!({"cognito:roles": ["arn:only"]}),
                Ok("arn:only"),
            ),
            (
                token("Deny"),
                json!({"cognito:roles": ["arn:p", "arn:q"]}),
                Err("The ambiguous role mapping rules denied this request."),
            ),
            (token("AuthenticatedRole"), json!({}), Ok("arn:auth")),
        ];
        for (i, (mapping, claims, want)) in cases.into_iter().enumerate() {
            let got = choose_role(&pool(vec![(KEY, mapping)]), &[login(claims)], true, None);
            match (got, want) {
                (Ok(r), Ok(w)) => assert_eq!(r, w, "case {i}"),
                (Err(e), Err(w)) => assert_eq!(e.message, w, "case {i}"),
                (got, want) => panic!("case {i}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn custom_role_must_be_in_cognito_roles() {
        let p = pool(vec![(KEY, token("Deny"))]);
        let l =
            login(json!({"cognito:roles": ["arn:p", "arn:q"], "cognito:preferred_role": "arn:p"}));
        assert_eq!(
            choose_role(&p, std::slice::from_ref(&l), true, Some("arn:q")).unwrap(),
            "arn:q"
        );
        assert!(choose_role(&p, &[l], true, Some("arn:z")).is_err());
        // Without a mapping the default role applies.
        let plain = pool(vec![]);
        assert_eq!(
            choose_role(&plain, &[login(json!({}))], true, None).unwrap(),
            "arn:auth"
        );
    }

    #[test]
    fn mapping_validation() {
        assert!(check_mapping("p", &token("Deny")).is_ok());
        let mut m = token("Deny");
        m.ambiguous_role_resolution = None;
        assert!(check_mapping("p", &m).is_err());
        assert!(check_mapping("p", &rules("Deny", vec![])).is_err());
    }
}
