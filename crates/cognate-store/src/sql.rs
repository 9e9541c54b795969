//! The SQL of every store method, written once and implemented for both backends.

use crate::map_err;
use async_trait::async_trait;
use cognate_core::model::{
    AuthSession, Channel, ClientSettings, CodePurpose, Device, Group, KeyPurpose, Message,
    PasswordRecord, SearchAttribute, StoredCode, StoredKey, User, UserFilter, UserPool, UserState,
};
use cognate_core::ports::{AccessLookup, Store, StoreError, StoreResult, StoredClient, UserStore};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// The part of a user row kept as one JSON document.
#[derive(Serialize, Deserialize)]
pub(crate) struct UserDoc {
    pub(crate) attributes: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<PasswordRecord>,
    #[serde(default)]
    pub(crate) state: UserState,
}

/// `SELECT <user columns> FROM users <rest>` as one static string.
macro_rules! select_users {
    ($rest:literal) => {
        concat!("SELECT pool_id, username_key, username, sub, status, enabled, alias_email, alias_phone, alias_preferred, doc, created_at, updated_at FROM users ", $rest)
    };
}

/// `SELECT <client columns> FROM user_pool_clients <rest>` as one static string.
macro_rules! select_clients {
    ($rest:literal) => {
        concat!("SELECT client_id, pool_id, doc, sealed_secret, created_at, updated_at FROM user_pool_clients ", $rest)
    };
}

/// `SELECT <device columns> FROM devices <rest>` as one static string.
macro_rules! select_devices {
    ($rest:literal) => {
        concat!("SELECT pool_id, device_key, username_key, group_key, confirmed, remembered_status, name, salt, verifier, last_ip, pending_session, created_at, updated_at, last_auth_at FROM devices ", $rest)
    };
}

/// The same column list, for the one query whose filter column is chosen at run time.
const USER_COLUMNS: &str = "pool_id, username_key, username, sub, status, enabled, alias_email, alias_phone, alias_preferred, doc, created_at, updated_at";

fn search_column(a: SearchAttribute) -> &'static str {
    match a {
        SearchAttribute::Username => "username_key",
        SearchAttribute::Email => "email",
        SearchAttribute::PhoneNumber => "phone_number",
        SearchAttribute::Name => "name",
        SearchAttribute::GivenName => "given_name",
        SearchAttribute::FamilyName => "family_name",
        SearchAttribute::PreferredUsername => "preferred_username",
        SearchAttribute::UserStatus => "status",
        SearchAttribute::Status => "enabled",
        SearchAttribute::Sub => "sub",
    }
}

/// The smallest string greater than every string starting with `prefix`
/// (byte order), for index-friendly prefix ranges.
fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    "\u{10FFFF}".to_string()
}

fn filter_value(f: &UserFilter) -> String {
    match f.attribute {
        // cognito-compat: `status = "Enabled"` / `"Disabled"`.
        SearchAttribute::Status => (f.value == "Enabled").to_string(),
        _ => f.value.clone(),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encode: {e}")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("decode: {e}")))
}

/// Decoded JSON documents (pools, app clients) by id, each with the exact text
/// it was decoded from. A read still fetches the document, so every node sees
/// every update at once; only when the text is byte-for-byte the cached one is
/// the decode skipped (a pool's decode was 15 % of a GetUser's instructions).
pub(crate) struct DocCache<T> {
    entries: std::sync::RwLock<std::collections::HashMap<String, (String, T)>>,
}

impl<T> Default for DocCache<T> {
    fn default() -> Self {
        Self {
            entries: Default::default(),
        }
    }
}

/// Documents cached at most per kind (the cache starts over beyond this).
const DOC_CACHE_MAX: usize = 4096;

impl<T: serde::de::DeserializeOwned + Clone> DocCache<T> {
    pub(crate) fn decode(&self, id: &str, doc: String) -> StoreResult<T> {
        if let Ok(entries) = self.entries.read()
            && let Some((text, value)) = entries.get(id)
            && *text == doc
        {
            return Ok(value.clone());
        }
        let value: T = from_json(&doc)?;
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= DOC_CACHE_MAX {
                entries.clear();
            }
            entries.insert(id.to_string(), (doc, value.clone()));
        }
        Ok(value)
    }

    fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(id);
        }
    }
}

/// A user row with its document still as text (decoded outside the connection).
pub(crate) struct RawUser {
    pub(crate) pool_id: String,
    pub(crate) username_key: String,
    pub(crate) username: String,
    pub(crate) sub: String,
    pub(crate) status: String,
    pub(crate) enabled: String,
    pub(crate) alias_email: Option<String>,
    pub(crate) alias_phone: Option<String>,
    pub(crate) alias_preferred: Option<String>,
    pub(crate) doc: String,
    pub(crate) created: f64,
    pub(crate) modified: f64,
}

