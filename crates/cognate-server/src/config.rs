//! Configuration: compiled defaults, then the TOML file, then `COGNATE_*`
//! environment variables, then command-line flags. Secrets may come from files
//! (`master_key_file`, `secret_access_key_file`).

use cognate_api::bootstrap::DeclaredPool;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Environment variables read (each `COGNATE_` + the upper-case key).
pub const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database",
    "region",
    "account_id",
    "public_url",
    "master_key",
    "master_key_file",
    "admin_access_key_id",
    "admin_secret_access_key",
    "admin_secret_access_key_file",
    "max_body_bytes",
    "log_format",
    "email_password_file",
];

#[derive(Clone, Serialize, Deserialize)]
pub struct AccessKey {
    pub access_key_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key_file: Option<PathBuf>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of the embedded SQLite database (and a generated master key).
    pub data_dir: PathBuf,
    /// `postgres://...` to keep state in PostgreSQL instead of SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Region for new ids when a request is not signed for another one.
    pub region: String,
    /// Account id in ARNs.
    pub account_id: String,
    /// Base URL of token issuers (`<public_url>/<poolId>`); default `http://<listen>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Base64 of 32 bytes that seals keys and secrets at rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_key_file: Option<PathBuf>,
    /// Access keys allowed to sign admin operations.
    #[serde(default)]
    pub admin_credentials: Vec<AccessKey>,
    /// One more access key, convenient from the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_access_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_secret_access_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_secret_access_key_file: Option<PathBuf>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// `text` or `json`.
    pub log_format: String,
    /// SMTP for email; without it emails go to the outbox.
    #[serde(default, skip_serializing)]
    pub email: Option<cognate_outbound::SmtpConfig>,
    /// The SMTP password from a file (kept out of the config file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_password_file: Option<PathBuf>,
    /// HTTP webhook for SMS; without it text messages go to the outbox.
    #[serde(default, skip_serializing)]
    pub sms: Option<cognate_outbound::SmsWebhookConfig>,
    /// Trigger transports: ARN → HTTP URL or local command, and Lambda credentials.
    #[serde(default, skip_serializing)]
    pub triggers: cognate_outbound::TriggersConfig,
    /// Pools (and their clients) to create or update at start.
    #[serde(default, skip_serializing)]
    pub pools: Vec<DeclaredPool>,
    /// Identity pools: the identity issuer, external login providers, upstream STS.
    #[serde(default, skip_serializing)]
    pub identity: IdentityConfig,
    /// Roles to create or update at start.
    #[serde(default, skip_serializing)]
    pub iam: IamConfig,
    /// Hosted sign-in: where social identity providers' endpoints are.
    #[serde(default, skip_serializing)]
    pub hosted: HostedConfig,
}

/// `[hosted]`: settings of the hosted OAuth 2.0 endpoints.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostedConfig {
    /// Endpoint overrides by provider type (`Google`, `SignInWithApple`):
    /// `authorize_url`, `token_url`, `issuer`, `jwks_uri`.
    #[serde(default)]
    pub providers: std::collections::BTreeMap<String, cognate_core::federation::ProviderEndpoints>,
    /// A directory with replacements for the hosted pages' templates
    /// (`login.html`, `error.html`; minijinja syntax); missing ones stay built in.
    #[serde(default)]
    pub templates_dir: Option<PathBuf>,
}

/// `[identity]`: settings of the identity-pool service.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// `iss` of identity OpenID tokens; default `<public_url>/identity`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// External login providers by their `Logins` key.
    #[serde(default)]
    pub providers: std::collections::BTreeMap<String, cognate_core::identity::ExternalProvider>,
    /// An STS that mints real credentials for GetCredentialsForIdentity.
    #[serde(default)]
    pub upstream_sts: Option<cognate_outbound::identity::UpstreamStsConfig>,
}

