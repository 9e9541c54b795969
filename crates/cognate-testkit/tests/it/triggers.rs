//! Lambda triggers (Cognito-compatible events) end to end: each test maps the
//! pool's `LambdaConfig` ARNs to a recording HTTP endpoint started inside the
//! test (axum on 127.0.0.1:0), which records every event and answers as the
//! test scripts it (per `triggerSource`). For each API call the tests assert
//! which triggers fire, in what order, the event envelope and request fields
//! (reference §7.1–§7.5), and what the answers change: auto-confirmation,
//! custom messages, denied sign-ins, token claims, migrated users, the
//! CUSTOM_AUTH loop (also with SRP_A), and the error mapping (§7.3) with
//! nothing persisted. One test runs the Node example handler through the
//! command transport.

use crate::auth::*;
use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cognate_outbound::{FunctionMapping, TriggersConfig};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---- The recording trigger endpoint ----

type ResponseFn = Arc<dyn Fn(&Value) -> Value + Send + Sync>;

/// How the endpoint answers events of one `triggerSource`.
#[derive(Clone)]
enum Reply {
    /// These fields are set in the event's `response`, and the event returned.
    Respond(Value),
    /// Like `Respond`, with the fields computed from the event.
    With(ResponseFn),
    /// A function error: HTTP 400 with Lambda's `{"errorMessage", "errorType"}`.
    Fail(&'static str),
    /// Any status and body.
    Raw(u16, &'static str),
    /// Sleeps, then returns the event unchanged.
    Sleep(Duration),
}

#[derive(Default)]
struct Recorded {
    /// (function name from the URL path, event), in arrival order.
    events: Mutex<Vec<(String, Value)>>,
    replies: Mutex<HashMap<String, Reply>>,
}

async fn handle(
    State(state): State<Arc<Recorded>>,
    Path(function): Path<String>,
    body: Bytes,
) -> Response {
    let mut event: Value =
        serde_json::from_slice(&body).unwrap_or_else(|e| Value::String(format!("<not JSON: {e}>")));
    let source = event["triggerSource"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    state.events.lock().unwrap().push((function, event.clone()));
    let reply = state.replies.lock().unwrap().get(&source).cloned();
    let fields = match reply {
        None => None,
        Some(Reply::Respond(v)) => Some(v),
        Some(Reply::With(f)) => Some(f(&event)),
        Some(Reply::Fail(message)) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "errorMessage": message, "errorType": "Error" })),
            )
                .into_response();
        }
        Some(Reply::Raw(status, body)) => {
            return (StatusCode::from_u16(status).unwrap(), body).into_response();
        }
        Some(Reply::Sleep(d)) => {
            tokio::time::sleep(d).await;
            None
        }
    };
    if let Some(Value::Object(fields)) = fields {
        if !event["response"].is_object() {
            event["response"] = json!({});
        }
        let response = event["response"].as_object_mut().unwrap();
        for (k, v) in fields {
            response.insert(k, v);
        }
    }
    axum::Json(event).into_response()
}

/// Every function ARN of these tests: `<ARN_PREFIX><name>`.
const ARN_PREFIX: &str = "arn:aws:lambda:us-east-1:000000000000:function:";

fn arn(name: &str) -> String {
    format!("{ARN_PREFIX}{name}")
}

/// The recording endpoint; stops with the test.
struct Hook {
    addr: std::net::SocketAddr,
    state: Arc<Recorded>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hook {
    async fn start() -> Hook {
        let state = Arc::new(Recorded::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the trigger endpoint");
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/{function}", axum::routing::post(handle))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Hook { addr, state, task }
    }

    /// `[[triggers.functions]]` for the function `name`, sent to this endpoint.
    fn mapping(&self, name: &str) -> FunctionMapping {
        FunctionMapping::url(arn(name), format!("http://{}/{name}", self.addr))
    }

    /// Scripts the answer to events of `source` (replacing an earlier one).
    fn on(&self, source: &str, reply: Reply) {
        self.state
            .replies
            .lock()
            .unwrap()
            .insert(source.to_string(), reply);
    }

    /// The events recorded since the last `take`, and forgets them.
    fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.state.events.lock().unwrap())
            .into_iter()
            .map(|(_, e)| e)
            .collect()
    }

    /// (function, event) pairs recorded since the last `take`, and forgets them.
    fn take_calls(&self) -> Vec<(String, Value)> {
        std::mem::take(&mut *self.state.events.lock().unwrap())
    }

    /// Just the `triggerSource`s recorded since the last `take`, and forgets them.
    fn take_sources(&self) -> Vec<String> {
        sources(&self.take())
    }
}

/// The user's newest outbox message: (body, subject, the code in it).
async fn newest_message(ts: &TestServer, pool: &str, user: &str) -> (String, Value, String) {
    let sent = messages(ts, pool, user).await; // newest first
    let m = sent
        .first()
        .unwrap_or_else(|| panic!("no message for {user}"));
    let body = m["body"].as_str().expect("a body").to_string();
    let code = code_in(&body).unwrap_or_else(|| panic!("no code in {body:?}"));
    (body, m["subject"].clone(), code)
}

fn sources(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap_or("<none>").to_string())
        .collect()
}

/// A server whose `[triggers]` maps every function in `names` to `hook`, with
/// per-function timeouts where given.
async fn start_server(
    backend: Backend,
    hook: &Hook,
    names: &[&str],
    timeouts: &[(&str, u64)],
) -> Option<TestServer> {
    let functions: Vec<FunctionMapping> = names
        .iter()
        .map(|n| {
            let mut m = hook.mapping(n);
            m.timeout_secs = timeouts.iter().find(|(t, _)| t == n).map(|(_, s)| *s);
            m
        })
        .collect();
    TestServer::start_with(backend, move |c| {
        c.triggers = TriggersConfig {
            functions,
            ..Default::default()
        }
    })
    .await
}

/// A `LambdaConfig` naming the function `<key>` for each trigger key;
/// `PreTokenGenerationV2` sets `PreTokenGenerationConfig {V2_0}` (and `PreTokenGeneration`).
fn lambda_config(keys: &[&str]) -> LambdaConfigType {
    let mut b = LambdaConfigType::builder();
    for key in keys {
        let a = arn(key);
        b = match *key {
            "PreSignUp" => b.pre_sign_up(a),
            "CustomMessage" => b.custom_message(a),
            "PostConfirmation" => b.post_confirmation(a),
            "PreAuthentication" => b.pre_authentication(a),
            "PostAuthentication" => b.post_authentication(a),
            "DefineAuthChallenge" => b.define_auth_challenge(a),
            "CreateAuthChallenge" => b.create_auth_challenge(a),
            "VerifyAuthChallengeResponse" => b.verify_auth_challenge_response(a),
            "PreTokenGeneration" => b.pre_token_generation(a),
            "UserMigration" => b.user_migration(a),
            "PreTokenGenerationV2" => b
                .pre_token_generation(a.clone())
                .pre_token_generation_config(
                    PreTokenGenerationVersionConfigType::builder()
                        .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                        .lambda_arn(a)
                        .build()
                        .unwrap(),
                ),
            other => panic!("unknown trigger key {other}"),
        };
    }
    b.build()
}

/// A pool with these triggers that verifies emails (codes by email, sent with the
/// pool's own email account, which custom email messages need), and an app client
/// allowing password, SRP, refresh and custom sign-ins. Returns (pool, client).
async fn trigger_pool(c: &idp::Client, keys: &[&str]) -> (String, String) {
    let pool = c
        .create_user_pool()
        .pool_name("triggers")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .email_configuration(
            EmailConfigurationType::builder()
                .email_sending_account(EmailSendingAccountType::Developer)
                .source_arn("arn:aws:ses:us-east-1:000000000000:identity/noreply@example.com")
                .build(),
        )
        .lambda_config(lambda_config(keys))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPool with triggers {keys:?}: {e:?}"))
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = create_client(
        client_builder(c, &pool).explicit_auth_flows(ExplicitAuthFlowsType::AllowCustomAuth),
    )
    .await
    .client_id()
    .unwrap()
    .to_string();
    (pool, client)
}

