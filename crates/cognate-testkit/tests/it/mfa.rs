//! Multi-factor authentication through the Rust SDK: the pool's MFA
//! configuration, TOTP association and verification (with access token and
//! with an MFA_SETUP session), user preferences (also the legacy
//! SetUserSettings), the SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP,
//! SELECT_MFA_TYPE and MFA_SETUP challenges, code replay and lockout.
//!
//! TOTP codes come from `totp-rs`, an implementation independent of the
//! server's; SMS and email codes from the outbox. Tests that depend on the
//! 30-second TOTP step or on the lockout window run on a clock they move.

use crate::auth::{RespondResult, Tokens, admin_initiate, get_user, password_auth, respond};
use crate::*;
use aws_sdk_cognitoidentityprovider::operation::set_user_pool_mfa_config::builders::SetUserPoolMfaConfigFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::*;
use cognate_core::ports::Clock;
use cognate_testkit::{Backend, FakeClock, TestServer};
use std::collections::HashMap;
use std::time::Duration;

const STEP: u64 = 30;
const PHONE: &str = "+15555550123";
const EMAIL: &str = "alice@example.com";
const SMS_TEMPLATE: &str = "Your code is {####}";
const EMAIL_TEMPLATE: &str = "Your sign-in code is {####}";
const EMAIL_SUBJECT: &str = "Your sign-in code";

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

// ---- Pools, users, challenges ----

/// Which factors a pool offers.
#[derive(Clone, Copy, Default)]
struct Factors {
    sms: bool,
    totp: bool,
    email: bool,
}

const TOTP: Factors = Factors {
    sms: false,
    totp: true,
    email: false,
};
const SMS: Factors = Factors {
    sms: true,
    totp: false,
    email: false,
};
const EMAIL_ONLY: Factors = Factors {
    sms: false,
    totp: false,
    email: true,
};

/// SetUserPoolMfaConfig with the given mode and factors (templates from the constants above).
fn mfa_config(
    c: &idp::Client,
    pool: &str,
    mode: UserPoolMfaType,
    f: Factors,
) -> SetUserPoolMfaConfigFluentBuilder {
    let mut req = c
        .set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(mode);
    if f.sms {
        req = req.sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message(SMS_TEMPLATE)
                .build(),
        );
    }
    if f.totp {
        req = req.software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        );
    }
    if f.email {
        req = req.email_mfa_configuration(
            EmailMfaConfigType::builder()
                .message(EMAIL_TEMPLATE)
                .subject(EMAIL_SUBJECT)
                .build(),
        );
    }
    req
}

/// A pool with that MFA configuration, a sign-in client and a CONFIRMED
/// `alice` with a phone number and an email address; returns (pool, client).
async fn mfa_pool(c: &idp::Client, mode: UserPoolMfaType, f: Factors) -> (String, String) {
    let pool = new_pool(c, "mfa").await;
    mfa_config(c, &pool, mode, f)
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetUserPoolMfaConfig: {e:?}"));
    let client = crate::auth::signin_client(c, &pool).await;
    confirmed_user(
        c,
        &pool,
        "alice",
        &[
            ("phone_number", PHONE),
            ("phone_number_verified", "true"),
            ("email", EMAIL),
            ("email_verified", "true"),
        ],
    )
    .await;
    (pool, client)
}

fn sms_settings(enabled: bool, preferred: bool) -> SmsMfaSettingsType {
    SmsMfaSettingsType::builder()
        .enabled(enabled)
        .preferred_mfa(preferred)
        .build()
}

fn totp_settings(enabled: bool, preferred: bool) -> SoftwareTokenMfaSettingsType {
    SoftwareTokenMfaSettingsType::builder()
        .enabled(enabled)
        .preferred_mfa(preferred)
        .build()
}

fn email_settings(enabled: bool, preferred: bool) -> EmailMfaSettingsType {
    EmailMfaSettingsType::builder()
        .enabled(enabled)
        .preferred_mfa(preferred)
        .build()
}

/// A challenge returned by a sign-in.
#[derive(Debug, Clone)]
struct Challenge {
    name: ChallengeNameType,
    params: HashMap<String, String>,
    session: String,
}

