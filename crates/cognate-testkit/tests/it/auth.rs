//! Password sign-in through the Rust SDK: USER_PASSWORD_AUTH,
//! ADMIN_USER_PASSWORD_AUTH and ADMIN_NO_SRP_AUTH; flow enablement, the
//! §4.6 user-state checks, PreventUserExistenceErrors, SECRET_HASH (also for
//! email-as-username pools), lockout and the NEW_PASSWORD_REQUIRED challenge.
//!
//! The helpers at the top are shared with `srp`, `tokens` and `user_ops`.

use crate::*;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::{
    AdminInitiateAuthError, AdminInitiateAuthOutput,
};
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::{
    InitiateAuthError, InitiateAuthOutput,
};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use aws_sdk_cognitoidentityprovider::types::*;

// ---- Shared helpers ----

/// A password the default policy accepts, different from [`PASSWORD`].
pub const NEW_PASSWORD: &str = "N3w-Passw0rd!";

pub type InitiateResult = Result<InitiateAuthOutput, SdkError<InitiateAuthError>>;
pub type AdminInitiateResult = Result<AdminInitiateAuthOutput, SdkError<AdminInitiateAuthError>>;
pub type RespondResult =
    Result<RespondToAuthChallengeOutput, SdkError<RespondToAuthChallengeError>>;

/// ID, access and (for sign-ins) refresh token of one AuthenticationResult.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id: String,
    pub access: String,
    pub refresh: Option<String>,
    pub expires_in: i32,
    pub token_type: Option<String>,
}

impl Tokens {
    pub fn of(r: Option<&AuthenticationResultType>) -> Tokens {
        let r = r.expect("AuthenticationResult");
        Tokens {
            id: r.id_token().expect("IdToken").to_string(),
            access: r.access_token().expect("AccessToken").to_string(),
            refresh: r.refresh_token().map(str::to_string),
            expires_in: r.expires_in(),
            token_type: r.token_type().map(str::to_string),
        }
    }
    /// The refresh token, which a sign-in must return.
    pub fn refresh(&self) -> &str {
        self.refresh.as_deref().expect("RefreshToken")
    }
}

/// A client builder enabling password, admin-password, SRP and refresh flows.
pub fn client_builder(c: &idp::Client, pool: &str) -> CreateUserPoolClientFluentBuilder {
    c.create_user_pool_client()
        .user_pool_id(pool)
        .client_name("signin")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
}

/// Creates a client from a builder; returns the whole description (id, secret).
pub async fn create_client(b: CreateUserPoolClientFluentBuilder) -> UserPoolClientType {
    b.send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient: {e:?}"))
        .user_pool_client()
        .expect("UserPoolClient")
        .clone()
}

/// A client with every sign-in flow these tests use; returns its id.
pub async fn signin_client(c: &idp::Client, pool: &str) -> String {
    create_client(client_builder(c, pool))
        .await
        .client_id()
        .expect("ClientId")
        .to_string()
}

/// A plain pool with a sign-in client and a CONFIRMED user `alice` (password [`PASSWORD`], a verified email).
pub async fn alice_pool(c: &idp::Client) -> (String, String) {
    let pool = new_pool(c, "signin").await;
    let client = signin_client(c, &pool).await;
    confirmed_user(
        c,
        &pool,
        "alice",
        &[("email", "alice@example.com"), ("email_verified", "true")],
    )
    .await;
    (pool, client)
}

/// InitiateAuth with a flow and parameters.
pub async fn initiate(
    c: &idp::Client,
    client: &str,
    flow: AuthFlowType,
    params: &[(&str, &str)],
) -> InitiateResult {
    let mut req = c.initiate_auth().client_id(client).auth_flow(flow);
    for (k, v) in params {
        req = req.auth_parameters(*k, *v);
    }
    req.send().await
}

/// AdminInitiateAuth with a flow and parameters.
pub async fn admin_initiate(
    c: &idp::Client,
    pool: &str,
    client: &str,
    flow: AuthFlowType,
    params: &[(&str, &str)],
) -> AdminInitiateResult {
    let mut req = c
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(flow);
    for (k, v) in params {
        req = req.auth_parameters(*k, *v);
    }
    req.send().await
}

