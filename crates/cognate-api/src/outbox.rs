//! `GET /_cognate/messages`: the messages recorded in the outbox, for operators
//! and local development. Admin-authenticated like the admin operations (SigV4,
//! e.g. `curl --aws-sigv4 aws:amz:us-east-1:cognito-idp --user KEY:SECRET`).

use crate::auth_sigv4::SignedRequest;
use crate::errors::error_response;
use crate::router::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use cognate_core::model::Message;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct MessagesQuery {
    pool_id: Option<String>,
    username: Option<String>,
    limit: Option<usize>,
}

pub fn message_json(m: &Message) -> Value {
    json!({
        "id": m.id,
        "poolId": m.pool_id,
        "username": m.username,
        "channel": m.channel.as_str(),
        "destination": m.destination,
        "subject": m.subject,
        "body": m.body,
        "reason": m.reason,
        "created": m.created,
    })
}

pub async fn messages(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<MessagesQuery>,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let header_list: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let req = SignedRequest {
        method: method.as_str(),
        path_and_query: path,
        headers: &header_list,
        body: b"",
    };
    if let Err(e) = state.admin.verify(&req, "cognito-idp", state.core.now()) {
        return error_response(&e, &request_id);
    }
    let limit = q.limit.unwrap_or(50).min(1000);
    match state
        .core
        .store()
        .outbox_list(q.pool_id.as_deref(), q.username.as_deref(), limit)
        .await
    {
        Ok(list) => Json(json!({ "messages": list.iter().map(message_json).collect::<Vec<_>>() }))
            .into_response(),
        Err(e) => error_response(&e.into(), &request_id),
    }
}
