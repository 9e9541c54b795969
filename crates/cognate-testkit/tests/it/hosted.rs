//! Hosted sign-in: user-pool domains and identity providers (management API,
//! through the SDK), and the OAuth 2.0 endpoints driven like a browser would:
//! `/oauth2/authorize`, the `/login` form, a federated sign-in through a fake
//! OpenID Connect provider served inside the test (its `/token` endpoint
//! answers with an RS256 ID token signed by a test key published at its
//! `jwks_uri`), `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke` and
//! `/logout`, with the triggers each step fires.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;

// ---- Management API ----

both!(domains, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "hosted").await;
    let other = new_pool(&c, "other").await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .expect("CreateUserPoolDomain");
    // DescribeUserPool shows the domain.
    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool().and_then(|p| p.domain()),
        Some("my-app")
    );
    let d = c
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let d = d.domain_description().expect("description");
    assert_eq!(d.user_pool_id(), Some(pool.as_str()));
    assert_eq!(d.status(), Some(&DomainStatusType::Active));
    // An unknown domain is an empty description.
    let none = c
        .describe_user_pool_domain()
        .domain("nobody-has-this")
        .send()
        .await
        .unwrap();
    assert!(
        none.domain_description()
            .is_none_or(|d| d.user_pool_id().is_none())
    );
    // Taken by another pool; a second domain for the same pool; reserved words.
    let (code, msg) = fails(
        c.create_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-app")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(msg, "Domain already associated with another user pool.");
    let (code, _) = fails(
        c.create_user_pool_domain()
            .user_pool_id(&pool)
            .domain("second")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let (code, msg) = fails(
        c.create_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-aws-app")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(msg.contains("reserved word"), "{msg}");
    let (code, _) = fails(
        c.create_user_pool_domain()
            .user_pool_id("us-east-1_nopenope1")
            .domain("free-one")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    // A pool with a domain is not deleted.
    let (code, msg) = fails(c.delete_user_pool().user_pool_id(&pool).send().await);
    assert_eq!(code, "InvalidParameterException");
    assert!(msg.contains("domain configured"), "{msg}");
    // Update keeps the domain; delete needs the owning pool.
    let updated = c
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.managed_login_version(), Some(2));
    let (code, _) = fails(
        c.delete_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-app")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    c.delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(described.user_pool().and_then(|p| p.domain()), None);
    c.delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    // The prefix is free again.
    c.create_user_pool_domain()
        .user_pool_id(&other)
        .domain("my-app")
        .send()
        .await
        .unwrap();
});

fn oidc_details(issuer: &str) -> std::collections::HashMap<String, String> {
    [
        ("client_id", "idp-client"),
        ("client_secret", "idp-secret"),
        ("authorize_scopes", "openid email"),
        ("oidc_issuer", issuer),
        ("authorize_url", &format!("{issuer}/authorize")),
        ("token_url", &format!("{issuer}/token")),
        ("jwks_uri", &format!("{issuer}/jwks")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

both!(identity_providers, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "idps").await;
    let created = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(oidc_details("https://idp.example.com")))
        .idp_identifiers("corp.example.com")
        .send()
        .await
        .expect("CreateIdentityProvider");
    let p = created.identity_provider().unwrap();
    // Default mapping; the attributes request method filled in.
    assert_eq!(
        p.attribute_mapping()
            .and_then(|m| m.get("username"))
            .map(String::as_str),
        Some("sub")
    );
    assert_eq!(
        p.provider_details()
            .and_then(|d| d.get("attributes_request_method"))
            .map(String::as_str),
        Some("GET")
    );
    // Describe returns the secret as given (it is sealed at rest).
    let d = c
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .send()
        .await
        .unwrap();
    let details = d.identity_provider().unwrap().provider_details().unwrap();
    assert_eq!(
        details.get("client_secret").map(String::as_str),
        Some("idp-secret")
    );
    // Duplicates, social names, unsupported types.
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Corp")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(oidc_details("https://idp.example.com")))
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateProviderException");
    let (code, msg) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("MyGoogle")
            .provider_type(IdentityProviderTypeType::Google)
            .provider_details("client_id", "g")
            .provider_details("client_secret", "s")
            .provider_details("authorize_scopes", "openid")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(msg, "Provider MyGoogle cannot be of type Google.");
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Saml1")
            .provider_type(IdentityProviderTypeType::Saml)
            .provider_details("MetadataURL", "https://saml.example.com/md")
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    // An issuer without discovery and without explicit endpoints.
    let (code, msg) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Nowhere")
            .provider_type(IdentityProviderTypeType::Oidc)
            .provider_details("client_id", "x")
            .provider_details("authorize_scopes", "openid")
            .provider_details("oidc_issuer", "http://127.0.0.1:9")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterException",
            "Unable to contact well-known endpoint"
        )
    );
    // Mapping to an attribute the pool does not have.
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Corp2")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(oidc_details("https://idp2.example.com")))
            .attribute_mapping("custom:nope", "x")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    // Attributes the pool keeps itself are not mapped.
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Corp3")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(oidc_details("https://idp3.example.com")))
            .attribute_mapping("identities", "x")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    // Google: the name is the type; the well-known endpoints are filled in.
    let g = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .provider_details("client_id", "g")
        .provider_details("client_secret", "s")
        .provider_details("authorize_scopes", "openid email")
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap();
    let gd = g.identity_provider().unwrap().provider_details().unwrap();
    assert_eq!(
        gd.get("oidc_issuer").map(String::as_str),
        Some("https://accounts.google.com")
    );
    // Identifiers are unique within the pool.
    let (code, _) = fails(
        c.update_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Google")
            .idp_identifiers("corp.example.com")
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateProviderException");
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_id.identity_provider().unwrap().provider_name(),
        Some("Corp")
    );
    let (code, _) = fails(
        c.get_identity_provider_by_identifier()
            .user_pool_id(&pool)
            .idp_identifier("nobody")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    // Update merges details and replaces the mapping.
    let u = c
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_details("authorize_scopes", "openid profile")
        .attribute_mapping("email", "mail")
        .send()
        .await
        .unwrap();
    let u = u.identity_provider().unwrap();
    assert_eq!(
        u.provider_details()
            .and_then(|d| d.get("authorize_scopes"))
            .map(String::as_str),
        Some("openid profile")
    );
    assert_eq!(
        u.provider_details()
            .and_then(|d| d.get("client_id"))
            .map(String::as_str),
        Some("idp-client")
    );
    assert_eq!(u.attribute_mapping().map(|m| m.len()), Some(1));
    // List, paged.
    let page = c
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.providers().len(), 1);
    assert_eq!(page.providers()[0].provider_name(), Some("Corp"));
    let rest = c
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(10)
        .next_token(page.next_token().expect("next token"))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.providers().len(), 1);
    assert_eq!(rest.providers()[0].provider_name(), Some("Google"));
    // Clients may only name existing providers.
    let (code, msg) = fails(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .supported_identity_providers("Okta")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        msg,
        format!("The provider Okta does not exist for User Pool {pool}")
    );
    c.create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .supported_identity_providers("Corp")
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .expect("client naming an existing provider");
    // Delete.
    c.delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .send()
        .await
        .unwrap();
    let (code, _) = fails(
        c.describe_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Google")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
});

