//! Identities: GetId, GetCredentialsForIdentity, GetOpenIdToken, developer
//! identities, linking, merging and listing.

use super::logins::{LoginKind, ValidLogin};
use super::model::{IdentityPoolRecord, IdentityRecord, LoginLink};
use super::roles::choose_role;
use super::{COGNITO_IDENTITY_PROVIDER, bad_role_config, identity_not_found};
use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::iam::model::IssuedCredentials;
use crate::iam::sts::WebIdentity;
use crate::model::Page;
use crate::pools::{decode_token, page_token};
use crate::ports::{StoreError, timestamp};
use crate::service::Cognate;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Lifetime of GetOpenIdToken tokens.
const OPEN_ID_TOKEN_SECONDS: i64 = 600;
/// Lifetime of enhanced-flow credentials.
const CREDENTIALS_SECONDS: i64 = 3600;
/// Session name of enhanced-flow credentials, as Cognito names it.
const ENHANCED_SESSION_NAME: &str = "CognitoIdentityCredentials";
/// Most logins one identity may have.
const MAX_LOGINS: usize = 20;

fn forbidden(identity_id: &str) -> CoreError {
    CoreError::not_authorized(format!("Access to Identity '{identity_id}' is forbidden."))
}

fn unauthenticated_refused() -> CoreError {
    CoreError::not_authorized("Unauthenticated access is not supported for this identity pool.")
}

/// The `amr` entries of a login.
fn amr_entries(login: &ValidLogin) -> Vec<String> {
    let detail = match login.kind {
        LoginKind::UserPool { .. } => "CognitoSignIn",
        LoginKind::Oidc | LoginKind::OAuth => "OAuth",
        LoginKind::CognitoIdentity => return Vec::new(),
    };
    vec![
        login.provider.clone(),
        format!("{}:{detail}:{}", login.provider, login.subject),
    ]
}

/// Credentials with the identity they were issued for (which may differ from
/// the one asked for after a merge).
pub struct IdentityCredentials {
    pub identity_id: String,
    pub credentials: IssuedCredentials,
}

impl Cognate {
    async fn require_identity(&self, identity_id: &str) -> CoreResult<IdentityRecord> {
        self.store
            .get_identity(identity_id)
            .await?
            .ok_or_else(|| identity_not_found(identity_id))
    }

    async fn validate_logins(
        &self,
        pool: &IdentityPoolRecord,
        logins: &BTreeMap<String, String>,
    ) -> CoreResult<Vec<ValidLogin>> {
        let mut out = Vec::with_capacity(logins.len());
        for (key, token) in logins {
            out.push(self.validate_login(pool, key, token).await?);
        }
        Ok(out)
    }

    fn new_identity_id(&self, pool_id: &str) -> String {
        let region = pool_id.split(':').next().unwrap_or(&self.identity.region);
        format!("{region}:{}", uuid::Uuid::new_v4())
    }

    /// Adds `logins` to `identity` (one per provider), or fails if the identity
    /// already has another user of the same provider.
    /// A developer provider may link several of its user ids (merged developer identities).
    fn add_links(
        identity: &mut IdentityRecord,
        logins: &[LoginLink],
        developer: Option<&str>,
    ) -> CoreResult<bool> {
        let mut changed = false;
        for l in logins {
            if identity.logins.contains(l) {
                continue;
            }
            if developer != Some(l.provider.as_str())
                && identity.logins.iter().any(|x| x.provider == l.provider)
            {
                return Err(CoreError::new(
                    ErrorKind::ResourceConflict,
                    format!(
                        "Logins for {} are already linked to this identity with a different user.",
                        l.provider
                    ),
                ));
            }
            identity.logins.push(l.clone());
            changed = true;
        }
        if identity.logins.len() > MAX_LOGINS {
            return Err(CoreError::new(
                ErrorKind::LimitExceeded,
                "An identity can have at most 20 logins.",
            ));
        }
        identity.logins.sort();
        Ok(changed)
    }

