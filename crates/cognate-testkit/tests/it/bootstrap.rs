//! Declarative bootstrap: pools and clients named in the configuration are
//! created with their fixed ids and secrets, and brought up to date on the
//! next start.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;
use cognate_api::bootstrap::DeclaredPool;
use serde_json::json;

const POOL: &str = "us-east-1_Fixed0001";
const CONFIDENTIAL: &str = "fixedconfidential00000001";
const PUBLIC: &str = "fixedpublic00000000000001";
const SECRET: &str = "declaredsecretdeclaredsecretdeclaredsecret0123456";

fn declared(pool_name: &str, client_name: &str) -> Vec<DeclaredPool> {
    let pool = json!({
        "id": POOL,
        "PoolName": pool_name,
        "Schema": [
            { "Name": "tier", "AttributeDataType": "String", "Mutable": true }
        ],
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "clients": [
            {
                "id": CONFIDENTIAL,
                "secret": SECRET,
                "ClientName": client_name,
                "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
            },
            { "id": PUBLIC, "ClientName": "spa" }
        ]
    });
    vec![serde_json::from_value(pool).expect("a DeclaredPool")]
}

async fn describe_client(c: &idp::Client, id: &str) -> UserPoolClientType {
    c.describe_user_pool_client()
        .user_pool_id(POOL)
        .client_id(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeUserPoolClient {id}: {e:?}"))
        .user_pool_client()
        .unwrap()
        .clone()
}

each_backend!(declared_pool_and_clients, |backend: Backend| async move {
    let Some(ts) =
        TestServer::start_with(backend, |c| c.pools = declared("declared", "backend")).await
    else {
        return;
    };
    let c = ts.idp();
    let pool = c
        .describe_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let pool = pool.user_pool().unwrap().clone();
    assert_eq!(pool.id(), Some(POOL));
    assert_eq!(pool.name(), Some("declared"));
    assert!(pool.arn().unwrap().ends_with(&format!(":userpool/{POOL}")));
    assert!(
        pool.schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:tier")),
        "{:?}",
        pool.schema_attributes()
    );
    assert_eq!(pool.username_attributes(), &[UsernameAttributeType::Email]);
    assert_eq!(
        pool.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );

    let confidential = describe_client(&c, CONFIDENTIAL).await;
    assert_eq!(confidential.client_name(), Some("backend"));
    assert_eq!(confidential.client_secret(), Some(SECRET));
    assert!(
        confidential
            .explicit_auth_flows()
            .contains(&ExplicitAuthFlowsType::AllowUserPasswordAuth)
    );
    let public = describe_client(&c, PUBLIC).await;
    assert_eq!(public.client_name(), Some("spa"));
    assert_eq!(public.client_secret(), None);

    let jwks = get(&ts, &format!("/{POOL}/.well-known/jwks.json")).await;
    assert_eq!(jwks.status, 200);

    // Start again with a renamed client and pool: updated in place, nothing duplicated.
    let TestServer {
        server, storage, ..
    } = ts;
    server.stop().await.unwrap();
    let ts = TestServer::start_on(storage, |c| c.pools = declared("renamed", "backend-v2")).await;
    let c = ts.idp();
    let confidential_after = describe_client(&c, CONFIDENTIAL).await;
    assert_eq!(confidential_after.client_name(), Some("backend-v2"));
    assert_eq!(confidential_after.client_secret(), Some(SECRET));
    assert_eq!(
        confidential_after.creation_date(),
        confidential.creation_date()
    );
    let pool_after = c
        .describe_user_pool()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    let pool_after = pool_after.user_pool().unwrap();
    assert_eq!(pool_after.name(), Some("renamed"));
    assert_eq!(pool_after.creation_date(), pool.creation_date());
    assert_eq!(pool_after.schema_attributes(), pool.schema_attributes());
    let listed = c.list_user_pools().max_results(60).send().await.unwrap();
    assert_eq!(listed.user_pools().len(), 1, "{:?}", listed.user_pools());
    let clients = c
        .list_user_pool_clients()
        .user_pool_id(POOL)
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert_eq!(clients.user_pool_clients().len(), 2);
    // The pool keeps its signing keys.
    assert_eq!(
        get(&ts, &format!("/{POOL}/.well-known/jwks.json"))
            .await
            .text,
        jwks.text
    );

    // A restart without declarations leaves the declared state alone.
    let ts = ts.restart().await;
    let after_plain_restart = describe_client(&ts.idp(), CONFIDENTIAL).await;
    assert_eq!(after_plain_restart.client_name(), Some("backend-v2"));
    assert_eq!(after_plain_restart.client_secret(), Some(SECRET));
});

each_backend!(
    declared_secret_changes_on_restart,
    |backend: Backend| async move {
        let Some(ts) =
            TestServer::start_with(backend, |c| c.pools = declared("declared", "backend")).await
        else {
            return;
        };
        let TestServer {
            server, storage, ..
        } = ts;
        server.stop().await.unwrap();
        let mut pools = declared("declared", "backend");
        pools[0].clients[0].secret =
            Some("rotatedsecretrotatedsecretrotatedsecret0123456789".into());
        let ts = TestServer::start_on(storage, |c| c.pools = pools).await;
        let cl = describe_client(&ts.idp(), CONFIDENTIAL).await;
        assert_eq!(
            cl.client_secret(),
            Some("rotatedsecretrotatedsecretrotatedsecret0123456789")
        );
    }
);

each_backend!(
    invalid_declaration_stops_start,
    |backend: Backend| async move {
        let Some(storage) = cognate_testkit::Storage::new(backend).await.unwrap() else {
            eprintln!("skipped: COGNATE_TEST_PG_URL is not set");
            return;
        };
        let mut config = storage.config();
        config.admin_access_key_id = Some(ACCESS_KEY_ID.into());
        config.admin_secret_access_key = Some(SECRET_ACCESS_KEY.into());
        // Not of the form <region>_<alphanumerics>.
        let mut pools = declared("declared", "backend");
        pools[0].id = "not-a-pool-id".into();
        config.pools = pools;
        let started = cognate_server::start(config.clone()).await;
        assert!(started.is_err(), "a bad pool id was accepted");

        // A declaration that breaks the model (no PoolName) is refused too.
        let mut pools = declared("declared", "backend");
        pools[0].settings.remove("PoolName");
        config.pools = pools;
        let started = cognate_server::start(config).await;
        assert!(started.is_err(), "a pool without PoolName was accepted");
    }
);
