//! Self-service sign-up through the Rust SDK: SignUp, ConfirmSignUp,
//! ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword, secret
//! hashes, PreventUserExistenceErrors, username attributes, aliases and
//! case-insensitive usernames. Codes are read from the server's outbox.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;

/// A pool that sends sign-up codes by email, with a public client.
async fn email_pool(c: &idp::Client) -> (String, String) {
    let pool = c
        .create_user_pool()
        .pool_name("signup")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = new_client(c, &pool).await;
    (pool, client)
}

async fn sign_up(
    c: &idp::Client,
    client: &str,
    username: &str,
    email: &str,
) -> idp::operation::sign_up::SignUpOutput {
    c.sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attribute("email", email))
        .send()
        .await
        .unwrap_or_else(|e| panic!("SignUp {username}: {e:?}"))
}

async fn confirm(
    c: &idp::Client,
    client: &str,
    username: &str,
    code: &str,
) -> Result<
    idp::operation::confirm_sign_up::ConfirmSignUpOutput,
    idp::error::SdkError<idp::operation::confirm_sign_up::ConfirmSignUpError>,
> {
    c.confirm_sign_up()
        .client_id(client)
        .username(username)
        .confirmation_code(code)
        .send()
        .await
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s == s.to_lowercase() && s.len() == 36
}

both!(
    sign_up_returns_sub_and_delivery,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) = email_pool(&c).await;
        let out = sign_up(&c, &client, "alice", "jane@example.com").await;
        let sub = out.user_sub().to_string();
        assert!(is_uuid(&sub), "UserSub {sub}");
        assert!(!out.user_confirmed());
        let d = out.code_delivery_details().expect("CodeDeliveryDetails");
        assert_eq!(d.destination(), Some("j***@e***"));
        assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
        assert_eq!(d.attribute_name(), Some("email"));

        let u = admin_get(&c, &pool, "alice").await;
        assert_eq!(u.username(), "alice");
        assert_eq!(u.user_status(), Some(&UserStatusType::Unconfirmed));
        assert!(u.enabled());
        assert_eq!(attr_of(u.user_attributes(), "sub"), Some(sub));
        assert_eq!(
            attr_of(u.user_attributes(), "email").as_deref(),
            Some("jane@example.com")
        );
        assert_ne!(
            attr_of(u.user_attributes(), "email_verified").as_deref(),
            Some("true")
        );

        let msgs = messages(&ts, &pool, "alice").await;
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert_eq!(msgs[0]["destination"], "jane@example.com");
        assert_eq!(msgs[0]["channel"], "EMAIL");
        assert!(
            code_in(msgs[0]["body"].as_str().unwrap()).is_some(),
            "{msgs:?}"
        );

        // A pool that verifies phone numbers sends the code by SMS.
        let phone_pool = c
            .create_user_pool()
            .pool_name("phone")
            .auto_verified_attributes(VerifiedAttributeType::PhoneNumber)
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let phone_client = new_client(&c, &phone_pool).await;
        let out = c
            .sign_up()
            .client_id(&phone_client)
            .username("carol")
            .password(PASSWORD)
            .user_attributes(attribute("phone_number", "+15555550123"))
            .send()
            .await
            .unwrap();
        let d = out.code_delivery_details().expect("CodeDeliveryDetails");
        assert_eq!(d.destination(), Some("+*******0123"));
        assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Sms));
        assert_eq!(d.attribute_name(), Some("phone_number"));
        let msgs = messages(&ts, &phone_pool, "carol").await;
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert_eq!(msgs[0]["channel"], "SMS");
        assert_eq!(msgs[0]["destination"], "+15555550123");

        // Without AutoVerifiedAttributes nothing is sent.
        let plain = new_pool(&c, "plain").await;
        let plain_client = new_client(&c, &plain).await;
        let out = sign_up(&c, &plain_client, "bob", "bob@example.com").await;
        assert!(out.code_delivery_details().is_none(), "{out:?}");
        assert!(!out.user_confirmed());
        assert!(messages(&ts, &plain, "bob").await.is_empty());
        assert_eq!(status_of(&c, &plain, "bob").await, "UNCONFIRMED");
    }
);

