//! Test-only harness: real servers on ephemeral ports, with a fresh SQLite
//! directory or a fresh PostgreSQL schema each, and AWS SDK clients pointed at
//! them. The integration tests live in `tests/it/`.

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider as idp;
use cognate_server::{Config, RunningServer};
use std::net::SocketAddr;
use std::path::PathBuf;

pub mod smtp_sink;

pub const ACCESS_KEY_ID: &str = "AKIDCOGNATETEST0001";
pub const SECRET_ACCESS_KEY: &str = "cognate-test-secret-access-key-0001";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use (`COGNATE_TEST_PG_URL`), if any.
pub fn pg_url() -> Option<String> {
    std::env::var("COGNATE_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Creates a fresh schema and returns a URL that selects it.
pub async fn fresh_pg_schema(base: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let schema = format!(
        "t_{now}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let mut conn = sqlx::PgConnection::connect(base).await?;
    // Schemas of earlier runs (named t_<unix time>_...) are dropped after an hour.
    let old: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%'")
            .fetch_all(&mut conn)
            .await?;
    for name in old {
        let created = name.split('_').nth(1).and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t + 3600 < now) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
            )))
            .execute(&mut conn)
            .await?;
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

/// A clock that stands still until the test moves it. Clones share the time.
#[derive(Clone)]
pub struct FakeClock(std::sync::Arc<std::sync::Mutex<time::OffsetDateTime>>);

impl FakeClock {
    pub fn new() -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(
            time::OffsetDateTime::now_utc(),
        )))
    }
    pub fn advance(&self, by: std::time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl cognate_core::ports::Clock for FakeClock {
    fn now(&self) -> time::OffsetDateTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
    }
}

/// Where a test server keeps its state; reused across restarts.
pub struct Storage {
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pub database: Option<String>,
}

impl Storage {
    /// None when the backend is PostgreSQL and no test database is configured.
    pub async fn new(backend: Backend) -> anyhow::Result<Option<Storage>> {
        let dir = tempfile::tempdir()?;
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => match pg_url() {
                Some(base) => Some(fresh_pg_schema(&base).await?),
                None => return Ok(None),
            },
        };
        Ok(Some(Storage {
            backend,
            dir,
            database,
        }))
    }

    pub fn config(&self) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: self.dir.path().join("data"),
            database: self.database.clone(),
            ..Config::default()
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

pub struct TestServer {
    pub server: RunningServer,
    pub storage: Storage,
    pub signed: bool,
}

impl TestServer {
    /// A server with admin credentials configured (requests must be signed).
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(
        backend: Backend,
        edit: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let storage = match Storage::new(backend).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                eprintln!(
                    "skipped: COGNATE_TEST_PG_URL is not set, so the PostgreSQL half did not run"
                );
                return None;
            }
            Err(e) => panic!("could not prepare storage: {e:#}"),
        };
        Some(Self::start_on(storage, edit).await)
    }

    /// A server whose clock the test moves ([`FakeClock::advance`]).
    pub async fn start_with_clock(backend: Backend, clock: FakeClock) -> Option<TestServer> {
        Self::start_with_clock_and(backend, clock, |_| {}).await
    }

    /// [`TestServer::start_with_clock`] with the configuration edited first.
    pub async fn start_with_clock_and(
        backend: Backend,
        clock: FakeClock,
        edit: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let storage = match Storage::new(backend).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                eprintln!(
                    "skipped: COGNATE_TEST_PG_URL is not set, so the PostgreSQL half did not run"
                );
                return None;
            }
            Err(e) => panic!("could not prepare storage: {e:#}"),
        };
        let mut config = storage.config();
        config.admin_access_key_id = Some(ACCESS_KEY_ID.into());
        config.admin_secret_access_key = Some(SECRET_ACCESS_KEY.into());
        edit(&mut config);
        let server = cognate_server::start_with_clock(config, std::sync::Arc::new(clock))
            .await
            .unwrap_or_else(|e| panic!("server did not start: {e:#}"));
        Some(TestServer {
            server,
            storage,
            signed: true,
        })
    }

    pub async fn start_on(storage: Storage, edit: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = storage.config();
        config.admin_access_key_id = Some(ACCESS_KEY_ID.into());
        config.admin_secret_access_key = Some(SECRET_ACCESS_KEY.into());
        edit(&mut config);
        let signed = !config.access_keys().map(|k| k.is_empty()).unwrap_or(true);
        let server = cognate_server::start(config)
            .await
            .unwrap_or_else(|e| panic!("server did not start: {e:#}"));
        TestServer {
            server,
            storage,
            signed,
        }
    }

    /// Stops the server and starts a new one on the same storage.
    pub async fn restart(self) -> TestServer {
        let TestServer {
            server, storage, ..
        } = self;
        server
            .stop()
            .await
            .unwrap_or_else(|e| panic!("server did not stop: {e:#}"));
        Self::start_on(storage, |_| {}).await
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The Rust SDK's user-pool client, signing with the test's admin key.
    pub fn idp(&self) -> idp::Client {
        self.idp_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY, "us-east-1")
    }

    pub fn idp_with(&self, key: &str, secret: &str, region: &str) -> idp::Client {
        let conf = idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new(region.to_string()))
            .credentials_provider(Credentials::new(key, secret, None, None, "cognate-test"))
            .endpoint_url(self.url())
            .build();
        idp::Client::from_conf(conf)
    }

    /// Raw awsJson call, for what an SDK can not send (bad JSON, unknown targets).
    pub async fn raw(
        &self,
        target: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let resp = reqwest::Client::new()
            .post(self.url())
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, headers, json)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = reqwest::get(format!("{}{path}", self.url()))
            .await
            .unwrap_or_else(|e| panic!("GET failed: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// Defines one async test per backend: `both!(name, |ts| async move { ... });`
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(ts) = $crate::TestServer::start($crate::Backend::Sqlite).await {
                    ($body)(ts).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(ts) = $crate::TestServer::start($crate::Backend::Postgres).await {
                    ($body)(ts).await;
                }
            }
        }
    };
}

/// Like [`both!`], with the server configuration edited first:
/// `both_with!(name, |c: &mut Config| { ... }, |ts| async move { ... });`
#[macro_export]
macro_rules! both_with {
    ($name:ident, $edit:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(ts) =
                    $crate::TestServer::start_with($crate::Backend::Sqlite, $edit).await
                {
                    ($body)(ts).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(ts) =
                    $crate::TestServer::start_with($crate::Backend::Postgres, $edit).await
                {
                    ($body)(ts).await;
                }
            }
        }
    };
}

/// A trigger configuration under which every Lambda ARN counts as reachable
/// (for tests that only store LambdaConfig). Nothing listens at the endpoint.
pub fn any_lambda_reachable(c: &mut cognate_server::Config) {
    c.triggers.lambda = Some(cognate_outbound::LambdaConfig {
        endpoint: "http://127.0.0.1:9".into(),
        region: None,
        access_key_id: "AKIDTESTLAMBDA".into(),
        secret_access_key: "unused".into(),
        session_token: None,
    });
}
