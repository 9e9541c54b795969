//! Tokens, checked by an independent verifier (the `jsonwebtoken` crate)
//! against the JWKS the server publishes at `/<pool>/.well-known/jwks.json`:
//! header, signature, issuer, §3.2/§3.3 claims, validity; forged tokens
//! refused by GetUser; REFRESH_TOKEN_AUTH.

use crate::auth::*;
use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation, decode, decode_header};
use serde_json::json;
use std::collections::BTreeSet;

const ROLE_A: &str = "arn:aws:iam::123456789012:role/AdminRole";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/StaffRole";

/// The JWKS a pool serves, as JSON.
pub async fn jwks_json(ts: &TestServer, pool: &str) -> Value {
    let (status, body) = ts.get_json(&format!("/{pool}/.well-known/jwks.json")).await;
    assert_eq!(status, 200, "JWKS of {pool}: {body}");
    body
}

pub async fn jwks(ts: &TestServer, pool: &str) -> JwkSet {
    serde_json::from_value(jwks_json(ts, pool).await).expect("a JWK set")
}

/// `<server url>/<pool>`.
pub fn issuer(ts: &TestServer, pool: &str) -> String {
    format!("{}/{pool}", ts.url())
}

/// Verifies a token with `jsonwebtoken`: RS256 with the JWKS key its `kid`
/// names, issuer, expiry and (for ID tokens) audience.
pub fn verify(
    set: &JwkSet,
    token: &str,
    iss: &str,
    aud: Option<&str>,
) -> Result<(Header, Value), String> {
    let header = decode_header(token).map_err(|e| format!("header: {e}"))?;
    let kid = header.kid.clone().ok_or("no kid")?;
    let jwk = set
        .find(&kid)
        .ok_or_else(|| format!("kid {kid} not in JWKS"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWK: {e}"))?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[iss]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
    v.leeway = 0;
    match aud {
        Some(a) => v.set_audience(&[a]),
        None => v.validate_aud = false,
    }
    let data = decode::<Value>(token, &key, &v).map_err(|e| format!("{e}"))?;
    Ok((data.header, data.claims))
}

fn must_verify(set: &JwkSet, token: &str, iss: &str, aud: Option<&str>) -> (Header, Value) {
    verify(set, token, iss, aud).unwrap_or_else(|e| panic!("token did not verify: {e}"))
}

fn string_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn group(
    c: &idp::Client,
    pool: &str,
    name: &str,
    role: Option<&str>,
    precedence: Option<i32>,
) {
    c.create_group()
        .user_pool_id(pool)
        .group_name(name)
        .set_role_arn(role.map(str::to_string))
        .set_precedence(precedence)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateGroup {name}: {e:?}"));
}

async fn join(c: &idp::Client, pool: &str, user: &str, group: &str) {
    c.admin_add_user_to_group()
        .user_pool_id(pool)
        .username(user)
        .group_name(group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminAddUserToGroup {group}: {e:?}"));
}

both!(jwks_lists_two_rs256_keys, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "jwks").await;
    let body = jwks_json(&ts, &pool).await;
    let keys = body["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2, "{body}");
    for k in keys {
        assert_eq!(k["alg"], "RS256", "{k}");
        assert_eq!(k["kty"], "RSA", "{k}");
        assert_eq!(k["use"], "sig", "{k}");
        assert_eq!(k["e"], "AQAB", "{k}");
        assert!(k["kid"].as_str().is_some_and(|s| !s.is_empty()), "{k}");
        let n = URL_SAFE_NO_PAD
            .decode(k["n"].as_str().expect("n"))
            .expect("n is base64url");
        assert!(n.len() >= 256, "RSA-2048 or larger");
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    // The keys are per pool.
    let other = new_pool(&c, "jwks2").await;
    let other_body = jwks_json(&ts, &other).await;
    let kids = |b: &Value| -> BTreeSet<String> {
        b["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(kids(&body).is_disjoint(&kids(&other_body)));
});

both!(token_claims, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("claims")
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("level")
                .attribute_data_type(AttributeDataType::Number)
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
    let cl = create_client(
        client_builder(&c, &pool)
            .access_token_validity(10)
            .id_token_validity(20)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .id_token(TimeUnitsType::Minutes)
                    .build(),
            ),
    )
    .await;
    let client = cl.client_id().unwrap().to_string();
    confirmed_user(
        &c,
        &pool,
        "alice",
        &[
            ("email", "alice@example.com"),
            ("email_verified", "true"),
            ("name", "Alice"),
            ("custom:tier", "gold"),
            ("custom:level", "7"),
        ],
    )
    .await;
    let sub = user_attr(&c, &pool, "alice", "sub").await.expect("sub");
    group(&c, &pool, "admins", Some(ROLE_A), Some(1)).await;
    group(&c, &pool, "staff", Some(ROLE_B), Some(5)).await;
    group(&c, &pool, "readers", None, None).await;
    for g in ["admins", "staff", "readers"] {
        join(&c, &pool, "alice", g).await;
    }

    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    assert_eq!(t.expires_in, 600, "ExpiresIn is the access-token lifetime");
    let set = jwks(&ts, &pool).await;
    let iss = issuer(&ts, &pool);
    let (id_header, id) = must_verify(&set, &t.id, &iss, Some(&client));
    let (access_header, access) = must_verify(&set, &t.access, &iss, None);

    assert_eq!(id_header.alg, Algorithm::RS256);
    assert_eq!(access_header.alg, Algorithm::RS256);
    assert_ne!(
        id_header.kid, access_header.kid,
        "ID and access tokens are signed with different keys"
    );
    // Each key verifies only its own kind of token.
    let id_jwk = set.find(id_header.kid.as_deref().unwrap()).unwrap();
    let wrong_key = DecodingKey::from_jwk(id_jwk).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_aud = false;
    assert!(decode::<Value>(&t.access, &wrong_key, &v).is_err());

    // ID token (§3.2).
    assert_eq!(id["iss"], iss.as_str());
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], Value::Bool(true));
    assert_eq!(id["name"], "Alice");
    assert_eq!(id["custom:tier"], "gold");
    assert_eq!(id["custom:level"], "7", "custom attributes are strings");
    assert_eq!(
        string_set(&id["cognito:groups"]),
        set_of(&["admins", "staff", "readers"])
    );
    assert_eq!(string_set(&id["cognito:roles"]), set_of(&[ROLE_A, ROLE_B]));
    assert_eq!(id["cognito:preferred_role"], ROLE_A);
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        1200
    );
    assert!(
        id.get("scope").is_none() && id.get("client_id").is_none(),
        "{id}"
    );

    // Access token (§3.3).
    assert_eq!(access["iss"], iss.as_str());
    assert!(access.get("aud").is_none(), "no aud: {access}");
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert_eq!(access["sub"], sub.as_str());
    assert_eq!(
        string_set(&access["cognito:groups"]),
        set_of(&["admins", "staff", "readers"])
    );
    assert!(access.get("email").is_none(), "no attributes: {access}");
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        600
    );

    // One authentication: same origin_jti, event_id and auth_time; own jti.
    for name in ["origin_jti", "event_id", "auth_time"] {
        assert!(!id[name].is_null(), "{name} in {id}");
        assert_eq!(id[name], access[name], "{name}");
    }
    assert!(id["auth_time"].is_i64());
    assert_ne!(id["jti"], access["jti"]);
    for token in [&id, &access] {
        for name in ["jti", "origin_jti", "event_id"] {
            let s = token[name].as_str().unwrap_or_default();
            assert!(uuid::Uuid::parse_str(s).is_ok(), "{name}: {s}");
        }
        let iat = token["iat"].as_i64().expect("integer iat");
        assert!((iat - now()).abs() < 120, "iat {iat}");
    }

    // A second sign-in is another authentication.
    let t2 = sign_in(&c, &client, "alice", PASSWORD).await;
    let (_, id2) = must_verify(&set, &t2.id, &iss, Some(&client));
    assert_ne!(id2["origin_jti"], id["origin_jti"]);
    assert_ne!(id2["event_id"], id["event_id"]);
});