// ---- Event assertions ----

/// The common envelope (§7.1). `client`: the app client, or None where no client
/// is involved (admin APIs), when `clientId` must be absent, null or empty.
#[track_caller]
fn envelope(ev: &Value, source: &str, pool: &str, user: &str, client: Option<&str>) {
    envelope_v(ev, "1", source, pool, user, client);
}

#[track_caller]
fn envelope_v(
    ev: &Value,
    version: &str,
    source: &str,
    pool: &str,
    user: &str,
    client: Option<&str>,
) {
    assert_eq!(ev["version"], json!(version), "version: {ev:#}");
    assert_eq!(ev["triggerSource"], json!(source), "{ev:#}");
    assert_eq!(ev["region"], json!("us-east-1"), "{ev:#}");
    assert_eq!(ev["userPoolId"], json!(pool), "{ev:#}");
    assert_eq!(ev["userName"], json!(user), "{ev:#}");
    let caller = &ev["callerContext"];
    assert!(caller["awsSdkVersion"].is_string(), "callerContext: {ev:#}");
    match client {
        Some(id) => assert_eq!(caller["clientId"], json!(id), "callerContext: {ev:#}"),
        None => assert!(
            caller["clientId"].as_str().unwrap_or_default().is_empty(),
            "no app client is involved: {ev:#}"
        ),
    }
    assert!(ev["request"].is_object(), "{ev:#}");
    assert!(ev["response"].is_object(), "{ev:#}");
}

/// `request.userAttributes`, which must be a map of strings.
#[track_caller]
fn user_attrs(ev: &Value) -> &serde_json::Map<String, Value> {
    let attrs = ev["request"]["userAttributes"]
        .as_object()
        .unwrap_or_else(|| panic!("no request.userAttributes: {ev:#}"));
    for (k, v) in attrs {
        assert!(v.is_string(), "userAttributes.{k} is not a string: {ev:#}");
    }
    attrs
}

/// `userAttributes` of a user that exists: its attributes plus `sub` and `cognito:user_status`.
#[track_caller]
fn existing_user_attrs(ev: &Value, status: &str, sub: &str) {
    let attrs = user_attrs(ev);
    assert_eq!(
        attrs.get("cognito:user_status"),
        Some(&json!(status)),
        "{ev:#}"
    );
    assert_eq!(attrs.get("sub"), Some(&json!(sub)), "{ev:#}");
}

/// A request map field that the caller did not send: absent, null or empty.
#[track_caller]
fn no_map(ev: &Value, field: &str) {
    let v = &ev["request"][field];
    assert!(
        v.is_null() || v.as_object().is_some_and(|m| m.is_empty()),
        "request.{field} should not be sent here: {ev:#}"
    );
}

async fn sub_of(c: &idp::Client, pool: &str, user: &str) -> String {
    user_attr(c, pool, user, "sub").await.expect("sub")
}

async fn user_count(c: &idp::Client, pool: &str) -> usize {
    c.list_users()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .users()
        .len()
}

#[track_caller]
fn user_not_found<T: std::fmt::Debug, E: ProvideErrorMetadata>(r: Result<T, E>) {
    expect_code(r, "UserNotFoundException");
}

/// SignUp with an email, ValidationData and ClientMetadata.
async fn sign_up_with(
    c: &idp::Client,
    client: &str,
    username: &str,
    email: &str,
) -> Result<
    idp::operation::sign_up::SignUpOutput,
    idp::error::SdkError<idp::operation::sign_up::SignUpError>,
> {
    c.sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attribute("email", email))
        .validation_data(attribute("captcha", "ok"))
        .client_metadata("campaign", "spring")
        .send()
        .await
}

// ---- SignUp, confirmation, AdminCreateUser, ForgotPassword ----

each_backend!(sign_up_then_confirm, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = ["PreSignUp", "CustomMessage", "PostConfirmation"];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    hook.on(
        "CustomMessage_SignUp",
        Reply::Respond(json!({
            "emailSubject": "Welcome to Example",
            "emailMessage": "Hello! Your Example code is {####}. It expires in a day.",
        })),
    );

    let out = sign_up_with(&c, &client, "alice", "alice@example.com")
        .await
        .unwrap();
    assert!(!out.user_confirmed());
    assert!(out.code_delivery_details().is_some(), "{out:?}");
    let sub = out.user_sub().to_string();
    let events = hook.take();
    assert_eq!(
        sources(&events),
        ["PreSignUp_SignUp", "CustomMessage_SignUp"],
        "{events:#?}"
    );

    let pre = &events[0];
    envelope(pre, "PreSignUp_SignUp", &pool, "alice", Some(&client));
    assert_eq!(
        user_attrs(pre).get("email"),
        Some(&json!("alice@example.com"))
    );
    assert_eq!(pre["request"]["validationData"], json!({"captcha": "ok"}));
    assert_eq!(
        pre["request"]["clientMetadata"],
        json!({"campaign": "spring"})
    );
    assert_eq!(
        pre["response"],
        json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}),
        "the response PreSignUp receives"
    );

    let msg = &events[1];
    envelope(msg, "CustomMessage_SignUp", &pool, "alice", Some(&client));
    existing_user_attrs(msg, "UNCONFIRMED", &sub);
    assert_eq!(
        user_attrs(msg).get("email"),
        Some(&json!("alice@example.com"))
    );
    assert_eq!(msg["request"]["codeParameter"], json!("{####}"));
    assert!(
        msg["request"]["usernameParameter"].is_null(),
        "usernameParameter is only for AdminCreateUser: {msg:#}"
    );
    assert_eq!(
        msg["request"]["clientMetadata"],
        json!({"campaign": "spring"})
    );

    // The custom text is what was sent, with the code filled in.
    let sent = messages(&ts, &pool, "alice").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let body = sent[0]["body"].as_str().unwrap();
    let code = code_in(body).expect("a code");
    assert_eq!(
        body,
        format!("Hello! Your Example code is {code}. It expires in a day.")
    );
    assert_eq!(sent[0]["subject"], json!("Welcome to Example"));

    c.confirm_sign_up()
        .client_id(&client)
        .username("alice")
        .confirmation_code(&code)
        .client_metadata("step", "confirm")
        .send()
        .await
        .unwrap();
    let events = hook.take();
    assert_eq!(sources(&events), ["PostConfirmation_ConfirmSignUp"]);
    let post = &events[0];
    envelope(
        post,
        "PostConfirmation_ConfirmSignUp",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(post, "CONFIRMED", &sub);
    assert_eq!(user_attrs(post).get("email_verified"), Some(&json!("true")));
    assert_eq!(
        post["request"]["clientMetadata"],
        json!({"step": "confirm"})
    );
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
});

