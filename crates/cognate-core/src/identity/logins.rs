//! Checking the tokens of a `Logins` map: this server's user pools, OpenID
//! Connect providers, Facebook and Login with Amazon, and this server's own
//! identity tokens. Every failure is Cognito's NotAuthorizedException.

use super::model::IdentityPoolRecord;
use super::{COGNITO_IDENTITY_PROVIDER, ExternalProvider};
use crate::error::{CoreError, CoreResult};
use crate::service::Cognate;
use cognate_crypto::RsaSigningKey;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a fetched JWKS or discovery document is reused.
const JWKS_TTL: Duration = Duration::from_secs(300);

/// What kind of login a validated token is.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginKind {
    /// A user pool of this server; the client id the token was issued to.
    UserPool { pool_id: String, client_id: String },
    /// An OpenID Connect provider, Google or Apple.
    Oidc,
    /// Facebook or Login with Amazon (access tokens).
    OAuth,
    /// This server's identity token (GetOpenIdTokenForDeveloperIdentity).
    CognitoIdentity,
}

/// A login whose token checked out.
#[derive(Debug, Clone)]
pub struct ValidLogin {
    /// The provider name as the pool knows it (the `Logins` key).
    pub provider: String,
    /// The user's id at the provider (`sub`, the Facebook user id, ...).
    pub subject: String,
    /// The token's claims (empty for access-token providers).
    pub claims: Value,
    pub kind: LoginKind,
}

fn denied(message: &str) -> CoreError {
    CoreError::not_authorized(message.to_string())
}

fn unsupported_provider() -> CoreError {
    denied("Token is not from a supported provider of this identity pool.")
}

fn claim_str<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn audiences(claims: &Value) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

impl Cognate {
    /// Validates one `Logins` entry against the pool's configuration.
    pub async fn validate_login(
        &self,
        pool: &IdentityPoolRecord,
        key: &str,
        token: &str,
    ) -> CoreResult<ValidLogin> {
        let now = self.now().unix_timestamp();
        if key == COGNITO_IDENTITY_PROVIDER {
            let claims = self.verify_identity_token(token).await?;
            if claim_str(&claims, "aud") != Some(pool.pool.identity_pool_id.as_str()) {
                return Err(denied("Invalid login token. Incorrect token audience."));
            }
            check_exp(&claims, now)?;
            let subject = claim_str(&claims, "sub").unwrap_or_default().to_string();
            return Ok(ValidLogin {
                provider: key.to_string(),
                subject,
                claims,
                kind: LoginKind::CognitoIdentity,
            });
        }
        if pool.pool.developer_provider_name.as_deref() == Some(key) {
            // Developer logins only come through GetOpenIdTokenForDeveloperIdentity.
            return Err(denied(
                "Developer provider logins are only accepted by GetOpenIdTokenForDeveloperIdentity.",
            ));
        }
        if let Some(user_pool_id) = self.user_pool_of_provider(key) {
            return self
                .validate_user_pool_login(pool, key, &user_pool_id, token, now)
                .await;
        }
        self.validate_external_login(pool, key, token, now).await
    }

    async fn validate_user_pool_login(
        &self,
        pool: &IdentityPoolRecord,
        key: &str,
        user_pool_id: &str,
        token: &str,
        now: i64,
    ) -> CoreResult<ValidLogin> {
        let configured: Vec<_> = pool
            .pool
            .cognito_identity_providers
            .iter()
            .filter(|p| {
                p.provider_name
                    .as_deref()
                    .and_then(|n| self.user_pool_of_provider(n))
                    .as_deref()
                    == Some(user_pool_id)
            })
            .collect();
        if configured.is_empty() {
            return Err(unsupported_provider());
        }
        // The issuer first: a token of another pool (or server) under this key.
        let unverified = crate::tokens::unverified_claims(token).ok_or_else(|| {
            denied("Invalid login token. Not a valid OpenId Connect identity token.")
        })?;
        if claim_str(&unverified, "iss") != Some(self.issuer(user_pool_id).as_str()) {
            return Err(denied(
                "Invalid login token. Issuer doesn't match providerName",
            ));
        }
        let keys = match self.pool_keys(user_pool_id).await {
            Ok(k) => k,
            Err(_) => return Err(denied("Invalid login token. Couldn't verify signed token.")),
        };
        // ID tokens are signed with the pool's ID-token key only; the issuer was
        // checked above on these same bytes.
        let claims = keys
            .id_token
            .verify_own_jwt(token)
            .map_err(|_| denied("Invalid login token. Couldn't verify signed token."))?;
        if claim_str(&claims, "token_use") != Some("id") {
            return Err(denied(
                "Invalid login token. Not a valid OpenId Connect identity token.",
            ));
        }
        check_exp(&claims, now)?;
        let aud = claim_str(&claims, "aud").unwrap_or_default().to_string();
        let Some(provider) = configured
            .iter()
            .find(|p| p.client_id.as_deref() == Some(aud.as_str()))
        else {
            // cognito-compat: a client the pool does not list is "not a supported provider".
            return Err(unsupported_provider());
        };
        if provider.server_side_token_check == Some(true) {
            self.server_side_token_check(user_pool_id, &claims).await?;
        }
        let subject = claim_str(&claims, "sub").unwrap_or_default().to_string();
        Ok(ValidLogin {
            // The pool's own spelling of the provider, for links and role mappings.
            provider: provider
                .provider_name
                .clone()
                .unwrap_or_else(|| key.to_string()),
            subject,
            claims,
            kind: LoginKind::UserPool {
                pool_id: user_pool_id.to_string(),
                client_id: aud,
            },
        })
    }

