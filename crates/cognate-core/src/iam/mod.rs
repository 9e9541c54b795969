//! An IAM-compatible role store (roles with inline policies) and an
//! STS-compatible credential issuer, for identity-pool credentials.

pub mod eval;
pub mod model;
pub mod sts;

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::Page;
use crate::ports::{StoreError, timestamp};
use crate::service::Cognate;
use model::Role;
use std::collections::BTreeMap;

/// A role as CreateRole (or the configuration file) describes it.
#[derive(Debug, Clone, Default)]
pub struct CreateRoleInput {
    pub role_name: String,
    pub path: Option<String>,
    pub assume_role_policy_document: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    pub tags: BTreeMap<String, String>,
    /// Inline policies (only from the configuration file; the API uses PutRolePolicy).
    pub policies: BTreeMap<String, String>,
}

pub(crate) fn no_such_role(name: &str) -> CoreError {
    CoreError::new(
        ErrorKind::NoSuchEntity,
        format!("The role with name {name} cannot be found."),
    )
}

fn valid_path(path: &str) -> bool {
    path.starts_with('/') && path.ends_with('/') && path.len() <= 512
}

impl Cognate {
    pub fn role_arn(&self, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:role{path}{name}", self.identity.account_id)
    }

    /// The role an ARN names, if it is a role of this server's account.
    pub(crate) async fn role_by_arn(&self, arn: &str) -> CoreResult<Option<Role>> {
        let prefix = format!("arn:aws:iam::{}:role/", self.identity.account_id);
        let Some(rest) = arn.strip_prefix(&prefix) else {
            return Ok(None);
        };
        let name = rest.rsplit('/').next().unwrap_or(rest);
        Ok(self
            .store
            .get_role(name)
            .await?
            .filter(|role| role.arn == arn))
    }

