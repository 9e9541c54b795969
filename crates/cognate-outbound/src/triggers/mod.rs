//! Trigger functions (Cognito-compatible "Lambda triggers") for Cognate's
//! [`TriggerInvoker`] port.
//!
//! A [`TriggerRouter`] maps a function ARN (as named in a pool's `LambdaConfig`)
//! to a transport:
//!
//! - **HTTP** (`url`): `POST` of the event JSON to an operator's endpoint, which
//!   answers with the event (its `response` filled in).
//! - **Command** (`command`): a local program receives the event JSON on stdin and
//!   prints the returned event, as one JSON document, on stdout. Logs belong on
//!   stderr. `examples/triggers/runner.js` runs unchanged Node.js Lambda handlers
//!   this way.
//! - **Lambda** (`[triggers.lambda]`): any other `arn:aws:lambda:…:function:…` ARN
//!   is invoked through the Lambda Invoke API (`POST
//!   /2015-03-31/functions/{FunctionName}/invocations`, SigV4-signed), which AWS
//!   Lambda and emulators such as LocalStack answer.
//!
//! Trigger events carry passwords (`UserMigration_Authentication`), verification
//! codes and user attributes, so nothing here logs an event or a response body,
//! a header value or a credential, and no [`TriggerError`] quotes a response
//! body. Debug logs name the ARN, the transport, the duration and the status.

mod arn;
mod command;
mod http;
mod lambda;

pub use arn::LambdaArn;

use async_trait::async_trait;
use cognate_core::ports::{TriggerError, TriggerInvoker};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

/// Responses (HTTP bodies, command output) larger than this are refused; it is
/// the Lambda limit for synchronous invocations.
pub(crate) const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
/// Error messages taken from a handler are cut to this many characters.
const MAX_ERROR_MESSAGE_CHARS: usize = 1024;

/// The `[triggers]` settings.
///
/// ```toml
/// [triggers]
/// timeout_secs = 5
///
/// [[triggers.functions]]
/// arn = "arn:aws:lambda:us-east-1:000000000000:function:pre-signup"
/// command = ["node", "examples/triggers/runner.js", "examples/triggers/pre-signup-auto-confirm.js"]
///
/// [[triggers.functions]]
/// arn = "arn:aws:lambda:us-east-1:000000000000:function:pre-token"
/// url = "https://hooks.internal.example/pre-token"
/// headers = { Authorization = "Bearer …" }
///
/// [triggers.lambda]
/// endpoint = "https://lambda.us-east-1.amazonaws.com"
/// access_key_id = "AKIA…"
/// secret_access_key = "…"
/// ```
///
/// `Debug` shows no header value, URL credentials or secret key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggersConfig {
    /// Per-ARN transports (`[[triggers.functions]]`); they win over `lambda`.
    #[serde(default)]
    pub functions: Vec<FunctionMapping>,
    /// The Lambda Invoke API, for Lambda function ARNs without a mapping.
    #[serde(default)]
    pub lambda: Option<LambdaConfig>,
    /// Default time one invocation may take, in seconds (Cognito allows 5); at least 1.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    5
}

impl Default for TriggersConfig {
    fn default() -> Self {
        TriggersConfig {
            functions: Vec::new(),
            lambda: None,
            timeout_secs: default_timeout_secs(),
        }
    }
}

/// One `[[triggers.functions]]` entry: the transport for one ARN. Exactly one of
/// `url` and `command` must be given.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionMapping {
    /// The function ARN as a pool's `LambdaConfig` names it.
    pub arn: String,
    /// Absolute `http://` or `https://` URL that receives the event as a POST.
    pub url: Option<String>,
    /// Program and arguments; the event arrives on stdin, the result is read from stdout.
    pub command: Option<Vec<String>>,
    /// Overrides `[triggers] timeout_secs` for this function; at least 1.
    pub timeout_secs: Option<u64>,
    /// Extra request headers for `url` (e.g. `Authorization`). Values are never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl FunctionMapping {
    /// A mapping to an HTTP endpoint.
    pub fn url(arn: impl Into<String>, url: impl Into<String>) -> Self {
        FunctionMapping {
            arn: arn.into(),
            url: Some(url.into()),
            command: None,
            timeout_secs: None,
            headers: BTreeMap::new(),
        }
    }

    /// A mapping to a local command (program first).
    pub fn command<I, S>(arn: impl Into<String>, command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FunctionMapping {
            arn: arn.into(),
            url: None,
            command: Some(command.into_iter().map(Into::into).collect()),
            timeout_secs: None,
            headers: BTreeMap::new(),
        }
    }
}