// ---- The fake identity provider and trigger recorder ----

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use cognate_crypto::RsaSigningKey;
use cognate_outbound::{FunctionMapping, TriggersConfig};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const IDP_CLIENT: &str = "idp-client";
const IDP_SECRET: &str = "idp-secret";
const CALLBACK: &str = "http://localhost:3000/cb";
const SIGN_OUT: &str = "http://localhost:3000/bye";
const ARN_PREFIX: &str = "arn:aws:lambda:us-east-1:000000000000:function:";
const TRIGGERS: &[&str] = &[
    "PreSignUp",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "PreTokenGeneration",
    "UserMigration",
];

#[derive(Default)]
struct FakeState {
    /// ID-token claims the token endpoint hands out, by code (each once).
    codes: Mutex<HashMap<String, Value>>,
    /// Forms the token endpoint received.
    token_requests: Mutex<Vec<HashMap<String, String>>>,
    /// Trigger events in arrival order.
    events: Mutex<Vec<Value>>,
    /// triggerSource → error message the handler fails with.
    failures: Mutex<HashMap<String, String>>,
    /// triggerSource → fields the handler sets in `response`.
    responses: Mutex<HashMap<String, Value>>,
    /// Sign in with Apple: the public key its client-secret JWTs must verify with.
    apple_public_key: Mutex<Option<Vec<u8>>>,
    /// The subject of the last ID token issued (userinfo answers for it).
    last_sub: Mutex<Option<String>>,
    /// Bearer tokens userinfo was asked with.
    userinfo_tokens: Mutex<Vec<String>>,
    /// The provider's signing key (tests rotate it).
    key: Mutex<Option<Arc<RsaSigningKey>>>,
}

impl FakeState {
    fn key(&self) -> Arc<RsaSigningKey> {
        self.key.lock().unwrap().clone().expect("a signing key")
    }
}

/// Whether `secret` is an ES256 client secret for `IDP_CLIENT` from team `TEAM1`
/// signed by the registered Apple key.
fn apple_secret_ok(state: &FakeState, secret: &str, issuer: &str) -> bool {
    use base64::Engine;
    let Some(public) = state.apple_public_key.lock().unwrap().clone() else {
        return false;
    };
    let parts: Vec<&str> = secret.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (Ok(header), Ok(payload), Ok(signature)) = (
        b64.decode(parts[0]),
        b64.decode(parts[1]),
        b64.decode(parts[2]),
    ) else {
        return false;
    };
    let header: Value = serde_json::from_slice(&header).unwrap_or_default();
    let payload: Value = serde_json::from_slice(&payload).unwrap_or_default();
    let signed = format!("{}.{}", parts[0], parts[1]);
    header["alg"] == "ES256"
        && header["kid"] == "KEY1"
        && payload["iss"] == "TEAM1"
        && payload["sub"] == IDP_CLIENT
        && payload["aud"] == issuer
        && aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
            &public,
        )
        .verify(signed.as_bytes(), &signature)
        .is_ok()
}

/// One local server: an OpenID provider (`/token`, `/jwks`) and a trigger
/// endpoint (`/trigger/<name>`).
struct Fake {
    base: String,
    state: Arc<FakeState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn parse_pairs(s: &str) -> HashMap<String, String> {
    form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

async fn fake_token(
    State((state, base)): State<(Arc<FakeState>, String)>,
    body: String,
) -> axum::response::Response {
    let form = parse_pairs(&body);
    state.token_requests.lock().unwrap().push(form.clone());
    let secret = form
        .get("client_secret")
        .map(String::as_str)
        .unwrap_or_default();
    let authenticated = form.get("client_id").map(String::as_str) == Some(IDP_CLIENT)
        && (secret == IDP_SECRET || apple_secret_ok(&state, secret, &base));
    let claims = form
        .get("code")
        .and_then(|c| state.codes.lock().unwrap().remove(c));
    let (true, Some(mut claims)) = (authenticated, claims) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "invalid_grant" })),
        )
            .into_response();
    };
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    claims["iss"] = json!(base);
    claims["aud"] = json!(IDP_CLIENT);
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + 600);
    *state.last_sub.lock().unwrap() = claims["sub"].as_str().map(str::to_string);
    let id_token = state.key().sign_jwt(&claims).unwrap();
    axum::Json(json!({ "id_token": id_token, "access_token": "idp-access", "token_type": "Bearer", "expires_in": 600 }))
        .into_response()
}

async fn fake_jwks(State((state, _)): State<(Arc<FakeState>, String)>) -> axum::Json<Value> {
    axum::Json(json!({ "keys": [state.key().public_jwk()] }))
}

/// The provider's userinfo endpoint: more claims about the last subject.
async fn fake_userinfo(
    State((state, _)): State<(Arc<FakeState>, String)>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    state.userinfo_tokens.lock().unwrap().push(token.clone());
    if token != "Bearer idp-access" {
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    }
    let sub = state.last_sub.lock().unwrap().clone();
    axum::Json(
        json!({ "sub": sub, "given_name": "From-Userinfo", "email": "not-this@corp.example" }),
    )
    .into_response()
}

async fn fake_trigger(
    State((state, _)): State<(Arc<FakeState>, String)>,
    Path(_name): Path<String>,
    axum::Json(event): axum::Json<Value>,
) -> axum::response::Response {
    state.events.lock().unwrap().push(event.clone());
    let source = event["triggerSource"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(message) = state.failures.lock().unwrap().get(&source) {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({ "errorMessage": message, "errorType": "Error" })),
        )
            .into_response();
    }
    let mut event = event;
    if let Some(Value::Object(fields)) = state.responses.lock().unwrap().get(&source) {
        for (k, v) in fields {
            event["response"][k] = v.clone();
        }
    }
    axum::Json(event).into_response()
}

