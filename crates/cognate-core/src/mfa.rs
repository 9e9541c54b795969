//! Multi-factor authentication: the pool's factors (SetUserPoolMfaConfig),
//! each user's factors and preference, TOTP association and verification, and
//! the challenges after the first factor (SMS_MFA, EMAIL_OTP,
//! SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP).
//!
//! A user's MFA state lives in `UserState::extra["mfa"]`; TOTP secrets are
//! sealed under the master key with the user's identity as associated data.

use crate::auth::AuthOutcome;
pub use crate::auth::StepState;
use crate::devices::DeviceCtx;
use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{AppClient, Channel, User, UserPool};
use crate::ports::timestamp;
use crate::service::Cognate;
use crate::triggers::CallMeta;
use cognate_crypto::otp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const SMS_MFA: &str = "SMS_MFA";
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
/// Passwordless SMS code (USER_AUTH); sent and checked as SMS_MFA is.
pub const SMS_OTP: &str = "SMS_OTP";

/// A user's factors, as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserMfa {
    #[serde(default)]
    pub sms_enabled: bool,
    #[serde(default)]
    pub totp_enabled: bool,
    #[serde(default)]
    pub email_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
    /// Sealed verified TOTP secret (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// Sealed secret from AssociateSoftwareToken, waiting for VerifySoftwareToken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_pending: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_name: Option<String>,
    /// Last TOTP time step accepted (replay protection).
    #[serde(default)]
    pub totp_last_step: u64,
}

impl UserMfa {
    pub fn of(user: &User) -> UserMfa {
        user.state
            .extra
            .get("mfa")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
    fn store(&self, user: &mut User) {
        user.state.extra.insert(
            "mfa".into(),
            serde_json::to_value(self).unwrap_or(Value::Null),
        );
    }
    /// Enabled factors in Cognito's order.
    pub fn enabled(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.sms_enabled {
            f.push(SMS_MFA);
        }
        if self.totp_enabled {
            f.push(SOFTWARE_TOKEN_MFA);
        }
        if self.email_enabled {
            f.push(EMAIL_OTP);
        }
        f
    }
}

/// Which factors the pool allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolFactors {
    pub sms: bool,
    pub totp: bool,
    pub email: bool,
}

impl PoolFactors {
    pub fn of(pool: &UserPool) -> PoolFactors {
        let f = pool.mfa_factors.as_ref();
        let on = |key: &str| f.and_then(|v| v.get(key)).is_some_and(|v| !v.is_null());
        PoolFactors {
            // cognito-compat: a pool created with MFA and an SmsConfiguration has SMS MFA.
            sms: on("SmsMfaConfiguration")
                || (f.is_none() && pool.settings.sms_configuration.is_some()),
            totp: f
                .and_then(|v| v.pointer("/SoftwareTokenMfaConfiguration/Enabled"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            email: on("EmailMfaConfiguration"),
        }
    }
}

/// SetUserMFAPreference's settings for one factor.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FactorSetting {
    pub enabled: Option<bool>,
    pub preferred_mfa: Option<bool>,
}

pub(crate) fn mismatch() -> CoreError {
    CoreError::new(
        ErrorKind::CodeMismatch,
        "Invalid code or auth state for the user.",
    )
}

impl Cognate {
    fn totp_aad(user: &User) -> String {
        format!("totp:{}:{}", user.pool_id, user.sub)
    }

    /// SetUserPoolMfaConfig.
    pub async fn set_pool_mfa_config(
        &self,
        pool_id: &str,
        mfa_configuration: Option<String>,
        factors: Value,
    ) -> CoreResult<UserPool> {
        let mut pool = self.require_pool(pool_id).await?;
        let mut merged = pool.mfa_factors.clone().unwrap_or_else(|| json!({}));
        if let (Some(m), Some(f)) = (merged.as_object_mut(), factors.as_object()) {
            for (k, v) in f {
                m.insert(k.clone(), v.clone());
            }
        }
        pool.mfa_factors = Some(merged);
        if let Some(mode) = mfa_configuration {
            let f = PoolFactors::of(&pool);
            if mode != "OFF" && !(f.sms || f.totp || f.email) {
                return Err(CoreError::invalid_parameter(
                    "At least one MFA method (SMS, software token or email) must be enabled to turn MFA on.",
                ));
            }
            pool.settings.mfa_configuration = Some(mode);
        }
        pool.last_modified_date = timestamp(self.now());
        self.store.update_pool(&pool).await?;
        Ok(pool)
    }

