//! Concurrent writers: one username, many simultaneous SignUps; exactly one wins.

use crate::*;

const RACERS: usize = 50;

both!(concurrent_sign_up_one_username, |ts: TestServer| async move {
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
});
