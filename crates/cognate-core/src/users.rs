//! The user directory: usernames and aliases, attributes checked against the
//! pool schema and the client's permissions, passwords (SRP verifiers), codes,
//! sign-up and confirmation, forgotten passwords and the admin operations.

use crate::delivery::CodeDelivery;
use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::*;
use crate::ports::{StoreError, timestamp};
use crate::service::Cognate;
use crate::triggers::{CallMeta, flag, string_map, user_attributes};
use cognate_crypto::srp;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const SIGN_UP_CODE_SECONDS: f64 = 24.0 * 3600.0;
pub const RESET_CODE_SECONDS: f64 = 3600.0;
pub const VERIFY_CODE_SECONDS: f64 = 24.0 * 3600.0;
/// Wrong answers to one code before it is spent.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// Which rules apply when attributes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// SignUp: client write permissions, required attributes.
    SignUp,
    /// UpdateUserAttributes by the user: client write permissions, immutables.
    SelfUpdate,
    /// AdminCreateUser: anything in the schema, required attributes.
    AdminCreate,
    /// AdminUpdateUserAttributes: anything mutable in the schema.
    AdminUpdate,
}

impl WriteMode {
    fn creating(self) -> bool {
        matches!(self, WriteMode::SignUp | WriteMode::AdminCreate)
    }
    fn admin(self) -> bool {
        matches!(self, WriteMode::AdminCreate | WriteMode::AdminUpdate)
    }
}

fn schema_error(name: &str, what: &str) -> CoreError {
    CoreError::invalid_parameter(format!(
        "Attributes did not conform to the schema: {name}: {what}"
    ))
}

fn valid_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !v.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

fn valid_phone(v: &str) -> bool {
    v.strip_prefix('+')
        .is_some_and(|d| (4..=20).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

/// Checks attribute writes against the schema, the client's write permissions
/// and Cognito's value rules. Returns the attributes to write.
pub fn check_attributes(
    pool: &UserPool,
    client: Option<&AppClient>,
    attrs: &[(String, String)],
    mode: WriteMode,
) -> CoreResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (name, value) in attrs {
        let schema_name = if name.starts_with("custom:") && pool.attribute(name).is_none() {
            format!("dev:{name}")
        } else {
            name.clone()
        };
        let Some(attr) = pool.attribute(&schema_name) else {
            return Err(schema_error(
                name,
                "Attribute does not exist in the schema.",
            ));
        };
        if name == "sub" || name == "identities" {
            return Err(schema_error(name, "Attribute cannot be updated."));
        }
        if attr.developer_only_attribute == Some(true) && !mode.admin() {
            return Err(CoreError::not_authorized(
                "A client attempted to write unauthorized attribute",
            ));
        }
        if !mode.admin() {
            let allowed = match client {
                Some(c) if !c.settings.write_attributes.is_empty() => {
                    c.settings.write_attributes.contains(name)
                }
                _ => !name.ends_with("_verified"),
            };
            if !allowed {
                return Err(CoreError::not_authorized(
                    "A client attempted to write unauthorized attribute",
                ));
            }
        }
        if !mode.creating() && attr.mutable == Some(false) {
            return Err(schema_error(
                name,
                "Attribute cannot be updated. (changing an immutable attribute)",
            ));
        }
        match attr.attribute_data_type.as_deref() {
            Some("Number") => {
                let n: f64 = value
                    .trim()
                    .parse()
                    .map_err(|_| schema_error(name, "Number must be a number."))?;
                let c = attr
                    .number_attribute_constraints
                    .clone()
                    .unwrap_or_default();
                let below = c
                    .min_value
                    .and_then(|m| m.parse::<f64>().ok())
                    .is_some_and(|m| n < m);
                let above = c
                    .max_value
                    .and_then(|m| m.parse::<f64>().ok())
                    .is_some_and(|m| n > m);
                if below || above {
                    return Err(schema_error(
                        name,
                        "Number is out of the attribute's range.",
                    ));
                }
            }
            Some("Boolean") => {
                if value != "true" && value != "false" {
                    return Err(schema_error(name, "Boolean must be true or false."));
                }
            }
            Some("DateTime") => {
                if value.trim().parse::<i64>().is_err() {
                    return Err(schema_error(name, "DateTime must be a number of seconds."));
                }
            }
            _ => {
                let c = attr
                    .string_attribute_constraints
                    .clone()
                    .unwrap_or_default();
                let len = value.chars().count() as i64;
                if let Some(max) = c.max_length.and_then(|m| m.parse::<i64>().ok())
                    && len > max
                {
                    return Err(schema_error(
                        name,
                        &format!("String must be no longer than {max} characters"),
                    ));
                }
                if let Some(min) = c.min_length.and_then(|m| m.parse::<i64>().ok())
                    && len < min
                    && !value.is_empty()
                {
                    return Err(schema_error(
                        name,
                        &format!("String must be at least {min} characters"),
                    ));
                }
            }
        }
        if value.is_empty() && !mode.creating() {
            // cognito-compat: an update with a blank value deletes the attribute.
            if attr.required == Some(true) {
                return Err(schema_error(name, "The attribute is required"));
            }
            out.insert(schema_name, String::new());
            continue;
        }
        if name == "email" && !valid_email(value) {
            return Err(CoreError::invalid_parameter(
                "Invalid email address format.",
            ));
        }
        if name == "phone_number" && !valid_phone(value) {
            return Err(CoreError::invalid_parameter("Invalid phone number format."));
        }
        out.insert(schema_name, value.clone());
    }
    Ok(out)
}

/// Cognito's password-policy check.
pub fn check_password_policy(pool: &UserPool, password: &str) -> CoreResult<()> {
    let policy = pool
        .settings
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.clone())
        .unwrap_or_default();
    let fail = |what: &str| {
        Err(CoreError::new(
            ErrorKind::InvalidPassword,
            format!("Password did not conform with policy: {what}"),
        ))
    };
    let min = policy.minimum_length.unwrap_or(8);
    if (password.chars().count() as i64) < min {
        return fail("Password not long enough");
    }
    if policy.require_uppercase == Some(true) && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase == Some(true) && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers == Some(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";
    if policy.require_symbols == Some(true) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return fail("Password must have symbol characters");
    }
    if password.starts_with(' ') || password.ends_with(' ') {
        return fail("Password must not start or end with a space");
    }
    Ok(())
}