    /// SetUserMFAPreference / AdminSetUserMFAPreference.
    pub async fn set_mfa_preference(
        &self,
        user: &mut User,
        sms: Option<FactorSetting>,
        totp: Option<FactorSetting>,
        email: Option<FactorSetting>,
    ) -> CoreResult<()> {
        let mut mfa = UserMfa::of(user);
        if let Some(s) = sms {
            if s.enabled == Some(true) && user.attr("phone_number").is_none() {
                return Err(CoreError::invalid_parameter(
                    "User does not have a phone number for SMS MFA.",
                ));
            }
            if let Some(e) = s.enabled {
                mfa.sms_enabled = e;
            }
        }
        if let Some(t) = totp {
            if t.enabled == Some(true) && mfa.totp_secret.is_none() {
                return Err(CoreError::new(
                    ErrorKind::SoftwareTokenMfaNotFound,
                    "Software token MFA has not been associated and verified for the user.",
                ));
            }
            if let Some(e) = t.enabled {
                mfa.totp_enabled = e;
            }
        }
        if let Some(e) = email {
            if e.enabled == Some(true) && user.attr("email").is_none() {
                return Err(CoreError::invalid_parameter(
                    "User does not have an email address for email MFA.",
                ));
            }
            if let Some(en) = e.enabled {
                mfa.email_enabled = en;
            }
        }
        for (name, setting) in [
            (SMS_MFA, sms),
            (SOFTWARE_TOKEN_MFA, totp),
            (EMAIL_OTP, email),
        ] {
            if let Some(s) = setting {
                if s.preferred_mfa == Some(true) {
                    mfa.preferred = Some(name.to_string());
                } else if s.preferred_mfa == Some(false) && mfa.preferred.as_deref() == Some(name) {
                    mfa.preferred = None;
                }
            }
        }
        if let Some(p) = mfa.preferred.clone()
            && !mfa.enabled().contains(&p.as_str())
        {
            mfa.preferred = None;
        }
        mfa.store(user);
        self.save_user(user).await
    }

    /// AssociateSoftwareToken: a new secret, pending until verified.
    pub async fn associate_software_token(&self, user: &mut User) -> CoreResult<String> {
        let mut secret = [0u8; 20];
        cognate_crypto::fill_random(&mut secret);
        let mut mfa = UserMfa::of(user);
        mfa.totp_pending = Some(
            self.master
                .seal_to_string(&secret, Self::totp_aad(user).as_bytes()),
        );
        mfa.store(user);
        self.save_user(user).await?;
        Ok(otp::base32_encode(&secret))
    }

    /// VerifySoftwareToken: the first code from the app confirms the secret.
    pub async fn verify_software_token(
        &self,
        user: &mut User,
        code: &str,
        name: Option<String>,
    ) -> CoreResult<()> {
        let mut mfa = UserMfa::of(user);
        let sealed = mfa.totp_pending.clone().ok_or_else(|| {
            CoreError::invalid_parameter(
                "No software token is being associated; call AssociateSoftwareToken first.",
            )
        })?;
        let secret = self
            .master
            .open_from_str(&sealed, Self::totp_aad(user).as_bytes())?;
        let Some(step) = otp::totp_check(&secret, code, self.now().unix_timestamp()) else {
            return Err(CoreError::new(
                ErrorKind::EnableSoftwareTokenMfa,
                "Code mismatch",
            ));
        };
        mfa.totp_secret = Some(sealed);
        mfa.totp_pending = None;
        mfa.totp_name = name;
        mfa.totp_last_step = step;
        mfa.store(user);
        self.save_user(user).await
    }

    /// Checks a TOTP code against the user's verified secret; a code is good once.
    /// The time step a TOTP code matches, if it is good and not used before.
    fn totp_step(&self, user: &User, code: &str) -> CoreResult<Option<u64>> {
        let mfa = UserMfa::of(user);
        let Some(sealed) = mfa.totp_secret.clone() else {
            return Ok(None);
        };
        let secret = self
            .master
            .open_from_str(&sealed, Self::totp_aad(user).as_bytes())?;
        Ok(otp::totp_check(&secret, code, self.now().unix_timestamp())
            .filter(|step| *step > mfa.totp_last_step))
    }

    /// The user's enabled factors that the pool allows.
    fn usable_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
        let allowed = PoolFactors::of(pool);
        UserMfa::of(user)
            .enabled()
            .into_iter()
            .filter(|f| match *f {
                SMS_MFA => allowed.sms,
                SOFTWARE_TOKEN_MFA => allowed.totp,
                _ => allowed.email,
            })
            .collect()
    }

