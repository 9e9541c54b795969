"""Pools and clients declared in the configuration file are created at start and kept up to date."""

from __future__ import annotations

import os
import subprocess

import pytest
import requests

from conftest import COGNATE_BIN

POOL_ID = "us-east-1_Boot1"
EU_POOL_ID = "eu-west-1_Boot2"
CLIENT_ID = "bootclient000000000000001a"
SECRET = "bootsecret0000000000000000000000000000000000001"
NEW_SECRET = "bootsecret0000000000000000000000000000000000002"

CONFIG_V1 = f"""
[[pools]]
id = "{POOL_ID}"
PoolName = "boot"
UsernameAttributes = ["email"]
AutoVerifiedAttributes = ["email"]

[pools.Policies.PasswordPolicy]
MinimumLength = 10
RequireUppercase = true
RequireLowercase = true
RequireNumbers = true
RequireSymbols = false

[[pools.Schema]]
Name = "tenant"
AttributeDataType = "String"
Mutable = true

[[pools.clients]]
id = "{CLIENT_ID}"
secret = "{SECRET}"
ClientName = "web"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools]]
id = "{EU_POOL_ID}"
PoolName = "boot-eu"
"""

CONFIG_V2 = f"""
[[pools]]
id = "{POOL_ID}"
PoolName = "boot-renamed"
UsernameAttributes = ["email"]
AutoVerifiedAttributes = ["email"]

[pools.Policies.PasswordPolicy]
MinimumLength = 14
RequireUppercase = true
RequireLowercase = true
RequireNumbers = true
RequireSymbols = true

[[pools.Schema]]
Name = "tenant"
AttributeDataType = "String"
Mutable = true

[[pools.Schema]]
Name = "plan"
AttributeDataType = "String"
Mutable = true

[[pools.clients]]
id = "{CLIENT_ID}"
secret = "{NEW_SECRET}"
ClientName = "web-v2"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
AccessTokenValidity = 30
TokenValidityUnits = {{ AccessToken = "minutes" }}

[[pools.clients]]
id = "bootclient000000000000002b"
ClientName = "public"

[[pools]]
id = "{EU_POOL_ID}"
PoolName = "boot-eu"
"""


def test_declared_pool_and_client(server_factory):
    srv = server_factory(config_text=CONFIG_V1)
    idp = srv.client()

    pool = idp.describe_user_pool(UserPoolId=POOL_ID)["UserPool"]
    assert pool["Id"] == POOL_ID
    assert pool["Name"] == "boot"
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert pool["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{POOL_ID}"
    assert "custom:tenant" in [a["Name"] for a in pool["SchemaAttributes"]]

    eu = idp.describe_user_pool(UserPoolId=EU_POOL_ID)["UserPool"]
    assert eu["Name"] == "boot-eu"
    assert eu["Arn"] == f"arn:aws:cognito-idp:eu-west-1:000000000000:userpool/{EU_POOL_ID}"

    client = idp.describe_user_pool_client(UserPoolId=POOL_ID, ClientId=CLIENT_ID)["UserPoolClient"]
    assert client["ClientId"] == CLIENT_ID
    assert client["ClientSecret"] == SECRET
    assert client["ClientName"] == "web"
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert [c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=POOL_ID)["UserPoolClients"]] == [CLIENT_ID]
    assert sorted(p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]) == sorted([POOL_ID, EU_POOL_ID])

    jwks = requests.get(f"{srv.url}/{POOL_ID}/.well-known/jwks.json", timeout=10).json()
    assert len(jwks["keys"]) == 2

    # An API-made pool next to the declared ones.
    api_pool = idp.create_user_pool(PoolName="made-by-api")["UserPool"]["Id"]

    # Restarting with the same file changes nothing.
    srv.restart()
    idp = srv.client()
    assert idp.describe_user_pool(UserPoolId=POOL_ID)["UserPool"]["Name"] == "boot"
    again = idp.describe_user_pool_client(UserPoolId=POOL_ID, ClientId=CLIENT_ID)["UserPoolClient"]
    assert again["ClientSecret"] == SECRET
    assert again["CreationDate"] == client["CreationDate"]

    # Restart with changed declarations: settings follow the file.
    srv.write_config(CONFIG_V2)
    srv.restart()
    idp = srv.client()
    pool2 = idp.describe_user_pool(UserPoolId=POOL_ID)["UserPool"]
    assert pool2["Name"] == "boot-renamed"
    assert pool2["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert pool2["Policies"]["PasswordPolicy"]["RequireSymbols"] is True
    assert pool2["CreationDate"] == pool["CreationDate"]
    names = [a["Name"] for a in pool2["SchemaAttributes"]]
    assert names.count("custom:tenant") == 1
    assert "custom:plan" in names

    client2 = idp.describe_user_pool_client(UserPoolId=POOL_ID, ClientId=CLIENT_ID)["UserPoolClient"]
    assert client2["ClientName"] == "web-v2"
    assert client2["ClientSecret"] == NEW_SECRET
    assert sorted(client2["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert client2["AccessTokenValidity"] == 30
    assert client2["TokenValidityUnits"]["AccessToken"] == "minutes"

    public = idp.describe_user_pool_client(UserPoolId=POOL_ID, ClientId="bootclient000000000000002b")["UserPoolClient"]
    assert public["ClientName"] == "public"
    assert "ClientSecret" not in public

    # Keys are not regenerated, and API-made state is left alone.
    assert requests.get(f"{srv.url}/{POOL_ID}/.well-known/jwks.json", timeout=10).json() == jwks
    assert idp.describe_user_pool(UserPoolId=api_pool)["UserPool"]["Name"] == "made-by-api"


@pytest.mark.parametrize(
    "config, mentions",
    [
        pytest.param('[[pools]]\nid = "no-underscore"\nPoolName = "x"\n', "no-underscore", id="bad-pool-id"),
        pytest.param(
            '[[pools]]\nid = "us-east-1_Bad1"\nPoolName = "x"\nDeletionProtection = "SOMETIMES"\n',
            "deletionProtection",
            id="invalid-setting",
        ),
        pytest.param(
            '[[pools]]\nid = "us-east-1_Bad2"\nPoolName = "x"\n[[pools.clients]]\nid = "c1"\n'
            'ClientName = "web"\nExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]\n',
            "REFRESH_TOKEN_AUTH should always be allowed.",
            id="invalid-client",
        ),
    ],
)
def test_invalid_declarations_stop_the_start(tmp_path, config, mentions):
    cfg = tmp_path / "cognate.toml"
    cfg.write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_")}
    try:
        p = subprocess.run(
            [str(COGNATE_BIN), "serve", "--config", str(cfg), "--listen", "127.0.0.1:0",
             "--data-dir", str(tmp_path / "d")],
            capture_output=True, text=True, timeout=15, env=env,
        )
    except subprocess.TimeoutExpired as e:  # it started and kept serving
        pytest.fail(f"cognate accepted the invalid configuration; stdout {e.stdout!r}")
    assert p.returncode != 0
    assert "cognate listening on" not in p.stdout
    assert mentions in p.stderr