/// A temporary password that satisfies the pool's policy.
pub fn generate_password(pool: &UserPool) -> String {
    use cognate_crypto::random_string;
    let min = pool
        .settings
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.as_ref())
        .and_then(|p| p.minimum_length)
        .unwrap_or(8)
        .max(12) as usize;
    // One of each class first, then random alphanumerics.
    let mut p = String::new();
    p.push_str(&random_string(1, b"ABCDEFGHJKLMNPQRSTUVWXYZ"));
    p.push_str(&random_string(1, b"abcdefghijkmnopqrstuvwxyz"));
    p.push_str(&random_string(1, b"23456789"));
    p.push_str(&random_string(1, b"!#%+=.-"));
    p.push_str(&random_string(min - 4, cognate_crypto::ALNUM));
    p
}

fn hash_code(pool_id: &str, username_key: &str, purpose: CodePurpose, code: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [pool_id, username_key, purpose.as_str(), code] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

impl UserPool {
    /// The key a username is stored and compared under.
    pub fn username_key(&self, username: &str) -> String {
        if self.case_sensitive() {
            username.to_string()
        } else {
            username.to_lowercase()
        }
    }

    fn alias_key(&self, value: &str) -> String {
        self.username_key(value)
    }

    /// Which alias keys a user with these attributes holds in this pool.
    pub fn alias_keys(&self, attrs: &BTreeMap<String, String>) -> AliasKeys {
        let holds = |attr: &str, needs_verified: bool| -> Option<String> {
            let in_username = self.username_attributes.iter().any(|a| a == attr);
            let in_alias = self.alias_attributes.iter().any(|a| a == attr);
            let verified =
                attrs.get(&format!("{attr}_verified")).map(String::as_str) == Some("true");
            let value = attrs.get(attr)?;
            (in_username || (in_alias && (verified || !needs_verified)))
                .then(|| self.alias_key(value))
        };
        AliasKeys {
            email: holds("email", true),
            phone_number: holds("phone_number", true),
            preferred_username: holds("preferred_username", false),
        }
    }

    fn uses_username_attributes(&self) -> bool {
        !self.username_attributes.is_empty()
    }
}

/// What SignUp returns.
#[derive(Debug, Clone)]
pub struct SignUpOutcome {
    pub user: User,
    pub delivery: Option<CodeDelivery>,
}

/// Sign-up request members the domain needs.
#[derive(Debug, Clone, Default)]
pub struct SignUpRequest {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub password: String,
    pub attributes: Vec<(String, String)>,
    pub meta: CallMeta,
}

/// AdminCreateUser request members.
#[derive(Debug, Clone, Default)]
pub struct AdminCreateUserRequest {
    pub pool_id: String,
    pub username: String,
    pub attributes: Vec<(String, String)>,
    pub temporary_password: Option<String>,
    pub force_alias_creation: bool,
    pub message_action: Option<String>,
    pub desired_delivery_mediums: Vec<String>,
    pub meta: CallMeta,
}

impl Cognate {
    pub async fn client_by_id(&self, client_id: &str) -> CoreResult<(UserPool, AppClient)> {
        let (stored, pool) = self
            .store
            .get_client_with_pool(client_id)
            .await?
            .ok_or_else(|| CoreError::client_not_found(client_id))?;
        let client = self.open_stored(stored)?;
        Ok((pool, client))
    }

    /// SECRET_HASH / SecretHash for clients with a secret. Accepts a hash over any
    /// of the names the caller may reasonably have used.
    pub fn check_secret_hash(
        &self,
        client: &AppClient,
        names: &[&str],
        given: Option<&str>,
    ) -> CoreResult<()> {
        let Some(secret) = &client.client_secret else {
            return Ok(());
        };
        let Some(given) = given else {
            return Err(CoreError::not_authorized(format!(
                "Client {} is configured with secret but SECRET_HASH was not received",
                client.client_id
            )));
        };
        if names
            .iter()
            .any(|n| cognate_crypto::verify_secret_hash(secret, n, &client.client_id, given))
        {
            Ok(())
        } else {
            Err(CoreError::not_authorized(format!(
                "Unable to verify secret hash for client {}",
                client.client_id
            )))
        }
    }

    /// Finds a user by username, then (where the pool allows) by sub and aliases.
    pub async fn find_user(&self, pool: &UserPool, input: &str) -> CoreResult<Option<User>> {
        if let Some(u) = self
            .store
            .get_user(&pool.id, &pool.username_key(input))
            .await?
        {
            return Ok(Some(u));
        }
        if pool.uses_username_attributes()
            && let Some(u) = self.store.get_user_by_sub(&pool.id, input).await?
        {
            return Ok(Some(u));
        }
        let key = pool.alias_key(input);
        for attr in ["email", "phone_number", "preferred_username"] {
            let eligible = pool
                .username_attributes
                .iter()
                .chain(&pool.alias_attributes)
                .any(|a| a == attr);
            if eligible && let Some(u) = self.store.get_user_by_alias(&pool.id, attr, &key).await? {
                return Ok(Some(u));
            }
        }
        Ok(None)
    }

    pub async fn require_user(&self, pool: &UserPool, input: &str) -> CoreResult<User> {
        self.find_user(pool, input)
            .await?
            .ok_or_else(CoreError::user_not_found)
    }

    /// Saves a user, turning an alias clash into AliasExistsException.
    pub(crate) async fn save_user(&self, user: &mut User) -> CoreResult<()> {
        user.modified = timestamp(self.now());
        match self.store.update_user(user).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CoreError::user_not_found()),
            Err(StoreError::AliasTaken(attr)) => Err(alias_exists(attr)),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn set_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        password: &str,
    ) -> CoreResult<()> {
        let history = pool
            .settings
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.as_ref())
            .and_then(|p| p.password_history_size)
            .unwrap_or(0) as usize;
        let pool_name = pool.id.split_once('_').map_or(pool.id.as_str(), |(_, n)| n);
        if history > 0 {
            let previous = user
                .password
                .iter()
                .chain(user.state.password_history.iter());
            if previous
                .take(history)
                .any(|p| check_record(pool_name, &user.username, password, p))
            {
                return Err(CoreError::new(
                    ErrorKind::PasswordHistoryPolicyViolation,
                    "The password has been used recently; choose another one.",
                ));
            }
        }
        let v = srp::make_verifier(pool_name, &user.username, password);
        let record = PasswordRecord {
            salt: v.salt_hex,
            verifier: v.verifier_hex,
        };
        if let Some(old) = user.password.replace(record) {
            user.state.password_history.insert(0, old);
            user.state.password_history.truncate(history.clamp(1, 24));
            if history == 0 {
                user.state.password_history.clear();
            }
        }
        Ok(())
    }

    /// Checks a plaintext password by recomputing the SRP verifier.
    pub fn password_matches(&self, pool: &UserPool, user: &User, password: &str) -> bool {
        let pool_name = pool.id.split_once('_').map_or(pool.id.as_str(), |(_, n)| n);
        user.password
            .as_ref()
            .is_some_and(|p| check_record(pool_name, &user.username, password, p))
    }

    async fn issue_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        ttl: f64,
    ) -> CoreResult<String> {
        let code = cognate_crypto::random_string(6, b"0123456789");
        let stored = StoredCode {
            code_hash: hash_code(&pool.id, &user.username_key, purpose, &code),
            expires_at: timestamp(self.now()) + ttl,
            attempts: 0,
        };
        self.store
            .put_code(&pool.id, &user.username_key, purpose, &stored)
            .await?;
        Ok(code)
    }

    /// Checks a code; a wrong one counts, an expired or spent one is ExpiredCode.
    async fn redeem_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        code: &str,
        consume: bool,
    ) -> CoreResult<()> {
        let expired = || {
            CoreError::new(
                ErrorKind::ExpiredCode,
                "Invalid code provided, please request a code again.",
            )
        };
        let Some(stored) = self
            .store
            .get_code(&pool.id, &user.username_key, purpose)
            .await?
        else {
            return Err(expired());
        };
        if stored.expires_at < timestamp(self.now()) || stored.attempts >= MAX_CODE_ATTEMPTS {
            return Err(expired());
        }
        let given = hash_code(&pool.id, &user.username_key, purpose, code);
        if !cognate_crypto::constant_time_eq(given.as_bytes(), stored.code_hash.as_bytes()) {
            let n = self
                .store
                .bump_code_attempts(&pool.id, &user.username_key, purpose)
                .await?;
            if n >= MAX_CODE_ATTEMPTS {
                return Err(CoreError::new(
                    ErrorKind::LimitExceeded,
                    "Attempt limit exceeded, please try after some time.",
                ));
            }
            return Err(CoreError::new(
                ErrorKind::CodeMismatch,
                "Invalid verification code provided, please try again.",
            ));
        }
        if consume {
            self.store
                .delete_code(&pool.id, &user.username_key, purpose)
                .await?;
        }
        Ok(())
    }

    /// Where sign-up confirmation codes go: SMS when phone_number is auto-verified
    /// and present, else email.
    fn sign_up_channel(pool: &UserPool, user: &User) -> Option<Channel> {
        let auto = &pool.settings.auto_verified_attributes;
        if auto.iter().any(|a| a == "phone_number") && user.attr("phone_number").is_some() {
            Some(Channel::Sms)
        } else if auto.iter().any(|a| a == "email") && user.attr("email").is_some() {
            Some(Channel::Email)
        } else {
            None
        }
    }

    /// Where ForgotPassword codes go, by AccountRecoverySetting or Cognito's legacy order.
    fn recovery_channel(pool: &UserPool, user: &User) -> CoreResult<Channel> {
        let verified_phone =
            user.attr("phone_number").is_some() && user.is_verified("phone_number");
        let verified_email = user.attr("email").is_some() && user.is_verified("email");
        let none = || {
            CoreError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        };
        match &pool.settings.account_recovery_setting {
            Some(setting) if !setting.recovery_mechanisms.is_empty() => {
                let mut mechanisms = setting.recovery_mechanisms.clone();
                mechanisms.sort_by_key(|m| m.priority);
                for m in mechanisms {
                    match m.name.as_str() {
                        "verified_email" if verified_email => return Ok(Channel::Email),
                        "verified_phone_number" if verified_phone => return Ok(Channel::Sms),
                        "admin_only" => {
                            return Err(CoreError::not_authorized(
                                "Cannot reset password for the user as the account recovery is admin only.",
                            ));
                        }
                        _ => {}
                    }
                }
                Err(none())
            }
            _ if verified_phone => Ok(Channel::Sms),
            _ if verified_email => Ok(Channel::Email),
            _ => Err(none()),
        }
    }

    fn new_user(
        &self,
        pool: &UserPool,
        username: String,
        attributes: BTreeMap<String, String>,
        status: &str,
    ) -> User {
        let now = timestamp(self.now());
        let sub = uuid::Uuid::new_v4().to_string();
        let username = if pool.uses_username_attributes() {
            sub.clone()
        } else {
            username
        };
        let mut attributes = attributes;
        attributes.insert("sub".into(), sub.clone());
        User {
            pool_id: pool.id.clone(),
            username_key: pool.username_key(&username),
            username,
            sub,
            status: status.into(),
            enabled: true,
            aliases: pool.alias_keys(&attributes),
            attributes,
            password: None,
            state: UserState::default(),
            created: now,
            modified: now,
        }
    }

    /// For username-attribute pools the Username is an email or phone number and
    /// becomes that attribute; elsewhere it must not look like one of the aliases.
    fn username_to_attributes(
        pool: &UserPool,
        username: &str,
        attrs: &mut BTreeMap<String, String>,
    ) -> CoreResult<()> {
        if pool.uses_username_attributes() {
            let as_email =
                pool.username_attributes.iter().any(|a| a == "email") && valid_email(username);
            let as_phone = pool.username_attributes.iter().any(|a| a == "phone_number")
                && valid_phone(username);
            if as_email {
                attrs.insert("email".into(), username.to_string());
            } else if as_phone {
                attrs.insert("phone_number".into(), username.to_string());
            } else {
                let kinds = pool.username_attributes.join(" or ");
                return Err(CoreError::invalid_parameter(format!(
                    "Username should be either an {kinds}."
                )));
            }
        } else if !pool.alias_attributes.is_empty()
            && (valid_email(username) || valid_phone(username))
        {
            return Err(CoreError::invalid_parameter(
                "Username cannot be of email format, since user pool is configured for email alias.",
            ));
        }
        Ok(())
    }

    fn check_required(pool: &UserPool, attrs: &BTreeMap<String, String>) -> CoreResult<()> {
        for a in &pool.schema_attributes {
            if a.required == Some(true) && a.name() != "sub" && !attrs.contains_key(a.name()) {
                return Err(schema_error(a.name(), "The attribute is required"));
            }
        }
        Ok(())
    }

    /// Inserts a new user, mapping clashes to Cognito's errors.
    async fn insert_user(&self, pool: &UserPool, user: &User) -> CoreResult<()> {
        match self.store.create_user(user).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => Err(CoreError::new(
                ErrorKind::UsernameExists,
                "User already exists",
            )),
            Err(StoreError::AliasTaken(attr)) if pool.uses_username_attributes() => {
                Err(CoreError::new(
                    ErrorKind::UsernameExists,
                    format!(
                        "An account with the given {} already exists.",
                        attr_word(attr)
                    ),
                ))
            }
            Err(StoreError::AliasTaken(attr)) => Err(alias_exists(attr)),
            Err(e) => Err(e.into()),
        }
    }

    /// PreSignUp: a rejection stops the call before anything is written.
    pub(crate) async fn pre_sign_up(
        &self,
        pool: &UserPool,
        user: &User,
        source: &str,
        meta: &CallMeta,
    ) -> CoreResult<Option<Map<String, Value>>> {
        let mut request = Map::new();
        let mut attrs = user_attributes(user);
        if let Some(o) = attrs.as_object_mut() {
            o.remove("cognito:user_status");
            o.remove("sub");
        }
        request.insert("userAttributes".into(), attrs);
        request.insert(
            "validationData".into(),
            if meta.validation_data.is_empty() {
                Value::Null
            } else {
                string_map(&meta.validation_data)
            },
        );
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        self.fire(pool, "PreSignUp", source, &user.username, meta, request)
            .await
    }

    pub async fn sign_up(&self, req: SignUpRequest) -> CoreResult<SignUpOutcome> {
        let (pool, client) = self.client_by_id(&req.client_id).await?;
        self.check_secret_hash(&client, &[&req.username], req.secret_hash.as_deref())?;
        if pool
            .settings
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.allow_admin_create_user_only)
            == Some(true)
        {
            return Err(CoreError::not_authorized(
                "SignUp is not permitted for this user pool",
            ));
        }
        let mut attrs = check_attributes(&pool, Some(&client), &req.attributes, WriteMode::SignUp)?;
        Self::username_to_attributes(&pool, &req.username, &mut attrs)?;
        Self::check_required(&pool, &attrs)?;
        check_password_policy(&pool, &req.password)?;
        let mut user = self.new_user(&pool, req.username.clone(), attrs, "UNCONFIRMED");
        self.set_password(&pool, &mut user, &req.password)?;
        let response = self
            .pre_sign_up(&pool, &user, "PreSignUp_SignUp", &req.meta)
            .await?;
        if let Some(r) = &response {
            if flag(r, "autoVerifyEmail")? {
                if user.attr("email").is_none() {
                    return Err(CoreError::new(
                        ErrorKind::InvalidLambdaResponse,
                        "Invalid lambda response: autoVerifyEmail needs an email attribute.",
                    ));
                }
                user.attributes
                    .insert("email_verified".into(), "true".into());
            }
            if flag(r, "autoVerifyPhone")? {
                if user.attr("phone_number").is_none() {
                    return Err(CoreError::new(
                        ErrorKind::InvalidLambdaResponse,
                        "Invalid lambda response: autoVerifyPhone needs a phone_number attribute.",
                    ));
                }
                user.attributes
                    .insert("phone_number_verified".into(), "true".into());
            }
            if flag(r, "autoConfirmUser")? {
                user.status = "CONFIRMED".into();
            }
            user.aliases = pool.alias_keys(&user.attributes);
        }
        let auto_confirmed = user.status == "CONFIRMED";
        if auto_confirmed && user.aliases != AliasKeys::default() {
            // Auto-verified aliases move from an older holder, as a confirmation would.
            let aliases = user.aliases.clone();
            user.aliases = AliasKeys::default();
            self.insert_user(&pool, &user).await?;
            user.aliases = aliases;
            if let Err(e) = self.save_with_aliases(&pool, &mut user, true).await {
                self.store.delete_user(&pool.id, &user.username_key).await?;
                return Err(e);
            }
        } else {
            self.insert_user(&pool, &user).await?;
        }
        if auto_confirmed {
            self.post_confirmation(&pool, &user, "PostConfirmation_ConfirmSignUp", &req.meta)
                .await?;
            return Ok(SignUpOutcome {
                user,
                delivery: None,
            });
        }
        let delivery = match Self::sign_up_channel(&pool, &user) {
            None => None,
            Some(channel) => match self
                .send_code(
                    &pool,
                    &user,
                    channel,
                    CodePurpose::SignUp,
                    SIGN_UP_CODE_SECONDS,
                    "SignUp",
                    &req.meta,
                )
                .await
            {
                Ok(d) => Some(d),
                Err(e) => {
                    // No half-created users: a sign-up whose code could not be sent is undone.
                    self.store.delete_user(&pool.id, &user.username_key).await?;
                    return Err(e);
                }
            },
        };
        tracing::info!(pool_id = %pool.id, "user signed up");
        Ok(SignUpOutcome { user, delivery })
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_code(
        &self,
        pool: &UserPool,
        user: &User,
        channel: Channel,
        purpose: CodePurpose,
        ttl: f64,
        reason: &str,
        meta: &CallMeta,
    ) -> CoreResult<CodeDelivery> {
        let destination = user
            .state
            .pending_attributes
            .get(channel.attribute())
            .or_else(|| user.attributes.get(channel.attribute()))
            .cloned()
            .ok_or_else(|| {
                CoreError::invalid_parameter(format!("User has no {}.", channel.attribute()))
            })?;
        let code = self.issue_code(pool, user, purpose, ttl).await?;
        let text = match self
            .message_text(pool, user, channel, reason, &code, false, meta)
            .await
        {
            Ok(t) => t,
            Err(e) => {
                self.store
                    .delete_code(&pool.id, &user.username_key, purpose)
                    .await?;
                return Err(e);
            }
        };
        match self
            .deliver(pool, user, channel, &destination, text, reason)
            .await
        {
            Ok(d) => Ok(d),
            Err(e) => {
                self.store
                    .delete_code(&pool.id, &user.username_key, purpose)
                    .await?;
                Err(e)
            }
        }
    }

    /// ConfirmSignUp (client) and AdminConfirmSignUp (code = None).
    pub async fn confirm_sign_up(
        &self,
        pool: &UserPool,
        user: &mut User,
        code: Option<&str>,
        force_alias_creation: bool,
        meta: &CallMeta,
    ) -> CoreResult<()> {
        if user.status != "UNCONFIRMED" {
            return Err(CoreError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        if let Some(code) = code {
            self.redeem_code(pool, user, CodePurpose::SignUp, code, false)
                .await?;
            // The code proves the attribute it was sent to.
            if let Some(channel) = Self::sign_up_channel(pool, user) {
                user.attributes
                    .insert(format!("{}_verified", channel.attribute()), "true".into());
            }
        }
        user.status = "CONFIRMED".into();
        self.save_with_aliases(pool, user, force_alias_creation)
            .await?;
        // The code is spent only once the confirmation has happened (an alias clash
        // leaves it usable for a retry with ForceAliasCreation).
        self.store
            .delete_code(&pool.id, &user.username_key, CodePurpose::SignUp)
            .await?;
        self.post_confirmation(pool, user, "PostConfirmation_ConfirmSignUp", meta)
            .await
    }

    /// PostConfirmation: a failing handler is reported, but the confirmation stands.
    pub(crate) async fn post_confirmation(
        &self,
        pool: &UserPool,
        user: &User,
        source: &str,
        meta: &CallMeta,
    ) -> CoreResult<()> {
        let mut request = Map::new();
        request.insert("userAttributes".into(), user_attributes(user));
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        self.fire(
            pool,
            "PostConfirmation",
            source,
            &user.username,
            meta,
            request,
        )
        .await?;
        Ok(())
    }

    /// Saves a user whose aliases may have changed. With `force`, an alias held by
    /// another user moves to this one (and the other's attribute becomes unverified).
    pub(crate) async fn save_with_aliases(
        &self,
        pool: &UserPool,
        user: &mut User,
        force: bool,
    ) -> CoreResult<()> {
        user.aliases = pool.alias_keys(&user.attributes);
        let wanted = [
            ("email", user.aliases.email.clone()),
            ("phone_number", user.aliases.phone_number.clone()),
            (
                "preferred_username",
                user.aliases.preferred_username.clone(),
            ),
        ];
        for (attr, key) in wanted {
            let Some(key) = key else { continue };
            let Some(mut other) = self.store.get_user_by_alias(&pool.id, attr, &key).await? else {
                continue;
            };
            if other.username_key == user.username_key {
                continue;
            }
            if !force || pool.uses_username_attributes() {
                return Err(alias_exists(attr));
            }
            other
                .attributes
                .insert(format!("{attr}_verified"), "false".into());
            other.aliases = pool.alias_keys(&other.attributes);
            match attr {
                "email" => other.aliases.email = None,
                "phone_number" => other.aliases.phone_number = None,
                _ => other.aliases.preferred_username = None,
            }
            self.save_user(&mut other).await?;
        }
        self.save_user(user).await
    }

    /// ResendConfirmationCode.
    pub async fn resend_confirmation_code(
        &self,
        pool: &UserPool,
        user: &User,
        meta: &CallMeta,
    ) -> CoreResult<CodeDelivery> {
        if user.status != "UNCONFIRMED" {
            return Err(CoreError::invalid_parameter("User is already confirmed."));
        }
        let channel = Self::sign_up_channel(pool, user)
            .ok_or_else(|| CoreError::invalid_parameter("Auto verification not turned on."))?;
        self.send_code(
            pool,
            user,
            channel,
            CodePurpose::SignUp,
            SIGN_UP_CODE_SECONDS,
            "ResendCode",
            meta,
        )
        .await
    }

    /// ForgotPassword (and the code AdminResetUserPassword sends).
    pub async fn forgot_password(
        &self,
        pool: &UserPool,
        user: &User,
        reason: &str,
        meta: &CallMeta,
    ) -> CoreResult<CodeDelivery> {
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        let channel = Self::recovery_channel(pool, user)?;
        self.send_code(
            pool,
            user,
            channel,
            CodePurpose::ForgotPassword,
            RESET_CODE_SECONDS,
            reason,
            meta,
        )
        .await
    }

    /// A channel for a simulated CodeDeliveryDetails (PreventUserExistenceErrors).
    pub fn simulated_delivery(pool: &UserPool, username: &str) -> CodeDelivery {
        let channel = if valid_phone(username)
            || (pool
                .settings
                .auto_verified_attributes
                .iter()
                .all(|a| a == "phone_number")
                && !pool.settings.auto_verified_attributes.is_empty())
        {
            Channel::Sms
        } else {
            Channel::Email
        };
        let destination = if valid_email(username) || valid_phone(username) {
            crate::delivery::mask(channel, username)
        } else {
            crate::delivery::mask(
                channel,
                if channel == Channel::Email {
                    "x@x"
                } else {
                    "+00000000000"
                },
            )
        };
        CodeDelivery {
            destination,
            medium: channel,
            attribute: channel.attribute().to_string(),
        }
    }

    /// ConfirmForgotPassword.
    pub async fn confirm_forgot_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        code: &str,
        password: &str,
        meta: &CallMeta,
    ) -> CoreResult<()> {
        check_password_policy(pool, password)?;
        self.redeem_code(pool, user, CodePurpose::ForgotPassword, code, true)
            .await?;
        self.set_password(pool, user, password)?;
        if matches!(
            user.status.as_str(),
            "RESET_REQUIRED" | "FORCE_CHANGE_PASSWORD"
        ) {
            user.status = "CONFIRMED".into();
        }
        user.state.temporary_password_expires = None;
        self.save_user(user).await?;
        self.post_confirmation(pool, user, "PostConfirmation_ConfirmForgotPassword", meta)
            .await
    }

    pub async fn admin_create_user(&self, req: AdminCreateUserRequest) -> CoreResult<User> {
        let pool = self.require_pool(&req.pool_id).await?;
        let resend = req.message_action.as_deref() == Some("RESEND");
        let suppress = req.message_action.as_deref() == Some("SUPPRESS");
        let temp_password = match &req.temporary_password {
            Some(p) => {
                check_password_policy(&pool, p)?;
                p.clone()
            }
            None => generate_password(&pool),
        };
        let validity_days = pool
            .settings
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.as_ref())
            .and_then(|p| p.temporary_password_validity_days)
            .filter(|d| *d > 0)
            .unwrap_or(7);
        let expires = timestamp(self.now()) + validity_days as f64 * 86400.0;
        let user = if resend {
            let mut user = self.require_user(&pool, &req.username).await?;
            if user.status != "FORCE_CHANGE_PASSWORD" {
                return Err(CoreError::new(
                    ErrorKind::UnsupportedUserState,
                    format!(
                        "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                        user.username
                    ),
                ));
            }
            self.set_password(&pool, &mut user, &temp_password)?;
            user.state.temporary_password_expires = Some(expires);
            self.save_user(&mut user).await?;
            user
        } else {
            let mut attrs = check_attributes(&pool, None, &req.attributes, WriteMode::AdminCreate)?;
            Self::username_to_attributes(&pool, &req.username, &mut attrs)?;
            let mut user =
                self.new_user(&pool, req.username.clone(), attrs, "FORCE_CHANGE_PASSWORD");
            // cognito-compat: PreSignUp runs for AdminCreateUser, but its flags are ignored.
            self.pre_sign_up(&pool, &user, "PreSignUp_AdminCreateUser", &req.meta)
                .await?;
            self.set_password(&pool, &mut user, &temp_password)?;
            user.state.temporary_password_expires = Some(expires);
            if req.force_alias_creation {
                let aliases = user.aliases.clone();
                user.aliases = AliasKeys::default();
                self.insert_user(&pool, &user).await?;
                user.aliases = aliases;
                if let Err(e) = self.save_with_aliases(&pool, &mut user, true).await {
                    self.store.delete_user(&pool.id, &user.username_key).await?;
                    return Err(e);
                }
            } else {
                self.insert_user(&pool, &user).await?;
            }
            user
        };
        if !suppress {
            let mediums = if req.desired_delivery_mediums.is_empty() {
                vec!["SMS".to_string()]
            } else {
                req.desired_delivery_mediums.clone()
            };
            for medium in mediums {
                let channel = if medium == "EMAIL" {
                    Channel::Email
                } else {
                    Channel::Sms
                };
                let Some(destination) = user.attr(channel.attribute()).map(str::to_string) else {
                    continue;
                };
                let sent = match self
                    .message_text(
                        &pool,
                        &user,
                        channel,
                        "AdminCreateUser",
                        &temp_password,
                        true,
                        &req.meta,
                    )
                    .await
                {
                    Ok(text) => {
                        self.deliver(&pool, &user, channel, &destination, text, "AdminCreateUser")
                            .await
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = sent {
                    if !resend {
                        self.store.delete_user(&pool.id, &user.username_key).await?;
                    }
                    return Err(e);
                }
            }
        }
        Ok(user)
    }

    pub async fn admin_set_user_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        password: &str,
        permanent: bool,
    ) -> CoreResult<()> {
        check_password_policy(pool, password)?;
        self.set_password(pool, user, password)?;
        if permanent {
            if user.status != "EXTERNAL_PROVIDER" {
                user.status = "CONFIRMED".into();
            }
            user.state.temporary_password_expires = None;
        } else {
            user.status = "FORCE_CHANGE_PASSWORD".into();
            let days = pool
                .settings
                .policies
                .as_ref()
                .and_then(|p| p.password_policy.as_ref())
                .and_then(|p| p.temporary_password_validity_days)
                .filter(|d| *d > 0)
                .unwrap_or(7);
            user.state.temporary_password_expires =
                Some(timestamp(self.now()) + days as f64 * 86400.0);
        }
        self.save_user(user).await
    }

    pub async fn admin_reset_user_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        meta: &CallMeta,
    ) -> CoreResult<Option<CodeDelivery>> {
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        if user.status == "UNCONFIRMED" {
            return Err(CoreError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
        user.status = "RESET_REQUIRED".into();
        self.save_user(user).await?;
        match Self::recovery_channel(pool, user) {
            Ok(_) => Ok(Some(
                self.forgot_password(pool, user, "AdminResetUserPassword", meta)
                    .await?,
            )),
            Err(_) => Ok(None),
        }
    }

    /// Writes attributes (admin or self-service). Changing email or phone resets
    /// its `_verified` flag and, when the pool auto-verifies it, sends a code.
    /// With AttributesRequireVerificationBeforeUpdate the old value stays until
    /// the new one is verified.
    pub async fn update_attributes(
        &self,
        pool: &UserPool,
        client: Option<&AppClient>,
        user: &mut User,
        attrs: &[(String, String)],
        mode: WriteMode,
        meta: &CallMeta,
    ) -> CoreResult<Vec<CodeDelivery>> {
        let checked = check_attributes(pool, client, attrs, mode)?;
        let keep_old: Vec<String> = pool
            .settings
            .user_attribute_update_settings
            .as_ref()
            .map(|s| s.attributes_require_verification_before_update.clone())
            .unwrap_or_default();
        let mut to_verify = Vec::new();
        for (name, value) in &checked {
            let channel_attr = name == "email" || name == "phone_number";
            if value.is_empty() {
                user.attributes.remove(name);
                if channel_attr {
                    user.attributes.remove(&format!("{name}_verified"));
                    user.state.pending_attributes.remove(name);
                }
                continue;
            }
            let changed = user.attr(name) != Some(value.as_str());
            let verified_given =
                checked.get(&format!("{name}_verified")).map(String::as_str) == Some("true");
            if channel_attr && changed && !verified_given {
                if keep_old.contains(name) && user.attr(name).is_some() {
                    user.state
                        .pending_attributes
                        .insert(name.clone(), value.clone());
                } else {
                    user.attributes.insert(name.clone(), value.clone());
                    user.attributes
                        .insert(format!("{name}_verified"), "false".into());
                }
                if pool.settings.auto_verified_attributes.contains(name) {
                    to_verify.push(name.clone());
                }
            } else {
                user.attributes.insert(name.clone(), value.clone());
                if channel_attr {
                    user.state.pending_attributes.remove(name);
                }
            }
        }
        self.save_with_aliases(pool, user, false).await?;
        let mut deliveries = Vec::new();
        // Changed email / phone numbers get a verification code (admin and self-service).
        if matches!(mode, WriteMode::SelfUpdate | WriteMode::AdminUpdate) {
            for name in to_verify {
                deliveries.push(
                    self.attribute_code(pool, user, &name, "UpdateUserAttribute", meta)
                        .await?,
                );
            }
        }
        Ok(deliveries)
    }

    /// GetUserAttributeVerificationCode.
    pub async fn send_attribute_code(
        &self,
        pool: &UserPool,
        user: &User,
        attribute: &str,
        meta: &CallMeta,
    ) -> CoreResult<CodeDelivery> {
        self.attribute_code(pool, user, attribute, "VerifyUserAttribute", meta)
            .await
    }

    async fn attribute_code(
        &self,
        pool: &UserPool,
        user: &User,
        attribute: &str,
        reason: &str,
        meta: &CallMeta,
    ) -> CoreResult<CodeDelivery> {
        let (channel, purpose) = match attribute {
            "email" => (Channel::Email, CodePurpose::VerifyEmail),
            "phone_number" => (Channel::Sms, CodePurpose::VerifyPhone),
            _ => {
                return Err(CoreError::invalid_parameter(format!(
                    "Attribute {attribute} cannot be verified."
                )));
            }
        };
        self.send_code(
            pool,
            user,
            channel,
            purpose,
            VERIFY_CODE_SECONDS,
            reason,
            meta,
        )
        .await
    }

    /// VerifyUserAttribute.
    pub async fn verify_attribute(
        &self,
        pool: &UserPool,
        user: &mut User,
        attribute: &str,
        code: &str,
    ) -> CoreResult<()> {
        let purpose = match attribute {
            "email" => CodePurpose::VerifyEmail,
            "phone_number" => CodePurpose::VerifyPhone,
            _ => {
                return Err(CoreError::invalid_parameter(format!(
                    "Attribute {attribute} cannot be verified."
                )));
            }
        };
        self.redeem_code(pool, user, purpose, code, true).await?;
        if let Some(v) = user.state.pending_attributes.remove(attribute) {
            user.attributes.insert(attribute.to_string(), v);
        }
        user.attributes
            .insert(format!("{attribute}_verified"), "true".into());
        self.save_with_aliases(pool, user, false).await
    }

    pub async fn delete_attributes(
        &self,
        pool: &UserPool,
        user: &mut User,
        names: &[String],
        admin: bool,
    ) -> CoreResult<()> {
        for name in names {
            let schema_name = if name.starts_with("custom:") && pool.attribute(name).is_none() {
                format!("dev:{name}")
            } else {
                name.clone()
            };
            let Some(attr) = pool.attribute(&schema_name) else {
                return Err(schema_error(
                    name,
                    "Attribute does not exist in the schema.",
                ));
            };
            if name == "sub" || attr.required == Some(true) {
                return Err(schema_error(name, "The attribute is required"));
            }
            if attr.mutable == Some(false) {
                return Err(schema_error(
                    name,
                    "Attribute cannot be updated. (changing an immutable attribute)",
                ));
            }
            if attr.developer_only_attribute == Some(true) && !admin {
                return Err(CoreError::not_authorized(
                    "A client attempted to write unauthorized attribute",
                ));
            }
            user.attributes.remove(&schema_name);
            if name == "email" || name == "phone_number" {
                user.attributes.remove(&format!("{name}_verified"));
                user.state.pending_attributes.remove(name);
            }
        }
        self.save_with_aliases(pool, user, false).await
    }

    /// UserMigration: asks the pool's trigger for a user that is not here yet and
    /// creates it from the answer. `password` is given for sign-ins (the trigger
    /// checked it; it is stored as this user's password when the user ends up
    /// CONFIRMED). An empty answer means "no such user".
    pub async fn migrate_user(
        &self,
        pool: &UserPool,
        username: &str,
        password: Option<&str>,
        source: &str,
        meta: &CallMeta,
    ) -> CoreResult<Option<User>> {
        if Self::trigger_arn(pool, "UserMigration").is_none() {
            return Ok(None);
        }
        let mut request = Map::new();
        if let Some(p) = password {
            request.insert("password".into(), json!(p));
        }
        request.insert(
            "validationData".into(),
            if meta.validation_data.is_empty() {
                Value::Null
            } else {
                string_map(&meta.validation_data)
            },
        );
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        let Some(r) = self
            .fire(pool, "UserMigration", source, username, meta, request)
            .await?
        else {
            return Ok(None);
        };
        let Some(mut attrs) = crate::triggers::string_map_field(&r, "userAttributes")? else {
            return Ok(None);
        };
        attrs.remove("sub");
        attrs.remove("cognito:user_status");
        let pairs: Vec<(String, String)> = attrs.into_iter().collect();
        let mut checked =
            check_attributes(pool, None, &pairs, WriteMode::AdminCreate).map_err(|e| {
                CoreError::new(
                    ErrorKind::InvalidLambdaResponse,
                    format!("Invalid lambda response: {}", e.message),
                )
            })?;
        if pool.uses_username_attributes()
            && !checked.contains_key("email")
            && !checked.contains_key("phone_number")
        {
            Self::username_to_attributes(pool, username, &mut checked)?;
        }
        let confirmed =
            crate::triggers::text(&r, "finalUserStatus")?.as_deref() == Some("CONFIRMED");
        let status = if confirmed {
            "CONFIRMED"
        } else {
            "RESET_REQUIRED"
        };
        let mut user = self.new_user(pool, username.to_string(), checked, status);
        if let (Some(p), true) = (password, confirmed) {
            // cognito-compat: the migrated password is not held to the pool's policy.
            self.set_password(pool, &mut user, p)?;
        }
        if flag(&r, "enableSMSMFA")? && user.attr("phone_number").is_some() {
            let mut mfa = crate::mfa::UserMfa::of(&user);
            mfa.sms_enabled = true;
            user.state.extra.insert(
                "mfa".into(),
                serde_json::to_value(&mfa).unwrap_or(Value::Null),
            );
        }
        let force = flag(&r, "forceAliasCreation")?;
        if force && user.aliases != AliasKeys::default() {
            let aliases = user.aliases.clone();
            user.aliases = AliasKeys::default();
            self.insert_user(pool, &user).await?;
            user.aliases = aliases;
            if let Err(e) = self.save_with_aliases(pool, &mut user, true).await {
                self.store.delete_user(&pool.id, &user.username_key).await?;
                return Err(e);
            }
        } else {
            self.insert_user(pool, &user).await?;
        }
        tracing::info!(pool_id = %pool.id, "user migrated");
        Ok(Some(user))
    }

    /// ChangePassword: the previous password must match (when the user has one).
    pub async fn change_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        previous: Option<&str>,
        proposed: &str,
    ) -> CoreResult<()> {
        if user.password.is_some()
            && !previous.is_some_and(|p| self.password_matches(pool, user, p))
        {
            return Err(CoreError::not_authorized("Incorrect username or password."));
        }
        check_password_policy(pool, proposed)?;
        self.set_password(pool, user, proposed)?;
        self.save_user(user).await
    }

    /// AdminDisableUser / AdminEnableUser. Disabling also revokes every sign-in,
    /// as Cognito does: tokens issued before stay invalid after re-enabling.
    pub async fn set_enabled(&self, user: &mut User, enabled: bool) -> CoreResult<()> {
        user.enabled = enabled;
        self.save_user(user).await?;
        if !enabled {
            self.store
                .revoke_user_sessions(&user.pool_id, &user.username_key)
                .await?;
        }
        Ok(())
    }

    pub async fn delete_user(&self, pool: &UserPool, user: &User) -> CoreResult<()> {
        if !self.store.delete_user(&pool.id, &user.username_key).await? {
            return Err(CoreError::user_not_found());
        }
        Ok(())
    }

    /// ListUsers.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        limit: usize,
        token: Option<&str>,
    ) -> CoreResult<Page<User>> {
        let pool = self.require_pool(pool_id).await?;
        let filter = filter
            .filter(|f| !f.trim().is_empty())
            .map(parse_filter)
            .transpose()?;
        let filter = filter.map(|mut f| {
            if f.attribute == SearchAttribute::Username {
                f.value = pool.username_key(&f.value);
            }
            f
        });
        let after = crate::pools::decode_token(token)?;
        let mut users = self
            .store
            .list_users(pool_id, filter.as_ref(), after.as_deref(), limit + 1)
            .await?;
        // Prefix filters page in (value, username) order, the order of their index;
        // the cursor carries both, separated by U+001F.
        let prefix = filter.as_ref().filter(|f| f.prefix).map(|f| f.attribute);
        let next = crate::pools::page_token(&mut users, limit, |u| match prefix {
            Some(attribute) => format!("{}\u{1f}{}", search_value(u, attribute), u.username_key),
            None => u.username_key.clone(),
        });
        Ok(Page {
            items: users,
            next_token: next,
        })
    }
}

