//! Protocol adapters. The only crate that knows Cognito's wire format:
//! `X-Amz-Target` dispatch, awsJson 1.1 bodies, error rendering, SigV4 admin
//! authentication, JWKS and discovery documents. It reaches storage only
//! through `cognate-core`.

pub mod auth_sigv4;
mod authorize;
pub mod awsjson;
pub mod bootstrap;
pub mod errors;
pub mod hosted;
pub mod model;
mod ops;
mod ops_auth;
mod ops_devices;
mod ops_federation;
mod ops_identity;
mod ops_mfa;
mod ops_users;
pub mod outbox;
mod query;
pub mod router;
mod well_known;
mod wire;

pub use auth_sigv4::{AdminAuth, SecretKey};
pub use router::{AppState, router};
