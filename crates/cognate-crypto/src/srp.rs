//! Cognito's SRP-6a: verifiers, the server side of `USER_SRP_AUTH` / `DEVICE_SRP_AUTH`, the
//! `TIMESTAMP` format, and a client (for tests and load generation).
//!
//! Cognito's variant (see the wire reference, §5):
//!
//! - group: the 3072-bit MODP prime of RFC 3526 (group 15), `g = 2`, `H = SHA-256`;
//! - every integer that enters a hash is encoded like Java's `BigInteger.toByteArray()` of a
//!   non-negative value ([`java_bytes`]): minimal big-endian, plus one leading `0x00` when the
//!   top bit is set. This is *not* RFC 5054's padding to the length of `N`;
//! - `k = H(enc(N) ‖ enc(g))`, `x = H(enc(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))`,
//!   `v = g^x`, `B = k·v + g^b`, `u = H(enc(A) ‖ enc(B))`, `S = (A·v^u)^b`;
//! - `K = HKDF-SHA256(ikm = enc(S), salt = enc(u), info = "Caldera Derived Key")`, 16 bytes;
//! - `PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(K, poolName ‖ userId ‖ secretBlock ‖
//!   TIMESTAMP))`.
//!
//! Hex strings on the wire (`SALT`, `SRP_A`, `SRP_B`) are `BigInteger.toString(16)`: unsigned,
//! no padding. They are parsed as unsigned integers (leading zeros ignored, either case).
//!
//! Every exponentiation runs in constant time with respect to the exponent's value (Montgomery
//! arithmetic on fixed-size limbs in [`modp`], exponent width from its byte length). What is not
//! constant time, by the protocol's nature: the length of the minimal encodings of `S` and `v`
//! that go into hashes, and the checks of public values (`A`, `B`, `u`).
//!
//! Everything here is a pure function of its arguments, except that the functions documented as
//! random draw from the operating system's CSPRNG.

use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};
use zeroize::Zeroizing;

use self::modp::{Exp, Fe, Uint};

use crate::random::{constant_time_eq, fill_random};
use crate::secret_hash::hmac_sha256;

mod modp;

/// The group prime `N` (RFC 3526 group 15, 3072 bits), big-endian hex.
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The generator `g`.
pub const G: u8 = 2;

/// HKDF `info` of the session key.
pub const DERIVED_KEY_INFO: &[u8] = b"Caldera Derived Key";

/// Length of the random salt [`make_verifier`] draws, in bytes.
pub const SALT_LEN: usize = 16;

/// Length of the random server secret `b` [`server_challenge`] draws, in bytes.
pub const B_SECRET_LEN: usize = 32;

/// Length of the random client secret `a` [`client::SrpClient::new`] draws, in bytes (as
/// amazon-cognito-identity-js does).
pub const A_SECRET_LEN: usize = 128;

/// Bytes of `N`.
const N_LEN: usize = 8 * modp::LIMBS;
/// Longest salt accepted, in bytes (Cognito clients use 16).
const MAX_SALT_LEN: usize = 1024;

/// Failures of the SRP functions. Messages never contain secrets or input values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// A hex string (salt, verifier, `SRP_A`, `SRP_B`) is empty or has a non-hex character.
    #[error("invalid hex string")]
    InvalidHex,
    /// The salt is empty or too long.
    #[error("invalid salt")]
    InvalidSalt,
    /// The verifier is not in `1..N`.
    #[error("invalid verifier")]
    InvalidVerifier,
    /// A secret exponent (`a`, `b`) is empty, zero or longer than `N`.
    #[error("invalid secret exponent")]
    InvalidSecret,
    /// `SRP_A` is zero modulo `N` (or does not fit in 3072 bits).
    #[error("invalid SRP_A")]
    InvalidA,
    /// `SRP_B` is zero modulo `N` (or does not fit in 3072 bits).
    #[error("invalid SRP_B")]
    InvalidB,
    /// The scrambling parameter `u` is zero.
    #[error("scrambling parameter is zero")]
    ZeroU,
    /// The `TIMESTAMP` is not of the form `EEE MMM d HH:mm:ss UTC yyyy` or names a wrong weekday.
    #[error("invalid TIMESTAMP")]
    BadTimestamp,
    /// The `TIMESTAMP` is further from the current time than allowed.
    #[error("TIMESTAMP outside the allowed window")]
    StaleTimestamp,
}

/// What the store keeps per user (or per remembered device) for SRP and password checks.
///
/// `salt_hex` is sent to clients as `SALT`. `verifier_hex` is `v` as lower-case hex without
/// padding; it allows offline password guessing, so it must be protected like a password hash.
/// `PartialEq` is not constant time: use [`check_password`] for password checks.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    /// Salt as `BigInteger.toString(16)` (what clients receive as `SALT`).
    pub salt_hex: String,
    /// `v = g^x mod N` as lower-case hex without leading zeros.
    pub verifier_hex: String,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("salt_hex", &self.salt_hex)
            .field("verifier_hex", &"<redacted>")
            .finish()
    }
}

/// The server's half of a `PASSWORD_VERIFIER` / `DEVICE_PASSWORD_VERIFIER` challenge.
///
/// `b_secret` must be kept (sealed, e.g. inside `SECRET_BLOCK`) until the client answers and is
/// wiped on drop. `srp_b_hex` is sent as `SRP_B`.
#[derive(Clone)]
pub struct ServerChallenge {
    /// The secret exponent `b`, big-endian.
    pub b_secret: Zeroizing<Vec<u8>>,
    /// `B = (k·v + g^b) mod N` as lower-case hex without leading zeros.
    pub srp_b_hex: String,
}

impl fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerChallenge")
            .field("b_secret", &"<redacted>")
            .field("srp_b_hex", &self.srp_b_hex)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Group and encodings

struct Group {
    k: Fe,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n_bytes = hex::decode(N_HEX).expect("N_HEX is hex");
    let k_hash = hash(&[&java_bytes(&n_bytes), &java_bytes(&[G])]);
    Group {
        k: monty(&uint(&k_hash)),
    }
});

