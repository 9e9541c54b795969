//! Choice-based sign-in (AuthFlow USER_AUTH) through the Rust SDK:
//! `PREFERRED_CHALLENGE`, SELECT_CHALLENGE with AvailableChallenges, the
//! passwordless EMAIL_OTP and SMS_OTP first factors (codes from the outbox),
//! PASSWORD and PASSWORD_SRP inside USER_AUTH, the pool's
//! AllowedFirstAuthFactors and the client's ALLOW_USER_AUTH, wrong, expired
//! and reused codes, and GetUserAuthFactors / AdminGetUserAuthFactors.

use crate::auth::{RespondResult, Tokens, claims, create_client, get_user, initiate, respond};
use crate::*;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp::{self, client::SrpClient};
use cognate_testkit::{Backend, FakeClock, TestServer};
use std::time::Duration;

const EMAIL: &str = "alice@example.com";
const PHONE: &str = "+15555550123";

fn sign_in_policy(factors: &[AuthFactorType]) -> UserPoolPolicyType {
    UserPoolPolicyType::builder()
        .sign_in_policy(
            SignInPolicyType::builder()
                .set_allowed_first_auth_factors(Some(factors.to_vec()))
                .build(),
        )
        .build()
}

/// A pool allowing those first factors, a client with ALLOW_USER_AUTH (and
/// nothing else but refresh), and a CONFIRMED `alice` with a verified email
/// and phone; returns (pool, client).
async fn passwordless_pool(c: &idp::Client, factors: &[AuthFactorType]) -> (String, String) {
    let pool = c
        .create_user_pool()
        .pool_name("user-auth")
        .policies(sign_in_policy(factors))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPool: {e:?}"))
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_string();
    let client = create_client(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("choice")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth),
    )
    .await
    .client_id()
    .expect("ClientId")
    .to_string();
    confirmed_user(
        c,
        &pool,
        "alice",
        &[
            ("email", EMAIL),
            ("email_verified", "true"),
            ("phone_number", PHONE),
            ("phone_number_verified", "true"),
        ],
    )
    .await;
    (pool, client)
}

async fn user_auth(c: &idp::Client, client: &str, extra: &[(&str, &str)]) -> InitiateAuthOutput {
    let mut params = vec![("USERNAME", "alice")];
    params.extend_from_slice(extra);
    initiate(c, client, AuthFlowType::UserAuth, &params)
        .await
        .unwrap_or_else(|e| panic!("USER_AUTH: {e:?}"))
}

async fn answer_code(
    c: &idp::Client,
    client: &str,
    name: ChallengeNameType,
    session: Option<&str>,
    key: &str,
    code: &str,
) -> RespondResult {
    respond(
        c,
        client,
        name,
        session,
        &[("USERNAME", "alice"), (key, code)],
    )
    .await
}

/// The newest outbox message for alice: (channel, code).
async fn newest(ts: &TestServer, pool: &str) -> (String, String) {
    let msgs = messages(ts, pool, "alice").await;
    let m = msgs.first().expect("an outbox message");
    let body = m["body"].as_str().unwrap_or_default();
    (
        m["channel"].as_str().unwrap_or_default().to_string(),
        code_in(body).unwrap_or_else(|| panic!("no code in {body:?}")),
    )
}

/// One test per backend on a server whose clock the test moves.
macro_rules! clocked {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run_clocked(Backend::Sqlite, $body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run_clocked(Backend::Postgres, $body).await;
            }
        }
    };
}

async fn run_clocked(backend: Backend, body: impl AsyncFnOnce(TestServer, FakeClock)) {
    let clock = FakeClock::new();
    if let Some(ts) = TestServer::start_with_clock(backend, clock.clone()).await {
        body(ts, clock).await;
    }
}

