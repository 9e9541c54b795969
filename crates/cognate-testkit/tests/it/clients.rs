//! App clients through the Rust SDK: CreateUserPoolClient,
//! DescribeUserPoolClient, UpdateUserPoolClient, DeleteUserPoolClient,
//! ListUserPoolClients.

use crate::*;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::*;
use std::collections::HashSet;

fn flows(c: &UserPoolClientType) -> HashSet<ExplicitAuthFlowsType> {
    c.explicit_auth_flows().iter().cloned().collect()
}

fn default_flows() -> HashSet<ExplicitAuthFlowsType> {
    HashSet::from([
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ExplicitAuthFlowsType::AllowCustomAuth,
        ExplicitAuthFlowsType::AllowUserSrpAuth,
    ])
}

async fn describe(c: &idp::Client, pool: &str, client: &str) -> UserPoolClientType {
    c.describe_user_pool_client()
        .user_pool_id(pool)
        .client_id(client)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeUserPoolClient {client}: {e:?}"))
        .user_pool_client()
        .expect("UserPoolClient")
        .clone()
}

async fn create(b: CreateUserPoolClientFluentBuilder) -> UserPoolClientType {
    b.send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient: {e:?}"))
        .user_pool_client()
        .expect("UserPoolClient")
        .clone()
}

/// Asserts the client carries every default Cognito gives a client that names nothing.
fn assert_defaults(cl: &UserPoolClientType) {
    assert_eq!(flows(cl), default_flows(), "{:?}", cl.explicit_auth_flows());
    let units = cl.token_validity_units().expect("TokenValidityUnits");
    assert_eq!(units.access_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(units.id_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(units.refresh_token(), Some(&TimeUnitsType::Days));
    assert_eq!(cl.access_token_validity(), Some(60));
    assert_eq!(cl.id_token_validity(), Some(60));
    assert_eq!(cl.refresh_token_validity(), 30);
    assert_eq!(cl.auth_session_validity(), Some(3));
    assert_eq!(cl.enable_token_revocation(), Some(true));
    assert_eq!(
        cl.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Legacy)
    );
    assert!(
        cl.read_attributes().is_empty(),
        "{:?}",
        cl.read_attributes()
    );
    assert!(
        cl.write_attributes().is_empty(),
        "{:?}",
        cl.write_attributes()
    );
    assert!(cl.callback_urls().is_empty());
    assert!(cl.allowed_o_auth_flows().is_empty());
}

both!(
    create_with_and_without_secret,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "clients").await;

        let public = create(
            c.create_user_pool_client()
                .user_pool_id(&pool)
                .client_name("public"),
        )
        .await;
        let public_id = public.client_id().expect("ClientId").to_string();
        assert_eq!(public_id.len(), 26, "client id {public_id}");
        assert!(
            public_id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()),
            "client id {public_id}"
        );
        assert_eq!(public.client_secret(), None);
        assert_eq!(public.client_name(), Some("public"));
        assert_eq!(public.user_pool_id(), Some(pool.as_str()));
        assert!(public.creation_date().is_some() && public.last_modified_date().is_some());
        let described = describe(&c, &pool, &public_id).await;
        assert_eq!(described.client_secret(), None);
        assert_eq!(described, public, "Create and Describe agree");

        let confidential = create(
            c.create_user_pool_client()
                .user_pool_id(&pool)
                .client_name("confidential")
                .generate_secret(true),
        )
        .await;
        let secret = confidential
            .client_secret()
            .expect("ClientSecret in CreateUserPoolClient")
            .to_string();
        assert!(
            secret.len() >= 40 && secret.chars().all(|ch| ch.is_ascii_alphanumeric()),
            "secret {secret}"
        );
        let id = confidential.client_id().unwrap();
        assert_ne!(id, public_id);
        let described = describe(&c, &pool, id).await;
        assert_eq!(described.client_secret(), Some(secret.as_str()));

        // GenerateSecret false is the same as leaving it out.
        let explicit_public = create(
            c.create_user_pool_client()
                .user_pool_id(&pool)
                .client_name("also-public")
                .generate_secret(false),
        )
        .await;
        assert_eq!(explicit_public.client_secret(), None);
    }
);

both!(defaults, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "defaults").await;
    let created = create(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("app"),
    )
    .await;
    assert_defaults(&created);
    let described = describe(&c, &pool, created.client_id().unwrap()).await;
    assert_defaults(&described);
});

