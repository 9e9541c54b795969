//! Remembered devices (device tracking): the pool's `DeviceConfiguration`, the
//! `NewDeviceMetadata` a sign-in hands out, ConfirmDevice, the device SRP
//! challenges (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) and the device
//! operations (ListDevices, GetDevice, UpdateDeviceStatus, ForgetDevice and
//! their Admin variants).
//!
//! A device is stored from the moment a sign-in hands out its key; it is
//! listed and usable for device authentication only once confirmed. Its SRP
//! verifier is as sensitive as a password verifier: it is stored, never logged
//! (`Device`'s `Debug` redacts it), and claims against it are compared in
//! constant time by `cognate_crypto::srp`.

use crate::auth::{AuthOutcome, StepState, incorrect, param};
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, Device, Page, PasswordRecord, User, UserPool};
use crate::ports::timestamp;
use crate::service::Cognate;
use crate::triggers::CallMeta;
use cognate_crypto::srp;
use std::collections::BTreeMap;

pub const DEVICE_SRP_AUTH: &str = "DEVICE_SRP_AUTH";
pub const DEVICE_PASSWORD_VERIFIER: &str = "DEVICE_PASSWORD_VERIFIER";
pub const REMEMBERED: &str = "remembered";
pub const NOT_REMEMBERED: &str = "not_remembered";

const DEVICE_BLOCK_AAD: &[u8] = b"cognate device srp secret block v1";
/// How long a DEVICE_PASSWORD_VERIFIER answer may take.
const DEVICE_SRP_SECONDS: f64 = 300.0;
/// Devices handed out but never confirmed are forgotten after a day.
const UNCONFIRMED_LIFETIME: f64 = 86_400.0;
const MAX_TIMESTAMP_SKEW_SECONDS: i64 = 300;
/// The token source PreTokenGeneration sees after device authentication.
pub const TOKEN_SOURCE_DEVICE: &str = "TokenGeneration_AuthenticateDevice";

/// What a sign-in knows about the device it comes from: the `DEVICE_KEY` the
/// client presented (not yet checked) and the caller's address.
#[derive(Debug, Clone, Default)]
pub struct DeviceCtx {
    pub key: Option<String>,
    pub ip: Option<String>,
}

impl DeviceCtx {
    pub fn new(key: Option<&str>, ip: Option<String>) -> DeviceCtx {
        DeviceCtx {
            key: key.filter(|k| !k.is_empty()).map(str::to_string),
            ip,
        }
    }

    /// Keeps the presented key in a step's state for the steps that follow.
    pub(crate) fn carry(&self, state: &mut StepState) {
        if let Some(k) = &self.key {
            state.data.insert("device_key".into(), k.clone());
        }
    }

    /// The device of a continued sign-in: the key kept in the state, else the
    /// one the answer carries.
    pub(crate) fn resume(
        state: &StepState,
        responses: &BTreeMap<String, String>,
        ip: Option<String>,
    ) -> DeviceCtx {
        let key = state
            .data
            .get("device_key")
            .or_else(|| responses.get("DEVICE_KEY"))
            .map(String::as_str);
        DeviceCtx::new(key, ip)
    }
}

impl UserPool {
    /// Device tracking is on when the pool has any DeviceConfiguration property.
    pub fn tracks_devices(&self) -> bool {
        self.settings
            .device_configuration
            .as_ref()
            .is_some_and(|c| {
                c.challenge_required_on_new_device.is_some()
                    || c.device_only_remembered_on_user_prompt.is_some()
            })
    }
    /// ChallengeRequiredOnNewDevice: a remembered device stands in for MFA.
    pub fn remembered_device_skips_mfa(&self) -> bool {
        self.settings
            .device_configuration
            .as_ref()
            .and_then(|c| c.challenge_required_on_new_device)
            .unwrap_or(false)
    }
    /// DeviceOnlyRememberedOnUserPrompt: devices are remembered only when the
    /// user says so (UpdateDeviceStatus).
    pub fn devices_remembered_on_prompt(&self) -> bool {
        self.settings
            .device_configuration
            .as_ref()
            .and_then(|c| c.device_only_remembered_on_user_prompt)
            .unwrap_or(false)
    }
}

fn not_found() -> CoreError {
    CoreError::not_found("Device does not exist.")
}

fn expired() -> CoreError {
    CoreError::not_authorized("Invalid session for the user, session is expired.")
}

