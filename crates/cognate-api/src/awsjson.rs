//! Cognito's awsJson 1.1 protocol: `POST /` with `X-Amz-Target`, dispatched to
//! one handler per operation. Every request is validated against the service
//! model before a handler sees it; every failure leaves as a Cognito error.

use crate::auth_sigv4::{SignedRequest, signed_region};
use crate::errors::{error_response, request_headers};
use crate::model::{self, ServiceModel};
use crate::ops;
use crate::router::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use cognate_core::{CoreError, CoreResult, ErrorKind};
use serde_json::Value;
use tracing::Instrument;

pub const IDP_PREFIX: &str = "AWSCognitoIdentityProviderService";
pub const IDENTITY_PREFIX: &str = "AWSCognitoIdentityService";

/// What a handler knows about the request besides its body.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    /// Region of the SigV4 credential scope, when the request was signed.
    pub region: Option<String>,
    /// The peer's address, when the server was started with connection info.
    pub source_ip: Option<String>,
}

#[derive(Clone, Copy)]
pub enum Service {
    UserPools,
    Identity,
}

impl Service {
    fn model(self) -> &'static ServiceModel {
        match self {
            Service::UserPools => &model::COGNITO_IDP,
            Service::Identity => &model::COGNITO_IDENTITY,
        }
    }
    fn signing_name(self) -> &'static str {
        match self {
            Service::UserPools => "cognito-idp",
            Service::Identity => "cognito-identity",
        }
    }
}

fn parse_target(headers: &HeaderMap) -> CoreResult<(Service, String)> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            CoreError::new(ErrorKind::UnknownOperation, "Missing X-Amz-Target header.")
        })?;
    let (prefix, op) = target.split_once('.').ok_or_else(|| {
        CoreError::new(
            ErrorKind::UnknownOperation,
            format!("Unknown operation {target}."),
        )
    })?;
    let service = match prefix {
        IDP_PREFIX => Service::UserPools,
        IDENTITY_PREFIX => Service::Identity,
        _ => {
            return Err(CoreError::new(
                ErrorKind::UnknownOperation,
                format!("Unknown operation {target}."),
            ));
        }
    };
    if !service.model().operations.contains_key(op) {
        return Err(CoreError::new(
            ErrorKind::UnknownOperation,
            format!("Unknown operation {target}."),
        ));
    }
    Ok((service, op.to_string()))
}

/// The `POST /` handler.
pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Body,
) -> Response {
    let source_ip = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let request_id = uuid::Uuid::new_v4().to_string();
    let target = parse_target(&headers);
    let op_name = target
        .as_ref()
        .map(|(_, op)| op.clone())
        .unwrap_or_default();
    let span = tracing::info_span!("request", id = %request_id, op = %op_name);
    // The span wraps the whole future (never a guard held across an await).
    async move {
        let result = async {
            let (service, op) = target?;
            let bytes = axum::body::to_bytes(body, state.max_body_bytes)
                .await
                .map_err(|_| {
                    CoreError::new(
                        ErrorKind::RequestTooLarge,
                        format!(
                            "Request body is larger than the limit of {} bytes.",
                            state.max_body_bytes
                        ),
                    )
                })?;
            run(
                &state,
                service,
                &op,
                &method,
                &uri,
                &headers,
                &bytes,
                &request_id,
                source_ip,
            )
            .await
        }
        .await;
        match result {
            Ok(value) => {
                tracing::debug!("ok");
                (request_headers(&request_id), value.to_string()).into_response()
            }
            Err(err) => {
                tracing::info!(error = err.kind.wire_name(), "request failed");
                error_response(&err, &request_id)
            }
        }
    }
    .instrument(span)
    .await
}

#[allow(clippy::too_many_arguments)]
async fn run(
    state: &AppState,
    service: Service,
    op: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    bytes: &Bytes,
    request_id: &str,
    source_ip: Option<String>,
) -> CoreResult<Value> {
    let model = service.model();
    let operation = &model.operations[op];
    let header_list: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    if !operation.unsigned {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let req = SignedRequest {
            method: method.as_str(),
            path_and_query: path,
            headers: &header_list,
            body: bytes,
        };
        state
            .admin
            .verify(&req, service.signing_name(), state.core.now())?;
    }
    let body: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(bytes).map_err(|e| {
            CoreError::new(
                ErrorKind::Serialization,
                format!("The request body is not valid JSON: {e}"),
            )
        })?
    };
    if !body.is_object() {
        return Err(CoreError::new(
            ErrorKind::Serialization,
            "The request body must be a JSON object.",
        ));
    }
    let body = strip_nulls(body);
    model::validate(model, operation.input.as_deref(), &body)?;
    let ctx = RequestContext {
        request_id: request_id.to_string(),
        region: if operation.unsigned {
            None
        } else {
            signed_region(&header_list)
        },
        source_ip,
    };
    match service {
        Service::UserPools => ops::user_pools(state, &ctx, op, body).await,
        Service::Identity => crate::ops_identity::dispatch(state, &ctx, op, body).await,
    }
}

pub fn not_implemented(op: &str) -> CoreError {
    CoreError::new(
        ErrorKind::NotImplemented,
        format!("Operation {op} is not supported by this server yet."),
    )
}

/// Decodes a validated body into a handler's input type.
pub fn input<T: serde::de::DeserializeOwned>(body: Value) -> CoreResult<T> {
    serde_json::from_value(body).map_err(|e| {
        CoreError::new(
            ErrorKind::Serialization,
            format!("Could not read the request: {e}"),
        )
    })
}

/// `null` members and map values mean "absent" on the wire (amazon-cognito-identity-js
/// sends `"DEVICE_KEY": null` on refresh in browsers); drop them before decoding.
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
