"""Identity pools, roles and temporary credentials against the Cognito-compatible server, on
both backends.

- the cognito-identity API through boto3 (pools, roles and role mappings, tags, identities,
  developer identities, OpenID tokens), with Cognito's errors for bad input;
- the IAM role subset (boto3 `iam`) and the STS endpoint (boto3 `sts`: AssumeRoleWithWebIdentity
  for the basic flow, GetCallerIdentity signed with the issued credentials);
- the enhanced flow (GetId + GetCredentialsForIdentity) and the basic flow (GetOpenIdToken +
  AssumeRoleWithWebIdentity) for user-pool, OpenID Connect, Facebook, developer-authenticated
  and guest identities; a table of role-mapping cases (Token, Rules, ambiguity, CustomRoleArn);
- the identity issuer's tokens, verified through its JWKS with PyJWT;
- `POST /_cognate/authorize` with requests signed by botocore with the issued credentials;
- expired login tokens and credentials (minted while the server's clock ran two hours behind,
  through libfaketime);
- the upstream-STS mode against moto's server on 127.0.0.1.

Which role a set of credentials carries is read from STS GetCallerIdentity signed with them
(`arn:aws:sts::<account>:assumed-role/<RoleName>/<session>`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import botocore
import botocore.config
import jwt
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import (
    ADMIN_ACCESS_KEY_ID,
    ADMIN_SECRET_ACCESS_KEY,
    BOTO_CONFIG,
    REGION,
    _boto_session,
    _Factory,
    unique,
)

ACCOUNT = "000000000000"
PASSWORD = "Passw0rd!"
TEMP_PASSWORD = "TempPassw0rd!"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
SUB_VAR = "${cognito-identity.amazonaws.com:sub}"
# The session name Cognito gives enhanced-flow credentials (docs/identity-pools.md's example).
SESSION = "CognitoIdentityCredentials"
ID_RE = re.compile(r"^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
IDENTITY_TARGET = "AWSCognitoIdentityService."
JSON_CT = "application/x-amz-json-1.1"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

# Messages from ../shared/cognito-reference.md §1.6 / §1.7 (strings real AWS returns).
MSG_GUEST_DISABLED = "Unauthenticated access is not supported for this identity pool."
MSG_BAD_ROLES = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
MSG_ISSUER = "Invalid login token. Issuer doesn't match providerName"
MSG_AMBIGUOUS = "The ambiguous role mapping rules denied this request."
MSG_STS_DENIED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
EXPIRED_RE = re.compile(r"^Invalid login token\. Token expired: (\d+) >= (\d+)$")


def forbidden(identity_id: str) -> str:
    return f"Access to Identity '{identity_id}' is forbidden."


# Real AWS strings the reference does not list (seen verbatim in SDK issue threads).
def pool_not_found(pool_id: str) -> str:
    return f"IdentityPool '{pool_id}' not found."


def identity_not_found(identity_id: str) -> str:
    return f"Identity '{identity_id}' not found."


MSG_UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."

# The service list of Cognito's scope-down policy for guests includes S3, DynamoDB and four KMS
# actions; EC2, IAM and the rest of KMS are outside it.
GUEST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::files/public/*"},
        {"Effect": "Allow", "Action": ["ec2:DescribeInstances", "kms:*", "dynamodb:GetItem"], "Resource": "*"},
    ],
}

NOTES_TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/notes"
ORDERS_API = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api1/prod/POST/orders"
FILES_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"], "Resource": f"arn:aws:s3:::files/{SUB_VAR}/*"},
        # (Written with the variable: a `*` inside an ARN segment does not cross the colon in
        # the identity id, as in IAM.)
        {"Effect": "Deny", "Action": "s3:*", "Resource": f"arn:aws:s3:::files/{SUB_VAR}/secret/*"},
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::files",
            "Condition": {"StringLike": {"s3:prefix": [f"{SUB_VAR}/*"]}},
        },
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": NOTES_TABLE,
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        },
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ORDERS_API},
    ],
}


# -- helpers ---------------------------------------------------------------------


def aws(server, service: str, *, creds: dict | None = None, access_key: str = ADMIN_ACCESS_KEY_ID,
        secret_key: str = ADMIN_SECRET_ACCESS_KEY, config: botocore.config.Config | None = None,
        endpoint: str | None = None):
    """A boto3 client for `service` pointed at the server, signed with the admin keys or, with
    `creds`, with temporary credentials (GetCredentialsForIdentity's or STS's shape)."""
    token = None
    if creds is not None:
        access_key = creds["AccessKeyId"]
        secret_key = creds["SecretKey"] if "SecretKey" in creds else creds["SecretAccessKey"]
        token = creds["SessionToken"]
    cfg = BOTO_CONFIG if config is None else BOTO_CONFIG.merge(config)
    return _boto_session().client(
        service,
        endpoint_url=endpoint or server.url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
        config=cfg,
    )


def error_of(excinfo) -> tuple[str, str, int]:
    resp = excinfo.value.response
    return resp["Error"]["Code"], resp["Error"].get("Message", ""), resp["ResponseMetadata"]["HTTPStatusCode"]


def expect_error(code: str, fn, message: str | None = None, *, status: int | None = None, **kwargs) -> str:
    """Calls `fn(**kwargs)`, requires a ClientError named `code` (and `message`, `status` if given)."""
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    got, msg, got_status = error_of(e)
    assert got == code, f"expected {code}, got {got}: {msg}"
    if message is not None:
        assert msg == message, f"{code}: expected message {message!r}, got {msg!r}"
    if status is not None:
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"
    return msg


def policy_doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def cognito_trust(pool_id: str | None, amr: str = "authenticated", **more_conditions) -> dict:
    """A role trust policy for Cognito identities of `pool_id` whose amr matches `amr`."""
    condition: dict = {"ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": amr}}
    if pool_id is not None:
        condition["StringEquals"] = {f"{COGNITO_IDENTITY}:aud": pool_id}
    for op, kv in more_conditions.items():
        condition.setdefault(op, {}).update(kv)
    return policy_doc({
        "Effect": "Allow",
        "Principal": {"Federated": COGNITO_IDENTITY},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    })


def make_role(iam, trust: dict, policies: dict | None = None, name: str | None = None, **kwargs) -> dict:
    name = name or unique("role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **kwargs)["Role"]
    for policy_name, doc in (policies or {}).items():
        iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(doc))
    return role


def assumed_arn(role: dict | str, session: str = SESSION) -> str:
    name = role if isinstance(role, str) else role["RoleName"]
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}"


def issuer_host(server) -> str:
    """The user-pool issuer without its scheme (`<public_url>` is `http://<listen>` by default)."""
    return server.url.split("://", 1)[1]


def make_user_pool(server) -> SimpleNamespace:
    """A user pool with a custom attribute and three clients allowing USER_PASSWORD_AUTH."""
    idp = server.client()
    pool_id = idp.create_user_pool(
        PoolName=unique("ids"),
        Schema=[{"Name": "dept", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    clients = [
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName=unique("app"), ExplicitAuthFlows=FLOWS)[
            "UserPoolClient"]["ClientId"]
        for _ in range(3)
    ]
    return SimpleNamespace(
        id=pool_id,
        client_id=clients[0],
        second_client_id=clients[1],
        unlisted_client_id=clients[2],
        provider=f"{issuer_host(server)}/{pool_id}",
        aws_provider=f"cognito-idp.us-east-1.amazonaws.com/{pool_id}",
    )


def make_app(server, *, guests: bool = True, classic: bool = False, auth_policies: dict | None = None,
             unauth_policies: dict | None = None, server_side_check: bool = False, set_roles: bool = True,
             user_pool: SimpleNamespace | None = None, second_client: bool = False, aws_form: bool = False,
             **pool_kwargs) -> SimpleNamespace:
    """A user pool + an identity pool trusting its first client, with an authenticated and an
    unauthenticated role (trusting exactly this identity pool) set on it. The user pool is
    named by its issuer host (`127.0.0.1:<port>/<poolId>`, what Amplify sends) or, with
    `aws_form`, as `cognito-idp.us-east-1.amazonaws.com/<poolId>` (stable across restarts,
    which change the port); `app.provider` is that name."""
    ci = aws(server, "cognito-identity")
    iam = aws(server, "iam")
    up = user_pool or make_user_pool(server)
    dev_provider = f"login.{uuid.uuid4().hex[:8]}.test"
    provider = up.aws_provider if aws_form else up.provider
    providers = [{"ProviderName": provider, "ClientId": up.client_id, "ServerSideTokenCheck": server_side_check}]
    if second_client:
        providers.append({"ProviderName": provider, "ClientId": up.second_client_id, "ServerSideTokenCheck": False})
    pool = ci.create_identity_pool(
        IdentityPoolName=unique("app"),
        AllowUnauthenticatedIdentities=guests,
        AllowClassicFlow=classic,
        DeveloperProviderName=dev_provider,
        CognitoIdentityProviders=providers,
        **pool_kwargs,
    )
    pool_id = pool["IdentityPoolId"]
    auth = make_role(iam, cognito_trust(pool_id, "authenticated"), auth_policies, name=unique("auth"))
    unauth = make_role(iam, cognito_trust(pool_id, "unauthenticated"), unauth_policies, name=unique("guest"))
    if set_roles:
        ci.set_identity_pool_roles(IdentityPoolId=pool_id,
                                   Roles={"authenticated": auth["Arn"], "unauthenticated": unauth["Arn"]})
    return SimpleNamespace(up=up, pool_id=pool_id, auth=auth, unauth=unauth, dev_provider=dev_provider,
                           provider=provider, aws_provider=up.aws_provider)


def new_user(server, user_pool_id: str, *, attributes: dict | None = None, groups: tuple = ()) -> str:
    """AdminCreateUser (no invitation) + a permanent password: a CONFIRMED user."""
    idp = server.client()
    username = unique("user")
    idp.admin_create_user(UserPoolId=user_pool_id, Username=username, MessageAction="SUPPRESS",
                          TemporaryPassword=TEMP_PASSWORD,
                          UserAttributes=[{"Name": k, "Value": v} for k, v in (attributes or {}).items()])
    idp.admin_set_user_password(UserPoolId=user_pool_id, Username=username, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
    return username


def id_token(server, client_id: str, username: str) -> str:
    r = server.client().initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    return r["AuthenticationResult"]["IdToken"]


def sign_in(server, app, **user_kwargs) -> tuple[str, str]:
    """A new confirmed user of the app's user pool and an ID token for the listed client."""
    username = new_user(server, app.up.id, **user_kwargs)
    return username, id_token(server, app.up.client_id, username)


def get_id(server, pool_id: str, logins: dict | None = None) -> str:
    kwargs = {"Logins": logins} if logins is not None else {}
    identity_id = aws(server, "cognito-identity").get_id(IdentityPoolId=pool_id, **kwargs)["IdentityId"]
    assert ID_RE.match(identity_id), identity_id
    return identity_id


def get_credentials(server, identity_id: str, logins: dict | None = None, **kwargs) -> dict:
    if logins is not None:
        kwargs["Logins"] = logins
    r = aws(server, "cognito-identity").get_credentials_for_identity(IdentityId=identity_id, **kwargs)
    assert r["IdentityId"] == identity_id
    return r["Credentials"]


def caller(server, creds: dict) -> dict:
    return aws(server, "sts", creds=creds).get_caller_identity()


def role_of(server, creds: dict) -> str:
    """The role name in the assumed-role ARN that GetCallerIdentity reports for `creds`."""
    arn = caller(server, creds)["Arn"]
    m = re.match(rf"^arn:aws:sts::{ACCOUNT}:assumed-role/([\w+=,.@-]+)/([\w+=,.@-]+)$", arn)
    assert m, f"not an assumed-role ARN: {arn}"
    return m.group(1)


def all_identities(server, pool_id: str) -> list[dict]:
    ci = aws(server, "cognito-identity")
    out, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = ci.list_identities(IdentityPoolId=pool_id, MaxResults=60, **kwargs)
        assert page["IdentityPoolId"] == pool_id
        out += page["Identities"]
        token = page.get("NextToken")
        if not token:
            return out


def identity_ids(server, pool_id: str) -> set[str]:
    ids = [i["IdentityId"] for i in all_identities(server, pool_id)]
    assert len(ids) == len(set(ids)), f"duplicate identities listed: {ids}"
    return set(ids)


def pool_names(server) -> set[str]:
    """The names of every identity pool on the server (all pages)."""
    ci = aws(server, "cognito-identity")
    names, token = set(), None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = ci.list_identity_pools(MaxResults=60, **kwargs)
        names |= {p["IdentityPoolName"] for p in page["IdentityPools"]}
        token = page.get("NextToken")
        if not token:
            return names


def present(shape: dict) -> dict:
    """A response without ResponseMetadata and without empty members (an empty list or map
    reads the same as an absent one)."""
    return {k: v for k, v in shape.items() if k != "ResponseMetadata" and v not in ([], {})}


def identity_post(server, operation: str, body) -> requests.Response:
    """An unsigned awsJson 1.1 call to the cognito-identity API (for the public operations)."""
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(server.url + "/", data=data, timeout=30,
                         headers={"X-Amz-Target": IDENTITY_TARGET + operation, "Content-Type": JSON_CT})


def raw_error(r: requests.Response, code: str) -> str:
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.headers["x-amzn-ErrorType"].split(":")[0] == code, r.headers
    body = r.json()
    assert body["__type"] == code, body
    return body["message"]


