//! Identity pools (cognito-identity): pool configuration, identities for
//! signed-in and guest users, login validation, role choice, OpenID tokens
//! and credentials.

pub mod ids;
pub mod logins;
pub mod model;
pub mod roles;

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::Page;
use crate::pools::{decode_token, page_token};
use crate::ports::timestamp;
use crate::service::Cognate;
use model::{IdentityPool, IdentityPoolRecord, RoleMapping};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The web-identity provider name of this server's own OpenID tokens, as in
/// trust policies written for Cognito (`cognito-identity.amazonaws.com:aud`).
pub const COGNITO_IDENTITY_PROVIDER: &str = "cognito-identity.amazonaws.com";

/// How to check tokens of one external login provider.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalProvider {
    /// The tokens' `iss` (default `https://<key>`).
    pub issuer: Option<String>,
    /// Where the provider's JWKS is (default: from `<issuer>/.well-known/openid-configuration`).
    pub jwks_uri: Option<String>,
    /// Facebook / Login with Amazon: the access-token check endpoint.
    pub token_info_url: Option<String>,
    /// Accepted `aud` values for pools that name the provider by OIDC ARN only.
    #[serde(default)]
    pub client_ids: Vec<String>,
}

/// Identity-pool settings of the server.
#[derive(Debug, Clone, Default)]
pub struct IdentitySettings {
    /// The identity issuer (`iss` of OpenID tokens); default `<public_url>/identity`.
    pub issuer: Option<String>,
    /// External providers by their `Logins` key.
    pub providers: BTreeMap<String, ExternalProvider>,
}

/// CreateIdentityPool / UpdateIdentityPool input (the `IdentityPool` shape).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPoolInput {
    #[serde(default)]
    pub identity_pool_id: Option<String>,
    pub identity_pool_name: String,
    pub allow_unauthenticated_identities: bool,
    #[serde(default)]
    pub allow_classic_flow: Option<bool>,
    #[serde(default)]
    pub supported_login_providers: BTreeMap<String, String>,
    #[serde(default)]
    pub developer_provider_name: Option<String>,
    #[serde(rename = "OpenIdConnectProviderARNs", default)]
    pub open_id_connect_provider_arns: Vec<String>,
    #[serde(default)]
    pub cognito_identity_providers: Vec<model::CognitoIdentityProvider>,
    #[serde(rename = "SamlProviderARNs", default)]
    pub saml_provider_arns: Vec<String>,
    #[serde(default)]
    pub identity_pool_tags: Option<BTreeMap<String, String>>,
}

/// `Access to Identity '<id>' is forbidden.` and friends.
pub(crate) fn identity_not_found(identity_id: &str) -> CoreError {
    CoreError::not_found(format!("Identity '{identity_id}' not found."))
}

pub(crate) fn pool_not_found(pool_id: &str) -> CoreError {
    CoreError::not_found(format!("IdentityPool '{pool_id}' not found."))
}