    /// ServerSideTokenCheck: the user still exists, is enabled, and the sign-in
    /// the token belongs to was not revoked (sign-out, revocation).
    async fn server_side_token_check(&self, user_pool_id: &str, claims: &Value) -> CoreResult<()> {
        let rejected = || denied("Invalid login token. Token has been revoked.");
        let sub = claim_str(claims, "sub").unwrap_or_default();
        let user = self
            .store
            .get_user_by_sub(user_pool_id, sub)
            .await?
            .ok_or_else(rejected)?;
        if !user.enabled {
            return Err(denied("Invalid login token. User is disabled."));
        }
        if let Some(jti) = claim_str(claims, "origin_jti") {
            match self.store.get_auth_session(user_pool_id, jti).await? {
                Some(s) if !s.revoked => {}
                _ => return Err(rejected()),
            }
        }
        Ok(())
    }

    fn provider_settings(&self, key: &str) -> Option<&ExternalProvider> {
        self.identity_settings.providers.get(key)
    }

    async fn validate_external_login(
        &self,
        pool: &IdentityPoolRecord,
        key: &str,
        token: &str,
        now: i64,
    ) -> CoreResult<ValidLogin> {
        let app_id = pool.pool.supported_login_providers.get(key);
        let by_arn = pool
            .pool
            .open_id_connect_provider_arns
            .iter()
            .any(|arn| arn.split_once(":oidc-provider/").map(|(_, k)| k) == Some(key));
        if app_id.is_none() && !by_arn {
            return Err(unsupported_provider());
        }
        let settings = self.provider_settings(key).cloned().unwrap_or_default();
        if let Some(url) = &settings.token_info_url {
            return self
                .validate_access_token(key, url, app_id.map(String::as_str), token, now)
                .await;
        }
        let issuer = settings
            .issuer
            .clone()
            .unwrap_or_else(|| format!("https://{key}"));
        let jwks = self
            .provider_jwks(key, &issuer, settings.jwks_uri.as_deref())
            .await?;
        let claims = RsaSigningKey::verify_external_jwt(token, &jwks)
            .map_err(|_| denied("Invalid login token. Couldn't verify signed token."))?;
        if claim_str(&claims, "iss") != Some(issuer.as_str()) {
            return Err(denied(
                "Invalid login token. Issuer doesn't match providerName",
            ));
        }
        check_exp(&claims, now)?;
        let auds = audiences(&claims);
        let accepted: Vec<String> = match app_id {
            // cognito-compat: SupportedLoginProviders may list several app ids, comma separated.
            Some(ids) => ids.split(',').map(|s| s.trim().to_string()).collect(),
            None => settings.client_ids.clone(),
        };
        if !accepted.is_empty() && !auds.iter().any(|a| accepted.contains(a)) {
            return Err(denied("Invalid login token. Incorrect token audience."));
        }
        let subject = claim_str(&claims, "sub")
            .ok_or_else(|| denied("Invalid login token. Missing sub claim."))?
            .to_string();
        Ok(ValidLogin {
            provider: key.to_string(),
            subject,
            claims,
            kind: LoginKind::Oidc,
        })
    }

