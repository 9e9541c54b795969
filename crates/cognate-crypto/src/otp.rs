//! One-time codes: RFC 6238 TOTP (SHA-1, 6 digits, 30 s steps) as authenticator
//! apps use it, RFC 4648 base32 for its shared secrets, and numeric codes.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding (the `SecretCode` authenticator apps take).
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = BASE32.iter().position(|&x| x == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// HOTP (RFC 4226) value for a counter.
pub fn hotp(secret: &[u8], counter: u64) -> String {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        value % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The TOTP code at a Unix time.
pub fn totp(secret: &[u8], unix_seconds: i64) -> String {
    hotp(secret, (unix_seconds / STEP_SECONDS).max(0) as u64)
}

/// Checks a TOTP code allowing one step of clock skew either way; returns the
/// matched time step (callers refuse a step already used, against replay).
pub fn totp_check(secret: &[u8], code: &str, unix_seconds: i64) -> Option<u64> {
    let step = (unix_seconds / STEP_SECONDS).max(0) as u64;
    let mut matched = None;
    // Every candidate is computed and compared in constant time.
    for candidate in [step.saturating_sub(1), step, step + 1] {
        if crate::constant_time_eq(hotp(secret, candidate).as_bytes(), code.as_bytes()) {
            matched = Some(candidate);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits there;
        // the last 6 digits are what a 6-digit generator produces.
        let secret = b"12345678901234567890";
        for (t, code8) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(totp(secret, t), code8[2..]);
        }
    }

    #[test]
    fn base32_round_trip_and_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        let key = [7u8; 20];
        assert_eq!(base32_decode(&base32_encode(&key)).unwrap(), key);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn skew_window() {
        let secret = b"12345678901234567890";
        let now = 1_800_000_000;
        assert!(totp_check(secret, &totp(secret, now - 30), now).is_some());
        assert!(totp_check(secret, &totp(secret, now + 30), now).is_some());
        assert!(totp_check(secret, &totp(secret, now - 90), now).is_none());
        assert!(totp_check(secret, "000000x", now).is_none());
    }
}