both!(group_role_claims, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let set = jwks(&ts, &pool).await;
    let iss = issuer(&ts, &pool);

    // No groups: no group claims at all.
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let (_, id) = must_verify(&set, &t.id, &iss, Some(&client));
    let (_, access) = must_verify(&set, &t.access, &iss, None);
    for claim in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
        assert!(id.get(claim).is_none(), "{claim} in {id}");
        assert!(access.get(claim).is_none(), "{claim} in {access}");
    }

    // Groups without roles: groups only.
    group(&c, &pool, "plain", None, Some(3)).await;
    join(&c, &pool, "alice", "plain").await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let (_, id) = must_verify(&set, &t.id, &iss, Some(&client));
    assert_eq!(string_set(&id["cognito:groups"]), set_of(&["plain"]));
    assert!(id.get("cognito:roles").is_none(), "{id}");
    assert!(id.get("cognito:preferred_role").is_none(), "{id}");

    // Two roles tied on precedence: no preferred role.
    group(&c, &pool, "left", Some(ROLE_A), Some(2)).await;
    group(&c, &pool, "right", Some(ROLE_B), Some(2)).await;
    join(&c, &pool, "alice", "left").await;
    join(&c, &pool, "alice", "right").await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let (_, id) = must_verify(&set, &t.id, &iss, Some(&client));
    assert_eq!(string_set(&id["cognito:roles"]), set_of(&[ROLE_A, ROLE_B]));
    assert!(id.get("cognito:preferred_role").is_none(), "tie: {id}");

    // A lower precedence breaks the tie.
    group(&c, &pool, "top", Some(ROLE_B), Some(0)).await;
    join(&c, &pool, "alice", "top").await;
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let (_, id) = must_verify(&set, &t.id, &iss, Some(&client));
    assert_eq!(id["cognito:preferred_role"], ROLE_B);
});

