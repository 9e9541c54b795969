//! SQLite reads on the calling thread, for the statements every sign-in and every
//! token-authenticated call runs (pool, client with pool, user, groups, the access-token
//! lookup).
//!
//! Why: sqlx runs each SQLite connection on a thread of its own, so every statement is a
//! round trip between the async runtime's thread and that thread. With the server on one
//! core, those context switches were 13–31 % of its time in the sign-in and GetUser
//! profiles (bench/README.md). A read of cached pages takes microseconds, less than the
//! switch, so these reads run here, on the caller's thread, on a small pool of plain
//! connections to the same file. Writes and everything else stay on sqlx.
//!
//! Consistency: the connections are ordinary WAL readers of the same database through the
//! same (bundled, single) SQLite library, so a read sees every transaction committed before
//! it starts, exactly as a sqlx read would. They are opened `query_only`.

use cognate_core::model::{AuthSession, Group, User, UserPool};
use cognate_core::ports::{AccessLookup, StoreError, StoreResult, StoredClient};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::sql::{DocCache, RawClient, RawUser};
use cognate_core::model::ClientSettings;

/// Idle connections kept (more are opened under load and closed when returned).
const IDLE_MAX: usize = 8;

pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite read: {e}"))
}

impl ReadPool {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "query_only", true)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one) and puts the connection back.
    fn with<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> StoreResult<R> {
        let taken = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match taken {
            Some(c) => c,
            None => self.open().map_err(backend)?,
        };
        let result = f(&conn).map_err(backend);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_MAX
        {
            idle.push(conn);
        }
        result
    }

    pub(crate) fn get_pool(
        &self,
        pool_id: &str,
        docs: &DocCache<UserPool>,
    ) -> StoreResult<Option<UserPool>> {
        let doc = self.with(|c| {
            c.prepare_cached("SELECT doc FROM user_pools WHERE id = ?1")?
                .query_row([pool_id], |r| r.get::<_, String>(0))
                .optional()
        })?;
        doc.map(|d| docs.decode(pool_id, d)).transpose()
    }

    /// A user by `username_key` or by `sub`.
    pub(crate) fn get_user(
        &self,
        pool_id: &str,
        by_sub: bool,
        key: &str,
    ) -> StoreResult<Option<User>> {
        let sql = if by_sub { USER_BY_SUB } else { USER_BY_KEY };
        let raw = self.with(|c| {
            c.prepare_cached(sql)?
                .query_row([pool_id, key], raw_user)
                .optional()
        })?;
        raw.map(RawUser::into_user).transpose()
    }

    pub(crate) fn groups_for_user(
        &self,
        pool_id: &str,
        username_key: &str,
        after: &str,
        limit: usize,
    ) -> StoreResult<Vec<Group>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_at, g.updated_at \
                 FROM group_members m JOIN user_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
                 WHERE m.pool_id = ?1 AND m.username_key = ?2 AND m.group_name > ?3 ORDER BY m.group_name LIMIT ?4",
            )?;
            let rows = st.query_map(
                rusqlite::params![pool_id, username_key, after, limit as i64],
                |r| {
                    Ok(Group {
                        pool_id: r.get(0)?,
                        name: r.get(1)?,
                        description: r.get(2)?,
                        role_arn: r.get(3)?,
                        precedence: r.get(4)?,
                        created: r.get(5)?,
                        modified: r.get(6)?,
                    })
                },
            )?;
            rows.collect()
        })
    }

    pub(crate) fn get_client_with_pool(
        &self,
        client_id: &str,
        pools: &DocCache<UserPool>,
        clients: &DocCache<ClientSettings>,
    ) -> StoreResult<Option<(StoredClient, UserPool)>> {
        let raw = self.with(|c| {
            c.prepare_cached(
                "SELECT c.client_id, c.pool_id, c.doc, c.sealed_secret, c.created_at, c.updated_at, p.doc \
                 FROM user_pool_clients c JOIN user_pools p ON p.id = c.pool_id WHERE c.client_id = ?1",
            )?
            .query_row([client_id], |r| {
                Ok((raw_client(r, 0)?, r.get::<_, String>(6)?))
            })
            .optional()
        })?;
        let Some((client, pool_doc)) = raw else {
            return Ok(None);
        };
        let pool = pools.decode(&client.pool_id, pool_doc)?;
        Ok(Some((client.into_client(clients)?, pool)))
    }

    pub(crate) fn access_lookup(
        &self,
        pool_id: &str,
        origin_jti: &str,
        sub: &str,
        client_id: &str,
        pools: &DocCache<UserPool>,
        clients: &DocCache<ClientSettings>,
    ) -> StoreResult<Option<AccessLookup>> {
        // Columns: 0–5 client, 6 pool doc, 7–15 session, 16– user.
        const SQL: &str = concat!(
            "SELECT c.client_id, c.pool_id, c.doc, c.sealed_secret, c.created_at, c.updated_at, p.doc, ",
            "s.origin_jti, s.username_key, s.client_id, s.auth_time, s.expires_at, s.revoked, ",
            "s.refresh_id, s.previous_refresh_id, s.rotated_at, ",
            "u.pool_id, u.username_key, u.username, u.sub, u.status, u.enabled, ",
            "u.alias_email, u.alias_phone, u.alias_preferred, u.doc, u.created_at, u.updated_at ",
            "FROM user_pools p ",
            "LEFT JOIN auth_sessions s ON s.pool_id = p.id AND s.origin_jti = ?2 ",
            "LEFT JOIN users u ON u.pool_id = p.id AND u.sub = ?3 ",
            "LEFT JOIN user_pool_clients c ON c.pool_id = p.id AND c.client_id = ?4 ",
            "WHERE p.id = ?1"
        );
        let raw = self.with(|c| {
            c.prepare_cached(SQL)?
                .query_row([pool_id, origin_jti, sub, client_id], |r| {
                    let client = match r.get::<_, Option<String>>(0)? {
                        Some(_) => Some(raw_client(r, 0)?),
                        None => None,
                    };
                    let session = match r.get::<_, Option<String>>(7)? {
                        Some(origin_jti) => Some(AuthSession {
                            pool_id: pool_id.to_string(),
                            origin_jti,
                            username_key: r.get(8)?,
                            client_id: r.get(9)?,
                            auth_time: r.get(10)?,
                            expires_at: r.get(11)?,
                            revoked: r.get::<_, i64>(12)? != 0,
                            refresh_id: r.get(13)?,
                            previous_refresh_id: r.get(14)?,
                            rotated_at: r.get(15)?,
                        }),
                        None => None,
                    };
                    let user = match r.get::<_, Option<String>>(17)? {
                        Some(_) => Some(raw_user_at(r, 16)?),
                        None => None,
                    };
                    Ok((r.get::<_, String>(6)?, session, user, client))
                })
                .optional()
        })?;
        let Some((pool_doc, session, user, client)) = raw else {
            return Ok(None);
        };
        Ok(Some(AccessLookup {
            pool: pools.decode(pool_id, pool_doc)?,
            session,
            user: user.map(RawUser::into_user).transpose()?,
            client: client.map(|c| c.into_client(clients)).transpose()?,
        }))
    }
}

