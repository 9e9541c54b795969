//! The storage conformance suite: one set of checks, written against the
//! `Store` port, run on SQLite and on PostgreSQL. Each check gets a fresh
//! database (a temporary SQLite directory, or a new PostgreSQL schema).
//!
//! PostgreSQL runs when `COGNATE_TEST_PG_URL` is set; otherwise its half says
//! "skipped" and passes.

use cognate_core::iam::model::{CredentialGrant, Role, StoredCredentials};
use cognate_core::identity::model::{IdentityPool, IdentityPoolRecord, IdentityRecord, LoginLink};
use cognate_core::model::{
    AliasKeys, AuthSession, ClientSettings, Device, IdentityProvider, KeyPurpose, PasswordPolicy,
    PasswordRecord, Policies, PoolDomain, PoolSettings, SchemaAttribute, StoredKey,
    TokenValidityUnits, User, UserPool, UserState, UsernameConfiguration,
};
use cognate_core::ports::{Store, StoreError, StoredClient};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

fn pool(id: &str, name: &str) -> UserPool {
    let mut tags = BTreeMap::new();
    tags.insert("team".to_string(), "identity".to_string());
    UserPool {
        id: id.to_string(),
        name: name.to_string(),
        arn: format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}"),
        creation_date: 1_700_000_000.125,
        last_modified_date: 1_700_000_001.5,
        schema_attributes: vec![
            SchemaAttribute {
                name: Some("sub".into()),
                attribute_data_type: Some("String".into()),
                mutable: Some(false),
                required: Some(true),
                ..Default::default()
            },
            SchemaAttribute {
                name: Some("custom:tier".into()),
                attribute_data_type: Some("String".into()),
                mutable: Some(true),
                required: Some(false),
                ..Default::default()
            },
        ],
        username_attributes: vec![],
        alias_attributes: vec!["email".into()],
        username_configuration: Some(UsernameConfiguration {
            case_sensitive: false,
        }),
        mfa_factors: None,
        settings: PoolSettings {
            policies: Some(Policies {
                password_policy: Some(PasswordPolicy {
                    minimum_length: Some(12),
                    require_symbols: Some(false),
                    ..Default::default()
                }),
                sign_in_policy: None,
            }),
            auto_verified_attributes: vec!["email".into()],
            mfa_configuration: Some("OFF".into()),
            user_pool_tags: tags,
            deletion_protection: Some("INACTIVE".into()),
            ..Default::default()
        },
    }
}

fn key(pool_id: &str, kid: &str, purpose: KeyPurpose, created_at: f64) -> StoredKey {
    StoredKey {
        pool_id: pool_id.to_string(),
        kid: kid.to_string(),
        purpose,
        // Arbitrary bytes, including NUL and high bytes, must survive unchanged.
        sealed_private_key: vec![0, 1, 2, 0xfe, 0xff, kid.len() as u8, 0x80, 0],
        created_at,
    }
}

fn keys(pool_id: &str) -> Vec<StoredKey> {
    vec![
        key(pool_id, &format!("{pool_id}-id"), KeyPurpose::IdToken, 10.0),
        key(
            pool_id,
            &format!("{pool_id}-access"),
            KeyPurpose::AccessToken,
            11.0,
        ),
    ]
}

fn client(pool_id: &str, client_id: &str, secret: Option<&[u8]>) -> StoredClient {
    StoredClient {
        pool_id: pool_id.to_string(),
        client_id: client_id.to_string(),
        sealed_secret: secret.map(<[u8]>::to_vec),
        creation_date: 1_700_000_100.25,
        last_modified_date: 1_700_000_100.25,
        settings: ClientSettings {
            client_name: format!("name of {client_id}"),
            access_token_validity: Some(60),
            id_token_validity: Some(60),
            refresh_token_validity: Some(30),
            token_validity_units: Some(TokenValidityUnits {
                access_token: Some("minutes".into()),
                id_token: Some("minutes".into()),
                refresh_token: Some("days".into()),
            }),
            explicit_auth_flows: vec![
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
                "ALLOW_USER_SRP_AUTH".into(),
            ],
            read_attributes: vec!["email".into(), "custom:tier".into()],
            prevent_user_existence_errors: Some("ENABLED".into()),
            enable_token_revocation: Some(true),
            auth_session_validity: Some(3),
            ..Default::default()
        },
    }
}

fn ids_of_pools(pools: &[UserPool]) -> Vec<&str> {
    pools.iter().map(|p| p.id.as_str()).collect()
}

fn ids_of_clients(clients: &[StoredClient]) -> Vec<&str> {
    clients.iter().map(|c| c.client_id.as_str()).collect()
}

// ---------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------

async fn ping_and_backend(store: &dyn Store) {
    store.ping().await.expect("ping");
    assert!(
        ["sqlite", "postgres"].contains(&store.backend()),
        "backend name {}",
        store.backend()
    );
}

async fn meta_put_if_absent_and_get(store: &dyn Store) {
    assert_eq!(store.meta_get("check").await.unwrap(), None);
    assert!(store.meta_put_if_absent("check", "first").await.unwrap());
    assert_eq!(
        store.meta_get("check").await.unwrap().as_deref(),
        Some("first")
    );
    // A second put under the same key neither inserts nor overwrites.
    assert!(!store.meta_put_if_absent("check", "second").await.unwrap());
    assert_eq!(
        store.meta_get("check").await.unwrap().as_deref(),
        Some("first")
    );
    // Keys are independent.
    assert!(store.meta_put_if_absent("other", "x").await.unwrap());
    assert_eq!(store.meta_get("other").await.unwrap().as_deref(), Some("x"));
    assert_eq!(
        store.meta_get("check").await.unwrap().as_deref(),
        Some("first")
    );
}

