//! USER_SRP_AUTH through the Rust SDK, with the crate's own SRP client
//! (`cognate_crypto::srp::client`): the PASSWORD_VERIFIER challenge, answers
//! without a Session, wrong passwords, TIMESTAMP checks, degenerate SRP_A,
//! replays, email-as-username pools, PreventUserExistenceErrors and lockout.

use crate::auth::*;
use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp::{self, client::SrpClient};
use std::collections::HashMap;

/// The part of the pool id after the region, which SRP hashes.
fn pool_name(pool: &str) -> &str {
    pool.split_once('_').map_or(pool, |(_, n)| n)
}

fn now_timestamp() -> String {
    srp::format_timestamp(time::OffsetDateTime::now_utc())
}

/// USER_SRP_AUTH's first step, with extra parameters (SECRET_HASH).
async fn srp_start(
    c: &idp::Client,
    client: &str,
    username: &str,
    a: &SrpClient,
    extra: &[(&str, &str)],
) -> InitiateResult {
    let mut params = vec![("USERNAME", username), ("SRP_A", a.srp_a_hex())];
    params.extend_from_slice(extra);
    initiate(c, client, AuthFlowType::UserSrpAuth, &params).await
}

/// The PASSWORD_VERIFIER parameters of a first step that must succeed.
fn verifier_params(out: &InitiateResult) -> HashMap<String, String> {
    let out = out
        .as_ref()
        .unwrap_or_else(|e| panic!("USER_SRP_AUTH: {e:?}"));
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier),
        "{out:?}"
    );
    out.challenge_parameters().cloned().unwrap_or_default()
}

fn p<'a>(params: &'a HashMap<String, String>, name: &str) -> &'a str {
    params
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {params:?}"))
}