impl Challenge {
    fn param(&self, key: &str) -> &str {
        self.params
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {key} in {:?}", self.params))
    }
}

/// USER_PASSWORD_AUTH with the right password that must end in a challenge.
async fn challenged(c: &idp::Client, client: &str, username: &str) -> Challenge {
    let out = password_auth(c, client, username, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("USER_PASSWORD_AUTH {username}: {e:?}"));
    assert!(out.authentication_result().is_none(), "{out:?}");
    Challenge {
        name: out.challenge_name().cloned().expect("ChallengeName"),
        params: out.challenge_parameters().cloned().unwrap_or_default(),
        session: out.session().expect("Session").to_string(),
    }
}

/// USER_PASSWORD_AUTH that must end in tokens (no MFA asked).
async fn no_mfa(c: &idp::Client, client: &str, username: &str) -> Tokens {
    crate::auth::sign_in(c, client, username, PASSWORD).await
}

/// RespondToAuthChallenge to `ch` with USERNAME and one more response.
async fn answer(
    c: &idp::Client,
    client: &str,
    ch: &Challenge,
    key: &str,
    value: &str,
) -> RespondResult {
    respond(
        c,
        client,
        ch.name.clone(),
        Some(&ch.session),
        &[("USERNAME", "alice"), (key, value)],
    )
    .await
}

/// The tokens of a response that must have succeeded without another challenge.
#[track_caller]
fn tokens_of(r: RespondResult) -> Tokens {
    let out = r.unwrap_or_else(|e| panic!("RespondToAuthChallenge: {e:?}"));
    assert_eq!(out.challenge_name(), None, "{out:?}");
    Tokens::of(out.authentication_result())
}

/// The next challenge of a response that must have asked one.
#[track_caller]
fn next_challenge(r: RespondResult) -> Challenge {
    let out = r.unwrap_or_else(|e| panic!("RespondToAuthChallenge: {e:?}"));
    assert!(out.authentication_result().is_none(), "{out:?}");
    Challenge {
        name: out.challenge_name().cloned().expect("ChallengeName"),
        params: out.challenge_parameters().cloned().unwrap_or_default(),
        session: out.session().expect("Session").to_string(),
    }
}

/// The newest outbox message for alice, which must be on `channel`; returns (message, code).
async fn delivered(ts: &TestServer, pool: &str, channel: &str) -> (Value, String) {
    let msgs = messages(ts, pool, "alice").await;
    let m = msgs.first().cloned().expect("an outbox message for alice");
    assert_eq!(m["channel"], channel, "{m}");
    let body = m["body"].as_str().unwrap_or_default();
    let code = code_in(body).unwrap_or_else(|| panic!("no code in {body:?}"));
    (m, code)
}

/// A six-digit code that is none of `avoid`.
fn code_not_in(avoid: &[String]) -> String {
    (0u32..)
        .map(|n| format!("{:06}", (n * 7919 + 271_828) % 1_000_000))
        .find(|w| !avoid.contains(w))
        .expect("a free code")
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut v = list.to_vec();
    v.sort();
    v
}

// ---- An authenticator app (independent RFC 6238 implementation) ----

fn unix(clock: &FakeClock) -> u64 {
    clock.now().unix_timestamp() as u64
}

struct Authenticator {
    totp: totp_rs::Totp,
    /// The last time step whose code the server accepted.
    used: u64,
}

