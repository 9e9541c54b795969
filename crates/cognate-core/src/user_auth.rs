//! Choice-based sign-in (AuthFlow USER_AUTH): the first factors a user may
//! choose (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP), `PREFERRED_CHALLENGE`,
//! the SELECT_CHALLENGE step with `AvailableChallenges`, passwordless codes,
//! and GetUserAuthFactors / AdminGetUserAuthFactors.
//!
//! Which factors a pool allows is `Policies.SignInPolicy.AllowedFirstAuthFactors`
//! (default `["PASSWORD"]`); PASSWORD covers both PASSWORD and PASSWORD_SRP.
//! WEB_AUTHN (passkeys) is a recognised name with no implementation yet: it is
//! never offered, and choosing it is refused.

use crate::auth::{AuthOutcome, incorrect, param};
use crate::devices::DeviceCtx;
use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{AppClient, User, UserPool};
use crate::service::Cognate;
use crate::triggers::CallMeta;
use serde_json::Value;
use std::collections::BTreeMap;

pub const PASSWORD: &str = "PASSWORD";
pub const PASSWORD_SRP: &str = "PASSWORD_SRP";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub const SMS_OTP: &str = "SMS_OTP";
pub const WEB_AUTHN: &str = "WEB_AUTHN";
pub const SELECT_CHALLENGE: &str = "SELECT_CHALLENGE";

impl UserPool {
    /// `Policies.SignInPolicy.AllowedFirstAuthFactors`, `["PASSWORD"]` when unset.
    pub fn allowed_first_auth_factors(&self) -> Vec<String> {
        self.settings
            .policies
            .as_ref()
            .and_then(|p| p.sign_in_policy.as_ref())
            .and_then(|s| s.get("AllowedFirstAuthFactors"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_else(|| vec![PASSWORD.to_string()])
    }
}

impl Cognate {
    /// The first factors this user can use in USER_AUTH, in Cognito's order.
    ///
    /// Passwordless codes need a verified destination, a CONFIRMED user (a
    /// temporary password must be changed first) and a pool that does not
    /// require MFA (a code alone must not get around required MFA).
    pub fn available_first_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
        let allowed = pool.allowed_first_auth_factors();
        let allows = |f: &str| allowed.iter().any(|a| a == f);
        let mut out = Vec::new();
        if allows(PASSWORD) && user.password.is_some() {
            out.push(PASSWORD);
            out.push(PASSWORD_SRP);
        }
        let passwordless =
            user.status == "CONFIRMED" && pool.settings.mfa_configuration.as_deref() != Some("ON");
        if passwordless
            && allows(EMAIL_OTP)
            && user.attr("email").is_some()
            && user.is_verified("email")
        {
            out.push(EMAIL_OTP);
        }
        if passwordless
            && allows(SMS_OTP)
            && user.attr("phone_number").is_some()
            && user.is_verified("phone_number")
        {
            out.push(SMS_OTP);
        }
        out
    }

    /// GetUserAuthFactors' `ConfiguredUserAuthFactors`.
    pub fn configured_user_auth_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
        Self::available_first_factors(pool, user)
            .into_iter()
            .filter(|f| *f != PASSWORD_SRP)
            .collect()
    }