clocked!(
    email_otp_only_factor,
    async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let (pool, client) = passwordless_pool(&c, &[AuthFactorType::EmailOtp]).await;
        // Only EMAIL_OTP is allowed: alice's password is no way in here.
        c.admin_create_user()
            .user_pool_id(&pool)
            .username("carol")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();

        let out = user_auth(&c, &client, &[("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await;
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::EmailOtp),
            "{out:?}"
        );
        let p = out.challenge_parameters().unwrap();
        assert_eq!(p["USERNAME"], "alice");
        assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
        assert!(p["CODE_DELIVERY_DESTINATION"].contains('*'), "{p:?}");
        assert_ne!(p["CODE_DELIVERY_DESTINATION"], EMAIL);
        let (channel, code) = newest(&ts, &pool).await;
        assert_eq!(channel, "EMAIL");
        let session = out.session().expect("Session");

        // A wrong code: CodeMismatchException, and the session stays usable.
        expect_code(
            answer_code(
                &c,
                &client,
                ChallengeNameType::EmailOtp,
                Some(session),
                "EMAIL_OTP_CODE",
                &other_code(&code),
            )
            .await,
            "CodeMismatchException",
        );
        let done = answer_code(
            &c,
            &client,
            ChallengeNameType::EmailOtp,
            Some(session),
            "EMAIL_OTP_CODE",
            &code,
        )
        .await
        .unwrap_or_else(|e| panic!("EMAIL_OTP: {e:?}"));
        assert_eq!(done.challenge_name(), None);
        let tokens = Tokens::of(done.authentication_result());
        assert_eq!(
            get_user(&c, &tokens.access).await.unwrap().username(),
            "alice"
        );
        assert!(tokens.refresh.is_some());
        // The same code again: the session was spent.
        expect_code(
            answer_code(
                &c,
                &client,
                ChallengeNameType::EmailOtp,
                Some(session),
                "EMAIL_OTP_CODE",
                &code,
            )
            .await,
            "NotAuthorizedException",
        );

        // No preference: SELECT_CHALLENGE lists only EMAIL_OTP.
        let out = user_auth(&c, &client, &[]).await;
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::SelectChallenge),
            "{out:?}"
        );
        assert_eq!(out.available_challenges(), &[ChallengeNameType::EmailOtp]);
        // A password is no first factor in this pool.
        expect_code(
            respond(
                &c,
                &client,
                ChallengeNameType::SelectChallenge,
                out.session(),
                &[
                    ("USERNAME", "alice"),
                    ("ANSWER", "PASSWORD"),
                    ("PASSWORD", PASSWORD),
                ],
            )
            .await,
            "InvalidParameterException",
        );

        // An expired code: the session outlives it by nothing.
        let out = user_auth(&c, &client, &[("PREFERRED_CHALLENGE", "EMAIL_OTP")]).await;
        let (_, code) = newest(&ts, &pool).await;
        clock.advance(Duration::from_secs(4 * 60));
        let (err, message) = fails(
            answer_code(
                &c,
                &client,
                ChallengeNameType::EmailOtp,
                out.session(),
                "EMAIL_OTP_CODE",
                &code,
            )
            .await,
        );
        assert_eq!(err, "NotAuthorizedException", "{message}");
        assert!(message.contains("session is expired"), "{message}");

        // A user without a verified email has no factor at all.
        let (err, _) = fails(
            initiate(
                &c,
                &client,
                AuthFlowType::UserAuth,
                &[("USERNAME", "carol")],
            )
            .await,
        );
        assert_eq!(err, "NotAuthorizedException");

        // GetUserAuthFactors / AdminGetUserAuthFactors.
        let factors = c
            .get_user_auth_factors()
            .access_token(&tokens.access)
            .send()
            .await
            .unwrap();
        assert_eq!(factors.username(), "alice");
        assert_eq!(
            factors.configured_user_auth_factors(),
            &[AuthFactorType::EmailOtp]
        );
        let admin = c
            .admin_get_user_auth_factors()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert_eq!(
            admin.configured_user_auth_factors(),
            &[AuthFactorType::EmailOtp]
        );
    }
);