each_backend!(sign_up_auto_confirm, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = ["PreSignUp", "CustomMessage", "PostConfirmation"];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    hook.on(
        "PreSignUp_SignUp",
        Reply::Respond(json!({"autoConfirmUser": true, "autoVerifyEmail": true})),
    );

    let out = sign_up_with(&c, &client, "alice", "alice@example.com")
        .await
        .unwrap();
    assert!(out.user_confirmed(), "{out:?}");
    assert!(out.code_delivery_details().is_none(), "no code: {out:?}");
    let sub = out.user_sub().to_string();
    let events = hook.take();
    assert_eq!(
        sources(&events),
        ["PreSignUp_SignUp", "PostConfirmation_ConfirmSignUp"],
        "no CustomMessage: nothing is sent"
    );
    let post = &events[1];
    envelope(
        post,
        "PostConfirmation_ConfirmSignUp",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(post, "CONFIRMED", &sub);
    assert_eq!(user_attrs(post).get("email_verified"), Some(&json!("true")));
    assert_eq!(
        post["request"]["clientMetadata"],
        json!({"campaign": "spring"})
    );
    assert!(messages(&ts, &pool, "alice").await.is_empty());
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
    assert_eq!(
        user_attr(&c, &pool, "alice", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );
    // Signed up and confirmed: the password works right away.
    sign_in(&c, &client, "alice", PASSWORD).await;

    // autoVerifyEmail alone verifies the email but does not confirm the user.
    hook.on(
        "PreSignUp_SignUp",
        Reply::Respond(json!({"autoConfirmUser": false, "autoVerifyEmail": true})),
    );
    let out = sign_up_with(&c, &client, "bob", "bob@example.com")
        .await
        .unwrap();
    assert!(!out.user_confirmed());
    assert_eq!(status_of(&c, &pool, "bob").await, "UNCONFIRMED");
    assert_eq!(
        user_attr(&c, &pool, "bob", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );
    assert!(
        !hook
            .take_sources()
            .contains(&"PostConfirmation_ConfirmSignUp".to_string())
    );
});

each_backend!(pre_sign_up_rejection, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = ["PreSignUp", "CustomMessage", "PostConfirmation"];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    hook.on("PreSignUp_SignUp", Reply::Fail("Not allowed."));
    hook.on("PreSignUp_AdminCreateUser", Reply::Fail("Not allowed."));

    let message = expect_code(
        sign_up_with(&c, &client, "alice", "alice@example.com").await,
        "UserLambdaValidationException",
    );
    // Exactly one period appended to the handler's message.
    assert_eq!(message, "PreSignUp failed with error Not allowed..");
    assert_eq!(hook.take_sources(), ["PreSignUp_SignUp"]);
    user_not_found(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await,
    );
    assert!(messages(&ts, &pool, "alice").await.is_empty());

    let message = expect_code(
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("bob")
            .user_attributes(attribute("email", "bob@example.com"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await,
        "UserLambdaValidationException",
    );
    assert_eq!(message, "PreSignUp failed with error Not allowed..");
    assert_eq!(hook.take_sources(), ["PreSignUp_AdminCreateUser"]);
    assert_eq!(user_count(&c, &pool).await, 0);
    assert!(messages(&ts, &pool, "bob").await.is_empty());
});

each_backend!(
    admin_create_user_invitation,
    |backend: Backend| async move {
        let hook = Hook::start().await;
        let keys = ["PreSignUp", "CustomMessage", "PostConfirmation"];
        let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
            return;
        };
        let c = ts.idp();
        let (pool, _client) = trigger_pool(&c, &keys).await;
        // PreSignUp's flags are ignored for AdminCreateUser.
        hook.on(
            "PreSignUp_AdminCreateUser",
            Reply::Respond(json!({"autoConfirmUser": true, "autoVerifyEmail": true})),
        );
        hook.on(
            "CustomMessage_AdminCreateUser",
            Reply::With(Arc::new(|ev: &Value| {
                let user = ev["request"]["usernameParameter"].as_str().unwrap_or("?");
                let code = ev["request"]["codeParameter"].as_str().unwrap_or("?");
                json!({
                    "emailSubject": "Your new account",
                    "emailMessage": format!("Sign in as {user} with the temporary password {code}"),
                })
            })),
        );

        let temp = "Temp-Passw0rd!";
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("bob")
            .temporary_password(temp)
            .user_attributes(attribute("email", "bob@example.com"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .validation_data(attribute("source", "admin-console"))
            .client_metadata("inviter", "carol")
            .send()
            .await
            .unwrap();
        let sub = sub_of(&c, &pool, "bob").await;
        let events = hook.take();
        assert_eq!(
            sources(&events),
            ["PreSignUp_AdminCreateUser", "CustomMessage_AdminCreateUser"]
        );
        let pre = &events[0];
        envelope(pre, "PreSignUp_AdminCreateUser", &pool, "bob", None);
        assert_eq!(
            user_attrs(pre).get("email"),
            Some(&json!("bob@example.com"))
        );
        assert_eq!(
            pre["request"]["validationData"],
            json!({"source": "admin-console"})
        );
        assert_eq!(
            pre["request"]["clientMetadata"],
            json!({"inviter": "carol"})
        );

        let msg = &events[1];
        envelope(msg, "CustomMessage_AdminCreateUser", &pool, "bob", None);
        existing_user_attrs(msg, "FORCE_CHANGE_PASSWORD", &sub);
        assert_eq!(msg["request"]["usernameParameter"], json!("{username}"));
        assert_eq!(msg["request"]["codeParameter"], json!("{####}"));
        assert_eq!(
            msg["request"]["clientMetadata"],
            json!({"inviter": "carol"})
        );

        let sent = messages(&ts, &pool, "bob").await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(
            sent[0]["body"],
            json!(format!("Sign in as bob with the temporary password {temp}"))
        );
        assert_eq!(sent[0]["subject"], json!("Your new account"));
        assert_eq!(status_of(&c, &pool, "bob").await, "FORCE_CHANGE_PASSWORD");
        assert_eq!(user_attr(&c, &pool, "bob", "email_verified").await, None);

        // An answer without the {username} placeholder silently keeps the default invitation.
        hook.on(
            "CustomMessage_AdminCreateUser",
            Reply::Respond(json!({"emailMessage": "Your password is {####}"})),
        );
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("dave")
            .temporary_password(temp)
            .user_attributes(attribute("email", "dave@example.com"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await
            .unwrap();
        let sent = messages(&ts, &pool, "dave").await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        let body = sent[0]["body"].as_str().unwrap();
        assert_ne!(body, format!("Your password is {temp}"));
        assert!(body.contains("dave") && body.contains(temp), "{body}");
    }
);

each_backend!(
    forgot_password_messages_and_confirmation,
    |backend: Backend| async move {
        let hook = Hook::start().await;
        let keys = ["CustomMessage", "PostConfirmation"];
        let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
            return;
        };
        let c = ts.idp();
        let (pool, client) = trigger_pool(&c, &keys).await;
        confirmed_user(
            &c,
            &pool,
            "alice",
            &[("email", "alice@example.com"), ("email_verified", "true")],
        )
        .await;
        let sub = sub_of(&c, &pool, "alice").await;
        assert_eq!(
            hook.take_sources(),
            Vec::<String>::new(),
            "SUPPRESS sends nothing"
        );
        hook.on(
            "CustomMessage_ForgotPassword",
            Reply::Respond(json!({
                "emailSubject": "Reset",
                "emailMessage": "Use {####} to choose a new password.",
            })),
        );

        c.forgot_password()
            .client_id(&client)
            .username("alice")
            .client_metadata("origin", "web")
            .send()
            .await
            .unwrap();
        let events = hook.take();
        assert_eq!(sources(&events), ["CustomMessage_ForgotPassword"]);
        envelope(
            &events[0],
            "CustomMessage_ForgotPassword",
            &pool,
            "alice",
            Some(&client),
        );
        existing_user_attrs(&events[0], "CONFIRMED", &sub);
        assert_eq!(events[0]["request"]["codeParameter"], json!("{####}"));
        assert_eq!(
            events[0]["request"]["clientMetadata"],
            json!({"origin": "web"})
        );
        let sent = messages(&ts, &pool, "alice").await;
        let body = sent[0]["body"].as_str().unwrap();
        let code = code_in(body).expect("a code");
        assert_eq!(body, format!("Use {code} to choose a new password."));
        assert_eq!(sent[0]["subject"], json!("Reset"));

        c.confirm_forgot_password()
            .client_id(&client)
            .username("alice")
            .confirmation_code(&code)
            .password(NEW_PASSWORD)
            .client_metadata("origin", "web")
            .send()
            .await
            .unwrap();
        let events = hook.take();
        assert_eq!(sources(&events), ["PostConfirmation_ConfirmForgotPassword"]);
        envelope(
            &events[0],
            "PostConfirmation_ConfirmForgotPassword",
            &pool,
            "alice",
            Some(&client),
        );
        existing_user_attrs(&events[0], "CONFIRMED", &sub);
        assert_eq!(
            events[0]["request"]["clientMetadata"],
            json!({"origin": "web"})
        );
        sign_in(&c, &client, "alice", NEW_PASSWORD).await;
    }
);

// ---- Sign-in: Pre/PostAuthentication and PreTokenGeneration ----

each_backend!(device_sign_in_token_source, |backend: Backend| async move {
    use crate::devices::{ClientDevice, DEVICE_PASSWORD, sign_in_with};
    let hook = Hook::start().await;
    let keys = ["PostAuthentication", "PreTokenGeneration"];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("device-triggers")
        .lambda_config(lambda_config(&keys))
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(false)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = signin_client(&c, &pool).await;
    confirmed_user(&c, &pool, "alice", &[]).await;

    // A new device: PostAuthentication says so.
    let out = sign_in_with(&c, &client, None).await;
    let result = out.authentication_result().unwrap();
    let device = ClientDevice::of(result);
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication"
        ]
    );
    assert_eq!(events[0]["request"]["newDeviceUsed"], json!(true));
    assert!(!device.confirm(&c, result.access_token().unwrap()).await);

    // Device authentication: the tokens come from TokenGeneration_AuthenticateDevice.
    hook.on(
        "TokenGeneration_AuthenticateDevice",
        Reply::Respond(
            json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"via": "device"}}}),
        ),
    );
    let out = sign_in_with(&c, &client, Some(&device.key)).await;
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth)
    );
    let done = device
        .device_srp(&c, &client, out.session(), DEVICE_PASSWORD)
        .await
        .unwrap();
    let tokens = Tokens::of(done.authentication_result());
    assert_eq!(claims(&tokens.id)["via"], "device");
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "PostAuthentication_Authentication",
            "TokenGeneration_AuthenticateDevice"
        ]
    );
    assert_eq!(events[0]["request"]["newDeviceUsed"], json!(false));
    envelope(
        &events[1],
        "TokenGeneration_AuthenticateDevice",
        &pool,
        "alice",
        Some(&client),
    );
});