both!(sign_up_password_policy, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("strict")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(10)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .require_numbers(true)
                        .require_symbols(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = new_client(&c, &pool).await;
    for (password, why) in [
        ("Sh0rt!", "Password not long enough"),
        (
            "lowercase-only-1",
            "Password must have uppercase characters",
        ),
        (
            "UPPERCASE-ONLY-1",
            "Password must have lowercase characters",
        ),
        ("No-Numbers-Here", "Password must have numeric characters"),
        ("NoSymbols12345", "Password must have symbol characters"),
    ] {
        let message = expect_code(
            c.sign_up()
                .client_id(&client)
                .username("alice")
                .password(password)
                .send()
                .await,
            "InvalidPasswordException",
        );
        assert!(message.contains(why), "{password}: {message}");
    }
    // Nothing was created by the failed attempts.
    expect_code(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await,
        "UserNotFoundException",
    );
    c.sign_up()
        .client_id(&client)
        .username("alice")
        .password("Good-Passw0rd")
        .send()
        .await
        .unwrap();

    // The default policy: eight characters.
    let plain = new_pool(&c, "plain").await;
    let plain_client = new_client(&c, &plain).await;
    expect_code(
        c.sign_up()
            .client_id(&plain_client)
            .username("bob")
            .password("Ab1!")
            .send()
            .await,
        "InvalidPasswordException",
    );
});

both!(sign_up_attribute_rules, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("attrs")
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
    let client = new_client(&c, &pool).await;
    for (name, value) in [("favorite_color", "blue"), ("custom:nope", "x")] {
        expect_code(
            c.sign_up()
                .client_id(&client)
                .username("alice")
                .password(PASSWORD)
                .user_attributes(attribute(name, value))
                .send()
                .await,
            "InvalidParameterException",
        );
    }
    // A client limited to writing email may not write the custom attribute or name.
    let limited = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("limited")
        .write_attributes("email")
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .and_then(|cl| cl.client_id())
        .unwrap()
        .to_string();
    for name in ["custom:tier", "name"] {
        expect_code(
            c.sign_up()
                .client_id(&limited)
                .username("alice")
                .password(PASSWORD)
                .user_attributes(attribute(name, "gold"))
                .send()
                .await,
            "NotAuthorizedException",
        );
    }
    c.sign_up()
        .client_id(&limited)
        .username("alice")
        .password(PASSWORD)
        .user_attributes(attribute("email", "alice@example.com"))
        .send()
        .await
        .unwrap();
    // The unlimited client writes the custom attribute.
    c.sign_up()
        .client_id(&client)
        .username("bob")
        .password(PASSWORD)
        .user_attributes(attribute("custom:tier", "gold"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        user_attr(&c, &pool, "bob", "custom:tier").await.as_deref(),
        Some("gold")
    );
    // An unknown client.
    expect_code(
        c.sign_up()
            .client_id("nosuchclient0000000000000")
            .username("carol")
            .password(PASSWORD)
            .send()
            .await,
        "ResourceNotFoundException",
    );
});

both!(secret_hash, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, _) = email_pool(&c).await;
    let cl = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("server")
        .generate_secret(true)
        .send()
        .await
        .unwrap();
    let cl = cl.user_pool_client().unwrap();
    let id = cl.client_id().unwrap().to_string();
    let secret = cl.client_secret().unwrap().to_string();

    let message = expect_code(
        c.sign_up()
            .client_id(&id)
            .username("alice")
            .password(PASSWORD)
            .send()
            .await,
        "NotAuthorizedException",
    );
    assert_eq!(
        message,
        format!("Client {id} is configured with secret but SECRET_HASH was not received")
    );
    // A hash over another username, and one with another key.
    for wrong in [
        cognate_crypto::secret_hash(&secret, "bob", &id),
        cognate_crypto::secret_hash("not-the-secret", "alice", &id),
    ] {
        let message = expect_code(
            c.sign_up()
                .client_id(&id)
                .username("alice")
                .password(PASSWORD)
                .secret_hash(wrong)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert_eq!(
            message,
            format!("Unable to verify secret hash for client {id}")
        );
    }
    expect_code(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await,
        "UserNotFoundException",
    );
    let right = cognate_crypto::secret_hash(&secret, "alice", &id);
    c.sign_up()
        .client_id(&id)
        .username("alice")
        .password(PASSWORD)
        .secret_hash(&right)
        .user_attributes(attribute("email", "alice@example.com"))
        .send()
        .await
        .unwrap();

    // ConfirmSignUp needs it too.
    let code = latest_code(&ts, &pool, "alice").await;
    let message = expect_code(
        confirm(&c, &id, "alice", &code).await,
        "NotAuthorizedException",
    );
    assert!(
        message.contains("SECRET_HASH was not received"),
        "{message}"
    );
    assert_eq!(status_of(&c, &pool, "alice").await, "UNCONFIRMED");
    c.confirm_sign_up()
        .client_id(&id)
        .username("alice")
        .confirmation_code(&code)
        .secret_hash(&right)
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");

    // So does ForgotPassword.
    expect_code(
        c.forgot_password()
            .client_id(&id)
            .username("alice")
            .secret_hash(cognate_crypto::secret_hash(&secret, "alicia", &id))
            .send()
            .await,
        "NotAuthorizedException",
    );
    c.forgot_password()
        .client_id(&id)
        .username("alice")
        .secret_hash(&right)
        .send()
        .await
        .unwrap();
});

