//! Admin user management through the Rust SDK: AdminCreateUser (invitations
//! in the outbox), AdminGetUser, AdminDeleteUser, AdminUpdateUserAttributes,
//! AdminDeleteUserAttributes, AdminSetUserPassword, AdminConfirmSignUp,
//! AdminDisableUser / AdminEnableUser, EstimatedNumberOfUsers and restarts.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;

const INVITE: &str = "Hello {username}, your temporary password is {####} - welcome";

/// A pool with a custom invitation, a mutable and an immutable custom attribute.
async fn admin_pool(c: &idp::Client) -> String {
    c.create_user_pool()
        .pool_name("admin")
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .invite_message_template(
                    MessageTemplateType::builder()
                        .email_message(INVITE)
                        .email_subject("Your new account")
                        .sms_message("{username} / {####}")
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("team")
                .attribute_data_type(AttributeDataType::String)
                .mutable(false)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string()
}

async fn estimated_users(c: &idp::Client, pool: &str) -> i32 {
    c.describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .estimated_number_of_users()
}

both!(admin_create_user_invitation, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    let out = c
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .temporary_password("Temp-Passw0rd")
        .user_attributes(attribute("email", "carol@example.com"))
        .user_attributes(attribute("custom:team", "blue"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    let user = out.user().expect("User");
    assert_eq!(user.username(), Some("carol"));
    assert_eq!(
        user.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(user.enabled());
    assert!(user.user_create_date().is_some() && user.user_last_modified_date().is_some());
    let sub = attr_of(user.attributes(), "sub").expect("sub");
    assert!(uuid::Uuid::parse_str(&sub).is_ok(), "{sub}");
    assert_eq!(
        attr_of(user.attributes(), "email").as_deref(),
        Some("carol@example.com")
    );
    assert_eq!(
        attr_of(user.attributes(), "custom:team").as_deref(),
        Some("blue")
    );

    let msgs = messages(&ts, &pool, "carol").await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["channel"], "EMAIL");
    assert_eq!(msgs[0]["destination"], "carol@example.com");
    assert_eq!(msgs[0]["subject"], "Your new account");
    assert_eq!(
        msgs[0]["body"],
        "Hello carol, your temporary password is Temp-Passw0rd - welcome"
    );

    // A generated temporary password, shown only in the invitation.
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("dave")
        .user_attributes(attribute("email", "dave@example.com"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    let msgs = messages(&ts, &pool, "dave").await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let body = msgs[0]["body"].as_str().unwrap();
    let password = body
        .strip_prefix("Hello dave, your temporary password is ")
        .and_then(|rest| rest.strip_suffix(" - welcome"))
        .unwrap_or_else(|| panic!("invitation {body:?}"));
    assert!(password.len() >= 8, "{password}");
    assert!(
        password.chars().any(|ch| ch.is_ascii_uppercase()),
        "{password}"
    );
    assert!(
        password.chars().any(|ch| ch.is_ascii_lowercase()),
        "{password}"
    );
    assert!(password.chars().any(|ch| ch.is_ascii_digit()), "{password}");

    // By SMS, to the phone number.
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("erin")
        .temporary_password("Temp-Passw0rd")
        .user_attributes(attribute("phone_number", "+15555550123"))
        .send()
        .await
        .unwrap();
    let msgs = messages(&ts, &pool, "erin").await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["channel"], "SMS");
    assert_eq!(msgs[0]["destination"], "+15555550123");
    assert_eq!(msgs[0]["body"], "erin / Temp-Passw0rd");
});

both!(admin_create_user_actions, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    let create = |name: &'static str| {
        c.admin_create_user()
            .user_pool_id(&pool)
            .username(name)
            .temporary_password("Temp-Passw0rd")
            .user_attributes(attribute("email", "x@example.com"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
    };
    create("quiet")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    assert!(messages(&ts, &pool, "quiet").await.is_empty());
    assert_eq!(status_of(&c, &pool, "quiet").await, "FORCE_CHANGE_PASSWORD");

    // RESEND for an existing user sends a new invitation.
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("quiet")
        .temporary_password("Other-Passw0rd")
        .message_action(MessageActionType::Resend)
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    let msgs = messages(&ts, &pool, "quiet").await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0]["body"]
            .as_str()
            .unwrap()
            .contains("quiet, your temporary password is Other-Passw0rd"),
        "{msgs:?}"
    );
    assert_eq!(status_of(&c, &pool, "quiet").await, "FORCE_CHANGE_PASSWORD");
    // RESEND for nobody.
    expect_code(
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("nobody")
            .message_action(MessageActionType::Resend)
            .send()
            .await,
        "UserNotFoundException",
    );

    // Duplicate.
    expect_code(create("quiet").send().await, "UsernameExistsException");
    // A temporary password against the policy.
    expect_code(
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("weak")
            .temporary_password("abc")
            .send()
            .await,
        "InvalidPasswordException",
    );
    // An unknown attribute, an unknown pool.
    expect_code(
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("odd")
            .user_attributes(attribute("custom:nope", "1"))
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        c.admin_create_user()
            .user_pool_id("us-east-1_Nope12345")
            .username("odd")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
    let names: Vec<_> = listed.users().iter().filter_map(|u| u.username()).collect();
    assert_eq!(names, ["quiet"]);
});

both!(admin_get_and_delete, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    assert_eq!(estimated_users(&c, &pool).await, 0);
    for name in ["u1", "u2", "u3"] {
        confirmed_user(&c, &pool, name, &[("name", name)]).await;
    }
    assert_eq!(estimated_users(&c, &pool).await, 3);

    let u = admin_get(&c, &pool, "u2").await;
    assert_eq!(u.username(), "u2");
    assert_eq!(u.user_status(), Some(&UserStatusType::Confirmed));
    assert!(u.enabled());
    assert_eq!(u.user_attributes()[0].name(), "sub", "sub comes first");
    assert_eq!(attr_of(u.user_attributes(), "name").as_deref(), Some("u2"));
    let created = u.user_create_date().expect("UserCreateDate").secs();
    let modified = u
        .user_last_modified_date()
        .expect("UserLastModifiedDate")
        .secs();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - 60..=now + 5).contains(&created), "{created}");
    assert!(modified >= created);

    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("u2")
        .send()
        .await
        .unwrap();
    expect_code(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("u2")
            .send()
            .await,
        "UserNotFoundException",
    );
    expect_code(
        c.admin_delete_user()
            .user_pool_id(&pool)
            .username("u2")
            .send()
            .await,
        "UserNotFoundException",
    );
    assert_eq!(estimated_users(&c, &pool).await, 2);
    expect_code(
        c.admin_get_user()
            .user_pool_id("us-east-1_Nope12345")
            .username("u1")
            .send()
            .await,
        "ResourceNotFoundException",
    );
    // The name is free again.
    confirmed_user(&c, &pool, "u2", &[]).await;
    assert_eq!(
        user_attr(&c, &pool, "u2", "name").await,
        None,
        "a new user, not the old one"
    );
});

