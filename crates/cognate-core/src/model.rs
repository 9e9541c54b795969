//! The user-pool and app-client model.
//!
//! cognito-compat: configuration types carry Cognito's member names as their
//! serde names (`PasswordPolicy`, `MinimumLength`, ...). That shape is the
//! product's promise, it is what the store persists as a document, and a second
//! mirror of forty-odd members in the API crate would only add places to get a
//! name wrong. Serialisation to the wire still happens in one place: the API
//! crate decides which of these members each operation returns.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Seconds since the epoch with millisecond precision, as Cognito's JSON carries dates.
pub type Timestamp = f64;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_length: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_uppercase: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_lowercase: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_numbers: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_symbols: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_history_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password_validity_days: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policies {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_policy: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StringConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NumberConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<String>,
}

/// One attribute of a pool's schema. Names are stored in full (`custom:tier`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaAttribute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_data_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_only_attribute: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_attribute_constraints: Option<NumberConstraints>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_attribute_constraints: Option<StringConstraints>,
}

impl SchemaAttribute {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageTemplate {
    #[serde(rename = "SMSMessage", skip_serializing_if = "Option::is_none")]
    pub sms_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_admin_create_user_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused_account_validity_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_message_template: Option<MessageTemplate>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerificationMessageTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message_by_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject_by_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_email_option: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryOption {
    pub priority: i64,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRecoverySetting {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recovery_mechanisms: Vec<RecoveryOption>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_required_on_new_device: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_only_remembered_on_user_prompt: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserAttributeUpdateSettings {
    #[serde(default)]
    pub attributes_require_verification_before_update: Vec<String>,
}

/// Trigger ARNs by trigger name (`PreSignUp`, ...); version-configured triggers
/// (`PreTokenGenerationConfig`, `CustomSMSSender`, ...) keep their object value.
pub type LambdaConfig = BTreeMap<String, Value>;

/// What CreateUserPool sets and UpdateUserPool replaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Policies>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_config: Option<LambdaConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auto_verified_attributes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verification_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verification_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_verification_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_authentication_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_message_template: Option<VerificationMessageTemplate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_configuration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<DeviceConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_pool_tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_create_user_config: Option<AdminCreateUserConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_add_ons: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_recovery_setting: Option<AccountRecoverySetting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_attribute_update_settings: Option<UserAttributeUpdateSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_tier: Option<String>,
}

/// A user pool as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub arn: String,
    pub creation_date: Timestamp,
    pub last_modified_date: Timestamp,
    #[serde(default)]
    pub schema_attributes: Vec<SchemaAttribute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub username_attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alias_attributes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_configuration: Option<UsernameConfiguration>,
    /// SetUserPoolMfaConfig's factors (SmsMfaConfiguration,
    /// SoftwareTokenMfaConfiguration, EmailMfaConfiguration, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_factors: Option<Value>,
    #[serde(flatten)]
    pub settings: PoolSettings,
}

impl UserPool {
    pub fn region(&self) -> &str {
        self.id.split('_').next().unwrap_or_default()
    }
    pub fn attribute(&self, name: &str) -> Option<&SchemaAttribute> {
        self.schema_attributes.iter().find(|a| a.name() == name)
    }
    /// Usernames compare case-insensitively unless the pool says otherwise
    /// (the API default, when `UsernameConfiguration` is absent, is case-sensitive).
    pub fn case_sensitive(&self) -> bool {
        self.username_configuration
            .as_ref()
            .is_none_or(|c| c.case_sensitive)
    }
    pub fn deletion_protected(&self) -> bool {
        self.settings.deletion_protection.as_deref() == Some("ACTIVE")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnits {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// What CreateUserPoolClient sets and UpdateUserPoolClient replaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientSettings {
    #[serde(default)]
    pub client_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_validity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_validity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_validity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_validity_units: Option<TokenValidityUnits>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_attributes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explicit_auth_flows: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_identity_providers: Vec<String>,
    #[serde(
        rename = "CallbackURLs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub callback_urls: Vec<String>,
    #[serde(rename = "LogoutURLs", default, skip_serializing_if = "Vec::is_empty")]
    pub logout_urls: Vec<String>,
    #[serde(rename = "DefaultRedirectURI", skip_serializing_if = "Option::is_none")]
    pub default_redirect_uri: Option<String>,
    #[serde(
        rename = "AllowedOAuthFlows",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allowed_oauth_flows: Vec<String>,
    #[serde(
        rename = "AllowedOAuthScopes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allowed_oauth_scopes: Vec<String>,
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient", default)]
    pub allowed_oauth_flows_user_pool_client: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytics_configuration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevent_user_existence_errors: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_token_revocation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_propagate_additional_user_context_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_session_validity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_rotation: Option<Value>,
}

/// An app client as stored. The secret is kept sealed by the store layer's caller;
/// here it is plaintext only while in memory.
#[derive(Clone, PartialEq)]
pub struct AppClient {
    pub pool_id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub creation_date: Timestamp,
    pub last_modified_date: Timestamp,
    pub settings: ClientSettings,
}

impl std::fmt::Debug for AppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppClient")
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("settings", &self.settings)
            .finish()
    }
}

impl AppClient {
    fn validity_seconds(
        value: Option<i64>,
        unit: Option<&str>,
        default_unit: &str,
        default_secs: i64,
    ) -> i64 {
        match value {
            None | Some(0) => default_secs,
            Some(v) => v.saturating_mul(unit_seconds(unit.unwrap_or(default_unit))),
        }
    }
    pub fn access_token_seconds(&self) -> i64 {
        let u = self
            .settings
            .token_validity_units
            .as_ref()
            .and_then(|u| u.access_token.as_deref());
        Self::validity_seconds(self.settings.access_token_validity, u, "hours", 3600)
    }
    pub fn id_token_seconds(&self) -> i64 {
        let u = self
            .settings
            .token_validity_units
            .as_ref()
            .and_then(|u| u.id_token.as_deref());
        Self::validity_seconds(self.settings.id_token_validity, u, "hours", 3600)
    }
    pub fn refresh_token_seconds(&self) -> i64 {
        let u = self
            .settings
            .token_validity_units
            .as_ref()
            .and_then(|u| u.refresh_token.as_deref());
        Self::validity_seconds(self.settings.refresh_token_validity, u, "days", 30 * 86400)
    }
    pub fn auth_session_seconds(&self) -> i64 {
        self.settings.auth_session_validity.unwrap_or(3) * 60
    }
}

pub fn unit_seconds(unit: &str) -> i64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86400,
    }
}