/// RespondToAuthChallenge.
pub async fn respond(
    c: &idp::Client,
    client: &str,
    challenge: ChallengeNameType,
    session: Option<&str>,
    responses: &[(&str, &str)],
) -> RespondResult {
    let mut req = c
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(challenge)
        .set_session(session.map(str::to_string));
    for (k, v) in responses {
        req = req.challenge_responses(*k, *v);
    }
    req.send().await
}

/// USER_PASSWORD_AUTH.
pub async fn password_auth(
    c: &idp::Client,
    client: &str,
    username: &str,
    password: &str,
) -> InitiateResult {
    initiate(
        c,
        client,
        AuthFlowType::UserPasswordAuth,
        &[("USERNAME", username), ("PASSWORD", password)],
    )
    .await
}

/// USER_PASSWORD_AUTH that must end in tokens.
pub async fn sign_in(c: &idp::Client, client: &str, username: &str, password: &str) -> Tokens {
    let out = password_auth(c, client, username, password)
        .await
        .unwrap_or_else(|e| panic!("USER_PASSWORD_AUTH {username}: {e:?}"));
    assert_eq!(out.challenge_name(), None, "{out:?}");
    Tokens::of(out.authentication_result())
}

/// REFRESH_TOKEN_AUTH.
pub async fn refresh(c: &idp::Client, client: &str, token: &str) -> InitiateResult {
    initiate(
        c,
        client,
        AuthFlowType::RefreshTokenAuth,
        &[("REFRESH_TOKEN", token)],
    )
    .await
}

/// The unverified payload of a JWT.
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("payload is base64url");
    serde_json::from_slice(&bytes).expect("payload is JSON")
}

/// GetUser with an access token.
pub async fn get_user(
    c: &idp::Client,
    access: &str,
) -> Result<idp::operation::get_user::GetUserOutput, SdkError<idp::operation::get_user::GetUserError>>
{
    c.get_user().access_token(access).send().await
}

/// A client id's secret hash for a name.
pub fn hash(secret: &str, name: &str, client: &str) -> String {
    cognate_crypto::secret_hash(secret, name, client)
}

// ---- Tests ----

