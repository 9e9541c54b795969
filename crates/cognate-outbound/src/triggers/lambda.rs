//! The Lambda Invoke API: `POST {endpoint}/2015-03-31/functions/{FunctionName}/invocations`,
//! signed with SigV4 for service `lambda`.

use super::{
    LambdaArn, LambdaConfig, TriggerConfigError, function_error_message, parse_object, read_body,
    request_error_text,
};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use cognate_core::ports::TriggerError;
use reqwest::StatusCode;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// Attempts after the first on throttling, 5xx and connection failures.
const RETRIES: u32 = 2;
/// First pause between attempts; doubled each time.
const BACKOFF: Duration = Duration::from_millis(100);

pub(crate) struct LambdaInvoker {
    client: reqwest::Client,
    /// The endpoint without a trailing `/`.
    base: String,
    region: Option<String>,
    credentials: Credentials,
    timeout: Duration,
}

impl LambdaInvoker {
    pub(crate) fn new(
        client: reqwest::Client,
        config: LambdaConfig,
        timeout: Duration,
    ) -> Result<Self, TriggerConfigError> {
        let url = reqwest::Url::parse(&config.endpoint)
            .map_err(|_| TriggerConfigError::InvalidLambdaEndpoint)?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none_or(str::is_empty)
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(TriggerConfigError::InvalidLambdaEndpoint);
        }
        if config.access_key_id.trim().is_empty() || config.secret_access_key.is_empty() {
            return Err(TriggerConfigError::InvalidLambdaCredentials(
                "access_key_id and secret_access_key must not be empty",
            ));
        }
        if config
            .region
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            return Err(TriggerConfigError::InvalidLambdaCredentials(
                "region must not be empty when given",
            ));
        }
        let credentials = Credentials::new(
            config.access_key_id,
            config.secret_access_key,
            config.session_token.filter(|t| !t.is_empty()),
            None,
            "cognate-triggers-config",
        );
        Ok(LambdaInvoker {
            client,
            base: url.as_str().trim_end_matches('/').to_string(),
            region: config.region,
            credentials,
            timeout,
        })
    }

    pub(crate) async fn invoke(
        &self,
        arn: &LambdaArn<'_>,
        event: &Value,
    ) -> Result<Value, TriggerError> {
        let body = serde_json::to_vec(event)
            .map_err(|_| TriggerError::Unreachable("the event could not be encoded".into()))?;
        let url = reqwest::Url::parse(&format!(
            "{}/2015-03-31/functions/{}/invocations",
            self.base,
            percent_encode(arn.arn)
        ))
        .map_err(|_| TriggerError::Unreachable("invalid Lambda Invoke URL".into()))?;
        let region = self.region.as_deref().unwrap_or(arn.region);
        let deadline = Instant::now() + self.timeout;

        let mut attempt = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(TriggerError::Unreachable("Lambda Invoke timed out".into()));
            }
            let failure = match self.attempt(&url, region, &body, remaining).await {
                Attempt::Done(result) => return result,
                Attempt::Retryable(error) => error,
            };
            attempt += 1;
            let pause = BACKOFF * 2u32.pow(attempt - 1);
            if attempt > RETRIES || Instant::now() + pause >= deadline {
                return Err(failure);
            }
            tracing::debug!(arn = arn.arn, attempt, "retrying Lambda Invoke");
            tokio::time::sleep(pause).await;
        }
    }

    async fn attempt(
        &self,
        url: &reqwest::Url,
        region: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Attempt {
        let headers = match self.signed_headers(url, region, body) {
            Ok(headers) => headers,
            Err(e) => return Attempt::Done(Err(e)),
        };
        let mut request = self
            .client
            .post(url.clone())
            .timeout(timeout)
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let text = request_error_text(&e);
                tracing::debug!("Lambda Invoke: {text}");
                let error = TriggerError::Unreachable(format!("Lambda Invoke: {text}"));
                return if e.is_timeout() {
                    Attempt::Done(Err(error))
                } else {
                    Attempt::Retryable(error)
                };
            }
        };
        let status = response.status();
        let function_error = response
            .headers()
            .get("x-amz-function-error")
            .map(|v| v.to_str().unwrap_or("Unhandled").to_string());
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(error_type_name);
        tracing::debug!(
            status = status.as_u16(),
            function_error = function_error.as_deref(),
            error_type = error_type.as_deref(),
            "Lambda Invoke answered"
        );

        if status == StatusCode::OK {
            let body = match read_body(response).await {
                Ok(body) => body,
                Err(e) => return Attempt::Done(Err(e)),
            };
            return Attempt::Done(match function_error {
                Some(kind) => Err(TriggerError::Function(
                    function_error_message(&body).unwrap_or(kind),
                )),
                None => parse_object(&body, "the function result"),
            });
        }
        let error = TriggerError::Unreachable(match error_type {
            Some(t) if !t.is_empty() => format!("Lambda Invoke answered {} {t}", status.as_u16()),
            _ => format!("Lambda Invoke answered {}", status.as_u16()),
        });
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Attempt::Retryable(error)
        } else {
            Attempt::Done(Err(error))
        }
    }

    /// The request headers, signing ones included.
    fn signed_headers(
        &self,
        url: &reqwest::Url,
        region: &str,
        body: &[u8],
    ) -> Result<Vec<(HeaderName, HeaderValue)>, TriggerError> {
        let signing_failed =
            |_| TriggerError::Unreachable("the Lambda Invoke request could not be signed".into());
        let base = [
            ("content-type", "application/json"),
            ("x-amz-invocation-type", "RequestResponse"),
        ];
        let identity = self.credentials.clone().into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("lambda")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| signing_failed(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            base.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| signing_failed(e.to_string()))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| signing_failed(e.to_string()))?
            .into_parts();

        let mut headers = Vec::new();
        for (name, value) in base.into_iter().chain(instructions.headers()) {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| signing_failed(e.to_string()))?;
            let mut value =
                HeaderValue::from_str(value).map_err(|e| signing_failed(e.to_string()))?;
            if name == reqwest::header::AUTHORIZATION || name.as_str() == "x-amz-security-token" {
                value.set_sensitive(true);
            }
            headers.push((name, value));
        }
        Ok(headers)
    }
}

enum Attempt {
    Done(Result<Value, TriggerError>),
    Retryable(TriggerError),
}

/// `ResourceNotFoundException:http://internal…` → `ResourceNotFoundException`.
fn error_type_name(header: &str) -> String {
    header
        .split(':')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect()
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so `:` → `%3A`).
fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_helpers() {
        assert_eq!(
            percent_encode("arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"),
            "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A%24LATEST"
        );
        assert_eq!(
            error_type_name("ResourceNotFoundException:http://internal.amazon.com/"),
            "ResourceNotFoundException"
        );
        assert_eq!(error_type_name("Bad\r\nType"), "BadType");
    }
}