impl Fake {
    async fn start() -> Fake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(FakeState::default());
        let key = Arc::new(RsaSigningKey::generate().unwrap());
        *state.key.lock().unwrap() = Some(key);
        let app = axum::Router::new()
            .route("/token", axum::routing::post(fake_token))
            .route("/jwks", axum::routing::get(fake_jwks))
            .route("/userinfo", axum::routing::get(fake_userinfo))
            .route("/trigger/{name}", axum::routing::post(fake_trigger))
            .with_state((state.clone(), base.clone()));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fake { base, state, task }
    }
    fn take_events(&self) -> Vec<Value> {
        std::mem::take(&mut *self.state.events.lock().unwrap())
    }
    fn sources(&self) -> Vec<String> {
        self.take_events()
            .iter()
            .map(|e| e["triggerSource"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// A pool with a domain, the triggers sent to the fake, the OIDC provider
/// `Corp` (the fake) and a confidential client allowed code and implicit.
struct Setup {
    ts: TestServer,
    fake: Fake,
    pool: String,
    client: String,
    secret: String,
    http: reqwest::Client,
}

async fn setup(backend: Backend) -> Option<Setup> {
    setup_with_clock(backend, cognate_testkit::FakeClock::new()).await
}

async fn setup_with_clock(backend: Backend, clock: cognate_testkit::FakeClock) -> Option<Setup> {
    let fake = Fake::start().await;
    let functions: Vec<FunctionMapping> = TRIGGERS
        .iter()
        .map(|n| {
            FunctionMapping::url(
                format!("{ARN_PREFIX}{n}"),
                format!("{}/trigger/{n}", fake.base),
            )
        })
        .collect();
    // Google's endpoints are the fake's (as a server without internet would configure them).
    let google = cognate_core::federation::ProviderEndpoints {
        authorize_url: Some(format!("{}/authorize", fake.base)),
        token_url: Some(format!("{}/token", fake.base)),
        issuer: Some(fake.base.clone()),
        jwks_uri: Some(format!("{}/jwks", fake.base)),
    };
    let ts = TestServer::start_with_clock_and(backend, clock, move |c| {
        c.triggers = TriggersConfig {
            functions,
            ..Default::default()
        };
        c.hosted
            .providers
            .insert("SignInWithApple".into(), google.clone());
        c.hosted.providers.insert("Google".into(), google);
    })
    .await?;
    let lambda: serde_json::Map<String, Value> = TRIGGERS
        .iter()
        .map(|n| (n.to_string(), json!(format!("{ARN_PREFIX}{n}"))))
        .collect();
    let r = signed(
        &ts,
        "CreateUserPool",
        &json!({ "PoolName": "hosted", "LambdaConfig": lambda }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pool = r.json()["UserPool"]["Id"].as_str().unwrap().to_string();
    let r = signed(
        &ts,
        "CreateUserPoolDomain",
        &json!({ "UserPoolId": pool, "Domain": "hosted-test" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = signed(
        &ts,
        "CreateIdentityProvider",
        &json!({
            "UserPoolId": pool, "ProviderName": "Corp", "ProviderType": "OIDC",
            "ProviderDetails": {
                "client_id": IDP_CLIENT, "client_secret": IDP_SECRET,
                "authorize_scopes": "openid email", "oidc_issuer": fake.base,
                "authorize_url": format!("{}/authorize", fake.base),
                "token_url": format!("{}/token", fake.base),
                "jwks_uri": format!("{}/jwks", fake.base),
                "attributes_url": format!("{}/userinfo", fake.base),
            },
            "AttributeMapping": { "username": "sub", "email": "email", "name": "name", "given_name": "given_name" },
            "IdpIdentifiers": ["corp.example"],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = signed(
        &ts,
        "CreateUserPoolClient",
        &json!({
            "UserPoolId": pool, "ClientName": "web", "GenerateSecret": true,
            "AllowedOAuthFlowsUserPoolClient": true,
            "AllowedOAuthFlows": ["code", "implicit"],
            "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            "CallbackURLs": [CALLBACK], "LogoutURLs": [SIGN_OUT],
            "SupportedIdentityProviders": ["COGNITO", "Corp"],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.json()["UserPoolClient"];
    let client = c["ClientId"].as_str().unwrap().to_string();
    let secret = c["ClientSecret"].as_str().unwrap().to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Some(Setup {
        ts,
        fake,
        pool,
        client,
        secret,
        http,
    })
}

/// A browser response: status, Location, cookies set, body.
struct Page {
    status: u16,
    location: String,
    cookies: HashMap<String, String>,
    body: String,
}

impl Page {
    /// The query (or fragment) of the Location as a map.
    fn location_params(&self) -> HashMap<String, String> {
        let rest = self
            .location
            .split_once(['?', '#'])
            .map(|(_, q)| q)
            .unwrap_or_default();
        parse_pairs(rest)
    }
}

async fn browse(req: reqwest::RequestBuilder) -> Page {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body = resp.text().await.unwrap_or_default();
    Page {
        status,
        location,
        cookies,
        body,
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn s256(verifier: &str) -> String {
    use base64::Engine;
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.as_ref())
}

fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

impl Setup {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.ts.url())
    }
    fn authorize_query(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", self.client.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "st-1"),
        ];
        pairs.extend_from_slice(extra);
        form(&pairs)
    }
    async fn token(&self, pairs: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/oauth2/token"))
            .basic_auth(&self.client, Some(&self.secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(pairs))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    /// Authorize through `Corp`, let the fake IdP issue `code` for `idp_claims`
    /// (the nonce filled in from the redirect), and return /oauth2/idpresponse's answer.
    async fn federate(&self, extra: &[(&str, &str)], code: &str, idp_claims: Value) -> Page {
        self.federate_through("Corp", "openid email", extra, code, idp_claims)
            .await
    }
    async fn federate_through(
        &self,
        provider: &str,
        scopes: &str,
        extra: &[(&str, &str)],
        code: &str,
        idp_claims: Value,
    ) -> Page {
        let mut pairs = vec![("identity_provider", provider)];
        pairs.extend_from_slice(extra);
        let to_idp = browse(self.http.get(self.url(&format!(
            "/oauth2/authorize?{}",
            self.authorize_query(&pairs)
        ))))
        .await;
        assert_eq!(to_idp.status, 302, "{}", to_idp.body);
        assert!(
            to_idp
                .location
                .starts_with(&format!("{}/authorize?", self.fake.base)),
            "{}",
            to_idp.location
        );
        let q = to_idp.location_params();
        assert_eq!(q["client_id"], IDP_CLIENT);
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["scope"], scopes);
        assert_eq!(q["redirect_uri"], self.url("/oauth2/idpresponse"));
        assert!(!q["state"].is_empty() && !q["nonce"].is_empty());
        let mut idp_claims = idp_claims;
        idp_claims["nonce"] = json!(q["nonce"]);
        self.fake
            .state
            .codes
            .lock()
            .unwrap()
            .insert(code.to_string(), idp_claims);
        // The answer is bound to this browser by a cookie for /oauth2/idpresponse.
        let binding = to_idp.cookies["cognate-federation"].clone();
        assert!(!binding.is_empty());
        browse(
            self.http
                .get(self.url(&format!(
                    "/oauth2/idpresponse?{}",
                    form(&[("code", code), ("state", &q["state"])])
                )))
                .header("cookie", format!("cognate-federation={binding}")),
        )
        .await
    }
}

fn without(mut v: Value, path: &[&str]) -> Value {
    let mut cur = &mut v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    if let Some(o) = cur.as_object_mut() {
        o.remove(path[path.len() - 1]);
    }
    v
}

each_backend!(federated_sign_in, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    let verifier = "a-pkce-verifier-that-is-long-enough-0123456789";
    let challenge = s256(verifier);
    let back = s
        .federate(
            &[
                ("scope", "openid email profile"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("nonce", "client-nonce"),
            ],
            "idp-code-1",
            json!({ "sub": "u-123", "email": "ada@corp.example", "name": "Ada" }),
        )
        .await;
    assert_eq!(back.status, 302, "{}", back.body);
    assert!(
        back.location.starts_with(&format!("{CALLBACK}?")),
        "{}",
        back.location
    );
    let params = back.location_params();
    assert_eq!(params["state"], "st-1");
    let code = params["code"].clone();
    assert!(back.cookies.contains_key("cognito"), "session cookie set");
    // The provider's code was exchanged with the client secret.
    let sent = s.fake.state.token_requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["grant_type"], "authorization_code");
    assert_eq!(sent[0]["code"], "idp-code-1");
    assert_eq!(sent[0]["client_secret"], IDP_SECRET);
    assert_eq!(sent[0]["redirect_uri"], s.url("/oauth2/idpresponse"));

    // The first federated sign-in: sign-up triggers, then sign-in triggers.
    let events = s.fake.take_events();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "PreSignUp_ExternalProvider",
            "PostConfirmation_ConfirmSignUp",
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    let pre = &events[0];
    let identities: Value = serde_json::from_str(
        pre["request"]["userAttributes"]["identities"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let created = identities[0]["dateCreated"].as_str().unwrap().to_string();
    assert!(created.parse::<i64>().unwrap() > 1_600_000_000_000);
    assert_eq!(
        identities,
        json!([{ "userId": "u-123", "providerName": "Corp", "providerType": "OIDC",
                 "issuer": s.fake.base, "primary": "true", "dateCreated": created }])
    );
    assert_eq!(
        without(pre.clone(), &["request", "userAttributes", "identities"]),
        json!({
            "version": "1",
            "triggerSource": "PreSignUp_ExternalProvider",
            "region": "us-east-1",
            "userPoolId": s.pool,
            "userName": "Corp_u-123",
            "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": s.client },
            "request": {
                "userAttributes": { "email": "ada@corp.example", "name": "Ada", "given_name": "From-Userinfo" },
                "validationData": null,
            },
            "response": { "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false },
        })
    );
    assert_eq!(
        events[1]["request"]["userAttributes"]["cognito:user_status"],
        "EXTERNAL_PROVIDER"
    );

    // The user: EXTERNAL_PROVIDER, with identities and the mapped attributes.
    let user = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "Corp_u-123" }),
    )
    .await;
    assert_eq!(user.status, 200, "{}", user.text);
    let user = user.json();
    assert_eq!(user["UserStatus"], "EXTERNAL_PROVIDER");
    let attrs: HashMap<String, String> = user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["Name"].as_str().unwrap().to_string(),
                a["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Claims from the ID token, and from the userinfo endpoint (asked with the
    // provider's access token) where the ID token has none.
    assert_eq!(attrs["email"], "ada@corp.example");
    assert_eq!(attrs["given_name"], "From-Userinfo");
    assert_eq!(
        s.fake.state.userinfo_tokens.lock().unwrap().as_slice(),
        ["Bearer idp-access"]
    );
    let stored: Value = serde_json::from_str(&attrs["identities"]).unwrap();
    assert_eq!(stored, identities);

    // Code exchange: PKCE, redirect URI, client secret, single use.
    let (status, body) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", "wrong-verifier"),
        ])
        .await;
    assert_eq!(
        (status, body.clone()),
        (400, json!({ "error": "invalid_grant" }))
    );
    let (status, body) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .await;
    assert_eq!(
        (status, body),
        (400, json!({ "error": "invalid_grant" })),
        "PKCE verifier missing"
    );
    let (status, body) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost:3000/other"),
            ("code_verifier", verifier),
        ])
        .await;
    assert_eq!(
        (status, body),
        (400, json!({ "error": "invalid_grant" })),
        "wrong redirect_uri"
    );
    let bad_secret = s
        .http
        .post(s.url("/oauth2/token"))
        .basic_auth(&s.client, Some("not-the-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_secret.status().as_u16(), 401);
    assert_eq!(
        bad_secret.json::<Value>().await.unwrap(),
        json!({ "error": "invalid_client" })
    );
    assert!(
        s.fake.take_events().is_empty(),
        "no tokens, no PreTokenGeneration"
    );
    let (status, tokens) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ])
        .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let (status, body) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", verifier),
        ])
        .await;
    assert_eq!(
        (status, body),
        (400, json!({ "error": "invalid_grant" })),
        "a code works once"
    );

    // PreTokenGeneration with the hosted source, full event.
    let events = s.fake.take_events();
    assert_eq!(events.len(), 1);
    let ptg = &events[0];
    let sub = ptg["request"]["userAttributes"]["sub"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ptg,
        &json!({
            "version": "1",
            "triggerSource": "TokenGeneration_HostedAuth",
            "region": "us-east-1",
            "userPoolId": s.pool,
            "userName": "Corp_u-123",
            "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": s.client },
            "request": {
                "userAttributes": {
                    "sub": sub, "email": "ada@corp.example", "name": "Ada", "given_name": "From-Userinfo",
                    "identities": attrs["identities"], "cognito:user_status": "EXTERNAL_PROVIDER",
                },
                "groupConfiguration": { "groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null },
            },
            "response": { "claimsOverrideDetails": null },
        })
    );

    // The tokens.
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "Corp_u-123");
    assert_eq!(id["aud"], s.client);
    assert_eq!(id["nonce"], "client-nonce");
    assert_eq!(id["email"], "ada@corp.example");
    assert_eq!(id["identities"], identities);
    assert!(id["at_hash"].is_string());
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(access["username"], "Corp_u-123");
    assert_eq!(access["client_id"], s.client);
    assert_eq!(id["iss"], format!("{}/{}", s.ts.url(), s.pool));

    // userInfo: what the scopes allow.
    let info = s
        .http
        .get(s.url("/oauth2/userInfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(info.status().as_u16(), 200);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sub"], sub);
    assert_eq!(info["email"], "ada@corp.example");
    assert_eq!(info["username"], "Corp_u-123");
    let bad = s
        .http
        .get(s.url("/oauth2/userInfo"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 401);
    assert!(
        bad.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    // Refresh keeps the scopes; no new refresh token.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let (status, refreshed) = s
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(status, 200, "{refreshed}");
    assert!(refreshed.get("refresh_token").is_none());
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["scope"],
        "openid email profile"
    );
    assert_eq!(s.fake.sources(), ["TokenGeneration_RefreshTokens"]);

    // idp_identifier picks the provider too.
    let by_id = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[("idp_identifier", "corp.example")])
    ))))
    .await;
    assert_eq!(by_id.status, 302);
    assert!(
        by_id
            .location
            .starts_with(&format!("{}/authorize?", s.fake.base)),
        "{}",
        by_id.location
    );
    let unknown = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[("idp_identifier", "nobody.example")])
    ))))
    .await;
    assert_eq!(unknown.location_params()["error"], "invalid_request");

    // A later sign-in: no sign-up triggers, mapped attributes rewritten; the
    // provider rotated its signing key meanwhile (the cached JWKS is refetched).
    *s.fake.state.key.lock().unwrap() = Some(Arc::new(RsaSigningKey::generate().unwrap()));
    let again = s
        .federate(
            &[("scope", "openid email")],
            "idp-code-2",
            json!({ "sub": "u-123", "email": "ada@new.example", "name": "Ada" }),
        )
        .await;
    assert_eq!(again.status, 302, "{}", again.body);
    assert!(again.location_params().contains_key("code"));
    assert_eq!(
        s.fake.sources(),
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    let user = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "Corp_u-123" }),
    )
    .await
    .json();
    assert!(
        user["UserAttributes"]
            .to_string()
            .contains("ada@new.example")
    );

    // Revocation ends the refresh token.
    let r = s
        .http
        .post(s.url("/oauth2/revoke"))
        .basic_auth(&s.client, Some(&s.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", &refresh)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    let (status, body) = s
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!((status, body), (400, json!({ "error": "invalid_grant" })));
});

