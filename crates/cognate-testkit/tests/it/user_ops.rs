//! Operations authorised by an access token, through the Rust SDK: GetUser,
//! UpdateUserAttributes (codes from the outbox), VerifyUserAttribute,
//! GetUserAttributeVerificationCode, DeleteUserAttributes, ChangePassword,
//! DeleteUser; and sign-out: GlobalSignOut, AdminUserGlobalSignOut,
//! RevokeToken.

use crate::auth::*;
use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;

/// A pool that verifies email by code, with a custom `tier` attribute, a
/// sign-in client and a CONFIRMED `alice` with a verified email, a name and a tier.
async fn rich_pool(c: &idp::Client) -> (String, String) {
    let pool = c
        .create_user_pool()
        .pool_name("userops")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = signin_client(c, &pool).await;
    confirmed_user(
        c,
        &pool,
        "alice",
        &[
            ("email", "alice@example.com"),
            ("email_verified", "true"),
            ("name", "Alice"),
            ("custom:tier", "gold"),
        ],
    )
    .await;
    (pool, client)
}

async fn attrs_of(c: &idp::Client, access: &str) -> Vec<AttributeType> {
    get_user(c, access)
        .await
        .unwrap_or_else(|e| panic!("GetUser: {e:?}"))
        .user_attributes()
        .to_vec()
}

fn names(attrs: &[AttributeType]) -> Vec<String> {
    let mut n: Vec<String> = attrs.iter().map(|a| a.name().to_string()).collect();
    n.sort();
    n
}

both!(get_user_attributes, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = rich_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let out = get_user(&c, &t.access).await.unwrap();
    assert_eq!(out.username(), "alice");
    let attrs = out.user_attributes();
    let sub = attr_of(attrs, "sub").expect("sub");
    assert_eq!(
        Some(sub.clone()),
        user_attr(&c, &pool, "alice", "sub").await
    );
    assert_eq!(
        attr_of(attrs, "email").as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(attr_of(attrs, "email_verified").as_deref(), Some("true"));
    assert_eq!(attr_of(attrs, "name").as_deref(), Some("Alice"));
    assert_eq!(attr_of(attrs, "custom:tier").as_deref(), Some("gold"));

    // A client with ReadAttributes sees only those (and sub).
    let limited = create_client(
        client_builder(&c, &pool)
            .read_attributes("email")
            .read_attributes("name"),
    )
    .await;
    let t = sign_in(&c, limited.client_id().unwrap(), "alice", PASSWORD).await;
    let attrs = attrs_of(&c, &t.access).await;
    assert_eq!(names(&attrs), ["email", "name", "sub"], "{attrs:?}");
    assert_eq!(attr_of(&attrs, "sub"), Some(sub));
});

