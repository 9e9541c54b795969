//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups and
//! membership. Precedence and RoleArn are kept for tokens and identity pools.

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{Group, Page, User, UserPool};
use crate::pools::{decode_token, page_token};
use crate::ports::{StoreError, timestamp};
use crate::service::Cognate;

#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

impl Cognate {
    pub async fn create_group(&self, input: GroupInput) -> CoreResult<Group> {
        self.require_pool(&input.pool_id).await?;
        let now = timestamp(self.now());
        let group = Group {
            pool_id: input.pool_id,
            name: input.name,
            description: input.description,
            role_arn: input.role_arn,
            precedence: input.precedence,
            created: now,
            modified: now,
        };
        match self.store.create_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Conflict) => Err(CoreError::new(
                ErrorKind::GroupExists,
                "A group with the name already exists.",
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_group(&self, pool_id: &str, name: &str) -> CoreResult<Group> {
        self.require_pool(pool_id).await?;
        self.store
            .get_group(pool_id, name)
            .await?
            .ok_or_else(CoreError::group_not_found)
    }

    /// UpdateGroup changes only what the request names.
    pub async fn update_group(&self, input: GroupInput) -> CoreResult<Group> {
        let mut group = self.get_group(&input.pool_id, &input.name).await?;
        if input.description.is_some() {
            group.description = input.description;
        }
        if input.role_arn.is_some() {
            group.role_arn = input.role_arn;
        }
        if input.precedence.is_some() {
            group.precedence = input.precedence;
        }
        group.modified = timestamp(self.now());
        if !self.store.update_group(&group).await? {
            return Err(CoreError::group_not_found());
        }
        Ok(group)
    }

    pub async fn delete_group(&self, pool_id: &str, name: &str) -> CoreResult<()> {
        self.require_pool(pool_id).await?;
        if !self.store.delete_group(pool_id, name).await? {
            return Err(CoreError::group_not_found());
        }
        Ok(())
    }

    pub async fn list_groups(
        &self,
        pool_id: &str,
        limit: usize,
        token: Option<&str>,
    ) -> CoreResult<Page<Group>> {
        self.require_pool(pool_id).await?;
        let after = decode_token(token)?;
        let mut groups = self
            .store
            .list_groups(pool_id, after.as_deref(), limit + 1)
            .await?;
        let next = page_token(&mut groups, limit, |g| g.name.clone());
        Ok(Page {
            items: groups,
            next_token: next,
        })
    }

    pub async fn add_user_to_group(
        &self,
        pool: &UserPool,
        user: &User,
        group: &str,
    ) -> CoreResult<()> {
        self.store
            .get_group(&pool.id, group)
            .await?
            .ok_or_else(CoreError::group_not_found)?;
        self.store
            .add_user_to_group(&pool.id, &user.username_key, group)
            .await?;
        Ok(())
    }

    pub async fn remove_user_from_group(
        &self,
        pool: &UserPool,
        user: &User,
        group: &str,
    ) -> CoreResult<()> {
        self.store
            .get_group(&pool.id, group)
            .await?
            .ok_or_else(CoreError::group_not_found)?;
        self.store
            .remove_user_from_group(&pool.id, &user.username_key, group)
            .await?;
        Ok(())
    }

    pub async fn groups_for_user(
        &self,
        pool: &UserPool,
        user: &User,
        limit: usize,
        token: Option<&str>,
    ) -> CoreResult<Page<Group>> {
        let after = decode_token(token)?;
        let mut groups = self
            .store
            .groups_for_user(&pool.id, &user.username_key, after.as_deref(), limit + 1)
            .await?;
        let next = page_token(&mut groups, limit, |g| g.name.clone());
        Ok(Page {
            items: groups,
            next_token: next,
        })
    }

    pub async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        limit: usize,
        token: Option<&str>,
    ) -> CoreResult<Page<User>> {
        self.get_group(pool_id, group).await?;
        let after = decode_token(token)?;
        let mut users = self
            .store
            .users_in_group(pool_id, group, after.as_deref(), limit + 1)
            .await?;
        let next = page_token(&mut users, limit, |u| u.username_key.clone());
        Ok(Page {
            items: users,
            next_token: next,
        })
    }
}
