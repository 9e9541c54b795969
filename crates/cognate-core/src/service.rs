//! The domain façade the protocol adapters call: one value holding the ports,
//! the master key and the server identity (region, account, issuer base).

use crate::delivery::Delivery;
use crate::error::{CoreError, CoreResult};
use crate::identity::IdentitySettings;
use crate::model::{KeyPurpose, StoredKey, UserPool};
use crate::ports::{Clock, HttpFetcher, Store, UpstreamSts};
use cognate_crypto::{MasterKey, RsaSigningKey};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Server identity that shows up in ids, ARNs and token issuers.
#[derive(Debug, Clone)]
pub struct ServerIdentity {
    /// Region used for new ids when a request carries none of its own.
    pub region: String,
    /// Twelve-digit account id in ARNs.
    pub account_id: String,
    /// Public base URL; the issuer of a pool is `<base>/<poolId>`.
    pub public_base_url: String,
}

/// Decoded signing keys of one pool.
pub struct PoolKeys {
    pub id_token: RsaSigningKey,
    pub access_token: RsaSigningKey,
}

impl PoolKeys {
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.id_token.public_jwk(), self.access_token.public_jwk()] })
    }
}

pub struct Cognate {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) master: Arc<MasterKey>,
    pub(crate) identity: ServerIdentity,
    pub(crate) delivery: Delivery,
    pub(crate) triggers: Option<Arc<dyn crate::ports::TriggerInvoker>>,
    keys: RwLock<HashMap<String, Arc<PoolKeys>>>,
    pub(crate) identity_settings: IdentitySettings,
    /// Endpoint overrides for social identity providers (hosted sign-in).
    pub(crate) federation: crate::federation::FederationSettings,
    pub(crate) fetcher: Option<Arc<dyn HttpFetcher>>,
    pub(crate) upstream_sts: Option<Arc<dyn UpstreamSts>>,
    /// The identity issuer's key, loaded (or generated) on first use.
    pub(crate) identity_key: tokio::sync::OnceCell<Arc<RsaSigningKey>>,
    /// SHA-256 of access tokens whose signature verified (a fact that never
    /// changes): a later check of the same bytes skips the RSA verification.
    /// Expiry, scope and revocation are still checked every time.
    pub(crate) verified_tokens: RwLock<std::collections::HashSet<[u8; 32]>>,
    /// OpenID providers' JWKS by provider key, with when they were fetched.
    pub(crate) jwks_cache: RwLock<HashMap<String, (std::time::Instant, Vec<serde_json::Value>)>>,
}

const MASTER_CHECK_KEY: &str = "master_key_check";
const MASTER_CHECK_PLAINTEXT: &[u8] = b"cognate master key check";

