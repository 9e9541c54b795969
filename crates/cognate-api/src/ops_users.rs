//! Handlers for the user directory: sign-up and confirmation, forgotten
//! passwords, admin user management, ListUsers and groups.

use crate::awsjson::{RequestContext, input};
use crate::router::AppState;
use crate::wire;
use cognate_core::groups::GroupInput;
use cognate_core::model::{User, UserPool};
use cognate_core::triggers::CallMeta;
use cognate_core::users::{AdminCreateUserRequest, SignUpRequest, WriteMode};
use cognate_core::{Cognate, CoreError, CoreResult, ErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeType {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

fn pairs(attrs: Vec<AttributeType>) -> Vec<(String, String)> {
    attrs
        .into_iter()
        .map(|a| (a.name, a.value.unwrap_or_default()))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClientUserRequest {
    client_id: String,
    secret_hash: Option<String>,
    username: String,
    password: Option<String>,
    confirmation_code: Option<String>,
    #[serde(default)]
    user_attributes: Vec<AttributeType>,
    #[serde(default)]
    force_alias_creation: bool,
    #[serde(default)]
    validation_data: Vec<AttributeType>,
    #[serde(default)]
    client_metadata: BTreeMap<String, String>,
}

impl ClientUserRequest {
    fn meta(&self) -> CallMeta {
        CallMeta {
            client_id: Some(self.client_id.clone()),
            client_metadata: self.client_metadata.clone(),
            validation_data: self
                .validation_data
                .iter()
                .map(|a| (a.name.clone(), a.value.clone().unwrap_or_default()))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AdminUserRequest {
    user_pool_id: String,
    username: String,
    #[serde(default)]
    user_attributes: Vec<AttributeType>,
    #[serde(default)]
    user_attribute_names: Vec<String>,
    temporary_password: Option<String>,
    password: Option<String>,
    #[serde(default)]
    permanent: bool,
    #[serde(default)]
    force_alias_creation: bool,
    message_action: Option<String>,
    #[serde(default)]
    desired_delivery_mediums: Vec<String>,
    group_name: Option<String>,
    limit: Option<usize>,
    next_token: Option<String>,
    #[serde(default)]
    validation_data: Vec<AttributeType>,
    #[serde(default)]
    client_metadata: BTreeMap<String, String>,
}

impl AdminUserRequest {
    fn meta(&self) -> CallMeta {
        CallMeta {
            client_id: None,
            client_metadata: self.client_metadata.clone(),
            validation_data: self
                .validation_data
                .iter()
                .map(|a| (a.name.clone(), a.value.clone().unwrap_or_default()))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersRequest {
    user_pool_id: String,
    #[serde(default)]
    attributes_to_get: Option<Vec<String>>,
    limit: Option<usize>,
    pagination_token: Option<String>,
    filter: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupRequest {
    user_pool_id: String,
    group_name: String,
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i64>,
    limit: Option<usize>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListGroupsRequest {
    user_pool_id: String,
    limit: Option<usize>,
    next_token: Option<String>,
}

fn limit(l: Option<usize>) -> usize {
    match l {
        None | Some(0) => 60,
        Some(n) => n.min(60),
    }
}

fn prevents_existence_errors(client: &cognate_core::model::AppClient) -> bool {
    client.settings.prevent_user_existence_errors.as_deref() == Some("ENABLED")
}

/// Resolves the client, the secret hash and the user of a client-id-only call.
/// `Ok(None)` when the user is unknown and the client hides that.
async fn client_user(
    core: &Cognate,
    r: &ClientUserRequest,
    migration: Option<&str>,
) -> CoreResult<(UserPool, cognate_core::model::AppClient, Option<User>)> {
    let (pool, client) = core.client_by_id(&r.client_id).await?;
    let mut user = core.find_user(&pool, &r.username).await?;
    let mut names = vec![r.username.as_str()];
    if let Some(u) = &user {
        names.push(u.username.as_str());
    }
    core.check_secret_hash(&client, &names, r.secret_hash.as_deref())?;
    if user.is_none()
        && let Some(source) = migration
    {
        user = core
            .migrate_user(&pool, &r.username, None, source, &r.meta())
            .await?;
    }
    if user.is_none() && !prevents_existence_errors(&client) {
        return Err(CoreError::user_not_found());
    }
    Ok((pool, client, user))
}

async fn admin_user(core: &Cognate, pool_id: &str, username: &str) -> CoreResult<(UserPool, User)> {
    let pool = core.require_pool(pool_id).await?;
    let user = core.require_user(&pool, username).await?;
    Ok((pool, user))
}

pub async fn dispatch(
    state: &AppState,
    _ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    match op {
        "SignUp" => {
            let r: ClientUserRequest = input(body)?;
            let meta = r.meta();
            let outcome = core
                .sign_up(SignUpRequest {
                    meta,
                    client_id: r.client_id,
                    secret_hash: r.secret_hash,
                    username: r.username,
                    password: r.password.unwrap_or_default(),
                    attributes: pairs(r.user_attributes),
                })
                .await?;
            let mut out = json!({
                "UserConfirmed": outcome.user.status == "CONFIRMED",
                "UserSub": outcome.user.sub,
            });
            if let Some(d) = &outcome.delivery {
                out["CodeDeliveryDetails"] = wire::code_delivery(d);
            }
            Ok(out)
        }
        "ConfirmSignUp" => {
            let r: ClientUserRequest = input(body)?;
            let (pool, _, user) = client_user(core, &r, None).await?;
            let Some(mut user) = user else {
                return Err(CoreError::new(
                    ErrorKind::CodeMismatch,
                    "Invalid verification code provided, please try again.",
                ));
            };
            let code = r.confirmation_code.clone().unwrap_or_default();
            core.confirm_sign_up(
                &pool,
                &mut user,
                Some(&code),
                r.force_alias_creation,
                &r.meta(),
            )
            .await?;
            Ok(json!({}))
        }
        "ResendConfirmationCode" | "ForgotPassword" => {
            let r: ClientUserRequest = input(body)?;
            let migration = (op == "ForgotPassword").then_some("UserMigration_ForgotPassword");
            let (pool, _, user) = client_user(core, &r, migration).await?;
            let meta = r.meta();
            let delivery = match user {
                Some(user) if op == "ForgotPassword" => {
                    core.forgot_password(&pool, &user, "ForgotPassword", &meta)
                        .await?
                }
                Some(user) => core.resend_confirmation_code(&pool, &user, &meta).await?,
                None => Cognate::simulated_delivery(&pool, &r.username),
            };
            Ok(json!({ "CodeDeliveryDetails": wire::code_delivery(&delivery) }))
        }
        "ConfirmForgotPassword" => {
            let r: ClientUserRequest = input(body)?;
            let (pool, _, user) = client_user(core, &r, None).await?;
            let Some(mut user) = user else {
                return Err(CoreError::new(
                    ErrorKind::CodeMismatch,
                    "Invalid verification code provided, please try again.",
                ));
            };
            let code = r.confirmation_code.clone().unwrap_or_default();
            let password = r.password.clone().unwrap_or_default();
            core.confirm_forgot_password(&pool, &mut user, &code, &password, &r.meta())
                .await?;
            Ok(json!({}))
        }
        "AdminCreateUser" => {
            let r: AdminUserRequest = input(body)?;
            let meta = r.meta();
            let user = core
                .admin_create_user(AdminCreateUserRequest {
                    meta,
                    pool_id: r.user_pool_id,
                    username: r.username,
                    attributes: pairs(r.user_attributes),
                    temporary_password: r.temporary_password,
                    force_alias_creation: r.force_alias_creation,
                    message_action: r.message_action,
                    desired_delivery_mediums: r.desired_delivery_mediums,
                })
                .await?;
            Ok(json!({ "User": wire::user_type(&user, None) }))
        }
        "AdminGetUser" => {
            let r: AdminUserRequest = input(body)?;
            let (_, user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            let mut out = wire::admin_get_user(&user);
            crate::ops_mfa::user_mfa_fields(&user, &mut out);
            Ok(out)
        }
        "AdminDeleteUser" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            core.delete_user(&pool, &user).await?;
            Ok(json!({}))
        }
        "AdminUpdateUserAttributes" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, mut user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            let meta = r.meta();
            core.update_attributes(
                &pool,
                None,
                &mut user,
                &pairs(r.user_attributes),
                WriteMode::AdminUpdate,
                &meta,
            )
            .await?;
            Ok(json!({}))
        }
        "AdminDeleteUserAttributes" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, mut user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            core.delete_attributes(&pool, &mut user, &r.user_attribute_names, true)
                .await?;
            Ok(json!({}))
        }
        "AdminSetUserPassword" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, mut user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            core.admin_set_user_password(
                &pool,
                &mut user,
                &r.password.unwrap_or_default(),
                r.permanent,
            )
            .await?;
            Ok(json!({}))
        }
        "AdminResetUserPassword" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, mut user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            core.admin_reset_user_password(&pool, &mut user, &r.meta())
                .await?;
            Ok(json!({}))
        }
        "AdminConfirmSignUp" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, mut user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            core.confirm_sign_up(&pool, &mut user, None, false, &r.meta())
                .await?;
            Ok(json!({}))
        }
        "AdminDisableUser" | "AdminEnableUser" => {
            let r: AdminUserRequest = input(body)?;
            let (_, mut user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            core.set_enabled(&mut user, op == "AdminEnableUser").await?;
            Ok(json!({}))
        }
        "ListUsers" => {
            let r: ListUsersRequest = input(body)?;
            let page = core
                .list_users(
                    &r.user_pool_id,
                    r.filter.as_deref(),
                    limit(r.limit),
                    r.pagination_token.as_deref(),
                )
                .await?;
            let users: Vec<Value> = page
                .items
                .iter()
                .map(|u| wire::user_type(u, r.attributes_to_get.as_deref()))
                .collect();
            let mut out = json!({ "Users": users });
            if let Some(t) = page.next_token {
                out["PaginationToken"] = json!(t);
            }
            Ok(out)
        }
        "CreateGroup" | "UpdateGroup" => {
            let r: GroupRequest = input(body)?;
            let g = GroupInput {
                pool_id: r.user_pool_id,
                name: r.group_name,
                description: r.description,
                role_arn: r.role_arn,
                precedence: r.precedence,
            };
            let group = if op == "CreateGroup" {
                core.create_group(g).await?
            } else {
                core.update_group(g).await?
            };
            Ok(json!({ "Group": wire::group(&group) }))
        }
        "GetGroup" => {
            let r: GroupRequest = input(body)?;
            let group = core.get_group(&r.user_pool_id, &r.group_name).await?;
            Ok(json!({ "Group": wire::group(&group) }))
        }
        "DeleteGroup" => {
            let r: GroupRequest = input(body)?;
            core.delete_group(&r.user_pool_id, &r.group_name).await?;
            Ok(json!({}))
        }
        "ListGroups" => {
            let r: ListGroupsRequest = input(body)?;
            let page = core
                .list_groups(&r.user_pool_id, limit(r.limit), r.next_token.as_deref())
                .await?;
            let mut out =
                json!({ "Groups": page.items.iter().map(wire::group).collect::<Vec<_>>() });
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            Ok(out)
        }
        "AdminAddUserToGroup" | "AdminRemoveUserFromGroup" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            let group = r.group_name.unwrap_or_default();
            if op == "AdminAddUserToGroup" {
                core.add_user_to_group(&pool, &user, &group).await?;
            } else {
                core.remove_user_from_group(&pool, &user, &group).await?;
            }
            Ok(json!({}))
        }
        "AdminListGroupsForUser" => {
            let r: AdminUserRequest = input(body)?;
            let (pool, user) = admin_user(core, &r.user_pool_id, &r.username).await?;
            let page = core
                .groups_for_user(&pool, &user, limit(r.limit), r.next_token.as_deref())
                .await?;
            let mut out =
                json!({ "Groups": page.items.iter().map(wire::group).collect::<Vec<_>>() });
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            Ok(out)
        }
        "ListUsersInGroup" => {
            let r: GroupRequest = input(body)?;
            let page = core
                .users_in_group(
                    &r.user_pool_id,
                    &r.group_name,
                    limit(r.limit),
                    r.next_token.as_deref(),
                )
                .await?;
            let mut out = json!({ "Users": page.items.iter().map(|u| wire::user_type(u, None)).collect::<Vec<_>>() });
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            Ok(out)
        }
        _ => crate::ops_auth::dispatch(state, _ctx, op, body).await,
    }
}