/// Java `BigInteger.toByteArray()` of the non-negative integer with big-endian bytes `bytes`:
/// leading zero bytes removed, then one `0x00` prepended if the top bit is set. Zero is `[0]`.
pub fn java_bytes(bytes: &[u8]) -> Vec<u8> {
    let m = trim(bytes);
    let mut out = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(m);
    out
}

/// Java `BigInteger.toString(16)` of the non-negative integer with big-endian bytes `bytes`:
/// lower-case, no leading zeros, `"0"` for zero.
pub fn java_hex(bytes: &[u8]) -> String {
    let m = trim(bytes);
    if m.is_empty() {
        return "0".to_owned();
    }
    let h = hex::encode(m);
    match h.strip_prefix('0') {
        Some(rest) => rest.to_owned(),
        None => h,
    }
}

/// Parses an unsigned hex integer as Java's `new BigInteger(s, 16)` does for non-negative
/// input (either case, leading zeros allowed; no sign, no whitespace). Returns the minimal
/// big-endian bytes (empty for zero).
pub fn parse_hex(s: &str) -> Result<Vec<u8>, SrpError> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(SrpError::InvalidHex);
    }
    let digits = s.trim_start_matches('0');
    let mut out = vec![0u8; digits.len().div_ceil(2)];
    // Decode from the right so an odd number of digits leaves the top nibble alone.
    for (i, c) in digits.bytes().rev().enumerate() {
        let nibble = (c as char).to_digit(16).ok_or(SrpError::InvalidHex)? as u8;
        let idx = out.len() - 1 - i / 2;
        out[idx] |= nibble << (4 * (i % 2));
    }
    Ok(out)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// A 3072-bit integer from at most 384 big-endian bytes.
fn uint(bytes: &[u8]) -> Uint {
    Uint::from_be_slice(bytes)
}

/// An exponent whose bit length is 8 × the byte length of `bytes`, so that the exponentiation
/// time does not depend on its value.
fn exponent(bytes: &[u8]) -> Exp {
    Exp::from_be_slice(bytes)
}

/// The residue of a 3072-bit integer in Montgomery form (reduced modulo `N` first).
fn monty(x: &Uint) -> Fe {
    Fe::new(x)
}

/// The 384-byte big-endian value of a residue.
fn residue_bytes(m: &Fe) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(m.to_be_bytes())
}

// ---------------------------------------------------------------------------------------------
// Protocol pieces

/// `x = H(enc(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))`; `salt` are minimal bytes.
fn compute_x(pool_name: &str, user_id: &str, password: &str, salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let inner = Zeroizing::new(hash(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]));
    Zeroizing::new(hash(&[&java_bytes(salt), &inner[..]]))
}

/// `g^x mod N`.
fn g_pow(x: &[u8]) -> Fe {
    Fe::g_pow(&exponent(x))
}

/// `u = H(enc(A) ‖ enc(B))`.
fn compute_u(a: &[u8], b: &[u8]) -> [u8; 32] {
    hash(&[&java_bytes(a), &java_bytes(b)])
}

/// `HKDF-SHA256(ikm = enc(S), salt = enc(u), info = "Caldera Derived Key")`, first 16 bytes
/// (a single expand block).
fn derive_key(s: &[u8], u: &[u8]) -> Zeroizing<[u8; 16]> {
    let s_enc = Zeroizing::new(java_bytes(s));
    let prk = Zeroizing::new(hmac_sha256(&java_bytes(u), &[&s_enc]));
    let okm = Zeroizing::new(hmac_sha256(&prk[..], &[DERIVED_KEY_INFO, &[1]]));
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&okm[..16]);
    key
}

