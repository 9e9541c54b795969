"""App-client administration through boto3 against the Cognito-compatible server."""

from __future__ import annotations

import datetime
import re

import pytest

from conftest import unique

CLIENT_ID_RE = re.compile(r"^[a-z0-9]{26}$")
SECRET_RE = re.compile(r"^[a-z0-9]{40,64}$")

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Units an API request means when TokenValidityUnits leaves one out (botocore model docs).
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


def validity_seconds(client: dict, token: str) -> int:
    """Effective lifetime of AccessToken/IdToken/RefreshToken as described by a client."""
    value = client[f"{token}Validity"]
    unit = client.get("TokenValidityUnits", {}).get(token, DEFAULT_UNITS[token])
    return value * UNIT_SECONDS[unit]


@pytest.fixture(scope="module")
def pool_id(server):
    idp = server.client()
    return idp.create_user_pool(
        PoolName=unique("clients"),
        Schema=[
            {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
            {"Name": "locked", "AttributeDataType": "String", "Mutable": False},
        ],
    )["UserPool"]["Id"]


def error_message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def test_create_minimal_client_defaults(idp, pool_id):
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="minimal")["UserPoolClient"]
    assert CLIENT_ID_RE.match(c["ClientId"]), c["ClientId"]
    assert c["UserPoolId"] == pool_id
    assert c["ClientName"] == "minimal"
    assert "ClientSecret" not in c
    assert sorted(c["ExplicitAuthFlows"]) == ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert validity_seconds(c, "RefreshToken") == 30 * 86400
    assert validity_seconds(c, "AccessToken") == 3600
    assert validity_seconds(c, "IdToken") == 3600
    assert c["PreventUserExistenceErrors"] == "LEGACY"
    assert c["EnableTokenRevocation"] is True
    assert c["AuthSessionValidity"] == 3
    assert c.get("AllowedOAuthFlowsUserPoolClient", False) is False
    assert "ReadAttributes" not in c  # only populated when a custom set was given
    assert "WriteAttributes" not in c
    assert isinstance(c["CreationDate"], datetime.datetime)
    assert c["LastModifiedDate"] == c["CreationDate"]

    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert d == c


def test_generated_secret(idp, pool_id):
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="confidential", GenerateSecret=True)[
        "UserPoolClient"
    ]
    secret = c["ClientSecret"]
    assert SECRET_RE.match(secret), secret
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert d["ClientSecret"] == secret

    other = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="confidential2", GenerateSecret=True)[
        "UserPoolClient"
    ]
    assert other["ClientSecret"] != secret
    assert other["ClientId"] != c["ClientId"]

    # An update keeps the secret and returns it.
    u = idp.update_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"], ClientName="renamed")[
        "UserPoolClient"
    ]
    assert u["ClientSecret"] == secret
    assert u["ClientName"] == "renamed"
    assert (
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]["ClientSecret"]
        == secret
    )

    # Listing never shows secrets.
    listed = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    mine = [x for x in listed if x["ClientId"] == c["ClientId"]]
    assert mine == [{"ClientId": c["ClientId"], "UserPoolId": pool_id, "ClientName": "renamed"}]


def test_caller_supplied_secret(idp, pool_id):
    secret = "callerSuppliedSecret0123456789abcdef"
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="byo", ClientSecret=secret)["UserPoolClient"]
    assert c["ClientSecret"] == secret
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert d["ClientSecret"] == secret

    # Model: 24..64 characters of [\w+] (botocore checks the length itself, not the pattern).
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="pattern", ClientSecret="spaces are not allowed here")
    assert "clientSecret" in error_message(e)


def test_generate_secret_and_client_secret_are_exclusive(idp, pool_id):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="both", GenerateSecret=True,
            ClientSecret="callerSuppliedSecret0123456789abcdef",
        )


