//! Hosted sign-in: user-pool domains and identity providers (management API,
//! through the SDK), and the OAuth 2.0 endpoints driven like a browser would:
//! `/oauth2/authorize`, the `/login` form, a federated sign-in through a fake
//! OpenID Connect provider served inside the test (its `/token` endpoint
//! answers with an RS256 ID token signed by a test key published at its
//! `jwks_uri`), `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke` and
//! `/logout`, with the triggers each step fires.

use crate::*;
use aws_sdk_cognitoidentityprovider::types::*;

// ---- Management API ----

both!(domains, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "hosted").await;
    let other = new_pool(&c, "other").await;
    c.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .expect("CreateUserPoolDomain");
    // DescribeUserPool shows the domain.
    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.user_pool().and_then(|p| p.domain()),
        Some("my-app")
    );
    let d = c
        .describe_user_pool_domain()
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let d = d.domain_description().expect("description");
    assert_eq!(d.user_pool_id(), Some(pool.as_str()));
    assert_eq!(d.status(), Some(&DomainStatusType::Active));
    // An unknown domain is an empty description.
    let none = c
        .describe_user_pool_domain()
        .domain("nobody-has-this")
        .send()
        .await
        .unwrap();
    assert!(
        none.domain_description()
            .is_none_or(|d| d.user_pool_id().is_none())
    );
    // Taken by another pool; a second domain for the same pool; reserved words.
    let (code, msg) = fails(
        c.create_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-app")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(msg, "Domain already associated with another user pool.");
    let (code, _) = fails(
        c.create_user_pool_domain()
            .user_pool_id(&pool)
            .domain("second")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let (code, msg) = fails(
        c.create_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-aws-app")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(msg.contains("reserved word"), "{msg}");
    let (code, _) = fails(
        c.create_user_pool_domain()
            .user_pool_id("us-east-1_nopenope1")
            .domain("free-one")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    // Update keeps the domain; delete needs the owning pool.
    let updated = c
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.managed_login_version(), Some(2));
    let (code, _) = fails(
        c.delete_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-app")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    c.delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app")
        .send()
        .await
        .unwrap();
    let described = c
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(described.user_pool().and_then(|p| p.domain()), None);
    // The prefix is free again.
    c.create_user_pool_domain()
        .user_pool_id(&other)
        .domain("my-app")
        .send()
        .await
        .unwrap();
});

fn oidc_details(issuer: &str) -> std::collections::HashMap<String, String> {
    [
        ("client_id", "idp-client"),
        ("client_secret", "idp-secret"),
        ("authorize_scopes", "openid email"),
        ("oidc_issuer", issuer),
        ("authorize_url", &format!("{issuer}/authorize")),
        ("token_url", &format!("{issuer}/token")),
        ("jwks_uri", &format!("{issuer}/jwks")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

both!(identity_providers, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = new_pool(&c, "idps").await;
    let created = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(oidc_details("https://idp.example.com")))
        .idp_identifiers("corp.example.com")
        .send()
        .await
        .expect("CreateIdentityProvider");
    let p = created.identity_provider().unwrap();
    // Default mapping; the attributes request method filled in.
    assert_eq!(
        p.attribute_mapping()
            .and_then(|m| m.get("username"))
            .map(String::as_str),
        Some("sub")
    );
    assert_eq!(
        p.provider_details()
            .and_then(|d| d.get("attributes_request_method"))
            .map(String::as_str),
        Some("GET")
    );
    // Describe returns the secret as given (it is sealed at rest).
    let d = c
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .send()
        .await
        .unwrap();
    let details = d.identity_provider().unwrap().provider_details().unwrap();
    assert_eq!(
        details.get("client_secret").map(String::as_str),
        Some("idp-secret")
    );
    // Duplicates, social names, unsupported types.
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Corp")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(oidc_details("https://idp.example.com")))
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateProviderException");
    let (code, msg) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("MyGoogle")
            .provider_type(IdentityProviderTypeType::Google)
            .provider_details("client_id", "g")
            .provider_details("client_secret", "s")
            .provider_details("authorize_scopes", "openid")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(msg, "Provider MyGoogle cannot be of type Google.");
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Saml1")
            .provider_type(IdentityProviderTypeType::Saml)
            .provider_details("MetadataURL", "https://saml.example.com/md")
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    // An issuer without discovery and without explicit endpoints.
    let (code, msg) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Nowhere")
            .provider_type(IdentityProviderTypeType::Oidc)
            .provider_details("client_id", "x")
            .provider_details("authorize_scopes", "openid")
            .provider_details("oidc_issuer", "http://127.0.0.1:9")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterException",
            "Unable to contact well-known endpoint"
        )
    );
    // Mapping to an attribute the pool does not have.
    let (code, _) = fails(
        c.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Corp2")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(oidc_details("https://idp2.example.com")))
            .attribute_mapping("custom:nope", "x")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    // Google: the name is the type; the well-known endpoints are filled in.
    let g = c
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .provider_details("client_id", "g")
        .provider_details("client_secret", "s")
        .provider_details("authorize_scopes", "openid email")
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap();
    let gd = g.identity_provider().unwrap().provider_details().unwrap();
    assert_eq!(
        gd.get("oidc_issuer").map(String::as_str),
        Some("https://accounts.google.com")
    );
    // Identifiers are unique within the pool.
    let (code, _) = fails(
        c.update_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Google")
            .idp_identifiers("corp.example.com")
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateProviderException");
    let by_id = c
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_id.identity_provider().unwrap().provider_name(),
        Some("Corp")
    );
    let (code, _) = fails(
        c.get_identity_provider_by_identifier()
            .user_pool_id(&pool)
            .idp_identifier("nobody")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    // Update merges details and replaces the mapping.
    let u = c
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_details("authorize_scopes", "openid profile")
        .attribute_mapping("email", "mail")
        .send()
        .await
        .unwrap();
    let u = u.identity_provider().unwrap();
    assert_eq!(
        u.provider_details()
            .and_then(|d| d.get("authorize_scopes"))
            .map(String::as_str),
        Some("openid profile")
    );
    assert_eq!(
        u.provider_details()
            .and_then(|d| d.get("client_id"))
            .map(String::as_str),
        Some("idp-client")
    );
    assert_eq!(u.attribute_mapping().map(|m| m.len()), Some(1));
    // List, paged.
    let page = c
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.providers().len(), 1);
    assert_eq!(page.providers()[0].provider_name(), Some("Corp"));
    let rest = c
        .list_identity_providers()
        .user_pool_id(&pool)
        .max_results(10)
        .next_token(page.next_token().expect("next token"))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.providers().len(), 1);
    assert_eq!(rest.providers()[0].provider_name(), Some("Google"));
    // Clients may only name existing providers.
    let (code, msg) = fails(
        c.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .supported_identity_providers("Okta")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        msg,
        format!("The provider Okta does not exist for User Pool {pool}")
    );
    c.create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .supported_identity_providers("Corp")
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .expect("client naming an existing provider");
    // Delete.
    c.delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .send()
        .await
        .unwrap();
    let (code, _) = fails(
        c.describe_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Google")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
});