/// `HMAC-SHA256(K, poolName ‖ userId ‖ secretBlock ‖ timestamp)`.
fn claim_mac(
    key: &[u8],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    hmac_sha256(
        key,
        &[
            pool_name.as_bytes(),
            user_id.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
    )
}

fn parse_salt(salt_hex: &str) -> Result<Vec<u8>, SrpError> {
    let salt = parse_hex(salt_hex)?;
    if salt.len() > MAX_SALT_LEN {
        return Err(SrpError::InvalidSalt);
    }
    Ok(salt)
}

/// Checks `0 < v < N` for minimal bytes `v`.
fn check_verifier_range(v: &[u8]) -> Result<Uint, SrpError> {
    if v.is_empty() || v.len() > N_LEN {
        return Err(SrpError::InvalidVerifier);
    }
    let v = uint(v);
    if !v.is_below_n() {
        return Err(SrpError::InvalidVerifier);
    }
    Ok(v)
}

/// Parses a stored verifier: salt (minimal bytes) and `v` in Montgomery form.
fn open_verifier(v: &Verifier) -> Result<(Vec<u8>, Fe), SrpError> {
    let salt = parse_salt(&v.salt_hex)?;
    let v_bytes =
        Zeroizing::new(parse_hex(&v.verifier_hex).map_err(|_| SrpError::InvalidVerifier)?);
    let v_uint = check_verifier_range(&v_bytes)?;
    Ok((salt, monty(&v_uint)))
}

/// Checks a secret exponent and returns it unchanged.
fn check_secret(s: &[u8]) -> Result<&[u8], SrpError> {
    if s.is_empty() || s.len() > N_LEN || s.iter().fold(0u8, |acc, &b| acc | b) == 0 {
        return Err(SrpError::InvalidSecret);
    }
    Ok(s)
}

/// Parses a public value (`A` or `B`) given as hex: returns its minimal bytes and its residue,
/// or `err` if it does not fit in 3072 bits or is zero modulo `N`.
fn parse_public(hex_str: &str, err: SrpError) -> Result<(Vec<u8>, Fe), SrpError> {
    let bytes = parse_hex(hex_str)?;
    if bytes.len() > N_LEN {
        return Err(err);
    }
    let m = monty(&uint(&bytes));
    if m.is_zero() {
        return Err(err);
    }
    Ok((bytes, m))
}

// ---------------------------------------------------------------------------------------------
// Verifiers

/// Creates a verifier for a new password: a random 16-byte salt (first byte non-zero, so that
/// `salt_hex` round-trips through parsing) and `v = g^x mod N`.
pub fn make_verifier(pool_name: &str, user_id: &str, password: &str) -> Verifier {
    let mut salt = [0u8; SALT_LEN];
    while salt[0] == 0 {
        fill_random(&mut salt);
    }
    let x = compute_x(pool_name, user_id, password, &salt);
    let v = g_pow(&x[..]);
    Verifier {
        salt_hex: java_hex(&salt),
        verifier_hex: java_hex(&residue_bytes(&v)),
    }
}

/// Recomputes `v` from `password` and compares it with the stored one in constant time (used
/// for `USER_PASSWORD_AUTH` and `ADMIN_USER_PASSWORD_AUTH`). A malformed stored verifier never
/// matches.
pub fn check_password(pool_name: &str, user_id: &str, password: &str, v: &Verifier) -> bool {
    let Ok((salt, stored)) = open_verifier(v) else {
        return false;
    };
    let x = compute_x(pool_name, user_id, password, &salt);
    let computed = g_pow(&x[..]);
    constant_time_eq(&residue_bytes(&computed), &residue_bytes(&stored))
}

/// Builds a [`Verifier`] from a device's `DeviceSecretVerifierConfig` (`ConfirmDevice`): the
/// base64-decoded `Salt` and `PasswordVerifier` bytes (big-endian, typically Java
/// `toByteArray()` encodings). The salt must be 1..=1024 bytes; the verifier must be in `1..N`.
pub fn verifier_from_device(salt: &[u8], verifier_bytes: &[u8]) -> Result<Verifier, SrpError> {
    if salt.is_empty() || salt.len() > MAX_SALT_LEN {
        return Err(SrpError::InvalidSalt);
    }
    check_verifier_range(trim(verifier_bytes))?;
    Ok(Verifier {
        salt_hex: java_hex(salt),
        verifier_hex: java_hex(verifier_bytes),
    })
}

// ---------------------------------------------------------------------------------------------
// Server side

/// Starts a `PASSWORD_VERIFIER` (or `DEVICE_PASSWORD_VERIFIER`) challenge with a random 32-byte
/// `b`: `B = (k·v + g^b) mod N`, drawing again in the (negligible) case `B ≡ 0`.
pub fn server_challenge(v: &Verifier) -> Result<ServerChallenge, SrpError> {
    let mut last = SrpError::InvalidB;
    for _ in 0..8 {
        let mut b = Zeroizing::new([0u8; B_SECRET_LEN]);
        fill_random(&mut b[..]);
        match server_challenge_with_b(v, &b[..]) {
            Err(e @ (SrpError::InvalidB | SrpError::InvalidSecret)) => last = e,
            other => return other,
        }
    }
    Err(last)
}

/// [`server_challenge`] with a given `b` (big-endian, 1..=384 bytes, not zero). Fails with
/// [`SrpError::InvalidB`] if `B ≡ 0 (mod N)`.
pub fn server_challenge_with_b(v: &Verifier, b: &[u8]) -> Result<ServerChallenge, SrpError> {
    let (_, v_m) = open_verifier(v)?;
    let b = check_secret(b)?;
    let big_b = compute_big_b(&v_m, b);
    if big_b.is_zero() {
        return Err(SrpError::InvalidB);
    }
    Ok(ServerChallenge {
        b_secret: Zeroizing::new(b.to_vec()),
        srp_b_hex: java_hex(&residue_bytes(&big_b)),
    })
}

fn compute_big_b(v: &Fe, b: &[u8]) -> Fe {
    GROUP.k.mul(v).add(&g_pow(b))
}

/// Verifies `PASSWORD_CLAIM_SIGNATURE`.
///
/// `b_secret` is the `b` of the [`ServerChallenge`] (recovered from the sealed secret block);
/// `B` is recomputed from it. `secret_block` is the base64-decoded `PASSWORD_CLAIM_SECRET_BLOCK`
/// and `timestamp` the exact `TIMESTAMP` string received (check its format and freshness
/// separately with [`check_timestamp`]). Returns `Ok(false)` for a wrong signature (wrong
/// password, tampered block or timestamp, undecodable base64) and an error for a malformed or
/// degenerate `SRP_A` ([`SrpError::InvalidA`] when `A ≡ 0 (mod N)`), a zero `u`, or a malformed
/// verifier or `b`.
#[allow(clippy::too_many_arguments)]
pub fn verify_claim(
    pool_name: &str,
    user_id: &str,
    v: &Verifier,
    b_secret: &[u8],
    srp_a_hex: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature_b64: &str,
) -> Result<bool, SrpError> {
    verify_claim_inner(
        pool_name,
        user_id,
        v,
        b_secret,
        None,
        srp_a_hex,
        secret_block,
        timestamp,
        signature_b64,
    )
}

/// [`verify_claim`] with `SRP_B` supplied instead of recomputed, which saves one of the three
/// exponentiations. `srp_b_hex` **must** be the value [`server_challenge`] returned together
/// with `b_secret`, taken from tamper-proof storage (the sealed secret block), never from the
/// client.
#[allow(clippy::too_many_arguments)]
pub fn verify_claim_with_srp_b(
    pool_name: &str,
    user_id: &str,
    v: &Verifier,
    b_secret: &[u8],
    srp_b_hex: &str,
    srp_a_hex: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature_b64: &str,
) -> Result<bool, SrpError> {
    verify_claim_inner(
        pool_name,
        user_id,
        v,
        b_secret,
        Some(srp_b_hex),
        srp_a_hex,
        secret_block,
        timestamp,
        signature_b64,
    )
}

#[allow(clippy::too_many_arguments)]
fn verify_claim_inner(
    pool_name: &str,
    user_id: &str,
    v: &Verifier,
    b_secret: &[u8],
    srp_b_hex: Option<&str>,
    srp_a_hex: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature_b64: &str,
) -> Result<bool, SrpError> {
    let (a_bytes, a_m) = parse_public(srp_a_hex, SrpError::InvalidA)?;
    let (_, v_m) = open_verifier(v)?;
    let b = check_secret(b_secret)?;
    let b_bytes = match srp_b_hex {
        Some(h) => parse_public(h, SrpError::InvalidB)?.0,
        None => {
            let big_b = compute_big_b(&v_m, b);
            if big_b.is_zero() {
                return Err(SrpError::InvalidB);
            }
            residue_bytes(&big_b).to_vec()
        }
    };
    let u = compute_u(&a_bytes, &b_bytes);
    if u.iter().all(|&x| x == 0) {
        return Err(SrpError::ZeroU);
    }
    // S = (A · v^u)^b mod N
    let s = a_m.mul(&v_m.pow(&exponent(&u))).pow(&exponent(b));
    let key = derive_key(&residue_bytes(&s), &u);
    let expected = claim_mac(&key[..], pool_name, user_id, secret_block, timestamp);
    let Ok(given) = STANDARD.decode(signature_b64) else {
        return Ok(false);
    };
    Ok(constant_time_eq(&expected, &given))
}

// ---------------------------------------------------------------------------------------------
// TIMESTAMP

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses Cognito's `TIMESTAMP` strictly: `EEE MMM d HH:mm:ss UTC yyyy` with English
/// three-letter names, single spaces, the day of month without padding, two-digit time fields,
/// a literal `UTC`, a four-digit year, and a weekday that matches the date.
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime, SrpError> {
    const BAD: SrpError = SrpError::BadTimestamp;
    let parts: Vec<&str> = s.split(' ').collect();
    let [wd, mon, day, hms, zone, year] = parts[..] else {
        return Err(BAD);
    };
    let weekday = WEEKDAYS.iter().position(|&w| w == wd).ok_or(BAD)?;
    let month = MONTHS.iter().position(|&m| m == mon).ok_or(BAD)?;
    let month = Month::try_from(month as u8 + 1).map_err(|_| BAD)?;
    if day.is_empty() || day.len() > 2 || day.starts_with('0') {
        return Err(BAD);
    }
    let day = digits(day).ok_or(BAD)?;
    let hms = hms.as_bytes();
    if hms.len() != 8 || hms[2] != b':' || hms[5] != b':' {
        return Err(BAD);
    }
    let field = |i: usize| -> Result<u8, SrpError> {
        let f = std::str::from_utf8(&hms[i..i + 2]).map_err(|_| BAD)?;
        u8::try_from(digits(f).ok_or(BAD)?).map_err(|_| BAD)
    };
    let (h, m, sec) = (field(0)?, field(3)?, field(6)?);
    if zone != "UTC" || year.len() != 4 {
        return Err(BAD);
    }
    let year = i32::try_from(digits(year).ok_or(BAD)?).map_err(|_| BAD)?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).map_err(|_| BAD)?)
        .map_err(|_| BAD)?;
    if date.weekday().number_days_from_monday() as usize != weekday {
        return Err(BAD);
    }
    let time = Time::from_hms(h, m, sec).map_err(|_| BAD)?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