pub(crate) fn bad_role_config() -> CoreError {
    CoreError::new(
        ErrorKind::InvalidIdentityPoolConfiguration,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
}

const MAX_TAGS: usize = 50;

impl Cognate {
    pub fn identity_pool_arn(&self, pool_id: &str) -> String {
        let region = pool_id.split(':').next().unwrap_or(&self.identity.region);
        format!(
            "arn:aws:cognito-identity:{region}:{}:identitypool/{pool_id}",
            self.identity.account_id
        )
    }

    /// The issuer of identity OpenID tokens.
    pub fn identity_issuer(&self) -> String {
        self.identity_settings.issuer.clone().unwrap_or_else(|| {
            format!(
                "{}/identity",
                self.identity.public_base_url.trim_end_matches('/')
            )
        })
    }

    pub(crate) async fn require_identity_pool(
        &self,
        pool_id: &str,
    ) -> CoreResult<IdentityPoolRecord> {
        self.store
            .get_identity_pool(pool_id)
            .await?
            .ok_or_else(|| pool_not_found(pool_id))
    }

    fn check_pool_input(&self, input: &IdentityPoolInput) -> CoreResult<()> {
        for p in &input.cognito_identity_providers {
            let name = p.provider_name.as_deref().unwrap_or_default();
            if self.user_pool_of_provider(name).is_none() {
                return Err(CoreError::invalid_parameter(format!(
                    "Invalid Cognito Identity Provider name: {name}"
                )));
            }
            if p.client_id.as_deref().unwrap_or_default().is_empty() {
                return Err(CoreError::invalid_parameter(
                    "ClientId is required for a Cognito Identity Provider.",
                ));
            }
        }
        for key in input.supported_login_providers.keys() {
            if key == COGNITO_IDENTITY_PROVIDER {
                return Err(CoreError::invalid_parameter(format!(
                    "{key} is not a supported login provider."
                )));
            }
        }
        if let Some(tags) = &input.identity_pool_tags
            && tags.len() > MAX_TAGS
        {
            return Err(CoreError::new(
                ErrorKind::LimitExceeded,
                "A resource can have at most 50 tags.",
            ));
        }
        Ok(())
    }

    pub async fn create_identity_pool(
        &self,
        input: IdentityPoolInput,
        request_region: Option<&str>,
    ) -> CoreResult<IdentityPool> {
        self.check_pool_input(&input)?;
        let region = request_region
            .filter(|r| !r.is_empty())
            .unwrap_or(&self.identity.region);
        let now = timestamp(self.now());
        let pool = IdentityPool {
            identity_pool_id: format!("{region}:{}", uuid::Uuid::new_v4()),
            identity_pool_name: input.identity_pool_name,
            allow_unauthenticated_identities: input.allow_unauthenticated_identities,
            allow_classic_flow: Some(input.allow_classic_flow.unwrap_or(false)),
            supported_login_providers: input.supported_login_providers,
            developer_provider_name: input.developer_provider_name,
            open_id_connect_provider_arns: input.open_id_connect_provider_arns,
            cognito_identity_providers: input.cognito_identity_providers,
            saml_provider_arns: input.saml_provider_arns,
            identity_pool_tags: input.identity_pool_tags.unwrap_or_default(),
        };
        let record = IdentityPoolRecord {
            pool: pool.clone(),
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        };
        self.store.create_identity_pool(&record).await?;
        tracing::info!(identity_pool_id = %pool.identity_pool_id, "identity pool created");
        Ok(pool)
    }

    pub async fn describe_identity_pool(&self, pool_id: &str) -> CoreResult<IdentityPool> {
        Ok(self.require_identity_pool(pool_id).await?.pool)
    }

    /// Replaces the configuration (omitted members are cleared, as Cognito
    /// does); tags are kept unless given.
    pub async fn update_identity_pool(&self, input: IdentityPoolInput) -> CoreResult<IdentityPool> {
        let pool_id = input.identity_pool_id.clone().unwrap_or_default();
        let mut record = self.require_identity_pool(&pool_id).await?;
        self.check_pool_input(&input)?;
        // cognito-compat: an update that leaves DeveloperProviderName out keeps
        // it; one that names another is refused.
        let developer_provider_name = match (
            &record.pool.developer_provider_name,
            input.developer_provider_name.clone(),
        ) {
            (Some(existing), Some(given)) if *existing != given => {
                return Err(CoreError::invalid_parameter(
                    "Cannot update DeveloperProviderName once it is set.",
                ));
            }
            (Some(existing), _) => Some(existing.clone()),
            (None, given) => given,
        };
        let tags = input
            .identity_pool_tags
            .unwrap_or_else(|| record.pool.identity_pool_tags.clone());
        record.pool = IdentityPool {
            identity_pool_id: pool_id,
            identity_pool_name: input.identity_pool_name,
            allow_unauthenticated_identities: input.allow_unauthenticated_identities,
            allow_classic_flow: Some(input.allow_classic_flow.unwrap_or(false)),
            supported_login_providers: input.supported_login_providers,
            developer_provider_name,
            open_id_connect_provider_arns: input.open_id_connect_provider_arns,
            cognito_identity_providers: input.cognito_identity_providers,
            saml_provider_arns: input.saml_provider_arns,
            identity_pool_tags: tags,
        };
        record.updated_at = timestamp(self.now());
        if !self.store.update_identity_pool(&record).await? {
            return Err(pool_not_found(&record.pool.identity_pool_id));
        }
        Ok(record.pool)
    }

    pub async fn delete_identity_pool(&self, pool_id: &str) -> CoreResult<()> {
        if !self.store.delete_identity_pool(pool_id).await? {
            return Err(pool_not_found(pool_id));
        }
        tracing::info!(identity_pool_id = pool_id, "identity pool deleted");
        Ok(())
    }

    pub async fn list_identity_pools(
        &self,
        max_results: usize,
        next_token: Option<&str>,
    ) -> CoreResult<Page<IdentityPool>> {
        let after = decode_token(next_token)?;
        let mut items: Vec<IdentityPool> = self
            .store
            .list_identity_pools(after.as_deref(), max_results + 1)
            .await?
            .into_iter()
            .map(|r| r.pool)
            .collect();
        let next = page_token(&mut items, max_results, |p| p.identity_pool_id.clone());
        Ok(Page {
            items,
            next_token: next,
        })
    }

    pub async fn set_identity_pool_roles(
        &self,
        pool_id: &str,
        roles: BTreeMap<String, String>,
        role_mappings: BTreeMap<String, RoleMapping>,
    ) -> CoreResult<()> {
        let mut record = self.require_identity_pool(pool_id).await?;
        for key in roles.keys() {
            if key != "authenticated" && key != "unauthenticated" {
                return Err(CoreError::invalid_parameter(format!(
                    "Invalid role type: {key}. Valid role types are authenticated and unauthenticated."
                )));
            }
        }
        for (arn_key, arn) in &roles {
            if !arn.starts_with("arn:") {
                return Err(CoreError::invalid_parameter(format!(
                    "Invalid {arn_key} role ARN: {arn}"
                )));
            }
        }
        for (provider, mapping) in &role_mappings {
            if !self.is_configured_mapping_key(&record, provider) {
                return Err(CoreError::invalid_parameter(format!(
                    "{provider} is not a valid RoleMapping ProviderName or is not a configured provider."
                )));
            }
            roles::check_mapping(provider, mapping)?;
        }
        record.roles = roles;
        record.role_mappings = role_mappings;
        record.updated_at = timestamp(self.now());
        if !self.store.update_identity_pool(&record).await? {
            return Err(pool_not_found(pool_id));
        }
        Ok(())
    }

    pub async fn get_identity_pool_roles(
        &self,
        pool_id: &str,
    ) -> CoreResult<(BTreeMap<String, String>, BTreeMap<String, RoleMapping>)> {
        let record = self.require_identity_pool(pool_id).await?;
        Ok((record.roles, record.role_mappings))
    }

    async fn identity_pool_by_arn(&self, arn: &str) -> CoreResult<IdentityPoolRecord> {
        let missing = || CoreError::not_found(format!("Resource {arn} does not exist."));
        let id = arn
            .strip_prefix("arn:aws:cognito-identity:")
            .and_then(|rest| rest.split_once(":identitypool/"))
            .map(|(_, id)| id)
            .ok_or_else(|| CoreError::invalid_parameter(format!("Invalid ARN: {arn}")))?;
        let record = self
            .store
            .get_identity_pool(id)
            .await?
            .ok_or_else(missing)?;
        if self.identity_pool_arn(id) != arn {
            return Err(missing());
        }
        Ok(record)
    }

    pub async fn tag_identity_pool(
        &self,
        arn: &str,
        tags: BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let mut record = self.identity_pool_by_arn(arn).await?;
        record.pool.identity_pool_tags.extend(tags);
        if record.pool.identity_pool_tags.len() > MAX_TAGS {
            return Err(CoreError::new(
                ErrorKind::LimitExceeded,
                "A resource can have at most 50 tags.",
            ));
        }
        self.store.update_identity_pool(&record).await?;
        Ok(())
    }

    pub async fn untag_identity_pool(&self, arn: &str, keys: &[String]) -> CoreResult<()> {
        let mut record = self.identity_pool_by_arn(arn).await?;
        for k in keys {
            record.pool.identity_pool_tags.remove(k);
        }
        self.store.update_identity_pool(&record).await?;
        Ok(())
    }

    pub async fn identity_pool_tags(&self, arn: &str) -> CoreResult<BTreeMap<String, String>> {
        Ok(self
            .identity_pool_by_arn(arn)
            .await?
            .pool
            .identity_pool_tags)
    }

    /// Whether a RoleMappings key names one of the pool's providers: a user
    /// pool provider as `<provider>:<clientId>` (either spelling of the
    /// provider), or an external provider's key.
    fn is_configured_mapping_key(&self, record: &IdentityPoolRecord, key: &str) -> bool {
        let pool = &record.pool;
        if pool.supported_login_providers.contains_key(key)
            || pool
                .open_id_connect_provider_arns
                .iter()
                .any(|arn| arn.split_once(":oidc-provider/").map(|(_, k)| k) == Some(key))
        {
            return true;
        }
        self.user_pool_mapping(record, key).is_some()
    }

    /// The configured user-pool provider (pool id, client id) a RoleMappings key names.
    pub(crate) fn user_pool_mapping(
        &self,
        record: &IdentityPoolRecord,
        key: &str,
    ) -> Option<(String, String)> {
        let (provider, client) = key.rsplit_once(':')?;
        let pool_id = self.user_pool_of_provider(provider)?;
        record
            .pool
            .cognito_identity_providers
            .iter()
            .any(|p| {
                p.client_id.as_deref() == Some(client)
                    && p.provider_name
                        .as_deref()
                        .and_then(|n| self.user_pool_of_provider(n))
                        .as_deref()
                        == Some(pool_id.as_str())
            })
            .then(|| (pool_id, client.to_string()))
    }

    /// The user pool a `Logins` key / provider name denotes: either
    /// `cognito-idp.<region>.amazonaws.com/<poolId>` or this server's issuer
    /// of the pool without its scheme.
    pub(crate) fn user_pool_of_provider(&self, name: &str) -> Option<String> {
        if let Some(rest) = name.strip_prefix("cognito-idp.")
            && let Some((host, pool_id)) = rest.split_once('/')
            && host.ends_with(".amazonaws.com")
            && !pool_id.is_empty()
            && !pool_id.contains('/')
        {
            return Some(pool_id.to_string());
        }
        let base = self.identity.public_base_url.trim_end_matches('/');
        let base = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .unwrap_or(base);
        name.strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|id| !id.is_empty() && !id.contains('/') && id.contains('_'))
            .map(str::to_string)
    }
}
