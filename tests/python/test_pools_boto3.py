"""User-pool administration through boto3, end to end against the Cognito-compatible server."""

from __future__ import annotations

import datetime
import re

import pytest
import requests

from conftest import _Factory, unique

ACCOUNT = "000000000000"
POOL_ID_RE = re.compile(r"^us-east-1_[0-9A-Za-z]{9}$")

STANDARD_ATTRIBUTES = [
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo",
    "locale", "phone_number", "phone_number_verified", "address", "updated_at",
]

DEFAULT_PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

# A pool whose LambdaConfig names functions is refused unless the server has a transport for
# each of them; a mapping is enough (nothing here invokes a trigger, so the URL is never used).
TRIGGER_ARNS = [LAMBDA + n for n in ("pre-signup", "post-confirmation", "define", "pre-token", "post-auth")]
TRIGGER_CONFIG = "".join(
    f'[[triggers.functions]]\narn = "{arn}"\nurl = "http://127.0.0.1:1/unused"\n\n' for arn in TRIGGER_ARNS
)


@pytest.fixture(scope="module")
def server(backend, tmp_path_factory):
    """This module's shared server: admin keys, and transports mapped for TRIGGER_ARNS."""
    factory = _Factory(backend, tmp_path_factory.mktemp(f"cognate-pools-{backend}"))
    yield factory(config_text=TRIGGER_CONFIG)
    factory.finish()


def rich_pool_config(name: str) -> dict:
    return dict(
        PoolName=name,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": False,
                "RequireNumbers": True,
                "RequireSymbols": False,
                "TemporaryPasswordValidityDays": 3,
            }
        },
        Schema=[
            # A standard attribute made required.
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": "tier",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "16"},
            },
            {
                "Name": "score",
                "AttributeDataType": "Number",
                "Mutable": False,
                "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "100"},
            },
        ],
        AliasAttributes=["email", "preferred_username"],
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_LINK",
            "EmailMessage": "Your code is {####}",
            "EmailSubject": "Your code",
            "EmailMessageByLink": "Click {##here##} to verify",
            "EmailSubjectByLink": "Verify your address",
            "SmsMessage": "Code: {####}",
        },
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": True,
            "InviteMessageTemplate": {
                "SMSMessage": "Hi {username}, your password is {####}",
                "EmailMessage": "Welcome {username}, your password is {####}",
                "EmailSubject": "Welcome aboard",
            },
        },
        AccountRecoverySetting={
            "RecoveryMechanisms": [
                {"Priority": 1, "Name": "verified_email"},
                {"Priority": 2, "Name": "verified_phone_number"},
            ]
        },
        LambdaConfig={
            "PreSignUp": LAMBDA + "pre-signup",
            "PostConfirmation": LAMBDA + "post-confirmation",
            "DefineAuthChallenge": LAMBDA + "define",
            "PreTokenGeneration": LAMBDA + "pre-token",
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": LAMBDA + "pre-token"},
        },
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        UserPoolTags={"team": "identity", "env": "test"},
        DeletionProtection="ACTIVE",
    )


