//! User pool administration: CreateUserPool, DescribeUserPool, UpdateUserPool,
//! DeleteUserPool, ListUserPools, AddCustomAttributes, GetCSVHeader, tags.

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::*;
use crate::ports::{StoreError, timestamp};
use crate::schema;
use crate::service::Cognate;
use cognate_crypto::{ALNUM, random_string};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The members of a CreateUserPool request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserPoolInput {
    pub pool_name: String,
    #[serde(default)]
    pub schema: Vec<SchemaAttribute>,
    #[serde(default)]
    pub username_attributes: Vec<String>,
    #[serde(default)]
    pub alias_attributes: Vec<String>,
    pub username_configuration: Option<UsernameConfiguration>,
    #[serde(flatten)]
    pub settings: PoolSettings,
}

/// The members of an UpdateUserPool request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUserPoolInput {
    pub user_pool_id: String,
    pub pool_name: Option<String>,
    #[serde(flatten)]
    pub settings: PoolSettings,
}

pub const CSV_HEADER_STANDARD: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "cognito:mfa_enabled",
    "cognito:username",
];

/// Fills in what Cognito fills in when a request leaves a setting out. UpdateUserPool
/// goes through here too: cognito-compat: Cognito resets every setting an update
/// omits to its default, it does not merge.
fn with_defaults(mut s: PoolSettings) -> PoolSettings {
    let policies = s.policies.get_or_insert_with(Policies::default);
    let pw = policies.password_policy.get_or_insert(PasswordPolicy {
        minimum_length: Some(8),
        require_uppercase: Some(true),
        require_lowercase: Some(true),
        require_numbers: Some(true),
        require_symbols: Some(true),
        password_history_size: None,
        temporary_password_validity_days: Some(7),
    });
    pw.minimum_length.get_or_insert(8);
    pw.require_uppercase.get_or_insert(false);
    pw.require_lowercase.get_or_insert(false);
    pw.require_numbers.get_or_insert(false);
    pw.require_symbols.get_or_insert(false);
    if pw.temporary_password_validity_days.is_none_or(|d| d == 0) {
        pw.temporary_password_validity_days = Some(7);
    }
    policies
        .sign_in_policy
        .get_or_insert_with(|| serde_json::json!({ "AllowedFirstAuthFactors": ["PASSWORD"] }));
    s.mfa_configuration.get_or_insert_with(|| "OFF".into());
    s.deletion_protection
        .get_or_insert_with(|| "INACTIVE".into());
    s.user_pool_tier.get_or_insert_with(|| "ESSENTIALS".into());
    s.email_configuration
        .get_or_insert_with(|| serde_json::json!({ "EmailSendingAccount": "COGNITO_DEFAULT" }));
    let admin = s
        .admin_create_user_config
        .get_or_insert_with(AdminCreateUserConfig::default);
    admin.allow_admin_create_user_only.get_or_insert(false);
    admin.unused_account_validity_days.get_or_insert(7);
    let vmt = s
        .verification_message_template
        .get_or_insert_with(Default::default);
    vmt.default_email_option
        .get_or_insert_with(|| "CONFIRM_WITH_CODE".into());
    // cognito-compat: the legacy top-level message members and the template mirror each other.
    if vmt.email_message.is_none() {
        vmt.email_message = s.email_verification_message.clone();
    }
    if vmt.email_subject.is_none() {
        vmt.email_subject = s.email_verification_subject.clone();
    }
    if vmt.sms_message.is_none() {
        vmt.sms_message = s.sms_verification_message.clone();
    }
    if s.email_verification_message.is_none() {
        s.email_verification_message = vmt.email_message.clone();
    }
    if s.email_verification_subject.is_none() {
        s.email_verification_subject = vmt.email_subject.clone();
    }
    if s.sms_verification_message.is_none() {
        s.sms_verification_message = vmt.sms_message.clone();
    }
    s
}

