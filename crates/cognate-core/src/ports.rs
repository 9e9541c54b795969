//! Ports: what the domain needs from the outside world. Storage methods are
//! operation-sized (one backend transaction each); no SQL, no driver errors and
//! no transaction handles cross this line.

use crate::iam::model::{Role, StoredCredentials};
use crate::identity::model::{IdentityPoolRecord, IdentityRecord};
use crate::model::{
    AuthSession, ClientSettings, CodePurpose, Device, Group, IdentityProvider, Message, PoolDomain,
    StoredCode, StoredKey, Timestamp, User, UserFilter, UserPool,
};
use async_trait::async_trait;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same key exists already.
    #[error("already exists")]
    Conflict,
    /// Another user holds this alias (`email`, `phone_number` or `preferred_username`).
    #[error("alias {0} is taken")]
    AliasTaken(&'static str),
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
            StoreError::AliasTaken(_) => crate::CoreError::new(
                crate::ErrorKind::AliasExists,
                "An account with the given email already exists.",
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
pub trait Store: UserStore + IdentityStore + FederationStore + Send + Sync + 'static {
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
    /// Client ids are unique across pools; the client-id-only operations start here.
    async fn get_client_by_id(&self, client_id: &str) -> StoreResult<Option<StoredClient>>;
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

    /// An app client with its pool, by client id alone (where every client-id-only operation
    /// starts: InitiateAuth, SignUp, …). The SQL stores read both in one statement.
    async fn get_client_with_pool(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<(StoredClient, UserPool)>> {
        let Some(client) = self.get_client_by_id(client_id).await? else {
            return Ok(None);
        };
        Ok(self.get_pool(&client.pool_id).await?.map(|p| (client, p)))
    }

    /// Everything an access token's holder needs, keyed by the token's (not yet verified)
    /// claims: the pool, the sign-in session `origin_jti`, the user `sub` and the app
    /// client. `None` when the pool does not exist. The SQL stores read it in one statement
    /// (every token-authenticated call starts here); this default reads it piece by piece.
    async fn access_lookup(
        &self,
        pool_id: &str,
        origin_jti: &str,
        sub: &str,
        client_id: &str,
    ) -> StoreResult<Option<AccessLookup>> {
        let Some(pool) = self.get_pool(pool_id).await? else {
            return Ok(None);
        };
        Ok(Some(AccessLookup {
            session: self.get_auth_session(pool_id, origin_jti).await?,
            user: self.get_user_by_sub(pool_id, sub).await?,
            client: self.get_client(pool_id, client_id).await?,
            pool,
        }))
    }
}

/// What [`Store::access_lookup`] reads.
#[derive(Debug, Clone)]
pub struct AccessLookup {
    pub pool: UserPool,
    pub session: Option<AuthSession>,
    pub user: Option<User>,
    pub client: Option<StoredClient>,
}

/// Users, groups, codes and the outbox.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// `Conflict` if the username (or sub) is taken, `AliasTaken` if an alias is.
    async fn create_user(&self, user: &User) -> StoreResult<()>;
    /// Bulk path (imports, seeding): inserts all users in one transaction.
    async fn create_users(&self, users: &[User]) -> StoreResult<()>;
    async fn get_user(&self, pool_id: &str, username_key: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>>;
    /// `attribute` is `email`, `phone_number` or `preferred_username`; `key` normalised.
    async fn get_user_by_alias(
        &self,
        pool_id: &str,
        attribute: &str,
        key: &str,
    ) -> StoreResult<Option<User>>;
    /// Replaces the row; false when it does not exist; `AliasTaken` on alias clash.
    async fn update_user(&self, user: &User) -> StoreResult<bool>;
    /// Deletes the user, its codes and group memberships.
    async fn delete_user(&self, pool_id: &str, username_key: &str) -> StoreResult<bool>;
    /// Users ordered by username key, after `after`, optionally filtered.
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<User>>;

    /// Replaces the user's outstanding code for that purpose.
    async fn put_code(
        &self,
        pool_id: &str,
        username_key: &str,
        purpose: CodePurpose,
        code: &StoredCode,
    ) -> StoreResult<()>;
    async fn get_code(
        &self,
        pool_id: &str,
        username_key: &str,
        purpose: CodePurpose,
    ) -> StoreResult<Option<StoredCode>>;
    async fn delete_code(
        &self,
        pool_id: &str,
        username_key: &str,
        purpose: CodePurpose,
    ) -> StoreResult<()>;
    /// Counts a wrong attempt; returns the new count.
    async fn bump_code_attempts(
        &self,
        pool_id: &str,
        username_key: &str,
        purpose: CodePurpose,
    ) -> StoreResult<i64>;

    /// `Conflict` if the name is taken.
    async fn create_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;
    async fn update_group(&self, group: &Group) -> StoreResult<bool>;
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Group>>;
    /// Idempotent.
    async fn add_user_to_group(
        &self,
        pool_id: &str,
        username_key: &str,
        group: &str,
    ) -> StoreResult<()>;
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        username_key: &str,
        group: &str,
    ) -> StoreResult<()>;
    async fn groups_for_user(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Group>>;
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<User>>;

    /// Records a sign-in (its refresh tokens and access tokens point at it).
    async fn create_auth_session(&self, session: &AuthSession) -> StoreResult<()>;
    async fn get_auth_session(
        &self,
        pool_id: &str,
        origin_jti: &str,
    ) -> StoreResult<Option<AuthSession>>;
    async fn revoke_auth_session(&self, pool_id: &str, origin_jti: &str) -> StoreResult<()>;
    /// Refresh-token rotation: replaces `current` with `next` (compare-and-swap);
    /// false when `current` is no longer the sign-in's current token.
    async fn rotate_refresh_id(
        &self,
        pool_id: &str,
        origin_jti: &str,
        current: &str,
        next: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Global sign-out: revokes every sign-in of the user.
    async fn revoke_user_sessions(&self, pool_id: &str, username_key: &str) -> StoreResult<()>;
    /// Marks a single-use value as spent; false when it was spent already.
    async fn consume_nonce(&self, nonce: &str, expires_at: Timestamp) -> StoreResult<bool>;

    /// Records a device handed out by a sign-in; `Conflict` if the key exists.
    /// Also forgets the user's devices that were never confirmed and are older
    /// than `stale_before`.
    async fn create_device(&self, device: &Device, stale_before: Timestamp) -> StoreResult<()>;
    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Option<Device>>;
    /// Replaces the row; false when it does not exist.
    async fn update_device(&self, device: &Device) -> StoreResult<bool>;
    async fn delete_device(&self, pool_id: &str, device_key: &str) -> StoreResult<bool>;
    /// A user's confirmed devices ordered by key, after `after`.
    async fn list_devices(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Device>>;

    async fn outbox_put(&self, message: &Message) -> StoreResult<()>;
    /// Newest first; all pools when `pool_id` is None.
    async fn outbox_list(
        &self,
        pool_id: Option<&str>,
        username: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Message>>;
}

/// Hosted-UI domains and federated identity providers of user pools.
#[async_trait]
pub trait FederationStore: Send + Sync + 'static {
    /// `Conflict` if the domain is taken or the pool has one already.
    async fn create_domain(&self, domain: &PoolDomain) -> StoreResult<()>;
    async fn get_domain(&self, domain: &str) -> StoreResult<Option<PoolDomain>>;
    async fn get_pool_domain(&self, pool_id: &str) -> StoreResult<Option<PoolDomain>>;
    /// Replaces the row; false when it does not exist.
    async fn update_domain(&self, domain: &PoolDomain) -> StoreResult<bool>;
    async fn delete_domain(&self, domain: &str) -> StoreResult<bool>;

    /// `Conflict` if the pool has a provider of that name.
    async fn create_identity_provider(&self, provider: &IdentityProvider) -> StoreResult<()>;
    async fn get_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// Replaces the row; false when it does not exist.
    async fn update_identity_provider(&self, provider: &IdentityProvider) -> StoreResult<bool>;
    async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Providers of a pool ordered by name, after `after`.
    async fn list_identity_providers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<IdentityProvider>>;
}

/// Identity pools, identities and their logins; roles; temporary credentials.
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    /// `Conflict` if the id is taken.
    async fn create_identity_pool(&self, pool: &IdentityPoolRecord) -> StoreResult<()>;
    async fn get_identity_pool(&self, pool_id: &str) -> StoreResult<Option<IdentityPoolRecord>>;
    /// Replaces the stored document; false when the pool does not exist.
    async fn update_identity_pool(&self, pool: &IdentityPoolRecord) -> StoreResult<bool>;
    /// Deletes the pool with its identities and logins.
    async fn delete_identity_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Pools ordered by id, after `after`.
    async fn list_identity_pools(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<IdentityPoolRecord>>;

    /// Creates the identity with its logins (one transaction); `Conflict` when
    /// one of the logins is linked to another identity already.
    async fn create_identity(&self, identity: &IdentityRecord) -> StoreResult<()>;
    async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<IdentityRecord>>;
    /// The identity a login is linked to.
    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<String>>;
    /// Replaces the identity's document and its set of links (one transaction);
    /// `Conflict` when a login is linked to another identity; false when gone.
    async fn update_identity(&self, identity: &IdentityRecord) -> StoreResult<bool>;
    /// Moves every login of `from` to `into` and disables `from` (one transaction).
    async fn merge_identities(
        &self,
        from: &IdentityRecord,
        into: &IdentityRecord,
    ) -> StoreResult<()>;
    /// Identities of a pool ordered by id, after `after`.
    async fn list_identities(
        &self,
        pool_id: &str,
        hide_disabled: bool,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<IdentityRecord>>;
    async fn delete_identity(&self, identity_id: &str) -> StoreResult<bool>;

    /// `Conflict` if a role of that name (case-insensitively) exists.
    async fn create_role(&self, role: &Role) -> StoreResult<()>;
    /// By name, case-insensitively.
    async fn get_role(&self, role_name: &str) -> StoreResult<Option<Role>>;
    async fn update_role(&self, role: &Role) -> StoreResult<bool>;
    async fn delete_role(&self, role_name: &str) -> StoreResult<bool>;
    /// Roles ordered by lower-cased name, after `after` (a lower-cased name).
    async fn list_roles(&self, after: Option<&str>, limit: usize) -> StoreResult<Vec<Role>>;

    async fn put_credentials(&self, credentials: &StoredCredentials) -> StoreResult<()>;
    async fn get_credentials(&self, access_key_id: &str) -> StoreResult<Option<StoredCredentials>>;
    /// Drops credentials that expired before `before`; returns how many.
    async fn purge_credentials(&self, before: Timestamp) -> StoreResult<u64>;
}

/// Failure to hand a message to its transport.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

/// A transport for one channel (SMTP for email, a webhook for SMS, ...).
#[async_trait]
pub trait MessageSender: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    async fn send(&self, message: &Message) -> Result<(), DeliveryError>;
}

/// Why a trigger invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// The handler ran and failed (threw, returned an error): its message.
    #[error("function error: {0}")]
    Function(String),
    /// The handler could not be reached or did not answer in time.
    #[error("invocation failed: {0}")]
    Unreachable(String),
    /// The handler answered something that is not a JSON object.
    #[error("malformed response: {0}")]
    Malformed(String),
}

/// Invokes trigger functions by ARN with Cognito's event JSON and returns the
/// event the handler sent back (Cognito reads only its `response`).
#[async_trait]
pub trait TriggerInvoker: Send + Sync + 'static {
    /// Whether this ARN can be invoked at all (configured mapping or Lambda
    /// credentials); pools naming an ARN that can not are refused.
    fn can_invoke(&self, arn: &str) -> bool;
    async fn invoke(
        &self,
        arn: &str,
        event: &serde_json::Value,
    ) -> Result<serde_json::Value, TriggerError>;
}

/// Why a document could not be fetched from another service.
#[derive(Debug, thiserror::Error)]
#[error("fetch failed: {0}")]
pub struct FetchError(pub String);

/// Reads JSON documents from other services: OpenID discovery, JWKS, token-info endpoints.
#[async_trait]
pub trait HttpFetcher: Send + Sync + 'static {
    async fn get_json(&self, url: &str) -> Result<serde_json::Value, FetchError>;
    /// GETs (or, with `post`, POSTs) a JSON document with an
    /// `Authorization: Bearer` token (an OpenID userinfo endpoint).
    async fn get_json_with_token(
        &self,
        url: &str,
        token: &str,
        post: bool,
    ) -> Result<serde_json::Value, FetchError>;
    /// POSTs a form (an OAuth token request) and reads the JSON answer; an error
    /// status is an error whose text carries the answer's `error` member only.
    async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<serde_json::Value, FetchError>;
}

/// AssumeRoleWithWebIdentity as sent to an upstream STS.
#[derive(Clone)]
pub struct UpstreamAssumeRole {
    pub role_arn: String,
    pub role_session_name: String,
    pub web_identity_token: String,
    pub policy: Option<String>,
    pub duration_seconds: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamStsError {
    /// The STS answered with an error (its code and message).
    #[error("{code}: {message}")]
    Rejected { code: String, message: String },
    /// It could not be reached or answered something unreadable.
    #[error("upstream STS unreachable: {0}")]
    Unreachable(String),
}

/// An upstream STS (AWS's or a compatible one) that mints real credentials.
#[async_trait]
pub trait UpstreamSts: Send + Sync + 'static {
    async fn assume_role_with_web_identity(
        &self,
        request: &UpstreamAssumeRole,
    ) -> Result<crate::iam::model::IssuedCredentials, UpstreamStsError>;
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