def schema_by_name(pool: dict) -> dict:
    return {a["Name"]: a for a in pool["SchemaAttributes"]}


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def error_message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def assert_rich_settings(pool: dict, name: str) -> None:
    assert pool["Name"] == name
    assert POOL_ID_RE.match(pool["Id"]), pool["Id"]
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/{pool['Id']}"
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireUppercase": True,
        "RequireLowercase": False,
        "RequireNumbers": True,
        "RequireSymbols": False,
        "TemporaryPasswordValidityDays": 3,
    }
    assert pool["AliasAttributes"] == ["email", "preferred_username"]
    assert "UsernameAttributes" not in pool or pool["UsernameAttributes"] == []
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["VerificationMessageTemplate"] == {
        "DefaultEmailOption": "CONFIRM_WITH_LINK",
        "EmailMessage": "Your code is {####}",
        "EmailSubject": "Your code",
        "EmailMessageByLink": "Click {##here##} to verify",
        "EmailSubjectByLink": "Verify your address",
        "SmsMessage": "Code: {####}",
    }
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["AdminCreateUserConfig"]["InviteMessageTemplate"] == {
        "SMSMessage": "Hi {username}, your password is {####}",
        "EmailMessage": "Welcome {username}, your password is {####}",
        "EmailSubject": "Welcome aboard",
    }
    assert pool["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"},
            {"Priority": 2, "Name": "verified_phone_number"},
        ]
    }
    lc = pool["LambdaConfig"]
    assert lc["PreSignUp"] == LAMBDA + "pre-signup"
    assert lc["PostConfirmation"] == LAMBDA + "post-confirmation"
    assert lc["DefineAuthChallenge"] == LAMBDA + "define"
    assert lc["PreTokenGeneration"] == LAMBDA + "pre-token"
    assert lc["PreTokenGenerationConfig"] == {"LambdaVersion": "V2_0", "LambdaArn": LAMBDA + "pre-token"}
    assert "PostAuthentication" not in lc
    assert pool["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": True,
    }
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool["UserPoolTags"] == {"team": "identity", "env": "test"}
    assert pool["DeletionProtection"] == "ACTIVE"
    assert isinstance(pool["CreationDate"], datetime.datetime)
    assert isinstance(pool["LastModifiedDate"], datetime.datetime)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - pool["CreationDate"]).total_seconds()) < 300


def test_create_and_describe_rich_pool(idp):
    name = unique("rich")
    created = idp.create_user_pool(**rich_pool_config(name))["UserPool"]
    assert_rich_settings(created, name)

    described = idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert_rich_settings(described, name)
    assert described["Id"] == created["Id"]
    assert described["EstimatedNumberOfUsers"] == 0

    attrs = schema_by_name(described)
    # Every standard attribute is listed, plus the two custom ones, and nothing else.
    assert set(attrs) == set(STANDARD_ATTRIBUTES) | {"custom:tier", "custom:score"} | (
        {"identities"} if "identities" in attrs else set()
    )
    assert attrs["email"]["Required"] is True
    assert attrs["email"]["Mutable"] is True
    assert attrs["sub"]["Required"] is True
    assert attrs["sub"]["Mutable"] is False
    assert attrs["name"]["Required"] is False
    assert attrs["email_verified"]["AttributeDataType"] == "Boolean"
    assert attrs["custom:tier"]["AttributeDataType"] == "String"
    assert attrs["custom:tier"]["Mutable"] is True
    assert attrs["custom:tier"]["Required"] is False
    assert attrs["custom:tier"]["DeveloperOnlyAttribute"] is False
    assert attrs["custom:tier"]["StringAttributeConstraints"] == {"MinLength": "2", "MaxLength": "16"}
    assert attrs["custom:score"]["AttributeDataType"] == "Number"
    assert attrs["custom:score"]["Mutable"] is False
    assert attrs["custom:score"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "100"}