both!(admin_update_attributes, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    confirmed_user(
        &c,
        &pool,
        "alice",
        &[
            ("email", "alice@example.com"),
            ("email_verified", "true"),
            ("custom:team", "red"),
        ],
    )
    .await;
    let sub = user_attr(&c, &pool, "alice", "sub").await;

    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attribute("email", "alice@new.example.com"))
        .user_attributes(attribute("custom:tier", "gold"))
        .user_attributes(attribute("given_name", "Alice"))
        .send()
        .await
        .unwrap();
    let u = admin_get(&c, &pool, "alice").await;
    let a = u.user_attributes();
    assert_eq!(
        attr_of(a, "email").as_deref(),
        Some("alice@new.example.com")
    );
    assert_eq!(attr_of(a, "email_verified").as_deref(), Some("false"));
    assert_eq!(attr_of(a, "custom:tier").as_deref(), Some("gold"));
    assert_eq!(attr_of(a, "given_name").as_deref(), Some("Alice"));
    assert_eq!(attr_of(a, "custom:team").as_deref(), Some("red"));
    assert_eq!(attr_of(a, "sub"), sub);
    assert_eq!(u.user_status(), Some(&UserStatusType::Confirmed));

    // The admin may mark the new address verified.
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attribute("email_verified", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        user_attr(&c, &pool, "alice", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );

    // Immutable, unknown, and sub.
    for (name, value) in [
        ("custom:team", "blue"),
        ("custom:nope", "x"),
        ("favorite_color", "blue"),
        ("sub", "00000000-0000-4000-8000-000000000000"),
    ] {
        expect_code(
            c.admin_update_user_attributes()
                .user_pool_id(&pool)
                .username("alice")
                .user_attributes(attribute(name, value))
                .send()
                .await,
            "InvalidParameterException",
        );
    }
    expect_code(
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("alice")
            .user_attributes(attribute("email", "not-an-email"))
            .send()
            .await,
        "InvalidParameterException",
    );
    assert_eq!(
        user_attr(&c, &pool, "alice", "custom:team")
            .await
            .as_deref(),
        Some("red")
    );
    assert_eq!(user_attr(&c, &pool, "alice", "sub").await, sub);
    expect_code(
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("nobody")
            .user_attributes(attribute("name", "x"))
            .send()
            .await,
        "UserNotFoundException",
    );

    // AdminDeleteUserAttributes.
    c.admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attribute_names("custom:tier")
        .user_attribute_names("given_name")
        .send()
        .await
        .unwrap();
    let u = admin_get(&c, &pool, "alice").await;
    assert_eq!(attr_of(u.user_attributes(), "custom:tier"), None);
    assert_eq!(attr_of(u.user_attributes(), "given_name"), None);
    assert_eq!(
        attr_of(u.user_attributes(), "email").as_deref(),
        Some("alice@new.example.com")
    );
    expect_code(
        c.admin_delete_user_attributes()
            .user_pool_id(&pool)
            .username("alice")
            .user_attribute_names("favorite_color")
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(admin_set_user_password, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    let client = new_client(&c, &pool).await;
    c.sign_up()
        .client_id(&client)
        .username("alice")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "UNCONFIRMED");
    let set = |password: &'static str, permanent: bool| {
        c.admin_set_user_password()
            .user_pool_id(&pool)
            .username("alice")
            .password(password)
            .permanent(permanent)
            .send()
    };
    let auth = admin_auth_client(&c, &pool).await;
    set("Perm-Passw0rd", true).await.unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
    assert!(password_works(&c, &pool, &auth, "alice", "Perm-Passw0rd").await);
    set("Temp-Passw0rd", false).await.unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "FORCE_CHANGE_PASSWORD");
    assert!(password_works(&c, &pool, &auth, "alice", "Temp-Passw0rd").await);
    assert!(!password_works(&c, &pool, &auth, "alice", "Perm-Passw0rd").await);
    set("Perm-Passw0rd-2", true).await.unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
    expect_code(set("short", true).await, "InvalidPasswordException");
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
    assert!(password_works(&c, &pool, &auth, "alice", "Perm-Passw0rd-2").await);
    expect_code(
        c.admin_set_user_password()
            .user_pool_id(&pool)
            .username("nobody")
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await,
        "UserNotFoundException",
    );
});

