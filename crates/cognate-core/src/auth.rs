//! The sign-in engine: InitiateAuth / AdminInitiateAuth and
//! RespondToAuthChallenge / AdminRespondToAuthChallenge.
//!
//! A sign-in is a chain of steps. Each step that needs an answer returns a
//! challenge and a sealed, single-use session (or, for SRP, a sealed
//! SECRET_BLOCK) that carries everything the next step needs, so any node can
//! continue it. Later issues hook MFA, custom challenges and triggers into
//! [`Cognate::after_first_factor`], the one place a verified first factor goes.

use crate::devices::DeviceCtx;
use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{AppClient, User, UserPool};
use crate::ports::timestamp;
use crate::service::Cognate;
use crate::tokens::Tokens;
use crate::triggers::{CallMeta, flag, string_map, string_map_field, text, user_attributes};
use crate::users::{WriteMode, check_attributes, check_password_policy};
use cognate_crypto::srp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which API the call came through: the admin variants take the pool id and
/// accept the ADMIN_* flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Client,
    Admin,
}

#[derive(Debug, Clone, Default)]
pub struct InitiateAuthInput {
    pub pool_id: Option<String>,
    pub client_id: String,
    pub auth_flow: String,
    pub parameters: BTreeMap<String, String>,
    pub client_metadata: BTreeMap<String, String>,
    /// The caller's address (a device's `last_ip_used`).
    pub source_ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RespondInput {
    pub pool_id: Option<String>,
    pub client_id: String,
    pub challenge_name: String,
    pub responses: BTreeMap<String, String>,
    pub session: Option<String>,
    pub client_metadata: BTreeMap<String, String>,
    pub source_ip: Option<String>,
}

/// What a step returns.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    Tokens(Tokens),
    Challenge {
        name: String,
        parameters: BTreeMap<String, String>,
        session: Option<String>,
    },
    /// USER_AUTH's SELECT_CHALLENGE: the first factors the user may choose.
    SelectChallenge {
        available: Vec<String>,
        parameters: BTreeMap<String, String>,
        session: Option<String>,
    },
}

/// The sealed state between steps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepState {
    pub(crate) pool: String,
    pub(crate) client: String,
    pub(crate) username: String,
    pub(crate) challenge: String,
    /// Expiry, epoch seconds.
    pub(crate) exp: f64,
    /// Single-use marker.
    pub(crate) nonce: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) data: BTreeMap<String, String>,
}

const SESSION_AAD: &[u8] = b"cognate auth session v1";
const SECRET_BLOCK_AAD: &[u8] = b"cognate srp secret block v1";
/// How long a PASSWORD_VERIFIER answer may take.
const SRP_STEP_SECONDS: f64 = 300.0;
const MAX_TIMESTAMP_SKEW_SECONDS: i64 = 300;

fn flow_allowed(client: &AppClient, flow: &str) -> bool {
    let flows = &client.settings.explicit_auth_flows;
    let has = |f: &str| flows.iter().any(|x| x == f);
    let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
    match flow {
        "USER_PASSWORD_AUTH" => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
        }
        // cognito-compat: clients with legacy flow names always allow SRP and refresh.
        "USER_SRP_AUTH" => has("ALLOW_USER_SRP_AUTH") || legacy,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => has("ALLOW_REFRESH_TOKEN_AUTH") || legacy,
        "CUSTOM_AUTH" => has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY"),
        "USER_AUTH" => has("ALLOW_USER_AUTH"),
        _ => false,
    }
}

pub(crate) fn param<'a>(p: &'a BTreeMap<String, String>, name: &str) -> CoreResult<&'a str> {
    p.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CoreError::invalid_parameter(format!("Missing required parameter {name}")))
}

pub(crate) fn incorrect() -> CoreError {
    CoreError::not_authorized("Incorrect username or password.")
}