both!(
    username_exists_and_admin_only,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) = email_pool(&c).await;
        sign_up(&c, &client, "alice", "a@example.com").await;
        expect_code(
            c.sign_up()
                .client_id(&client)
                .username("alice")
                .password(PASSWORD)
                .send()
                .await,
            "UsernameExistsException",
        );
        // Also against a user the admin created.
        confirmed_user(&c, &pool, "bob", &[]).await;
        expect_code(
            c.sign_up()
                .client_id(&client)
                .username("bob")
                .password(PASSWORD)
                .send()
                .await,
            "UsernameExistsException",
        );

        let admin_only = c
            .create_user_pool()
            .pool_name("admin-only")
            .admin_create_user_config(
                AdminCreateUserConfigType::builder()
                    .allow_admin_create_user_only(true)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let admin_client = new_client(&c, &admin_only).await;
        let message = expect_code(
            c.sign_up()
                .client_id(&admin_client)
                .username("carol")
                .password(PASSWORD)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert_eq!(message, "SignUp is not permitted for this user pool");
        let users = c
            .list_users()
            .user_pool_id(&admin_only)
            .send()
            .await
            .unwrap();
        assert!(users.users().is_empty());
    }
);

both!(confirm_sign_up_with_code, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = email_pool(&c).await;
    sign_up(&c, &client, "alice", "alice@example.com").await;
    let code = latest_code(&ts, &pool, "alice").await;

    let message = expect_code(
        confirm(&c, &client, "alice", &other_code(&code)).await,
        "CodeMismatchException",
    );
    assert!(!message.is_empty());
    assert_eq!(status_of(&c, &pool, "alice").await, "UNCONFIRMED");

    confirm(&c, &client, "alice", &code).await.unwrap();
    let u = admin_get(&c, &pool, "alice").await;
    assert_eq!(u.user_status(), Some(&UserStatusType::Confirmed));
    assert_eq!(
        attr_of(u.user_attributes(), "email_verified").as_deref(),
        Some("true")
    );

    let message = expect_code(
        confirm(&c, &client, "alice", &code).await,
        "NotAuthorizedException",
    );
    assert!(message.contains("Current status is CONFIRMED"), "{message}");
    // ResendConfirmationCode for a confirmed user is refused.
    expect_code(
        c.resend_confirmation_code()
            .client_id(&client)
            .username("alice")
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(resend_confirmation_code, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = email_pool(&c).await;
    sign_up(&c, &client, "alice", "alice@example.com").await;
    let first = latest_code(&ts, &pool, "alice").await;
    // A new code (the random one could repeat the old, one in a million: ask again).
    let mut second = first.clone();
    for _ in 0..3 {
        let out = c
            .resend_confirmation_code()
            .client_id(&client)
            .username("alice")
            .send()
            .await
            .unwrap();
        let d = out.code_delivery_details().expect("CodeDeliveryDetails");
        assert_eq!(d.destination(), Some("a***@e***"));
        assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
        second = latest_code(&ts, &pool, "alice").await;
        if second != first {
            break;
        }
    }
    assert_ne!(first, second);
    assert!(messages(&ts, &pool, "alice").await.len() >= 2);
    expect_code(
        confirm(&c, &client, "alice", &first).await,
        "CodeMismatchException",
    );
    confirm(&c, &client, "alice", &second).await.unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
});

both!(forgot_password_round_trip, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = email_pool(&c).await;
    sign_up(&c, &client, "alice", "alice@example.com").await;
    let code = latest_code(&ts, &pool, "alice").await;
    confirm(&c, &client, "alice", &code).await.unwrap();

    let out = c
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await
        .unwrap();
    let d = out.code_delivery_details().expect("CodeDeliveryDetails");
    assert_eq!(d.destination(), Some("a***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));
    let reset = latest_code(&ts, &pool, "alice").await;

    let confirm_forgot = |code: String, password: &'static str| {
        c.confirm_forgot_password()
            .client_id(&client)
            .username("alice")
            .confirmation_code(code)
            .password(password)
            .send()
    };
    expect_code(
        confirm_forgot(other_code(&reset), "N3w-Passw0rd").await,
        "CodeMismatchException",
    );
    expect_code(
        confirm_forgot(reset.clone(), "short").await,
        "InvalidPasswordException",
    );
    confirm_forgot(reset.clone(), "N3w-Passw0rd").await.unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
    expect_code(
        confirm_forgot(reset, "An0ther-Passw0rd").await,
        "ExpiredCodeException",
    );
    // The new password signs in; the old one no longer does.
    let auth = admin_auth_client(&c, &pool).await;
    assert!(password_works(&c, &pool, &auth, "alice", "N3w-Passw0rd").await);
    assert!(!password_works(&c, &pool, &auth, "alice", PASSWORD).await);
});

both!(
    admin_reset_then_confirm_forgot,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) = email_pool(&c).await;
        confirmed_user(
            &c,
            &pool,
            "alice",
            &[("email", "alice@example.com"), ("email_verified", "true")],
        )
        .await;
        assert!(messages(&ts, &pool, "alice").await.is_empty());
        c.admin_reset_user_password()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert_eq!(status_of(&c, &pool, "alice").await, "RESET_REQUIRED");
        let auth = admin_auth_client(&c, &pool).await;
        expect_code(
            c.admin_initiate_auth()
                .user_pool_id(&pool)
                .client_id(&auth)
                .auth_flow(AuthFlowType::AdminUserPasswordAuth)
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await,
            "PasswordResetRequiredException",
        );
        let code = latest_code(&ts, &pool, "alice").await;
        c.confirm_forgot_password()
            .client_id(&client)
            .username("alice")
            .confirmation_code(&code)
            .password("N3w-Passw0rd")
            .send()
            .await
            .unwrap();
        assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");
        expect_code(
            c.confirm_forgot_password()
                .client_id(&client)
                .username("alice")
                .confirmation_code(&code)
                .password("N3w-Passw0rd-2")
                .send()
                .await,
            "ExpiredCodeException",
        );
        assert!(password_works(&c, &pool, &auth, "alice", "N3w-Passw0rd").await);
    }
);

