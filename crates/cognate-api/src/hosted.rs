//! The hosted OAuth 2.0 endpoints on the server's public URL (one origin for
//! every pool; the client id names the pool): `/oauth2/authorize`, the
//! `/login` page, `/oauth2/idpresponse`, `/oauth2/token`, `/oauth2/userInfo`,
//! `/oauth2/revoke` and `/logout`. Here live HTTP, cookies, the CSRF check and
//! HTML; the decisions are `cognate_core::oauth`'s.

use crate::router::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_core::oauth::{
    AuthorizeError, AuthorizeParams, AuthorizeStep, COGNITO, HostedSignIn, OAuthError,
    OAuthErrorCode, TokenRequest,
};
use minijinja::{Environment, context};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The hosted session cookie (one pool's sign-in, sealed).
const SESSION_COOKIE: &str = "cognito";
/// The CSRF token, also sent as the form's `_csrf` field.
const CSRF_COOKIE: &str = "XSRF-TOKEN";
/// Binds a federated sign-in to the browser that started it.
const FEDERATION_COOKIE: &str = "cognate-federation";

#[derive(rust_embed::RustEmbed)]
#[folder = "templates/"]
struct Templates;

/// The hosted pages' templates: the embedded ones, or an operator's copies of
/// them (same names) from a directory, read at run time.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn new(override_dir: Option<PathBuf>) -> Self {
        let mut env = Environment::new();
        env.set_loader(move |name| {
            if name.contains("..") || name.starts_with('/') {
                return Ok(None);
            }
            if let Some(dir) = &override_dir {
                match std::fs::read_to_string(dir.join(name)) {
                    Ok(text) => return Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("could not read the template {name}: {e}"),
                        ));
                    }
                }
            }
            Ok(Templates::get(name).and_then(|f| String::from_utf8(f.data.into_owned()).ok()))
        });
        Self { env }
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

impl Default for Pages {
    fn default() -> Self {
        Self::new(None)
    }
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn error_page(state: &AppState, status: StatusCode, error: &str, description: &str) -> Response {
    match state
        .pages
        .render("error.html", context! { error, description })
    {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "error page did not render");
            (status, error.to_string()).into_response()
        }
    }
}

