//! Hosted-UI domains and identity providers: CreateUserPoolDomain,
//! DescribeUserPoolDomain, UpdateUserPoolDomain, DeleteUserPoolDomain,
//! CreateIdentityProvider, DescribeIdentityProvider, UpdateIdentityProvider,
//! DeleteIdentityProvider, ListIdentityProviders, GetIdentityProviderByIdentifier.

use crate::awsjson::{RequestContext, input};
use crate::router::AppState;
use crate::wire;
use cognate_core::CoreResult;
use cognate_core::federation::{CreateProviderInput, UpdateProviderInput};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DomainInput {
    domain: String,
    user_pool_id: Option<String>,
    custom_domain_config: Option<Value>,
    managed_login_version: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProviderRef {
    user_pool_id: String,
    provider_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProviderList {
    user_pool_id: String,
    max_results: Option<usize>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ByIdentifier {
    user_pool_id: String,
    idp_identifier: String,
}

pub async fn dispatch(
    state: &AppState,
    ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    match op {
        "CreateUserPoolDomain" => {
            let r: DomainInput = input(body)?;
            let d = core
                .create_user_pool_domain(
                    r.user_pool_id.as_deref().unwrap_or_default(),
                    &r.domain,
                    r.custom_domain_config,
                    r.managed_login_version,
                )
                .await?;
            Ok(wire::domain_change(&d))
        }
        "DescribeUserPoolDomain" => {
            let r: DomainInput = input(body)?;
            // cognito-compat: an unknown domain is an empty description, not an error.
            let d = core.describe_user_pool_domain(&r.domain).await?;
            let description = d.map_or_else(
                || json!({}),
                |d| wire::domain_description(&d, &core.identity().account_id),
            );
            Ok(json!({ "DomainDescription": description }))
        }
        "UpdateUserPoolDomain" => {
            let r: DomainInput = input(body)?;
            let d = core
                .update_user_pool_domain(
                    r.user_pool_id.as_deref().unwrap_or_default(),
                    &r.domain,
                    r.custom_domain_config,
                    r.managed_login_version,
                )
                .await?;
            Ok(wire::domain_change(&d))
        }
        "DeleteUserPoolDomain" => {
            let r: DomainInput = input(body)?;
            core.delete_user_pool_domain(r.user_pool_id.as_deref().unwrap_or_default(), &r.domain)
                .await?;
            Ok(json!({}))
        }
        "CreateIdentityProvider" => {
            let r: CreateProviderInput = input(body)?;
            let p = core.create_identity_provider(r).await?;
            Ok(json!({ "IdentityProvider": wire::identity_provider(&p) }))
        }
        "DescribeIdentityProvider" => {
            let r: ProviderRef = input(body)?;
            let p = core
                .describe_identity_provider(&r.user_pool_id, &r.provider_name)
                .await?;
            Ok(json!({ "IdentityProvider": wire::identity_provider(&p) }))
        }
        "UpdateIdentityProvider" => {
            let r: UpdateProviderInput = input(body)?;
            let p = core.update_identity_provider(r).await?;
            Ok(json!({ "IdentityProvider": wire::identity_provider(&p) }))
        }
        "DeleteIdentityProvider" => {
            let r: ProviderRef = input(body)?;
            core.delete_identity_provider(&r.user_pool_id, &r.provider_name)
                .await?;
            Ok(json!({}))
        }
        "ListIdentityProviders" => {
            let r: ProviderList = input(body)?;
            let page = core
                .list_identity_providers(
                    &r.user_pool_id,
                    r.max_results.unwrap_or(60),
                    r.next_token.as_deref(),
                )
                .await?;
            let mut out = json!({
                "Providers": page.items.iter().map(wire::provider_description).collect::<Vec<_>>()
            });
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            Ok(out)
        }
        "GetIdentityProviderByIdentifier" => {
            let r: ByIdentifier = input(body)?;
            let p = core
                .identity_provider_by_identifier(&r.user_pool_id, &r.idp_identifier)
                .await?;
            Ok(json!({ "IdentityProvider": wire::identity_provider(&p) }))
        }
        _ => crate::ops_users::dispatch(state, ctx, op, body).await,
    }
}
