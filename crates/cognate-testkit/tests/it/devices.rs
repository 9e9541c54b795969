//! Remembered devices through the Rust SDK: NewDeviceMetadata after sign-in
//! in a pool with a DeviceConfiguration, ConfirmDevice, device status,
//! DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER (SRP computed by the client half
//! of `cognate_crypto::srp`, which the unit tests check against a published
//! vector), MFA skipped on a remembered device, refresh tokens bound to their
//! device, ForgetDevice, and the device operations with access token and as
//! admin.

use crate::auth::{
    RespondResult, Tokens, claims, initiate, password_auth, refresh, respond, signin_client,
};
use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp::{self, client::SrpClient};
use std::collections::HashMap;

const PHONE: &str = "+15555550123";
pub(crate) const DEVICE_PASSWORD: &str = "c2VjcmV0LWRldmljZS1wYXNzd29yZC1mb3ItdGVzdHM=";

/// A pool with that device configuration (and SMS MFA when `mfa`), a sign-in
/// client and a CONFIRMED `alice` with a verified phone; returns (pool, client).
async fn device_pool(
    c: &idp::Client,
    skip_mfa: bool,
    on_prompt: bool,
    mfa: bool,
) -> (String, String) {
    let pool = c
        .create_user_pool()
        .pool_name("devices")
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(skip_mfa)
                .device_only_remembered_on_user_prompt(on_prompt)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPool: {e:?}"))
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_string();
    if mfa {
        c.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::Optional)
            .sms_mfa_configuration(
                SmsMfaConfigType::builder()
                    .sms_authentication_message("Your code is {####}")
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("SetUserPoolMfaConfig: {e:?}"));
    }
    let client = signin_client(c, &pool).await;
    confirmed_user(
        c,
        &pool,
        "alice",
        &[("phone_number", PHONE), ("phone_number_verified", "true")],
    )
    .await;
    if mfa {
        c.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("alice")
            .sms_mfa_settings(
                SmsMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("AdminSetUserMFAPreference: {e:?}"));
    }
    (pool, client)
}

/// USER_PASSWORD_AUTH with an optional DEVICE_KEY.
pub(crate) async fn sign_in_with(
    c: &idp::Client,
    client: &str,
    device: Option<&str>,
) -> idp::operation::initiate_auth::InitiateAuthOutput {
    let mut params = vec![("USERNAME", "alice"), ("PASSWORD", PASSWORD)];
    if let Some(d) = device {
        params.push(("DEVICE_KEY", d));
    }
    initiate(c, client, AuthFlowType::UserPasswordAuth, &params)
        .await
        .unwrap_or_else(|e| panic!("USER_PASSWORD_AUTH: {e:?}"))
}

/// Answers an SMS_MFA challenge with the newest outbox code; the tokens.
async fn answer_sms(
    ts: &TestServer,
    c: &idp::Client,
    pool: &str,
    client: &str,
    out: &idp::operation::initiate_auth::InitiateAuthOutput,
) -> AuthenticationResultType {
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SmsMfa),
        "{out:?}"
    );
    let code = latest_code(ts, pool, "alice").await;
    respond(
        c,
        client,
        ChallengeNameType::SmsMfa,
        out.session(),
        &[("USERNAME", "alice"), ("SMS_MFA_CODE", &code)],
    )
    .await
    .unwrap_or_else(|e| panic!("SMS_MFA: {e:?}"))
    .authentication_result()
    .cloned()
    .expect("AuthenticationResult")
}

/// The device half of the client: key, group key and its random password.
pub(crate) struct ClientDevice {
    pub(crate) key: String,
    pub(crate) group: String,
}

impl ClientDevice {
    pub(crate) fn of(r: &AuthenticationResultType) -> ClientDevice {
        let m = r.new_device_metadata().expect("NewDeviceMetadata");
        ClientDevice {
            key: m.device_key().expect("DeviceKey").to_string(),
            group: m.device_group_key().expect("DeviceGroupKey").to_string(),
        }
    }

    /// ConfirmDevice with the verifier for [`DEVICE_PASSWORD`]; UserConfirmationNecessary.
    pub(crate) async fn confirm(&self, c: &idp::Client, access: &str) -> bool {
        let (salt, verifier) =
            srp::client::device_verifier_config(&self.group, &self.key, DEVICE_PASSWORD);
        c.confirm_device()
            .access_token(access)
            .device_key(&self.key)
            .device_name("test-laptop")
            .device_secret_verifier_config(
                DeviceSecretVerifierConfigType::builder()
                    .salt(STANDARD.encode(salt))
                    .password_verifier(STANDARD.encode(verifier))
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("ConfirmDevice: {e:?}"))
            .user_confirmation_necessary()
    }