    /// Finds or creates the identity for a set of validated logins, linking
    /// and merging as Cognito does.
    async fn identity_for_links(
        &self,
        pool_id: &str,
        links: &[LoginLink],
        start: Option<IdentityRecord>,
        developer: Option<&str>,
    ) -> CoreResult<IdentityRecord> {
        for _attempt in 0..3 {
            let mut owners: Vec<String> = Vec::new();
            for l in links {
                if let Some(id) = self
                    .store
                    .find_identity_by_login(pool_id, &l.provider, &l.subject)
                    .await?
                    && !owners.contains(&id)
                {
                    owners.push(id);
                }
            }
            let now = timestamp(self.now());
            // The identity that keeps everything: the one the logins already
            // belong to, else the one asked for, else a new one.
            let result = match (owners.first(), &start) {
                (None, None) => {
                    let mut identity = IdentityRecord {
                        identity_id: self.new_identity_id(pool_id),
                        pool_id: pool_id.to_string(),
                        logins: Vec::new(),
                        disabled: false,
                        created_at: now,
                        updated_at: now,
                    };
                    Self::add_links(&mut identity, links, developer)?;
                    self.store
                        .create_identity(&identity)
                        .await
                        .map(|()| identity)
                }
                (None, Some(start)) => {
                    let mut identity = self.require_identity(&start.identity_id).await?;
                    if Self::add_links(&mut identity, links, developer)? {
                        identity.updated_at = now;
                        match self.store.update_identity(&identity).await {
                            Ok(true) => Ok(identity),
                            Ok(false) => return Err(identity_not_found(&identity.identity_id)),
                            Err(e) => Err(e),
                        }
                    } else {
                        Ok(identity)
                    }
                }
                (Some(owner), _) => {
                    let mut into = self.require_identity(owner).await?;
                    let mut others: Vec<String> = owners[1..].to_vec();
                    if let Some(s) = &start
                        && s.identity_id != into.identity_id
                        && s.authenticated()
                    {
                        others.push(s.identity_id.clone());
                    }
                    let mut failed = None;
                    for other in others {
                        let mut from = self.require_identity(&other).await?;
                        let moved = std::mem::take(&mut from.logins);
                        Self::add_links(&mut into, &moved, developer)?;
                        from.disabled = true;
                        from.updated_at = now;
                        into.updated_at = now;
                        if let Err(e) = self.store.merge_identities(&from, &into).await {
                            failed = Some(e);
                            break;
                        }
                        tracing::info!(from = %from.identity_id, into = %into.identity_id, "identities merged");
                    }
                    match failed {
                        Some(e) => Err(e),
                        None => {
                            if Self::add_links(&mut into, links, developer)? {
                                into.updated_at = now;
                                self.store.update_identity(&into).await.map(|_| into)
                            } else {
                                Ok(into)
                            }
                        }
                    }
                }
            };
            match result {
                Ok(identity) => return Ok(identity),
                // Another request linked one of the logins meanwhile: look again.
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::new(
            ErrorKind::Concurrent,
            "The identity was modified concurrently; retry the request.",
        ))
    }

    fn links_of(logins: &[ValidLogin]) -> Vec<LoginLink> {
        logins
            .iter()
            .filter(|l| l.kind != LoginKind::CognitoIdentity)
            .map(|l| LoginLink {
                provider: l.provider.clone(),
                subject: l.subject.clone(),
            })
            .collect()
    }

    /// GetId.
    pub async fn get_id(
        &self,
        pool_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> CoreResult<String> {
        let pool = self.require_identity_pool(pool_id).await?;
        if logins.is_empty() {
            if !pool.pool.allow_unauthenticated_identities {
                return Err(unauthenticated_refused());
            }
            let identity = self.identity_for_links(pool_id, &[], None, None).await?;
            return Ok(identity.identity_id);
        }
        let valid = self.validate_logins(&pool, logins).await?;
        let dev_name = pool.pool.developer_provider_name.as_deref();
        // A developer-issued identity token names its identity directly.
        if let Some(dev) = valid.iter().find(|l| l.kind == LoginKind::CognitoIdentity) {
            let start = self.require_identity(&dev.subject).await?;
            let identity = self
                .identity_for_links(pool_id, &Self::links_of(&valid), Some(start), dev_name)
                .await?;
            return Ok(identity.identity_id);
        }
        let identity = self
            .identity_for_links(pool_id, &Self::links_of(&valid), None, dev_name)
            .await?;
        Ok(identity.identity_id)
    }

    /// Resolves the identity a credentials or token request is for: checks the
    /// logins against it, links new ones, and follows merges.
    async fn authorise_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> CoreResult<(IdentityPoolRecord, IdentityRecord, Vec<ValidLogin>)> {
        let identity = self.require_identity(identity_id).await?;
        let pool = self.require_identity_pool(&identity.pool_id).await?;
        if logins.is_empty() {
            if identity.disabled || identity.authenticated() {
                return Err(forbidden(identity_id));
            }
            if !pool.pool.allow_unauthenticated_identities {
                return Err(unauthenticated_refused());
            }
            return Ok((pool, identity, Vec::new()));
        }
        let valid = self.validate_logins(&pool, logins).await?;
        if let Some(dev) = valid.iter().find(|l| l.kind == LoginKind::CognitoIdentity)
            && dev.subject != identity.identity_id
        {
            return Err(forbidden(identity_id));
        }
        let links = Self::links_of(&valid);
        let proves = valid.iter().any(|l| l.kind == LoginKind::CognitoIdentity)
            || links.iter().any(|l| identity.logins.contains(l));
        if identity.disabled && !proves {
            return Err(forbidden(identity_id));
        }
        if identity.authenticated() && !proves {
            // A login of another identity: Cognito merges; a login of nobody
            // (and no proof for this identity) is refused.
            let mut owned_elsewhere = false;
            for l in &links {
                if self
                    .store
                    .find_identity_by_login(&identity.pool_id, &l.provider, &l.subject)
                    .await?
                    .is_some()
                {
                    owned_elsewhere = true;
                }
            }
            if !owned_elsewhere {
                return Err(forbidden(identity_id));
            }
        }
        let start = if identity.disabled {
            None
        } else {
            Some(identity)
        };
        let resolved = self
            .identity_for_links(
                &pool.pool.identity_pool_id,
                &links,
                start,
                pool.pool.developer_provider_name.as_deref(),
            )
            .await?;
        Ok((pool, resolved, valid))
    }

    fn amr_for(
        identity: &IdentityRecord,
        valid: &[ValidLogin],
        dev_provider: Option<&str>,
    ) -> Vec<String> {
        if !identity.authenticated() {
            return vec!["unauthenticated".to_string()];
        }
        let mut amr = vec!["authenticated".to_string()];
        for l in valid {
            for e in amr_entries(l) {
                if !amr.contains(&e) {
                    amr.push(e);
                }
            }
            if l.kind == LoginKind::CognitoIdentity {
                // The developer provider's entries travel in the developer token.
                for e in l
                    .claims
                    .get("amr")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(s) = e.as_str()
                        && s != "authenticated"
                        && !amr.iter().any(|x| x == s)
                    {
                        amr.push(s.to_string());
                    }
                }
            }
        }
        if let Some(dev) = dev_provider
            && identity.logins.iter().any(|l| l.provider == dev)
            && !amr.iter().any(|x| x == dev)
        {
            amr.push(dev.to_string());
        }
        amr
    }

    /// GetCredentialsForIdentity (the enhanced flow).
    pub async fn get_credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        custom_role_arn: Option<&str>,
    ) -> CoreResult<IdentityCredentials> {
        let (pool, identity, valid) = self.authorise_identity(identity_id, logins).await?;
        let authenticated = identity.authenticated();
        // Role mappings of user pools may name the provider in either spelling.
        let mut mapped = pool.clone();
        mapped.role_mappings = pool
            .role_mappings
            .iter()
            .map(|(k, v)| {
                let key = match self.user_pool_mapping(&pool, k) {
                    Some((p, c)) => format!("userpool:{p}:{c}"),
                    None => k.clone(),
                };
                (key, v.clone())
            })
            .collect();
        let role_arn = choose_role(&mapped, &valid, authenticated, custom_role_arn)?;
        let amr = Self::amr_for(
            &identity,
            &valid,
            pool.pool.developer_provider_name.as_deref(),
        );
        let web = WebIdentity {
            provider: COGNITO_IDENTITY_PROVIDER.to_string(),
            subject: identity.identity_id.clone(),
            audience: pool.pool.identity_pool_id.clone(),
            amr: amr.clone(),
            identity_id: Some(identity.identity_id.clone()),
            identity_pool_id: Some(pool.pool.identity_pool_id.clone()),
        };
        let session_policies = if authenticated {
            Vec::new()
        } else {
            vec![crate::iam::eval::guest_scope_down_policy().to_string()]
        };
        let credentials = if let Some(upstream) = &self.upstream_sts {
            let token = self
                .mint_identity_token(&pool, &identity, &amr, OPEN_ID_TOKEN_SECONDS)
                .await?;
            let request = crate::ports::UpstreamAssumeRole {
                role_arn: role_arn.clone(),
                role_session_name: ENHANCED_SESSION_NAME.to_string(),
                web_identity_token: token,
                policy: session_policies.first().cloned(),
                duration_seconds: CREDENTIALS_SECONDS,
            };
            upstream
                .assume_role_with_web_identity(&request)
                .await
                .map_err(|e| {
                    tracing::info!(error = %e, "upstream STS refused the enhanced flow");
                    match e {
                        crate::ports::UpstreamStsError::Rejected { .. } => bad_role_config(),
                        crate::ports::UpstreamStsError::Unreachable(_) => CoreError::new(
                            ErrorKind::ExternalService,
                            "The upstream STS could not be reached.",
                        ),
                    }
                })?
        } else {
            self.assume_role_with_identity(
                &role_arn,
                ENHANCED_SESSION_NAME,
                &web,
                session_policies,
                CREDENTIALS_SECONDS,
            )
            .await
            .map_err(|e| {
                tracing::info!(error = %e, role_arn, "enhanced flow could not assume the role");
                bad_role_config()
            })?
        };
        Ok(IdentityCredentials {
            identity_id: identity.identity_id,
            credentials,
        })
    }