each_backend!(password_sign_in_chain, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = [
        "PreAuthentication",
        "PostAuthentication",
        "PreTokenGeneration",
    ];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    confirmed_user(&c, &pool, "alice", &[("email", "alice@example.com")]).await;
    let sub = sub_of(&c, &pool, "alice").await;

    let out = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .client_metadata("device", "kiosk-7")
        .send()
        .await
        .unwrap();
    let tokens = Tokens::of(out.authentication_result());
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication"
        ]
    );
    let pre = &events[0];
    envelope(
        pre,
        "PreAuthentication_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(pre, "CONFIRMED", &sub);
    // InitiateAuth's ClientMetadata reaches PreAuthentication as validationData (§7.4) ...
    assert_eq!(
        pre["request"]["validationData"],
        json!({"device": "kiosk-7"})
    );
    let post = &events[1];
    envelope(
        post,
        "PostAuthentication_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(post, "CONFIRMED", &sub);
    assert_eq!(post["request"]["newDeviceUsed"], json!(false));
    let gen_ = &events[2];
    envelope(
        gen_,
        "TokenGeneration_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(gen_, "CONFIRMED", &sub);
    assert!(
        gen_["request"]["groupConfiguration"]["groupsToOverride"].is_array(),
        "{gen_:#}"
    );
    // ... and to no other trigger of the call.
    for ev in &events[1..] {
        no_map(ev, "clientMetadata");
        no_map(ev, "validationData");
    }

    // Refresh: only PreTokenGeneration, and what it returns is applied.
    hook.on(
        "TokenGeneration_RefreshTokens",
        Reply::Respond(
            json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"refreshed": "yes"}}}),
        ),
    );
    let out = refresh(&c, &client, tokens.refresh()).await.unwrap();
    let events = hook.take();
    assert_eq!(sources(&events), ["TokenGeneration_RefreshTokens"]);
    envelope(
        &events[0],
        "TokenGeneration_RefreshTokens",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(&events[0], "CONFIRMED", &sub);
    let id = claims(out.authentication_result().unwrap().id_token().unwrap());
    assert_eq!(id["refreshed"], json!("yes"));
});

each_backend!(authentication_rejections, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = [
        "PreAuthentication",
        "PostAuthentication",
        "PreTokenGeneration",
    ];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    confirmed_user(&c, &pool, "alice", &[]).await;

    hook.on(
        "PreAuthentication_Authentication",
        Reply::Fail("Sign-in is blocked."),
    );
    let message = expect_code(
        password_auth(&c, &client, "alice", PASSWORD).await,
        "UserLambdaValidationException",
    );
    assert_eq!(
        message,
        "PreAuthentication failed with error Sign-in is blocked.."
    );
    assert_eq!(
        hook.take_sources(),
        ["PreAuthentication_Authentication"],
        "no tokens"
    );

    hook.on(
        "PreAuthentication_Authentication",
        Reply::Respond(json!({})),
    );
    hook.on(
        "PostAuthentication_Authentication",
        Reply::Fail("Audit log unavailable."),
    );
    let message = expect_code(
        password_auth(&c, &client, "alice", PASSWORD).await,
        "UserLambdaValidationException",
    );
    assert_eq!(
        message,
        "PostAuthentication failed with error Audit log unavailable.."
    );
    assert_eq!(
        hook.take_sources(),
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication"
        ],
        "no tokens are generated"
    );
});

each_backend!(
    new_password_required_token_source,
    |backend: Backend| async move {
        let hook = Hook::start().await;
        let keys = ["PostAuthentication", "PreTokenGeneration"];
        let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
            return;
        };
        let c = ts.idp();
        let (pool, client) = trigger_pool(&c, &keys).await;
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("bob")
            .temporary_password("Temp-Passw0rd!")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let out = password_auth(&c, &client, "bob", "Temp-Passw0rd!")
            .await
            .unwrap();
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::NewPasswordRequired)
        );
        assert_eq!(hook.take_sources(), Vec::<String>::new(), "no tokens yet");
        let out = c
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .set_session(out.session().map(str::to_string))
            .challenge_responses("USERNAME", "bob")
            .challenge_responses("NEW_PASSWORD", NEW_PASSWORD)
            .client_metadata("step", "new-password")
            .send()
            .await
            .unwrap();
        Tokens::of(out.authentication_result());
        let events = hook.take();
        assert_eq!(
            sources(&events),
            [
                "PostAuthentication_Authentication",
                "TokenGeneration_NewPasswordChallenge"
            ]
        );
        let sub = sub_of(&c, &pool, "bob").await;
        envelope(
            &events[1],
            "TokenGeneration_NewPasswordChallenge",
            &pool,
            "bob",
            Some(&client),
        );
        existing_user_attrs(&events[1], "CONFIRMED", &sub);
        // RespondToAuthChallenge's ClientMetadata reaches PostAuthentication and PreTokenGeneration.
        for ev in &events {
            assert_eq!(
                ev["request"]["clientMetadata"],
                json!({"step": "new-password"}),
                "{ev:#}"
            );
        }
    }
);

each_backend!(
    pre_token_generation_v1_claims,
    |backend: Backend| async move {
        let hook = Hook::start().await;
        let keys = ["PreTokenGeneration"];
        let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
            return;
        };
        let c = ts.idp();
        let (pool, client) = trigger_pool(&c, &keys).await;
        confirmed_user(
            &c,
            &pool,
            "alice",
            &[("given_name", "Alice"), ("family_name", "Smith")],
        )
        .await;
        let before = sign_in(&c, &client, "alice", PASSWORD).await;
        let before_id = claims(&before.id);
        assert_eq!(before_id["family_name"], json!("Smith"));
        let events = hook.take();
        assert_eq!(sources(&events), ["TokenGeneration_Authentication"]);
        assert_eq!(
            events[0]["response"],
            json!({"claimsOverrideDetails": null})
        );

        hook.on(
            "TokenGeneration_Authentication",
            Reply::Respond(json!({"claimsOverrideDetails": {
                "claimsToAddOrOverride": {
                    "tenant": "acme",
                    "given_name": "Alicia",
                    "sub": "forged-sub",
                    "iss": "https://issuer.invalid",
                    "aud": "forged-audience",
                    "token_use": "access",
                    "cognito:username": "mallory",
                },
                "claimsToSuppress": ["family_name", "sub", "iss", "aud", "token_use"],
            }})),
        );
        let t = sign_in(&c, &client, "alice", PASSWORD).await;
        let id = claims(&t.id);
        assert_eq!(id["tenant"], json!("acme"));
        assert_eq!(id["given_name"], json!("Alicia"));
        assert!(id.get("family_name").is_none(), "suppressed: {id:#}");
        // Protected claims can be neither overridden nor suppressed.
        for claim in ["sub", "iss", "aud", "token_use", "cognito:username"] {
            assert_eq!(id[claim], before_id[claim], "{claim} changed: {id:#}");
        }
        assert_eq!(id["token_use"], json!("id"));
        assert_eq!(id["aud"], json!(client));
        // V1 edits the ID token only.
        let access = claims(&t.access);
        assert!(access.get("tenant").is_none(), "{access:#}");
        assert_eq!(access["token_use"], json!("access"));
    }
);