impl Authenticator {
    /// From a SecretCode, which must be base32 (RFC 4648 alphabet, at least 16 characters).
    fn new(secret_code: &str) -> Authenticator {
        assert!(
            secret_code.len() >= 16
                && secret_code
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ('2'..='7').contains(&ch)),
            "SecretCode is not base32: {secret_code:?}"
        );
        let secret = totp_rs::Secret::try_from_base32(secret_code)
            .unwrap_or_else(|e| panic!("SecretCode {secret_code:?}: {e:?}"));
        // The builder's defaults are the authenticator-app ones: SHA-1, 6 digits, 30 s.
        let totp = totp_rs::Builder::new()
            .with_secret(secret)
            .build()
            .unwrap_or_else(|e| panic!("TOTP from {secret_code:?}: {e:?}"));
        Authenticator { totp, used: 0 }
    }

    fn code_at(&self, unix_seconds: u64) -> String {
        self.totp.generate(unix_seconds).to_string()
    }

    /// The code of a step the server has not accepted yet: the current one or
    /// the next (within the ±1 step the server allows), after moving the clock
    /// on if both were used.
    fn fresh(&mut self, clock: &FakeClock) -> String {
        // Both the current step and the next one used: wait for the next step.
        while unix(clock) / STEP < self.used {
            clock.advance(Duration::from_secs(STEP));
        }
        let step = (unix(clock) / STEP).max(self.used + 1);
        self.used = step;
        self.code_at(step * STEP)
    }

    /// A code that matches no step near now.
    fn wrong(&self, clock: &FakeClock) -> String {
        let step = unix(clock) / STEP;
        let near: Vec<String> = (step.saturating_sub(3)..=step + 3)
            .map(|s| self.code_at(s * STEP))
            .collect();
        code_not_in(&near)
    }
}

/// AssociateSoftwareToken and VerifySoftwareToken with an access token.
async fn enrol(c: &idp::Client, access: &str, clock: &FakeClock) -> Authenticator {
    let out = c
        .associate_software_token()
        .access_token(access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AssociateSoftwareToken: {e:?}"));
    let mut app = Authenticator::new(out.secret_code().expect("SecretCode"));
    let verified = c
        .verify_software_token()
        .access_token(access)
        .user_code(app.fresh(clock))
        .friendly_device_name("phone")
        .send()
        .await
        .unwrap_or_else(|e| panic!("VerifySoftwareToken: {e:?}"));
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    app
}

// ---- Tests ----

both!(pool_mfa_config_round_trip, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "mfa-config").await;
    let get = async || {
        c.get_user_pool_mfa_config()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetUserPoolMfaConfig: {e:?}"))
    };
    assert_eq!(get().await.mfa_configuration(), Some(&UserPoolMfaType::Off));

    // MFA on (or optional) without a factor is refused and changes nothing.
    for mode in [UserPoolMfaType::On, UserPoolMfaType::Optional] {
        expect_code(
            mfa_config(&c, &pool, mode, Factors::default()).send().await,
            "InvalidParameterException",
        );
    }
    assert_eq!(get().await.mfa_configuration(), Some(&UserPoolMfaType::Off));

    let all = Factors {
        sms: true,
        totp: true,
        email: true,
    };
    let set = mfa_config(&c, &pool, UserPoolMfaType::Optional, all)
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetUserPoolMfaConfig: {e:?}"));
    assert_eq!(set.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(
        set.software_token_mfa_configuration().map(|t| t.enabled()),
        Some(true)
    );

    let got = get().await;
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(
        got.software_token_mfa_configuration().map(|t| t.enabled()),
        Some(true),
        "{got:?}"
    );
    assert_eq!(
        got.sms_mfa_configuration()
            .and_then(|s| s.sms_authentication_message()),
        Some(SMS_TEMPLATE),
        "{got:?}"
    );
    let email = got
        .email_mfa_configuration()
        .expect("EmailMfaConfiguration");
    assert_eq!(
        (email.message(), email.subject()),
        (Some(EMAIL_TEMPLATE), Some(EMAIL_SUBJECT))
    );
    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .user_pool()
        .cloned()
        .expect("UserPool");
    assert_eq!(
        described.mfa_configuration(),
        Some(&UserPoolMfaType::Optional)
    );

    mfa_config(&c, &pool, UserPoolMfaType::On, TOTP)
        .send()
        .await
        .unwrap();
    assert_eq!(get().await.mfa_configuration(), Some(&UserPoolMfaType::On));
    mfa_config(&c, &pool, UserPoolMfaType::Off, TOTP)
        .send()
        .await
        .unwrap();
    assert_eq!(get().await.mfa_configuration(), Some(&UserPoolMfaType::Off));

    expect_code(
        c.get_user_pool_mfa_config()
            .user_pool_id("us-east-1_nosuchpol")
            .send()
            .await,
        "ResourceNotFoundException",
    );
});