/// The PASSWORD_VERIFIER answer for `params`, signed for `password` at `timestamp`.
fn answer(
    pool: &str,
    params: &HashMap<String, String>,
    a: &SrpClient,
    password: &str,
    timestamp: &str,
) -> Vec<(String, String)> {
    let user_id = p(params, "USER_ID_FOR_SRP");
    let block = STANDARD
        .decode(p(params, "SECRET_BLOCK"))
        .expect("SECRET_BLOCK is base64");
    let signature = a
        .password_claim_signature(
            pool_name(pool),
            user_id,
            password,
            p(params, "SALT"),
            p(params, "SRP_B"),
            &block,
            timestamp,
        )
        .expect("client SRP computation");
    vec![
        ("USERNAME".into(), user_id.to_string()),
        (
            "PASSWORD_CLAIM_SECRET_BLOCK".into(),
            p(params, "SECRET_BLOCK").to_string(),
        ),
        ("PASSWORD_CLAIM_SIGNATURE".into(), signature),
        ("TIMESTAMP".into(), timestamp.to_string()),
    ]
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Replaces (or adds) one entry of an answer.
fn with(mut v: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    v.retain(|(k, _)| k != name);
    v.push((name.to_string(), value.to_string()));
    v
}

/// Answers PASSWORD_VERIFIER without a Session.
async fn answer_verifier(
    c: &idp::Client,
    client: &str,
    responses: &[(String, String)],
) -> RespondResult {
    respond(
        c,
        client,
        ChallengeNameType::PasswordVerifier,
        None,
        &pairs(responses),
    )
    .await
}

/// A whole SRP sign-in; the error of whichever step failed.
async fn srp_sign_in(
    c: &idp::Client,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> Result<Tokens, (String, String)> {
    let a = SrpClient::new();
    let out = srp_start(c, client, username, &a, &[]).await;
    if out.is_err() {
        return Err(fails(out));
    }
    let params = verifier_params(&out);
    let responses = answer(pool, &params, &a, password, &now_timestamp());
    match answer_verifier(c, client, &responses).await {
        Ok(out) => Ok(Tokens::of(out.authentication_result())),
        Err(e) => Err(fails::<(), _>(Err(e))),
    }
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    ctx.finish().as_ref().to_vec()
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    let mut ctx = aws_lc_rs::hmac::Context::with_key(&key);
    for part in parts {
        ctx.update(part);
    }
    ctx.sign().as_ref().to_vec()
}

/// `PASSWORD_CLAIM_SIGNATURE` for a session key `k` (§5.3).
fn claim_signature(k: &[u8], pool: &str, user_id: &str, block: &[u8], timestamp: &str) -> String {
    STANDARD.encode(hmac(
        k,
        &[
            pool_name(pool).as_bytes(),
            user_id.as_bytes(),
            block,
            timestamp.as_bytes(),
        ],
    ))
}

/// The signature for a premaster secret `s` (big-endian):
/// `K = HKDF(enc(S), salt = enc(u))`, `u = H(enc(A) ‖ enc(B))` (§5.3).
fn signature_for_s(
    s: &[u8],
    pool: &str,
    user_id: &str,
    a_hex: &str,
    b_hex: &str,
    block: &[u8],
    timestamp: &str,
) -> String {
    let a = srp::parse_hex(a_hex).expect("A hex");
    let b = srp::parse_hex(b_hex).expect("B hex");
    let u = sha256(&[&srp::java_bytes(&a), &srp::java_bytes(&b)]);
    let prk = hmac(&srp::java_bytes(&u), &[&srp::java_bytes(s)]);
    let okm = hmac(&prk, &[srp::DERIVED_KEY_INFO, &[1]]);
    claim_signature(&okm[..16], pool, user_id, block, timestamp)
}

/// The signature anyone can make without the password if the server accepts
/// an `A ≡ 0 (mod N)`: its `S = (A·v^u)^b` is then 0.
fn zero_s_signature(
    pool: &str,
    user_id: &str,
    a_hex: &str,
    b_hex: &str,
    block: &[u8],
    timestamp: &str,
) -> String {
    signature_for_s(&[], pool, user_id, a_hex, b_hex, block, timestamp)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

both!(srp_sign_in_round_trip, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;

    let a = SrpClient::new();
    let out = srp_start(&c, &client, "alice", &a, &[]).await;
    let params = verifier_params(&out);
    let out = out.unwrap();
    // cognito-compat: no Session with PASSWORD_VERIFIER.
    assert!(out.session().is_none(), "{out:?}");
    assert!(out.authentication_result().is_none());
    let mut keys: Vec<&str> = params.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "SALT",
            "SECRET_BLOCK",
            "SRP_B",
            "USERNAME",
            "USER_ID_FOR_SRP"
        ]
    );
    assert_eq!(p(&params, "USER_ID_FOR_SRP"), "alice");
    assert_eq!(p(&params, "USERNAME"), "alice");
    assert!(is_hex(p(&params, "SALT")), "{params:?}");
    assert!(is_hex(p(&params, "SRP_B")), "{params:?}");
    assert!(STANDARD.decode(p(&params, "SECRET_BLOCK")).is_ok());

    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    let done = answer_verifier(&c, &client, &responses)
        .await
        .unwrap_or_else(|e| panic!("PASSWORD_VERIFIER: {e:?}"));
    assert_eq!(done.challenge_name(), None);
    let t = Tokens::of(done.authentication_result());
    assert!(t.refresh.is_some());
    assert_eq!(claims(&t.id)["cognito:username"], "alice");
    assert_eq!(get_user(&c, &t.access).await.unwrap().username(), "alice");

    // The admin APIs run the same flow.
    let a = SrpClient::new();
    let out = admin_initiate(
        &c,
        &pool,
        &client,
        AuthFlowType::UserSrpAuth,
        &[("USERNAME", "alice"), ("SRP_A", a.srp_a_hex())],
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = out.challenge_parameters().cloned().unwrap_or_default();
    let mut req = c
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::PasswordVerifier);
    for (k, v) in answer(&pool, &params, &a, PASSWORD, &now_timestamp()) {
        req = req.challenge_responses(k, v);
    }
    let done = req.send().await.unwrap();
    Tokens::of(done.authentication_result());
});

