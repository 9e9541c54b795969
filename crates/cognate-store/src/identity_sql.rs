//! The SQL of the identity-pool, role and credential methods, written once for both backends.

use crate::map_err;
use async_trait::async_trait;
use cognate_core::iam::model::{CredentialGrant, Role, StoredCredentials};
use cognate_core::identity::model::{IdentityPoolRecord, IdentityRecord, LoginLink};
use cognate_core::model::Timestamp;
use cognate_core::ports::{IdentityStore, StoreError, StoreResult};
use sqlx::Row;

/// The part of an identity row kept as a document.
#[derive(serde::Serialize, serde::Deserialize)]
struct IdentityDoc {
    logins: Vec<LoginLink>,
}

macro_rules! identity_store {
    ($name:ident, $db:ty, $row:ty) => {
        impl $name {
            fn identity_from_row(row: &$row) -> StoreResult<IdentityRecord> {
                let doc: IdentityDoc = from_json(&row.try_get::<String, _>("doc").map_err(map_err)?)?;
                Ok(IdentityRecord {
                    identity_id: row.try_get("id").map_err(map_err)?,
                    pool_id: row.try_get("pool_id").map_err(map_err)?,
                    logins: doc.logins,
                    disabled: row.try_get::<i64, _>("disabled").map_err(map_err)? != 0,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    updated_at: row.try_get("updated_at").map_err(map_err)?,
                })
            }

            fn credentials_from_row(row: &$row) -> StoreResult<StoredCredentials> {
                let grant: CredentialGrant = from_json(&row.try_get::<String, _>("doc").map_err(map_err)?)?;
                Ok(StoredCredentials {
                    access_key_id: row.try_get("access_key_id").map_err(map_err)?,
                    sealed_secret: row.try_get("sealed_secret").map_err(map_err)?,
                    session_token_hash: row.try_get("session_token_hash").map_err(map_err)?,
                    expires_at: row.try_get("expires_at").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                    grant,
                })
            }

            /// Writes the identity's links: deletes its old ones, inserts the current ones.
            async fn write_links(
                conn: &mut <$db as sqlx::Database>::Connection,
                identity: &IdentityRecord,
            ) -> StoreResult<()> {
                sqlx::query("DELETE FROM identity_logins WHERE identity_id = $1")
                    .bind(&identity.identity_id)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                for l in &identity.logins {
                    sqlx::query("INSERT INTO identity_logins (pool_id, provider, subject, identity_id) VALUES ($1, $2, $3, $4)")
                        .bind(&identity.pool_id)
                        .bind(&l.provider)
                        .bind(&l.subject)
                        .bind(&identity.identity_id)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl IdentityStore for $name {
            async fn create_identity_pool(&self, p: &IdentityPoolRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO identity_pools (id, doc, created_at, updated_at) VALUES ($1, $2, $3, $4)")
                    .bind(&p.pool.identity_pool_id)
                    .bind(to_json(p)?)
                    .bind(p.created_at)
                    .bind(p.updated_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_identity_pool(&self, pool_id: &str) -> StoreResult<Option<IdentityPoolRecord>> {
                let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM identity_pools WHERE id = $1")
                    .bind(pool_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                doc.map(|d| from_json(&d)).transpose()
            }

            async fn update_identity_pool(&self, p: &IdentityPoolRecord) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE identity_pools SET doc = $2, updated_at = $3 WHERE id = $1")
                    .bind(&p.pool.identity_pool_id)
                    .bind(to_json(p)?)
                    .bind(p.updated_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_identity_pool(&self, pool_id: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for statement in [
                    "DELETE FROM identity_logins WHERE pool_id = $1",
                    "DELETE FROM identities WHERE pool_id = $1",
                ] {
                    sqlx::query(statement).bind(pool_id).execute(&mut *tx).await.map_err(map_err)?;
                }
                let r = sqlx::query("DELETE FROM identity_pools WHERE id = $1")
                    .bind(pool_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_identity_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<IdentityPoolRecord>> {
                let docs: Vec<String> = sqlx::query_scalar("SELECT doc FROM identity_pools WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after.unwrap_or(""))
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                docs.iter().map(|d| from_json(d)).collect()
            }

            async fn create_identity(&self, i: &IdentityRecord) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query("INSERT INTO identities (id, pool_id, disabled, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&i.identity_id)
                    .bind(&i.pool_id)
                    .bind(i64::from(i.disabled))
                    .bind(to_json(&IdentityDoc { logins: i.logins.clone() })?)
                    .bind(i.created_at)
                    .bind(i.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::write_links(&mut tx, i).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<IdentityRecord>> {
                let row = sqlx::query("SELECT id, pool_id, disabled, doc, created_at, updated_at FROM identities WHERE id = $1")
                    .bind(identity_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::identity_from_row).transpose()
            }

            async fn find_identity_by_login(&self, pool_id: &str, provider: &str, subject: &str) -> StoreResult<Option<String>> {
                sqlx::query_scalar("SELECT identity_id FROM identity_logins WHERE pool_id = $1 AND provider = $2 AND subject = $3")
                    .bind(pool_id)
                    .bind(provider)
                    .bind(subject)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)
            }

            async fn update_identity(&self, i: &IdentityRecord) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                let r = sqlx::query("UPDATE identities SET disabled = $2, doc = $3, updated_at = $4 WHERE id = $1")
                    .bind(&i.identity_id)
                    .bind(i64::from(i.disabled))
                    .bind(to_json(&IdentityDoc { logins: i.logins.clone() })?)
                    .bind(i.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                Self::write_links(&mut tx, i).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn merge_identities(&self, from: &IdentityRecord, into: &IdentityRecord) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                // Free the source's links first so the destination can take them.
                sqlx::query("DELETE FROM identity_logins WHERE identity_id = $1")
                    .bind(&from.identity_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for i in [from, into] {
                    let r = sqlx::query("UPDATE identities SET disabled = $2, doc = $3, updated_at = $4 WHERE id = $1")
                        .bind(&i.identity_id)
                        .bind(i64::from(i.disabled))
                        .bind(to_json(&IdentityDoc { logins: i.logins.clone() })?)
                        .bind(i.updated_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if r.rows_affected() != 1 {
                        return Err(StoreError::Conflict);
                    }
                }
                Self::write_links(&mut tx, into).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn list_identities(&self, pool_id: &str, hide_disabled: bool, after: Option<&str>, limit: usize) -> StoreResult<Vec<IdentityRecord>> {
                let rows = sqlx::query("SELECT id, pool_id, disabled, doc, created_at, updated_at FROM identities WHERE pool_id = $1 AND id > $2 AND disabled <= $3 ORDER BY id LIMIT $4")
                    .bind(pool_id)
                    .bind(after.unwrap_or(""))
                    .bind(if hide_disabled { 0i64 } else { 1i64 })
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::identity_from_row).collect()
            }

            async fn delete_identity(&self, identity_id: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query("DELETE FROM identity_logins WHERE identity_id = $1")
                    .bind(identity_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let r = sqlx::query("DELETE FROM identities WHERE id = $1")
                    .bind(identity_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn create_role(&self, role: &Role) -> StoreResult<()> {
                sqlx::query("INSERT INTO iam_roles (name_key, doc, created_at) VALUES ($1, $2, $3)")
                    .bind(role.role_name.to_lowercase())
                    .bind(to_json(role)?)
                    .bind(role.create_date)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_role(&self, role_name: &str) -> StoreResult<Option<Role>> {
                let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM iam_roles WHERE name_key = $1")
                    .bind(role_name.to_lowercase())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                doc.map(|d| from_json(&d)).transpose()
            }

            async fn update_role(&self, role: &Role) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE iam_roles SET doc = $2 WHERE name_key = $1")
                    .bind(role.role_name.to_lowercase())
                    .bind(to_json(role)?)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_role(&self, role_name: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM iam_roles WHERE name_key = $1")
                    .bind(role_name.to_lowercase())
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_roles(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<Role>> {
                let docs: Vec<String> = sqlx::query_scalar("SELECT doc FROM iam_roles WHERE name_key > $1 ORDER BY name_key LIMIT $2")
                    .bind(after.unwrap_or(""))
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                docs.iter().map(|d| from_json(d)).collect()
            }

            async fn put_credentials(&self, c: &StoredCredentials) -> StoreResult<()> {
                sqlx::query("INSERT INTO sts_credentials (access_key_id, sealed_secret, session_token_hash, doc, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&c.access_key_id)
                    .bind(&c.sealed_secret)
                    .bind(&c.session_token_hash)
                    .bind(to_json(&c.grant)?)
                    .bind(c.expires_at)
                    .bind(c.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_credentials(&self, access_key_id: &str) -> StoreResult<Option<StoredCredentials>> {
                let row = sqlx::query("SELECT access_key_id, sealed_secret, session_token_hash, doc, expires_at, created_at FROM sts_credentials WHERE access_key_id = $1")
                    .bind(access_key_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::credentials_from_row).transpose()
            }

            async fn purge_credentials(&self, before: Timestamp) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM sts_credentials WHERE expires_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected())
            }
        }
    };
}

identity_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
identity_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);

use crate::sql::{PgStore, SqliteStore, from_json, to_json};
