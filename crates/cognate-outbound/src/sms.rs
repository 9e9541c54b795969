//! SMS through an operator-provided HTTP webhook (which forwards to an SMS
//! gateway of the operator's choice).

use crate::ConfigError;
use async_trait::async_trait;
use cognate_core::model::{Channel, Message};
use cognate_core::ports::{DeliveryError, MessageSender};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Webhook settings. Field names are snake_case; `url` is required.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsWebhookConfig {
    /// Absolute `http://` or `https://` URL that receives the POST.
    pub url: String,
    /// Extra request headers, e.g. `Authorization`. Values are secrets: never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Whole-request timeout in seconds; default 10, at least 1.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    10
}

impl SmsWebhookConfig {
    /// Settings with no extra headers and a 10 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        SmsWebhookConfig {
            url: url.into(),
            headers: BTreeMap::new(),
            timeout_secs: default_timeout(),
        }
    }
}

impl fmt::Debug for SmsWebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: BTreeMap<&str, &str> = self
            .headers
            .keys()
            .map(|k| (k.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("SmsWebhookConfig")
            .field("url", &redact_url(&self.url))
            .field("headers", &headers)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// Drops user-info and query string, which may hold tokens.
fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, _)) => (b, "?<redacted>"),
        None => (url, ""),
    };
    let base = match base.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((authority, path)) => match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://<redacted>@{host}/{path}"),
                None => base.to_string(),
            },
            None => match rest.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://<redacted>@{host}"),
                None => base.to_string(),
            },
        },
        None => base.to_string(),
    };
    format!("{base}{query}")
}

/// The JSON document POSTed for every SMS.
#[derive(Debug, Serialize)]
struct WebhookPayload<'a> {
    to: &'a str,
    message: &'a str,
    #[serde(rename = "poolId")]
    pool_id: &'a str,
    username: &'a str,
    reason: &'a str,
}

/// Sends `Channel::Sms` messages as `POST <url>` with the JSON body
/// `{"to", "message", "poolId", "username", "reason"}`; any 2xx answer is success.
#[derive(Clone)]
pub struct WebhookSmsSender {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl fmt::Debug for WebhookSmsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSmsSender")
            .field("url", &redact_url(self.url.as_str()))
            .finish_non_exhaustive()
    }
}

impl WebhookSmsSender {
    /// Validates the URL and headers and builds the HTTP client once.
    pub fn new(config: SmsWebhookConfig) -> Result<Self, ConfigError> {
        let url = reqwest::Url::parse(&config.url).map_err(|_| ConfigError::InvalidUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ConfigError::InvalidUrl);
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ConfigError::InvalidHeader(name.clone()))?;
            let mut header_value = HeaderValue::from_str(value)
                .map_err(|_| ConfigError::InvalidHeader(name.clone()))?;
            header_value.set_sensitive(true);
            headers.insert(header_name, header_value);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| ConfigError::HttpClient(e.without_url().to_string()))?;
        Ok(WebhookSmsSender { client, url })
    }

    fn target(&self) -> String {
        format!(
            "{}://{}",
            self.url.scheme(),
            self.url.host_str().unwrap_or("?")
        )
    }
}

#[async_trait]
impl MessageSender for WebhookSmsSender {
    fn name(&self) -> &'static str {
        "sms-webhook"
    }

    async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        if message.channel != Channel::Sms {
            return Err(DeliveryError(format!(
                "the SMS webhook sender cannot deliver {} messages",
                message.channel.as_str()
            )));
        }
        let payload = WebhookPayload {
            to: &message.destination,
            message: &message.body,
            pool_id: &message.pool_id,
            username: &message.username,
            reason: &message.reason,
        };
        let response = self
            .client
            .post(self.url.clone())
            .json(&payload)
            .send()
            .await
            .map_err(|e| {
                // `without_url`: the URL may carry a token in its query string.
                let kind = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "request failed"
                };
                tracing::debug!(target_host = %self.target(), "SMS webhook {kind}");
                DeliveryError(format!(
                    "SMS webhook {}: {kind}: {}",
                    self.target(),
                    e.without_url()
                ))
            })?;
        let status = response.status();
        tracing::debug!(status = status.as_u16(), "SMS webhook answered");
        if status.is_success() {
            Ok(())
        } else {
            // The response body is not read into the error: it may echo the message.
            Err(DeliveryError(format!(
                "SMS webhook {} answered HTTP {}",
                self.target(),
                status.as_u16()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_header_values_and_url_secrets() {
        let mut c = SmsWebhookConfig::new("https://user:pw@sms.test/hook?token=abc123");
        c.headers
            .insert("Authorization".into(), "Bearer s3cr3t-token".into());
        let s = format!("{c:?}");
        assert!(!s.contains("s3cr3t"), "{s}");
        assert!(!s.contains("abc123"), "{s}");
        assert!(!s.contains("pw@"), "{s}");
        assert!(
            s.contains("Authorization") && s.contains("sms.test/hook"),
            "{s}"
        );
        assert_eq!(redact_url("http://h:8080/x"), "http://h:8080/x");
        assert_eq!(redact_url("http://u@h"), "http://<redacted>@h");
    }

    #[test]
    fn config_shape() {
        let c: SmsWebhookConfig = serde_json::from_str(
            r#"{"url":"http://h/x","headers":{"Authorization":"Bearer t"},"timeout_secs":3}"#,
        )
        .unwrap();
        assert_eq!(c.headers["Authorization"], "Bearer t");
        assert_eq!(c.timeout_secs, 3);
        let c: SmsWebhookConfig = serde_json::from_str(r#"{"url":"http://h/x"}"#).unwrap();
        assert_eq!(c, SmsWebhookConfig::new("http://h/x"));
    }

    #[test]
    fn construction_errors() {
        assert!(matches!(
            WebhookSmsSender::new(SmsWebhookConfig::new("not a url")),
            Err(ConfigError::InvalidUrl)
        ));
        assert!(matches!(
            WebhookSmsSender::new(SmsWebhookConfig::new("ftp://h/x")),
            Err(ConfigError::InvalidUrl)
        ));
        let mut c = SmsWebhookConfig::new("http://h/x");
        c.headers.insert("X-Key".into(), "bad\nvalue".into());
        let e = WebhookSmsSender::new(c).unwrap_err();
        assert!(matches!(&e, ConfigError::InvalidHeader(n) if n == "X-Key"));
        assert!(!e.to_string().contains("bad"), "{e}");
        let mut c = SmsWebhookConfig::new("http://h/x");
        c.headers.insert("bad name".into(), "v".into());
        assert!(matches!(
            WebhookSmsSender::new(c),
            Err(ConfigError::InvalidHeader(_))
        ));
    }
}