/// `[iam]`: declared roles.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamConfig {
    #[serde(default)]
    pub roles: Vec<DeclaredRole>,
}

/// `[[iam.roles]]`: a role with its trust policy and inline policies.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredRole {
    pub name: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_session_duration: Option<i64>,
    pub assume_role_policy: String,
    #[serde(default)]
    pub policies: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database.as_ref().map(|_| "<set>"))
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 9229)),
            data_dir: PathBuf::from("./cognate-data"),
            database: None,
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            public_url: None,
            master_key: None,
            master_key_file: None,
            admin_credentials: Vec::new(),
            admin_access_key_id: None,
            admin_secret_access_key: None,
            admin_secret_access_key_file: None,
            max_body_bytes: 1024 * 1024,
            email: None,
            email_password_file: None,
            sms: None,
            triggers: cognate_outbound::TriggersConfig::default(),
            log_format: "text".into(),
            pools: Vec::new(),
            identity: IdentityConfig::default(),
            iam: IamConfig::default(),
            hosted: HostedConfig::default(),
        }
    }
}

/// Command-line values that override everything else.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    path.display()
                ))));
            }
            fig = fig.merge(Toml::file(path));
        }
        fig = fig
            .merge(Env::prefixed("COGNATE_").only(ENV_KEYS))
            .merge(Serialized::globals(overrides));
        fig.extract().map_err(Box::new)
    }

    /// All configured access keys with their secrets resolved.
    pub fn access_keys(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut keys: Vec<AccessKey> = self.admin_credentials.clone();
        if let Some(id) = &self.admin_access_key_id {
            keys.push(AccessKey {
                access_key_id: id.clone(),
                secret_access_key: self.admin_secret_access_key.clone(),
                secret_access_key_file: self.admin_secret_access_key_file.clone(),
            });
        }
        keys.into_iter()
            .map(|k| {
                let secret = match (k.secret_access_key, k.secret_access_key_file) {
                    (Some(s), _) => s,
                    (None, Some(path)) => read_secret_file(&path)?,
                    (None, None) => anyhow::bail!("access key {} has no secret", k.access_key_id),
                };
                Ok((k.access_key_id, secret))
            })
            .collect()
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

pub fn read_secret_file(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("could not read secret file {}: {e}", path.display()))?;
    Ok(text.trim().to_string())
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn layers_defaults_file_env_and_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "cognate.toml",
                r#"
                listen = "127.0.0.1:7000"
                region = "eu-west-1"
                [[pools]]
                id = "eu-west-1_Local1"
                PoolName = "local"
                [[pools.clients]]
                id = "abc"
                ClientName = "web"
                "#,
            )?;
            jail.set_env("COGNATE_REGION", "ap-south-1");
            jail.set_env("COGNATE_TEST_PG_URL", "ignored");
            let c = Config::load(Some(Path::new("cognate.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 7000);
            assert_eq!(c.region, "ap-south-1");
            assert_eq!(c.pools.len(), 1);
            assert_eq!(c.pools[0].clients[0].id, "abc");
            let flags = Overrides {
                listen: Some("127.0.0.1:7001".parse().unwrap()),
                ..Default::default()
            };
            let c =
                Config::load(Some(Path::new("cognate.toml")), &flags).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 7001);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lisen = \"127.0.0.1:1\"")?;
            assert!(Config::load(Some(Path::new("bad.toml")), &Overrides::default()).is_err());
            Ok(())
        });
    }

    #[test]
    fn secrets_from_files() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("secret", "s3cret\n")?;
            jail.set_env("COGNATE_ADMIN_ACCESS_KEY_ID", "AKIDTEST");
            jail.set_env("COGNATE_ADMIN_SECRET_ACCESS_KEY_FILE", "secret");
            let c = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(
                c.access_keys().map_err(|e| e.to_string())?,
                vec![("AKIDTEST".into(), "s3cret".into())]
            );
            Ok(())
        });
    }
}
