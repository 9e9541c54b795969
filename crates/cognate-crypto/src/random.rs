//! Random strings from a CSPRNG and constant-time comparison.

use rand::Rng;
use subtle::ConstantTimeEq;

/// ASCII letters (both cases) and digits.
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Lower-case ASCII letters and digits.
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Returns `len` characters drawn uniformly (no modulo bias) from `alphabet`, using the
/// thread-local CSPRNG (`rand::rng()`, ChaCha seeded from the operating system).
///
/// `alphabet` is expected to be ASCII; each byte is turned into one `char`. An empty alphabet
/// yields an empty string.
pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    if alphabet.is_empty() {
        return String::new();
    }
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Compares two byte strings in time independent of their contents (the length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Fills `buf` from the thread-local CSPRNG.
pub fn fill_random(buf: &mut [u8]) {
    rand::RngCore::fill_bytes(&mut rand::rng(), buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn random_string_has_length_and_alphabet() {
        let s = random_string(64, LOWER_ALNUM);
        assert_eq!(s.len(), 64);
        assert!(s.bytes().all(|b| LOWER_ALNUM.contains(&b)), "{s}");
        let s = random_string(26, ALNUM);
        assert_eq!(s.len(), 26);
        assert!(s.bytes().all(|b| ALNUM.contains(&b)), "{s}");
    }

    #[test]
    fn random_string_varies_and_covers_alphabet() {
        let a = random_string(32, ALNUM);
        let b = random_string(32, ALNUM);
        assert_ne!(a, b);
        // 4000 draws from 36 symbols: missing any one has probability ~36 * (35/36)^4000.
        let seen: HashSet<u8> = random_string(4000, LOWER_ALNUM).bytes().collect();
        assert_eq!(seen.len(), LOWER_ALNUM.len());
    }

    #[test]
    fn random_string_edge_cases() {
        assert_eq!(random_string(0, ALNUM), "");
        assert_eq!(random_string(5, b""), "");
        assert_eq!(random_string(5, b"x"), "xxxxx");
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"abc", b""));
    }
}