fn redirect(location: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn add_cookie(r: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn cookie_attrs(state: &AppState, max_age: i64) -> String {
    let secure = if state.core.hosted_secure() {
        "; Secure"
    } else {
        ""
    };
    format!("; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The federation cookie: only for `/oauth2/idpresponse`; cross-site form posts
/// (Apple) carry it only as `SameSite=None; Secure`.
fn federation_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let same_site = if state.core.hosted_secure() {
        "None; Secure"
    } else {
        "Lax"
    };
    let base = state.core.hosted_base();
    // The public URL's own path, if any (served behind a proxy under a prefix).
    let prefix = base
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("");
    format!(
        "{FEDERATION_COOKIE}={value}; Path={prefix}/oauth2/idpresponse; Max-Age={max_age}; HttpOnly; SameSite={same_site}"
    )
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn parse_form(bytes: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn authorize_params(q: &BTreeMap<String, String>) -> AuthorizeParams {
    let get = |k: &str| q.get(k).cloned();
    AuthorizeParams {
        response_type: get("response_type"),
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        state: get("state"),
        scope: get("scope"),
        identity_provider: get("identity_provider"),
        idp_identifier: get("idp_identifier"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        nonce: get("nonce"),
    }
}

fn query_map(q: Option<String>) -> BTreeMap<String, String> {
    parse_form(q.unwrap_or_default().as_bytes())
}

/// An authorize error: a page, or a redirect carrying `error`.
fn authorize_error(state: &AppState, e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page { error, description } => {
            error_page(state, StatusCode::BAD_REQUEST, error.as_str(), &description)
        }
        AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
            description,
            fragment,
        } => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("error_description", &description);
            q.append_pair("error", error.as_str());
            if let Some(s) = state {
                q.append_pair("state", &s);
            }
            let sep = if fragment {
                '#'
            } else if redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            redirect(&format!("{redirect_uri}{sep}{}", q.finish()))
        }
    }
}

/// `GET /oauth2/authorize`.
pub async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = authorize_params(&query_map(q));
    let session = cookie(&headers, SESSION_COOKIE);
    match state.core.oauth_authorize(&p, session).await {
        Ok(AuthorizeStep::Login) => redirect(&format!(
            "{}/login?{}",
            state.core.hosted_base(),
            p.to_query()
        )),
        Ok(AuthorizeStep::Federate(f)) => {
            let mut r = redirect(&f.url);
            if let Some(token) = f.browser_token {
                add_cookie(&mut r, federation_cookie(&state, &token, 600));
            }
            r
        }
        Ok(AuthorizeStep::Done(url)) => redirect(&url),
        Err(e) => authorize_error(&state, e),
    }
}

/// The sign-in page for an authorize request, with a fresh CSRF token.
async fn login_page(
    state: &AppState,
    p: &AuthorizeParams,
    error: Option<&str>,
    username: &str,
) -> Response {
    let (_, client, _) = match state.core.check_authorize(p).await {
        Ok(v) => v,
        Err(e) => return authorize_error(state, e),
    };
    let csrf = cognate_crypto::random_string(32, cognate_crypto::ALNUM);
    let query = p.to_query();
    // Absolute URLs: the public URL may have a path (behind a proxy).
    let base = state.core.hosted_base();
    let providers: Vec<minijinja::Value> = client
        .settings
        .supported_identity_providers
        .iter()
        .filter(|n| n.as_str() != COGNITO)
        .map(|name| {
            let mut with = p.clone();
            with.identity_provider = Some(name.clone());
            with.idp_identifier = None;
            context! { name => name, url => format!("{base}/oauth2/authorize?{}", with.to_query()) }
        })
        .collect();
    let show_form = client
        .settings
        .supported_identity_providers
        .iter()
        .any(|n| n == COGNITO);
    let body = state.pages.render(
        "login.html",
        context! {
            client_name => client.settings.client_name,
            action => format!("{base}/login?{query}"),
            csrf => csrf.clone(),
            error => error,
            providers => providers,
            show_form => show_form,
            username => username,
        },
    );
    match body {
        Ok(body) => {
            let mut r = html(StatusCode::OK, body);
            add_cookie(
                &mut r,
                format!("{CSRF_COOKIE}={csrf}{}", cookie_attrs(state, 3600)),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "login page did not render");
            error_page(
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthErrorCode::ServerError.as_str(),
                "",
            )
        }
    }
}

/// `GET /login`.
pub async fn login_form(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let p = authorize_params(&query_map(q));
    login_page(&state, &p, None, "").await
}

/// Whether the form's `_csrf` field matches the `XSRF-TOKEN` cookie.
fn csrf_ok(headers: &HeaderMap, form: &BTreeMap<String, String>) -> bool {
    let sent = form.get("_csrf").map(String::as_str).unwrap_or_default();
    let expected = cookie(headers, CSRF_COOKIE).unwrap_or_default();
    !sent.is_empty() && cognate_crypto::constant_time_eq(sent.as_bytes(), expected.as_bytes())
}

fn csrf_refused(state: &AppState) -> Response {
    error_page(
        state,
        StatusCode::FORBIDDEN,
        OAuthErrorCode::InvalidRequest.as_str(),
        "The form expired or was not sent by this page; reload it and sign in again.",
    )
}

/// `POST /login`: the form; the authorize request is in the query.
pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let p = authorize_params(&query_map(q));
    let form = parse_form(&body);
    if !csrf_ok(&headers, &form) {
        return csrf_refused(&state);
    }
    let (pool, client, grant) = match state.core.check_authorize(&p).await {
        Ok(v) => v,
        Err(e) => return authorize_error(&state, e),
    };
    let username = form.get("username").map(String::as_str).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    match state
        .core
        .hosted_password_sign_in(&pool, &client, username, password)
        .await
    {
        Ok(HostedSignIn::Done(user)) => signed_in(&state, &pool, &client, &grant, &user).await,
        Ok(HostedSignIn::NewPassword { session }) => new_password_page(&state, &p, &session, None),
        // cognito-compat: the page shows the API's message ("Incorrect username or password.").
        Err(e) => login_page(&state, &p, Some(&e.message), username).await,
    }
}

/// The new-password form after a temporary password.
fn new_password_page(
    state: &AppState,
    p: &AuthorizeParams,
    session: &str,
    error: Option<&str>,
) -> Response {
    let csrf = cognate_crypto::random_string(32, cognate_crypto::ALNUM);
    let body = state.pages.render(
        "new_password.html",
        context! {
            action => format!("{}/login/new-password?{}", state.core.hosted_base(), p.to_query()),
            csrf => csrf.clone(),
            session => session,
            error => error,
        },
    );
    match body {
        Ok(body) => {
            let mut r = html(StatusCode::OK, body);
            add_cookie(
                &mut r,
                format!("{CSRF_COOKIE}={csrf}{}", cookie_attrs(state, 3600)),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "new-password page did not render");
            error_page(
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthErrorCode::ServerError.as_str(),
                "",
            )
        }
    }
}

/// `POST /login/new-password`: the new password after a temporary one.
pub async fn new_password_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let p = authorize_params(&query_map(q));
    let form = parse_form(&body);
    if !csrf_ok(&headers, &form) {
        return csrf_refused(&state);
    }
    let (pool, client, grant) = match state.core.check_authorize(&p).await {
        Ok(v) => v,
        Err(e) => return authorize_error(&state, e),
    };
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let session = get("session");
    if get("new_password") != get("confirm_password") {
        return new_password_page(&state, &p, session, Some("Passwords do not match."));
    }
    match state
        .core
        .hosted_new_password(&pool, &client, session, get("new_password"))
        .await
    {
        Ok(user) => signed_in(&state, &pool, &client, &grant, &user).await,
        // An expired session starts over at the sign-in page.
        Err(e) if e.kind == cognate_core::ErrorKind::NotAuthorized => {
            login_page(&state, &p, Some(&e.message), "").await
        }
        Err(e) => new_password_page(&state, &p, session, Some(&e.message)),
    }
}

