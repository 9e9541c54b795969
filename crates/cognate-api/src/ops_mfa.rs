//! Handlers for MFA: pool factors, user preferences, software tokens.

use crate::awsjson::{RequestContext, input};
use crate::router::AppState;
use cognate_core::mfa::{FactorSetting, PoolFactors, UserMfa};
use cognate_core::model::{User, UserPool};
use cognate_core::{CoreError, CoreResult};
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoolMfaRequest {
    user_pool_id: String,
    mfa_configuration: Option<String>,
    #[serde(flatten)]
    factors: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PreferenceRequest {
    access_token: Option<String>,
    user_pool_id: Option<String>,
    username: Option<String>,
    #[serde(rename = "SMSMfaSettings")]
    sms_mfa_settings: Option<FactorSetting>,
    software_token_mfa_settings: Option<FactorSetting>,
    email_mfa_settings: Option<FactorSetting>,
    #[serde(rename = "MFAOptions", default)]
    mfa_options: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SoftwareTokenRequest {
    access_token: Option<String>,
    session: Option<String>,
    user_code: Option<String>,
    friendly_device_name: Option<String>,
}

/// The MFA members of GetUser / AdminGetUser.
pub fn user_mfa_fields(user: &User, out: &mut Value) {
    let mfa = UserMfa::of(user);
    let enabled = mfa.enabled();
    if !enabled.is_empty() {
        out["UserMFASettingList"] = json!(enabled);
    }
    if let Some(p) = &mfa.preferred {
        out["PreferredMfaSetting"] = json!(p);
    }
    if mfa.sms_enabled {
        out["MFAOptions"] = json!([{ "DeliveryMedium": "SMS", "AttributeName": "phone_number" }]);
    }
}

fn pool_mfa(pool: &UserPool) -> Value {
    let factors = PoolFactors::of(pool);
    let stored = pool.mfa_factors.clone().unwrap_or_else(|| json!({}));
    let mut out = json!({
        "MfaConfiguration": pool.settings.mfa_configuration.clone().unwrap_or_else(|| "OFF".into()),
        "SoftwareTokenMfaConfiguration": { "Enabled": factors.totp },
    });
    for key in [
        "SmsMfaConfiguration",
        "EmailMfaConfiguration",
        "WebAuthnConfiguration",
    ] {
        if let Some(v) = stored.get(key).filter(|v| !v.is_null()) {
            out[key] = v.clone();
        }
    }
    out
}

pub async fn dispatch(
    state: &AppState,
    _ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    match op {
        "SetUserPoolMfaConfig" => {
            let r: PoolMfaRequest = input(body)?;
            let mut factors = r.factors;
            factors.remove("UserPoolId");
            factors.remove("MfaConfiguration");
            let pool = core
                .set_pool_mfa_config(&r.user_pool_id, r.mfa_configuration, Value::Object(factors))
                .await?;
            Ok(pool_mfa(&pool))
        }
        "GetUserPoolMfaConfig" => {
            let r: PoolMfaRequest = input(body)?;
            Ok(pool_mfa(&core.require_pool(&r.user_pool_id).await?))
        }
        "SetUserMFAPreference"
        | "AdminSetUserMFAPreference"
        | "SetUserSettings"
        | "AdminSetUserSettings" => {
            let r: PreferenceRequest = input(body)?;
            let (_, mut user) = match (&r.access_token, &r.user_pool_id, &r.username) {
                (Some(token), _, _) => {
                    let ctx = core.check_access_token(token).await?;
                    (ctx.pool, ctx.user)
                }
                (None, Some(pool_id), Some(username)) => {
                    let pool = core.require_pool(pool_id).await?;
                    let user = core.require_user(&pool, username).await?;
                    (pool, user)
                }
                _ => {
                    return Err(CoreError::invalid_parameter(
                        "Missing AccessToken or UserPoolId/Username.",
                    ));
                }
            };
            let mut sms = r.sms_mfa_settings;
            if op.ends_with("SetUserSettings") {
                // Legacy: an MFAOptions entry with DeliveryMedium SMS turns SMS MFA on; none turns it off.
                let on = r
                    .mfa_options
                    .iter()
                    .any(|o| o.get("DeliveryMedium").and_then(Value::as_str) == Some("SMS"));
                sms = Some(FactorSetting {
                    enabled: Some(on),
                    preferred_mfa: None,
                });
            }
            core.set_mfa_preference(
                &mut user,
                sms,
                r.software_token_mfa_settings,
                r.email_mfa_settings,
            )
            .await?;
            Ok(json!({}))
        }
        "AssociateSoftwareToken" => {
            let r: SoftwareTokenRequest = input(body)?;
            match (&r.access_token, &r.session) {
                (Some(token), None) => {
                    let mut ctx = core.check_access_token(token).await?;
                    let secret = core.associate_software_token(&mut ctx.user).await?;
                    Ok(json!({ "SecretCode": secret }))
                }
                (None, Some(session)) => {
                    let (_, mut user, step) = core.setup_session_user(session, true).await?;
                    let secret = core.associate_software_token(&mut user).await?;
                    Ok(
                        json!({ "SecretCode": secret, "Session": core.next_setup_session(&step, false).await? }),
                    )
                }
                _ => Err(CoreError::invalid_parameter(
                    "Give either AccessToken or Session.",
                )),
            }
        }
        "VerifySoftwareToken" => {
            let r: SoftwareTokenRequest = input(body)?;
            let code = r.user_code.clone().unwrap_or_default();
            match (&r.access_token, &r.session) {
                (Some(token), None) => {
                    let mut ctx = core.check_access_token(token).await?;
                    core.verify_software_token(&mut ctx.user, &code, r.friendly_device_name)
                        .await?;
                    Ok(json!({ "Status": "SUCCESS" }))
                }
                (None, Some(session)) => {
                    let (_, mut user, step) = core.setup_session_user(session, false).await?;
                    core.verify_software_token(&mut user, &code, r.friendly_device_name)
                        .await?;
                    Ok(
                        json!({ "Status": "SUCCESS", "Session": core.next_setup_session(&step, true).await? }),
                    )
                }
                _ => Err(CoreError::invalid_parameter(
                    "Give either AccessToken or Session.",
                )),
            }
        }
        _ => crate::ops_devices::dispatch(state, _ctx, op, body).await,
    }
}
