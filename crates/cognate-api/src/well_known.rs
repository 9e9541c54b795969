//! `GET /<poolId>/.well-known/jwks.json` and `.../openid-configuration`, and the
//! health endpoint.

use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

fn not_found(pool_id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "message": format!("User pool {pool_id} does not exist.") })),
    )
        .into_response()
}

pub async fn jwks(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    match state.core.store().get_pool(&pool_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&pool_id),
        Err(e) => return crate::errors::error_response(&e.into(), "-"),
    }
    match state.core.pool_keys(&pool_id).await {
        Ok(keys) => Json(keys.jwks()).into_response(),
        Err(e) => crate::errors::error_response(&e, "-"),
    }
}

pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(pool_id): Path<String>,
) -> Response {
    match state.core.store().get_pool(&pool_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(&pool_id),
        Err(e) => return crate::errors::error_response(&e.into(), "-"),
    }
    let issuer = state.core.issuer(&pool_id);
    let mut doc = json!({
        "authorization_endpoint": issuer,
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "id_token", "token id_token", "none"],
        "subject_types_supported": ["public"],
    });
    // With a domain, the hosted endpoints (served from this same origin).
    match state.core.pool_domain(&pool_id).await {
        Ok(Some(_)) => {
            let base = state.core.hosted_base();
            doc["authorization_endpoint"] = json!(format!("{base}/oauth2/authorize"));
            doc["token_endpoint"] = json!(format!("{base}/oauth2/token"));
            doc["userinfo_endpoint"] = json!(format!("{base}/oauth2/userInfo"));
            doc["revocation_endpoint"] = json!(format!("{base}/oauth2/revoke"));
            doc["end_session_endpoint"] = json!(format!("{base}/logout"));
            doc["scopes_supported"] = json!(["openid", "email", "phone", "profile"]);
            doc["token_endpoint_auth_methods_supported"] =
                json!(["client_secret_basic", "client_secret_post"]);
            doc["code_challenge_methods_supported"] = json!(["S256"]);
        }
        Ok(None) => {}
        Err(e) => return crate::errors::error_response(&e, "-"),
    }
    Json(doc).into_response()
}

pub async fn health(State(state): State<AppState>) -> Response {
    let backend = state.core.store().backend();
    match state.core.store().ping().await {
        Ok(()) => Json(
            json!({ "status": "ok", "storage": backend, "version": env!("CARGO_PKG_VERSION") }),
        )
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "storage": backend })),
            )
                .into_response()
        }
    }
}

/// `GET /identity/.well-known/jwks.json`: the identity issuer's keys.
pub async fn identity_jwks(State(state): State<AppState>) -> Response {
    match state.core.identity_jwks().await {
        Ok(jwks) => Json(jwks).into_response(),
        Err(e) => crate::errors::error_response(&e, "-"),
    }
}

/// `GET /identity/.well-known/openid-configuration`: the identity issuer's discovery document.
pub async fn identity_openid_configuration(State(state): State<AppState>) -> Response {
    let issuer = state.core.identity_issuer();
    let base = state
        .core
        .identity()
        .public_base_url
        .trim_end_matches('/')
        .to_string();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{base}/identity/.well-known/jwks.json"),
        "authorization_endpoint": issuer,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS512"],
        "claims_supported": ["sub", "aud", "amr", "iss", "exp", "iat"],
    }))
    .into_response()
}