impl fmt::Debug for FunctionMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: BTreeMap<&str, &str> = self
            .headers
            .keys()
            .map(|k| (k.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("FunctionMapping")
            .field("arn", &self.arn)
            .field("url", &self.url.as_deref().map(redact_url))
            .field("command", &self.command)
            .field("timeout_secs", &self.timeout_secs)
            .field("headers", &headers)
            .finish()
    }
}

/// `[triggers.lambda]`: static credentials for the Lambda Invoke API.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaConfig {
    /// Base URL, e.g. `https://lambda.us-east-1.amazonaws.com` or `http://127.0.0.1:4566`.
    pub endpoint: String,
    /// Signing region; default: the region in the function ARN.
    pub region: Option<String>,
    pub access_key_id: String,
    /// Never logged.
    pub secret_access_key: String,
    /// For temporary credentials; never logged.
    pub session_token: Option<String>,
}

impl fmt::Debug for LambdaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LambdaConfig")
            .field("endpoint", &redact_url(&self.endpoint))
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The trigger configuration is not usable.
#[derive(Debug, thiserror::Error)]
pub enum TriggerConfigError {
    /// A `[[triggers.functions]]` entry has an empty `arn`.
    #[error("trigger function entry #{0} has an empty arn")]
    EmptyArn(usize),
    /// Two `[[triggers.functions]]` entries name the same ARN.
    #[error("trigger function {0} is configured twice")]
    DuplicateArn(String),
    /// Neither or both of `url` and `command` were given.
    #[error("trigger function {0} needs exactly one of `url` and `command`")]
    TransportChoice(String),
    /// `url` is not an absolute http(s) URL.
    #[error("trigger function {0}: url must be an absolute http:// or https:// URL")]
    InvalidUrl(String),
    /// `command` is empty or its program is an empty string.
    #[error("trigger function {0}: command must name a program")]
    EmptyCommand(String),
    /// `headers` were given for a `command` mapping.
    #[error("trigger function {0}: headers apply only to url mappings")]
    HeadersWithoutUrl(String),
    /// A header name or value is not valid HTTP (the value is not shown).
    #[error("trigger function {arn}: invalid header {name:?}")]
    InvalidHeader { arn: String, name: String },
    /// A `timeout_secs` is 0; the text says which.
    #[error("{0}: timeout_secs must be at least 1")]
    InvalidTimeout(String),
    /// `[triggers.lambda] endpoint` is not an absolute http(s) URL without query.
    #[error("[triggers.lambda] endpoint must be an absolute http:// or https:// URL")]
    InvalidLambdaEndpoint,
    /// `[triggers.lambda]` lacks a key id or secret, or has an empty region.
    #[error("[triggers.lambda] {0}")]
    InvalidLambdaCredentials(&'static str),
    /// The HTTP client could not be built.
    #[error("HTTP client setup failed: {0}")]
    HttpClient(String),
}

enum Route {
    Http(http::HttpTransport),
    Command(command::CommandTransport),
}

impl Route {
    fn kind(&self) -> &'static str {
        match self {
            Route::Http(_) => "http",
            Route::Command(_) => "command",
        }
    }
}

/// Invokes triggers by ARN: a configured mapping first, else the Lambda Invoke
/// API for Lambda function ARNs when `[triggers.lambda]` is set.
pub struct TriggerRouter {
    routes: HashMap<String, Route>,
    lambda: Option<lambda::LambdaInvoker>,
}

impl fmt::Debug for TriggerRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes: BTreeMap<&str, &str> = self
            .routes
            .iter()
            .map(|(arn, route)| (arn.as_str(), route.kind()))
            .collect();
        f.debug_struct("TriggerRouter")
            .field("routes", &routes)
            .field("lambda", &self.lambda.is_some())
            .finish()
    }
}

