//! Concurrent writers: one username, many simultaneous SignUps; exactly one wins.

use crate::*;

const RACERS: usize = 50;

both!(
    concurrent_sign_up_one_username,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "race").await;
        let client = new_client(&c, &pool).await;
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
        let mut tasks = Vec::new();
        for i in 0..RACERS {
            let c = c.clone();
            let client = client.clone();
            let start = start.clone();
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                c.sign_up()
                    .client_id(&client)
                    .username("contested")
                    .password(PASSWORD)
                    .user_attributes(attribute("name", &format!("racer {i}")))
                    .send()
                    .await
                    .map(|out| out.user_sub().to_string())
                    .map_err(|e| code(&e))
            }));
        }
        let mut winners = Vec::new();
        let mut losers = 0;
        for t in tasks {
            match t.await.expect("task") {
                Ok(sub) => winners.push(sub),
                Err(code) => {
                    assert_eq!(code, "UsernameExistsException");
                    losers += 1;
                }
            }
        }
        assert_eq!(winners.len(), 1, "exactly one SignUp wins");
        assert_eq!(losers, RACERS - 1);

        let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
        assert_eq!(listed.users().len(), 1, "{:?}", listed.users());
        let u = &listed.users()[0];
        assert_eq!(u.username(), Some("contested"));
        assert_eq!(attr_of(u.attributes(), "sub"), winners.pop());
        let pool_out = c
            .describe_user_pool()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap();
        assert_eq!(pool_out.user_pool().unwrap().estimated_number_of_users(), 1);
    }
);

/// Runs `RACERS` calls at once; returns the successes and the error codes.
async fn race<F, Fut>(call: F) -> (usize, Vec<String>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let start = start.clone();
            let fut = call(i);
            tokio::spawn(async move {
                start.wait().await;
                fut.await
            })
        })
        .collect();
    let mut ok = 0;
    let mut errors = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(()) => ok += 1,
            Err(code) => errors.push(code),
        }
    }
    (ok, errors)
}

both!(
    concurrent_sign_up_one_email_as_username,
    |ts: TestServer| async move {
        // The usernames differ (each would be a new sub); the email must still be unique.
        let c = ts.idp();
        let pool = c
            .create_user_pool()
            .pool_name("race-email")
            .username_attributes(idp::types::UsernameAttributeType::Email)
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let client = new_client(&c, &pool).await;
        let (ok, errors) = race(|_| {
            let c = c.clone();
            let client = client.clone();
            async move {
                c.sign_up()
                    .client_id(&client)
                    .username("same@example.com")
                    .password(PASSWORD)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| code(&e))
            }
        })
        .await;
        assert_eq!(ok, 1, "errors: {errors:?}");
        assert!(
            errors.iter().all(|e| e == "UsernameExistsException"),
            "{errors:?}"
        );
        let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
        assert_eq!(listed.users().len(), 1);
    }
);

both!(concurrent_verified_alias, |ts: TestServer| async move {
    // Different usernames claiming one verified email alias at once: one wins.
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("race-alias")
        .alias_attributes(idp::types::AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .and_then(|p| p.id())
        .unwrap()
        .to_string();
    let (ok, errors) = race(|i| {
        let c = c.clone();
        let pool = pool.clone();
        async move {
            c.admin_create_user()
                .user_pool_id(&pool)
                .username(format!("user{i}"))
                .user_attributes(attribute("email", "same@example.com"))
                .user_attributes(attribute("email_verified", "true"))
                .message_action(idp::types::MessageActionType::Suppress)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| code(&e))
        }
    })
    .await;
    assert_eq!(ok, 1, "errors: {errors:?}");
    assert!(
        errors.iter().all(|e| e == "AliasExistsException"),
        "{errors:?}"
    );
    let listed = c.list_users().user_pool_id(&pool).send().await.unwrap();
    assert_eq!(listed.users().len(), 1, "the losers were not left behind");
    let winner = listed.users()[0].username().unwrap().to_string();
    assert_eq!(
        admin_get(&c, &pool, "same@example.com").await.username(),
        winner
    );
});
