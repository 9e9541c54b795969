//! The SQL of every store method, written once and implemented for both backends.

use crate::map_err;
use async_trait::async_trait;
use cognate_core::model::{KeyPurpose, StoredKey, UserPool};
use cognate_core::ports::{Store, StoreError, StoreResult, StoredClient};
use sqlx::Row;

fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("decode: {e}")))
}

macro_rules! sql_store {
    ($name:ident, $db:ty, $row:ty, $backend:literal) => {
        /// The store on this backend.
        #[derive(Clone)]
        pub struct $name {
            pool: sqlx::Pool<$db>,
        }

        impl $name {
            pub fn new(pool: sqlx::Pool<$db>) -> Self {
                Self { pool }
            }
            pub fn pool(&self) -> &sqlx::Pool<$db> {
                &self.pool
            }
            fn client_from_row(row: &$row) -> StoreResult<StoredClient> {
                Ok(StoredClient {
                    pool_id: row.try_get("pool_id").map_err(map_err)?,
                    client_id: row.try_get("client_id").map_err(map_err)?,
                    sealed_secret: row.try_get("sealed_secret").map_err(map_err)?,
                    creation_date: row.try_get("created_at").map_err(map_err)?,
                    last_modified_date: row.try_get("updated_at").map_err(map_err)?,
                    settings: from_json(&row.try_get::<String, _>("doc").map_err(map_err)?)?,
                })
            }
        }

        #[async_trait]
        impl Store for $name {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
                Ok(())
            }

            async fn meta_get(&self, key: &str) -> StoreResult<Option<String>> {
                sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)
            }

            async fn meta_put_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
                let r = sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn create_pool(&self, pool: &UserPool, keys: &[StoredKey]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query("INSERT INTO user_pools (id, doc, created_at, updated_at) VALUES ($1, $2, $3, $4)")
                    .bind(&pool.id)
                    .bind(to_json(pool)?)
                    .bind(pool.creation_date)
                    .bind(pool.last_modified_date)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for k in keys {
                    sqlx::query("INSERT INTO pool_keys (pool_id, kid, purpose, sealed, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(&k.pool_id)
                        .bind(&k.kid)
                        .bind(k.purpose.as_str())
                        .bind(&k.sealed_private_key)
                        .bind(k.created_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
                let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM user_pools WHERE id = $1")
                    .bind(pool_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                doc.map(|d| from_json(&d)).transpose()
            }

            async fn update_pool(&self, pool: &UserPool) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE user_pools SET doc = $2, updated_at = $3 WHERE id = $1")
                    .bind(&pool.id)
                    .bind(to_json(pool)?)
                    .bind(pool.last_modified_date)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for statement in [
                    "DELETE FROM pool_keys WHERE pool_id = $1",
                    "DELETE FROM user_pool_clients WHERE pool_id = $1",
                ] {
                    sqlx::query(statement)
                        .bind(pool_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let r = sqlx::query("DELETE FROM user_pools WHERE id = $1")
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<UserPool>> {
                let docs: Vec<String> = sqlx::query_scalar(
                    "SELECT doc FROM user_pools WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                docs.iter().map(|d| from_json(d)).collect()
            }

            async fn pool_keys(&self, pool_id: &str) -> StoreResult<Vec<StoredKey>> {
                let rows = sqlx::query(
                    "SELECT kid, purpose, sealed, created_at FROM pool_keys WHERE pool_id = $1 ORDER BY created_at, kid",
                )
                .bind(pool_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        let purpose: String = row.try_get("purpose").map_err(map_err)?;
                        Ok(StoredKey {
                            pool_id: pool_id.to_string(),
                            kid: row.try_get("kid").map_err(map_err)?,
                            purpose: KeyPurpose::parse(&purpose)
                                .ok_or_else(|| StoreError::Backend(format!("unknown key purpose {purpose}")))?,
                            sealed_private_key: row.try_get("sealed").map_err(map_err)?,
                            created_at: row.try_get("created_at").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn count_users(&self, _pool_id: &str) -> StoreResult<i64> {
                // Users arrive with the user directory; until then a pool holds none.
                Ok(0)
            }

            async fn create_client(&self, c: &StoredClient) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO user_pool_clients (client_id, pool_id, doc, sealed_secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&c.client_id)
                .bind(&c.pool_id)
                .bind(to_json(&c.settings)?)
                .bind(&c.sealed_secret)
                .bind(c.creation_date)
                .bind(c.last_modified_date)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<StoredClient>> {
                let row = sqlx::query(
                    "SELECT client_id, pool_id, doc, sealed_secret, created_at, updated_at FROM user_pool_clients WHERE pool_id = $1 AND client_id = $2",
                )
                .bind(pool_id)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                row.as_ref().map(Self::client_from_row).transpose()
            }

            async fn update_client(&self, c: &StoredClient) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE user_pool_clients SET doc = $3, sealed_secret = $4, updated_at = $5 WHERE pool_id = $1 AND client_id = $2",
                )
                .bind(&c.pool_id)
                .bind(&c.client_id)
                .bind(to_json(&c.settings)?)
                .bind(&c.sealed_secret)
                .bind(c.last_modified_date)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = $1 AND client_id = $2")
                    .bind(pool_id)
                    .bind(client_id)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Vec<StoredClient>> {
                let rows = sqlx::query(
                    "SELECT client_id, pool_id, doc, sealed_secret, created_at, updated_at FROM user_pool_clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3",
                )
                .bind(pool_id)
                .bind(after.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(Self::client_from_row).collect()
            }
        }
    };
}

sql_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite");
sql_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres");