both!(
    forgot_password_needs_verified_contact,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) = email_pool(&c).await;
        // Confirmed by the admin: the email was never verified.
        confirmed_user(&c, &pool, "alice", &[("email", "alice@example.com")]).await;
        expect_code(
            c.forgot_password()
                .client_id(&client)
                .username("alice")
                .send()
                .await,
            "InvalidParameterException",
        );
        // No address at all.
        confirmed_user(&c, &pool, "bob", &[]).await;
        expect_code(
            c.forgot_password()
                .client_id(&client)
                .username("bob")
                .send()
                .await,
            "InvalidParameterException",
        );
        assert!(messages(&ts, &pool, "alice").await.is_empty());
        assert!(messages(&ts, &pool, "bob").await.is_empty());
    }
);

both!(prevent_user_existence_errors, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, legacy) = email_pool(&c).await;
    let enabled = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("hiding")
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .and_then(|cl| cl.client_id())
        .unwrap()
        .to_string();

    // LEGACY: unknown users are reported.
    expect_code(
        c.forgot_password()
            .client_id(&legacy)
            .username("ghost")
            .send()
            .await,
        "UserNotFoundException",
    );
    expect_code(
        confirm(&c, &legacy, "ghost", "123456").await,
        "UserNotFoundException",
    );
    expect_code(
        c.confirm_forgot_password()
            .client_id(&legacy)
            .username("ghost")
            .confirmation_code("123456")
            .password(PASSWORD)
            .send()
            .await,
        "UserNotFoundException",
    );
    expect_code(
        c.resend_confirmation_code()
            .client_id(&legacy)
            .username("ghost")
            .send()
            .await,
        "UserNotFoundException",
    );

    // ENABLED: ForgotPassword pretends to send; confirmations fail on the code.
    let out = c
        .forgot_password()
        .client_id(&enabled)
        .username("ghost")
        .send()
        .await
        .unwrap();
    let d = out
        .code_delivery_details()
        .expect("simulated CodeDeliveryDetails");
    assert!(d.destination().is_some_and(|s| s.contains("***")), "{d:?}");
    assert!(d.delivery_medium().is_some());
    c.resend_confirmation_code()
        .client_id(&enabled)
        .username("ghost")
        .send()
        .await
        .unwrap();
    let (got, _) = fails(confirm(&c, &enabled, "ghost", "123456").await);
    assert!(
        got == "CodeMismatchException" || got == "ExpiredCodeException",
        "ConfirmSignUp of an unknown user: {got}"
    );
    let (got, _) = fails(
        c.confirm_forgot_password()
            .client_id(&enabled)
            .username("ghost")
            .confirmation_code("123456")
            .password(PASSWORD)
            .send()
            .await,
    );
    assert!(
        got == "CodeMismatchException" || got == "ExpiredCodeException",
        "ConfirmForgotPassword of an unknown user: {got}"
    );
    assert!(messages(&ts, &pool, "ghost").await.is_empty());

    // SignUp still reports a taken username.
    sign_up(&c, &enabled, "alice", "alice@example.com").await;
    expect_code(
        c.sign_up()
            .client_id(&enabled)
            .username("alice")
            .password(PASSWORD)
            .send()
            .await,
        "UsernameExistsException",
    );
});