    /// Answers DEVICE_SRP_AUTH (with `session`, or without it as older
    /// clients do), then DEVICE_PASSWORD_VERIFIER with `password`.
    pub(crate) async fn device_srp(
        &self,
        c: &idp::Client,
        client: &str,
        session: Option<&str>,
        password: &str,
    ) -> RespondResult {
        let a = SrpClient::new();
        let out = respond(
            c,
            client,
            ChallengeNameType::DeviceSrpAuth,
            session,
            &[
                ("USERNAME", "alice"),
                ("DEVICE_KEY", &self.key),
                ("SRP_A", a.srp_a_hex()),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("DEVICE_SRP_AUTH: {e:?}"));
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::DevicePasswordVerifier),
            "{out:?}"
        );
        let p: HashMap<String, String> = out.challenge_parameters().cloned().unwrap_or_default();
        assert_eq!(p["DEVICE_KEY"], self.key);
        assert_eq!(p["USERNAME"], "alice");
        let block = STANDARD.decode(&p["SECRET_BLOCK"]).expect("SECRET_BLOCK");
        let timestamp = srp::format_timestamp(time::OffsetDateTime::now_utc());
        let signature = a
            .password_claim_signature(
                &self.group,
                &self.key,
                password,
                &p["SALT"],
                &p["SRP_B"],
                &block,
                &timestamp,
            )
            .expect("device claim");
        respond(
            c,
            client,
            ChallengeNameType::DevicePasswordVerifier,
            out.session(),
            &[
                ("USERNAME", "alice"),
                ("DEVICE_KEY", &self.key),
                ("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"]),
                ("PASSWORD_CLAIM_SIGNATURE", &signature),
                ("TIMESTAMP", &timestamp),
            ],
        )
        .await
    }
}

fn attribute_of(d: &DeviceType, name: &str) -> Option<String> {
    d.device_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
        .map(str::to_string)
}

/// `<region>_<uuid>`.
fn is_device_key(key: &str) -> bool {
    key.strip_prefix("us-east-1_")
        .is_some_and(|u| uuid::Uuid::parse_str(u).is_ok())
}

