//! IAM-compatible policy documents: parsing and evaluation. Pure functions, no IO.
//!
//! This crate is the policy engine behind Cognate's identity-pool credentials: the role
//! store validates inline role policies and trust policies with it, the STS endpoint checks
//! trust policies and records session policies, and the authorisation-check endpoint asks it
//! whether a request made with temporary credentials may do an action on a resource.
//!
//! It evaluates as AWS IAM does for a single account, without service control policies,
//! resource-based policies or permissions boundaries:
//!
//! - [`Policy`]: a parsed, validated document. [`Policy::parse_identity`],
//!   [`Policy::parse_session`], [`Policy::parse_managed`] and [`Policy::parse_trust`] apply
//!   IAM's checks for each kind of document and fail with IAM's `MalformedPolicyDocument`
//!   messages ([`PolicyError`]).
//! - [`RequestContext`]: action, resource, caller ([`Principal`]) and condition keys.
//! - [`evaluate`] (identity + session policies) and [`evaluate_trust`] return a
//!   [`Decision`]: explicit deny wins, then allow, else implicit deny.
//! - Size quotas: [`check_role_inline_policies_size`], [`check_trust_policy_size`],
//!   [`check_managed_policy_size`], [`check_session_policy_size`].
//! - [`cognito_unauthenticated_scope_down`]: the session policy Cognito applies to guest
//!   credentials.
//!
//! The language covered: `Version` `2012-10-17` (policy variables substituted) and
//! `2008-10-17` or none (`${...}` is plain text); `Statement` as an object or an array;
//! `Effect`, `Action`/`NotAction` (case-insensitive, `*` and `?`), `Resource`/`NotResource`
//! (case-sensitive ARN wildcards), `Principal`/`NotPrincipal` (`*`, `AWS`, `Federated`,
//! `Service`), and `Condition` with every IAM operator, `...IfExists`, `ForAnyValue:` and
//! `ForAllValues:`; policy variables `${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`.
//!
//! Invariants: nothing here does IO, reads the clock or keeps state; the time a request is
//! made is a condition key (`aws:CurrentTime`, `aws:EpochTime`) the caller supplies.

mod cognito;
mod condition;
mod context;
mod error;
mod eval;
mod limits;
mod parse;
mod pattern;
mod policy;
mod principal;
mod values;

pub use cognito::{COGNITO_UNAUTHENTICATED_SCOPE_DOWN, cognito_unauthenticated_scope_down};
pub use context::RequestContext;
pub use error::PolicyError;
pub use eval::{Decision, evaluate, evaluate_trust};
pub use limits::{
    MANAGED_POLICY_MAX_CHARS, ROLE_INLINE_POLICIES_MAX_CHARS, SESSION_POLICY_MAX_CHARS,
    TRUST_POLICY_MAX_CHARS, check_managed_policy_size, check_role_inline_policies_size,
    check_session_policy_size, check_trust_policy_size, policy_size,
};
pub use policy::{Policy, PolicyVersion};
pub use principal::Principal;