    /// Whether a sign-in of this user would be asked for MFA (or MFA setup).
    pub(crate) fn mfa_owed(&self, pool: &UserPool, user: &User) -> bool {
        match pool.settings.mfa_configuration.as_deref().unwrap_or("OFF") {
            "OFF" => false,
            "ON" => true,
            _ => !Self::usable_factors(pool, user).is_empty(),
        }
    }

    /// After the first factor: the MFA challenge this user owes, if any.
    pub(crate) async fn mfa_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<Option<AuthOutcome>> {
        let mode = pool.settings.mfa_configuration.as_deref().unwrap_or("OFF");
        if mode == "OFF" {
            return Ok(None);
        }
        let allowed = PoolFactors::of(pool);
        let mfa = UserMfa::of(user);
        let mut factors = Self::usable_factors(pool, user);
        if factors.is_empty() && mode == "ON" {
            // cognito-compat: with MFA required, a user without a factor gets SMS when
            // the pool has SMS MFA and the user a phone number, else must set one up.
            if allowed.sms && user.attr("phone_number").is_some() {
                factors.push(SMS_MFA);
            } else if allowed.email && user.attr("email").is_some() && !allowed.totp {
                factors.push(EMAIL_OTP);
            } else if allowed.totp {
                let mut state = self.new_state(
                    pool,
                    client,
                    user,
                    "MFA_SETUP",
                    client.auth_session_seconds() as f64,
                );
                dev.carry(&mut state);
                let mut parameters = BTreeMap::new();
                parameters.insert("USERNAME".into(), user.username.clone());
                parameters.insert(
                    "MFAS_CAN_SETUP".into(),
                    json!([SOFTWARE_TOKEN_MFA]).to_string(),
                );
                return Ok(Some(AuthOutcome::Challenge {
                    name: "MFA_SETUP".into(),
                    parameters,
                    session: Some(self.session_string(&state)?),
                }));
            } else {
                return Err(CoreError::new(
                    ErrorKind::MfaMethodNotFound,
                    "No MFA method is available for the user and the user pool requires MFA.",
                ));
            }
        }
        let chosen = match (factors.len(), mfa.preferred.as_deref()) {
            (0, _) => return Ok(None),
            (1, _) => factors[0],
            (_, Some(p)) if factors.contains(&p) => factors
                .iter()
                .copied()
                .find(|f| *f == p)
                .unwrap_or(factors[0]),
            _ => {
                let mut state = self.new_state(
                    pool,
                    client,
                    user,
                    "SELECT_MFA_TYPE",
                    client.auth_session_seconds() as f64,
                );
                dev.carry(&mut state);
                let mut parameters = BTreeMap::new();
                parameters.insert("USERNAME".into(), user.username.clone());
                parameters.insert("MFAS_CAN_CHOOSE".into(), json!(factors).to_string());
                return Ok(Some(AuthOutcome::Challenge {
                    name: "SELECT_MFA_TYPE".into(),
                    parameters,
                    session: Some(self.session_string(&state)?),
                }));
            }
        };
        Ok(Some(
            self.factor_challenge(pool, client, user, chosen, meta, dev)
                .await?,
        ))
    }

