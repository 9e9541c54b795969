//! One handler per cognito-identity operation.

use crate::awsjson::{RequestContext, input, not_implemented};
use crate::router::AppState;
use cognate_core::CoreResult;
use cognate_core::identity::IdentityPoolInput;
use cognate_core::identity::model::{IdentityRecord, RoleMapping};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoolRef {
    identity_pool_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    identity_pool_id: Option<String>,
    max_results: Option<usize>,
    next_token: Option<String>,
    #[serde(default)]
    hide_disabled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RolesInput {
    identity_pool_id: String,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    #[serde(default)]
    role_mappings: BTreeMap<String, RoleMapping>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    resource_arn: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    tag_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetIdInput {
    identity_pool_id: String,
    #[serde(default)]
    logins: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdentityInput {
    identity_id: String,
    #[serde(default)]
    logins: BTreeMap<String, String>,
    custom_role_arn: Option<String>,
    #[serde(default)]
    logins_to_remove: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeveloperTokenInput {
    identity_pool_id: String,
    identity_id: Option<String>,
    #[serde(default)]
    logins: BTreeMap<String, String>,
    token_duration: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LookupInput {
    identity_pool_id: String,
    identity_id: Option<String>,
    developer_user_identifier: Option<String>,
    max_results: Option<usize>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MergeInput {
    identity_pool_id: String,
    source_user_identifier: String,
    destination_user_identifier: String,
    developer_provider_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnlinkDeveloperInput {
    identity_pool_id: String,
    identity_id: String,
    developer_provider_name: String,
    developer_user_identifier: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteIdentitiesInput {
    identity_ids_to_delete: Vec<String>,
}

/// DescribeIdentity / ListIdentities shape.
fn identity_description(i: &IdentityRecord) -> Value {
    let mut providers: Vec<&str> = i.logins.iter().map(|l| l.provider.as_str()).collect();
    providers.dedup();
    let mut out = json!({
        "IdentityId": i.identity_id,
        "CreationDate": i.created_at,
        "LastModifiedDate": i.updated_at,
    });
    if !providers.is_empty() {
        out["Logins"] = json!(providers);
    }
    out
}

fn with_next(mut out: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    out
}

pub async fn dispatch(
    state: &AppState,
    ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    match op {
        "CreateIdentityPool" => {
            let req: IdentityPoolInput = input(body)?;
            let pool = core
                .create_identity_pool(req, ctx.region.as_deref())
                .await?;
            Ok(json!(pool))
        }
        "DescribeIdentityPool" => {
            let r: PoolRef = input(body)?;
            Ok(json!(
                core.describe_identity_pool(&r.identity_pool_id).await?
            ))
        }
        "UpdateIdentityPool" => {
            let req: IdentityPoolInput = input(body)?;
            Ok(json!(core.update_identity_pool(req).await?))
        }
        "DeleteIdentityPool" => {
            let r: PoolRef = input(body)?;
            core.delete_identity_pool(&r.identity_pool_id).await?;
            Ok(json!({}))
        }
        "ListIdentityPools" => {
            let r: ListInput = input(body)?;
            let page = core
                .list_identity_pools(r.max_results.unwrap_or(60), r.next_token.as_deref())
                .await?;
            let pools: Vec<Value> = page
                .items
                .iter()
                .map(|p| json!({"IdentityPoolId": p.identity_pool_id, "IdentityPoolName": p.identity_pool_name}))
                .collect();
            Ok(with_next(
                json!({ "IdentityPools": pools }),
                page.next_token,
            ))
        }
        "SetIdentityPoolRoles" => {
            let r: RolesInput = input(body)?;
            core.set_identity_pool_roles(&r.identity_pool_id, r.roles, r.role_mappings)
                .await?;
            Ok(json!({}))
        }
        "GetIdentityPoolRoles" => {
            let r: PoolRef = input(body)?;
            let (roles, mappings) = core.get_identity_pool_roles(&r.identity_pool_id).await?;
            let mut out = json!({ "IdentityPoolId": r.identity_pool_id, "Roles": roles });
            if !mappings.is_empty() {
                out["RoleMappings"] = json!(mappings);
            }
            Ok(out)
        }
        "TagResource" => {
            let r: TagInput = input(body)?;
            core.tag_identity_pool(&r.resource_arn, r.tags).await?;
            Ok(json!({}))
        }
        "UntagResource" => {
            let r: TagInput = input(body)?;
            core.untag_identity_pool(&r.resource_arn, &r.tag_keys)
                .await?;
            Ok(json!({}))
        }
        "ListTagsForResource" => {
            let r: TagInput = input(body)?;
            Ok(json!({ "Tags": core.identity_pool_tags(&r.resource_arn).await? }))
        }
        "GetId" => {
            let r: GetIdInput = input(body)?;
            let id = core.get_id(&r.identity_pool_id, &r.logins).await?;
            Ok(json!({ "IdentityId": id }))
        }
        "GetCredentialsForIdentity" => {
            let r: IdentityInput = input(body)?;
            let out = core
                .get_credentials_for_identity(
                    &r.identity_id,
                    &r.logins,
                    r.custom_role_arn.as_deref(),
                )
                .await?;
            let c = out.credentials;
            Ok(json!({
                "IdentityId": out.identity_id,
                "Credentials": {
                    "AccessKeyId": c.access_key_id,
                    "SecretKey": c.secret_access_key,
                    "SessionToken": c.session_token,
                    "Expiration": c.expiration,
                },
            }))
        }
        "GetOpenIdToken" => {
            let r: IdentityInput = input(body)?;
            let (id, token) = core.get_open_id_token(&r.identity_id, &r.logins).await?;
            Ok(json!({ "IdentityId": id, "Token": token }))
        }
        "GetOpenIdTokenForDeveloperIdentity" => {
            let r: DeveloperTokenInput = input(body)?;
            let (id, token) = core
                .get_open_id_token_for_developer_identity(
                    &r.identity_pool_id,
                    r.identity_id.as_deref(),
                    &r.logins,
                    r.token_duration,
                )
                .await?;
            Ok(json!({ "IdentityId": id, "Token": token }))
        }
        "LookupDeveloperIdentity" => {
            let r: LookupInput = input(body)?;
            let (id, page) = core
                .lookup_developer_identity(
                    &r.identity_pool_id,
                    r.identity_id.as_deref(),
                    r.developer_user_identifier.as_deref(),
                    r.max_results.unwrap_or(60),
                    r.next_token.as_deref(),
                )
                .await?;
            Ok(with_next(
                json!({ "IdentityId": id, "DeveloperUserIdentifierList": page.items }),
                page.next_token,
            ))
        }
        "MergeDeveloperIdentities" => {
            let r: MergeInput = input(body)?;
            let id = core
                .merge_developer_identities(
                    &r.identity_pool_id,
                    &r.developer_provider_name,
                    &r.source_user_identifier,
                    &r.destination_user_identifier,
                )
                .await?;
            Ok(json!({ "IdentityId": id }))
        }
        "UnlinkDeveloperIdentity" => {
            let r: UnlinkDeveloperInput = input(body)?;
            core.unlink_developer_identity(
                &r.identity_pool_id,
                &r.identity_id,
                &r.developer_provider_name,
                &r.developer_user_identifier,
            )
            .await?;
            Ok(json!({}))
        }
        "UnlinkIdentity" => {
            let r: IdentityInput = input(body)?;
            core.unlink_identity(&r.identity_id, &r.logins, &r.logins_to_remove)
                .await?;
            Ok(json!({}))
        }
        "DescribeIdentity" => {
            let r: IdentityInput = input(body)?;
            Ok(identity_description(
                &core.describe_identity(&r.identity_id).await?,
            ))
        }
        "ListIdentities" => {
            let r: ListInput = input(body)?;
            let pool_id = r.identity_pool_id.unwrap_or_default();
            let page = core
                .list_identities(
                    &pool_id,
                    r.hide_disabled,
                    r.max_results.unwrap_or(60),
                    r.next_token.as_deref(),
                )
                .await?;
            let items: Vec<Value> = page.items.iter().map(identity_description).collect();
            Ok(with_next(
                json!({ "IdentityPoolId": pool_id, "Identities": items }),
                page.next_token,
            ))
        }
        "DeleteIdentities" => {
            let r: DeleteIdentitiesInput = input(body)?;
            let unprocessed = core.delete_identities(&r.identity_ids_to_delete).await?;
            let items: Vec<Value> = unprocessed
                .iter()
                .map(|id| json!({"IdentityId": id, "ErrorCode": "InternalServerError"}))
                .collect();
            Ok(json!({ "UnprocessedIdentityIds": items }))
        }
        _ => Err(not_implemented(op)),
    }
}
