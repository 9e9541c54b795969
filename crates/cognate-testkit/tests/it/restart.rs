//! State survives a restart on the same storage: pools, clients, secrets and
//! signing keys come back identical.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;

struct Snapshot {
    pools: Vec<UserPoolType>,
    clients: Vec<UserPoolClientType>,
    jwks: Vec<String>,
}

async fn snapshot(ts: &TestServer, pool_ids: &[String], clients: &[(String, String)]) -> Snapshot {
    let c = ts.idp();
    let mut pools = Vec::new();
    let mut jwks = Vec::new();
    for id in pool_ids {
        let out = c
            .describe_user_pool()
            .user_pool_id(id)
            .send()
            .await
            .unwrap();
        pools.push(out.user_pool().unwrap().clone());
        let r = get(ts, &format!("/{id}/.well-known/jwks.json")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        jwks.push(r.text);
    }
    let mut described = Vec::new();
    for (pool, client) in clients {
        let out = c
            .describe_user_pool_client()
            .user_pool_id(pool)
            .client_id(client)
            .send()
            .await
            .unwrap();
        described.push(out.user_pool_client().unwrap().clone());
    }
    Snapshot {
        pools,
        clients: described,
        jwks,
    }
}

both!(state_survives_restart, |ts: TestServer| async move {
    let c = ts.idp();
    let rich = c
        .create_user_pool()
        .pool_name("rich")
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .alias_attributes(AliasAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .user_pool_tags("team", "identity")
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    let plain = new_pool(&c, "plain").await;
    let mut clients = Vec::new();
    let mut secret = None;
    for (pool, name, with_secret) in [
        (&rich, "web", false),
        (&rich, "server", true),
        (&plain, "mobile", false),
    ] {
        let out = c
            .create_user_pool_client()
            .user_pool_id(pool)
            .client_name(name)
            .generate_secret(with_secret)
            .send()
            .await
            .unwrap();
        let cl = out.user_pool_client().unwrap();
        if with_secret {
            secret = cl.client_secret().map(str::to_string);
        }
        clients.push((pool.clone(), cl.client_id().unwrap().to_string()));
    }
    let secret = secret.expect("a generated secret");
    let pools = vec![rich.clone(), plain.clone()];
    let before = snapshot(&ts, &pools, &clients).await;
    let listed_before = c.list_user_pools().max_results(60).send().await.unwrap();

    let ts = ts.restart().await;
    let after = snapshot(&ts, &pools, &clients).await;
    assert_eq!(after.pools, before.pools, "pool documents");
    assert_eq!(after.clients, before.clients, "clients");
    assert_eq!(after.jwks, before.jwks, "JWKS bytes");
    assert_eq!(after.clients[1].client_secret(), Some(secret.as_str()));
    let listed_after = ts
        .idp()
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert_eq!(listed_after.user_pools(), listed_before.user_pools());

    // The restarted server keeps working on the old state.
    let c = ts.idp();
    c.add_custom_attributes()
        .user_pool_id(&rich)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("plan")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.delete_user_pool()
        .user_pool_id(&plain)
        .send()
        .await
        .unwrap();
    let ts = ts.restart().await;
    let c = ts.idp();
    let out = c
        .describe_user_pool()
        .user_pool_id(&rich)
        .send()
        .await
        .unwrap();
    assert!(
        out.user_pool()
            .unwrap()
            .schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:plan"))
    );
    let err = c
        .describe_user_pool()
        .user_pool_id(&plain)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let r = get(&ts, &format!("/{rich}/.well-known/jwks.json")).await;
    assert_eq!(r.text, before.jwks[0]);
});