clocked!(
    totp_enrolment_and_sign_in,
    async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, TOTP).await;
        // OPTIONAL and no factor yet: tokens straight away.
        let t = no_mfa(&c, &client, "alice").await;
        let user = get_user(&c, &t.access).await.unwrap();
        assert_eq!(user.preferred_mfa_setting(), None);
        assert!(user.user_mfa_setting_list().is_empty(), "{user:?}");

        let enable_totp = async || {
            c.set_user_mfa_preference()
                .access_token(&t.access)
                .software_token_mfa_settings(totp_settings(true, true))
                .send()
                .await
        };
        // Enabling TOTP needs an associated and verified token.
        expect_code(enable_totp().await, "SoftwareTokenMFANotFoundException");

        let secret = c
            .associate_software_token()
            .access_token(&t.access)
            .send()
            .await
            .unwrap_or_else(|e| panic!("AssociateSoftwareToken: {e:?}"))
            .secret_code()
            .expect("SecretCode")
            .to_string();
        let mut app = Authenticator::new(&secret);
        expect_code(enable_totp().await, "SoftwareTokenMFANotFoundException");

        // A wrong code does not verify the token; the right one does.
        expect_code(
            c.verify_software_token()
                .access_token(&t.access)
                .user_code(app.wrong(&clock))
                .send()
                .await,
            "EnableSoftwareTokenMFAException",
        );
        let verify_code = app.fresh(&clock);
        let verified = c
            .verify_software_token()
            .access_token(&t.access)
            .user_code(&verify_code)
            .friendly_device_name("phone")
            .send()
            .await
            .unwrap_or_else(|e| panic!("VerifySoftwareToken: {e:?}"));
        assert_eq!(
            verified.status(),
            Some(&VerifySoftwareTokenResponseType::Success)
        );

        enable_totp()
            .await
            .unwrap_or_else(|e| panic!("SetUserMFAPreference: {e:?}"));
        let user = get_user(&c, &t.access).await.unwrap();
        assert_eq!(user.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
        assert_eq!(user.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
        let admin = admin_get(&c, &pool, "alice").await;
        assert_eq!(admin.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
        assert_eq!(admin.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);

        // The next sign-in asks for a code.
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::SoftwareTokenMfa);
        assert_eq!(ch.param("USERNAME"), "alice");
        assert!(!ch.session.is_empty());
        let key = "SOFTWARE_TOKEN_MFA_CODE";
        // A wrong code, then the code already used to verify: both refused, and
        // the session stays usable.
        expect_code(
            answer(&c, &client, &ch, key, &app.wrong(&clock)).await,
            "CodeMismatchException",
        );
        expect_code(
            answer(&c, &client, &ch, key, &verify_code).await,
            "CodeMismatchException",
        );
        let accepted = app.fresh(&clock);
        assert_ne!(accepted, verify_code);
        let tokens = tokens_of(answer(&c, &client, &ch, key, &accepted).await);
        let me = get_user(&c, &tokens.access).await.unwrap();
        assert_eq!(me.username(), "alice");
        assert!(tokens.refresh.is_some());
        // The session was spent by the successful answer.
        let (code, message) = fails(answer(&c, &client, &ch, key, &app.fresh(&clock)).await);
        assert_eq!(code, "NotAuthorizedException", "{message}");

        // A code once accepted is refused in a later sign-in; a fresh one works.
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::SoftwareTokenMfa);
        expect_code(
            answer(&c, &client, &ch, key, &accepted).await,
            "CodeMismatchException",
        );
        tokens_of(answer(&c, &client, &ch, key, &app.fresh(&clock)).await);

        // Turning TOTP off: no challenge any more.
        c.set_user_mfa_preference()
            .access_token(&t.access)
            .software_token_mfa_settings(totp_settings(false, false))
            .send()
            .await
            .unwrap();
        let user = get_user(&c, &t.access).await.unwrap();
        assert!(user.user_mfa_setting_list().is_empty(), "{user:?}");
        assert_eq!(user.preferred_mfa_setting(), None);
        no_mfa(&c, &client, "alice").await;
    }
);

