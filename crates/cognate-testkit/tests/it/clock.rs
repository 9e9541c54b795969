//! Expiry, seen through the SDK with a clock the test moves: access and
//! refresh tokens, confirmation codes, challenge sessions, temporary
//! passwords and the lockout window.

use crate::auth::{Tokens, refresh, sign_in, signin_client};
use crate::*;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use cognate_testkit::{Backend, FakeClock, TestServer};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

async fn each(body: impl AsyncFn(TestServer, FakeClock)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let clock = FakeClock::new();
        if let Some(ts) = TestServer::start_with_clock(backend, clock.clone()).await {
            body(ts, clock).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_and_refresh_tokens_expire() {
    each(async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let pool = new_pool(&c, "clock").await;
        let client = signin_client(&c, &pool).await;
        confirmed_user(&c, &pool, "alice", &[]).await;
        let t = sign_in(&c, &client, "alice", PASSWORD).await;
        c.get_user().access_token(&t.access).send().await.unwrap();
        // Default access-token validity is one hour.
        clock.advance(HOUR + Duration::from_secs(5));
        let (code, message) = fails(c.get_user().access_token(&t.access).send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Access Token has expired")
        );
        // The refresh token (30 days) still mints a fresh one.
        let fresh = Tokens::of(
            refresh(&c, &client, t.refresh())
                .await
                .unwrap()
                .authentication_result(),
        );
        c.get_user()
            .access_token(&fresh.access)
            .send()
            .await
            .unwrap();
        clock.advance(31 * 24 * HOUR);
        let (code, message) = fails(refresh(&c, &client, t.refresh()).await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Refresh Token has expired")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_codes_expire_after_a_day() {
    each(async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let pool = c
            .create_user_pool()
            .pool_name("codes")
            .auto_verified_attributes(
                aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
            )
            .send()
            .await
            .unwrap()
            .user_pool()
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let client = signin_client(&c, &pool).await;
        c.sign_up()
            .client_id(&client)
            .username("bob")
            .password(PASSWORD)
            .user_attributes(attribute("email", "bob@example.com"))
            .send()
            .await
            .unwrap();
        let code = latest_code(&ts, &pool, "bob").await;
        clock.advance(25 * HOUR);
        expect_code(
            c.confirm_sign_up()
                .client_id(&client)
                .username("bob")
                .confirmation_code(&code)
                .send()
                .await,
            "ExpiredCodeException",
        );
        // Still unconfirmed (checked with an unsigned call: admin calls are signed
        // with the real time, which this server's clock has left behind).
        expect_code(
            c.initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "bob")
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await,
            "UserNotConfirmedException",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenge_sessions_and_temporary_passwords_expire() {
    each(async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let pool = new_pool(&c, "sessions").await;
        let client = signin_client(&c, &pool).await;
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("carol")
            .temporary_password("Temp0rary!")
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let out = c
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", "Temp0rary!")
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::NewPasswordRequired)
        );
        let session = out.session().unwrap().to_string();
        // The default AuthSessionValidity is 3 minutes.
        clock.advance(Duration::from_secs(4 * 60));
        let (code, message) = fails(
            c.respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .session(&session)
                .challenge_responses("USERNAME", "carol")
                .challenge_responses("NEW_PASSWORD", "N3wPassw0rd!")
                .send()
                .await,
        );
        assert_eq!(code, "NotAuthorizedException");
        assert!(message.contains("session is expired"), "{message}");
        // Temporary passwords last TemporaryPasswordValidityDays (7 by default).
        clock.advance(8 * 24 * HOUR);
        let (code, message) = fails(
            c.initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "carol")
                .auth_parameters("PASSWORD", "Temp0rary!")
                .send()
                .await,
        );
        assert_eq!(code, "NotAuthorizedException");
        assert!(
            message.contains("Temporary password has expired"),
            "{message}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_ends_and_doubles() {
    each(async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let pool = new_pool(&c, "lockout").await;
        let client = signin_client(&c, &pool).await;
        confirmed_user(&c, &pool, "dave", &[]).await;
        let wrong = |c: &idp::Client| {
            c.initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "dave")
                .auth_parameters("PASSWORD", "Wr0ngPassword!")
                .send()
        };
        for _ in 0..5 {
            let (_, m) = fails(wrong(&c).await);
            assert_eq!(m, "Incorrect username or password.");
        }
        // Locked for 2^(5-5) = 1 s: even the right password is refused.
        let (_, m) = fails(
            c.initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "dave")
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await,
        );
        assert_eq!(m, "Password attempts exceeded");
        clock.advance(Duration::from_secs(2));
        // A sixth failure locks for 2 s.
        let (_, m) = fails(wrong(&c).await);
        assert_eq!(m, "Incorrect username or password.");
        clock.advance(Duration::from_millis(1500));
        let (_, m) = fails(wrong(&c).await);
        assert_eq!(m, "Password attempts exceeded");
        clock.advance(Duration::from_secs(1));
        sign_in(&c, &client, "dave", PASSWORD).await;
    })
    .await;
}
