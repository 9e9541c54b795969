//! A parsed policy document and its statements.

use crate::condition::Condition;
use crate::context::RequestContext;
use crate::error::PolicyError;
use crate::parse::{Kind, parse};
use crate::pattern::Pattern;
use crate::principal::{Principal, PrincipalEntry};

/// The policy language version, from the `Version` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2008-10-17`, the original language: no policy variables (`${...}` is plain text).
    V2008_10_17,
    /// `2012-10-17`, the current language: policy variables are substituted.
    V2012_10_17,
}

impl PolicyVersion {
    /// The text of the `Version` element.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyVersion::V2008_10_17 => "2008-10-17",
            PolicyVersion::V2012_10_17 => "2012-10-17",
        }
    }
}

/// A parsed, validated IAM policy document.
///
/// Parse with the function for the document's role, which applies IAM's checks for it:
/// [`Policy::parse_identity`] (inline role policies), [`Policy::parse_session`] (STS session
/// policies), [`Policy::parse_managed`] (managed policies, `2012-10-17` only),
/// [`Policy::parse_trust`] (role trust policies) or [`Policy::parse`] (only the checks common
/// to all kinds). Evaluate with [`crate::evaluate`] or [`crate::evaluate_trust`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub(crate) version: Option<PolicyVersion>,
    pub(crate) id: Option<String>,
    pub(crate) statements: Vec<Statement>,
}

impl Policy {
    /// Parses a document with the checks common to every kind of policy: grammar, legacy
    /// parsing, statement IDs, actions, resource ARNs. `Principal`/`NotPrincipal` and
    /// `Resource`/`NotResource` are optional.
    pub fn parse(json: &str) -> Result<Policy, PolicyError> {
        parse(json, Kind::Any)
    }

    /// Parses an identity-based policy (an inline role policy): no `Principal` or
    /// `NotPrincipal` (`Policy document should not specify a principal.`), every statement
    /// with `Resource` or `NotResource`, SIDs alphanumeric.
    pub fn parse_identity(json: &str) -> Result<Policy, PolicyError> {
        parse(json, Kind::Identity)
    }

    /// Parses an STS session policy (the `Policy` parameter of `AssumeRole*`): the rules of
    /// identity policies. Check its length with [`crate::check_session_policy_size`].
    pub fn parse_session(json: &str) -> Result<Policy, PolicyError> {
        parse(json, Kind::Identity)
    }

    /// Parses a managed policy: the rules of identity policies, and `"Version": "2012-10-17"`
    /// required (`Policy document must be version 2012-10-17 or greater.`).
    pub fn parse_managed(json: &str) -> Result<Policy, PolicyError> {
        parse(json, Kind::Managed)
    }

    /// Parses a role trust policy (`AssumeRolePolicyDocument`): every statement names a
    /// `Principal` or `NotPrincipal`, no `Resource`/`NotResource` (`Has prohibited field
    /// Resource`), only `sts:` actions, principals in IAM's forms.
    pub fn parse_trust(json: &str) -> Result<Policy, PolicyError> {
        parse(json, Kind::Trust)
    }

    /// The `Version` element; `None` when absent (IAM then reads the document as
    /// `2008-10-17`).
    pub fn version(&self) -> Option<PolicyVersion> {
        self.version
    }

    /// Whether `${...}` policy variables are substituted (only in `2012-10-17` documents).
    pub fn has_policy_variables(&self) -> bool {
        self.version == Some(PolicyVersion::V2012_10_17)
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The number of statements.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// The `Sid` of each statement, in order (`None` where a statement has none).
    pub fn sids(&self) -> impl Iterator<Item = Option<&str>> {
        self.statements.iter().map(|s| s.sid.as_deref())
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// An element and its `Not...` form: `Action`/`NotAction`, `Resource`/`NotResource`,
/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clause<T> {
    Is(Vec<T>),
    Not(Vec<T>),
}

impl<T> Clause<T> {
    pub(crate) fn new(not: bool, entries: Vec<T>) -> Clause<T> {
        if not {
            Clause::Not(entries)
        } else {
            Clause::Is(entries)
        }
    }

    /// `Is`: some entry matches; `Not`: no entry does.
    fn admits(&self, matches: impl Fn(&T) -> bool) -> bool {
        match self {
            Clause::Is(entries) => entries.iter().any(matches),
            Clause::Not(entries) => !entries.iter().any(matches),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<Clause<PrincipalEntry>>,
    pub(crate) action: Clause<Pattern>,
    /// `None` in trust policies, which name no resource.
    pub(crate) resource: Option<Clause<Pattern>>,
    pub(crate) conditions: Vec<Condition>,
}

impl Statement {
    /// Whether the statement applies to the request: principal, action, resource and every
    /// condition.
    pub(crate) fn applies(&self, request: &RequestContext) -> bool {
        let caller = request.principal.as_ref().unwrap_or(&Principal::Anonymous);
        self.principal
            .as_ref()
            .is_none_or(|clause| clause.admits(|entry| entry.matches(caller)))
            && self
                .action
                .admits(|pattern| pattern.matches_action(&request.action, request))
            && self.resource.as_ref().is_none_or(|clause| {
                clause.admits(|pattern| pattern.matches_resource(&request.resource, request))
            })
            && self.conditions.iter().all(|c| c.holds(request))
    }
}