clocked!(
    mfa_setup_when_required,
    async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let (pool, client) = mfa_pool(&c, UserPoolMfaType::On, TOTP).await;
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::MfaSetup);
        assert_eq!(ch.param("MFAS_CAN_SETUP"), r#"["SOFTWARE_TOKEN_MFA"]"#);

        // Each step returns the session for the next one.
        let associated = c
            .associate_software_token()
            .session(&ch.session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("AssociateSoftwareToken(Session): {e:?}"));
        let mut app = Authenticator::new(associated.secret_code().expect("SecretCode"));
        let s1 = associated
            .session()
            .expect("AssociateSoftwareToken returns a Session")
            .to_string();
        assert_ne!(s1, ch.session);
        // The sign-in's session was spent by AssociateSoftwareToken.
        expect_code(
            c.associate_software_token()
                .session(&ch.session)
                .send()
                .await,
            "NotAuthorizedException",
        );

        let verified = c
            .verify_software_token()
            .session(&s1)
            .user_code(app.fresh(&clock))
            .send()
            .await
            .unwrap_or_else(|e| panic!("VerifySoftwareToken(Session): {e:?}"));
        assert_eq!(
            verified.status(),
            Some(&VerifySoftwareTokenResponseType::Success)
        );
        let s2 = verified
            .session()
            .expect("VerifySoftwareToken returns a Session")
            .to_string();
        assert_ne!(s2, s1);

        // MFA_SETUP takes VerifySoftwareToken's session, not an earlier one.
        expect_code(
            respond(
                &c,
                &client,
                ChallengeNameType::MfaSetup,
                Some(&s1),
                &[("USERNAME", "alice")],
            )
            .await,
            "NotAuthorizedException",
        );
        let t = tokens_of(
            respond(
                &c,
                &client,
                ChallengeNameType::MfaSetup,
                Some(&s2),
                &[("USERNAME", "alice")],
            )
            .await,
        );
        let user = get_user(&c, &t.access).await.unwrap();
        assert_eq!(user.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
        assert_eq!(user.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
        let admin = admin_get(&c, &pool, "alice").await;
        assert_eq!(admin.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));

        // From now on the pool asks for the code.
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::SoftwareTokenMfa);
        assert_eq!(ch.param("USERNAME"), "alice");
        tokens_of(
            answer(
                &c,
                &client,
                &ch,
                "SOFTWARE_TOKEN_MFA_CODE",
                &app.fresh(&clock),
            )
            .await,
        );
    }
);

clocked!(
    mfa_setup_wrong_code,
    async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let (pool, client) = mfa_pool(&c, UserPoolMfaType::On, TOTP).await;
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::MfaSetup);
        let associated = c
            .associate_software_token()
            .session(&ch.session)
            .send()
            .await
            .unwrap();
        let app = Authenticator::new(associated.secret_code().expect("SecretCode"));
        expect_code(
            c.verify_software_token()
                .session(associated.session().expect("Session"))
                .user_code(app.wrong(&clock))
                .send()
                .await,
            "EnableSoftwareTokenMFAException",
        );
        // Nothing was enabled: the next sign-in still has to set MFA up.
        assert!(
            admin_get(&c, &pool, "alice")
                .await
                .user_mfa_setting_list()
                .is_empty()
        );
        assert_eq!(
            challenged(&c, &client, "alice").await.name,
            ChallengeNameType::MfaSetup
        );
    }
);