both!(settings_round_trip, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "settings").await;
    let created = create(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .access_token_validity(2)
            .id_token_validity(90)
            .refresh_token_validity(5)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Hours)
                    .id_token(TimeUnitsType::Minutes)
                    .refresh_token(TimeUnitsType::Days)
                    .build(),
            )
            .read_attributes("email")
            .read_attributes("name")
            .write_attributes("name")
            .supported_identity_providers("COGNITO")
            .callback_urls("https://app.example.com/callback")
            .callback_urls("http://localhost:3000/callback")
            .logout_urls("https://app.example.com/logout")
            .default_redirect_uri("https://app.example.com/callback")
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_scopes("email")
            .allowed_o_auth_flows_user_pool_client(true)
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .enable_token_revocation(false)
            .auth_session_validity(10),
    )
    .await;
    let d = describe(&c, &pool, created.client_id().unwrap()).await;
    assert_eq!(d, created);
    assert_eq!(
        flows(&d),
        HashSet::from([
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ExplicitAuthFlowsType::AllowUserPasswordAuth
        ])
    );
    assert_eq!(d.access_token_validity(), Some(2));
    assert_eq!(d.id_token_validity(), Some(90));
    assert_eq!(d.refresh_token_validity(), 5);
    let units = d.token_validity_units().unwrap();
    assert_eq!(units.access_token(), Some(&TimeUnitsType::Hours));
    assert_eq!(units.id_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(d.read_attributes().len(), 2);
    assert_eq!(d.write_attributes(), &["name".to_string()]);
    assert_eq!(d.callback_urls().len(), 2);
    assert_eq!(
        d.logout_urls(),
        &["https://app.example.com/logout".to_string()]
    );
    assert_eq!(
        d.default_redirect_uri(),
        Some("https://app.example.com/callback")
    );
    assert_eq!(d.allowed_o_auth_flows(), &[OAuthFlowType::Code]);
    assert_eq!(d.allowed_o_auth_flows_user_pool_client(), Some(true));
    assert_eq!(
        d.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Enabled)
    );
    assert_eq!(d.enable_token_revocation(), Some(false));
    assert_eq!(d.auth_session_validity(), Some(10));
});

both!(invalid_settings_are_refused, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "invalid").await;
    let base = || {
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("bad")
    };
    let invalid_parameter = [
        (
            "ALLOW_ flows without ALLOW_REFRESH_TOKEN_AUTH",
            base().explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth),
        ),
        (
            "legacy and ALLOW_ flows mixed",
            base()
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::UserPasswordAuth),
        ),
        (
            "access token valid for 2 minutes",
            base().access_token_validity(2).token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .build(),
            ),
        ),
        (
            "ID token valid for 2 days",
            base().id_token_validity(2).token_validity_units(
                TokenValidityUnitsType::builder()
                    .id_token(TimeUnitsType::Days)
                    .build(),
            ),
        ),
        (
            "ReadAttributes naming an unknown attribute",
            base().read_attributes("custom:nope"),
        ),
        (
            "WriteAttributes naming an unknown attribute",
            base().write_attributes("favourite_colour"),
        ),
        (
            "http callback URL on a public host",
            base()
                .supported_identity_providers("COGNITO")
                .callback_urls("http://app.example.com/callback")
                .allowed_o_auth_flows(OAuthFlowType::Code)
                .allowed_o_auth_scopes("openid")
                .allowed_o_auth_flows_user_pool_client(true),
        ),
    ];
    for (what, request) in invalid_parameter {
        let err = request.send().await.expect_err(what).into_service_error();
        assert!(
            err.is_invalid_parameter_exception(),
            "{what}: expected InvalidParameterException, got {} ({err:?})",
            code(&err)
        );
    }

    // None of them left a client behind.
    let out = c
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert!(
        out.user_pool_clients().is_empty(),
        "{:?}",
        out.user_pool_clients()
    );

    // The loopback exception is real: http on localhost is fine.
    create(
        base()
            .supported_identity_providers("COGNITO")
            .callback_urls("http://localhost:8080/callback")
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_flows_user_pool_client(true),
    )
    .await;
});

both!(
    client_credentials_needs_a_secret,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "m2m").await;
        // cognito-compat: Cognito refuses client_credentials on a public client with
        // InvalidOAuthFlowException ("client_credentials flow can not be selected if
        // client does not have a client secret.").
        let err = c
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("m2m")
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_flows_user_pool_client(true)
            .send()
            .await
            .expect_err("client_credentials without a secret")
            .into_service_error();
        assert!(
            err.is_invalid_o_auth_flow_exception(),
            "client_credentials without a secret: expected InvalidOAuthFlowException, got {} ({err:?})",
            code(&err)
        );
        let out = c
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(60)
            .send()
            .await
            .unwrap();
        assert!(
            out.user_pool_clients().is_empty(),
            "{:?}",
            out.user_pool_clients()
        );
    }
);