def jwks(server) -> dict:
    r = requests.get(server.url + "/identity/.well-known/jwks.json", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def verify_identity_token(server, token: str, pool_id: str) -> dict:
    """Verifies an identity-issuer token through the published JWKS (RS512, iss, aud, exp)."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS512", header
    keys = {k["kid"]: k for k in jwks(server)["keys"]}
    assert header["kid"] in keys, (header, list(keys))
    key = jwt.PyJWK(keys[header["kid"]], algorithm="RS512").key
    return jwt.decode(token, key, algorithms=["RS512"], audience=pool_id, issuer=server.url + "/identity",
                      options={"require": ["exp", "iat", "sub", "aud", "iss"]})


def unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def tamper_jwt(token: str, **changes) -> str:
    """The same header and signature over a payload with `changes` applied."""
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{sig}"


def expiry_seconds(creds: dict) -> float:
    exp = creds["Expiration"]
    assert isinstance(exp, datetime.datetime), exp
    return exp.timestamp() - time.time()


def assert_credentials_shape(creds: dict, secret_field: str = "SecretKey", lifetime: int = 3600) -> None:
    assert set(creds) == {"AccessKeyId", secret_field, "SessionToken", "Expiration"}, creds
    assert re.match(r"^ASIA[A-Z0-9]{12,}$", creds["AccessKeyId"]), creds["AccessKeyId"]
    assert len(creds[secret_field]) >= 20
    assert len(creds["SessionToken"]) >= 20
    assert lifetime - 120 < expiry_seconds(creds) <= lifetime + 5, creds["Expiration"]


# -- POST /_cognate/authorize ----------------------------------------------------------------

FILES_URL = "https://files.example.com/photos/photo.jpg?versionId=1"
ORDERS_URL = "https://api.example.com/prod/orders"


def signed_parts(creds: dict, *, method: str = "GET", url: str = FILES_URL, body: bytes = b"",
                 service: str = "s3", content_sha: bool = True, headers: dict | None = None,
                 access_key: str | None = None, secret_key: str | None = None,
                 session_token: str | None | bool = True) -> dict:
    """A request signed by botocore's SigV4Auth with `creds`, as the `request` member of an
    authorize call. `session_token=False` signs without one; a string signs with that one."""
    ak = access_key or creds["AccessKeyId"]
    sk = secret_key or (creds["SecretKey"] if "SecretKey" in creds else creds["SecretAccessKey"])
    tok = creds["SessionToken"] if session_token is True else (session_token or None)
    h = dict(headers or {})
    if content_sha:
        h["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    req = AWSRequest(method=method, url=url, data=body, headers=h)
    SigV4Auth(Credentials(ak, sk, tok), service, REGION).add_auth(req)
    parts = urlsplit(url)
    out_headers = {k.lower(): v for k, v in req.headers.items()}
    out_headers["host"] = parts.netloc
    out = {
        "method": method,
        "path": parts.path + (f"?{parts.query}" if parts.query else ""),
        "headers": out_headers,
    }
    if not content_sha or body:
        out["body"] = base64.b64encode(body).decode()
    return out


def authorize(server, request: dict, action: str, resource: str, context: dict | None = None) -> requests.Response:
    payload = {"request": request, "action": action, "resource": resource}
    if context is not None:
        payload["context"] = context
    return requests.post(server.url + "/_cognate/authorize", json=payload, timeout=30)


def decide(server, creds: dict, action: str, resource: str, context: dict | None = None, **sign_kwargs) -> dict:
    r = authorize(server, signed_parts(creds, **sign_kwargs), action, resource, context)
    assert r.status_code == 200, (r.status_code, r.text)
    answer = r.json()
    assert answer["decision"] in ("Allow", "ExplicitDeny", "ImplicitDeny"), answer
    assert answer["allowed"] is (answer["decision"] == "Allow"), answer
    return answer


def refused(r: requests.Response, *types: str) -> dict:
    assert r.status_code == 403, (r.status_code, r.text)
    body = r.json()
    assert body["__type"] in types, body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert "allowed" not in body and "decision" not in body, body
    return body


# -- small HTTP stubs (JWKS, token-info, a recording proxy) ------------------------------------


class Stub:
    """An HTTP server on 127.0.0.1:0: `routes[path](request) -> (status, content_type, bytes)`,
    the route "*" answering any other path; every request is recorded in `requests`."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[SimpleNamespace] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = SimpleNamespace(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    form={k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()},
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                stub.requests.append(req)
                route = stub.routes.get(parts.path) or stub.routes.get("*")
                status, ctype, data = route(req) if route else json_answer(404, {"error": "no route"})
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def json_answer(status: int, obj) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(obj).encode()


def public_jwk(private_key, kid: str) -> dict:
    pub = private_key.public_key()
    algo = jwt.algorithms.RSAAlgorithm if isinstance(pub, rsa.RSAPublicKey) else jwt.algorithms.ECAlgorithm
    key = json.loads(algo.to_jwk(pub))
    key.update({"kid": kid, "use": "sig"})
    return key


class OidcProvider:
    """An OpenID Connect provider on a stub: discovery, a JWKS with an RSA key and two EC keys,
    and ID tokens minted with PyJWT. Its login key is `127.0.0.1:<port>` (the issuer without
    its scheme)."""

    CLIENT_ID = "oidc-client"

    def __init__(self, stub: Stub):
        self.issuer = stub.url
        self.key = f"127.0.0.1:{stub.port}"
        self.jwks_uri = f"{stub.url}/jwks.json"
        self.keys = {
            "rsa-1": (rsa.generate_private_key(public_exponent=65537, key_size=2048), ("RS256", "RS384", "RS512")),
            "ec-256": (ec.generate_private_key(ec.SECP256R1()), ("ES256",)),
            "ec-384": (ec.generate_private_key(ec.SECP384R1()), ("ES384",)),
        }
        keys = [public_jwk(k, kid) for kid, (k, _) in self.keys.items()]
        stub.routes["/jwks.json"] = lambda req: json_answer(200, {"keys": keys})
        stub.routes["/.well-known/openid-configuration"] = lambda req: json_answer(200, {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_uri,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "RS384", "RS512", "ES256", "ES384"],
        })

    def kid_for(self, alg: str) -> str:
        return next(kid for kid, (_, algs) in self.keys.items() if alg in algs)

    def token(self, sub: str = "oidc-user", *, alg: str = "RS256", aud: str = CLIENT_ID, iss: str | None = None,
              lifetime: int = 600, key=None, kid: str | None = None, **claims) -> str:
        now = int(time.time())
        kid = kid or self.kid_for(alg)
        payload = {"iss": iss or self.issuer, "sub": sub, "aud": aud, "iat": now, "exp": now + lifetime, **claims}
        return jwt.encode(payload, key or self.keys[kid][0], algorithm=alg, headers={"kid": kid})


class FacebookStub:
    """Facebook's debug_token on a stub: `tokens[input_token] -> data` answers
    `{"data": {...}}`; an unknown token gets Facebook's error shape."""

    APP_ID = "fb-app-123"

    def __init__(self, stub: Stub):
        self.tokens: dict[str, dict] = {}
        self.url = f"{stub.url}/debug_token"
        stub.routes["/debug_token"] = self._answer

    def _answer(self, req) -> tuple[int, str, bytes]:
        token = req.query.get("input_token") or req.form.get("input_token") or req.query.get("access_token")
        data = self.tokens.get(token or "")
        if data is None:
            return json_answer(400, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                               "code": 190}})
        return json_answer(200, {"data": data})

    def add(self, token: str, user_id: str, *, app_id: str = APP_ID, valid: bool = True, lifetime: int = 3600) -> str:
        self.tokens[token] = {"app_id": app_id, "type": "USER", "application": "Cognate tests",
                              "is_valid": valid, "user_id": user_id, "expires_at": int(time.time()) + lifetime,
                              "scopes": ["public_profile"]}
        return token


class AmazonStub:
    """Login with Amazon's tokeninfo on a stub: `tokens[access_token] -> info` answers
    `{"iss", "user_id", "aud", "app_id", "exp", "iat"}`; an unknown token gets Amazon's
    error shape."""

    APP_ID = "amzn1.application-oa2-client.cognate-tests"

    def __init__(self, stub: Stub):
        self.tokens: dict[str, dict] = {}
        self.url = f"{stub.url}/auth/o2/tokeninfo"
        stub.routes["/auth/o2/tokeninfo"] = self._answer

    def _answer(self, req) -> tuple[int, str, bytes]:
        info = self.tokens.get(req.query.get("access_token") or "")
        if info is None:
            return json_answer(400, {"error": "invalid_token",
                                     "error_description": "The request has an invalid parameter : access_token"})
        return json_answer(200, info)

    def add(self, token: str, user_id: str, *, app_id: str = APP_ID) -> str:
        self.tokens[token] = {"iss": "https://www.amazon.com", "user_id": user_id, "aud": app_id,
                              "app_id": app_id, "exp": 3600, "iat": int(time.time())}
        return token


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(server) -> SimpleNamespace:
    """A shared user pool + identity pool (guests allowed, classic flow on)."""
    return make_app(server, classic=True)


# -- identity pools: CRUD, validation, tags ---------------------------------------------------


def test_create_describe_update_delete_identity_pool(server):
    ci = aws(server, "cognito-identity")
    up = make_user_pool(server)
    name = unique("crud")
    providers = [
        {"ProviderName": up.provider, "ClientId": up.client_id, "ServerSideTokenCheck": True},
        {"ProviderName": up.aws_provider, "ClientId": up.second_client_id, "ServerSideTokenCheck": False},
    ]
    created = ci.create_identity_pool(
        IdentityPoolName=name,
        AllowUnauthenticatedIdentities=True,
        AllowClassicFlow=True,
        SupportedLoginProviders={"graph.facebook.com": "fb-app-1", "accounts.google.com": "google-client-1"},
        DeveloperProviderName="login.crud.test",
        CognitoIdentityProviders=providers,
        IdentityPoolTags={"team": "identity"},
    )
    pool_id = created["IdentityPoolId"]
    assert ID_RE.match(pool_id), pool_id
    expected = {
        "IdentityPoolId": pool_id,
        "IdentityPoolName": name,
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": True,
        "SupportedLoginProviders": {"graph.facebook.com": "fb-app-1", "accounts.google.com": "google-client-1"},
        "DeveloperProviderName": "login.crud.test",
        "CognitoIdentityProviders": providers,
        "IdentityPoolTags": {"team": "identity"},
    }
    assert present(created) == expected
    assert present(ci.describe_identity_pool(IdentityPoolId=pool_id)) == expected

    # UpdateIdentityPool replaces the configuration: members left out go back to their
    # defaults, except the developer provider name, which stays once set.
    updated = ci.update_identity_pool(
        IdentityPoolId=pool_id,
        IdentityPoolName=name + "-renamed",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=providers[:1],
    )
    assert updated["IdentityPoolName"] == name + "-renamed"
    described = ci.describe_identity_pool(IdentityPoolId=pool_id)
    assert described["IdentityPoolName"] == name + "-renamed"
    assert described["AllowUnauthenticatedIdentities"] is False
    assert described.get("AllowClassicFlow", False) is False
    assert described.get("SupportedLoginProviders", {}) == {}
    assert described["CognitoIdentityProviders"] == providers[:1]
    assert described["DeveloperProviderName"] == "login.crud.test"

    # Once set, the developer provider name cannot change.
    with pytest.raises(ClientError):
        ci.update_identity_pool(IdentityPoolId=pool_id, IdentityPoolName=name, AllowUnauthenticatedIdentities=False,
                                DeveloperProviderName="login.other.test")
    assert ci.describe_identity_pool(IdentityPoolId=pool_id)["DeveloperProviderName"] == "login.crud.test"

    assert set(ci.delete_identity_pool(IdentityPoolId=pool_id)) == {"ResponseMetadata"}
    expect_error("ResourceNotFoundException", ci.describe_identity_pool, pool_not_found(pool_id),
                 IdentityPoolId=pool_id)
    expect_error("ResourceNotFoundException", ci.delete_identity_pool, pool_not_found(pool_id),
                 IdentityPoolId=pool_id)


def test_list_identity_pools_pages(server):
    ci = aws(server, "cognito-identity")
    mine = {}
    for _ in range(3):
        name = unique("list")
        mine[ci.create_identity_pool(IdentityPoolName=name, AllowUnauthenticatedIdentities=False)[
            "IdentityPoolId"]] = name
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = ci.list_identity_pools(MaxResults=1, **kwargs)
        pages += 1
        assert len(page["IdentityPools"]) <= 1
        for p in page["IdentityPools"]:
            assert set(p) == {"IdentityPoolId", "IdentityPoolName"}, p
        seen += page["IdentityPools"]
        token = page.get("NextToken")
        if not token:
            break
    ids = [p["IdentityPoolId"] for p in seen]
    assert len(ids) == len(set(ids)), "a pool listed twice"
    listed = {p["IdentityPoolId"]: p["IdentityPoolName"] for p in seen}
    for pool_id, name in mine.items():
        assert listed.get(pool_id) == name
    assert pages >= 3
    first = ci.list_identity_pools(MaxResults=60)
    assert len(first["IdentityPools"]) <= 60


def test_identity_pool_validation(server):
    ci = aws(server, "cognito-identity")
    loose = aws(server, "cognito-identity", config=botocore.config.Config(parameter_validation=False))
    names = {"dev": unique("dev"), "cip": unique("cip"), "flag": unique("no-flag")}

    msg = expect_error("InvalidParameterException", ci.create_identity_pool, IdentityPoolName="bad/name",
                       AllowUnauthenticatedIdentities=False)
    assert msg == ("1 validation error detected: Value 'bad/name' at 'identityPoolName' failed to satisfy "
                   "constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+")
    msg = expect_error("InvalidParameterException", loose.create_identity_pool, IdentityPoolName=names["flag"])
    assert msg == ("1 validation error detected: Value null at 'allowUnauthenticatedIdentities' failed to "
                   "satisfy constraint: Member must not be null")
    expect_error("InvalidParameterException", ci.create_identity_pool, IdentityPoolName=names["dev"],
                 AllowUnauthenticatedIdentities=False, DeveloperProviderName="bad provider!")
    expect_error("InvalidParameterException", ci.create_identity_pool, IdentityPoolName=names["cip"],
                 AllowUnauthenticatedIdentities=False,
                 CognitoIdentityProviders=[{"ProviderName": "bad provider", "ClientId": "abc"}])
    msg = expect_error("InvalidParameterException", loose.list_identity_pools, MaxResults=0)
    assert msg == ("1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: "
                   "Member must have value greater than or equal to 1")
    msg = expect_error("InvalidParameterException", loose.list_identity_pools, MaxResults=61)
    assert msg == ("1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: "
                   "Member must have value less than or equal to 60")
    assert not (set(names.values()) | {"bad/name"}) & pool_names(server), "a refused CreateIdentityPool created a pool"