both!(password_flows_issue_tokens, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;

    let out = password_auth(&c, &client, "alice", PASSWORD).await.unwrap();
    assert_eq!(out.challenge_name(), None);
    assert!(out.session().is_none(), "{out:?}");
    let t = Tokens::of(out.authentication_result());
    assert_eq!(t.token_type.as_deref(), Some("Bearer"));
    assert_eq!(t.expires_in, 3600);
    assert!(t.refresh.is_some());
    assert_eq!(claims(&t.id)["token_use"], "id");
    assert_eq!(claims(&t.access)["token_use"], "access");
    let me = get_user(&c, &t.access).await.unwrap();
    assert_eq!(me.username(), "alice");

    for flow in [
        AuthFlowType::AdminUserPasswordAuth,
        AuthFlowType::AdminNoSrpAuth,
    ] {
        let out = admin_initiate(
            &c,
            &pool,
            &client,
            flow.clone(),
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await
        .unwrap_or_else(|e| panic!("{flow:?}: {e:?}"));
        assert_eq!(out.challenge_name(), None, "{flow:?}");
        let r = out.authentication_result().expect("AuthenticationResult");
        assert!(r.refresh_token().is_some(), "{flow:?}");
        let access = r.access_token().unwrap();
        assert_eq!(claims(access)["username"], "alice");
        assert_eq!(claims(access)["client_id"], client.as_str());
        get_user(&c, access).await.unwrap();
    }

    // The legacy flow name enables ADMIN_NO_SRP_AUTH as well.
    let legacy = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("legacy")
        .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .and_then(|cl| cl.client_id())
        .unwrap()
        .to_string();
    admin_initiate(
        &c,
        &pool,
        &legacy,
        AuthFlowType::AdminNoSrpAuth,
        &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
    )
    .await
    .unwrap();

    // The admin API checks that the client belongs to the named pool.
    let other_pool = new_pool(&c, "other").await;
    expect_code(
        admin_initiate(
            &c,
            &other_pool,
            &client,
            AuthFlowType::AdminUserPasswordAuth,
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "ResourceNotFoundException",
    );
    expect_code(
        password_auth(&c, "1example23456789abcdefghij", "alice", PASSWORD).await,
        "ResourceNotFoundException",
    );
});

both!(flow_enablement, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, all_flows) = alice_pool(&c).await;
    // Default flows: SRP, refresh, custom.
    let default_client = new_client(&c, &pool).await;

    let m = expect_code(
        password_auth(&c, &default_client, "alice", PASSWORD).await,
        "InvalidParameterException",
    );
    assert_eq!(m, "USER_PASSWORD_AUTH flow not enabled for this client");
    // The flow check comes before the user lookup.
    let m = expect_code(
        password_auth(&c, &default_client, "nobody", PASSWORD).await,
        "InvalidParameterException",
    );
    assert_eq!(m, "USER_PASSWORD_AUTH flow not enabled for this client");
    for (flow, name) in [
        (
            AuthFlowType::AdminUserPasswordAuth,
            "ADMIN_USER_PASSWORD_AUTH",
        ),
        (AuthFlowType::AdminNoSrpAuth, "ADMIN_NO_SRP_AUTH"),
    ] {
        let m = expect_code(
            admin_initiate(
                &c,
                &pool,
                &default_client,
                flow,
                &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
            )
            .await,
            "InvalidParameterException",
        );
        assert_eq!(m, format!("{name} flow not enabled for this client"));
    }

    // Admin flows on InitiateAuth, and USER_PASSWORD_AUTH on AdminInitiateAuth.
    for flow in [
        AuthFlowType::AdminUserPasswordAuth,
        AuthFlowType::AdminNoSrpAuth,
    ] {
        let m = expect_code(
            initiate(
                &c,
                &all_flows,
                flow.clone(),
                &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
            )
            .await,
            "InvalidParameterException",
        );
        assert_eq!(m, "Initiate Auth method not supported", "{flow:?}");
    }
    let m = expect_code(
        admin_initiate(
            &c,
            &pool,
            &all_flows,
            AuthFlowType::UserPasswordAuth,
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "InvalidParameterException",
    );
    assert_eq!(m, "Initiate Auth method not supported");

    // A client enabling only USER_PASSWORD_AUTH (and refresh) refuses SRP.
    let only_password = create_client(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("pw")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth),
    )
    .await;
    let only_password = only_password.client_id().unwrap();
    sign_in(&c, only_password, "alice", PASSWORD).await;
    let m = expect_code(
        initiate(
            &c,
            only_password,
            AuthFlowType::UserSrpAuth,
            &[("USERNAME", "alice"), ("SRP_A", "abcdef")],
        )
        .await,
        "InvalidParameterException",
    );
    assert_eq!(m, "USER_SRP_AUTH flow not enabled for this client");
});

both!(
    wrong_password_and_unknown_users,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) = alice_pool(&c).await;

        let m = expect_code(
            password_auth(&c, &client, "alice", "Wrong-Passw0rd").await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "Incorrect username or password.");
        let m = expect_code(
            admin_initiate(
                &c,
                &pool,
                &client,
                AuthFlowType::AdminUserPasswordAuth,
                &[("USERNAME", "alice"), ("PASSWORD", "Wrong-Passw0rd")],
            )
            .await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "Incorrect username or password.");

        // LEGACY (the default) tells unknown users apart.
        expect_code(
            password_auth(&c, &client, "nobody", PASSWORD).await,
            "UserNotFoundException",
        );
        expect_code(
            admin_initiate(
                &c,
                &pool,
                &client,
                AuthFlowType::AdminUserPasswordAuth,
                &[("USERNAME", "nobody"), ("PASSWORD", PASSWORD)],
            )
            .await,
            "UserNotFoundException",
        );

        // ENABLED answers as for a wrong password.
        let hiding = create_client(
            client_builder(&c, &pool)
                .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled),
        )
        .await;
        let hiding = hiding.client_id().unwrap();
        let m = expect_code(
            password_auth(&c, hiding, "nobody", PASSWORD).await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "Incorrect username or password.");
        let m = expect_code(
            admin_initiate(
                &c,
                &pool,
                hiding,
                AuthFlowType::AdminUserPasswordAuth,
                &[("USERNAME", "nobody"), ("PASSWORD", PASSWORD)],
            )
            .await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "Incorrect username or password.");
        sign_in(&c, hiding, "alice", PASSWORD).await;
    }
);

