//! ListUsers through the Rust SDK: every searchable attribute with `=` and
//! `^=`, status filters, AttributesToGet, paging and filter errors.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;
use std::collections::BTreeSet;

/// Usernames of the users a filter selects (all pages).
async fn names(c: &idp::Client, pool: &str, filter: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let page = c
            .list_users()
            .user_pool_id(pool)
            .filter(filter)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListUsers {filter}: {e:?}"));
        for u in page.users() {
            assert!(
                out.insert(u.username().unwrap().to_string()),
                "{filter}: {u:?} twice"
            );
        }
        token = page.pagination_token().map(str::to_string);
        if token.is_none() {
            return out;
        }
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// alice, alina and bob, with each searchable attribute set.
async fn population(c: &idp::Client, pool: &str) {
    let people: [(&str, [(&str, &str); 6]); 3] = [
        (
            "alice",
            [
                ("email", "alice@example.com"),
                ("phone_number", "+15555550101"),
                ("name", "Alice Liddell"),
                ("given_name", "Alice"),
                ("family_name", "Liddell"),
                ("preferred_username", "wonder"),
            ],
        ),
        (
            "alina",
            [
                ("email", "alina@example.org"),
                ("phone_number", "+15555550102"),
                ("name", "Alina Zagitova"),
                ("given_name", "Alina"),
                ("family_name", "Zagitova"),
                ("preferred_username", "wonderful"),
            ],
        ),
        (
            "bob",
            [
                ("email", "bob@example.com"),
                ("phone_number", "+4420794600"),
                ("name", "Bob Builder"),
                ("given_name", "Bob"),
                ("family_name", "Builder"),
                ("preferred_username", "fixit"),
            ],
        ),
    ];
    for (name, attrs) in people {
        confirmed_user(c, pool, name, &attrs).await;
    }
}

both!(filters_on_each_attribute, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "list").await;
    population(&c, &pool).await;
    let cases: &[(&str, &[&str])] = &[
        ("username = \"alice\"", &["alice"]),
        ("username ^= \"ali\"", &["alice", "alina"]),
        ("username ^= \"b\"", &["bob"]),
        ("email = \"bob@example.com\"", &["bob"]),
        ("email ^= \"ali\"", &["alice", "alina"]),
        ("email ^= \"alice@\"", &["alice"]),
        ("email = \"alice\"", &[]),
        ("phone_number = \"+15555550102\"", &["alina"]),
        ("phone_number ^= \"+1555\"", &["alice", "alina"]),
        ("phone_number ^= \"+44\"", &["bob"]),
        ("name = \"Alice Liddell\"", &["alice"]),
        ("name ^= \"Al\"", &["alice", "alina"]),
        ("given_name = \"Bob\"", &["bob"]),
        ("given_name ^= \"Ali\"", &["alice", "alina"]),
        ("family_name = \"Zagitova\"", &["alina"]),
        ("family_name ^= \"B\"", &["bob"]),
        ("preferred_username = \"wonder\"", &["alice"]),
        ("preferred_username ^= \"wonder\"", &["alice", "alina"]),
        ("preferred_username ^= \"fix\"", &["bob"]),
        ("given_name ^= \"Zed\"", &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(names(&c, &pool, filter).await, set(expected), "{filter}");
    }
    // Unfiltered and empty filter list everybody.
    assert_eq!(names(&c, &pool, "").await, set(&["alice", "alina", "bob"]));

    // sub, exactly and by prefix.
    let sub = user_attr(&c, &pool, "alina", "sub").await.unwrap();
    assert_eq!(
        names(&c, &pool, &format!("sub = \"{sub}\"")).await,
        set(&["alina"])
    );
    assert!(
        names(&c, &pool, &format!("sub ^= \"{}\"", &sub[..8]))
            .await
            .contains("alina")
    );
    // Spaces around the operator are optional.
    assert_eq!(names(&c, &pool, "username=\"bob\"").await, set(&["bob"]));
});