both!(srp_with_client_secret, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, _) = alice_pool(&c).await;
    let cl = create_client(client_builder(&c, &pool).generate_secret(true)).await;
    let id = cl.client_id().unwrap().to_string();
    let secret = cl.client_secret().unwrap().to_string();
    let good = hash(&secret, "alice", &id);

    let a = SrpClient::new();
    expect_code(
        srp_start(&c, &id, "alice", &a, &[]).await,
        "NotAuthorizedException",
    );
    expect_code(
        srp_start(
            &c,
            &id,
            "alice",
            &a,
            &[("SECRET_HASH", &hash(&secret, "bob", &id))],
        )
        .await,
        "NotAuthorizedException",
    );
    // The answer needs the hash as well (a fresh challenge for each try).
    for hash_given in [None, Some(hash(&secret, "bob", &id))] {
        let a = SrpClient::new();
        let params =
            verifier_params(&srp_start(&c, &id, "alice", &a, &[("SECRET_HASH", &good)]).await);
        let mut responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
        if let Some(h) = &hash_given {
            responses = with(responses, "SECRET_HASH", h);
        }
        expect_code(
            answer_verifier(&c, &id, &responses).await,
            "NotAuthorizedException",
        );
    }
    let a = SrpClient::new();
    let params = verifier_params(&srp_start(&c, &id, "alice", &a, &[("SECRET_HASH", &good)]).await);
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    let done = answer_verifier(&c, &id, &with(responses, "SECRET_HASH", &good))
        .await
        .unwrap_or_else(|e| panic!("PASSWORD_VERIFIER with SECRET_HASH: {e:?}"));
    Tokens::of(done.authentication_result());
});

both!(srp_wrong_answers, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    confirmed_user(&c, &pool, "bob", &[]).await;

    // Wrong password.
    let (code, m) = srp_sign_in(&c, &pool, &client, "alice", "Wrong-Passw0rd")
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(m, "Incorrect username or password.");

    // A signature that is not even base64, and a well-formed wrong one.
    for sig in [
        "not base64!",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ] {
        let a = SrpClient::new();
        let params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
        let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
        expect_code(
            answer_verifier(
                &c,
                &client,
                &with(responses, "PASSWORD_CLAIM_SIGNATURE", sig),
            )
            .await,
            "NotAuthorizedException",
        );
    }

    // A tampered SECRET_BLOCK, signed as the client would sign it.
    let a = SrpClient::new();
    let mut params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
    let mut block = STANDARD.decode(p(&params, "SECRET_BLOCK")).unwrap();
    let mid = block.len() / 2;
    block[mid] ^= 1;
    params.insert("SECRET_BLOCK".into(), STANDARD.encode(&block));
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    expect_code(
        answer_verifier(&c, &client, &responses).await,
        "NotAuthorizedException",
    );

    // Alice's challenge answered as bob (signed for bob's id and password).
    let a = SrpClient::new();
    let mut params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
    params.insert("USER_ID_FOR_SRP".into(), "bob".into());
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    expect_code(
        answer_verifier(&c, &client, &responses).await,
        "NotAuthorizedException",
    );

    // A challenge of one client answered through another.
    let other = signin_client(&c, &pool).await;
    let a = SrpClient::new();
    let params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    expect_code(
        answer_verifier(&c, &other, &responses).await,
        "NotAuthorizedException",
    );

    // Still fine with everything right.
    srp_sign_in(&c, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
    srp_sign_in(&c, &pool, &client, "bob", PASSWORD)
        .await
        .unwrap();
});