/// Purpose of a pool signing key: Cognito signs ID and access tokens with different keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    IdToken,
    AccessToken,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::IdToken => "id",
            KeyPurpose::AccessToken => "access",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "id" => Some(KeyPurpose::IdToken),
            "access" => Some(KeyPurpose::AccessToken),
            _ => None,
        }
    }
}

/// A signing key as the store keeps it: the private key sealed under the master key.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredKey {
    pub pool_id: String,
    pub kid: String,
    pub purpose: KeyPurpose,
    pub sealed_private_key: Vec<u8>,
    pub created_at: Timestamp,
}

/// A page of results with Cognito's opaque continuation token.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// A password as Cognito keeps it: the SRP salt and verifier for the canonical
/// username. USER_PASSWORD_AUTH checks a password by recomputing the verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordRecord {
    pub salt: String,
    pub verifier: String,
}

/// Alias values a user holds, already normalised for lookup (lower-cased in
/// case-insensitive pools). Unique per pool in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasKeys {
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub preferred_username: Option<String>,
}

/// A user of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub pool_id: String,
    /// The canonical username (the sub for email/phone-as-username pools).
    pub username: String,
    /// `username` as the pool compares it (lower-cased in case-insensitive pools).
    pub username_key: String,
    pub sub: String,
    pub status: String,
    pub enabled: bool,
    /// Every attribute as Cognito shows it: strings, `sub` included.
    pub attributes: BTreeMap<String, String>,
    pub aliases: AliasKeys,
    pub password: Option<PasswordRecord>,
    pub state: UserState,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// Everything else a user row carries, persisted as one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserState {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_history: Vec<PasswordRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password_expires: Option<Timestamp>,
    /// Values of email / phone_number waiting for verification while the old value
    /// stays active (AttributesRequireVerificationBeforeUpdate).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending_attributes: BTreeMap<String, String>,
    /// Room for later features (MFA settings, devices, lockout counters...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Value>,
}

impl User {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
    pub fn is_verified(&self, attr: &str) -> bool {
        self.attr(&format!("{attr}_verified")) == Some("true")
    }
}

/// A one-time code a user was sent, kept hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCode {
    pub code_hash: String,
    pub expires_at: Timestamp,
    pub attempts: i64,
}