    pub async fn create_role(&self, input: CreateRoleInput) -> CoreResult<Role> {
        let name_ok = (1..=64).contains(&input.role_name.chars().count())
            && input
                .role_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !name_ok {
            return Err(CoreError::new(
                ErrorKind::Validation,
                format!(
                    "1 validation error detected: Value '{}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
                    input.role_name
                ),
            ));
        }
        let path = input.path.unwrap_or_else(|| "/".to_string());
        if !valid_path(&path) {
            return Err(CoreError::new(
                ErrorKind::Validation,
                "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
            ));
        }
        let max = input.max_session_duration.unwrap_or(3600);
        if !(3600..=43200).contains(&max) {
            return Err(CoreError::new(
                ErrorKind::Validation,
                "The requested MaxSessionDuration must be between 3600 and 43200 seconds.",
            ));
        }
        eval::check_trust_policy(&input.assume_role_policy_document)?;
        for doc in input.policies.values() {
            eval::check_identity_policy(doc)?;
        }
        let role = Role {
            arn: self.role_arn(&path, &input.role_name),
            role_id: format!(
                "AROA{}",
                cognate_crypto::random_string(17, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
            ),
            role_name: input.role_name,
            path,
            assume_role_policy_document: input.assume_role_policy_document,
            description: input.description,
            max_session_duration: max,
            create_date: timestamp(self.now()),
            policies: input.policies,
            tags: input.tags,
        };
        match self.store.create_role(&role).await {
            Ok(()) => Ok(role),
            Err(StoreError::Conflict) => Err(CoreError::new(
                ErrorKind::EntityAlreadyExists,
                format!("Role with name {} already exists.", role.role_name),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates the role, or replaces its trust policy and inline policies when
    /// it exists (roles declared in the configuration file).
    pub async fn ensure_role(&self, input: CreateRoleInput) -> CoreResult<Role> {
        match self.store.get_role(&input.role_name).await? {
            None => self.create_role(input).await,
            Some(mut role) => {
                eval::check_trust_policy(&input.assume_role_policy_document)?;
                for doc in input.policies.values() {
                    eval::check_identity_policy(doc)?;
                }
                role.assume_role_policy_document = input.assume_role_policy_document;
                role.policies = input.policies;
                role.description = input.description;
                if let Some(max) = input.max_session_duration {
                    role.max_session_duration = max;
                }
                self.store.update_role(&role).await?;
                Ok(role)
            }
        }
    }

    pub async fn get_role(&self, name: &str) -> CoreResult<Role> {
        self.store
            .get_role(name)
            .await?
            .ok_or_else(|| no_such_role(name))
    }

    pub async fn delete_role(&self, name: &str) -> CoreResult<()> {
        let role = self.get_role(name).await?;
        if !role.policies.is_empty() {
            return Err(CoreError::new(
                ErrorKind::DeleteConflict,
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !self.store.delete_role(name).await? {
            return Err(no_such_role(name));
        }
        Ok(())
    }

    /// ListRoles with IAM's Marker paging (the marker is the last lower-cased name).
    pub async fn list_roles(
        &self,
        path_prefix: Option<&str>,
        max_items: usize,
        marker: Option<&str>,
    ) -> CoreResult<Page<Role>> {
        let mut out = Vec::new();
        let mut after = marker.map(str::to_string);
        loop {
            let batch = self
                .store
                .list_roles(after.as_deref(), max_items + 1)
                .await?;
            let done = batch.len() <= max_items;
            for role in batch {
                after = Some(role.role_name.to_lowercase());
                if path_prefix.is_none_or(|p| role.path.starts_with(p)) {
                    out.push(role);
                }
                if out.len() > max_items {
                    break;
                }
            }
            if done || out.len() > max_items {
                break;
            }
        }
        let next = if out.len() > max_items {
            out.truncate(max_items);
            out.last().map(|r| r.role_name.to_lowercase())
        } else {
            None
        };
        Ok(Page {
            items: out,
            next_token: next,
        })
    }

    /// UpdateRole: description and maximum session duration.
    pub async fn update_role_settings(
        &self,
        name: &str,
        description: Option<String>,
        max_session_duration: Option<i64>,
    ) -> CoreResult<()> {
        let mut role = self.get_role(name).await?;
        if let Some(max) = max_session_duration {
            if !(3600..=43200).contains(&max) {
                return Err(CoreError::new(
                    ErrorKind::Validation,
                    "The requested MaxSessionDuration must be between 3600 and 43200 seconds.",
                ));
            }
            role.max_session_duration = max;
        }
        if description.is_some() {
            role.description = description;
        }
        self.store.update_role(&role).await?;
        Ok(())
    }

    pub async fn update_assume_role_policy(&self, name: &str, document: &str) -> CoreResult<()> {
        let mut role = self.get_role(name).await?;
        eval::check_trust_policy(document)?;
        role.assume_role_policy_document = document.to_string();
        self.store.update_role(&role).await?;
        Ok(())
    }

    pub async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> CoreResult<()> {
        let mut role = self.get_role(role_name).await?;
        eval::check_identity_policy(document)?;
        role.policies
            .insert(policy_name.to_string(), document.to_string());
        eval::check_role_policies_size(&role.role_name, role.policies.values())?;
        self.store.update_role(&role).await?;
        Ok(())
    }

    pub async fn get_role_policy(&self, role_name: &str, policy_name: &str) -> CoreResult<String> {
        let role = self.get_role(role_name).await?;
        role.policies.get(policy_name).cloned().ok_or_else(|| {
            CoreError::new(
                ErrorKind::NoSuchEntity,
                format!("The role policy with name {policy_name} cannot be found."),
            )
        })
    }

    pub async fn delete_role_policy(&self, role_name: &str, policy_name: &str) -> CoreResult<()> {
        let mut role = self.get_role(role_name).await?;
        if role.policies.remove(policy_name).is_none() {
            return Err(CoreError::new(
                ErrorKind::NoSuchEntity,
                format!("The role policy with name {policy_name} cannot be found."),
            ));
        }
        self.store.update_role(&role).await?;
        Ok(())
    }

    pub async fn list_role_policies(
        &self,
        role_name: &str,
        max_items: usize,
        marker: Option<&str>,
    ) -> CoreResult<Page<String>> {
        let role = self.get_role(role_name).await?;
        let mut names: Vec<String> = role
            .policies
            .keys()
            .filter(|k| marker.is_none_or(|m| k.as_str() > m))
            .cloned()
            .collect();
        let next = if names.len() > max_items {
            names.truncate(max_items);
            names.last().cloned()
        } else {
            None
        };
        Ok(Page {
            items: names,
            next_token: next,
        })
    }
}