    /// Issues one factor's challenge (sending the code for SMS and email).
    pub(crate) async fn factor_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        factor: &str,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        let mut state = self.new_state(
            pool,
            client,
            user,
            factor,
            client.auth_session_seconds() as f64,
        );
        dev.carry(&mut state);
        self.factor_challenge_with(pool, user, state, meta).await
    }

    /// [`Cognate::factor_challenge`] for a prepared state (USER_AUTH marks its
    /// passwordless codes as the first factor).
    pub(crate) async fn factor_challenge_with(
        &self,
        pool: &UserPool,
        user: &User,
        mut state: StepState,
        meta: &CallMeta,
    ) -> CoreResult<AuthOutcome> {
        let factor = state.challenge.clone();
        let factor = factor.as_str();
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".into(), user.username.clone());
        if factor == SMS_MFA || factor == EMAIL_OTP || factor == SMS_OTP {
            let channel = if factor != EMAIL_OTP {
                Channel::Sms
            } else {
                Channel::Email
            };
            let destination = user
                .attr(channel.attribute())
                .ok_or_else(|| {
                    CoreError::new(
                        ErrorKind::MfaMethodNotFound,
                        "The user has no destination for this MFA method.",
                    )
                })?
                .to_string();
            let code = cognate_crypto::random_string(6, b"0123456789");
            let text = self
                .message_text(pool, user, channel, "Authentication", &code, false, meta)
                .await?;
            let text = match (channel, &text) {
                // The pool's MFA message templates, when it has them.
                (Channel::Sms, _) => match pool
                    .settings
                    .sms_authentication_message
                    .as_deref()
                    .or_else(|| {
                        pool.mfa_factors
                            .as_ref()
                            .and_then(|f| {
                                f.pointer("/SmsMfaConfiguration/SmsAuthenticationMessage")
                            })
                            .and_then(Value::as_str)
                    }) {
                    Some(t) if Self::trigger_arn(pool, "CustomMessage").is_none() => {
                        (None, t.replace("{####}", &code))
                    }
                    _ => text,
                },
                (Channel::Email, _) => {
                    let configured = pool
                        .mfa_factors
                        .as_ref()
                        .and_then(|f| f.get("EmailMfaConfiguration"));
                    let message = configured
                        .and_then(|c| c.get("Message"))
                        .and_then(Value::as_str);
                    let subject = configured
                        .and_then(|c| c.get("Subject"))
                        .and_then(Value::as_str);
                    if Self::trigger_arn(pool, "CustomMessage").is_some() {
                        text
                    } else {
                        (
                            subject.map(str::to_string).or(text.0),
                            message.map_or(text.1, |m| m.replace("{####}", &code)),
                        )
                    }
                }
            };
            let delivered = self
                .deliver(pool, user, channel, &destination, text, "Authentication")
                .await?;
            state.data.insert(
                "code".into(),
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                    format!("{}:{code}", state.nonce).as_bytes(),
                )),
            );
            parameters.insert(
                "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
                channel.as_str().into(),
            );
            parameters.insert("CODE_DELIVERY_DESTINATION".into(), delivered.destination);
        }
        Ok(AuthOutcome::Challenge {
            name: factor.to_string(),
            parameters,
            session: Some(self.session_string(&state)?),
        })
    }

    /// AssociateSoftwareToken / VerifySoftwareToken during an MFA_SETUP challenge:
    /// the user behind a session, and a fresh session for the next step.
    /// `spend`: AssociateSoftwareToken spends the session at once (it replaces the
    /// pending secret); VerifySoftwareToken only when the code is right, so a
    /// mistyped code can be retried with the same session.
    pub async fn setup_session_user(
        &self,
        session: &str,
        spend: bool,
    ) -> CoreResult<(UserPool, User, StepState)> {
        let state = self
            .open_session_any(Some(session), "MFA_SETUP", spend)
            .await?;
        let pool = self.require_pool(&state.pool).await?;
        let user = self.require_user(&pool, &state.username).await?;
        Ok((pool, user, state))
    }

    /// The session that continues an MFA_SETUP challenge (`verified` once the
    /// software token was verified).
    pub async fn next_setup_session(
        &self,
        previous: &StepState,
        verified: bool,
    ) -> CoreResult<String> {
        // The verification succeeded: the session it came with is spent.
        if verified
            && !self
                .store
                .consume_nonce(&previous.nonce, previous.exp)
                .await?
        {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        let mut state = previous.clone();
        state.nonce = cognate_crypto::random_string(24, cognate_crypto::ALNUM);
        if verified {
            state.data.insert("verified".into(), "1".into());
        }
        self.session_string(&state)
    }

    /// Checks the answer to an SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA challenge.
    /// A wrong code counts toward lockout; the session stays usable until it expires.
    pub(crate) async fn answer_factor(
        &self,
        state: &StepState,
        user: &mut User,
        code: &str,
    ) -> CoreResult<()> {
        self.check_lockout(user)?;
        let mut totp_step = None;
        let ok = match state.challenge.as_str() {
            SOFTWARE_TOKEN_MFA => {
                totp_step = self.totp_step(user, code)?;
                totp_step.is_some()
            }
            _ => {
                let given = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                    format!("{}:{code}", state.nonce).as_bytes(),
                ));
                state.data.get("code").is_some_and(|c| {
                    cognate_crypto::constant_time_eq(c.as_bytes(), given.as_bytes())
                })
            }
        };
        if !ok {
            self.record_failure(user).await?;
            return Err(mismatch());
        }
        if !self.store.consume_nonce(&state.nonce, state.exp).await? {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        // Only now is the code's time step spent (replay protection).
        if let Some(step) = totp_step {
            let mut mfa = UserMfa::of(user);
            mfa.totp_last_step = step;
            mfa.store(user);
            self.save_user(user).await?;
        }
        Ok(())
    }
}
