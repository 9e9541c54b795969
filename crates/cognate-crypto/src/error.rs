//! The crate-wide error type.
//!
//! Messages are fixed descriptions: they never contain key material, plaintexts or tokens.

/// Failures of the cryptographic building blocks in this crate.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The platform could not generate a key.
    #[error("key generation failed")]
    KeyGeneration,
    /// Key material could not be parsed or is not acceptable.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A signature could not be produced.
    #[error("signing failed: {0}")]
    Signing(String),
    /// Authenticated encryption failed.
    #[error("sealing failed")]
    Seal,
    /// Sealed data is malformed, was tampered with, or was sealed under another key or AAD.
    #[error("sealed data could not be opened")]
    Open,
    /// Data could not be encoded or decoded (base64, JSON, ...).
    #[error("encoding error: {0}")]
    Encoding(String),
    /// A JWT is malformed, names an unknown key, or its signature does not verify.
    #[error("invalid token: {0}")]
    InvalidToken(String),
}
