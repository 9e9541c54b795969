//! User pool administration through the Rust SDK: CreateUserPool,
//! DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
//! AddCustomAttributes, GetCSVHeader and tags.

use crate::*;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::*;
use std::collections::HashSet;

const STANDARD_ATTRIBUTES: &[&str] = &[
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
];

const PRE_SIGN_UP: &str = "arn:aws:lambda:us-east-1:000000000000:function:pre-sign-up";
const POST_CONFIRMATION: &str = "arn:aws:lambda:us-east-1:000000000000:function:post-confirm";

fn attr<'a>(pool: &'a UserPoolType, name: &str) -> Option<&'a SchemaAttributeType> {
    pool.schema_attributes()
        .iter()
        .find(|a| a.name() == Some(name))
}

/// A CreateUserPool request that sets (nearly) everything a pool can have.
fn rich_pool(c: &idp::Client, name: &str) -> CreateUserPoolFluentBuilder {
    c.create_user_pool()
        .pool_name(name)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_uppercase(true)
                        .require_lowercase(false)
                        .require_numbers(true)
                        .require_symbols(false)
                        .temporary_password_validity_days(3)
                        .build(),
                )
                .build(),
        )
        // A standard attribute overridden: email becomes required.
        .schema(
            SchemaAttributeType::builder()
                .name("email")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .mutable(true)
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .min_length("1")
                        .max_length("32")
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("age")
                .attribute_data_type(AttributeDataType::Number)
                .mutable(false)
                .number_attribute_constraints(
                    NumberAttributeConstraintsType::builder()
                        .min_value("0")
                        .max_value("150")
                        .build(),
                )
                .build(),
        )
        .alias_attributes(AliasAttributeType::Email)
        .alias_attributes(AliasAttributeType::PreferredUsername)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .default_email_option(DefaultEmailOptionType::ConfirmWithLink)
                .email_message("Your code is {####}")
                .email_subject("Your code")
                .email_message_by_link("Please {##Click here##} to verify")
                .email_subject_by_link("Verify your email")
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .invite_message_template(
                    MessageTemplateType::builder()
                        .email_message("Hello {username}, your password is {####}")
                        .email_subject("Welcome")
                        .build(),
                )
                .build(),
        )
        .account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .priority(1)
                        .name(RecoveryOptionNameType::VerifiedEmail)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up(PRE_SIGN_UP)
                .post_confirmation(POST_CONFIRMATION)
                .build(),
        )
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(true)
                .build(),
        )
        .user_attribute_update_settings(
            UserAttributeUpdateSettingsType::builder()
                .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                .build(),
        )
        .user_pool_tags("team", "identity")
        .deletion_protection(DeletionProtectionType::Active)
}

