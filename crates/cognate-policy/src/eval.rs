//! Policy evaluation for a single account, as IAM does it without SCPs, resource-based
//! policies or permissions boundaries:
//!
//! 1. an explicit `Deny` in any applicable policy (identity or session) wins;
//! 2. otherwise the request is allowed only if an identity policy allows it **and**, when
//!    session policies were passed, a session policy allows it too (the session's
//!    permissions are the intersection of the two sets; several session policies are one
//!    set, as STS combines an inline session policy with managed `PolicyArns`);
//! 3. anything else is denied implicitly.
//!
//! A statement applies when its principal (if it has one), action, resource (if it has one)
//! and every condition match the request.

use crate::context::RequestContext;
use crate::policy::{Effect, Policy};

/// The outcome of an authorisation check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed by the policies.
    Allow,
    /// Denied by a `Deny` statement.
    ExplicitDeny,
    /// Denied because nothing allows it.
    ImplicitDeny,
}

impl Decision {
    /// `true` only for [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }

    /// `Allow`, `ExplicitDeny` or `ImplicitDeny` (the words of IAM's policy simulator).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Policy {
    /// This policy alone: [`Decision::ExplicitDeny`] if a `Deny` statement applies, else
    /// [`Decision::Allow`] if an `Allow` statement applies, else [`Decision::ImplicitDeny`].
    pub fn evaluate(&self, request: &RequestContext) -> Decision {
        let mut allowed = false;
        for statement in &self.statements {
            if statement.applies(request) {
                match statement.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

/// Evaluates a request against the caller's identity policies (e.g. a role's inline policies)
/// and the session policies of its credentials (empty when the session has none).
///
/// ```
/// use cognate_policy::{Decision, Policy, RequestContext, evaluate};
///
/// let role = Policy::parse_identity(
///     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*",
///         "Resource": "arn:aws:s3:::photos/${cognito-identity.amazonaws.com:sub}/*"}}"#,
/// )?;
/// let request = RequestContext::new("s3:GetObject", "arn:aws:s3:::photos/us-east-1:42/cat.jpg")
///     .with_value("cognito-identity.amazonaws.com:sub", "us-east-1:42");
/// assert_eq!(evaluate(&[role], &[], &request), Decision::Allow);
/// # Ok::<(), cognate_policy::PolicyError>(())
/// ```
pub fn evaluate(
    identity_policies: &[Policy],
    session_policies: &[Policy],
    request: &RequestContext,
) -> Decision {
    let mut identity_allows = false;
    let mut session_allows = session_policies.is_empty();
    for (policy, is_session) in identity_policies
        .iter()
        .map(|p| (p, false))
        .chain(session_policies.iter().map(|p| (p, true)))
    {
        match policy.evaluate(request) {
            Decision::ExplicitDeny => return Decision::ExplicitDeny,
            Decision::Allow if is_session => session_allows = true,
            Decision::Allow => identity_allows = true,
            Decision::ImplicitDeny => {}
        }
    }
    if identity_allows && session_allows {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Evaluates a role's trust policy for a request to assume the role: statements apply only
/// when their `Principal` names (or `NotPrincipal` does not name) `request.principal`.
///
/// ```
/// use cognate_policy::{Decision, Policy, Principal, RequestContext, evaluate_trust};
///
/// let trust = Policy::parse_trust(r#"{"Version": "2012-10-17", "Statement": {
///     "Effect": "Allow",
///     "Principal": {"Federated": "cognito-identity.amazonaws.com"},
///     "Action": "sts:AssumeRoleWithWebIdentity",
///     "Condition": {
///         "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"},
///         "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}
///     }}}"#)?;
/// let request = RequestContext::new("sts:AssumeRoleWithWebIdentity", "arn:aws:iam::123456789012:role/App")
///     .with_principal(Principal::Federated("cognito-identity.amazonaws.com".into()))
///     .with_value("cognito-identity.amazonaws.com:aud", "us-east-1:pool")
///     .with_values("cognito-identity.amazonaws.com:amr", ["authenticated", "accounts.google.com"]);
/// assert!(evaluate_trust(&trust, &request).is_allowed());
/// # Ok::<(), cognate_policy::PolicyError>(())
/// ```
pub fn evaluate_trust(trust_policy: &Policy, request: &RequestContext) -> Decision {
    trust_policy.evaluate(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::Principal;

    fn identity(json: &str) -> Policy {
        Policy::parse_identity(json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    fn trust(json: &str) -> Policy {
        Policy::parse_trust(json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    fn allow(action: &str, resource: &str) -> Policy {
        identity(&format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}}}"#
        ))
    }

    fn deny(action: &str, resource: &str) -> Policy {
        identity(&format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Deny", "Action": "{action}", "Resource": "{resource}"}}}}"#
        ))
    }

    fn request(action: &str, resource: &str) -> RequestContext {
        RequestContext::new(action, resource)
    }

    #[test]
    fn decisions() {
        assert!(Decision::Allow.is_allowed());
        assert!(!Decision::ExplicitDeny.is_allowed());
        assert!(!Decision::ImplicitDeny.is_allowed());
        assert_eq!(Decision::Allow.to_string(), "Allow");
        assert_eq!(Decision::ExplicitDeny.as_str(), "ExplicitDeny");
        assert_eq!(Decision::ImplicitDeny.as_str(), "ImplicitDeny");
    }

    #[test]
    fn identity_and_session_logic() {
        let get = request("s3:GetObject", "arn:aws:s3:::b/k");
        let cases: Vec<(&str, Vec<Policy>, Vec<Policy>, Decision)> = vec![
            ("nothing", vec![], vec![], Decision::ImplicitDeny),
            (
                "allowed",
                vec![allow("s3:GetObject", "*")],
                vec![],
                Decision::Allow,
            ),
            (
                "other action",
                vec![allow("s3:PutObject", "*")],
                vec![],
                Decision::ImplicitDeny,
            ),
            (
                "other resource",
                vec![allow("s3:*", "arn:aws:s3:::c/*")],
                vec![],
                Decision::ImplicitDeny,
            ),
            (
                "deny wins in the same policy set",
                vec![allow("s3:*", "*"), deny("s3:Get*", "arn:aws:s3:::b/*")],
                vec![],
                Decision::ExplicitDeny,
            ),
            (
                "deny in a session policy",
                vec![allow("s3:*", "*")],
                vec![allow("*", "*"), deny("s3:GetObject", "*")],
                Decision::ExplicitDeny,
            ),
            (
                "deny in a session policy beats no allow",
                vec![],
                vec![deny("s3:GetObject", "*")],
                Decision::ExplicitDeny,
            ),
            (
                "session policy intersects",
                vec![allow("s3:*", "*")],
                vec![allow("s3:GetObject", "arn:aws:s3:::b/*")],
                Decision::Allow,
            ),
            (
                "session policy narrower than the request",
                vec![allow("s3:*", "*")],
                vec![allow("s3:PutObject", "*")],
                Decision::ImplicitDeny,
            ),
            (
                "session policy cannot grant alone",
                vec![allow("s3:PutObject", "*")],
                vec![allow("s3:*", "*")],
                Decision::ImplicitDeny,
            ),
            (
                "any session policy may allow",
                vec![allow("s3:*", "*")],
                vec![allow("sqs:*", "*"), allow("s3:GetObject", "*")],
                Decision::Allow,
            ),
            (
                "any identity policy may allow",
                vec![allow("sqs:*", "*"), allow("s3:GetObject", "*")],
                vec![],
                Decision::Allow,
            ),
        ];
        for (name, identity_policies, session_policies, expected) in cases {
            assert_eq!(
                evaluate(&identity_policies, &session_policies, &get),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn statement_elements() {
        let policy = identity(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:GetUser", "NotResource": "arn:aws:iam::*:user/admin*"},
                {"Effect": "Deny", "Action": "s3:DeleteObject", "NotResource": ["arn:aws:s3:::scratch/*"]}
            ]}"#,
        );
        let cases = [
            ("s3:GetObject", "arn:aws:s3:::b/k", Decision::Allow),
            ("S3:getobject", "arn:aws:s3:::b/k", Decision::Allow),
            ("iam:CreateUser", "*", Decision::ImplicitDeny),
            ("IAM:createuser", "*", Decision::ImplicitDeny),
            (
                "sts:AssumeRole",
                "arn:aws:iam::1:role/r",
                Decision::ImplicitDeny,
            ),
            (
                "iam:GetUser",
                "arn:aws:iam::123456789012:user/bob",
                Decision::Allow,
            ),
            (
                "iam:GetUser",
                "arn:aws:iam::123456789012:user/admin-1",
                Decision::ImplicitDeny,
            ),
            (
                "s3:DeleteObject",
                "arn:aws:s3:::scratch/tmp",
                Decision::Allow,
            ),
            (
                "s3:DeleteObject",
                "arn:aws:s3:::b/k",
                Decision::ExplicitDeny,
            ),
        ];
        for (action, resource, expected) in cases {
            assert_eq!(
                policy.evaluate(&request(action, resource)),
                expected,
                "{action} {resource}"
            );
        }
    }

    #[test]
    fn conditions_are_anded_and_values_ored() {
        let policy = identity(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::b",
                "Condition": {
                    "StringLike": {"s3:prefix": ["home/", "home/${aws:username}/*"], "s3:delimiter": "/"},
                    "Bool": {"aws:SecureTransport": true},
                    "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}
                }}}"#,
        );
        let base = || {
            request("s3:ListBucket", "arn:aws:s3:::b")
                .with_value("aws:username", "alice")
                .with_value("s3:delimiter", "/")
                .with_value("aws:SecureTransport", "true")
                .with_value("aws:SourceIp", "2001:db8::7")
        };
        let cases = [
            (base().with_value("s3:prefix", "home/"), Decision::Allow),
            (
                base().with_value("s3:prefix", "home/alice/docs"),
                Decision::Allow,
            ),
            (
                base().with_value("s3:prefix", "home/bob/docs"),
                Decision::ImplicitDeny,
            ),
            (base(), Decision::ImplicitDeny),
            (
                base()
                    .with_value("s3:prefix", "home/")
                    .with_values("aws:SecureTransport", ["false"]),
                Decision::ImplicitDeny,
            ),
            (
                base()
                    .with_value("s3:prefix", "home/")
                    .with_values("aws:SourceIp", ["198.51.100.1"]),
                Decision::ImplicitDeny,
            ),
            (
                base()
                    .with_value("s3:prefix", "home/")
                    .with_values("s3:delimiter", ["|"]),
                Decision::ImplicitDeny,
            ),
        ];
        for (request, expected) in cases {
            assert_eq!(policy.evaluate(&request), expected, "{request:?}");
        }
    }

    #[test]
    fn resource_variables() {
        let policy = identity(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": "arn:aws:s3:::bucket/${cognito-identity.amazonaws.com:sub}/*"},
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::public/${aws:userid, 'anonymous'}/*"}
            ]}"#,
        );
        let sub = "us-east-1:0c3d8a1e-5e7b-4c51-9a0e-2f1d6b7c8e90";
        let with_sub = |action: &str, resource: &str| {
            request(action, resource).with_value("cognito-identity.amazonaws.com:sub", sub)
        };
        let cases = [
            (
                with_sub(
                    "s3:PutObject",
                    &format!("arn:aws:s3:::bucket/{sub}/photo.jpg"),
                ),
                Decision::Allow,
            ),
            (
                with_sub(
                    "s3:GetObject",
                    &format!("arn:aws:s3:::bucket/{sub}/a/b.jpg"),
                ),
                Decision::Allow,
            ),
            (
                with_sub(
                    "s3:GetObject",
                    "arn:aws:s3:::bucket/us-east-1:other/photo.jpg",
                ),
                Decision::ImplicitDeny,
            ),
            (
                with_sub("s3:GetObject", &format!("arn:aws:s3:::bucket/{sub}")),
                Decision::ImplicitDeny,
            ),
            // Without the key the variable has no value and the resource matches nothing.
            (
                request(
                    "s3:GetObject",
                    "arn:aws:s3:::bucket/${cognito-identity.amazonaws.com:sub}/x",
                ),
                Decision::ImplicitDeny,
            ),
            (
                request("s3:GetObject", "arn:aws:s3:::bucket//x"),
                Decision::ImplicitDeny,
            ),
            (
                request("s3:GetObject", "arn:aws:s3:::public/anonymous/x"),
                Decision::Allow,
            ),
            (
                request("s3:GetObject", "arn:aws:s3:::public/AIDA1/x")
                    .with_value("aws:userid", "AIDA1"),
                Decision::Allow,
            ),
            (
                request("s3:GetObject", "arn:aws:s3:::public/anonymous/x")
                    .with_value("aws:userid", "AIDA1"),
                Decision::ImplicitDeny,
            ),
        ];
        for (request, expected) in cases {
            assert_eq!(policy.evaluate(&request), expected, "{request:?}");
        }
    }

    #[test]
    fn unresolved_variables_in_not_resource_and_deny() {
        // NotResource with a variable that has no value excludes nothing, so the Deny applies.
        let policy = identity(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::home/${aws:username}/*"}
            ]}"#,
        );
        let inside = request("s3:GetObject", "arn:aws:s3:::home/alice/x")
            .with_value("aws:username", "alice");
        let outside =
            request("s3:GetObject", "arn:aws:s3:::home/bob/x").with_value("aws:username", "alice");
        let anonymous = request("s3:GetObject", "arn:aws:s3:::home/alice/x");
        assert_eq!(policy.evaluate(&inside), Decision::Allow);
        assert_eq!(policy.evaluate(&outside), Decision::ExplicitDeny);
        assert_eq!(policy.evaluate(&anonymous), Decision::ExplicitDeny);
    }

    #[test]
    fn old_versions_take_variables_literally() {
        let old = identity(
            r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/${aws:username}/*",
                "Condition": {"StringEquals": {"s3:prefix": "${aws:username}"}}}}"#,
        );
        let unversioned = identity(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}"#,
        );
        let substituted = request("s3:GetObject", "arn:aws:s3:::b/alice/x")
            .with_value("aws:username", "alice")
            .with_value("s3:prefix", "alice");
        let literal = request("s3:GetObject", "arn:aws:s3:::b/${aws:username}/x")
            .with_value("aws:username", "alice")
            .with_value("s3:prefix", "${aws:username}");
        assert_eq!(old.evaluate(&substituted), Decision::ImplicitDeny);
        assert_eq!(old.evaluate(&literal), Decision::Allow);
        assert_eq!(unversioned.evaluate(&substituted), Decision::ImplicitDeny);
        assert_eq!(unversioned.evaluate(&literal), Decision::Allow);
        assert!(!old.has_policy_variables());
        assert_eq!(unversioned.version(), None);
    }

    fn cognito_trust(amr: &str) -> Policy {
        trust(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{
                "Effect": "Allow",
                "Principal": {{"Federated": "cognito-identity.amazonaws.com"}},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {{
                    "StringEquals": {{"cognito-identity.amazonaws.com:aud": "us-east-1:4b0e2c7a-93f1-4d8e-b6a5-1c2d3e4f5a6b"}},
                    "ForAnyValue:StringLike": {{"cognito-identity.amazonaws.com:amr": "{amr}"}}
                }}
            }}]}}"#
        ))
    }

    fn web_identity(aud: &str, amr: &[&str]) -> RequestContext {
        request(
            "sts:AssumeRoleWithWebIdentity",
            "arn:aws:iam::123456789012:role/Cognito_Auth",
        )
        .with_principal(Principal::Federated(
            "cognito-identity.amazonaws.com".into(),
        ))
        .with_value("cognito-identity.amazonaws.com:aud", aud)
        .with_values("cognito-identity.amazonaws.com:amr", amr.iter().copied())
    }

    #[test]
    fn cognito_trust_policies() {
        let pool = "us-east-1:4b0e2c7a-93f1-4d8e-b6a5-1c2d3e4f5a6b";
        let authenticated = cognito_trust("authenticated");
        let unauthenticated = cognito_trust("unauthenticated");
        let signed_in = [
            "authenticated",
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
        ];
        let mut wrong_action = web_identity(pool, &signed_in);
        wrong_action.action = "sts:AssumeRole".into();
        let cases = [
            (
                &authenticated,
                web_identity(pool, &signed_in),
                Decision::Allow,
            ),
            (
                &authenticated,
                web_identity(pool, &["unauthenticated"]),
                Decision::ImplicitDeny,
            ),
            (
                &authenticated,
                web_identity("us-east-1:other", &signed_in),
                Decision::ImplicitDeny,
            ),
            (
                &authenticated,
                web_identity(pool, &[]),
                Decision::ImplicitDeny,
            ),
            (
                &unauthenticated,
                web_identity(pool, &["unauthenticated"]),
                Decision::Allow,
            ),
            (
                &unauthenticated,
                web_identity(pool, &signed_in),
                Decision::ImplicitDeny,
            ),
            (
                &authenticated,
                web_identity(pool, &signed_in)
                    .with_principal(Principal::Federated("accounts.google.com".into())),
                Decision::ImplicitDeny,
            ),
            (
                &authenticated,
                web_identity(pool, &signed_in).with_principal(Principal::Anonymous),
                Decision::ImplicitDeny,
            ),
            (&authenticated, wrong_action, Decision::ImplicitDeny),
        ];
        for (policy, request, expected) in cases {
            assert_eq!(evaluate_trust(policy, &request), expected, "{request:?}");
        }
    }

    #[test]
    fn trust_principals() {
        let assume = |who: Option<Principal>| {
            let request = request("sts:AssumeRole", "arn:aws:iam::123456789012:role/Target");
            match who {
                Some(who) => request.with_principal(who),
                None => request,
            }
        };
        let aws = |arn: &str| Some(Principal::Aws(arn.into()));
        let doc = |principal: &str| {
            trust(&format!(
                r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", {principal}, "Action": "sts:AssumeRole"}}}}"#
            ))
        };
        let cases = [
            (r#""Principal": "*""#, None, Decision::Allow),
            (
                r#""Principal": "*""#,
                Some(Principal::Anonymous),
                Decision::Allow,
            ),
            (
                r#""Principal": {"AWS": "*"}"#,
                Some(Principal::Service("ec2.amazonaws.com".into())),
                Decision::Allow,
            ),
            (
                r#""Principal": {"AWS": "123456789012"}"#,
                aws("arn:aws:iam::123456789012:user/bob"),
                Decision::Allow,
            ),
            (
                r#""Principal": {"AWS": "123456789012"}"#,
                aws("arn:aws:iam::999999999999:user/bob"),
                Decision::ImplicitDeny,
            ),
            (
                r#""Principal": {"AWS": "123456789012"}"#,
                None,
                Decision::ImplicitDeny,
            ),
            (
                r#""Principal": {"AWS": "arn:aws:iam::123456789012:role/Caller"}"#,
                aws("arn:aws:sts::123456789012:assumed-role/Caller/s1"),
                Decision::Allow,
            ),
            (
                r#""Principal": {"AWS": ["arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:user/b"]}"#,
                aws("arn:aws:iam::123456789012:user/b"),
                Decision::Allow,
            ),
            (
                r#""Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}"#,
                Some(Principal::Service("ec2.amazonaws.com".into())),
                Decision::Allow,
            ),
            (
                r#""Principal": {"Service": "lambda.amazonaws.com"}"#,
                Some(Principal::Service("ecs.amazonaws.com".into())),
                Decision::ImplicitDeny,
            ),
            (
                r#""Principal": {"Service": "lambda.amazonaws.com", "AWS": "123456789012"}"#,
                aws("123456789012"),
                Decision::Allow,
            ),
            (
                r#""NotPrincipal": {"AWS": "123456789012"}"#,
                aws("arn:aws:iam::999999999999:user/x"),
                Decision::Allow,
            ),
            (
                r#""NotPrincipal": {"AWS": "123456789012"}"#,
                aws("arn:aws:iam::123456789012:user/x"),
                Decision::ImplicitDeny,
            ),
            (
                r#""NotPrincipal": {"AWS": "123456789012"}"#,
                None,
                Decision::Allow,
            ),
        ];
        for (principal, who, expected) in cases {
            assert_eq!(
                evaluate_trust(&doc(principal), &assume(who.clone())),
                expected,
                "{principal} {who:?}"
            );
        }
    }

    #[test]
    fn trust_deny_with_not_principal() {
        let policy = trust(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/Ops"}, "Action": "sts:*"}
            ]}"#,
        );
        let ops = request("sts:AssumeRole", "*").with_principal(Principal::Aws(
            "arn:aws:sts::123456789012:assumed-role/Ops/alice".into(),
        ));
        let dev = request("sts:AssumeRole", "*").with_principal(Principal::Aws(
            "arn:aws:sts::123456789012:assumed-role/Dev/bob".into(),
        ));
        assert_eq!(evaluate_trust(&policy, &ops), Decision::Allow);
        assert_eq!(evaluate_trust(&policy, &dev), Decision::ExplicitDeny);
    }
}