both!(email_as_username, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("email-username")
        .username_attributes(UsernameAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = new_client(&c, &pool).await;
    let out = c
        .sign_up()
        .client_id(&client)
        .username("jane@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let sub = out.user_sub().to_string();
    assert!(is_uuid(&sub), "{sub}");
    assert_eq!(
        out.code_delivery_details().and_then(|d| d.destination()),
        Some("j***@e***")
    );

    let by_email = admin_get(&c, &pool, "jane@example.com").await;
    assert_eq!(by_email.username(), sub, "Username is the sub");
    assert_eq!(
        attr_of(by_email.user_attributes(), "email").as_deref(),
        Some("jane@example.com")
    );
    let by_sub = admin_get(&c, &pool, &sub).await;
    assert_eq!(by_sub.username(), sub);

    // The code went to the user stored under its sub; confirming by email works.
    let code = latest_code(&ts, &pool, &sub).await;
    confirm(&c, &client, "jane@example.com", &code)
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, &sub).await, "CONFIRMED");

    let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(listed.users().len(), 1);
    assert_eq!(listed.users()[0].username(), Some(sub.as_str()));

    expect_code(
        c.sign_up()
            .client_id(&client)
            .username("jane@example.com")
            .password(PASSWORD)
            .send()
            .await,
        "UsernameExistsException",
    );
    expect_code(
        c.sign_up()
            .client_id(&client)
            .username("jane")
            .password(PASSWORD)
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("jane@example.com")
            .message_action(MessageActionType::Suppress)
            .send()
            .await,
        "UsernameExistsException",
    );
    let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(listed.users().len(), 1);

    // AdminCreateUser in such a pool: the Username is a new sub too.
    let created = c
        .admin_create_user()
        .user_pool_id(&pool)
        .username("max@example.com")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let user = created.user().unwrap();
    let name = user.username().unwrap();
    assert!(is_uuid(name), "{name}");
    assert_eq!(attr_of(user.attributes(), "sub").as_deref(), Some(name));
    assert_eq!(
        attr_of(user.attributes(), "email").as_deref(),
        Some("max@example.com")
    );
    assert_eq!(
        admin_get(&c, &pool, "max@example.com").await.username(),
        name
    );
    expect_code(
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("max")
            .message_action(MessageActionType::Suppress)
            .send()
            .await,
        "InvalidParameterException",
    );
});

