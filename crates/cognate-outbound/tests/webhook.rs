//! WebhookSmsSender against a local axum listener.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cognate_core::model::{Channel, Message};
use cognate_core::ports::MessageSender;
use cognate_outbound::{SmsWebhookConfig, WebhookSmsSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
struct Captured {
    requests: Arc<Mutex<Vec<(HeaderMap, serde_json::Value)>>>,
}

async fn start(status: StatusCode, delay: Duration) -> (String, Captured) {
    let captured = Captured::default();
    let app = Router::new()
        .route(
            "/sms",
            post(
                move |State(c): State<Captured>, headers: HeaderMap, body: String| async move {
                    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
                    c.requests.lock().unwrap().push((headers, json));
                    tokio::time::sleep(delay).await;
                    (status, "error details that must not be echoed: 987654")
                },
            ),
        )
        .with_state(captured.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/sms"), captured)
}

fn sms(body: &str) -> Message {
    Message {
        id: "m-1".into(),
        pool_id: "us-east-1_Pool1".into(),
        username: "alice".into(),
        channel: Channel::Sms,
        destination: "+15550100".into(),
        subject: None,
        body: body.into(),
        reason: "SignUp".into(),
        created: 0.0,
    }
}

#[tokio::test]
async fn posts_the_json_document_with_configured_headers() {
    let (url, captured) = start(StatusCode::OK, Duration::ZERO).await;
    let mut config = SmsWebhookConfig::new(url);
    config
        .headers
        .insert("Authorization".into(), "Bearer hook-token".into());
    let sender = WebhookSmsSender::new(config).unwrap();
    assert_eq!(sender.name(), "sms-webhook");

    sender
        .send(&sms("Your code is 123456 — merci"))
        .await
        .unwrap();

    let requests = captured.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (headers, json) = &requests[0];
    assert_eq!(headers["authorization"], "Bearer hook-token");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        json,
        &serde_json::json!({
            "to": "+15550100",
            "message": "Your code is 123456 — merci",
            "poolId": "us-east-1_Pool1",
            "username": "alice",
            "reason": "SignUp",
        })
    );
}

#[tokio::test]
async fn non_2xx_is_a_delivery_error_without_the_body() {
    let (url, captured) = start(StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO).await;
    let mut config = SmsWebhookConfig::new(format!("{url}?key=query-secret"));
    config
        .headers
        .insert("X-Api-Key".into(), "header-secret".into());
    let sender = WebhookSmsSender::new(config).unwrap();
    let err = sender.send(&sms("code 424242")).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("500"), "{text}");
    for secret in ["424242", "987654", "query-secret", "header-secret"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert_eq!(captured.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn timeout_and_refused_connection_are_delivery_errors() {
    let (url, _captured) = start(StatusCode::OK, Duration::from_secs(5)).await;
    let mut config = SmsWebhookConfig::new(url);
    config.timeout_secs = 1;
    let sender = WebhookSmsSender::new(config).unwrap();
    let started = Instant::now();
    let err = sender.send(&sms("code 111111")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");

    // A port nobody listens on: bind one, then free it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sender = WebhookSmsSender::new(SmsWebhookConfig::new(format!(
        "http://127.0.0.1:{port}/sms"
    )))
    .unwrap();
    let err = sender.send(&sms("code 222222")).await.unwrap_err();
    assert!(!err.to_string().contains("222222"), "{err}");
}

#[tokio::test]
async fn refuses_email_messages() {
    let sender = WebhookSmsSender::new(SmsWebhookConfig::new("http://127.0.0.1:9/sms")).unwrap();
    let mut m = sms("x");
    m.channel = Channel::Email;
    assert!(sender.send(&m).await.is_err());
}