async fn describe(c: &idp::Client, id: &str) -> UserPoolType {
    c.describe_user_pool()
        .user_pool_id(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeUserPool {id}: {e:?}"))
        .user_pool()
        .expect("UserPool")
        .clone()
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

cognate_testkit::both_with!(
    create_rich_pool_and_describe,
    cognate_testkit::any_lambda_reachable,
    |ts: TestServer| async move {
        let c = ts.idp();
        let before = now_secs();
        let created = rich_pool(&c, "rich").send().await.unwrap();
        let created = created
            .user_pool()
            .expect("UserPool in CreateUserPool output");
        let id = created.id().expect("Id").to_string();
        assert!(is_pool_id(&id, "us-east-1"), "pool id {id}");

        let p = describe(&c, &id).await;
        assert_eq!(&p, created, "CreateUserPool and DescribeUserPool agree");
        assert_eq!(p.id(), Some(id.as_str()));
        assert_eq!(p.name(), Some("rich"));
        let arn = p.arn().expect("Arn");
        assert!(
            arn.starts_with("arn:aws:cognito-idp:us-east-1:")
                && arn.ends_with(&format!(":userpool/{id}")),
            "Arn {arn}"
        );
        let created_at = p.creation_date().expect("CreationDate").secs();
        let modified_at = p.last_modified_date().expect("LastModifiedDate").secs();
        assert!(
            (before - 5..=now_secs() + 5).contains(&created_at),
            "CreationDate {created_at} is now"
        );
        assert!(modified_at >= created_at);
        assert_eq!(p.estimated_number_of_users(), 0);

        let pw = p
            .policies()
            .and_then(|x| x.password_policy())
            .expect("PasswordPolicy");
        assert_eq!(pw.minimum_length(), Some(12));
        assert!(pw.require_uppercase());
        assert!(!pw.require_lowercase());
        assert!(pw.require_numbers());
        assert!(!pw.require_symbols());
        assert_eq!(pw.temporary_password_validity_days(), 3);

        // Every standard attribute is listed, with the override applied.
        let names: Vec<&str> = p
            .schema_attributes()
            .iter()
            .filter_map(|a| a.name())
            .collect();
        for std_attr in STANDARD_ATTRIBUTES {
            assert!(
                names.contains(std_attr),
                "{std_attr} missing from {names:?}"
            );
        }
        let sub = attr(&p, "sub").unwrap();
        assert_eq!(sub.required(), Some(true));
        assert_eq!(sub.mutable(), Some(false));
        let email = attr(&p, "email").unwrap();
        assert_eq!(email.required(), Some(true));
        assert_eq!(
            email.attribute_data_type(),
            Some(&AttributeDataType::String)
        );
        assert_eq!(attr(&p, "name").unwrap().required(), Some(false));

        // Custom attributes carry the `custom:` prefix and their constraints.
        assert!(
            attr(&p, "tier").is_none() && attr(&p, "age").is_none(),
            "{names:?}"
        );
        let tier = attr(&p, "custom:tier").expect("custom:tier");
        assert_eq!(tier.attribute_data_type(), Some(&AttributeDataType::String));
        assert_eq!(tier.mutable(), Some(true));
        assert_eq!(tier.required(), Some(false));
        let sc = tier
            .string_attribute_constraints()
            .expect("StringAttributeConstraints");
        assert_eq!((sc.min_length(), sc.max_length()), (Some("1"), Some("32")));
        let age = attr(&p, "custom:age").expect("custom:age");
        assert_eq!(age.attribute_data_type(), Some(&AttributeDataType::Number));
        assert_eq!(age.mutable(), Some(false));
        let nc = age
            .number_attribute_constraints()
            .expect("NumberAttributeConstraints");
        assert_eq!((nc.min_value(), nc.max_value()), (Some("0"), Some("150")));

        let aliases: HashSet<&AliasAttributeType> = p.alias_attributes().iter().collect();
        assert_eq!(
            aliases,
            HashSet::from([
                &AliasAttributeType::Email,
                &AliasAttributeType::PreferredUsername
            ])
        );
        assert!(p.username_attributes().is_empty());
        assert!(
            !p.username_configuration()
                .expect("UsernameConfiguration")
                .case_sensitive()
        );
        assert_eq!(
            p.auto_verified_attributes(),
            &[VerifiedAttributeType::Email]
        );

        let vmt = p
            .verification_message_template()
            .expect("VerificationMessageTemplate");
        assert_eq!(
            vmt.default_email_option(),
            Some(&DefaultEmailOptionType::ConfirmWithLink)
        );
        assert_eq!(
            vmt.email_message_by_link(),
            Some("Please {##Click here##} to verify")
        );
        assert_eq!(vmt.email_subject_by_link(), Some("Verify your email"));
        assert_eq!(vmt.email_message(), Some("Your code is {####}"));

        let admin = p.admin_create_user_config().expect("AdminCreateUserConfig");
        assert!(admin.allow_admin_create_user_only());
        assert_eq!(
            admin
                .invite_message_template()
                .and_then(|t| t.email_subject()),
            Some("Welcome")
        );

        let recovery = p
            .account_recovery_setting()
            .expect("AccountRecoverySetting");
        assert_eq!(recovery.recovery_mechanisms().len(), 1);
        assert_eq!(recovery.recovery_mechanisms()[0].priority(), 1);
        assert_eq!(
            recovery.recovery_mechanisms()[0].name(),
            &RecoveryOptionNameType::VerifiedEmail
        );

        let lambda = p.lambda_config().expect("LambdaConfig");
        assert_eq!(lambda.pre_sign_up(), Some(PRE_SIGN_UP));
        assert_eq!(lambda.post_confirmation(), Some(POST_CONFIRMATION));
        assert_eq!(lambda.pre_authentication(), None);

        let device = p.device_configuration().expect("DeviceConfiguration");
        assert!(device.challenge_required_on_new_device());
        assert!(device.device_only_remembered_on_user_prompt());

        assert_eq!(
            p.user_attribute_update_settings()
                .expect("UserAttributeUpdateSettings")
                .attributes_require_verification_before_update(),
            &[VerifiedAttributeType::Email]
        );
        assert_eq!(
            p.user_pool_tags()
                .and_then(|t| t.get("team"))
                .map(String::as_str),
            Some("identity")
        );
        assert_eq!(
            p.deletion_protection(),
            Some(&DeletionProtectionType::Active)
        );
        assert_eq!(p.mfa_configuration(), Some(&UserPoolMfaType::Off));
    }
);

both!(
    minimal_pool_gets_cognito_defaults,
    |ts: TestServer| async move {
        let c = ts.idp();
        let id = new_pool(&c, "minimal").await;
        let p = describe(&c, &id).await;
        let pw = p
            .policies()
            .and_then(|x| x.password_policy())
            .expect("PasswordPolicy");
        assert_eq!(pw.minimum_length(), Some(8));
        assert!(pw.require_uppercase() && pw.require_lowercase());
        assert!(pw.require_numbers() && pw.require_symbols());
        assert_eq!(pw.temporary_password_validity_days(), 7);
        assert_eq!(p.mfa_configuration(), Some(&UserPoolMfaType::Off));
        assert_eq!(
            p.deletion_protection(),
            Some(&DeletionProtectionType::Inactive)
        );
        assert!(
            !p.admin_create_user_config()
                .expect("AdminCreateUserConfig")
                .allow_admin_create_user_only()
        );
        assert_eq!(
            p.verification_message_template()
                .and_then(|v| v.default_email_option()),
            Some(&DefaultEmailOptionType::ConfirmWithCode)
        );
        let customs: Vec<&str> = p
            .schema_attributes()
            .iter()
            .filter_map(|a| a.name())
            .filter(|n| n.starts_with("custom:"))
            .collect();
        assert!(customs.is_empty(), "{customs:?}");
    }
);

cognate_testkit::both_with!(
    update_resets_omitted_settings,
    cognate_testkit::any_lambda_reachable,
    |ts: TestServer| async move {
        let c = ts.idp();
        let created = rich_pool(&c, "before").send().await.unwrap();
        let id = created
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let old = describe(&c, &id).await;

        // Names a new password policy, a new name and MFA off; says nothing else.
        c.update_user_pool()
            .user_pool_id(&id)
            .pool_name("after")
            .policies(
                UserPoolPolicyType::builder()
                    .password_policy(
                        PasswordPolicyType::builder()
                            .minimum_length(10)
                            .require_uppercase(false)
                            .require_lowercase(true)
                            .require_numbers(false)
                            .require_symbols(true)
                            .build(),
                    )
                    .build(),
            )
            .mfa_configuration(UserPoolMfaType::Off)
            .send()
            .await
            .unwrap();
        let p = describe(&c, &id).await;

        // What it named changed.
        assert_eq!(p.name(), Some("after"));
        let pw = p
            .policies()
            .and_then(|x| x.password_policy())
            .expect("PasswordPolicy");
        assert_eq!(pw.minimum_length(), Some(10));
        assert!(!pw.require_uppercase() && pw.require_lowercase());
        assert!(!pw.require_numbers() && pw.require_symbols());

        // What it left out went back to its default.
        assert!(
            p.lambda_config()
                .is_none_or(|l| l.pre_sign_up().is_none() && l.post_confirmation().is_none()),
            "LambdaConfig reset: {:?}",
            p.lambda_config()
        );
        assert!(
            p.device_configuration()
                .is_none_or(|d| !d.challenge_required_on_new_device()
                    && !d.device_only_remembered_on_user_prompt()),
            "DeviceConfiguration reset: {:?}",
            p.device_configuration()
        );
        assert!(
            p.auto_verified_attributes().is_empty(),
            "{:?}",
            p.auto_verified_attributes()
        );
        assert_eq!(
            p.verification_message_template()
                .and_then(|v| v.default_email_option()),
            Some(&DefaultEmailOptionType::ConfirmWithCode)
        );
        assert!(
            !p.admin_create_user_config()
                .expect("AdminCreateUserConfig")
                .allow_admin_create_user_only()
        );
        assert!(
            p.user_attribute_update_settings()
                .is_none_or(|u| u.attributes_require_verification_before_update().is_empty()),
            "{:?}",
            p.user_attribute_update_settings()
        );
        assert_eq!(
            p.deletion_protection(),
            Some(&DeletionProtectionType::Inactive)
        );

        // What UpdateUserPool can not change stayed.
        assert_eq!(p.id(), old.id());
        assert_eq!(p.arn(), old.arn());
        assert_eq!(p.creation_date(), old.creation_date());
        assert!(p.last_modified_date().unwrap().secs() >= old.last_modified_date().unwrap().secs());
        assert_eq!(p.schema_attributes(), old.schema_attributes());
        assert_eq!(p.alias_attributes(), old.alias_attributes());
        assert_eq!(p.username_configuration(), old.username_configuration());

        // Deletion protection went back to INACTIVE with the rest, so delete works.
        c.delete_user_pool().user_pool_id(&id).send().await.unwrap();
    }
);

both!(
    update_unknown_pool_is_not_found,
    |ts: TestServer| async move {
        let err = ts
            .idp()
            .update_user_pool()
            .user_pool_id("us-east-1_NoSuchOne")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
    }
);

both!(
    delete_then_describe_is_not_found,
    |ts: TestServer| async move {
        let c = ts.idp();
        let id = new_pool(&c, "doomed").await;
        let keep = new_pool(&c, "kept").await;
        let out = c.delete_user_pool().user_pool_id(&id).send().await;
        assert!(out.is_ok(), "{out:?}");
        let err = c
            .describe_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
        let err = c
            .delete_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
        // The other pool is untouched.
        assert_eq!(describe(&c, &keep).await.name(), Some("kept"));
    }
);

both!(
    deletion_protection_blocks_delete,
    |ts: TestServer| async move {
        let c = ts.idp();
        let id = c
            .create_user_pool()
            .pool_name("protected")
            .deletion_protection(DeletionProtectionType::Active)
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let err = c
            .delete_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_invalid_parameter_exception(), "{err:?}");
        assert_eq!(describe(&c, &id).await.name(), Some("protected"));

        c.update_user_pool()
            .user_pool_id(&id)
            .deletion_protection(DeletionProtectionType::Inactive)
            .send()
            .await
            .unwrap();
        c.delete_user_pool().user_pool_id(&id).send().await.unwrap();
        let err = c
            .describe_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
    }
);

both!(list_user_pools_pages, |ts: TestServer| async move {
    let c = ts.idp();
    let mut created = HashSet::new();
    for i in 0..7 {
        created.insert(new_pool(&c, &format!("pool-{i}")).await);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_user_pools()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(
            out.user_pools().len() <= 3,
            "page of {}",
            out.user_pools().len()
        );
        for p in out.user_pools() {
            let id = p.id().expect("Id").to_string();
            assert!(p.name().is_some_and(|n| n.starts_with("pool-")));
            assert!(p.creation_date().is_some());
            seen.push(id);
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7, "each pool once: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), created);

    // Without a limit small enough to page, one page holds all.
    let out = c.list_user_pools().max_results(60).send().await.unwrap();
    assert_eq!(out.user_pools().len(), 7);
    assert_eq!(out.next_token(), None);
});

cognate_testkit::both_with!(
    add_custom_attributes_and_csv_header,
    cognate_testkit::any_lambda_reachable,
    |ts: TestServer| async move {
        let c = ts.idp();
        let id = rich_pool(&c, "custom")
            .send()
            .await
            .unwrap()
            .user_pool()
            .and_then(|p| p.id())
            .unwrap()
            .to_string();
        let plan = || {
            SchemaAttributeType::builder()
                .name("plan")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build()
        };
        c.add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(plan())
            .send()
            .await
            .unwrap();
        let p = describe(&c, &id).await;
        let added = attr(&p, "custom:plan").expect("custom:plan in the schema");
        assert_eq!(
            added.attribute_data_type(),
            Some(&AttributeDataType::String)
        );
        assert!(attr(&p, "plan").is_none());

        // Adding it again, or one defined at creation, is refused.
        for dup in [
            plan(),
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        ] {
            let err = c
                .add_custom_attributes()
                .user_pool_id(&id)
                .custom_attributes(dup)
                .send()
                .await
                .unwrap_err()
                .into_service_error();
            assert!(err.is_invalid_parameter_exception(), "{err:?}");
        }

        let header = c.get_csv_header().user_pool_id(&id).send().await.unwrap();
        assert_eq!(header.user_pool_id(), Some(id.as_str()));
        let cols = header.csv_header();
        for col in [
            "name",
            "email",
            "email_verified",
            "phone_number",
            "cognito:mfa_enabled",
            "cognito:username",
            "custom:tier",
            "custom:age",
            "custom:plan",
        ] {
            assert!(cols.iter().any(|c| c == col), "{col} missing from {cols:?}");
        }
        assert!(!cols.iter().any(|c| c == "sub"), "{cols:?}");

        let err = c
            .add_custom_attributes()
            .user_pool_id("us-east-1_NoSuchOne")
            .custom_attributes(plan())
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_resource_not_found_exception(), "{err:?}");
    }
);

both!(tags_by_arn, |ts: TestServer| async move {
    let c = ts.idp();
    let pool = c
        .create_user_pool()
        .pool_name("tagged")
        .user_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let pool = pool.user_pool().unwrap();
    let arn = pool.arn().unwrap().to_string();
    let id = pool.id().unwrap().to_string();

    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("identity")
    );

    c.tag_resource()
        .resource_arn(&arn)
        .tags("env", "test")
        .tags("owner", "alice")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags = tags.tags().cloned().unwrap_or_default();
    assert_eq!(tags.len(), 3, "{tags:?}");
    assert_eq!(tags.get("env").map(String::as_str), Some("test"));

    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("env")
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags = tags.tags().cloned().unwrap_or_default();
    assert_eq!(tags.keys().collect::<Vec<_>>(), vec!["owner"]);

    // The pool's own view agrees.
    let p = describe(&c, &id).await;
    let pool_tags = p.user_pool_tags().cloned().unwrap_or_default();
    assert_eq!(pool_tags, tags);

    // An ARN of no pool.
    let missing = arn.replace(&id, "us-east-1_NoSuchOne");
    let err = c
        .tag_resource()
        .resource_arn(&missing)
        .tags("a", "b")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = c
        .list_tags_for_resource()
        .resource_arn(&missing)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
});

both!(bad_schemas_are_refused, |ts: TestServer| async move {
    let c = ts.idp();
    let err = c
        .create_user_pool()
        .pool_name("required-custom")
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    let err = c
        .create_user_pool()
        .pool_name("both-identities")
        .username_attributes(UsernameAttributeType::Email)
        .alias_attributes(AliasAttributeType::PreferredUsername)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    // Neither left a pool behind.
    let out = c.list_user_pools().max_results(60).send().await.unwrap();
    assert!(out.user_pools().is_empty(), "{:?}", out.user_pools());
});

both!(
    region_of_the_signature_names_the_pool,
    |ts: TestServer| async move {
        let eu = ts.idp_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY, "eu-west-1");
        let out = eu
            .create_user_pool()
            .pool_name("europe")
            .send()
            .await
            .unwrap();
        let p = out.user_pool().unwrap();
        let id = p.id().unwrap();
        assert!(is_pool_id(id, "eu-west-1"), "pool id {id}");
        let arn = p.arn().unwrap();
        assert!(
            arn.starts_with("arn:aws:cognito-idp:eu-west-1:"),
            "Arn {arn}"
        );
        let described = eu
            .describe_user_pool()
            .user_pool_id(id)
            .send()
            .await
            .unwrap();
        assert_eq!(described.user_pool().and_then(|p| p.id()), Some(id));

        let us = new_pool(&ts.idp(), "america").await;
        assert!(is_pool_id(&us, "us-east-1"), "pool id {us}");
    }
);
