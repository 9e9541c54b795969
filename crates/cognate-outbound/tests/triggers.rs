//! TriggerRouter: the HTTP transport against a local axum server, the Lambda
//! Invoke API against a local endpoint that verifies SigV4 signatures, and the
//! command transport with the Node.js runner and the handlers in
//! `examples/triggers/`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use cognate_core::ports::{TriggerError, TriggerInvoker};
use cognate_outbound::{FunctionMapping, LambdaConfig, TriggerRouter, TriggersConfig};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PRE_SIGNUP: &str = "arn:aws:lambda:us-east-1:000000000000:function:pre-signup";

fn router(functions: Vec<FunctionMapping>) -> TriggerRouter {
    TriggerRouter::new(TriggersConfig {
        functions,
        ..TriggersConfig::default()
    })
    .expect("valid trigger config")
}

fn event(trigger_source: &str, user_name: &str, request: Value) -> Value {
    json!({
        "version": "1",
        "triggerSource": trigger_source,
        "region": "us-east-1",
        "userPoolId": "us-east-1_Ab12Cd34E",
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client1"},
        "request": request,
        "response": {}
    })
}

fn pre_signup_event(email: &str) -> Value {
    event(
        "PreSignUp_SignUp",
        "alice",
        json!({"userAttributes": {"email": email}, "validationData": null}),
    )
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

// ---------------------------------------------------------------- HTTP ----

type Seen = Arc<Mutex<Vec<HeaderMap>>>;

async fn http_server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route(
            "/echo",
            post(
                |State(seen): State<Seen>, headers: HeaderMap, body: String| async move {
                    seen.lock().unwrap().push(headers);
                    let mut event: Value = serde_json::from_str(&body).unwrap();
                    event["response"] = json!({"autoConfirmUser": true});
                    axum::Json(event)
                },
            ),
        )
        .route(
            "/fail",
            post(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(
                        json!({"errorMessage": "Not on the guest list.", "errorType": "Error"}),
                    ),
                )
            }),
        )
        .route(
            "/function-error-header",
            post(|| async {
                (
                    [("x-amz-function-error", "Unhandled")],
                    axum::Json(json!({"errorMessage": "thrown", "errorType": "Error"})),
                )
            }),
        )
        .route(
            "/plain-500",
            post(|| async { (StatusCode::BAD_GATEWAY, "upstream said 123456") }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                axum::Json(json!({}))
            }),
        )
        .route("/garbage", post(|| async { "the code is 123456" }))
        .route("/array", post(|| async { axum::Json(json!([1, 2])) }))
        .with_state(seen.clone());
    (serve(app).await, seen)
}