def test_minimal_pool_defaults(idp):
    name = unique("min")
    pool = idp.create_user_pool(PoolName=name)["UserPool"]
    assert POOL_ID_RE.match(pool["Id"])
    d = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert d["Name"] == name
    assert d["Policies"]["PasswordPolicy"] == DEFAULT_PASSWORD_POLICY
    assert d["DeletionProtection"] == "INACTIVE"
    assert d["MfaConfiguration"] == "OFF"
    assert d["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert d.get("AutoVerifiedAttributes", []) == []
    assert d.get("AliasAttributes", []) == []
    assert d.get("UsernameAttributes", []) == []
    assert d.get("LambdaConfig", {}) == {}
    assert "DeviceConfiguration" not in d
    # API default: case-sensitive user names.
    assert d.get("UsernameConfiguration", {"CaseSensitive": True}) == {"CaseSensitive": True}
    assert schema_by_name(d)["email"]["Required"] is False
    assert not [a for a in d["SchemaAttributes"] if a["Name"].startswith("custom:")]


def test_username_attributes_pool(idp):
    pool = idp.create_user_pool(
        PoolName=unique("email-as-username"),
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    d = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert d["UsernameAttributes"] == ["email"]
    assert d.get("AliasAttributes", []) == []


def test_alias_and_username_attributes_are_exclusive(idp):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool(
            PoolName=unique("both"), UsernameAttributes=["email"], AliasAttributes=["preferred_username"]
        )


def test_custom_attribute_cannot_be_required(idp):
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(
            PoolName=unique("req-custom"),
            Schema=[{"Name": "plan", "AttributeDataType": "String", "Required": True, "Mutable": True}],
        )
    assert "required" in error_message(e).lower()


def test_update_resets_omitted_settings(idp):
    name = unique("upd")
    pool_id = idp.create_user_pool(**rich_pool_config(name))["UserPool"]["Id"]
    before = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    idp.update_user_pool(
        UserPoolId=pool_id,
        Policies={"PasswordPolicy": {"MinimumLength": 20, "RequireUppercase": False,
                                     "RequireLowercase": True, "RequireNumbers": False,
                                     "RequireSymbols": True, "TemporaryPasswordValidityDays": 2}},
        DeletionProtection="INACTIVE",
        LambdaConfig={"PostAuthentication": LAMBDA + "post-auth"},
    )
    d = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    # Given settings are applied.
    assert d["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 20, "RequireUppercase": False, "RequireLowercase": True,
        "RequireNumbers": False, "RequireSymbols": True, "TemporaryPasswordValidityDays": 2,
    }
    assert d["DeletionProtection"] == "INACTIVE"
    # LambdaConfig is replaced as a whole, not merged.
    assert d["LambdaConfig"] == {"PostAuthentication": LAMBDA + "post-auth"}
    # Omitted settings are back to their defaults.
    assert d.get("AutoVerifiedAttributes", []) == []
    assert d["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "InviteMessageTemplate" not in d["AdminCreateUserConfig"] or d["AdminCreateUserConfig"][
        "InviteMessageTemplate"
    ] != before["AdminCreateUserConfig"]["InviteMessageTemplate"]
    assert d["VerificationMessageTemplate"].get("DefaultEmailOption") == "CONFIRM_WITH_CODE"
    assert d["VerificationMessageTemplate"].get("EmailSubjectByLink") != "Verify your address"
    assert "DeviceConfiguration" not in d
    assert d.get("UserAttributeUpdateSettings", {}).get("AttributesRequireVerificationBeforeUpdate", []) == []
    assert d.get("AccountRecoverySetting") != before["AccountRecoverySetting"]
    # What cannot change after creation stays.
    assert d["Name"] == name
    assert d["Id"] == pool_id
    assert d["AliasAttributes"] == ["email", "preferred_username"]
    assert d["UsernameConfiguration"] == {"CaseSensitive": False}
    assert schema_by_name(d) == schema_by_name(before)
    assert d["CreationDate"] == before["CreationDate"]
    assert d["LastModifiedDate"] >= before["LastModifiedDate"]

    # A bare update resets the password policy too.
    idp.update_user_pool(UserPoolId=pool_id)
    d = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert d["Policies"]["PasswordPolicy"] == DEFAULT_PASSWORD_POLICY
    assert d.get("LambdaConfig", {}) == {}


def test_update_can_rename(idp):
    pool_id = idp.create_user_pool(PoolName=unique("old"))["UserPool"]["Id"]
    new_name = unique("new")
    idp.update_user_pool(UserPoolId=pool_id, PoolName=new_name)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == new_name


def test_update_unknown_pool(idp):
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.update_user_pool(UserPoolId="us-east-1_NoSuchPool")


def test_deletion_protection(idp):
    pool_id = idp.create_user_pool(PoolName=unique("protected"), DeletionProtection="ACTIVE")["UserPool"]["Id"]
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert error_code(e) == "InvalidParameterException"
    assert "deletion protection" in error_message(e).lower()
    # Still there.
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeletionProtection"] == "ACTIVE"

    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool(UserPoolId=pool_id)


def test_delete_pool_removes_clients(idp):
    pool_id = idp.create_user_pool(PoolName=unique("del"))["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
    idp.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_user_pool(UserPoolId=pool_id)
    pool_ids = [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]]
    assert pool_id not in pool_ids


def test_typed_errors(idp):
    missing = "us-east-1_DoesNotEx1"
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.describe_user_pool(UserPoolId=missing)
    assert error_code(e) == "ResourceNotFoundException"
    assert missing in error_message(e)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["ResponseMetadata"]["RequestId"]

    # Pattern violation: validated on the server (botocore does not check patterns).
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.describe_user_pool(UserPoolId="not a pool id")
    msg = error_message(e)
    assert msg.startswith("1 validation error detected: Value 'not a pool id' at 'userPoolId' failed to satisfy constraint: ")
    assert "regular expression pattern" in msg

    # Enum violation.
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(PoolName=unique("enum"), DeletionProtection="SOMETIMES")
    assert "deletionProtection" in error_message(e)
    assert "enum value set" in error_message(e)

    # Range violation.
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(PoolName=unique("range"), Policies={"PasswordPolicy": {"MinimumLength": 100}})
    assert "minimumLength" in error_message(e)

    # Two violations are counted.
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(
            PoolName=unique("two"), DeletionProtection="NEVER", MfaConfiguration="SOMETIMES"
        )
    assert error_message(e).startswith("2 validation errors detected: ")


def test_list_user_pools_pagination(server_factory):
    srv = server_factory()
    idp = srv.client()
    created = {idp.create_user_pool(PoolName=f"page-{i}")["UserPool"]["Id"]: f"page-{i}" for i in range(5)}

    seen: list[str] = []
    pages = 0
    token = None
    while True:
        kwargs = {"MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_user_pools(**kwargs)
        pages += 1
        assert len(resp["UserPools"]) <= 2
        for p in resp["UserPools"]:
            assert p["Name"] == created[p["Id"]]
            assert set(p) >= {"Id", "Name", "LambdaConfig", "LastModifiedDate", "CreationDate"}
            assert "Policies" not in p
        seen += [p["Id"] for p in resp["UserPools"]]
        token = resp.get("NextToken")
        if not token:
            break
        assert pages < 10
    assert pages == 3
    assert sorted(seen) == sorted(created)

    # The boto3 paginator sees the same set.
    paged = [p["Id"] for page in idp.get_paginator("list_user_pools").paginate(MaxResults=2) for p in page["UserPools"]]
    assert sorted(paged) == sorted(created)

    everything = idp.list_user_pools(MaxResults=60)
    assert sorted(p["Id"] for p in everything["UserPools"]) == sorted(created)
    assert "NextToken" not in everything

    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.list_user_pools(MaxResults=61)


def test_add_custom_attributes_and_csv_header(idp):
    pool_id = idp.create_user_pool(
        PoolName=unique("custom"),
        Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    idp.add_custom_attributes(
        UserPoolId=pool_id,
        CustomAttributes=[
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"}},
            {"Name": "level", "AttributeDataType": "Number", "Mutable": True,
             "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "10"}},
        ],
    )
    attrs = schema_by_name(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    assert {"custom:tier", "custom:plan", "custom:level"} <= set(attrs)
    assert attrs["custom:plan"]["StringAttributeConstraints"] == {"MinLength": "1", "MaxLength": "32"}
    assert attrs["custom:level"]["AttributeDataType"] == "Number"
    assert attrs["custom:level"]["NumberAttributeConstraints"] == {"MinValue": "1", "MaxValue": "10"}

    # Adding an existing one fails.
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "plan", "AttributeDataType": "String"}]
        )
    # Custom attributes cannot be required.
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.add_custom_attributes(
            UserPoolId=pool_id,
            CustomAttributes=[{"Name": "must", "AttributeDataType": "String", "Required": True}],
        )
    # Names are at most 20 characters (model constraint).
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "n" * 21, "AttributeDataType": "String"}]
        )
    assert "20" in error_message(e)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.add_custom_attributes(
            UserPoolId="us-east-1_NoSuchPool", CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}]
        )

    csv = idp.get_csv_header(UserPoolId=pool_id)
    assert csv["UserPoolId"] == pool_id
    header = csv["CSVHeader"]
    # The standard columns come first, in Cognito's order (the documented example header);
    # where custom columns go among the rest is not pinned down, so only count them.
    assert header[:19] == [a for a in STANDARD_ATTRIBUTES if a != "sub"]
    assert sorted(header[19:]) == sorted(
        ["custom:tier", "custom:plan", "custom:level", "cognito:mfa_enabled", "cognito:username"]
    )
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_csv_header(UserPoolId="us-east-1_NoSuchPool")