async fn create_and_get_pool(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "first");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    let got = store.get_pool(&p.id).await.unwrap().expect("pool exists");
    assert_eq!(got, p, "the pool document round-trips exactly");
    assert_eq!(store.get_pool("us-east-1_ZZZZZZZZZ").await.unwrap(), None);
    assert_eq!(store.count_users(&p.id).await.unwrap(), 0);
}

async fn duplicate_pool_is_conflict(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "first");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    let again = pool("us-east-1_AAAAAAAAA", "second");
    let other_keys = vec![key(&p.id, "other-kid", KeyPurpose::IdToken, 20.0)];
    let err = store.create_pool(&again, &other_keys).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "got {err:?}");
    // The first pool is untouched and the failed create left no keys behind.
    assert_eq!(store.get_pool(&p.id).await.unwrap().unwrap().name, "first");
    assert_eq!(store.pool_keys(&p.id).await.unwrap(), keys(&p.id));
}

async fn create_pool_is_atomic(store: &dyn Store) {
    // Two keys with the same kid: the second insert fails, so nothing may remain.
    let p = pool("us-east-1_BBBBBBBBB", "atomic");
    let dup = vec![
        key(&p.id, "same", KeyPurpose::IdToken, 1.0),
        key(&p.id, "same", KeyPurpose::AccessToken, 2.0),
    ];
    let err = store.create_pool(&p, &dup).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "got {err:?}");
    assert_eq!(store.get_pool(&p.id).await.unwrap(), None);
    assert!(store.pool_keys(&p.id).await.unwrap().is_empty());
    // The id is still free.
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    assert!(store.get_pool(&p.id).await.unwrap().is_some());
}

async fn update_pool(store: &dyn Store) {
    let mut p = pool("us-east-1_AAAAAAAAA", "before");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    // Read first: a store that keeps decoded documents must still see the update.
    assert_eq!(store.get_pool(&p.id).await.unwrap().unwrap().name, "before");
    p.name = "after".into();
    p.last_modified_date = 1_800_000_000.75;
    p.settings.deletion_protection = Some("ACTIVE".into());
    p.settings.user_pool_tags.clear();
    p.schema_attributes.push(SchemaAttribute {
        name: Some("custom:added".into()),
        attribute_data_type: Some("Number".into()),
        ..Default::default()
    });
    assert!(store.update_pool(&p).await.unwrap());
    assert_eq!(store.get_pool(&p.id).await.unwrap().unwrap(), p);
    // Keys are not touched by an update.
    assert_eq!(store.pool_keys(&p.id).await.unwrap(), keys(&p.id));

    let missing = pool("us-east-1_NOTTHERE0", "missing");
    assert!(!store.update_pool(&missing).await.unwrap());
    assert_eq!(store.get_pool(&missing.id).await.unwrap(), None);
}