/// What a code is for; one outstanding code per user and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    SignUp,
    ForgotPassword,
    VerifyEmail,
    VerifyPhone,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::SignUp => "signup",
            CodePurpose::ForgotPassword => "forgot_password",
            CodePurpose::VerifyEmail => "verify_email",
            CodePurpose::VerifyPhone => "verify_phone_number",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// Email or SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Sms => "SMS",
        }
    }
    pub fn attribute(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "phone_number",
        }
    }
}

/// A message to deliver (or recorded in the outbox).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: String,
    pub pool_id: String,
    pub username: String,
    pub channel: Channel,
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    /// Why it was sent: `SignUp`, `ForgotPassword`, `AdminCreateUser`, `VerifyUserAttribute`, ...
    pub reason: String,
    pub created: Timestamp,
}

/// A ListUsers filter after parsing: which searchable attribute, exact or prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub attribute: SearchAttribute,
    pub prefix: bool,
    pub value: String,
}

/// The attributes ListUsers can filter on; each has its own indexed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchAttribute {
    Username,
    Email,
    PhoneNumber,
    Name,
    GivenName,
    FamilyName,
    PreferredUsername,
    UserStatus,
    Status,
    Sub,
}

impl SearchAttribute {
    pub fn parse(name: &str) -> Option<Self> {
        use SearchAttribute::*;
        Some(match name {
            "username" => Username,
            "email" => Email,
            "phone_number" => PhoneNumber,
            "name" => Name,
            "given_name" => GivenName,
            "family_name" => FamilyName,
            "preferred_username" => PreferredUsername,
            "cognito:user_status" => UserStatus,
            "status" => Status,
            "sub" => Sub,
            _ => return None,
        })
    }
}

/// One authentication (a sign-in and its refreshes), keyed by `origin_jti`.
/// Sign-out and revocation mark it; tokens minted from it then fail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthSession {
    pub pool_id: String,
    pub origin_jti: String,
    pub username_key: String,
    pub client_id: String,
    pub auth_time: i64,
    pub expires_at: Timestamp,
    pub revoked: bool,
    /// With refresh-token rotation: the id of the current refresh token, and of
    /// the one it replaced (usable until the client's grace period ends).
    pub refresh_id: Option<String>,
    pub previous_refresh_id: Option<String>,
    pub rotated_at: Option<Timestamp>,
}

/// A device a user signed in from, tracked when the pool has a
/// `DeviceConfiguration`. Created (unconfirmed) by the sign-in that returned its
/// key in `NewDeviceMetadata`; ConfirmDevice stores its SRP salt and verifier.
#[derive(Clone, PartialEq)]
pub struct Device {
    pub pool_id: String,
    /// `<region>_<uuid>`.
    pub device_key: String,
    pub username_key: String,
    /// The `DeviceGroupKey` handed out with the key (the device SRP "pool name").
    pub group_key: String,
    pub confirmed: bool,
    /// `remembered` or `not_remembered` once confirmed.
    pub remembered_status: Option<String>,
    pub name: Option<String>,
    /// Device SRP salt and verifier from ConfirmDevice (hex, as [`PasswordRecord`]).
    pub verifier: Option<PasswordRecord>,
    pub last_ip: Option<String>,
    /// The sealed DEVICE_SRP_AUTH session last issued for this device (clients
    /// that answer without the Session continue from it).
    pub pending_session: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub last_authenticated: Option<Timestamp>,
}

impl Device {
    pub fn remembered(&self) -> bool {
        self.confirmed && self.remembered_status.as_deref() == Some("remembered")
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("pool_id", &self.pool_id)
            .field("device_key", &self.device_key)
            .field("username_key", &self.username_key)
            .field("confirmed", &self.confirmed)
            .field("remembered_status", &self.remembered_status)
            .field("verifier", &self.verifier.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// A user pool's hosted-UI domain (CreateUserPoolDomain). The prefix is unique
/// across pools; one server origin serves every pool's hosted endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolDomain {
    pub domain: String,
    pub pool_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain_config: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_login_version: Option<i64>,
    pub created: Timestamp,
}

/// A federated identity provider of a pool (CreateIdentityProvider). Secret
/// details (`client_secret`, `private_key`) are sealed by the domain before
/// they reach the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityProvider {
    pub pool_id: String,
    pub provider_name: String,
    pub provider_type: String,
    #[serde(default)]
    pub provider_details: BTreeMap<String, String>,
    #[serde(default)]
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    pub idp_identifiers: Vec<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}