both!(
    read_attributes_limit_id_token,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (pool, _) = alice_pool(&c).await;
        c.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("alice")
            .user_attributes(attribute("name", "Alice"))
            .send()
            .await
            .unwrap();
        let cl = create_client(client_builder(&c, &pool).read_attributes("email")).await;
        let client = cl.client_id().unwrap();
        let t = sign_in(&c, client, "alice", PASSWORD).await;
        let (_, id) = must_verify(
            &jwks(&ts, &pool).await,
            &t.id,
            &issuer(&ts, &pool),
            Some(client),
        );
        assert_eq!(id["email"], "alice@example.com");
        assert!(id.get("name").is_none(), "name is not readable: {id}");
        assert_eq!(id["cognito:username"], "alice");
        assert!(id["sub"].is_string());
    }
);

both!(forged_tokens_refused, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    confirmed_user(&c, &pool, "bob", &[]).await;
    let bob_sub = user_attr(&c, &pool, "bob", "sub").await.unwrap();
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    assert_eq!(get_user(&c, &t.access).await.unwrap().username(), "alice");

    let set = jwks_json(&ts, &pool).await;
    let kid = decode_header(&t.access).unwrap().kid.expect("kid");
    let jwk = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("access kid in JWKS")
        .clone();
    let payload = claims(&t.access);
    let parts: Vec<&str> = t.access.split('.').collect();

    let mut forged: Vec<(&str, String)> = Vec::new();
    // alg none, with and without the original signature.
    let none_header = b64_json(&json!({"kid": kid, "alg": "none"}));
    forged.push(("alg none", format!("{none_header}.{}.", parts[1])));
    forged.push((
        "alg none + signature",
        format!("{none_header}.{}.{}", parts[1], parts[2]),
    ));
    // HS256 keyed with the public modulus.
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    forged.push((
        "HS256 with n",
        jsonwebtoken::encode(&hs, &payload, &jsonwebtoken::EncodingKey::from_secret(&n)).unwrap(),
    ));
    // HS256 keyed with the JWK's text.
    forged.push((
        "HS256 with the JWK",
        jsonwebtoken::encode(
            &hs,
            &payload,
            &jsonwebtoken::EncodingKey::from_secret(jwk.to_string().as_bytes()),
        )
        .unwrap(),
    ));
    // A fresh key under its own (unknown) kid, and under the pool's kid.
    let fresh = cognate_crypto::RsaSigningKey::generate().unwrap();
    forged.push(("unknown kid", fresh.sign_jwt(&payload).unwrap()));
    let impostor =
        cognate_crypto::RsaSigningKey::from_pkcs8_der(kid.clone(), fresh.pkcs8_der()).unwrap();
    forged.push(("pool kid, other key", impostor.sign_jwt(&payload).unwrap()));
    // An expired token. It is signed with a fresh key (a test can not wait for
    // a real one to expire: the shortest validity is 5 minutes), so it fails
    // as a bad signature; expiry of properly signed tokens is not reachable
    // from here.
    let mut old = payload.clone();
    old["iat"] = json!(now() - 7200);
    old["exp"] = json!(now() - 3600);
    old["auth_time"] = json!(now() - 7200);
    forged.push(("expired", impostor.sign_jwt(&old).unwrap()));
    // A genuine signature over an edited payload (bob's sub).
    let mut as_bob = payload.clone();
    as_bob["sub"] = json!(bob_sub);
    as_bob["username"] = json!("bob");
    forged.push((
        "edited payload",
        format!("{}.{}.{}", parts[0], b64_json(&as_bob), parts[2]),
    ));
    // A truncated signature and plain garbage.
    forged.push((
        "truncated signature",
        t.access[..t.access.len() - 4].to_string(),
    ));
    forged.push(("garbage", "not-a-token".to_string()));
    forged.push(("two parts", format!("{}.{}", parts[0], parts[1])));
    // The ID token is no access token.
    forged.push(("ID token", t.id.clone()));

    // Another pool's genuine token, re-labelled with this pool's issuer.
    let other_pool = new_pool(&c, "other").await;
    let other_client = signin_client(&c, &other_pool).await;
    confirmed_user(&c, &other_pool, "alice", &[]).await;
    let other_t = sign_in(&c, &other_client, "alice", PASSWORD).await;
    let other_parts: Vec<&str> = other_t.access.split('.').collect();
    let mut relabelled = claims(&other_t.access);
    relabelled["iss"] = json!(issuer(&ts, &pool));
    forged.push((
        "other pool's token, iss edited",
        format!(
            "{}.{}.{}",
            other_parts[0],
            b64_json(&relabelled),
            other_parts[2]
        ),
    ));
    // The other pool's payload signed with a fresh key under this pool's kid.
    let mut other_payload = claims(&other_t.access);
    other_payload["iss"] = json!(issuer(&ts, &pool));
    forged.push((
        "other pool's payload, this pool's kid",
        impostor.sign_jwt(&other_payload).unwrap(),
    ));

    for (what, token) in &forged {
        let (code, m) = fails(get_user(&c, token).await);
        assert_eq!(code, "NotAuthorizedException", "{what}: {m}");
    }

    // A forged token writes nothing.
    let (code, _) = fails(
        c.update_user_attributes()
            .access_token(impostor.sign_jwt(&payload).unwrap())
            .user_attributes(attribute("name", "Mallory"))
            .send()
            .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(user_attr(&c, &pool, "alice", "name").await, None);

    // The genuine token still works; so does the other pool's, for its own user.
    assert_eq!(get_user(&c, &t.access).await.unwrap().username(), "alice");
    get_user(&c, &other_t.access).await.unwrap();
});

