//! Builds the HTTP router. No sockets here: the binary and the tests serve it.

use crate::auth_sigv4::AdminAuth;
use crate::{awsjson, hosted, query, well_known};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method, header};
use axum::routing::{get, post};
use cognate_core::Cognate;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Cognate>,
    pub admin: Arc<AdminAuth>,
    pub max_body_bytes: usize,
    /// The hosted sign-in pages' templates.
    pub pages: Arc<crate::hosted::Pages>,
}

/// CORS for browser SDKs: any origin, the headers the SDKs send, and the four
/// response headers AWS exposes.
fn cors() -> CorsLayer {
    let allow: Vec<HeaderName> = [
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "authorization",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "cache-control",
    ]
    .into_iter()
    .map(HeaderName::from_static)
    .collect();
    let expose: Vec<HeaderName> = [
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amzn-errormessage",
    ]
    .into_iter()
    .map(HeaderName::from_static)
    .chain([header::DATE])
    .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allow)
        .expose_headers(expose)
        .max_age(std::time::Duration::from_secs(86400))
}

/// `POST /` (and `GET /?Action=`): awsJson by `X-Amz-Target`, else awsQuery (IAM, STS).
async fn entry(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Body,
) -> Response {
    if !query::is_query_request(&method, &uri, &headers) {
        return awsjson::handle(State(state), method, uri, headers, extensions, body).await;
    }
    match axum::body::to_bytes(body, state.max_body_bytes).await {
        Ok(bytes) => query::handle(&state, &method, &uri, &headers, &bytes).await,
        Err(_) => (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large").into_response(),
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", post(entry).get(entry))
        .route("/_cognate/authorize", post(crate::authorize::authorize))
        .route(
            "/identity/.well-known/jwks.json",
            get(well_known::identity_jwks),
        )
        .route(
            "/identity/.well-known/openid-configuration",
            get(well_known::identity_openid_configuration),
        )
        .route("/health", get(well_known::health))
        // Hosted sign-in (OAuth 2.0); one origin serves every pool.
        .route("/oauth2/authorize", get(hosted::authorize))
        .route("/login", get(hosted::login_form).post(hosted::login_submit))
        .route("/login/new-password", post(hosted::new_password_submit))
        .route(
            "/oauth2/idpresponse",
            get(hosted::idp_response).post(hosted::idp_response),
        )
        .route("/oauth2/token", post(hosted::token))
        .route(
            "/oauth2/userInfo",
            get(hosted::user_info).post(hosted::user_info),
        )
        .route("/oauth2/revoke", post(hosted::revoke))
        .route("/logout", get(hosted::logout))
        .route("/_cognate/messages", get(crate::outbox::messages))
        .route("/{pool_id}/.well-known/jwks.json", get(well_known::jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(well_known::openid_configuration),
        )
        // The awsJson handler enforces its own limit and answers in Cognito's format.
        .layer(DefaultBodyLimit::disable())
        .layer(cors())
        .with_state(state)
}