fn validate_settings(s: &PoolSettings) -> CoreResult<()> {
    if let Some(mfa) = s.mfa_configuration.as_deref()
        && mfa != "OFF"
        && s.sms_configuration.is_none()
    {
        // cognito-compat: without an SMS configuration only TOTP/email factors could be used,
        // and those are switched on through SetUserPoolMfaConfig, not here.
        return Err(CoreError::invalid_parameter(
            "SMS configuration and Auto verification for phone_number are required when MFA is required/optional",
        ));
    }
    if let Some(v) = &s.verification_message_template {
        if let Some(m) = &v.email_message_by_link
            && !m.contains("{##")
        {
            return Err(CoreError::invalid_parameter(
                "EmailMessageByLink must contain {##Click here##} placeholder.",
            ));
        }
        for m in [&v.email_message, &v.sms_message].into_iter().flatten() {
            if !m.contains("{####}") {
                return Err(CoreError::invalid_parameter(
                    "Verification message must contain the {####} placeholder.",
                ));
            }
        }
    }
    if let Some(recovery) = &s.account_recovery_setting {
        let names: Vec<&str> = recovery
            .recovery_mechanisms
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        if names.contains(&"admin_only") && names.len() > 1 {
            return Err(CoreError::invalid_parameter(
                "admin_only cannot be combined with other recovery mechanisms.",
            ));
        }
        let mut prios: Vec<i64> = recovery
            .recovery_mechanisms
            .iter()
            .map(|r| r.priority)
            .collect();
        prios.sort_unstable();
        prios.dedup();
        if prios.len() != recovery.recovery_mechanisms.len() {
            return Err(CoreError::invalid_parameter(
                "Recovery mechanisms must have distinct priorities.",
            ));
        }
    }
    if let Some(u) = &s.user_attribute_update_settings {
        for a in &u.attributes_require_verification_before_update {
            if !s.auto_verified_attributes.contains(a) {
                return Err(CoreError::invalid_parameter(format!(
                    "Attribute {a} in AttributesRequireVerificationBeforeUpdate must also be in AutoVerifiedAttributes."
                )));
            }
        }
    }
    Ok(())
}