def test_tags(idp):
    pool = idp.create_user_pool(PoolName=unique("tags"), UserPoolTags={"a": "1"})["UserPool"]
    arn = pool["Arn"]
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "1"}

    idp.tag_resource(ResourceArn=arn, Tags={"b": "2", "a": "one"})
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "one", "b": "2"}
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["UserPoolTags"] == {"a": "one", "b": "2"}

    idp.untag_resource(ResourceArn=arn, TagKeys=["a", "not-there"])
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}

    unknown = f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_NoSuchPool"
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.list_tags_for_resource(ResourceArn=unknown)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.tag_resource(ResourceArn=unknown, Tags={"x": "y"})


def test_region_from_signing_scope(server):
    eu = server.client(region="eu-west-2")
    pool = eu.create_user_pool(PoolName=unique("eu"))["UserPool"]
    assert re.match(r"^eu-west-2_[0-9A-Za-z]{9}$", pool["Id"]), pool["Id"]
    assert pool["Arn"] == f"arn:aws:cognito-idp:eu-west-2:{ACCOUNT}:userpool/{pool['Id']}"
    assert eu.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Arn"] == pool["Arn"]
    # The issuer of that pool carries its id.
    conf = requests.get(f"{server.url}/{pool['Id']}/.well-known/openid-configuration", timeout=10).json()
    assert conf["issuer"].endswith("/" + pool["Id"])


