//! The one integration-test binary: real servers, real SDK clients.
//!
//! Every test starts its own server (fresh SQLite directory or fresh PostgreSQL
//! schema) and runs once per backend; none depends on another's state. The SDK
//! sends whatever it can; the helpers here send what it can not (malformed or
//! unsigned bodies, signatures made at another time).

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
pub use cognate_testkit::{ACCESS_KEY_ID, Backend, SECRET_ACCESS_KEY, TestServer, both};
use serde_json::Value;
use std::time::SystemTime;

/// Like `both!`, but hands the body a [`Backend`] so it can start (and restart)
/// servers with its own configuration.
macro_rules! each_backend {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(cognate_testkit::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(cognate_testkit::Backend::Postgres).await;
            }
        }
    };
}

mod auth;
mod bootstrap;
mod clients;
mod clock;
mod devices;
mod groups;
mod hosted;
mod identity;
mod list_users;
mod mfa;
mod pools;
mod protocol;
mod race;
mod restart;
mod rotation;
mod signup;
mod sigv4;
mod srp;
mod tokens;
mod triggers;
mod user_auth;
mod user_ops;
mod users;

pub const IDP: &str = "AWSCognitoIdentityProviderService";

/// `AWSCognitoIdentityProviderService.<op>`.
pub fn target(op: &str) -> String {
    format!("{IDP}.{op}")
}

/// A raw HTTP answer, body kept as text so tests can compare bytes.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Raw {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text))
    }
    /// The `__type` of an error body.
    pub fn error_type(&self) -> String {
        self.json()["__type"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn into_raw(resp: reqwest::Response) -> Raw {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    Raw {
        status,
        headers,
        text,
    }
}

/// How to sign a raw request.
pub struct Signer<'a> {
    pub key: &'a str,
    pub secret: &'a str,
    pub region: &'a str,
    pub time: SystemTime,
}

impl Signer<'_> {
    /// The test admin key, now, in us-east-1.
    pub fn admin() -> Signer<'static> {
        Signer {
            key: ACCESS_KEY_ID,
            secret: SECRET_ACCESS_KEY,
            region: "us-east-1",
            time: SystemTime::now(),
        }
    }
}

/// POSTs an awsJson request, signed the way the SDK signs (host, content-type,
/// x-amz-target and x-amz-date under the signature) when `signer` is given.
pub async fn post(
    ts: &TestServer,
    target: &str,
    body: impl Into<Vec<u8>>,
    signer: Option<&Signer<'_>>,
) -> Raw {
    let body: Vec<u8> = body.into();
    send(ts, target, body.clone(), signer.map(|s| (s, body))).await
}

/// Signs `signed_body` but sends `sent_body`.
pub async fn post_tampered(
    ts: &TestServer,
    target: &str,
    signed_body: impl Into<Vec<u8>>,
    sent_body: impl Into<Vec<u8>>,
    signer: &Signer<'_>,
) -> Raw {
    send(
        ts,
        target,
        sent_body.into(),
        Some((signer, signed_body.into())),
    )
    .await
}

async fn send(
    ts: &TestServer,
    target: &str,
    body: Vec<u8>,
    signing: Option<(&Signer<'_>, Vec<u8>)>,
) -> Raw {
    let url = format!("{}/", ts.url());
    let host = ts.server.addr.to_string();
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host),
        (
            "content-type".into(),
            "application/x-amz-json-1.1".to_string(),
        ),
        ("x-amz-target".into(), target.to_string()),
    ];
    if let Some((s, signed_body)) = signing {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        use aws_smithy_runtime_api::client::identity::Identity;
        let identity: Identity = Credentials::new(s.key, s.secret, None, None, "raw").into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(s.region)
            .name("cognito-idp")
            .time(s.time)
            .settings(SigningSettings::default())
            .build()
            .expect("signing params")
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&signed_body),
        )
        .expect("signable request");
        let (instructions, _) = sign(signable, &params).expect("signing").into_parts();
        let extra: Vec<(String, String)> = instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        headers.extend(extra);
    }
    let mut req = reqwest::Client::new().post(&url).body(body);
    for (k, v) in &headers {
        if k != "host" {
            req = req.header(k, v);
        }
    }
    into_raw(req.send().await.expect("request failed")).await
}

/// A request signed with the test admin key, now.
pub async fn signed(ts: &TestServer, op: &str, body: &Value) -> Raw {
    post(ts, &target(op), body.to_string(), Some(&Signer::admin())).await
}

/// A request without any signature.
pub async fn unsigned(ts: &TestServer, op: &str, body: impl Into<Vec<u8>>) -> Raw {
    post(ts, &target(op), body, None).await
}

/// GET a path of the server as text.
pub async fn get(ts: &TestServer, path: &str) -> Raw {
    into_raw(
        reqwest::get(format!("{}{path}", ts.url()))
            .await
            .expect("GET failed"),
    )
    .await
}

/// The wire name of a service error (`InvalidParameterException`, ...).
pub fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<no code>").to_string()
}

/// Creates a pool with nothing but a name; returns its id.
pub async fn new_pool(c: &idp::Client, name: &str) -> String {
    c.create_user_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPool {name}: {e:?}"))
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_string()
}

