//! Refresh-token rotation (RefreshTokenRotation on the client) and
//! GetTokensFromRefreshToken.

use crate::auth::{Tokens, client_builder, create_client, refresh, sign_in};
use crate::*;
use aws_sdk_cognitoidentityprovider::types::{FeatureType, RefreshTokenRotationType};
use cognate_testkit::{TestServer, both};

async fn rotating_pool(c: &idp::Client, grace: i32) -> (String, String) {
    let pool = new_pool(c, "rotation").await;
    let client = create_client(
        client_builder(c, &pool).refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(grace)
                .build()
                .unwrap(),
        ),
    )
    .await;
    confirmed_user(c, &pool, "alice", &[("email", "alice@example.com")]).await;
    (pool, client.client_id().unwrap().to_string())
}

both!(
    rotation_returns_a_new_refresh_token_and_refuses_the_old,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (_, client) = rotating_pool(&c, 0).await;
        let first = sign_in(&c, &client, "alice", PASSWORD).await;
        let out = refresh(&c, &client, first.refresh()).await.unwrap();
        let second = Tokens::of(out.authentication_result());
        let rotated = second
            .refresh
            .clone()
            .expect("rotation returns a new refresh token");
        assert_ne!(rotated, first.refresh());
        // The old token is spent (no grace period).
        expect_code(
            refresh(&c, &client, first.refresh()).await,
            "RefreshTokenReuseException",
        );
        // The new one works, once more rotating.
        let out = refresh(&c, &client, &rotated).await.unwrap();
        let third = Tokens::of(out.authentication_result());
        assert_ne!(third.refresh.as_deref(), Some(rotated.as_str()));
        // GetTokensFromRefreshToken behaves the same way.
        let out = c
            .get_tokens_from_refresh_token()
            .client_id(&client)
            .refresh_token(third.refresh())
            .send()
            .await
            .unwrap();
        let fourth = out.authentication_result().unwrap();
        assert!(fourth.refresh_token().is_some());
        assert!(fourth.access_token().is_some());
        expect_code(
            c.get_tokens_from_refresh_token()
                .client_id(&client)
                .refresh_token(third.refresh())
                .send()
                .await,
            "RefreshTokenReuseException",
        );
    }
);

both!(
    rotation_grace_period_allows_a_retry,
    |ts: TestServer| async move {
        let c = ts.idp();
        let (_, client) = rotating_pool(&c, 60).await;
        let first = sign_in(&c, &client, "alice", PASSWORD).await;
        let a = Tokens::of(
            refresh(&c, &client, first.refresh())
                .await
                .unwrap()
                .authentication_result(),
        );
        // A retry with the replaced token inside the grace period gets the current token.
        let b = Tokens::of(
            refresh(&c, &client, first.refresh())
                .await
                .unwrap()
                .authentication_result(),
        );
        assert!(a.refresh.is_some() && b.refresh.is_some());
        refresh(&c, &client, b.refresh()).await.unwrap();
    }
);

both!(
    without_rotation_no_refresh_token_is_returned,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "plain").await;
        let client = create_client(client_builder(&c, &pool))
            .await
            .client_id()
            .unwrap()
            .to_string();
        confirmed_user(&c, &pool, "alice", &[]).await;
        let first = sign_in(&c, &client, "alice", PASSWORD).await;
        for _ in 0..2 {
            let out = refresh(&c, &client, first.refresh()).await.unwrap();
            assert_eq!(Tokens::of(out.authentication_result()).refresh, None);
        }
    }
);