both!(filters_on_status, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "status").await;
    let client = new_client(&c, &pool).await;
    confirmed_user(&c, &pool, "conf", &[]).await;
    confirmed_user(&c, &pool, "off", &[]).await;
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("off")
        .send()
        .await
        .unwrap();
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("invited")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    c.sign_up()
        .client_id(&client)
        .username("pending")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("cognito:user_status = \"CONFIRMED\"", &["conf", "off"]),
        ("cognito:user_status = \"UNCONFIRMED\"", &["pending"]),
        (
            "cognito:user_status = \"FORCE_CHANGE_PASSWORD\"",
            &["invited"],
        ),
        ("cognito:user_status ^= \"CON\"", &["conf", "off"]),
        ("cognito:user_status = \"RESET_REQUIRED\"", &[]),
        ("status = \"Enabled\"", &["conf", "invited", "pending"]),
        ("status = \"Disabled\"", &["off"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(names(&c, &pool, filter).await, set(expected), "{filter}");
    }
});

both!(attributes_to_get, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "atg").await;
    population(&c, &pool).await;
    let out = c
        .list_users()
        .user_pool_id(&pool)
        .attributes_to_get("email")
        .attributes_to_get("given_name")
        .send()
        .await
        .unwrap();
    assert_eq!(out.users().len(), 3);
    for u in out.users() {
        let got: BTreeSet<&str> = u.attributes().iter().map(|a| a.name()).collect();
        assert_eq!(got, BTreeSet::from(["email", "given_name"]), "{u:?}");
        assert!(u.user_status().is_some() && u.username().is_some());
    }
    let out = c
        .list_users()
        .user_pool_id(&pool)
        .attributes_to_get("sub")
        .filter("username = \"bob\"")
        .send()
        .await
        .unwrap();
    let bob = &out.users()[0];
    assert_eq!(bob.attributes().len(), 1);
    assert_eq!(
        attr_of(bob.attributes(), "sub"),
        user_attr(&c, &pool, "bob", "sub").await
    );
    // Without AttributesToGet, everything (sub included).
    let out = c
        .list_users()
        .user_pool_id(&pool)
        .filter("username = \"bob\"")
        .send()
        .await
        .unwrap();
    let attrs = out.users()[0].attributes();
    for name in ["sub", "email", "phone_number", "name", "preferred_username"] {
        assert!(attr_of(attrs, name).is_some(), "{name} in {attrs:?}");
    }
});

both!(pagination, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "pages").await;
    let mut all = BTreeSet::new();
    for i in 0..25 {
        let name = format!("user{i:02}");
        c.admin_create_user()
            .user_pool_id(&pool)
            .username(&name)
            .user_attributes(attribute("email", &format!("{name}@example.com")))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        all.insert(name);
    }
    let mut seen = BTreeSet::new();
    let mut sizes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = c
            .list_users()
            .user_pool_id(&pool)
            .limit(10)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.users().len());
        for u in page.users() {
            let name = u.username().unwrap().to_string();
            assert!(seen.insert(name.clone()), "{name} seen twice");
        }
        token = page.pagination_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, all);

    // Paging a filtered list.
    let mut seen = BTreeSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = c
            .list_users()
            .user_pool_id(&pool)
            .filter("email ^= \"user1\"")
            .limit(4)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.users().len() <= 4);
        for u in page.users() {
            assert!(seen.insert(u.username().unwrap().to_string()));
        }
        token = page.pagination_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    let expected: BTreeSet<String> = (10..20).map(|i| format!("user{i:02}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(pages, 3);

    // The default page holds them all.
    let page = c.list_users().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(page.users().len(), 25);
    assert!(page.pagination_token().is_none());

    // Limit is at most 60.
    expect_code(
        c.list_users().user_pool_id(&pool).limit(61).send().await,
        "InvalidParameterException",
    );

    // A token that was never issued.
    expect_code(
        c.list_users()
            .user_pool_id(&pool)
            .pagination_token("not-a-token!")
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(invalid_filters, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "bad").await;
    confirmed_user(&c, &pool, "alice", &[]).await;
    for filter in [
        "email ~ \"x\"",
        "custom:tier = \"gold\"",
        "email = x",
        "nickname = \"al\"",
        "email",
        "= \"x\"",
    ] {
        expect_code(
            c.list_users()
                .user_pool_id(&pool)
                .filter(filter)
                .send()
                .await,
            "InvalidParameterException",
        );
    }
    expect_code(
        c.list_users()
            .user_pool_id("us-east-1_Nope12345")
            .send()
            .await,
        "ResourceNotFoundException",
    );
});
