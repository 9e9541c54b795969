//! Server-side verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`) request signatures,
//! as sent by the AWS SDKs to awsJson services (`POST /` with `X-Amz-Target`).
//!
//! The verifier recomputes the signature from the request parts (canonical request → string to
//! sign → derived signing key → HMAC) and compares it in constant time. It follows the SDKs'
//! default signing settings for non-S3 services: the URI path is normalised and percent-encoded
//! a second time, query parameters are decoded, re-encoded (RFC 3986 unreserved set) and
//! sorted, header values are trimmed with inner runs of spaces collapsed, and the payload hash
//! is the hex SHA-256 of the body (or `x-amz-content-sha256`, which must then match the body).
//!
//! Checking that the credential scope's region and service are the ones this server answers
//! for, and looking up the secret for `access_key_id`, is the caller's job.

use sha2::{Digest as _, Sha256};
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::random::constant_time_eq;
use crate::secret_hash::hmac_sha256;

/// The only algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Largest accepted difference between the request time and the server clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

const SCOPE_TERMINATOR: &str = "aws4_request";
const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// Access key id from the credential scope.
    pub access_key_id: String,
    /// Scope date, `yyyymmdd`.
    pub date: String,
    /// Scope region, e.g. `us-east-1`.
    pub region: String,
    /// Scope service, e.g. `cognito-idp`.
    pub service: String,
    /// Lower-cased header names, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// Lower-case hex signature.
    pub signature: String,
}

/// Why a request's signature was not accepted. Messages never include secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header (or an empty one).
    #[error("Missing Authentication Token")]
    Missing,
    /// The signature information is incomplete or malformed.
    #[error("{0}")]
    Incomplete(String),
    /// The recomputed signature differs (wrong secret, tampered request, wrong scope date).
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method."
    )]
    InvalidSignature,
    /// The request time is more than five minutes away from the server clock.
    #[error("Signature expired: {request_time} is outside the 5 minute window around {now}")]
    Expired {
        /// `x-amz-date` of the request (`yyyymmddThhmmssZ`).
        request_time: String,
        /// Server time in the same format.
        now: String,
    },
    /// `x-amz-date` is not in `yyyymmddThhmmssZ` form.
    #[error("X-Amz-Date must be in ISO 8601 basic format (yyyyMMddTHHmmssZ)")]
    BadDate,
}

fn incomplete(msg: impl Into<String>) -> SigV4Error {
    SigV4Error::Incomplete(msg.into())
}

