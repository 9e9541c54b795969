//! Handlers for sign-in and the token-authenticated user operations.

use crate::awsjson::{RequestContext, input};
use crate::router::AppState;
use crate::wire;
use cognate_core::CoreResult;
use cognate_core::auth::{Api, AuthOutcome, InitiateAuthInput, RespondInput};
use cognate_core::triggers::CallMeta;
use cognate_core::users::WriteMode;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateAuthRequest {
    user_pool_id: Option<String>,
    client_id: String,
    auth_flow: String,
    #[serde(default)]
    auth_parameters: BTreeMap<String, String>,
    #[serde(default)]
    client_metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RespondRequest {
    user_pool_id: Option<String>,
    client_id: String,
    challenge_name: String,
    #[serde(default)]
    challenge_responses: BTreeMap<String, String>,
    session: Option<String>,
    #[serde(default)]
    client_metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TokenRequest {
    access_token: String,
    #[serde(default)]
    user_attributes: Vec<AttributeType>,
    #[serde(default)]
    user_attribute_names: Vec<String>,
    previous_password: Option<String>,
    proposed_password: Option<String>,
    attribute_name: Option<String>,
    code: Option<String>,
    #[serde(default)]
    client_metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeType {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevokeRequest {
    token: String,
    client_id: String,
    client_secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshRequest {
    refresh_token: String,
    client_id: String,
    client_secret: Option<String>,
    device_key: Option<String>,
    #[serde(default)]
    client_metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AdminUserRef {
    user_pool_id: String,
    username: String,
}

fn outcome(o: AuthOutcome) -> Value {
    match o {
        AuthOutcome::Tokens(t) => {
            let mut result = json!({
                "AccessToken": t.access_token,
                "ExpiresIn": t.expires_in,
                "TokenType": "Bearer",
                "IdToken": t.id_token,
            });
            if let Some(r) = t.refresh_token {
                result["RefreshToken"] = json!(r);
            }
            if let Some((key, group)) = t.new_device {
                result["NewDeviceMetadata"] = json!({ "DeviceKey": key, "DeviceGroupKey": group });
            }
            json!({ "AuthenticationResult": result, "ChallengeParameters": {} })
        }
        AuthOutcome::SelectChallenge {
            available,
            parameters,
            session,
        } => {
            let mut out = json!({
                "ChallengeName": "SELECT_CHALLENGE",
                "ChallengeParameters": parameters,
                "AvailableChallenges": available,
            });
            if let Some(s) = session {
                out["Session"] = json!(s);
            }
            out
        }
        AuthOutcome::Challenge {
            name,
            parameters,
            session,
        } => {
            let mut out = json!({ "ChallengeName": name, "ChallengeParameters": parameters });
            if let Some(s) = session {
                out["Session"] = json!(s);
            }
            out
        }
    }
}

pub async fn dispatch(
    state: &AppState,
    ctx: &RequestContext,
    op: &str,
    body: Value,
) -> CoreResult<Value> {
    let core = &state.core;
    match op {
        "InitiateAuth" | "AdminInitiateAuth" => {
            let r: InitiateAuthRequest = input(body)?;
            let api = if op == "InitiateAuth" {
                Api::Client
            } else {
                Api::Admin
            };
            let o = core
                .initiate_auth(
                    api,
                    InitiateAuthInput {
                        pool_id: r.user_pool_id,
                        client_id: r.client_id,
                        auth_flow: r.auth_flow,
                        parameters: r.auth_parameters,
                        client_metadata: r.client_metadata,
                        source_ip: ctx.source_ip.clone(),
                    },
                )
                .await?;
            Ok(outcome(o))
        }
        "RespondToAuthChallenge" | "AdminRespondToAuthChallenge" => {
            let r: RespondRequest = input(body)?;
            let api = if op == "RespondToAuthChallenge" {
                Api::Client
            } else {
                Api::Admin
            };
            let o = core
                .respond_to_auth_challenge(
                    api,
                    RespondInput {
                        pool_id: r.user_pool_id,
                        client_id: r.client_id,
                        challenge_name: r.challenge_name,
                        responses: r.challenge_responses,
                        session: r.session,
                        client_metadata: r.client_metadata,
                        source_ip: ctx.source_ip.clone(),
                    },
                )
                .await?;
            Ok(outcome(o))
        }
        "GetUser" => {
            let r: TokenRequest = input(body)?;
            let ctx = core.check_access_token(&r.access_token).await?;
            let readable = ctx
                .client
                .as_ref()
                .map_or(&[][..], |c| &c.settings.read_attributes[..]);
            let only: Option<Vec<String>> = (!readable.is_empty()).then(|| {
                let mut r = readable.to_vec();
                r.push("sub".into());
                r
            });
            let mut attrs = wire::attributes(&ctx.user, only.as_deref());
            attrs.retain(|a| !a["Name"].as_str().unwrap_or_default().starts_with("dev:"));
            let mut out = json!({ "Username": ctx.user.username, "UserAttributes": attrs });
            crate::ops_mfa::user_mfa_fields(&ctx.user, &mut out);
            Ok(out)
        }
        "UpdateUserAttributes" => {
            let r: TokenRequest = input(body)?;
            let mut ctx = core.check_access_token(&r.access_token).await?;
            let client = core
                .describe_user_pool_client(&ctx.pool.id, &ctx.client_id)
                .await?;
            let attrs: Vec<(String, String)> = r
                .user_attributes
                .into_iter()
                .map(|a| (a.name, a.value.unwrap_or_default()))
                .collect();
            let deliveries = core
                .update_attributes(
                    &ctx.pool,
                    Some(&client),
                    &mut ctx.user,
                    &attrs,
                    WriteMode::SelfUpdate,
                    &CallMeta {
                        client_id: Some(ctx.client_id.clone()),
                        client_metadata: r.client_metadata.clone(),
                        validation_data: Default::default(),
                    },
                )
                .await?;
            Ok(
                json!({ "CodeDeliveryDetailsList": deliveries.iter().map(wire::code_delivery).collect::<Vec<_>>() }),
            )
        }
        "DeleteUserAttributes" => {
            let r: TokenRequest = input(body)?;
            let mut ctx = core.check_access_token(&r.access_token).await?;
            core.delete_attributes(&ctx.pool, &mut ctx.user, &r.user_attribute_names, false)
                .await?;
            Ok(json!({}))
        }
        "ChangePassword" => {
            let r: TokenRequest = input(body)?;
            let mut ctx = core.check_access_token(&r.access_token).await?;
            core.change_password(
                &ctx.pool,
                &mut ctx.user,
                r.previous_password.as_deref(),
                r.proposed_password.as_deref().unwrap_or_default(),
            )
            .await?;
            Ok(json!({}))
        }
        "DeleteUser" => {
            let r: TokenRequest = input(body)?;
            let ctx = core.check_access_token(&r.access_token).await?;
            core.delete_user(&ctx.pool, &ctx.user).await?;
            Ok(json!({}))
        }
        "GetUserAttributeVerificationCode" => {
            let r: TokenRequest = input(body)?;
            let ctx = core.check_access_token(&r.access_token).await?;
            let attr = r.attribute_name.unwrap_or_default();
            let d = core
                .send_attribute_code(
                    &ctx.pool,
                    &ctx.user,
                    &attr,
                    &CallMeta {
                        client_id: Some(ctx.client_id.clone()),
                        client_metadata: r.client_metadata.clone(),
                        validation_data: Default::default(),
                    },
                )
                .await?;
            Ok(json!({ "CodeDeliveryDetails": wire::code_delivery(&d) }))
        }
        "VerifyUserAttribute" => {
            let r: TokenRequest = input(body)?;
            let mut ctx = core.check_access_token(&r.access_token).await?;
            let attr = r.attribute_name.unwrap_or_default();
            core.verify_attribute(&ctx.pool, &mut ctx.user, &attr, &r.code.unwrap_or_default())
                .await?;
            Ok(json!({}))
        }
        "GlobalSignOut" => {
            let r: TokenRequest = input(body)?;
            let ctx = core.check_access_token(&r.access_token).await?;
            core.global_sign_out(&ctx.pool, &ctx.user).await?;
            Ok(json!({}))
        }
        "AdminUserGlobalSignOut" => {
            let r: AdminUserRef = input(body)?;
            let pool = core.require_pool(&r.user_pool_id).await?;
            let user = core.require_user(&pool, &r.username).await?;
            core.global_sign_out(&pool, &user).await?;
            Ok(json!({}))
        }
        "GetTokensFromRefreshToken" => {
            let r: RefreshRequest = input(body)?;
            let (pool, client) = core.client_by_id(&r.client_id).await?;
            if let Some(secret) = &client.client_secret {
                let given = r.client_secret.as_deref().unwrap_or_default();
                if !cognate_crypto::constant_time_eq(given.as_bytes(), secret.as_bytes()) {
                    return Err(cognate_core::CoreError::not_authorized(format!(
                        "Unable to verify secret hash for client {}",
                        client.client_id
                    )));
                }
            }
            let (claims, user, session) =
                core.check_refresh_token(&client, &r.refresh_token).await?;
            core.check_refresh_device(
                &pool,
                &user,
                claims.device_key.as_deref(),
                r.device_key.as_deref(),
            )
            .await?;
            let meta = CallMeta {
                client_id: Some(client.client_id.clone()),
                client_metadata: r.client_metadata,
                validation_data: Default::default(),
            };
            let tokens = core
                .refresh(&pool, &client, &claims, &user, &session, &meta)
                .await?;
            Ok(outcome(AuthOutcome::Tokens(tokens)))
        }
        "RevokeToken" => {
            let r: RevokeRequest = input(body)?;
            let (_, client) = core.client_by_id(&r.client_id).await?;
            core.revoke_token(&client, &r.token, r.client_secret.as_deref())
                .await?;
            Ok(json!({}))
        }
        _ => crate::ops_mfa::dispatch(state, ctx, op, body).await,
    }
}