def test_configured_region(server_factory):
    srv = server_factory(admin_keys=False, env={"COGNATE_REGION": "ap-south-1"})
    # An unsigned create (no credential scope) takes the configured region.
    r = requests.post(
        srv.url,
        data='{"PoolName":"unsigned"}',
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.CreateUserPool",
                 "Content-Type": "application/x-amz-json-1.1"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    pool = r.json()["UserPool"]
    assert pool["Id"].startswith("ap-south-1_")
    assert pool["Arn"] == f"arn:aws:cognito-idp:ap-south-1:{ACCOUNT}:userpool/{pool['Id']}"
    assert isinstance(pool["CreationDate"], (int, float))


def test_jwks_and_discovery(server):
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=unique("jwks"))["UserPool"]["Id"]
    r = requests.get(f"{server.url}/{pool_id}/.well-known/jwks.json", timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    keys = r.json()["keys"]
    assert len(keys) == 2
    assert len({k["kid"] for k in keys}) == 2
    for k in keys:
        assert k["kty"] == "RSA"
        assert k["alg"] == "RS256"
        assert k["e"] == "AQAB"
        assert k.get("use", "sig") == "sig"
        assert len(k["n"]) >= 342  # base64url of a 2048-bit modulus
        assert "d" not in k and "p" not in k  # no private parts

    other = idp.create_user_pool(PoolName=unique("jwks2"))["UserPool"]["Id"]
    other_keys = requests.get(f"{server.url}/{other}/.well-known/jwks.json", timeout=10).json()["keys"]
    assert {k["kid"] for k in other_keys}.isdisjoint({k["kid"] for k in keys})

    assert requests.get(f"{server.url}/us-east-1_NoSuchPool/.well-known/jwks.json", timeout=10).status_code == 404


def test_discovery_issuer_defaults_to_bound_address(server):
    # Without COGNATE_PUBLIC_URL the issuer must be reachable: the address actually bound
    # (the server was started with --listen 127.0.0.1:0, so not the configured port 0).
    pool_id = server.client().create_user_pool(PoolName=unique("disc"))["UserPool"]["Id"]
    r = requests.get(f"{server.url}/{pool_id}/.well-known/openid-configuration", timeout=10)
    assert r.status_code == 200
    conf = r.json()
    assert "RS256" in conf["id_token_signing_alg_values_supported"]
    assert conf["issuer"] == f"{server.url}/{pool_id}"
    assert conf["jwks_uri"] == f"{server.url}/{pool_id}/.well-known/jwks.json"


def test_health(server):
    health = requests.get(f"{server.url}/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["storage"] == server.backend


def test_public_url_sets_issuer(server_factory):
    srv = server_factory(env={"COGNATE_PUBLIC_URL": "https://idp.example.test"})
    pool_id = srv.client().create_user_pool(PoolName="issuer")["UserPool"]["Id"]
    conf = requests.get(f"{srv.url}/{pool_id}/.well-known/openid-configuration", timeout=10).json()
    assert conf["issuer"] == f"https://idp.example.test/{pool_id}"
    assert conf["jwks_uri"] == f"https://idp.example.test/{pool_id}/.well-known/jwks.json"


def test_restart_keeps_state(server_factory):
    srv = server_factory(config_text=TRIGGER_CONFIG)
    idp = srv.client()
    pool_id = idp.create_user_pool(**rich_pool_config("durable"))["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="durable-client", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    pool_before = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    jwks_before = requests.get(f"{srv.url}/{pool_id}/.well-known/jwks.json", timeout=10).json()

    srv.restart()
    idp = srv.client()

    pool_after = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool_after == pool_before
    client_after = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])["UserPoolClient"]
    assert client_after["ClientSecret"] == client["ClientSecret"]
    assert client_after == client
    jwks_after = requests.get(f"{srv.url}/{pool_id}/.well-known/jwks.json", timeout=10).json()
    assert jwks_after == jwks_before
    assert [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [pool_id]


def test_unreachable_trigger_function_is_refused(server_factory):
    """Without a transport for a LambdaConfig function the pool is refused (no pool is created),
    on creation and on update."""
    srv = server_factory()  # no [triggers] configuration at all
    idp = srv.client()
    arn = LAMBDA + "pre-signup"
    name = unique("unmapped")
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(PoolName=name, LambdaConfig={"PreSignUp": arn})
    assert "PreSignUp" in error_message(e) and arn in error_message(e), error_message(e)
    assert [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name] == []

    # The versioned form is checked too.
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(
            PoolName=unique("unmapped-v2"),
            LambdaConfig={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": LAMBDA + "pre-token"}},
        )
    assert LAMBDA + "pre-token" in error_message(e), error_message(e)

    pool_id = idp.create_user_pool(PoolName=unique("plain"))["UserPool"]["Id"]
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PostAuthentication": LAMBDA + "post-auth"})
    assert "PostAuthentication" in error_message(e), error_message(e)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"].get("LambdaConfig", {}) == {}


def test_only_mapped_trigger_functions_are_accepted(server_factory):
    """With [[triggers.functions]] mappings (and no [triggers.lambda]), mapped ARNs are accepted and
    any other ARN is still refused."""
    srv = server_factory(config_text=TRIGGER_CONFIG)
    idp = srv.client()
    ok = idp.create_user_pool(PoolName=unique("mapped"), LambdaConfig={"PreSignUp": LAMBDA + "pre-signup"})
    assert ok["UserPool"]["LambdaConfig"] == {"PreSignUp": LAMBDA + "pre-signup"}
    other = LAMBDA + "not-mapped"
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool(PoolName=unique("unmapped"), LambdaConfig={"PostConfirmation": other})
    assert other in error_message(e), error_message(e)


def test_lambda_invoke_config_accepts_any_function(server_factory):
    """[triggers.lambda] (the Lambda Invoke API) makes every Lambda function ARN reachable."""
    srv = server_factory(config_text=(
        '[triggers.lambda]\nendpoint = "http://127.0.0.1:1"\naccess_key_id = "x"\nsecret_access_key = "y"\n'
    ))
    idp = srv.client()
    arn = "arn:aws:lambda:eu-west-1:210987654321:function:anything-at-all"
    pool = idp.create_user_pool(PoolName=unique("lambda"), LambdaConfig={"CustomMessage": arn})["UserPool"]
    assert pool["LambdaConfig"] == {"CustomMessage": arn}
