//! Principals: who a request comes from, and the `Principal`/`NotPrincipal` entries of
//! trust policies that name them.

/// A caller, as the `Principal` element of a trust policy names callers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// An IAM identity: an account ID, `arn:aws:iam::<account>:root`, `...:user/<name>`,
    /// `...:role/<name>`, or an STS session `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    Aws(String),
    /// A web-identity or SAML provider, e.g. `cognito-identity.amazonaws.com`,
    /// `accounts.google.com` or an OIDC provider ARN.
    Federated(String),
    /// An AWS service, e.g. `lambda.amazonaws.com`.
    Service(String),
    /// An unauthenticated caller.
    Anonymous,
}

/// One entry of a `Principal`/`NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalEntry {
    /// `"Principal": "*"` or `{"AWS": "*"}` (IAM documents them as equivalent): anyone,
    /// anonymous callers included.
    Everyone,
    Aws(String),
    Federated(String),
    Service(String),
}

impl PrincipalEntry {
    /// Whether this entry names `caller`.
    pub(crate) fn matches(&self, caller: &Principal) -> bool {
        match (self, caller) {
            (PrincipalEntry::Everyone, _) => true,
            (PrincipalEntry::Aws(entry), Principal::Aws(caller)) => aws_matches(entry, caller),
            (PrincipalEntry::Federated(entry), Principal::Federated(caller))
            | (PrincipalEntry::Service(entry), Principal::Service(caller)) => {
                entry == "*" || entry == caller
            }
            _ => false,
        }
    }
}

/// An `AWS` principal entry names the identity itself, its whole account (account ID or
/// `:root`), or, for a role ARN, every session of that role.
fn aws_matches(entry: &str, caller: &str) -> bool {
    if entry == caller {
        return true;
    }
    let Some(caller_account) = account_of(caller) else {
        return false;
    };
    if is_account_id(entry) {
        return entry == caller_account;
    }
    let Some(entry_arn) = arn_components(entry) else {
        return false;
    };
    if entry_arn[2] != "iam" || entry_arn[4] != caller_account {
        return false;
    }
    if entry_arn[5] == "root" {
        return true;
    }
    // A role ARN (any path) matches the sessions of that role.
    if let Some(role_path) = entry_arn[5].strip_prefix("role/")
        && let Some(caller_arn) = arn_components(caller)
        && caller_arn[1] == entry_arn[1]
        && caller_arn[2] == "sts"
        && let Some(session) = caller_arn[5].strip_prefix("assumed-role/")
    {
        let role_name = role_path.rsplit('/').next().unwrap_or(role_path);
        return session.split('/').next() == Some(role_name);
    }
    false
}

fn account_of(caller: &str) -> Option<&str> {
    if is_account_id(caller) {
        return Some(caller);
    }
    arn_components(caller).map(|arn| arn[4])
}

/// `arn:partition:service:region:account:resource`, the resource holding any further colons.
pub(crate) fn arn_components(text: &str) -> Option<[&str; 6]> {
    let mut parts = text.splitn(6, ':');
    let arn = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (arn[0] == "arn").then_some(arn)
}

pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether IAM would accept `value` in an `AWS` principal: `*`, an account ID, or an IAM/STS
/// principal ARN.
pub(crate) fn valid_aws_principal(value: &str) -> bool {
    if value == "*" || is_account_id(value) {
        return true;
    }
    if value.contains(['*', '?']) {
        return false;
    }
    let Some(arn) = arn_components(value) else {
        return false;
    };
    if !crate::parse::PARTITIONS.contains(&arn[1]) || !arn[3].is_empty() || !is_account_id(arn[4]) {
        return false;
    }
    let named = |prefix: &str| {
        arn[5]
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty())
    };
    match arn[2] {
        "iam" => arn[5] == "root" || named("user/") || named("role/") || named("federated-user/"),
        "sts" => named("assumed-role/") || named("federated-user/"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_callers() {
        let aws = |s: &str| Principal::Aws(s.into());
        let cases = [
            (PrincipalEntry::Everyone, Principal::Anonymous, true),
            (
                PrincipalEntry::Everyone,
                Principal::Federated("x".into()),
                true,
            ),
            (
                PrincipalEntry::Aws("123456789012".into()),
                aws("123456789012"),
                true,
            ),
            (
                PrincipalEntry::Aws("123456789012".into()),
                aws("arn:aws:iam::123456789012:user/bob"),
                true,
            ),
            (
                PrincipalEntry::Aws("123456789012".into()),
                aws("arn:aws:iam::210987654321:user/bob"),
                false,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:root".into()),
                aws("arn:aws:iam::123456789012:role/r"),
                true,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:root".into()),
                aws("arn:aws:iam::210987654321:role/r"),
                false,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:user/bob".into()),
                aws("arn:aws:iam::123456789012:user/bob"),
                true,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:user/bob".into()),
                aws("arn:aws:iam::123456789012:user/eve"),
                false,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:role/path/App".into()),
                aws("arn:aws:sts::123456789012:assumed-role/App/session-1"),
                true,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:role/App".into()),
                aws("arn:aws:sts::123456789012:assumed-role/Other/session-1"),
                false,
            ),
            (
                PrincipalEntry::Aws("arn:aws:iam::123456789012:role/App".into()),
                aws("arn:aws:sts::210987654321:assumed-role/App/session-1"),
                false,
            ),
            (
                PrincipalEntry::Aws("123456789012".into()),
                Principal::Anonymous,
                false,
            ),
            (
                PrincipalEntry::Aws("123456789012".into()),
                Principal::Service("123456789012".into()),
                false,
            ),
            (
                PrincipalEntry::Federated("cognito-identity.amazonaws.com".into()),
                Principal::Federated("cognito-identity.amazonaws.com".into()),
                true,
            ),
            (
                PrincipalEntry::Federated("cognito-identity.amazonaws.com".into()),
                Principal::Federated("accounts.google.com".into()),
                false,
            ),
            (
                PrincipalEntry::Federated("*".into()),
                Principal::Federated("accounts.google.com".into()),
                true,
            ),
            (
                PrincipalEntry::Federated("*".into()),
                Principal::Service("lambda.amazonaws.com".into()),
                false,
            ),
            (
                PrincipalEntry::Service("lambda.amazonaws.com".into()),
                Principal::Service("lambda.amazonaws.com".into()),
                true,
            ),
            (
                PrincipalEntry::Service("lambda.amazonaws.com".into()),
                Principal::Federated("lambda.amazonaws.com".into()),
                false,
            ),
        ];
        for (entry, caller, expected) in cases {
            assert_eq!(entry.matches(&caller), expected, "{entry:?} ~ {caller:?}");
        }
    }

    #[test]
    fn aws_principal_values() {
        let valid = [
            "*",
            "123456789012",
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::123456789012:role/path/App",
            "arn:aws-cn:iam::123456789012:role/App",
            "arn:aws:sts::123456789012:assumed-role/App/s",
            "arn:aws:sts::123456789012:federated-user/bob",
        ];
        let invalid = [
            "",
            "12345",
            "bob",
            "arn:aws::iam::123456789012:root",
            "arn:aws:iam::123456789012:",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:group/admins",
            "arn:aws:iam:us-east-1:123456789012:root",
            "arn:aws:iam::12345:root",
            "arn:nope:iam::123456789012:root",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:role/*",
        ];
        for value in valid {
            assert!(valid_aws_principal(value), "{value}");
        }
        for value in invalid {
            assert!(!valid_aws_principal(value), "{value}");
        }
    }
}