both!(srp_timestamps, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let now = time::OffsetDateTime::now_utc();

    let mut bad = vec![
        // Stale and future (outside any reasonable skew window).
        srp::format_timestamp(now - time::Duration::minutes(10)),
        srp::format_timestamp(now + time::Duration::minutes(10)),
        // Wrong weekday for the date.
        {
            let right = srp::format_timestamp(now);
            let wrong = srp::format_timestamp(now + time::Duration::days(1));
            format!(
                "{}{}",
                &wrong[..3],
                right.get(3..).expect("timestamp has a weekday")
            )
        },
        // Not UTC, and an ISO form.
        srp::format_timestamp(now).replace(" UTC ", " GMT "),
        now.format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    ];
    // Zero-padded day of month (only distinguishable on days 1-9), as
    // strftime's %d writes it.
    let day = now.day();
    if day < 10 {
        let right = srp::format_timestamp(now);
        let padded = right.replacen(&format!(" {day} "), &format!(" 0{day} "), 1);
        assert_ne!(padded, right);
        bad.push(padded);
    }
    // An unpadded hour, when the hour has one digit.
    if now.hour() < 10 {
        let right = srp::format_timestamp(now);
        bad.push(right.replacen(
            &format!(" 0{}:", now.hour()),
            &format!(" {}:", now.hour()),
            1,
        ));
    }

    for timestamp in &bad {
        let a = SrpClient::new();
        let params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
        // The signature covers the bad TIMESTAMP, so only its value is wrong.
        let responses = answer(&pool, &params, &a, PASSWORD, timestamp);
        let m = expect_code(
            answer_verifier(&c, &client, &responses).await,
            "NotAuthorizedException",
        );
        assert_eq!(
            m, "Incorrect username or password.",
            "TIMESTAMP {timestamp:?}"
        );
    }

    // The same challenge-and-answer with a good TIMESTAMP works.
    srp_sign_in(&c, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
});

both!(srp_degenerate_a, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let two_n = {
        // 2N has 3073 bits: too large for the group.
        let n = srp::parse_hex(srp::N_HEX).unwrap();
        let mut out = vec![0u8; n.len() + 1];
        let mut carry = 0u8;
        for i in (0..n.len()).rev() {
            let v = (n[i] as u16) * 2 + carry as u16;
            out[i + 1] = v as u8;
            carry = (v >> 8) as u8;
        }
        out[0] = carry;
        srp::java_hex(&out)
    };
    let zero_n = format!("000{}", srp::N_HEX);
    for a_hex in ["0", "00", srp::N_HEX, zero_n.as_str(), two_n.as_str()] {
        let out = initiate(
            &c,
            &client,
            AuthFlowType::UserSrpAuth,
            &[("USERNAME", "alice"), ("SRP_A", a_hex)],
        )
        .await;
        let params = match &out {
            Err(e) => {
                // Refused at once.
                let code = code(e);
                assert!(
                    code == "NotAuthorizedException" || code == "InvalidParameterException",
                    "SRP_A {}…: {e:?}",
                    &a_hex[..a_hex.len().min(8)]
                );
                continue;
            }
            Ok(_) => verifier_params(&out),
        };
        // Otherwise the answer must be refused — even one signed with the key
        // the server would derive from S = 0, which needs no password.
        let timestamp = now_timestamp();
        let block = STANDARD.decode(p(&params, "SECRET_BLOCK")).unwrap();
        let sig = zero_s_signature(
            &pool,
            p(&params, "USER_ID_FOR_SRP"),
            a_hex,
            p(&params, "SRP_B"),
            &block,
            &timestamp,
        );
        let responses = [
            ("USERNAME", p(&params, "USER_ID_FOR_SRP")),
            ("PASSWORD_CLAIM_SECRET_BLOCK", p(&params, "SECRET_BLOCK")),
            ("PASSWORD_CLAIM_SIGNATURE", sig.as_str()),
            ("TIMESTAMP", timestamp.as_str()),
        ];
        expect_code(
            respond(
                &c,
                &client,
                ChallengeNameType::PasswordVerifier,
                None,
                &responses,
            )
            .await,
            "NotAuthorizedException",
        );
    }
    // Not a number at all.
    let r = initiate(
        &c,
        &client,
        AuthFlowType::UserSrpAuth,
        &[("USERNAME", "alice"), ("SRP_A", "not-hex")],
    )
    .await;
    assert!(r.is_err(), "{r:?}");
    srp_sign_in(&c, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
});