const USER_BY_SUB: &str = concat!(
    "SELECT u.pool_id, u.username_key, u.username, u.sub, u.status, u.enabled, ",
    "u.alias_email, u.alias_phone, u.alias_preferred, u.doc, u.created_at, u.updated_at ",
    "FROM users u WHERE u.pool_id = ?1 AND u.sub = ?2"
);
const USER_BY_KEY: &str = concat!(
    "SELECT u.pool_id, u.username_key, u.username, u.sub, u.status, u.enabled, ",
    "u.alias_email, u.alias_phone, u.alias_preferred, u.doc, u.created_at, u.updated_at ",
    "FROM users u WHERE u.pool_id = ?1 AND u.username_key = ?2"
);

fn raw_user(r: &Row<'_>) -> rusqlite::Result<RawUser> {
    raw_user_at(r, 0)
}

fn raw_user_at(r: &Row<'_>, i: usize) -> rusqlite::Result<RawUser> {
    Ok(RawUser {
        pool_id: r.get(i)?,
        username_key: r.get(i + 1)?,
        username: r.get(i + 2)?,
        sub: r.get(i + 3)?,
        status: r.get(i + 4)?,
        enabled: r.get(i + 5)?,
        alias_email: r.get(i + 6)?,
        alias_phone: r.get(i + 7)?,
        alias_preferred: r.get(i + 8)?,
        doc: r.get(i + 9)?,
        created: r.get(i + 10)?,
        modified: r.get(i + 11)?,
    })
}

fn raw_client(r: &Row<'_>, i: usize) -> rusqlite::Result<RawClient> {
    Ok(RawClient {
        client_id: r.get(i)?,
        pool_id: r.get(i + 1)?,
        doc: r.get(i + 2)?,
        sealed_secret: r.get(i + 3)?,
        created: r.get(i + 4)?,
        modified: r.get(i + 5)?,
    })
}