/// Parses an `Authorization` header value such as
/// `AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request,
/// SignedHeaders=host;x-amz-date;x-amz-target, Signature=<hex>`.
///
/// Spaces after the commas are optional; unknown components are ignored.
pub fn parse_authorization(header: &str) -> Result<ParsedAuthorization, SigV4Error> {
    let header = header.trim();
    if header.is_empty() {
        return Err(SigV4Error::Missing);
    }
    let rest = header
        .strip_prefix(ALGORITHM)
        .filter(|rest| rest.starts_with([' ', '\t']))
        .ok_or_else(|| {
            incomplete(format!(
                "Authorization header must use the {ALGORITHM} algorithm."
            ))
        })?;

    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for component in rest.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let (key, value) = component.split_once('=').ok_or_else(|| {
            incomplete("Authorization header components must be key=value pairs.")
        })?;
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(value.trim()).is_some() {
            return Err(incomplete(format!(
                "Authorization header repeats '{}'.",
                key.trim()
            )));
        }
    }
    fn require<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, SigV4Error> {
        value
            .filter(|v| !v.is_empty())
            .ok_or_else(|| incomplete(format!("Authorization header requires '{name}' parameter.")))
    }
    let credential = require(credential, "Credential")?;
    let signed_headers = require(signed_headers, "SignedHeaders")?;
    let signature = require(signature, "Signature")?;

    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(incomplete(
            "Credential must have the form <key id>/<yyyymmdd>/<region>/<service>/aws4_request.",
        ));
    };
    if access_key_id.is_empty()
        || region.is_empty()
        || service.is_empty()
        || terminator != SCOPE_TERMINATOR
    {
        return Err(incomplete(
            "Credential must have the form <key id>/<yyyymmdd>/<region>/<service>/aws4_request.",
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(incomplete("Credential scope date must be yyyymmdd."));
    }

    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(incomplete("SignedHeaders contains an empty header name."));
    }
    if !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(incomplete("Signature must be hexadecimal."));
    }

    Ok(ParsedAuthorization {
        access_key_id: access_key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// Verifies a SigV4-signed request.
///
/// - `path_and_query`: the request target as received (already percent-encoded), e.g. `/` or
///   `/a/b?x=1`.
/// - `headers`: all request headers (names in any case; repeated names allowed).
/// - `now`: the server clock.
///
/// Checks, in order: `x-amz-date` present and well-formed, within [`MAX_CLOCK_SKEW`] of `now`,
/// `host` among the signed headers, every signed header present, the credential scope date
/// equal to the request date, `x-amz-content-sha256` (if sent) equal to the body's hash, and
/// finally the signature itself.
pub fn verify(
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: &[u8],
    auth: &ParsedAuthorization,
    secret_access_key: &str,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    verify_inner(
        method,
        path_and_query,
        headers,
        Some(body),
        auth,
        secret_access_key,
        now,
    )
}

/// Like [`verify`], for a request whose body the verifier does not have (a
/// resource server asking whether to serve a request): the payload hash is the
/// declared `x-amz-content-sha256`, which must be present; checking that it
/// describes the body (or is `UNSIGNED-PAYLOAD`) is the caller's business.
pub fn verify_declared_payload(
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    auth: &ParsedAuthorization,
    secret_access_key: &str,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    verify_inner(
        method,
        path_and_query,
        headers,
        None,
        auth,
        secret_access_key,
        now,
    )
}

fn verify_inner(
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    auth: &ParsedAuthorization,
    secret_access_key: &str,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    let amz_date = header_value(headers, X_AMZ_DATE).ok_or_else(|| {
        incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let request_time = parse_amz_date(&amz_date)?;
    if (request_time - now).abs() > MAX_CLOCK_SKEW {
        return Err(SigV4Error::Expired {
            request_time: amz_date,
            now: format_amz_date(now),
        });
    }

    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(incomplete(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let value = header_value(headers, name).ok_or_else(|| {
            incomplete(format!(
                "Signed header '{name}' is missing from the request."
            ))
        })?;
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&value);
        canonical_headers.push('\n');
    }

    let request_date = format_amz_day(request_time);
    if auth.date != request_date {
        return Err(SigV4Error::InvalidSignature);
    }

    let declared_hash = header_value(headers, X_AMZ_CONTENT_SHA256);
    let Some(body) = body else {
        let declared = declared_hash.ok_or_else(|| {
            incomplete("Without the body, 'x-amz-content-sha256' must be a signed header.")
        })?;
        if !auth
            .signed_headers
            .iter()
            .any(|h| h == X_AMZ_CONTENT_SHA256)
        {
            return Err(incomplete(
                "Without the body, 'x-amz-content-sha256' must be a signed header.",
            ));
        }
        return finish(
            method,
            path_and_query,
            &canonical_headers,
            &declared,
            &amz_date,
            auth,
            secret_access_key,
        );
    };
    let body_hash = hex::encode(Sha256::digest(body));
    let payload_hash = match declared_hash {
        Some(declared) => {
            // The declared hash is what the client signed; it must also describe this body,
            // otherwise the body would be unauthenticated (e.g. `UNSIGNED-PAYLOAD`).
            if !constant_time_eq(
                declared.to_ascii_lowercase().as_bytes(),
                body_hash.as_bytes(),
            ) {
                return Err(SigV4Error::InvalidSignature);
            }
            declared
        }
        None => body_hash,
    };
    finish(
        method,
        path_and_query,
        &canonical_headers,
        &payload_hash,
        &amz_date,
        auth,
        secret_access_key,
    )
}

/// The canonical request, the string to sign and the comparison.
fn finish(
    method: &str,
    path_and_query: &str,
    canonical_headers: &str,
    payload_hash: &str,
    amz_date: &str,
    auth: &ParsedAuthorization,
    secret_access_key: &str,
) -> Result<(), SigV4Error> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, query),
        None => (path_and_query, ""),
    };
    let canonical_request = format!(
        "{method}\n{uri}\n{query}\n{canonical_headers}\n{signed}\n{payload_hash}",
        method = method.to_ascii_uppercase(),
        // S3 signs the path as sent: no normalisation, no second encoding.
        uri = if auth.service == "s3" {
            if path.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            }
        } else {
            canonical_uri(path)
        },
        query = canonical_query(query),
        signed = auth.signed_headers.join(";"),
    );
    let scope = format!(
        "{}/{}/{}/{SCOPE_TERMINATOR}",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );

    let expected = hex::encode(sign(secret_access_key, auth, &string_to_sign));
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(SigV4Error::InvalidSignature)
    }
}