def test_unknown_identity_pool(server):
    ci = aws(server, "cognito-identity")
    missing = f"us-east-1:{uuid.uuid4()}"
    nf = pool_not_found(missing)
    expect_error("ResourceNotFoundException", ci.describe_identity_pool, nf, IdentityPoolId=missing)
    expect_error("ResourceNotFoundException", ci.update_identity_pool, nf, IdentityPoolId=missing,
                 IdentityPoolName="x", AllowUnauthenticatedIdentities=True)
    expect_error("ResourceNotFoundException", ci.delete_identity_pool, nf, IdentityPoolId=missing)
    expect_error("ResourceNotFoundException", ci.get_identity_pool_roles, nf, IdentityPoolId=missing)
    expect_error("ResourceNotFoundException", ci.set_identity_pool_roles, nf, IdentityPoolId=missing,
                 Roles={"authenticated": f"arn:aws:iam::{ACCOUNT}:role/Whatever"})
    expect_error("ResourceNotFoundException", ci.list_identities, nf, IdentityPoolId=missing, MaxResults=10)
    expect_error("ResourceNotFoundException", ci.get_id, nf, IdentityPoolId=missing)
    expect_error("ResourceNotFoundException", ci.lookup_developer_identity, nf, IdentityPoolId=missing,
                 DeveloperUserIdentifier="someone")
    expect_error("ResourceNotFoundException", ci.get_open_id_token_for_developer_identity, nf,
                 IdentityPoolId=missing, Logins={"login.any.test": "someone"})
    arn = f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/{missing}"
    expect_error("ResourceNotFoundException", ci.list_tags_for_resource, ResourceArn=arn)
    missing_identity = f"us-east-1:{uuid.uuid4()}"
    expect_error("ResourceNotFoundException", ci.describe_identity, identity_not_found(missing_identity),
                 IdentityId=missing_identity)
    expect_error("ResourceNotFoundException", ci.get_credentials_for_identity, identity_not_found(missing_identity),
                 IdentityId=missing_identity)
    expect_error("ResourceNotFoundException", ci.get_open_id_token, identity_not_found(missing_identity),
                 IdentityId=missing_identity)


def test_roles_and_role_mappings_round_trip(server):
    app = make_app(server, second_client=True)
    ci = aws(server, "cognito-identity")
    iam = aws(server, "iam")
    extra = make_role(iam, cognito_trust(app.pool_id))
    assert ci.get_identity_pool_roles(IdentityPoolId=app.pool_id)["Roles"] == {
        "authenticated": app.auth["Arn"], "unauthenticated": app.unauth["Arn"]}
    mappings = {
        f"{app.provider}:{app.up.client_id}": {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"},
        f"{app.provider}:{app.up.second_client_id}": {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [
                {"Claim": "email", "MatchType": "Equals", "Value": "a@example.com", "RoleARN": extra["Arn"]},
                {"Claim": "custom:dept", "MatchType": "StartsWith", "Value": "eng", "RoleARN": app.auth["Arn"]},
            ]},
        },
    }
    r = ci.set_identity_pool_roles(IdentityPoolId=app.pool_id, Roles={"authenticated": extra["Arn"]},
                                   RoleMappings=mappings)
    assert set(r) == {"ResponseMetadata"}
    got = ci.get_identity_pool_roles(IdentityPoolId=app.pool_id)
    assert got["IdentityPoolId"] == app.pool_id
    # SetIdentityPoolRoles replaces both maps.
    assert got["Roles"] == {"authenticated": extra["Arn"]}
    assert got["RoleMappings"] == mappings

    # A mapping for a provider the pool does not trust is refused, and changes nothing.
    expect_error("InvalidParameterException", ci.set_identity_pool_roles, IdentityPoolId=app.pool_id,
                 Roles={"authenticated": app.auth["Arn"]},
                 RoleMappings={"login.unknown.test": {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    expect_error("InvalidParameterException", ci.set_identity_pool_roles, IdentityPoolId=app.pool_id,
                 Roles={"administrator": app.auth["Arn"]})
    # Rules needs its rules.
    expect_error("InvalidParameterException", ci.set_identity_pool_roles, IdentityPoolId=app.pool_id,
                 Roles={"authenticated": app.auth["Arn"]},
                 RoleMappings={f"{app.provider}:{app.up.client_id}": {"Type": "Rules",
                                                                     "AmbiguousRoleResolution": "Deny"}})
    too_many = [{"Claim": "email", "MatchType": "Equals", "Value": f"u{i}@example.com", "RoleARN": extra["Arn"]}
                for i in range(26)]
    expect_error("InvalidParameterException", ci.set_identity_pool_roles, IdentityPoolId=app.pool_id,
                 Roles={"authenticated": app.auth["Arn"]},
                 RoleMappings={f"{app.provider}:{app.up.client_id}": {
                     "Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": too_many}}})
    after = ci.get_identity_pool_roles(IdentityPoolId=app.pool_id)
    assert (after["Roles"], after["RoleMappings"]) == ({"authenticated": extra["Arn"]}, mappings)

    # Clearing the mappings.
    ci.set_identity_pool_roles(IdentityPoolId=app.pool_id, Roles={"authenticated": app.auth["Arn"]}, RoleMappings={})
    cleared = ci.get_identity_pool_roles(IdentityPoolId=app.pool_id)
    assert cleared["Roles"] == {"authenticated": app.auth["Arn"]}
    assert cleared.get("RoleMappings", {}) == {}


def test_tags(server):
    ci = aws(server, "cognito-identity")
    pool_id = ci.create_identity_pool(IdentityPoolName=unique("tags"), AllowUnauthenticatedIdentities=False,
                                      IdentityPoolTags={"team": "identity", "env": "test"})["IdentityPoolId"]
    arn = f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/{pool_id}"
    assert ci.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "identity", "env": "test"}
    assert set(ci.tag_resource(ResourceArn=arn, Tags={"env": "prod", "owner": "ada"})) == {"ResponseMetadata"}
    assert ci.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "identity", "env": "prod", "owner": "ada"}
    assert ci.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == {
        "team": "identity", "env": "prod", "owner": "ada"}
    assert set(ci.untag_resource(ResourceArn=arn, TagKeys=["team", "not-there"])) == {"ResponseMetadata"}
    assert ci.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "prod", "owner": "ada"}
    ci.untag_resource(ResourceArn=arn, TagKeys=["env", "owner"])
    assert ci.list_tags_for_resource(ResourceArn=arn).get("Tags", {}) == {}
    assert ci.describe_identity_pool(IdentityPoolId=pool_id).get("IdentityPoolTags", {}) == {}

    other = f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/us-east-1:{uuid.uuid4()}"
    expect_error("ResourceNotFoundException", ci.tag_resource, ResourceArn=other, Tags={"a": "b"})
    expect_error("ResourceNotFoundException", ci.untag_resource, ResourceArn=other, TagKeys=["a"])


def test_admin_operations_need_the_admin_keys(server):
    unsigned = aws(server, "cognito-identity", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    name = unique("sneaky")
    expect_error("MissingAuthenticationTokenException", unsigned.create_identity_pool, status=403,
                 IdentityPoolName=name, AllowUnauthenticatedIdentities=True)
    wrong = aws(server, "cognito-identity", secret_key="not-the-secret")
    expect_error("InvalidSignatureException", wrong.create_identity_pool, status=403,
                 IdentityPoolName=name, AllowUnauthenticatedIdentities=True)
    assert name not in pool_names(server)


# -- identities -----------------------------------------------------------------------------------


def test_get_id_guest(server, app):
    ids = {get_id(server, app.pool_id) for _ in range(3)}
    # Each unauthenticated GetId is a new identity (clients cache theirs).
    assert len(ids) == 3
    assert ids <= identity_ids(server, app.pool_id)
    ci = aws(server, "cognito-identity")
    for identity_id in ids:
        d = ci.describe_identity(IdentityId=identity_id)
        assert d["IdentityId"] == identity_id
        assert d.get("Logins", []) == []


def test_get_id_guest_access_disabled(server):
    app = make_app(server, guests=False)
    ci = aws(server, "cognito-identity")
    expect_error("NotAuthorizedException", ci.get_id, MSG_GUEST_DISABLED, IdentityPoolId=app.pool_id)
    expect_error("NotAuthorizedException", ci.get_id, MSG_GUEST_DISABLED, IdentityPoolId=app.pool_id, Logins={})
    assert identity_ids(server, app.pool_id) == set()
    # A signed-in user still gets an identity.
    _, token = sign_in(server, app)
    identity_id = get_id(server, app.pool_id, {app.provider: token})
    assert identity_ids(server, app.pool_id) == {identity_id}


def test_get_id_user_pool_login(server, app):
    alice, token = sign_in(server, app)
    assert unverified(token)["iss"] == f"http://{app.provider}", "the user-pool issuer is <public_url>/<poolId>"
    identity_id = get_id(server, app.pool_id, {app.provider: token})
    # The same login maps to the same identity, with a new token, and under either key form.
    again = id_token(server, app.up.client_id, alice)
    assert get_id(server, app.pool_id, {app.provider: again}) == identity_id
    assert get_id(server, app.pool_id, {app.aws_provider: again}) == identity_id
    # Another user gets another identity.
    _, bob_token = sign_in(server, app)
    bob = get_id(server, app.pool_id, {app.aws_provider: bob_token})
    assert bob != identity_id
    d = aws(server, "cognito-identity").describe_identity(IdentityId=identity_id)
    assert d["IdentityId"] == identity_id
    assert len(d["Logins"]) == 1 and d["Logins"][0] in (app.provider, app.aws_provider), d
    assert {identity_id, bob} <= identity_ids(server, app.pool_id)


def test_enhanced_flow_user_pool_sign_in(server, app):
    _, token = sign_in(server, app)
    logins = {app.provider: token}
    identity_id = get_id(server, app.pool_id, logins)
    creds = get_credentials(server, identity_id, logins)
    assert_credentials_shape(creds)
    who = caller(server, creds)
    assert who["Arn"] == assumed_arn(app.auth)
    assert who["Account"] == ACCOUNT
    assert who["UserId"] == f"{app.auth['RoleId']}:{SESSION}"
    # The AWS form of the key works the same.
    creds2 = get_credentials(server, identity_id, {app.aws_provider: token})
    assert creds2["AccessKeyId"] != creds["AccessKeyId"]
    assert role_of(server, creds2) == app.auth["RoleName"]

    # An authenticated identity needs one of its logins.
    ci = aws(server, "cognito-identity")
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, forbidden(identity_id),
                 IdentityId=identity_id)
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, forbidden(identity_id),
                 IdentityId=identity_id, Logins={})


def test_enhanced_flow_guest(server, app):
    identity_id = get_id(server, app.pool_id)
    creds = get_credentials(server, identity_id)
    assert_credentials_shape(creds)
    who = caller(server, creds)
    assert who["Arn"] == assumed_arn(app.unauth)
    assert who["UserId"] == f"{app.unauth['RoleId']}:{SESSION}"
    # The identity is still a guest: the credentials can be fetched again.
    assert role_of(server, get_credentials(server, identity_id)) == app.unauth["RoleName"]


def test_guest_identity_becomes_authenticated(server, app):
    guest = get_id(server, app.pool_id)
    _, token = sign_in(server, app)
    # The first login presented for a guest identity is linked to it (Amplify keeps the id).
    creds = get_credentials(server, guest, {app.provider: token})
    assert role_of(server, creds) == app.auth["RoleName"]
    assert get_id(server, app.pool_id, {app.provider: token}) == guest
    d = aws(server, "cognito-identity").describe_identity(IdentityId=guest)
    assert len(d["Logins"]) == 1 and d["Logins"][0] in (app.provider, app.aws_provider), d
    # From now on the identity needs that login.
    expect_error("NotAuthorizedException", aws(server, "cognito-identity").get_credentials_for_identity,
                 forbidden(guest), IdentityId=guest)


def test_credentials_need_valid_roles(server):
    app = make_app(server, set_roles=False)
    ci = aws(server, "cognito-identity")
    iam = aws(server, "iam")
    _, token = sign_in(server, app)
    logins = {app.provider: token}
    user = get_id(server, app.pool_id, logins)
    guest = get_id(server, app.pool_id)
    # No roles at all.
    expect_error("InvalidIdentityPoolConfigurationException", ci.get_credentials_for_identity, MSG_BAD_ROLES,
                 IdentityId=user, Logins=logins)
    expect_error("InvalidIdentityPoolConfigurationException", ci.get_credentials_for_identity, MSG_BAD_ROLES,
                 IdentityId=guest)
    bad_roles = {
        "missing": f"arn:aws:iam::{ACCOUNT}:role/{unique('missing')}",
        "other-pool": make_role(iam, cognito_trust(f"us-east-1:{uuid.uuid4()}", "*"))["Arn"],
        "wrong-amr": make_role(iam, cognito_trust(app.pool_id, "no-such-amr"))["Arn"],
        "other-principal": make_role(iam, policy_doc({
            "Effect": "Allow", "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity"}))["Arn"],
        "other-action": make_role(iam, policy_doc({
            "Effect": "Allow", "Principal": {"Federated": COGNITO_IDENTITY}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {f"{COGNITO_IDENTITY}:aud": app.pool_id}}}))["Arn"],
        "denied": make_role(iam, policy_doc(
            {"Effect": "Allow", "Principal": {"Federated": COGNITO_IDENTITY},
             "Action": "sts:AssumeRoleWithWebIdentity"},
            {"Effect": "Deny", "Principal": {"Federated": COGNITO_IDENTITY},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {f"{COGNITO_IDENTITY}:aud": app.pool_id}}}))["Arn"],
    }
    for label, arn in bad_roles.items():
        ci.set_identity_pool_roles(IdentityPoolId=app.pool_id, Roles={"authenticated": arn, "unauthenticated": arn})
        for kwargs in ({"IdentityId": user, "Logins": logins}, {"IdentityId": guest}):
            with pytest.raises(ClientError) as e:
                ci.get_credentials_for_identity(**kwargs)
            assert error_of(e)[:2] == ("InvalidIdentityPoolConfigurationException", MSG_BAD_ROLES), (label, kwargs)
    # The unauthenticated role trusts unauthenticated identities only, and the other way round.
    ci.set_identity_pool_roles(IdentityPoolId=app.pool_id,
                               Roles={"authenticated": app.unauth["Arn"], "unauthenticated": app.auth["Arn"]})
    expect_error("InvalidIdentityPoolConfigurationException", ci.get_credentials_for_identity, MSG_BAD_ROLES,
                 IdentityId=user, Logins=logins)
    expect_error("InvalidIdentityPoolConfigurationException", ci.get_credentials_for_identity, MSG_BAD_ROLES,
                 IdentityId=guest)
    # Fixed.
    ci.set_identity_pool_roles(IdentityPoolId=app.pool_id,
                               Roles={"authenticated": app.auth["Arn"], "unauthenticated": app.unauth["Arn"]})
    assert role_of(server, get_credentials(server, user, logins)) == app.auth["RoleName"]
    assert role_of(server, get_credentials(server, guest)) == app.unauth["RoleName"]