both!(update_and_verify_attributes, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = rich_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;

    // A plain attribute: no code.
    let out = c
        .update_user_attributes()
        .access_token(&t.access)
        .user_attributes(attribute("name", "Alice Liddell"))
        .user_attributes(attribute("custom:tier", "platinum"))
        .send()
        .await
        .unwrap();
    assert!(out.code_delivery_details_list().is_empty(), "{out:?}");
    let attrs = attrs_of(&c, &t.access).await;
    assert_eq!(attr_of(&attrs, "name").as_deref(), Some("Alice Liddell"));
    assert_eq!(attr_of(&attrs, "custom:tier").as_deref(), Some("platinum"));

    // A new email: unverified, with a code sent to it.
    let out = c
        .update_user_attributes()
        .access_token(&t.access)
        .user_attributes(attribute("email", "alice@new.example.com"))
        .send()
        .await
        .unwrap();
    let list = out.code_delivery_details_list();
    assert_eq!(list.len(), 1, "{out:?}");
    assert_eq!(list[0].attribute_name(), Some("email"));
    assert_eq!(list[0].delivery_medium(), Some(&DeliveryMediumType::Email));
    let dest = list[0].destination().unwrap_or_default();
    assert!(dest.contains("***") && dest.starts_with('a'), "{dest}");
    let attrs = attrs_of(&c, &t.access).await;
    assert_eq!(
        attr_of(&attrs, "email").as_deref(),
        Some("alice@new.example.com")
    );
    assert_eq!(attr_of(&attrs, "email_verified").as_deref(), Some("false"));
    let msgs = messages(&ts, &pool, "alice").await;
    assert_eq!(msgs[0]["destination"], "alice@new.example.com", "{msgs:?}");
    let code = latest_code(&ts, &pool, "alice").await;

    expect_code(
        c.verify_user_attribute()
            .access_token(&t.access)
            .attribute_name("email")
            .code(other_code(&code))
            .send()
            .await,
        "CodeMismatchException",
    );
    c.verify_user_attribute()
        .access_token(&t.access)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap_or_else(|e| panic!("VerifyUserAttribute: {e:?}"));
    let attrs = attrs_of(&c, &t.access).await;
    assert_eq!(attr_of(&attrs, "email_verified").as_deref(), Some("true"));
    let fresh = sign_in(&c, &client, "alice", PASSWORD).await;
    let id = claims(&fresh.id);
    assert_eq!(id["email"], "alice@new.example.com");
    assert_eq!(id["email_verified"], Value::Bool(true));

    // Refused writes.
    expect_code(
        c.update_user_attributes()
            .access_token(&t.access)
            .user_attributes(attribute("sub", "00000000-0000-4000-8000-000000000000"))
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        c.update_user_attributes()
            .access_token(&t.access)
            .user_attributes(attribute("custom:nope", "x"))
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(attribute_verification_code, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = rich_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let before = messages(&ts, &pool, "alice").await.len();
    let out = c
        .get_user_attribute_verification_code()
        .access_token(&t.access)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    let d = out.code_delivery_details().expect("CodeDeliveryDetails");
    assert_eq!(d.attribute_name(), Some("email"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    let msgs = messages(&ts, &pool, "alice").await;
    assert_eq!(msgs.len(), before + 1, "{msgs:?}");
    assert_eq!(msgs[0]["destination"], "alice@example.com");
    let code = latest_code(&ts, &pool, "alice").await;
    c.verify_user_attribute()
        .access_token(&t.access)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap();
    // A code is good once.
    let (again, m) = fails(
        c.verify_user_attribute()
            .access_token(&t.access)
            .attribute_name("email")
            .code(&code)
            .send()
            .await,
    );
    assert!(
        again == "CodeMismatchException" || again == "ExpiredCodeException",
        "{again}: {m}"
    );
    expect_code(
        c.get_user_attribute_verification_code()
            .access_token(&t.access)
            .attribute_name("name")
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(delete_user_attributes, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = rich_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    c.delete_user_attributes()
        .access_token(&t.access)
        .user_attribute_names("name")
        .user_attribute_names("custom:tier")
        .send()
        .await
        .unwrap();
    let attrs = attrs_of(&c, &t.access).await;
    assert_eq!(attr_of(&attrs, "name"), None, "{attrs:?}");
    assert_eq!(attr_of(&attrs, "custom:tier"), None, "{attrs:?}");
    assert_eq!(user_attr(&c, &pool, "alice", "name").await, None);
    assert!(attr_of(&attrs, "email").is_some());
    expect_code(
        c.delete_user_attributes()
            .access_token(&t.access)
            .user_attribute_names("sub")
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        c.delete_user_attributes()
            .access_token(&t.access)
            .user_attribute_names("custom:nope")
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(change_password, |ts: TestServer| async move {
    let c = ts.idp();
    let (_, client) = alice_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let m = expect_code(
        c.change_password()
            .access_token(&t.access)
            .previous_password("Wrong-Passw0rd")
            .proposed_password(NEW_PASSWORD)
            .send()
            .await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Incorrect username or password.");
    expect_code(
        c.change_password()
            .access_token(&t.access)
            .previous_password(PASSWORD)
            .proposed_password("short")
            .send()
            .await,
        "InvalidPasswordException",
    );
    sign_in(&c, &client, "alice", PASSWORD).await;

    c.change_password()
        .access_token(&t.access)
        .previous_password(PASSWORD)
        .proposed_password(NEW_PASSWORD)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ChangePassword: {e:?}"));
    sign_in(&c, &client, "alice", NEW_PASSWORD).await;
    let m = expect_code(
        password_auth(&c, &client, "alice", PASSWORD).await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Incorrect username or password.");
});

both!(delete_user, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    confirmed_user(&c, &pool, "bob", &[]).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    c.delete_user()
        .access_token(&t.access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteUser: {e:?}"));
    expect_code(
        password_auth(&c, &client, "alice", PASSWORD).await,
        "UserNotFoundException",
    );
    expect_code(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await,
        "UserNotFoundException",
    );
    let r = get_user(&c, &t.access).await;
    assert!(r.is_err(), "a deleted user's token: {r:?}");
    expect_code(
        refresh(&c, &client, t.refresh()).await,
        "NotAuthorizedException",
    );
    sign_in(&c, &client, "bob", PASSWORD).await;
});

both!(global_sign_out, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    confirmed_user(&c, &pool, "bob", &[]).await;
    let t1 = sign_in(&c, &client, "alice", PASSWORD).await;
    let t2 = sign_in(&c, &client, "alice", PASSWORD).await;
    let bob = sign_in(&c, &client, "bob", PASSWORD).await;

    c.global_sign_out()
        .access_token(&t1.access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GlobalSignOut: {e:?}"));
    for t in [&t1, &t2] {
        let m = expect_code(get_user(&c, &t.access).await, "NotAuthorizedException");
        assert_eq!(m, "Access Token has been revoked");
        expect_code(
            refresh(&c, &client, t.refresh()).await,
            "NotAuthorizedException",
        );
    }
    expect_code(
        c.global_sign_out().access_token(&t1.access).send().await,
        "NotAuthorizedException",
    );
    // Other users, and later sign-ins, are unaffected.
    get_user(&c, &bob.access).await.unwrap();
    refresh(&c, &client, bob.refresh()).await.unwrap();
    let t3 = sign_in(&c, &client, "alice", PASSWORD).await;
    get_user(&c, &t3.access).await.unwrap();
    refresh(&c, &client, t3.refresh()).await.unwrap();
});

both!(admin_user_global_sign_out, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    c.admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let m = expect_code(get_user(&c, &t.access).await, "NotAuthorizedException");
    assert_eq!(m, "Access Token has been revoked");
    expect_code(
        refresh(&c, &client, t.refresh()).await,
        "NotAuthorizedException",
    );
    expect_code(
        c.admin_user_global_sign_out()
            .user_pool_id(&pool)
            .username("nobody")
            .send()
            .await,
        "UserNotFoundException",
    );
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    get_user(&c, &t.access).await.unwrap();
});

both!(revoke_token, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let t1 = sign_in(&c, &client, "alice", PASSWORD).await;
    let t2 = sign_in(&c, &client, "alice", PASSWORD).await;
    // Tokens minted from t1's refresh token share its fate.
    let minted = Tokens::of(
        refresh(&c, &client, t1.refresh())
            .await
            .unwrap()
            .authentication_result(),
    );

    c.revoke_token()
        .token(t1.refresh())
        .client_id(&client)
        .send()
        .await
        .unwrap_or_else(|e| panic!("RevokeToken: {e:?}"));
    expect_code(
        refresh(&c, &client, t1.refresh()).await,
        "NotAuthorizedException",
    );
    for access in [&t1.access, &minted.access] {
        expect_code(get_user(&c, access).await, "NotAuthorizedException");
    }
    // The other sign-in lives on.
    get_user(&c, &t2.access).await.unwrap();
    refresh(&c, &client, t2.refresh()).await.unwrap();

    // Revoking again, or an unknown token, is not an error.
    c.revoke_token()
        .token(t1.refresh())
        .client_id(&client)
        .send()
        .await
        .unwrap();
    c.revoke_token()
        .token("not-a-refresh-token")
        .client_id(&client)
        .send()
        .await
        .unwrap_or_else(|e| panic!("RevokeToken of an unknown token: {e:?}"));

    // Access tokens can not be revoked.
    expect_code(
        c.revoke_token()
            .token(&t2.access)
            .client_id(&client)
            .send()
            .await,
        "UnsupportedTokenTypeException",
    );
    get_user(&c, &t2.access).await.unwrap();

    // Another client can not revoke this client's refresh token.
    let other = signin_client(&c, &pool).await;
    let _ = c
        .revoke_token()
        .token(t2.refresh())
        .client_id(&other)
        .send()
        .await;
    refresh(&c, &client, t2.refresh()).await.unwrap();

    // A client without token revocation.
    let no_revoke = create_client(client_builder(&c, &pool).enable_token_revocation(false)).await;
    let no_revoke = no_revoke.client_id().unwrap();
    let t3 = sign_in(&c, no_revoke, "alice", PASSWORD).await;
    expect_code(
        c.revoke_token()
            .token(t3.refresh())
            .client_id(no_revoke)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    refresh(&c, no_revoke, t3.refresh()).await.unwrap();

    // A client with a secret needs it.
    let secret_client = create_client(client_builder(&c, &pool).generate_secret(true)).await;
    let id = secret_client.client_id().unwrap();
    let secret = secret_client.client_secret().unwrap();
    let out = initiate(
        &c,
        id,
        AuthFlowType::UserPasswordAuth,
        &[
            ("USERNAME", "alice"),
            ("PASSWORD", PASSWORD),
            ("SECRET_HASH", &hash(secret, "alice", id)),
        ],
    )
    .await
    .unwrap();
    let t4 = Tokens::of(out.authentication_result());
    let r = c
        .revoke_token()
        .token(t4.refresh())
        .client_id(id)
        .send()
        .await;
    assert!(r.is_err(), "no ClientSecret: {r:?}");
    c.revoke_token()
        .token(t4.refresh())
        .client_id(id)
        .client_secret(secret)
        .send()
        .await
        .unwrap();
    expect_code(
        initiate(
            &c,
            id,
            AuthFlowType::RefreshTokenAuth,
            &[
                ("REFRESH_TOKEN", t4.refresh()),
                ("SECRET_HASH", &hash(secret, "alice", id)),
            ],
        )
        .await,
        "NotAuthorizedException",
    );
});

// AdminDisableUser "deactivates a user and revokes all access tokens for the
// user" (API reference): enabling the user again does not bring them back.
both!(disable_revokes_access_tokens, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    expect_code(get_user(&c, &t.access).await, "NotAuthorizedException");
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    expect_code(get_user(&c, &t.access).await, "NotAuthorizedException");
    let fresh = sign_in(&c, &client, "alice", PASSWORD).await;
    get_user(&c, &fresh.access).await.unwrap();
});