each_backend!(pre_sign_up_rejection, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    s.fake.state.failures.lock().unwrap().insert(
        "PreSignUp_ExternalProvider".into(),
        "Only staff may sign in.".into(),
    );
    let back = s
        .federate(
            &[],
            "idp-code-x",
            json!({ "sub": "u-9", "email": "eve@corp.example" }),
        )
        .await;
    assert_eq!(back.status, 302, "{}", back.body);
    assert!(
        back.location.starts_with(&format!("{CALLBACK}?")),
        "{}",
        back.location
    );
    let q = back.location_params();
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(
        q["error_description"],
        "PreSignUp failed with error Only staff may sign in.."
    );
    assert_eq!(q["state"], "st-1");
    assert!(!q.contains_key("code"));
    assert!(!back.cookies.contains_key("cognito"));
    assert_eq!(s.fake.sources(), ["PreSignUp_ExternalProvider"]);
    let r = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "Corp_u-9" }),
    )
    .await;
    assert_eq!(
        r.error_type(),
        "UserNotFoundException",
        "nothing was created"
    );
});

fn csrf_of(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).expect("a CSRF field") + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

each_backend!(password_sign_in, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    let r = signed(
        &s.ts,
        "AdminCreateUser",
        &json!({ "UserPoolId": s.pool, "Username": "alice", "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" }] }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = signed(&s.ts, "AdminSetUserPassword", &json!({ "UserPoolId": s.pool, "Username": "alice", "Password": "Corr3ct-Horse!", "Permanent": true })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.fake.take_events();

    // Bad requests: an unknown redirect URI is shown, never followed; a bad scope goes back.
    let bad = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        form(&[
            ("response_type", "code"),
            ("client_id", &s.client),
            ("redirect_uri", "https://evil.example/cb")
        ])
    ))))
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.location.is_empty());
    assert!(bad.body.contains("redirect_mismatch"));
    let bad = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[("scope", "phone")])
    ))))
    .await;
    assert_eq!(bad.status, 302);
    assert_eq!(bad.location_params()["error"], "invalid_scope");

    // No provider named: the sign-in page.
    let query = s.authorize_query(&[("scope", "openid email aws.cognito.signin.user.admin")]);
    let to_login = browse(s.http.get(s.url(&format!("/oauth2/authorize?{query}")))).await;
    assert_eq!(to_login.status, 302);
    assert!(
        to_login.location.starts_with(&s.url("/login?")),
        "{}",
        to_login.location
    );
    let page = browse(s.http.get(&to_login.location)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<form"), "{}", page.body);
    assert!(page.body.contains("Continue with Corp"));
    let csrf = csrf_of(&page.body);
    assert_eq!(page.cookies["XSRF-TOKEN"], csrf);
    let post = |pairs: Vec<(&'static str, String)>, cookie: Option<String>| {
        let mut req = s
            .http
            .post(&to_login.location)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={}", query_escape(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            );
        if let Some(c) = cookie {
            req = req.header("cookie", format!("XSRF-TOKEN={c}"));
        }
        browse(req)
    };
    // Without the CSRF cookie: refused.
    let refused = post(
        vec![
            ("_csrf", csrf.clone()),
            ("username", "alice".into()),
            ("password", "Corr3ct-Horse!".into()),
        ],
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
    // Wrong password: the page again, with Cognito's message.
    let wrong = post(
        vec![
            ("_csrf", csrf.clone()),
            ("username", "alice".into()),
            ("password", "nope".into()),
        ],
        Some(csrf.clone()),
    )
    .await;
    assert_eq!(wrong.status, 200);
    assert!(
        wrong.body.contains("Incorrect username or password."),
        "{}",
        wrong.body
    );
    assert_eq!(s.fake.sources(), ["PreAuthentication_Authentication"]);
    // Right password: back to the client with a code and a session cookie.
    let csrf = csrf_of(&wrong.body);
    let ok = post(
        vec![
            ("_csrf", csrf.clone()),
            ("username", "alice".into()),
            ("password", "Corr3ct-Horse!".into()),
        ],
        Some(csrf),
    )
    .await;
    assert_eq!(ok.status, 302, "{}", ok.body);
    assert!(ok.location.starts_with(&format!("{CALLBACK}?")));
    let code = ok.location_params()["code"].clone();
    assert_eq!(ok.location_params()["state"], "st-1");
    let session = ok.cookies["cognito"].clone();
    assert_eq!(
        s.fake.sources(),
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    // client_secret_post.
    let r = s
        .http
        .post(s.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("client_id", &s.client),
            ("client_secret", &s.secret),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let tokens: Value = r.json().await.unwrap();
    let events = s.fake.take_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["triggerSource"], "TokenGeneration_HostedAuth");
    assert_eq!(events[0]["userName"], "alice");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        claims(access)["scope"],
        "openid email aws.cognito.signin.user.admin"
    );
    // With the admin scope the token works on the user-pool API too.
    let me = unsigned(
        &s.ts,
        "GetUser",
        json!({ "AccessToken": access }).to_string(),
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.text);

    // The session cookie signs in again without the form (no sign-in triggers),
    // here with the implicit grant.
    let again = browse(
        s.http
            .get(s.url(&format!(
                "/oauth2/authorize?{}",
                form(&[
                    ("response_type", "token"),
                    ("client_id", &s.client),
                    ("redirect_uri", CALLBACK),
                    ("scope", "openid"),
                    ("state", "st-2")
                ])
            )))
            .header("cookie", format!("cognito={session}")),
    )
    .await;
    assert_eq!(again.status, 302, "{}", again.body);
    assert!(
        again.location.starts_with(&format!("{CALLBACK}#")),
        "{}",
        again.location
    );
    let f = again.location_params();
    assert_eq!(f["token_type"], "Bearer");
    assert_eq!(f["state"], "st-2");
    assert!(!f.contains_key("refresh_token"));
    assert_eq!(claims(&f["id_token"])["cognito:username"], "alice");
    assert_eq!(s.fake.sources(), ["TokenGeneration_HostedAuth"]);

    // Logout: clears the cookie; only registered sign-out URLs.
    let out = browse(s.http.get(s.url(&format!(
        "/logout?{}",
        form(&[("client_id", &s.client), ("logout_uri", SIGN_OUT)])
    ))))
    .await;
    assert_eq!(out.status, 302);
    assert_eq!(out.location, SIGN_OUT);
    assert_eq!(out.cookies["cognito"], "");
    let out = browse(s.http.get(s.url(&format!(
        "/logout?{}",
        form(&[
            ("client_id", &s.client),
            ("logout_uri", "https://evil.example/")
        ])
    ))))
    .await;
    assert_eq!(out.status, 400);

    // Discovery points at the hosted endpoints.
    let (_, doc) =
        s.ts.get_json(&format!("/{}/.well-known/openid-configuration", s.pool))
            .await;
    assert_eq!(doc["token_endpoint"], s.url("/oauth2/token"));
    assert_eq!(doc["authorization_endpoint"], s.url("/oauth2/authorize"));
    assert_eq!(doc["userinfo_endpoint"], s.url("/oauth2/userInfo"));
});

