//! Identity pools through aws-sdk-cognitoidentity, credentials checked
//! through aws-sdk-sts: the enhanced and basic flows for user-pool,
//! developer-authenticated and guest identities, role mapping, and errors.

use super::*;
use aws_sdk_cognitoidentity as ci;
use aws_sdk_sts as sts;
use cognate_server::config::DeclaredRole;
use std::collections::HashMap;

const AUTH_ROLE: &str = "arn:aws:iam::000000000000:role/AppAuthRole";
const GUEST_ROLE: &str = "arn:aws:iam::000000000000:role/AppGuestRole";
const ADMIN_ROLE: &str = "arn:aws:iam::000000000000:role/AppAdminRole";

fn identity_client(ts: &TestServer) -> ci::Client {
    let conf = ci::Config::builder()
        .behavior_version(ci::config::BehaviorVersion::latest())
        .region(ci::config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "cognate-test",
        ))
        .endpoint_url(ts.url())
        .build();
    ci::Client::from_conf(conf)
}

/// An STS client signing with the given (temporary) credentials.
fn sts_client(ts: &TestServer, key: &str, secret: &str, token: Option<&str>) -> sts::Client {
    let conf = sts::Config::builder()
        .behavior_version(sts::config::BehaviorVersion::latest())
        .region(sts::config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            key,
            secret,
            token.map(str::to_string),
            None,
            "issued",
        ))
        .endpoint_url(ts.url())
        .build();
    sts::Client::from_conf(conf)
}

/// A trust policy for Cognito identities of any pool, `amr` as given.
fn trust(amr: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"cognito-identity.amazonaws.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"ForAnyValue:StringLike":{{"cognito-identity.amazonaws.com:amr":"{amr}"}}}}}}]}}"#
    )
}

fn roles(c: &mut cognate_server::Config) {
    for (name, amr) in [
        ("AppAuthRole", "authenticated"),
        ("AppGuestRole", "unauthenticated"),
        ("AppAdminRole", "authenticated"),
    ] {
        c.iam.roles.push(DeclaredRole {
            name: name.into(),
            path: None,
            description: None,
            max_session_duration: None,
            assume_role_policy: trust(amr),
            policies: Default::default(),
        });
    }
}

/// A user pool with a client and a confirmed user; returns (pool, client, provider key, ID token).
async fn user_pool_login(
    ts: &TestServer,
    groups: &[(&str, &str, i32)],
) -> (String, String, String, String) {
    let idp = ts.idp();
    let pool = new_pool(&idp, "ids").await;
    let client = idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("client id")
        .to_string();
    confirmed_user(&idp, &pool, "alice", &[("email", "alice@example.com")]).await;
    for (group, role, precedence) in groups {
        idp.create_group()
            .user_pool_id(&pool)
            .group_name(*group)
            .role_arn(*role)
            .precedence(*precedence)
            .send()
            .await
            .expect("group");
        idp.admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("alice")
            .group_name(*group)
            .send()
            .await
            .expect("add to group");
    }
    let id_token = idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("sign-in")
        .authentication_result()
        .and_then(|r| r.id_token())
        .expect("id token")
        .to_string();
    // The key Amplify builds: the token's issuer without its scheme.
    let key = format!("{}/{pool}", ts.url().trim_start_matches("http://"));
    (pool, client, key, id_token)
}

async fn identity_pool(
    c: &ci::Client,
    guests: bool,
    providers: &[(&str, &str)],
    developer: Option<&str>,
) -> String {
    let mut req = c
        .create_identity_pool()
        .identity_pool_name("app")
        .allow_unauthenticated_identities(guests)
        .allow_classic_flow(true);
    for (name, client) in providers {
        req = req.cognito_identity_providers(
            ci::types::CognitoIdentityProvider::builder()
                .provider_name(*name)
                .client_id(*client)
                .build(),
        );
    }
    if let Some(d) = developer {
        req = req.developer_provider_name(d);
    }
    let pool = req.send().await.expect("CreateIdentityPool");
    let id = pool.identity_pool_id().to_string();
    c.set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .roles("unauthenticated", GUEST_ROLE)
        .send()
        .await
        .expect("SetIdentityPoolRoles");
    id
}