each_backend!(pre_token_generation_v2, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = ["PreTokenGenerationV2"];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    confirmed_user(&c, &pool, "alice", &[("email", "alice@example.com")]).await;
    hook.on(
        "TokenGeneration_Authentication",
        Reply::Respond(json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}},
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {
                    "tenant": "acme",
                    "roles": ["reader", "writer"],
                    "client_id": "forged",
                    "token_use": "id",
                    "sub": "forged-sub",
                },
                "claimsToSuppress": [],
                "scopesToAdd": ["myapi/read"],
            },
        }})),
    );
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let calls = hook.take_calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let (function, ev) = &calls[0];
    assert_eq!(function, "PreTokenGenerationV2");
    envelope_v(
        ev,
        "2",
        "TokenGeneration_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    let scopes = ev["request"]["scopes"]
        .as_array()
        .expect("request.scopes (V2)");
    assert!(
        scopes.contains(&json!("aws.cognito.signin.user.admin")),
        "{ev:#}"
    );
    assert!(
        ev["response"]
            .get("claimsAndScopeOverrideDetails")
            .is_some(),
        "{ev:#}"
    );

    let sub = sub_of(&c, &pool, "alice").await;
    let access = claims(&t.access);
    assert_eq!(access["tenant"], json!("acme"));
    assert_eq!(
        access["roles"],
        json!(["reader", "writer"]),
        "V2 values keep their JSON type"
    );
    assert_eq!(access["client_id"], json!(client));
    assert_eq!(access["token_use"], json!("access"));
    assert_eq!(access["sub"], json!(sub));
    let scope: Vec<&str> = access["scope"].as_str().unwrap().split(' ').collect();
    assert!(scope.contains(&"myapi/read"), "{scope:?}");
    assert!(
        scope.contains(&"aws.cognito.signin.user.admin"),
        "{scope:?}"
    );
    assert!(access.get("tier").is_none(), "{access:#}");
    let id = claims(&t.id);
    assert_eq!(id["tier"], json!("gold"));
    assert!(id.get("tenant").is_none(), "{id:#}");
});

// ---- UserMigration ----

const LEGACY_PASSWORD: &str = "legacy-pw";

/// A migration handler that knows `legacy.*` users with [`LEGACY_PASSWORD`].
fn migration_reply() -> Reply {
    Reply::With(Arc::new(|ev: &Value| {
        let user = ev["userName"].as_str().unwrap_or_default();
        let email = format!("{}@legacy.example", user.trim_start_matches("legacy."));
        let known = user.starts_with("legacy.");
        match ev["triggerSource"].as_str() {
            Some("UserMigration_Authentication")
                if known && ev["request"]["password"] == json!(LEGACY_PASSWORD) =>
            {
                json!({
                    "userAttributes": {"email": email, "email_verified": "true", "name": "Legacy User"},
                    "finalUserStatus": "CONFIRMED",
                    "messageAction": "SUPPRESS",
                })
            }
            Some("UserMigration_ForgotPassword") if known => json!({
                "userAttributes": {"email": email, "email_verified": "true"},
                "messageAction": "SUPPRESS",
            }),
            _ => json!({}),
        }
    }))
}

each_backend!(user_migration_on_sign_in, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = ["UserMigration"];
    let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    hook.on("UserMigration_Authentication", migration_reply());

    // Unknown here, known to the legacy system: created CONFIRMED and signed in,
    // with a password the pool's policy would refuse.
    let out = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "legacy.alice")
        .auth_parameters("PASSWORD", LEGACY_PASSWORD)
        .client_metadata("app", "mobile")
        .send()
        .await
        .unwrap();
    let t = Tokens::of(out.authentication_result());
    let events = hook.take();
    assert_eq!(sources(&events), ["UserMigration_Authentication"]);
    let ev = &events[0];
    envelope(
        ev,
        "UserMigration_Authentication",
        &pool,
        "legacy.alice",
        Some(&client),
    );
    assert_eq!(ev["request"]["password"], json!(LEGACY_PASSWORD));
    assert_eq!(ev["request"]["validationData"], json!({"app": "mobile"}));
    assert_eq!(status_of(&c, &pool, "legacy.alice").await, "CONFIRMED");
    assert_eq!(
        user_attr(&c, &pool, "legacy.alice", "email")
            .await
            .as_deref(),
        Some("alice@legacy.example")
    );
    assert_eq!(
        user_attr(&c, &pool, "legacy.alice", "name")
            .await
            .as_deref(),
        Some("Legacy User")
    );
    let id = claims(&t.id);
    assert_eq!(id["cognito:username"], json!("legacy.alice"));
    assert_eq!(id["sub"], json!(sub_of(&c, &pool, "legacy.alice").await));

    // The user now lives here: no migration on the next sign-in.
    sign_in(&c, &client, "legacy.alice", LEGACY_PASSWORD).await;
    assert_eq!(
        hook.take_sources(),
        Vec::<String>::new(),
        "the handler is not called again"
    );
    expect_code(
        password_auth(&c, &client, "legacy.alice", "Wrong-Passw0rd!").await,
        "NotAuthorizedException",
    );
    assert_eq!(hook.take_sources(), Vec::<String>::new());

    // An empty answer (wrong legacy password, unknown user) is "no such user".
    user_not_found(password_auth(&c, &client, "legacy.bob", "not-it").await);
    user_not_found(password_auth(&c, &client, "stranger", LEGACY_PASSWORD).await);
    assert_eq!(
        hook.take_sources(),
        [
            "UserMigration_Authentication",
            "UserMigration_Authentication"
        ]
    );
    assert_eq!(user_count(&c, &pool).await, 1);
});

each_backend!(
    user_migration_on_forgot_password,
    |backend: Backend| async move {
        let hook = Hook::start().await;
        let keys = ["UserMigration", "CustomMessage"];
        let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
            return;
        };
        let c = ts.idp();
        let (pool, client) = trigger_pool(&c, &keys).await;
        hook.on("UserMigration_ForgotPassword", migration_reply());

        c.forgot_password()
            .client_id(&client)
            .username("legacy.bob")
            .client_metadata("app", "web")
            .send()
            .await
            .unwrap();
        let events = hook.take();
        assert_eq!(
            sources(&events),
            [
                "UserMigration_ForgotPassword",
                "CustomMessage_ForgotPassword"
            ]
        );
        let ev = &events[0];
        envelope(
            ev,
            "UserMigration_ForgotPassword",
            &pool,
            "legacy.bob",
            Some(&client),
        );
        assert!(
            ev["request"].get("password").is_none_or(Value::is_null),
            "{ev:#}"
        );
        assert_eq!(ev["request"]["clientMetadata"], json!({"app": "web"}));
        // Without finalUserStatus the migrated user must reset the password.
        assert_eq!(status_of(&c, &pool, "legacy.bob").await, "RESET_REQUIRED");
        let sub = sub_of(&c, &pool, "legacy.bob").await;
        existing_user_attrs(&events[1], "RESET_REQUIRED", &sub);

        let code = latest_code(&ts, &pool, "legacy.bob").await;
        c.confirm_forgot_password()
            .client_id(&client)
            .username("legacy.bob")
            .confirmation_code(&code)
            .password(NEW_PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(status_of(&c, &pool, "legacy.bob").await, "CONFIRMED");
        sign_in(&c, &client, "legacy.bob", NEW_PASSWORD).await;
        assert_eq!(
            hook.take_sources(),
            Vec::<String>::new(),
            "no second migration"
        );
    }
);