each_backend!(google_through_configured_endpoints, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    let r = signed(
        &s.ts,
        "CreateIdentityProvider",
        &json!({
            "UserPoolId": s.pool, "ProviderName": "Google", "ProviderType": "Google",
            "ProviderDetails": { "client_id": IDP_CLIENT, "client_secret": IDP_SECRET, "authorize_scopes": "openid profile email" },
            "AttributeMapping": { "email": "email" },
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The configured endpoints show in the provider's details.
    assert_eq!(
        r.json()["IdentityProvider"]["ProviderDetails"]["token_url"],
        format!("{}/token", s.fake.base)
    );
    // The client does not support Google yet: the request goes back with an error.
    let refused = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[("identity_provider", "Google")])
    ))))
    .await;
    assert_eq!(refused.status, 302);
    assert_eq!(refused.location_params()["error"], "invalid_request");
    let r = signed(
        &s.ts,
        "UpdateUserPoolClient",
        &json!({
            "UserPoolId": s.pool, "ClientId": s.client,
            "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email"], "CallbackURLs": [CALLBACK],
            "SupportedIdentityProviders": ["Google"],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let back = s
        .federate_through(
            "Google",
            "openid profile email",
            &[],
            "g-code",
            json!({ "sub": "1057", "email": "g@example.com" }),
        )
        .await;
    assert_eq!(back.status, 302, "{}", back.body);
    let code = back.location_params()["code"].clone();
    let (status, tokens) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ])
        .await;
    assert_eq!(status, 200, "{tokens}");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "Google_1057");
    let identity = &id["identities"][0];
    assert_eq!(identity["providerType"], "Google");
    assert_eq!(identity["providerName"], "Google");
    assert_eq!(identity["userId"], "1057");
    assert_eq!(identity["issuer"], Value::Null);
    // Without COGNITO among the client's providers, the password form is not offered.
    let page = browse(
        s.http
            .get(s.url(&format!("/login?{}", s.authorize_query(&[])))),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<form"));
    assert!(page.body.contains("Continue with Google"));
    // A code of this client is no good for another client.
    let other = signed(
        &s.ts,
        "CreateUserPoolClient",
        &json!({ "UserPoolId": s.pool, "ClientName": "other" }),
    )
    .await
    .json();
    let other_id = other["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let back = s
        .federate_through(
            "Google",
            "openid profile email",
            &[],
            "g-code-2",
            json!({ "sub": "1057", "email": "g@example.com" }),
        )
        .await;
    let code = back.location_params()["code"].clone();
    let r = s
        .http
        .post(s.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("client_id", &other_id),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "error": "invalid_grant" })
    );
});