/// The parts every SRP claim answer (PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER)
/// carries: the step state sealed in its secret block (under `aad`), the block
/// itself (the claim signs it), the claim's signature and its timestamp.
/// Anything malformed is "incorrect".
pub(crate) fn open_claim<'a>(
    master: &cognate_crypto::MasterKey,
    r: &'a BTreeMap<String, String>,
    aad: &[u8],
) -> CoreResult<(StepState, Vec<u8>, &'a str, &'a str)> {
    use base64::Engine;
    let block_b64 = param(r, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(r, "PASSWORD_CLAIM_SIGNATURE")?;
    let ts = param(r, "TIMESTAMP")?;
    let block = base64::engine::general_purpose::STANDARD
        .decode(block_b64)
        .map_err(|_| incorrect())?;
    let plain = master.open(&block, aad).map_err(|_| incorrect())?;
    let state: StepState = serde_json::from_slice(&plain).map_err(|_| incorrect())?;
    Ok((state, block, signature, ts))
}

fn pool_name(pool: &UserPool) -> &str {
    pool.id.split_once('_').map_or(pool.id.as_str(), |(_, n)| n)
}

/// The `session` array custom-auth triggers see.
mod custom {
    use serde_json::{Value, json};

    /// Challenge rounds allowed in one custom sign-in.
    pub const MAX_ROUNDS: usize = 16;

    pub fn result(name: &str, ok: bool, metadata: Option<String>) -> Value {
        json!({ "challengeName": name, "challengeResult": ok, "challengeMetadata": metadata })
    }
}

/// Lockout bookkeeping kept in the user's state (§4.10): after five failures the
/// account locks for 2^(n-5) seconds (at most 15 minutes); 15 quiet minutes reset it.
pub(crate) mod lockout {
    use crate::model::User;
    use serde_json::json;

    const FREE_FAILURES: i64 = 5;
    const RESET_AFTER: f64 = 900.0;

    fn failures(user: &User) -> i64 {
        user.state
            .extra
            .get("failed_sign_ins")
            .and_then(|v| v.as_i64())
            .unwrap_or(0)
    }
    fn last(user: &User) -> f64 {
        user.state
            .extra
            .get("last_failed_sign_in")
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    }

    /// Seconds left in a lockout, if one is running.
    pub fn locked_for(user: &User, now: f64) -> Option<f64> {
        let n = failures(user);
        if n < FREE_FAILURES || now - last(user) > RESET_AFTER {
            return None;
        }
        let wait = 2f64.powi((n - FREE_FAILURES) as i32).min(RESET_AFTER);
        let left = last(user) + wait - now;
        (left > 0.0).then_some(left)
    }

    pub fn record_failure(user: &mut User, now: f64) {
        let n = if now - last(user) > RESET_AFTER {
            0
        } else {
            failures(user)
        };
        user.state
            .extra
            .insert("failed_sign_ins".into(), json!(n + 1));
        user.state
            .extra
            .insert("last_failed_sign_in".into(), json!(now));
    }

    /// True when there was anything to clear (so the caller knows to save).
    pub fn clear(user: &mut User) -> bool {
        let had = user.state.extra.remove("failed_sign_ins").is_some();
        user.state.extra.remove("last_failed_sign_in");
        had
    }
}

impl Cognate {
    pub(crate) fn seal_state(&self, state: &StepState, aad: &[u8]) -> CoreResult<Vec<u8>> {
        let plain = serde_json::to_vec(state).map_err(CoreError::internal)?;
        Ok(self.master.seal(&plain, aad))
    }

    pub(crate) fn new_state(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        challenge: &str,
        ttl: f64,
    ) -> StepState {
        StepState {
            pool: pool.id.clone(),
            client: client.client_id.clone(),
            username: user.username.clone(),
            challenge: challenge.to_string(),
            exp: timestamp(self.now()) + ttl,
            nonce: cognate_crypto::random_string(24, cognate_crypto::ALNUM),
            data: BTreeMap::new(),
        }
    }

    pub(crate) fn session_string(&self, state: &StepState) -> CoreResult<String> {
        use base64::Engine;
        let sealed = self.seal_state(state, SESSION_AAD)?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Opens a session string; `spend` marks it used (single use).
    pub(crate) async fn open_session(
        &self,
        session: Option<&str>,
        client: &AppClient,
        challenge: &str,
        spend: bool,
    ) -> CoreResult<StepState> {
        let state = self.open_session_any(session, challenge, spend).await?;
        if state.client != client.client_id || state.pool != client.pool_id {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        Ok(state)
    }

    /// Opens a session whatever client it belongs to (AssociateSoftwareToken and
    /// VerifySoftwareToken carry only the session).
    pub(crate) async fn open_session_any(
        &self,
        session: Option<&str>,
        challenge: &str,
        spend: bool,
    ) -> CoreResult<StepState> {
        use base64::Engine;
        let expired =
            || CoreError::not_authorized("Invalid session for the user, session is expired.");
        let raw = session
            .ok_or_else(|| CoreError::invalid_parameter("Missing required parameter Session"))?;
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| expired())?;
        let plain = self
            .master
            .open(&sealed, SESSION_AAD)
            .map_err(|_| expired())?;
        let state: StepState = serde_json::from_slice(&plain).map_err(|_| expired())?;
        if state.challenge != challenge {
            return Err(expired());
        }
        if state.exp < timestamp(self.now())
            || (spend && !self.store.consume_nonce(&state.nonce, state.exp).await?)
        {
            return Err(expired());
        }
        Ok(state)
    }

    /// Client (and, for the admin APIs, pool) of a call.
    async fn auth_client(
        &self,
        api: Api,
        pool_id: Option<&str>,
        client_id: &str,
    ) -> CoreResult<(UserPool, AppClient)> {
        let (pool, client) = self.client_by_id(client_id).await?;
        if api == Api::Admin && pool_id.is_some_and(|p| p != pool.id) {
            return Err(CoreError::client_not_found(client_id));
        }
        Ok((pool, client))
    }

    fn hides_users(client: &AppClient) -> bool {
        client.settings.prevent_user_existence_errors.as_deref() == Some("ENABLED")
    }

    pub(crate) fn unknown_user(client: &AppClient) -> CoreError {
        if Self::hides_users(client) {
            incorrect()
        } else {
            CoreError::user_not_found()
        }
    }

    /// §4.6 step 4: the checks that come before the password.
    pub(crate) fn check_user_state(&self, client: &AppClient, user: &User) -> CoreResult<()> {
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        match user.status.as_str() {
            "UNCONFIRMED" => Err(CoreError::new(
                ErrorKind::UserNotConfirmed,
                "User is not confirmed.",
            )),
            "RESET_REQUIRED" if Self::hides_users(client) => Err(incorrect()),
            "RESET_REQUIRED" => Err(CoreError::new(
                ErrorKind::PasswordResetRequired,
                "Password reset required for the user",
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn check_lockout(&self, user: &User) -> CoreResult<()> {
        if lockout::locked_for(user, timestamp(self.now())).is_some() {
            return Err(CoreError::not_authorized("Password attempts exceeded"));
        }
        Ok(())
    }

    pub(crate) async fn record_failure(&self, user: &mut User) -> CoreResult<()> {
        lockout::record_failure(user, timestamp(self.now()));
        self.save_user(user).await
    }

    pub async fn initiate_auth(
        &self,
        api: Api,
        input: InitiateAuthInput,
    ) -> CoreResult<AuthOutcome> {
        let (pool, client) = self
            .auth_client(api, input.pool_id.as_deref(), &input.client_id)
            .await?;
        let flow = input.auth_flow.as_str();
        let supported = match api {
            Api::Client => matches!(
                flow,
                "USER_SRP_AUTH"
                    | "USER_PASSWORD_AUTH"
                    | "REFRESH_TOKEN_AUTH"
                    | "REFRESH_TOKEN"
                    | "CUSTOM_AUTH"
                    | "USER_AUTH"
            ),
            Api::Admin => matches!(
                flow,
                "USER_SRP_AUTH"
                    | "ADMIN_USER_PASSWORD_AUTH"
                    | "ADMIN_NO_SRP_AUTH"
                    | "REFRESH_TOKEN_AUTH"
                    | "REFRESH_TOKEN"
                    | "CUSTOM_AUTH"
                    | "USER_AUTH"
            ),
        };
        if !supported {
            return Err(CoreError::invalid_parameter(
                "Initiate Auth method not supported",
            ));
        }
        if !flow_allowed(&client, flow) {
            return Err(CoreError::invalid_parameter(format!(
                "{flow} flow not enabled for this client"
            )));
        }
        let p = &input.parameters;
        let dev = DeviceCtx::new(
            p.get("DEVICE_KEY").map(String::as_str),
            input.source_ip.clone(),
        );
        // cognito-compat: InitiateAuth's ClientMetadata reaches PreSignUp, PreAuthentication
        // and UserMigration only, the latter two as `validationData`.
        let meta = CallMeta {
            client_id: Some(client.client_id.clone()),
            client_metadata: BTreeMap::new(),
            validation_data: input.client_metadata.clone(),
        };
        match flow {
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                let token = param(p, "REFRESH_TOKEN")?;
                let (claims, user, session) = self.check_refresh_token(&client, token).await?;
                self.check_secret_hash(
                    &client,
                    &[&claims.username, &claims.sub],
                    p.get("SECRET_HASH").map(String::as_str),
                )?;
                self.check_refresh_device(
                    &pool,
                    &user,
                    claims.device_key.as_deref(),
                    dev.key.as_deref(),
                )
                .await?;
                let tokens = self
                    .refresh(
                        &pool,
                        &client,
                        &claims,
                        &user,
                        &session,
                        &CallMeta::client(&client.client_id),
                    )
                    .await?;
                Ok(AuthOutcome::Tokens(tokens))
            }
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                let username = param(p, "USERNAME")?;
                let password = param(p, "PASSWORD")?;
                let user = self.find_user(&pool, username).await?;
                let mut names = vec![username];
                if let Some(u) = &user {
                    names.push(&u.username);
                }
                self.check_secret_hash(&client, &names, p.get("SECRET_HASH").map(String::as_str))?;
                let user = match user {
                    Some(u) => u,
                    None => match self
                        .migrate_user(
                            &pool,
                            username,
                            Some(password),
                            "UserMigration_Authentication",
                            &meta,
                        )
                        .await?
                    {
                        // A migrated user's password was just checked by the trigger.
                        Some(u) => {
                            self.check_user_state(&client, &u)?;
                            return self
                                .after_first_factor(
                                    &pool,
                                    &client,
                                    u,
                                    "TokenGeneration_Authentication",
                                    &CallMeta::client(&client.client_id),
                                    &dev,
                                )
                                .await;
                        }
                        None => return Err(Self::unknown_user(&client)),
                    },
                };
                let mut user = user;
                self.pre_authentication(&pool, &user, &meta).await?;
                self.check_user_state(&client, &user)?;
                self.check_lockout(&user)?;
                if !self.password_matches(&pool, &user, password) {
                    self.record_failure(&mut user).await?;
                    return Err(incorrect());
                }
                self.after_first_factor(
                    &pool,
                    &client,
                    user,
                    "TokenGeneration_Authentication",
                    &CallMeta::client(&client.client_id),
                    &dev,
                )
                .await
            }
            "USER_SRP_AUTH" => {
                let username = param(p, "USERNAME")?;
                let srp_a = param(p, "SRP_A")?;
                let user = self.find_user(&pool, username).await?;
                let mut names = vec![username];
                if let Some(u) = &user {
                    names.push(&u.username);
                }
                self.check_secret_hash(&client, &names, p.get("SECRET_HASH").map(String::as_str))?;
                let user = match user {
                    Some(u) => u,
                    None if Self::hides_users(&client) => {
                        return self.simulated_password_verifier(&pool, &client, username, srp_a);
                    }
                    None => return Err(CoreError::user_not_found()),
                };
                self.pre_authentication(&pool, &user, &meta).await?;
                self.check_user_state(&client, &user)?;
                self.password_verifier_challenge(&pool, &client, &user, srp_a, None, &dev)
            }
            "CUSTOM_AUTH" => {
                if Self::trigger_arn(&pool, "DefineAuthChallenge").is_none() {
                    return Err(CoreError::invalid_parameter(
                        "Custom auth lambda trigger is not configured for the user pool.",
                    ));
                }
                let username = param(p, "USERNAME")?;
                let user = self.find_user(&pool, username).await?;
                let mut names = vec![username];
                if let Some(u) = &user {
                    names.push(&u.username);
                }
                self.check_secret_hash(&client, &names, p.get("SECRET_HASH").map(String::as_str))?;
                let user = match user {
                    Some(u) => u,
                    None => return Err(Self::unknown_user(&client)),
                };
                self.check_user_state(&client, &user)?;
                let meta = CallMeta::client(&client.client_id);
                if p.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A") {
                    // Define sees the SRP_A step first and may ask for the password.
                    let srp_a = param(p, "SRP_A")?;
                    let history = vec![custom::result("SRP_A", true, None)];
                    return self
                        .define_auth_challenge(
                            &pool,
                            &client,
                            user,
                            history,
                            &meta,
                            Some(srp_a),
                            &dev,
                        )
                        .await;
                }
                self.define_auth_challenge(&pool, &client, user, Vec::new(), &meta, None, &dev)
                    .await
            }
            "USER_AUTH" => self.user_auth(&pool, &client, p, &meta, &dev).await,
            _ => Err(CoreError::new(
                ErrorKind::NotImplemented,
                format!("AuthFlow {flow} is not supported by this server yet."),
            )),
        }
    }

    pub(crate) fn password_verifier_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        srp_a: &str,
        custom_history: Option<Vec<serde_json::Value>>,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        let password = user.password.as_ref().ok_or_else(incorrect)?;
        let verifier = srp::Verifier {
            salt_hex: password.salt.clone(),
            verifier_hex: password.verifier.clone(),
        };
        let mut extra: BTreeMap<String, String> = custom_history
            .map(|h| {
                (
                    "custom".to_string(),
                    serde_json::Value::Array(h).to_string(),
                )
            })
            .into_iter()
            .collect();
        if let Some(k) = &dev.key {
            extra.insert("device_key".into(), k.clone());
        }
        self.srp_challenge(
            pool,
            client,
            user.username.clone(),
            &verifier,
            srp_a,
            false,
            extra,
        )
    }

    /// PreventUserExistenceErrors: a PASSWORD_VERIFIER for a user that does not
    /// exist, with a salt and USER_ID_FOR_SRP stable for the same pool and name.
    fn simulated_password_verifier(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        srp_a: &str,
    ) -> CoreResult<AuthOutcome> {
        let seed = self.master.derive(
            b"simulated srp user",
            format!("{}:{}", pool.id, pool.username_key(username)).as_bytes(),
        );
        let fake_id = uuid::Builder::from_random_bytes(seed[..16].try_into().unwrap_or_default())
            .into_uuid()
            .to_string();
        let mut salt = seed[16..32].to_vec();
        salt[0] |= 0x80;
        let verifier = srp::make_verifier(pool_name(pool), &fake_id, &hex::encode(seed));
        let verifier = srp::Verifier {
            salt_hex: hex::encode(&salt),
            verifier_hex: verifier.verifier_hex,
        };
        self.srp_challenge(
            pool,
            client,
            fake_id,
            &verifier,
            srp_a,
            true,
            BTreeMap::new(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn srp_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user_id: String,
        verifier: &srp::Verifier,
        srp_a: &str,
        fake: bool,
        extra: BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        // Only the format of SRP_A is checked here; A ≡ 0 (mod N) is refused when
        // the claim is verified (srp::verify_claim_with_srp_b).
        srp::parse_hex(srp_a)
            .map_err(|_| CoreError::invalid_parameter("SRP_A is not a hexadecimal number."))?;
        let challenge = srp::server_challenge(verifier)
            .map_err(|_| CoreError::internal("SRP challenge failed"))?;
        let mut state = StepState {
            pool: pool.id.clone(),
            client: client.client_id.clone(),
            username: user_id.clone(),
            challenge: "PASSWORD_VERIFIER".into(),
            exp: timestamp(self.now()) + SRP_STEP_SECONDS,
            nonce: cognate_crypto::random_string(24, cognate_crypto::ALNUM),
            data: BTreeMap::new(),
        };
        state
            .data
            .insert("b".into(), hex::encode(&*challenge.b_secret));
        state.data.insert("B".into(), challenge.srp_b_hex.clone());
        state.data.insert("A".into(), srp_a.to_string());
        if fake {
            state.data.insert("fake".into(), "1".into());
        }
        state.data.extend(extra);
        let secret_block = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .encode(self.seal_state(&state, SECRET_BLOCK_AAD)?)
        };
        let mut parameters = BTreeMap::new();
        parameters.insert("SALT".into(), verifier.salt_hex.clone());
        parameters.insert("SRP_B".into(), challenge.srp_b_hex);
        parameters.insert("SECRET_BLOCK".into(), secret_block);
        parameters.insert("USER_ID_FOR_SRP".into(), user_id.clone());
        parameters.insert("USERNAME".into(), user_id);
        // cognito-compat: no Session with PASSWORD_VERIFIER; the SECRET_BLOCK carries the state.
        Ok(AuthOutcome::Challenge {
            name: "PASSWORD_VERIFIER".into(),
            parameters,
            session: None,
        })
    }

    pub async fn respond_to_auth_challenge(
        &self,
        api: Api,
        input: RespondInput,
    ) -> CoreResult<AuthOutcome> {
        let (pool, client) = self
            .auth_client(api, input.pool_id.as_deref(), &input.client_id)
            .await?;
        let r = &input.responses;
        // cognito-compat: RespondToAuthChallenge's ClientMetadata reaches the
        // challenge triggers, PostAuthentication and PreTokenGeneration.
        let meta = CallMeta {
            client_id: Some(client.client_id.clone()),
            client_metadata: input.client_metadata.clone(),
            validation_data: BTreeMap::new(),
        };
        let ip = input.source_ip.clone();
        match input.challenge_name.as_str() {
            "PASSWORD_VERIFIER" => {
                self.answer_password_verifier(&pool, &client, r, &meta, ip)
                    .await
            }
            crate::devices::DEVICE_SRP_AUTH => {
                self.answer_device_srp_auth(&pool, &client, input.session.as_deref(), r)
                    .await
            }
            crate::devices::DEVICE_PASSWORD_VERIFIER => {
                self.answer_device_password_verifier(&pool, &client, r, &meta, ip)
                    .await
            }
            name @ ("SELECT_CHALLENGE" | "PASSWORD" | "PASSWORD_SRP") => {
                self.answer_select_challenge(
                    &pool,
                    &client,
                    name,
                    input.session.as_deref(),
                    r,
                    &meta,
                    ip,
                )
                .await
            }
            "CUSTOM_CHALLENGE" => {
                let state = self
                    .open_session(input.session.as_deref(), &client, "CUSTOM_CHALLENGE", true)
                    .await?;
                let user = self.require_user(&pool, &state.username).await?;
                self.check_secret_hash(
                    &client,
                    &[&user.username, r.get("USERNAME").map_or("", String::as_str)],
                    r.get("SECRET_HASH").map(String::as_str),
                )?;
                let answer = param(r, "ANSWER")?;
                let dev = DeviceCtx::resume(&state, r, ip);
                self.verify_custom_answer(&pool, &client, user, state, answer, &meta, &dev)
                    .await
            }
            "NEW_PASSWORD_REQUIRED" => {
                let state = self
                    .open_session(
                        input.session.as_deref(),
                        &client,
                        "NEW_PASSWORD_REQUIRED",
                        false,
                    )
                    .await?;
                let mut user = self.require_user(&pool, &state.username).await?;
                self.check_secret_hash(
                    &client,
                    &[&user.username, r.get("USERNAME").map_or("", String::as_str)],
                    r.get("SECRET_HASH").map(String::as_str),
                )?;
                let new_password = param(r, "NEW_PASSWORD")?;
                check_password_policy(&pool, new_password)?;
                let attrs: Vec<(String, String)> = r
                    .iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix("userAttributes.")
                            .map(|n| (n.to_string(), v.clone()))
                    })
                    .collect();
                let mut merged = user.attributes.clone();
                merged.extend(check_attributes(
                    &pool,
                    Some(&client),
                    &attrs,
                    WriteMode::SignUp,
                )?);
                for a in &pool.schema_attributes {
                    if a.required == Some(true) && !merged.contains_key(a.name()) {
                        return Err(CoreError::invalid_parameter(format!(
                            "Invalid attributes given, {} is missing",
                            a.name()
                        )));
                    }
                }
                // The session is spent only once the answer is acceptable, so a
                // weak password can be corrected with the same session.
                if !self.store.consume_nonce(&state.nonce, state.exp).await? {
                    return Err(CoreError::not_authorized(
                        "Invalid session for the user, session is expired.",
                    ));
                }
                user.attributes = merged;
                self.set_password(&pool, &mut user, new_password)?;
                user.status = "CONFIRMED".into();
                user.state.temporary_password_expires = None;
                self.save_with_aliases(&pool, &mut user, false).await?;
                let dev = DeviceCtx::resume(&state, r, ip);
                self.after_first_factor(
                    &pool,
                    &client,
                    user,
                    "TokenGeneration_NewPasswordChallenge",
                    &meta,
                    &dev,
                )
                .await
            }
            name @ ("SMS_MFA" | "SOFTWARE_TOKEN_MFA" | "EMAIL_OTP" | "SMS_OTP") => {
                let state = self
                    .open_session(input.session.as_deref(), &client, name, false)
                    .await?;
                let mut user = self.require_user(&pool, &state.username).await?;
                self.check_secret_hash(
                    &client,
                    &[&user.username, r.get("USERNAME").map_or("", String::as_str)],
                    r.get("SECRET_HASH").map(String::as_str),
                )?;
                let code = param(r, &format!("{name}_CODE"))?;
                self.answer_factor(&state, &mut user, code).await?;
                let dev = DeviceCtx::resume(&state, r, ip);
                if state.data.contains_key("first_factor") {
                    // USER_AUTH: the code was the first factor (passwordless).
                    return self
                        .after_passwordless(&pool, &client, user, &meta, &dev)
                        .await;
                }
                self.finish_sign_in(
                    &pool,
                    &client,
                    user,
                    "TokenGeneration_Authentication",
                    &meta,
                    &dev,
                )
                .await
            }
            "SELECT_MFA_TYPE" => {
                let state = self
                    .open_session(input.session.as_deref(), &client, "SELECT_MFA_TYPE", true)
                    .await?;
                let user = self.require_user(&pool, &state.username).await?;
                let answer = param(r, "ANSWER")?;
                let allowed = crate::mfa::UserMfa::of(&user).enabled();
                if !allowed.contains(&answer) {
                    return Err(CoreError::invalid_parameter(format!(
                        "{answer} is not an MFA method of the user."
                    )));
                }
                let dev = DeviceCtx::resume(&state, r, ip);
                self.factor_challenge(&pool, &client, &user, answer, &meta, &dev)
                    .await
            }
            "MFA_SETUP" => {
                let state = self
                    .open_session(input.session.as_deref(), &client, "MFA_SETUP", true)
                    .await?;
                let mut user = self.require_user(&pool, &state.username).await?;
                if state.data.get("verified").map(String::as_str) != Some("1") {
                    return Err(CoreError::invalid_parameter(
                        "Set up a software token first (AssociateSoftwareToken, then VerifySoftwareToken with this session).",
                    ));
                }
                let on = Some(crate::mfa::FactorSetting {
                    enabled: Some(true),
                    preferred_mfa: Some(true),
                });
                self.set_mfa_preference(&mut user, None, on, None).await?;
                let dev = DeviceCtx::resume(&state, r, ip);
                self.finish_sign_in(
                    &pool,
                    &client,
                    user,
                    "TokenGeneration_Authentication",
                    &meta,
                    &dev,
                )
                .await
            }
            "WEB_AUTHN" => Err(CoreError::new(
                ErrorKind::NotImplemented,
                format!(
                    "Challenge {} is not supported by this server yet.",
                    input.challenge_name
                ),
            )),
            other => Err(CoreError::invalid_parameter(format!(
                "Invalid challenge name {other}"
            ))),
        }
    }

    async fn answer_password_verifier(
        &self,
        pool: &UserPool,
        client: &AppClient,
        r: &BTreeMap<String, String>,
        meta: &CallMeta,
        ip: Option<String>,
    ) -> CoreResult<AuthOutcome> {
        let (state, block, signature, ts) = open_claim(&self.master, r, SECRET_BLOCK_AAD)?;
        let answered_as = param(r, "USERNAME")?;
        let expired =
            || CoreError::not_authorized("Invalid session for the user, session is expired.");
        if state.client != client.client_id
            || state.pool != pool.id
            || state.challenge != "PASSWORD_VERIFIER"
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
        if state.data.contains_key("fake") {
            return Err(incorrect());
        }
        let mut user = self
            .require_user(pool, &state.username)
            .await
            .map_err(|_| incorrect())?;
        // The answer must be for the user the challenge was issued to. Lookups try the
        // username first, so a name whose key is this user's needs no second read.
        let same = pool.username_key(answered_as) == user.username_key
            || self
                .find_user(pool, answered_as)
                .await?
                .is_some_and(|u| u.username_key == user.username_key);
        if !same {
            return Err(incorrect());
        }
        self.check_secret_hash(
            client,
            &[answered_as, &user.username],
            r.get("SECRET_HASH").map(String::as_str),
        )?;
        if !self.store.consume_nonce(&state.nonce, state.exp).await? {
            return Err(expired());
        }
        self.check_user_state(client, &user)?;
        self.check_lockout(&user)?;
        let record = user.password.clone().ok_or_else(incorrect)?;
        let verifier = srp::Verifier {
            salt_hex: record.salt,
            verifier_hex: record.verifier,
        };
        let b =
            hex::decode(state.data.get("b").map_or("", String::as_str)).map_err(|_| incorrect())?;
        let ok = srp::verify_claim_with_srp_b(
            pool_name(pool),
            &user.username,
            &verifier,
            &b,
            state.data.get("B").map_or("", String::as_str),
            state.data.get("A").map_or("", String::as_str),
            &block,
            ts,
            signature,
        )
        .map_err(|_| incorrect())?;
        let dev = DeviceCtx::resume(&state, r, ip);
        if let Some(history) = state.data.get("custom") {
            // CUSTOM_AUTH with SRP_A: the password step becomes part of the session.
            let mut history: Vec<serde_json::Value> =
                serde_json::from_str(history).map_err(|_| incorrect())?;
            history.push(custom::result("PASSWORD_VERIFIER", ok, None));
            if !ok {
                self.record_failure(&mut user).await?;
            } else if lockout::clear(&mut user) {
                self.save_user(&mut user).await?;
            }
            return self
                .define_auth_challenge(pool, client, user, history, meta, None, &dev)
                .await;
        }
        if !ok {
            self.record_failure(&mut user).await?;
            return Err(incorrect());
        }
        self.after_first_factor(
            pool,
            client,
            user,
            "TokenGeneration_Authentication",
            meta,
            &dev,
        )
        .await
    }

    /// Where every verified first factor goes: temporary passwords first, then
    /// a remembered device (DEVICE_SRP_AUTH) or MFA, then tokens.
    pub(crate) async fn after_first_factor(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        token_source: &str,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        // The failure count is cleared only when the whole sign-in succeeds, so
        // MFA-code guesses can not be reset by signing in with the password again.
        if user.status == "FORCE_CHANGE_PASSWORD" {
            if user
                .state
                .temporary_password_expires
                .is_some_and(|t| t < timestamp(self.now()))
            {
                return Err(CoreError::not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            let mut state = self.new_state(
                pool,
                client,
                &user,
                "NEW_PASSWORD_REQUIRED",
                client.auth_session_seconds() as f64,
            );
            dev.carry(&mut state);
            let current: BTreeMap<&String, &String> = user
                .attributes
                .iter()
                .filter(|(k, _)| k.as_str() != "sub" && !k.starts_with("dev:"))
                .collect();
            let required: Vec<String> = pool
                .schema_attributes
                .iter()
                .filter(|a| {
                    a.required == Some(true)
                        && a.name() != "sub"
                        && !user.attributes.contains_key(a.name())
                })
                .map(|a| format!("userAttributes.{}", a.name()))
                .collect();
            let mut parameters = BTreeMap::new();
            parameters.insert("USERNAME".into(), user.username.clone());
            parameters.insert(
                "userAttributes".into(),
                serde_json::to_string(&current).map_err(CoreError::internal)?,
            );
            parameters.insert(
                "requiredAttributes".into(),
                serde_json::to_string(&required).map_err(CoreError::internal)?,
            );
            return Ok(AuthOutcome::Challenge {
                name: "NEW_PASSWORD_REQUIRED".into(),
                parameters,
                session: Some(self.session_string(&state)?),
            });
        }
        // A remembered device proves itself with device SRP; it stands in for
        // MFA when the pool says so (ChallengeRequiredOnNewDevice), and is asked
        // for on every sign-in where no MFA is owed anyway.
        let known = self.known_device(pool, &user, dev.key.as_deref()).await?;
        if let Some(device) = known.filter(|d| d.remembered() && d.verifier.is_some())
            && (pool.remembered_device_skips_mfa() || !self.mfa_owed(pool, &user))
        {
            return self.device_srp_challenge(pool, client, &user, device).await;
        }
        if let Some(challenge) = self.mfa_challenge(pool, client, &user, meta, dev).await? {
            return Ok(challenge);
        }
        self.finish_sign_in(pool, client, user, token_source, meta, dev)
            .await
    }

    /// The end of every sign-in: PostAuthentication, the device, then tokens.
    pub(crate) async fn finish_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        mut user: User,
        token_source: &str,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        if lockout::clear(&mut user) {
            self.save_user(&mut user).await?;
        }
        let known = self.known_device(pool, &user, dev.key.as_deref()).await?;
        // PostAuthentication: a failure withholds the tokens.
        self.post_authentication(pool, &user, meta, pool.tracks_devices() && known.is_none())
            .await?;
        let device = self.sign_in_device(pool, &user, known, dev).await?;
        let mut tokens = self
            .issue_tokens(
                pool,
                client,
                &user,
                None,
                Some(&uuid::Uuid::new_v4().simple().to_string()),
                token_source,
                meta,
                device.as_ref().map(|(d, _)| d.device_key.as_str()),
            )
            .await?;
        if let Some((d, true)) = device {
            tokens.new_device = Some((d.device_key, d.group_key));
        }
        Ok(AuthOutcome::Tokens(tokens))
    }

    /// PostAuthentication (API and hosted sign-ins): a failure withholds the tokens.
    pub(crate) async fn post_authentication(
        &self,
        pool: &UserPool,
        user: &User,
        meta: &CallMeta,
        new_device_used: bool,
    ) -> CoreResult<()> {
        let mut request = serde_json::Map::new();
        request.insert("userAttributes".into(), user_attributes(user));
        request.insert("newDeviceUsed".into(), serde_json::json!(new_device_used));
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        self.fire(
            pool,
            "PostAuthentication",
            "PostAuthentication_Authentication",
            &user.username,
            meta,
            request,
        )
        .await?;
        Ok(())
    }

    /// PreAuthentication: a failure denies the sign-in.
    pub(crate) async fn pre_authentication(
        &self,
        pool: &UserPool,
        user: &User,
        meta: &CallMeta,
    ) -> CoreResult<()> {
        let mut request = serde_json::Map::new();
        request.insert("userAttributes".into(), user_attributes(user));
        request.insert("userNotFound".into(), serde_json::json!(false));
        if !meta.validation_data.is_empty() {
            request.insert("validationData".into(), string_map(&meta.validation_data));
        }
        self.fire(
            pool,
            "PreAuthentication",
            "PreAuthentication_Authentication",
            &user.username,
            meta,
            request,
        )
        .await?;
        Ok(())
    }

    /// One DefineAuthChallenge round: tokens, failure, or the next custom challenge.
    #[allow(clippy::too_many_arguments)]
    async fn define_auth_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        history: Vec<serde_json::Value>,
        meta: &CallMeta,
        srp_a: Option<&str>,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        if history.len() > custom::MAX_ROUNDS {
            return Err(CoreError::not_authorized("Incorrect username or password."));
        }
        let mut request = serde_json::Map::new();
        request.insert("userAttributes".into(), user_attributes(&user));
        request.insert("session".into(), serde_json::Value::Array(history.clone()));
        request.insert("userNotFound".into(), serde_json::json!(false));
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        let response = self
            .fire(
                pool,
                "DefineAuthChallenge",
                "DefineAuthChallenge_Authentication",
                &user.username,
                meta,
                request.clone(),
            )
            .await?
            .unwrap_or_default();
        if flag(&response, "issueTokens")? {
            return self
                .after_first_factor(
                    pool,
                    client,
                    user,
                    "TokenGeneration_Authentication",
                    meta,
                    dev,
                )
                .await;
        }
        if flag(&response, "failAuthentication")? {
            return Err(CoreError::not_authorized("Incorrect username or password."));
        }
        let challenge = text(&response, "challengeName")?.unwrap_or_default();
        if challenge == "PASSWORD_VERIFIER"
            && let Some(srp_a) = srp_a
        {
            return self.password_verifier_challenge(
                pool,
                client,
                &user,
                srp_a,
                Some(history),
                dev,
            );
        }
        if challenge != "CUSTOM_CHALLENGE" {
            return Err(CoreError::new(
                ErrorKind::InvalidLambdaResponse,
                format!(
                    "Invalid lambda response: challengeName {challenge:?} is not supported here; use CUSTOM_CHALLENGE, issueTokens or failAuthentication."
                ),
            ));
        }
        request.insert("challengeName".into(), serde_json::json!(challenge));
        let created = self
            .fire(
                pool,
                "CreateAuthChallenge",
                "CreateAuthChallenge_Authentication",
                &user.username,
                meta,
                request,
            )
            .await?
            .ok_or_else(|| {
                CoreError::invalid_parameter(
                    "A CreateAuthChallenge trigger is required for CUSTOM_CHALLENGE.",
                )
            })?;
        let public = string_map_field(&created, "publicChallengeParameters")?.unwrap_or_default();
        let private = string_map_field(&created, "privateChallengeParameters")?.unwrap_or_default();
        let metadata = text(&created, "challengeMetadata")?;
        let mut state = self.new_state(
            pool,
            client,
            &user,
            "CUSTOM_CHALLENGE",
            client.auth_session_seconds() as f64,
        );
        dev.carry(&mut state);
        state.data.insert(
            "history".into(),
            serde_json::Value::Array(history).to_string(),
        );
        state.data.insert(
            "private".into(),
            serde_json::to_string(&private).map_err(CoreError::internal)?,
        );
        if let Some(m) = metadata {
            state.data.insert("metadata".into(), m);
        }
        let mut parameters = public;
        parameters.insert("USERNAME".into(), user.username.clone());
        Ok(AuthOutcome::Challenge {
            name: "CUSTOM_CHALLENGE".into(),
            parameters,
            session: Some(self.session_string(&state)?),
        })
    }

    /// VerifyAuthChallengeResponse for a CUSTOM_CHALLENGE answer, then Define again.
    #[allow(clippy::too_many_arguments)]
    async fn verify_custom_answer(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        state: StepState,
        answer: &str,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        let mut history: Vec<serde_json::Value> =
            serde_json::from_str(state.data.get("history").map_or("[]", String::as_str))
                .map_err(CoreError::internal)?;
        let private: serde_json::Value =
            serde_json::from_str(state.data.get("private").map_or("{}", String::as_str))
                .map_err(CoreError::internal)?;
        let mut request = serde_json::Map::new();
        request.insert("userAttributes".into(), user_attributes(&user));
        request.insert("privateChallengeParameters".into(), private);
        request.insert("challengeAnswer".into(), serde_json::json!(answer));
        request.insert("userNotFound".into(), serde_json::json!(false));
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        let verified = self
            .fire(
                pool,
                "VerifyAuthChallengeResponse",
                "VerifyAuthChallengeResponse_Authentication",
                &user.username,
                meta,
                request,
            )
            .await?
            .ok_or_else(|| {
                CoreError::invalid_parameter(
                    "A VerifyAuthChallengeResponse trigger is required for CUSTOM_CHALLENGE.",
                )
            })?;
        let correct = flag(&verified, "answerCorrect")?;
        history.push(custom::result(
            "CUSTOM_CHALLENGE",
            correct,
            state.data.get("metadata").cloned(),
        ));
        self.define_auth_challenge(pool, client, user, history, meta, None, dev)
            .await
    }
}