impl RawUser {
    pub(crate) fn into_user(self) -> StoreResult<User> {
        let doc: UserDoc = from_json(&self.doc)?;
        Ok(User {
            pool_id: self.pool_id,
            username_key: self.username_key,
            username: self.username,
            sub: self.sub,
            status: self.status,
            enabled: self.enabled == "true",
            aliases: cognate_core::model::AliasKeys {
                email: self.alias_email,
                phone_number: self.alias_phone,
                preferred_username: self.alias_preferred,
            },
            attributes: doc.attributes,
            password: doc.password,
            state: doc.state,
            created: self.created,
            modified: self.modified,
        })
    }
}

/// A client row with its settings still as text.
pub(crate) struct RawClient {
    pub(crate) client_id: String,
    pub(crate) pool_id: String,
    pub(crate) doc: String,
    pub(crate) sealed_secret: Option<Vec<u8>>,
    pub(crate) created: f64,
    pub(crate) modified: f64,
}

impl RawClient {
    pub(crate) fn into_client(self, docs: &DocCache<ClientSettings>) -> StoreResult<StoredClient> {
        let settings = docs.decode(&self.client_id, self.doc)?;
        Ok(StoredClient {
            pool_id: self.pool_id,
            client_id: self.client_id,
            sealed_secret: self.sealed_secret,
            creation_date: self.created,
            last_modified_date: self.modified,
            settings,
        })
    }
}