both!(email_alias, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(AliasAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = new_client(&c, &pool).await;

    // A username that looks like an email is refused in an email-alias pool.
    expect_code(
        c.sign_up()
            .client_id(&client)
            .username("shared@example.com")
            .password(PASSWORD)
            .send()
            .await,
        "InvalidParameterException",
    );

    sign_up(&c, &client, "alice", "shared@example.com").await;
    // Unverified: no alias yet.
    expect_code(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("shared@example.com")
            .send()
            .await,
        "UserNotFoundException",
    );
    let code = latest_code(&ts, &pool, "alice").await;
    confirm(&c, &client, "alice", &code).await.unwrap();
    assert_eq!(
        admin_get(&c, &pool, "shared@example.com").await.username(),
        "alice"
    );

    // A second user with the same email signs up, but may not take the alias.
    sign_up(&c, &client, "bob", "shared@example.com").await;
    let code = latest_code(&ts, &pool, "bob").await;
    let message = expect_code(
        confirm(&c, &client, "bob", &code).await,
        "AliasExistsException",
    );
    assert!(message.contains("email"), "{message}");
    assert_eq!(status_of(&c, &pool, "bob").await, "UNCONFIRMED");
    assert_eq!(
        admin_get(&c, &pool, "shared@example.com").await.username(),
        "alice"
    );

    // With ForceAliasCreation the alias moves to bob. (A fresh code: whether the
    // refused confirmation spent the first one is not what this test is about.)
    c.resend_confirmation_code()
        .client_id(&client)
        .username("bob")
        .send()
        .await
        .unwrap();
    let code = latest_code(&ts, &pool, "bob").await;
    c.confirm_sign_up()
        .client_id(&client)
        .username("bob")
        .confirmation_code(&code)
        .force_alias_creation(true)
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "bob").await, "CONFIRMED");
    assert_eq!(
        admin_get(&c, &pool, "shared@example.com").await.username(),
        "bob"
    );
    let alice = admin_get(&c, &pool, "alice").await;
    assert_eq!(
        attr_of(alice.user_attributes(), "email_verified").as_deref(),
        Some("false")
    );
    assert_eq!(
        attr_of(alice.user_attributes(), "email").as_deref(),
        Some("shared@example.com")
    );

    // The admin paths honour aliases as well.
    let create_carol = || {
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("carol")
            .user_attributes(attribute("email", "shared@example.com"))
            .user_attributes(attribute("email_verified", "true"))
            .message_action(MessageActionType::Suppress)
    };
    expect_code(create_carol().send().await, "AliasExistsException");
    expect_code(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("carol")
            .send()
            .await,
        "UserNotFoundException",
    );
    create_carol()
        .force_alias_creation(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        admin_get(&c, &pool, "shared@example.com").await.username(),
        "carol"
    );
    assert_eq!(
        user_attr(&c, &pool, "bob", "email_verified")
            .await
            .as_deref(),
        Some("false")
    );
    // Verifying the same address on another user by update is refused.
    expect_code(
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("bob")
            .user_attributes(attribute("email_verified", "true"))
            .send()
            .await,
        "AliasExistsException",
    );
    assert_eq!(
        admin_get(&c, &pool, "shared@example.com").await.username(),
        "carol"
    );
});

both!(case_insensitive_usernames, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("ci")
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let client = new_client(&c, &pool).await;
    let out = c
        .sign_up()
        .client_id(&client)
        .username("Alice")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    for name in ["Alice", "alice", "ALICE"] {
        let u = admin_get(&c, &pool, name).await;
        assert_eq!(
            attr_of(u.user_attributes(), "sub").as_deref(),
            Some(out.user_sub())
        );
    }
    expect_code(
        c.sign_up()
            .client_id(&client)
            .username("aLiCe")
            .password(PASSWORD)
            .send()
            .await,
        "UsernameExistsException",
    );
    c.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("ALICE")
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "CONFIRMED");

    // The API default is case-sensitive: two users.
    let cs = new_pool(&c, "cs").await;
    let cs_client = new_client(&c, &cs).await;
    for name in ["Alice", "alice"] {
        c.sign_up()
            .client_id(&cs_client)
            .username(name)
            .password(PASSWORD)
            .send()
            .await
            .unwrap();
    }
    expect_code(
        c.admin_get_user()
            .user_pool_id(&cs)
            .username("ALICE")
            .send()
            .await,
        "UserNotFoundException",
    );
    let listed = c.list_users().user_pool_id(&cs).send().await.unwrap();
    assert_eq!(listed.users().len(), 2);
});