def test_server_side_token_check(server):
    app = make_app(server, server_side_check=True, second_client=True)
    idp = server.client()
    alice, checked = sign_in(server, app)
    unchecked = id_token(server, app.up.second_client_id, alice)
    identity_id = get_id(server, app.pool_id, {app.provider: checked})
    assert get_id(server, app.pool_id, {app.provider: unchecked}) == identity_id
    ci = aws(server, "cognito-identity")

    # Global sign-out: the checked client's token no longer gets credentials; the other one's does.
    # (Token times are whole seconds: keep the sign-out and the next sign-in in other seconds.)
    time.sleep(1.1)
    idp.admin_user_global_sign_out(UserPoolId=app.up.id, Username=alice)
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={app.provider: checked})
    assert role_of(server, get_credentials(server, identity_id, {app.provider: unchecked})) == app.auth["RoleName"]
    # A fresh sign-in after the sign-out is fine.
    time.sleep(1.1)
    fresh = id_token(server, app.up.client_id, alice)
    assert role_of(server, get_credentials(server, identity_id, {app.provider: fresh})) == app.auth["RoleName"]

    # A disabled user, then a deleted one.
    idp.admin_disable_user(UserPoolId=app.up.id, Username=alice)
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={app.provider: fresh})
    expect_error("NotAuthorizedException", ci.get_id, IdentityPoolId=app.pool_id, Logins={app.provider: fresh})
    # Disabling revoked the user's sign-ins (as AdminDisableUser does): enabled again, the user
    # signs in again.
    idp.admin_enable_user(UserPoolId=app.up.id, Username=alice)
    fresh = id_token(server, app.up.client_id, alice)
    assert role_of(server, get_credentials(server, identity_id, {app.provider: fresh})) == app.auth["RoleName"]
    idp.admin_delete_user(UserPoolId=app.up.id, Username=alice)
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={app.provider: fresh})


def bad_login_cases(server, app, other) -> list[tuple[str, dict, str, str | None]]:
    """(label, Logins, error code, message or None) for logins that must be refused."""
    _, token = sign_in(server, app)
    claims = unverified(token)
    unlisted_user = new_user(server, app.up.id)
    unlisted = id_token(server, app.up.unlisted_client_id, unlisted_user)
    _, foreign = sign_in(server, other)  # a token of another user pool (its own keys and issuer)
    access = server.client().initiate_auth(
        ClientId=app.up.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": unlisted_user, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    return [
        ("wrong audience", {app.provider: unlisted}, "NotAuthorizedException", MSG_UNSUPPORTED_PROVIDER),
        ("other pool's token under this pool's key", {app.provider: foreign}, "NotAuthorizedException", MSG_ISSUER),
        ("provider not in the identity pool", {other.provider: foreign}, "NotAuthorizedException",
         MSG_UNSUPPORTED_PROVIDER),
        ("unknown provider key", {"login.nowhere.test": token}, "NotAuthorizedException", None),
        ("forged claims", {app.provider: tamper_jwt(token, sub=str(uuid.uuid4()))}, "NotAuthorizedException", None),
        ("forged audience", {app.provider: tamper_jwt(unlisted, aud=app.up.client_id)}, "NotAuthorizedException",
         None),
        ("forged expiry", {app.provider: tamper_jwt(token, exp=claims["exp"] + 86400)}, "NotAuthorizedException",
         None),
        ("access token", {app.provider: access}, "NotAuthorizedException", None),
        ("not a JWT", {app.provider: "not-a-token"}, "NotAuthorizedException", None),
        ("unsigned JWT", {app.provider: jwt.encode(claims, None, algorithm="none")}, "NotAuthorizedException", None),
        ("garbage identity token", {COGNITO_IDENTITY: "x.y.z"}, "NotAuthorizedException", None),
        ("good and bad together", {app.provider: token, "login.nowhere.test": token}, "NotAuthorizedException", None),
    ]


def test_bad_logins_create_nothing(server, app):
    other = make_app(server)
    ci = aws(server, "cognito-identity")
    guest = get_id(server, app.pool_id)
    _, good = sign_in(server, app)
    user = get_id(server, app.pool_id, {app.provider: good})
    before = identity_ids(server, app.pool_id)
    for label, logins, code, message in bad_login_cases(server, app, other):
        with pytest.raises(ClientError) as e:
            ci.get_id(IdentityPoolId=app.pool_id, Logins=logins)
        got, msg, _ = error_of(e)
        assert got == code, f"GetId, {label}: expected {code}, got {got}: {msg}"
        if message is not None:
            assert msg == message, f"GetId, {label}: {msg!r}"
        for identity_id in (guest, user):
            with pytest.raises(ClientError) as e:
                ci.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
            got, msg, _ = error_of(e)
            assert got == code, f"GetCredentialsForIdentity, {label}: expected {code}, got {got}: {msg}"
            if message is not None:
                assert msg == message, f"GetCredentialsForIdentity, {label}: {msg!r}"
        with pytest.raises(ClientError) as e:
            ci.get_open_id_token(IdentityId=guest, Logins=logins)
        assert error_of(e)[0] == code, f"GetOpenIdToken, {label}: {error_of(e)}"
    assert identity_ids(server, app.pool_id) == before
    # Nothing got linked either: the guest is still a guest, the user still has one login.
    assert ci.describe_identity(IdentityId=guest).get("Logins", []) == []
    assert len(ci.describe_identity(IdentityId=user)["Logins"]) == 1
    assert role_of(server, get_credentials(server, guest)) == app.unauth["RoleName"]


@pytest.mark.parametrize(
    "label, body, code, message",
    [
        ("Logins not a map", '{"IdentityPoolId": "%s", "Logins": ["a", "b"]}', "SerializationException", None),
        ("token not a string", '{"IdentityPoolId": "%s", "Logins": {"login.x.test": 5}}', "SerializationException",
         None),
        ("empty provider name", '{"IdentityPoolId": "%s", "Logins": {"": "token"}}', "InvalidParameterException",
         None),
        ("empty token", '{"IdentityPoolId": "%s", "Logins": {"login.x.test": ""}}', "InvalidParameterException",
         None),
        ("eleven logins", None, "InvalidParameterException", "at 'logins' failed to satisfy constraint"),
        ("no pool id", '{"Logins": {}}', "InvalidParameterException",
         "1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: "
         "Member must not be null"),
        ("pool id pattern", '{"IdentityPoolId": "not a pool"}', "InvalidParameterException",
         "1 validation error detected: Value 'not a pool' at 'identityPoolId' failed to satisfy constraint: "
         "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"),
        ("not JSON", "{nope", "SerializationException", None),
    ],
)
def test_malformed_get_id(server, app, label, body, code, message):
    if body is None:
        body = json.dumps({"IdentityPoolId": app.pool_id, "Logins": {f"login{i}.x.test": "t" for i in range(11)}})
    elif "%s" in body:
        body = body % app.pool_id
    before = identity_ids(server, app.pool_id)
    msg = raw_error(identity_post(server, "GetId", body), code)
    if message is not None:
        assert message in msg, msg
        if message.startswith("1 validation"):
            assert msg == message
    assert identity_ids(server, app.pool_id) == before


def test_developer_authenticated_identity(server, app):
    ci = aws(server, "cognito-identity")
    r = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={app.dev_provider: "dev-1"})
    identity_id, token = r["IdentityId"], r["Token"]
    assert ID_RE.match(identity_id)
    claims = verify_identity_token(server, token, app.pool_id)
    assert claims["sub"] == identity_id
    assert "authenticated" in claims["amr"] and app.dev_provider in claims["amr"], claims["amr"]
    assert claims["exp"] - claims["iat"] == 900  # TokenDuration's default
    # The same developer user maps to the same identity.
    r2 = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={app.dev_provider: "dev-1"},
                                                     TokenDuration=3600)
    assert r2["IdentityId"] == identity_id
    c2 = verify_identity_token(server, r2["Token"], app.pool_id)
    assert c2["exp"] - c2["iat"] == 3600
    assert app.dev_provider in ci.describe_identity(IdentityId=identity_id)["Logins"]

    # Enhanced flow with the token.
    logins = {COGNITO_IDENTITY: token}
    creds = get_credentials(server, identity_id, logins)
    assert_credentials_shape(creds)
    assert caller(server, creds)["Arn"] == assumed_arn(app.auth)
    # Not without it, not with a forged one, not with another identity's.
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, forbidden(identity_id),
                 IdentityId=identity_id)
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={COGNITO_IDENTITY: tamper_jwt(token, exp=claims["exp"] + 3600)})
    other = make_app(server)
    foreign = ci.get_open_id_token_for_developer_identity(IdentityPoolId=other.pool_id,
                                                          Logins={other.dev_provider: "dev-1"})
    assert foreign["IdentityId"] != identity_id
    expect_error("NotAuthorizedException", ci.get_credentials_for_identity, IdentityId=identity_id,
                 Logins={COGNITO_IDENTITY: foreign["Token"]})

    # Basic flow with the same token.
    sts = aws(server, "sts")
    assumed = sts.assume_role_with_web_identity(RoleArn=app.auth["Arn"], RoleSessionName="dev-session",
                                                WebIdentityToken=token)
    assert assumed["SubjectFromWebIdentityToken"] == identity_id
    assert caller(server, assumed["Credentials"])["Arn"] == assumed_arn(app.auth, "dev-session")


def test_developer_identity_errors(server, app):
    ci = aws(server, "cognito-identity")
    before = identity_ids(server, app.pool_id)
    # Signed operation.
    unsigned = aws(server, "cognito-identity", config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    expect_error("MissingAuthenticationTokenException", unsigned.get_open_id_token_for_developer_identity,
                 status=403, IdentityPoolId=app.pool_id, Logins={app.dev_provider: "sneaky"})
    # Not the pool's developer provider.
    with pytest.raises(ClientError):
        ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={"login.other.test": "u1"})
    assert identity_ids(server, app.pool_id) == before

    # A developer user already linked to one identity cannot be linked to another.
    first = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id,
                                                        Logins={app.dev_provider: unique("dev")})["IdentityId"]
    second_user = unique("dev")
    second = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id,
                                                         Logins={app.dev_provider: second_user})["IdentityId"]
    expect_error("DeveloperUserAlreadyRegisteredException", ci.get_open_id_token_for_developer_identity,
                 IdentityPoolId=app.pool_id, IdentityId=first, Logins={app.dev_provider: second_user})
    assert ci.lookup_developer_identity(IdentityPoolId=app.pool_id,
                                        DeveloperUserIdentifier=second_user)["IdentityId"] == second


def test_developer_identity_linked_to_existing_identity(server, app):
    ci = aws(server, "cognito-identity")
    _, token = sign_in(server, app)
    identity_id = get_id(server, app.pool_id, {app.provider: token})
    dev_user = unique("dev")
    r = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, IdentityId=identity_id,
                                                    Logins={app.dev_provider: dev_user})
    assert r["IdentityId"] == identity_id
    logins = ci.describe_identity(IdentityId=identity_id)["Logins"]
    assert app.dev_provider in logins and len(logins) == 2, logins
    # Either login now gets credentials for the identity.
    assert role_of(server, get_credentials(server, identity_id, {COGNITO_IDENTITY: r["Token"]})) == \
        app.auth["RoleName"]

    # UnlinkIdentity (public): proves a login, removes the user-pool one.
    removed = [p for p in logins if p != app.dev_provider][0]
    assert set(ci.unlink_identity(IdentityId=identity_id, Logins={app.provider: token},
                                  LoginsToRemove=[removed])) == {"ResponseMetadata"}
    assert ci.describe_identity(IdentityId=identity_id)["Logins"] == [app.dev_provider]
    # The user-pool login is free again: it gets a new identity.
    assert get_id(server, app.pool_id, {app.provider: token}) != identity_id
    # UnlinkIdentity needs a valid login of the identity.
    expect_error("NotAuthorizedException", ci.unlink_identity, IdentityId=identity_id,
                 Logins={app.provider: tamper_jwt(token, sub="someone-else")}, LoginsToRemove=[app.dev_provider])
    assert ci.describe_identity(IdentityId=identity_id)["Logins"] == [app.dev_provider]


def test_lookup_merge_unlink_developer_identities(server, app):
    ci = aws(server, "cognito-identity")
    a, b = unique("dev-a"), unique("dev-b")
    ia = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={app.dev_provider: a})[
        "IdentityId"]
    ib = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={app.dev_provider: b})[
        "IdentityId"]
    assert ia != ib

    found = ci.lookup_developer_identity(IdentityPoolId=app.pool_id, DeveloperUserIdentifier=a, MaxResults=10)
    assert (found["IdentityId"], found["DeveloperUserIdentifierList"]) == (ia, [a])
    found = ci.lookup_developer_identity(IdentityPoolId=app.pool_id, IdentityId=ib, MaxResults=10)
    assert (found["IdentityId"], found["DeveloperUserIdentifierList"]) == (ib, [b])
    expect_error("ResourceNotFoundException", ci.lookup_developer_identity, IdentityPoolId=app.pool_id,
                 DeveloperUserIdentifier=unique("nobody"))
    expect_error("ResourceConflictException", ci.lookup_developer_identity, IdentityPoolId=app.pool_id,
                 IdentityId=ia, DeveloperUserIdentifier=b)

    merged = ci.merge_developer_identities(IdentityPoolId=app.pool_id, DeveloperProviderName=app.dev_provider,
                                           SourceUserIdentifier=a, DestinationUserIdentifier=b)
    assert merged["IdentityId"] == ib
    assert ci.lookup_developer_identity(IdentityPoolId=app.pool_id, DeveloperUserIdentifier=a)["IdentityId"] == ib
    both = ci.lookup_developer_identity(IdentityPoolId=app.pool_id, IdentityId=ib, MaxResults=10)
    assert sorted(both["DeveloperUserIdentifierList"]) == sorted([a, b])
    # Paged one at a time.
    page = ci.lookup_developer_identity(IdentityPoolId=app.pool_id, IdentityId=ib, MaxResults=1)
    assert len(page["DeveloperUserIdentifierList"]) == 1 and page.get("NextToken")
    rest = ci.lookup_developer_identity(IdentityPoolId=app.pool_id, IdentityId=ib, MaxResults=1,
                                        NextToken=page["NextToken"])
    assert sorted(page["DeveloperUserIdentifierList"] + rest["DeveloperUserIdentifierList"]) == sorted([a, b])
    # Both developer users now sign in to the destination identity.
    again = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={app.dev_provider: a})
    assert again["IdentityId"] == ib
    expect_error("ResourceNotFoundException", ci.merge_developer_identities, IdentityPoolId=app.pool_id,
                 DeveloperProviderName=app.dev_provider, SourceUserIdentifier=unique("nobody"),
                 DestinationUserIdentifier=b)

    assert set(ci.unlink_developer_identity(IdentityPoolId=app.pool_id, IdentityId=ib,
                                            DeveloperProviderName=app.dev_provider,
                                            DeveloperUserIdentifier=a)) == {"ResponseMetadata"}
    expect_error("ResourceNotFoundException", ci.lookup_developer_identity, IdentityPoolId=app.pool_id,
                 DeveloperUserIdentifier=a)
    assert ci.lookup_developer_identity(IdentityPoolId=app.pool_id, IdentityId=ib)["DeveloperUserIdentifierList"] \
        == [b]
    # The unlinked developer user gets a new identity next time.
    fresh = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id, Logins={app.dev_provider: a})
    assert fresh["IdentityId"] not in (ia, ib)