/// `<region>_` followed by nine ASCII letters and digits, as Cognito's pool ids are.
pub fn is_pool_id(id: &str, region: &str) -> bool {
    id.strip_prefix(region)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|rest| rest.len() == 9 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

// ---- User-directory helpers (users, signup, groups, list_users, race) ----

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// GET a path, signed with the test admin key (as `curl --aws-sigv4` signs).
pub async fn signed_get(ts: &TestServer, path_and_query: &str) -> Raw {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_smithy_runtime_api::client::identity::Identity;
    let url = format!("{}{path_and_query}", ts.url());
    let headers = [("host".to_string(), ts.server.addr.to_string())];
    let identity: Identity =
        Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "raw").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("cognito-idp")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.as_str(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(b""),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params).expect("signing").into_parts();
    let mut req = reqwest::Client::new().get(&url);
    for (k, v) in instructions.headers() {
        req = req.header(k, v);
    }
    into_raw(req.send().await.expect("GET failed")).await
}

/// The outbox messages recorded for a user (by its stored username), newest first.
pub async fn messages(ts: &TestServer, pool_id: &str, username: &str) -> Vec<Value> {
    let r = signed_get(
        ts,
        &format!(
            "/_cognate/messages?pool_id={}&username={}",
            query_escape(pool_id),
            query_escape(username)
        ),
    )
    .await;
    assert_eq!(r.status, 200, "GET /_cognate/messages: {}", r.text);
    r.json()["messages"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no messages array: {}", r.text))
}

/// The first run of exactly six digits in a message body.
pub fn code_in(body: &str) -> Option<String> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return Some(body[start..i].to_string());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The code in the newest outbox message for a user.
pub async fn latest_code(ts: &TestServer, pool_id: &str, username: &str) -> String {
    let msgs = messages(ts, pool_id, username).await;
    let body = msgs
        .first()
        .and_then(|m| m["body"].as_str())
        .unwrap_or_else(|| panic!("no message for {username} in {pool_id}"));
    code_in(body).unwrap_or_else(|| panic!("no code in {body:?}"))
}

/// A six-digit code that differs from `code`.
pub fn other_code(code: &str) -> String {
    let n: u32 = code.parse().expect("numeric code");
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Calls that must fail: the error's (code, message).
pub fn fails<T: std::fmt::Debug, E: ProvideErrorMetadata>(r: Result<T, E>) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (code(&e), e.message().unwrap_or_default().to_string()),
    }
}

/// Asserts a call fails with `expected`; returns the message.
#[track_caller]
pub fn expect_code<T: std::fmt::Debug, E: ProvideErrorMetadata>(
    r: Result<T, E>,
    expected: &str,
) -> String {
    let (got, message) = fails(r);
    assert_eq!(got, expected, "wrong error (message {message:?})");
    message
}

/// Creates an app client without a secret; returns its id.
pub async fn new_client(c: &idp::Client, pool_id: &str) -> String {
    c.create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("app")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient: {e:?}"))
        .user_pool_client()
        .and_then(|cl| cl.client_id())
        .expect("ClientId")
        .to_string()
}

/// A `{Name, Value}` attribute.
pub fn attribute(name: &str, value: &str) -> idp::types::AttributeType {
    idp::types::AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("attribute")
}

/// The value of a named attribute in a list.
pub fn attr_of(attrs: &[idp::types::AttributeType], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
        .map(str::to_string)
}

/// AdminGetUser, which must succeed.
pub async fn admin_get(
    c: &idp::Client,
    pool_id: &str,
    username: &str,
) -> idp::operation::admin_get_user::AdminGetUserOutput {
    c.admin_get_user()
        .user_pool_id(pool_id)
        .username(username)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminGetUser {username}: {e:?}"))
}

/// The user's `UserStatus` as a string.
pub async fn status_of(c: &idp::Client, pool_id: &str, username: &str) -> String {
    admin_get(c, pool_id, username)
        .await
        .user_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

/// A user attribute as AdminGetUser reports it.
pub async fn user_attr(
    c: &idp::Client,
    pool_id: &str,
    username: &str,
    name: &str,
) -> Option<String> {
    attr_of(
        admin_get(c, pool_id, username).await.user_attributes(),
        name,
    )
}

/// AdminCreateUser without an invitation, then a permanent password: CONFIRMED.
pub async fn confirmed_user(
    c: &idp::Client,
    pool_id: &str,
    username: &str,
    attrs: &[(&str, &str)],
) {
    let mut req = c
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(username)
        .message_action(idp::types::MessageActionType::Suppress);
    for (n, v) in attrs {
        req = req.user_attributes(attribute(n, v));
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("AdminCreateUser {username}: {e:?}"));
    c.admin_set_user_password()
        .user_pool_id(pool_id)
        .username(username)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminSetUserPassword {username}: {e:?}"));
}

/// A password every default policy accepts.
pub const PASSWORD: &str = "Passw0rd!";

/// An app client that allows ADMIN_USER_PASSWORD_AUTH; returns its id.
pub async fn admin_auth_client(c: &idp::Client, pool_id: &str) -> String {
    use idp::types::ExplicitAuthFlowsType as F;
    c.create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("admin-auth")
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient: {e:?}"))
        .user_pool_client()
        .and_then(|cl| cl.client_id())
        .expect("ClientId")
        .to_string()
}

/// Whether ADMIN_USER_PASSWORD_AUTH accepts the password (tokens or a
/// challenge); a wrong one is NotAuthorizedException, anything else panics.
pub async fn password_works(
    c: &idp::Client,
    pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> bool {
    let r = c
        .admin_initiate_auth()
        .user_pool_id(pool_id)
        .client_id(client_id)
        .auth_flow(idp::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await;
    match r {
        Ok(out) => {
            assert!(
                out.authentication_result().is_some() || out.challenge_name().is_some(),
                "{out:?}"
            );
            true
        }
        Err(e) if code(&e) == "NotAuthorizedException" => false,
        Err(e) => panic!("AdminInitiateAuth {username}: {e:?}"),
    }
}
