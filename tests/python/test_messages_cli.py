"""The outbox as operators see it: `cognate messages` and `GET /_cognate/messages`.

With no email/SMS transport configured, the Cognito-compatible server records each message
in its store; the CLI reads the same store (SQLite data dir, or PostgreSQL with --database).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import COGNATE_BIN, extract_code, outbox_messages, signed_get, unique

PASSWORD = "Passw0rd!"
MESSAGE_KEYS = {"id", "poolId", "username", "channel", "destination", "subject", "body", "reason", "created"}


def cognate_messages(server, *args: str) -> subprocess.CompletedProcess:
    """`cognate messages` against the server's store (not through its HTTP API)."""
    cmd = [str(COGNATE_BIN), "messages"]
    cmd += ["--database", server.database] if server.database else ["--data-dir", str(server.data_dir)]
    cmd += list(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_")}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30, cwd=server.data_dir.parent)
    assert p.returncode == 0, f"{cmd} failed ({p.returncode}):\n{p.stderr}"
    return p


def json_lines(p: subprocess.CompletedProcess) -> list[dict]:
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def pool(server):
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=unique("outbox"), AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def test_messages_json_shows_sign_up_code(server, pool):
    idp = server.client()
    pool_id, client_id = pool
    idp.sign_up(ClientId=client_id, Username="cli-user", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "cli-user@example.com"}])

    [m] = json_lines(cognate_messages(server, "--pool-id", pool_id, "--username", "cli-user", "--json"))
    assert set(m) == MESSAGE_KEYS
    assert m["poolId"] == pool_id
    assert m["username"] == "cli-user"
    assert m["channel"] == "EMAIL"
    assert m["destination"] == "cli-user@example.com"
    assert m["subject"] == "Your verification code"
    assert isinstance(m["reason"], str) and m["reason"]
    assert isinstance(m["created"], (int, float))
    code = extract_code(m["body"])
    # The HTTP endpoint shows the same message.
    [http_m] = outbox_messages(server, pool_id, "cli-user")
    assert http_m == m

    # And the code is the real one.
    idp.confirm_sign_up(ClientId=client_id, Username="cli-user", ConfirmationCode=code)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="cli-user")["UserStatus"] == "CONFIRMED"


def test_messages_filters_order_and_limit(server, pool):
    idp = server.client()
    pool_id, client_id = pool
    for name in ("ord-a", "ord-b"):
        idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    idp.resend_confirmation_code(ClientId=client_id, Username="ord-a")

    a = json_lines(cognate_messages(server, "--pool-id", pool_id, "--username", "ord-a", "--json"))
    assert len(a) == 2
    assert all(m["username"] == "ord-a" for m in a)
    assert a[0]["created"] >= a[1]["created"]
    assert [m["id"] for m in a] == [m["id"] for m in outbox_messages(server, pool_id, "ord-a")]
    # The newest code is the valid one.
    idp.confirm_sign_up(ClientId=client_id, Username="ord-a", ConfirmationCode=extract_code(a[0]["body"]))

    [latest] = json_lines(cognate_messages(server, "--pool-id", pool_id, "--username", "ord-a", "--limit", "1",
                                           "--json"))
    assert latest["id"] == a[0]["id"]
    [b] = json_lines(cognate_messages(server, "--pool-id", pool_id, "--username", "ord-b", "--json"))
    assert b["destination"] == "ord-b@example.com"
    every = json_lines(cognate_messages(server, "--pool-id", pool_id, "--limit", "1000", "--json"))
    assert {m["id"] for m in a} | {b["id"]} <= {m["id"] for m in every}
    assert all(m["poolId"] == pool_id for m in every)
    assert json_lines(cognate_messages(server, "--pool-id", "us-east-1_NoSuchPool", "--json")) == []
    assert json_lines(cognate_messages(server, "--pool-id", pool_id, "--username", "nobody", "--json")) == []


def test_messages_text_output(server, pool):
    idp = server.client()
    pool_id, client_id = pool
    idp.sign_up(ClientId=client_id, Username="txt-user", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "txt-user@example.com"}])
    out = cognate_messages(server, "--pool-id", pool_id, "--username", "txt-user").stdout
    [m] = outbox_messages(server, pool_id, "txt-user")
    assert "EMAIL" in out
    assert "txt-user@example.com" in out
    assert "Subject: Your verification code" in out
    assert m["body"].strip() in out
    assert f"is {extract_code(m['body'])}." in out


def test_messages_endpoint_needs_admin_signature(server, pool):
    pool_id, _ = pool
    r = signed_get(server, f"/_cognate/messages?pool_id={pool_id}", sign=False)
    assert r.status_code in (400, 403), r.status_code
    assert "messages" not in r.json()
    assert r.json()["__type"] == "MissingAuthenticationTokenException"
    ok = signed_get(server, f"/_cognate/messages?pool_id={pool_id}&limit=1")
    assert ok.status_code == 200
    assert len(ok.json()["messages"]) == 1


def test_messages_endpoint_open_without_admin_keys(open_server):
    idp = open_server.client()
    pool_id = idp.create_user_pool(PoolName=unique("open"), AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    idp.sign_up(ClientId=client_id, Username="open-user", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "open-user@example.com"}])
    r = signed_get(open_server, f"/_cognate/messages?pool_id={pool_id}&username=open-user", sign=False)
    assert r.status_code == 200
    [m] = r.json()["messages"]
    assert (m["username"], m["destination"]) == ("open-user", "open-user@example.com")
    extract_code(m["body"])