both!(admin_confirm_sign_up, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    let client = new_client(&c, &pool).await;
    c.sign_up()
        .client_id(&client)
        .username("alice")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    c.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
    expect_code(
        c.admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await,
        "NotAuthorizedException",
    );
    expect_code(
        c.admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username("nobody")
            .send()
            .await,
        "UserNotFoundException",
    );
});

both!(admin_disable_enable, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = admin_pool(&c).await;
    confirmed_user(&c, &pool, "alice", &[]).await;
    assert!(admin_get(&c, &pool, "alice").await.enabled());
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let u = admin_get(&c, &pool, "alice").await;
    assert!(!u.enabled());
    assert_eq!(u.user_status(), Some(&UserStatusType::Confirmed));
    let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
    assert!(!listed.users()[0].enabled());
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(admin_get(&c, &pool, "alice").await.enabled());
    expect_code(
        c.admin_disable_user()
            .user_pool_id(&pool)
            .username("nobody")
            .send()
            .await,
        "UserNotFoundException",
    );
});

/// What AdminGetUser says about a user, without the request id.
fn same_user(
    u: &idp::operation::admin_get_user::AdminGetUserOutput,
) -> (
    String,
    Vec<AttributeType>,
    Option<UserStatusType>,
    bool,
    Option<aws_sdk_cognitoidentityprovider::primitives::DateTime>,
    Option<aws_sdk_cognitoidentityprovider::primitives::DateTime>,
) {
    (
        u.username().to_string(),
        u.user_attributes().to_vec(),
        u.user_status().cloned(),
        u.enabled(),
        u.user_create_date().cloned(),
        u.user_last_modified_date().cloned(),
    )
}

