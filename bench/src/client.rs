//! A minimal awsJson 1.1 client for a server in open mode (no admin keys, so
//! requests are not signed): the user-pool API (`cognito-idp`), the identity-pool
//! API (`cognito-identity`) and, for set-up, the awsQuery IAM role subset.

use serde_json::Value;
use std::time::{Duration, Instant};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const IDENTITY_TARGET_PREFIX: &str = "AWSCognitoIdentityService.";

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
}

/// One request's outcome; `latency` is from send to the whole body received.
pub struct Reply {
    pub latency: Duration,
    pub result: Result<Value, String>,
}

impl Client {
    pub fn new(url: &str, connections: usize) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections.max(1))
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()?;
        Ok(Client {
            http,
            url: format!("{}/", url.trim_end_matches('/')),
        })
    }

    /// `POST /` with `x-amz-target: AWSCognitoIdentityProviderService.<op>`.
    pub async fn call(&self, op: &str, body: &Value) -> Reply {
        self.call_target(TARGET_PREFIX, op, body).await
    }

    /// `POST /` with `x-amz-target: AWSCognitoIdentityService.<op>` (identity pools).
    pub async fn identity(&self, op: &str, body: &Value) -> Reply {
        self.call_target(IDENTITY_TARGET_PREFIX, op, body).await
    }

    /// An awsQuery request (`POST /`, form body; IAM and STS): the XML answer, or an
    /// error with the status and the start of the body. Set-up only: not timed.
    pub async fn query(&self, params: &[(&str, &str)]) -> anyhow::Result<String> {
        let body = params
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .http
            .post(&self.url)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            anyhow::bail!(
                "HTTP {}: {}",
                status.as_u16(),
                text.chars().take(300).collect::<String>()
            );
        }
        Ok(text)
    }

    async fn call_target(&self, prefix: &str, op: &str, body: &Value) -> Reply {
        let payload = body.to_string();
        let started = Instant::now();
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{prefix}{op}"))
            .body(payload)
            .send()
            .await;
        let outcome = match sent {
            // "(connect)": the request never reached the server (e.g. connection refused).
            Err(e) if e.is_connect() => Err(format!("transport (connect): {e}")),
            Err(e) => Err(format!("transport: {e}")),
            Ok(resp) => {
                let status = resp.status();
                match resp.bytes().await {
                    Err(e) => Err(format!("reading body: {e}")),
                    Ok(bytes) => Ok((status, bytes)),
                }
            }
        };
        let latency = started.elapsed();
        let result = outcome.and_then(|(status, bytes)| {
            if status.is_success() {
                serde_json::from_slice(&bytes).map_err(|e| format!("bad JSON: {e}"))
            } else {
                Err(format!(
                    "HTTP {}: {}",
                    status.as_u16(),
                    String::from_utf8_lossy(&bytes)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ))
            }
        });
        Reply { latency, result }
    }
}

/// `application/x-www-form-urlencoded` value encoding: RFC 3986 unreserved bytes as
/// they are, every other byte as `%XX`.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
