//! Hosted sign-in on Cognito's OAuth 2.0 endpoints: checking authorize
//! requests, the hosted password sign-in, federated sign-in through an
//! OIDC-style provider, one-time codes, and the token, userInfo and revoke
//! endpoints. No HTTP here: `cognate-api::hosted` renders pages, cookies and
//! redirects from what these functions return.
//!
//! Everything between two browser requests travels sealed under the master
//! key (the authorization code, the state sent to the provider, the session
//! cookie), so any node can continue a sign-in; single use of a code is
//! recorded in the store (`consume_nonce`).

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{AppClient, IdentityProvider, User, UserPool, UserState};
use crate::ports::timestamp;
use crate::service::Cognate;
use crate::tokens::{OAuthGrant, Tokens};
use crate::triggers::CallMeta;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How long an authorization code may be redeemed.
pub const CODE_SECONDS: i64 = 300;
/// How long the hosted session cookie keeps a browser signed in.
pub const SESSION_SECONDS: i64 = 3600;
/// How long a browser may take at the identity provider.
const FEDERATION_SECONDS: i64 = 600;
const CODE_AAD: &[u8] = b"cognate oauth code v1";
const SESSION_AAD: &[u8] = b"cognate hosted session v1";
const STATE_AAD: &[u8] = b"cognate idp state v1";
/// The identity-provider name of the pool's own users.
pub const COGNITO: &str = "COGNITO";

/// The query of `/oauth2/authorize` (and of `/login`, which carries it on).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
}

/// A checked authorize request: what a code or tokens will be issued under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub pool_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// `code` or `token`.
    pub response_type: String,
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
}

/// Why an authorize request (or a step after it) failed.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizeError {
    /// The client or redirect URI can not be trusted: shown on a page, never redirected.
    Page {
        error: OAuthErrorCode,
        description: String,
    },
    /// Reported to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthErrorCode,
        description: String,
        /// Implicit grants answer in the fragment.
        fragment: bool,
    },
}

impl AuthorizeError {
    fn page(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self::Page {
            error,
            description: description.into(),
        }
    }
}

impl Grant {
    fn fail(&self, error: OAuthErrorCode, description: impl Into<String>) -> AuthorizeError {
        AuthorizeError::Redirect {
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            error,
            description: description.into(),
            fragment: self.response_type == "token",
        }
    }
    fn oauth(&self) -> OAuthGrant {
        OAuthGrant {
            scopes: self.scopes.clone(),
            nonce: self.nonce.clone(),
            auth_time: None,
        }
    }
}

/// The sealed contents of an authorization code.
#[derive(Debug, Serialize, Deserialize)]
struct CodeClaims {
    grant: Grant,
    sub: String,
    auth_time: i64,
    exp: i64,
    jti: String,
}

/// The sealed hosted session (the `cognito` cookie): who signed in to which pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostedSession {
    pub pool_id: String,
    pub sub: String,
    pub auth_time: i64,
    pub exp: i64,
}

/// The sealed state sent to an identity provider and returned to `/oauth2/idpresponse`.
#[derive(Debug, Serialize, Deserialize)]
struct FederationState {
    grant: Grant,
    provider: String,
    /// The nonce sent to the provider; its ID token must carry it.
    nonce: String,
    exp: i64,
    /// SHA-256 (base64url) of the browser token the answer must come with (the
    /// federation cookie), so a sign-in can not be finished in another browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binding: Option<String>,
}

/// Going to an identity provider: its URL, and the token to keep in the browser
/// (a cookie for `/oauth2/idpresponse`) when the answer is bound to it.
#[derive(Debug)]
pub struct Federation {
    pub url: String,
    pub browser_token: Option<String>,
}

/// What `/oauth2/authorize` does next.
#[derive(Debug)]
pub enum AuthorizeStep {
    /// Show the hosted sign-in page for this request.
    Login,
    /// Go to the identity provider.
    Federate(Federation),
    /// Signed in already (session cookie): back to the client (URL).
    Done(String),
}

/// The OAuth 2.0 error codes the hosted endpoints answer (RFC 6749 4.1.2.1 and
/// 5.2, RFC 7009, and Cognito's `redirect_mismatch` page): the one table of
/// their wire names and HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    UnsupportedTokenType,
    InvalidScope,
    AccessDenied,
    ServerError,
    RedirectMismatch,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        use OAuthErrorCode::*;
        match self {
            InvalidRequest => "invalid_request",
            InvalidClient => "invalid_client",
            InvalidGrant => "invalid_grant",
            UnauthorizedClient => "unauthorized_client",
            UnsupportedGrantType => "unsupported_grant_type",
            UnsupportedResponseType => "unsupported_response_type",
            UnsupportedTokenType => "unsupported_token_type",
            InvalidScope => "invalid_scope",
            AccessDenied => "access_denied",
            ServerError => "server_error",
            RedirectMismatch => "redirect_mismatch",
        }
    }

    /// The status of a JSON answer (`/oauth2/token`, `/oauth2/revoke`) or an error page.
    pub fn status(self) -> u16 {
        match self {
            OAuthErrorCode::InvalidClient => 401,
            OAuthErrorCode::ServerError => 500,
            _ => 400,
        }
    }
}

