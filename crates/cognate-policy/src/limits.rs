//! Size quotas on policy documents, with the messages IAM and STS return.
//!
//! IAM does not count white space towards its policy quotas; the STS `Policy` parameter is a
//! plain length constraint on the text as sent.

use crate::error::PolicyError;

/// IAM quota: all inline policies of one role together, in characters without white space.
pub const ROLE_INLINE_POLICIES_MAX_CHARS: usize = 10_240;
/// IAM quota: a role trust policy, in characters without white space (IAM's default quota).
pub const TRUST_POLICY_MAX_CHARS: usize = 2_048;
/// IAM quota: a managed policy, in characters without white space.
pub const MANAGED_POLICY_MAX_CHARS: usize = 6_144;
/// STS limit: the `Policy` parameter of `AssumeRole*`, in characters as sent.
pub const SESSION_POLICY_MAX_CHARS: usize = 2_048;

/// The size of a policy as IAM counts it: characters other than white space.
pub fn policy_size(json: &str) -> usize {
    json.chars().filter(|c| !c.is_whitespace()).count()
}

/// Checks the inline policies of a role (all of them, as they would be after the change)
/// against IAM's 10,240-character quota.
///
/// Error: `LimitExceeded`, `Maximum policy size of 10240 bytes exceeded for role <role>`.
pub fn check_role_inline_policies_size<'a>(
    role_name: &str,
    documents: impl IntoIterator<Item = &'a str>,
) -> Result<(), PolicyError> {
    let total: usize = documents.into_iter().map(policy_size).sum();
    if total > ROLE_INLINE_POLICIES_MAX_CHARS {
        return Err(PolicyError::LimitExceeded(format!(
            "Maximum policy size of {ROLE_INLINE_POLICIES_MAX_CHARS} bytes exceeded for role {role_name}"
        )));
    }
    Ok(())
}

/// Checks a role trust policy against IAM's 2,048-character quota.
///
/// Error: `LimitExceeded`, `Cannot exceed quota for ACLSizePerRole: 2048`.
pub fn check_trust_policy_size(json: &str) -> Result<(), PolicyError> {
    if policy_size(json) > TRUST_POLICY_MAX_CHARS {
        return Err(PolicyError::LimitExceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX_CHARS}"
        )));
    }
    Ok(())
}

/// Checks a managed policy against IAM's 6,144-character quota.
///
/// Error: `LimitExceeded`, `Cannot exceed quota for PolicySize: 6144`.
pub fn check_managed_policy_size(json: &str) -> Result<(), PolicyError> {
    if policy_size(json) > MANAGED_POLICY_MAX_CHARS {
        return Err(PolicyError::LimitExceeded(format!(
            "Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX_CHARS}"
        )));
    }
    Ok(())
}

/// Checks the `Policy` parameter of an STS `AssumeRole*` call: 1 to 2,048 characters.
///
/// Error: `ValidationError`, worded as STS words member constraints (`1 validation error
/// detected: Value '<policy>' at 'policy' failed to satisfy constraint: Member must have
/// length less than or equal to 2048`). STS also refuses policies whose compressed form is
/// too large (`PackedPolicyTooLarge`); that check is not reproduced.
pub fn check_session_policy_size(json: &str) -> Result<(), PolicyError> {
    let length = json.chars().count();
    let constraint = if length == 0 {
        "Member must have length greater than or equal to 1".to_string()
    } else if length > SESSION_POLICY_MAX_CHARS {
        format!("Member must have length less than or equal to {SESSION_POLICY_MAX_CHARS}")
    } else {
        return Ok(());
    };
    Err(PolicyError::Validation(format!(
        "1 validation error detected: Value '{json}' at 'policy' failed to satisfy constraint: {constraint}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document of exactly `size` characters without white space, padded with white space.
    fn document(size: usize) -> String {
        let head = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::"#;
        let tail = r#""}}"#;
        let padding = size - head.len() - tail.len();
        format!("{head}{}{tail}\n    \t", "b".repeat(padding))
    }

    #[test]
    fn size_ignores_white_space() {
        assert_eq!(policy_size("{ \"a\" :\n\t\"b c\" }"), 10);
        assert_eq!(policy_size(""), 0);
        assert_eq!(policy_size(&document(500)), 500);
        assert_eq!(policy_size("é"), 1);
    }

    #[test]
    fn role_inline_policies() {
        let half = document(5_120);
        assert_eq!(
            check_role_inline_policies_size("R", [half.as_str(), half.as_str()]),
            Ok(())
        );
        assert_eq!(check_role_inline_policies_size("R", []), Ok(()));
        let over = document(5_121);
        assert_eq!(
            check_role_inline_policies_size("MyRole", [half.as_str(), over.as_str()]),
            Err(PolicyError::LimitExceeded(
                "Maximum policy size of 10240 bytes exceeded for role MyRole".into()
            ))
        );
    }

    #[test]
    fn trust_and_managed_policies() {
        assert_eq!(check_trust_policy_size(&document(2_048)), Ok(()));
        assert_eq!(
            check_trust_policy_size(&document(2_049)),
            Err(PolicyError::LimitExceeded(
                "Cannot exceed quota for ACLSizePerRole: 2048".into()
            ))
        );
        assert_eq!(check_managed_policy_size(&document(6_144)), Ok(()));
        assert_eq!(
            check_managed_policy_size(&document(6_145)),
            Err(PolicyError::LimitExceeded(
                "Cannot exceed quota for PolicySize: 6144".into()
            ))
        );
    }

    #[test]
    fn session_policies_count_every_character() {
        let exact = "x".repeat(2_048);
        assert_eq!(check_session_policy_size(&exact), Ok(()));
        let spaced = format!("{}{}", "x".repeat(2_000), " ".repeat(49));
        let Err(error) = check_session_policy_size(&spaced) else {
            panic!("2,049 characters accepted");
        };
        assert_eq!(error.code(), "ValidationError");
        assert_eq!(
            error.message(),
            format!(
                "1 validation error detected: Value '{spaced}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"
            )
        );
        assert_eq!(
            check_session_policy_size(""),
            Err(PolicyError::Validation(
                "1 validation error detected: Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1".into()
            ))
        );
    }
}