/// A new guest identity of the pool (GetId without Logins).
async fn guest_id(c: &ci::Client, pool_id: &str) -> String {
    c.get_id()
        .identity_pool_id(pool_id)
        .send()
        .await
        .expect("guest GetId")
        .identity_id()
        .expect("IdentityId")
        .to_string()
}

/// The assumed-role ARN the credentials act as (GetCallerIdentity with them).
async fn caller_arn(ts: &TestServer, key: &str, secret: &str, token: &str) -> String {
    sts_client(ts, key, secret, Some(token))
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity with issued credentials")
        .arn()
        .expect("arn")
        .to_string()
}

both!(pool_crud_roles_and_tags, |ts: TestServer| async move {
    let c = identity_client(&ts);
    let created = c
        .create_identity_pool()
        .identity_pool_name("crud")
        .allow_unauthenticated_identities(false)
        .supported_login_providers("accounts.google.com", "google-client")
        .identity_pool_tags("team", "a")
        .send()
        .await
        .expect("create");
    let id = created.identity_pool_id().to_string();
    let (region, uuid) = id.split_once(':').expect("<region>:<uuid>");
    assert_eq!(region, "us-east-1");
    assert_eq!(uuid.len(), 36);
    let d = c
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(d.identity_pool_name(), "crud");
    assert_eq!(
        d.supported_login_providers()
            .and_then(|m| m.get("accounts.google.com"))
            .map(String::as_str),
        Some("google-client")
    );
    assert_eq!(d.allow_classic_flow(), Some(false));
    // Update replaces the configuration.
    c.update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(true)
        .cognito_identity_providers(
            ci::types::CognitoIdentityProvider::builder()
                .provider_name("cognito-idp.us-east-1.amazonaws.com/us-east-1_X")
                .client_id("client")
                .build(),
        )
        .send()
        .await
        .expect("update");
    let d = c
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("describe");
    assert_eq!(d.identity_pool_name(), "renamed");
    assert!(d.allow_unauthenticated_identities());
    assert!(d.supported_login_providers().is_none_or(|m| m.is_empty()));
    // Roles and a role mapping round-trip.
    let mapping = ci::types::RoleMapping::builder()
        .r#type(ci::types::RoleMappingType::Rules)
        .ambiguous_role_resolution(ci::types::AmbiguousRoleResolutionType::Deny)
        .rules_configuration(
            ci::types::RulesConfigurationType::builder()
                .rules(
                    ci::types::MappingRule::builder()
                        .claim("email")
                        .match_type(ci::types::MappingRuleMatchType::Contains)
                        .value("@corp")
                        .role_arn(ADMIN_ROLE)
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("rules"),
        )
        .build()
        .expect("mapping");
    c.set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .role_mappings(
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:client",
            mapping,
        )
        .send()
        .await
        .expect("set roles");
    let r = c
        .get_identity_pool_roles()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("get roles");
    assert_eq!(
        r.roles()
            .and_then(|m| m.get("authenticated"))
            .map(String::as_str),
        Some(AUTH_ROLE)
    );
    let m = &r.role_mappings().expect("mappings")["cognito-idp.us-east-1.amazonaws.com/us-east-1_X:client"];
    assert_eq!(m.r#type(), &ci::types::RoleMappingType::Rules);
    assert_eq!(
        m.rules_configuration().expect("rules").rules()[0].role_arn(),
        ADMIN_ROLE
    );
    // A mapping for a provider the pool does not have is refused.
    let msg = expect_code(
        c.set_identity_pool_roles()
            .identity_pool_id(&id)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                "cognito-idp.us-east-1.amazonaws.com/us-east-1_Y:client",
                ci::types::RoleMapping::builder()
                    .r#type(ci::types::RoleMappingType::Token)
                    .ambiguous_role_resolution(ci::types::AmbiguousRoleResolutionType::Deny)
                    .build()
                    .expect("mapping"),
            )
            .send()
            .await,
        "InvalidParameterException",
    );
    assert!(msg.contains("is not a configured provider"), "{msg}");
    expect_code(
        c.set_identity_pool_roles()
            .identity_pool_id(&id)
            .roles("admins", AUTH_ROLE)
            .send()
            .await,
        "InvalidParameterException",
    );
    // Tags by ARN.
    let arn = format!("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{id}");
    c.tag_resource()
        .resource_arn(&arn)
        .tags("env", "test")
        .send()
        .await
        .expect("tag");
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("tags");
    assert_eq!(
        tags.tags().cloned().unwrap_or_default(),
        HashMap::from([("env".to_string(), "test".to_string())])
    );
    // Paging.
    for n in 0..3 {
        c.create_identity_pool()
            .identity_pool_name(format!("p{n}"))
            .allow_unauthenticated_identities(false)
            .send()
            .await
            .expect("create");
    }
    let first = c
        .list_identity_pools()
        .max_results(2)
        .send()
        .await
        .expect("list");
    assert_eq!(first.identity_pools().len(), 2);
    let rest = c
        .list_identity_pools()
        .max_results(60)
        .next_token(first.next_token().expect("next"))
        .send()
        .await
        .expect("list");
    assert_eq!(rest.identity_pools().len(), 2);
    assert!(rest.next_token().is_none());
    // Delete, then everything about it is gone.
    c.delete_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .expect("delete");
    let msg = expect_code(
        c.describe_identity_pool()
            .identity_pool_id(&id)
            .send()
            .await,
        "ResourceNotFoundException",
    );
    assert_eq!(msg, format!("IdentityPool '{id}' not found."));
});

cognate_testkit::both_with!(
    enhanced_flow_user_pool_and_guest,
    roles,
    |ts: TestServer| async move {
        let c = identity_client(&ts);
        let (_pool, client, key, id_token) = user_pool_login(&ts, &[]).await;
        let ip = identity_pool(&c, true, &[(&key, &client)], None).await;

        // Authenticated: the same login always maps to the same identity.
        let id = c
            .get_id()
            .identity_pool_id(&ip)
            .logins(&key, &id_token)
            .send()
            .await
            .expect("GetId");
        let id = id.identity_id().expect("id").to_string();
        let again = c
            .get_id()
            .identity_pool_id(&ip)
            .logins(&key, &id_token)
            .send()
            .await
            .expect("GetId");
        assert_eq!(again.identity_id(), Some(id.as_str()));
        let creds = c
            .get_credentials_for_identity()
            .identity_id(&id)
            .logins(&key, &id_token)
            .send()
            .await
            .expect("GetCredentialsForIdentity");
        assert_eq!(creds.identity_id(), Some(id.as_str()));
        let cr = creds.credentials().expect("credentials");
        assert!(cr.access_key_id().expect("akid").starts_with("ASIA"));
        let arn = caller_arn(
            &ts,
            cr.access_key_id().unwrap(),
            cr.secret_key().unwrap(),
            cr.session_token().unwrap(),
        )
        .await;
        assert_eq!(
            arn,
            "arn:aws:sts::000000000000:assumed-role/AppAuthRole/CognitoIdentityCredentials"
        );
        // Without its login the authenticated identity is refused.
        let msg = expect_code(
            c.get_credentials_for_identity()
                .identity_id(&id)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert_eq!(msg, format!("Access to Identity '{id}' is forbidden."));

        // Guest: a new identity per GetId, the unauthenticated role.
        let guest = c
            .get_id()
            .identity_pool_id(&ip)
            .send()
            .await
            .expect("guest GetId")
            .identity_id()
            .unwrap()
            .to_string();
        assert_ne!(guest, id);
        let g = c
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await
            .expect("guest credentials");
        let gc = g.credentials().unwrap();
        let arn = caller_arn(
            &ts,
            gc.access_key_id().unwrap(),
            gc.secret_key().unwrap(),
            gc.session_token().unwrap(),
        )
        .await;
        assert_eq!(
            arn,
            "arn:aws:sts::000000000000:assumed-role/AppGuestRole/CognitoIdentityCredentials"
        );

        // A guest who signs in keeps the guest identity (it becomes authenticated)...
        let (_p2, client2, key2, token2) = user_pool_login(&ts, &[]).await;
        c.update_identity_pool()
            .identity_pool_id(&ip)
            .identity_pool_name("app")
            .allow_unauthenticated_identities(true)
            .allow_classic_flow(true)
            .cognito_identity_providers(
                ci::types::CognitoIdentityProvider::builder()
                    .provider_name(&key)
                    .client_id(&client)
                    .build(),
            )
            .cognito_identity_providers(
                ci::types::CognitoIdentityProvider::builder()
                    .provider_name(&key2)
                    .client_id(&client2)
                    .build(),
            )
            .send()
            .await
            .expect("update");
        let upgraded = c
            .get_credentials_for_identity()
            .identity_id(&guest)
            .logins(&key2, &token2)
            .send()
            .await
            .expect("guest signs in");
        assert_eq!(upgraded.identity_id(), Some(guest.as_str()));
        let described = c
            .describe_identity()
            .identity_id(&guest)
            .send()
            .await
            .expect("describe");
        assert_eq!(described.logins(), std::slice::from_ref(&key2));
        let listed = c
            .list_identities()
            .identity_pool_id(&ip)
            .max_results(60)
            .send()
            .await
            .expect("list");
        assert_eq!(listed.identities().len(), 2);

        // UnlinkIdentity needs a login of the identity as proof, then drops the named provider.
        let msg = expect_code(
            c.unlink_identity()
                .identity_id(&guest)
                .logins(&key, &id_token)
                .logins_to_remove(&key2)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert_eq!(msg, format!("Access to Identity '{guest}' is forbidden."));
        c.unlink_identity()
            .identity_id(&guest)
            .logins(&key2, &token2)
            .logins_to_remove(&key2)
            .send()
            .await
            .expect("UnlinkIdentity");
        let described = c
            .describe_identity()
            .identity_id(&guest)
            .send()
            .await
            .expect("describe");
        assert!(described.logins().is_empty(), "{:?}", described.logins());
        // Without its last login the identity is no longer usable, not even as a guest.
        expect_code(
            c.get_credentials_for_identity()
                .identity_id(&guest)
                .send()
                .await,
            "NotAuthorizedException",
        );
        // The login is free again: it now makes a new identity.
        let fresh = c
            .get_id()
            .identity_pool_id(&ip)
            .logins(&key2, &token2)
            .send()
            .await
            .expect("GetId");
        assert_ne!(fresh.identity_id(), Some(guest.as_str()));

        // Guest access switched off.
        c.update_identity_pool()
            .identity_pool_id(&ip)
            .identity_pool_name("app")
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(
                ci::types::CognitoIdentityProvider::builder()
                    .provider_name(&key)
                    .client_id(&client)
                    .build(),
            )
            .send()
            .await
            .expect("update");
        let msg = expect_code(
            c.get_id().identity_pool_id(&ip).send().await,
            "NotAuthorizedException",
        );
        assert_eq!(
            msg,
            "Unauthenticated access is not supported for this identity pool."
        );
        let listed = c
            .list_identities()
            .identity_pool_id(&ip)
            .max_results(60)
            .send()
            .await
            .expect("list");
        assert_eq!(
            listed.identities().len(),
            3,
            "a refused GetId creates nothing"
        );

        // Deleting identities.
        let del = c
            .delete_identities()
            .identity_ids_to_delete(&guest)
            .send()
            .await
            .expect("delete");
        assert!(del.unprocessed_identity_ids().is_empty());
        expect_code(
            c.describe_identity().identity_id(&guest).send().await,
            "ResourceNotFoundException",
        );
    }
);

cognate_testkit::both_with!(
    login_errors_create_nothing,
    roles,
    |ts: TestServer| async move {
        let c = identity_client(&ts);
        let (pool, client, key, id_token) = user_pool_login(&ts, &[]).await;
        let other_client = new_client(&ts.idp(), &pool).await;
        // The pool trusts another client of that user pool only: wrong audience.
        let ip = identity_pool(&c, false, &[(&key, &other_client)], None).await;
        let msg = expect_code(
            c.get_id()
                .identity_pool_id(&ip)
                .logins(&key, &id_token)
                .send()
                .await,
            "NotAuthorizedException",
        );
        // cognito-compat: a client the identity pool does not list is an unsupported provider.
        assert_eq!(
            msg,
            "Token is not from a supported provider of this identity pool."
        );
        // A provider the pool does not name.
        let msg = expect_code(
            c.get_id()
                .identity_pool_id(&ip)
                .logins("accounts.google.com", &id_token)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert_eq!(
            msg,
            "Token is not from a supported provider of this identity pool."
        );
        // A tampered token.
        let mut parts: Vec<String> = id_token.split('.').map(str::to_string).collect();
        parts[2] = parts[2].chars().rev().collect();
        let forged = parts.join(".");
        let ip2 = identity_pool(&c, false, &[(&key, &client)], None).await;
        let msg = expect_code(
            c.get_id()
                .identity_pool_id(&ip2)
                .logins(&key, &forged)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert_eq!(msg, "Invalid login token. Couldn't verify signed token.");
        // Not a token at all.
        expect_code(
            c.get_id()
                .identity_pool_id(&ip2)
                .logins(&key, "not-a-jwt")
                .send()
                .await,
            "NotAuthorizedException",
        );
        // Unknown pool.
        let msg = expect_code(
            c.get_id()
                .identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000")
                .send()
                .await,
            "ResourceNotFoundException",
        );
        assert!(msg.contains("not found"), "{msg}");
        for p in [&ip, &ip2] {
            let listed = c
                .list_identities()
                .identity_pool_id(p)
                .max_results(60)
                .send()
                .await
                .expect("list");
            assert!(
                listed.identities().is_empty(),
                "failed logins must create no identity"
            );
        }
        // Malformed Logins map (empty token): a validation error.
        let raw = ts
            .raw(
                "AWSCognitoIdentityService.GetId",
                serde_json::json!({"IdentityPoolId": ip2, "Logins": {key.clone(): ""}}).to_string(),
            )
            .await;
        assert_eq!(raw.0, 400);
        assert_eq!(raw.2["__type"], "InvalidParameterException", "{:?}", raw.2);
    }
);

cognate_testkit::both_with!(
    token_and_rules_role_mapping,
    roles,
    |ts: TestServer| async move {
        let c = identity_client(&ts);
        let (_pool, client, key, id_token) =
            user_pool_login(&ts, &[("admins", ADMIN_ROLE, 1), ("users", AUTH_ROLE, 2)]).await;
        let ip = identity_pool(&c, false, &[(&key, &client)], None).await;
        let mapping_key = format!("{key}:{client}");
        let set = |m: ci::types::RoleMapping| {
            let c = c.clone();
            let ip = ip.clone();
            let mk = mapping_key.clone();
            async move {
                c.set_identity_pool_roles()
                    .identity_pool_id(&ip)
                    .roles("authenticated", AUTH_ROLE)
                    .role_mappings(mk, m)
                    .send()
                    .await
                    .expect("set roles");
            }
        };
        let id = c
            .get_id()
            .identity_pool_id(&ip)
            .logins(&key, &id_token)
            .send()
            .await
            .unwrap()
            .identity_id()
            .unwrap()
            .to_string();
        let role_of = |custom: Option<&'static str>| {
            let c = c.clone();
            let (id, key, token) = (id.clone(), key.clone(), id_token.clone());
            let ts_url = ts.url();
            async move {
                let mut req = c
                    .get_credentials_for_identity()
                    .identity_id(&id)
                    .logins(&key, &token);
                if let Some(r) = custom {
                    req = req.custom_role_arn(r);
                }
                match req.send().await {
                    Ok(out) => {
                        let cr = out.credentials().unwrap();
                        let conf = sts::Config::builder()
                            .behavior_version(sts::config::BehaviorVersion::latest())
                            .region(sts::config::Region::new("us-east-1"))
                            .credentials_provider(Credentials::new(
                                cr.access_key_id().unwrap(),
                                cr.secret_key().unwrap(),
                                cr.session_token().map(str::to_string),
                                None,
                                "t",
                            ))
                            .endpoint_url(ts_url)
                            .build();
                        let arn = sts::Client::from_conf(conf)
                            .get_caller_identity()
                            .send()
                            .await
                            .expect("caller")
                            .arn()
                            .unwrap()
                            .to_string();
                        Ok(arn.split('/').nth(1).unwrap_or_default().to_string())
                    }
                    Err(e) => Err(format!("{}: {}", code(&e), e.message().unwrap_or_default())),
                }
            }
        };
        // Token: cognito:preferred_role is the lowest-precedence group's role.
        set(ci::types::RoleMapping::builder()
            .r#type(ci::types::RoleMappingType::Token)
            .ambiguous_role_resolution(ci::types::AmbiguousRoleResolutionType::Deny)
            .build()
            .unwrap())
        .await;
        assert_eq!(role_of(None).await, Ok("AppAdminRole".to_string()));
        assert_eq!(
            role_of(Some(AUTH_ROLE)).await,
            Ok("AppAuthRole".to_string()),
            "CustomRoleArn among cognito:roles"
        );
        assert!(
            role_of(Some(GUEST_ROLE))
                .await
                .unwrap_err()
                .starts_with("NotAuthorizedException")
        );
        // Rules: first match wins; no match → AmbiguousRoleResolution.
        let rules = |value: &str, resolution: ci::types::AmbiguousRoleResolutionType| {
            ci::types::RoleMapping::builder()
                .r#type(ci::types::RoleMappingType::Rules)
                .ambiguous_role_resolution(resolution)
                .rules_configuration(
                    ci::types::RulesConfigurationType::builder()
                        .rules(
                            ci::types::MappingRule::builder()
                                .claim("email")
                                .match_type(ci::types::MappingRuleMatchType::StartsWith)
                                .value(value)
                                .role_arn(ADMIN_ROLE)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        };
        set(rules(
            "alice@",
            ci::types::AmbiguousRoleResolutionType::Deny,
        ))
        .await;
        assert_eq!(role_of(None).await, Ok("AppAdminRole".to_string()));
        set(rules(
            "bob@",
            ci::types::AmbiguousRoleResolutionType::AuthenticatedRole,
        ))
        .await;
        assert_eq!(role_of(None).await, Ok("AppAuthRole".to_string()));
        set(rules("bob@", ci::types::AmbiguousRoleResolutionType::Deny)).await;
        assert_eq!(
            role_of(None).await,
            Err(
                "NotAuthorizedException: The ambiguous role mapping rules denied this request."
                    .to_string()
            )
        );
    }
);

cognate_testkit::both_with!(
    developer_identities_and_basic_flow,
    roles,
    |ts: TestServer| async move {
        let c = identity_client(&ts);
        let ip = identity_pool(&c, false, &[], Some("login.example.app")).await;
        let first = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ip)
            .logins("login.example.app", "user-1")
            .send()
            .await
            .expect("developer token");
        let id = first.identity_id().unwrap().to_string();
        let token = first.token().unwrap().to_string();
        // The same developer user maps to the same identity.
        let again = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ip)
            .logins("login.example.app", "user-1")
            .send()
            .await
            .unwrap();
        assert_eq!(again.identity_id(), Some(id.as_str()));
        // Enhanced flow with the developer token.
        let creds = c
            .get_credentials_for_identity()
            .identity_id(&id)
            .logins("cognito-identity.amazonaws.com", &token)
            .send()
            .await
            .expect("developer credentials");
        let cr = creds.credentials().unwrap();
        let arn = caller_arn(
            &ts,
            cr.access_key_id().unwrap(),
            cr.secret_key().unwrap(),
            cr.session_token().unwrap(),
        )
        .await;
        assert!(
            arn.ends_with("assumed-role/AppAuthRole/CognitoIdentityCredentials"),
            "{arn}"
        );
        // Basic flow: the token straight to STS.
        let s = sts_client(&ts, "unused", "unused", None);
        let assumed = s
            .assume_role_with_web_identity()
            .role_arn(AUTH_ROLE)
            .role_session_name("web-session")
            .web_identity_token(&token)
            .send()
            .await
            .expect("AssumeRoleWithWebIdentity");
        assert_eq!(assumed.subject_from_web_identity_token(), Some(id.as_str()));
        assert_eq!(assumed.audience(), Some(ip.as_str()));
        assert_eq!(
            assumed.assumed_role_user().unwrap().arn(),
            "arn:aws:sts::000000000000:assumed-role/AppAuthRole/web-session"
        );
        let ac = assumed.credentials().unwrap();
        assert_eq!(
            caller_arn(
                &ts,
                ac.access_key_id(),
                ac.secret_access_key(),
                ac.session_token()
            )
            .await,
            "arn:aws:sts::000000000000:assumed-role/AppAuthRole/web-session"
        );
        // The guest role trusts only unauthenticated identities.
        let (code_, _) = fails(
            s.assume_role_with_web_identity()
                .role_arn(GUEST_ROLE)
                .role_session_name("x1")
                .web_identity_token(&token)
                .send()
                .await,
        );
        assert_eq!(code_, "AccessDenied");
        // A tampered token is refused.
        let forged = format!("{}x", &token[..token.len() - 1]);
        let (code_, _) = fails(
            s.assume_role_with_web_identity()
                .role_arn(AUTH_ROLE)
                .role_session_name("x2")
                .web_identity_token(forged)
                .send()
                .await,
        );
        assert_eq!(code_, "InvalidIdentityToken");

        // Lookup, merge, unlink.
        let second = c
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&ip)
            .logins("login.example.app", "user-2")
            .send()
            .await
            .unwrap();
        let id2 = second.identity_id().unwrap().to_string();
        assert_ne!(id2, id);
        let looked = c
            .lookup_developer_identity()
            .identity_pool_id(&ip)
            .developer_user_identifier("user-1")
            .send()
            .await
            .expect("lookup");
        assert_eq!(looked.identity_id(), Some(id.as_str()));
        assert_eq!(
            looked.developer_user_identifier_list(),
            ["user-1".to_string()]
        );
        expect_code(
            c.lookup_developer_identity()
                .identity_pool_id(&ip)
                .identity_id(&id2)
                .developer_user_identifier("user-1")
                .send()
                .await,
            "ResourceConflictException",
        );
        // Binding user-2 to the first identity is refused: it has its own.
        expect_code(
            c.get_open_id_token_for_developer_identity()
                .identity_pool_id(&ip)
                .identity_id(&id)
                .logins("login.example.app", "user-2")
                .send()
                .await,
            "DeveloperUserAlreadyRegisteredException",
        );
        let merged = c
            .merge_developer_identities()
            .identity_pool_id(&ip)
            .developer_provider_name("login.example.app")
            .source_user_identifier("user-2")
            .destination_user_identifier("user-1")
            .send()
            .await
            .expect("merge");
        assert_eq!(merged.identity_id(), Some(id.as_str()));
        let looked = c
            .lookup_developer_identity()
            .identity_pool_id(&ip)
            .identity_id(&id)
            .send()
            .await
            .unwrap();
        let mut users = looked.developer_user_identifier_list().to_vec();
        users.sort();
        assert_eq!(users, ["user-1", "user-2"]);
        c.unlink_developer_identity()
            .identity_pool_id(&ip)
            .identity_id(&id)
            .developer_provider_name("login.example.app")
            .developer_user_identifier("user-2")
            .send()
            .await
            .expect("unlink");
        let looked = c
            .lookup_developer_identity()
            .identity_pool_id(&ip)
            .identity_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(
            looked.developer_user_identifier_list(),
            ["user-1".to_string()]
        );
        // Developer logins are not accepted by GetId.
        expect_code(
            c.get_id()
                .identity_pool_id(&ip)
                .logins("login.example.app", "user-1")
                .send()
                .await,
            "NotAuthorizedException",
        );
    }
);

cognate_testkit::both_with!(
    identity_issuer_publishes_its_keys,
    roles,
    |ts: TestServer| async move {
        let c = identity_client(&ts);
        let ip = identity_pool(&c, true, &[], None).await;
        let id = guest_id(&c, &ip).await;
        let out = c
            .get_open_id_token()
            .identity_id(&id)
            .send()
            .await
            .expect("GetOpenIdToken");
        let token = out.token().unwrap().to_string();
        let (status, discovery) = ts
            .get_json("/identity/.well-known/openid-configuration")
            .await;
        assert_eq!(status, 200);
        let issuer = format!("{}/identity", ts.url());
        assert_eq!(discovery["issuer"], issuer.as_str());
        let (status, jwks) = ts.get_json("/identity/.well-known/jwks.json").await;
        assert_eq!(status, 200);
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(jwks["keys"][0].clone()).expect("jwk");
        let header = jsonwebtoken::decode_header(&token).expect("header");
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS512);
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS512);
        v.set_audience(&[&ip]);
        v.set_issuer(&[&issuer]);
        let claims = jsonwebtoken::decode::<Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap(),
            &v,
        )
        .expect("the token verifies with the published key")
        .claims;
        assert_eq!(claims["sub"], id.as_str());
        assert_eq!(claims["amr"], serde_json::json!(["unauthenticated"]));
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            600
        );
        // Guests can not use the basic flow unless the pool allows it... it does here:
        let s = sts_client(&ts, "unused", "unused", None);
        s.assume_role_with_web_identity()
            .role_arn(GUEST_ROLE)
            .role_session_name("guest")
            .web_identity_token(&token)
            .send()
            .await
            .expect("guest basic flow");
        // ...and with classic flow off, STS refuses the pool's tokens.
        c.update_identity_pool()
            .identity_pool_id(&ip)
            .identity_pool_name("app")
            .allow_unauthenticated_identities(true)
            .allow_classic_flow(false)
            .send()
            .await
            .unwrap();
        let (code_, msg) = fails(
            s.assume_role_with_web_identity()
                .role_arn(GUEST_ROLE)
                .role_session_name("guest")
                .web_identity_token(&token)
                .send()
                .await,
        );
        assert_eq!(code_, "InvalidIdentityToken", "{msg}");
    }
);