both!(remembered_device_skips_mfa, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = device_pool(&c, true, true, true).await;

    // A new device: MFA, then NewDeviceMetadata with the tokens.
    let first = sign_in_with(&c, &client, None).await;
    let result = answer_sms(&ts, &c, &pool, &client, &first).await;
    let device = ClientDevice::of(&result);
    assert!(is_device_key(&device.key), "{}", device.key);
    assert!(!device.group.is_empty());
    let access = result.access_token().expect("AccessToken").to_string();
    assert_eq!(claims(&access)["device_key"], device.key.as_str());
    // Not listed until confirmed.
    let listed = c.list_devices().access_token(&access).send().await.unwrap();
    assert!(listed.devices().is_empty(), "{listed:?}");

    // User opt-in pool: confirmation says the user must be asked.
    assert!(device.confirm(&c, &access).await);
    let got = c
        .get_device()
        .access_token(&access)
        .device_key(&device.key)
        .send()
        .await
        .unwrap();
    let d = got.device().expect("Device");
    assert_eq!(d.device_key(), Some(device.key.as_str()));
    assert_eq!(attribute_of(d, "device_status").as_deref(), Some("valid"));
    assert_eq!(
        attribute_of(d, "device_name").as_deref(),
        Some("test-laptop")
    );
    assert_eq!(
        attribute_of(d, "dev:device_remembered_status").as_deref(),
        Some("not_remembered")
    );
    assert_eq!(
        attribute_of(d, "last_ip_used").as_deref(),
        Some("127.0.0.1")
    );
    assert!(d.device_create_date().is_some() && d.device_last_authenticated_date().is_some());

    // Known but not remembered: MFA again, and no new device.
    let second = sign_in_with(&c, &client, Some(&device.key)).await;
    let result = answer_sms(&ts, &c, &pool, &client, &second).await;
    assert!(result.new_device_metadata().is_none(), "{result:?}");

    // Remembered: DEVICE_SRP_AUTH replaces SMS_MFA, and no code is sent.
    c.update_device_status()
        .access_token(&access)
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();
    let sent = messages(&ts, &pool, "alice").await.len();
    let third = sign_in_with(&c, &client, Some(&device.key)).await;
    assert_eq!(
        third.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth),
        "{third:?}"
    );
    assert_eq!(third.challenge_parameters().unwrap()["USERNAME"], "alice");
    // A wrong device secret is refused, and the step can not be replayed.
    let (code, _) = fails(
        device
            .device_srp(&c, &client, third.session(), "not-the-device-password")
            .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = fails(
        respond(
            &c,
            &client,
            ChallengeNameType::DeviceSrpAuth,
            third.session(),
            &[
                ("USERNAME", "alice"),
                ("DEVICE_KEY", &device.key),
                ("SRP_A", SrpClient::new().srp_a_hex()),
            ],
        )
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");

    let again = sign_in_with(&c, &client, Some(&device.key)).await;
    let out = device
        .device_srp(&c, &client, again.session(), DEVICE_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("device SRP: {e:?}"));
    let tokens = Tokens::of(out.authentication_result());
    assert!(
        out.authentication_result()
            .unwrap()
            .new_device_metadata()
            .is_none()
    );
    assert_eq!(claims(&tokens.access)["device_key"], device.key.as_str());
    assert_eq!(
        messages(&ts, &pool, "alice").await.len(),
        sent,
        "no SMS code was sent"
    );

    // Clients that answer DEVICE_SRP_AUTH without the Session (pycognito).
    let fourth = sign_in_with(&c, &client, Some(&device.key)).await;
    assert_eq!(
        fourth.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth)
    );
    device
        .device_srp(&c, &client, None, DEVICE_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("device SRP without Session: {e:?}"));
    // Without a pending step, DEVICE_SRP_AUTH alone is no sign-in.
    let (code, _) = fails(
        respond(
            &c,
            &client,
            ChallengeNameType::DeviceSrpAuth,
            None,
            &[
                ("USERNAME", "alice"),
                ("DEVICE_KEY", &device.key),
                ("SRP_A", SrpClient::new().srp_a_hex()),
            ],
        )
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");

    // The refresh token belongs to the device: DEVICE_KEY is required.
    let (code, message) = fails(refresh(&c, &client, tokens.refresh()).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Invalid Refresh Token")
    );
    let refreshed = initiate(
        &c,
        &client,
        AuthFlowType::RefreshTokenAuth,
        &[
            ("REFRESH_TOKEN", tokens.refresh()),
            ("DEVICE_KEY", &device.key),
        ],
    )
    .await
    .unwrap_or_else(|e| panic!("REFRESH_TOKEN_AUTH with DEVICE_KEY: {e:?}"));
    let fresh = Tokens::of(refreshed.authentication_result());
    assert_eq!(claims(&fresh.access)["device_key"], device.key.as_str());
    c.get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(tokens.refresh())
        .device_key(&device.key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetTokensFromRefreshToken: {e:?}"));

    // ForgetDevice: gone from the list, its refresh tokens stop working, and
    // its key gets MFA and a new device.
    let listed = c
        .list_devices()
        .access_token(&fresh.access)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.devices().len(), 1);
    c.forget_device()
        .access_token(&fresh.access)
        .device_key(&device.key)
        .send()
        .await
        .unwrap();
    let listed = c
        .list_devices()
        .access_token(&fresh.access)
        .send()
        .await
        .unwrap();
    assert!(listed.devices().is_empty());
    let (code, _) = fails(
        initiate(
            &c,
            &client,
            AuthFlowType::RefreshTokenAuth,
            &[
                ("REFRESH_TOKEN", tokens.refresh()),
                ("DEVICE_KEY", &device.key),
            ],
        )
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    expect_code(
        c.get_device()
            .access_token(&fresh.access)
            .device_key(&device.key)
            .send()
            .await,
        "ResourceNotFoundException",
    );
    let fifth = sign_in_with(&c, &client, Some(&device.key)).await;
    let result = answer_sms(&ts, &c, &pool, &client, &fifth).await;
    let replaced = ClientDevice::of(&result);
    assert_ne!(replaced.key, device.key);
});

both!(always_remembered_without_mfa, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = device_pool(&c, false, false, false).await;
    let first = sign_in_with(&c, &client, None).await;
    let result = first.authentication_result().expect("tokens without MFA");
    let device = ClientDevice::of(result);
    let access = result.access_token().unwrap().to_string();
    // Always-remember pool: remembered at once.
    assert!(!device.confirm(&c, &access).await);
    let d = c
        .get_device()
        .access_token(&access)
        .device_key(&device.key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute_of(d.device().unwrap(), "dev:device_remembered_status").as_deref(),
        Some("remembered")
    );
    // A remembered device authenticates on every sign-in, SRP too.
    let a = SrpClient::new();
    let out = initiate(
        &c,
        &client,
        AuthFlowType::UserSrpAuth,
        &[
            ("USERNAME", "alice"),
            ("SRP_A", a.srp_a_hex()),
            ("DEVICE_KEY", &device.key),
        ],
    )
    .await
    .unwrap();
    let p = out.challenge_parameters().cloned().unwrap_or_default();
    let block = STANDARD.decode(&p["SECRET_BLOCK"]).unwrap();
    let ts_str = srp::format_timestamp(time::OffsetDateTime::now_utc());
    let pool_name = pool.split_once('_').unwrap().1;
    let sig = a
        .password_claim_signature(
            pool_name,
            &p["USER_ID_FOR_SRP"],
            PASSWORD,
            &p["SALT"],
            &p["SRP_B"],
            &block,
            &ts_str,
        )
        .unwrap();
    let verified = respond(
        &c,
        &client,
        ChallengeNameType::PasswordVerifier,
        None,
        &[
            ("USERNAME", "alice"),
            ("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"]),
            ("PASSWORD_CLAIM_SIGNATURE", &sig),
            ("TIMESTAMP", &ts_str),
            ("DEVICE_KEY", &device.key),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        verified.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth),
        "{verified:?}"
    );
    device
        .device_srp(&c, &client, verified.session(), DEVICE_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("device SRP: {e:?}"));

    // Not remembered any more: plain sign-in, no device SRP, no new device.
    c.update_device_status()
        .access_token(&access)
        .device_key(&device.key)
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .unwrap();
    let out = sign_in_with(&c, &client, Some(&device.key)).await;
    let r = out.authentication_result().expect("tokens");
    assert!(r.new_device_metadata().is_none());
    // A key of another user (or unknown) counts as no device.
    let out = sign_in_with(
        &c,
        &client,
        Some("us-east-1_00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert!(
        out.authentication_result()
            .unwrap()
            .new_device_metadata()
            .is_some()
    );
    // UpdateDeviceStatus of an unknown device.
    expect_code(
        c.update_device_status()
            .access_token(&access)
            .device_key("us-east-1_00000000-0000-4000-8000-000000000000")
            .device_remembered_status(DeviceRememberedStatusType::Remembered)
            .send()
            .await,
        "ResourceNotFoundException",
    );
    let _ = ts;
});