// ---- CUSTOM_AUTH ----

fn challenge_result(ev: &Value, i: usize) -> (String, bool, Value) {
    let s = &ev["request"]["session"][i];
    (
        s["challengeName"].as_str().unwrap_or_default().to_string(),
        s["challengeResult"]
            .as_bool()
            .expect("challengeResult is a boolean"),
        s["challengeMetadata"].clone(),
    )
}

fn session_len(ev: &Value) -> usize {
    ev["request"]["session"]
        .as_array()
        .unwrap_or_else(|| panic!("request.session is not an array: {ev:#}"))
        .len()
}

/// DefineAuthChallenge as AWS documents it: SRP_A → PASSWORD_VERIFIER; a good
/// password or nothing yet → CUSTOM_CHALLENGE; a right answer → tokens; three
/// wrong answers (or a wrong password) → fail.
fn define_reply() -> Reply {
    Reply::With(Arc::new(|ev: &Value| {
        let session = ev["request"]["session"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let last = session.last();
        let name = |s: &Value| s["challengeName"].as_str().unwrap_or_default().to_string();
        let ok = |s: &Value| s["challengeResult"] == json!(true);
        let wrong = session
            .iter()
            .filter(|s| name(s) == "CUSTOM_CHALLENGE" && !ok(s))
            .count();
        let next = |challenge: &str| json!({"challengeName": challenge, "issueTokens": false, "failAuthentication": false});
        let fail = json!({"issueTokens": false, "failAuthentication": true});
        match last {
            None => next("CUSTOM_CHALLENGE"),
            Some(s) if name(s) == "SRP_A" => next("PASSWORD_VERIFIER"),
            Some(s) if name(s) == "PASSWORD_VERIFIER" && ok(s) => next("CUSTOM_CHALLENGE"),
            Some(s) if name(s) == "CUSTOM_CHALLENGE" && ok(s) => {
                json!({"issueTokens": true, "failAuthentication": false})
            }
            Some(s) if name(s) == "CUSTOM_CHALLENGE" && wrong < 3 => next("CUSTOM_CHALLENGE"),
            _ => fail,
        }
    }))
}

/// CreateAuthChallenge: a colour question; the answer is private.
fn create_reply() -> Reply {
    Reply::Respond(json!({
        "publicChallengeParameters": {"question": "Favourite colour?"},
        "privateChallengeParameters": {"answer": "ultramarine"},
        "challengeMetadata": "COLOUR-QUESTION",
    }))
}

/// VerifyAuthChallengeResponse: compares with the private answer.
fn verify_reply() -> Reply {
    Reply::With(Arc::new(|ev: &Value| {
        json!({"answerCorrect":
            ev["request"]["challengeAnswer"] == ev["request"]["privateChallengeParameters"]["answer"]})
    }))
}

const CUSTOM_KEYS: [&str; 5] = [
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PostAuthentication",
    "PreTokenGeneration",
];

async fn custom_setup(backend: Backend) -> Option<(Hook, TestServer, String, String, String)> {
    let hook = Hook::start().await;
    let ts = start_server(backend, &hook, &CUSTOM_KEYS, &[]).await?;
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &CUSTOM_KEYS).await;
    confirmed_user(&c, &pool, "alice", &[("email", "alice@example.com")]).await;
    let sub = sub_of(&c, &pool, "alice").await;
    hook.on("DefineAuthChallenge_Authentication", define_reply());
    hook.on("CreateAuthChallenge_Authentication", create_reply());
    hook.on("VerifyAuthChallengeResponse_Authentication", verify_reply());
    Some((hook, ts, pool, client, sub))
}

/// The CUSTOM_CHALLENGE of an answer that must be one: (parameters, session).
#[track_caller]
fn custom_challenge(
    name: Option<&ChallengeNameType>,
    params: Option<&HashMap<String, String>>,
    session: Option<&str>,
) -> (HashMap<String, String>, String) {
    assert_eq!(name, Some(&ChallengeNameType::CustomChallenge));
    let params = params.cloned().unwrap_or_default();
    assert_eq!(
        params.get("question").map(String::as_str),
        Some("Favourite colour?")
    );
    assert_eq!(params.get("USERNAME").map(String::as_str), Some("alice"));
    assert!(
        !params.contains_key("answer") && !params.values().any(|v| v.contains("ultramarine")),
        "private challenge parameters leaked: {params:?}"
    );
    (params, session.expect("a Session").to_string())
}

async fn answer_custom(
    c: &idp::Client,
    client: &str,
    session: &str,
    answer: &str,
) -> RespondResult {
    c.respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(session)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("ANSWER", answer)
        .client_metadata("round", "answer")
        .send()
        .await
}

each_backend!(custom_auth_loop, |backend: Backend| async move {
    let Some((hook, ts, pool, client, sub)) = custom_setup(backend).await else {
        return;
    };
    let c = ts.idp();

    let out = c
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "alice")
        .send()
        .await
        .unwrap();
    assert!(out.authentication_result().is_none());
    let (_, session) = custom_challenge(
        out.challenge_name(),
        out.challenge_parameters(),
        out.session(),
    );
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication"
        ]
    );
    let define = &events[0];
    envelope(
        define,
        "DefineAuthChallenge_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(define, "CONFIRMED", &sub);
    assert_eq!(define["request"]["session"], json!([]));
    assert_eq!(define["request"]["userNotFound"], json!(false));
    let create = &events[1];
    envelope(
        create,
        "CreateAuthChallenge_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(create, "CONFIRMED", &sub);
    assert_eq!(
        create["request"]["challengeName"],
        json!("CUSTOM_CHALLENGE")
    );
    assert_eq!(create["request"]["session"], json!([]));

    // A wrong answer: Verify says no, Define asks again, a new challenge and Session.
    let out = answer_custom(&c, &client, &session, "crimson")
        .await
        .unwrap();
    assert!(out.authentication_result().is_none());
    let (_, session2) = custom_challenge(
        out.challenge_name(),
        out.challenge_parameters(),
        out.session(),
    );
    assert_ne!(session2, session);
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication"
        ]
    );
    let verify = &events[0];
    envelope(
        verify,
        "VerifyAuthChallengeResponse_Authentication",
        &pool,
        "alice",
        Some(&client),
    );
    existing_user_attrs(verify, "CONFIRMED", &sub);
    assert_eq!(verify["request"]["challengeAnswer"], json!("crimson"));
    assert_eq!(
        verify["request"]["privateChallengeParameters"],
        json!({"answer": "ultramarine"})
    );
    assert_eq!(
        verify["request"]["clientMetadata"],
        json!({"round": "answer"})
    );
    let define = &events[1];
    assert_eq!(session_len(define), 1);
    assert_eq!(
        challenge_result(define, 0),
        ("CUSTOM_CHALLENGE".into(), false, json!("COLOUR-QUESTION"))
    );
    assert_eq!(
        define["request"]["clientMetadata"],
        json!({"round": "answer"})
    );
    assert_eq!(
        events[2]["request"]["session"],
        define["request"]["session"]
    );

    // The spent Session can not be answered again.
    expect_code(
        answer_custom(&c, &client, &session, "ultramarine").await,
        "NotAuthorizedException",
    );
    hook.take();

    // The right answer: Verify, Define (two results), then the end of a sign-in.
    let out = answer_custom(&c, &client, &session2, "ultramarine")
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), None);
    let t = Tokens::of(out.authentication_result());
    assert_eq!(claims(&t.id)["sub"], json!(sub));
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication"
        ]
    );
    let define = &events[1];
    assert_eq!(session_len(define), 2);
    assert_eq!(
        challenge_result(define, 0),
        ("CUSTOM_CHALLENGE".into(), false, json!("COLOUR-QUESTION"))
    );
    assert_eq!(
        challenge_result(define, 1),
        ("CUSTOM_CHALLENGE".into(), true, json!("COLOUR-QUESTION"))
    );
    for ev in &events[2..] {
        envelope(
            ev,
            ev["triggerSource"].as_str().unwrap(),
            &pool,
            "alice",
            Some(&client),
        );
        assert_eq!(
            ev["request"]["clientMetadata"],
            json!({"round": "answer"}),
            "{ev:#}"
        );
    }
});