    /// Signs an identity OpenID token.
    async fn mint_identity_token(
        &self,
        pool: &IdentityPoolRecord,
        identity: &IdentityRecord,
        amr: &[String],
        ttl_seconds: i64,
    ) -> CoreResult<String> {
        let key = self.identity_signing_key().await?;
        let now = self.now().unix_timestamp();
        let claims = json!({
            "sub": identity.identity_id,
            "aud": pool.pool.identity_pool_id,
            "amr": amr,
            "iss": self.identity_issuer(),
            "https://cognito-identity.amazonaws.com/identity-pool-arn": self.identity_pool_arn(&pool.pool.identity_pool_id),
            "exp": now + ttl_seconds,
            "iat": now,
        });
        Ok(key.sign_jwt_rs512(&claims)?)
    }

    /// GetOpenIdToken (the basic flow's first half).
    pub async fn get_open_id_token(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> CoreResult<(String, String)> {
        let (pool, identity, valid) = self.authorise_identity(identity_id, logins).await?;
        let amr = Self::amr_for(
            &identity,
            &valid,
            pool.pool.developer_provider_name.as_deref(),
        );
        let token = self
            .mint_identity_token(&pool, &identity, &amr, OPEN_ID_TOKEN_SECONDS)
            .await?;
        Ok((identity.identity_id, token))
    }

    /// GetOpenIdTokenForDeveloperIdentity.
    pub async fn get_open_id_token_for_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        logins: &BTreeMap<String, String>,
        token_duration: Option<i64>,
    ) -> CoreResult<(String, String)> {
        let pool = self.require_identity_pool(pool_id).await?;
        let Some(dev_provider) = pool.pool.developer_provider_name.clone() else {
            return Err(CoreError::invalid_parameter(
                "This identity pool has no DeveloperProviderName.",
            ));
        };
        let Some(dev_user) = logins.get(&dev_provider) else {
            return Err(CoreError::invalid_parameter(format!(
                "Logins must contain the developer provider {dev_provider}."
            )));
        };
        let others: BTreeMap<String, String> = logins
            .iter()
            .filter(|(k, _)| **k != dev_provider)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut valid = self.validate_logins(&pool, &others).await?;
        let dev_link = LoginLink {
            provider: dev_provider.clone(),
            subject: dev_user.clone(),
        };
        let owner = self
            .store
            .find_identity_by_login(pool_id, &dev_provider, dev_user)
            .await?;
        let start = match identity_id {
            Some(id) => {
                let identity = self.require_identity(id).await?;
                if identity.pool_id != pool_id {
                    return Err(identity_not_found(id));
                }
                if let Some(owner) = &owner
                    && owner != id
                {
                    return Err(CoreError::new(
                        ErrorKind::DeveloperUserAlreadyRegistered,
                        "The developer user identifier is already registered with another identity.",
                    ));
                }
                Some(identity)
            }
            None => None,
        };
        let mut links = Self::links_of(&valid);
        links.push(dev_link.clone());
        let identity = self
            .identity_for_links(pool_id, &links, start, Some(dev_provider.as_str()))
            .await?;
        valid.push(ValidLogin {
            provider: dev_provider.clone(),
            subject: dev_user.clone(),
            claims: Value::Null,
            kind: LoginKind::Oidc,
        });
        let mut amr = vec!["authenticated".to_string()];
        for l in &valid {
            if !amr.contains(&l.provider) {
                amr.push(l.provider.clone());
            }
        }
        amr.push(format!("{dev_provider}:{pool_id}:{dev_user}"));
        let ttl = token_duration.unwrap_or(900);
        let token = self
            .mint_identity_token(&pool, &identity, &amr, ttl)
            .await?;
        Ok((identity.identity_id, token))
    }