def test_describe_list_delete_identities(server):
    app = make_app(server)
    ci = aws(server, "cognito-identity")
    start = time.time()
    guests = [get_id(server, app.pool_id) for _ in range(3)]
    _, token = sign_in(server, app)
    user = get_id(server, app.pool_id, {app.provider: token})
    made = set(guests) | {user}

    listed, token_, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token_} if token_ else {}
        page = ci.list_identities(IdentityPoolId=app.pool_id, MaxResults=1, **kwargs)
        pages += 1
        assert len(page["Identities"]) <= 1
        listed += page["Identities"]
        token_ = page.get("NextToken")
        if not token_:
            break
    assert pages >= 4
    assert sorted(i["IdentityId"] for i in listed) == sorted(made)
    by_id = {i["IdentityId"]: i for i in listed}
    assert len(by_id[user]["Logins"]) == 1
    assert by_id[guests[0]].get("Logins", []) == []
    for identity_id in made:
        d = ci.describe_identity(IdentityId=identity_id)
        for field in ("CreationDate", "LastModifiedDate"):
            assert isinstance(d[field], datetime.datetime), d
            assert start - 120 < d[field].timestamp() < time.time() + 120, (field, d[field])
        assert d["IdentityId"] == identity_id

    deleted = ci.delete_identities(IdentityIdsToDelete=[guests[0], user])
    assert deleted["UnprocessedIdentityIds"] == []
    assert identity_ids(server, app.pool_id) == {guests[1], guests[2]}
    for gone in (guests[0], user):
        expect_error("ResourceNotFoundException", ci.describe_identity, identity_not_found(gone), IdentityId=gone)
        expect_error("ResourceNotFoundException", ci.get_credentials_for_identity, identity_not_found(gone),
                     IdentityId=gone)
    # The user's login is free again and gets a new identity.
    assert get_id(server, app.pool_id, {app.provider: token}) not in made

    # Deleting the pool deletes its identities.
    ci.delete_identity_pool(IdentityPoolId=app.pool_id)
    expect_error("ResourceNotFoundException", ci.describe_identity, identity_not_found(guests[1]),
                 IdentityId=guests[1])


# -- the identity issuer and the basic flow ---------------------------------------------------------


def test_identity_issuer_discovery(server):
    r = requests.get(server.url + "/identity/.well-known/openid-configuration", timeout=10)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["issuer"] == server.url + "/identity"
    assert doc["jwks_uri"] == server.url + "/identity/.well-known/jwks.json"
    assert "RS512" in doc["id_token_signing_alg_values_supported"]
    keys = jwks(server)["keys"]
    assert keys, "no keys"
    for k in keys:
        assert k["kty"] == "RSA" and k["kid"] and k["n"] and k["e"], k
        assert "d" not in k and "p" not in k, "private key material in the JWKS"


def test_get_open_id_token(server, app):
    ci = aws(server, "cognito-identity")
    _, token = sign_in(server, app)
    identity_id = get_id(server, app.pool_id, {app.provider: token})
    r = ci.get_open_id_token(IdentityId=identity_id, Logins={app.provider: token})
    assert r["IdentityId"] == identity_id
    claims = verify_identity_token(server, r["Token"], app.pool_id)
    assert claims["sub"] == identity_id
    assert claims["aud"] == app.pool_id
    assert "authenticated" in claims["amr"] and "unauthenticated" not in claims["amr"]
    assert app.provider in claims["amr"] or app.aws_provider in claims["amr"], claims["amr"]
    assert claims["exp"] - claims["iat"] == 600  # 10 minutes
    assert abs(claims["iat"] - time.time()) < 120
    # An authenticated identity needs its login.
    expect_error("NotAuthorizedException", ci.get_open_id_token, IdentityId=identity_id)

    guest = get_id(server, app.pool_id)
    g = ci.get_open_id_token(IdentityId=guest)
    assert g["IdentityId"] == guest
    gc = verify_identity_token(server, g["Token"], app.pool_id)
    assert (gc["sub"], gc["amr"]) == (guest, ["unauthenticated"])

    # A forged signature does not verify against the JWKS (the check above is meaningful).
    with pytest.raises(jwt.InvalidTokenError):
        verify_identity_token(server, tamper_jwt(r["Token"], sub=guest), app.pool_id)


def test_basic_flow_user_pool_guest_and_developer(server, app):
    ci = aws(server, "cognito-identity")
    sts = aws(server, "sts")
    _, token = sign_in(server, app)
    user = get_id(server, app.pool_id, {app.provider: token})
    user_token = ci.get_open_id_token(IdentityId=user, Logins={app.provider: token})["Token"]
    guest = get_id(server, app.pool_id)
    guest_token = ci.get_open_id_token(IdentityId=guest)["Token"]
    dev = ci.get_open_id_token_for_developer_identity(IdentityPoolId=app.pool_id,
                                                      Logins={app.dev_provider: unique("dev")})

    for identity_id, oid_token, role in ((user, user_token, app.auth), (guest, guest_token, app.unauth),
                                         (dev["IdentityId"], dev["Token"], app.auth)):
        r = sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="web-session",
                                              WebIdentityToken=oid_token)
        assert_credentials_shape(r["Credentials"], "SecretAccessKey")
        assert r["SubjectFromWebIdentityToken"] == identity_id
        assert r["Audience"] == app.pool_id
        assert r["AssumedRoleUser"]["Arn"] == assumed_arn(role, "web-session")
        assert r["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:web-session"
        who = caller(server, r["Credentials"])
        assert (who["Arn"], who["UserId"], who["Account"]) == (
            assumed_arn(role, "web-session"), f"{role['RoleId']}:web-session", ACCOUNT)

    # The trust policies decide: authenticated tokens cannot take the guest role and vice versa.
    expect_error("AccessDenied", sts.assume_role_with_web_identity, MSG_STS_DENIED, status=403,
                 RoleArn=app.unauth["Arn"], RoleSessionName="s1", WebIdentityToken=user_token)
    expect_error("AccessDenied", sts.assume_role_with_web_identity, MSG_STS_DENIED, status=403,
                 RoleArn=app.auth["Arn"], RoleSessionName="s1", WebIdentityToken=guest_token)
    # Another pool's roles do not trust this pool.
    other = make_app(server)
    expect_error("AccessDenied", sts.assume_role_with_web_identity, MSG_STS_DENIED, status=403,
                 RoleArn=other.auth["Arn"], RoleSessionName="s1", WebIdentityToken=user_token)
    expect_error("AccessDenied", sts.assume_role_with_web_identity, status=403,
                 RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{unique('nope')}", RoleSessionName="s1",
                 WebIdentityToken=user_token)
    # Bad tokens.
    expect_error("InvalidIdentityToken", sts.assume_role_with_web_identity, status=400,
                 RoleArn=app.auth["Arn"], RoleSessionName="s1", WebIdentityToken=tamper_jwt(user_token, sub=guest))
    expect_error("InvalidIdentityToken", sts.assume_role_with_web_identity, status=400,
                 RoleArn=app.auth["Arn"], RoleSessionName="s1", WebIdentityToken="not.a.token")
    # A user-pool ID token is not an identity-issuer token.
    expect_error("InvalidIdentityToken", sts.assume_role_with_web_identity, status=400,
                 RoleArn=app.auth["Arn"], RoleSessionName="s1", WebIdentityToken=token)


def test_basic_flow_trust_on_sub_and_durations(server, app):
    ci = aws(server, "cognito-identity")
    iam = aws(server, "iam")
    sts = aws(server, "sts")
    _, alice_login = sign_in(server, app)
    _, bob_login = sign_in(server, app)
    alice = get_id(server, app.pool_id, {app.provider: alice_login})
    bob = get_id(server, app.pool_id, {app.provider: bob_login})
    alice_token = ci.get_open_id_token(IdentityId=alice, Logins={app.provider: alice_login})["Token"]
    bob_token = ci.get_open_id_token(IdentityId=bob, Logins={app.provider: bob_login})["Token"]
    only_alice = make_role(iam, cognito_trust(app.pool_id, StringEquals={f"{COGNITO_IDENTITY}:sub": alice}),
                           MaxSessionDuration=7200)
    r = sts.assume_role_with_web_identity(RoleArn=only_alice["Arn"], RoleSessionName="alice",
                                          WebIdentityToken=alice_token, DurationSeconds=7200)
    assert 7200 - 120 < expiry_seconds(r["Credentials"]) <= 7205
    r = sts.assume_role_with_web_identity(RoleArn=only_alice["Arn"], RoleSessionName="alice",
                                          WebIdentityToken=alice_token, DurationSeconds=900)
    assert 900 - 120 < expiry_seconds(r["Credentials"]) <= 905
    expect_error("AccessDenied", sts.assume_role_with_web_identity, MSG_STS_DENIED, status=403,
                 RoleArn=only_alice["Arn"], RoleSessionName="bob", WebIdentityToken=bob_token)
    # Beyond the role's MaxSessionDuration (3600 by default): refused or capped, never longer.
    try:
        r = sts.assume_role_with_web_identity(RoleArn=app.auth["Arn"], RoleSessionName="long",
                                              WebIdentityToken=alice_token, DurationSeconds=7200)
    except ClientError as e:
        assert error_of_client(e)[0] == "ValidationError", error_of_client(e)
    else:
        assert expiry_seconds(r["Credentials"]) <= 3605


def error_of_client(e: ClientError) -> tuple[str, str]:
    return e.response["Error"]["Code"], e.response["Error"].get("Message", "")


# -- role mapping ---------------------------------------------------------------------------------

DENY_AMBIGUOUS = "deny-ambiguous"
DENY = "deny"


def case(case_id, expected, *, groups=(), attributes=None, mapping=None, custom_role=None):
    return pytest.param(
        SimpleNamespace(groups=groups, attributes=attributes or {}, mapping=mapping, custom_role=custom_role,
                        expected=expected),
        id=case_id,
    )


def token_mapping(ambiguous="AuthenticatedRole", key="host"):
    return {"Type": "Token", "AmbiguousRoleResolution": ambiguous, "key": key}


def rules_mapping(*rules, ambiguous="AuthenticatedRole", key="host"):
    return {"Type": "Rules", "AmbiguousRoleResolution": ambiguous, "rules": rules, "key": key}


ADMIN_FIRST = (("admins", "admin", 1), ("editors", "editor", 5))
TIE = (("admins", "admin", 3), ("editors", "editor", 3))

ROLE_MAPPING_CASES = [
    # Token: cognito:preferred_role (the lowest group Precedence), else a single cognito:roles entry.
    case("token/preferred-role", "admin", groups=ADMIN_FIRST, mapping=token_mapping()),
    case("token/precedence-decides", "editor", groups=(("admins", "admin", 5), ("editors", "editor", 1)),
         mapping=token_mapping()),
    case("token/single-role-without-precedence", "viewer", groups=(("viewers", "viewer", None),),
         mapping=token_mapping()),
    case("token/aws-key-form", "admin", groups=ADMIN_FIRST, mapping=token_mapping(key="aws")),
    case("token/no-roles-authenticated-role", "default", mapping=token_mapping()),
    case("token/no-roles-deny", DENY_AMBIGUOUS, mapping=token_mapping("Deny")),
    case("token/group-without-role-deny", DENY_AMBIGUOUS, groups=(("plain", None, 1),), mapping=token_mapping("Deny")),
    case("token/tie-authenticated-role", "default", groups=TIE, mapping=token_mapping()),
    case("token/tie-deny", DENY_AMBIGUOUS, groups=TIE, mapping=token_mapping("Deny")),
    case("token/mapping-for-another-client", "default", groups=ADMIN_FIRST,
         mapping=token_mapping("Deny", key="second-client")),
    # CustomRoleArn: must be one of cognito:roles.
    case("custom/among-roles", "editor", groups=ADMIN_FIRST, mapping=token_mapping("Deny"), custom_role="editor"),
    case("custom/resolves-tie", "admin", groups=TIE, mapping=token_mapping("Deny"), custom_role="admin"),
    case("custom/not-in-token", DENY, groups=(("admins", "admin", 1),), mapping=token_mapping(),
         custom_role="viewer"),
    case("custom/no-roles-in-token", DENY, mapping=token_mapping(), custom_role="admin"),
    case("custom/without-mapping", "editor", groups=ADMIN_FIRST, custom_role="editor"),
    case("no-mapping/groups-ignored", "default", groups=ADMIN_FIRST),
    # Rules on claims: the first matching rule wins.
    case("rules/equals", "editor", attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "Equals", "ada@example.com", "editor"))),
    case("rules/equals-is-exact", "default", attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "Equals", "ADA@example.com", "editor"))),
    case("rules/contains", "editor", attributes={"custom:dept": "platform-engineering"},
         mapping=rules_mapping(("custom:dept", "Contains", "engineer", "editor"))),
    case("rules/contains-no-match", "default", attributes={"custom:dept": "sales"},
         mapping=rules_mapping(("custom:dept", "Contains", "engineer", "editor"))),
    case("rules/starts-with", "admin", attributes={"email": "admin.bob@example.com"},
         mapping=rules_mapping(("email", "StartsWith", "admin.", "admin"))),
    case("rules/starts-with-no-match", "default", attributes={"email": "bob.admin@example.com"},
         mapping=rules_mapping(("email", "StartsWith", "admin.", "admin"))),
    case("rules/not-equal", "viewer", attributes={"custom:dept": "eng"},
         mapping=rules_mapping(("custom:dept", "NotEqual", "sales", "viewer"))),
    case("rules/not-equal-same-value", "default", attributes={"custom:dept": "sales"},
         mapping=rules_mapping(("custom:dept", "NotEqual", "sales", "viewer"))),
    case("rules/not-equal-missing-claim", "default", attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("custom:dept", "NotEqual", "sales", "viewer"))),
    case("rules/not-equal-missing-claim-deny", DENY_AMBIGUOUS, attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("custom:dept", "NotEqual", "sales", "viewer"), ambiguous="Deny")),
    case("rules/first-match-wins", "viewer", attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "StartsWith", "ada", "viewer"),
                               ("email", "Equals", "ada@example.com", "editor"))),
    case("rules/skips-non-matching", "editor", attributes={"email": "ada@example.com", "custom:dept": "eng"},
         mapping=rules_mapping(("email", "Equals", "nobody@example.com", "admin"),
                               ("custom:dept", "Equals", "eng", "editor"))),
    case("rules/no-match-deny", DENY_AMBIGUOUS, attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "Equals", "bob@example.com", "admin"), ambiguous="Deny")),
    case("rules/aws-key-form", "editor", attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "Equals", "ada@example.com", "editor"), key="aws")),
    case("rules/mapping-for-another-client", "default", attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "Equals", "ada@example.com", "editor"), ambiguous="Deny",
                               key="second-client")),
    case("rules/ignore-groups", "editor", groups=ADMIN_FIRST, attributes={"email": "ada@example.com"},
         mapping=rules_mapping(("email", "Equals", "ada@example.com", "editor"))),
]