fn attr_word(attr: &str) -> &'static str {
    match attr {
        "phone_number" => "phone_number",
        "preferred_username" => "preferred_username",
        _ => "email",
    }
}

fn alias_exists(attr: &str) -> CoreError {
    CoreError::new(
        ErrorKind::AliasExists,
        format!(
            "An account with the given {} already exists.",
            attr_word(attr)
        ),
    )
}

fn check_record(pool_name: &str, username: &str, password: &str, p: &PasswordRecord) -> bool {
    srp::check_password(
        pool_name,
        username,
        password,
        &srp::Verifier {
            salt_hex: p.salt.clone(),
            verifier_hex: p.verifier.clone(),
        },
    )
}

/// The value of a searchable attribute as its indexed column holds it.
pub fn search_value(user: &User, attribute: SearchAttribute) -> String {
    use SearchAttribute::*;
    let attr = |name: &str| user.attr(name).unwrap_or_default().to_string();
    match attribute {
        Username => user.username_key.clone(),
        Email => attr("email"),
        PhoneNumber => attr("phone_number"),
        Name => attr("name"),
        GivenName => attr("given_name"),
        FamilyName => attr("family_name"),
        PreferredUsername => attr("preferred_username"),
        UserStatus => user.status.clone(),
        Status => user.enabled.to_string(),
        Sub => user.sub.clone(),
    }
}