async fn delete_pool_cascades(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "doomed");
    let keep = pool("us-east-1_KKKKKKKKK", "kept");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    store.create_pool(&keep, &keys(&keep.id)).await.unwrap();
    store
        .create_client(&client(&p.id, "client1", Some(b"sealed")))
        .await
        .unwrap();
    store
        .create_client(&client(&p.id, "client2", None))
        .await
        .unwrap();
    store
        .create_client(&client(&keep.id, "client3", None))
        .await
        .unwrap();

    assert!(store.delete_pool(&p.id).await.unwrap());
    assert_eq!(store.get_pool(&p.id).await.unwrap(), None);
    assert!(store.pool_keys(&p.id).await.unwrap().is_empty());
    assert_eq!(store.get_client(&p.id, "client1").await.unwrap(), None);
    assert!(
        store
            .list_clients(&p.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The client rows are really gone: their ids can be used again.
    store
        .create_client(&client(&keep.id, "client1", None))
        .await
        .unwrap();

    // A second delete reports that nothing was there.
    assert!(!store.delete_pool(&p.id).await.unwrap());
    assert!(!store.delete_pool("us-east-1_NEVERWAS0").await.unwrap());

    // The other pool keeps everything.
    assert!(store.get_pool(&keep.id).await.unwrap().is_some());
    assert_eq!(store.pool_keys(&keep.id).await.unwrap(), keys(&keep.id));
    assert_eq!(
        ids_of_clients(&store.list_clients(&keep.id, None, 10).await.unwrap()),
        vec!["client1", "client3"]
    );
}

async fn list_pools_orders_and_pages(store: &dyn Store) {
    assert!(store.list_pools(None, 10).await.unwrap().is_empty());
    // Created out of order; listed by id, compared byte by byte (upper case
    // before lower case, whatever the database's collation).
    let ids = [
        "us-east-1_Ddddddddd",
        "eu-west-1_Aaaaaaaaa",
        "us-east-1_bbbbbbbbb",
        "us-east-1_Bbbbbbbbb",
        "us-east-1_Aaaaaaaaa",
        "us-east-1_Ccccccccc",
    ];
    for id in ids {
        store
            .create_pool(&pool(id, &format!("pool {id}")), &keys(id))
            .await
            .unwrap();
    }
    let mut sorted: Vec<&str> = ids.to_vec();
    sorted.sort_unstable();

    let all = store.list_pools(None, 100).await.unwrap();
    assert_eq!(ids_of_pools(&all), sorted);
    assert_eq!(all[0], pool(sorted[0], &format!("pool {}", sorted[0])));

    // Paging with `after` visits each pool exactly once, in order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store.list_pools(after.as_deref(), 2).await.unwrap();
        assert!(page.len() <= 2, "limit respected");
        if page.is_empty() {
            break;
        }
        pages += 1;
        after = Some(page.last().unwrap().id.clone());
        seen.extend(page.into_iter().map(|p| p.id));
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, sorted);

    // `after` is exclusive, and need not name an existing pool.
    assert_eq!(
        ids_of_pools(&store.list_pools(Some(sorted[2]), 10).await.unwrap()),
        sorted[3..].to_vec()
    );
    assert_eq!(
        ids_of_pools(&store.list_pools(Some("us-east-1_B"), 10).await.unwrap()),
        vec![
            "us-east-1_Bbbbbbbbb",
            "us-east-1_Ccccccccc",
            "us-east-1_Ddddddddd",
            "us-east-1_bbbbbbbbb",
        ]
    );
    assert!(
        store
            .list_pools(Some(sorted[5]), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn pool_keys_round_trip(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "keys");
    // Given newest first; read back ordered by creation time.
    let ks = vec![
        key(&p.id, "kid-b", KeyPurpose::AccessToken, 200.5),
        key(&p.id, "kid-a", KeyPurpose::IdToken, 100.25),
    ];
    store.create_pool(&p, &ks).await.unwrap();
    let got = store.pool_keys(&p.id).await.unwrap();
    assert_eq!(got, vec![ks[1].clone(), ks[0].clone()]);
    assert_eq!(got[0].purpose, KeyPurpose::IdToken);
    assert_eq!(got[1].purpose, KeyPurpose::AccessToken);
    assert!(
        store
            .pool_keys("us-east-1_NOKEYS000")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn client_create_get_duplicate(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "clients");
    let q = pool("us-east-1_QQQQQQQQQ", "other");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    store.create_pool(&q, &keys(&q.id)).await.unwrap();

    let public = client(&p.id, "public", None);
    let secret_bytes: &[u8] = &[0, 255, 1, 254, b's', b'e', b'c', 0];
    let confidential = client(&p.id, "confidential", Some(secret_bytes));
    store.create_client(&public).await.unwrap();
    store.create_client(&confidential).await.unwrap();

    let got = store.get_client(&p.id, "public").await.unwrap().unwrap();
    assert_eq!(got, public);
    assert_eq!(got.sealed_secret, None);
    let got = store
        .get_client(&p.id, "confidential")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, confidential);
    assert_eq!(got.sealed_secret.as_deref(), Some(secret_bytes));

    // Unknown id, or a known id asked for under another pool: nothing.
    assert_eq!(store.get_client(&p.id, "nope").await.unwrap(), None);
    assert_eq!(store.get_client(&q.id, "public").await.unwrap(), None);

    // Client ids are unique across pools.
    let err = store
        .create_client(&client(&p.id, "public", Some(b"x")))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "got {err:?}");
    let err = store
        .create_client(&client(&q.id, "public", None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "got {err:?}");
    assert_eq!(
        store.get_client(&p.id, "public").await.unwrap().unwrap(),
        public
    );
}

async fn client_update(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "clients");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    let mut c = client(&p.id, "c1", None);
    store.create_client(&c).await.unwrap();
    // Read first (by id and by pool): a store that keeps decoded documents must see the update.
    assert_eq!(
        store.get_client_by_id("c1").await.unwrap().as_ref(),
        Some(&c)
    );
    assert_eq!(
        store.get_client(&p.id, "c1").await.unwrap().as_ref(),
        Some(&c)
    );

    // None -> Some secret, new settings.
    c.sealed_secret = Some(vec![9, 8, 7]);
    c.settings.client_name = "renamed".into();
    c.settings.read_attributes.clear();
    c.settings.callback_urls = vec!["https://app.example.com/cb".into()];
    c.last_modified_date = 1_800_000_000.5;
    assert!(store.update_client(&c).await.unwrap());
    let got = store.get_client(&p.id, "c1").await.unwrap().unwrap();
    assert_eq!(got, c);
    assert_eq!(
        store.get_client_by_id("c1").await.unwrap().as_ref(),
        Some(&c)
    );
    // The creation date is not the update's to change.
    assert_eq!(got.creation_date, 1_700_000_100.25);

    // Some -> None secret.
    c.sealed_secret = None;
    assert!(store.update_client(&c).await.unwrap());
    assert_eq!(
        store
            .get_client(&p.id, "c1")
            .await
            .unwrap()
            .unwrap()
            .sealed_secret,
        None
    );

    // Unknown client, or the right id under the wrong pool: false, nothing created.
    let ghost = client(&p.id, "ghost", None);
    assert!(!store.update_client(&ghost).await.unwrap());
    assert_eq!(store.get_client(&p.id, "ghost").await.unwrap(), None);
    let wrong_pool = client("us-east-1_WRONGPOOL", "c1", None);
    assert!(!store.update_client(&wrong_pool).await.unwrap());
    assert_eq!(
        store
            .get_client(&p.id, "c1")
            .await
            .unwrap()
            .unwrap()
            .settings
            .client_name,
        "renamed"
    );
}

async fn client_delete(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "clients");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    store
        .create_client(&client(&p.id, "c1", Some(b"s")))
        .await
        .unwrap();
    store
        .create_client(&client(&p.id, "c2", None))
        .await
        .unwrap();

    // The wrong pool deletes nothing.
    assert!(
        !store
            .delete_client("us-east-1_WRONGPOOL", "c1")
            .await
            .unwrap()
    );
    assert!(store.get_client(&p.id, "c1").await.unwrap().is_some());

    assert!(store.delete_client(&p.id, "c1").await.unwrap());
    assert_eq!(store.get_client(&p.id, "c1").await.unwrap(), None);
    assert!(!store.delete_client(&p.id, "c1").await.unwrap());
    assert_eq!(
        ids_of_clients(&store.list_clients(&p.id, None, 10).await.unwrap()),
        vec!["c2"]
    );
    // The pool itself is untouched.
    assert!(store.get_pool(&p.id).await.unwrap().is_some());
}

