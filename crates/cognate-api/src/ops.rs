//! One handler per cognito-idp operation, named after the action. Handlers
//! decode their input, call the domain and shape the output; nothing else.

use crate::awsjson::{RequestContext, input};
use crate::router::AppState;
use crate::wire;
use cognate_core::CoreResult;
use cognate_core::clients::{CreateClientInput, UpdateClientInput};
use cognate_core::model::SchemaAttribute;
use cognate_core::pools::{CreateUserPoolInput, UpdateUserPoolInput};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoolRef {
    user_pool_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClientRef {
    user_pool_id: String,
    client_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    user_pool_id: Option<String>,
    max_results: Option<usize>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddCustomAttributes {
    user_pool_id: String,
    custom_attributes: Vec<SchemaAttribute>,
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

pub async fn user_pools(
    state: &AppState,
    ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    match op {
        "CreateUserPool" => {
            let req: CreateUserPoolInput = input(body)?;
            let pool = core
                .create_user_pool(req, ctx.region.as_deref(), None)
                .await?;
            Ok(json!({ "UserPool": wire::user_pool(&pool, 0) }))
        }
        "DescribeUserPool" => {
            let r: PoolRef = input(body)?;
            let (pool, users) = core.describe_user_pool(&r.user_pool_id).await?;
            let mut out = wire::user_pool(&pool, users);
            if let Some(d) = core.pool_domain(&pool.id).await? {
                let member = if d.custom_domain_config.is_some() {
                    "CustomDomain"
                } else {
                    "Domain"
                };
                out[member] = json!(d.domain);
            }
            Ok(json!({ "UserPool": out }))
        }
        "UpdateUserPool" => {
            let req: UpdateUserPoolInput = input(body)?;
            core.update_user_pool(req).await?;
            Ok(json!({}))
        }
        "DeleteUserPool" => {
            let r: PoolRef = input(body)?;
            core.delete_user_pool(&r.user_pool_id).await?;
            Ok(json!({}))
        }
        "ListUserPools" => {
            let r: ListInput = input(body)?;
            let page = core
                .list_user_pools(r.max_results.unwrap_or(60), r.next_token.as_deref())
                .await?;
            let mut out = json!({ "UserPools": page.items.iter().map(wire::user_pool_description).collect::<Vec<_>>() });
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            Ok(out)
        }
        "AddCustomAttributes" => {
            let r: AddCustomAttributes = input(body)?;
            core.add_custom_attributes(&r.user_pool_id, &r.custom_attributes)
                .await?;
            Ok(json!({}))
        }
        "GetCSVHeader" => {
            let r: PoolRef = input(body)?;
            let header = core.csv_header(&r.user_pool_id).await?;
            Ok(json!({ "UserPoolId": r.user_pool_id, "CSVHeader": header }))
        }
        "TagResource" => {
            let r: TagInput = input(body)?;
            core.tag_resource(&r.resource_arn, r.tags).await?;
            Ok(json!({}))
        }
        "UntagResource" => {
            let r: TagInput = input(body)?;
            core.untag_resource(&r.resource_arn, &r.tag_keys).await?;
            Ok(json!({}))
        }
        "ListTagsForResource" => {
            let r: TagInput = input(body)?;
            let tags = core.list_tags(&r.resource_arn).await?;
            Ok(json!({ "Tags": tags }))
        }
        "CreateUserPoolClient" => {
            let req: CreateClientInput = input(body)?;
            let client = core.create_user_pool_client(req, None).await?;
            Ok(json!({ "UserPoolClient": wire::user_pool_client(&client) }))
        }
        "DescribeUserPoolClient" => {
            let r: ClientRef = input(body)?;
            let client = core
                .describe_user_pool_client(&r.user_pool_id, &r.client_id)
                .await?;
            Ok(json!({ "UserPoolClient": wire::user_pool_client(&client) }))
        }
        "UpdateUserPoolClient" => {
            let req: UpdateClientInput = input(body)?;
            let client = core.update_user_pool_client(req).await?;
            Ok(json!({ "UserPoolClient": wire::user_pool_client(&client) }))
        }
        "DeleteUserPoolClient" => {
            let r: ClientRef = input(body)?;
            core.delete_user_pool_client(&r.user_pool_id, &r.client_id)
                .await?;
            Ok(json!({}))
        }
        "ListUserPoolClients" => {
            let r: ListInput = input(body)?;
            let pool_id = r.user_pool_id.unwrap_or_default();
            let page = core
                .list_user_pool_clients(
                    &pool_id,
                    r.max_results.unwrap_or(60),
                    r.next_token.as_deref(),
                )
                .await?;
            let mut out = json!({ "UserPoolClients": page.items.iter().map(wire::user_pool_client_description).collect::<Vec<_>>() });
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            Ok(out)
        }
        _ => crate::ops_federation::dispatch(state, ctx, op, body).await,
    }
}