@pytest.mark.parametrize("c", ROLE_MAPPING_CASES)
def test_role_mapping(server, c):
    ci = aws(server, "cognito-identity")
    iam = aws(server, "iam")
    idp = server.client()
    app = make_app(server, second_client=True)
    roles = {"default": app.auth}
    for key in ("admin", "editor", "viewer"):
        roles[key] = make_role(iam, cognito_trust(app.pool_id), name=unique(key))

    if c.mapping is not None:
        provider = app.aws_provider if c.mapping["key"] == "aws" else app.provider
        client = app.up.second_client_id if c.mapping["key"] == "second-client" else app.up.client_id
        mapping = {"Type": c.mapping["Type"], "AmbiguousRoleResolution": c.mapping["AmbiguousRoleResolution"]}
        if c.mapping["Type"] == "Rules":
            mapping["RulesConfiguration"] = {"Rules": [
                {"Claim": claim, "MatchType": match, "Value": value, "RoleARN": roles[role]["Arn"]}
                for claim, match, value, role in c.mapping["rules"]
            ]}
        ci.set_identity_pool_roles(IdentityPoolId=app.pool_id,
                                   Roles={"authenticated": app.auth["Arn"], "unauthenticated": app.unauth["Arn"]},
                                   RoleMappings={f"{provider}:{client}": mapping})
    groups = []
    for group, role, precedence in c.groups:
        name = unique(group)
        kwargs = {"RoleArn": roles[role]["Arn"]} if role else {}
        if precedence is not None:
            kwargs["Precedence"] = precedence
        idp.create_group(UserPoolId=app.up.id, GroupName=name, **kwargs)
        groups.append(name)
    _, token = sign_in(server, app, attributes=c.attributes, groups=tuple(groups))
    logins = {app.provider: token}
    identity_id = get_id(server, app.pool_id, logins)
    kwargs = {"CustomRoleArn": roles[c.custom_role]["Arn"]} if c.custom_role else {}

    if c.expected in (DENY, DENY_AMBIGUOUS):
        message = MSG_AMBIGUOUS if c.expected == DENY_AMBIGUOUS else None
        expect_error("NotAuthorizedException", ci.get_credentials_for_identity, message,
                     IdentityId=identity_id, Logins=logins, **kwargs)
    else:
        creds = get_credentials(server, identity_id, logins, **kwargs)
        assert caller(server, creds)["Arn"] == assumed_arn(roles[c.expected])


# -- IAM -------------------------------------------------------------------------------------


