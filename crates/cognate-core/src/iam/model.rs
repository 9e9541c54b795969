//! Roles and temporary credentials as the store keeps them.

use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An IAM-compatible role with its inline policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub role_name: String,
    /// `AROA` + 17 characters, as IAM's unique ids.
    pub role_id: String,
    pub path: String,
    pub arn: String,
    pub assume_role_policy_document: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub create_date: Timestamp,
    /// Inline policies by name.
    #[serde(default)]
    pub policies: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Who the credentials were issued to and what limits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialGrant {
    pub role_arn: String,
    pub role_name: String,
    pub session_name: String,
    /// `<role id>:<session name>`, IAM's `aws:userid` of an assumed role.
    pub assumed_role_id: String,
    /// The web identity provider (`cognito-identity.amazonaws.com` or an OIDC key).
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_pool_id: Option<String>,
    /// Inline session policies (the guest scope-down, or AssumeRole's `Policy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_policies: Vec<String>,
    /// Condition keys fixed at issue time (`cognito-identity.amazonaws.com:sub`, ...).
    #[serde(default)]
    pub context: BTreeMap<String, Vec<String>>,
}

impl CredentialGrant {
    pub fn assumed_role_arn(&self, account_id: &str) -> String {
        format!(
            "arn:aws:sts::{account_id}:assumed-role/{}/{}",
            self.role_name, self.session_name
        )
    }
}

/// Temporary credentials as stored: the secret sealed, the session token hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCredentials {
    pub access_key_id: String,
    pub sealed_secret: Vec<u8>,
    /// Hex SHA-256 of the session token.
    pub session_token_hash: String,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    pub grant: CredentialGrant,
}

/// Credentials as handed to a client.
#[derive(Clone, PartialEq)]
pub struct IssuedCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: Timestamp,
    /// The assumed-role ARN and id, for STS's `AssumedRoleUser`.
    pub assumed_role_arn: String,
    pub assumed_role_id: String,
}

impl std::fmt::Debug for IssuedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}
