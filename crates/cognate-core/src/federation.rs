//! Hosted-UI domains (CreateUserPoolDomain ...) and federated identity
//! providers (CreateIdentityProvider ...) of user pools: Cognito's validation
//! and defaults. Signing in through them is `oauth`.

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{IdentityProvider, Page, PoolDomain, UserPool};
use crate::pools::{decode_token, page_token};
use crate::ports::{StoreError, timestamp};
use crate::service::Cognate;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a social provider's endpoints are. Cognito knows Google's and Apple's;
/// a self-hosted server may point them elsewhere (a test IdP, a proxy).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEndpoints {
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub issuer: Option<String>,
    pub jwks_uri: Option<String>,
}

/// Server settings for federation: endpoint overrides by provider type
/// (`Google`, `SignInWithApple`).
#[derive(Debug, Clone, Default)]
pub struct FederationSettings {
    pub endpoints: BTreeMap<String, ProviderEndpoints>,
}

/// Provider types this server signs in through.
pub const SUPPORTED_TYPES: &[&str] = &["OIDC", "Google", "SignInWithApple"];
/// Types whose provider name must equal the type.
const SOCIAL_TYPES: &[&str] = &["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"];
const ALL_TYPES: &[&str] = &[
    "SAML",
    "Facebook",
    "Google",
    "LoginWithAmazon",
    "SignInWithApple",
    "OIDC",
];
/// Provider details kept sealed at rest.
const SECRET_DETAILS: &[&str] = &["client_secret", "private_key"];
const SEALED_PREFIX: &str = "sealed:";

fn well_known(provider_type: &str) -> ProviderEndpoints {
    let s = |v: &str| Some(v.to_string());
    match provider_type {
        "Google" => ProviderEndpoints {
            authorize_url: s("https://accounts.google.com/o/oauth2/v2/auth"),
            token_url: s("https://www.googleapis.com/oauth2/v4/token"),
            issuer: s("https://accounts.google.com"),
            jwks_uri: s("https://www.googleapis.com/oauth2/v3/certs"),
        },
        "SignInWithApple" => ProviderEndpoints {
            authorize_url: s("https://appleid.apple.com/auth/authorize"),
            token_url: s("https://appleid.apple.com/auth/token"),
            issuer: s("https://appleid.apple.com"),
            jwks_uri: s("https://appleid.apple.com/auth/keys"),
        },
        _ => ProviderEndpoints::default(),
    }
}

/// CreateIdentityProvider input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateProviderInput {
    pub user_pool_id: String,
    pub provider_name: String,
    pub provider_type: String,
    #[serde(default)]
    pub provider_details: BTreeMap<String, String>,
    pub attribute_mapping: Option<BTreeMap<String, String>>,
    pub idp_identifiers: Option<Vec<String>>,
}

/// UpdateIdentityProvider input: members left out stay as they are.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateProviderInput {
    pub user_pool_id: String,
    pub provider_name: String,
    pub provider_details: Option<BTreeMap<String, String>>,
    pub attribute_mapping: Option<BTreeMap<String, String>>,
    pub idp_identifiers: Option<Vec<String>>,
}