each_backend!(custom_auth_failures, |backend: Backend| async move {
    let Some((hook, ts, _pool, client, _sub)) = custom_setup(backend).await else {
        return;
    };
    let c = ts.idp();
    let start = || async {
        let out = c
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::CustomAuth)
            .auth_parameters("USERNAME", "alice")
            .send()
            .await
            .unwrap();
        custom_challenge(
            out.challenge_name(),
            out.challenge_parameters(),
            out.session(),
        )
        .1
    };

    // Three wrong answers: Define fails the sign-in.
    let mut session = start().await;
    for round in 1..=3 {
        let r = answer_custom(&c, &client, &session, "crimson").await;
        if round < 3 {
            let out = r.unwrap();
            session = custom_challenge(
                out.challenge_name(),
                out.challenge_parameters(),
                out.session(),
            )
            .1;
        } else {
            expect_code(r, "NotAuthorizedException");
        }
    }
    let events = hook.take();
    let last = events.last().unwrap();
    assert_eq!(
        last["triggerSource"],
        json!("DefineAuthChallenge_Authentication")
    );
    assert_eq!(session_len(last), 3);
    assert!(
        !sources(&events)
            .iter()
            .any(|s| s.starts_with("TokenGeneration") || s.starts_with("PostAuthentication")),
        "{events:#?}"
    );

    // failAuthentication from the start: no challenge is created.
    hook.on(
        "DefineAuthChallenge_Authentication",
        Reply::Respond(json!({"issueTokens": false, "failAuthentication": true})),
    );
    expect_code(
        initiate(
            &c,
            &client,
            AuthFlowType::CustomAuth,
            &[("USERNAME", "alice")],
        )
        .await,
        "NotAuthorizedException",
    );
    assert_eq!(hook.take_sources(), ["DefineAuthChallenge_Authentication"]);

    // A DefineAuthChallenge error is the caller's UserLambdaValidationException.
    hook.on(
        "DefineAuthChallenge_Authentication",
        Reply::Fail("No custom sign-in today."),
    );
    let message = expect_code(
        initiate(
            &c,
            &client,
            AuthFlowType::CustomAuth,
            &[("USERNAME", "alice")],
        )
        .await,
        "UserLambdaValidationException",
    );
    assert_eq!(
        message,
        "DefineAuthChallenge failed with error No custom sign-in today.."
    );
});

each_backend!(custom_auth_with_srp_a, |backend: Backend| async move {
    use base64::Engine;
    use cognate_crypto::srp::{self, client::SrpClient};
    let Some((hook, ts, pool, client, _sub)) = custom_setup(backend).await else {
        return;
    };
    let c = ts.idp();
    let a = SrpClient::new();

    let out = initiate(
        &c,
        &client,
        AuthFlowType::CustomAuth,
        &[
            ("USERNAME", "alice"),
            ("CHALLENGE_NAME", "SRP_A"),
            ("SRP_A", a.srp_a_hex()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier),
        "{out:?}"
    );
    // Define decides that the password comes first (AWS's documented example handler).
    let events = hook.take();
    assert_eq!(
        sources(&events),
        ["DefineAuthChallenge_Authentication"],
        "{events:#?}"
    );
    assert_eq!(session_len(&events[0]), 1);
    assert_eq!(
        challenge_result(&events[0], 0),
        ("SRP_A".into(), true, Value::Null)
    );

    let params = out.challenge_parameters().cloned().unwrap_or_default();
    let user_id = params["USER_ID_FOR_SRP"].clone();
    let block = &params["SECRET_BLOCK"];
    let timestamp = srp::format_timestamp(time::OffsetDateTime::now_utc());
    let pool_name = pool.split_once('_').unwrap().1;
    let signature = a
        .password_claim_signature(
            pool_name,
            &user_id,
            PASSWORD,
            &params["SALT"],
            &params["SRP_B"],
            &base64::engine::general_purpose::STANDARD
                .decode(block)
                .unwrap(),
            &timestamp,
        )
        .unwrap();
    let out = respond(
        &c,
        &client,
        ChallengeNameType::PasswordVerifier,
        out.session(),
        &[
            ("USERNAME", &user_id),
            ("PASSWORD_CLAIM_SECRET_BLOCK", block),
            ("PASSWORD_CLAIM_SIGNATURE", &signature),
            ("TIMESTAMP", &timestamp),
        ],
    )
    .await
    .unwrap();
    let (_, session) = custom_challenge(
        out.challenge_name(),
        out.challenge_parameters(),
        out.session(),
    );
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication"
        ]
    );
    let define = &events[0];
    assert_eq!(session_len(define), 2);
    assert_eq!(
        challenge_result(define, 0),
        ("SRP_A".into(), true, Value::Null)
    );
    assert_eq!(
        challenge_result(define, 1),
        ("PASSWORD_VERIFIER".into(), true, Value::Null)
    );

    let out = answer_custom(&c, &client, &session, "ultramarine")
        .await
        .unwrap();
    Tokens::of(out.authentication_result());
    let events = hook.take();
    assert_eq!(
        sources(&events),
        [
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication"
        ]
    );
    let define = &events[1];
    assert_eq!(session_len(define), 3);
    assert_eq!(
        challenge_result(define, 2),
        ("CUSTOM_CHALLENGE".into(), true, json!("COLOUR-QUESTION"))
    );
});

// ---- Error mapping (§7.3): nothing persisted ----

