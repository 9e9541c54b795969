//! Identity-pool scenarios of `auth` (cognito-identity over awsJson), named after
//! the Cognito quota categories they load:
//! - `identity-guest`: GetId without Logins (a new guest identity each time) +
//!   GetCredentialsForIdentity for it (two requests per operation);
//! - `identity-auth`: GetId with Logins (the user's ID token; the identity is created
//!   on a user's first call, found afterwards) + GetCredentialsForIdentity with the
//!   same Logins (two requests per operation);
//! - `identity-credentials`: GetCredentialsForIdentity alone, with Logins, for an
//!   authenticated identity made at set-up: Amplify's steady-state refresh.
//!
//! Set-up, through the API: an identity pool (guests allowed, the bench user pool and
//! app client as its CognitoIdentityProvider), two roles (CreateRole over awsQuery,
//! unsigned: the server runs in open mode) trusting `cognito-identity.amazonaws.com`
//! for `sts:AssumeRoleWithWebIdentity` with the console's conditions (`aud` the pool,
//! `amr` authenticated / unauthenticated), SetIdentityPoolRoles. One ID token per
//! user comes from the user-pool set-up (InitiateAuth USER_PASSWORD_AUTH); the Logins
//! key is the token's `iss` without its scheme, as Amplify builds it.
//!
//! A GetId answer without IdentityId, or a GetCredentialsForIdentity answer without
//! Credentials.AccessKeyId, counts as an error.

use crate::auth::sample;
use crate::client::Client;
use crate::load::{Op, Sample};
use anyhow::Context;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub const SCENARIOS: &[&str] = &["identity-guest", "identity-auth", "identity-credentials"];

/// Requests one operation of an identity scenario sends (None: not an identity scenario).
pub fn requests_per_op(name: &str) -> Option<f64> {
    match name {
        "identity-guest" | "identity-auth" => Some(2.0),
        "identity-credentials" => Some(1.0),
        _ => None,
    }
}

/// The identity pool set up for the scenarios.
pub struct IdentityPool {
    pub pool_id: String,
    /// The Logins key of the bench user pool: the ID token's `iss` without `http(s)://`.
    pub login_key: String,
    /// One Logins map per user (`{login_key: id_token}`), in the order of the ID tokens.
    pub logins: Vec<Value>,
    /// The authenticated identity of each user (same index as `logins`); filled only
    /// when `identity-credentials` runs.
    pub identity_ids: Vec<String>,
}

/// The `iss` claim of a JWT (payload decoded, signature not checked).
fn issuer(jwt: &str) -> anyhow::Result<String> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).context("ID token: not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .context("ID token: payload is not base64url")?;
    let claims: Value = serde_json::from_slice(&bytes).context("ID token: payload is not JSON")?;
    Ok(claims["iss"]
        .as_str()
        .context("ID token: no iss")?
        .to_string())
}

/// `<Arn>...</Arn>` of an IAM CreateRole answer.
fn role_arn(xml: &str) -> anyhow::Result<String> {
    let start = xml
        .find("<Arn>")
        .context("CreateRole: no <Arn> in the answer")?
        + "<Arn>".len();
    let len = xml[start..]
        .find("</Arn>")
        .context("CreateRole: unterminated <Arn>")?;
    Ok(xml[start..start + len].to_string())
}

/// The trust policy the Cognito console generates for an identity pool's role.
fn trust_policy(identity_pool_id: &str, amr: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}
            }
        }]
    })
    .to_string()
}