both!(sms_mfa, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, SMS).await;
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(sms_settings(true, true))
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminSetUserMFAPreference: {e:?}"));

    let ch = challenged(&c, &client, "alice").await;
    assert_eq!(ch.name, ChallengeNameType::SmsMfa);
    assert_eq!(ch.param("USERNAME"), "alice");
    assert_eq!(ch.param("CODE_DELIVERY_DELIVERY_MEDIUM"), "SMS");
    let dest = ch.param("CODE_DELIVERY_DESTINATION");
    assert!(
        dest != PHONE && dest.contains('*') && dest.ends_with("0123"),
        "CODE_DELIVERY_DESTINATION should be masked: {dest:?}"
    );
    let (m, code) = delivered(&ts, &pool, "SMS").await;
    assert_eq!(m["destination"], PHONE, "{m}");
    assert_eq!(
        m["body"],
        SMS_TEMPLATE.replace("{####}", &code),
        "SmsAuthenticationMessage"
    );

    let key = "SMS_MFA_CODE";
    expect_code(
        answer(&c, &client, &ch, key, &other_code(&code)).await,
        "CodeMismatchException",
    );
    let t = tokens_of(answer(&c, &client, &ch, key, &code).await);
    assert_eq!(get_user(&c, &t.access).await.unwrap().username(), "alice");
    expect_code(
        answer(&c, &client, &ch, key, &code).await,
        "NotAuthorizedException",
    );

    // The admin flow: a new code for a new session; the old code is no good.
    let out = admin_initiate(
        &c,
        &pool,
        &client,
        AuthFlowType::AdminUserPasswordAuth,
        &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
    )
    .await
    .unwrap_or_else(|e| panic!("AdminInitiateAuth: {e:?}"));
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let session = out.session().expect("Session").to_string();
    let (_, code2) = delivered(&ts, &pool, "SMS").await;
    let admin_respond = async |code: &str| {
        c.admin_respond_to_auth_challenge()
            .user_pool_id(&pool)
            .client_id(&client)
            .challenge_name(ChallengeNameType::SmsMfa)
            .session(&session)
            .challenge_responses("USERNAME", "alice")
            .challenge_responses(key, code)
            .send()
            .await
    };
    if code2 != code {
        expect_code(admin_respond(&code).await, "CodeMismatchException");
    }
    let out = admin_respond(&code2)
        .await
        .unwrap_or_else(|e| panic!("AdminRespondToAuthChallenge: {e:?}"));
    Tokens::of(out.authentication_result());
});

both!(email_otp_mfa, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, EMAIL_ONLY).await;
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .email_mfa_settings(email_settings(true, true))
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminSetUserMFAPreference: {e:?}"));
    let admin = admin_get(&c, &pool, "alice").await;
    assert_eq!(admin.preferred_mfa_setting(), Some("EMAIL_OTP"));
    assert_eq!(admin.user_mfa_setting_list(), ["EMAIL_OTP"]);

    let ch = challenged(&c, &client, "alice").await;
    assert_eq!(ch.name, ChallengeNameType::EmailOtp);
    assert_eq!(ch.param("USERNAME"), "alice");
    assert_eq!(ch.param("CODE_DELIVERY_DELIVERY_MEDIUM"), "EMAIL");
    let dest = ch.param("CODE_DELIVERY_DESTINATION");
    assert!(
        dest != EMAIL && dest.contains('*'),
        "CODE_DELIVERY_DESTINATION should be masked: {dest:?}"
    );
    let (m, code) = delivered(&ts, &pool, "EMAIL").await;
    assert_eq!(m["destination"], EMAIL, "{m}");
    let key = "EMAIL_OTP_CODE";
    expect_code(
        answer(&c, &client, &ch, key, &other_code(&code)).await,
        "CodeMismatchException",
    );
    tokens_of(answer(&c, &client, &ch, key, &code).await);
});

both!(
    email_mfa_message_uses_pool_template,
    |ts: TestServer| async move {
        // EmailMfaConfiguration's Message and Subject are the MFA email.
        let c = ts.idp();
        let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, EMAIL_ONLY).await;
        c.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("alice")
            .email_mfa_settings(email_settings(true, true))
            .send()
            .await
            .unwrap();
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::EmailOtp);
        let (m, code) = delivered(&ts, &pool, "EMAIL").await;
        assert_eq!(
            (m["subject"].as_str(), m["body"].as_str()),
            (
                Some(EMAIL_SUBJECT),
                Some(EMAIL_TEMPLATE.replace("{####}", &code).as_str())
            ),
            "{m}"
        );
    }
);

