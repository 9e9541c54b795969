//! The one place the domain meets the policy engine (`cognate-policy`).

use crate::error::{CoreError, CoreResult, ErrorKind};
use cognate_policy::{Policy, PolicyError, Principal, RequestContext};
use std::collections::BTreeMap;

/// The outcome of evaluating a request against policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }
}

fn policy_error(e: PolicyError) -> CoreError {
    let kind = match e.code() {
        "MalformedPolicyDocument" => ErrorKind::MalformedPolicyDocument,
        "LimitExceeded" => ErrorKind::LimitExceeded,
        _ => ErrorKind::Validation,
    };
    CoreError::new(kind, e.message().to_string())
}

pub fn check_identity_policy(document: &str) -> CoreResult<()> {
    Policy::parse_identity(document)
        .map(|_| ())
        .map_err(policy_error)
}

pub fn check_trust_policy(document: &str) -> CoreResult<()> {
    cognate_policy::check_trust_policy_size(document).map_err(policy_error)?;
    Policy::parse_trust(document)
        .map(|_| ())
        .map_err(policy_error)
}

/// The total size of a role's inline policies (IAM's quota).
pub fn check_role_policies_size<'a>(
    role_name: &str,
    documents: impl IntoIterator<Item = &'a String>,
) -> CoreResult<()> {
    cognate_policy::check_role_inline_policies_size(
        role_name,
        documents.into_iter().map(String::as_str),
    )
    .map_err(policy_error)
}

/// An inline session policy (AssumeRoleWithWebIdentity's `Policy`).
pub fn check_session_policy(document: &str) -> CoreResult<()> {
    cognate_policy::check_session_policy_size(document)
        .map_err(|e| CoreError::new(ErrorKind::PackedPolicyTooLarge, e.message().to_string()))?;
    check_identity_policy(document)
}

fn request(
    action: &str,
    resource: &str,
    principal: Option<Principal>,
    context: &BTreeMap<String, Vec<String>>,
) -> RequestContext {
    let mut r = RequestContext::new(action, resource);
    if let Some(p) = principal {
        r = r.with_principal(p);
    }
    for (k, v) in context {
        r.set(k, v.clone());
    }
    r
}

/// Whether a role's trust policy lets the federated `principal` assume it
/// with AssumeRoleWithWebIdentity, given the web identity's condition keys.
pub fn trust_allows(
    trust_document: &str,
    principal: &str,
    context: &BTreeMap<String, Vec<String>>,
) -> bool {
    let Ok(trust) = Policy::parse_trust(trust_document) else {
        return false;
    };
    let req = request(
        "sts:AssumeRoleWithWebIdentity",
        "*",
        Some(Principal::Federated(principal.to_string())),
        context,
    );
    cognate_policy::evaluate_trust(&trust, &req).is_allowed()
}

/// Role policies (identity policies) intersected with session policies.
pub fn decide(
    role_policies: &[String],
    session_policies: &[String],
    action: &str,
    resource: &str,
    context: &BTreeMap<String, Vec<String>>,
) -> Decision {
    // Stored documents were checked when written; one that no longer parses grants nothing.
    let parse = |docs: &[String]| -> Vec<Policy> {
        docs.iter()
            .filter_map(|d| Policy::parse_identity(d).ok())
            .collect()
    };
    let identity = parse(role_policies);
    let session = parse(session_policies);
    if session.len() != session_policies.len() {
        return Decision::ImplicitDeny;
    }
    let req = request(action, resource, None, context);
    match cognate_policy::evaluate(&identity, &session, &req) {
        cognate_policy::Decision::Allow => Decision::Allow,
        cognate_policy::Decision::ExplicitDeny => Decision::ExplicitDeny,
        cognate_policy::Decision::ImplicitDeny => Decision::ImplicitDeny,
    }
}

/// The session policy Cognito applies to guest (unauthenticated) credentials.
pub fn guest_scope_down_policy() -> &'static str {
    cognate_policy::COGNITO_UNAUTHENTICATED_SCOPE_DOWN
}