each_backend!(code_and_session_lifetimes, |backend| async move {
    let clock = cognate_testkit::FakeClock::new();
    let Some(s) = setup_with_clock(backend, clock.clone()).await else {
        return;
    };
    let first = s.federate(&[], "c-1", json!({ "sub": "u-1" })).await;
    let session = first.cookies["cognito"].clone();
    let stale = first.location_params()["code"].clone();
    // A code is good for five minutes.
    clock.advance(std::time::Duration::from_secs(301));
    let (status, body) = s
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &stale),
            ("redirect_uri", CALLBACK),
        ])
        .await;
    assert_eq!(
        (status, body),
        (400, json!({ "error": "invalid_grant" })),
        "expired code"
    );
    // The session still signs in without the provider (a new code at once) ...
    let sso = |cookie: String| {
        browse(
            s.http
                .get(s.url(&format!("/oauth2/authorize?{}", s.authorize_query(&[]))))
                .header("cookie", format!("cognito={cookie}")),
        )
    };
    let again = sso(session.clone()).await;
    assert_eq!(again.status, 302);
    assert!(
        again.location.starts_with(&format!("{CALLBACK}?code=")),
        "{}",
        again.location
    );
    // ... for an hour; then the sign-in page again.
    clock.advance(std::time::Duration::from_secs(3600));
    let later = sso(session).await;
    assert_eq!(later.status, 302);
    assert!(
        later.location.starts_with(&s.url("/login?")),
        "{}",
        later.location
    );
    // A tampered cookie is no session either.
    let forged = sso("AAAA".into()).await;
    assert!(
        forged.location.starts_with(&s.url("/login?")),
        "{}",
        forged.location
    );
});