clocked!(select_mfa_type, async |ts: TestServer, clock: FakeClock| {
    let c = ts.idp();
    let f = Factors {
        sms: true,
        totp: true,
        email: false,
    };
    let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, f).await;
    let t = no_mfa(&c, &client, "alice").await;
    let mut app = enrol(&c, &t.access, &clock).await;
    c.set_user_mfa_preference()
        .access_token(&t.access)
        .sms_mfa_settings(sms_settings(true, false))
        .software_token_mfa_settings(totp_settings(true, false))
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetUserMFAPreference: {e:?}"));
    let user = get_user(&c, &t.access).await.unwrap();
    assert_eq!(user.preferred_mfa_setting(), None);
    assert_eq!(
        sorted(user.user_mfa_setting_list()),
        ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    );

    // Two factors and no preference: the user chooses.
    let ch = challenged(&c, &client, "alice").await;
    assert_eq!(ch.name, ChallengeNameType::SelectMfaType);
    let can: Vec<String> = serde_json::from_str(ch.param("MFAS_CAN_CHOOSE"))
        .unwrap_or_else(|e| panic!("MFAS_CAN_CHOOSE is a JSON array string: {e}"));
    assert_eq!(sorted(&can), ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]);
    let totp_ch = next_challenge(answer(&c, &client, &ch, "ANSWER", "SOFTWARE_TOKEN_MFA").await);
    assert_eq!(totp_ch.name, ChallengeNameType::SoftwareTokenMfa);
    assert_eq!(totp_ch.param("USERNAME"), "alice");
    tokens_of(
        answer(
            &c,
            &client,
            &totp_ch,
            "SOFTWARE_TOKEN_MFA_CODE",
            &app.fresh(&clock),
        )
        .await,
    );

    // Choosing SMS sends a code.
    let ch = challenged(&c, &client, "alice").await;
    assert_eq!(ch.name, ChallengeNameType::SelectMfaType);
    let sms_ch = next_challenge(answer(&c, &client, &ch, "ANSWER", "SMS_MFA").await);
    assert_eq!(sms_ch.name, ChallengeNameType::SmsMfa);
    assert_eq!(sms_ch.param("CODE_DELIVERY_DELIVERY_MEDIUM"), "SMS");
    let (_, code) = delivered(&ts, &pool, "SMS").await;
    tokens_of(answer(&c, &client, &sms_ch, "SMS_MFA_CODE", &code).await);

    // A preferred factor is asked directly.
    c.set_user_mfa_preference()
        .access_token(&t.access)
        .sms_mfa_settings(sms_settings(true, true))
        .send()
        .await
        .unwrap();
    let ch = challenged(&c, &client, "alice").await;
    assert_eq!(ch.name, ChallengeNameType::SmsMfa);
});

both!(legacy_set_user_settings, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, SMS).await;
    let t = no_mfa(&c, &client, "alice").await;
    let sms_option = MfaOptionType::builder()
        .delivery_medium(DeliveryMediumType::Sms)
        .attribute_name("phone_number")
        .build();
    c.set_user_settings()
        .access_token(&t.access)
        .mfa_options(sms_option.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("SetUserSettings: {e:?}"));
    let user = get_user(&c, &t.access).await.unwrap();
    assert_eq!(user.mfa_options(), std::slice::from_ref(&sms_option));
    assert_eq!(user.user_mfa_setting_list(), ["SMS_MFA"]);

    let ch = challenged(&c, &client, "alice").await;
    assert_eq!(ch.name, ChallengeNameType::SmsMfa);
    let (_, code) = delivered(&ts, &pool, "SMS").await;
    tokens_of(answer(&c, &client, &ch, "SMS_MFA_CODE", &code).await);

    // No SMS option any more: SMS MFA is off.
    c.admin_set_user_settings()
        .user_pool_id(&pool)
        .username("alice")
        .set_mfa_options(Some(Vec::new()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminSetUserSettings: {e:?}"));
    let admin = admin_get(&c, &pool, "alice").await;
    assert!(admin.mfa_options().is_empty(), "{admin:?}");
    assert!(admin.user_mfa_setting_list().is_empty(), "{admin:?}");
    no_mfa(&c, &client, "alice").await;

    // AdminSetUserSettings turns it on again.
    c.admin_set_user_settings()
        .user_pool_id(&pool)
        .username("alice")
        .mfa_options(sms_option)
        .send()
        .await
        .unwrap();
    assert_eq!(
        challenged(&c, &client, "alice").await.name,
        ChallengeNameType::SmsMfa
    );
});

