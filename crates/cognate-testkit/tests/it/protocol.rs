//! The awsJson 1.1 protocol with hand-made requests (what an SDK can not
//! send), CORS, and the well-known endpoints.

use crate::*;
use serde_json::json;

/// The server still answers a normal signed call, and the pool is intact.
async fn still_serves(ts: &TestServer, pool: &str) {
    let r = signed(ts, "DescribeUserPool", &json!({ "UserPoolId": pool })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["UserPool"]["Id"], json!(pool));
}

/// Asserts an error answer: status, `__type`, and the headers Cognito sends with it.
fn assert_error(r: &Raw, status: u16, error_type: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.error_type(), error_type, "{}", r.text);
    let header = r.header("x-amzn-errortype").unwrap_or_default();
    assert!(
        header == error_type || header.starts_with(&format!("{error_type}:")),
        "x-amzn-errortype {header:?}"
    );
    assert!(
        r.header("x-amzn-requestid").is_some_and(|v| !v.is_empty()),
        "x-amzn-requestid missing: {:?}",
        r.headers
    );
}

both!(
    malformed_json_is_serialization_exception,
    |ts: TestServer| async move {
        let pool = new_pool(&ts.idp(), "p").await;
        let r = post(
            &ts,
            &target("DescribeUserPool"),
            "{\"UserPoolId\": ",
            Some(&Signer::admin()),
        )
        .await;
        assert_error(&r, 400, "SerializationException");
        let r = post(
            &ts,
            &target("DescribeUserPool"),
            "[1, 2]",
            Some(&Signer::admin()),
        )
        .await;
        assert_error(&r, 400, "SerializationException");
        still_serves(&ts, &pool).await;
    }
);

both!(
    unknown_target_is_unknown_operation,
    |ts: TestServer| async move {
        let pool = new_pool(&ts.idp(), "p").await;
        for t in [
            format!("{IDP}.NoSuchOperation"),
            "SomeOtherService.DescribeUserPool".to_string(),
            "no-dot-at-all".to_string(),
        ] {
            let r = post(&ts, &t, "{}", Some(&Signer::admin())).await;
            assert_error(&r, 400, "UnknownOperationException");
        }
        still_serves(&ts, &pool).await;
    }
);

both!(
    wrong_member_type_is_serialization_exception,
    |ts: TestServer| async move {
        let pool = new_pool(&ts.idp(), "p").await;
        let r = signed(&ts, "CreateUserPool", &json!({ "PoolName": 5 })).await;
        assert_error(&r, 400, "SerializationException");
        let r = signed(&ts, "DescribeUserPool", &json!({ "UserPoolId": ["x"] })).await;
        assert_error(&r, 400, "SerializationException");
        let r = signed(&ts, "ListUserPools", &json!({ "MaxResults": "ten" })).await;
        assert_error(&r, 400, "SerializationException");
        still_serves(&ts, &pool).await;
    }
);

both!(
    missing_required_member_is_named,
    |ts: TestServer| async move {
        let pool = new_pool(&ts.idp(), "p").await;
        let r = signed(&ts, "CreateUserPool", &json!({})).await;
        assert_error(&r, 400, "InvalidParameterException");
        assert!(r.message().contains("poolName"), "{}", r.message());
        let r = signed(
            &ts,
            "DescribeUserPoolClient",
            &json!({ "UserPoolId": pool }),
        )
        .await;
        assert_error(&r, 400, "InvalidParameterException");
        assert!(r.message().contains("clientId"), "{}", r.message());
        still_serves(&ts, &pool).await;
    }
);

both!(oversized_body_is_413, |ts: TestServer| async move {
    let pool = new_pool(&ts.idp(), "p").await;
    let big = format!("{{\"PoolName\":\"{}\"}}", "x".repeat(1024 * 1024 + 16));
    let r = post(&ts, &target("CreateUserPool"), big, Some(&Signer::admin())).await;
    assert_error(&r, 413, "RequestEntityTooLargeException");
    still_serves(&ts, &pool).await;
    // Nothing was created.
    let list = signed(&ts, "ListUserPools", &json!({ "MaxResults": 60 })).await;
    assert_eq!(list.json()["UserPools"].as_array().map(Vec::len), Some(1));
});

both!(
    unimplemented_operation_is_named,
    |ts: TestServer| async move {
        let pool = new_pool(&ts.idp(), "p").await;
        let r = signed(
            &ts,
            "GetLogDeliveryConfiguration",
            &json!({ "UserPoolId": pool }),
        )
        .await;
        assert_error(&r, 400, "UnsupportedOperationException");
        assert!(
            r.message().contains("GetLogDeliveryConfiguration"),
            "{}",
            r.message()
        );
        still_serves(&ts, &pool).await;
    }
);

