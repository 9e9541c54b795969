//! Authenticated encryption of opaque blobs (session state, opaque tokens) under a master key.
//!
//! Format of a sealed blob: `version (1 byte, = 1) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`,
//! AES-256-GCM with a fresh random nonce per call. The caller-supplied AAD binds the blob to its
//! purpose (e.g. `b"session"` vs `b"refresh-token"`), so a blob sealed for one use cannot be
//! replayed as another.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random::fill_random;

/// Version byte of the sealed format produced by [`MasterKey::seal`].
const VERSION: u8 = 1;
/// Length of the AES-GCM tag.
const TAG_LEN: usize = 16;
/// Length of a master key in bytes.
pub const MASTER_KEY_LEN: usize = 32;

/// A 256-bit AES-GCM key. Zeroized on drop; `Debug` never prints it.
#[derive(Clone)]
pub struct MasterKey {
    key: Zeroizing<[u8; MASTER_KEY_LEN]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A fresh random key from the CSPRNG.
    pub fn generate() -> MasterKey {
        let mut key = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        fill_random(key.as_mut_slice());
        MasterKey { key }
    }

    /// Parses standard base64 (with padding) of exactly 32 bytes.
    pub fn from_base64(encoded: &str) -> Result<MasterKey, CryptoError> {
        let bad = || {
            CryptoError::InvalidKey("master key must be standard base64 of exactly 32 bytes".into())
        };
        let bytes = Zeroizing::new(STANDARD.decode(encoded.trim()).map_err(|_| bad())?);
        let array: [u8; MASTER_KEY_LEN] = bytes.as_slice().try_into().map_err(|_| bad())?;
        Ok(MasterKey {
            key: Zeroizing::new(array),
        })
    }