both!(admin_get_user_mfa_fields, |ts: TestServer| async move {
    let c = ts.idp();
    let f = Factors {
        sms: true,
        totp: false,
        email: true,
    };
    let (pool, _) = mfa_pool(&c, UserPoolMfaType::Optional, f).await;
    confirmed_user(&c, &pool, "bob", &[("email", "bob@example.com")]).await;

    let admin = admin_get(&c, &pool, "alice").await;
    assert_eq!(admin.preferred_mfa_setting(), None);
    assert!(admin.user_mfa_setting_list().is_empty(), "{admin:?}");
    assert!(admin.mfa_options().is_empty(), "{admin:?}");

    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(sms_settings(true, true))
        .email_mfa_settings(email_settings(true, false))
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminSetUserMFAPreference: {e:?}"));
    let admin = admin_get(&c, &pool, "alice").await;
    assert_eq!(admin.preferred_mfa_setting(), Some("SMS_MFA"));
    assert_eq!(
        sorted(admin.user_mfa_setting_list()),
        ["EMAIL_OTP", "SMS_MFA"]
    );
    let opts = admin.mfa_options();
    assert_eq!(opts.len(), 1, "{opts:?}");
    assert_eq!(opts[0].delivery_medium(), Some(&DeliveryMediumType::Sms));
    assert_eq!(opts[0].attribute_name(), Some("phone_number"));

    // Turning SMS off: it is neither listed nor preferred.
    c.admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(sms_settings(false, false))
        .send()
        .await
        .unwrap();
    let admin = admin_get(&c, &pool, "alice").await;
    assert_eq!(admin.user_mfa_setting_list(), ["EMAIL_OTP"]);
    assert_ne!(admin.preferred_mfa_setting(), Some("SMS_MFA"));
    assert!(admin.mfa_options().is_empty(), "{admin:?}");

    // SMS MFA needs a phone number; unknown users are unknown.
    expect_code(
        c.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("bob")
            .sms_mfa_settings(sms_settings(true, true))
            .send()
            .await,
        "InvalidParameterException",
    );
    assert!(
        admin_get(&c, &pool, "bob")
            .await
            .user_mfa_setting_list()
            .is_empty()
    );
    expect_code(
        c.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("nobody")
            .email_mfa_settings(email_settings(true, true))
            .send()
            .await,
        "UserNotFoundException",
    );
});

clocked!(
    wrong_codes_lock_out,
    async |ts: TestServer, clock: FakeClock| {
        let c = ts.idp();
        let (pool, client) = mfa_pool(&c, UserPoolMfaType::Optional, SMS).await;
        c.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("alice")
            .sms_mfa_settings(sms_settings(true, true))
            .send()
            .await
            .unwrap();
        let ch = challenged(&c, &client, "alice").await;
        assert_eq!(ch.name, ChallengeNameType::SmsMfa);
        let (_, code) = delivered(&ts, &pool, "SMS").await;
        let wrong = other_code(&code);
        for attempt in 1..=5 {
            let (got, message) = fails(answer(&c, &client, &ch, "SMS_MFA_CODE", &wrong).await);
            assert_eq!(got, "CodeMismatchException", "attempt {attempt}: {message}");
        }
        // Locked now, even for the right code.
        let (got, message) = fails(answer(&c, &client, &ch, "SMS_MFA_CODE", &code).await);
        assert_eq!(
            (got.as_str(), message.as_str()),
            ("NotAuthorizedException", "Password attempts exceeded")
        );
        // The lock is short after five failures; then the code works.
        clock.advance(Duration::from_secs(5));
        tokens_of(answer(&c, &client, &ch, "SMS_MFA_CODE", &code).await);
    }
);