    /// LookupDeveloperIdentity: the identity and its developer user ids.
    pub async fn lookup_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        developer_user: Option<&str>,
        max_results: usize,
        next_token: Option<&str>,
    ) -> CoreResult<(String, Page<String>)> {
        let pool = self.require_identity_pool(pool_id).await?;
        let dev_provider = pool
            .pool
            .developer_provider_name
            .clone()
            .unwrap_or_default();
        let id = match (identity_id, developer_user) {
            (_, Some(user)) => {
                let found = self
                    .store
                    .find_identity_by_login(pool_id, &dev_provider, user)
                    .await?
                    .ok_or_else(|| identity_not_found(user))?;
                if let Some(given) = identity_id
                    && given != found
                {
                    return Err(CoreError::new(
                        ErrorKind::ResourceConflict,
                        "The developer user identifier does not belong to the given identity.",
                    ));
                }
                found
            }
            (Some(id), None) => id.to_string(),
            (None, None) => {
                return Err(CoreError::invalid_parameter(
                    "Either IdentityId or DeveloperUserIdentifier is required.",
                ));
            }
        };
        let identity = self.require_identity(&id).await?;
        if identity.pool_id != pool_id {
            return Err(identity_not_found(&id));
        }
        let after = decode_token(next_token)?;
        let mut users: Vec<String> = identity
            .logins
            .iter()
            .filter(|l| l.provider == dev_provider)
            .map(|l| l.subject.clone())
            .filter(|s| after.as_deref().is_none_or(|a| s.as_str() > a))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let next = page_token(&mut users, max_results, Clone::clone);
        Ok((
            id,
            Page {
                items: users,
                next_token: next,
            },
        ))
    }

    /// MergeDeveloperIdentities: the source user's identity joins the destination's.
    pub async fn merge_developer_identities(
        &self,
        pool_id: &str,
        provider: &str,
        source_user: &str,
        destination_user: &str,
    ) -> CoreResult<String> {
        let pool = self.require_identity_pool(pool_id).await?;
        if pool.pool.developer_provider_name.as_deref() != Some(provider) {
            return Err(CoreError::invalid_parameter(format!(
                "{provider} is not the developer provider of this identity pool."
            )));
        }
        let find = |user: &str| {
            let user = user.to_string();
            async move {
                self.store
                    .find_identity_by_login(pool_id, provider, &user)
                    .await?
                    .ok_or_else(|| identity_not_found(&user))
            }
        };
        let source = find(source_user).await?;
        let destination = find(destination_user).await?;
        if source == destination {
            return Ok(destination);
        }
        let mut from = self.require_identity(&source).await?;
        let mut into = self.require_identity(&destination).await?;
        let moved = std::mem::take(&mut from.logins);
        Self::add_links(&mut into, &moved, Some(provider))?;
        let now = timestamp(self.now());
        from.disabled = true;
        from.updated_at = now;
        into.updated_at = now;
        self.store.merge_identities(&from, &into).await?;
        Ok(destination)
    }

    /// UnlinkDeveloperIdentity.
    pub async fn unlink_developer_identity(
        &self,
        pool_id: &str,
        identity_id: &str,
        provider: &str,
        developer_user: &str,
    ) -> CoreResult<()> {
        let pool = self.require_identity_pool(pool_id).await?;
        if pool.pool.developer_provider_name.as_deref() != Some(provider) {
            return Err(CoreError::invalid_parameter(format!(
                "{provider} is not the developer provider of this identity pool."
            )));
        }
        let mut identity = self.require_identity(identity_id).await?;
        let link = LoginLink {
            provider: provider.to_string(),
            subject: developer_user.to_string(),
        };
        if identity.pool_id != pool_id || !identity.logins.contains(&link) {
            return Err(CoreError::new(
                ErrorKind::ResourceConflict,
                "The developer user identifier is not linked to this identity.",
            ));
        }
        identity.logins.retain(|l| *l != link);
        identity.disabled |= identity.logins.is_empty();
        identity.updated_at = timestamp(self.now());
        self.store.update_identity(&identity).await?;
        Ok(())
    }

    /// UnlinkIdentity: `logins` prove the caller; `remove` names providers.
    pub async fn unlink_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        remove: &[String],
    ) -> CoreResult<()> {
        let mut identity = self.require_identity(identity_id).await?;
        let pool = self.require_identity_pool(&identity.pool_id).await?;
        let valid = self.validate_logins(&pool, logins).await?;
        let proves = valid.iter().any(|l| {
            identity
                .logins
                .iter()
                .any(|x| x.provider == l.provider && x.subject == l.subject)
        });
        if !proves {
            return Err(forbidden(identity_id));
        }
        for provider in remove {
            if !identity.logins.iter().any(|l| &l.provider == provider) {
                return Err(CoreError::new(
                    ErrorKind::ResourceConflict,
                    format!("{provider} is not linked to this identity."),
                ));
            }
        }
        identity.logins.retain(|l| !remove.contains(&l.provider));
        // cognito-compat: removing the last login makes the identity inaccessible.
        identity.disabled |= identity.logins.is_empty();
        identity.updated_at = timestamp(self.now());
        self.store.update_identity(&identity).await?;
        Ok(())
    }

    pub async fn describe_identity(&self, identity_id: &str) -> CoreResult<IdentityRecord> {
        self.require_identity(identity_id).await
    }

    pub async fn list_identities(
        &self,
        pool_id: &str,
        hide_disabled: bool,
        max_results: usize,
        next_token: Option<&str>,
    ) -> CoreResult<Page<IdentityRecord>> {
        self.require_identity_pool(pool_id).await?;
        let after = decode_token(next_token)?;
        let mut items = self
            .store
            .list_identities(pool_id, hide_disabled, after.as_deref(), max_results + 1)
            .await?;
        let next = page_token(&mut items, max_results, |i| i.identity_id.clone());
        Ok(Page {
            items,
            next_token: next,
        })
    }

    /// DeleteIdentities. Cognito's unprocessed-id codes are AccessDenied and
    /// InternalServerError only: an id that does not exist counts as deleted.
    pub async fn delete_identities(&self, ids: &[String]) -> CoreResult<Vec<String>> {
        for id in ids {
            self.store.delete_identity(id).await?;
        }
        Ok(Vec::new())
    }
}
