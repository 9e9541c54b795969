//! The SQL of the hosted-UI domain and identity-provider methods, written once for both backends.

use crate::map_err;
use async_trait::async_trait;
use cognate_core::model::{IdentityProvider, PoolDomain};
use cognate_core::ports::{FederationStore, StoreResult};
use sqlx::Row;

macro_rules! federation_store {
    ($name:ident, $row:ty) => {
        impl $name {
            fn domain_from_row(row: &$row) -> StoreResult<PoolDomain> {
                from_json(&row.try_get::<String, _>("doc").map_err(map_err)?)
            }
            fn provider_from_row(row: &$row) -> StoreResult<IdentityProvider> {
                from_json(&row.try_get::<String, _>("doc").map_err(map_err)?)
            }
        }

        #[async_trait]
        impl FederationStore for $name {
            async fn create_domain(&self, d: &PoolDomain) -> StoreResult<()> {
                sqlx::query("INSERT INTO user_pool_domains (domain, pool_id, doc, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&d.domain)
                    .bind(&d.pool_id)
                    .bind(to_json(d)?)
                    .bind(d.created)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_domain(&self, domain: &str) -> StoreResult<Option<PoolDomain>> {
                let row = sqlx::query("SELECT doc FROM user_pool_domains WHERE domain = $1")
                    .bind(domain)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::domain_from_row).transpose()
            }

            async fn get_pool_domain(&self, pool_id: &str) -> StoreResult<Option<PoolDomain>> {
                let row = sqlx::query("SELECT doc FROM user_pool_domains WHERE pool_id = $1")
                    .bind(pool_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::domain_from_row).transpose()
            }

            async fn update_domain(&self, d: &PoolDomain) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE user_pool_domains SET doc = $1 WHERE domain = $2 AND pool_id = $3")
                    .bind(to_json(d)?)
                    .bind(&d.domain)
                    .bind(&d.pool_id)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_domain(&self, domain: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM user_pool_domains WHERE domain = $1")
                    .bind(domain)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn create_identity_provider(&self, p: &IdentityProvider) -> StoreResult<()> {
                sqlx::query("INSERT INTO identity_providers (pool_id, provider_name, provider_type, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&p.pool_id)
                    .bind(&p.provider_name)
                    .bind(&p.provider_type)
                    .bind(to_json(p)?)
                    .bind(p.created)
                    .bind(p.modified)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_identity_provider(
                &self,
                pool_id: &str,
                name: &str,
            ) -> StoreResult<Option<IdentityProvider>> {
                let row = sqlx::query("SELECT doc FROM identity_providers WHERE pool_id = $1 AND provider_name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::provider_from_row).transpose()
            }

            async fn update_identity_provider(&self, p: &IdentityProvider) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE identity_providers SET doc = $1, updated_at = $2 WHERE pool_id = $3 AND provider_name = $4")
                    .bind(to_json(p)?)
                    .bind(p.modified)
                    .bind(&p.pool_id)
                    .bind(&p.provider_name)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM identity_providers WHERE pool_id = $1 AND provider_name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_identity_providers(
                &self,
                pool_id: &str,
                after: Option<&str>,
                limit: usize,
            ) -> StoreResult<Vec<IdentityProvider>> {
                let rows = sqlx::query("SELECT doc FROM identity_providers WHERE pool_id = $1 AND provider_name > $2 ORDER BY provider_name LIMIT $3")
                    .bind(pool_id)
                    .bind(after.unwrap_or_default())
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::provider_from_row).collect()
            }
        }
    };
}

federation_store!(SqliteStore, sqlx::sqlite::SqliteRow);
federation_store!(PgStore, sqlx::postgres::PgRow);

use crate::sql::{PgStore, SqliteStore, from_json, to_json};