impl Cognate {
    /// The presented device when it is one of this user's, in a pool that
    /// tracks devices.
    pub(crate) async fn known_device(
        &self,
        pool: &UserPool,
        user: &User,
        key: Option<&str>,
    ) -> CoreResult<Option<Device>> {
        let Some(key) = key.filter(|_| pool.tracks_devices()) else {
            return Ok(None);
        };
        Ok(self
            .store
            .get_device(&pool.id, key)
            .await?
            .filter(|d| d.username_key == user.username_key))
    }

    /// The end of a sign-in in a tracking pool: the known device gets its
    /// last-authenticated date and address; otherwise a new device is recorded.
    /// Returns the device the tokens belong to and whether it is new.
    pub(crate) async fn sign_in_device(
        &self,
        pool: &UserPool,
        user: &User,
        known: Option<Device>,
        dev: &DeviceCtx,
    ) -> CoreResult<Option<(Device, bool)>> {
        if !pool.tracks_devices() {
            return Ok(None);
        }
        let now = timestamp(self.now());
        if let Some(mut d) = known {
            d.last_authenticated = Some(now);
            d.pending_session = None;
            if dev.ip.is_some() {
                d.last_ip = dev.ip.clone();
            }
            self.store.update_device(&d).await?;
            return Ok(Some((d, false)));
        }
        let d = Device {
            pool_id: pool.id.clone(),
            device_key: format!("{}_{}", pool.region(), uuid::Uuid::new_v4()),
            username_key: user.username_key.clone(),
            group_key: format!(
                "-{}",
                cognate_crypto::random_string(9, cognate_crypto::ALNUM)
            ),
            confirmed: false,
            remembered_status: None,
            name: None,
            verifier: None,
            last_ip: dev.ip.clone(),
            pending_session: None,
            created: now,
            modified: now,
            last_authenticated: Some(now),
        };
        self.store
            .create_device(&d, now - UNCONFIRMED_LIFETIME)
            .await?;
        Ok(Some((d, true)))
    }

