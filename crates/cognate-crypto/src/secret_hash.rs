//! Cognito's `SECRET_HASH`: proof that a caller knows an app client's secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac as _};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize as _;

use crate::random::constant_time_eq;

/// `base64(HMAC-SHA256(key = client_secret, message = username ‖ client_id))`, standard
/// alphabet with padding, exactly as Cognito clients compute it.
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    STANDARD.encode(hmac_sha256(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    ))
}

/// Checks a client-supplied `SECRET_HASH` in constant time.
pub fn verify_secret_hash(
    client_secret: &str,
    username: &str,
    client_id: &str,
    given: &str,
) -> bool {
    let expected = secret_hash(client_secret, username, client_id);
    constant_time_eq(expected.as_bytes(), given.as_bytes())
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // Build the block-sized key exactly as RFC 2104 does (hash keys longer than a block,
    // zero-pad the rest), so the infallible `KeyInit::new` can be used.
    let mut block_key = Key::<Hmac<Sha256>>::default();
    if key.len() > block_key.len() {
        let digest = Sha256::digest(key);
        block_key[..digest.len()].copy_from_slice(&digest);
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block_key);
    block_key.as_mut_slice().zeroize();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            secret_hash("s3cr3t", "alice", "1example23456789abcdefghij"),
            "qdS273J39nHj1G7huxtH6eDNg9wvosWQ+1gpI24LXTI="
        );
    }

    #[test]
    fn rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn long_key_is_hashed_first() {
        // RFC 4231 test case 6: 131-byte key of 0xaa.
        let key = [0xaa_u8; 131];
        let mac = hmac_sha256(
            &key,
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn verify_accepts_and_rejects() {
        let id = "1example23456789abcdefghij";
        let good = "qdS273J39nHj1G7huxtH6eDNg9wvosWQ+1gpI24LXTI=";
        assert!(verify_secret_hash("s3cr3t", "alice", id, good));
        assert!(!verify_secret_hash("s3cr3t", "alicf", id, good));
        assert!(!verify_secret_hash("other", "alice", id, good));
        assert!(!verify_secret_hash(
            "s3cr3t",
            "alice",
            id,
            "qdS273J39nHj1G7huxtH6eDNg9wvosWQ+1gpI24LXTI"
        ));
        assert!(!verify_secret_hash("s3cr3t", "alice", id, ""));
    }
}