impl TriggerRouter {
    /// Validates the configuration and prepares the transports (one shared HTTP client).
    pub fn new(config: TriggersConfig) -> Result<Self, TriggerConfigError> {
        if config.timeout_secs == 0 {
            return Err(TriggerConfigError::InvalidTimeout("[triggers]".into()));
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cognate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TriggerConfigError::HttpClient(e.to_string()))?;

        let mut routes = HashMap::new();
        for (index, mapping) in config.functions.into_iter().enumerate() {
            if mapping.arn.trim().is_empty() {
                return Err(TriggerConfigError::EmptyArn(index + 1));
            }
            let arn = mapping.arn.clone();
            if routes.contains_key(&arn) {
                return Err(TriggerConfigError::DuplicateArn(arn));
            }
            let timeout_secs = mapping.timeout_secs.unwrap_or(config.timeout_secs);
            if timeout_secs == 0 {
                return Err(TriggerConfigError::InvalidTimeout(format!(
                    "trigger function {arn}"
                )));
            }
            let timeout = Duration::from_secs(timeout_secs);
            let route = match (mapping.url, mapping.command) {
                (Some(url), None) => Route::Http(http::HttpTransport::new(
                    client.clone(),
                    &arn,
                    &url,
                    &mapping.headers,
                    timeout,
                )?),
                (None, Some(command)) => {
                    if !mapping.headers.is_empty() {
                        return Err(TriggerConfigError::HeadersWithoutUrl(arn));
                    }
                    Route::Command(command::CommandTransport::new(&arn, command, timeout)?)
                }
                _ => return Err(TriggerConfigError::TransportChoice(arn)),
            };
            routes.insert(arn, route);
        }

        let lambda = config
            .lambda
            .map(|l| {
                lambda::LambdaInvoker::new(
                    client.clone(),
                    l,
                    Duration::from_secs(config.timeout_secs),
                )
            })
            .transpose()?;
        Ok(TriggerRouter { routes, lambda })
    }

    /// The ARNs with an explicit mapping, sorted.
    pub fn mapped_arns(&self) -> Vec<&str> {
        let mut arns: Vec<&str> = self.routes.keys().map(String::as_str).collect();
        arns.sort_unstable();
        arns
    }

    /// Whether Lambda function ARNs without a mapping go to the Invoke API.
    pub fn has_lambda(&self) -> bool {
        self.lambda.is_some()
    }
}

#[async_trait]
impl TriggerInvoker for TriggerRouter {
    fn can_invoke(&self, arn: &str) -> bool {
        self.routes.contains_key(arn) || (self.lambda.is_some() && LambdaArn::parse(arn).is_some())
    }

    async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, TriggerError> {
        let started = Instant::now();
        let (kind, result) = if let Some(route) = self.routes.get(arn) {
            let result = match route {
                Route::Http(t) => t.invoke(arn, event).await,
                Route::Command(t) => t.invoke(arn, event).await,
            };
            (route.kind(), result)
        } else if let (Some(invoker), Some(parsed)) = (&self.lambda, LambdaArn::parse(arn)) {
            ("lambda", invoker.invoke(&parsed, event).await)
        } else {
            tracing::debug!(arn, "no trigger transport for this ARN");
            return Err(TriggerError::Unreachable(format!("no transport for {arn}")));
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let outcome = match &result {
            Ok(_) => "ok",
            Err(TriggerError::Function(_)) => "function error",
            Err(TriggerError::Unreachable(_)) => "unreachable",
            Err(TriggerError::Malformed(_)) => "malformed response",
        };
        tracing::debug!(
            arn,
            transport = kind,
            elapsed_ms,
            outcome,
            "trigger invoked"
        );
        result
    }
}

/// The body must be one JSON object (surrounding whitespace allowed).
pub(crate) fn parse_object(bytes: &[u8], what: &str) -> Result<Value, TriggerError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TriggerError::Malformed(format!("{what} is empty")));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(TriggerError::Malformed(format!(
            "{what} is not a JSON object"
        ))),
        Err(_) => Err(TriggerError::Malformed(format!("{what} is not JSON"))),
    }
}

/// Lambda's error payload `{"errorMessage": "...", "errorType": "...", ...}`:
/// the message (or the type when the message is missing).
pub(crate) fn function_error_message(bytes: &[u8]) -> Option<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return None;
    };
    let text = |key: &str| match map.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    text("errorMessage")
        .or_else(|| text("errorType"))
        .map(|m| truncate(&m))
}