/// What the hosted sign-in form leads to.
#[derive(Debug)]
pub enum HostedSignIn {
    /// Signed in.
    Done(Box<User>),
    /// The password was a temporary one: a new password is asked for, under
    /// this (sealed, single-use) session.
    NewPassword { session: String },
}

/// An error of `/oauth2/token` and `/oauth2/revoke`, as JSON `{"error": ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    pub description: Option<String>,
}

impl OAuthError {
    fn new(error: OAuthErrorCode) -> Self {
        Self {
            error,
            description: None,
        }
    }
    fn with(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self {
            description: Some(description.into()),
            ..Self::new(error)
        }
    }
}

/// The form of `POST /oauth2/token` plus the client's Basic credentials.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// From `Authorization: Basic`.
    pub basic: Option<(String, String)>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// Standard scopes; `phone`, `email` and `profile` need `openid`.
const NEEDS_OPENID: &[&str] = &["phone", "email", "profile"];

fn s256(verifier: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A claim as an attribute value (strings as they are, other JSON as text).
fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn claim_str<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

impl Cognate {
    fn seal_json<T: Serialize>(&self, value: &T, aad: &[u8]) -> CoreResult<String> {
        let plain = serde_json::to_vec(value).map_err(CoreError::internal)?;
        Ok(self.master.seal_to_string(&plain, aad))
    }

    fn open_json<T: serde::de::DeserializeOwned>(&self, sealed: &str, aad: &[u8]) -> Option<T> {
        let plain = self.master.open_from_str(sealed, aad).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    /// The base URL of the hosted endpoints (this server's public URL).
    pub fn hosted_base(&self) -> String {
        self.identity
            .public_base_url
            .trim_end_matches('/')
            .to_string()
    }

    /// Checks an authorize request: the client, its redirect URI (errors about
    /// those two are shown, not redirected), the OAuth flow, scopes and PKCE.
    pub async fn check_authorize(
        &self,
        p: &AuthorizeParams,
    ) -> Result<(UserPool, AppClient, Grant), AuthorizeError> {
        let client_id = p
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                AuthorizeError::page(OAuthErrorCode::InvalidRequest, "client_id is missing.")
            })?;
        let (pool, client) = self.client_by_id(client_id).await.map_err(|_| {
            AuthorizeError::page(OAuthErrorCode::InvalidRequest, "Client does not exist.")
        })?;
        match self.pool_domain(&pool.id).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(AuthorizeError::page(
                    OAuthErrorCode::InvalidRequest,
                    "The user pool of this client has no domain; create one with CreateUserPoolDomain.",
                ));
            }
            Err(e) => return Err(AuthorizeError::page(OAuthErrorCode::ServerError, e.message)),
        }
        let redirect_uri = p
            .redirect_uri
            .clone()
            .or_else(|| client.settings.default_redirect_uri.clone())
            .unwrap_or_default();
        if !client.settings.callback_urls.contains(&redirect_uri) {
            return Err(AuthorizeError::page(
                OAuthErrorCode::RedirectMismatch,
                "redirect_uri is not one of the client's callback URLs.",
            ));
        }
        let response_type = p.response_type.clone().unwrap_or_default();
        let mut grant = Grant {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            redirect_uri,
            response_type: response_type.clone(),
            scopes: Vec::new(),
            state: p.state.clone(),
            nonce: p.nonce.clone(),
            code_challenge: None,
        };
        let flow = match response_type.as_str() {
            "code" => "code",
            "token" => "implicit",
            _ => {
                grant.response_type = "code".into();
                return Err(grant.fail(
                    OAuthErrorCode::UnsupportedResponseType,
                    "response_type must be code or token.",
                ));
            }
        };
        let s = &client.settings;
        if !s.allowed_oauth_flows_user_pool_client
            || !s.allowed_oauth_flows.iter().any(|f| f == flow)
        {
            return Err(grant.fail(
                OAuthErrorCode::UnauthorizedClient,
                format!("The client is not allowed the {flow} flow."),
            ));
        }
        let requested: Vec<String> = match p.scope.as_deref().map(str::trim) {
            Some(scope) if !scope.is_empty() => {
                let mut v: Vec<String> = Vec::new();
                for x in scope.split([' ', '+']).filter(|x| !x.is_empty()) {
                    if !v.iter().any(|y| y == x) {
                        v.push(x.to_string());
                    }
                }
                v
            }
            _ => s.allowed_oauth_scopes.clone(),
        };
        if let Some(bad) = requested
            .iter()
            .find(|x| !s.allowed_oauth_scopes.contains(x))
        {
            return Err(grant.fail(
                OAuthErrorCode::InvalidScope,
                format!("The client may not request scope {bad}."),
            ));
        }
        if requested.iter().any(|x| NEEDS_OPENID.contains(&x.as_str()))
            && !requested.iter().any(|x| x == "openid")
        {
            return Err(grant.fail(
                OAuthErrorCode::InvalidScope,
                "The phone, email and profile scopes need openid.",
            ));
        }
        grant.scopes = requested;
        if flow == "code" && p.code_challenge.as_deref().is_some_and(|c| !c.is_empty()) {
            if p.code_challenge_method.as_deref() != Some("S256") {
                return Err(grant.fail(
                    OAuthErrorCode::InvalidRequest,
                    "code_challenge_method must be S256.",
                ));
            }
            grant.code_challenge = p.code_challenge.clone();
        }
        Ok((pool, client, grant))
    }

    /// Which identity provider an authorize request names: None for the pool's
    /// own users (COGNITO, or none named).
    pub async fn requested_provider(
        &self,
        pool: &UserPool,
        client: &AppClient,
        grant: &Grant,
        p: &AuthorizeParams,
    ) -> Result<Option<IdentityProvider>, AuthorizeError> {
        let supported = &client.settings.supported_identity_providers;
        let provider = match (p.identity_provider.as_deref(), p.idp_identifier.as_deref()) {
            (Some(name), _) if name.eq_ignore_ascii_case(COGNITO) => {
                if !supported.iter().any(|x| x == COGNITO) {
                    return Err(grant.fail(
                        OAuthErrorCode::InvalidRequest,
                        "The client does not support the COGNITO identity provider.",
                    ));
                }
                return Ok(None);
            }
            (Some(name), _) if !name.is_empty() => self
                .describe_identity_provider(&pool.id, name)
                .await
                .map_err(|_| {
                    grant.fail(
                        OAuthErrorCode::InvalidRequest,
                        format!("The identity provider {name} does not exist."),
                    )
                })?,
            (_, Some(id)) if !id.is_empty() => self
                .identity_provider_by_identifier(&pool.id, id)
                .await
                .map_err(|_| {
                    grant.fail(
                        OAuthErrorCode::InvalidRequest,
                        format!("No identity provider has the identifier {id}."),
                    )
                })?,
            _ => return Ok(None),
        };
        if !supported.contains(&provider.provider_name) {
            return Err(grant.fail(
                OAuthErrorCode::InvalidRequest,
                format!(
                    "The client does not support the identity provider {}.",
                    provider.provider_name
                ),
            ));
        }
        Ok(Some(provider))
    }

    /// `/oauth2/authorize`: checks the request, then picks the next step.
    pub async fn oauth_authorize(
        &self,
        p: &AuthorizeParams,
        session: Option<&str>,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let (pool, client, grant) = self.check_authorize(p).await?;
        if let Some(provider) = self.requested_provider(&pool, &client, &grant, p).await? {
            let federation = self
                .federation_url(&grant, &provider)
                .map_err(|e| grant.fail(OAuthErrorCode::ServerError, e.message))?;
            return Ok(AuthorizeStep::Federate(federation));
        }
        if let Some(s) = session.and_then(|c| self.open_hosted_session(c, &pool.id)) {
            let user = self
                .store
                .get_user_by_sub(&pool.id, &s.sub)
                .await
                .ok()
                .flatten();
            if let Some(user) = user.filter(|u| u.enabled) {
                let location = self
                    .complete_authorize(&pool, &client, &grant, &user, s.auth_time)
                    .await?;
                return Ok(AuthorizeStep::Done(location));
            }
        }
        Ok(AuthorizeStep::Login)
    }

    /// The session cookie's value after a hosted sign-in.
    pub fn hosted_session(&self, pool_id: &str, user: &User, auth_time: i64) -> CoreResult<String> {
        self.seal_json(
            &HostedSession {
                pool_id: pool_id.to_string(),
                sub: user.sub.clone(),
                auth_time,
                exp: self.now().unix_timestamp() + SESSION_SECONDS,
            },
            SESSION_AAD,
        )
    }

    /// The session a cookie holds, when it is valid for this pool.
    pub fn open_hosted_session(&self, cookie: &str, pool_id: &str) -> Option<HostedSession> {
        let s: HostedSession = self.open_json(cookie, SESSION_AAD)?;
        (s.pool_id == pool_id && s.exp > self.now().unix_timestamp()).then_some(s)
    }

    /// The hosted sign-in form: checks the password and runs the sign-in
    /// triggers (PreAuthentication, PostAuthentication). A temporary password
    /// leads to the new-password form; users who owe MFA are refused with a
    /// clear message.
    pub async fn hosted_password_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> CoreResult<HostedSignIn> {
        if !client
            .settings
            .supported_identity_providers
            .iter()
            .any(|x| x == COGNITO)
        {
            return Err(CoreError::new(
                ErrorKind::UnsupportedIdentityProvider,
                "The client does not support sign-in with a user name and password.",
            ));
        }
        let meta = CallMeta::client(&client.client_id);
        let user = match self.find_user(pool, username).await? {
            Some(u) if u.status != "EXTERNAL_PROVIDER" => {
                let mut u = u;
                self.pre_authentication(pool, &u, &meta).await?;
                self.check_user_state(client, &u)?;
                self.check_lockout(&u)?;
                if !self.password_matches(pool, &u, password) {
                    self.record_failure(&mut u).await?;
                    return Err(crate::auth::incorrect());
                }
                u
            }
            Some(_) => return Err(Self::unknown_user(client)),
            // As InitiateAuth does: an unknown user may be migrated (the
            // trigger checks the password).
            None => match self
                .migrate_user(
                    pool,
                    username,
                    Some(password),
                    "UserMigration_Authentication",
                    &meta,
                )
                .await?
            {
                Some(u) => {
                    self.check_user_state(client, &u)?;
                    u
                }
                None => return Err(Self::unknown_user(client)),
            },
        };
        if user.status == "FORCE_CHANGE_PASSWORD" {
            if user
                .state
                .temporary_password_expires
                .is_some_and(|t| t < timestamp(self.now()))
            {
                return Err(CoreError::not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            let state = self.new_state(
                pool,
                client,
                &user,
                "NEW_PASSWORD_REQUIRED",
                client.auth_session_seconds() as f64,
            );
            return Ok(HostedSignIn::NewPassword {
                session: self.session_string(&state)?,
            });
        }
        self.finish_hosted_sign_in(pool, client, user)
            .await
            .map(|u| HostedSignIn::Done(Box::new(u)))
    }

    /// The new-password form after a temporary password: the pool's password
    /// policy, required attributes present, the session spent only when the
    /// answer is accepted (a weak password can be corrected).
    pub async fn hosted_new_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: &str,
        new_password: &str,
    ) -> CoreResult<User> {
        let state = self
            .open_session(Some(session), client, "NEW_PASSWORD_REQUIRED", false)
            .await?;
        let mut user = self.require_user(pool, &state.username).await?;
        if user.status != "FORCE_CHANGE_PASSWORD" {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        crate::users::check_password_policy(pool, new_password)?;
        if let Some(a) = pool.schema_attributes.iter().find(|a| {
            a.required == Some(true) && a.name() != "sub" && !user.attributes.contains_key(a.name())
        }) {
            return Err(CoreError::invalid_parameter(format!(
                "Invalid attributes given, {} is missing",
                a.name()
            )));
        }
        if !self.store.consume_nonce(&state.nonce, state.exp).await? {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        self.set_password(pool, &mut user, new_password)?;
        user.status = "CONFIRMED".into();
        user.state.temporary_password_expires = None;
        self.save_with_aliases(pool, &mut user, false).await?;
        self.finish_hosted_sign_in(pool, client, user).await
    }

    /// After the password: MFA (not offered by the hosted pages yet), the
    /// lockout counter, PostAuthentication.
    async fn finish_hosted_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        mut user: User,
    ) -> CoreResult<User> {
        if self.mfa_owed(pool, &user) {
            return Err(CoreError::new(
                ErrorKind::NotImplemented,
                "This account needs an MFA code, which the hosted pages do not ask for yet; sign in through the API instead.",
            ));
        }
        if crate::auth::lockout::clear(&mut user) {
            self.save_user(&mut user).await?;
        }
        self.post_authentication(pool, &user, &CallMeta::client(&client.client_id), false)
            .await?;
        Ok(user)
    }

    /// The redirect that ends a sign-in: a one-time code, or (implicit) the
    /// tokens in the fragment.
    pub async fn complete_authorize(
        &self,
        pool: &UserPool,
        client: &AppClient,
        grant: &Grant,
        user: &User,
        auth_time: i64,
    ) -> Result<String, AuthorizeError> {
        if grant.response_type == "token" {
            let tokens = self
                .hosted_tokens(pool, client, user, grant, auth_time)
                .await
                .map_err(|e| grant.fail(OAuthErrorCode::ServerError, e.message))?;
            // (The serializer is not Send: it is made after the await.)
            let mut out = form_urlencoded::Serializer::new(String::new());
            out.append_pair("access_token", &tokens.access_token);
            if !tokens.id_token.is_empty() {
                out.append_pair("id_token", &tokens.id_token);
            }
            out.append_pair("token_type", "Bearer");
            out.append_pair("expires_in", &tokens.expires_in.to_string());
            if let Some(s) = &grant.state {
                out.append_pair("state", s);
            }
            return Ok(format!("{}#{}", grant.redirect_uri, out.finish()));
        }
        let claims = CodeClaims {
            grant: grant.clone(),
            sub: user.sub.clone(),
            auth_time,
            exp: self.now().unix_timestamp() + CODE_SECONDS,
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        let code = self
            .seal_json(&claims, CODE_AAD)
            .map_err(|e| grant.fail(OAuthErrorCode::ServerError, e.message))?;
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair("code", &code);
        if let Some(s) = &grant.state {
            out.append_pair("state", s);
        }
        let sep = if grant.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{}", grant.redirect_uri, out.finish()))
    }

    /// Tokens of a hosted sign-in (PreTokenGeneration source `TokenGeneration_HostedAuth`).
    async fn hosted_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        grant: &Grant,
        auth_time: i64,
    ) -> CoreResult<Tokens> {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let mut oauth = grant.oauth();
        // The sign-in may precede this code exchange (a session cookie of up to an hour).
        oauth.auth_time = Some(auth_time);
        let mut tokens = self
            .issue_tokens_with(
                pool,
                client,
                user,
                None,
                Some(&rid),
                "TokenGeneration_HostedAuth",
                &CallMeta::client(&client.client_id),
                None,
                Some(&oauth),
            )
            .await?;
        if grant.response_type == "token" {
            tokens.refresh_token = None;
        }
        Ok(tokens)
    }

    // ---- Federation ----

    /// The provider's authorize URL for this request, with a sealed state bound
    /// to a browser token. Apple answers with a cross-site form post, which
    /// carries the cookie only as `SameSite=None; Secure`: over plain http (a
    /// development server) its answers are not bound.
    fn federation_url(&self, grant: &Grant, provider: &IdentityProvider) -> CoreResult<Federation> {
        let config = self.provider_config(provider, false)?;
        let nonce = cognate_crypto::random_string(32, cognate_crypto::ALNUM);
        let bound = provider.provider_type != "SignInWithApple" || self.hosted_secure();
        let browser_token = bound.then(|| cognate_crypto::random_string(32, cognate_crypto::ALNUM));
        let state = self.seal_json(
            &FederationState {
                grant: grant.clone(),
                provider: provider.provider_name.clone(),
                nonce: nonce.clone(),
                exp: self.now().unix_timestamp() + FEDERATION_SECONDS,
                binding: browser_token.as_deref().map(s256),
            },
            STATE_AAD,
        )?;
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("response_type", "code");
        q.append_pair("client_id", &config.client_id);
        q.append_pair("redirect_uri", &self.idp_redirect_uri());
        q.append_pair("scope", &config.scopes.replace(',', " "));
        q.append_pair("state", &state);
        q.append_pair("nonce", &nonce);
        if provider.provider_type == "SignInWithApple" {
            q.append_pair("response_mode", "form_post");
        }
        let sep = if config.authorize_url.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(Federation {
            url: format!("{}{sep}{}", config.authorize_url, q.finish()),
            browser_token,
        })
    }

    /// Whether the hosted endpoints are served over https (cookies can be `Secure`).
    pub fn hosted_secure(&self) -> bool {
        self.hosted_base().starts_with("https:")
    }

    /// Where providers send the browser back.
    pub fn idp_redirect_uri(&self) -> String {
        format!("{}/oauth2/idpresponse", self.hosted_base())
    }

    /// `/oauth2/idpresponse`: exchanges the provider's code, verifies its ID
    /// token, creates or updates the federated user (with the sign-up triggers
    /// on the first sign-in), runs the sign-in triggers and ends the authorize
    /// request. Returns the redirect and the hosted session for the cookie.
    pub async fn idp_response(
        &self,
        code: Option<&str>,
        state: Option<&str>,
        error: Option<&str>,
        error_description: Option<&str>,
        browser_token: Option<&str>,
    ) -> Result<(String, String), AuthorizeError> {
        let state: FederationState = state
            .and_then(|s| self.open_json(s, STATE_AAD))
            .ok_or_else(|| {
                AuthorizeError::page(OAuthErrorCode::InvalidRequest, "Invalid state.")
            })?;
        if let Some(binding) = &state.binding {
            let sent = browser_token.map(s256).unwrap_or_default();
            if !cognate_crypto::constant_time_eq(sent.as_bytes(), binding.as_bytes()) {
                // Not redirected: the request did not come from the browser that started it.
                return Err(AuthorizeError::page(
                    OAuthErrorCode::InvalidRequest,
                    "This sign-in was started in another browser (or its cookie expired); start again.",
                ));
            }
        }
        let grant = &state.grant;
        if state.exp < self.now().unix_timestamp() {
            return Err(grant.fail(
                OAuthErrorCode::InvalidRequest,
                "The sign-in took too long; start again.",
            ));
        }
        if let Some(e) = error {
            let description = error_description.unwrap_or(e).to_string();
            return Err(grant.fail(OAuthErrorCode::AccessDenied, description));
        }
        let code = code.filter(|c| !c.is_empty()).ok_or_else(|| {
            grant.fail(
                OAuthErrorCode::InvalidRequest,
                "The identity provider sent no code.",
            )
        })?;
        let (pool, client) = self
            .client_by_id(&grant.client_id)
            .await
            .map_err(|e| grant.fail(OAuthErrorCode::InvalidRequest, e.message))?;
        let provider = self
            .describe_identity_provider(&pool.id, &state.provider)
            .await
            .map_err(|e| grant.fail(OAuthErrorCode::InvalidRequest, e.message))?;
        let claims = self
            .exchange_idp_code(&pool, &provider, code, &state.nonce)
            .await
            .map_err(|e| grant.fail(OAuthErrorCode::InvalidRequest, e.message))?;
        let user = self
            .federated_sign_in(&pool, &client, &provider, &claims)
            .await
            .map_err(|e| grant.fail(OAuthErrorCode::InvalidRequest, e.message))?;
        let auth_time = self.now().unix_timestamp();
        let cookie = self
            .hosted_session(&pool.id, &user, auth_time)
            .map_err(|e| grant.fail(OAuthErrorCode::ServerError, e.message))?;
        let location = self
            .complete_authorize(&pool, &client, grant, &user, auth_time)
            .await?;
        Ok((location, cookie))
    }

    /// The provider's token endpoint, then its ID token checked: signature
    /// (the provider's JWKS), issuer, audience, expiry and our nonce.
    async fn exchange_idp_code(
        &self,
        pool: &UserPool,
        provider: &IdentityProvider,
        code: &str,
        nonce: &str,
    ) -> CoreResult<Value> {
        let config = self.provider_config(provider, true)?;
        let failed = |why: &str| {
            CoreError::new(
                ErrorKind::NotAuthorized,
                format!("Sign-in through {} failed: {why}", provider.provider_name),
            )
        };
        let fetcher = self
            .fetcher
            .as_ref()
            .ok_or_else(|| failed("the server has no HTTP client"))?;
        let redirect_uri = self.idp_redirect_uri();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("client_id", config.client_id.as_str()),
        ];
        if let Some(secret) = config.client_secret.as_deref() {
            form.push(("client_secret", secret));
        }
        let answer = fetcher.post_form(&config.token_url, &form).await.map_err(|e| {
            tracing::info!(provider = %provider.provider_name, error = %e, "token request failed");
            failed("the token request was refused")
        })?;
        let id_token = claim_str(&answer, "id_token")
            .ok_or_else(|| failed("the token response has no id_token"))?;
        let key = format!("idp:{}:{}", pool.id, provider.provider_name);
        let jwks = self
            .provider_jwks(&key, &config.issuer, config.jwks_uri.as_deref())
            .await
            .map_err(|_| failed("the provider's keys could not be fetched"))?;
        let claims = match cognate_crypto::RsaSigningKey::verify_external_jwt(id_token, &jwks) {
            Ok(c) => c,
            Err(_) => {
                // The provider may have rotated its keys since they were cached: fetch them once more.
                if let Ok(mut cache) = self.jwks_cache.write() {
                    cache.remove(&key);
                }
                let jwks = self
                    .provider_jwks(&key, &config.issuer, config.jwks_uri.as_deref())
                    .await
                    .map_err(|_| failed("the provider's keys could not be fetched"))?;
                cognate_crypto::RsaSigningKey::verify_external_jwt(id_token, &jwks)
                    .map_err(|_| failed("the ID token's signature does not verify"))?
            }
        };
        if claim_str(&claims, "iss") != Some(config.issuer.as_str()) {
            return Err(failed("the ID token has another issuer"));
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == config.client_id,
            Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(&config.client_id)),
            _ => false,
        };
        if !aud_ok {
            return Err(failed("the ID token is for another audience"));
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= self.now().unix_timestamp() {
            return Err(failed("the ID token has expired"));
        }
        let sent = claim_str(&claims, "nonce").unwrap_or_default();
        if !cognate_crypto::constant_time_eq(sent.as_bytes(), nonce.as_bytes()) {
            return Err(failed("the ID token's nonce does not match"));
        }
        // OIDC providers with a userinfo endpoint (`attributes_url`): its claims
        // join the ID token's (for the same subject).
        let mut claims = claims;
        let attributes_url = provider
            .provider_details
            .get("attributes_url")
            .filter(|u| !u.is_empty());
        if let (Some(url), "OIDC") = (attributes_url, provider.provider_type.as_str()) {
            let access_token = claim_str(&answer, "access_token")
                .ok_or_else(|| failed("the token response has no access_token for userinfo"))?;
            let post = provider
                .provider_details
                .get("attributes_request_method")
                .is_some_and(|m| m == "POST");
            let info = fetcher
                .get_json_with_token(url, access_token, post)
                .await
                .map_err(|e| {
                    tracing::info!(provider = %provider.provider_name, error = %e, "userinfo request failed");
                    failed("the userinfo request was refused")
                })?;
            if claim_str(&info, "sub") != claim_str(&claims, "sub") {
                return Err(failed("userinfo names another subject"));
            }
            if let (Some(extra), Some(merged)) = (info.as_object(), claims.as_object_mut()) {
                for (k, v) in extra {
                    merged.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        Ok(claims)
    }

    /// Creates (first sign-in) or updates the user `<ProviderName>_<id>`.
    async fn federated_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        provider: &IdentityProvider,
        claims: &Value,
    ) -> CoreResult<User> {
        let meta = CallMeta::client(&client.client_id);
        let id_claim = provider
            .attribute_mapping
            .get("username")
            .map_or("sub", String::as_str);
        let user_id = claims
            .get(id_claim)
            .and_then(claim_text)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                CoreError::not_authorized(format!("The ID token has no {id_claim} claim."))
            })?;
        let mut mapped = BTreeMap::new();
        for (attr, claim) in &provider.attribute_mapping {
            if attr == "username" {
                continue;
            }
            if let Some(v) = claims.get(claim).and_then(claim_text) {
                mapped.insert(attr.clone(), v);
            }
        }
        let username = format!("{}_{}", provider.provider_name, user_id);
        let existing = self
            .store
            .get_user(&pool.id, &pool.username_key(&username))
            .await?;
        let user = match existing {
            Some(mut user) => {
                // Mapped attributes are rewritten on every sign-in.
                let mut changed = false;
                for (k, v) in mapped {
                    if user.attributes.get(&k) != Some(&v) {
                        user.attributes.insert(k, v);
                        changed = true;
                    }
                }
                if changed {
                    self.save_user(&mut user).await?;
                }
                user
            }
            None => {
                let now = timestamp(self.now());
                let sub = uuid::Uuid::new_v4().to_string();
                let issuer = match provider.provider_type.as_str() {
                    "OIDC" => provider
                        .provider_details
                        .get("oidc_issuer")
                        .map_or(Value::Null, |i| json!(i)),
                    _ => Value::Null,
                };
                let identities = json!([{
                    "userId": user_id,
                    "providerName": provider.provider_name,
                    "providerType": provider.provider_type,
                    "issuer": issuer,
                    "primary": "true",
                    "dateCreated": ((now * 1000.0) as i64).to_string(),
                }]);
                let mut attributes = mapped;
                attributes.insert("sub".into(), sub.clone());
                attributes.insert("identities".into(), identities.to_string());
                let user = User {
                    pool_id: pool.id.clone(),
                    username_key: pool.username_key(&username),
                    username,
                    sub,
                    status: "EXTERNAL_PROVIDER".into(),
                    enabled: true,
                    attributes,
                    // Federated users hold no aliases: they sign in through their provider.
                    aliases: Default::default(),
                    password: None,
                    state: UserState::default(),
                    created: now,
                    modified: now,
                };
                // A rejection here creates nothing.
                self.pre_sign_up(pool, &user, "PreSignUp_ExternalProvider", &meta)
                    .await?;
                self.store.create_user(&user).await?;
                self.post_confirmation(pool, &user, "PostConfirmation_ConfirmSignUp", &meta)
                    .await?;
                user
            }
        };
        self.pre_authentication(pool, &user, &meta).await?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        self.post_authentication(pool, &user, &meta, false).await?;
        Ok(user)
    }

    // ---- Token, userInfo, revoke ----

    /// Authenticates the client of a token or revoke request.
    async fn oauth_client(
        &self,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        basic: Option<&(String, String)>,
    ) -> Result<(UserPool, AppClient), OAuthError> {
        let (id, secret) = match basic {
            Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
            None => (client_id, client_secret),
        };
        let id = id
            .filter(|i| !i.is_empty())
            .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidRequest))?;
        let (pool, client) = self
            .client_by_id(id)
            .await
            .map_err(|_| OAuthError::new(OAuthErrorCode::InvalidClient))?;
        if let Some(expected) = &client.client_secret {
            let ok = secret.is_some_and(|s| {
                cognate_crypto::constant_time_eq(s.as_bytes(), expected.as_bytes())
            });
            if !ok {
                return Err(OAuthError::new(OAuthErrorCode::InvalidClient));
            }
        }
        Ok((pool, client))
    }

    /// `POST /oauth2/token`: the authorization_code and refresh_token grants.
    pub async fn oauth_token(&self, r: &TokenRequest) -> Result<Value, OAuthError> {
        let grant_type = r.grant_type.as_deref().unwrap_or_default();
        if grant_type.is_empty() {
            return Err(OAuthError::with(
                OAuthErrorCode::InvalidRequest,
                "grant_type is missing",
            ));
        }
        let (pool, client) = self
            .oauth_client(
                r.client_id.as_deref(),
                r.client_secret.as_deref(),
                r.basic.as_ref(),
            )
            .await?;
        match grant_type {
            "authorization_code" => self.redeem_oauth_code(&pool, &client, r).await,
            "refresh_token" => {
                if !client.settings.allowed_oauth_flows_user_pool_client {
                    return Err(OAuthError::new(OAuthErrorCode::UnauthorizedClient));
                }
                let token = r
                    .refresh_token
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidRequest))?;
                let (claims, user, session) = self
                    .check_refresh_token(&client, token)
                    .await
                    .map_err(|_| OAuthError::new(OAuthErrorCode::InvalidGrant))?;
                let tokens = self
                    .refresh(
                        &pool,
                        &client,
                        &claims,
                        &user,
                        &session,
                        &CallMeta::client(&client.client_id),
                    )
                    .await
                    .map_err(|e| match e.kind {
                        ErrorKind::Internal => OAuthError::new(OAuthErrorCode::ServerError),
                        _ => OAuthError::with(OAuthErrorCode::InvalidGrant, e.message),
                    })?;
                Ok(token_json(&tokens))
            }
            "client_credentials" => Err(OAuthError::with(
                OAuthErrorCode::UnsupportedGrantType,
                "client_credentials is not supported by this server yet",
            )),
            _ => Err(OAuthError::new(OAuthErrorCode::UnsupportedGrantType)),
        }
    }

    async fn redeem_oauth_code(
        &self,
        pool: &UserPool,
        client: &AppClient,
        r: &TokenRequest,
    ) -> Result<Value, OAuthError> {
        let invalid = || OAuthError::new(OAuthErrorCode::InvalidGrant);
        let code = r
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidRequest))?;
        let claims: CodeClaims = self.open_json(code, CODE_AAD).ok_or_else(invalid)?;
        let grant = &claims.grant;
        if grant.client_id != client.client_id || grant.pool_id != pool.id {
            return Err(invalid());
        }
        if claims.exp < self.now().unix_timestamp() {
            return Err(invalid());
        }
        if r.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
            return Err(invalid());
        }
        if let Some(challenge) = &grant.code_challenge {
            let verifier = r.code_verifier.as_deref().unwrap_or_default();
            let computed = s256(verifier);
            if verifier.is_empty()
                || !cognate_crypto::constant_time_eq(computed.as_bytes(), challenge.as_bytes())
            {
                return Err(invalid());
            }
        }
        let first = self
            .store
            .consume_nonce(&format!("code:{}", claims.jti), claims.exp as f64)
            .await
            .map_err(|_| OAuthError::new(OAuthErrorCode::ServerError))?;
        if !first {
            return Err(invalid());
        }
        let user = self
            .store
            .get_user_by_sub(&pool.id, &claims.sub)
            .await
            .map_err(|_| OAuthError::new(OAuthErrorCode::ServerError))?
            .filter(|u| u.enabled)
            .ok_or_else(invalid)?;
        let tokens = self
            .hosted_tokens(pool, client, &user, grant, claims.auth_time)
            .await
            .map_err(|e| match e.kind {
                ErrorKind::Internal => OAuthError::new(OAuthErrorCode::ServerError),
                _ => OAuthError::with(OAuthErrorCode::InvalidGrant, e.message),
            })?;
        Ok(token_json(&tokens))
    }

    /// `/oauth2/userInfo`: the user's attributes the token's scopes allow.
    pub async fn user_info(&self, access_token: &str) -> CoreResult<Value> {
        let ctx = self.check_access_token_for(access_token, "openid").await?;
        let scopes: Vec<&str> = ctx
            .claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .collect();
        let client = self
            .store
            .get_client_by_id(&ctx.client_id)
            .await?
            .map(|c| c.settings.read_attributes)
            .unwrap_or_default();
        let readable = |name: &str| client.is_empty() || client.iter().any(|r| r == name);
        let allowed = |name: &str| match name {
            "email" | "email_verified" => scopes.contains(&"email"),
            "phone_number" | "phone_number_verified" => scopes.contains(&"phone"),
            _ => scopes.contains(&"profile") || scopes.contains(&crate::tokens::ADMIN_SCOPE),
        };
        let mut out = serde_json::Map::new();
        out.insert("sub".into(), json!(ctx.user.sub));
        for (name, value) in &ctx.user.attributes {
            if name == "sub" || name.starts_with("dev:") || !readable(name) || !allowed(name) {
                continue;
            }
            let v = match name.as_str() {
                "identities" => serde_json::from_str(value).unwrap_or_else(|_| json!(value)),
                _ => json!(value),
            };
            out.insert(name.clone(), v);
        }
        out.insert("username".into(), json!(ctx.user.username));
        Ok(Value::Object(out))
    }

    /// `POST /oauth2/revoke`.
    pub async fn oauth_revoke(
        &self,
        token: Option<&str>,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        basic: Option<&(String, String)>,
    ) -> Result<(), OAuthError> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::new(OAuthErrorCode::InvalidRequest))?;
        let (_, client) = self.oauth_client(client_id, client_secret, basic).await?;
        let secret = client.client_secret.clone();
        self.revoke_token(&client, token, secret.as_deref())
            .await
            .map_err(|e| match e.kind {
                ErrorKind::UnsupportedTokenType => {
                    OAuthError::new(OAuthErrorCode::UnsupportedTokenType)
                }
                ErrorKind::UnsupportedOperation => OAuthError::with(
                    OAuthErrorCode::InvalidRequest,
                    "Token revocation is disabled for this client.",
                ),
                ErrorKind::Internal => OAuthError::new(OAuthErrorCode::ServerError),
                _ => OAuthError::new(OAuthErrorCode::InvalidGrant),
            })
    }

    /// `/logout`: where to send the browser (the session cookie is cleared by the caller).
    pub async fn logout_target(
        &self,
        client_id: Option<&str>,
        logout_uri: Option<&str>,
        p: &AuthorizeParams,
    ) -> Result<String, AuthorizeError> {
        let client_id = client_id.filter(|c| !c.is_empty()).ok_or_else(|| {
            AuthorizeError::page(OAuthErrorCode::InvalidRequest, "client_id is missing.")
        })?;
        let (_, client) = self.client_by_id(client_id).await.map_err(|_| {
            AuthorizeError::page(OAuthErrorCode::InvalidRequest, "Client does not exist.")
        })?;
        if let Some(uri) = logout_uri {
            if !client.settings.logout_urls.iter().any(|u| u == uri) {
                return Err(AuthorizeError::page(
                    OAuthErrorCode::RedirectMismatch,
                    "logout_uri is not one of the client's sign-out URLs.",
                ));
            }
            return Ok(uri.to_string());
        }
        // Sign out, then sign in again: back to the login page with the same request.
        self.check_authorize(p).await?;
        let query = p.to_query();
        Ok(format!("{}/login?{query}", self.hosted_base()))
    }
}

/// The JSON body of a successful token response.
fn token_json(t: &Tokens) -> Value {
    let mut m = serde_json::Map::new();
    if !t.id_token.is_empty() {
        m.insert("id_token".into(), json!(t.id_token));
    }
    m.insert("access_token".into(), json!(t.access_token));
    if let Some(r) = &t.refresh_token {
        m.insert("refresh_token".into(), json!(r));
    }
    m.insert("expires_in".into(), json!(t.expires_in));
    m.insert("token_type".into(), json!("Bearer"));
    Value::Object(m)
}

impl AuthorizeParams {
    /// The parameters as a query string (only those present).
    pub fn to_query(&self) -> String {
        let p = self;
        let mut q = form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("response_type", &p.response_type),
            ("client_id", &p.client_id),
            ("redirect_uri", &p.redirect_uri),
            ("state", &p.state),
            ("scope", &p.scope),
            ("identity_provider", &p.identity_provider),
            ("idp_identifier", &p.idp_identifier),
            ("code_challenge", &p.code_challenge),
            ("code_challenge_method", &p.code_challenge_method),
            ("nonce", &p.nonce),
        ];
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}
