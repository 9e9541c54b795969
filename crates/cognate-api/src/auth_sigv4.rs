//! Admin authentication: SigV4 on the operations Cognito signs.
//!
//! With access keys configured, a signed operation must carry a valid
//! signature by one of them. With none configured the server runs "open": it
//! accepts admin calls unsigned or signed by anyone, which the server only
//! allows while bound to loopback (checked at start-up, not here).

use cognate_core::{CoreError, ErrorKind};
use cognate_crypto::sigv4::{self, SigV4Error};
use std::collections::HashMap;
use time::OffsetDateTime;

/// A configured access key's secret; `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(pub String);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, Default)]
pub struct AdminAuth {
    pub keys: HashMap<String, SecretKey>,
}

impl AdminAuth {
    pub fn is_open(&self) -> bool {
        self.keys.is_empty()
    }
}

pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The region of the request's credential scope, if it is signed at all.
pub fn signed_region(headers: &[(String, String)]) -> Option<String> {
    header(headers, "authorization")
        .and_then(|h| sigv4::parse_authorization(h).ok())
        .map(|a| a.region)
}

fn map_sigv4(e: SigV4Error) -> CoreError {
    match e {
        SigV4Error::Missing => CoreError::new(
            ErrorKind::MissingAuthenticationToken,
            "Missing Authentication Token",
        ),
        SigV4Error::Incomplete(what) => CoreError::new(ErrorKind::IncompleteSignature, what),
        SigV4Error::InvalidSignature => CoreError::new(
            ErrorKind::InvalidSignature,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
        SigV4Error::Expired { request_time, now } => CoreError::new(
            ErrorKind::InvalidSignature,
            format!(
                "Signature expired: {request_time} is now earlier than {now} (5 min. skew allowed)."
            ),
        ),
        SigV4Error::BadDate => CoreError::new(
            ErrorKind::IncompleteSignature,
            "Date must be in ISO-8601 'basic format'. Got an invalid X-Amz-Date.",
        ),
    }
}

impl AdminAuth {
    /// Verifies the request of a signed operation.
    pub fn verify(
        &self,
        req: &SignedRequest<'_>,
        service: &str,
        now: OffsetDateTime,
    ) -> Result<(), CoreError> {
        if self.is_open() {
            return Ok(());
        }
        let Some(authz) = header(req.headers, "authorization") else {
            return Err(map_sigv4(SigV4Error::Missing));
        };
        let parsed = sigv4::parse_authorization(authz).map_err(map_sigv4)?;
        let Some(secret) = self.keys.get(&parsed.access_key_id) else {
            return Err(CoreError::new(
                ErrorKind::UnrecognizedClient,
                "The security token included in the request is invalid.",
            ));
        };
        if parsed.service != service {
            return Err(CoreError::new(
                ErrorKind::InvalidSignature,
                format!("Credential should be scoped to correct service: '{service}'."),
            ));
        }
        sigv4::verify(
            req.method,
            req.path_and_query,
            req.headers,
            req.body,
            &parsed,
            &secret.0,
            now,
        )
        .map_err(map_sigv4)
    }
}