#[tokio::test]
async fn http_success_returns_the_event_with_its_response() {
    let (base, seen) = http_server().await;
    let mut mapping = FunctionMapping::url(PRE_SIGNUP, format!("{base}/echo"));
    mapping
        .headers
        .insert("Authorization".into(), "Bearer hook-token".into());
    let r = router(vec![mapping]);
    assert!(r.can_invoke(PRE_SIGNUP));
    let sent = pre_signup_event("alice@example.com");
    let back = r.invoke(PRE_SIGNUP, &sent).await.unwrap();
    assert_eq!(back["response"]["autoConfirmUser"], true);
    assert_eq!(back["request"], sent["request"]);
    let headers = seen.lock().unwrap().pop().unwrap();
    assert_eq!(headers["authorization"], "Bearer hook-token");
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn http_error_shapes() {
    let (base, _) = http_server().await;
    let r = router(vec![
        FunctionMapping::url("fail", format!("{base}/fail")),
        FunctionMapping::url("header", format!("{base}/function-error-header")),
        FunctionMapping::url("plain", format!("{base}/plain-500")),
        FunctionMapping::url("garbage", format!("{base}/garbage")),
        FunctionMapping::url("array", format!("{base}/array")),
        FunctionMapping::url("missing", format!("{base}/nothing-here")),
        FunctionMapping::url("closed", "http://127.0.0.1:9/closed"),
    ]);
    let e = pre_signup_event("a@example.com");
    match r.invoke("fail", &e).await {
        Err(TriggerError::Function(m)) => assert_eq!(m, "Not on the guest list."),
        other => panic!("{other:?}"),
    }
    match r.invoke("header", &e).await {
        Err(TriggerError::Function(m)) => assert_eq!(m, "thrown"),
        other => panic!("{other:?}"),
    }
    match r.invoke("plain", &e).await {
        Err(TriggerError::Unreachable(m)) => {
            assert!(m.contains("502"), "{m}");
            assert!(!m.contains("123456"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    match r.invoke("garbage", &e).await {
        Err(TriggerError::Malformed(m)) => assert!(!m.contains("123456"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        r.invoke("array", &e).await,
        Err(TriggerError::Malformed(_))
    ));
    assert!(matches!(
        r.invoke("missing", &e).await,
        Err(TriggerError::Unreachable(m)) if m.contains("404")
    ));
    assert!(matches!(
        r.invoke("closed", &e).await,
        Err(TriggerError::Unreachable(_))
    ));
}

#[tokio::test]
async fn http_timeout_is_unreachable() {
    let (base, _) = http_server().await;
    let mut mapping = FunctionMapping::url("slow", format!("{base}/slow"));
    mapping.timeout_secs = Some(1);
    let r = router(vec![mapping]);
    let started = Instant::now();
    let result = r.invoke("slow", &pre_signup_event("a@example.com")).await;
    assert!(
        matches!(&result, Err(TriggerError::Unreachable(m)) if m.contains("timed out")),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

// -------------------------------------------------------------- Lambda ----

const AKID: &str = "AKIDTRIGGERS";
const SECRET: &str = "trigger/secret+KEY";

#[derive(Clone, Default)]
struct LambdaState {
    attempts: Arc<Mutex<HashMap<String, u32>>>,
    /// Every verified request.
    calls: Arc<Mutex<Vec<Call>>>,
}

#[derive(Debug, Clone)]
struct Call {
    function: String,
    region: String,
    service: String,
    token: Option<String>,
    token_signed: bool,
    invocation_type: String,
    path: String,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A stand-in for the Lambda service: checks the signature like AWS would, then
/// answers according to the function name.
async fn lambda_invoke(
    State(state): State<LambdaState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_list: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let auth = match cognate_crypto::sigv4::parse_authorization(authorization) {
        Ok(auth) => auth,
        Err(e) => return (StatusCode::FORBIDDEN, e.to_string()).into_response(),
    };
    let path_and_query = uri.path_and_query().unwrap().as_str();
    if auth.access_key_id != AKID {
        return (StatusCode::FORBIDDEN, "unknown key").into_response();
    }
    if let Err(e) = cognate_crypto::sigv4::verify(
        method.as_str(),
        path_and_query,
        &header_list,
        &body,
        &auth,
        SECRET,
        time::OffsetDateTime::now_utc(),
    ) {
        return (StatusCode::FORBIDDEN, format!("signature: {e}")).into_response();
    }
    let Some(function) = uri
        .path()
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .map(percent_decode)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    state.calls.lock().unwrap().push(Call {
        function: function.clone(),
        region: auth.region.clone(),
        service: auth.service.clone(),
        token: headers
            .get("x-amz-security-token")
            .map(|v| v.to_str().unwrap().to_owned()),
        token_signed: auth
            .signed_headers
            .iter()
            .any(|h| h == "x-amz-security-token"),
        invocation_type: headers
            .get("x-amz-invocation-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default(),
        path: uri.path().to_owned(),
    });
    let attempt = {
        let mut attempts = state.attempts.lock().unwrap();
        let n = attempts.entry(function.clone()).or_default();
        *n += 1;
        *n
    };
    let name = function.rsplit(':').next().unwrap_or_default();
    match name {
        "boom" => (
            [("x-amz-function-error", "Unhandled")],
            axum::Json(json!({
                "errorMessage": "Registration from this domain is not allowed.",
                "errorType": "Error",
                "trace": ["Error: Registration from this domain is not allowed.", "    at Runtime.handler (/var/task/index.js:4:11)"]
            })),
        )
            .into_response(),
        "missing" => (
            StatusCode::NOT_FOUND,
            [("x-amzn-errortype", "ResourceNotFoundException")],
            axum::Json(json!({"Type": "User", "Message": format!("Function not found: {function}")})),
        )
            .into_response(),
        "throttled" => (
            StatusCode::TOO_MANY_REQUESTS,
            [("x-amzn-errortype", "TooManyRequestsException")],
            "{}",
        )
            .into_response(),
        "flaky" if attempt == 1 => (StatusCode::SERVICE_UNAVAILABLE, "{}").into_response(),
        "garbage" => "not json".into_response(),
        _ => {
            let mut event: Value = serde_json::from_slice(&body).unwrap();
            event["response"] = json!({"answerCorrect": true, "invokedAs": function});
            axum::Json(event).into_response()
        }
    }
}

async fn lambda_server() -> (String, LambdaState) {
    let state = LambdaState::default();
    let app = Router::new()
        .fallback(post(lambda_invoke))
        .with_state(state.clone());
    (serve(app).await, state)
}

fn lambda_router(endpoint: &str, region: Option<&str>, token: Option<&str>) -> TriggerRouter {
    TriggerRouter::new(TriggersConfig {
        lambda: Some(LambdaConfig {
            endpoint: endpoint.to_string(),
            region: region.map(Into::into),
            access_key_id: AKID.into(),
            secret_access_key: SECRET.into(),
            session_token: token.map(Into::into),
        }),
        ..TriggersConfig::default()
    })
    .unwrap()
}

fn lambda_arn(region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:123456789012:function:{name}")
}

#[tokio::test]
async fn lambda_invoke_is_signed_and_returns_the_payload() {
    let (endpoint, state) = lambda_server().await;
    let r = lambda_router(&format!("{endpoint}/"), None, None);
    let arn = lambda_arn("us-west-2", "verify-answer");
    assert!(r.can_invoke(&arn));
    let back = r
        .invoke(
            &arn,
            &event(
                "VerifyAuthChallengeResponse_Authentication",
                "alice",
                json!({}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(back["response"]["answerCorrect"], true);
    assert_eq!(back["response"]["invokedAs"], arn.as_str());
    assert_eq!(back["userName"], "alice");
    let call = state.calls.lock().unwrap()[0].clone();
    assert_eq!(call.function, arn);
    assert_eq!(call.region, "us-west-2", "region comes from the ARN");
    assert_eq!(call.service, "lambda");
    assert_eq!(call.invocation_type, "RequestResponse");
    assert_eq!(call.token, None);
    assert_eq!(
        call.path,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A123456789012%3Afunction%3Averify-answer/invocations"
    );
}

#[tokio::test]
async fn lambda_configured_region_and_session_token() {
    let (endpoint, state) = lambda_server().await;
    let r = lambda_router(&endpoint, Some("eu-central-1"), Some("session/token+1"));
    let arn = format!("{}:live", lambda_arn("us-east-1", "pre-token"));
    r.invoke(&arn, &json!({"response": {}})).await.unwrap();
    let call = state.calls.lock().unwrap()[0].clone();
    assert_eq!(call.region, "eu-central-1");
    assert_eq!(call.token.as_deref(), Some("session/token+1"));
    assert!(call.token_signed);
    assert_eq!(call.function, arn);
}

#[tokio::test]
async fn lambda_function_error_and_failures() {
    let (endpoint, state) = lambda_server().await;
    let r = lambda_router(&endpoint, None, None);
    let e = pre_signup_event("a@example.com");

    match r.invoke(&lambda_arn("us-east-1", "boom"), &e).await {
        Err(TriggerError::Function(m)) => {
            assert_eq!(m, "Registration from this domain is not allowed.")
        }
        other => panic!("{other:?}"),
    }
    match r.invoke(&lambda_arn("us-east-1", "missing"), &e).await {
        Err(TriggerError::Unreachable(m)) => {
            assert!(
                m.contains("404") && m.contains("ResourceNotFoundException"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        r.invoke(&lambda_arn("us-east-1", "garbage"), &e).await,
        Err(TriggerError::Malformed(_))
    ));

    // 5xx and 429 are retried (twice) within the timeout.
    let flaky = lambda_arn("us-east-1", "flaky");
    assert!(r.invoke(&flaky, &e).await.is_ok());
    let throttled = lambda_arn("us-east-1", "throttled");
    match r.invoke(&throttled, &e).await {
        Err(TriggerError::Unreachable(m)) => assert!(m.contains("429"), "{m}"),
        other => panic!("{other:?}"),
    }
    let attempts = state.attempts.lock().unwrap().clone();
    assert_eq!(attempts[&flaky], 2);
    assert_eq!(attempts[&throttled], 3);
    assert_eq!(attempts[&lambda_arn("us-east-1", "missing")], 1);
    assert_eq!(attempts[&lambda_arn("us-east-1", "boom")], 1);
}

#[tokio::test]
async fn lambda_wrong_secret_is_rejected_by_the_verifier() {
    let (endpoint, _) = lambda_server().await;
    let r = TriggerRouter::new(TriggersConfig {
        lambda: Some(LambdaConfig {
            endpoint,
            region: None,
            access_key_id: AKID.into(),
            secret_access_key: "not-the-secret".into(),
            session_token: None,
        }),
        ..TriggersConfig::default()
    })
    .unwrap();
    match r
        .invoke(&lambda_arn("us-east-1", "ok"), &json!({"response": {}}))
        .await
    {
        Err(TriggerError::Unreachable(m)) => assert!(m.contains("403"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------- can_invoke ----

#[tokio::test]
async fn can_invoke_rules() {
    let none = router(vec![]);
    assert!(!none.can_invoke(PRE_SIGNUP));
    match none.invoke(PRE_SIGNUP, &json!({})).await {
        Err(TriggerError::Unreachable(m)) => {
            assert_eq!(m, format!("no transport for {PRE_SIGNUP}"))
        }
        other => panic!("{other:?}"),
    }

    let mapped = router(vec![
        FunctionMapping::command(PRE_SIGNUP, ["true"]),
        FunctionMapping::url("my-webhook-trigger", "http://127.0.0.1:1/x"),
    ]);
    assert!(mapped.can_invoke(PRE_SIGNUP));
    assert!(mapped.can_invoke("my-webhook-trigger"));
    assert!(!mapped.can_invoke(&lambda_arn("us-east-1", "other")));
    assert_eq!(mapped.mapped_arns(), vec![PRE_SIGNUP, "my-webhook-trigger"]);

    let lambda = lambda_router("http://127.0.0.1:1", None, None);
    assert!(lambda.can_invoke(&lambda_arn("us-east-1", "anything")));
    assert!(lambda.can_invoke(&format!("{}:$LATEST", lambda_arn("us-east-1", "f"))));
    assert!(!lambda.can_invoke("my-webhook-trigger"));
    assert!(!lambda.can_invoke("arn:aws:sns:us-east-1:123456789012:topic"));
    assert!(!lambda.can_invoke("arn:aws:lambda:us-east-1:123456789012:function:"));
}

// ------------------------------------------------------------- command ----

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/triggers")
        .canonicalize()
        .expect("examples/triggers exists")
}

fn node(handler: &str, extra: &[&str]) -> Vec<String> {
    let dir = examples();
    let mut command = vec![
        "node".to_string(),
        dir.join("runner.js").display().to_string(),
        dir.join(handler).display().to_string(),
    ];
    command.extend(extra.iter().map(|s| s.to_string()));
    command
}

fn command_router(arn: &str, command: Vec<String>) -> TriggerRouter {
    router(vec![FunctionMapping::command(arn, command)])
}

#[tokio::test]
async fn command_pre_signup_accepts_and_rejects() {
    let r = command_router(PRE_SIGNUP, node("pre-signup-auto-confirm.js", &[]));
    let back = r
        .invoke(PRE_SIGNUP, &pre_signup_event("Alice@Example.com"))
        .await
        .unwrap();
    assert_eq!(back["response"]["autoConfirmUser"], true);
    assert_eq!(back["response"]["autoVerifyEmail"], true);
    assert_eq!(back["userName"], "alice");

    match r
        .invoke(PRE_SIGNUP, &pre_signup_event("mallory@elsewhere.test"))
        .await
    {
        Err(TriggerError::Function(m)) => {
            assert_eq!(m, "Registration from this domain is not allowed.")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn command_runner_callbacks_errors_and_console_output() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.js");
    std::fs::write(
        &handler,
        r#"
exports.handler = (event, context, callback) => {
  console.log('log line that must not reach stdout', event);
  console.info('info too');
  process.stdout.write('and a raw write\n');
  setTimeout(() => callback(null, { ...event, response: {
    fn: context.functionName,
    budgetOk: context.getRemainingTimeInMillis() > 0,
  } }), 5);
};
exports.rejects = (event, context, callback) => callback(new TypeError('callback said no'));
exports.throws = async () => { throw new Error('async says no.'); };
exports.crash = () => { process.stderr.write('about to crash\n'); process.exit(7); };
"#,
    )
    .unwrap();
    let runner = examples().join("runner.js").display().to_string();
    let path = handler.display().to_string();
    let with_export = |arn: &str, export: &str| {
        FunctionMapping::command(
            arn,
            [
                "node".to_string(),
                runner.clone(),
                path.clone(),
                export.to_string(),
            ],
        )
    };
    let r = router(vec![
        with_export(PRE_SIGNUP, "handler"),
        with_export("rejects", "rejects"),
        with_export("throws", "throws"),
        with_export("crash", "crash"),
        with_export("absent", "noSuchExport"),
    ]);
    let e = pre_signup_event("a@example.com");
    let back = r.invoke(PRE_SIGNUP, &e).await.unwrap();
    assert_eq!(back["response"]["fn"], "pre-signup");
    assert_eq!(back["response"]["budgetOk"], true);
    for (arn, expected) in [
        ("rejects", "callback said no"),
        ("throws", "async says no."),
        ("crash", "about to crash"),
        (
            "absent",
            "handler.js does not export a function named noSuchExport",
        ),
    ] {
        match r.invoke(arn, &e).await {
            Err(TriggerError::Function(m)) => assert_eq!(m, expected),
            other => panic!("{arn}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn command_failures() {
    let sh = |script: &str| vec!["sh".to_string(), "-c".to_string(), script.to_string()];
    let mut slow = FunctionMapping::command("slow", ["sleep", "5"]);
    slow.timeout_secs = Some(1);
    let r = router(vec![
        slow,
        FunctionMapping::command("garbage", sh("echo 'this is not json'")),
        FunctionMapping::command("array", sh("cat >/dev/null; echo '[1]'")),
        FunctionMapping::command("empty", ["true"]),
        FunctionMapping::command(
            "stderr",
            sh("echo first >&2; echo '  Fatal: it broke  ' >&2; echo >&2; exit 3"),
        ),
        FunctionMapping::command("status", sh("exit 4")),
        FunctionMapping::command(
            "error-json",
            sh("echo '{\"errorMessage\":\"from json\"}'; exit 1"),
        ),
        FunctionMapping::command("no-such-program", ["/nonexistent/cognate-trigger"]),
        FunctionMapping::command(
            "arn:aws:lambda:us-east-1:000000000000:function:env-probe",
            sh(
                "cat >/dev/null; printf '{\"name\":\"%s\",\"budget\":\"%s\"}' \"$AWS_LAMBDA_FUNCTION_NAME\" \"$COGNATE_TRIGGER_TIMEOUT_MS\"",
            ),
        ),
    ]);
    let e = pre_signup_event("a@example.com");

    let started = Instant::now();
    let result = r.invoke("slow", &e).await;
    assert!(
        matches!(&result, Err(TriggerError::Unreachable(m)) if m.contains("timed out")),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    for arn in ["garbage", "array", "empty"] {
        let result = r.invoke(arn, &e).await;
        assert!(
            matches!(result, Err(TriggerError::Malformed(_))),
            "{arn}: {result:?}"
        );
    }
    for (arn, expected) in [
        ("stderr", "Fatal: it broke"),
        ("status", "exit status 4"),
        ("error-json", "from json"),
    ] {
        match r.invoke(arn, &e).await {
            Err(TriggerError::Function(m)) => assert_eq!(m, expected, "{arn}"),
            other => panic!("{arn}: {other:?}"),
        }
    }
    assert!(matches!(
        r.invoke("no-such-program", &e).await,
        Err(TriggerError::Unreachable(_))
    ));
    let probe = r
        .invoke(
            "arn:aws:lambda:us-east-1:000000000000:function:env-probe",
            &e,
        )
        .await
        .unwrap();
    assert_eq!(probe, json!({"name": "env-probe", "budget": "5000"}));
}

#[tokio::test]
async fn command_custom_auth_email_otp() {
    let otp_dir = tempfile::tempdir().unwrap();
    let with_env = |handler: &str| {
        let mut command = vec![
            "env".to_string(),
            format!("OTP_DIR={}", otp_dir.path().display()),
        ];
        command.extend(node(handler, &[]));
        command
    };
    let r = router(vec![
        FunctionMapping::command("define", node("custom-auth-email-otp/define.js", &[])),
        FunctionMapping::command("create", with_env("custom-auth-email-otp/create.js")),
        FunctionMapping::command("verify", node("custom-auth-email-otp/verify.js", &[])),
    ]);
    let attrs =
        json!({"sub": "7d2c", "email": "alice@example.com", "cognito:user_status": "CONFIRMED"});

    let define = |session: Value| {
        event(
            "DefineAuthChallenge_Authentication",
            "alice",
            json!({"userAttributes": attrs, "session": session, "userNotFound": false}),
        )
    };
    let out = r.invoke("define", &define(json!([]))).await.unwrap();
    assert_eq!(out["response"]["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(out["response"]["issueTokens"], false);
    assert_eq!(out["response"]["failAuthentication"], false);

    let out = r
        .invoke(
            "create",
            &event(
                "CreateAuthChallenge_Authentication",
                "alice",
                json!({"userAttributes": attrs, "challengeName": "CUSTOM_CHALLENGE", "session": []}),
            ),
        )
        .await
        .unwrap();
    let code = std::fs::read_to_string(otp_dir.path().join("alice.code"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        out["response"]["privateChallengeParameters"]["answer"],
        code
    );
    assert_eq!(
        out["response"]["publicChallengeParameters"]["email"],
        "a***@example.com"
    );
    let metadata = out["response"]["challengeMetadata"]
        .as_str()
        .unwrap()
        .to_string();

    let verify = |answer: &str| {
        event(
            "VerifyAuthChallengeResponse_Authentication",
            "alice",
            json!({"userAttributes": attrs, "privateChallengeParameters": {"answer": code},
                   "challengeAnswer": answer, "userNotFound": false}),
        )
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let out = r.invoke("verify", &verify(wrong)).await.unwrap();
    assert_eq!(out["response"]["answerCorrect"], false);
    let out = r.invoke("verify", &verify(&code)).await.unwrap();
    assert_eq!(out["response"]["answerCorrect"], true);

    // A retry after a wrong answer keeps the same code.
    let miss = json!({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": metadata});
    let out = r
        .invoke(
            "create",
            &event(
                "CreateAuthChallenge_Authentication",
                "alice",
                json!({"userAttributes": attrs, "challengeName": "CUSTOM_CHALLENGE", "session": [miss]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        out["response"]["privateChallengeParameters"]["answer"],
        code
    );

    let hit = json!({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": metadata});
    let out = r
        .invoke("define", &define(json!([miss, hit])))
        .await
        .unwrap();
    assert_eq!(out["response"]["issueTokens"], true);
    assert_eq!(out["response"]["failAuthentication"], false);
    let out = r
        .invoke("define", &define(json!([miss, miss])))
        .await
        .unwrap();
    assert_eq!(out["response"]["challengeName"], "CUSTOM_CHALLENGE");
    let out = r
        .invoke("define", &define(json!([miss, miss, miss])))
        .await
        .unwrap();
    assert_eq!(out["response"]["failAuthentication"], true);
    assert_eq!(out["response"]["issueTokens"], false);
}

#[tokio::test]
async fn command_user_migration_and_pre_token() {
    let r = router(vec![
        FunctionMapping::command("migrate", node("user-migration.js", &[])),
        FunctionMapping::command("pre-token", node("pre-token-custom-claims.js", &[])),
    ]);
    let auth = |user: &str, password: &str| {
        event(
            "UserMigration_Authentication",
            user,
            json!({"password": password, "validationData": null, "clientMetadata": null}),
        )
    };
    let out = r
        .invoke("migrate", &auth("legacy.alice", "Legacy-Passw0rd!"))
        .await
        .unwrap();
    assert_eq!(out["response"]["finalUserStatus"], "CONFIRMED");
    assert_eq!(out["response"]["messageAction"], "SUPPRESS");
    assert_eq!(
        out["response"]["userAttributes"]["email"],
        "alice@legacy.example"
    );
    assert_eq!(out["response"]["userAttributes"]["email_verified"], "true");
    // Sign-in by email works too.
    let out = r
        .invoke("migrate", &auth("alice@legacy.example", "Legacy-Passw0rd!"))
        .await
        .unwrap();
    assert_eq!(out["response"]["finalUserStatus"], "CONFIRMED");
    for (user, password) in [("legacy.alice", "wrong"), ("nobody", "Legacy-Passw0rd!")] {
        let out = r.invoke("migrate", &auth(user, password)).await.unwrap();
        assert_eq!(out["response"], json!({}), "{user}");
    }
    let out = r
        .invoke(
            "migrate",
            &event(
                "UserMigration_ForgotPassword",
                "legacy.bob",
                json!({"validationData": null}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        out["response"]["userAttributes"]["email"],
        "bob@legacy.example"
    );
    assert!(out["response"].get("finalUserStatus").is_none());

    let out = r
        .invoke(
            "pre-token",
            &event(
                "TokenGeneration_Authentication",
                "alice",
                json!({"userAttributes": {"family_name": "Doe"}, "groupConfiguration": {}}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        out["response"],
        json!({"claimsOverrideDetails": {
            "claimsToAddOrOverride": {"tenant": "acme"},
            "claimsToSuppress": ["family_name"]
        }})
    );
}
