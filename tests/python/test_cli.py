"""The AWS CLI (v1) against the Cognito-compatible server.

The CLI is slow to start (~1 s a command), so these tests use one SQLite server (the storage
backends are covered by the boto3 tests) and run most commands through the CLI's driver in
process; the walkthrough runs the real `aws` executable from a shell.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess

import pytest

from conftest import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, REPO_ROOT, CognateServer


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory):
    srv = CognateServer("sqlite", tmp_path_factory.mktemp("cognate-cli") / "data")
    try:
        yield srv
        srv.stop()
    finally:
        srv.cleanup()


def cli_env(tmp_dir) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ADMIN_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=ADMIN_SECRET_ACCESS_KEY,
        AWS_DEFAULT_REGION="us-east-1",
        # Nothing from the developer's own AWS setup leaks in.
        AWS_CONFIG_FILE=str(tmp_dir / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_dir / "no-aws-credentials"),
        AWS_PAGER="",
        AWS_MAX_ATTEMPTS="1",
    )
    return env


class CliResult:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def aws(cli_server, tmp_path, monkeypatch):
    """Runs `aws cognito-idp ARGS --endpoint-url URL --output json` through the CLI's own driver,
    in this process (a fresh `aws` process costs about a second; the walkthrough test below
    still runs the real executable)."""
    from awscli.clidriver import create_clidriver

    env = cli_env(tmp_path)
    for k in [k for k in os.environ if k.startswith("AWS_") and k != "AWS_DATA_PATH"]:
        monkeypatch.delenv(k)  # (awscli sets AWS_DATA_PATH for itself on import)
    for k, v in env.items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)

    drivers = []

    def run(*args: str, expect_ok: bool = True):
        argv = ["cognito-idp", *args, "--endpoint-url", cli_server.url, "--output", "json"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if not drivers:  # one driver (and botocore session) per test, like one shell session
                drivers.append(create_clidriver())
            rc = drivers[0].main(argv)
        p = CliResult(rc, out.getvalue(), err.getvalue())
        if not expect_ok:
            return p
        assert p.returncode == 0, f"aws {shlex.join(argv)} failed ({p.returncode}):\n{p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else None

    run.env = env
    return run


def test_pool_and_client_lifecycle(aws, cli_server):
    pool = aws(
        "create-user-pool",
        "--pool-name", "cli-pool",
        "--username-attributes", "email",
        "--auto-verified-attributes", "email",
        "--policies", json.dumps({"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": False}}),
        "--schema", "Name=department,AttributeDataType=String,Mutable=true",
        "--user-pool-tags", "team=identity",
    )["UserPool"]
    pool_id = pool["Id"]
    assert re.match(r"^us-east-1_[0-9A-Za-z]{9}$", pool_id)
    assert pool["Name"] == "cli-pool"
    assert pool["UsernameAttributes"] == ["email"]
    # CLI v1 prints awsJson timestamps as it received them: epoch seconds.
    assert isinstance(pool["CreationDate"], (int, float))
    assert pool["CreationDate"] > 1_700_000_000

    listed = aws("list-user-pools", "--max-results", "10")["UserPools"]
    assert [(p["Id"], p["Name"]) for p in listed if p["Id"] == pool_id] == [(pool_id, "cli-pool")]

    described = aws("describe-user-pool", "--user-pool-id", pool_id)["UserPool"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert described["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert described["AutoVerifiedAttributes"] == ["email"]
    assert described["UserPoolTags"] == {"team": "identity"}
    assert "custom:department" in [a["Name"] for a in described["SchemaAttributes"]]

    assert aws(
        "update-user-pool", "--user-pool-id", pool_id,
        "--policies", json.dumps({"PasswordPolicy": {"MinimumLength": 14}}),
        "--deletion-protection", "ACTIVE",
    ) is None  # empty output object: the CLI prints nothing
    described = aws("describe-user-pool", "--user-pool-id", pool_id)["UserPool"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert described["DeletionProtection"] == "ACTIVE"
    assert described.get("AutoVerifiedAttributes", []) == []  # reset: omitted in the update

    client = aws(
        "create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli-client",
        "--generate-secret", "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    )["UserPoolClient"]
    client_id = client["ClientId"]
    assert re.match(r"^[a-z0-9]{26}$", client_id)
    assert client["ClientSecret"]
    got = aws("describe-user-pool-client", "--user-pool-id", pool_id, "--client-id", client_id)["UserPoolClient"]
    assert got["ClientSecret"] == client["ClientSecret"]
    assert sorted(got["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]

    updated = aws(
        "update-user-pool-client", "--user-pool-id", pool_id, "--client-id", client_id,
        "--client-name", "cli-client-2", "--access-token-validity", "30",
        "--token-validity-units", "AccessToken=minutes",
        "--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    )["UserPoolClient"]
    assert updated["ClientName"] == "cli-client-2"
    assert updated["AccessTokenValidity"] == 30
    assert updated["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert updated["ClientSecret"] == client["ClientSecret"]

    clients = aws("list-user-pool-clients", "--user-pool-id", pool_id)["UserPoolClients"]
    assert clients == [{"ClientId": client_id, "UserPoolId": pool_id, "ClientName": "cli-client-2"}]

    assert aws("delete-user-pool-client", "--user-pool-id", pool_id, "--client-id", client_id) is None
    assert aws("list-user-pool-clients", "--user-pool-id", pool_id)["UserPoolClients"] == []

    # Deletion protection blocks the delete, with the error named on stderr.
    p = aws("delete-user-pool", "--user-pool-id", pool_id, expect_ok=False)
    assert p.returncode != 0
    assert "InvalidParameterException" in p.stderr

    aws("update-user-pool", "--user-pool-id", pool_id, "--deletion-protection", "INACTIVE")
    assert aws("delete-user-pool", "--user-pool-id", pool_id) is None
    p = aws("describe-user-pool", "--user-pool-id", pool_id, expect_ok=False)
    assert p.returncode != 0
    assert "ResourceNotFoundException" in p.stderr
    assert pool_id in p.stderr


def test_cli_wrong_credentials(aws, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    p = aws("list-user-pools", "--max-results", "1", expect_ok=False)
    assert p.returncode != 0
    assert "InvalidSignatureException" in p.stderr


README = REPO_ROOT / "README.md"
README_URL = "http://127.0.0.1:9229"


def readme_block(lang: str) -> str:
    """The first ```lang block of the README's walkthrough section."""
    text = README.read_text()
    section = text[text.index("## The first five minutes"):]
    m = re.search(rf"```{lang}\n(.*?)```", section, re.S)
    assert m, f"no {lang} block in the README walkthrough"
    assert README_URL in m.group(1)
    return m.group(1)


def json_documents(text: str) -> list:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


@pytest.fixture(scope="module")
def open_cli_server(tmp_path_factory):
    # The README walkthrough assumes a server without admin keys.
    srv = CognateServer("sqlite", tmp_path_factory.mktemp("cognate-readme") / "data", admin_keys=False)
    try:
        yield srv
        srv.stop()
    finally:
        srv.cleanup()


def test_readme_walkthrough_shell(open_cli_server, aws_cli, tmp_path):
    """The README's shell walkthrough, run by bash as a user would type it (only the port differs)."""
    script = readme_block("sh").replace(README_URL, open_cli_server.url)
    env = cli_env(tmp_path)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]  # the walkthrough exports its own
    p = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 0, f"README walkthrough failed:\n{p.stderr}"
    client, pools, pool, jwks, discovery = json_documents(p.stdout)

    pool_id = pool["UserPool"]["Id"]
    assert re.match(r"^us-east-1_[0-9A-Za-z]{9}$", pool_id)
    assert pool["UserPool"]["Name"] == "demo"
    assert pool["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert client["UserPoolClient"]["UserPoolId"] == pool_id
    assert client["UserPoolClient"]["ClientName"] == "web"
    assert "ClientSecret" not in client["UserPoolClient"]
    assert sorted(client["UserPoolClient"]["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
    ]
    assert pool_id in [x["Id"] for x in pools["UserPools"]]
    assert len(jwks["keys"]) == 2
    # (The exact issuer for a server on port 0 is checked in test_pools_boto3.)
    assert discovery["issuer"].startswith("http://127.0.0.1:")
    assert discovery["issuer"].endswith(f"/{pool_id}")


def test_readme_walkthrough_boto3(open_cli_server, tmp_path):
    script = readme_block("python").replace(README_URL, open_cli_server.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    p = subprocess.run(["python3", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    pool_id, client_id, secret = p.stdout.split()
    assert re.match(r"^us-east-1_[0-9A-Za-z]{9}$", pool_id)
    assert re.match(r"^[a-z0-9]{26}$", client_id)
    assert len(secret) >= 40
