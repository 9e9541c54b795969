//! The crate's error type and the texts of IAM's and STS's messages.
//!
//! Messages are the ones AWS returns, verbatim, so a caller can put them on the wire as they
//! are; [`PolicyError::code`] names the AWS error code that goes with each kind.

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// IAM `MalformedPolicyDocument`: the text is not a valid policy of the kind asked for
    /// (e.g. `Syntax errors in policy.`, `Policy document should not specify a principal.`).
    #[error("{0}")]
    Malformed(String),
    /// IAM `LimitExceeded`: a size quota (e.g. `Maximum policy size of 10240 bytes exceeded
    /// for role MyRole`).
    #[error("{0}")]
    LimitExceeded(String),
    /// A request-member constraint, as STS reports it with the `ValidationError` code (e.g. a
    /// session policy longer than 2,048 characters).
    #[error("{0}")]
    Validation(String),
}

impl PolicyError {
    /// The AWS error code that carries this error: `MalformedPolicyDocument`, `LimitExceeded`
    /// or `ValidationError`.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Malformed(_) => "MalformedPolicyDocument",
            PolicyError::LimitExceeded(_) => "LimitExceeded",
            PolicyError::Validation(_) => "ValidationError",
        }
    }

    /// The message, as AWS words it.
    pub fn message(&self) -> &str {
        match self {
            PolicyError::Malformed(m)
            | PolicyError::LimitExceeded(m)
            | PolicyError::Validation(m) => m,
        }
    }
}

pub(crate) fn malformed(message: impl Into<String>) -> PolicyError {
    PolicyError::Malformed(message.into())
}

/// IAM's `MalformedPolicyDocument` texts that do not depend on the document.
pub(crate) mod msg {
    pub(crate) const SYNTAX: &str = "Syntax errors in policy.";
    pub(crate) const LEGACY: &str = "The policy failed legacy parsing";
    pub(crate) const VERSION: &str = "Policy document must be version 2012-10-17 or greater.";
    pub(crate) const NO_PRINCIPAL: &str = "Policy document should not specify a principal.";
    pub(crate) const NO_PRINCIPALS_IN_STATEMENT: &str = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!";
    pub(crate) const SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
    pub(crate) const SID_ALPHANUMERIC: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
    pub(crate) const NO_ACTIONS: &str = "Policy statement must contain actions.";
    pub(crate) const NO_RESOURCES: &str = "Policy statement must contain resources.";
    pub(crate) const VENDOR_PREFIX: &str =
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
    pub(crate) const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
    pub(crate) const VENDOR_WILDCARD: &str =
        "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards";
    pub(crate) const RESOURCE_VENDOR: &str =
        "Resource vendor must be fully qualified and cannot contain regexes.";
    pub(crate) const IAM_PATH: &str = "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";
    pub(crate) const TRUST_ACTIONS: &str =
        "AssumeRole policy may only specify STS AssumeRole actions.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let cases = [
            (
                PolicyError::Malformed("a".into()),
                "MalformedPolicyDocument",
                "a",
            ),
            (PolicyError::LimitExceeded("b".into()), "LimitExceeded", "b"),
            (PolicyError::Validation("c".into()), "ValidationError", "c"),
        ];
        for (error, code, message) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.message(), message);
            assert_eq!(error.to_string(), message);
        }
    }
}
