//! Handlers for remembered devices (ConfirmDevice, Get/List/UpdateStatus/Forget
//! and their Admin variants) and for GetUserAuthFactors / AdminGetUserAuthFactors.

use crate::awsjson::{RequestContext, input, not_implemented};
use crate::router::AppState;
use cognate_core::model::{Device, User, UserPool};
use cognate_core::{Cognate, CoreError, CoreResult};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VerifierConfig {
    password_verifier: Option<String>,
    salt: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceRequest {
    access_token: Option<String>,
    user_pool_id: Option<String>,
    username: Option<String>,
    device_key: Option<String>,
    device_name: Option<String>,
    device_secret_verifier_config: Option<VerifierConfig>,
    device_remembered_status: Option<String>,
    limit: Option<usize>,
    pagination_token: Option<String>,
}

/// Cognito's page size limit for ListDevices.
const MAX_DEVICES_PAGE: usize = 60;

/// A `DeviceType`.
fn device(pool: &UserPool, user: &User, d: &Device) -> Value {
    let arn_prefix = pool
        .arn
        .split_once(":userpool/")
        .map_or(pool.arn.as_str(), |(p, _)| p);
    let owner = format!("{}.{}", user.username, pool.id);
    let mut attrs = vec![json!({ "Name": "device_status", "Value": "valid" })];
    if let Some(n) = &d.name {
        attrs.push(json!({ "Name": "device_name", "Value": n }));
    }
    attrs.push(json!({
        "Name": "dev:device_arn",
        "Value": format!("{arn_prefix}:owner/{owner}/device/{}", d.device_key),
    }));
    attrs.push(json!({ "Name": "dev:device_owner", "Value": owner }));
    if let Some(ip) = &d.last_ip {
        attrs.push(json!({ "Name": "last_ip_used", "Value": ip }));
    }
    if let Some(s) = &d.remembered_status {
        attrs.push(json!({ "Name": "dev:device_remembered_status", "Value": s }));
    }
    let mut out = json!({
        "DeviceKey": d.device_key,
        "DeviceAttributes": attrs,
        "DeviceCreateDate": d.created,
        "DeviceLastModifiedDate": d.modified,
    });
    if let Some(t) = d.last_authenticated {
        out["DeviceLastAuthenticatedDate"] = json!(t);
    }
    out
}

/// The user a device operation is about: the access token's, or (Admin*) the
/// named one.
async fn subject(core: &Cognate, r: &DeviceRequest, admin: bool) -> CoreResult<(UserPool, User)> {
    if admin {
        let pool = core
            .require_pool(r.user_pool_id.as_deref().unwrap_or_default())
            .await?;
        let user = core
            .require_user(&pool, r.username.as_deref().unwrap_or_default())
            .await?;
        return Ok((pool, user));
    }
    let token = r
        .access_token
        .as_deref()
        .ok_or_else(|| CoreError::not_authorized("Missing AccessToken."))?;
    let ctx = core.check_access_token(token).await?;
    Ok((ctx.pool, ctx.user))
}

pub async fn dispatch(
    state: &AppState,
    _ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    let admin = op.starts_with("Admin");
    match op {
        "ConfirmDevice" => {
            let r: DeviceRequest = input(body)?;
            let (pool, user) = subject(core, &r, false).await?;
            let config = r
                .device_secret_verifier_config
                .as_ref()
                .and_then(|c| c.salt.as_deref().zip(c.password_verifier.as_deref()));
            let necessary = core
                .confirm_device(
                    &pool,
                    &user,
                    r.device_key.as_deref().unwrap_or_default(),
                    config,
                    r.device_name.clone(),
                )
                .await?;
            Ok(json!({ "UserConfirmationNecessary": necessary }))
        }
        "GetDevice" | "AdminGetDevice" => {
            let r: DeviceRequest = input(body)?;
            let (pool, user) = subject(core, &r, admin).await?;
            let d = core
                .user_device(&pool, &user, r.device_key.as_deref().unwrap_or_default())
                .await?;
            Ok(json!({ "Device": device(&pool, &user, &d) }))
        }
        "ListDevices" | "AdminListDevices" => {
            let r: DeviceRequest = input(body)?;
            let (pool, user) = subject(core, &r, admin).await?;
            let limit = r
                .limit
                .filter(|l| *l > 0)
                .unwrap_or(MAX_DEVICES_PAGE)
                .min(MAX_DEVICES_PAGE);
            let page = core
                .list_user_devices(&pool, &user, limit, r.pagination_token.as_deref())
                .await?;
            let mut out = json!({
                "Devices": page.items.iter().map(|d| device(&pool, &user, d)).collect::<Vec<_>>(),
            });
            if let Some(t) = page.next_token {
                out["PaginationToken"] = json!(t);
            }
            Ok(out)
        }
        "UpdateDeviceStatus" | "AdminUpdateDeviceStatus" => {
            let r: DeviceRequest = input(body)?;
            let (pool, user) = subject(core, &r, admin).await?;
            core.update_device_status(
                &pool,
                &user,
                r.device_key.as_deref().unwrap_or_default(),
                r.device_remembered_status.as_deref().unwrap_or_default(),
            )
            .await?;
            Ok(json!({}))
        }
        "ForgetDevice" | "AdminForgetDevice" => {
            let r: DeviceRequest = input(body)?;
            let (pool, user) = subject(core, &r, admin).await?;
            core.forget_device(&pool, &user, r.device_key.as_deref().unwrap_or_default())
                .await?;
            Ok(json!({}))
        }
        "GetUserAuthFactors" | "AdminGetUserAuthFactors" => {
            let r: DeviceRequest = input(body)?;
            let (pool, user) = subject(core, &r, admin).await?;
            let mut out = json!({
                "Username": user.username,
                "ConfiguredUserAuthFactors": Cognate::configured_user_auth_factors(&pool, &user),
            });
            crate::ops_mfa::user_mfa_fields(&user, &mut out);
            if let Some(o) = out.as_object_mut() {
                // GetUserAuthFactors has no MFAOptions member.
                o.remove("MFAOptions");
            }
            Ok(out)
        }
        _ => Err(not_implemented(op)),
    }
}