    /// Standard base64 (with padding) of the key, the inverse of [`MasterKey::from_base64`].
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.key.as_slice())
    }

    fn aead_key(&self) -> Result<LessSafeKey, CryptoError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, self.key.as_slice()).map_err(|_| CryptoError::Seal)?;
        Ok(LessSafeKey::new(unbound))
    }

    /// Like [`MasterKey::seal`] but reports failure instead of panicking.
    pub fn try_seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = self.aead_key()?;
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let mut in_out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        in_out.push(VERSION);
        in_out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut body,
        )
        .map_err(|_| CryptoError::Seal)?;
        in_out.extend_from_slice(&body);
        Ok(in_out)
    }

    /// Encrypts and authenticates `plaintext`, binding it to `aad`.
    ///
    /// Output: `1 ‖ nonce(12) ‖ ciphertext ‖ tag(16)`.
    ///
    /// # Panics
    ///
    /// Only if AES-GCM refuses the input, which happens for plaintexts beyond the GCM limit
    /// (about 64 GiB). Use [`MasterKey::try_seal`] to get an error instead.
    // The only failure is an input beyond the GCM limit, which cannot be allocated in practice;
    // the signature is infallible by design, so that case is a documented panic.
    #[allow(clippy::panic)]
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        match self.try_seal(plaintext, aad) {
            Ok(sealed) => sealed,
            Err(e) => panic!("AES-256-GCM sealing failed: {e}"),
        }
    }

    /// A value derived from the master key for one purpose: HMAC-SHA256 keyed
    /// with the master key over `label ‖ 0x00 ‖ input`. Stable across restarts
    /// and nodes; reveals nothing about the key.
    pub fn derive(&self, label: &[u8], input: &[u8]) -> [u8; 32] {
        crate::secret_hash::hmac_sha256(&self.key[..], &[label, &[0u8], input])
    }

    /// Decrypts a blob produced by [`MasterKey::seal`] with the same key and AAD.
    ///
    /// Every failure (wrong version, truncated input, tampering, wrong key or AAD) is
    /// [`CryptoError::Open`].
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
            return Err(CryptoError::Open);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| CryptoError::Open)?;
        let key = self.aead_key().map_err(|_| CryptoError::Open)?;
        let mut buf = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
        let plain_len = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                buf.as_mut_slice(),
            )
            .map_err(|_| CryptoError::Open)?
            .len();
        buf.truncate(plain_len);
        Ok(buf)
    }

    /// [`MasterKey::seal`], then base64url without padding (safe in URLs, JSON and headers).
    pub fn seal_to_string(&self, plaintext: &[u8], aad: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.seal(plaintext, aad))
    }

    /// The inverse of [`MasterKey::seal_to_string`]. Bad base64 is also [`CryptoError::Open`].
    pub fn open_from_str(
        &self,
        sealed: &str,
        aad: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| CryptoError::Open)?;
        self.open(&bytes, aad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"hello session", b"session");
        assert_eq!(sealed[0], 1);
        assert_eq!(sealed.len(), 1 + 12 + b"hello session".len() + 16);
        let opened = key.open(&sealed, b"session").expect("opens");
        assert_eq!(opened.as_slice(), b"hello session");
    }

    #[test]
    fn empty_plaintext_round_trip() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"", b"");
        assert_eq!(key.open(&sealed, b"").expect("opens").as_slice(), b"");
    }

    #[test]
    fn nonces_are_fresh() {
        let key = MasterKey::generate();
        let a = key.seal(b"same", b"aad");
        let b = key.seal(b"same", b"aad");
        assert_ne!(a, b);
        assert_ne!(a[1..13], b[1..13]);
    }

    #[test]
    fn tampering_is_detected() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"attack at dawn", b"aad");
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            assert!(
                matches!(key.open(&t, b"aad"), Err(CryptoError::Open)),
                "byte {i}"
            );
        }
        assert!(matches!(
            key.open(&sealed[..sealed.len() - 1], b"aad"),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            key.open(&sealed[..10], b"aad"),
            Err(CryptoError::Open)
        ));
        assert!(matches!(key.open(&[], b"aad"), Err(CryptoError::Open)));
    }

    #[test]
    fn wrong_aad_or_key_fails() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"secret", b"session");
        assert!(matches!(
            key.open(&sealed, b"refresh"),
            Err(CryptoError::Open)
        ));
        assert!(matches!(key.open(&sealed, b""), Err(CryptoError::Open)));
        let other = MasterKey::generate();
        assert!(matches!(
            other.open(&sealed, b"session"),
            Err(CryptoError::Open)
        ));
    }

    #[test]
    fn base64_key_round_trip() {
        let key = MasterKey::generate();
        let encoded = key.to_base64();
        assert_eq!(encoded.len(), 44);
        let again = MasterKey::from_base64(&encoded).expect("parses");
        assert_eq!(again.to_base64(), encoded);
        let sealed = key.seal(b"x", b"a");
        assert_eq!(again.open(&sealed, b"a").expect("opens").as_slice(), b"x");
    }

    #[test]
    fn from_base64_rejects_bad_input() {
        for bad in [
            "",
            "not base64!",
            &STANDARD.encode([7u8; 31]),
            &STANDARD.encode([7u8; 33]),
            &URL_SAFE_NO_PAD.encode([0xffu8; 32]),
        ] {
            let err = MasterKey::from_base64(bad).expect_err(bad);
            assert!(matches!(err, CryptoError::InvalidKey(_)));
        }
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::from_base64(&STANDARD.encode([0x41u8; 32])).expect("parses");
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.to_base64()));
        assert!(!shown.contains("AAAA"));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn string_helpers_round_trip() {
        let key = MasterKey::generate();
        let token = key.seal_to_string(b"opaque token body", b"refresh");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let opened = key.open_from_str(&token, b"refresh").expect("opens");
        assert_eq!(opened.as_slice(), b"opaque token body");
        assert!(matches!(
            key.open_from_str(&token, b"session"),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            key.open_from_str("***", b"refresh"),
            Err(CryptoError::Open)
        ));
        let mut chars: Vec<char> = token.chars().collect();
        chars[20] = if chars[20] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(matches!(
            key.open_from_str(&tampered, b"refresh"),
            Err(CryptoError::Open)
        ));
    }
}