    /// InitiateAuth / AdminInitiateAuth with AuthFlow USER_AUTH.
    pub(crate) async fn user_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        p: &BTreeMap<String, String>,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        let username = param(p, "USERNAME")?;
        let user = self.find_user(pool, username).await?;
        let mut names = vec![username];
        if let Some(u) = &user {
            names.push(&u.username);
        }
        self.check_secret_hash(client, &names, p.get("SECRET_HASH").map(String::as_str))?;
        let user = user.ok_or_else(|| Self::unknown_user(client))?;
        self.pre_authentication(pool, &user, meta).await?;
        self.check_user_state(client, &user)?;
        let available = Self::available_first_factors(pool, &user);
        if available.is_empty() {
            return Err(incorrect());
        }
        let after = CallMeta::client(&client.client_id);
        match p.get("PREFERRED_CHALLENGE").map(String::as_str) {
            Some(choice) if available.contains(&choice) => {
                self.start_first_factor(pool, client, user, choice, p, &after, dev)
                    .await
            }
            // cognito-compat: no preference, or one the user can not use: the
            // user chooses.
            _ => {
                let mut state = self.new_state(
                    pool,
                    client,
                    &user,
                    SELECT_CHALLENGE,
                    client.auth_session_seconds() as f64,
                );
                dev.carry(&mut state);
                state.data.insert("available".into(), available.join(","));
                let mut parameters = BTreeMap::new();
                parameters.insert("USERNAME".into(), user.username.clone());
                Ok(AuthOutcome::SelectChallenge {
                    available: available.iter().map(|s| s.to_string()).collect(),
                    parameters,
                    session: Some(self.session_string(&state)?),
                })
            }
        }
    }

    /// RespondToAuthChallenge SELECT_CHALLENGE (`ANSWER` names the factor) or,
    /// with the same session, a direct PASSWORD / PASSWORD_SRP answer.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn answer_select_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        name: &str,
        session: Option<&str>,
        r: &BTreeMap<String, String>,
        meta: &CallMeta,
        ip: Option<String>,
    ) -> CoreResult<AuthOutcome> {
        let state = self
            .open_session(session, client, SELECT_CHALLENGE, true)
            .await?;
        let choice = if name == SELECT_CHALLENGE {
            param(r, "ANSWER")?
        } else {
            name
        };
        let available: Vec<&str> = state
            .data
            .get("available")
            .map_or("", String::as_str)
            .split(',')
            .collect();
        if choice == WEB_AUTHN {
            return Err(CoreError::new(
                ErrorKind::NotImplemented,
                "WEB_AUTHN sign-in is not supported by this server yet.",
            ));
        }
        if !available.contains(&choice) {
            return Err(CoreError::invalid_parameter(format!(
                "{choice} is not an available challenge for the user."
            )));
        }
        let user = self.require_user(pool, &state.username).await?;
        self.check_secret_hash(
            client,
            &[&user.username, r.get("USERNAME").map_or("", String::as_str)],
            r.get("SECRET_HASH").map(String::as_str),
        )?;
        self.check_user_state(client, &user)?;
        let dev = DeviceCtx::resume(&state, r, ip);
        self.start_first_factor(pool, client, user, choice, r, meta, &dev)
            .await
    }

    /// Runs the chosen first factor: a password is checked at once, SRP gets its
    /// PASSWORD_VERIFIER, and a code is sent.
    #[allow(clippy::too_many_arguments)]
    async fn start_first_factor(
        &self,
        pool: &UserPool,
        client: &AppClient,
        mut user: User,
        choice: &str,
        answers: &BTreeMap<String, String>,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        match choice {
            PASSWORD => {
                let password = param(answers, "PASSWORD")?;
                self.check_lockout(&user)?;
                if !self.password_matches(pool, &user, password) {
                    self.record_failure(&mut user).await?;
                    return Err(incorrect());
                }
                self.after_first_factor(
                    pool,
                    client,
                    user,
                    "TokenGeneration_Authentication",
                    meta,
                    dev,
                )
                .await
            }
            PASSWORD_SRP => {
                let srp_a = param(answers, "SRP_A")?;
                self.password_verifier_challenge(pool, client, &user, srp_a, None, dev)
            }
            EMAIL_OTP | SMS_OTP => {
                self.check_lockout(&user)?;
                let mut state = self.new_state(
                    pool,
                    client,
                    &user,
                    choice,
                    client.auth_session_seconds() as f64,
                );
                dev.carry(&mut state);
                state.data.insert("first_factor".into(), "1".into());
                self.factor_challenge_with(pool, &user, state, meta).await
            }
            other => Err(CoreError::invalid_parameter(format!(
                "{other} is not an available challenge for the user."
            ))),
        }
    }

    /// After a passwordless code: the code was the only factor the user owes
    /// (cognito-compat: passwordless sign-in does not ask for MFA).
    pub(crate) async fn after_passwordless(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        meta: &CallMeta,
        dev: &DeviceCtx,
    ) -> CoreResult<AuthOutcome> {
        self.finish_sign_in(
            pool,
            client,
            user,
            "TokenGeneration_Authentication",
            meta,
            dev,
        )
        .await
    }
}
