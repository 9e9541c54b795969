//! Outbound HTTP for identity pools: fetching OpenID discovery documents,
//! JWKS and token-info answers, and an upstream STS for real credentials.

use async_trait::async_trait;
use cognate_core::iam::model::IssuedCredentials;
use cognate_core::ports::{
    FetchError, HttpFetcher, UpstreamAssumeRole, UpstreamSts, UpstreamStsError,
};
use serde::Deserialize;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);

fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| e.to_string())
}

/// Reads JSON documents over HTTP(S).
pub struct ReqwestFetcher {
    http: reqwest::Client,
}

impl ReqwestFetcher {
    pub fn new() -> Result<Self, crate::ConfigError> {
        Ok(Self {
            http: client().map_err(crate::ConfigError::HttpClient)?,
        })
    }
}

#[async_trait]
impl HttpFetcher for ReqwestFetcher {
    async fn get_json(&self, url: &str) -> Result<serde_json::Value, FetchError> {
        // The URL may carry a token in its query: log only the host.
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let response = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| FetchError(format!("{host}: {}", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError(format!("{host} answered {status}")));
        }
        response
            .json()
            .await
            .map_err(|e| FetchError(format!("{host}: {}", e.without_url())))
    }

    async fn get_json_with_token(
        &self,
        url: &str,
        token: &str,
        post: bool,
    ) -> Result<serde_json::Value, FetchError> {
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let request = if post {
            self.http.post(url)
        } else {
            self.http.get(url)
        };
        let response = request
            .header("accept", "application/json")
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| FetchError(format!("{host}: {}", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError(format!("{host} answered {status}")));
        }
        response
            .json()
            .await
            .map_err(|e| FetchError(format!("{host}: {}", e.without_url())))
    }

    async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<serde_json::Value, FetchError> {
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        let response = self
            .http
            .post(url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| FetchError(format!("{host}: {}", e.without_url())))?;
        let status = response.status();
        let value: serde_json::Value = response
            .json()
            .await
            .map_err(|e| FetchError(format!("{host}: {}", e.without_url())))?;
        if !status.is_success() {
            // Only the OAuth error code: the body may echo what was sent.
            let error = value
                .get("error")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("unknown");
            return Err(FetchError(format!("{host} answered {status} ({error})")));
        }
        Ok(value)
    }
}

/// Where the upstream STS is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamStsConfig {
    /// `https://sts.amazonaws.com`, or a compatible STS.
    pub endpoint: String,
}

/// An STS reached over its awsQuery API.
pub struct HttpSts {
    endpoint: String,
    http: reqwest::Client,
}

impl HttpSts {
    pub fn new(config: &UpstreamStsConfig) -> Result<Self, crate::ConfigError> {
        let url =
            reqwest::Url::parse(&config.endpoint).map_err(|_| crate::ConfigError::InvalidUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(crate::ConfigError::InvalidUrl);
        }
        Ok(Self {
            endpoint: config.endpoint.clone(),
            http: client().map_err(crate::ConfigError::HttpClient)?,
        })
    }
}

/// The text of the first `<name>…</name>` element, unescaped.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn parse_iso(s: &str) -> Option<f64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp() as f64)
}

#[async_trait]
impl UpstreamSts for HttpSts {
    async fn assume_role_with_web_identity(
        &self,
        request: &UpstreamAssumeRole,
    ) -> Result<IssuedCredentials, UpstreamStsError> {
        let duration = request.duration_seconds.to_string();
        let mut form = vec![
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", request.role_arn.as_str()),
            ("RoleSessionName", request.role_session_name.as_str()),
            ("WebIdentityToken", request.web_identity_token.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        if let Some(p) = &request.policy {
            form.push(("Policy", p.as_str()));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let response = self
            .http
            .post(&self.endpoint)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| UpstreamStsError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| UpstreamStsError::Unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(UpstreamStsError::Rejected {
                code: element(&text, "Code").unwrap_or_else(|| status.to_string()),
                message: element(&text, "Message").unwrap_or_default(),
            });
        }
        let get = |name: &str| {
            element(&text, name).ok_or_else(|| {
                UpstreamStsError::Unreachable(format!("the STS answer has no {name}"))
            })
        };
        Ok(IssuedCredentials {
            access_key_id: get("AccessKeyId")?,
            secret_access_key: get("SecretAccessKey")?,
            session_token: get("SessionToken")?,
            expiration: parse_iso(&get("Expiration")?).ok_or_else(|| {
                UpstreamStsError::Unreachable("the STS answer has no valid Expiration".into())
            })?,
            assumed_role_arn: element(&text, "Arn").unwrap_or_default(),
            assumed_role_id: element(&text, "AssumedRoleId").unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sts_elements() {
        let xml = "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>a&amp;b/c</SecretAccessKey><Expiration>2026-11-26T10:00:00Z</Expiration></Credentials></R>";
        assert_eq!(element(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(element(xml, "SecretAccessKey").as_deref(), Some("a&b/c"));
        assert_eq!(element(xml, "Missing"), None);
        assert_eq!(parse_iso("2026-11-26T10:00:00Z"), Some(1_795_687_200.0));
    }
}