/// The endpoints and credentials a sign-in through a provider uses.
#[derive(Clone)]
pub struct ProviderConfig {
    pub authorize_url: String,
    pub token_url: String,
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: String,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn provider_not_found(name: &str) -> CoreError {
    CoreError::not_found(format!("Identity provider {name} does not exist."))
}

fn required(details: &BTreeMap<String, String>, provider_type: &str) -> CoreResult<()> {
    let keys: &[&str] = match provider_type {
        "OIDC" => &["client_id", "authorize_scopes", "oidc_issuer"],
        "Google" => &["client_id", "client_secret", "authorize_scopes"],
        "SignInWithApple" => &[
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        _ => &[],
    };
    for k in keys {
        if details.get(*k).is_none_or(|v| v.trim().is_empty()) {
            return Err(CoreError::invalid_parameter(format!(
                "{k} is required in ProviderDetails for a provider of type {provider_type}."
            )));
        }
    }
    if let Some(m) = details.get("attributes_request_method")
        && m != "GET"
        && m != "POST"
    {
        return Err(CoreError::invalid_parameter(
            "attributes_request_method must be GET or POST.",
        ));
    }
    Ok(())
}

impl Cognate {
    /// Sets the endpoint overrides for social providers.
    pub fn with_federation(mut self, settings: FederationSettings) -> Self {
        self.federation = settings;
        self
    }

    // ---- Domains ----

    pub async fn create_user_pool_domain(
        &self,
        pool_id: &str,
        domain: &str,
        custom_domain_config: Option<Value>,
        managed_login_version: Option<i64>,
    ) -> CoreResult<PoolDomain> {
        self.require_pool(pool_id).await?;
        for word in ["aws", "amazon", "cognito"] {
            if domain.contains(word) {
                return Err(CoreError::invalid_parameter(format!(
                    "Domain cannot contain reserved word: {word}"
                )));
            }
        }
        if self.store.get_pool_domain(pool_id).await?.is_some() {
            return Err(CoreError::invalid_parameter(
                "User pool already has a domain configured.",
            ));
        }
        let record = PoolDomain {
            domain: domain.to_string(),
            pool_id: pool_id.to_string(),
            custom_domain_config,
            managed_login_version,
            created: timestamp(self.now()),
        };
        match self.store.create_domain(&record).await {
            Ok(()) => Ok(record),
            Err(StoreError::Conflict) => Err(CoreError::invalid_parameter(
                "Domain already associated with another user pool.",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// DescribeUserPoolDomain: None for a domain nobody has.
    pub async fn describe_user_pool_domain(&self, domain: &str) -> CoreResult<Option<PoolDomain>> {
        Ok(self.store.get_domain(domain).await?)
    }

    pub async fn pool_domain(&self, pool_id: &str) -> CoreResult<Option<PoolDomain>> {
        Ok(self.store.get_pool_domain(pool_id).await?)
    }

    async fn owned_domain(&self, pool_id: &str, domain: &str) -> CoreResult<PoolDomain> {
        self.require_pool(pool_id).await?;
        self.store
            .get_domain(domain)
            .await?
            .filter(|d| d.pool_id == pool_id)
            .ok_or_else(|| CoreError::invalid_parameter("No such domain or user pool exists."))
    }

    pub async fn update_user_pool_domain(
        &self,
        pool_id: &str,
        domain: &str,
        custom_domain_config: Option<Value>,
        managed_login_version: Option<i64>,
    ) -> CoreResult<PoolDomain> {
        let mut record = self.owned_domain(pool_id, domain).await?;
        if custom_domain_config.is_some() {
            record.custom_domain_config = custom_domain_config;
        }
        if managed_login_version.is_some() {
            record.managed_login_version = managed_login_version;
        }
        if !self.store.update_domain(&record).await? {
            return Err(CoreError::invalid_parameter(
                "No such domain or user pool exists.",
            ));
        }
        Ok(record)
    }

    pub async fn delete_user_pool_domain(&self, pool_id: &str, domain: &str) -> CoreResult<()> {
        self.owned_domain(pool_id, domain).await?;
        self.store.delete_domain(domain).await?;
        Ok(())
    }

    // ---- Identity providers ----

    fn detail_aad(pool_id: &str, name: &str, key: &str) -> String {
        format!("idp-secret:{pool_id}:{name}:{key}")
    }

    /// Seals the secret details for the store.
    fn seal_details(&self, p: &mut IdentityProvider) {
        for key in SECRET_DETAILS {
            if let Some(v) = p.provider_details.get_mut(*key)
                && !v.starts_with(SEALED_PREFIX)
            {
                let aad = Self::detail_aad(&p.pool_id, &p.provider_name, key);
                *v = format!(
                    "{SEALED_PREFIX}{}",
                    self.master.seal_to_string(v.as_bytes(), aad.as_bytes())
                );
            }
        }
    }

    /// Opens the secret details of a stored provider.
    fn open_details(&self, mut p: IdentityProvider) -> CoreResult<IdentityProvider> {
        for key in SECRET_DETAILS {
            if let Some(v) = p.provider_details.get_mut(*key)
                && let Some(sealed) = v.strip_prefix(SEALED_PREFIX)
            {
                let aad = Self::detail_aad(&p.pool_id, &p.provider_name, key);
                let plain = self.master.open_from_str(sealed, aad.as_bytes())?;
                *v = String::from_utf8(plain.to_vec()).map_err(CoreError::internal)?;
            }
        }
        Ok(p)
    }

    /// Fills the endpoints Cognito derives: Google's and Apple's well-known
    /// ones (or the server's overrides), an OIDC issuer's discovery document.
    async fn complete_details(
        &self,
        provider_type: &str,
        details: &mut BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let endpoints = self.effective_endpoints(provider_type, details);
        let mut set = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                details.insert(k.to_string(), v.clone());
            }
        };
        if provider_type != "OIDC" {
            set("authorize_url", &endpoints.authorize_url);
            set("token_url", &endpoints.token_url);
            set("oidc_issuer", &endpoints.issuer);
            set("jwks_uri", &endpoints.jwks_uri);
            return Ok(());
        }
        details
            .entry("attributes_request_method".into())
            .or_insert_with(|| "GET".into());
        let missing = ["authorize_url", "token_url", "jwks_uri"]
            .iter()
            .any(|k| !details.contains_key(*k));
        if !missing {
            return Ok(());
        }
        let issuer = details.get("oidc_issuer").cloned().unwrap_or_default();
        let unreachable = || CoreError::invalid_parameter("Unable to contact well-known endpoint");
        let fetcher = self.fetcher.as_ref().ok_or_else(unreachable)?;
        let discovery = fetcher
            .get_json(&format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            ))
            .await
            .map_err(|e| {
                tracing::info!(error = %e, "OIDC discovery failed");
                unreachable()
            })?;
        for (key, member) in [
            ("authorize_url", "authorization_endpoint"),
            ("token_url", "token_endpoint"),
            ("attributes_url", "userinfo_endpoint"),
            ("jwks_uri", "jwks_uri"),
        ] {
            if !details.contains_key(key)
                && let Some(v) = discovery.get(member).and_then(Value::as_str)
            {
                details.insert(key.into(), v.to_string());
            }
        }
        for key in ["authorize_url", "token_url", "jwks_uri"] {
            if !details.contains_key(key) {
                return Err(CoreError::invalid_parameter(format!(
                    "The OIDC issuer's discovery document has no {key}; set it in ProviderDetails."
                )));
            }
        }
        Ok(())
    }

    /// Server overrides, then what the provider stores, then the well-known endpoints.
    fn effective_endpoints(
        &self,
        provider_type: &str,
        details: &BTreeMap<String, String>,
    ) -> ProviderEndpoints {
        let over = self
            .federation
            .endpoints
            .get(provider_type)
            .cloned()
            .unwrap_or_default();
        let known = well_known(provider_type);
        let pick = |o: Option<String>, key: &str, k: Option<String>| {
            o.or_else(|| details.get(key).cloned()).or(k)
        };
        ProviderEndpoints {
            authorize_url: pick(over.authorize_url, "authorize_url", known.authorize_url),
            token_url: pick(over.token_url, "token_url", known.token_url),
            issuer: pick(over.issuer, "oidc_issuer", known.issuer),
            jwks_uri: pick(over.jwks_uri, "jwks_uri", known.jwks_uri),
        }
    }

    /// The endpoints and credentials to sign in through a provider (the client
    /// secret only `with_secret`: Apple's is signed anew each time).
    pub fn provider_config(
        &self,
        p: &IdentityProvider,
        with_secret: bool,
    ) -> CoreResult<ProviderConfig> {
        let e = self.effective_endpoints(&p.provider_type, &p.provider_details);
        let incomplete =
            || CoreError::internal(format!("provider {} has no endpoints", p.provider_name));
        let d = |k: &str| p.provider_details.get(k).cloned();
        let client_secret = if !with_secret {
            None
        } else if p.provider_type == "SignInWithApple" {
            Some(self.apple_client_secret(p)?)
        } else {
            d("client_secret").filter(|s| !s.is_empty())
        };
        Ok(ProviderConfig {
            authorize_url: e.authorize_url.ok_or_else(incomplete)?,
            token_url: e.token_url.ok_or_else(incomplete)?,
            issuer: e.issuer.ok_or_else(incomplete)?,
            jwks_uri: e.jwks_uri,
            client_id: d("client_id").unwrap_or_default(),
            client_secret,
            scopes: d("authorize_scopes").unwrap_or_else(|| "openid".into()),
        })
    }

    /// Apple's client secret: an ES256 JWT signed with the team's key.
    fn apple_client_secret(&self, p: &IdentityProvider) -> CoreResult<String> {
        let d = |k: &str| p.provider_details.get(k).cloned().unwrap_or_default();
        let now = self.now().unix_timestamp();
        let issuer = self
            .effective_endpoints(&p.provider_type, &p.provider_details)
            .issuer
            .unwrap_or_default();
        let claims = serde_json::json!({
            "iss": d("team_id"),
            "iat": now,
            "exp": now + 300,
            "aud": issuer,
            "sub": d("client_id"),
        });
        cognate_crypto::keys::sign_es256(&d("private_key"), &d("key_id"), &claims).map_err(|e| {
            tracing::warn!(provider = %p.provider_name, error = %e, "Apple client secret could not be signed");
            CoreError::invalid_parameter("The SignInWithApple private_key is not a valid EC key.")
        })
    }

    async fn check_mapping(
        &self,
        pool: &UserPool,
        mapping: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        for (attr, claim) in mapping {
            // The pool keeps these itself.
            if attr == "sub" || attr == "identities" {
                return Err(CoreError::invalid_parameter(format!(
                    "Attribute {attr} can not be mapped from an identity provider."
                )));
            }
            if attr != "username" && pool.attribute(attr).is_none() {
                return Err(CoreError::invalid_parameter(format!(
                    "Attribute {attr} is not defined in the user pool schema."
                )));
            }
            if claim.is_empty() {
                return Err(CoreError::invalid_parameter(format!(
                    "The attribute mapping for {attr} names no provider attribute."
                )));
            }
        }
        Ok(())
    }

    async fn check_identifiers(
        &self,
        pool_id: &str,
        name: &str,
        identifiers: &[String],
    ) -> CoreResult<()> {
        let mut seen = std::collections::BTreeSet::new();
        for i in identifiers {
            if !seen.insert(i.as_str()) {
                return Err(CoreError::invalid_parameter(format!(
                    "Duplicate IdpIdentifier {i}."
                )));
            }
        }
        for other in self.all_identity_providers(pool_id).await? {
            if other.provider_name == name {
                continue;
            }
            if let Some(i) = identifiers
                .iter()
                .find(|i| other.idp_identifiers.contains(i))
            {
                return Err(CoreError::new(
                    ErrorKind::DuplicateProvider,
                    format!(
                        "The IdpIdentifier {i} is already used by provider {}.",
                        other.provider_name
                    ),
                ));
            }
        }
        Ok(())
    }

    async fn all_identity_providers(&self, pool_id: &str) -> CoreResult<Vec<IdentityProvider>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list_identity_providers(pool_id, after.as_deref(), 100)
                .await?;
            let done = page.len() < 100;
            after = page.last().map(|p| p.provider_name.clone());
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// Provider names of a pool, for checking a client's SupportedIdentityProviders.
    pub(crate) async fn provider_names(&self, pool_id: &str) -> CoreResult<Vec<String>> {
        Ok(self
            .all_identity_providers(pool_id)
            .await?
            .into_iter()
            .map(|p| p.provider_name)
            .collect())
    }

    pub async fn create_identity_provider(
        &self,
        input: CreateProviderInput,
    ) -> CoreResult<IdentityProvider> {
        let pool = self.require_pool(&input.user_pool_id).await?;
        let (name, kind) = (input.provider_name.as_str(), input.provider_type.as_str());
        if !ALL_TYPES.contains(&kind) {
            return Err(CoreError::invalid_parameter(format!(
                "ProviderType {kind} is not valid."
            )));
        }
        if (SOCIAL_TYPES.contains(&kind) || SOCIAL_TYPES.contains(&name)) && name != kind {
            return Err(CoreError::invalid_parameter(format!(
                "Provider {name} cannot be of type {kind}."
            )));
        }
        if name.eq_ignore_ascii_case("cognito") {
            return Err(CoreError::invalid_parameter(
                "Provider name COGNITO is reserved.",
            ));
        }
        if !SUPPORTED_TYPES.contains(&kind) {
            return Err(CoreError::new(
                ErrorKind::NotImplemented,
                format!(
                    "Identity providers of type {kind} are not supported by this server yet (supported: OIDC, Google, SignInWithApple)."
                ),
            ));
        }
        let mut details = input.provider_details;
        required(&details, kind)?;
        let mapping = input
            .attribute_mapping
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| BTreeMap::from([("username".to_string(), "sub".to_string())]));
        self.check_mapping(&pool, &mapping).await?;
        let identifiers = input.idp_identifiers.unwrap_or_default();
        self.check_identifiers(&pool.id, name, &identifiers).await?;
        if self
            .store
            .get_identity_provider(&pool.id, name)
            .await?
            .is_some()
        {
            return Err(duplicate(name));
        }
        self.complete_details(kind, &mut details).await?;
        let now = timestamp(self.now());
        let provider = IdentityProvider {
            pool_id: pool.id.clone(),
            provider_name: name.to_string(),
            provider_type: kind.to_string(),
            provider_details: details,
            attribute_mapping: mapping,
            idp_identifiers: identifiers,
            created: now,
            modified: now,
        };
        if provider.provider_type == "SignInWithApple" {
            // A key that can not sign would only fail at the first sign-in.
            self.apple_client_secret(&provider)?;
        }
        let mut stored = provider.clone();
        self.seal_details(&mut stored);
        match self.store.create_identity_provider(&stored).await {
            Ok(()) => Ok(provider),
            Err(StoreError::Conflict) => Err(duplicate(name)),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn describe_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> CoreResult<IdentityProvider> {
        self.require_pool(pool_id).await?;
        let stored = self
            .store
            .get_identity_provider(pool_id, name)
            .await?
            .ok_or_else(|| provider_not_found(name))?;
        self.open_details(stored)
    }

    pub async fn update_identity_provider(
        &self,
        input: UpdateProviderInput,
    ) -> CoreResult<IdentityProvider> {
        let pool = self.require_pool(&input.user_pool_id).await?;
        let mut provider = self
            .describe_identity_provider(&pool.id, &input.provider_name)
            .await?;
        if let Some(new) = input.provider_details {
            // Cognito merges: keys given replace, the others stay.
            let mut details = provider.provider_details.clone();
            details.extend(new);
            required(&details, &provider.provider_type)?;
            self.complete_details(&provider.provider_type, &mut details)
                .await?;
            provider.provider_details = details;
        }
        if let Some(m) = input.attribute_mapping {
            self.check_mapping(&pool, &m).await?;
            provider.attribute_mapping = m;
        }
        if let Some(ids) = input.idp_identifiers {
            self.check_identifiers(&pool.id, &provider.provider_name, &ids)
                .await?;
            provider.idp_identifiers = ids;
        }
        provider.modified = timestamp(self.now());
        let mut stored = provider.clone();
        self.seal_details(&mut stored);
        if !self.store.update_identity_provider(&stored).await? {
            return Err(provider_not_found(&provider.provider_name));
        }
        Ok(provider)
    }

    pub async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> CoreResult<()> {
        self.require_pool(pool_id).await?;
        if !self.store.delete_identity_provider(pool_id, name).await? {
            return Err(provider_not_found(name));
        }
        Ok(())
    }

    pub async fn list_identity_providers(
        &self,
        pool_id: &str,
        max_results: usize,
        next_token: Option<&str>,
    ) -> CoreResult<Page<IdentityProvider>> {
        self.require_pool(pool_id).await?;
        let after = decode_token(next_token)?;
        let mut items = self
            .store
            .list_identity_providers(pool_id, after.as_deref(), max_results + 1)
            .await?;
        let next_token = page_token(&mut items, max_results, |p| p.provider_name.clone());
        Ok(Page { items, next_token })
    }

    pub async fn identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> CoreResult<IdentityProvider> {
        self.require_pool(pool_id).await?;
        let found = self
            .all_identity_providers(pool_id)
            .await?
            .into_iter()
            .find(|p| p.idp_identifiers.iter().any(|i| i == identifier))
            .ok_or_else(|| {
                CoreError::not_found(format!(
                    "Identity provider with identifier {identifier} does not exist."
                ))
            })?;
        self.open_details(found)
    }
}

fn duplicate(name: &str) -> CoreError {
    CoreError::new(
        ErrorKind::DuplicateProvider,
        format!("A provider with the name {name} already exists in this user pool."),
    )
}