async fn client_list_orders_and_pages(store: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "clients");
    let q = pool("us-east-1_QQQQQQQQQ", "other");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    store.create_pool(&q, &keys(&q.id)).await.unwrap();
    assert!(
        store
            .list_clients(&p.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let ids = ["m", "c", "x", "a", "k", "f", "t"];
    for (i, id) in ids.iter().enumerate() {
        let secret = (i % 2 == 0).then_some(id.as_bytes());
        store
            .create_client(&client(&p.id, id, secret))
            .await
            .unwrap();
    }
    store
        .create_client(&client(&q.id, "b-other-pool", None))
        .await
        .unwrap();
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();

    let all = store.list_clients(&p.id, None, 100).await.unwrap();
    assert_eq!(ids_of_clients(&all), sorted, "only this pool, by id");
    for c in &all {
        assert_eq!(c.pool_id, p.id);
        let i = ids.iter().position(|x| *x == c.client_id).unwrap();
        let expected = client(&p.id, ids[i], (i % 2 == 0).then_some(ids[i].as_bytes()));
        assert_eq!(*c, expected, "listed clients carry settings and secret");
    }

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_clients(&p.id, after.as_deref(), 3)
            .await
            .unwrap();
        assert!(page.len() <= 3);
        if page.is_empty() {
            break;
        }
        pages += 1;
        after = Some(page.last().unwrap().client_id.clone());
        seen.extend(page.into_iter().map(|c| c.client_id));
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, sorted);
    assert_eq!(
        ids_of_clients(&store.list_clients(&p.id, Some("f"), 2).await.unwrap()),
        vec!["k", "m"]
    );
    assert_eq!(
        ids_of_clients(&store.list_clients(&q.id, None, 10).await.unwrap()),
        vec!["b-other-pool"]
    );
}

// ---------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------

fn device(pool_id: &str, key: &str, user: &str, created: f64) -> Device {
    Device {
        pool_id: pool_id.to_string(),
        device_key: key.to_string(),
        username_key: user.to_string(),
        group_key: "-grp".to_string(),
        confirmed: false,
        remembered_status: None,
        name: None,
        verifier: None,
        last_ip: Some("192.0.2.1".into()),
        pending_session: None,
        created,
        modified: created,
        last_authenticated: Some(created),
    }
}

fn user(pool_id: &str, name: &str) -> User {
    User {
        pool_id: pool_id.to_string(),
        username: name.to_string(),
        username_key: name.to_string(),
        sub: uuid::Uuid::new_v4().to_string(),
        status: "CONFIRMED".into(),
        enabled: true,
        attributes: BTreeMap::new(),
        aliases: AliasKeys::default(),
        password: None,
        state: UserState::default(),
        created: 1_700_000_000.0,
        modified: 1_700_000_000.0,
    }
}