impl Cognate {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master: MasterKey,
        identity: ServerIdentity,
    ) -> Self {
        Self {
            store,
            clock,
            master: Arc::new(master),
            identity,
            delivery: Delivery::default(),
            triggers: None,
            keys: RwLock::new(HashMap::new()),
            identity_settings: IdentitySettings::default(),
            federation: crate::federation::FederationSettings::default(),
            fetcher: None,
            upstream_sts: None,
            identity_key: tokio::sync::OnceCell::new(),
            verified_tokens: RwLock::new(std::collections::HashSet::new()),
            jwks_cache: RwLock::new(HashMap::new()),
        }
    }

    /// Identity-pool settings, the HTTP client for external providers, and
    /// optionally an upstream STS for real credentials.
    pub fn with_identity(
        mut self,
        settings: IdentitySettings,
        fetcher: Option<Arc<dyn HttpFetcher>>,
        upstream_sts: Option<Arc<dyn UpstreamSts>>,
    ) -> Self {
        self.identity_settings = settings;
        self.fetcher = fetcher;
        self.upstream_sts = upstream_sts;
        self
    }

    /// Sets the message transports (email, SMS); unset channels use the outbox.
    pub fn with_delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    pub fn identity(&self) -> &ServerIdentity {
        &self.identity
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Makes sure the master key is the one this database was created with. The
    /// first start records a sealed check value; a later start with another key
    /// fails here instead of failing to open secrets one request at a time.
    pub async fn check_master_key(&self) -> CoreResult<()> {
        let sealed = self
            .master
            .seal_to_string(MASTER_CHECK_PLAINTEXT, MASTER_CHECK_KEY.as_bytes());
        if self
            .store
            .meta_put_if_absent(MASTER_CHECK_KEY, &sealed)
            .await?
        {
            return Ok(());
        }
        let stored = self
            .store
            .meta_get(MASTER_CHECK_KEY)
            .await?
            .unwrap_or_default();
        match self
            .master
            .open_from_str(&stored, MASTER_CHECK_KEY.as_bytes())
        {
            Ok(p) if p.as_slice() == MASTER_CHECK_PLAINTEXT => Ok(()),
            _ => Err(CoreError::internal(
                "the configured master key does not match the one this database was created with",
            )),
        }
    }

    pub fn issuer(&self, pool_id: &str) -> String {
        format!(
            "{}/{}",
            self.identity.public_base_url.trim_end_matches('/'),
            pool_id
        )
    }

    pub(crate) fn seal(&self, plaintext: &[u8], aad: &str) -> Vec<u8> {
        self.master.seal(plaintext, aad.as_bytes())
    }

    pub(crate) fn open(&self, sealed: &[u8], aad: &str) -> CoreResult<String> {
        let plain = self.master.open(sealed, aad.as_bytes())?;
        String::from_utf8(plain.to_vec()).map_err(CoreError::internal)
    }

    /// Generates the two signing keys of a new pool (off the async workers: RSA
    /// key generation takes a noticeable fraction of a second).
    pub(crate) async fn new_pool_keys(
        &self,
        pool_id: &str,
        now: f64,
    ) -> CoreResult<Vec<StoredKey>> {
        let generated =
            tokio::task::spawn_blocking(|| -> Result<_, cognate_crypto::CryptoError> {
                Ok((RsaSigningKey::generate()?, RsaSigningKey::generate()?))
            })
            .await
            .map_err(CoreError::internal)??;
        let (id_key, access_key) = generated;
        let stored = [
            (KeyPurpose::IdToken, &id_key),
            (KeyPurpose::AccessToken, &access_key),
        ]
        .into_iter()
        .map(|(purpose, key)| StoredKey {
            pool_id: pool_id.to_string(),
            kid: key.kid().to_string(),
            purpose,
            sealed_private_key: self.seal(key.pkcs8_der(), &key_aad(pool_id, key.kid())),
            created_at: now,
        })
        .collect();
        Ok(stored)
    }

    /// The pool's signing keys, decoded once and cached (keys never change in place).
    pub async fn pool_keys(&self, pool_id: &str) -> CoreResult<Arc<PoolKeys>> {
        if let Some(k) = self.keys.read().map_err(CoreError::internal)?.get(pool_id) {
            return Ok(k.clone());
        }
        let stored = self.store.pool_keys(pool_id).await?;
        let mut id_token = None;
        let mut access_token = None;
        for k in stored {
            let der = self
                .master
                .open(&k.sealed_private_key, key_aad(pool_id, &k.kid).as_bytes())?;
            let key = RsaSigningKey::from_pkcs8_der(k.kid.clone(), &der)?;
            match k.purpose {
                KeyPurpose::IdToken => id_token = Some(key),
                KeyPurpose::AccessToken => access_token = Some(key),
            }
        }
        let (Some(id_token), Some(access_token)) = (id_token, access_token) else {
            return Err(CoreError::pool_not_found(pool_id));
        };
        let keys = Arc::new(PoolKeys {
            id_token,
            access_token,
        });
        self.keys
            .write()
            .map_err(CoreError::internal)?
            .insert(pool_id.to_string(), keys.clone());
        Ok(keys)
    }

    pub(crate) fn forget_pool_keys(&self, pool_id: &str) {
        if let Ok(mut cache) = self.keys.write() {
            cache.remove(pool_id);
        }
    }

    pub async fn require_pool(&self, pool_id: &str) -> CoreResult<UserPool> {
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| CoreError::pool_not_found(pool_id))
    }
}

fn key_aad(pool_id: &str, kid: &str) -> String {
    format!("pool-key:{pool_id}:{kid}")
}