both!(update_resets_and_changes, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "update").await;
    let created = create(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("before")
            .generate_secret(true)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .access_token_validity(2)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Hours)
                    .build(),
            )
            .read_attributes("email")
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .enable_token_revocation(false)
            .auth_session_validity(10),
    )
    .await;
    let id = created.client_id().unwrap().to_string();
    let secret = created.client_secret().unwrap().to_string();

    // An update naming only the name: everything else goes back to its default.
    let updated = c
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("after")
        .send()
        .await
        .unwrap();
    let updated = updated.user_pool_client().expect("UserPoolClient").clone();
    let d = describe(&c, &pool, &id).await;
    assert_eq!(
        d, updated,
        "UpdateUserPoolClient returns what Describe shows"
    );
    assert_eq!(d.client_name(), Some("after"));
    assert_defaults(&d);
    // The secret and identity are not settings: they stay.
    assert_eq!(d.client_secret(), Some(secret.as_str()));
    assert_eq!(d.client_id(), Some(id.as_str()));
    assert_eq!(d.creation_date(), created.creation_date());
    assert!(d.last_modified_date().unwrap().secs() >= created.last_modified_date().unwrap().secs());

    // And what an update names, it sets.
    c.update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("again")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .id_token_validity(5)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .id_token(TimeUnitsType::Hours)
                .build(),
        )
        .read_attributes("name")
        .send()
        .await
        .unwrap();
    let d = describe(&c, &pool, &id).await;
    assert_eq!(d.client_name(), Some("again"));
    assert_eq!(
        flows(&d),
        HashSet::from([
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ExplicitAuthFlowsType::AllowAdminUserPasswordAuth
        ])
    );
    assert_eq!(d.id_token_validity(), Some(5));
    assert_eq!(
        d.token_validity_units().and_then(|u| u.id_token()),
        Some(&TimeUnitsType::Hours)
    );
    assert_eq!(d.read_attributes(), &["name".to_string()]);
    assert_eq!(d.client_secret(), Some(secret.as_str()));

    // Updates are validated like creates, and a refused one changes nothing.
    let err = c
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("broken")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
    assert_eq!(describe(&c, &pool, &id).await.client_name(), Some("again"));

    let err = c
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id("nosuchclient0000000000000")
        .client_name("ghost")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
});

both!(delete_client, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "delete").await;
    let doomed = create(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("doomed"),
    )
    .await;
    let kept = create(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("kept"),
    )
    .await;
    let id = doomed.client_id().unwrap();
    c.delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap();
    let err = c
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = c
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        describe(&c, &pool, kept.client_id().unwrap())
            .await
            .client_name(),
        Some("kept")
    );
});

both!(list_clients_pages, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "list").await;
    let other = new_pool(&c, "other").await;
    create(
        c.create_user_pool_client()
            .user_pool_id(&other)
            .client_name("elsewhere"),
    )
    .await;
    let mut created = HashSet::new();
    for i in 0..5 {
        let cl = create(
            c.create_user_pool_client()
                .user_pool_id(&pool)
                .client_name(format!("client-{i}")),
        )
        .await;
        created.insert((cl.client_id().unwrap().to_string(), format!("client-{i}")));
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_user_pool_clients()
            .user_pool_id(&pool)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.user_pool_clients().len() <= 2);
        for d in out.user_pool_clients() {
            assert_eq!(d.user_pool_id(), Some(pool.as_str()));
            seen.push((
                d.client_id().unwrap().to_string(),
                d.client_name().unwrap().to_string(),
            ));
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5, "each client once: {seen:?}");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), created);
});

both!(
    unknown_client_or_pool_is_not_found,
    |ts: TestServer| async move {
        let c = ts.idp();
        let pool = new_pool(&c, "known").await;
        let other = new_pool(&c, "other").await;
        let cl = create(
            c.create_user_pool_client()
                .user_pool_id(&pool)
                .client_name("app"),
        )
        .await;
        let id = cl.client_id().unwrap();

        let err = c
            .describe_user_pool_client()
            .user_pool_id(&pool)
            .client_id("nosuchclient0000000000000")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");

        // A real client asked for under the wrong pool does not exist there.
        let err = c
            .describe_user_pool_client()
            .user_pool_id(&other)
            .client_id(id)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");

        let err = c
            .create_user_pool_client()
            .user_pool_id("us-east-1_NoSuchOne")
            .client_name("orphan")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
        let err = c
            .describe_user_pool_client()
            .user_pool_id("us-east-1_NoSuchOne")
            .client_id(id)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
        let err = c
            .list_user_pool_clients()
            .user_pool_id("us-east-1_NoSuchOne")
            .max_results(10)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
    }
);