def test_update_without_client_name(idp, pool_id):
    # ClientName is optional in UpdateUserPoolClient; leaving it out must not be a wire error.
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="keep-my-name")["UserPoolClient"]
    u = idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=c["ClientId"], ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]
    assert sorted(u["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert u["ClientName"] == "keep-my-name"


def test_update_and_delete_client(idp, pool_id):
    c = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="before",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenValidity=10,
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=False,
        AuthSessionValidity=10,
    )["UserPoolClient"]
    assert c["PreventUserExistenceErrors"] == "ENABLED"
    assert c["EnableTokenRevocation"] is False
    assert c["AuthSessionValidity"] == 10
    assert validity_seconds(c, "RefreshToken") == 10 * 86400

    u = idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=c["ClientId"],
        ClientName="after",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    assert u["ClientId"] == c["ClientId"]
    assert u["ClientName"] == "after"
    assert sorted(u["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    # Omitted settings go back to their defaults.
    assert u["PreventUserExistenceErrors"] == "LEGACY"
    assert validity_seconds(u, "RefreshToken") == 30 * 86400
    assert u["AuthSessionValidity"] == 3
    assert u["CreationDate"] == c["CreationDate"]
    assert u["LastModifiedDate"] >= c["LastModifiedDate"]

    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert d == u

    idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"], ClientName="ghost")


def test_client_not_found(idp, pool_id):
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId="doesnotexist0000000000000a")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "doesnotexist0000000000000a" in error_message(e)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.create_user_pool_client(UserPoolId="us-east-1_NoSuchPool", ClientName="x")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.list_user_pool_clients(UserPoolId="us-east-1_NoSuchPool")


def test_client_belongs_to_its_pool(idp, pool_id):
    other_pool = idp.create_user_pool(PoolName=unique("other"))["UserPool"]["Id"]
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="mine")["UserPoolClient"]
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=other_pool, ClientId=c["ClientId"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_user_pool_client(UserPoolId=other_pool, ClientId=c["ClientId"])
    assert idp.list_user_pool_clients(UserPoolId=other_pool)["UserPoolClients"] == []
    # Still there in its own pool.
    assert idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]["ClientName"] == "mine"


@pytest.mark.parametrize(
    "flows",
    [
        ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    ],
)
def test_explicit_auth_flows_accepted(idp, pool_id, flows):
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="flows", ExplicitAuthFlows=flows)["UserPoolClient"]
    assert sorted(c["ExplicitAuthFlows"]) == sorted(flows)
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert sorted(d["ExplicitAuthFlows"]) == sorted(flows)


def test_explicit_auth_flows_require_refresh(idp, pool_id):
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="norefresh", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )
    assert error_message(e) == "REFRESH_TOKEN_AUTH should always be allowed."

    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="upd")["UserPoolClient"]
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.update_user_pool_client(
            UserPoolId=pool_id, ClientId=c["ClientId"], ClientName="upd", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
        )
    assert error_message(e) == "REFRESH_TOKEN_AUTH should always be allowed."
    # Unchanged after the failed update.
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert "ALLOW_REFRESH_TOKEN_AUTH" in d["ExplicitAuthFlows"]


def test_explicit_auth_flows_invalid(idp, pool_id):
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="bad", ExplicitAuthFlows=["ALLOW_MAGIC", "ALLOW_REFRESH_TOKEN_AUTH"]
        )
    assert "explicitAuthFlows" in error_message(e)
    assert "enum value set" in error_message(e)
    # Legacy names cannot be mixed with ALLOW_* names.
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="mixed",
            ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )


def test_token_validity_units(idp, pool_id):
    c = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="units",
        AccessTokenValidity=30,
        IdTokenValidity=2,
        RefreshTokenValidity=90,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "minutes"},
    )["UserPoolClient"]
    assert c["AccessTokenValidity"] == 30
    assert c["IdTokenValidity"] == 2
    assert c["RefreshTokenValidity"] == 90
    assert c["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "minutes"}
    assert validity_seconds(c, "AccessToken") == 1800
    assert validity_seconds(c, "IdToken") == 7200
    assert validity_seconds(c, "RefreshToken") == 5400

    # Without units, an API request means hours (access/ID) and days (refresh).
    c = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="nounits", AccessTokenValidity=2, IdTokenValidity=3, RefreshTokenValidity=7
    )["UserPoolClient"]
    assert validity_seconds(c, "AccessToken") == 2 * 3600
    assert validity_seconds(c, "IdToken") == 3 * 3600
    assert validity_seconds(c, "RefreshToken") == 7 * 86400

    # Zero refresh validity means the default of 30 days.
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="zero", RefreshTokenValidity=0)["UserPoolClient"]
    assert validity_seconds(c, "RefreshToken") == 30 * 86400

    # Boundaries that are allowed: 5 minutes and 1 day for access/ID, 60 minutes and 10 years for refresh.
    c = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="edges",
        AccessTokenValidity=5,
        IdTokenValidity=1,
        RefreshTokenValidity=3650,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "days", "RefreshToken": "days"},
    )["UserPoolClient"]
    assert validity_seconds(c, "AccessToken") == 300
    assert validity_seconds(c, "IdToken") == 86400
    assert validity_seconds(c, "RefreshToken") == 3650 * 86400
    c = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="edges2",
        RefreshTokenValidity=60,
        TokenValidityUnits={"RefreshToken": "minutes"},
    )["UserPoolClient"]
    assert validity_seconds(c, "RefreshToken") == 3600


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}}, id="access-4min"),
        pytest.param({"AccessTokenValidity": 25, "TokenValidityUnits": {"AccessToken": "hours"}}, id="access-25h"),
        pytest.param({"AccessTokenValidity": 25}, id="access-25-default-hours"),
        pytest.param({"IdTokenValidity": 299, "TokenValidityUnits": {"IdToken": "seconds"}}, id="id-299s"),
        pytest.param({"IdTokenValidity": 2, "TokenValidityUnits": {"IdToken": "days"}}, id="id-2d"),
        pytest.param({"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}}, id="refresh-59min"),
        pytest.param({"RefreshTokenValidity": 3651}, id="refresh-3651d"),
    ],
)
def test_token_validity_out_of_range(idp, pool_id, kwargs):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="range", **kwargs)


def test_token_validity_model_limits(idp, pool_id):
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="m", AccessTokenValidity=86401,
                                    TokenValidityUnits={"AccessToken": "seconds"})
    assert "accessTokenValidity" in error_message(e)
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="m", TokenValidityUnits={"AccessToken": "weeks"})
    assert "enum value set" in error_message(e)


def test_read_write_attributes(idp, pool_id):
    c = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="attrs",
        ReadAttributes=["email", "email_verified", "name", "custom:tier", "custom:locked"],
        WriteAttributes=["email", "name", "custom:tier"],
    )["UserPoolClient"]
    assert sorted(c["ReadAttributes"]) == sorted(["email", "email_verified", "name", "custom:tier", "custom:locked"])
    assert sorted(c["WriteAttributes"]) == sorted(["email", "name", "custom:tier"])
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert sorted(d["ReadAttributes"]) == sorted(c["ReadAttributes"])
    assert sorted(d["WriteAttributes"]) == sorted(c["WriteAttributes"])

    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="r", ReadAttributes=["custom:nope"])
    assert "attribute" in error_message(e).lower()
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="w", WriteAttributes=["favourite_colour"])
    assert "attribute" in error_message(e).lower()
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.update_user_pool_client(
            UserPoolId=pool_id, ClientId=c["ClientId"], ClientName="attrs", ReadAttributes=["custom:nope"]
        )
    # The failed update changed nothing.
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    assert "custom:nope" not in d["ReadAttributes"]


OAUTH = dict(
    SupportedIdentityProviders=["COGNITO"],
    CallbackURLs=["https://app.example.com/callback", "http://localhost:3000/callback"],
    LogoutURLs=["https://app.example.com/logout"],
    DefaultRedirectURI="https://app.example.com/callback",
    AllowedOAuthFlows=["code"],
    AllowedOAuthScopes=["openid", "email", "profile", "aws.cognito.signin.user.admin"],
    AllowedOAuthFlowsUserPoolClient=True,
)


def test_oauth_fields_round_trip(idp, pool_id):
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="oauth", **OAUTH)["UserPoolClient"]
    d = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
    for got in (c, d):
        assert got["SupportedIdentityProviders"] == ["COGNITO"]
        assert sorted(got["CallbackURLs"]) == sorted(OAUTH["CallbackURLs"])
        assert got["LogoutURLs"] == OAUTH["LogoutURLs"]
        assert got["DefaultRedirectURI"] == OAUTH["DefaultRedirectURI"]
        assert got["AllowedOAuthFlows"] == ["code"]
        assert sorted(got["AllowedOAuthScopes"]) == sorted(OAUTH["AllowedOAuthScopes"])
        assert got["AllowedOAuthFlowsUserPoolClient"] is True

    # Switch to implicit with other URLs.
    u = idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=c["ClientId"],
        ClientName="oauth",
        SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://other.example.com/cb"],
        AllowedOAuthFlows=["implicit"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]
    assert u["CallbackURLs"] == ["https://other.example.com/cb"]
    assert u["AllowedOAuthFlows"] == ["implicit"]
    assert u["AllowedOAuthScopes"] == ["openid"]
    assert "DefaultRedirectURI" not in u
    assert u.get("LogoutURLs", []) == []