    /// DEVICE_SRP_AUTH: asks the client to prove it holds the remembered
    /// device's secret. The session carries the verified first factor; it is
    /// also kept with the device for clients that answer without it.
    pub(crate) async fn device_srp_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        mut device: Device,
    ) -> CoreResult<AuthOutcome> {
        let mut state = self.new_state(
            pool,
            client,
            user,
            DEVICE_SRP_AUTH,
            client.auth_session_seconds() as f64,
        );
        state
            .data
            .insert("device_key".into(), device.device_key.clone());
        let session = self.session_string(&state)?;
        device.pending_session = Some(session.clone());
        self.store.update_device(&device).await?;
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".into(), user.username.clone());
        Ok(AuthOutcome::Challenge {
            name: DEVICE_SRP_AUTH.into(),
            parameters,
            session: Some(session),
        })
    }

    /// The answer to DEVICE_SRP_AUTH (`DEVICE_KEY`, `SRP_A`): a
    /// DEVICE_PASSWORD_VERIFIER challenge for the device's verifier.
    ///
    /// cognito-compat: old amazon-cognito-identity-js versions and pycognito
    /// answer without the Session. The step is then continued from the session
    /// kept with the device when DEVICE_SRP_AUTH was issued, which is still
    /// single-use and still proves the password step passed (a device secret
    /// alone is never a sign-in).
    pub(crate) async fn answer_device_srp_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: Option<&str>,
        r: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let kept;
        let session = match session {
            Some(s) => Some(s),
            None => {
                let key = param(r, "DEVICE_KEY")?;
                kept = self
                    .store
                    .get_device(&pool.id, key)
                    .await?
                    .and_then(|d| d.pending_session)
                    .ok_or_else(expired)?;
                Some(kept.as_str())
            }
        };
        let state = self
            .open_session(session, client, DEVICE_SRP_AUTH, true)
            .await?;
        let user = self.require_user(pool, &state.username).await?;
        self.check_secret_hash(
            client,
            &[&user.username, r.get("USERNAME").map_or("", String::as_str)],
            r.get("SECRET_HASH").map(String::as_str),
        )?;
        let key = param(r, "DEVICE_KEY")?;
        let srp_a = param(r, "SRP_A")?;
        if state.data.get("device_key").map(String::as_str) != Some(key) {
            return Err(not_found());
        }
        let device = self
            .known_device(pool, &user, Some(key))
            .await?
            .filter(Device::remembered)
            .ok_or_else(not_found)?;
        let record = device.verifier.clone().ok_or_else(not_found)?;
        srp::parse_hex(srp_a)
            .map_err(|_| CoreError::invalid_parameter("SRP_A is not a hexadecimal number."))?;
        let verifier = srp::Verifier {
            salt_hex: record.salt,
            verifier_hex: record.verifier,
        };
        let challenge = srp::server_challenge(&verifier)
            .map_err(|_| CoreError::internal("device SRP challenge failed"))?;
        let mut next = state.clone();
        next.challenge = DEVICE_PASSWORD_VERIFIER.into();
        next.nonce = cognate_crypto::random_string(24, cognate_crypto::ALNUM);
        next.exp = timestamp(self.now()) + DEVICE_SRP_SECONDS;
        next.data
            .insert("b".into(), hex::encode(&*challenge.b_secret));
        next.data.insert("B".into(), challenge.srp_b_hex.clone());
        next.data.insert("A".into(), srp_a.to_string());
        let secret_block = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .encode(self.seal_state(&next, DEVICE_BLOCK_AAD)?)
        };
        let mut parameters = BTreeMap::new();
        parameters.insert("SALT".into(), verifier.salt_hex);
        parameters.insert("SRP_B".into(), challenge.srp_b_hex);
        parameters.insert("SECRET_BLOCK".into(), secret_block);
        parameters.insert("USERNAME".into(), user.username.clone());
        parameters.insert("DEVICE_KEY".into(), device.device_key.clone());
        // cognito-compat: like PASSWORD_VERIFIER, the SECRET_BLOCK carries the
        // state; a Session holding b, A and B would pass the 2048-character limit.
        Ok(AuthOutcome::Challenge {
            name: DEVICE_PASSWORD_VERIFIER.into(),
            parameters,
            session: None,
        })
    }

    /// The answer to DEVICE_PASSWORD_VERIFIER: the device's claim, checked as
    /// PASSWORD_VERIFIER checks a password's, with `poolName := DeviceGroupKey`
    /// and `userId := DeviceKey`. Success ends the sign-in without MFA.
    pub(crate) async fn answer_device_password_verifier(
        &self,
        pool: &UserPool,
        client: &AppClient,
        r: &BTreeMap<String, String>,
        meta: &CallMeta,
        ip: Option<String>,
    ) -> CoreResult<AuthOutcome> {
        let (state, block, signature, ts) =
            crate::auth::open_claim(&self.master, r, DEVICE_BLOCK_AAD)?;
        let key = param(r, "DEVICE_KEY")?;
        if state.client != client.client_id
            || state.pool != pool.id
            || state.challenge != DEVICE_PASSWORD_VERIFIER
            || state.data.get("device_key").map(String::as_str) != Some(key)
        {
            return Err(incorrect());
        }
        if state.exp < timestamp(self.now()) {
            return Err(expired());
        }
        srp::check_timestamp(
            ts,
            self.now(),
            time::Duration::seconds(MAX_TIMESTAMP_SKEW_SECONDS),
        )
        .map_err(|_| incorrect())?;
        let mut user = self.require_user(pool, &state.username).await?;
        self.check_secret_hash(
            client,
            &[&user.username, r.get("USERNAME").map_or("", String::as_str)],
            r.get("SECRET_HASH").map(String::as_str),
        )?;
        if !self.store.consume_nonce(&state.nonce, state.exp).await? {
            return Err(expired());
        }
        self.check_lockout(&user)?;
        let device = self
            .known_device(pool, &user, Some(key))
            .await?
            .filter(Device::remembered)
            .ok_or_else(not_found)?;
        let record = device.verifier.clone().ok_or_else(not_found)?;
        let verifier = srp::Verifier {
            salt_hex: record.salt,
            verifier_hex: record.verifier,
        };
        let b =
            hex::decode(state.data.get("b").map_or("", String::as_str)).map_err(|_| incorrect())?;
        let ok = srp::verify_claim_with_srp_b(
            &device.group_key,
            &device.device_key,
            &verifier,
            &b,
            state.data.get("B").map_or("", String::as_str),
            state.data.get("A").map_or("", String::as_str),
            &block,
            ts,
            signature,
        )
        .map_err(|_| incorrect())?;
        if !ok {
            self.record_failure(&mut user).await?;
            return Err(incorrect());
        }
        let dev = DeviceCtx::new(Some(key), ip);
        self.finish_sign_in(pool, client, user, TOKEN_SOURCE_DEVICE, meta, &dev)
            .await
    }

    /// A device of the user, confirmed; ResourceNotFoundException otherwise.
    pub async fn user_device(&self, pool: &UserPool, user: &User, key: &str) -> CoreResult<Device> {
        self.store
            .get_device(&pool.id, key)
            .await?
            .filter(|d| d.username_key == user.username_key && d.confirmed)
            .ok_or_else(not_found)
    }

    /// ConfirmDevice: stores the device's SRP salt and verifier (base64, as
    /// clients send them) and its name. Returns `UserConfirmationNecessary`:
    /// true when the pool remembers devices only on the user's word.
    pub async fn confirm_device(
        &self,
        pool: &UserPool,
        user: &User,
        key: &str,
        verifier: Option<(&str, &str)>,
        name: Option<String>,
    ) -> CoreResult<bool> {
        use base64::Engine;
        let mut device = self
            .store
            .get_device(&pool.id, key)
            .await?
            .filter(|d| d.username_key == user.username_key)
            .ok_or_else(not_found)?;
        if let Some((salt_b64, verifier_b64)) = verifier {
            let decode = |v: &str, what: &str| {
                base64::engine::general_purpose::STANDARD
                    .decode(v)
                    .map_err(|_| CoreError::invalid_parameter(format!("{what} is not base64.")))
            };
            let salt = decode(salt_b64, "DeviceSecretVerifierConfig.Salt")?;
            let v = decode(verifier_b64, "DeviceSecretVerifierConfig.PasswordVerifier")?;
            let checked = srp::verifier_from_device(&salt, &v).map_err(|_| {
                CoreError::invalid_parameter("DeviceSecretVerifierConfig is not a valid verifier.")
            })?;
            device.verifier = Some(PasswordRecord {
                salt: checked.salt_hex,
                verifier: checked.verifier_hex,
            });
        }
        let prompt = pool.devices_remembered_on_prompt();
        if !device.confirmed {
            device.remembered_status =
                Some(if prompt { NOT_REMEMBERED } else { REMEMBERED }.into());
        }
        device.confirmed = true;
        if name.is_some() {
            device.name = name;
        }
        device.modified = timestamp(self.now());
        self.store.update_device(&device).await?;
        Ok(prompt)
    }

    /// ListDevices / AdminListDevices.
    pub async fn list_user_devices(
        &self,
        pool: &UserPool,
        user: &User,
        limit: usize,
        token: Option<&str>,
    ) -> CoreResult<Page<Device>> {
        let after = crate::pools::decode_token(token)?;
        let mut items = self
            .store
            .list_devices(&pool.id, &user.username_key, after.as_deref(), limit + 1)
            .await?;
        let next_token = crate::pools::page_token(&mut items, limit, |d| d.device_key.clone());
        Ok(Page { items, next_token })
    }

    /// UpdateDeviceStatus / AdminUpdateDeviceStatus.
    pub async fn update_device_status(
        &self,
        pool: &UserPool,
        user: &User,
        key: &str,
        status: &str,
    ) -> CoreResult<()> {
        if status != REMEMBERED && status != NOT_REMEMBERED {
            return Err(CoreError::invalid_parameter(format!(
                "Invalid DeviceRememberedStatus {status}"
            )));
        }
        let mut device = self.user_device(pool, user, key).await?;
        device.remembered_status = Some(status.to_string());
        device.modified = timestamp(self.now());
        self.store.update_device(&device).await?;
        Ok(())
    }

    /// ForgetDevice / AdminForgetDevice: the device is gone; refresh tokens
    /// bound to it stop working and a sign-in with its key gets a new one.
    pub async fn forget_device(&self, pool: &UserPool, user: &User, key: &str) -> CoreResult<()> {
        let device = self.user_device(pool, user, key).await?;
        self.store
            .delete_device(&pool.id, &device.device_key)
            .await?;
        Ok(())
    }

    /// REFRESH_TOKEN_AUTH / GetTokensFromRefreshToken in a tracking pool: a
    /// refresh token issued to a device needs that device's key, and the
    /// device must still be confirmed.
    pub async fn check_refresh_device(
        &self,
        pool: &UserPool,
        user: &User,
        bound: Option<&str>,
        presented: Option<&str>,
    ) -> CoreResult<()> {
        let Some(bound) = bound.filter(|_| pool.tracks_devices()) else {
            return Ok(());
        };
        let invalid = || CoreError::not_authorized("Invalid Refresh Token");
        if presented != Some(bound) {
            return Err(invalid());
        }
        let device = self.known_device(pool, user, Some(bound)).await?;
        if !device.is_some_and(|d| d.confirmed) {
            return Err(invalid());
        }
        Ok(())
    }
}