/// The forging helpers are right: the MAC matches the client's for the same
/// key, and a signature from a known `S` (computed here with `num-bigint`, for
/// A = 1) is one the server-side check accepts. So the degenerate-A test
/// would see tokens if the server skipped its `A mod N` check.
#[test]
fn forging_helpers_match_the_protocol() {
    use num_bigint::BigUint;
    let pool = "us-east-1_EXAMPLE1";
    let ts = "Tue Nov 3 04:05:06 UTC 2026";
    let v = srp::make_verifier("EXAMPLE1", "alice", PASSWORD);

    let a = SrpClient::new();
    let challenge = srp::server_challenge(&v).unwrap();
    let k = a
        .session_key(
            "EXAMPLE1",
            "alice",
            PASSWORD,
            &v.salt_hex,
            &challenge.srp_b_hex,
        )
        .unwrap();
    let expected = a
        .password_claim_signature(
            "EXAMPLE1",
            "alice",
            PASSWORD,
            &v.salt_hex,
            &challenge.srp_b_hex,
            b"block",
            ts,
        )
        .unwrap();
    assert_eq!(
        claim_signature(&k[..], pool, "alice", b"block", ts),
        expected
    );

    // A = 1: S = (1 · v^u)^b mod N.
    let b_secret = [7u8; 32];
    let challenge = srp::server_challenge_with_b(&v, &b_secret).unwrap();
    let n = BigUint::from_bytes_be(&srp::parse_hex(srp::N_HEX).unwrap());
    let big_v = BigUint::from_bytes_be(&srp::parse_hex(&v.verifier_hex).unwrap());
    let b_bytes = srp::parse_hex(&challenge.srp_b_hex).unwrap();
    let u = BigUint::from_bytes_be(&sha256(&[
        &srp::java_bytes(&[1]),
        &srp::java_bytes(&b_bytes),
    ]));
    let s = big_v
        .modpow(&u, &n)
        .modpow(&BigUint::from_bytes_be(&b_secret), &n);
    let sig = signature_for_s(
        &s.to_bytes_be(),
        pool,
        "alice",
        "1",
        &challenge.srp_b_hex,
        b"block",
        ts,
    );
    let ok = srp::verify_claim_with_srp_b(
        "EXAMPLE1",
        "alice",
        &v,
        &b_secret,
        &challenge.srp_b_hex,
        "1",
        b"block",
        ts,
        &sig,
    )
    .unwrap();
    assert!(ok, "a signature from the true S verifies");
}

both!(srp_replayed_answer, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let a = SrpClient::new();
    let params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    let first = answer_verifier(&c, &client, &responses).await.unwrap();
    Tokens::of(first.authentication_result());
    expect_code(
        answer_verifier(&c, &client, &responses).await,
        "NotAuthorizedException",
    );
    // A fresh challenge still works.
    srp_sign_in(&c, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
});

both!(srp_email_as_username, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("email-srp")
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
    let secret = cl.client_secret().unwrap().to_string();
    confirmed_user(&c, &pool, "jane@example.com", &[]).await;
    let sub = admin_get(&c, &pool, "jane@example.com")
        .await
        .username()
        .to_string();

    // §4.13: the hash over the email first, then over the sub.
    let a = SrpClient::new();
    let params = verifier_params(
        &srp_start(
            &c,
            &id,
            "jane@example.com",
            &a,
            &[("SECRET_HASH", &hash(&secret, "jane@example.com", &id))],
        )
        .await,
    );
    assert_eq!(p(&params, "USER_ID_FOR_SRP"), sub);
    assert_eq!(p(&params, "USERNAME"), sub);
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    assert_eq!(responses[0], ("USERNAME".to_string(), sub.clone()));
    let done = answer_verifier(
        &c,
        &id,
        &with(responses, "SECRET_HASH", &hash(&secret, &sub, &id)),
    )
    .await
    .unwrap_or_else(|e| panic!("PASSWORD_VERIFIER: {e:?}"));
    let t = Tokens::of(done.authentication_result());
    assert_eq!(claims(&t.id)["cognito:username"], sub.as_str());
    assert_eq!(claims(&t.id)["sub"], sub.as_str());

    // Signing with the email instead of USER_ID_FOR_SRP fails: the verifier is
    // for the sub.
    let a = SrpClient::new();
    let mut params = verifier_params(
        &srp_start(
            &c,
            &id,
            "jane@example.com",
            &a,
            &[("SECRET_HASH", &hash(&secret, "jane@example.com", &id))],
        )
        .await,
    );
    params.insert("USER_ID_FOR_SRP".into(), "jane@example.com".into());
    let responses = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    expect_code(
        answer_verifier(
            &c,
            &id,
            &with(
                responses,
                "SECRET_HASH",
                &hash(&secret, "jane@example.com", &id),
            ),
        )
        .await,
        "NotAuthorizedException",
    );
});

