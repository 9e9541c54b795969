//! The HTTP transport: `POST <url>` with the event JSON.

use super::{
    TriggerConfigError, function_error_message, parse_object, read_body, redact_url,
    request_error_text,
};
use cognate_core::ports::TriggerError;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

pub(crate) struct HttpTransport {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    timeout: Duration,
}

impl HttpTransport {
    pub(crate) fn new(
        client: reqwest::Client,
        arn: &str,
        url: &str,
        headers: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> Result<Self, TriggerConfigError> {
        let invalid_url = || TriggerConfigError::InvalidUrl(arn.to_string());
        let url = reqwest::Url::parse(url).map_err(|_| invalid_url())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid_url());
        }
        let mut header_map = HeaderMap::new();
        for (name, value) in headers {
            let invalid = || TriggerConfigError::InvalidHeader {
                arn: arn.to_string(),
                name: name.clone(),
            };
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
            let mut header_value = HeaderValue::from_str(value).map_err(|_| invalid())?;
            header_value.set_sensitive(true);
            header_map.insert(header_name, header_value);
        }
        Ok(HttpTransport {
            client,
            url,
            headers: header_map,
            timeout,
        })
    }

    pub(crate) async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, TriggerError> {
        let body = serde_json::to_vec(event)
            .map_err(|_| TriggerError::Unreachable("the event could not be encoded".into()))?;
        let target = redact_url(self.url.as_str());
        let response = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let text = request_error_text(&e);
                tracing::debug!(arn, target = %target, "trigger endpoint: {text}");
                TriggerError::Unreachable(format!("HTTP endpoint: {text}"))
            })?;
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        tracing::debug!(arn, status = status.as_u16(), "trigger endpoint answered");
        let body = read_body(response).await?;
        if status.is_success() && !function_error {
            return parse_object(&body, "the response");
        }
        if let Some(message) = function_error_message(&body) {
            return Err(TriggerError::Function(message));
        }
        if status.is_success() {
            return Err(TriggerError::Function("Unhandled".into()));
        }
        // Neither the body (it may echo the event) nor the URL (internal) is quoted.
        Err(TriggerError::Unreachable(format!(
            "HTTP endpoint answered {}",
            status.as_u16()
        )))
    }
}