both!(
    select_challenge_password_srp_or_email_otp,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, client) =
            passwordless_pool(&c, &[AuthFactorType::Password, AuthFactorType::EmailOtp]).await;

        let out = user_auth(&c, &client, &[]).await;
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::SelectChallenge),
            "{out:?}"
        );
        assert_eq!(
            out.available_challenges(),
            &[
                ChallengeNameType::Password,
                ChallengeNameType::PasswordSrp,
                ChallengeNameType::EmailOtp
            ]
        );
        assert_eq!(out.challenge_parameters().unwrap()["USERNAME"], "alice");

        // Choice 1: PASSWORD_SRP, then PASSWORD_VERIFIER.
        let a = SrpClient::new();
        let verifier = respond(
            &c,
            &client,
            ChallengeNameType::SelectChallenge,
            out.session(),
            &[
                ("USERNAME", "alice"),
                ("ANSWER", "PASSWORD_SRP"),
                ("SRP_A", a.srp_a_hex()),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("SELECT_CHALLENGE PASSWORD_SRP: {e:?}"));
        assert_eq!(
            verifier.challenge_name(),
            Some(&ChallengeNameType::PasswordVerifier)
        );
        let p = verifier.challenge_parameters().unwrap();
        let block = STANDARD.decode(&p["SECRET_BLOCK"]).unwrap();
        let timestamp = srp::format_timestamp(time::OffsetDateTime::now_utc());
        let signature = a
            .password_claim_signature(
                pool.split_once('_').unwrap().1,
                &p["USER_ID_FOR_SRP"],
                PASSWORD,
                &p["SALT"],
                &p["SRP_B"],
                &block,
                &timestamp,
            )
            .unwrap();
        let done = respond(
            &c,
            &client,
            ChallengeNameType::PasswordVerifier,
            None,
            &[
                ("USERNAME", "alice"),
                ("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"]),
                ("PASSWORD_CLAIM_SIGNATURE", &signature),
                ("TIMESTAMP", &timestamp),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("PASSWORD_VERIFIER: {e:?}"));
        let t = Tokens::of(done.authentication_result());
        assert_eq!(claims(&t.id)["cognito:username"], "alice");
        // The SELECT_CHALLENGE session was spent by the choice.
        expect_code(
            respond(
                &c,
                &client,
                ChallengeNameType::SelectChallenge,
                out.session(),
                &[("USERNAME", "alice"), ("ANSWER", "EMAIL_OTP")],
            )
            .await,
            "NotAuthorizedException",
        );

        // Choice 2: EMAIL_OTP sends a code, which completes the sign-in.
        let out = user_auth(&c, &client, &[]).await;
        let ch = respond(
            &c,
            &client,
            ChallengeNameType::SelectChallenge,
            out.session(),
            &[("USERNAME", "alice"), ("ANSWER", "EMAIL_OTP")],
        )
        .await
        .unwrap_or_else(|e| panic!("SELECT_CHALLENGE EMAIL_OTP: {e:?}"));
        assert_eq!(
            ch.challenge_name(),
            Some(&ChallengeNameType::EmailOtp),
            "{ch:?}"
        );
        assert_eq!(
            ch.challenge_parameters().unwrap()["CODE_DELIVERY_DELIVERY_MEDIUM"],
            "EMAIL"
        );
        let (channel, code) = newest(&ts, &pool).await;
        assert_eq!(channel, "EMAIL");
        let done = answer_code(
            &c,
            &client,
            ChallengeNameType::EmailOtp,
            ch.session(),
            "EMAIL_OTP_CODE",
            &code,
        )
        .await
        .unwrap_or_else(|e| panic!("EMAIL_OTP: {e:?}"));
        Tokens::of(done.authentication_result());

        // Choice 3: PASSWORD in the answer itself; a wrong one is refused.
        let out = user_auth(&c, &client, &[]).await;
        expect_code(
            respond(
                &c,
                &client,
                ChallengeNameType::SelectChallenge,
                out.session(),
                &[
                    ("USERNAME", "alice"),
                    ("ANSWER", "PASSWORD"),
                    ("PASSWORD", "wrong-Passw0rd!"),
                ],
            )
            .await,
            "NotAuthorizedException",
        );
        let out = user_auth(&c, &client, &[]).await;
        let done = respond(
            &c,
            &client,
            ChallengeNameType::SelectChallenge,
            out.session(),
            &[
                ("USERNAME", "alice"),
                ("ANSWER", "PASSWORD"),
                ("PASSWORD", PASSWORD),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("SELECT_CHALLENGE PASSWORD: {e:?}"));
        Tokens::of(done.authentication_result());

        // PREFERRED_CHALLENGE=PASSWORD with the password: tokens at once.
        let out = user_auth(
            &c,
            &client,
            &[("PREFERRED_CHALLENGE", "PASSWORD"), ("PASSWORD", PASSWORD)],
        )
        .await;
        Tokens::of(out.authentication_result());
        // A preference the user can not use falls back to SELECT_CHALLENGE.
        let out = user_auth(&c, &client, &[("PREFERRED_CHALLENGE", "SMS_OTP")]).await;
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::SelectChallenge)
        );

        let factors = c
            .admin_get_user_auth_factors()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert_eq!(
            factors.configured_user_auth_factors(),
            &[AuthFactorType::Password, AuthFactorType::EmailOtp]
        );
    }
);

both!(sms_otp_and_flow_enablement, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) =
        passwordless_pool(&c, &[AuthFactorType::Password, AuthFactorType::SmsOtp]).await;
    let out = user_auth(&c, &client, &[("PREFERRED_CHALLENGE", "SMS_OTP")]).await;
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SmsOtp),
        "{out:?}"
    );
    assert_eq!(
        out.challenge_parameters().unwrap()["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "SMS"
    );
    let (channel, code) = newest(&ts, &pool).await;
    assert_eq!(channel, "SMS");
    let done = answer_code(
        &c,
        &client,
        ChallengeNameType::SmsOtp,
        out.session(),
        "SMS_OTP_CODE",
        &code,
    )
    .await
    .unwrap_or_else(|e| panic!("SMS_OTP: {e:?}"));
    Tokens::of(done.authentication_result());

    // USER_AUTH needs ALLOW_USER_AUTH; USER_PASSWORD_AUTH is not enabled by it.
    let plain = crate::auth::signin_client(&c, &pool).await;
    expect_code(
        initiate(&c, &plain, AuthFlowType::UserAuth, &[("USERNAME", "alice")]).await,
        "InvalidParameterException",
    );
    expect_code(
        initiate(
            &c,
            &client,
            AuthFlowType::UserPasswordAuth,
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await,
        "InvalidParameterException",
    );
});