both!(user_state_checks, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let hiding = create_client(
        client_builder(&c, &pool)
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled),
    )
    .await;
    let hiding = hiding.client_id().unwrap().to_string();

    // Disabled: refused whatever the password.
    confirmed_user(&c, &pool, "dora", &[]).await;
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("dora")
        .send()
        .await
        .unwrap();
    for pw in [PASSWORD, "Wrong-Passw0rd"] {
        let m = expect_code(
            password_auth(&c, &client, "dora", pw).await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "User is disabled.");
    }
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("dora")
        .send()
        .await
        .unwrap();
    sign_in(&c, &client, "dora", PASSWORD).await;

    // UNCONFIRMED (self sign-up): refused before the password is looked at.
    c.sign_up()
        .client_id(&client)
        .username("uma")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "uma").await, "UNCONFIRMED");
    expect_code(
        password_auth(&c, &client, "uma", PASSWORD).await,
        "UserNotConfirmedException",
    );
    expect_code(
        password_auth(&c, &client, "uma", "Wrong-Passw0rd").await,
        "UserNotConfirmedException",
    );
    expect_code(
        admin_initiate(
            &c,
            &pool,
            &client,
            AuthFlowType::AdminUserPasswordAuth,
            &[("USERNAME", "uma"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "UserNotConfirmedException",
    );

    // RESET_REQUIRED: PasswordResetRequiredException, hidden under ENABLED.
    c.admin_reset_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&c, &pool, "alice").await, "RESET_REQUIRED");
    expect_code(
        password_auth(&c, &client, "alice", PASSWORD).await,
        "PasswordResetRequiredException",
    );
    let m = expect_code(
        password_auth(&c, &hiding, "alice", PASSWORD).await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Incorrect username or password.");

    // FORCE_CHANGE_PASSWORD with a wrong temporary password.
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("fred")
        .temporary_password("Temp-Passw0rd1")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let m = expect_code(
        password_auth(&c, &client, "fred", "Temp-Passw0rd2").await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Incorrect username or password.");
});

both!(secret_hash_checks, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, _) = alice_pool(&c).await;
    let cl = create_client(client_builder(&c, &pool).generate_secret(true)).await;
    let id = cl.client_id().unwrap().to_string();
    let secret = cl.client_secret().expect("ClientSecret").to_string();

    let m = expect_code(
        password_auth(&c, &id, "alice", PASSWORD).await,
        "NotAuthorizedException",
    );
    assert!(m.contains("SECRET_HASH was not received"), "{m}");
    assert!(m.contains(&id), "{m}");
    for wrong in [
        hash(&secret, "bob", &id),
        hash("not-the-secret", "alice", &id),
        "AAAA".to_string(),
    ] {
        let m = expect_code(
            initiate(
                &c,
                &id,
                AuthFlowType::UserPasswordAuth,
                &[
                    ("USERNAME", "alice"),
                    ("PASSWORD", PASSWORD),
                    ("SECRET_HASH", &wrong),
                ],
            )
            .await,
            "NotAuthorizedException",
        );
        assert_eq!(m, format!("Unable to verify secret hash for client {id}"));
    }
    // The hash is checked before the user lookup: an unknown user with a bad
    // hash is a NotAuthorized, not a UserNotFound.
    expect_code(
        initiate(
            &c,
            &id,
            AuthFlowType::UserPasswordAuth,
            &[
                ("USERNAME", "nobody"),
                ("PASSWORD", PASSWORD),
                ("SECRET_HASH", &hash(&secret, "alice", &id)),
            ],
        )
        .await,
        "NotAuthorizedException",
    );

    let good = hash(&secret, "alice", &id);
    let out = initiate(
        &c,
        &id,
        AuthFlowType::UserPasswordAuth,
        &[
            ("USERNAME", "alice"),
            ("PASSWORD", PASSWORD),
            ("SECRET_HASH", &good),
        ],
    )
    .await
    .unwrap();
    let t = Tokens::of(out.authentication_result());
    admin_initiate(
        &c,
        &pool,
        &id,
        AuthFlowType::AdminUserPasswordAuth,
        &[
            ("USERNAME", "alice"),
            ("PASSWORD", PASSWORD),
            ("SECRET_HASH", &good),
        ],
    )
    .await
    .unwrap();
    expect_code(
        admin_initiate(
            &c,
            &pool,
            &id,
            AuthFlowType::AdminUserPasswordAuth,
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "NotAuthorizedException",
    );

    // Refresh needs the hash too.
    expect_code(
        refresh(&c, &id, t.refresh()).await,
        "NotAuthorizedException",
    );
    expect_code(
        initiate(
            &c,
            &id,
            AuthFlowType::RefreshTokenAuth,
            &[
                ("REFRESH_TOKEN", t.refresh()),
                ("SECRET_HASH", &hash(&secret, "bob", &id)),
            ],
        )
        .await,
        "NotAuthorizedException",
    );
    let out = initiate(
        &c,
        &id,
        AuthFlowType::RefreshTokenAuth,
        &[("REFRESH_TOKEN", t.refresh()), ("SECRET_HASH", &good)],
    )
    .await
    .unwrap();
    Tokens::of(out.authentication_result());
});

