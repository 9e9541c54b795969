//! The domain of Cognate: user pools, app clients, their rules and defaults,
//! and the ports (storage, clock) the outside world implements.
//!
//! This crate knows nothing of HTTP, SQL or the wire protocol: it receives
//! already-decoded inputs and returns domain values or a [`CoreError`].

pub mod auth;
pub mod clients;
pub mod delivery;
pub mod devices;
pub mod error;
pub mod federation;
pub mod groups;
pub mod iam;
pub mod identity;
pub mod mfa;
pub mod model;
pub mod oauth;
pub mod pools;
pub mod ports;
pub mod schema;
pub mod service;
pub mod tokens;
pub mod triggers;
pub mod user_auth;
pub mod users;

pub use error::{CoreError, CoreResult, ErrorKind};
pub use service::{Cognate, PoolKeys, ServerIdentity};