each_backend!(hosted_refusals, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    // A client without the implicit flow asking for tokens.
    let r = signed(
        &s.ts,
        "CreateUserPoolClient",
        &json!({
            "UserPoolId": s.pool, "ClientName": "code-only",
            "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid"], "CallbackURLs": [CALLBACK],
            "SupportedIdentityProviders": ["COGNITO"],
        }),
    )
    .await
    .json();
    let code_only = r["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        form(&[
            ("response_type", "token"),
            ("client_id", &code_only),
            ("redirect_uri", CALLBACK),
            ("state", "x")
        ])
    ))))
    .await;
    assert_eq!(refused.status, 302);
    assert!(
        refused.location.starts_with(&format!("{CALLBACK}#")),
        "{}",
        refused.location
    );
    assert_eq!(refused.location_params()["error"], "unauthorized_client");
    // PKCE other than S256.
    let plain = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain")
        ])
    ))))
    .await;
    assert_eq!(plain.location_params()["error"], "invalid_request");
    // An unknown client: a page, no redirect.
    let unknown = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        form(&[
            ("response_type", "code"),
            ("client_id", "nope"),
            ("redirect_uri", CALLBACK)
        ])
    ))))
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.location.is_empty());
    // Users the hosted page can not finish: a temporary password, a disabled account.
    let r = signed(&s.ts, "AdminCreateUser", &json!({ "UserPoolId": s.pool, "Username": "temp", "TemporaryPassword": "Temp0rary-Pass!", "MessageAction": "SUPPRESS" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = signed(
        &s.ts,
        "AdminCreateUser",
        &json!({ "UserPoolId": s.pool, "Username": "off", "MessageAction": "SUPPRESS" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    signed(&s.ts, "AdminSetUserPassword", &json!({ "UserPoolId": s.pool, "Username": "off", "Password": "Corr3ct-Horse!", "Permanent": true })).await;
    signed(
        &s.ts,
        "AdminDisableUser",
        &json!({ "UserPoolId": s.pool, "Username": "off" }),
    )
    .await;
    let login = format!("/login?{}", s.authorize_query(&[]));
    for (user, password, message) in [
        ("temp", "Temp0rary-Pass!", "Please enter a new password."),
        ("off", "Corr3ct-Horse!", "User is disabled."),
        ("<ghost>", "whatever", "User does not exist."),
    ] {
        let page = browse(s.http.get(s.url(&login))).await;
        let csrf = csrf_of(&page.body);
        let answer = browse(
            s.http
                .post(s.url(&login))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("XSRF-TOKEN={csrf}"))
                .body(form(&[
                    ("_csrf", &csrf),
                    ("username", user),
                    ("password", password),
                ])),
        )
        .await;
        assert_eq!(answer.status, 200, "{user}");
        assert!(answer.body.contains(message), "{user}: {}", answer.body);
        assert!(!answer.cookies.contains_key("cognito"));
        // What was typed comes back escaped.
        assert!(!answer.body.contains("<ghost>"));
    }
    let page = browse(s.http.get(s.url(&login))).await;
    let csrf = csrf_of(&page.body);
    let echoed = browse(
        s.http
            .post(s.url(&login))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("XSRF-TOKEN={csrf}"))
            .body(form(&[
                ("_csrf", &csrf),
                ("username", "<ghost>"),
                ("password", "x"),
            ])),
    )
    .await;
    assert!(
        echoed.body.contains("value=\"&lt;ghost&gt;\""),
        "{}",
        echoed.body
    );
    // Token endpoint: unknown grant, missing grant, unknown client.
    let (status, body) = s.token(&[("grant_type", "password")]).await;
    assert_eq!(
        (status, body),
        (400, json!({ "error": "unsupported_grant_type" }))
    );
    let (status, body) = s.token(&[("code", "x")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    let r = s
        .http
        .post(s.url("/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "nope"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Revoking an access token is refused; an unknown refresh token is fine.
    let r = s
        .http
        .post(s.url("/oauth2/revoke"))
        .basic_auth(&s.client, Some(&s.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", "a.b.c")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "error": "unsupported_token_type" })
    );
    let r = s
        .http
        .post(s.url("/oauth2/revoke"))
        .basic_auth(&s.client, Some(&s.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", "not-a-token-we-issued")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
});

each_backend!(sign_in_with_apple, |backend| async move {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use base64::Engine;
    let Some(s) = setup(backend).await else {
        return;
    };
    let doc = EcdsaKeyPair::generate_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &aws_lc_rs::rand::SystemRandom::new(),
    )
    .unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).unwrap();
    *s.fake.state.apple_public_key.lock().unwrap() = Some(pair.public_key().as_ref().to_vec());
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(doc.as_ref())
    );
    // A key that is no key is refused when the provider is created.
    let r = signed(&s.ts, "CreateIdentityProvider", &json!({
        "UserPoolId": s.pool, "ProviderName": "SignInWithApple", "ProviderType": "SignInWithApple",
        "ProviderDetails": { "client_id": IDP_CLIENT, "team_id": "TEAM1", "key_id": "KEY1", "private_key": "nope", "authorize_scopes": "email name" },
    })).await;
    assert_eq!(r.error_type(), "InvalidParameterException");
    let r = signed(&s.ts, "CreateIdentityProvider", &json!({
        "UserPoolId": s.pool, "ProviderName": "SignInWithApple", "ProviderType": "SignInWithApple",
        "ProviderDetails": { "client_id": IDP_CLIENT, "team_id": "TEAM1", "key_id": "KEY1", "private_key": pem, "authorize_scopes": "email name" },
    })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = signed(
        &s.ts,
        "UpdateUserPoolClient",
        &json!({
            "UserPoolId": s.pool, "ClientId": s.client,
            "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email"], "CallbackURLs": [CALLBACK],
            "SupportedIdentityProviders": ["SignInWithApple"],
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let to_idp = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[("identity_provider", "SignInWithApple")])
    ))))
    .await;
    let q = to_idp.location_params();
    assert_eq!(q["response_mode"], "form_post");
    // A cross-site form post carries no SameSite=Lax cookie: over plain http Apple's answer is not bound.
    assert!(!to_idp.cookies.contains_key("cognate-federation"));
    assert_eq!(q["scope"], "email name");
    s.fake.state.codes.lock().unwrap().insert(
        "apple-code".into(),
        json!({ "sub": "001234.abcd", "email": "a@privaterelay.example", "nonce": q["nonce"] }),
    );
    // Apple posts the answer back as a form.
    let back = browse(
        s.http
            .post(s.url("/oauth2/idpresponse"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("code", "apple-code"), ("state", &q["state"])])),
    )
    .await;
    assert_eq!(back.status, 302, "{}", back.body);
    assert!(
        back.location_params().contains_key("code"),
        "{}",
        back.location
    );
    let user = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "SignInWithApple_001234.abcd" }),
    )
    .await;
    assert_eq!(user.status, 200, "{}", user.text);
    assert_eq!(user.json()["UserStatus"], "EXTERNAL_PROVIDER");
    // The client secret sent was a fresh ES256 JWT, never the key.
    let sent = s.fake.state.token_requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["client_secret"].split('.').count(), 3);
});

each_backend!(federation_is_bound_to_the_browser, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    let to_idp = browse(s.http.get(s.url(&format!(
        "/oauth2/authorize?{}",
        s.authorize_query(&[("identity_provider", "Corp")])
    ))))
    .await;
    let q = to_idp.location_params();
    let binding = to_idp.cookies["cognate-federation"].clone();
    s.fake.state.codes.lock().unwrap().insert(
        "bound-code".into(),
        json!({ "sub": "u-7", "nonce": q["nonce"] }),
    );
    let answer = |cookie: Option<String>| {
        let mut req = s.http.get(s.url(&format!(
            "/oauth2/idpresponse?{}",
            form(&[("code", "bound-code"), ("state", &q["state"])])
        )));
        if let Some(c) = cookie {
            req = req.header("cookie", format!("cognate-federation={c}"));
        }
        browse(req)
    };
    // Another browser (no cookie, or another one): a page, no redirect, no user,
    // and the provider's code is not even spent.
    for cookie in [None, Some("someone-elses".to_string())] {
        let refused = answer(cookie).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.location.is_empty());
        assert!(refused.body.contains("another browser"), "{}", refused.body);
    }
    assert!(s.fake.state.token_requests.lock().unwrap().is_empty());
    let r = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "Corp_u-7" }),
    )
    .await;
    assert_eq!(r.error_type(), "UserNotFoundException");
    // The browser that started it finishes it, and the cookie is cleared.
    let done = answer(Some(binding)).await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert!(done.location_params().contains_key("code"));
    assert_eq!(done.cookies["cognate-federation"], "");
});