each_backend!(users_survive_restart, |backend: Backend| async move {
    let Some(ts) = TestServer::start(backend).await else {
        return;
    };
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("durable")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = new_client(&c, &pool).await;
    confirmed_user(
        &c,
        &pool,
        "alice",
        &[("email", "alice@example.com"), ("email_verified", "true")],
    )
    .await;
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    c.create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    c.admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("staff")
        .send()
        .await
        .unwrap();
    c.sign_up()
        .client_id(&client)
        .username("bob")
        .password(PASSWORD)
        .user_attributes(attribute("email", "bob@example.com"))
        .send()
        .await
        .unwrap();
    let code = latest_code(&ts, &pool, "bob").await;
    let auth = admin_auth_client(&c, &pool).await;
    let alice_before = admin_get(&c, &pool, "alice").await;
    let bob_before = admin_get(&c, &pool, "bob").await;

    let ts = ts.restart().await;
    let c = ts.idp();
    let alice = admin_get(&c, &pool, "alice").await;
    assert_eq!(same_user(&alice), same_user(&alice_before));
    assert!(!alice.enabled());
    assert_eq!(alice.user_status(), Some(&UserStatusType::Confirmed));
    let bob = admin_get(&c, &pool, "bob").await;
    assert_eq!(same_user(&bob), same_user(&bob_before));
    assert_eq!(bob.user_status(), Some(&UserStatusType::Unconfirmed));
    let groups = c
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups().len(), 1);
    assert_eq!(estimated_users(&c, &pool).await, 2);
    // The code issued before the restart still confirms bob.
    c.confirm_sign_up()
        .client_id(&client)
        .username("bob")
        .confirmation_code(&code)
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "bob").await, "CONFIRMED");
    assert_eq!(messages(&ts, &pool, "bob").await.len(), 1);
    // Passwords survive too.
    assert!(password_works(&c, &pool, &auth, "bob", PASSWORD).await);
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(password_works(&c, &pool, &auth, "alice", PASSWORD).await);
    assert!(!password_works(&c, &pool, &auth, "alice", "Wr0ng-Passw0rd").await);
});

both!(admin_update_email_sends_code, |ts: TestServer| async move {
    // With email auto-verified, changing it makes Cognito send a verification
    // code to the new address (the CustomMessage_UpdateUserAttribute message),
    // unless the same call marks it verified.
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("verify")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    confirmed_user(
        &c,
        &pool,
        "alice",
        &[("email", "alice@example.com"), ("email_verified", "true")],
    )
    .await;
    confirmed_user(
        &c,
        &pool,
        "bob",
        &[("email", "bob@example.com"), ("email_verified", "true")],
    )
    .await;

    // Marked verified in the same call: nothing is sent.
    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("bob")
        .user_attributes(attribute("email", "bob@new.example.com"))
        .user_attributes(attribute("email_verified", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        user_attr(&c, &pool, "bob", "email_verified")
            .await
            .as_deref(),
        Some("true")
    );
    assert!(messages(&ts, &pool, "bob").await.is_empty());

    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attribute("email", "alice@new.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        user_attr(&c, &pool, "alice", "email_verified")
            .await
            .as_deref(),
        Some("false")
    );
    let msgs = messages(&ts, &pool, "alice").await;
    assert_eq!(
        msgs.len(),
        1,
        "a verification code for the new address: {msgs:?}"
    );
    assert_eq!(msgs[0]["destination"], "alice@new.example.com");
    assert!(
        code_in(msgs[0]["body"].as_str().unwrap_or_default()).is_some(),
        "{msgs:?}"
    );
});