/// Expired logins and credentials, with a clock the test moves. Only unsigned
/// calls after the clock moves (admin calls are checked against the server clock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_login_tokens_and_credentials() {
    for backend in [
        cognate_testkit::Backend::Sqlite,
        cognate_testkit::Backend::Postgres,
    ] {
        let clock = cognate_testkit::FakeClock::new();
        let Some(ts) = TestServer::start_with_clock_and(backend, clock.clone(), roles).await else {
            continue;
        };
        let c = identity_client(&ts);
        let (_pool, client, key, id_token) = user_pool_login(&ts, &[]).await;
        let ip = identity_pool(&c, true, &[(&key, &client)], None).await;
        let guest = guest_id(&c, &ip).await;
        let open_id = c
            .get_open_id_token()
            .identity_id(&guest)
            .send()
            .await
            .unwrap()
            .token()
            .unwrap()
            .to_string();
        let g = c
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await
            .expect("guest credentials");
        let gc = g.credentials().unwrap();
        let guest_creds = (
            gc.access_key_id().unwrap().to_string(),
            gc.secret_key().unwrap().to_string(),
            gc.session_token().unwrap().to_string(),
        );
        caller_arn(&ts, &guest_creds.0, &guest_creds.1, &guest_creds.2).await;
        let id = c
            .get_id()
            .identity_pool_id(&ip)
            .logins(&key, &id_token)
            .send()
            .await
            .expect("fresh token");
        let id = id.identity_id().unwrap().to_string();
        // The ID token lives an hour.
        clock.advance(std::time::Duration::from_secs(3601));
        let msg = expect_code(
            c.get_credentials_for_identity()
                .identity_id(&id)
                .logins(&key, &id_token)
                .send()
                .await,
            "NotAuthorizedException",
        );
        assert!(
            msg.starts_with("Invalid login token. Token expired: "),
            "{msg}"
        );
        // The identity token lived ten minutes: STS refuses it.
        let s = sts_client(&ts, "unused", "unused", None);
        let (code_, _) = fails(
            s.assume_role_with_web_identity()
                .role_arn(GUEST_ROLE)
                .role_session_name("late")
                .web_identity_token(&open_id)
                .send()
                .await,
        );
        assert_eq!(code_, "ExpiredTokenException");
        // Credentials issued before the hour are expired now (AWS's code for it).
        let (code_, _) = fails(
            sts_client(&ts, &guest_creds.0, &guest_creds.1, Some(&guest_creds.2))
                .get_caller_identity()
                .send()
                .await,
        );
        assert_eq!(code_, "ExpiredToken");
    }
}