/// A finished sign-in: the session cookie and the way back to the client.
async fn signed_in(
    state: &AppState,
    pool: &cognate_core::model::UserPool,
    client: &cognate_core::model::AppClient,
    grant: &cognate_core::oauth::Grant,
    user: &cognate_core::model::User,
) -> Response {
    let auth_time = state.core.now().unix_timestamp();
    let session = match state.core.hosted_session(&pool.id, user, auth_time) {
        Ok(s) => s,
        Err(e) => {
            return error_page(
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthErrorCode::ServerError.as_str(),
                &e.message,
            );
        }
    };
    match state
        .core
        .complete_authorize(pool, client, grant, user, auth_time)
        .await
    {
        Ok(location) => {
            let mut r = redirect(&location);
            add_cookie(
                &mut r,
                format!(
                    "{SESSION_COOKIE}={session}{}",
                    cookie_attrs(state, cognate_core::oauth::SESSION_SECONDS)
                ),
            );
            r
        }
        Err(e) => authorize_error(state, e),
    }
}

/// `GET|POST /oauth2/idpresponse` (Apple answers with a form post).
pub async fn idp_response(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = query_map(q);
    params.extend(parse_form(&body));
    let get = |k: &str| params.get(k).map(String::as_str);
    match state
        .core
        .idp_response(
            get("code"),
            get("state"),
            get("error"),
            get("error_description"),
            cookie(&headers, FEDERATION_COOKIE),
        )
        .await
    {
        Ok((location, session)) => {
            let mut r = redirect(&location);
            add_cookie(&mut r, federation_cookie(&state, "", 0));
            add_cookie(
                &mut r,
                format!(
                    "{SESSION_COOKIE}={session}{}",
                    cookie_attrs(&state, cognate_core::oauth::SESSION_SECONDS)
                ),
            );
            r
        }
        Err(e) => authorize_error(&state, e),
    }
}

fn oauth_json(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn oauth_error(e: OAuthError) -> Response {
    let mut body = json!({ "error": e.error.as_str() });
    if let Some(d) = e.description {
        body["error_description"] = json!(d);
    }
    let status = StatusCode::from_u16(e.error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    oauth_json(status, body)
}

/// `Authorization: Basic base64(client_id:client_secret)`.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// `POST /oauth2/token`.
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = parse_form(&body);
    let get = |k: &str| form.get(k).cloned();
    let request = TokenRequest {
        grant_type: get("grant_type"),
        code: get("code"),
        redirect_uri: get("redirect_uri"),
        client_id: get("client_id"),
        client_secret: get("client_secret"),
        basic: basic_auth(&headers),
        code_verifier: get("code_verifier"),
        refresh_token: get("refresh_token"),
    };
    match state.core.oauth_token(&request).await {
        Ok(body) => oauth_json(StatusCode::OK, body),
        Err(e) => oauth_error(e),
    }
}

/// `GET|POST /oauth2/userInfo`.
pub async fn user_info(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        let mut r = oauth_json(
            StatusCode::BAD_REQUEST,
            json!({ "error": OAuthErrorCode::InvalidRequest.as_str(), "error_description": "Access token is missing" }),
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                r#"Bearer error="invalid_request", error_description="Access token is missing""#,
            ),
        );
        return r;
    };
    match state.core.user_info(token).await {
        Ok(body) => oauth_json(StatusCode::OK, body),
        Err(e) if e.kind == cognate_core::ErrorKind::Internal => oauth_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": OAuthErrorCode::ServerError.as_str() }),
        ),
        Err(_) => {
            let description = "Access token is expired, disabled, or deleted, or the user has globally signed out.";
            let mut r = oauth_json(
                StatusCode::UNAUTHORIZED,
                json!({ "error": "invalid_token", "error_description": description }),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                r#"Bearer error="invalid_token", error_description="{description}""#
            )) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            r
        }
    }
}

/// `POST /oauth2/revoke`: 200 with an empty body, also for unknown tokens.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = parse_form(&body);
    let get = |k: &str| form.get(k).map(String::as_str);
    match state
        .core
        .oauth_revoke(
            get("token"),
            get("client_id"),
            get("client_secret"),
            basic_auth(&headers).as_ref(),
        )
        .await
    {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_error(e),
    }
}

/// `GET /logout`: clears the session and redirects to a sign-out URL (or,
/// with an authorize request's parameters, back to the sign-in page).
pub async fn logout(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let q = query_map(q);
    let p = authorize_params(&q);
    match state
        .core
        .logout_target(
            q.get("client_id").map(String::as_str),
            q.get("logout_uri").map(String::as_str),
            &p,
        )
        .await
    {
        Ok(location) => {
            let mut r = redirect(&location);
            add_cookie(
                &mut r,
                format!("{SESSION_COOKIE}={}", cookie_attrs(&state, 0)),
            );
            r
        }
        Err(e) => authorize_error(&state, e),
    }
}