both!(
    no_output_operations_answer_empty_object,
    |ts: TestServer| async move {
        let pool = new_pool(&ts.idp(), "p").await;
        let keep = new_pool(&ts.idp(), "keep").await;
        let r = signed(&ts, "DeleteUserPool", &json!({ "UserPoolId": pool })).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.text, "{}");
        assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.1"));
        assert!(r.header("x-amzn-requestid").is_some_and(|v| !v.is_empty()));
        let r = signed(
            &ts,
            "UpdateUserPool",
            &json!({ "UserPoolId": keep, "MfaConfiguration": "OFF" }),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.text, "{}");
    }
);

both!(request_ids_differ, |ts: TestServer| async move {
    let a = unsigned(&ts, "NoSuchOperation", "{}").await;
    let b = unsigned(&ts, "NoSuchOperation", "{}").await;
    let (a, b) = (a.header("x-amzn-requestid"), b.header("x-amzn-requestid"));
    assert!(a.is_some() && b.is_some());
    assert_ne!(a, b);
});

both!(cors_preflight, |ts: TestServer| async move {
    let resp = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/", ts.url()))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let h = resp.headers();
    let get = |n: &str| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    assert_eq!(get("access-control-allow-origin"), "*");
    let allowed = get("access-control-allow-headers");
    for name in ["content-type", "x-amz-target", "x-amz-user-agent"] {
        assert!(allowed.contains(name), "{name} not in {allowed:?}");
    }
    assert!(get("access-control-allow-methods").contains("post"));

    // And the actual request carries the origin header too.
    let resp = reqwest::Client::new()
        .post(format!("{}/", ts.url()))
        .header("origin", "https://app.example.com")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target("NoSuchOperation"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
});

both!(jwks_has_two_rs256_keys, |ts: TestServer| async move {
    let pool = new_pool(&ts.idp(), "p").await;
    let r = get(&ts, &format!("/{pool}/.well-known/jwks.json")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let jwks = r.json();
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2, "{jwks}");
    let mut kids = Vec::new();
    for k in keys {
        assert_eq!(k["kty"], "RSA", "{k}");
        assert_eq!(k["alg"], "RS256", "{k}");
        assert_eq!(k["use"], "sig", "{k}");
        assert_eq!(k["e"], "AQAB", "{k}");
        assert!(k["n"].as_str().is_some_and(|n| n.len() > 300), "{k}");
        assert!(
            k.get("d").is_none() && k.get("p").is_none(),
            "private parts leak: {k}"
        );
        let kid = k["kid"].as_str().expect("kid");
        assert_eq!(kid.len(), 44, "kid {kid}");
        kids.push(kid.to_string());
    }
    assert_ne!(kids[0], kids[1]);

    // Another pool has its own keys.
    let other = new_pool(&ts.idp(), "q").await;
    let o = get(&ts, &format!("/{other}/.well-known/jwks.json"))
        .await
        .json();
    for k in o["keys"].as_array().unwrap() {
        assert!(!kids.contains(&k["kid"].as_str().unwrap().to_string()));
    }
});

both!(openid_configuration, |ts: TestServer| async move {
    let pool = new_pool(&ts.idp(), "p").await;
    let (status, doc) = ts
        .get_json(&format!("/{pool}/.well-known/openid-configuration"))
        .await;
    assert_eq!(status, 200, "{doc}");
    let issuer = format!("{}/{pool}", ts.url());
    assert_eq!(doc["issuer"], json!(issuer));
    assert_eq!(
        doc["jwks_uri"],
        json!(format!("{issuer}/.well-known/jwks.json"))
    );
    assert!(
        doc["id_token_signing_alg_values_supported"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("RS256"))),
        "{doc}"
    );
    // The jwks_uri it names is served.
    let path = doc["jwks_uri"]
        .as_str()
        .unwrap()
        .strip_prefix(&ts.url())
        .unwrap()
        .to_string();
    let (status, _) = ts.get_json(&path).await;
    assert_eq!(status, 200);
});

both!(
    unknown_pool_well_known_is_404,
    |ts: TestServer| async move {
        let (status, _) = ts
            .get_json("/us-east-1_NoSuchOne/.well-known/jwks.json")
            .await;
        assert_eq!(status, 404);
        let (status, _) = ts
            .get_json("/us-east-1_NoSuchOne/.well-known/openid-configuration")
            .await;
        assert_eq!(status, 404);
        // A deleted pool's keys are gone with it.
        let c = ts.idp();
        let pool = new_pool(&c, "p").await;
        let (status, _) = ts.get_json(&format!("/{pool}/.well-known/jwks.json")).await;
        assert_eq!(status, 200);
        c.delete_user_pool()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap();
        let (status, _) = ts.get_json(&format!("/{pool}/.well-known/jwks.json")).await;
        assert_eq!(status, 404);
    }
);

both!(health, |ts: TestServer| async move {
    let (status, body) = ts.get_json("/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok", "{body}");
});