both!(refresh_token_auth, |ts: TestServer| async move {
    let c = ts.idp();
    let (pool, client) = alice_pool(&c).await;
    let set = jwks(&ts, &pool).await;
    let iss = issuer(&ts, &pool);
    let t = sign_in(&c, &client, "alice", PASSWORD).await;
    let (_, id0) = must_verify(&set, &t.id, &iss, Some(&client));
    let (_, access0) = must_verify(&set, &t.access, &iss, None);

    c.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attribute("name", "Alice Renamed"))
        .send()
        .await
        .unwrap();

    let out = refresh(&c, &client, t.refresh()).await.unwrap();
    assert_eq!(out.challenge_name(), None);
    let r = Tokens::of(out.authentication_result());
    assert!(r.refresh.is_none(), "no new refresh token without rotation");
    assert_eq!(r.expires_in, 3600);
    assert_eq!(r.token_type.as_deref(), Some("Bearer"));
    let (_, id1) = must_verify(&set, &r.id, &iss, Some(&client));
    let (_, access1) = must_verify(&set, &r.access, &iss, None);
    assert_eq!(id1["auth_time"], id0["auth_time"]);
    assert_eq!(access1["auth_time"], access0["auth_time"]);
    assert_eq!(id1["origin_jti"], id0["origin_jti"]);
    assert_eq!(access1["origin_jti"], access0["origin_jti"]);
    assert_ne!(id1["jti"], id0["jti"]);
    assert_ne!(access1["jti"], access0["jti"]);
    assert_eq!(id1["name"], "Alice Renamed", "fresh attributes");
    assert_eq!(access1["client_id"], client.as_str());
    assert_eq!(get_user(&c, &r.access).await.unwrap().username(), "alice");

    // The REFRESH_TOKEN alias and the admin API.
    let out = initiate(
        &c,
        &client,
        AuthFlowType::RefreshToken,
        &[("REFRESH_TOKEN", t.refresh())],
    )
    .await
    .unwrap();
    Tokens::of(out.authentication_result());
    let out = admin_initiate(
        &c,
        &pool,
        &client,
        AuthFlowType::RefreshTokenAuth,
        &[("REFRESH_TOKEN", t.refresh())],
    )
    .await
    .unwrap();
    let a = Tokens::of(out.authentication_result());
    assert!(a.refresh.is_none());
    assert_eq!(claims(&a.id)["origin_jti"], id0["origin_jti"]);

    // Another client of the same pool, and a client of another pool.
    let other = signin_client(&c, &pool).await;
    expect_code(
        refresh(&c, &other, t.refresh()).await,
        "NotAuthorizedException",
    );
    let other_pool = new_pool(&c, "other").await;
    let foreign = signin_client(&c, &other_pool).await;
    expect_code(
        refresh(&c, &foreign, t.refresh()).await,
        "NotAuthorizedException",
    );

    // Garbage and a damaged token.
    let m = expect_code(
        refresh(&c, &client, "not-a-refresh-token").await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Invalid Refresh Token");
    let mut damaged = t.refresh().to_string();
    let last = damaged.pop().unwrap();
    damaged.push(if last == 'A' { 'B' } else { 'A' });
    let m = expect_code(
        refresh(&c, &client, &damaged).await,
        "NotAuthorizedException",
    );
    assert_eq!(m, "Invalid Refresh Token");
    // An access token is no refresh token.
    expect_code(
        refresh(&c, &client, &t.access).await,
        "NotAuthorizedException",
    );

    // A disabled user's refresh token is refused.
    c.admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    expect_code(
        refresh(&c, &client, t.refresh()).await,
        "NotAuthorizedException",
    );
    c.admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();

    // A deleted user's refresh token is refused.
    c.admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    expect_code(
        refresh(&c, &client, t.refresh()).await,
        "NotAuthorizedException",
    );
});
