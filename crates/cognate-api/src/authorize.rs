//! `POST /_cognate/authorize`: a resource server hands over a request signed
//! with temporary credentials and asks whether the role's policies allow an
//! action on a resource. Documented in docs/identity-pools.md.

use crate::errors::error_response;
use crate::router::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use cognate_core::iam::sts::SignedParts;
use cognate_core::{CoreError, ErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(untagged)]
enum Headers {
    Map(BTreeMap<String, String>),
    Pairs(Vec<(String, String)>),
}

#[derive(Deserialize)]
struct SignedRequestInput {
    method: String,
    path: String,
    headers: Headers,
    /// Base64 of the body.
    body: Option<String>,
}

#[derive(Deserialize)]
struct AuthorizeInput {
    request: SignedRequestInput,
    action: String,
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, Value>,
}

fn bad_request(message: impl Into<String>) -> CoreError {
    CoreError::new(ErrorKind::InvalidParameter, message)
}

pub async fn authorize(State(state): State<AppState>, body: Bytes) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let input: AuthorizeInput = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            return error_response(
                &CoreError::new(
                    ErrorKind::Serialization,
                    format!("The request body is not a valid authorization request: {e}"),
                ),
                &request_id,
            );
        }
    };
    let headers = match input.request.headers {
        Headers::Map(m) => m.into_iter().collect(),
        Headers::Pairs(p) => p,
    };
    let body = match input
        .request
        .body
        .as_deref()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b))
    {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(_)) => {
            return error_response(&bad_request("request.body must be base64."), &request_id);
        }
    };
    let parts = SignedParts {
        method: input.request.method,
        path_and_query: input.request.path,
        headers,
        body,
    };
    let context: BTreeMap<String, Vec<String>> = input
        .context
        .into_iter()
        .map(|(k, v)| {
            let values = match v {
                Value::Array(a) => a
                    .into_iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect(),
                Value::String(s) => vec![s],
                other => vec![other.to_string()],
            };
            (k.to_lowercase(), values)
        })
        .collect();
    match state
        .core
        .authorize(&parts, &input.action, &input.resource, context)
        .await
    {
        Ok(outcome) => {
            let account = state.core.identity().account_id.clone();
            let mut principal = json!({
                "arn": outcome.grant.assumed_role_arn(&account),
                "roleArn": outcome.grant.role_arn,
                "accessKeyId": outcome.access_key_id,
                "userId": outcome.grant.assumed_role_id,
                "provider": outcome.grant.provider,
            });
            if let Some(id) = &outcome.grant.identity_id {
                principal["identityId"] = json!(id);
            }
            if let Some(id) = &outcome.grant.identity_pool_id {
                principal["identityPoolId"] = json!(id);
            }
            Json(json!({
                "allowed": outcome.decision == cognate_core::iam::eval::Decision::Allow,
                "decision": outcome.decision.as_str(),
                "principal": principal,
            }))
            .into_response()
        }
        Err(e) => {
            let mut response = error_response(&e, &request_id);
            // Credentials that do not check out are a 403 here, whatever STS answers.
            if matches!(
                e.kind,
                ErrorKind::InvalidSignature
                    | ErrorKind::IncompleteSignature
                    | ErrorKind::MissingAuthenticationToken
                    | ErrorKind::InvalidClientTokenId
                    | ErrorKind::ExpiredCredentials
            ) {
                *response.status_mut() = axum::http::StatusCode::FORBIDDEN;
            }
            response
        }
    }
}
