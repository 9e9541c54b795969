//! ID, access and refresh tokens: Cognito's claim sets, RS256 with the pool's
//! keys, opaque sealed refresh tokens, and the checks token-authenticated
//! operations run (signature, issuer, expiry, use, revocation).

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{AppClient, AuthSession, User, UserPool};
use crate::service::Cognate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Verified access-token digests kept at most (the set starts over beyond this).
const VERIFIED_TOKENS_MAX: usize = 50_000;

/// The claims of a compact JWT before its signature is checked (to pick the
/// key or verifier, or after the same bytes verified once). None unless the
/// payload is base64url JSON of an object.
pub(crate) fn unverified_claims(token: &str) -> Option<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}

pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Claims a pre-token-generation trigger may not add, change or remove.
pub const PROTECTED_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "client_id",
    "cognito:username",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "username",
    "scope",
];
const REFRESH_AAD: &[u8] = b"cognate refresh token v1";

/// What AuthenticationResult carries.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// `NewDeviceMetadata` (DeviceKey, DeviceGroupKey) when the sign-in handed
    /// out a new device.
    pub new_device: Option<(String, String)>,
}

/// The sealed contents of a refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub pool: String,
    pub client: String,
    pub username: String,
    pub sub: String,
    pub origin_jti: String,
    pub auth_time: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<String>,
    /// Id of this refresh token within its sign-in (refresh-token rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<String>,
    /// The scopes an OAuth (hosted) sign-in granted; refreshes keep them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// What an OAuth 2.0 (hosted) sign-in adds to its tokens: the granted scopes
/// (the access token's `scope`; an ID token only with `openid`) and the
/// authorize request's `nonce`.
#[derive(Debug, Clone, Default)]
pub struct OAuthGrant {
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    /// When the user signed in, for a new sign-in's `auth_time` (default: now).
    pub auth_time: Option<i64>,
}

impl OAuthGrant {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// `at_hash`: the left half of SHA-256 of the access token, base64url.
fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A verified access token: the pool, the user and the claims.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub pool: UserPool,
    pub user: User,
    pub client_id: String,
    /// The app client the token was issued to, if it still exists.
    pub client: Option<crate::ports::StoredClient>,
    pub claims: Value,
}

fn claim_value(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => json!(value == "true"),
        "updated_at" => value
            .parse::<i64>()
            .map_or_else(|_| json!(value), |n| json!(n)),
        "address" => json!({ "formatted": value }),
        // Federated users: the attribute is a JSON document; the claim is the array.
        "identities" => serde_json::from_str(value).unwrap_or_else(|_| json!(value)),
        _ => json!(value),
    }
}