/// `access_lookup` and `get_client_with_pool` read in one go exactly what the piecewise reads
/// return, and each part is absent on its own when missing (a pool that does not exist:
/// nothing at all).
async fn combined_reads_match_piecewise_reads(store: &dyn Store) {
    store
        .create_pool(&pool("us-east-1_Acc1", "acc"), &keys("us-east-1_Acc1"))
        .await
        .unwrap();
    store
        .create_pool(&pool("us-east-1_Acc2", "other"), &keys("us-east-1_Acc2"))
        .await
        .unwrap();
    store
        .create_client(&client("us-east-1_Acc1", "accclient1", Some(b"sealed")))
        .await
        .unwrap();
    store
        .create_client(&client("us-east-1_Acc2", "accclient2", None))
        .await
        .unwrap();
    let mut u = user("us-east-1_Acc1", "alice");
    u.attributes
        .insert("email".into(), "alice@example.com".into());
    u.password = Some(PasswordRecord {
        salt: "aa".into(),
        verifier: "bb".into(),
    });
    store.create_user(&u).await.unwrap();
    let session = AuthSession {
        pool_id: "us-east-1_Acc1".into(),
        origin_jti: "origin-1".into(),
        username_key: "alice".into(),
        client_id: "accclient1".into(),
        auth_time: 1_700_000_000,
        expires_at: 1_700_086_400.0,
        revoked: false,
        refresh_id: Some("r1".into()),
        previous_refresh_id: None,
        rotated_at: None,
    };
    store.create_auth_session(&session).await.unwrap();

    let all = store
        .access_lookup("us-east-1_Acc1", "origin-1", &u.sub, "accclient1")
        .await
        .unwrap()
        .expect("the pool exists");
    assert_eq!(
        Some(all.pool),
        store.get_pool("us-east-1_Acc1").await.unwrap()
    );
    assert_eq!(
        all.session,
        store
            .get_auth_session("us-east-1_Acc1", "origin-1")
            .await
            .unwrap()
    );
    assert_eq!(
        all.session.as_ref().map(|s| s.refresh_id.as_deref()),
        Some(Some("r1"))
    );
    assert_eq!(all.user, Some(u.clone()));
    assert_eq!(
        all.client,
        store
            .get_client("us-east-1_Acc1", "accclient1")
            .await
            .unwrap()
    );
    assert!(all.client.is_some());

    // A client with its pool, by client id alone.
    let (c, p) = store
        .get_client_with_pool("accclient1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Some(c), store.get_client_by_id("accclient1").await.unwrap());
    assert_eq!(Some(p), store.get_pool("us-east-1_Acc1").await.unwrap());
    let (c2, p2) = store
        .get_client_with_pool("accclient2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c2.pool_id.as_str(), p2.id.as_str()),
        ("us-east-1_Acc2", "us-east-1_Acc2")
    );
    assert!(
        store
            .get_client_with_pool("nosuchclient")
            .await
            .unwrap()
            .is_none()
    );

    // Revocation shows.
    store
        .revoke_auth_session("us-east-1_Acc1", "origin-1")
        .await
        .unwrap();
    let revoked = store
        .access_lookup("us-east-1_Acc1", "origin-1", &u.sub, "accclient1")
        .await
        .unwrap()
        .unwrap();
    assert!(revoked.session.unwrap().revoked);

    // Each part missing on its own; other pools' rows never leak in.
    let none = store
        .access_lookup("us-east-1_Acc1", "origin-x", "no-such-sub", "accclient2")
        .await
        .unwrap()
        .unwrap();
    assert!(none.session.is_none() && none.user.is_none() && none.client.is_none());
    let other = store
        .access_lookup("us-east-1_Acc2", "origin-1", &u.sub, "accclient1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.pool.id, "us-east-1_Acc2");
    assert!(other.session.is_none() && other.user.is_none() && other.client.is_none());
    assert!(
        store
            .access_lookup("us-east-1_Nope", "origin-1", &u.sub, "accclient1")
            .await
            .unwrap()
            .is_none()
    );
}

fn device_keys(d: &[Device]) -> Vec<&str> {
    d.iter().map(|d| d.device_key.as_str()).collect()
}

async fn device_lifecycle(store: &dyn Store) {
    let p = pool("us-east-1_DEVICES01", "devices");
    store.create_pool(&p, &keys(&p.id)).await.unwrap();
    let id = p.id.as_str();
    let now = 1_700_000_100.0;
    let mut a = device(id, "us-east-1_a", "alice", now);
    store.create_device(&a, now - 86_400.0).await.unwrap();
    assert!(matches!(
        store.create_device(&a, now - 86_400.0).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_device(id, "us-east-1_a").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.get_device(id, "us-east-1_none").await.unwrap(), None);
    // Unconfirmed devices are not listed.
    assert!(
        store
            .list_devices(id, "alice", None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    a.confirmed = true;
    a.remembered_status = Some("remembered".into());
    a.name = Some("laptop".into());
    a.verifier = Some(PasswordRecord {
        salt: "c0ffee".into(),
        verifier: "abcdef".into(),
    });
    a.pending_session = Some("sealed".into());
    a.modified = now + 1.0;
    a.last_authenticated = Some(now + 2.0);
    assert!(store.update_device(&a).await.unwrap());
    assert_eq!(
        store.get_device(id, "us-east-1_a").await.unwrap(),
        Some(a.clone())
    );
    assert!(
        !store
            .update_device(&device(id, "us-east-1_none", "alice", now))
            .await
            .unwrap()
    );

    // Confirmed devices of one user, in key order, paged.
    for (k, u) in [
        ("us-east-1_c", "alice"),
        ("us-east-1_b", "alice"),
        ("us-east-1_x", "bob"),
    ] {
        let mut d = device(id, k, u, now);
        store.create_device(&d, now - 86_400.0).await.unwrap();
        d.confirmed = true;
        store.update_device(&d).await.unwrap();
    }
    let all = store.list_devices(id, "alice", None, 10).await.unwrap();
    assert_eq!(
        device_keys(&all),
        vec!["us-east-1_a", "us-east-1_b", "us-east-1_c"]
    );
    let page = store
        .list_devices(id, "alice", Some("us-east-1_a"), 1)
        .await
        .unwrap();
    assert_eq!(device_keys(&page), vec!["us-east-1_b"]);

    // A new device forgets the user's stale unconfirmed ones, and only those.
    store
        .create_device(&device(id, "us-east-1_old", "alice", now - 90_000.0), 0.0)
        .await
        .unwrap();
    store
        .create_device(&device(id, "us-east-1_bob_old", "bob", now - 90_000.0), 0.0)
        .await
        .unwrap();
    store
        .create_device(&device(id, "us-east-1_new", "alice", now), now - 86_400.0)
        .await
        .unwrap();
    assert_eq!(store.get_device(id, "us-east-1_old").await.unwrap(), None);
    assert!(
        store
            .get_device(id, "us-east-1_bob_old")
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.get_device(id, "us-east-1_a").await.unwrap().is_some());

    assert!(store.delete_device(id, "us-east-1_b").await.unwrap());
    assert!(!store.delete_device(id, "us-east-1_b").await.unwrap());

    // Deleting a user forgets its devices; deleting the pool forgets the rest.
    store.create_user(&user(id, "alice")).await.unwrap();
    assert!(store.delete_user(id, "alice").await.unwrap());
    assert_eq!(store.get_device(id, "us-east-1_a").await.unwrap(), None);
    assert!(store.get_device(id, "us-east-1_x").await.unwrap().is_some());
    assert!(store.delete_pool(id).await.unwrap());
    assert_eq!(store.get_device(id, "us-east-1_x").await.unwrap(), None);
}

// ---------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------

fn pg_base() -> Option<String> {
    std::env::var("COGNATE_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

// ---------------------------------------------------------------------------
// Identity pools, identities, roles, credentials
// ---------------------------------------------------------------------------

fn identity_pool_record(id: &str) -> IdentityPoolRecord {
    IdentityPoolRecord {
        pool: IdentityPool {
            identity_pool_id: id.to_string(),
            identity_pool_name: "ip".into(),
            allow_unauthenticated_identities: true,
            developer_provider_name: Some("login.dev".into()),
            ..Default::default()
        },
        roles: BTreeMap::from([(
            "authenticated".to_string(),
            "arn:aws:iam::0:role/A".to_string(),
        )]),
        role_mappings: BTreeMap::new(),
        created_at: 1.5,
        updated_at: 2.5,
    }
}

fn link(provider: &str, subject: &str) -> LoginLink {
    LoginLink {
        provider: provider.into(),
        subject: subject.into(),
    }
}

fn identity(id: &str, pool: &str, logins: Vec<LoginLink>) -> IdentityRecord {
    IdentityRecord {
        identity_id: id.into(),
        pool_id: pool.into(),
        logins,
        disabled: false,
        created_at: 10.0,
        updated_at: 10.0,
    }
}

async fn identity_pool_round_trip(store: &dyn Store) {
    let p = identity_pool_record("us-east-1:p1");
    store.create_identity_pool(&p).await.unwrap();
    assert!(matches!(
        store.create_identity_pool(&p).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_identity_pool("us-east-1:p1").await.unwrap(),
        Some(p.clone())
    );
    let mut changed = p.clone();
    changed.pool.identity_pool_name = "renamed".into();
    changed.updated_at = 3.0;
    assert!(store.update_identity_pool(&changed).await.unwrap());
    assert_eq!(
        store.get_identity_pool("us-east-1:p1").await.unwrap(),
        Some(changed)
    );
    store
        .create_identity_pool(&identity_pool_record("us-east-1:p0"))
        .await
        .unwrap();
    store
        .create_identity_pool(&identity_pool_record("us-east-1:p2"))
        .await
        .unwrap();
    let ids = |v: Vec<IdentityPoolRecord>| {
        v.into_iter()
            .map(|r| r.pool.identity_pool_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.list_identity_pools(None, 2).await.unwrap()),
        ["us-east-1:p0", "us-east-1:p1"]
    );
    assert_eq!(
        ids(store
            .list_identity_pools(Some("us-east-1:p1"), 2)
            .await
            .unwrap()),
        ["us-east-1:p2"]
    );
    // Deleting a pool deletes its identities and frees their logins.
    store
        .create_identity(&identity(
            "us-east-1:i1",
            "us-east-1:p1",
            vec![link("g", "1")],
        ))
        .await
        .unwrap();
    assert!(store.delete_identity_pool("us-east-1:p1").await.unwrap());
    assert!(!store.delete_identity_pool("us-east-1:p1").await.unwrap());
    assert_eq!(store.get_identity("us-east-1:i1").await.unwrap(), None);
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:p1", "g", "1")
            .await
            .unwrap(),
        None
    );
}

async fn identity_logins_are_unique_per_pool(store: &dyn Store) {
    store
        .create_identity_pool(&identity_pool_record("us-east-1:p"))
        .await
        .unwrap();
    store
        .create_identity_pool(&identity_pool_record("us-east-1:q"))
        .await
        .unwrap();
    let a = identity(
        "us-east-1:a",
        "us-east-1:p",
        vec![link("g", "1"), link("fb", "9")],
    );
    store.create_identity(&a).await.unwrap();
    assert_eq!(
        store.get_identity("us-east-1:a").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:p", "fb", "9")
            .await
            .unwrap()
            .as_deref(),
        Some("us-east-1:a")
    );
    // The same login in the same pool: conflict, and the identity is not created.
    let b = identity("us-east-1:b", "us-east-1:p", vec![link("g", "1")]);
    assert!(matches!(
        store.create_identity(&b).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.get_identity("us-east-1:b").await.unwrap(), None);
    // Another pool may have it.
    store
        .create_identity(&identity(
            "us-east-1:c",
            "us-east-1:q",
            vec![link("g", "1")],
        ))
        .await
        .unwrap();
    // Update replaces the links.
    let mut a2 = a.clone();
    a2.logins = vec![link("g", "1")];
    a2.updated_at = 11.0;
    assert!(store.update_identity(&a2).await.unwrap());
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:p", "fb", "9")
            .await
            .unwrap(),
        None
    );
    // Merge moves links and disables the source.
    let guest = identity("us-east-1:d", "us-east-1:p", vec![link("fb", "9")]);
    store.create_identity(&guest).await.unwrap();
    let mut from = guest.clone();
    from.logins.clear();
    from.disabled = true;
    let mut into = a2.clone();
    into.logins.push(link("fb", "9"));
    store.merge_identities(&from, &into).await.unwrap();
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:p", "fb", "9")
            .await
            .unwrap()
            .as_deref(),
        Some("us-east-1:a")
    );
    assert!(
        store
            .get_identity("us-east-1:d")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    let all: Vec<String> = store
        .list_identities("us-east-1:p", false, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.identity_id)
        .collect();
    assert_eq!(all, ["us-east-1:a", "us-east-1:d"]);
    let enabled: Vec<String> = store
        .list_identities("us-east-1:p", true, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.identity_id)
        .collect();
    assert_eq!(enabled, ["us-east-1:a"]);
    assert!(store.delete_identity("us-east-1:a").await.unwrap());
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:p", "g", "1")
            .await
            .unwrap(),
        None
    );
}

async fn roles_and_credentials(store: &dyn Store) {
    let role = Role {
        role_name: "AppRole".into(),
        role_id: "AROAEXAMPLE".into(),
        path: "/".into(),
        arn: "arn:aws:iam::000000000000:role/AppRole".into(),
        assume_role_policy_document: "{}".into(),
        description: None,
        max_session_duration: 3600,
        create_date: 5.0,
        policies: BTreeMap::from([("p".to_string(), "{\"Version\":\"2012-10-17\"}".to_string())]),
        tags: BTreeMap::new(),
    };
    store.create_role(&role).await.unwrap();
    let mut clash = role.clone();
    clash.role_name = "approle".into();
    assert!(
        matches!(store.create_role(&clash).await, Err(StoreError::Conflict)),
        "role names are case-insensitive"
    );
    assert_eq!(store.get_role("APPROLE").await.unwrap(), Some(role.clone()));
    let mut b = role.clone();
    b.role_name = "Beta".into();
    store.create_role(&b).await.unwrap();
    let names: Vec<String> = store
        .list_roles(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.role_name)
        .collect();
    assert_eq!(names, ["AppRole", "Beta"]);
    assert_eq!(
        store.list_roles(Some("approle"), 10).await.unwrap().len(),
        1
    );
    assert!(store.delete_role("beta").await.unwrap());
    assert!(!store.delete_role("beta").await.unwrap());

    let grant = CredentialGrant {
        role_arn: role.arn.clone(),
        role_name: role.role_name.clone(),
        session_name: "s".into(),
        assumed_role_id: "AROAEXAMPLE:s".into(),
        provider: "cognito-identity.amazonaws.com".into(),
        identity_id: Some("us-east-1:x".into()),
        identity_pool_id: None,
        session_policies: vec!["{}".into()],
        context: BTreeMap::from([("k".to_string(), vec!["v".to_string()])]),
    };
    let c = StoredCredentials {
        access_key_id: "ASIAAAAA".into(),
        sealed_secret: vec![1, 2, 3],
        session_token_hash: "abc".into(),
        expires_at: 100.0,
        created_at: 1.0,
        grant,
    };
    store.put_credentials(&c).await.unwrap();
    assert!(matches!(
        store.put_credentials(&c).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_credentials("ASIAAAAA").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.purge_credentials(50.0).await.unwrap(), 0);
    assert_eq!(store.purge_credentials(101.0).await.unwrap(), 1);
    assert_eq!(store.get_credentials("ASIAAAAA").await.unwrap(), None);
}

/// A URL selecting a new, empty schema on the test PostgreSQL server.
async fn fresh_pg_url(base: &str) -> String {
    use sqlx::Connection;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .unwrap_or_else(|e| panic!("could not connect to COGNATE_TEST_PG_URL: {e}"));
    // The schema name is ours: `t_` and hex digits.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("could not create schema {schema}: {e}"));
    conn.close().await.ok();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// Defines `<check>::sqlite` and `<check>::postgres`, each running the check on a fresh store.
macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        $(
            mod $check {
                #[tokio::test]
                async fn sqlite() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = cognate_store::open_sqlite(dir.path()).await.unwrap();
                    super::$check(&store).await;
                }

                #[tokio::test]
                async fn postgres() {
                    let Some(base) = super::pg_base() else {
                        eprintln!("skipped: COGNATE_TEST_PG_URL not set");
                        return;
                    };
                    let url = super::fresh_pg_url(&base).await;
                    let store = cognate_store::open_postgres(&url).await.unwrap();
                    super::$check(&store).await;
                }
            }
        )*
    };
}

conformance!(
    ping_and_backend,
    meta_put_if_absent_and_get,
    create_and_get_pool,
    duplicate_pool_is_conflict,
    create_pool_is_atomic,
    update_pool,
    delete_pool_cascades,
    list_pools_orders_and_pages,
    pool_keys_round_trip,
    client_create_get_duplicate,
    client_update,
    client_delete,
    client_list_orders_and_pages,
    identity_pool_round_trip,
    identity_logins_are_unique_per_pool,
    roles_and_credentials,
    device_lifecycle,
    combined_reads_match_piecewise_reads,
    domains_and_identity_providers,
);

fn provider(pool_id: &str, name: &str, identifiers: &[&str]) -> IdentityProvider {
    IdentityProvider {
        pool_id: pool_id.into(),
        provider_name: name.into(),
        provider_type: "OIDC".into(),
        provider_details: BTreeMap::from([("client_id".to_string(), "c".to_string())]),
        attribute_mapping: BTreeMap::from([("username".to_string(), "sub".to_string())]),
        idp_identifiers: identifiers.iter().map(|i| i.to_string()).collect(),
        created: 1_700_000_000.5,
        modified: 1_700_000_000.5,
    }
}

async fn domains_and_identity_providers(store: &dyn Store) {
    store
        .create_pool(&pool("us-east-1_Fed1", "a"), &keys("us-east-1_Fed1"))
        .await
        .unwrap();
    store
        .create_pool(&pool("us-east-1_Fed2", "b"), &keys("us-east-1_Fed2"))
        .await
        .unwrap();
    let d = PoolDomain {
        domain: "app-one".into(),
        pool_id: "us-east-1_Fed1".into(),
        custom_domain_config: None,
        managed_login_version: Some(1),
        created: 1_700_000_000.25,
    };
    store.create_domain(&d).await.unwrap();
    assert_eq!(store.get_domain("app-one").await.unwrap(), Some(d.clone()));
    assert_eq!(
        store.get_pool_domain("us-east-1_Fed1").await.unwrap(),
        Some(d.clone())
    );
    assert_eq!(store.get_pool_domain("us-east-1_Fed2").await.unwrap(), None);
    // The prefix is unique, and a pool has one domain.
    let taken = PoolDomain {
        pool_id: "us-east-1_Fed2".into(),
        ..d.clone()
    };
    assert!(matches!(
        store.create_domain(&taken).await,
        Err(StoreError::Conflict)
    ));
    let second = PoolDomain {
        domain: "app-two".into(),
        ..d.clone()
    };
    assert!(matches!(
        store.create_domain(&second).await,
        Err(StoreError::Conflict)
    ));
    let updated = PoolDomain {
        managed_login_version: Some(2),
        ..d.clone()
    };
    assert!(store.update_domain(&updated).await.unwrap());
    assert_eq!(store.get_domain("app-one").await.unwrap(), Some(updated));
    assert!(store.delete_domain("app-one").await.unwrap());
    assert!(!store.delete_domain("app-one").await.unwrap());
    assert_eq!(store.get_domain("app-one").await.unwrap(), None);

    for name in ["Okta", "Corp", "Google"] {
        store
            .create_identity_provider(&provider("us-east-1_Fed1", name, &[]))
            .await
            .unwrap();
    }
    // Same name in another pool is fine; twice in one pool is not.
    store
        .create_identity_provider(&provider("us-east-1_Fed2", "Corp", &[]))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_identity_provider(&provider("us-east-1_Fed1", "Corp", &[]))
            .await,
        Err(StoreError::Conflict)
    ));
    let mut corp = provider("us-east-1_Fed1", "Corp", &["corp.example"]);
    corp.modified = 1_700_000_100.0;
    assert!(store.update_identity_provider(&corp).await.unwrap());
    assert_eq!(
        store
            .get_identity_provider("us-east-1_Fed1", "Corp")
            .await
            .unwrap(),
        Some(corp)
    );
    let names =
        |v: Vec<IdentityProvider>| v.into_iter().map(|p| p.provider_name).collect::<Vec<_>>();
    let page = store
        .list_identity_providers("us-east-1_Fed1", None, 2)
        .await
        .unwrap();
    assert_eq!(names(page), ["Corp", "Google"]);
    let rest = store
        .list_identity_providers("us-east-1_Fed1", Some("Google"), 2)
        .await
        .unwrap();
    assert_eq!(names(rest), ["Okta"]);
    assert!(
        store
            .delete_identity_provider("us-east-1_Fed1", "Okta")
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_identity_provider("us-east-1_Fed1", "Okta")
            .await
            .unwrap()
    );
    // Deleting a pool takes its domain and providers with it.
    store.create_domain(&d).await.unwrap();
    assert!(store.delete_pool("us-east-1_Fed1").await.unwrap());
    assert_eq!(store.get_domain("app-one").await.unwrap(), None);
    assert_eq!(
        store
            .get_identity_provider("us-east-1_Fed1", "Corp")
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .get_identity_provider("us-east-1_Fed2", "Corp")
            .await
            .unwrap()
            .is_some()
    );
}

// Migrations are applied at every open; a second open of the same database must
// find them applied, change nothing and see the data the first one wrote.

async fn write_then_check_after_reopen(first: &dyn Store, second: &dyn Store) {
    let p = pool("us-east-1_AAAAAAAAA", "persisted");
    first.create_pool(&p, &keys(&p.id)).await.unwrap();
    assert!(first.meta_put_if_absent("k", "v").await.unwrap());
    assert_eq!(second.get_pool(&p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(second.pool_keys(&p.id).await.unwrap(), keys(&p.id));
    assert_eq!(second.meta_get("k").await.unwrap().as_deref(), Some("v"));
    assert!(!second.meta_put_if_absent("k", "w").await.unwrap());
}

mod reopen {
    #[tokio::test]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let first = cognate_store::open_sqlite(dir.path()).await.unwrap();
        let second = cognate_store::open_sqlite(dir.path()).await.unwrap();
        super::write_then_check_after_reopen(&first, &second).await;
        drop((first, second));
        // And once more after both are closed.
        let third = cognate_store::open_sqlite(dir.path()).await.unwrap();
        use cognate_core::ports::Store;
        assert_eq!(third.meta_get("k").await.unwrap().as_deref(), Some("v"));
    }

    #[tokio::test]
    async fn postgres() {
        let Some(base) = super::pg_base() else {
            eprintln!("skipped: COGNATE_TEST_PG_URL not set");
            return;
        };
        let url = super::fresh_pg_url(&base).await;
        let first = cognate_store::open_postgres(&url).await.unwrap();
        let second = cognate_store::open_postgres(&url).await.unwrap();
        super::write_then_check_after_reopen(&first, &second).await;
    }
}

#[tokio::test]
async fn sqlite_creates_missing_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    let store = cognate_store::open_sqlite(&nested).await.unwrap();
    use cognate_core::ports::Store;
    store.ping().await.unwrap();
    assert!(nested.join("cognate.db").exists());
}