both!(secret_hash_email_as_username, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("email-signin")
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let cl = create_client(client_builder(&c, &pool).generate_secret(true)).await;
    let id = cl.client_id().unwrap().to_string();
    let secret = cl.client_secret().expect("ClientSecret").to_string();
    confirmed_user(&c, &pool, "jane@example.com", &[]).await;
    let sub = admin_get(&c, &pool, "jane@example.com")
        .await
        .username()
        .to_string();
    assert!(
        uuid::Uuid::parse_str(&sub).is_ok(),
        "username is the sub: {sub}"
    );

    // InitiateAuth: the hash over what the user typed (the email).
    let out = initiate(
        &c,
        &id,
        AuthFlowType::UserPasswordAuth,
        &[
            ("USERNAME", "jane@example.com"),
            ("PASSWORD", PASSWORD),
            ("SECRET_HASH", &hash(&secret, "jane@example.com", &id)),
        ],
    )
    .await
    .unwrap();
    let t = Tokens::of(out.authentication_result());
    assert_eq!(claims(&t.id)["cognito:username"], sub.as_str());
    assert_eq!(claims(&t.access)["username"], sub.as_str());
    assert_eq!(claims(&t.id)["email"], "jane@example.com");

    // Refresh: the hash over the username, which is the sub.
    expect_code(
        initiate(
            &c,
            &id,
            AuthFlowType::RefreshTokenAuth,
            &[
                ("REFRESH_TOKEN", t.refresh()),
                ("SECRET_HASH", &hash(&secret, "someone-else", &id)),
            ],
        )
        .await,
        "NotAuthorizedException",
    );
    let out = initiate(
        &c,
        &id,
        AuthFlowType::RefreshTokenAuth,
        &[
            ("REFRESH_TOKEN", t.refresh()),
            ("SECRET_HASH", &hash(&secret, &sub, &id)),
        ],
    )
    .await
    .unwrap();
    let r = Tokens::of(out.authentication_result());
    assert_eq!(claims(&r.id)["sub"], sub.as_str());
});

both!(lockout_after_five_failures, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    confirmed_user(&c, &pool, "bob", &[]).await;

    // Four failures, then success: the counter starts again.
    for _ in 0..4 {
        expect_code(
            password_auth(&c, &client, "alice", "Wrong-Passw0rd").await,
            "NotAuthorizedException",
        );
    }
    sign_in(&c, &client, "alice", PASSWORD).await;
    for _ in 0..4 {
        expect_code(
            password_auth(&c, &client, "alice", "Wrong-Passw0rd").await,
            "NotAuthorizedException",
        );
    }
    sign_in(&c, &client, "alice", PASSWORD).await;

    // Five failures lock the account for a second: the right password, sent
    // straight away, is refused.
    for i in 0..5 {
        let m = expect_code(
            password_auth(&c, &client, "alice", "Wrong-Passw0rd").await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "Incorrect username or password.", "failure {i}");
    }
    let m = expect_code(
        password_auth(&c, &client, "alice", PASSWORD).await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Password attempts exceeded");
    // Another user is not affected.
    sign_in(&c, &client, "bob", PASSWORD).await;
});

