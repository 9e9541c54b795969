//! The composition root: turns a [`Config`] into a running server. `main.rs`
//! and the integration tests both start servers through [`start`].

pub mod config;

use anyhow::Context;
use cognate_api::{AdminAuth, AppState, SecretKey};
use cognate_core::delivery::Delivery;
use cognate_core::ports::SystemClock;
use cognate_core::{Cognate, ServerIdentity};
use cognate_crypto::MasterKey;
use cognate_store::Database;
pub use config::{Config, Overrides};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server that is accepting connections.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub core: Arc<Cognate>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, then returns.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        Ok(())
    }

    /// Waits until the server stops (after a signal).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        (&mut self.task).await??;
        Ok(())
    }
}

fn database(config: &Config) -> Database {
    match &config.database {
        Some(url) if !url.is_empty() => Database::Postgres { url: url.clone() },
        _ => Database::Sqlite {
            data_dir: config.data_dir.clone(),
        },
    }
}

/// The master key: configured, or read from / generated into the data directory.
fn master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(k) = &config.master_key {
        return MasterKey::from_base64(k.trim()).context("master_key is not base64 of 32 bytes");
    }
    if let Some(path) = &config.master_key_file {
        let text = config::read_secret_file(path)?;
        return MasterKey::from_base64(&text)
            .with_context(|| format!("{} does not hold base64 of 32 bytes", path.display()));
    }
    let path = config.data_dir.join("master.key");
    if path.exists() {
        let text = config::read_secret_file(&path)?;
        return MasterKey::from_base64(&text)
            .with_context(|| format!("{} does not hold base64 of 32 bytes", path.display()));
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("could not create {}", config.data_dir.display()))?;
    let key = MasterKey::generate();
    write_private(&path, &key.to_base64())?;
    tracing::warn!(
        path = %path.display(),
        "generated a new master key; keep this file safe (and give every node the same key)"
    );
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("could not write {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

/// Message transports from the configuration; channels left out use the outbox.
fn delivery(config: &Config) -> anyhow::Result<Delivery> {
    let mut delivery = Delivery::default();
    if let Some(smtp) = &config.email {
        let mut smtp = smtp.clone();
        if let Some(path) = &config.email_password_file {
            smtp.password = Some(config::read_secret_file(path)?);
        }
        let sender =
            cognate_outbound::SmtpSender::new(smtp).context("email (SMTP) configuration")?;
        delivery.email = Some(Arc::new(sender));
        tracing::info!("email goes out through SMTP");
    } else {
        tracing::info!("no SMTP configured: emails are recorded in the outbox (cognate messages)");
    }
    if let Some(sms) = &config.sms {
        let sender = cognate_outbound::WebhookSmsSender::new(sms.clone())
            .context("SMS webhook configuration")?;
        delivery.sms = Some(Arc::new(sender));
    }
    Ok(delivery)
}

/// Recorded messages, newest first (`cognate messages`).
pub async fn outbox(
    config: &Config,
    pool_id: Option<&str>,
    username: Option<&str>,
    limit: usize,
) -> anyhow::Result<Vec<cognate_core::model::Message>> {
    let store = cognate_store::open(&database(config)).await?;
    store
        .outbox_list(pool_id, username, limit)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Applies migrations only.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    cognate_store::open(&database(config)).await?;
    Ok(())
}

/// Opens storage, applies migrations and the bootstrap declarations, binds and serves.
pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
    start_with_clock(config, Arc::new(SystemClock)).await
}

/// [`start`] with another clock (tests move time forward with it).
pub async fn start_with_clock(
    config: Config,
    clock: Arc<dyn cognate_core::ports::Clock>,
) -> anyhow::Result<RunningServer> {
    let keys = config.access_keys()?;
    let admin = AdminAuth {
        keys: keys
            .into_iter()
            .map(|(id, secret)| (id, SecretKey(secret)))
            .collect(),
    };
    if admin.is_open() {
        if !config.listen.ip().is_loopback() {
            anyhow::bail!(
                "refusing to listen on {} without admin credentials: configure admin_credentials (or COGNATE_ADMIN_ACCESS_KEY_ID / COGNATE_ADMIN_SECRET_ACCESS_KEY), or listen on loopback",
                config.listen
            );
        }
        tracing::warn!(
            "no admin credentials configured: admin operations are open to anyone who can reach this loopback address"
        );
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("could not listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let db = database(&config);
    let store = cognate_store::open(&db).await?;
    tracing::info!(storage = store.backend(), "storage ready");
    let identity = ServerIdentity {
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        // Port 0 binds a free port: the issuer names the one actually bound.
        public_base_url: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
    };
    let core = Arc::new(
        Cognate::new(store, clock, master_key(&config)?, identity)
            .with_delivery(delivery(&config)?)
            .with_triggers(Arc::new(
                cognate_outbound::TriggerRouter::new(config.triggers.clone())
                    .context("trigger configuration")?,
            ))
            .with_identity(
                cognate_core::identity::IdentitySettings {
                    issuer: config.identity.issuer.clone(),
                    providers: config.identity.providers.clone(),
                },
                Some(Arc::new(
                    cognate_outbound::identity::ReqwestFetcher::new()
                        .context("HTTP client for identity providers")?,
                )),
                match &config.identity.upstream_sts {
                    Some(c) => Some(Arc::new(
                        cognate_outbound::identity::HttpSts::new(c)
                            .context("identity.upstream_sts")?,
                    )),
                    None => None,
                },
            )
            .with_federation(cognate_core::federation::FederationSettings {
                endpoints: config.hosted.providers.clone(),
            }),
    );
    core.check_master_key().await.map_err(|e| anyhow::anyhow!("{}", e.message)).context(
        "the master key does not open this database's secrets (was it created with another key?)",
    )?;
    cognate_api::bootstrap::apply(&core, &config.pools)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("applying the declared pools and clients")?;
    for role in &config.iam.roles {
        core.ensure_role(cognate_core::iam::CreateRoleInput {
            role_name: role.name.clone(),
            path: role.path.clone(),
            assume_role_policy_document: role.assume_role_policy.clone(),
            description: role.description.clone(),
            max_session_duration: role.max_session_duration,
            tags: Default::default(),
            policies: role.policies.clone(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("declaring the role {}", role.name))?;
    }

    let state = AppState {
        core: core.clone(),
        admin: Arc::new(admin),
        max_body_bytes: config.max_body_bytes,
        pages: Arc::new(cognate_api::hosted::Pages::new(
            config.hosted.templates_dir.clone(),
        )),
    };
    let app = cognate_api::router(state);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Connection info gives handlers the peer address (a device's last_ip_used).
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = rx => {},
                _ = shutdown_signal() => {},
            }
            tracing::info!("shutting down: finishing in-flight requests");
        })
        .await
    });
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        core,
        shutdown: Some(tx),
        task,
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = tokio::signal::ctrl_c() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// One outbox message as JSON (`cognate messages --json`, `GET /_cognate/messages`).
pub fn message_json(m: &cognate_core::model::Message) -> serde_json::Value {
    cognate_api::outbox::message_json(m)
}
