//! AWS-shaped responses: which members each operation returns and how.

use cognate_core::model::{AppClient, UserPool};
use serde_json::{Map, Value, json};

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `UserPoolType`, as DescribeUserPool / CreateUserPool / UpdateUserPool return it.
pub fn user_pool(pool: &UserPool, estimated_users: i64) -> Value {
    let mut m = object(serde_json::to_value(pool).unwrap_or_default());
    m.insert("EstimatedNumberOfUsers".into(), json!(estimated_users));
    m.insert("Status".into(), json!("Enabled"));
    // cognito-compat: CreateUserPool's `UserPoolTags` member round-trips under the same name,
    // the schema under `SchemaAttributes`.
    Value::Object(m)
}

/// `UserPoolDescriptionType`, as ListUserPools returns it.
pub fn user_pool_description(pool: &UserPool) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(pool.id));
    m.insert("Name".into(), json!(pool.name));
    if let Some(lc) = &pool.settings.lambda_config {
        m.insert("LambdaConfig".into(), json!(lc));
    } else {
        m.insert("LambdaConfig".into(), json!({}));
    }
    m.insert("CreationDate".into(), json!(pool.creation_date));
    m.insert("LastModifiedDate".into(), json!(pool.last_modified_date));
    m.insert("Status".into(), json!("Enabled"));
    Value::Object(m)
}

/// `UserPoolClientType`.
pub fn user_pool_client(client: &AppClient) -> Value {
    let mut m = object(serde_json::to_value(&client.settings).unwrap_or_default());
    m.insert("UserPoolId".into(), json!(client.pool_id));
    m.insert("ClientId".into(), json!(client.client_id));
    if let Some(secret) = &client.client_secret {
        m.insert("ClientSecret".into(), json!(secret));
    }
    m.insert("CreationDate".into(), json!(client.creation_date));
    m.insert("LastModifiedDate".into(), json!(client.last_modified_date));
    Value::Object(m)
}

/// `UserPoolClientDescription`, as ListUserPoolClients returns it.
pub fn user_pool_client_description(client: &AppClient) -> Value {
    json!({
        "ClientId": client.client_id,
        "UserPoolId": client.pool_id,
        "ClientName": client.settings.client_name,
    })
}