/// A pool whose schema requires `name`, with a sign-in client.
async fn name_required_pool(c: &idp::Client) -> (String, String) {
    let pool = c
        .create_user_pool()
        .pool_name("newpw")
        .schema(
            SchemaAttributeType::builder()
                .name("name")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
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
    (pool, client)
}

/// AdminCreateUser with a temporary password and an email, no invitation.
async fn invited(c: &idp::Client, pool: &str, username: &str, temp: &str) {
    c.admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password(temp)
        .user_attributes(attribute("email", &format!("{username}@example.com")))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminCreateUser {username}: {e:?}"));
}

/// USER_PASSWORD_AUTH that must end in NEW_PASSWORD_REQUIRED; returns
/// (challenge parameters, session).
async fn new_password_challenge(
    c: &idp::Client,
    client: &str,
    username: &str,
    temp: &str,
) -> (std::collections::HashMap<String, String>, String) {
    let out = password_auth(c, client, username, temp)
        .await
        .unwrap_or_else(|e| panic!("sign-in with temporary password: {e:?}"));
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired),
        "{out:?}"
    );
    assert!(out.authentication_result().is_none());
    (
        out.challenge_parameters().cloned().unwrap_or_default(),
        out.session().expect("Session").to_string(),
    )
}

const TEMP: &str = "Temp-Passw0rd1";

both!(new_password_required, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = name_required_pool(&c).await;
    invited(&c, &pool, "nina", TEMP).await;
    assert_eq!(status_of(&c, &pool, "nina").await, "FORCE_CHANGE_PASSWORD");

    let (params, session) = new_password_challenge(&c, &client, "nina", TEMP).await;
    assert_eq!(params.get("USERNAME").map(String::as_str), Some("nina"));
    let current: Value =
        serde_json::from_str(params.get("userAttributes").expect("userAttributes")).unwrap();
    assert_eq!(current["email"], "nina@example.com", "{current}");
    assert!(current.get("sub").is_none(), "{current}");
    let required: Value = serde_json::from_str(
        params
            .get("requiredAttributes")
            .expect("requiredAttributes"),
    )
    .unwrap();
    assert_eq!(required, serde_json::json!(["userAttributes.name"]));

    // A password the policy refuses.
    expect_code(
        respond(
            &c,
            &client,
            ChallengeNameType::NewPasswordRequired,
            Some(&session),
            &[
                ("USERNAME", "nina"),
                ("NEW_PASSWORD", "short"),
                ("userAttributes.name", "Nina"),
            ],
        )
        .await,
        "InvalidPasswordException",
    );
    assert_eq!(status_of(&c, &pool, "nina").await, "FORCE_CHANGE_PASSWORD");

    // A garbage session.
    expect_code(
        respond(
            &c,
            &client,
            ChallengeNameType::NewPasswordRequired,
            Some("bm90LWEtc2Vzc2lvbi1ub3QtYS1zZXNzaW9uLW5vdC1hLXNlc3Npb24"),
            &[
                ("USERNAME", "nina"),
                ("NEW_PASSWORD", NEW_PASSWORD),
                ("userAttributes.name", "Nina"),
            ],
        )
        .await,
        "NotAuthorizedException",
    );

    // A session of this sign-in presented through another client.
    let (_, session) = new_password_challenge(&c, &client, "nina", TEMP).await;
    let other = signin_client(&c, &pool).await;
    expect_code(
        respond(
            &c,
            &other,
            ChallengeNameType::NewPasswordRequired,
            Some(&session),
            &[
                ("USERNAME", "nina"),
                ("NEW_PASSWORD", NEW_PASSWORD),
                ("userAttributes.name", "Nina"),
            ],
        )
        .await,
        "NotAuthorizedException",
    );

    // The right answer, with the missing required attribute.
    let (_, session) = new_password_challenge(&c, &client, "nina", TEMP).await;
    let answer = [
        ("USERNAME", "nina"),
        ("NEW_PASSWORD", NEW_PASSWORD),
        ("userAttributes.name", "Nina Newcomer"),
    ];
    let out = respond(
        &c,
        &client,
        ChallengeNameType::NewPasswordRequired,
        Some(&session),
        &answer,
    )
    .await
    .unwrap_or_else(|e| panic!("NEW_PASSWORD_REQUIRED answer: {e:?}"));
    assert_eq!(out.challenge_name(), None);
    let t = Tokens::of(out.authentication_result());
    assert!(t.refresh.is_some());
    assert_eq!(claims(&t.id)["name"], "Nina Newcomer");
    assert_eq!(claims(&t.id)["cognito:username"], "nina");
    assert_eq!(status_of(&c, &pool, "nina").await, "CONFIRMED");
    assert_eq!(
        user_attr(&c, &pool, "nina", "name").await.as_deref(),
        Some("Nina Newcomer")
    );
    get_user(&c, &t.access).await.unwrap();

    // The session was spent.
    let m = expect_code(
        respond(
            &c,
            &client,
            ChallengeNameType::NewPasswordRequired,
            Some(&session),
            &answer,
        )
        .await,
        "NotAuthorizedException",
    );
    assert!(m.contains("session"), "{m}");

    // The new password signs in, the temporary one no longer does.
    sign_in(&c, &client, "nina", NEW_PASSWORD).await;
    let m = expect_code(
        password_auth(&c, &client, "nina", TEMP).await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Incorrect username or password.");
});