    /// Facebook (`debug_token` shape) and Login with Amazon (`tokeninfo` shape).
    async fn validate_access_token(
        &self,
        key: &str,
        url: &str,
        app_id: Option<&str>,
        token: &str,
        now: i64,
    ) -> CoreResult<ValidLogin> {
        let fetcher = self.fetcher.as_ref().ok_or_else(|| {
            CoreError::new(
                crate::ErrorKind::ExternalService,
                format!("{key} can not be reached from this server."),
            )
        })?;
        let sep = if url.contains('?') { '&' } else { '?' };
        let encoded = urlencode(token);
        let facebook = key == "graph.facebook.com";
        let request = if facebook {
            format!("{url}{sep}input_token={encoded}")
        } else {
            format!("{url}{sep}access_token={encoded}")
        };
        let info = fetcher.get_json(&request).await.map_err(|e| {
            tracing::info!(provider = key, error = %e, "token-info request failed");
            denied("Invalid login token. Couldn't verify the access token.")
        })?;
        // Facebook: `data.expires_at` is a time (0: never). Amazon: `exp` is the
        // seconds the token has left; the app is `app_id` (or the client, `aud`).
        let (valid, token_apps, user_id, expires) = if facebook {
            let d = info.get("data").cloned().unwrap_or(Value::Null);
            (
                d.get("is_valid").and_then(Value::as_bool).unwrap_or(false),
                d.get("app_id")
                    .and_then(value_string)
                    .into_iter()
                    .collect::<Vec<_>>(),
                d.get("user_id").and_then(value_string),
                d.get("expires_at").and_then(Value::as_i64),
            )
        } else {
            (
                info.get("error").is_none(),
                ["app_id", "aud"]
                    .iter()
                    .filter_map(|k| info.get(*k).and_then(value_string))
                    .collect(),
                info.get("user_id").and_then(value_string),
                info.get("exp")
                    .and_then(Value::as_i64)
                    .map(|left| if left <= 0 { now } else { now + left }),
            )
        };
        if !valid {
            return Err(denied(
                "Invalid login token. Couldn't verify the access token.",
            ));
        }
        if let Some(exp) = expires
            && exp != 0
            && exp <= now
        {
            return Err(denied(&format!(
                "Invalid login token. Token expired: {exp} >= {now}"
            )));
        }
        if let Some(expected) = app_id
            && !token_apps.iter().any(|a| a == expected)
        {
            return Err(denied("Invalid login token. Incorrect token audience."));
        }
        let subject =
            user_id.ok_or_else(|| denied("Invalid login token. The token names no user."))?;
        Ok(ValidLogin {
            provider: key.to_string(),
            subject,
            claims: Value::Object(Default::default()),
            kind: LoginKind::OAuth,
        })
    }

    /// The provider's signing keys, fetched (through discovery unless the URI is
    /// configured) and kept for a few minutes; refetched once on failure.
    pub(crate) async fn provider_jwks(
        &self,
        key: &str,
        issuer: &str,
        jwks_uri: Option<&str>,
    ) -> CoreResult<Vec<Value>> {
        if let Ok(cache) = self.jwks_cache.read()
            && let Some((at, keys)) = cache.get(key)
            && at.elapsed() < JWKS_TTL
        {
            return Ok(keys.clone());
        }
        let unreachable = |e: String| {
            tracing::info!(provider = key, error = %e, "could not fetch the provider's keys");
            denied("Invalid login token. Couldn't verify signed token.")
        };
        let fetcher = self
            .fetcher
            .as_ref()
            .ok_or_else(|| unreachable("no HTTP client".into()))?;
        let uri = match jwks_uri {
            Some(u) => u.to_string(),
            None => {
                let discovery = fetcher
                    .get_json(&format!(
                        "{}/.well-known/openid-configuration",
                        issuer.trim_end_matches('/')
                    ))
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                discovery
                    .get("jwks_uri")
                    .and_then(Value::as_str)
                    .ok_or_else(|| unreachable("discovery has no jwks_uri".into()))?
                    .to_string()
            }
        };
        let doc = fetcher
            .get_json(&uri)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| unreachable("JWKS has no keys".into()))?;
        if let Ok(mut cache) = self.jwks_cache.write() {
            cache.insert(key.to_string(), (Instant::now(), keys.clone()));
        }
        Ok(keys)
    }
}

fn value_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn check_exp(claims: &Value, now: i64) -> CoreResult<()> {
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now {
        // cognito-compat: the message as Cognito words it.
        return Err(denied(&format!(
            "Invalid login token. Token expired: {exp} >= {now}"
        )));
    }
    Ok(())
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
