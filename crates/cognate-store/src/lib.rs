//! The storage port ([`cognate_core::ports::Store`]) on SQLite and PostgreSQL.
//!
//! Both backends run the same SQL (sqlx binds `$N` on both), stamped out for
//! each pool type by one macro, so the two can not drift apart. Each method is
//! one transaction. Migrations are embedded per backend and applied by
//! [`open`] before the store is handed out.

mod federation_sql;
mod identity_sql;
mod sql;
mod sqlite_fast;

use cognate_core::ports::{Store, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use sql::{PgStore, SqliteStore};

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

/// Where the state lives.
#[derive(Debug, Clone)]
pub enum Database {
    /// Embedded SQLite, in WAL mode, in this directory (`cognate.db`).
    Sqlite { data_dir: std::path::PathBuf },
    /// A PostgreSQL URL (`postgres://...`); `?options=-c search_path=x` selects a schema.
    Postgres { url: String },
}

/// Opens the backend, applies migrations and returns the store.
pub async fn open(db: &Database) -> Result<Arc<dyn Store>, OpenError> {
    match db {
        Database::Sqlite { data_dir } => Ok(Arc::new(open_sqlite(data_dir).await?)),
        Database::Postgres { url } => Ok(Arc::new(open_postgres(url).await?)),
    }
}

pub async fn open_sqlite(data_dir: &Path) -> Result<SqliteStore, OpenError> {
    std::fs::create_dir_all(data_dir).map_err(|source| OpenError::DataDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    let file = data_dir.join("cognate.db");
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Keeps the planner's statistics fresh (`PRAGMA optimize` as connections close).
        .optimize_on_close(true, 1000);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // An in-process SQLite connection cannot be dropped by a server, so the liveness
        // round trip to the connection's worker thread before every statement buys nothing
        // (it was a third of a GetUser's context switches).
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(OpenError::Connect)?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .map_err(OpenError::Migrate)?;
    Ok(SqliteStore::new(pool).with_fast_reads(file))
}

pub async fn open_postgres(url: &str) -> Result<PgStore, OpenError> {
    let options = PgConnectOptions::from_str(url).map_err(OpenError::Connect)?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(OpenError::Connect)?;
    sqlx::migrate!("./migrations/postgres")
        .run(&pool)
        .await
        .map_err(OpenError::Migrate)?;
    Ok(PgStore::new(pool))
}

pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            // PostgreSQL names the index; SQLite names the columns in its message.
            let what = format!("{} {}", d.constraint().unwrap_or_default(), d.message());
            if what.contains("alias_email") {
                StoreError::AliasTaken("email")
            } else if what.contains("alias_phone") {
                StoreError::AliasTaken("phone_number")
            } else if what.contains("alias_preferred") {
                StoreError::AliasTaken("preferred_username")
            } else {
                StoreError::Conflict
            }
        }
        _ => StoreError::Backend(e.to_string()),
    }
}