fn ok(reply: crate::client::Reply, what: &str) -> anyhow::Result<Value> {
    reply.result.map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

/// Creates the identity pool and its roles for the user pool `user_pool_id` / app
/// client `client_id`, whose users' ID tokens are `id_tokens`. With `identities`,
/// also makes each user's authenticated identity (GetId with Logins, 16 at a time).
pub async fn setup(
    c: &Client,
    user_pool_id: &str,
    client_id: &str,
    id_tokens: &[String],
    identities: bool,
) -> anyhow::Result<IdentityPool> {
    let first = id_tokens
        .first()
        .context("identity scenarios need ID tokens (at least one user)")?;
    let iss = issuer(first)?;
    anyhow::ensure!(
        iss.ends_with(&format!("/{user_pool_id}")),
        "ID token: iss {iss:?} does not name the user pool {user_pool_id}"
    );
    let login_key = iss
        .strip_prefix("http://")
        .or_else(|| iss.strip_prefix("https://"))
        .unwrap_or(&iss)
        .to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let pool = ok(
        c.identity(
            "CreateIdentityPool",
            &json!({
                "IdentityPoolName": format!("bench_{nonce}"),
                "AllowUnauthenticatedIdentities": true,
                "CognitoIdentityProviders": [{
                    "ProviderName": login_key,
                    "ClientId": client_id,
                    "ServerSideTokenCheck": false
                }]
            }),
        )
        .await,
        "CreateIdentityPool",
    )?;
    let pool_id = pool["IdentityPoolId"]
        .as_str()
        .context("CreateIdentityPool: no IdentityPoolId")?
        .to_string();
    let mut roles = Map::new();
    for (kind, amr) in [
        ("authenticated", "authenticated"),
        ("unauthenticated", "unauthenticated"),
    ] {
        let name = format!("bench-{kind}-{nonce}");
        let policy = trust_policy(&pool_id, amr);
        let xml = c
            .query(&[
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", &name),
                ("AssumeRolePolicyDocument", &policy),
            ])
            .await
            .with_context(|| format!("CreateRole {name}"))?;
        roles.insert(kind.to_string(), Value::String(role_arn(&xml)?));
    }
    ok(
        c.identity(
            "SetIdentityPoolRoles",
            &json!({"IdentityPoolId": pool_id, "Roles": roles}),
        )
        .await,
        "SetIdentityPoolRoles",
    )?;
    let logins: Vec<Value> = id_tokens
        .iter()
        .map(|t| {
            let mut m = Map::new();
            m.insert(login_key.clone(), Value::String(t.clone()));
            Value::Object(m)
        })
        .collect();
    let mut identity_ids = Vec::new();
    if identities {
        for chunk in logins.chunks(16) {
            let mut set = tokio::task::JoinSet::new();
            for (i, l) in chunk.iter().enumerate() {
                let (c, req) = (c.clone(), json!({"IdentityPoolId": pool_id, "Logins": l}));
                set.spawn(async move {
                    let v = ok(c.identity("GetId", &req).await, "GetId (setup)")?;
                    let id = v["IdentityId"]
                        .as_str()
                        .context("GetId (setup): no IdentityId")?
                        .to_string();
                    anyhow::Ok((i, id))
                });
            }
            let mut ids = vec![String::new(); chunk.len()];
            while let Some(r) = set.join_next().await {
                let (i, id) = r??;
                ids[i] = id;
            }
            identity_ids.extend(ids);
        }
    }
    Ok(IdentityPool {
        pool_id,
        login_key,
        logins,
        identity_ids,
    })
}

fn has_identity_id(v: &Value) -> Option<String> {
    (!v["IdentityId"].is_string()).then(|| {
        format!(
            "no IdentityId: {}",
            v.to_string().chars().take(200).collect::<String>()
        )
    })
}

fn has_credentials(v: &Value) -> Option<String> {
    (!v["Credentials"]["AccessKeyId"].is_string()).then(|| {
        format!(
            "no Credentials.AccessKeyId: {}",
            v.to_string().chars().take(200).collect::<String>()
        )
    })
}

/// GetId (with `logins`, if any) then GetCredentialsForIdentity for the identity it
/// names, with the same `logins`. Stops after a failed GetId (one sample, as `srp`
/// does after a failed first step).
async fn get_id_and_credentials(c: &Client, pool_id: &str, logins: Option<&Value>) -> Vec<Sample> {
    let mut req = json!({"IdentityPoolId": pool_id});
    if let Some(l) = logins {
        req["Logins"] = l.clone();
    }
    let r1 = c.identity("GetId", &req).await;
    let latency = r1.latency;
    let id = match r1.result {
        Ok(v) => match v["IdentityId"].as_str() {
            Some(id) => id.to_string(),
            None => {
                return vec![Sample {
                    latency,
                    rows: 0,
                    error: has_identity_id(&v),
                }];
            }
        },
        Err(e) => {
            return vec![Sample {
                latency,
                rows: 0,
                error: Some(e),
            }];
        }
    };
    let first = Sample {
        latency,
        rows: 1,
        error: None,
    };
    let mut req = json!({"IdentityId": id});
    if let Some(l) = logins {
        req["Logins"] = l.clone();
    }
    let r2 = c.identity("GetCredentialsForIdentity", &req).await;
    vec![first, sample(r2, has_credentials)]
}

/// The operation of identity scenario `name` (None: not an identity scenario).
pub fn make_op(name: &str, c: &Client, ip: &Arc<IdentityPool>) -> anyhow::Result<Option<Op>> {
    let (c, ip) = (c.clone(), ip.clone());
    let n = ip.logins.len() as u64;
    if name == "identity-credentials" && ip.identity_ids.len() != ip.logins.len() {
        anyhow::bail!("identity-credentials: the set-up made no identities");
    }
    let op: Op = match name {
        "identity-guest" => Arc::new(move |_| {
            let (c, ip) = (c.clone(), ip.clone());
            Box::pin(async move { get_id_and_credentials(&c, &ip.pool_id, None).await })
        }),
        "identity-auth" => Arc::new(move |seq| {
            let (c, ip) = (c.clone(), ip.clone());
            Box::pin(async move {
                let l = &ip.logins[(crate::mix(seq) % n) as usize];
                get_id_and_credentials(&c, &ip.pool_id, Some(l)).await
            })
        }),
        "identity-credentials" => Arc::new(move |seq| {
            let (c, ip) = (c.clone(), ip.clone());
            Box::pin(async move {
                let i = (crate::mix(seq) % n) as usize;
                let r = c
                    .identity(
                        "GetCredentialsForIdentity",
                        &json!({"IdentityId": ip.identity_ids[i], "Logins": ip.logins[i]}),
                    )
                    .await;
                vec![sample(r, has_credentials)]
            })
        }),
        _ => return Ok(None),
    };
    Ok(Some(op))
}
