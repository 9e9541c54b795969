//! App clients: CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
//! DeleteUserPoolClient, ListUserPoolClients.

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::*;
use crate::pools::{decode_token, page_token};
use crate::ports::{StoreError, StoredClient, timestamp};
use crate::service::Cognate;
use cognate_crypto::{LOWER_ALNUM, random_string};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateClientInput {
    pub user_pool_id: String,
    #[serde(default)]
    pub generate_secret: bool,
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub settings: ClientSettings,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateClientInput {
    pub user_pool_id: String,
    pub client_id: String,
    #[serde(flatten)]
    pub settings: ClientSettings,
}

const LEGACY_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];
/// What a client without ExplicitAuthFlows may do.
pub const DEFAULT_FLOWS: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_SRP_AUTH",
];
const STANDARD_SCOPES: &[&str] = &[
    "phone",
    "email",
    "openid",
    "profile",
    "aws.cognito.signin.user.admin",
];

fn check_validity(
    what: &str,
    value: Option<i64>,
    unit: Option<&str>,
    default_unit: &str,
    min: i64,
    max: i64,
    range: &str,
) -> CoreResult<()> {
    let Some(v) = value else { return Ok(()) };
    if what == "refresh" && v == 0 {
        return Ok(());
    }
    let secs = v.saturating_mul(unit_seconds(unit.unwrap_or(default_unit)));
    if secs < min || secs > max {
        return Err(CoreError::invalid_parameter(format!(
            "Invalid range for token validity: the {what} token validity must be between {range}."
        )));
    }
    Ok(())
}

