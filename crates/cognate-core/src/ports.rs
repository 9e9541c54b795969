//! Ports: what the domain needs from the outside world. Storage methods are
//! operation-sized (one backend transaction each); no SQL, no driver errors and
//! no transaction handles cross this line.

use crate::model::{ClientSettings, StoredKey, Timestamp, UserPool};
use async_trait::async_trait;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same key exists already.
    #[error("already exists")]
    Conflict,
    /// The backend failed; the text is for logs only.
    #[error("storage backend: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<StoreError> for crate::CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => crate::CoreError::new(
                crate::ErrorKind::Concurrent,
                "The resource was modified concurrently; retry the request.",
            ),
            StoreError::Backend(detail) => crate::CoreError::internal(detail),
        }
    }
}

/// An app client as the store keeps it: the secret sealed under the master key.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClient {
    pub pool_id: String,
    pub client_id: String,
    pub sealed_secret: Option<Vec<u8>>,
    pub creation_date: Timestamp,
    pub last_modified_date: Timestamp,
    pub settings: ClientSettings,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is, for logs and the health endpoint.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Server-wide settings (e.g. the master-key check value).
    async fn meta_get(&self, key: &str) -> StoreResult<Option<String>>;
    /// Inserts unless the key exists; returns whether it inserted.
    async fn meta_put_if_absent(&self, key: &str, value: &str) -> StoreResult<bool>;

    /// Creates a pool with its signing keys in one transaction; `Conflict` if the id is taken.
    async fn create_pool(&self, pool: &UserPool, keys: &[StoredKey]) -> StoreResult<()>;
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;
    /// Replaces the stored document; false when the pool does not exist.
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<bool>;
    /// Deletes the pool and everything in it; false when it did not exist.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Pools ordered by id, starting after `after`.
    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<UserPool>>;
    async fn pool_keys(&self, pool_id: &str) -> StoreResult<Vec<StoredKey>>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<i64>;

    /// `Conflict` if the client id is taken.
    async fn create_client(&self, client: &StoredClient) -> StoreResult<()>;
    async fn get_client(&self, pool_id: &str, client_id: &str)
    -> StoreResult<Option<StoredClient>>;
    /// Replaces settings and secret; false when the client does not exist.
    async fn update_client(&self, client: &StoredClient) -> StoreResult<bool>;
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool>;
    /// Clients of a pool ordered by client id, starting after `after`.
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<StoredClient>>;
}

/// Time comes from here, never from the system clock directly, so expiry is testable.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

pub fn timestamp(t: OffsetDateTime) -> Timestamp {
    (t.unix_timestamp_nanos() / 1_000_000) as f64 / 1000.0
}