impl Cognate {
    /// Mints ID and access tokens (and a refresh token when `refresh` is set) for
    /// one authentication. A fresh sign-in passes `origin = None` and gets a new
    /// origin_jti recorded in the store; a refresh passes the original one.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        origin: Option<(&str, i64)>,
        refresh_id: Option<&str>,
        source: &str,
        meta: &crate::triggers::CallMeta,
        device_key: Option<&str>,
    ) -> CoreResult<Tokens> {
        self.issue_tokens_with(
            pool, client, user, origin, refresh_id, source, meta, device_key, None,
        )
        .await
    }

    /// [`Cognate::issue_tokens`] for an OAuth grant: its scopes in the access
    /// token (and `version: 2`), `nonce` and `at_hash` in the ID token, which
    /// is only issued with `openid` (`id_token` is then empty).
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_tokens_with(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        origin: Option<(&str, i64)>,
        refresh_id: Option<&str>,
        source: &str,
        meta: &crate::triggers::CallMeta,
        device_key: Option<&str>,
        oauth: Option<&OAuthGrant>,
    ) -> CoreResult<Tokens> {
        let now = self.now().unix_timestamp();
        let (origin_jti, auth_time) = match origin {
            Some((jti, t)) => (jti.to_string(), t),
            None => (
                uuid::Uuid::new_v4().to_string(),
                oauth.and_then(|g| g.auth_time).unwrap_or(now),
            ),
        };
        let event_id = uuid::Uuid::new_v4().to_string();
        let issuer = self.issuer(&pool.id);
        let groups = self
            .store
            .groups_for_user(&pool.id, &user.username_key, None, 1000)
            .await?;

        let mut id = Map::new();
        id.insert("sub".into(), json!(user.sub));
        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        if !groups.is_empty() {
            let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
            id.insert("cognito:groups".into(), json!(names));
            access.insert("cognito:groups".into(), json!(names));
            let mut with_roles: Vec<_> = groups.iter().filter(|g| g.role_arn.is_some()).collect();
            if !with_roles.is_empty() {
                let roles: Vec<&str> = with_roles
                    .iter()
                    .filter_map(|g| g.role_arn.as_deref())
                    .collect();
                id.insert("cognito:roles".into(), json!(roles));
                with_roles.sort_by_key(|g| g.precedence.unwrap_or(i64::MAX));
                let best = with_roles[0].precedence.unwrap_or(i64::MAX);
                let tied: Vec<_> = with_roles
                    .iter()
                    .filter(|g| g.precedence.unwrap_or(i64::MAX) == best)
                    .collect();
                // cognito-compat: a tie between different roles leaves preferred_role out.
                if tied.iter().all(|g| g.role_arn == tied[0].role_arn) {
                    id.insert("cognito:preferred_role".into(), json!(tied[0].role_arn));
                }
            }
        }
        let readable = |name: &str| {
            client.settings.read_attributes.is_empty()
                || client.settings.read_attributes.iter().any(|r| r == name)
        };
        for (name, value) in &user.attributes {
            if name == "sub" || name.starts_with("dev:") || !readable(name) {
                continue;
            }
            id.insert(name.clone(), claim_value(name, value));
        }
        id.insert("iss".into(), json!(issuer));
        id.insert("cognito:username".into(), json!(user.username));
        id.insert("origin_jti".into(), json!(origin_jti));
        id.insert("aud".into(), json!(client.client_id));
        id.insert("event_id".into(), json!(event_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(auth_time));
        id.insert("exp".into(), json!(now + client.id_token_seconds()));
        id.insert("iat".into(), json!(now));
        id.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));

        access.insert("iss".into(), json!(issuer));
        access.insert("client_id".into(), json!(client.client_id));
        access.insert("origin_jti".into(), json!(origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        match oauth {
            Some(g) => {
                access.insert("version".into(), json!(2));
                access.insert("scope".into(), json!(g.scopes.join(" ")));
                if let Some(n) = &g.nonce {
                    id.insert("nonce".into(), json!(n));
                }
            }
            None => {
                access.insert("scope".into(), json!(ADMIN_SCOPE));
            }
        }
        access.insert("auth_time".into(), json!(auth_time));
        access.insert("exp".into(), json!(now + client.access_token_seconds()));
        access.insert("iat".into(), json!(now));
        access.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
        access.insert("username".into(), json!(user.username));
        if let Some(d) = device_key {
            access.insert("device_key".into(), json!(d));
        }

        self.pre_token_generation(pool, user, &groups, source, meta, &mut id, &mut access)
            .await?;

        let keys = self.pool_keys(&pool.id).await?;
        let access_token = keys.access_token.sign_jwt(&Value::Object(access))?;
        let id_token = match oauth {
            Some(g) if !g.has("openid") => String::new(),
            Some(_) => {
                id.insert("at_hash".into(), json!(at_hash(&access_token)));
                keys.id_token.sign_jwt(&Value::Object(id))?
            }
            None => keys.id_token.sign_jwt(&Value::Object(id))?,
        };

        let refresh_token = if let Some(rid) = refresh_id {
            let exp = match origin {
                // A rotated token keeps its sign-in's lifetime.
                Some(_) => self
                    .store
                    .get_auth_session(&pool.id, &origin_jti)
                    .await?
                    .map_or(now + client.refresh_token_seconds(), |s| {
                        s.expires_at as i64
                    }),
                None => now + client.refresh_token_seconds(),
            };
            if origin.is_none() {
                self.store
                    .create_auth_session(&AuthSession {
                        pool_id: pool.id.clone(),
                        origin_jti: origin_jti.clone(),
                        username_key: user.username_key.clone(),
                        client_id: client.client_id.clone(),
                        auth_time,
                        expires_at: exp as f64,
                        revoked: false,
                        refresh_id: Some(rid.to_string()),
                        previous_refresh_id: None,
                        rotated_at: None,
                    })
                    .await?;
            }
            let claims = RefreshClaims {
                pool: pool.id.clone(),
                client: client.client_id.clone(),
                username: user.username.clone(),
                sub: user.sub.clone(),
                origin_jti: origin_jti.clone(),
                auth_time,
                exp,
                device_key: device_key.map(str::to_string),
                rid: Some(rid.to_string()),
                scope: oauth.map(|g| g.scopes.join(" ")),
            };
            let plain = serde_json::to_vec(&claims).map_err(CoreError::internal)?;
            Some(self.master.seal_to_string(&plain, REFRESH_AAD))
        } else {
            None
        };
        Ok(Tokens {
            id_token,
            access_token,
            refresh_token,
            expires_in: client.access_token_seconds(),
            new_device: None,
        })
    }

    /// PreTokenGeneration (V1 edits the ID token; V2/V3 both tokens and scopes).
    #[allow(clippy::too_many_arguments)]
    async fn pre_token_generation(
        &self,
        pool: &UserPool,
        user: &User,
        groups: &[crate::model::Group],
        source: &str,
        meta: &crate::triggers::CallMeta,
        id: &mut Map<String, Value>,
        access: &mut Map<String, Value>,
    ) -> CoreResult<()> {
        use crate::triggers::{string_map, user_attributes};
        let Some((_, version)) = Self::trigger_arn(pool, "PreTokenGeneration") else {
            return Ok(());
        };
        let mut request = Map::new();
        request.insert("userAttributes".into(), user_attributes(user));
        let roles: Vec<&str> = groups
            .iter()
            .filter_map(|g| g.role_arn.as_deref())
            .collect();
        request.insert(
            "groupConfiguration".into(),
            json!({
                "groupsToOverride": groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
                "iamRolesToOverride": roles,
                "preferredRole": id.get("cognito:preferred_role").cloned().unwrap_or(Value::Null),
            }),
        );
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        if version != "1" {
            request.insert(
                "scopes".into(),
                json!(
                    access
                        .get("scope")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .split(' ')
                        .collect::<Vec<_>>()
                ),
            );
        }
        let Some(response) = self
            .fire(
                pool,
                "PreTokenGeneration",
                source,
                &user.username,
                meta,
                request,
            )
            .await?
        else {
            return Ok(());
        };
        let malformed = |what: &str| {
            CoreError::new(
                ErrorKind::InvalidLambdaResponse,
                format!("Invalid lambda response: {what}"),
            )
        };
        let apply = |claims: &mut Map<String, Value>, details: &Value| -> CoreResult<()> {
            if let Some(add) = details
                .get("claimsToAddOrOverride")
                .filter(|v| !v.is_null())
            {
                let add = add
                    .as_object()
                    .ok_or_else(|| malformed("claimsToAddOrOverride must be an object"))?;
                for (k, v) in add {
                    if !PROTECTED_CLAIMS.contains(&k.as_str()) {
                        // V1 values are strings; V2 allows any JSON.
                        let value = if version == "1" {
                            json!(v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        } else {
                            v.clone()
                        };
                        claims.insert(k.clone(), value);
                    }
                }
            }
            if let Some(sup) = details.get("claimsToSuppress").filter(|v| !v.is_null()) {
                let sup = sup
                    .as_array()
                    .ok_or_else(|| malformed("claimsToSuppress must be a list"))?;
                for k in sup.iter().filter_map(Value::as_str) {
                    if !PROTECTED_CLAIMS.contains(&k) {
                        claims.remove(k);
                    }
                }
            }
            Ok(())
        };
        let apply_groups = |claims: &mut Map<String, Value>, g: &Value, with_roles: bool| {
            if let Some(list) = g.get("groupsToOverride").filter(|v| !v.is_null()) {
                claims.insert("cognito:groups".into(), list.clone());
            }
            if with_roles {
                if let Some(list) = g.get("iamRolesToOverride").filter(|v| !v.is_null()) {
                    claims.insert("cognito:roles".into(), list.clone());
                }
                if let Some(r) = g.get("preferredRole").filter(|v| !v.is_null()) {
                    claims.insert("cognito:preferred_role".into(), r.clone());
                }
            }
        };
        if version == "1" {
            if let Some(d) = response
                .get("claimsOverrideDetails")
                .filter(|v| !v.is_null())
            {
                apply(id, d)?;
                if let Some(g) = d.get("groupOverrideDetails").filter(|v| !v.is_null()) {
                    apply_groups(id, g, true);
                    apply_groups(access, g, false);
                }
            }
        } else if let Some(d) = response
            .get("claimsAndScopeOverrideDetails")
            .filter(|v| !v.is_null())
        {
            if let Some(t) = d.get("idTokenGeneration").filter(|v| !v.is_null()) {
                apply(id, t)?;
            }
            if let Some(t) = d.get("accessTokenGeneration").filter(|v| !v.is_null()) {
                apply(access, t)?;
                let mut scopes: Vec<String> = access
                    .get("scope")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                for s in t
                    .get("scopesToAdd")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !scopes.iter().any(|x| x == s) {
                        scopes.push(s.to_string());
                    }
                }
                let suppress: Vec<&str> = t
                    .get("scopesToSuppress")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                scopes.retain(|s| !suppress.contains(&s.as_str()));
                access.insert("scope".into(), json!(scopes.join(" ")));
            }
            if let Some(g) = d.get("groupOverrideDetails").filter(|v| !v.is_null()) {
                apply_groups(id, g, true);
                apply_groups(access, g, false);
            }
        }
        Ok(())
    }

    /// Opens a refresh token; any failure is Cognito's "Invalid Refresh Token".
    pub fn open_refresh_token(&self, token: &str) -> CoreResult<RefreshClaims> {
        let invalid = || CoreError::not_authorized("Invalid Refresh Token");
        let plain = self
            .master
            .open_from_str(token, REFRESH_AAD)
            .map_err(|_| invalid())?;
        serde_json::from_slice(&plain).map_err(|_| invalid())
    }

    /// Checks a refresh token for a client: sealed by us, for this client, not
    /// expired, its sign-in not revoked, the user still there and enabled.
    pub async fn check_refresh_token(
        &self,
        client: &AppClient,
        token: &str,
    ) -> CoreResult<(RefreshClaims, User, AuthSession)> {
        let claims = self.open_refresh_token(token)?;
        if claims.client != client.client_id || claims.pool != client.pool_id {
            return Err(CoreError::not_authorized("Invalid Refresh Token"));
        }
        if claims.exp < self.now().unix_timestamp() {
            return Err(CoreError::not_authorized("Refresh Token has expired"));
        }
        let revoked = || CoreError::not_authorized("Refresh Token has been revoked");
        // The sign-in session and the user in one read (the caller has the pool already).
        let found = self
            .store
            .access_lookup(&claims.pool, &claims.origin_jti, &claims.sub, "")
            .await?
            .ok_or_else(revoked)?;
        let session = match found.session {
            Some(s) if !s.revoked => s,
            _ => return Err(revoked()),
        };
        let user = found.user.ok_or_else(revoked)?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        Ok((claims, user, session))
    }

    /// REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken (the caller checks the
    /// device with `check_refresh_device` first). Without rotation the
    /// refresh token stays as it is and none is returned; with rotation each use
    /// returns a new one, and the old one keeps working only for the client's
    /// RetryGracePeriodSeconds.
    pub async fn refresh(
        &self,
        pool: &UserPool,
        client: &AppClient,
        claims: &RefreshClaims,
        user: &User,
        session: &AuthSession,
        meta: &crate::triggers::CallMeta,
    ) -> CoreResult<Tokens> {
        let rotation = client
            .settings
            .refresh_token_rotation
            .as_ref()
            .filter(|r| r.get("Feature").and_then(Value::as_str) == Some("ENABLED"));
        let origin = Some((claims.origin_jti.as_str(), claims.auth_time));
        let source = "TokenGeneration_RefreshTokens";
        let device = claims.device_key.as_deref();
        let grant = claims.scope.as_ref().map(|s| OAuthGrant {
            scopes: s
                .split(' ')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            nonce: None,
            auth_time: None,
        });
        let grant = grant.as_ref();
        let Some(rotation) = rotation else {
            return self
                .issue_tokens_with(
                    pool, client, user, origin, None, source, meta, device, grant,
                )
                .await;
        };
        let grace = rotation
            .get("RetryGracePeriodSeconds")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let now = crate::ports::timestamp(self.now());
        let reused = || {
            CoreError::new(
                ErrorKind::RefreshTokenReuse,
                "Refresh token has been reused.",
            )
        };
        let rid = claims.rid.as_deref().unwrap_or_default();
        if session.refresh_id.as_deref() == Some(rid) {
            let next = uuid::Uuid::new_v4().simple().to_string();
            if !self
                .store
                .rotate_refresh_id(&pool.id, &claims.origin_jti, rid, &next, now)
                .await?
            {
                return Err(reused());
            }
            return self
                .issue_tokens_with(
                    pool,
                    client,
                    user,
                    origin,
                    Some(&next),
                    source,
                    meta,
                    device,
                    grant,
                )
                .await;
        }
        let within_grace = session.previous_refresh_id.as_deref() == Some(rid)
            && session.rotated_at.is_some_and(|t| now - t <= grace);
        match (within_grace, session.refresh_id.as_deref()) {
            // A retry inside the grace period gets the current token again.
            (true, Some(current)) => {
                self.issue_tokens_with(
                    pool,
                    client,
                    user,
                    origin,
                    Some(current),
                    source,
                    meta,
                    device,
                    grant,
                )
                .await
            }
            _ => Err(reused()),
        }
    }

    /// Verifies an access token as the user-pool APIs do.
    pub async fn check_access_token(&self, token: &str) -> CoreResult<AccessContext> {
        self.check_access_token_for(token, ADMIN_SCOPE).await
    }

    /// Verifies an access token that must carry `required_scope` (the user-pool
    /// APIs want `aws.cognito.signin.user.admin`, `/oauth2/userInfo` `openid`).
    pub async fn check_access_token_for(
        &self,
        token: &str,
        required_scope: &str,
    ) -> CoreResult<AccessContext> {
        let invalid = || CoreError::not_authorized("Invalid Access Token");
        let unverified = unverified_claims(token).ok_or_else(invalid)?;
        let claim = |name: &str| unverified.get(name).and_then(Value::as_str);
        let iss = claim("iss").ok_or_else(invalid)?;
        let pool_id = iss.rsplit('/').next().ok_or_else(invalid)?;
        if self.issuer(pool_id) != iss {
            return Err(invalid());
        }
        // One store read keyed by the unverified claims; nothing it returns is used unless
        // the signature below holds for exactly these claims.
        let origin = claim("origin_jti").ok_or_else(invalid)?;
        let sub = claim("sub").ok_or_else(invalid)?;
        let client_id = claim("client_id").unwrap_or_default().to_string();
        let found = self
            .store
            .access_lookup(pool_id, origin, sub, &client_id)
            .await?
            .ok_or_else(invalid)?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let seen = self
            .verified_tokens
            .read()
            .is_ok_and(|set| set.contains(&digest));
        if !seen {
            let keys = self.pool_keys(&found.pool.id).await?;
            // Only the access-token key verifies access tokens. The verified claims are the
            // decoded ones: the signature covers these exact bytes.
            keys.access_token
                .verify_own_jwt(token)
                .map_err(|_| invalid())?;
            if let Ok(mut set) = self.verified_tokens.write() {
                if set.len() >= VERIFIED_TOKENS_MAX {
                    set.clear();
                }
                set.insert(digest);
            }
        }
        let claims = unverified;
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Err(invalid());
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(invalid)?;
        if exp <= self.now().unix_timestamp() {
            return Err(CoreError::not_authorized("Access Token has expired"));
        }
        let scope = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !scope.split(' ').any(|s| s == required_scope) {
            return Err(CoreError::not_authorized(
                "Access Token does not have required scopes",
            ));
        }
        if found.session.is_none_or(|s| s.revoked) {
            return Err(CoreError::not_authorized("Access Token has been revoked"));
        }
        let user = found
            .user
            .ok_or_else(|| CoreError::new(ErrorKind::UserNotFound, "User does not exist."))?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        Ok(AccessContext {
            pool: found.pool,
            user,
            client_id,
            client: found.client,
            claims,
        })
    }

    /// GlobalSignOut / AdminUserGlobalSignOut.
    pub async fn global_sign_out(&self, pool: &UserPool, user: &User) -> CoreResult<()> {
        self.store
            .revoke_user_sessions(&pool.id, &user.username_key)
            .await?;
        Ok(())
    }

    /// RevokeToken: revokes the refresh token's sign-in (and so its access tokens).
    pub async fn revoke_token(
        &self,
        client: &AppClient,
        token: &str,
        client_secret: Option<&str>,
    ) -> CoreResult<()> {
        if let Some(secret) = &client.client_secret {
            let ok = client_secret
                .is_some_and(|s| cognate_crypto::constant_time_eq(s.as_bytes(), secret.as_bytes()));
            if !ok {
                return Err(CoreError::not_authorized(format!(
                    "Client {} is configured with secret but the secret was not received or is wrong",
                    client.client_id
                )));
            }
        }
        if client.settings.enable_token_revocation == Some(false) {
            return Err(CoreError::new(
                ErrorKind::UnsupportedOperation,
                "Token revocation is not enabled for this client.",
            ));
        }
        if token.split('.').count() == 3 {
            return Err(CoreError::new(
                ErrorKind::UnsupportedTokenType,
                "Only refresh tokens can be revoked.",
            ));
        }
        // cognito-compat: an unknown or already revoked refresh token is not an error.
        let Ok(claims) = self.open_refresh_token(token) else {
            return Ok(());
        };
        if claims.client != client.client_id {
            return Err(CoreError::not_authorized("Invalid Refresh Token"));
        }
        self.store
            .revoke_auth_session(&claims.pool, &claims.origin_jti)
            .await?;
        Ok(())
    }
}