/// `HMAC(kSigning, string_to_sign)` with
/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn sign(secret_access_key: &str, auth: &ParsedAuthorization, string_to_sign: &str) -> [u8; 32] {
    let k_date = hmac_sha256(
        format!("AWS4{secret_access_key}").as_bytes(),
        &[auth.date.as_bytes()],
    );
    let k_region = hmac_sha256(&k_date, &[auth.region.as_bytes()]);
    let k_service = hmac_sha256(&k_region, &[auth.service.as_bytes()]);
    let k_signing = hmac_sha256(&k_service, &[SCOPE_TERMINATOR.as_bytes()]);
    hmac_sha256(&k_signing, &[string_to_sign.as_bytes()])
}

/// All values of header `name` (case-insensitive), each trimmed with runs of spaces collapsed,
/// joined by commas; `None` if the header is absent.
fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .iter()
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| collapse_spaces(v))
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

fn collapse_spaces(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn parse_amz_date(value: &str) -> Result<OffsetDateTime, SigV4Error> {
    PrimitiveDateTime::parse(
        value,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map(PrimitiveDateTime::assume_utc)
    .map_err(|_| SigV4Error::BadDate)
}

fn format_amz_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn format_amz_day(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

/// RFC 3986 unreserved characters, never percent-encoded by SigV4.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn percent_encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// The canonical URI for non-S3 services: remove `.`/`..`/empty segments, then percent-encode
/// the already-encoded path once more (so `%20` becomes `%2520`).
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalized = String::from("/");
    normalized.push_str(&segments.join("/"));
    let trailing_slash = ["/", "/.", "/..", "/./", "/../"]
        .iter()
        .any(|s| path.ends_with(s));
    if trailing_slash && !normalized.ends_with('/') {
        normalized.push('/');
    }
    let mut out = String::with_capacity(normalized.len());
    percent_encode_into(&mut out, normalized.as_bytes(), true);
    out
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space; malformed `%` escapes are
/// kept literally).
fn form_decode(input: &str) -> Vec<u8> {
    fn hex_val(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_val);
                let lo = bytes.get(i + 2).copied().and_then(hex_val);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// The canonical query string: parameters decoded, re-encoded with the unreserved set,
/// sorted by encoded name then value, and joined as `name=value` with `&`.
fn canonical_query(query: &str) -> String {
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            let mut enc_name = String::new();
            percent_encode_into(&mut enc_name, &form_decode(name), false);
            let mut enc_value = String::new();
            percent_encode_into(&mut enc_value, &form_decode(value), false);
            (enc_name, enc_value)
        })
        .collect();
    params.sort();
    params
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{
        SignableBody, SignableRequest, SigningSettings, sign as sdk_sign,
    };
    use aws_sigv4::sign::v4::SigningParams;
    use std::borrow::Cow;
    use std::time::SystemTime;
    use time::macros::datetime;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const HOST: &str = "cognito-idp.us-east-1.amazonaws.com";
    const BODY: &[u8] = br#"{"UserPoolId":"us-east-1_example","Username":"alice"}"#;

    /// What the SDK would send, before signing.
    fn base_headers() -> Vec<(String, String)> {
        [
            ("content-type", "application/x-amz-json-1.1"),
            (
                "x-amz-target",
                "AWSCognitoIdentityProviderService.AdminGetUser",
            ),
            ("content-length", "52"),
            ("host", HOST),
            (
                "x-amz-user-agent",
                "aws-sdk-rust/1.3.9 api/cognitoidentityprovider/1.144.0 os/linux lang/rust/1.95.0",
            ),
            ("user-agent", "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0"),
            (
                "amz-sdk-invocation-id",
                "0b9c3c7e-6f8a-4f5e-9d35-1b3f4b6f0a11",
            ),
            ("amz-sdk-request", "attempt=1; max=3"),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
    }

    struct Signed {
        headers: Vec<(String, String)>,
        auth: ParsedAuthorization,
    }

    /// Signs like the AWS SDK (aws-sigv4, default settings unless changed) and returns the
    /// headers as they would arrive, plus the parsed `Authorization`.
    fn sdk_sign_request(
        uri: &str,
        headers: Vec<(String, String)>,
        body: SignableBody<'_>,
        at: OffsetDateTime,
        session_token: Option<&str>,
        settings: SigningSettings,
    ) -> Signed {
        let identity =
            Credentials::new(AKID, SECRET, session_token.map(str::to_owned), None, "test").into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("cognito-idp")
            .time(SystemTime::from(at))
            .settings(settings)
            .build()
            .expect("params")
            .into();
        let request = SignableRequest::new(
            "POST",
            uri,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            body,
        )
        .expect("signable");
        let (instructions, _signature) = sdk_sign(request, &params).expect("sign").into_parts();
        let mut all = headers.clone();
        for (name, value) in instructions.headers() {
            all.push((name.to_owned(), value.to_owned()));
        }
        let authorization = all
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .expect("authorization header");
        Signed {
            auth: parse_authorization(&authorization).expect("parse"),
            headers: all,
        }
    }

    fn t0() -> OffsetDateTime {
        datetime!(2026-11-26 10:00:00 UTC)
    }

    fn signed_default() -> Signed {
        sdk_sign_request(
            &format!("https://{HOST}/"),
            base_headers(),
            SignableBody::Bytes(BODY),
            t0(),
            None,
            SigningSettings::default(),
        )
    }

    fn check(
        signed: &Signed,
        headers: &[(String, String)],
        body: &[u8],
        secret: &str,
    ) -> Result<(), SigV4Error> {
        verify(
            "POST",
            "/",
            headers,
            body,
            &signed.auth,
            secret,
            t0() + Duration::seconds(30),
        )
    }

    #[test]
    fn accepts_sdk_signed_request() {
        let s = signed_default();
        assert_eq!(s.auth.access_key_id, AKID);
        assert_eq!(s.auth.date, "20261126");
        assert_eq!(s.auth.region, "us-east-1");
        assert_eq!(s.auth.service, "cognito-idp");
        assert!(s.auth.signed_headers.contains(&"x-amz-target".to_owned()));
        assert!(!s.auth.signed_headers.contains(&"user-agent".to_owned()));
        assert_eq!(check(&s, &s.headers, BODY, SECRET), Ok(()));
    }

    #[test]
    fn accepts_session_token() {
        let s = sdk_sign_request(
            &format!("https://{HOST}/"),
            base_headers(),
            SignableBody::Bytes(BODY),
            t0(),
            Some("FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDEXAMPLE"),
            SigningSettings::default(),
        );
        assert!(
            s.auth
                .signed_headers
                .contains(&"x-amz-security-token".to_owned())
        );
        assert_eq!(check(&s, &s.headers, BODY, SECRET), Ok(()));
        let mut bad = s.headers.clone();
        for (n, v) in &mut bad {
            if n == "x-amz-security-token" {
                v.push('A');
            }
        }
        assert_eq!(
            check(&s, &bad, BODY, SECRET),
            Err(SigV4Error::InvalidSignature)
        );
    }

    #[test]
    fn accepts_x_amz_content_sha256() {
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        let s = sdk_sign_request(
            &format!("https://{HOST}/"),
            base_headers(),
            SignableBody::Bytes(BODY),
            t0(),
            None,
            settings,
        );
        assert!(
            s.auth
                .signed_headers
                .contains(&X_AMZ_CONTENT_SHA256.to_owned())
        );
        assert_eq!(check(&s, &s.headers, BODY, SECRET), Ok(()));
        // The declared hash no longer matches a swapped body.
        assert_eq!(
            check(&s, &s.headers, b"{}", SECRET),
            Err(SigV4Error::InvalidSignature)
        );
    }

    #[test]
    fn rejects_unsigned_payload() {
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        let s = sdk_sign_request(
            &format!("https://{HOST}/"),
            base_headers(),
            SignableBody::UnsignedPayload,
            t0(),
            None,
            settings,
        );
        assert_eq!(
            check(&s, &s.headers, BODY, SECRET),
            Err(SigV4Error::InvalidSignature)
        );
    }

    #[test]
    fn rejects_wrong_secret() {
        let s = signed_default();
        assert_eq!(
            check(&s, &s.headers, BODY, "not-the-secret"),
            Err(SigV4Error::InvalidSignature)
        );
        assert_eq!(
            check(&s, &s.headers, BODY, ""),
            Err(SigV4Error::InvalidSignature)
        );
    }

    #[test]
    fn rejects_tampered_body() {
        let s = signed_default();
        let tampered = br#"{"UserPoolId":"us-east-1_example","Username":"mallory"}"#;
        assert_eq!(
            check(&s, &s.headers, tampered, SECRET),
            Err(SigV4Error::InvalidSignature)
        );
        assert_eq!(
            check(&s, &s.headers, b"", SECRET),
            Err(SigV4Error::InvalidSignature)
        );
    }

    #[test]
    fn rejects_tampered_signed_header() {
        let s = signed_default();
        let mut headers = s.headers.clone();
        for (n, v) in &mut headers {
            if n == "x-amz-target" {
                *v = "AWSCognitoIdentityProviderService.AdminDeleteUser".into();
            }
        }
        assert_eq!(
            check(&s, &headers, BODY, SECRET),
            Err(SigV4Error::InvalidSignature)
        );
        // A repeated signed header changes its canonical value too.
        let mut doubled = s.headers.clone();
        doubled.push((
            "X-Amz-Target".into(),
            "AWSCognitoIdentityProviderService.AdminDeleteUser".into(),
        ));
        assert_eq!(
            check(&s, &doubled, BODY, SECRET),
            Err(SigV4Error::InvalidSignature)
        );
    }

    #[test]
    fn rejects_tampered_signature_and_scope() {
        let s = signed_default();
        let mut auth = s.auth.clone();
        let last = if auth.signature.ends_with('0') {
            "1"
        } else {
            "0"
        };
        auth.signature.replace_range(63.., last);
        let r = verify("POST", "/", &s.headers, BODY, &auth, SECRET, t0());
        assert_eq!(r, Err(SigV4Error::InvalidSignature));

        let mut auth = s.auth.clone();
        auth.region = "eu-west-1".into();
        let r = verify("POST", "/", &s.headers, BODY, &auth, SECRET, t0());
        assert_eq!(r, Err(SigV4Error::InvalidSignature));

        let mut auth = s.auth.clone();
        auth.date = "20261125".into();
        let r = verify("POST", "/", &s.headers, BODY, &auth, SECRET, t0());
        assert_eq!(r, Err(SigV4Error::InvalidSignature));

        let r = verify("PUT", "/", &s.headers, BODY, &s.auth, SECRET, t0());
        assert_eq!(r, Err(SigV4Error::InvalidSignature));
        let r = verify("POST", "/other", &s.headers, BODY, &s.auth, SECRET, t0());
        assert_eq!(r, Err(SigV4Error::InvalidSignature));
    }

    #[test]
    fn rejects_stale_and_future_requests() {
        let stale = sdk_sign_request(
            &format!("https://{HOST}/"),
            base_headers(),
            SignableBody::Bytes(BODY),
            t0() - Duration::minutes(10),
            None,
            SigningSettings::default(),
        );
        let r = verify("POST", "/", &stale.headers, BODY, &stale.auth, SECRET, t0());
        assert_eq!(
            r,
            Err(SigV4Error::Expired {
                request_time: "20261126T095000Z".into(),
                now: "20261126T100000Z".into(),
            })
        );
        // Ten minutes in the future is rejected as well.
        let r = verify(
            "POST",
            "/",
            &stale.headers,
            BODY,
            &stale.auth,
            SECRET,
            t0() - Duration::minutes(20),
        );
        assert!(matches!(r, Err(SigV4Error::Expired { .. })));
        // Within the window (4 minutes late) is fine.
        let r = verify(
            "POST",
            "/",
            &stale.headers,
            BODY,
            &stale.auth,
            SECRET,
            t0() - Duration::minutes(6),
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn rejects_missing_signed_header() {
        let s = signed_default();
        let headers: Vec<_> = s
            .headers
            .iter()
            .filter(|(n, _)| n != "x-amz-target")
            .cloned()
            .collect();
        assert!(
            matches!(check(&s, &headers, BODY, SECRET), Err(SigV4Error::Incomplete(m)) if m.contains("x-amz-target"))
        );
    }

    #[test]
    fn missing_or_bad_date() {
        let s = signed_default();
        let without: Vec<_> = s
            .headers
            .iter()
            .filter(|(n, _)| n != X_AMZ_DATE)
            .cloned()
            .collect();
        assert!(matches!(
            check(&s, &without, BODY, SECRET),
            Err(SigV4Error::Incomplete(_))
        ));
        let mut bad = without.clone();
        bad.push((X_AMZ_DATE.into(), "2026-11-26T10:00:00Z".into()));
        assert_eq!(check(&s, &bad, BODY, SECRET), Err(SigV4Error::BadDate));
    }

    #[test]
    fn host_must_be_signed() {
        let mut settings = SigningSettings::default();
        let mut excluded = settings.excluded_headers.clone().unwrap_or_default();
        excluded.push(Cow::Borrowed("host"));
        settings.excluded_headers = Some(excluded);
        let s = sdk_sign_request(
            &format!("https://{HOST}/"),
            base_headers(),
            SignableBody::Bytes(BODY),
            t0(),
            None,
            settings,
        );
        assert!(!s.auth.signed_headers.contains(&"host".to_owned()));
        assert!(matches!(
            check(&s, &s.headers, BODY, SECRET),
            Err(SigV4Error::Incomplete(_))
        ));
    }

    #[test]
    fn header_names_case_and_value_whitespace_do_not_matter() {
        let s = signed_default();
        let mut headers: Vec<(String, String)> = s
            .headers
            .iter()
            .map(|(n, v)| {
                let name = n.to_ascii_uppercase();
                let value = if n == "x-amz-user-agent" {
                    format!("  {}  ", v.replace(' ', "   "))
                } else {
                    v.clone()
                };
                (name, value)
            })
            .collect();
        headers.reverse();
        headers.push(("x-forwarded-for".into(), "203.0.113.9".into()));
        assert_eq!(check(&s, &headers, BODY, SECRET), Ok(()));
    }

    #[test]
    fn paths_and_queries_match_the_sdk() {
        for target in [
            "/2015-03-31/functions/my-fn/invocations",
            "/a%20b/c~d/",
            "/a/./b/../c//d",
            "/?b=2&a=1&a=0&c=x%20y&d=%2F%3D&e",
            "/path?Action=GetCallerIdentity&Version=2011-06-15&weird=%E2%9C%93+ok*",
        ] {
            let s = sdk_sign_request(
                &format!("https://{HOST}{target}"),
                base_headers(),
                SignableBody::Bytes(BODY),
                t0(),
                None,
                SigningSettings::default(),
            );
            let r = verify("POST", target, &s.headers, BODY, &s.auth, SECRET, t0());
            assert_eq!(r, Ok(()), "{target}");
        }
    }

    #[test]
    fn host_with_port_matches_the_sdk() {
        let headers: Vec<_> = base_headers()
            .into_iter()
            .filter(|(n, _)| n != "host")
            .collect();
        let s = sdk_sign_request(
            "http://127.0.0.1:9229/",
            headers,
            SignableBody::Bytes(BODY),
            t0(),
            None,
            SigningSettings::default(),
        );
        // The SDK puts `host: 127.0.0.1:9229` on the wire.
        let mut wire = s.headers.clone();
        wire.push(("host".into(), "127.0.0.1:9229".into()));
        assert_eq!(check(&s, &wire, BODY, SECRET), Ok(()));
    }

    #[test]
    fn parse_authorization_variants() {
        let sig = "a".repeat(64);
        let expected = ParsedAuthorization {
            access_key_id: "AKID".into(),
            date: "20261126".into(),
            region: "us-east-1".into(),
            service: "cognito-idp".into(),
            signed_headers: vec!["host".into(), "x-amz-date".into(), "x-amz-target".into()],
            signature: sig.clone(),
        };
        let spaced = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-target, Signature={sig}"
        );
        let tight = format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request,\
             SignedHeaders=host;x-amz-date;x-amz-target,Signature={}",
            sig.to_ascii_uppercase()
        );
        assert_eq!(parse_authorization(&spaced), Ok(expected.clone()));
        assert_eq!(parse_authorization(&tight), Ok(expected));
    }

    #[test]
    fn parse_authorization_rejects_malformed() {
        assert_eq!(parse_authorization(""), Err(SigV4Error::Missing));
        assert_eq!(parse_authorization("   "), Err(SigV4Error::Missing));
        let sig = "0".repeat(64);
        for bad in [
            format!("AWS4-HMAC-SHA1 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature={sig}"),
            format!("AWS4-HMAC-SHA256Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature={sig}"),
            "Bearer abc".to_owned(),
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host".to_owned(),
            format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp, SignedHeaders=host, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/2026-11-26/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws5_request, SignedHeaders=host, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature={sig}"),
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=xyz".to_owned(),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;;x-amz-date, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature={sig}"),
            format!("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders, Signature={sig}"),
        ] {
            assert!(matches!(parse_authorization(&bad), Err(SigV4Error::Incomplete(_))), "{bad}");
        }
    }

    #[test]
    fn canonical_helpers() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
        assert_eq!(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
        assert_eq!(canonical_query(""), "");
        assert_eq!(
            canonical_query("b=2&a=1&a=0&e&c=x+y"),
            "a=0&a=1&b=2&c=x%20y&e="
        );
        assert_eq!(canonical_query("k=%zz%2f"), "k=%25zz%2F");
        assert_eq!(collapse_spaces("  a   b c  "), "a b c");
        assert_eq!(
            format_amz_date(datetime!(2026-01-02 03:04:05 +02:00)),
            "20260102T010405Z"
        );
    }
}