/// ASCII decimal digits only (no sign), as a number.
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Formats `t` (converted to UTC, sub-seconds dropped) as Cognito's `TIMESTAMP`, e.g.
/// `Tue Nov 3 04:05:06 UTC 2026`.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let weekday: Weekday = t.weekday();
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {:04}",
        WEEKDAYS[weekday.number_days_from_monday() as usize],
        MONTHS[u8::from(t.month()) as usize - 1],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// Parses `s` with [`parse_timestamp`] and requires it to be within `max_skew` of `now` (either
/// direction; the timestamp has whole-second precision).
pub fn check_timestamp(
    s: &str,
    now: OffsetDateTime,
    max_skew: time::Duration,
) -> Result<OffsetDateTime, SrpError> {
    let t = parse_timestamp(s)?;
    if (now - t).abs() > max_skew {
        return Err(SrpError::StaleTimestamp);
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// Client side

/// The client side of Cognito SRP, as amazon-cognito-identity-js / pycognito compute it. For
/// tests and the benchmark load generator; the server never needs it.
pub mod client {
    use super::*;

    /// A client's ephemeral key pair: secret `a` and public `A = g^a mod N`.
    #[derive(Clone)]
    pub struct SrpClient {
        a: Zeroizing<Vec<u8>>,
        srp_a_hex: String,
    }

    impl fmt::Debug for SrpClient {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SrpClient")
                .field("a", &"<redacted>")
                .field("srp_a_hex", &self.srp_a_hex)
                .finish()
        }
    }

    impl Default for SrpClient {
        fn default() -> Self {
            Self::new()
        }
    }

    impl SrpClient {
        /// A random 128-byte `a`.
        pub fn new() -> Self {
            loop {
                let mut a = Zeroizing::new(vec![0u8; A_SECRET_LEN]);
                fill_random(&mut a);
                if let Ok(c) = Self::with_a(&a) {
                    return c;
                }
            }
        }

        /// A given `a` (big-endian, 1..=384 bytes, not zero).
        pub fn with_a(a: &[u8]) -> Result<Self, SrpError> {
            let a = check_secret(a)?;
            let big_a = g_pow(a);
            if big_a.is_zero() {
                return Err(SrpError::InvalidA);
            }
            Ok(Self {
                a: Zeroizing::new(a.to_vec()),
                srp_a_hex: java_hex(&residue_bytes(&big_a)),
            })
        }

        /// `SRP_A` to send in `InitiateAuth` / `DEVICE_SRP_AUTH`.
        pub fn srp_a_hex(&self) -> &str {
            &self.srp_a_hex
        }

        /// The 16-byte session key `K` for the server's `SALT` and `SRP_B`.
        pub fn session_key(
            &self,
            pool_name: &str,
            user_id: &str,
            password: &str,
            salt_hex: &str,
            srp_b_hex: &str,
        ) -> Result<Zeroizing<[u8; 16]>, SrpError> {
            let salt = parse_salt(salt_hex)?;
            let (b_bytes, b_m) = parse_public(srp_b_hex, SrpError::InvalidB)?;
            let a_bytes = parse_hex(&self.srp_a_hex)?;
            let u = compute_u(&a_bytes, &b_bytes);
            if u.iter().all(|&x| x == 0) {
                return Err(SrpError::ZeroU);
            }
            let x = compute_x(pool_name, user_id, password, &salt);
            // S = (B − k·g^x)^(a + u·x) mod N
            let base = b_m.sub(&GROUP.k.mul(&g_pow(&x[..])));
            let e = exponent(&self.a).add_product(&exponent(&u), &exponent(&x[..]));
            let s = base.pow(&e);
            Ok(derive_key(&residue_bytes(&s), &u))
        }

        /// `PASSWORD_CLAIM_SIGNATURE` (base64) for the server's `SALT`, `SRP_B`, decoded
        /// `SECRET_BLOCK` and the `TIMESTAMP` the client will send.
        #[allow(clippy::too_many_arguments)]
        pub fn password_claim_signature(
            &self,
            pool_name: &str,
            user_id: &str,
            password: &str,
            salt_hex: &str,
            srp_b_hex: &str,
            secret_block: &[u8],
            timestamp: &str,
        ) -> Result<String, SrpError> {
            let key = self.session_key(pool_name, user_id, password, salt_hex, srp_b_hex)?;
            Ok(STANDARD.encode(claim_mac(
                &key[..],
                pool_name,
                user_id,
                secret_block,
                timestamp,
            )))
        }
    }

    /// One-shot client computation with a random `a`: returns `(SRP_A hex, signature base64)`.
    /// (In the real protocol `SRP_A` is sent before `SRP_B` is known; use [`SrpClient`] for that.)
    pub fn password_claim(
        pool_name: &str,
        user_id: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
        secret_block: &[u8],
        timestamp: &str,
    ) -> Result<(String, String), SrpError> {
        let c = SrpClient::new();
        let sig = c.password_claim_signature(
            pool_name,
            user_id,
            password,
            salt_hex,
            srp_b_hex,
            secret_block,
            timestamp,
        )?;
        Ok((c.srp_a_hex, sig))
    }

    /// [`password_claim`] with a given `a`.
    #[allow(clippy::too_many_arguments)]
    pub fn password_claim_with_a(
        a: &[u8],
        pool_name: &str,
        user_id: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
        secret_block: &[u8],
        timestamp: &str,
    ) -> Result<(String, String), SrpError> {
        let c = SrpClient::with_a(a)?;
        let sig = c.password_claim_signature(
            pool_name,
            user_id,
            password,
            salt_hex,
            srp_b_hex,
            secret_block,
            timestamp,
        )?;
        Ok((c.srp_a_hex, sig))
    }

    /// What a client sends in `ConfirmDevice`'s `DeviceSecretVerifierConfig` (before base64):
    /// `(Salt bytes, PasswordVerifier bytes)`, both Java `toByteArray()` encodings, for
    /// `poolName := deviceGroupKey`, `userId := deviceKey` and the device's random password.
    pub fn device_verifier_config(
        device_group_key: &str,
        device_key: &str,
        device_password: &str,
    ) -> (Vec<u8>, Vec<u8>) {
        let v = make_verifier(device_group_key, device_key, device_password);
        let salt = parse_hex(&v.salt_hex).expect("own salt");
        let verifier = parse_hex(&v.verifier_hex).expect("own verifier");
        (java_bytes(&salt), java_bytes(&verifier))
    }
}

#[cfg(test)]
mod tests {
    use super::client::SrpClient;
    use super::*;
    use num_bigint::BigUint;
    use rand::rngs::StdRng;
    use rand::{Rng as _, RngCore as _, SeedableRng as _};

    const POOL: &str = "EXAMPLE1";
    const USER: &str = "alice";
    const PASSWORD: &str = "Passw0rd!";
    const SALT: &str = "c0ffee00112233445566778899aabbcc";
    const BLOCK: &[u8] = b"demo-secret-block";
    const TS: &str = "Tue Nov 3 04:05:06 UTC 2026";

    fn n_big() -> BigUint {
        BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap()
    }

    fn demo_verifier() -> Verifier {
        let x = compute_x(POOL, USER, PASSWORD, &parse_hex(SALT).unwrap());
        Verifier {
            salt_hex: SALT.to_owned(),
            verifier_hex: java_hex(&residue_bytes(&g_pow(&x[..]))),
        }
    }

    #[test]
    fn k_matches_cognito() {
        let n = hex::decode(N_HEX).unwrap();
        let k = hash(&[&java_bytes(&n), &java_bytes(&[G])]);
        assert_eq!(
            hex::encode(k),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        assert_eq!(
            hex::encode(trim(&residue_bytes(&GROUP.k))),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        assert_eq!(n_big().bits(), 3072);
    }

    #[test]
    fn encodings_follow_java() {
        assert_eq!(java_bytes(&[]), vec![0]);
        assert_eq!(java_bytes(&[0, 0]), vec![0]);
        assert_eq!(java_bytes(&[0x7f]), vec![0x7f]);
        assert_eq!(java_bytes(&[0x80]), vec![0, 0x80]);
        assert_eq!(java_bytes(&[0, 0, 0x01, 0xff]), vec![0x01, 0xff]);
        assert_eq!(java_hex(&[]), "0");
        assert_eq!(java_hex(&[0, 0x0a, 0xbc]), "abc");
        assert_eq!(java_hex(&[0xc0, 0xff]), "c0ff");
        assert_eq!(parse_hex("0").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_hex("000abc").unwrap(), vec![0x0a, 0xbc]);
        assert_eq!(parse_hex("ABC").unwrap(), vec![0x0a, 0xbc]);
        assert_eq!(parse_hex("c0ff").unwrap(), vec![0xc0, 0xff]);
        for bad in ["", "-1", "+1", "0x1", "12 3", "g0", "é"] {
            assert_eq!(parse_hex(bad), Err(SrpError::InvalidHex), "{bad:?}");
        }
        // Salt c0ff… is hashed as 00 c0 ff … (the padHex rule).
        assert_eq!(java_bytes(&parse_hex(SALT).unwrap())[..3], [0, 0xc0, 0xff]);
    }

    #[test]
    fn section_5_9_test_vector() {
        let a = hash(&[b"demo-a"]);
        let b = hash(&[b"demo-b"]);
        let salt = parse_hex(SALT).unwrap();
        let x = compute_x(POOL, USER, PASSWORD, &salt);
        assert_eq!(
            hex::encode(&x[..]),
            "c0e5b540cc4366a7d9e34e024be9f9306f68590528a168a06f90216433c6f187"
        );
        let v = demo_verifier();
        let challenge = server_challenge_with_b(&v, &b).unwrap();
        let client = SrpClient::with_a(&a).unwrap();
        let u = compute_u(
            &parse_hex(client.srp_a_hex()).unwrap(),
            &parse_hex(&challenge.srp_b_hex).unwrap(),
        );
        assert_eq!(
            hex::encode(u),
            "87c53780ac2de5a9e2c00e3f2680954b27e5374f9efc613b8d02f1b4808b9706"
        );
        let key = client
            .session_key(POOL, USER, PASSWORD, SALT, &challenge.srp_b_hex)
            .unwrap();
        assert_eq!(hex::encode(&key[..]), "56f5672f27238d192b687c1c6ed921fd");
        assert_eq!(STANDARD.encode(BLOCK), "ZGVtby1zZWNyZXQtYmxvY2s=");
        let expected_sig = "Pt7e3EKxVaCvdZZPZRkmwTc4gAj1arhjR19Bhj9/My8=";

        let sig = client
            .password_claim_signature(POOL, USER, PASSWORD, SALT, &challenge.srp_b_hex, BLOCK, TS)
            .unwrap();
        assert_eq!(sig, expected_sig);
        let (a_hex, sig2) = client::password_claim_with_a(
            &a,
            POOL,
            USER,
            PASSWORD,
            SALT,
            &challenge.srp_b_hex,
            BLOCK,
            TS,
        )
        .unwrap();
        assert_eq!(
            (a_hex.as_str(), sig2.as_str()),
            (client.srp_a_hex(), expected_sig)
        );

        assert_eq!(
            verify_claim(
                POOL,
                USER,
                &v,
                &b,
                client.srp_a_hex(),
                BLOCK,
                TS,
                expected_sig
            ),
            Ok(true)
        );
        assert_eq!(
            verify_claim_with_srp_b(
                POOL,
                USER,
                &v,
                &b,
                &challenge.srp_b_hex,
                client.srp_a_hex(),
                BLOCK,
                TS,
                expected_sig
            ),
            Ok(true)
        );
        // Upper-case / zero-padded SRP_A is the same integer.
        let a_upper = format!("000{}", client.srp_a_hex().to_uppercase());
        assert_eq!(
            verify_claim(POOL, USER, &v, &b, &a_upper, BLOCK, TS, expected_sig),
            Ok(true)
        );
    }

    /// num-bigint reference of the server computation.
    fn reference_server(v: &BigUint, b: &BigUint, a_pub: &BigUint) -> (BigUint, BigUint) {
        let n = n_big();
        let k = BigUint::from_bytes_be(&hash(&[&java_bytes(&n.to_bytes_be()), &java_bytes(&[G])]));
        let big_b = (&k * v + BigUint::from(2u8).modpow(b, &n)) % &n;
        let u = BigUint::from_bytes_be(&hash(&[
            &java_bytes(&a_pub.to_bytes_be()),
            &java_bytes(&big_b.to_bytes_be()),
        ]));
        let s = (a_pub * v.modpow(&u, &n)).modpow(b, &n);
        (big_b, s)
    }

    #[test]
    fn modexp_matches_num_bigint() {
        let mut rng = StdRng::seed_from_u64(0x5eed_c09a_7e00);
        let n = n_big();
        for i in 0..24 {
            let mut base = vec![0u8; N_LEN];
            rng.fill_bytes(&mut base);
            // Vary the exponent length, including exponents of the size of N.
            let exp_len = [1, 2, 31, 32, 33, 128, 384][i % 7];
            let mut e = vec![0u8; exp_len];
            rng.fill_bytes(&mut e);
            if i % 5 == 0 {
                e[0] = 0; // leading zero bytes
            }
            let got = monty(&uint(&base)).pow(&exponent(&e));
            let want = BigUint::from_bytes_be(&base).modpow(&BigUint::from_bytes_be(&e), &n);
            assert_eq!(
                BigUint::from_bytes_be(&residue_bytes(&got)),
                want,
                "case {i}"
            );
        }
    }

    #[test]
    fn server_math_matches_num_bigint() {
        let mut rng = StdRng::seed_from_u64(42);
        let n = n_big();
        for i in 0..6 {
            let mut v_bytes = vec![0u8; N_LEN];
            rng.fill_bytes(&mut v_bytes);
            let v_big = BigUint::from_bytes_be(&v_bytes) % &n;
            let verifier = Verifier {
                salt_hex: "1234".into(),
                verifier_hex: v_big.to_str_radix(16),
            };
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            let mut a_bytes = vec![0u8; rng.random_range(1..=N_LEN)];
            rng.fill_bytes(&mut a_bytes);
            let a_pub = BigUint::from_bytes_be(&a_bytes) % &n;
            let (want_b, want_s) = reference_server(&v_big, &BigUint::from_bytes_be(&b), &a_pub);

            let ch = server_challenge_with_b(&verifier, &b).unwrap();
            assert_eq!(ch.srp_b_hex, want_b.to_str_radix(16), "case {i}");

            // Recompute the signature from the reference S and check verify_claim accepts it.
            let u = compute_u(&a_pub.to_bytes_be(), &want_b.to_bytes_be());
            let key = derive_key(&want_s.to_bytes_be(), &u);
            let sig = STANDARD.encode(claim_mac(&key[..], "p", "u", b"blk", TS));
            let a_hex = a_pub.to_str_radix(16);
            assert_eq!(
                verify_claim("p", "u", &verifier, &b, &a_hex, b"blk", TS, &sig),
                Ok(true),
                "case {i}"
            );
            assert_eq!(
                verify_claim("p", "u", &verifier, &b, &a_hex, b"blk", TS, &sig[1..]),
                Ok(false),
                "case {i}"
            );
        }
    }

    #[test]
    fn hkdf_matches_rfc5869_construction() {
        // HKDF with a single expand block equals the RFC 5869 definition.
        let s = [0x80u8; 40];
        let u = [0x01u8; 32];
        let prk = hmac_sha256(&java_bytes(&u), &[&java_bytes(&s)]);
        let t1 = hmac_sha256(&prk, &[b"Caldera Derived Key\x01"]);
        assert_eq!(derive_key(&s, &u)[..], t1[..16]);
    }

    #[test]
    fn check_password_and_salts() {
        let v1 = make_verifier(POOL, USER, PASSWORD);
        let v2 = make_verifier(POOL, USER, PASSWORD);
        assert_ne!(v1.salt_hex, v2.salt_hex);
        assert_ne!(v1.verifier_hex, v2.verifier_hex);
        for v in [&v1, &v2] {
            assert_eq!(
                v.salt_hex.len(),
                2 * SALT_LEN - usize::from(v.salt_hex.len() % 2 == 1)
            );
            assert_eq!(java_hex(&parse_hex(&v.salt_hex).unwrap()), v.salt_hex);
            assert!(check_password(POOL, USER, PASSWORD, v));
            assert!(!check_password(POOL, USER, "Passw0rd?", v));
            assert!(!check_password(POOL, "bob", PASSWORD, v));
            assert!(!check_password("OTHER", USER, PASSWORD, v));
        }
        // The §5.9 verifier is recognised too.
        assert!(check_password(POOL, USER, PASSWORD, &demo_verifier()));
        // Malformed stored verifiers never match.
        let mut bad = v1.clone();
        bad.verifier_hex = "zz".into();
        assert!(!check_password(POOL, USER, PASSWORD, &bad));
        bad.verifier_hex = N_HEX.into();
        assert!(!check_password(POOL, USER, PASSWORD, &bad));
        assert!(!format!("{v1:?}").contains(&v1.verifier_hex));
    }

    fn round_trip(v: &Verifier, password: &str) -> (ServerChallenge, SrpClient, String) {
        let ch = server_challenge(v).unwrap();
        let c = SrpClient::new();
        let sig = c
            .password_claim_signature(POOL, USER, password, &v.salt_hex, &ch.srp_b_hex, BLOCK, TS)
            .unwrap();
        (ch, c, sig)
    }

    #[test]
    fn verify_claim_accepts_and_rejects() {
        let v = make_verifier(POOL, USER, PASSWORD);
        let (ch, c, sig) = round_trip(&v, PASSWORD);
        let ok = |pool: &str, user: &str, block: &[u8], ts: &str, sig: &str| {
            verify_claim(pool, user, &v, &ch.b_secret, c.srp_a_hex(), block, ts, sig).unwrap()
        };
        assert!(ok(POOL, USER, BLOCK, TS, &sig));
        assert!(!ok(POOL, USER, b"demo-secret-blocl", TS, &sig));
        assert!(!ok(POOL, USER, BLOCK, "Tue Nov 3 04:05:07 UTC 2026", &sig));
        assert!(!ok(POOL, "bob", BLOCK, TS, &sig));
        assert!(!ok("OTHER", USER, BLOCK, TS, &sig));
        assert!(!ok(POOL, USER, BLOCK, TS, "not base64!"));
        assert!(!ok(POOL, USER, BLOCK, TS, ""));
        // Wrong password on the client side.
        let (ch2, c2, bad_sig) = round_trip(&v, "Passw0rd?");
        assert_eq!(
            verify_claim(
                POOL,
                USER,
                &v,
                &ch2.b_secret,
                c2.srp_a_hex(),
                BLOCK,
                TS,
                &bad_sig
            ),
            Ok(false)
        );
        // A different b (another challenge) does not verify.
        let other = server_challenge(&v).unwrap();
        assert_ne!(other.srp_b_hex, ch.srp_b_hex);
        assert_eq!(
            verify_claim(
                POOL,
                USER,
                &v,
                &other.b_secret,
                c.srp_a_hex(),
                BLOCK,
                TS,
                &sig
            ),
            Ok(false)
        );
        assert!(!format!("{ch:?}").contains(&hex::encode(&ch.b_secret[..])));
    }

    #[test]
    fn degenerate_a_is_rejected() {
        let v = make_verifier(POOL, USER, PASSWORD);
        let ch = server_challenge(&v).unwrap();
        let n = n_big();
        let two_n = (&n * 2u8).to_str_radix(16);
        for a in [
            "0",
            "000",
            N_HEX,
            &N_HEX.to_lowercase(),
            &two_n,
            &format!("1{N_HEX}"),
        ] {
            assert_eq!(
                verify_claim(POOL, USER, &v, &ch.b_secret, a, BLOCK, TS, "x"),
                Err(SrpError::InvalidA),
                "{a}"
            );
        }
        assert_eq!(
            verify_claim(POOL, USER, &v, &ch.b_secret, "xyz", BLOCK, TS, "x"),
            Err(SrpError::InvalidHex)
        );
        // The client refuses B = 0 and B = N.
        let c = SrpClient::new();
        for b in ["0", N_HEX] {
            assert_eq!(
                c.password_claim_signature(POOL, USER, PASSWORD, SALT, b, BLOCK, TS),
                Err(SrpError::InvalidB)
            );
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let v = make_verifier(POOL, USER, PASSWORD);
        assert_eq!(
            server_challenge_with_b(&v, &[0, 0]).unwrap_err(),
            SrpError::InvalidSecret
        );
        assert_eq!(
            server_challenge_with_b(&v, &[]).unwrap_err(),
            SrpError::InvalidSecret
        );
        let mut bad = v.clone();
        bad.verifier_hex = "0".into();
        assert_eq!(
            server_challenge(&bad).unwrap_err(),
            SrpError::InvalidVerifier
        );
        bad.salt_hex = "q".into();
        assert_eq!(server_challenge(&bad).unwrap_err(), SrpError::InvalidHex);
        assert_eq!(
            SrpClient::with_a(&[0]).unwrap_err(),
            SrpError::InvalidSecret
        );
    }

    #[test]
    fn device_verifier_round_trip() {
        let (salt, verifier) = client::device_verifier_config("-abcd1234", "us-east-1_dev", "pw");
        let v = verifier_from_device(&salt, &verifier).unwrap();
        assert_eq!(java_bytes(&parse_hex(&v.salt_hex).unwrap()), salt);
        assert!(check_password("-abcd1234", "us-east-1_dev", "pw", &v));
        let ch = server_challenge(&v).unwrap();
        let c = SrpClient::new();
        let sig = c
            .password_claim_signature(
                "-abcd1234",
                "us-east-1_dev",
                "pw",
                &v.salt_hex,
                &ch.srp_b_hex,
                BLOCK,
                TS,
            )
            .unwrap();
        assert_eq!(
            verify_claim(
                "-abcd1234",
                "us-east-1_dev",
                &v,
                &ch.b_secret,
                c.srp_a_hex(),
                BLOCK,
                TS,
                &sig
            ),
            Ok(true)
        );
        // A salt with a leading zero byte (what padHex produces for a high first byte) and one
        // without give the same salt_hex.
        let v2 = verifier_from_device(&[0x00, 0xc0, 0xff], &verifier).unwrap();
        let v3 = verifier_from_device(&[0xc0, 0xff], &verifier).unwrap();
        assert_eq!(v2, v3);
        assert_eq!(v2.salt_hex, "c0ff");
        assert_eq!(
            verifier_from_device(&[], &verifier),
            Err(SrpError::InvalidSalt)
        );
        assert_eq!(
            verifier_from_device(&salt, &[0, 0]),
            Err(SrpError::InvalidVerifier)
        );
        let n = hex::decode(N_HEX).unwrap();
        assert_eq!(
            verifier_from_device(&salt, &n),
            Err(SrpError::InvalidVerifier)
        );
        let mut too_long = vec![1u8; N_LEN + 1];
        too_long[0] = 1;
        assert_eq!(
            verifier_from_device(&salt, &too_long),
            Err(SrpError::InvalidVerifier)
        );
    }

    #[test]
    fn timestamps() {
        for s in [
            "Tue Nov 3 04:05:06 UTC 2026",
            "Thu Dec 24 23:59:09 UTC 2026",
        ] {
            let t = parse_timestamp(s).unwrap();
            assert_eq!(format_timestamp(t), s);
        }
        let t = parse_timestamp("Tue Nov 3 04:05:06 UTC 2026").unwrap();
        assert_eq!(t, time::macros::datetime!(2026-11-03 04:05:06 UTC));
        for bad in [
            "Tue Nov 03 04:05:06 UTC 2026",
            "Wed Nov 3 04:05:06 UTC 2026",
            "Tue Nov 3 4:05:06 UTC 2026",
            "Tue Nov 3 04:5:06 UTC 2026",
            "Tue Nov 3 04:05:06 GMT 2026",
            "Tue Nov 3 04:05:06 UTC 26",
            "Tue Nov 3 04:05:06 UTC +2026",
            "Tue Nov  3 04:05:06 UTC 2026",
            "Tue Nov 3 04:05:06 UTC 2026 ",
            "tue Nov 3 04:05:06 UTC 2026",
            "Tue November 3 04:05:06 UTC 2026",
            "Tue Nov 3 24:05:06 UTC 2026",
            "Tue Nov 3 04:60:06 UTC 2026",
            "Tue Nov 3 04:05:60 UTC 2026",
            "Tue Nov +3 04:05:06 UTC 2026",
            "Mon Nov 31 04:05:06 UTC 2026",
            "Di Nov 3 04:05:06 UTC 2026",
            "Tue Nov 3 04-05-06 UTC 2026",
            "",
            "garbage",
            "Tue Nov 3 04:05:06 UTC 2026\n",
        ] {
            assert_eq!(parse_timestamp(bad), Err(SrpError::BadTimestamp), "{bad:?}");
        }
        // Formatting converts to UTC and drops sub-seconds.
        let t = time::macros::datetime!(2027-01-01 01:02:03.9 +02:00);
        assert_eq!(format_timestamp(t), "Thu Dec 31 23:02:03 UTC 2026");
        // Random round trips.
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..500 {
            let secs = rng.random_range(0..4_102_444_800_i64); // 1970..2100
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let s = format_timestamp(t);
            assert_eq!(parse_timestamp(&s), Ok(t), "{s}");
        }
        let now = time::macros::datetime!(2026-11-03 04:09:00 UTC);
        let five = time::Duration::minutes(5);
        assert!(check_timestamp(TS, now, five).is_ok());
        assert_eq!(
            check_timestamp(TS, now + time::Duration::minutes(2), five),
            Err(SrpError::StaleTimestamp)
        );
        assert_eq!(
            check_timestamp(TS, now - time::Duration::minutes(10), five),
            Err(SrpError::StaleTimestamp)
        );
    }
}