both!(
    srp_prevent_user_existence_errors,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, legacy) = alice_pool(&c).await;
        let hiding = create_client(
            client_builder(&c, &pool)
                .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled),
        )
        .await;
        let hiding = hiding.client_id().unwrap().to_string();

        expect_code(
            srp_start(&c, &legacy, "ghost", &SrpClient::new(), &[]).await,
            "UserNotFoundException",
        );

        let a1 = SrpClient::new();
        let out1 = srp_start(&c, &hiding, "ghost", &a1, &[]).await;
        let first = verifier_params(&out1);
        assert!(out1.unwrap().session().is_none());
        let second =
            verifier_params(&srp_start(&c, &hiding, "ghost", &SrpClient::new(), &[]).await);
        let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "SALT",
                "SECRET_BLOCK",
                "SRP_B",
                "USERNAME",
                "USER_ID_FOR_SRP"
            ]
        );
        assert_eq!(p(&first, "SALT"), p(&second, "SALT"), "stable salt");
        assert_eq!(
            p(&first, "USER_ID_FOR_SRP"),
            p(&second, "USER_ID_FOR_SRP"),
            "stable USER_ID_FOR_SRP"
        );
        assert_ne!(p(&first, "SRP_B"), p(&second, "SRP_B"));
        let fake_id = p(&first, "USER_ID_FOR_SRP");
        assert!(uuid::Uuid::parse_str(fake_id).is_ok(), "{fake_id}");
        assert!(is_hex(p(&first, "SALT")));

        // Another unknown name gets other values.
        let ghost2 =
            verifier_params(&srp_start(&c, &hiding, "ghost2", &SrpClient::new(), &[]).await);
        assert_ne!(p(&ghost2, "SALT"), p(&first, "SALT"));
        assert_ne!(p(&ghost2, "USER_ID_FOR_SRP"), fake_id);

        // Any answer fails with the generic message.
        let responses = answer(&pool, &first, &a1, PASSWORD, &now_timestamp());
        let m = expect_code(
            answer_verifier(&c, &hiding, &responses).await,
            "NotAuthorizedException",
        );
        assert_eq!(m, "Incorrect username or password.");

        // A real user signs in as usual through the same client.
        let known = verifier_params(&srp_start(&c, &hiding, "alice", &SrpClient::new(), &[]).await);
        assert_eq!(p(&known, "USER_ID_FOR_SRP"), "alice");
        srp_sign_in(&c, &pool, &hiding, "alice", PASSWORD)
            .await
            .unwrap();
    }
);

both!(srp_user_states, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let (code, m) = srp_sign_in(&c, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(m, "User is disabled.");

    c.sign_up()
        .client_id(&client)
        .username("uma")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let (code, _) = srp_sign_in(&c, &pool, &client, "uma", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(code, "UserNotConfirmedException");
});

both!(srp_lockout, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    // The good answer is prepared first, so it arrives right after the fifth
    // failure, inside the one-second lockout.
    let a = SrpClient::new();
    let params = verifier_params(&srp_start(&c, &client, "alice", &a, &[]).await);
    let good = answer(&pool, &params, &a, PASSWORD, &now_timestamp());
    for i in 0..5 {
        let (code, m) = srp_sign_in(&c, &pool, &client, "alice", "Wrong-Passw0rd")
            .await
            .unwrap_err();
        assert_eq!(code, "NotAuthorizedException", "failure {i}");
        assert_eq!(m, "Incorrect username or password.", "failure {i}");
    }
    let m = expect_code(
        answer_verifier(&c, &client, &good).await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Password attempts exceeded");
});