/// Cuts handler-provided text to [`MAX_ERROR_MESSAGE_CHARS`].
pub(crate) fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Drops user-info and query string, which may hold tokens.
pub(crate) fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, _)) => (b, "?<redacted>"),
        None => (url, ""),
    };
    let base = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://<redacted>@{host}{path}"),
                None => base.to_string(),
            }
        }
        None => base.to_string(),
    };
    format!("{base}{query}")
}

/// Reads a response body up to [`MAX_RESPONSE_BYTES`].
pub(crate) async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, TriggerError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(TriggerError::Malformed(format!(
                        "the response is larger than {MAX_RESPONSE_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(TriggerError::Unreachable(request_error_text(&e))),
        }
    }
}

/// A reqwest error as text without the URL (which may carry a token).
pub(crate) fn request_error_text(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read".to_string()
    } else {
        "request failed".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml_like_json: &str) -> TriggersConfig {
        serde_json::from_str(toml_like_json).unwrap()
    }

    #[test]
    fn config_shape_and_defaults() {
        let c = config(r#"{}"#);
        assert_eq!(c, TriggersConfig::default());
        assert_eq!(c.timeout_secs, 5);
        let c = config(
            r#"{"timeout_secs": 3,
                "functions": [
                  {"arn": "a", "url": "http://h/x", "headers": {"Authorization": "Bearer t"}},
                  {"arn": "b", "command": ["node", "r.js"], "timeout_secs": 9}
                ],
                "lambda": {"endpoint": "http://127.0.0.1:9001", "access_key_id": "AK",
                           "secret_access_key": "SK", "session_token": "ST"}}"#,
        );
        assert_eq!(c.functions[0], {
            let mut m = FunctionMapping::url("a", "http://h/x");
            m.headers.insert("Authorization".into(), "Bearer t".into());
            m
        });
        assert_eq!(c.functions[1].timeout_secs, Some(9));
        assert_eq!(c.lambda.as_ref().unwrap().region, None);
        assert!(
            serde_json::from_str::<TriggersConfig>(r#"{"functions":[{"arn":"a","uri":"x"}]}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<TriggersConfig>(r#"{"lamda":{}}"#).is_err());
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut c = TriggersConfig::default();
        let mut m = FunctionMapping::url("arn:x", "https://user:pw@hooks.test/t?token=abc123");
        m.headers
            .insert("Authorization".into(), "Bearer s3cr3t".into());
        c.functions.push(m);
        c.lambda = Some(LambdaConfig {
            endpoint: "http://127.0.0.1:9001".into(),
            region: None,
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG".into(),
            session_token: Some("FwoGZXIvYXdzEBYaD".into()),
        });
        let s = format!("{c:?}");
        for secret in ["s3cr3t", "abc123", "pw@", "wJalr", "FwoGZ"] {
            assert!(!s.contains(secret), "{secret} in {s}");
        }
        assert!(
            s.contains("Authorization") && s.contains("hooks.test/t"),
            "{s}"
        );
        assert!(s.contains("AKIDEXAMPLE"), "{s}");
        assert_eq!(redact_url("http://h:8080/x"), "http://h:8080/x");
        assert_eq!(redact_url("http://u@h"), "http://<redacted>@h");
    }

    fn err(c: TriggersConfig) -> TriggerConfigError {
        TriggerRouter::new(c).unwrap_err()
    }

    #[test]
    fn validation() {
        let with = |m: FunctionMapping| TriggersConfig {
            functions: vec![m],
            ..TriggersConfig::default()
        };
        let mut both = FunctionMapping::url("a", "http://h/x");
        both.command = Some(vec!["node".into()]);
        assert!(matches!(err(with(both)), TriggerConfigError::TransportChoice(a) if a == "a"));
        let mut neither = FunctionMapping::url("a", "http://h/x");
        neither.url = None;
        assert!(matches!(
            err(with(neither)),
            TriggerConfigError::TransportChoice(_)
        ));
        for bad in ["not a url", "ftp://h/x", "/relative", "http://"] {
            assert!(
                matches!(
                    err(with(FunctionMapping::url("a", bad))),
                    TriggerConfigError::InvalidUrl(_)
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            err(with(FunctionMapping::command("a", Vec::<String>::new()))),
            TriggerConfigError::EmptyCommand(_)
        ));
        assert!(matches!(
            err(with(FunctionMapping::command("a", [""]))),
            TriggerConfigError::EmptyCommand(_)
        ));
        let mut cmd_headers = FunctionMapping::command("a", ["true"]);
        cmd_headers.headers.insert("X".into(), "y".into());
        assert!(matches!(
            err(with(cmd_headers)),
            TriggerConfigError::HeadersWithoutUrl(_)
        ));
        let mut bad_header = FunctionMapping::url("a", "http://h/x");
        bad_header
            .headers
            .insert("X-Key".into(), "bad\nvalue".into());
        let e = err(with(bad_header));
        assert!(matches!(&e, TriggerConfigError::InvalidHeader { name, .. } if name == "X-Key"));
        assert!(!e.to_string().contains("bad\n"), "{e}");
        let mut zero = FunctionMapping::command("a", ["true"]);
        zero.timeout_secs = Some(0);
        assert!(matches!(
            err(with(zero)),
            TriggerConfigError::InvalidTimeout(_)
        ));
        assert!(matches!(
            err(TriggersConfig {
                timeout_secs: 0,
                ..TriggersConfig::default()
            }),
            TriggerConfigError::InvalidTimeout(_)
        ));
        assert!(matches!(
            err(with(FunctionMapping::command(" ", ["true"]))),
            TriggerConfigError::EmptyArn(1)
        ));
        let dup = TriggersConfig {
            functions: vec![
                FunctionMapping::command("a", ["true"]),
                FunctionMapping::url("a", "http://h/x"),
            ],
            ..TriggersConfig::default()
        };
        assert!(matches!(err(dup), TriggerConfigError::DuplicateArn(a) if a == "a"));

        let lambda = |endpoint: &str, key: &str, region: Option<&str>| TriggersConfig {
            lambda: Some(LambdaConfig {
                endpoint: endpoint.into(),
                region: region.map(Into::into),
                access_key_id: key.into(),
                secret_access_key: "secret".into(),
                session_token: None,
            }),
            ..TriggersConfig::default()
        };
        assert!(TriggerRouter::new(lambda("http://127.0.0.1:9001/", "AK", None)).is_ok());
        assert!(matches!(
            err(lambda("localhost:9001", "AK", None)),
            TriggerConfigError::InvalidLambdaEndpoint
        ));
        assert!(matches!(
            err(lambda("http://h/?x=1", "AK", None)),
            TriggerConfigError::InvalidLambdaEndpoint
        ));
        assert!(matches!(
            err(lambda("http://h", "", None)),
            TriggerConfigError::InvalidLambdaCredentials(_)
        ));
        assert!(matches!(
            err(lambda("http://h", "AK", Some(""))),
            TriggerConfigError::InvalidLambdaCredentials(_)
        ));
    }

    #[test]
    fn response_parsing() {
        assert!(parse_object(br#" {"a":1} "#, "x").is_ok());
        assert!(matches!(
            parse_object(b"[1]", "x"),
            Err(TriggerError::Malformed(_))
        ));
        assert!(matches!(
            parse_object(b"", "x"),
            Err(TriggerError::Malformed(_))
        ));
        assert!(matches!(
            parse_object(b"{} {}", "x"),
            Err(TriggerError::Malformed(_))
        ));
        let e = parse_object(b"code 123456", "the response").unwrap_err();
        assert!(!e.to_string().contains("123456"), "{e}");
        assert_eq!(
            function_error_message(br#"{"errorMessage":"no","errorType":"Error"}"#).as_deref(),
            Some("no")
        );
        assert_eq!(
            function_error_message(br#"{"errorType":"Runtime.Crash"}"#).as_deref(),
            Some("Runtime.Crash")
        );
        assert_eq!(function_error_message(br#"{"message":"x"}"#), None);
        assert_eq!(function_error_message(b"oops"), None);
        let long = "é".repeat(5000);
        assert_eq!(truncate(&long).chars().count(), MAX_ERROR_MESSAGE_CHARS + 1);
    }
}
