//! SigV4 on admin operations: who may call, and what each refusal is called.

use crate::*;
use serde_json::json;
use std::time::{Duration, SystemTime};

fn is_sigv4_error(error_type: &str) -> bool {
    matches!(
        error_type,
        "MissingAuthenticationTokenException"
            | "InvalidSignatureException"
            | "IncompleteSignatureException"
            | "UnrecognizedClientException"
            | "AccessDeniedException"
    )
}

both!(right_key_passes, |ts: TestServer| async move {
    let c = ts.idp();
    let id = new_pool(&c, "signed").await;
    let out = c
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.user_pool().and_then(|p| p.name()), Some("signed"));
    // The hand-made signer signs the same way the SDK does.
    let r = signed(&ts, "DescribeUserPool", &json!({ "UserPoolId": id })).await;
    assert_eq!(r.status, 200, "{}", r.text);
});

both!(
    wrong_secret_is_invalid_signature,
    |ts: TestServer| async move {
        let c = ts.idp_with(ACCESS_KEY_ID, "not-the-secret", "us-east-1");
        let err = c
            .create_user_pool()
            .pool_name("nope")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(code(&err), "InvalidSignatureException", "{err:?}");
        let err = c
            .list_user_pools()
            .max_results(10)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(code(&err), "InvalidSignatureException", "{err:?}");
        // Nothing was created.
        let out = ts
            .idp()
            .list_user_pools()
            .max_results(10)
            .send()
            .await
            .unwrap();
        assert!(out.user_pools().is_empty());
    }
);

both!(
    unknown_key_is_unrecognized_client,
    |ts: TestServer| async move {
        let c = ts.idp_with("AKIDNOBODYKNOWS00000", SECRET_ACCESS_KEY, "us-east-1");
        let err = c
            .create_user_pool()
            .pool_name("nope")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(code(&err), "UnrecognizedClientException", "{err:?}");
    }
);

both!(
    missing_signature_is_missing_token,
    |ts: TestServer| async move {
        let r = unsigned(
            &ts,
            "CreateUserPool",
            json!({ "PoolName": "nope" }).to_string(),
        )
        .await;
        assert!((400..500).contains(&r.status), "{}", r.status);
        assert_eq!(
            r.error_type(),
            "MissingAuthenticationTokenException",
            "{}",
            r.text
        );
        // The testkit's raw helper (unsigned too) sees the same.
        let (status, _, body) = ts
            .raw(
                &target("ListUserPools"),
                json!({ "MaxResults": 5 }).to_string(),
            )
            .await;
        assert!((400..500).contains(&status));
        assert_eq!(
            body["__type"], "MissingAuthenticationTokenException",
            "{body}"
        );
        let out = ts
            .idp()
            .list_user_pools()
            .max_results(10)
            .send()
            .await
            .unwrap();
        assert!(out.user_pools().is_empty());
    }
);

both!(stale_signature_is_expired, |ts: TestServer| async move {
    let body = json!({ "PoolName": "late" }).to_string();
    let late = Signer {
        time: SystemTime::now() - Duration::from_secs(600),
        ..Signer::admin()
    };
    let r = post(&ts, &target("CreateUserPool"), body.clone(), Some(&late)).await;
    assert_eq!(r.error_type(), "InvalidSignatureException", "{}", r.text);
    assert!(r.message().contains("Signature expired"), "{}", r.message());
    // As far in the future is refused the same way.
    let early = Signer {
        time: SystemTime::now() + Duration::from_secs(600),
        ..Signer::admin()
    };
    let r = post(&ts, &target("CreateUserPool"), body.clone(), Some(&early)).await;
    assert_eq!(r.error_type(), "InvalidSignatureException", "{}", r.text);
    assert!(r.message().contains("Signature expired"), "{}", r.message());
    // One minute of skew is fine.
    let skewed = Signer {
        time: SystemTime::now() - Duration::from_secs(60),
        ..Signer::admin()
    };
    let r = post(&ts, &target("CreateUserPool"), body, Some(&skewed)).await;
    assert_eq!(r.status, 200, "{}", r.text);
});

both!(
    tampered_body_is_invalid_signature,
    |ts: TestServer| async move {
        let id = new_pool(&ts.idp(), "real").await;
        let other = new_pool(&ts.idp(), "other").await;
        // Signed for one body, sent with another.
        let r = post_tampered(
            &ts,
            &target("DescribeUserPool"),
            json!({ "UserPoolId": id }).to_string(),
            json!({ "UserPoolId": other }).to_string(),
            &Signer::admin(),
        )
        .await;
        assert_eq!(r.error_type(), "InvalidSignatureException", "{}", r.text);
        // A signature made with the wrong secret does not verify either.
        let forged = Signer {
            secret: "forged",
            ..Signer::admin()
        };
        let r = post(
            &ts,
            &target("DescribeUserPool"),
            json!({ "UserPoolId": id }).to_string(),
            Some(&forged),
        )
        .await;
        assert_eq!(r.error_type(), "InvalidSignatureException", "{}", r.text);
    }
);

both!(
    unsigned_operation_is_not_refused_for_signature,
    |ts: TestServer| async move {
        let r = unsigned(
            &ts,
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": "nosuchclient0000000000000",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" }
            })
            .to_string(),
        )
        .await;
        let t = r.error_type();
        assert!(
            !is_sigv4_error(&t),
            "unsigned InitiateAuth refused with {t}: {}",
            r.text
        );
        assert!(!t.is_empty() || r.status == 200, "{}", r.text);

        // The SDK does not sign InitiateAuth either, so bad credentials do not matter.
        let c = ts.idp_with("AKIDNOBODYKNOWS00000", "whatever", "us-east-1");
        let err = c
            .initiate_auth()
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
            .client_id("nosuchclient0000000000000")
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", "Passw0rd!")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(!is_sigv4_error(&code(&err)), "{err:?}");
    }
);