/// Parses `attr = "value"` / `attr ^= "prefix"`.
pub fn parse_filter(filter: &str) -> CoreResult<UserFilter> {
    let bad = || CoreError::invalid_parameter(format!("Error while parsing filter: {filter}"));
    let (name, rest, prefix) = if let Some((n, r)) = filter.split_once("^=") {
        (n, r, true)
    } else if let Some((n, r)) = filter.split_once('=') {
        (n, r, false)
    } else {
        return Err(bad());
    };
    let name = name.trim();
    let value = rest.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .ok_or_else(bad)?;
    let attribute = SearchAttribute::parse(name)
        .ok_or_else(|| CoreError::invalid_parameter(format!("Invalid search attribute: {name}")))?;
    Ok(UserFilter {
        attribute,
        prefix,
        value: value.replace("\\\"", "\""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let f = parse_filter("email ^= \"ali\"").unwrap();
        assert_eq!(
            f,
            UserFilter {
                attribute: SearchAttribute::Email,
                prefix: true,
                value: "ali".into()
            }
        );
        let f = parse_filter("cognito:user_status = \"UNCONFIRMED\"").unwrap();
        assert_eq!(f.attribute, SearchAttribute::UserStatus);
        assert!(!f.prefix);
        assert!(parse_filter("custom:x = \"1\"").is_err());
        assert!(parse_filter("email ~ \"x\"").is_err());
        assert!(parse_filter("email = x").is_err());
    }

    #[test]
    fn phones_and_emails() {
        assert!(valid_email("a@b.c"));
        assert!(!valid_email("a b@c"));
        assert!(valid_phone("+15555551234"));
        assert!(!valid_phone("5555551234"));
    }
}
