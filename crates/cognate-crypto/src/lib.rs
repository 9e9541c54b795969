//! Cryptographic building blocks for Cognate.
//!
//! This crate is **pure**: no IO, no async, no global state beyond the operating system's
//! random number generator. Every function takes its inputs (keys, clock readings, request
//! parts) as arguments, so callers decide where keys live and what time it is.
//!
//! - [`keys`]: RSA-2048 signing keys, RS256 JWT signing/verification and JWK rendering.
//! - [`seal`]: AES-256-GCM sealing of opaque blobs under a [`MasterKey`].
//! - [`sigv4`]: server-side verification of AWS Signature Version 4 requests.
//! - [`mod@secret_hash`]: Cognito's `SECRET_HASH`.
//! - [`random`]: random strings and constant-time comparison.

pub mod error;
pub mod keys;
pub mod otp;
pub mod random;
pub mod seal;
pub mod secret_hash;
pub mod sigv4;
pub mod srp;

pub use error::CryptoError;
pub use keys::RsaSigningKey;
pub use random::{ALNUM, LOWER_ALNUM, constant_time_eq, fill_random, random_string};
pub use seal::MasterKey;
pub use secret_hash::{secret_hash, verify_secret_hash};