def test_iam_role_lifecycle(server):
    iam = aws(server, "iam")
    name = unique("AppRole")
    trust = cognito_trust(f"us-east-1:{uuid.uuid4()}")
    start = time.time()
    created = iam.create_role(RoleName=name, Path="/app/", AssumeRolePolicyDocument=json.dumps(trust),
                              Description="A role for the app", MaxSessionDuration=7200)["Role"]
    assert created["RoleName"] == name
    assert created["Path"] == "/app/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app/{name}"
    assert re.match(r"^AROA[A-Z0-9]{12,}$", created["RoleId"]), created["RoleId"]
    assert start - 120 < created["CreateDate"].timestamp() < time.time() + 120

    got = iam.get_role(RoleName=name)["Role"]
    assert got["Arn"] == created["Arn"] and got["RoleId"] == created["RoleId"]
    # botocore decodes the (URL-encoded) policy documents into dicts.
    assert got["AssumeRolePolicyDocument"] == trust
    assert got["Description"] == "A role for the app"
    assert got["MaxSessionDuration"] == 7200

    def listed(**kwargs) -> list[dict]:
        out, marker = [], None
        while True:
            extra = {"Marker": marker} if marker else {}
            page = iam.list_roles(**kwargs, **extra)
            out += page["Roles"]
            if not page.get("IsTruncated"):
                return out
            marker = page["Marker"]

    assert [r["RoleName"] for r in listed(PathPrefix="/app/")].count(name) == 1
    assert name in [r["RoleName"] for r in listed()]
    assert name not in [r["RoleName"] for r in listed(PathPrefix="/other/")]

    new_trust = cognito_trust(f"us-east-1:{uuid.uuid4()}", "unauthenticated")
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == new_trust

    p1 = policy_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::files/{SUB_VAR}/*"})
    p2 = policy_doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})
    iam.put_role_policy(RoleName=name, PolicyName="read-own", PolicyDocument=json.dumps(p1))
    iam.put_role_policy(RoleName=name, PolicyName="no-delete", PolicyDocument=json.dumps(p2))
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["no-delete", "read-own"]
    got = iam.get_role_policy(RoleName=name, PolicyName="read-own")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == (name, "read-own", p1)
    # PutRolePolicy replaces a policy of the same name.
    p1b = policy_doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                      "Resource": f"arn:aws:s3:::files/{SUB_VAR}/*"})
    iam.put_role_policy(RoleName=name, PolicyName="read-own", PolicyDocument=json.dumps(p1b))
    assert iam.get_role_policy(RoleName=name, PolicyName="read-own")["PolicyDocument"] == p1b
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["no-delete", "read-own"]

    expect_error("DeleteConflict", iam.delete_role, "Cannot delete entity, must delete policies first.",
                 status=409, RoleName=name)
    iam.delete_role_policy(RoleName=name, PolicyName="read-own")
    expect_error("NoSuchEntity", iam.get_role_policy, "The role policy with name read-own cannot be found.",
                 status=404, RoleName=name, PolicyName="read-own")
    expect_error("NoSuchEntity", iam.delete_role_policy, status=404, RoleName=name, PolicyName="read-own")
    iam.delete_role_policy(RoleName=name, PolicyName="no-delete")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    iam.delete_role(RoleName=name)
    expect_error("NoSuchEntity", iam.get_role, f"The role with name {name} cannot be found.", status=404,
                 RoleName=name)
    assert name not in [r["RoleName"] for r in listed()]


def test_iam_errors(server):
    iam = aws(server, "iam")
    name = unique("Dup")
    trust = json.dumps(cognito_trust(None))
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    expect_error("EntityAlreadyExists", iam.create_role, f"Role with name {name} already exists.", status=409,
                 RoleName=name, AssumeRolePolicyDocument=trust)

    bad = unique("Bad")
    expect_error("MalformedPolicyDocument", iam.create_role, status=400, RoleName=bad,
                 AssumeRolePolicyDocument="{not json")
    expect_error("MalformedPolicyDocument", iam.create_role, status=400, RoleName=bad,
                 AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": "everything"}))
    expect_error("NoSuchEntity", iam.get_role, status=404, RoleName=bad)
    expect_error("ValidationError", iam.create_role, RoleName="bad/name", AssumeRolePolicyDocument=trust)

    not_a_policy = json.dumps(policy_doc({"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}))
    expect_error("MalformedPolicyDocument", iam.put_role_policy, status=400, RoleName=name, PolicyName="p",
                 PolicyDocument="[1, 2")
    expect_error("MalformedPolicyDocument", iam.put_role_policy, status=400, RoleName=name, PolicyName="p",
                 PolicyDocument=not_a_policy)
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    expect_error("MalformedPolicyDocument", iam.update_assume_role_policy, status=400, RoleName=name,
                 PolicyDocument="{")
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == json.loads(trust)

    missing = unique("Missing")
    doc = json.dumps(policy_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    for fn, kwargs in [
        (iam.get_role, {}),
        (iam.delete_role, {}),
        (iam.update_assume_role_policy, {"PolicyDocument": trust}),
        (iam.put_role_policy, {"PolicyName": "p", "PolicyDocument": doc}),
        (iam.get_role_policy, {"PolicyName": "p"}),
        (iam.delete_role_policy, {"PolicyName": "p"}),
        (iam.list_role_policies, {}),
    ]:
        with pytest.raises(ClientError) as e:
            fn(RoleName=missing, **kwargs)
        code, _, status = error_of(e)
        assert (code, status) == ("NoSuchEntity", 404), (fn.__name__, error_of(e))
    expect_error("NoSuchEntity", iam.get_role, f"The role with name {missing} cannot be found.", RoleName=missing)


def test_iam_needs_the_admin_keys(server, app):
    trust = json.dumps(cognito_trust(None))
    guest_creds = get_credentials(server, get_id(server, app.pool_id))
    clients = {
        "unsigned": aws(server, "iam", config=botocore.config.Config(signature_version=botocore.UNSIGNED)),
        "wrong secret": aws(server, "iam", secret_key="not-the-secret"),
        "unknown key": aws(server, "iam", access_key="AKIDUNKNOWN", secret_key="whatever"),
        "temporary credentials": aws(server, "iam", creds=guest_creds),
    }
    for label, client in clients.items():
        name = unique("Sneaky")
        with pytest.raises(ClientError) as e:
            client.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        assert error_of(e)[2] == 403, (label, error_of(e))
        expect_error("NoSuchEntity", aws(server, "iam").get_role, RoleName=name)


def test_iam_list_roles_pages(server):
    iam = aws(server, "iam")
    path = f"/{uuid.uuid4().hex[:8]}/"
    names = {make_role(iam, cognito_trust(None), name=unique("Paged"), Path=path)["RoleName"] for _ in range(3)}
    seen, marker = [], None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = iam.list_roles(PathPrefix=path, MaxItems=1, **kwargs)
        assert len(page["Roles"]) <= 1
        seen += [r["RoleName"] for r in page["Roles"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert sorted(seen) == sorted(names)


def test_roles_from_config(server_factory):
    trust = json.dumps(policy_doc({
        "Effect": "Allow",
        "Principal": {"Federated": COGNITO_IDENTITY},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {f"{COGNITO_IDENTITY}:aud": "us-east-1:*"},
                      "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": "authenticated"}},
    }))
    files = json.dumps(policy_doc({"Effect": "Allow", "Action": "s3:GetObject",
                                   "Resource": f"arn:aws:s3:::files/{SUB_VAR}/*"}))
    config = f"""
[[iam.roles]]
name = "CfgAuthRole"
assume_role_policy = '''{trust}'''
[iam.roles.policies]
files = '''{files}'''
"""
    srv = server_factory(config_text=config)
    iam = aws(srv, "iam")
    role = iam.get_role(RoleName="CfgAuthRole")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/CfgAuthRole"
    assert role["Path"] == "/"
    assert role["AssumeRolePolicyDocument"] == json.loads(trust)
    assert iam.list_role_policies(RoleName="CfgAuthRole")["PolicyNames"] == ["files"]
    assert iam.get_role_policy(RoleName="CfgAuthRole", PolicyName="files")["PolicyDocument"] == json.loads(files)

    app = make_app(srv, set_roles=False, aws_form=True)
    aws(srv, "cognito-identity").set_identity_pool_roles(IdentityPoolId=app.pool_id,
                                                         Roles={"authenticated": role["Arn"]})
    _, token = sign_in(srv, app)
    identity_id = get_id(srv, app.pool_id, {app.provider: token})
    creds = get_credentials(srv, identity_id, {app.provider: token})
    assert caller(srv, creds)["Arn"] == assumed_arn("CfgAuthRole")
    assert decide(srv, creds, "s3:GetObject", f"arn:aws:s3:::files/{identity_id}/a.txt")["decision"] == "Allow"
    assert decide(srv, creds, "s3:GetObject", "arn:aws:s3:::files/someone-else/a.txt")["decision"] == "ImplicitDeny"

    # A restart applies the configuration again without duplicating the role; issued
    # credentials survive it.
    srv.restart()
    assert [r["RoleName"] for r in aws(srv, "iam").list_roles()["Roles"]].count("CfgAuthRole") == 1
    assert caller(srv, creds)["Arn"] == assumed_arn("CfgAuthRole")
    token = id_token(srv, app.up.client_id, new_user(srv, app.up.id))
    other = get_id(srv, app.pool_id, {app.provider: token})
    assert caller(srv, get_credentials(srv, other, {app.provider: token}))["Arn"] == assumed_arn("CfgAuthRole")


# -- credentials in use: POST /_cognate/authorize --------------------------------------------------


@pytest.fixture(scope="module")
def authz(server):
    """Alice, Bob (enhanced flow), a guest (enhanced and basic flow) and Alice through the basic
    flow with an inline session policy, on an app whose authenticated role has FILES_POLICY."""
    app = make_app(server, classic=True, auth_policies={"files": FILES_POLICY}, unauth_policies={"guest": GUEST_POLICY})
    ci = aws(server, "cognito-identity")
    sts = aws(server, "sts")
    people = {}
    for who in ("alice", "bob"):
        _, token = sign_in(server, app)
        identity_id = get_id(server, app.pool_id, {app.provider: token})
        people[who] = SimpleNamespace(id=identity_id, token=token,
                                      creds=get_credentials(server, identity_id, {app.provider: token}))
    guest_id = get_id(server, app.pool_id)
    people["guest"] = SimpleNamespace(id=guest_id, creds=get_credentials(server, guest_id))
    guest_token = ci.get_open_id_token(IdentityId=guest_id)["Token"]
    people["guest_basic"] = SimpleNamespace(id=guest_id, creds=sts.assume_role_with_web_identity(
        RoleArn=app.unauth["Arn"], RoleSessionName="guest-basic", WebIdentityToken=guest_token)["Credentials"])
    alice = people["alice"]
    alice_token = ci.get_open_id_token(IdentityId=alice.id, Logins={app.provider: alice.token})["Token"]
    session_policy = policy_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    people["alice_scoped"] = SimpleNamespace(id=alice.id, creds=sts.assume_role_with_web_identity(
        RoleArn=app.auth["Arn"], RoleSessionName="scoped", WebIdentityToken=alice_token,
        Policy=json.dumps(session_policy))["Credentials"])
    return SimpleNamespace(app=app, **people)


AUTHZ_CASES = [
    # (who, action, resource (with {alice}/{bob}/{guest}), context, decision)
    ("alice", "s3:GetObject", "arn:aws:s3:::files/{alice}/photo.jpg", None, "Allow"),
    ("alice", "s3:GetObjectVersion", "arn:aws:s3:::files/{alice}/photo.jpg", None, "Allow"),
    ("alice", "S3:getobject", "arn:aws:s3:::files/{alice}/photo.jpg", None, "Allow"),
    ("alice", "s3:PutObject", "arn:aws:s3:::files/{alice}/new.jpg", None, "Allow"),
    ("alice", "s3:DeleteObject", "arn:aws:s3:::files/{alice}/photo.jpg", None, "ImplicitDeny"),
    ("alice", "s3:GetObject", "arn:aws:s3:::files/{bob}/photo.jpg", None, "ImplicitDeny"),
    ("alice", "s3:GetObject", "arn:aws:s3:::files/{alice}", None, "ImplicitDeny"),
    ("alice", "s3:GetObject", "arn:aws:s3:::files/{alice}/secret/plans.txt", None, "ExplicitDeny"),
    ("alice", "s3:PutObject", "arn:aws:s3:::files/{alice}/secret/plans.txt", None, "ExplicitDeny"),
    ("alice", "s3:ListBucket", "arn:aws:s3:::files", {"s3:prefix": "{alice}/photos"}, "Allow"),
    ("alice", "s3:ListBucket", "arn:aws:s3:::files", {"s3:prefix": "{bob}/photos"}, "ImplicitDeny"),
    ("alice", "s3:ListBucket", "arn:aws:s3:::files", None, "ImplicitDeny"),
    ("alice", "dynamodb:GetItem", NOTES_TABLE, {"aws:SourceIp": "203.0.113.7"}, "Allow"),
    ("alice", "dynamodb:GetItem", NOTES_TABLE, {"aws:SourceIp": "198.51.100.7"}, "ImplicitDeny"),
    ("alice", "dynamodb:GetItem", NOTES_TABLE, None, "ImplicitDeny"),
    ("bob", "s3:GetObject", "arn:aws:s3:::files/{bob}/photo.jpg", None, "Allow"),
    ("bob", "s3:GetObject", "arn:aws:s3:::files/{alice}/photo.jpg", None, "ImplicitDeny"),
    # The guest role's own policy, cut down by Cognito's scope-down session policy.
    ("guest", "s3:GetObject", "arn:aws:s3:::files/public/readme.txt", None, "Allow"),
    ("guest", "s3:GetObject", "arn:aws:s3:::files/{guest}/photo.jpg", None, "ImplicitDeny"),
    ("guest", "s3:PutObject", "arn:aws:s3:::files/public/readme.txt", None, "ImplicitDeny"),
    ("guest", "dynamodb:GetItem", NOTES_TABLE, None, "Allow"),
    ("guest", "kms:Decrypt", "*", None, "Allow"),
    ("guest", "kms:CreateKey", "*", None, "ImplicitDeny"),
    ("guest", "ec2:DescribeInstances", "*", None, "ImplicitDeny"),
    # The basic flow applies no scope-down.
    ("guest_basic", "ec2:DescribeInstances", "*", None, "Allow"),
    ("guest_basic", "kms:CreateKey", "*", None, "Allow"),
    # AssumeRoleWithWebIdentity's Policy limits the role's permissions.
    ("alice_scoped", "s3:GetObject", "arn:aws:s3:::files/{alice}/photo.jpg", None, "Allow"),
    ("alice_scoped", "s3:PutObject", "arn:aws:s3:::files/{alice}/new.jpg", None, "ImplicitDeny"),
    ("alice_scoped", "s3:GetObject", "arn:aws:s3:::files/{bob}/photo.jpg", None, "ImplicitDeny"),
    ("alice_scoped", "s3:GetObject", "arn:aws:s3:::files/{alice}/secret/plans.txt", None, "ExplicitDeny"),
]


@pytest.mark.parametrize("who, action, resource, context, expected", AUTHZ_CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(AUTHZ_CASES)])
def test_authorize_decisions(server, authz, who, action, resource, context, expected):
    ids = {"alice": authz.alice.id, "bob": authz.bob.id, "guest": authz.guest.id}
    resource = resource.format(**ids)
    if context is not None:
        context = {k: v.format(**ids) for k, v in context.items()}
    answer = decide(server, getattr(authz, who).creds, action, resource, context)
    assert answer["decision"] == expected, (who, action, resource, answer)


def test_authorize_principal(server, authz):
    app = authz.app
    answer = decide(server, authz.alice.creds, "s3:GetObject", f"arn:aws:s3:::files/{authz.alice.id}/photo.jpg")
    expected = {
        "arn": assumed_arn(app.auth),
        "roleArn": app.auth["Arn"],
        "accessKeyId": authz.alice.creds["AccessKeyId"],
        "identityId": authz.alice.id,
        "identityPoolId": app.pool_id,
    }
    # (More members are fine.)
    assert {k: answer["principal"].get(k) for k in expected} == expected, answer["principal"]
    guest = decide(server, authz.guest.creds, "s3:GetObject", "arn:aws:s3:::files/public/readme.txt")
    assert guest["principal"]["arn"] == assumed_arn(app.unauth)
    assert guest["principal"]["roleArn"] == app.unauth["Arn"]
    assert guest["principal"]["identityId"] == authz.guest.id
    scoped = decide(server, authz.alice_scoped.creds, "s3:GetObject", f"arn:aws:s3:::files/{authz.alice.id}/a")
    assert scoped["principal"]["arn"] == assumed_arn(app.auth, "scoped")
    assert scoped["principal"]["accessKeyId"] == authz.alice_scoped.creds["AccessKeyId"]
    assert scoped["principal"]["identityId"] == authz.alice.id


def test_authorize_request_forms(server, authz):
    alice = authz.alice
    # A POST whose body is sent (no x-amz-content-sha256 header).
    body = b'{"item": "book", "quantity": 2}'
    answer = decide(server, alice.creds, "execute-api:Invoke", ORDERS_API, method="POST", url=ORDERS_URL, body=body,
                    service="execute-api", content_sha=False, headers={"Content-Type": "application/json"})
    assert answer["decision"] == "Allow"
    # Headers as a list of [name, value] pairs.
    parts = signed_parts(alice.creds)
    parts["headers"] = [[k, v] for k, v in parts["headers"].items()]
    r = authorize(server, parts, "s3:GetObject", f"arn:aws:s3:::files/{alice.id}/photo.jpg")
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "Allow"
    # A signed body is sent too (and checked against the signed hash).
    put = decide(server, alice.creds, "s3:PutObject", f"arn:aws:s3:::files/{alice.id}/n.txt", method="PUT",
                 url="https://files.example.com/photos/n.txt", body=b"hello")
    assert put["decision"] == "Allow"


def test_authorize_refuses_bad_signatures(server, authz):
    alice, bob = authz.alice, authz.bob
    resource = f"arn:aws:s3:::files/{alice.id}/photo.jpg"

    parts = signed_parts(alice.creds)
    auth = parts["headers"]["authorization"]
    last = auth[-1]
    parts["headers"]["authorization"] = auth[:-1] + ("0" if last != "0" else "1")
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidSignatureException")

    # Another path than the signed one.
    parts = signed_parts(alice.creds)
    parts["path"] = "/photos/other.jpg?versionId=1"
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidSignatureException")

    # Another signed header value.
    parts = signed_parts(alice.creds)
    parts["headers"]["host"] = "evil.example.com"
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidSignatureException")

    # A tampered body.
    parts = signed_parts(alice.creds, method="POST", url=ORDERS_URL, body=b'{"quantity": 1}', service="execute-api",
                         content_sha=False)
    parts["body"] = base64.b64encode(b'{"quantity": 100}').decode()
    refused(authorize(server, parts, "execute-api:Invoke", ORDERS_API), "InvalidSignatureException")

    # Signed with the wrong secret.
    parts = signed_parts(alice.creds, secret_key=bob.creds["SecretKey"])
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidSignatureException")

    # Alice's key with Bob's session token, or with none at all.
    parts = signed_parts(alice.creds, session_token=bob.creds["SessionToken"])
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidClientTokenId", "InvalidSignatureException")
    parts = signed_parts(alice.creds, session_token="x" * len(alice.creds["SessionToken"]))
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidClientTokenId", "InvalidSignatureException")
    parts = signed_parts(alice.creds, session_token=False)
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidClientTokenId", "InvalidSignatureException")

    # An access key Cognate never issued.
    parts = signed_parts(alice.creds, access_key="ASIAUNKNOWNKEY000000", session_token=False)
    refused(authorize(server, parts, "s3:GetObject", resource), "InvalidClientTokenId")

    # No signature at all, or half of one.
    parts = signed_parts(alice.creds)
    del parts["headers"]["authorization"]
    r = authorize(server, parts, "s3:GetObject", resource)
    assert r.status_code in (400, 403), r.text
    assert r.json().get("allowed") is not True
    parts = signed_parts(alice.creds)
    parts["headers"]["authorization"] = parts["headers"]["authorization"].split(", Signature=")[0]
    refused(authorize(server, parts, "s3:GetObject", resource), "IncompleteSignatureException")

    # A stale signature (more than 15 minutes old).
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: old.replace(tzinfo=None))
        stale = signed_parts(alice.creds)
    refused(authorize(server, stale, "s3:GetObject", resource), "InvalidSignatureException")


def test_authorize_other_role_credentials(server, authz, app):
    # Credentials of another app's role know nothing of this app's files policy.
    _, token = sign_in(server, app)
    identity_id = get_id(server, app.pool_id, {app.provider: token})
    other_creds = get_credentials(server, identity_id, {app.provider: token})
    answer = decide(server, other_creds, "s3:GetObject", f"arn:aws:s3:::files/{identity_id}/photo.jpg")
    assert answer["decision"] == "ImplicitDeny"
    # The guest's credentials cannot read Alice's files even though Alice's role could.
    answer = decide(server, authz.guest.creds, "s3:GetObject", f"arn:aws:s3:::files/{authz.alice.id}/photo.jpg")
    assert answer["decision"] == "ImplicitDeny"
    # Bob's credentials are Bob's: the policy variable is his identity id.
    answer = decide(server, authz.bob.creds, "s3:GetObject", f"arn:aws:s3:::files/{authz.alice.id}/photo.jpg")
    assert answer["decision"] == "ImplicitDeny"


# -- expired login tokens and credentials (libfaketime) ---------------------------------------------

LIBFAKETIME = next((p for p in (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
) if Path(p).exists()), None)


@pytest.mark.skipif(LIBFAKETIME is None, reason="needs libfaketime (Debian package libfaketime) to run the "
                                                "server two hours in the past")
def test_expired_login_tokens_and_credentials(server_factory):
    # A fixed public URL: the issuers (user pool and identity) stay the same across the restarts,
    # which change the port.
    srv = server_factory(config_text='public_url = "https://cognate.example.test"\n')
    app = make_app(srv, classic=True, auth_policies={"files": FILES_POLICY}, aws_form=True)
    username = new_user(srv, app.up.id)

    # The same data, the server's clock two hours behind; unsigned calls only (a signature made
    # now would be two hours in its future).
    srv.extra_env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "-2h", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    srv.restart()
    ci = aws(srv, "cognito-identity")
    token = id_token(srv, app.up.client_id, username)
    claims = unverified(token)
    assert claims["exp"] < time.time() - 1800, "the server's clock was not moved back"
    identity_id = get_id(srv, app.pool_id, {app.provider: token})
    creds = get_credentials(srv, identity_id, {app.provider: token})
    assert expiry_seconds(creds) < -1800
    openid = ci.get_open_id_token(IdentityId=identity_id, Logins={app.provider: token})["Token"]
    guest = get_id(srv, app.pool_id)

    srv.extra_env = {}
    srv.restart()
    ci = aws(srv, "cognito-identity")
    before = identity_ids(srv, app.pool_id)
    assert before == {identity_id, guest}

    # An expired user-pool ID token: Cognito's message with the token's exp and the time now.
    for fn, kwargs in ((ci.get_id, {"IdentityPoolId": app.pool_id}),
                       (ci.get_credentials_for_identity, {"IdentityId": identity_id}),
                       (ci.get_credentials_for_identity, {"IdentityId": guest}),
                       (ci.get_open_id_token, {"IdentityId": identity_id})):
        msg = expect_error("NotAuthorizedException", fn, Logins={app.provider: token}, **kwargs)
        m = EXPIRED_RE.match(msg)
        assert m, msg
        assert int(m.group(1)) == claims["exp"]
        assert abs(int(m.group(2)) - time.time()) < 120
    assert identity_ids(srv, app.pool_id) == before
    assert ci.describe_identity(IdentityId=guest).get("Logins", []) == []

    # Expired credentials.
    r = authorize(srv, signed_parts(creds), "s3:GetObject", f"arn:aws:s3:::files/{identity_id}/photo.jpg")
    refused(r, "ExpiredToken")
    expect_error("ExpiredToken", aws(srv, "sts", creds=creds).get_caller_identity)
    # An expired identity token in the basic flow.
    expect_error("ExpiredTokenException", aws(srv, "sts").assume_role_with_web_identity, status=400,
                 RoleArn=app.auth["Arn"], RoleSessionName="late", WebIdentityToken=openid)

    # A fresh sign-in works again.
    fresh = id_token(srv, app.up.client_id, username)
    again = get_credentials(srv, identity_id, {app.provider: fresh})
    assert decide(srv, again, "s3:GetObject", f"arn:aws:s3:::files/{identity_id}/photo.jpg")["decision"] == "Allow"


# -- OpenID Connect and Facebook providers --------------------------------------------------------


@pytest.fixture(scope="module")
def federation(backend, tmp_path_factory):
    """A server configured with an OIDC provider and Facebook's token-info, both stubs on
    127.0.0.1, and an identity pool accepting them (the OIDC login mapped by a Rules mapping
    on its `tier` claim)."""
    stub = Stub()
    oidc = OidcProvider(stub)
    fb = FacebookStub(stub)
    amzn = AmazonStub(stub)
    config = f"""
[identity.providers."{oidc.key}"]
issuer = "{oidc.issuer}"
jwks_uri = "{oidc.jwks_uri}"

[identity.providers."graph.facebook.com"]
token_info_url = "{fb.url}"

[identity.providers."www.amazon.com"]
token_info_url = "{amzn.url}"
"""
    factory = _Factory(backend, tmp_path_factory.mktemp(f"cognate-federation-{backend}"))
    try:
        srv = factory(config_text=config)
        ci = aws(srv, "cognito-identity")
        iam = aws(srv, "iam")
        pool_id = ci.create_identity_pool(
            IdentityPoolName=unique("fed"), AllowUnauthenticatedIdentities=False, AllowClassicFlow=True,
            SupportedLoginProviders={oidc.key: OidcProvider.CLIENT_ID, "graph.facebook.com": FacebookStub.APP_ID,
                                     "www.amazon.com": AmazonStub.APP_ID},
        )["IdentityPoolId"]
        auth = make_role(iam, cognito_trust(pool_id), name=unique("fed-auth"))
        gold = make_role(iam, cognito_trust(pool_id), name=unique("fed-gold"))
        ci.set_identity_pool_roles(
            IdentityPoolId=pool_id, Roles={"authenticated": auth["Arn"]},
            RoleMappings={oidc.key: {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
                                     "RulesConfiguration": {"Rules": [
                                         {"Claim": "tier", "MatchType": "Equals", "Value": "gold",
                                          "RoleARN": gold["Arn"]}]}}},
        )
        yield SimpleNamespace(server=srv, stub=stub, oidc=oidc, fb=fb, amzn=amzn, pool_id=pool_id, auth=auth,
                              gold=gold)
    finally:
        factory.finish()
        stub.close()


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "ES256", "ES384"])
def test_oidc_login(federation, alg):
    f = federation
    srv, oidc = f.server, f.oidc
    sub = unique("oidc-user")
    identity_id = get_id(srv, f.pool_id, {oidc.key: oidc.token(sub, alg=alg)})
    # Same subject, new token: same identity.
    assert get_id(srv, f.pool_id, {oidc.key: oidc.token(sub, alg=alg)}) == identity_id
    assert get_id(srv, f.pool_id, {oidc.key: oidc.token(unique("oidc-user"), alg=alg)}) != identity_id
    assert aws(srv, "cognito-identity").describe_identity(IdentityId=identity_id)["Logins"] == [oidc.key]
    creds = get_credentials(srv, identity_id, {oidc.key: oidc.token(sub, alg=alg)})
    assert_credentials_shape(creds)
    assert caller(srv, creds)["Arn"] == assumed_arn(f.auth)


def test_oidc_role_mapping_rules(federation):
    f = federation
    srv, oidc = f.server, f.oidc
    sub = unique("gold")
    token = oidc.token(sub, tier="gold")
    identity_id = get_id(srv, f.pool_id, {oidc.key: token})
    assert caller(srv, get_credentials(srv, identity_id, {oidc.key: token}))["Arn"] == assumed_arn(f.gold)
    silver = oidc.token(unique("silver"), tier="silver")
    silver_id = get_id(srv, f.pool_id, {oidc.key: silver})
    assert caller(srv, get_credentials(srv, silver_id, {oidc.key: silver}))["Arn"] == assumed_arn(f.auth)


def test_oidc_bad_tokens(federation):
    f = federation
    srv, oidc = f.server, f.oidc
    ci = aws(srv, "cognito-identity")
    sub = unique("oidc-user")
    identity_id = get_id(srv, f.pool_id, {oidc.key: oidc.token(sub)})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    expired = oidc.token(sub, lifetime=-600, iat=now - 1200)
    expired_exp = unverified(expired)["exp"]
    hs256 = jwt.encode({"iss": oidc.issuer, "sub": sub, "aud": OidcProvider.CLIENT_ID, "iat": now, "exp": now + 600},
                       "not-a-key-the-provider-has-0123456789abcdef", algorithm="HS256", headers={"kid": "rsa-1"})
    cases = [
        ("wrong audience", oidc.token(sub, aud="someone-elses-client"), None),
        ("wrong issuer", oidc.token(sub, iss="https://login.example.com"), MSG_ISSUER),
        ("bad signature", oidc.token(sub, key=other_key, kid="rsa-1"), None),
        ("unknown kid", oidc.token(sub, key=other_key, kid="rsa-9"), None),
        ("HS256", hs256, None),
        ("alg none", jwt.encode({"iss": oidc.issuer, "sub": sub, "aud": OidcProvider.CLIENT_ID, "iat": now,
                                 "exp": now + 600}, None, algorithm="none"), None),
        ("forged claims", tamper_jwt(oidc.token(sub), sub=unique("someone")), None),
        ("expired", expired, "expired"),
    ]
    before = identity_ids(srv, f.pool_id)
    for label, token, message in cases:
        for fn, kwargs in ((ci.get_id, {"IdentityPoolId": f.pool_id}),
                           (ci.get_credentials_for_identity, {"IdentityId": identity_id}),
                           (ci.get_open_id_token, {"IdentityId": identity_id})):
            with pytest.raises(ClientError) as e:
                fn(Logins={oidc.key: token}, **kwargs)
            code, msg, _ = error_of(e)
            assert code == "NotAuthorizedException", (label, fn.__name__, code, msg)
            if message == "expired":
                m = EXPIRED_RE.match(msg)
                assert m and int(m.group(1)) == expired_exp, (label, msg)
                assert abs(int(m.group(2)) - time.time()) < 120, msg
            elif message is not None:
                assert msg == message, (label, fn.__name__, msg)
    assert identity_ids(srv, f.pool_id) == before


def test_oidc_basic_flow_through_sts(federation):
    """AssumeRoleWithWebIdentity with the provider's own token (principal oidc-provider/<key>)."""
    f = federation
    srv, oidc = f.server, f.oidc
    iam = aws(srv, "iam")
    sts = aws(srv, "sts")
    sub = unique("oidc-user")
    role = make_role(iam, policy_doc({
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{oidc.key}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{oidc.key}:aud": OidcProvider.CLIENT_ID}},
    }))
    r = sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="oidc", WebIdentityToken=oidc.token(sub))
    assert r["SubjectFromWebIdentityToken"] == sub
    assert r["Audience"] == OidcProvider.CLIENT_ID
    assert caller(srv, r["Credentials"])["Arn"] == assumed_arn(role, "oidc")
    # The trust policy's aud condition decides.
    expect_error("AccessDenied", sts.assume_role_with_web_identity, MSG_STS_DENIED, status=403,
                 RoleArn=role["Arn"], RoleSessionName="oidc", WebIdentityToken=oidc.token(sub, aud="other-client"))
    # A Cognito-principal role does not trust the OIDC provider directly.
    expect_error("AccessDenied", sts.assume_role_with_web_identity, MSG_STS_DENIED, status=403,
                 RoleArn=f.auth["Arn"], RoleSessionName="oidc", WebIdentityToken=oidc.token(sub))
    expect_error("InvalidIdentityToken", sts.assume_role_with_web_identity, status=400,
                 RoleArn=role["Arn"], RoleSessionName="oidc",
                 WebIdentityToken=oidc.token(sub, key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
                                             kid="rsa-1"))


def test_facebook_login(federation):
    f = federation
    srv, fb = f.server, f.fb
    user = unique("fb")
    good = fb.add(unique("fb-token"), user)
    identity_id = get_id(srv, f.pool_id, {"graph.facebook.com": good})
    # Another access token of the same Facebook user: same identity.
    assert get_id(srv, f.pool_id, {"graph.facebook.com": fb.add(unique("fb-token"), user)}) == identity_id
    assert aws(srv, "cognito-identity").describe_identity(IdentityId=identity_id)["Logins"] == ["graph.facebook.com"]
    creds = get_credentials(srv, identity_id, {"graph.facebook.com": good})
    assert caller(srv, creds)["Arn"] == assumed_arn(f.auth)
    # Cognate asked Facebook's debug_token about the token.
    assert any(r.path == "/debug_token" and (r.query.get("input_token") or r.form.get("input_token")) == good
               for r in f.stub.requests), [vars(r) for r in f.stub.requests]

    before = identity_ids(srv, f.pool_id)
    ci = aws(srv, "cognito-identity")
    for label, token in [
        ("another app", fb.add(unique("fb-token"), unique("fb"), app_id="some-other-app")),
        ("invalid", fb.add(unique("fb-token"), unique("fb"), valid=False)),
        ("expired", fb.add(unique("fb-token"), unique("fb"), valid=False, lifetime=-60)),
        ("unknown to Facebook", unique("fb-token")),
    ]:
        with pytest.raises(ClientError) as e:
            ci.get_id(IdentityPoolId=f.pool_id, Logins={"graph.facebook.com": token})
        assert error_of(e)[0] == "NotAuthorizedException", (label, error_of(e))
        with pytest.raises(ClientError) as e:
            ci.get_credentials_for_identity(IdentityId=identity_id, Logins={"graph.facebook.com": token})
        assert error_of(e)[0] == "NotAuthorizedException", (label, error_of(e))
    assert identity_ids(srv, f.pool_id) == before


def test_login_with_amazon(federation):
    f = federation
    srv, amzn = f.server, f.amzn
    user = unique("amzn1.account.")
    good = amzn.add(unique("Atza|token"), user)
    identity_id = get_id(srv, f.pool_id, {"www.amazon.com": good})
    assert get_id(srv, f.pool_id, {"www.amazon.com": amzn.add(unique("Atza|token"), user)}) == identity_id
    assert aws(srv, "cognito-identity").describe_identity(IdentityId=identity_id)["Logins"] == ["www.amazon.com"]
    creds = get_credentials(srv, identity_id, {"www.amazon.com": good})
    assert caller(srv, creds)["Arn"] == assumed_arn(f.auth)
    # Cognate asked the tokeninfo endpoint about this very token.
    assert any(r.path == "/auth/o2/tokeninfo" and r.query.get("access_token") == good for r in f.stub.requests)

    before = identity_ids(srv, f.pool_id)
    ci = aws(srv, "cognito-identity")
    for label, token in [
        ("another app", amzn.add(unique("Atza|token"), unique("amzn1.account."), app_id="someone-else")),
        ("unknown to Amazon", unique("Atza|token")),
    ]:
        with pytest.raises(ClientError) as e:
            ci.get_id(IdentityPoolId=f.pool_id, Logins={"www.amazon.com": token})
        assert error_of(e)[0] == "NotAuthorizedException", (label, error_of(e))
    assert identity_ids(srv, f.pool_id) == before


def test_login_for_provider_not_in_pool(federation):
    """A provider configured on the server but not in this identity pool's SupportedLoginProviders."""
    f = federation
    ci = aws(f.server, "cognito-identity")
    pool_id = ci.create_identity_pool(IdentityPoolName=unique("nooidc"), AllowUnauthenticatedIdentities=False,
                                      SupportedLoginProviders={"graph.facebook.com": FacebookStub.APP_ID}
                                      )["IdentityPoolId"]
    expect_error("NotAuthorizedException", ci.get_id, MSG_UNSUPPORTED_PROVIDER, IdentityPoolId=pool_id,
                 Logins={f.oidc.key: f.oidc.token(unique("oidc-user"))})
    assert identity_ids(f.server, pool_id) == set()


# -- upstream STS (moto) -------------------------------------------------------------------------------

MOTO_ACCOUNT = "123456789012"
MOTO_SESSION_TOKEN_PREFIX = "FQoGZXIvYXdzEBYaD"


@pytest.fixture(scope="module")
def moto_sts():
    """moto's server on 127.0.0.1 (a port of its choosing), with a recording proxy in front."""
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    found: list[str] = []
    ready = threading.Event()

    def watch():
        for line in proc.stdout:
            m = re.search(r"Running on (http://127\.0\.0\.1:\d+)", line)
            if m and not found:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=watch, daemon=True).start()
    proxy = None
    try:
        assert ready.wait(60) and found, "moto's server did not start (pip install 'moto[server]')"
        moto_url = found[0]
        proxy = Stub()

        def forward(req):
            r = requests.request(req.method, moto_url + req.path, params=req.query, data=req.body, timeout=30,
                                 headers={k: v for k, v in req.headers.items() if k in ("content-type",
                                                                                        "authorization",
                                                                                        "x-amz-date",
                                                                                        "x-amz-security-token")})
            return r.status_code, r.headers.get("Content-Type", "text/xml"), r.content

        proxy.routes["*"] = forward
        yield SimpleNamespace(url=moto_url, proxy=proxy)
    finally:
        if proxy is not None:
            proxy.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_upstream_sts(server_factory, moto_sts):
    srv = server_factory(config_text=f'[identity.upstream_sts]\nendpoint = "{moto_sts.proxy.url}"\n')
    # The roles live in the upstream account, not in Cognate's role store.
    auth_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/UpstreamAuth"
    guest_arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/UpstreamGuest"
    app = make_app(srv, set_roles=False)
    aws(srv, "cognito-identity").set_identity_pool_roles(
        IdentityPoolId=app.pool_id, Roles={"authenticated": auth_arn, "unauthenticated": guest_arn})
    moto = aws(srv, "sts", endpoint=moto_sts.url)

    def upstream_calls() -> list[SimpleNamespace]:
        return [r for r in moto_sts.proxy.requests if r.form.get("Action") == "AssumeRoleWithWebIdentity"]

    _, token = sign_in(srv, app)
    user_logins = {app.provider: token}
    user = get_id(srv, app.pool_id, user_logins)
    guest = get_id(srv, app.pool_id)
    for label, identity_id, logins, role_arn, amr in [
        ("user", user, user_logins, auth_arn, "authenticated"),
        ("guest", guest, None, guest_arn, "unauthenticated"),
    ]:
        seen = len(upstream_calls())
        creds = get_credentials(srv, identity_id, logins)
        calls = upstream_calls()[seen:]
        assert len(calls) == 1, f"{label}: expected one AssumeRoleWithWebIdentity upstream, got {len(calls)}"
        call = calls[0].form
        assert call["RoleArn"] == role_arn
        # The web identity token is Cognate's identity token for this identity.
        claims = verify_identity_token(srv, call["WebIdentityToken"], app.pool_id)
        assert claims["sub"] == identity_id
        assert amr in claims["amr"]
        if label == "guest":
            # Cognito's scope-down policy travels as the session policy.
            assert json.loads(call["Policy"])["Statement"], call
        # The credentials are moto's: its session-token shape, and moto knows them.
        assert creds["SessionToken"].startswith(MOTO_SESSION_TOKEN_PREFIX), creds["SessionToken"][:20]
        assert creds["AccessKeyId"].startswith("ASIA")
        assert 0 < expiry_seconds(creds) <= 3605
        who = aws(srv, "sts", endpoint=moto_sts.url, creds=creds).get_caller_identity()
        assert who["Arn"] == (f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/{role_arn.split('/')[-1]}/"
                              f"{call['RoleSessionName']}"), who
        assert who["Account"] == MOTO_ACCOUNT
        # Cognate did not mint (or store) them.
        with pytest.raises(ClientError) as e:
            caller(srv, creds)
        assert error_of(e)[2] == 403, error_of(e)

    # The basic flow against the upstream STS directly, with Cognate's OpenID token.
    _, token = sign_in(srv, app)
    identity_id = get_id(srv, app.pool_id, {app.provider: token})
    openid = aws(srv, "cognito-identity").get_open_id_token(IdentityId=identity_id,
                                                            Logins={app.provider: token})["Token"]
    r = moto.assume_role_with_web_identity(RoleArn=auth_arn, RoleSessionName="basic", WebIdentityToken=openid)
    who = aws(srv, "sts", endpoint=moto_sts.url, creds=r["Credentials"]).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/UpstreamAuth/basic"