both!(
    no_device_configuration_no_devices,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (_, client) = crate::auth::alice_pool(&c).await;
        let out = password_auth(&c, &client, "alice", PASSWORD).await.unwrap();
        let r = out.authentication_result().expect("tokens");
        assert!(r.new_device_metadata().is_none(), "{r:?}");
        assert!(
            claims(r.access_token().unwrap())
                .get("device_key")
                .is_none()
        );
        // Refresh needs no device here.
        refresh(&c, &client, r.refresh_token().unwrap())
            .await
            .unwrap();
        let _ = ts;
    }
);

both!(admin_device_operations, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = device_pool(&c, true, false, false).await;
    let mut keys = Vec::new();
    for _ in 0..3 {
        let out = sign_in_with(&c, &client, None).await;
        let r = out.authentication_result().unwrap();
        let d = ClientDevice::of(r);
        assert!(!d.confirm(&c, r.access_token().unwrap()).await);
        keys.push(d.key);
    }
    keys.sort();
    // Pages of two, in key order.
    let page = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("alice")
        .limit(2)
        .send()
        .await
        .unwrap();
    let token = page
        .pagination_token()
        .expect("PaginationToken")
        .to_string();
    let rest = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("alice")
        .limit(2)
        .pagination_token(token)
        .send()
        .await
        .unwrap();
    assert!(rest.pagination_token().is_none());
    let listed: Vec<String> = page
        .devices()
        .iter()
        .chain(rest.devices())
        .filter_map(|d| d.device_key().map(str::to_string))
        .collect();
    assert_eq!(listed, keys);

    let got = c
        .admin_get_device()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(&keys[0])
        .send()
        .await
        .unwrap();
    let d = got.device().unwrap();
    assert_eq!(
        attribute_of(d, "dev:device_remembered_status").as_deref(),
        Some("remembered")
    );
    assert!(
        attribute_of(d, "dev:device_arn")
            .unwrap()
            .ends_with(&format!("owner/alice.{pool}/device/{}", keys[0]))
    );
    c.admin_update_device_status()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(&keys[0])
        .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
        .send()
        .await
        .unwrap();
    let got = c
        .admin_get_device()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(&keys[0])
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute_of(got.device().unwrap(), "dev:device_remembered_status").as_deref(),
        Some("not_remembered")
    );
    c.admin_forget_device()
        .user_pool_id(&pool)
        .username("alice")
        .device_key(&keys[0])
        .send()
        .await
        .unwrap();
    expect_code(
        c.admin_forget_device()
            .user_pool_id(&pool)
            .username("alice")
            .device_key(&keys[0])
            .send()
            .await,
        "ResourceNotFoundException",
    );
    // Another user's device is not found for bob.
    confirmed_user(&c, &pool, "bob", &[]).await;
    expect_code(
        c.admin_get_device()
            .user_pool_id(&pool)
            .username("bob")
            .device_key(&keys[1])
            .send()
            .await,
        "ResourceNotFoundException",
    );
    let all = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(all.devices().len(), 2);
    // Deleting the user forgets its devices.
    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    confirmed_user(&c, &pool, "alice", &[]).await;
    let all = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(all.devices().is_empty());
    let _ = ts;
});