fn normalise(
    mut s: ClientSettings,
    pool: &UserPool,
    providers: &[String],
) -> CoreResult<ClientSettings> {
    // Auth flows.
    let legacy = s
        .explicit_auth_flows
        .iter()
        .any(|f| LEGACY_FLOWS.contains(&f.as_str()));
    let modern = s
        .explicit_auth_flows
        .iter()
        .any(|f| f.starts_with("ALLOW_"));
    if legacy && modern {
        return Err(CoreError::invalid_parameter(
            "ExplicitAuthFlows cannot contain both ALLOW_ values and legacy values.",
        ));
    }
    if modern
        && !s
            .explicit_auth_flows
            .iter()
            .any(|f| f == "ALLOW_REFRESH_TOKEN_AUTH")
    {
        return Err(CoreError::invalid_parameter(
            "REFRESH_TOKEN_AUTH should always be allowed.",
        ));
    }
    if s.explicit_auth_flows.is_empty() {
        s.explicit_auth_flows = DEFAULT_FLOWS.iter().map(|f| f.to_string()).collect();
    }
    let mut flows = Vec::new();
    for f in s.explicit_auth_flows.drain(..) {
        if !flows.contains(&f) {
            flows.push(f);
        }
    }
    s.explicit_auth_flows = flows;

    // Token validity: 5 minutes .. 1 day for access/ID, 1 hour .. 10 years for refresh.
    let units = s.token_validity_units.clone().unwrap_or_default();
    check_validity(
        "access",
        s.access_token_validity,
        units.access_token.as_deref(),
        "hours",
        300,
        86400,
        "5 minutes and 1 day",
    )?;
    check_validity(
        "ID",
        s.id_token_validity,
        units.id_token.as_deref(),
        "hours",
        300,
        86400,
        "5 minutes and 1 day",
    )?;
    check_validity(
        "refresh",
        s.refresh_token_validity,
        units.refresh_token.as_deref(),
        "days",
        3600,
        315_360_000,
        "60 minutes and 10 years",
    )?;
    if let (Some(r), Some(a)) = (
        s.refresh_token_validity.filter(|r| *r > 0),
        s.access_token_validity,
    ) {
        let r = r * unit_seconds(units.refresh_token.as_deref().unwrap_or("days"));
        let a = a * unit_seconds(units.access_token.as_deref().unwrap_or("hours"));
        if r < a {
            return Err(CoreError::invalid_parameter(
                "Refresh token validity must be greater than or equal to access token validity.",
            ));
        }
    }
    // cognito-compat: Describe shows the effective validity and units even when the
    // request left them out.
    if s.token_validity_units.is_none() {
        s.token_validity_units = Some(TokenValidityUnits {
            access_token: Some(
                if s.access_token_validity.is_some() {
                    "hours"
                } else {
                    "minutes"
                }
                .into(),
            ),
            id_token: Some(
                if s.id_token_validity.is_some() {
                    "hours"
                } else {
                    "minutes"
                }
                .into(),
            ),
            refresh_token: Some("days".into()),
        });
    } else if let Some(u) = s.token_validity_units.as_mut() {
        u.access_token.get_or_insert_with(|| "hours".into());
        u.id_token.get_or_insert_with(|| "hours".into());
        u.refresh_token.get_or_insert_with(|| "days".into());
    }
    let units = s.token_validity_units.clone().unwrap_or_default();
    if s.access_token_validity.is_none() {
        s.access_token_validity =
            Some(3600 / unit_seconds(units.access_token.as_deref().unwrap_or("minutes")).max(1));
    }
    if s.id_token_validity.is_none() {
        s.id_token_validity =
            Some(3600 / unit_seconds(units.id_token.as_deref().unwrap_or("minutes")).max(1));
    }
    if s.refresh_token_validity.is_none_or(|r| r == 0) {
        s.refresh_token_validity = Some(
            30 * 86400 / unit_seconds(units.refresh_token.as_deref().unwrap_or("days")).max(1),
        );
    }

    // Attribute permissions must name attributes of the pool.
    for (what, list) in [("read", &s.read_attributes), ("write", &s.write_attributes)] {
        for a in list {
            let known = pool.attribute(a).is_some()
                || (a.starts_with("custom:") && pool.attribute(&format!("dev:{a}")).is_some());
            if !known || (what == "write" && a == "sub") {
                return Err(CoreError::invalid_parameter(format!(
                    "Invalid {what} attributes specified while creating a client"
                )));
            }
        }
    }
    for a in &s.write_attributes {
        if pool.attribute(a).and_then(|x| x.mutable) == Some(false) {
            return Err(CoreError::invalid_parameter(format!(
                "Invalid write attributes specified while creating a client: {a} is immutable"
            )));
        }
    }

    // OAuth.
    for p in &s.supported_identity_providers {
        if p != "COGNITO" && !providers.contains(p) {
            return Err(CoreError::invalid_parameter(format!(
                "The provider {p} does not exist for User Pool {}",
                pool.id
            )));
        }
    }
    for scope in &s.allowed_oauth_scopes {
        if !STANDARD_SCOPES.contains(&scope.as_str()) {
            return Err(CoreError::new(
                ErrorKind::ScopeDoesNotExist,
                format!("Invalid scope requested: {scope}"),
            ));
        }
    }
    if s.allowed_oauth_flows
        .iter()
        .any(|f| f == "client_credentials")
        && s.allowed_oauth_flows
            .iter()
            .any(|f| f != "client_credentials")
    {
        return Err(CoreError::new(
            ErrorKind::InvalidOAuthFlow,
            "client_credentials flow can not be selected along with code flow or implicit flow.",
        ));
    }
    if s.allowed_oauth_flows_user_pool_client {
        if s.allowed_oauth_flows.is_empty() {
            return Err(CoreError::invalid_parameter(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        if s.allowed_oauth_scopes.is_empty() {
            return Err(CoreError::invalid_parameter(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        if s.allowed_oauth_flows
            .iter()
            .any(|f| f != "client_credentials")
            && s.callback_urls.is_empty()
        {
            return Err(CoreError::invalid_parameter(
                "CallbackURLs are required when the code or implicit flow is allowed.",
            ));
        }
    }
    for url in s
        .callback_urls
        .iter()
        .chain(&s.logout_urls)
        .chain(&s.default_redirect_uri)
    {
        check_redirect_url(url)?;
    }
    if let Some(d) = &s.default_redirect_uri
        && !s.callback_urls.contains(d)
    {
        return Err(CoreError::invalid_parameter(
            "DefaultRedirectURI must be one of the CallbackURLs.",
        ));
    }
    s.prevent_user_existence_errors
        .get_or_insert_with(|| "LEGACY".into());
    s.enable_token_revocation.get_or_insert(true);
    s.enable_propagate_additional_user_context_data
        .get_or_insert(false);
    s.auth_session_validity.get_or_insert(3);
    Ok(s)
}

/// Redirect URLs must be absolute; plain http only for loopback hosts (custom app
/// schemes such as `myapp://` are fine).
fn check_redirect_url(url: &str) -> CoreResult<()> {
    let bad = || {
        CoreError::invalid_parameter(format!(
            "Invalid redirect URL {url}: it must be https, or http on localhost, without a fragment."
        ))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad());
    };
    if url.contains('#') || rest.is_empty() {
        return Err(bad());
    }
    if scheme.eq_ignore_ascii_case("http") {
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let host = host
            .rsplit_once(':')
            .filter(|(h, p)| !h.ends_with(']') || p.is_empty())
            .map_or(host, |(h, p)| {
                if p.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(bad());
        }
    }
    Ok(())
}

impl Cognate {
    fn secret_aad(pool_id: &str, client_id: &str) -> String {
        format!("client-secret:{pool_id}:{client_id}")
    }

    fn to_stored(&self, c: &AppClient) -> StoredClient {
        StoredClient {
            pool_id: c.pool_id.clone(),
            client_id: c.client_id.clone(),
            sealed_secret: c
                .client_secret
                .as_ref()
                .map(|s| self.seal(s.as_bytes(), &Self::secret_aad(&c.pool_id, &c.client_id))),
            creation_date: c.creation_date,
            last_modified_date: c.last_modified_date,
            settings: c.settings.clone(),
        }
    }

    pub(crate) fn open_stored(&self, s: StoredClient) -> CoreResult<AppClient> {
        let client_secret = match &s.sealed_secret {
            Some(sealed) => Some(self.open(sealed, &Self::secret_aad(&s.pool_id, &s.client_id))?),
            None => None,
        };
        Ok(AppClient {
            pool_id: s.pool_id,
            client_id: s.client_id,
            client_secret,
            creation_date: s.creation_date,
            last_modified_date: s.last_modified_date,
            settings: s.settings,
        })
    }

    pub async fn create_user_pool_client(
        &self,
        input: CreateClientInput,
        fixed_id: Option<&str>,
    ) -> CoreResult<AppClient> {
        let pool = self.require_pool(&input.user_pool_id).await?;
        let providers = self.provider_names(&pool.id).await?;
        let settings = normalise(input.settings, &pool, &providers)?;
        if input.client_secret.is_some() && input.generate_secret {
            return Err(CoreError::invalid_parameter(
                "You cannot specify both GenerateSecret as true and provide a ClientSecret value.",
            ));
        }
        let secret = match input.client_secret {
            Some(s) => Some(s),
            None if input.generate_secret => Some(random_string(51, LOWER_ALNUM)),
            None => None,
        };
        if settings
            .allowed_oauth_flows
            .iter()
            .any(|f| f == "client_credentials")
            && secret.is_none()
        {
            return Err(CoreError::new(
                ErrorKind::InvalidOAuthFlow,
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
        let now = timestamp(self.now());
        for attempt in 0..5 {
            let client = AppClient {
                pool_id: pool.id.clone(),
                client_id: fixed_id.map_or_else(|| random_string(26, LOWER_ALNUM), str::to_string),
                client_secret: secret.clone(),
                creation_date: now,
                last_modified_date: now,
                settings: settings.clone(),
            };
            match self.store.create_client(&self.to_stored(&client)).await {
                Ok(()) => return Ok(client),
                Err(StoreError::Conflict) if fixed_id.is_none() && attempt < 4 => continue,
                Err(StoreError::Conflict) => {
                    return Err(CoreError::invalid_parameter(format!(
                        "User pool client {} already exists.",
                        client.client_id
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::internal("could not allocate a client id"))
    }

    pub async fn describe_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> CoreResult<AppClient> {
        self.require_pool(pool_id).await?;
        let stored = self
            .store
            .get_client(pool_id, client_id)
            .await?
            .ok_or_else(|| CoreError::client_not_found(client_id))?;
        self.open_stored(stored)
    }

    pub async fn update_user_pool_client(&self, input: UpdateClientInput) -> CoreResult<AppClient> {
        let pool = self.require_pool(&input.user_pool_id).await?;
        let mut client = self
            .describe_user_pool_client(&input.user_pool_id, &input.client_id)
            .await?;
        // cognito-compat: like UpdateUserPool, members left out go back to their
        // defaults, except the name, which stays when the update leaves it out.
        let mut settings = input.settings;
        if settings.client_name.is_empty() {
            settings.client_name = client.settings.client_name.clone();
        }
        let providers = self.provider_names(&pool.id).await?;
        client.settings = normalise(settings, &pool, &providers)?;
        if client
            .settings
            .allowed_oauth_flows
            .iter()
            .any(|f| f == "client_credentials")
            && client.client_secret.is_none()
        {
            return Err(CoreError::new(
                ErrorKind::InvalidOAuthFlow,
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
        client.last_modified_date = timestamp(self.now());
        if !self.store.update_client(&self.to_stored(&client)).await? {
            return Err(CoreError::client_not_found(&input.client_id));
        }
        Ok(client)
    }

    /// Sets (or removes) a client's secret; used by the declarative bootstrap.
    pub async fn set_client_secret(
        &self,
        pool_id: &str,
        client_id: &str,
        secret: Option<String>,
    ) -> CoreResult<()> {
        let mut client = self.describe_user_pool_client(pool_id, client_id).await?;
        if client.client_secret == secret {
            return Ok(());
        }
        client.client_secret = secret;
        client.last_modified_date = timestamp(self.now());
        if !self.store.update_client(&self.to_stored(&client)).await? {
            return Err(CoreError::client_not_found(client_id));
        }
        Ok(())
    }

    pub async fn delete_user_pool_client(&self, pool_id: &str, client_id: &str) -> CoreResult<()> {
        self.require_pool(pool_id).await?;
        if !self.store.delete_client(pool_id, client_id).await? {
            return Err(CoreError::client_not_found(client_id));
        }
        Ok(())
    }

    pub async fn list_user_pool_clients(
        &self,
        pool_id: &str,
        max_results: usize,
        next_token: Option<&str>,
    ) -> CoreResult<Page<AppClient>> {
        self.require_pool(pool_id).await?;
        let after = decode_token(next_token)?;
        let mut stored = self
            .store
            .list_clients(pool_id, after.as_deref(), max_results + 1)
            .await?;
        let next = page_token(&mut stored, max_results, |c| c.client_id.clone());
        let items = stored
            .into_iter()
            .map(|s| self.open_stored(s))
            .collect::<CoreResult<_>>()?;
        Ok(Page {
            items,
            next_token: next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_url;

    #[test]
    fn redirect_urls() {
        assert!(check_redirect_url("https://app.example.com/cb").is_ok());
        assert!(check_redirect_url("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_url("http://127.0.0.1/cb").is_ok());
        assert!(check_redirect_url("myapp://callback").is_ok());
        assert!(check_redirect_url("http://example.com/cb").is_err());
        assert!(check_redirect_url("https://example.com/cb#frag").is_err());
        assert!(check_redirect_url("example.com").is_err());
    }
}
