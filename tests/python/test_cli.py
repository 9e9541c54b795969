"""The AWS CLI (v1) against the Cognito-compatible server.

The CLI is slow to start (~1 s a command), so these tests use one SQLite server (the storage
backends are covered by the boto3 tests) and run most commands through the CLI's driver in
process; the walkthrough runs the real `aws` executable from a shell.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
from types import SimpleNamespace

import pytest

from conftest import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, COGNATE_BIN, REPO_ROOT, CognateServer


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


def test_cli_sign_in(aws):
    """initiate-auth / respond-to-auth-challenge / get-user / global-sign-out from the CLI."""
    pool_id = aws("create-user-pool", "--pool-name", "cli-signin")["UserPool"]["Id"]
    client_id = aws(
        "create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli",
        "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    )["UserPoolClient"]["ClientId"]
    aws("admin-create-user", "--user-pool-id", pool_id, "--username", "cli-user",
        "--temporary-password", "TempPassw0rd!", "--message-action", "SUPPRESS")

    r = aws("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", client_id,
            "--auth-parameters", "USERNAME=cli-user,PASSWORD=TempPassw0rd!")
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    r = aws("respond-to-auth-challenge", "--client-id", client_id, "--challenge-name", "NEW_PASSWORD_REQUIRED",
            "--session", r["Session"], "--challenge-responses", "USERNAME=cli-user,NEW_PASSWORD=Passw0rd!")
    assert r["AuthenticationResult"]["TokenType"] == "Bearer"

    r = aws("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", client_id,
            "--auth-parameters", "USERNAME=cli-user,PASSWORD=Passw0rd!")
    result = r["AuthenticationResult"]
    assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "RefreshToken", "IdToken"}
    me = aws("get-user", "--access-token", result["AccessToken"])
    assert me["Username"] == "cli-user"
    r = aws("initiate-auth", "--auth-flow", "REFRESH_TOKEN_AUTH", "--client-id", client_id,
            "--auth-parameters", f"REFRESH_TOKEN={result['RefreshToken']}")
    assert "RefreshToken" not in r["AuthenticationResult"]

    assert aws("global-sign-out", "--access-token", result["AccessToken"]) is None
    p = aws("get-user", "--access-token", result["AccessToken"], expect_ok=False)
    assert p.returncode != 0
    assert "NotAuthorizedException" in p.stderr and "Access Token has been revoked" in p.stderr

    p = aws("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", client_id,
            "--auth-parameters", "USERNAME=cli-user,PASSWORD=Wr0ngPassw0rd!", expect_ok=False)
    assert p.returncode != 0
    assert "NotAuthorizedException" in p.stderr and "Incorrect username or password." in p.stderr


README = REPO_ROOT / "README.md"
README_URL = "http://127.0.0.1:9229"


def readme_blocks(lang: str) -> list[str]:
    """The ```lang blocks of the README's walkthrough section (up to the next `## ` heading), in order."""
    text = README.read_text()
    section = text[text.index("## The first five minutes"):]
    end = section.find("\n## ", 1)
    if end > 0:
        section = section[:end]
    blocks = re.findall(rf"```{lang}\n(.*?)```", section, re.S)
    assert blocks, f"no {lang} block in the README walkthrough"
    assert README_URL in blocks[0]
    return blocks


# The walkthrough shows a literal code (`--confirmation-code 123456`); the test types the real
# one, read from the outbox with `cognate messages` like the reader does.
CODE_LITERAL_RE = re.compile(r"(--confirmation-code|--code)\s+\d{6}\b")
SHELL_PRELUDE = r"""
__newest_code() {
  cognate messages --limit 1 --json | python3 -c '
import json, re, sys
print(re.findall(r"(?<!\d)\d{6}(?!\d)", json.loads(sys.stdin.readline())["body"])[0])'
}
"""


def json_documents(text: str) -> list:
    """The JSON documents in `text`, skipping lines that are not JSON (text output of
    `--output text`, `cognate messages`, ...)."""
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] in "{[":
            try:
                doc, i = decoder.raw_decode(text, i)
                docs.append(doc)
                continue
            except json.JSONDecodeError:
                pass
        nl = text.find("\n", i)
        i = len(text) if nl < 0 else nl + 1
    return docs