fn validate_identity_attributes(input: &CreateUserPoolInput) -> CoreResult<()> {
    if !input.username_attributes.is_empty() && !input.alias_attributes.is_empty() {
        return Err(CoreError::invalid_parameter(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    Ok(())
}

impl Cognate {
    /// Chooses the region of a new id: the one the signed request was scoped to,
    /// else the configured one.
    fn region_for(&self, request_region: Option<&str>) -> String {
        request_region
            .filter(|r| !r.is_empty())
            .unwrap_or(&self.identity.region)
            .to_string()
    }

    pub fn pool_arn(&self, region: &str, pool_id: &str) -> String {
        format!(
            "arn:aws:cognito-idp:{region}:{}:userpool/{pool_id}",
            self.identity.account_id
        )
    }

    pub async fn create_user_pool(
        &self,
        input: CreateUserPoolInput,
        request_region: Option<&str>,
        fixed_id: Option<&str>,
    ) -> CoreResult<UserPool> {
        validate_identity_attributes(&input)?;
        validate_settings(&input.settings)?;
        self.check_lambda_config(input.settings.lambda_config.as_ref())?;
        let schema_attributes = schema::build_schema(&input.schema)?;
        let region = self.region_for(request_region);
        let now = timestamp(self.now());
        let settings = with_defaults(input.settings);
        for attempt in 0..5 {
            let id = match fixed_id {
                Some(id) => id.to_string(),
                None => format!("{region}_{}", random_string(9, ALNUM)),
            };
            let id_region = id.split('_').next().unwrap_or(&region).to_string();
            let pool = UserPool {
                arn: self.pool_arn(&id_region, &id),
                id: id.clone(),
                name: input.pool_name.clone(),
                creation_date: now,
                last_modified_date: now,
                schema_attributes: schema_attributes.clone(),
                username_attributes: input.username_attributes.clone(),
                alias_attributes: input.alias_attributes.clone(),
                username_configuration: input.username_configuration.clone(),
                mfa_factors: None,
                settings: settings.clone(),
            };
            let keys = self.new_pool_keys(&id, now).await?;
            match self.store.create_pool(&pool, &keys).await {
                Ok(()) => {
                    tracing::info!(pool_id = %pool.id, "user pool created");
                    return Ok(pool);
                }
                Err(StoreError::Conflict) if fixed_id.is_none() && attempt < 4 => continue,
                Err(StoreError::Conflict) => {
                    return Err(CoreError::invalid_parameter(format!(
                        "User pool {id} already exists."
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::internal("could not allocate a user pool id"))
    }

    pub async fn describe_user_pool(&self, pool_id: &str) -> CoreResult<(UserPool, i64)> {
        let pool = self.require_pool(pool_id).await?;
        let users = self.store.count_users(pool_id).await?;
        Ok((pool, users))
    }

    pub async fn update_user_pool(&self, input: UpdateUserPoolInput) -> CoreResult<UserPool> {
        let mut pool = self.require_pool(&input.user_pool_id).await?;
        validate_settings(&input.settings)?;
        self.check_lambda_config(input.settings.lambda_config.as_ref())?;
        // cognito-compat: tags are only replaced when the update names them.
        let mut settings = input.settings;
        if settings.user_pool_tags.is_empty() {
            settings.user_pool_tags = pool.settings.user_pool_tags.clone();
        }
        pool.settings = with_defaults(settings);
        if let Some(name) = input.pool_name {
            pool.name = name;
        }
        pool.last_modified_date = timestamp(self.now());
        if !self.store.update_pool(&pool).await? {
            return Err(CoreError::pool_not_found(&input.user_pool_id));
        }
        Ok(pool)
    }

    pub async fn delete_user_pool(&self, pool_id: &str) -> CoreResult<()> {
        let pool = self.require_pool(pool_id).await?;
        if pool.deletion_protected() {
            return Err(CoreError::invalid_parameter(format!(
                "The user pool {pool_id} has deletion protection activated. You must deactivate deletion protection before you delete the user pool."
            )));
        }
        // cognito-compat: a pool with a domain is not deleted; the domain goes first.
        if self.store.get_pool_domain(pool_id).await?.is_some() {
            return Err(CoreError::invalid_parameter(
                "User pool cannot be deleted. It has a domain configured that should be deleted first.",
            ));
        }
        if !self.store.delete_pool(pool_id).await? {
            return Err(CoreError::pool_not_found(pool_id));
        }
        self.forget_pool_keys(pool_id);
        tracing::info!(pool_id, "user pool deleted");
        Ok(())
    }

    pub async fn list_user_pools(
        &self,
        max_results: usize,
        next_token: Option<&str>,
    ) -> CoreResult<Page<UserPool>> {
        let after = decode_token(next_token)?;
        let mut items = self
            .store
            .list_pools(after.as_deref(), max_results + 1)
            .await?;
        let next = page_token(&mut items, max_results, |p| p.id.clone());
        Ok(Page {
            items,
            next_token: next,
        })
    }

    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attributes: &[SchemaAttribute],
    ) -> CoreResult<()> {
        let mut pool = self.require_pool(pool_id).await?;
        let mut added = Vec::new();
        for a in attributes {
            let attr = schema::custom_attribute(a)?;
            if pool.attribute(attr.name()).is_some()
                || added.iter().any(|x: &SchemaAttribute| x.name == attr.name)
            {
                return Err(CoreError::invalid_parameter(format!(
                    "Existing attribute already has name {}.",
                    attr.name()
                )));
            }
            added.push(attr);
        }
        let custom_count = pool
            .schema_attributes
            .iter()
            .filter(|a| !schema::is_standard(a.name()))
            .count();
        if custom_count + added.len() > schema::MAX_CUSTOM_ATTRIBUTES {
            return Err(CoreError::new(
                ErrorKind::LimitExceeded,
                format!(
                    "A user pool can have at most {} custom attributes.",
                    schema::MAX_CUSTOM_ATTRIBUTES
                ),
            ));
        }
        pool.schema_attributes.extend(added);
        pool.last_modified_date = timestamp(self.now());
        if !self.store.update_pool(&pool).await? {
            return Err(CoreError::pool_not_found(pool_id));
        }
        Ok(())
    }

    pub async fn csv_header(&self, pool_id: &str) -> CoreResult<Vec<String>> {
        let pool = self.require_pool(pool_id).await?;
        let mut header: Vec<String> = CSV_HEADER_STANDARD.iter().map(|s| s.to_string()).collect();
        header.extend(
            pool.schema_attributes
                .iter()
                .filter(|a| !schema::is_standard(a.name()))
                .map(|a| a.name().to_string()),
        );
        Ok(header)
    }

    /// Finds the pool an ARN names (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`).
    async fn pool_by_arn(&self, arn: &str) -> CoreResult<UserPool> {
        let id = arn
            .strip_prefix("arn:aws:cognito-idp:")
            .and_then(|rest| rest.split_once(":userpool/"))
            .map(|(_, id)| id)
            .ok_or_else(|| CoreError::invalid_parameter(format!("Invalid ARN: {arn}")))?;
        let pool = self
            .store
            .get_pool(id)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("Resource {arn} does not exist.")))?;
        if pool.arn != arn {
            return Err(CoreError::not_found(format!(
                "Resource {arn} does not exist."
            )));
        }
        Ok(pool)
    }

    pub async fn tag_resource(&self, arn: &str, tags: BTreeMap<String, String>) -> CoreResult<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        pool.settings.user_pool_tags.extend(tags);
        if pool.settings.user_pool_tags.len() > 50 {
            return Err(CoreError::new(
                ErrorKind::LimitExceeded,
                "A resource can have at most 50 tags.",
            ));
        }
        self.store.update_pool(&pool).await?;
        Ok(())
    }

    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> CoreResult<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        for k in keys {
            pool.settings.user_pool_tags.remove(k);
        }
        self.store.update_pool(&pool).await?;
        Ok(())
    }

    pub async fn list_tags(&self, arn: &str) -> CoreResult<BTreeMap<String, String>> {
        Ok(self.pool_by_arn(arn).await?.settings.user_pool_tags)
    }
}

/// Keeps `limit` items and returns the continuation token when there were more.
pub(crate) fn page_token<T>(
    items: &mut Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> String,
) -> Option<String> {
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| encode_token(&key(last)))
    } else {
        None
    }
}

fn encode_token(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

pub(crate) fn decode_token(token: Option<&str>) -> CoreResult<Option<String>> {
    use base64::Engine;
    let Some(t) = token else { return Ok(None) };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| CoreError::invalid_parameter("Invalid pagination token."))
}