each_backend!(handler_timeout, |backend: Backend| async move {
    let hook = Hook::start().await;
    let keys = ["PreSignUp", "CustomMessage"];
    let Some(ts) = start_server(backend, &hook, &keys, &[("PreSignUp", 1)]).await else {
        return;
    };
    let c = ts.idp();
    let (pool, client) = trigger_pool(&c, &keys).await;
    hook.on("PreSignUp_SignUp", Reply::Sleep(Duration::from_secs(3)));
    let started = Instant::now();
    expect_code(
        sign_up_with(&c, &client, "alice", "alice@example.com").await,
        "UnexpectedLambdaException",
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    user_not_found(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await,
    );
    assert!(
        hook.take_sources().iter().all(|s| s == "PreSignUp_SignUp"),
        "nothing after the failed PreSignUp"
    );
    assert!(messages(&ts, &pool, "alice").await.is_empty());
});

each_backend!(
    handler_malformed_or_unreachable,
    |backend: Backend| async move {
        let hook = Hook::start().await;
        let keys = ["PreSignUp", "CustomMessage", "PreAuthentication"];
        let Some(ts) = TestServer::start_with(backend, {
            let mut functions: Vec<FunctionMapping> =
                keys.iter().map(|k| hook.mapping(k)).collect();
            // Nothing listens on port 1.
            functions.push(FunctionMapping::url(arn("Gone"), "http://127.0.0.1:1/gone"));
            move |c| {
                c.triggers = TriggersConfig {
                    functions,
                    ..Default::default()
                }
            }
        })
        .await
        else {
            return;
        };
        let c = ts.idp();
        let (pool, client) = trigger_pool(&c, &keys).await;

        // Not JSON.
        hook.on("PreSignUp_SignUp", Reply::Raw(200, "this is not JSON"));
        expect_code(
            sign_up_with(&c, &client, "alice", "alice@example.com").await,
            "InvalidLambdaResponseException",
        );
        assert_eq!(hook.take_sources(), ["PreSignUp_SignUp"]);
        assert_eq!(user_count(&c, &pool).await, 0);

        // JSON, but a flag of the wrong type.
        hook.on(
            "PreSignUp_SignUp",
            Reply::Respond(json!({"autoConfirmUser": "yes"})),
        );
        expect_code(
            sign_up_with(&c, &client, "alice", "alice@example.com").await,
            "InvalidLambdaResponseException",
        );
        assert_eq!(user_count(&c, &pool).await, 0);

        // A malformed CustomMessage answer undoes the sign-up: no half-created user.
        hook.on("PreSignUp_SignUp", Reply::Respond(json!({})));
        hook.on("CustomMessage_SignUp", Reply::Raw(200, "<html>oops</html>"));
        hook.take();
        expect_code(
            sign_up_with(&c, &client, "alice", "alice@example.com").await,
            "InvalidLambdaResponseException",
        );
        assert_eq!(
            hook.take_sources(),
            ["PreSignUp_SignUp", "CustomMessage_SignUp"]
        );
        assert_eq!(user_count(&c, &pool).await, 0);
        assert!(messages(&ts, &pool, "alice").await.is_empty());

        // A malformed PreAuthentication answer: no tokens.
        confirmed_user(&c, &pool, "bob", &[]).await;
        hook.on(
            "PreAuthentication_Authentication",
            Reply::Raw(200, "[1, 2, 3]"),
        );
        expect_code(
            password_auth(&c, &client, "bob", PASSWORD).await,
            "InvalidLambdaResponseException",
        );

        // A function nobody answers for.
        let gone = c
            .create_user_pool()
            .pool_name("gone")
            .lambda_config(LambdaConfigType::builder().pre_sign_up(arn("Gone")).build())
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let gone_client = new_client(&c, &gone).await;
        expect_code(
            c.sign_up()
                .client_id(&gone_client)
                .username("carol")
                .password(PASSWORD)
                .send()
                .await,
            "UnexpectedLambdaException",
        );
        assert_eq!(user_count(&c, &gone).await, 0);
    }
);

// ---- The command transport with the Node example ----

each_backend!(
    command_transport_node_example,
    |backend: Backend| async move {
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/triggers");
        let mapping = FunctionMapping::command(
            arn("pre-signup"),
            [
                "node".to_string(),
                format!("{examples}/runner.js"),
                format!("{examples}/pre-signup-auto-confirm.js"),
            ],
        );
        let Some(ts) = TestServer::start_with(backend, move |c| {
            c.triggers = TriggersConfig {
                functions: vec![mapping],
                ..Default::default()
            }
        })
        .await
        else {
            return;
        };
        let c = ts.idp();
        let pool = c
            .create_user_pool()
            .pool_name("node-presignup")
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .lambda_config(
                LambdaConfigType::builder()
                    .pre_sign_up(arn("pre-signup"))
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let client = signin_client(&c, &pool).await;

        let out = sign_up_with(&c, &client, "alice", "alice@example.com")
            .await
            .unwrap();
        assert!(out.user_confirmed(), "{out:?}");
        assert!(out.code_delivery_details().is_none());
        assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
        assert_eq!(
            user_attr(&c, &pool, "alice", "email_verified")
                .await
                .as_deref(),
            Some("true")
        );
        assert!(messages(&ts, &pool, "alice").await.is_empty());
        sign_in(&c, &client, "alice", PASSWORD).await;

        let message = expect_code(
            sign_up_with(&c, &client, "mallory", "mallory@elsewhere.test").await,
            "UserLambdaValidationException",
        );
        assert_eq!(
            message,
            "PreSignUp failed with error Registration from this domain is not allowed.."
        );
        user_not_found(
            c.admin_get_user()
                .user_pool_id(&pool)
                .username("mallory")
                .send()
                .await,
        );
    }
);

each_backend!(
    custom_message_resend_verify_and_authentication,
    |backend: Backend| async move {
        // The three CustomMessage sources the other tests leave out: ResendCode,
        // VerifyUserAttribute and Authentication (an MFA code by email). Each event
        // carries the user's attributes and `{####}`; each answer becomes the message,
        // and the code it carries works.
        let hook = Hook::start().await;
        let keys = ["CustomMessage"];
        let Some(ts) = start_server(backend, &hook, &keys, &[]).await else {
            return;
        };
        let c = ts.idp();
        let (pool, client) = trigger_pool(&c, &keys).await;
        c.sign_up()
            .client_id(&client)
            .username("erin")
            .password(PASSWORD)
            .user_attributes(attribute("email", "erin@example.com"))
            .send()
            .await
            .unwrap();
        assert_eq!(hook.take_sources(), ["CustomMessage_SignUp"]);
        let sub = sub_of(&c, &pool, "erin").await;

        // ResendConfirmationCode.
        hook.on(
            "CustomMessage_ResendCode",
            Reply::Respond(json!({
                "emailSubject": "Again",
                "emailMessage": "Your new code is {####}.",
            })),
        );
        c.resend_confirmation_code()
            .client_id(&client)
            .username("erin")
            .client_metadata("step", "resend")
            .send()
            .await
            .unwrap();
        let events = hook.take();
        assert_eq!(sources(&events), ["CustomMessage_ResendCode"]);
        envelope(
            &events[0],
            "CustomMessage_ResendCode",
            &pool,
            "erin",
            Some(&client),
        );
        existing_user_attrs(&events[0], "UNCONFIRMED", &sub);
        assert_eq!(events[0]["request"]["codeParameter"], json!("{####}"));
        assert_eq!(
            events[0]["request"]["clientMetadata"],
            json!({"step": "resend"})
        );
        let (body, subject, code) = newest_message(&ts, &pool, "erin").await;
        assert_eq!(body, format!("Your new code is {code}."), "the resent code");
        assert_eq!(subject, json!("Again"));
        c.confirm_sign_up()
            .client_id(&client)
            .username("erin")
            .confirmation_code(&code)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the resent code confirms: {e:?}"));
        hook.take();

        // GetUserAttributeVerificationCode.
        let t = sign_in(&c, &client, "erin", PASSWORD).await;
        hook.on(
            "CustomMessage_VerifyUserAttribute",
            Reply::Respond(json!({
                "emailSubject": "Check",
                "emailMessage": "Verify with {####}",
            })),
        );
        c.get_user_attribute_verification_code()
            .access_token(&t.access)
            .attribute_name("email")
            .send()
            .await
            .unwrap();
        let events = hook.take();
        assert_eq!(sources(&events), ["CustomMessage_VerifyUserAttribute"]);
        envelope(
            &events[0],
            "CustomMessage_VerifyUserAttribute",
            &pool,
            "erin",
            Some(&client),
        );
        existing_user_attrs(&events[0], "CONFIRMED", &sub);
        assert_eq!(events[0]["request"]["codeParameter"], json!("{####}"));
        let (body, subject, code) = newest_message(&ts, &pool, "erin").await;
        assert_eq!(body, format!("Verify with {code}"), "the verification code");
        assert_eq!(subject, json!("Check"));
        c.verify_user_attribute()
            .access_token(&t.access)
            .attribute_name("email")
            .code(&code)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the code verifies: {e:?}"));

        // An MFA code by email during sign-in.
        c.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::Optional)
            .email_mfa_configuration(
                EmailMfaConfigType::builder()
                    .message("Pool template {####}")
                    .subject("Pool subject")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        c.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("erin")
            .email_mfa_settings(
                EmailMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        hook.take();
        hook.on(
            "CustomMessage_Authentication",
            Reply::Respond(json!({
                "emailSubject": "Sign-in code",
                "emailMessage": "Sign in with {####} now",
            })),
        );
        let out = password_auth(&c, &client, "erin", PASSWORD).await.unwrap();
        assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
        let events = hook.take();
        assert_eq!(sources(&events), ["CustomMessage_Authentication"]);
        envelope(
            &events[0],
            "CustomMessage_Authentication",
            &pool,
            "erin",
            Some(&client),
        );
        existing_user_attrs(&events[0], "CONFIRMED", &sub);
        assert_eq!(events[0]["request"]["codeParameter"], json!("{####}"));
        let (body, subject, code) = newest_message(&ts, &pool, "erin").await;
        assert_eq!(body, format!("Sign in with {code} now"), "the sign-in code");
        assert_eq!(subject, json!("Sign-in code"));
        let answer = c
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::EmailOtp)
            .session(out.session().unwrap())
            .challenge_responses("USERNAME", "erin")
            .challenge_responses("EMAIL_OTP_CODE", &code)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the emailed code signs in: {e:?}"));
        assert!(answer.authentication_result().is_some(), "{answer:?}");
    }
);
