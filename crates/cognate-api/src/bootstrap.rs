//! Declarative bootstrap: pools and clients named in the configuration file are
//! created (with their fixed ids and secrets) or brought up to date at start.
//! Declarations are validated against the same model as API requests.

use crate::awsjson::input;
use crate::model::{COGNITO_IDP, validate};
use cognate_core::clients::{CreateClientInput, UpdateClientInput};
use cognate_core::pools::{CreateUserPoolInput, UpdateUserPoolInput};
use cognate_core::{Cognate, CoreError, CoreResult};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A pool in the config file: `id`, any CreateUserPool members, and `clients`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeclaredPool {
    pub id: String,
    #[serde(default)]
    pub clients: Vec<DeclaredClient>,
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// A client in the config file: `id`, an optional `secret`, any CreateUserPoolClient members.
#[derive(Clone, Deserialize)]
pub struct DeclaredClient {
    pub id: String,
    pub secret: Option<String>,
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl std::fmt::Debug for DeclaredClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeclaredClient")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn checked(op: &str, body: &Map<String, Value>, what: &str) -> CoreResult<Value> {
    let body = Value::Object(body.clone());
    let shape = COGNITO_IDP
        .operations
        .get(op)
        .and_then(|o| o.input.as_deref());
    validate(&COGNITO_IDP, shape, &body)
        .map_err(|e| CoreError::invalid_parameter(format!("bootstrap {what}: {}", e.message)))?;
    Ok(body)
}

/// Creates or updates every declared pool and client.
pub async fn apply(core: &Cognate, pools: &[DeclaredPool]) -> CoreResult<()> {
    for declared in pools {
        let id = &declared.id;
        let valid_id = id.split_once('_').is_some_and(|(r, rest)| {
            !r.is_empty() && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if !valid_id {
            return Err(CoreError::invalid_parameter(format!(
                "bootstrap pool id {id} is not of the form <region>_<alphanumerics>"
            )));
        }
        let body = checked("CreateUserPool", &declared.settings, &format!("pool {id}"))?;
        match core.store().get_pool(id).await? {
            None => {
                let req: CreateUserPoolInput = input(body)?;
                core.create_user_pool(req, None, Some(id)).await?;
                tracing::info!(pool_id = %id, "bootstrap: user pool created");
            }
            Some(existing) => {
                let req: CreateUserPoolInput = input(body)?;
                let missing: Vec<_> = req
                    .schema
                    .iter()
                    .filter(|a| !cognate_core::schema::is_standard(a.name()))
                    .filter(|a| {
                        let bare = a.name().trim_start_matches("custom:");
                        existing.attribute(&format!("custom:{bare}")).is_none()
                            && existing.attribute(&format!("dev:custom:{bare}")).is_none()
                    })
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    core.add_custom_attributes(id, &missing).await?;
                }
                core.update_user_pool(UpdateUserPoolInput {
                    user_pool_id: id.clone(),
                    pool_name: Some(req.pool_name),
                    settings: req.settings,
                })
                .await?;
                tracing::info!(pool_id = %id, "bootstrap: user pool updated");
            }
        }
        for client in &declared.clients {
            let mut settings = client.settings.clone();
            settings.insert("UserPoolId".into(), Value::String(id.clone()));
            if let Some(secret) = &client.secret {
                settings.insert("ClientSecret".into(), Value::String(secret.clone()));
            }
            let body = checked(
                "CreateUserPoolClient",
                &settings,
                &format!("client {}", client.id),
            )?;
            match core.store().get_client(id, &client.id).await? {
                None => {
                    let req: CreateClientInput = input(body)?;
                    core.create_user_pool_client(req, Some(&client.id)).await?;
                    tracing::info!(pool_id = %id, client_id = %client.id, "bootstrap: client created");
                }
                Some(_) => {
                    let mut update = body;
                    update["ClientId"] = Value::String(client.id.clone());
                    let req: UpdateClientInput = input(update)?;
                    core.update_user_pool_client(req).await?;
                    core.set_client_secret(id, &client.id, client.secret.clone())
                        .await?;
                    tracing::info!(pool_id = %id, client_id = %client.id, "bootstrap: client updated");
                }
            }
        }
    }
    Ok(())
}
