//! The identity-pool model: pools, identities and their linked logins.
//!
//! cognito-compat: as with user pools, configuration types carry Cognito's
//! member names, since that shape is both the wire and the stored document.

use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A user pool as a login provider of an identity pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CognitoIdentityProvider {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_side_token_check: Option<bool>,
}

/// The `IdentityPool` shape of CreateIdentityPool / DescribeIdentityPool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPool {
    pub identity_pool_id: String,
    pub identity_pool_name: String,
    pub allow_unauthenticated_identities: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_classic_flow: Option<bool>,
    #[serde(default)]
    pub supported_login_providers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_provider_name: Option<String>,
    #[serde(
        rename = "OpenIdConnectProviderARNs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub open_id_connect_provider_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cognito_identity_providers: Vec<CognitoIdentityProvider>,
    #[serde(
        rename = "SamlProviderARNs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub saml_provider_arns: Vec<String>,
    #[serde(default)]
    pub identity_pool_tags: BTreeMap<String, String>,
}

/// One rule of a `Rules` role mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MappingRule {
    pub claim: String,
    pub match_type: String,
    pub value: String,
    #[serde(rename = "RoleARN")]
    pub role_arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RulesConfiguration {
    #[serde(default)]
    pub rules: Vec<MappingRule>,
}

/// A role mapping for one provider (`Token` or `Rules`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleMapping {
    #[serde(rename = "Type")]
    pub mapping_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguous_role_resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_configuration: Option<RulesConfiguration>,
}

/// What the store keeps per identity pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityPoolRecord {
    pub pool: IdentityPool,
    /// `authenticated` / `unauthenticated` → role ARN.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    #[serde(default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A login linked to an identity: the provider name and the user's id there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LoginLink {
    pub provider: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityRecord {
    pub identity_id: String,
    pub pool_id: String,
    pub logins: Vec<LoginLink>,
    /// Merged into another identity (or otherwise disabled): no more credentials.
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl IdentityRecord {
    pub fn authenticated(&self) -> bool {
        !self.logins.is_empty()
    }
}