def first_with(docs: list, key: str):
    found = [d for d in docs if isinstance(d, dict) and key in d]
    assert found, f"no JSON document with {key!r} in the walkthrough output"
    return found[0]


@pytest.fixture(scope="module")
def open_cli_server(tmp_path_factory):
    # The README walkthrough assumes a server without admin keys, started with the default
    # data dir (./cognate-data), so `cognate messages` run from its parent finds the outbox.
    srv = CognateServer("sqlite", tmp_path_factory.mktemp("cognate-readme") / "cognate-data", admin_keys=False)
    try:
        yield srv
        srv.stop()
    finally:
        srv.cleanup()


@pytest.fixture(scope="module")
def readme_shell_run(open_cli_server, tmp_path_factory):
    """Runs the README's shell blocks as one bash session, as a user would type them (only the
    port differs, and the confirmation code is read from the outbox). Returns the JSON documents
    printed and the final values of $POOL and $CLIENT."""
    from shutil import which

    assert which("aws"), "the AWS CLI (`aws`, v1) must be installed: pip install awscli"
    script = "\n".join(readme_blocks("sh")).replace(README_URL, open_cli_server.url)
    script = CODE_LITERAL_RE.sub(lambda m: f'{m.group(1)} "$(__newest_code)"', script)
    script += '\necho "__README_VARS__ ${POOL:-} ${CLIENT:-}"\n'
    env = cli_env(tmp_path_factory.mktemp("readme-cli"))
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]  # the walkthrough exports its own
    env = {k: v for k, v in env.items() if not k.startswith("COGNATE_")}
    env["PATH"] = f"{COGNATE_BIN.parent}{os.pathsep}{env.get('PATH', '')}"  # `cognate messages`
    p = subprocess.run(["bash", "-c", "set -euo pipefail\n" + SHELL_PRELUDE + script], capture_output=True,
                       text=True, env=env, timeout=120, cwd=open_cli_server.data_dir.parent)
    assert p.returncode == 0, f"README walkthrough failed:\n{p.stderr}"
    out, _, last = p.stdout.rpartition("__README_VARS__")
    pool, _, client = last.strip().partition(" ")
    return SimpleNamespace(docs=json_documents(out), pool=pool, client=client)


def test_readme_walkthrough_shell(readme_shell_run):
    docs = readme_shell_run.docs
    client, pools, pool = first_with(docs, "UserPoolClient"), first_with(docs, "UserPools"), first_with(docs, "UserPool")
    jwks, discovery = first_with(docs, "keys"), first_with(docs, "jwks_uri")

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

    # Later parts of the walkthrough (sign-up, confirmation, sign-in), when the README has them.
    for doc in docs:
        if isinstance(doc, dict) and "UserSub" in doc:
            assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", doc["UserSub"])
        if isinstance(doc, dict) and "AuthenticationResult" in doc:
            result = doc["AuthenticationResult"]
            assert result["TokenType"] == "Bearer"
            for token in (result["AccessToken"], result["IdToken"]):
                header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
                assert header["alg"] == "RS256"
                claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
                assert claims["iss"].endswith(f"/{readme_shell_run.pool}")


def test_readme_walkthrough_boto3(open_cli_server, readme_shell_run, tmp_path):
    """The README's Python blocks as one script. Blocks after the first continue the shell
    walkthrough, so they get its $POOL and $CLIENT as POOL and CLIENT."""
    first, *rest = [b.replace(README_URL, open_cli_server.url) for b in readme_blocks("python")]
    script = first
    if rest:
        script += f"\nPOOL, CLIENT = {readme_shell_run.pool!r}, {readme_shell_run.client!r}\n" + "\n".join(rest)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    p = subprocess.run(["python3", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    # The first line: pool id, client id, client secret (later lines may show more).
    pool_id, client_id, secret = p.stdout.splitlines()[0].split()[:3]
    assert re.match(r"^us-east-1_[0-9A-Za-z]{9}$", pool_id)
    assert re.match(r"^[a-z0-9]{26}$", client_id)
    assert len(secret) >= 40
