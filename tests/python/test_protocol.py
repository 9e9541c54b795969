"""awsJson 1.1 wire behaviour and SigV4 checks of the Cognito-compatible server, with raw HTTP."""

from __future__ import annotations

import datetime
import json
import re

import botocore
import botocore.auth
import botocore.config
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, unique

PREFIX = "AWSCognitoIdentityProviderService."
JSON_CT = "application/x-amz-json-1.1"
SIGV4_ERRORS = {
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# For the unimplemented-operation tests (CreateUserImportJob needs a role ARN).
IMPORT_ROLE_ARN = "arn:aws:iam::000000000000:role/CognitoImportLogs"


def post(url: str, target: str, body, headers: dict | None = None, path: str = "/") -> requests.Response:
    h = {"X-Amz-Target": PREFIX + target, "Content-Type": JSON_CT}
    h.update(headers or {})
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(url + path, data=data, headers=h, timeout=30)


def signed_post(
    url: str,
    target: str,
    body,
    *,
    access_key: str = ADMIN_ACCESS_KEY_ID,
    secret_key: str = ADMIN_SECRET_ACCESS_KEY,
    region: str = "us-east-1",
    service: str = "cognito-idp",
    tamper=None,
) -> requests.Response:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    req = AWSRequest(
        method="POST",
        url=url + "/",
        data=data,
        headers={"X-Amz-Target": PREFIX + target, "Content-Type": JSON_CT},
    )
    SigV4Auth(Credentials(access_key, secret_key), service, region).add_auth(req)
    prepared = req.prepare()
    headers = dict(prepared.headers)
    body_bytes = prepared.body
    if tamper:
        headers, body_bytes = tamper(headers, body_bytes)
    return requests.post(prepared.url, data=body_bytes, headers=headers, timeout=30)


def assert_error(r: requests.Response, code: str, status: int = 400) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith(JSON_CT), r.headers
    assert UUID_RE.match(r.headers["x-amzn-RequestId"]), r.headers
    assert r.headers["x-amzn-ErrorType"].split(":")[0] == code, r.headers
    body = r.json()
    assert body["__type"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    return body


def assert_no_nulls(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            assert v is not None, f"{path}.{k} is null"
            assert_no_nulls(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_no_nulls(v, f"{path}[{i}]")


# -- wire format, on a server without admin keys (any signature accepted on loopback) -------


def test_success_response_shape(open_server):
    r = post(open_server.url, "CreateUserPool", {"PoolName": unique("wire")})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(JSON_CT)
    assert UUID_RE.match(r.headers["x-amzn-RequestId"])
    pool = r.json()["UserPool"]
    assert_no_nulls(r.json())
    # awsJson timestamps are epoch seconds as JSON numbers.
    assert isinstance(pool["CreationDate"], (int, float))
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    assert abs(pool["CreationDate"] - now) < 300

    d = post(open_server.url, "DescribeUserPool", {"UserPoolId": pool["Id"]})
    assert d.status_code == 200
    assert_no_nulls(d.json())
    assert d.headers["x-amzn-RequestId"] != r.headers["x-amzn-RequestId"]

    # Operations without output members still answer with a JSON object.
    x = post(open_server.url, "DeleteUserPool", {"UserPoolId": pool["Id"]})
    assert x.status_code == 200
    assert x.json() == {}


@pytest.mark.parametrize(
    "content_type", ["application/x-amz-json-1.1; charset=utf-8", "application/json", "application/x-amz-json-1.0"]
)
def test_content_type_tolerance(open_server, content_type):
    r = post(open_server.url, "ListUserPools", {"MaxResults": 1}, headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text
    assert "UserPools" in r.json()


def test_query_string_ignored(open_server):
    r = post(open_server.url, "ListUserPools", {"MaxResults": 1}, path="/?x=1")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("body", ["{bad json", "[1, 2]", '"string"', b"\xff\xfe{}", '{"UserPoolId": "a"} trailing'])
def test_bad_json_is_serialization_exception(open_server, body):
    r = post(open_server.url, "DescribeUserPool", body)
    assert_error(r, "SerializationException")


def test_unknown_operation(open_server):
    r = post(open_server.url, "FlyToTheMoon", {})
    body = assert_error(r, "UnknownOperationException")
    assert "FlyToTheMoon" in body["message"]


@pytest.mark.parametrize(
    "target, body",
    [
        ("DescribeUserPool", {"UserPoolId": 5}),
        ("ListUserPools", {"MaxResults": "2"}),
        ("CreateUserPool", {"PoolName": "x", "AutoVerifiedAttributes": "email"}),
        ("CreateUserPool", {"PoolName": "x", "Policies": {"PasswordPolicy": {"RequireNumbers": "yes"}}}),
        ("CreateUserPool", {"PoolName": ["x"]}),
    ],
)
def test_wrong_member_type(open_server, target, body):
    assert_error(post(open_server.url, target, body), "SerializationException")


@pytest.mark.parametrize(
    "target, body, member",
    [
        ("DescribeUserPool", {}, "userPoolId"),
        ("CreateUserPool", {}, "poolName"),
        ("ListUserPools", {}, "maxResults"),
        ("CreateUserPoolClient", {"UserPoolId": "us-east-1_abc"}, "clientName"),
    ],
)
def test_missing_required_member(open_server, target, body, member):
    msg = assert_error(post(open_server.url, target, body), "InvalidParameterException")["message"]
    assert msg == (
        f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_pattern_violation_message(open_server):
    msg = assert_error(
        post(open_server.url, "DescribeUserPool", {"UserPoolId": "bad id"}), "InvalidParameterException"
    )["message"]
    assert msg == (
        "1 validation error detected: Value 'bad id' at 'userPoolId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    )


def test_range_violation_message(open_server):
    msg = assert_error(post(open_server.url, "ListUserPools", {"MaxResults": 0}), "InvalidParameterException")[
        "message"
    ]
    assert msg == (
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_oversize_body(open_server):
    body = json.dumps({"PoolName": "x" * (1024 * 1024 + 16)})
    r = post(open_server.url, "CreateUserPool", body)
    assert r.status_code == 413, r.status_code
    assert r.json()["__type"] == "RequestEntityTooLargeException"
    assert r.headers["x-amzn-ErrorType"].split(":")[0] == "RequestEntityTooLargeException"


def test_unimplemented_operation_raw(open_server):
    pool = post(open_server.url, "CreateUserPool", {"PoolName": unique("unimpl")}).json()["UserPool"]["Id"]
    # A real Cognito operation, sent with valid parameters, that the server does not implement.
    r = post(open_server.url, "CreateUserImportJob", {
        "UserPoolId": pool, "JobName": "import", "CloudWatchLogsRoleArn": IMPORT_ROLE_ARN,
    })
    body = assert_error(r, "UnsupportedOperationException")
    assert "CreateUserImportJob" in body["message"]


def test_cors_preflight(open_server):
    r = requests.options(
        open_server.url + "/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
        },
        timeout=10,
    )
    assert 200 <= r.status_code < 300, r.status_code
    assert r.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:3000")
    methods = {m.strip().upper() for m in r.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"POST", "OPTIONS"} <= methods
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"*"} or {
        "content-type", "x-amz-target", "x-amz-user-agent", "x-amz-date", "x-amz-security-token",
        "authorization", "amz-sdk-invocation-id", "amz-sdk-request", "cache-control",
    } <= allowed


def test_cors_on_responses(open_server):
    ok = post(open_server.url, "ListUserPools", {"MaxResults": 1}, headers={"Origin": "http://localhost:3000"})
    err = post(open_server.url, "DescribeUserPool", {"UserPoolId": "us-east-1_missing"},
               headers={"Origin": "http://localhost:3000"})
    assert ok.status_code == 200
    assert_error(err, "ResourceNotFoundException")
    for r in (ok, err):
        assert r.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:3000")
        exposed = {h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage", "date"} <= exposed


def test_server_still_answers_after_bad_requests(open_server):
    # Runs after the malformed-request tests above (same module server).
    r = post(open_server.url, "ListUserPools", {"MaxResults": 60})
    assert r.status_code == 200
    assert isinstance(r.json()["UserPools"], list)
    assert requests.get(open_server.url + "/health", timeout=10).json()["status"] == "ok"


# -- SigV4, on a server with admin keys ------------------------------------------------------


def test_right_key_passes(server):
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=unique("sig"))["UserPool"]["Id"]
    assert pool_id in [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]]
    # Any region in the credential scope is fine.
    assert server.client(region="ap-southeast-2").describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id
    r = signed_post(server.url, "DescribeUserPool", {"UserPoolId": pool_id})
    assert r.status_code == 200, r.text


def sigv4_error(excinfo) -> tuple[str, str, int]:
    resp = excinfo.value.response
    return resp["Error"]["Code"], resp["Error"]["Message"], resp["ResponseMetadata"]["HTTPStatusCode"]


def test_wrong_secret(server):
    idp = server.client(secret_key="not-the-secret")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        idp.list_user_pools(MaxResults=1)
    code, _, status = sigv4_error(e)
    assert code == "InvalidSignatureException"
    assert status == 403


def test_unknown_access_key(server):
    idp = server.client(access_key="AKIDUNKNOWN", secret_key="whatever")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        idp.list_user_pools(MaxResults=1)
    code, _, status = sigv4_error(e)
    assert code == "UnrecognizedClientException"
    assert status == 403


def test_unsigned_admin_operation(server):
    idp = server.client(config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        idp.list_user_pools(MaxResults=1)
    code, _, status = sigv4_error(e)
    assert code == "MissingAuthenticationTokenException"
    assert status == 403
    # Unsigned requests are refused before the body is even read.
    r = post(server.url, "CreateUserPool", {"PoolName": "sneaky"})
    assert_error(r, "MissingAuthenticationTokenException", status=403)
    assert "sneaky" not in [p["Name"] for p in server.client().list_user_pools(MaxResults=60)["UserPools"]]


def test_stale_signature(server, monkeypatch):
    stale = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: stale)
    r = signed_post(server.url, "ListUserPools", {"MaxResults": 1})
    body = assert_error(r, "InvalidSignatureException", status=403)
    assert "Signature expired" in body["message"]


def test_future_signature(server, monkeypatch):
    future = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: future)
    r = signed_post(server.url, "ListUserPools", {"MaxResults": 1})
    assert_error(r, "InvalidSignatureException", status=403)


def test_tampered_body(server):
    def tamper(headers, body):
        body = body.encode() if isinstance(body, str) else body
        assert b'"MaxResults": 1' in body
        return headers, body.replace(b'"MaxResults": 1', b'"MaxResults": 2')

    r = signed_post(server.url, "ListUserPools", {"MaxResults": 1}, tamper=tamper)
    assert_error(r, "InvalidSignatureException", status=403)


def test_wrong_service_in_scope(server):
    r = signed_post(server.url, "ListUserPools", {"MaxResults": 1}, service="cognito-identity")
    body = assert_error(r, "InvalidSignatureException", status=403)
    assert "cognito-idp" in body["message"]


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256 Credential=AKIDPYTEST/20260101/us-east-1/cognito-idp/aws4_request",
        "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=abcd",
        "AWS4-HMAC-SHA256",
    ],
)
def test_incomplete_signature(server, authorization):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    r = post(server.url, "ListUserPools", {"MaxResults": 1},
             headers={"Authorization": authorization, "X-Amz-Date": stamp})
    assert_error(r, "IncompleteSignatureException", status=403)


def test_unimplemented_operation_signed(server):
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName=unique("unimpl"))["UserPool"]["Id"]
    with pytest.raises(idp.exceptions.UnsupportedOperationException) as e:
        idp.create_user_import_job(UserPoolId=pool_id, JobName="import", CloudWatchLogsRoleArn=IMPORT_ROLE_ARN)
    assert "CreateUserImportJob" in e.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "op, kwargs",
    [
        ("sign_up", {"ClientId": "abcdefghijklmnopqrstuvwxyz", "Username": "alice", "Password": "Passw0rd!"}),
        ("initiate_auth", {"ClientId": "abcdefghijklmnopqrstuvwxyz", "AuthFlow": "USER_PASSWORD_AUTH",
                           "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        ("forgot_password", {"ClientId": "abcdefghijklmnopqrstuvwxyz", "Username": "alice"}),
    ],
)
def test_public_operations_need_no_signature(server, op, kwargs):
    # botocore sends these unsigned (authtype none), even with credentials configured.
    idp = server.client()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        getattr(idp, op)(**kwargs)
    assert e.value.response["Error"]["Code"] not in SIGV4_ERRORS
    # Same with no credentials at all.
    anon = server.client(config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        getattr(anon, op)(**kwargs)
    assert e.value.response["Error"]["Code"] not in SIGV4_ERRORS


def test_public_operation_raw(server):
    target = "InitiateAuth"
    body = {"ClientId": "abcdefghijklmnopqrstuvwxyz", "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}
    unsigned = post(server.url, target, body)
    assert unsigned.status_code in (200, 400), unsigned.text
    assert unsigned.json().get("__type") not in SIGV4_ERRORS
    # A (valid) signature on a public operation is not a reason to refuse it either.
    signed = signed_post(server.url, target, body)
    assert signed.json().get("__type") not in SIGV4_ERRORS


def test_signed_server_still_healthy(server):
    assert server.client().list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert requests.get(server.url + "/health", timeout=10).status_code == 200
