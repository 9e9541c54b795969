//! A minimal awsJson 1.1 client for a server in open mode (no admin keys, so
//! requests are not signed).

use serde_json::Value;
use std::time::{Duration, Instant};

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

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
        let payload = body.to_string();
        let started = Instant::now();
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{TARGET_PREFIX}{op}"))
            .body(payload)
            .send()
            .await;
        let outcome = match sent {
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