macro_rules! sql_store {
    ($name:ident, $db:ty, $row:ty, $backend:literal) => {
        /// The store on this backend.
        #[derive(Clone)]
        pub struct $name {
            pub(crate) pool: sqlx::Pool<$db>,
            pool_docs: std::sync::Arc<DocCache<UserPool>>,
            client_docs: std::sync::Arc<DocCache<ClientSettings>>,
            /// SQLite only: the hot reads on the calling thread (see `sqlite_fast`).
            fast: Option<std::sync::Arc<crate::sqlite_fast::ReadPool>>,
        }

        impl $name {
            pub fn new(pool: sqlx::Pool<$db>) -> Self {
                Self {
                    pool,
                    pool_docs: Default::default(),
                    client_docs: Default::default(),
                    fast: None,
                }
            }
            pub fn pool(&self) -> &sqlx::Pool<$db> {
                &self.pool
            }
            fn client_from_row(&self, row: &$row) -> StoreResult<StoredClient> {
                RawClient {
                    client_id: row.try_get("client_id").map_err(map_err)?,
                    pool_id: row.try_get("pool_id").map_err(map_err)?,
                    doc: row.try_get("doc").map_err(map_err)?,
                    sealed_secret: row.try_get("sealed_secret").map_err(map_err)?,
                    created: row.try_get("created_at").map_err(map_err)?,
                    modified: row.try_get("updated_at").map_err(map_err)?,
                }
                .into_client(&self.client_docs)
            }
        }


        impl $name {
            fn user_from_row(row: &$row) -> StoreResult<User> {
                let get = |c: &str| row.try_get::<Option<String>, _>(c).map_err(map_err);
                let req = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
                RawUser {
                    pool_id: req("pool_id")?,
                    username_key: req("username_key")?,
                    username: req("username")?,
                    sub: req("sub")?,
                    status: req("status")?,
                    enabled: req("enabled")?,
                    alias_email: get("alias_email")?,
                    alias_phone: get("alias_phone")?,
                    alias_preferred: get("alias_preferred")?,
                    doc: req("doc")?,
                    created: row.try_get("created_at").map_err(map_err)?,
                    modified: row.try_get("updated_at").map_err(map_err)?,
                }
                .into_user()
            }

            fn device_from_row(row: &$row) -> StoreResult<Device> {
                let salt: Option<String> = row.try_get("salt").map_err(map_err)?;
                let verifier: Option<String> = row.try_get("verifier").map_err(map_err)?;
                Ok(Device {
                    pool_id: row.try_get("pool_id").map_err(map_err)?,
                    device_key: row.try_get("device_key").map_err(map_err)?,
                    username_key: row.try_get("username_key").map_err(map_err)?,
                    group_key: row.try_get("group_key").map_err(map_err)?,
                    confirmed: row.try_get::<i64, _>("confirmed").map_err(map_err)? != 0,
                    remembered_status: row.try_get("remembered_status").map_err(map_err)?,
                    name: row.try_get("name").map_err(map_err)?,
                    verifier: salt.zip(verifier).map(|(salt, verifier)| PasswordRecord { salt, verifier }),
                    last_ip: row.try_get("last_ip").map_err(map_err)?,
                    pending_session: row.try_get("pending_session").map_err(map_err)?,
                    created: row.try_get("created_at").map_err(map_err)?,
                    modified: row.try_get("updated_at").map_err(map_err)?,
                    last_authenticated: row.try_get("last_auth_at").map_err(map_err)?,
                })
            }

            fn group_from_row(row: &$row) -> StoreResult<Group> {
                Ok(Group {
                    pool_id: row.try_get("pool_id").map_err(map_err)?,
                    name: row.try_get("name").map_err(map_err)?,
                    description: row.try_get("description").map_err(map_err)?,
                    role_arn: row.try_get("role_arn").map_err(map_err)?,
                    precedence: row.try_get("precedence").map_err(map_err)?,
                    created: row.try_get("created_at").map_err(map_err)?,
                    modified: row.try_get("updated_at").map_err(map_err)?,
                })
            }

            async fn insert_user(conn: &mut <$db as sqlx::Database>::Connection, u: &User) -> StoreResult<()> {
                let doc = to_json(&UserDoc { attributes: u.attributes.clone(), password: u.password.clone(), state: u.state.clone() })?;
                let a = |k: &str| u.attributes.get(k).cloned();
                sqlx::query(
                    "INSERT INTO users (pool_id, username_key, username, sub, status, enabled, email, phone_number, name, given_name, family_name, preferred_username, alias_email, alias_phone, alias_preferred, doc, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                )
                .bind(&u.pool_id)
                .bind(&u.username_key)
                .bind(&u.username)
                .bind(&u.sub)
                .bind(&u.status)
                .bind(u.enabled.to_string())
                .bind(a("email"))
                .bind(a("phone_number"))
                .bind(a("name"))
                .bind(a("given_name"))
                .bind(a("family_name"))
                .bind(a("preferred_username"))
                .bind(&u.aliases.email)
                .bind(&u.aliases.phone_number)
                .bind(&u.aliases.preferred_username)
                .bind(doc)
                .bind(u.created)
                .bind(u.modified)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn fetch_user(&self, sql: &'static str, a: &str, b: &str) -> StoreResult<Option<User>> {
                let row = sqlx::query(sql).bind(a).bind(b).fetch_optional(&self.pool).await.map_err(map_err)?;
                row.as_ref().map(Self::user_from_row).transpose()
            }
        }

        #[async_trait]
        impl UserStore for $name {
            async fn create_user(&self, u: &User) -> StoreResult<()> {
                let mut conn = self.pool.acquire().await.map_err(map_err)?;
                Self::insert_user(&mut *conn, u).await
            }

            async fn create_users(&self, users: &[User]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for u in users {
                    Self::insert_user(&mut *tx, u).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn get_user(&self, pool_id: &str, username_key: &str) -> StoreResult<Option<User>> {
                if let Some(fast) = &self.fast {
                    return fast.get_user(pool_id, false, username_key);
                }
                self.fetch_user(
                    select_users!("WHERE pool_id = $1 AND username_key = $2"),
                    pool_id,
                    username_key,
                )
                .await
            }

            async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
                if let Some(fast) = &self.fast {
                    return fast.get_user(pool_id, true, sub);
                }
                self.fetch_user(
                    select_users!("WHERE pool_id = $1 AND sub = $2"),
                    pool_id,
                    sub,
                )
                .await
            }

            async fn get_user_by_alias(&self, pool_id: &str, attribute: &str, key: &str) -> StoreResult<Option<User>> {
                let sql = match attribute {
                    "email" => select_users!("WHERE pool_id = $1 AND alias_email = $2"),
                    "phone_number" => select_users!("WHERE pool_id = $1 AND alias_phone = $2"),
                    "preferred_username" => select_users!("WHERE pool_id = $1 AND alias_preferred = $2"),
                    _ => return Ok(None),
                };
                self.fetch_user(sql, pool_id, key).await
            }

            async fn update_user(&self, u: &User) -> StoreResult<bool> {
                let doc = to_json(&UserDoc { attributes: u.attributes.clone(), password: u.password.clone(), state: u.state.clone() })?;
                let a = |k: &str| u.attributes.get(k).cloned();
                let r = sqlx::query(
                    "UPDATE users SET status = $3, enabled = $4, email = $5, phone_number = $6, name = $7, given_name = $8, family_name = $9, preferred_username = $10, \
                     alias_email = $11, alias_phone = $12, alias_preferred = $13, doc = $14, updated_at = $15 WHERE pool_id = $1 AND username_key = $2",
                )
                .bind(&u.pool_id)
                .bind(&u.username_key)
                .bind(&u.status)
                .bind(u.enabled.to_string())
                .bind(a("email"))
                .bind(a("phone_number"))
                .bind(a("name"))
                .bind(a("given_name"))
                .bind(a("family_name"))
                .bind(a("preferred_username"))
                .bind(&u.aliases.email)
                .bind(&u.aliases.phone_number)
                .bind(&u.aliases.preferred_username)
                .bind(doc)
                .bind(u.modified)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for statement in [
                    "DELETE FROM auth_sessions WHERE pool_id = $1 AND username_key = $2",
                    "DELETE FROM devices WHERE pool_id = $1 AND username_key = $2",
                    "DELETE FROM user_codes WHERE pool_id = $1 AND username_key = $2",
                    "DELETE FROM group_members WHERE pool_id = $1 AND username_key = $2",
                ] {
                    sqlx::query(statement).bind(pool_id).bind(username_key).execute(&mut *tx).await.map_err(map_err)?;
                }
                let r = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND username_key = $2")
                    .bind(pool_id)
                    .bind(username_key)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_users(&self, pool_id: &str, filter: Option<&UserFilter>, after: Option<&str>, limit: usize) -> StoreResult<Vec<User>> {
                let rows = match filter {
                    None => sqlx::query(
                        select_users!("WHERE pool_id = $1 AND username_key > $2 ORDER BY username_key LIMIT $3"),
                    )
                    .bind(pool_id)
                    .bind(after.unwrap_or(""))
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await,
                    Some(f) => {
                        // The column comes from a closed list, never from the request.
                        let col = search_column(f.attribute);
                        let value = filter_value(f);
                        if f.prefix {
                            // Ordered as the (pool_id, column, username_key) index is, so
                            // the index both filters and orders; the cursor is "value\u{1f}key".
                            let (after_value, after_key) = after
                                .and_then(|a| a.split_once('\u{1f}'))
                                .map_or((String::new(), String::new()), |(v, k)| (v.to_string(), k.to_string()));
                            // The cursor never starts below the prefix: PostgreSQL does not combine
                            // `col >= prefix` with the row comparison, so a ('', '') cursor would make
                            // it walk every entry below the prefix.
                            let (after_value, after_key) = if after_value < value {
                                (value.clone(), String::new())
                            } else {
                                (after_value, after_key)
                            };
                            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 AND {col} >= $2 AND {col} < $3 AND ({col}, username_key) > ($4, $5) ORDER BY {col}, username_key LIMIT $6");
                            sqlx::query(AssertSqlSafe(sql))
                                .bind(pool_id)
                                .bind(value.clone())
                                .bind(prefix_end(&value))
                                .bind(after_value)
                                .bind(after_key)
                                .bind(limit as i64)
                                .fetch_all(&self.pool)
                                .await
                        } else {
                            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 AND {col} = $2 AND username_key > $3 ORDER BY username_key LIMIT $4");
                            sqlx::query(AssertSqlSafe(sql))
                                .bind(pool_id)
                                .bind(value)
                                .bind(after.unwrap_or(""))
                                .bind(limit as i64)
                                .fetch_all(&self.pool)
                                .await
                        }
                    }
                }
                .map_err(map_err)?;
                rows.iter().map(Self::user_from_row).collect()
            }

            async fn put_code(&self, pool_id: &str, username_key: &str, purpose: CodePurpose, code: &StoredCode) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO user_codes (pool_id, username_key, purpose, code_hash, expires_at, attempts) VALUES ($1, $2, $3, $4, $5, 0) \
                     ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
                )
                .bind(pool_id)
                .bind(username_key)
                .bind(purpose.as_str())
                .bind(&code.code_hash)
                .bind(code.expires_at)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn get_code(&self, pool_id: &str, username_key: &str, purpose: CodePurpose) -> StoreResult<Option<StoredCode>> {
                let row = sqlx::query("SELECT code_hash, expires_at, attempts FROM user_codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3")
                    .bind(pool_id)
                    .bind(username_key)
                    .bind(purpose.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.map(|r| {
                    Ok(StoredCode {
                        code_hash: r.try_get("code_hash").map_err(map_err)?,
                        expires_at: r.try_get("expires_at").map_err(map_err)?,
                        attempts: r.try_get("attempts").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn delete_code(&self, pool_id: &str, username_key: &str, purpose: CodePurpose) -> StoreResult<()> {
                sqlx::query("DELETE FROM user_codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3")
                    .bind(pool_id)
                    .bind(username_key)
                    .bind(purpose.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn bump_code_attempts(&self, pool_id: &str, username_key: &str, purpose: CodePurpose) -> StoreResult<i64> {
                let n: Option<i64> = sqlx::query_scalar(
                    "UPDATE user_codes SET attempts = attempts + 1 WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 RETURNING attempts",
                )
                .bind(pool_id)
                .bind(username_key)
                .bind(purpose.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(n.unwrap_or(i64::MAX))
            }

            async fn create_group(&self, g: &Group) -> StoreResult<()> {
                sqlx::query("INSERT INTO user_groups (pool_id, name, description, role_arn, precedence, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&g.pool_id)
                    .bind(&g.name)
                    .bind(&g.description)
                    .bind(&g.role_arn)
                    .bind(g.precedence)
                    .bind(g.created)
                    .bind(g.modified)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
                let row = sqlx::query("SELECT pool_id, name, description, role_arn, precedence, created_at, updated_at FROM user_groups WHERE pool_id = $1 AND name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::group_from_row).transpose()
            }

            async fn update_group(&self, g: &Group) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE user_groups SET description = $3, role_arn = $4, precedence = $5, updated_at = $6 WHERE pool_id = $1 AND name = $2")
                    .bind(&g.pool_id)
                    .bind(&g.name)
                    .bind(&g.description)
                    .bind(&g.role_arn)
                    .bind(g.precedence)
                    .bind(g.modified)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let r = sqlx::query("DELETE FROM user_groups WHERE pool_id = $1 AND name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: usize) -> StoreResult<Vec<Group>> {
                let rows = sqlx::query("SELECT pool_id, name, description, role_arn, precedence, created_at, updated_at FROM user_groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3")
                    .bind(pool_id)
                    .bind(after.unwrap_or(""))
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                rows.iter().map(Self::group_from_row).collect()
            }

            async fn add_user_to_group(&self, pool_id: &str, username_key: &str, group: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO group_members (pool_id, group_name, username_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(pool_id)
                    .bind(group)
                    .bind(username_key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn remove_user_from_group(&self, pool_id: &str, username_key: &str, group: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3")
                    .bind(pool_id)
                    .bind(group)
                    .bind(username_key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn groups_for_user(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Vec<Group>> {
                if let Some(fast) = &self.fast {
                    return fast.groups_for_user(pool_id, username_key, after.unwrap_or(""), limit);
                }
                let rows = sqlx::query(
                    "SELECT g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_at, g.updated_at FROM group_members m \
                     JOIN user_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
                     WHERE m.pool_id = $1 AND m.username_key = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4",
                )
                .bind(pool_id)
                .bind(username_key)
                .bind(after.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(Self::group_from_row).collect()
            }

            async fn users_in_group(&self, pool_id: &str, group: &str, after: Option<&str>, limit: usize) -> StoreResult<Vec<User>> {
                let rows = sqlx::query(
                    "SELECT u.pool_id, u.username_key, u.username, u.sub, u.status, u.enabled, u.alias_email, u.alias_phone, u.alias_preferred, u.doc, u.created_at, u.updated_at \
                     FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
                     WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username_key > $3 ORDER BY m.username_key LIMIT $4",
                )
                .bind(pool_id)
                .bind(group)
                .bind(after.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(Self::user_from_row).collect()
            }

            async fn create_auth_session(&self, a: &AuthSession) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO auth_sessions (pool_id, origin_jti, username_key, client_id, auth_time, expires_at, revoked, refresh_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&a.pool_id)
                .bind(&a.origin_jti)
                .bind(&a.username_key)
                .bind(&a.client_id)
                .bind(a.auth_time)
                .bind(a.expires_at)
                .bind(i64::from(a.revoked))
                .bind(&a.refresh_id)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                // Now and then, forget sign-ins whose refresh tokens have expired.
                if a.origin_jti.starts_with('0') {
                    sqlx::query("DELETE FROM auth_sessions WHERE expires_at < $1")
                        .bind(a.auth_time as f64)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                }
                Ok(())
            }

            async fn get_auth_session(&self, pool_id: &str, origin_jti: &str) -> StoreResult<Option<AuthSession>> {
                let row = sqlx::query(
                    "SELECT pool_id, origin_jti, username_key, client_id, auth_time, expires_at, revoked, refresh_id, previous_refresh_id, rotated_at FROM auth_sessions WHERE pool_id = $1 AND origin_jti = $2",
                )
                .bind(pool_id)
                .bind(origin_jti)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                row.map(|r| {
                    Ok(AuthSession {
                        pool_id: r.try_get("pool_id").map_err(map_err)?,
                        origin_jti: r.try_get("origin_jti").map_err(map_err)?,
                        username_key: r.try_get("username_key").map_err(map_err)?,
                        client_id: r.try_get("client_id").map_err(map_err)?,
                        auth_time: r.try_get("auth_time").map_err(map_err)?,
                        expires_at: r.try_get("expires_at").map_err(map_err)?,
                        revoked: r.try_get::<i64, _>("revoked").map_err(map_err)? != 0,
                        refresh_id: r.try_get("refresh_id").map_err(map_err)?,
                        previous_refresh_id: r.try_get("previous_refresh_id").map_err(map_err)?,
                        rotated_at: r.try_get("rotated_at").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn revoke_auth_session(&self, pool_id: &str, origin_jti: &str) -> StoreResult<()> {
                sqlx::query("UPDATE auth_sessions SET revoked = 1 WHERE pool_id = $1 AND origin_jti = $2")
                    .bind(pool_id)
                    .bind(origin_jti)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn rotate_refresh_id(&self, pool_id: &str, origin_jti: &str, current: &str, next: &str, now: f64) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE auth_sessions SET previous_refresh_id = refresh_id, refresh_id = $4, rotated_at = $5 WHERE pool_id = $1 AND origin_jti = $2 AND refresh_id = $3",
                )
                .bind(pool_id)
                .bind(origin_jti)
                .bind(current)
                .bind(next)
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn revoke_user_sessions(&self, pool_id: &str, username_key: &str) -> StoreResult<()> {
                sqlx::query("UPDATE auth_sessions SET revoked = 1 WHERE pool_id = $1 AND username_key = $2")
                    .bind(pool_id)
                    .bind(username_key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn consume_nonce(&self, nonce: &str, expires_at: f64) -> StoreResult<bool> {
                let r = sqlx::query("INSERT INTO spent_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING")
                    .bind(nonce)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                // Keep the table small: drop what has expired now and then.
                if nonce.starts_with('A') {
                    sqlx::query("DELETE FROM spent_nonces WHERE expires_at < $1")
                        .bind(expires_at - 3600.0)
                        .execute(&self.pool)
                        .await
                        .map_err(map_err)?;
                }
                Ok(r.rows_affected() == 1)
            }

            async fn create_device(&self, d: &Device, stale_before: f64) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                sqlx::query("DELETE FROM devices WHERE pool_id = $1 AND username_key = $2 AND confirmed = 0 AND created_at < $3")
                    .bind(&d.pool_id)
                    .bind(&d.username_key)
                    .bind(stale_before)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO devices (pool_id, device_key, username_key, group_key, confirmed, remembered_status, name, salt, verifier, last_ip, pending_session, created_at, updated_at, last_auth_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(&d.pool_id)
                .bind(&d.device_key)
                .bind(&d.username_key)
                .bind(&d.group_key)
                .bind(i64::from(d.confirmed))
                .bind(&d.remembered_status)
                .bind(&d.name)
                .bind(d.verifier.as_ref().map(|v| v.salt.clone()))
                .bind(d.verifier.as_ref().map(|v| v.verifier.clone()))
                .bind(&d.last_ip)
                .bind(&d.pending_session)
                .bind(d.created)
                .bind(d.modified)
                .bind(d.last_authenticated)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<Device>> {
                let row = sqlx::query(select_devices!("WHERE pool_id = $1 AND device_key = $2"))
                    .bind(pool_id)
                    .bind(device_key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(Self::device_from_row).transpose()
            }

            async fn update_device(&self, d: &Device) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE devices SET confirmed = $3, remembered_status = $4, name = $5, salt = $6, verifier = $7, last_ip = $8, updated_at = $9, last_auth_at = $10, pending_session = $11 \
                     WHERE pool_id = $1 AND device_key = $2",
                )
                .bind(&d.pool_id)
                .bind(&d.device_key)
                .bind(i64::from(d.confirmed))
                .bind(&d.remembered_status)
                .bind(&d.name)
                .bind(d.verifier.as_ref().map(|v| v.salt.clone()))
                .bind(d.verifier.as_ref().map(|v| v.verifier.clone()))
                .bind(&d.last_ip)
                .bind(d.modified)
                .bind(d.last_authenticated)
                .bind(&d.pending_session)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM devices WHERE pool_id = $1 AND device_key = $2")
                    .bind(pool_id)
                    .bind(device_key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(r.rows_affected() == 1)
            }

            async fn list_devices(&self, pool_id: &str, username_key: &str, after: Option<&str>, limit: usize) -> StoreResult<Vec<Device>> {
                let rows = sqlx::query(select_devices!(
                    "WHERE pool_id = $1 AND username_key = $2 AND confirmed = 1 AND device_key > $3 ORDER BY device_key LIMIT $4"
                ))
                .bind(pool_id)
                .bind(username_key)
                .bind(after.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(Self::device_from_row).collect()
            }

            async fn outbox_put(&self, m: &Message) -> StoreResult<()> {
                sqlx::query("INSERT INTO outbox (id, pool_id, username, channel, destination, subject, body, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(&m.id)
                    .bind(&m.pool_id)
                    .bind(&m.username)
                    .bind(m.channel.as_str())
                    .bind(&m.destination)
                    .bind(&m.subject)
                    .bind(&m.body)
                    .bind(&m.reason)
                    .bind(m.created)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn outbox_list(&self, pool_id: Option<&str>, username: Option<&str>, limit: usize) -> StoreResult<Vec<Message>> {
                let rows = sqlx::query(
                    "SELECT id, pool_id, username, channel, destination, subject, body, reason, created_at FROM outbox \
                     WHERE ($1 = '' OR pool_id = $1) AND ($2 = '' OR username = $2) ORDER BY created_at DESC, id DESC LIMIT $3",
                )
                .bind(pool_id.unwrap_or(""))
                .bind(username.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let channel: String = r.try_get("channel").map_err(map_err)?;
                        Ok(Message {
                            id: r.try_get("id").map_err(map_err)?,
                            pool_id: r.try_get("pool_id").map_err(map_err)?,
                            username: r.try_get("username").map_err(map_err)?,
                            channel: if channel == "SMS" { Channel::Sms } else { Channel::Email },
                            destination: r.try_get("destination").map_err(map_err)?,
                            subject: r.try_get("subject").map_err(map_err)?,
                            body: r.try_get("body").map_err(map_err)?,
                            reason: r.try_get("reason").map_err(map_err)?,
                            created: r.try_get("created_at").map_err(map_err)?,
                        })
                    })
                    .collect()
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
                if let Some(fast) = &self.fast {
                    return fast.get_pool(pool_id, &self.pool_docs);
                }
                let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM user_pools WHERE id = $1")
                    .bind(pool_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                doc.map(|d| self.pool_docs.decode(pool_id, d)).transpose()
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
                self.pool_docs.forget(pool_id);
                let mut tx = self.pool.begin().await.map_err(map_err)?;
                for statement in [
                    "DELETE FROM pool_keys WHERE pool_id = $1",
                    "DELETE FROM auth_sessions WHERE pool_id = $1",
                    "DELETE FROM devices WHERE pool_id = $1",
                    "DELETE FROM user_pool_clients WHERE pool_id = $1",
                    "DELETE FROM user_codes WHERE pool_id = $1",
                    "DELETE FROM group_members WHERE pool_id = $1",
                    "DELETE FROM users WHERE pool_id = $1",
                    "DELETE FROM user_groups WHERE pool_id = $1",
                    "DELETE FROM outbox WHERE pool_id = $1",
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

            async fn count_users(&self, pool_id: &str) -> StoreResult<i64> {
                sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE pool_id = $1")
                    .bind(pool_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)
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
                    select_clients!("WHERE pool_id = $1 AND client_id = $2"),
                )
                .bind(pool_id)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                row.as_ref().map(|r| self.client_from_row(r)).transpose()
            }

            async fn get_client_by_id(&self, client_id: &str) -> StoreResult<Option<StoredClient>> {
                let row = sqlx::query(
                    select_clients!("WHERE client_id = $1"),
                )
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                row.as_ref().map(|r| self.client_from_row(r)).transpose()
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
                self.client_docs.forget(client_id);
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
                    select_clients!("WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3"),
                )
                .bind(pool_id)
                .bind(after.unwrap_or(""))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(|r| self.client_from_row(r)).collect()
            }

            async fn get_client_with_pool(&self, client_id: &str) -> StoreResult<Option<(StoredClient, UserPool)>> {
                if let Some(fast) = &self.fast {
                    return fast.get_client_with_pool(client_id, &self.pool_docs, &self.client_docs);
                }
                let row = sqlx::query(
                    "SELECT c.client_id, c.pool_id, c.doc, c.sealed_secret, c.created_at, c.updated_at, p.doc AS p_doc \
                     FROM user_pool_clients c JOIN user_pools p ON p.id = c.pool_id WHERE c.client_id = $1",
                )
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                let Some(r) = row else {
                    return Ok(None);
                };
                let client = self.client_from_row(&r)?;
                let pool = self
                    .pool_docs
                    .decode(&client.pool_id, r.try_get::<String, _>("p_doc").map_err(map_err)?)?;
                Ok(Some((client, pool)))
            }

            async fn access_lookup(
                &self,
                pool_id: &str,
                origin_jti: &str,
                sub: &str,
                client_id: &str,
            ) -> StoreResult<Option<AccessLookup>> {
                if let Some(fast) = &self.fast {
                    return fast.access_lookup(pool_id, origin_jti, sub, client_id, &self.pool_docs, &self.client_docs);
                }
                // One statement: the user's columns keep their names (for `user_from_row`),
                // the others are prefixed. Every LEFT JOIN is on a unique key.
                let row = sqlx::query(
                    "SELECT p.doc AS p_doc, \
                     s.origin_jti AS s_origin_jti, s.username_key AS s_username_key, s.client_id AS s_client_id, \
                     s.auth_time AS s_auth_time, s.expires_at AS s_expires_at, s.revoked AS s_revoked, \
                     s.refresh_id AS s_refresh_id, s.previous_refresh_id AS s_previous_refresh_id, s.rotated_at AS s_rotated_at, \
                     u.pool_id, u.username_key, u.username, u.sub, u.status, u.enabled, u.alias_email, u.alias_phone, \
                     u.alias_preferred, u.doc, u.created_at, u.updated_at, \
                     c.client_id AS c_client_id, c.doc AS c_doc, c.sealed_secret AS c_sealed_secret, \
                     c.created_at AS c_created_at, c.updated_at AS c_updated_at \
                     FROM user_pools p \
                     LEFT JOIN auth_sessions s ON s.pool_id = p.id AND s.origin_jti = $2 \
                     LEFT JOIN users u ON u.pool_id = p.id AND u.sub = $3 \
                     LEFT JOIN user_pool_clients c ON c.pool_id = p.id AND c.client_id = $4 \
                     WHERE p.id = $1",
                )
                .bind(pool_id)
                .bind(origin_jti)
                .bind(sub)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                let Some(r) = row else {
                    return Ok(None);
                };
                let pool = self
                    .pool_docs
                    .decode(pool_id, r.try_get::<String, _>("p_doc").map_err(map_err)?)?;
                let session = match r.try_get::<Option<String>, _>("s_origin_jti").map_err(map_err)? {
                    None => None,
                    Some(origin_jti) => Some(AuthSession {
                        pool_id: pool_id.to_string(),
                        origin_jti,
                        username_key: r.try_get("s_username_key").map_err(map_err)?,
                        client_id: r.try_get("s_client_id").map_err(map_err)?,
                        auth_time: r.try_get("s_auth_time").map_err(map_err)?,
                        expires_at: r.try_get("s_expires_at").map_err(map_err)?,
                        revoked: r.try_get::<i64, _>("s_revoked").map_err(map_err)? != 0,
                        refresh_id: r.try_get("s_refresh_id").map_err(map_err)?,
                        previous_refresh_id: r.try_get("s_previous_refresh_id").map_err(map_err)?,
                        rotated_at: r.try_get("s_rotated_at").map_err(map_err)?,
                    }),
                };
                let user = match r.try_get::<Option<String>, _>("username_key").map_err(map_err)? {
                    None => None,
                    Some(_) => Some(Self::user_from_row(&r)?),
                };
                let client = match r.try_get::<Option<String>, _>("c_client_id").map_err(map_err)? {
                    None => None,
                    Some(client_id) => Some(
                        RawClient {
                            client_id,
                            pool_id: pool_id.to_string(),
                            doc: r.try_get("c_doc").map_err(map_err)?,
                            sealed_secret: r.try_get("c_sealed_secret").map_err(map_err)?,
                            created: r.try_get("c_created_at").map_err(map_err)?,
                            modified: r.try_get("c_updated_at").map_err(map_err)?,
                        }
                        .into_client(&self.client_docs)?,
                    ),
                };
                Ok(Some(AccessLookup { pool, session, user, client }))
            }
        }
    };
}

sql_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "sqlite");

impl SqliteStore {
    /// Serve the hot reads (pool, client with pool, user, groups, access lookup) on the
    /// calling thread from plain connections to the database file at `path`.
    pub fn with_fast_reads(mut self, path: std::path::PathBuf) -> Self {
        self.fast = Some(std::sync::Arc::new(crate::sqlite_fast::ReadPool::new(path)));
        self
    }
}
sql_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow, "postgres");