def test_oauth_client_credentials(idp, pool_id):
    c = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="m2m",
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["aws.cognito.signin.user.admin"],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]
    assert c["AllowedOAuthFlows"] == ["client_credentials"]
    assert SECRET_RE.match(c["ClientSecret"])


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(dict(OAUTH, DefaultRedirectURI="https://elsewhere.example.com/cb"), id="default-not-in-callbacks"),
        pytest.param(dict(OAUTH, CallbackURLs=["http://app.example.com/cb"], DefaultRedirectURI=None), id="http-callback"),
        pytest.param(dict(OAUTH, CallbackURLs=["https://app.example.com/cb#frag"], DefaultRedirectURI=None), id="fragment"),
        pytest.param(dict(OAUTH, AllowedOAuthFlows=["password"]), id="unknown-flow"),
    ],
)
def test_oauth_invalid(idp, pool_id, kwargs):
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bad-oauth", **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        # Cognito's own wording for this case (quoted in public Terraform configurations).
        pytest.param(dict(OAUTH, AllowedOAuthFlows=["client_credentials"], CallbackURLs=None,
                          DefaultRedirectURI=None, AllowedOAuthScopes=["aws.cognito.signin.user.admin"]),
                     "client_credentials flow can not be selected if client does not have a client secret.",
                     id="client-credentials-without-secret"),
        pytest.param(dict(OAUTH, AllowedOAuthFlows=["code", "client_credentials"], GenerateSecret=True),
                     None, id="client-credentials-not-alone"),
        pytest.param(dict(OAUTH, AllowedOAuthFlows=["implicit", "client_credentials"], GenerateSecret=True),
                     None, id="client-credentials-with-implicit"),
    ],
)
def test_oauth_invalid_flow(idp, pool_id, kwargs, message):
    """client_credentials needs a secret and can not be mixed with code/implicit:
    Cognito answers InvalidOAuthFlowException (not InvalidParameterException) for both."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    with pytest.raises(idp.exceptions.InvalidOAuthFlowException) as e:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bad-oauth", **kwargs)
    if message is not None:
        assert e.value.response["Error"]["Message"] == message
    assert not [c for c in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
                if c["ClientName"] == "bad-oauth"]


def test_list_user_pool_clients_pagination(idp):
    pool = idp.create_user_pool(PoolName=unique("paged-clients"))["UserPool"]["Id"]
    created = {}
    for i in range(5):
        c = idp.create_user_pool_client(UserPoolId=pool, ClientName=f"c{i}", GenerateSecret=(i % 2 == 0))
        created[c["UserPoolClient"]["ClientId"]] = f"c{i}"

    seen = []
    token = None
    pages = 0
    while True:
        kwargs = {"UserPoolId": pool, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_user_pool_clients(**kwargs)
        pages += 1
        assert len(resp["UserPoolClients"]) <= 2
        for item in resp["UserPoolClients"]:
            assert item == {"ClientId": item["ClientId"], "UserPoolId": pool, "ClientName": created[item["ClientId"]]}
        seen += [x["ClientId"] for x in resp["UserPoolClients"]]
        token = resp.get("NextToken")
        if not token:
            break
        assert pages < 10
    assert pages == 3
    assert sorted(seen) == sorted(created)

    paged = [
        x["ClientId"]
        for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool, MaxResults=2)
        for x in page["UserPoolClients"]
    ]
    assert sorted(paged) == sorted(created)
    everything = idp.list_user_pool_clients(UserPoolId=pool)
    assert sorted(x["ClientId"] for x in everything["UserPoolClients"]) == sorted(created)
    assert "NextToken" not in everything