both!(
    new_password_required_admin_api,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) = name_required_pool(&c).await;
        invited(&c, &pool, "otto", TEMP).await;
        let out = admin_initiate(
            &c,
            &pool,
            &client,
            AuthFlowType::AdminUserPasswordAuth,
            &[("USERNAME", "otto"), ("PASSWORD", TEMP)],
        )
        .await
        .unwrap();
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::NewPasswordRequired)
        );
        let params = out.challenge_parameters().cloned().unwrap_or_default();
        assert_eq!(
            params.get("requiredAttributes").map(String::as_str),
            Some(r#"["userAttributes.name"]"#)
        );
        let session = out.session().expect("Session").to_string();

        // Leaving out the required attribute is refused.
        let no_name = c
            .admin_respond_to_auth_challenge()
            .user_pool_id(&pool)
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "otto")
            .challenge_responses("NEW_PASSWORD", NEW_PASSWORD)
            .send()
            .await;
        assert!(no_name.is_err(), "{no_name:?}");
        assert_eq!(status_of(&c, &pool, "otto").await, "FORCE_CHANGE_PASSWORD");

        let out = admin_initiate(
            &c,
            &pool,
            &client,
            AuthFlowType::AdminUserPasswordAuth,
            &[("USERNAME", "otto"), ("PASSWORD", TEMP)],
        )
        .await
        .unwrap();
        let out = c
            .admin_respond_to_auth_challenge()
            .user_pool_id(&pool)
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(out.session().unwrap())
            .challenge_responses("USERNAME", "otto")
            .challenge_responses("NEW_PASSWORD", NEW_PASSWORD)
            .challenge_responses("userAttributes.name", "Otto")
            .send()
            .await
            .unwrap_or_else(|e| panic!("AdminRespondToAuthChallenge: {e:?}"));
        let r = out.authentication_result().expect("AuthenticationResult");
        assert_eq!(claims(r.id_token().unwrap())["name"], "Otto");
        assert_eq!(status_of(&c, &pool, "otto").await, "CONFIRMED");
        sign_in(&c, &client, "otto", NEW_PASSWORD).await;
    }
);

both!(
    new_password_required_without_required_attributes,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "plain").await;
        let client = signin_client(&c, &pool).await;
        invited(&c, &pool, "pia", TEMP).await;
        let (params, session) = new_password_challenge(&c, &client, "pia", TEMP).await;
        assert_eq!(
            params.get("requiredAttributes").map(String::as_str),
            Some("[]")
        );
        let out = respond(
            &c,
            &client,
            ChallengeNameType::NewPasswordRequired,
            Some(&session),
            &[("USERNAME", "pia"), ("NEW_PASSWORD", NEW_PASSWORD)],
        )
        .await
        .unwrap();
        Tokens::of(out.authentication_result());
        assert_eq!(status_of(&c, &pool, "pia").await, "CONFIRMED");
    }
);
