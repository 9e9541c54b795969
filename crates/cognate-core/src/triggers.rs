//! Cognito's Lambda triggers: events in Cognito's exact JSON shape, sent through
//! the [`TriggerInvoker`] port, and their responses read back. Which API fires
//! which trigger, in which order, is decided by the callers (users, auth,
//! tokens); this module knows the envelope, the defaults and the error mapping.

use crate::error::{CoreError, CoreResult, ErrorKind};
use crate::model::{User, UserPool};
use crate::ports::{TriggerError, TriggerInvoker};
use crate::service::Cognate;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What the caller of an API passed that triggers may see.
#[derive(Debug, Clone, Default)]
pub struct CallMeta {
    pub client_id: Option<String>,
    pub client_metadata: BTreeMap<String, String>,
    pub validation_data: BTreeMap<String, String>,
}

impl CallMeta {
    pub fn client(client_id: &str) -> Self {
        Self {
            client_id: Some(client_id.to_string()),
            ..Default::default()
        }
    }
}

/// LambdaConfig keys whose value is a function ARN.
pub const TRIGGER_KEYS: &[&str] = &[
    "PreSignUp",
    "CustomMessage",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PreTokenGeneration",
    "UserMigration",
];

/// The response object Cognito sends with each trigger, before the handler fills it.
fn default_response(trigger: &str) -> Value {
    match trigger {
        "PreSignUp" => {
            json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false })
        }
        "DefineAuthChallenge" => {
            json!({ "challengeName": null, "issueTokens": null, "failAuthentication": null })
        }
        "CreateAuthChallenge" => {
            json!({ "publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null })
        }
        "VerifyAuthChallengeResponse" => json!({ "answerCorrect": null }),
        "PreTokenGeneration" => json!({ "claimsOverrideDetails": null }),
        "UserMigration" => json!({
            "userAttributes": null, "finalUserStatus": null, "messageAction": null,
            "desiredDeliveryMediums": null, "forceAliasCreation": null, "enableSMSMFA": null
        }),
        "CustomMessage" => {
            json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null })
        }
        _ => json!({}),
    }
}

/// `request.userAttributes`: the user's attributes plus Cognito's pseudo-attributes.
pub fn user_attributes(user: &User) -> Value {
    let mut m = Map::new();
    for (k, v) in &user.attributes {
        m.insert(k.clone(), json!(v));
    }
    m.insert("sub".into(), json!(user.sub));
    m.insert("cognito:user_status".into(), json!(user.status));
    if let Some(e) = &user.aliases.email
        && user.is_verified("email")
    {
        m.insert("cognito:email_alias".into(), json!(e));
    }
    if let Some(p) = &user.aliases.phone_number
        && user.is_verified("phone_number")
    {
        m.insert("cognito:phone_number_alias".into(), json!(p));
    }
    Value::Object(m)
}

pub fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

impl Cognate {
    pub fn with_triggers(mut self, invoker: Arc<dyn TriggerInvoker>) -> Self {
        self.triggers = Some(invoker);
        self
    }

    /// The ARN and event version configured for a trigger, if any.
    pub fn trigger_arn(pool: &UserPool, trigger: &str) -> Option<(String, String)> {
        let config = pool.settings.lambda_config.as_ref()?;
        if trigger == "PreTokenGeneration"
            && let Some(v) = config.get("PreTokenGenerationConfig")
            && let Some(arn) = v.get("LambdaArn").and_then(Value::as_str)
        {
            let version = match v.get("LambdaVersion").and_then(Value::as_str) {
                Some("V2_0") => "2",
                Some("V3_0") => "3",
                _ => "1",
            };
            return Some((arn.to_string(), version.to_string()));
        }
        config
            .get(trigger)
            .and_then(Value::as_str)
            .map(|a| (a.to_string(), "1".to_string()))
    }

    /// Refuses a LambdaConfig naming a function no transport can reach.
    pub(crate) fn check_lambda_config(
        &self,
        config: Option<&crate::model::LambdaConfig>,
    ) -> CoreResult<()> {
        let Some(config) = config else { return Ok(()) };
        for (key, value) in config {
            let arn = match value {
                Value::String(s) => s.as_str(),
                Value::Object(o) => match o.get("LambdaArn").and_then(Value::as_str) {
                    Some(a) => a,
                    None => continue,
                },
                _ => continue,
            };
            if key == "KMSKeyID" {
                continue;
            }
            let reachable = self.triggers.as_ref().is_some_and(|t| t.can_invoke(arn));
            if !reachable {
                return Err(CoreError::invalid_parameter(format!(
                    "No transport is configured for the {key} function {arn}: map it under [[triggers.functions]] in the server configuration, or configure [triggers.lambda]."
                )));
            }
        }
        Ok(())
    }

