//! Renders a [`CoreError`] the way Cognito does: status, `x-amzn-ErrorType`,
//! `x-amzn-ErrorMessage`, `x-amzn-RequestId` and a `{"__type","message"}` body.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cognate_core::CoreError;

pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

pub fn request_headers(request_id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static(JSON_CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    h
}

pub fn error_response(err: &CoreError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(err.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let name = err.kind.wire_name();
    let mut headers = request_headers(request_id);
    if let Ok(v) = HeaderValue::from_str(&format!("{name}:")) {
        headers.insert("x-amzn-errortype", v);
    }
    // Header values must be visible ASCII; the body always carries the full message.
    let ascii: String = err
        .message
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .collect();
    if let Ok(v) = HeaderValue::from_str(&ascii) {
        headers.insert("x-amzn-errormessage", v);
    }
    let body = serde_json::json!({ "__type": name, "message": err.message });
    (status, headers, body.to_string()).into_response()
}