each_backend!(operator_templates, |backend| async move {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("login.html"),
        "<h1 id=\"brand\">ACME sign-in for {{ client_name }}</h1>\n<form method=\"post\" action=\"{{ action }}\"><input type=\"hidden\" name=\"_csrf\" value=\"{{ csrf }}\"></form>",
    )
    .unwrap();
    let templates = dir.path().to_path_buf();
    let Some(ts) = TestServer::start_with(backend, move |c| {
        c.hosted.templates_dir = Some(templates);
    })
    .await
    else {
        return;
    };
    let pool = signed(&ts, "CreateUserPool", &json!({ "PoolName": "branded" }))
        .await
        .json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    signed(
        &ts,
        "CreateUserPoolDomain",
        &json!({ "UserPoolId": pool, "Domain": "branded" }),
    )
    .await;
    let client = signed(
        &ts,
        "CreateUserPoolClient",
        &json!({
            "UserPoolId": pool, "ClientName": "Shop Co",
            "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid"], "CallbackURLs": [CALLBACK],
            "SupportedIdentityProviders": ["COGNITO"],
        }),
    )
    .await
    .json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let page = get(
        &ts,
        &format!(
            "/login?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &client),
                ("redirect_uri", CALLBACK)
            ])
        ),
    )
    .await;
    assert_eq!(page.status, 200);
    // The operator's template.
    assert!(
        page.text.contains("ACME sign-in for Shop Co"),
        "{}",
        page.text
    );
    assert!(page.text.contains("name=\"_csrf\""));
    // A template the directory does not have stays built in.
    let error = get(&ts, "/oauth2/authorize?client_id=nope&response_type=code").await;
    assert_eq!(error.status, 400);
    assert!(
        error.text.contains("An error was encountered"),
        "{}",
        error.text
    );
});

each_backend!(hosted_sign_in_migrates_users, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    s.fake.state.responses.lock().unwrap().insert(
        "UserMigration_Authentication".into(),
        json!({ "userAttributes": { "email": "old@legacy.example" }, "finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS" }),
    );
    let login = format!("/login?{}", s.authorize_query(&[("scope", "openid email")]));
    let page = browse(s.http.get(s.url(&login))).await;
    let csrf = csrf_of(&page.body);
    let done = browse(
        s.http
            .post(s.url(&login))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("XSRF-TOKEN={csrf}"))
            .body(form(&[
                ("_csrf", &csrf),
                ("username", "legacy"),
                ("password", "Old-Passw0rd!"),
            ])),
    )
    .await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert!(done.location_params().contains_key("code"));
    let events = s.fake.take_events();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "UserMigration_Authentication",
            "PostAuthentication_Authentication"
        ]
    );
    assert_eq!(events[0]["request"]["password"], "Old-Passw0rd!");
    assert_eq!(events[0]["userName"], "legacy");
    assert_eq!(events[0]["callerContext"]["clientId"], s.client);
    let user = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "legacy" }),
    )
    .await;
    assert_eq!(user.json()["UserStatus"], "CONFIRMED");
});

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field: {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

each_backend!(new_password_on_the_hosted_page, |backend| async move {
    let Some(s) = setup(backend).await else {
        return;
    };
    let r = signed(&s.ts, "AdminCreateUser", &json!({ "UserPoolId": s.pool, "Username": "newbie", "TemporaryPassword": "Temp0rary-Pass!", "MessageAction": "SUPPRESS" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.fake.take_events();
    let login = s.url(&format!("/login?{}", s.authorize_query(&[])));
    let page = browse(s.http.get(&login)).await;
    let csrf = csrf_of(&page.body);
    let post = |url: String, csrf: String, pairs: Vec<(&'static str, String)>| {
        let mut body = vec![("_csrf", csrf.clone())];
        body.extend(pairs);
        browse(
            s.http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("XSRF-TOKEN={csrf}"))
                .body(
                    body.iter()
                        .map(|(k, v)| format!("{k}={}", query_escape(v)))
                        .collect::<Vec<_>>()
                        .join("&"),
                ),
        )
    };
    // The temporary password leads to the new-password form.
    let change = post(
        login.clone(),
        csrf,
        vec![
            ("username", "newbie".into()),
            ("password", "Temp0rary-Pass!".into()),
        ],
    )
    .await;
    assert_eq!(change.status, 200);
    assert!(
        change.body.contains("Please enter a new password."),
        "{}",
        change.body
    );
    assert_eq!(s.fake.sources(), ["PreAuthentication_Authentication"]);
    let action = hidden_action(&change.body);
    let session = hidden(&change.body, "session");
    // Mismatch, then a password the policy refuses: the form again, same session.
    let csrf = csrf_of(&change.body);
    let again = post(
        action.clone(),
        csrf,
        vec![
            ("session", session.clone()),
            ("new_password", "N3w-Passw0rd!".into()),
            ("confirm_password", "other".into()),
        ],
    )
    .await;
    assert!(
        again.body.contains("Passwords do not match."),
        "{}",
        again.body
    );
    let csrf = csrf_of(&again.body);
    let weak = post(
        action.clone(),
        csrf,
        vec![
            ("session", session.clone()),
            ("new_password", "short".into()),
            ("confirm_password", "short".into()),
        ],
    )
    .await;
    assert_eq!(weak.status, 200);
    assert!(
        weak.body.contains("Password did not conform with policy"),
        "{}",
        weak.body
    );
    // A good one signs in.
    let csrf = csrf_of(&weak.body);
    let done = post(
        action.clone(),
        csrf,
        vec![
            ("session", session.clone()),
            ("new_password", "N3w-Passw0rd!".into()),
            ("confirm_password", "N3w-Passw0rd!".into()),
        ],
    )
    .await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert!(done.location_params().contains_key("code"));
    assert!(done.cookies.contains_key("cognito"));
    assert_eq!(s.fake.sources(), ["PostAuthentication_Authentication"]);
    let user = signed(
        &s.ts,
        "AdminGetUser",
        &json!({ "UserPoolId": s.pool, "Username": "newbie" }),
    )
    .await;
    assert_eq!(user.json()["UserStatus"], "CONFIRMED");
    // The session is spent: it starts over at the sign-in page.
    let page = browse(s.http.get(&login)).await;
    let csrf = csrf_of(&page.body);
    let replay = post(
        action,
        csrf,
        vec![
            ("session", session),
            ("new_password", "An0ther-Passw0rd!".into()),
            ("confirm_password", "An0ther-Passw0rd!".into()),
        ],
    )
    .await;
    assert_eq!(replay.status, 200);
    assert!(
        replay.body.contains("session is expired"),
        "{}",
        replay.body
    );
    assert!(replay.body.contains("name=\"username\""));
});

fn hidden_action(page: &str) -> String {
    let marker = "action=\"";
    let start = page.find(marker).expect("a form") + marker.len();
    page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
}
