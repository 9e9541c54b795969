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
    m.remove("MfaFactors");
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

/// `CodeDeliveryDetailsType`.
pub fn code_delivery(d: &cognate_core::delivery::CodeDelivery) -> Value {
    json!({
        "Destination": d.destination,
        "DeliveryMedium": d.medium.as_str(),
        "AttributeName": d.attribute,
    })
}

/// Attributes as `[{Name, Value}]`, `sub` first, optionally restricted.
pub fn attributes(user: &cognate_core::model::User, only: Option<&[String]>) -> Vec<Value> {
    let mut out = Vec::new();
    let wanted = |name: &str| only.is_none_or(|o| o.iter().any(|w| w == name));
    if wanted("sub") {
        out.push(json!({ "Name": "sub", "Value": user.sub }));
    }
    for (name, value) in &user.attributes {
        if name != "sub" && wanted(name) {
            out.push(json!({ "Name": name, "Value": value }));
        }
    }
    out
}

/// `UserType` (AdminCreateUser, ListUsers, ListUsersInGroup).
pub fn user_type(user: &cognate_core::model::User, only: Option<&[String]>) -> Value {
    json!({
        "Username": user.username,
        "Attributes": attributes(user, only),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    })
}

/// AdminGetUser's response.
pub fn admin_get_user(user: &cognate_core::model::User) -> Value {
    json!({
        "Username": user.username,
        "UserAttributes": attributes(user, None),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    })
}

/// `GroupType`.
pub fn group(g: &cognate_core::model::Group) -> Value {
    let mut m = Map::new();
    m.insert("GroupName".into(), json!(g.name));
    m.insert("UserPoolId".into(), json!(g.pool_id));
    if let Some(d) = &g.description {
        m.insert("Description".into(), json!(d));
    }
    if let Some(r) = &g.role_arn {
        m.insert("RoleArn".into(), json!(r));
    }
    if let Some(p) = g.precedence {
        m.insert("Precedence".into(), json!(p));
    }
    m.insert("LastModifiedDate".into(), json!(g.modified));
    m.insert("CreationDate".into(), json!(g.created));
    Value::Object(m)
}

/// CreateUserPoolDomain / UpdateUserPoolDomain output.
pub fn domain_change(d: &cognate_core::model::PoolDomain) -> Value {
    let mut m = Map::new();
    if let Some(v) = d.managed_login_version {
        m.insert("ManagedLoginVersion".into(), json!(v));
    }
    if d.custom_domain_config.is_some() {
        // A custom domain is served by this server itself.
        m.insert("CloudFrontDomain".into(), json!(d.domain));
    }
    Value::Object(m)
}

/// `DomainDescriptionType`.
pub fn domain_description(d: &cognate_core::model::PoolDomain, account_id: &str) -> Value {
    let mut m = Map::new();
    m.insert("UserPoolId".into(), json!(d.pool_id));
    m.insert("AWSAccountId".into(), json!(account_id));
    m.insert("Domain".into(), json!(d.domain));
    m.insert("Status".into(), json!("ACTIVE"));
    m.insert("Version".into(), json!("1"));
    if let Some(c) = &d.custom_domain_config {
        m.insert("CustomDomainConfig".into(), c.clone());
    }
    if let Some(v) = d.managed_login_version {
        m.insert("ManagedLoginVersion".into(), json!(v));
    }
    Value::Object(m)
}

/// `IdentityProviderType`.
pub fn identity_provider(p: &cognate_core::model::IdentityProvider) -> Value {
    json!({
        "UserPoolId": p.pool_id,
        "ProviderName": p.provider_name,
        "ProviderType": p.provider_type,
        "ProviderDetails": p.provider_details,
        "AttributeMapping": p.attribute_mapping,
        "IdpIdentifiers": p.idp_identifiers,
        "LastModifiedDate": p.modified,
        "CreationDate": p.created,
    })
}

/// `ProviderDescription`, as ListIdentityProviders returns it.
pub fn provider_description(p: &cognate_core::model::IdentityProvider) -> Value {
    json!({
        "ProviderName": p.provider_name,
        "ProviderType": p.provider_type,
        "LastModifiedDate": p.modified,
        "CreationDate": p.created,
    })
}