    /// Fires a trigger when the pool configures it and returns the handler's
    /// `response` object. `request` is the trigger-specific request object.
    pub(crate) async fn fire(
        &self,
        pool: &UserPool,
        trigger: &str,
        source: &str,
        user_name: &str,
        meta: &CallMeta,
        request: Map<String, Value>,
    ) -> CoreResult<Option<Map<String, Value>>> {
        let Some((arn, version)) = Self::trigger_arn(pool, trigger) else {
            return Ok(None);
        };
        let Some(invoker) = self.triggers.clone() else {
            return Err(CoreError::new(
                ErrorKind::UnexpectedLambda,
                format!("{trigger} failed: no trigger transport is configured."),
            ));
        };
        let mut caller = Map::new();
        caller.insert("awsSdkVersion".into(), json!("aws-sdk-unknown-unknown"));
        caller.insert(
            "clientId".into(),
            json!(meta.client_id.clone().unwrap_or_default()),
        );
        let mut response = default_response(trigger);
        if trigger == "PreTokenGeneration" && version != "1" {
            response = json!({ "claimsAndScopeOverrideDetails": null });
        }
        let event = json!({
            "version": version,
            "triggerSource": source,
            "region": pool.region(),
            "userPoolId": pool.id,
            "userName": user_name,
            "callerContext": caller,
            "request": request,
            "response": response,
        });
        let started = std::time::Instant::now();
        let result = invoker.invoke(&arn, &event).await;
        tracing::debug!(
            trigger,
            source,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "trigger invoked"
        );
        let returned = result.map_err(|e| match e {
            // cognito-compat: exactly one period appended to the handler's message.
            TriggerError::Function(msg) => CoreError::new(
                ErrorKind::UserLambdaValidation,
                format!("{trigger} failed with error {msg}."),
            ),
            TriggerError::Unreachable(why) => {
                tracing::warn!(trigger, error = %why, "trigger invocation failed");
                CoreError::new(
                    ErrorKind::UnexpectedLambda,
                    format!("{trigger} invocation failed due to error {why}."),
                )
            }
            TriggerError::Malformed(_) => CoreError::new(
                ErrorKind::InvalidLambdaResponse,
                "Unrecognizable lambda output",
            ),
        })?;
        match returned.get("response") {
            Some(Value::Object(r)) => Ok(Some(r.clone())),
            None | Some(Value::Null) => Ok(Some(Map::new())),
            Some(_) => Err(CoreError::new(
                ErrorKind::InvalidLambdaResponse,
                "Unrecognizable lambda output",
            )),
        }
    }
}

/// Reads an optional boolean from a trigger response; other types are malformed.
pub fn flag(response: &Map<String, Value>, name: &str) -> CoreResult<bool> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(CoreError::new(
            ErrorKind::InvalidLambdaResponse,
            format!("Invalid lambda response: {name} must be a boolean."),
        )),
    }
}

/// Reads an optional string from a trigger response.
pub fn text(response: &Map<String, Value>, name: &str) -> CoreResult<Option<String>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CoreError::new(
            ErrorKind::InvalidLambdaResponse,
            format!("Invalid lambda response: {name} must be a string."),
        )),
    }
}

/// Reads an optional string map from a trigger response.
pub fn string_map_field(
    response: &Map<String, Value>,
    name: &str,
) -> CoreResult<Option<BTreeMap<String, String>>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Null => Ok((k.clone(), String::new())),
                other => Ok((k.clone(), other.to_string())),
            })
            .collect::<CoreResult<BTreeMap<_, _>>>()
            .map(Some),
        Some(_) => Err(CoreError::new(
            ErrorKind::InvalidLambdaResponse,
            format!("Invalid lambda response: {name} must be an object."),
        )),
    }
}

impl Cognate {
    /// The subject and body of a code or invitation message: the pool's template,
    /// or what the CustomMessage trigger returns, with `{####}` (and `{username}`)
    /// filled in after the trigger, as Cognito does.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn message_text(
        &self,
        pool: &UserPool,
        user: &User,
        channel: crate::model::Channel,
        reason: &str,
        code: &str,
        invitation: bool,
        meta: &CallMeta,
    ) -> CoreResult<(Option<String>, String)> {
        use crate::model::Channel;
        let (mut subject, mut body) = if invitation {
            crate::delivery::invitation_template(pool, channel)
        } else {
            crate::delivery::verification_template(pool, channel)
        };
        let source = match reason {
            "SignUp" => "CustomMessage_SignUp",
            "ResendCode" => "CustomMessage_ResendCode",
            "ForgotPassword" | "AdminResetUserPassword" => "CustomMessage_ForgotPassword",
            "UpdateUserAttribute" => "CustomMessage_UpdateUserAttribute",
            "VerifyUserAttribute" => "CustomMessage_VerifyUserAttribute",
            "AdminCreateUser" => "CustomMessage_AdminCreateUser",
            _ => "CustomMessage_Authentication",
        };
        let mut request = Map::new();
        request.insert("userAttributes".into(), user_attributes(user));
        request.insert("codeParameter".into(), json!("{####}"));
        request.insert("linkParameter".into(), json!("{##Click Here##}"));
        request.insert(
            "usernameParameter".into(),
            if invitation {
                json!("{username}")
            } else {
                Value::Null
            },
        );
        if !meta.client_metadata.is_empty() {
            request.insert("clientMetadata".into(), string_map(&meta.client_metadata));
        }
        if let Some(r) = self
            .fire(pool, "CustomMessage", source, &user.username, meta, request)
            .await?
        {
            let custom = match channel {
                Channel::Email => text(&r, "emailMessage")?,
                Channel::Sms => text(&r, "smsMessage")?,
            };
            if let Some(m) = custom {
                let complete = m.contains("{####}") && (!invitation || m.contains("{username}"));
                if complete {
                    body = m;
                    if channel == Channel::Email
                        && let Some(s) = text(&r, "emailSubject")?
                    {
                        subject = Some(s);
                    }
                } else if !invitation {
                    return Err(CoreError::new(
                        ErrorKind::InvalidLambdaResponse,
                        "Invalid lambda response: the custom message must contain the {####} code placeholder.",
                    ));
                }
                // cognito-compat: an invitation without both placeholders silently
                // keeps the default template.
            }
        }
        let fill = |s: String| {
            s.replace("{####}", code)
                .replace("{username}", &user.username)
        };
        Ok((subject.map(fill), fill(body)))
    }
}
