"""Sign-in against the Cognito-compatible server, on both backends: InitiateAuth and
AdminInitiateAuth (password, SRP, refresh), RespondToAuthChallenge (PASSWORD_VERIFIER,
NEW_PASSWORD_REQUIRED), the tokens (verified through the served JWKS with PyJWT, and
forged ones refused), token-authenticated user operations, sign-out and revocation,
lockout and PreventUserExistenceErrors. Clients: boto3 and pycognito (SRP).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from types import SimpleNamespace

import jwt
import pytest
import requests
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP

from conftest import (
    ADMIN_ACCESS_KEY_ID,
    ADMIN_SECRET_ACCESS_KEY,
    BOTO_CONFIG,
    REGION,
    _boto_session,
    newest_code,
    unique,
)

PASSWORD = "Passw0rd!"
NEW_PASSWORD = "N3wPassw0rd!"
TEMP_PASSWORD = "TempPassw0rd!"
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ALL_FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


# -- helpers ---------------------------------------------------------------------


def make_pool(idp, **kwargs) -> str:
    return idp.create_user_pool(PoolName=unique("signin"), **kwargs)["UserPool"]["Id"]


def make_client(idp, pool_id: str, **kwargs) -> dict:
    kwargs.setdefault("ExplicitAuthFlows", ALL_FLOWS)
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName=unique("app"), **kwargs)["UserPoolClient"]


def error_of(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err.get("Message", "")


def expect_error(code: str, fn, message: str | None = None, **kwargs) -> str:
    """Calls `fn(**kwargs)`, requires a ClientError named `code` (and `message` if given)."""
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    got, msg = error_of(e)
    assert got == code, f"expected {code}, got {got}: {msg}"
    if message is not None:
        assert msg == message, f"{code}: expected message {message!r}, got {msg!r}"
    return msg


def confirmed_user(idp, pool_id: str, username: str | None = None, attributes: list[dict] | None = None,
                   password: str = PASSWORD) -> str:
    """AdminCreateUser (no invitation) + a permanent password: a CONFIRMED user."""
    username = username or unique("user")
    idp.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=attributes or [],
                          TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    return username


def password_auth(idp, client_id: str, username: str, password: str = PASSWORD, **params) -> dict:
    r = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": username, "PASSWORD": password, **params})
    assert "AuthenticationResult" in r, r
    return r["AuthenticationResult"]


def refresh(idp, client_id: str, refresh_token: str, **params) -> dict:
    r = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": refresh_token, **params})
    return r["AuthenticationResult"]


def secret_hash(secret: str, username: str, client_id: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def unverified(token: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def attr_map(attributes: list[dict]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in attributes}


def jwks_url(server, pool_id: str) -> str:
    return f"{server.url}/{pool_id}/.well-known/jwks.json"


def pycognito_user(server, pool_id: str, client_id: str, username: str, **kwargs) -> Cognito:
    """pycognito's Cognito object pointed at the server: it builds its boto3 client from
    `boto3_client_kwargs` (endpoint_url) and derives the issuer/JWKS URL from that endpoint."""
    return Cognito(
        pool_id,
        client_id,
        username=username,
        user_pool_region=REGION,
        session=_boto_session(),
        botocore_config=BOTO_CONFIG,
        boto3_client_kwargs={
            "endpoint_url": server.url,
            "aws_access_key_id": ADMIN_ACCESS_KEY_ID,
            "aws_secret_access_key": ADMIN_SECRET_ACCESS_KEY,
        },
        **kwargs,
    )


# -- fixtures --------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(server):
    """A pool with a public client allowing password, admin password, SRP and refresh flows."""
    idp = server.client()
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    client = make_client(idp, pool_id)
    return SimpleNamespace(pool_id=pool_id, client_id=client["ClientId"])


@pytest.fixture(scope="module")
def hidden_app(server):
    """A pool whose client has PreventUserExistenceErrors=ENABLED."""
    idp = server.client()
    pool_id = make_pool(idp)
    client = make_client(idp, pool_id, PreventUserExistenceErrors="ENABLED")
    return SimpleNamespace(pool_id=pool_id, client_id=client["ClientId"])


@pytest.fixture(scope="module")
def other_app(server):
    """A second pool (own keys) with a client."""
    idp = server.client()
    pool_id = make_pool(idp)
    return SimpleNamespace(pool_id=pool_id, client_id=make_client(idp, pool_id)["ClientId"])


# -- USER_PASSWORD_AUTH / AdminInitiateAuth --------------------------------------


def test_user_password_auth(server, idp, app):
    name = confirmed_user(idp, app.pool_id)
    r = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    assert "ChallengeName" not in r and "Session" not in r
    assert r["ChallengeParameters"] == {}
    result = r["AuthenticationResult"]
    assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "RefreshToken", "IdToken"}
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    _, access = unverified(result["AccessToken"])
    _, id_claims = unverified(result["IdToken"])
    assert access["username"] == id_claims["cognito:username"] == name
    assert access["client_id"] == id_claims["aud"] == app.client_id


def test_admin_initiate_auth(idp, app, other_app):
    name = confirmed_user(idp, app.pool_id)
    for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        r = idp.admin_initiate_auth(UserPoolId=app.pool_id, ClientId=app.client_id, AuthFlow=flow,
                                    AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
        assert r["ChallengeParameters"] == {}
        _, access = unverified(r["AuthenticationResult"]["AccessToken"])
        assert access["username"] == name
    expect_error("NotAuthorizedException", idp.admin_initiate_auth, "Incorrect username or password.",
                 UserPoolId=app.pool_id, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": "Wr0ngPassw0rd!"})
    # The client must belong to the pool named in the call.
    expect_error("ResourceNotFoundException", idp.admin_initiate_auth, UserPoolId=other_app.pool_id,
                 ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})


def test_flow_checks(idp, app):
    name = confirmed_user(idp, app.pool_id)
    # Admin flows are not InitiateAuth flows.
    expect_error("InvalidParameterException", idp.initiate_auth, "Initiate Auth method not supported",
                 ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    # A client with the default flows (SRP, refresh, custom) refuses USER_PASSWORD_AUTH.
    default_client = make_client(idp, app.pool_id, ExplicitAuthFlows=[])["ClientId"]
    expect_error("InvalidParameterException", idp.initiate_auth,
                 "USER_PASSWORD_AUTH flow not enabled for this client",
                 ClientId=default_client, AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    expect_error("InvalidParameterException", idp.admin_initiate_auth,
                 "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client",
                 UserPoolId=app.pool_id, ClientId=default_client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    expect_error("InvalidParameterException", idp.initiate_auth, ClientId=app.client_id,
                 AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name})
    expect_error("ResourceNotFoundException", idp.initiate_auth, ClientId="nosuchclient0000000000000a",
                 AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})


# -- SRP (pycognito) -------------------------------------------------------------


def test_pycognito_srp_then_get_user(idp, app):
    name = confirmed_user(idp, app.pool_id, attributes=[{"Name": "email", "Value": "srp@example.com"}])
    srp = AWSSRP(username=name, password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp)
    r = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params())
    # PASSWORD_VERIFIER comes without a Session; the SECRET_BLOCK carries the state.
    assert r["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in r
    params = r["ChallengeParameters"]
    assert set(params) == {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}
    assert params["USER_ID_FOR_SRP"] == params["USERNAME"] == name

    tokens = srp.authenticate_user()
    result = tokens["AuthenticationResult"]
    me = idp.get_user(AccessToken=result["AccessToken"])
    assert me["Username"] == name
    assert me["UserAttributes"][0]["Name"] == "sub"
    assert attr_map(me["UserAttributes"])["email"] == "srp@example.com"

    # A wrong password fails at the PASSWORD_VERIFIER answer.
    bad = AWSSRP(username=name, password="Wr0ngPassw0rd!", pool_id=app.pool_id, client_id=app.client_id, client=idp)
    with pytest.raises(ClientError) as e:
        bad.authenticate_user()
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.")


def test_srp_answer_is_single_use_and_bound(idp, app):
    name = confirmed_user(idp, app.pool_id)
    srp = AWSSRP(username=name, password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp)
    auth_params = srp.get_auth_params()
    r = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=auth_params)
    answer = srp.process_challenge(r["ChallengeParameters"], auth_params)
    # Another client of the pool cannot use this challenge.
    other = make_client(idp, app.pool_id)["ClientId"]
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=other,
                 ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    ok = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER",
                                       ChallengeResponses=answer)
    assert "AccessToken" in ok["AuthenticationResult"]
    # Replaying the same answer fails.
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=app.client_id,
                 ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer)
    # A tampered SECRET_BLOCK is refused.
    forged = dict(answer, PASSWORD_CLAIM_SECRET_BLOCK=base64.b64encode(b"x" * 64).decode())
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=app.client_id,
                 ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=forged)


# -- pycognito's Cognito object ------------------------------------------------------


def test_pycognito_cognito_object(server, idp, app):
    name = confirmed_user(idp, app.pool_id, attributes=[{"Name": "email", "Value": "pyc@example.com"},
                                                        {"Name": "email_verified", "Value": "true"}])
    u = pycognito_user(server, app.pool_id, app.client_id, name)
    # authenticate() runs SRP, then verifies both tokens against <endpoint>/<pool>/.well-known/jwks.json
    # with issuer <endpoint>/<pool> and audience the client id.
    u.authenticate(PASSWORD)
    assert u.token_type == "Bearer"
    assert u.id_claims["cognito:username"] == name
    assert u.access_claims["client_id"] == app.client_id
    assert u.id_claims["iss"] == f"{server.url}/{app.pool_id}"

    user = u.get_user()
    assert user.username == name
    assert user.email == "pyc@example.com"
    assert user.email_verified is True  # (pycognito converts "true")

    assert u.check_token(renew=False) is False
    first_access = u.access_token
    u.renew_access_token()  # REFRESH_TOKEN_AUTH, verified again
    assert u.access_token != first_access
    assert u.access_claims["origin_jti"] == unverified(first_access)[1]["origin_jti"]

    u.change_password(PASSWORD, NEW_PASSWORD)
    again = pycognito_user(server, app.pool_id, app.client_id, name)
    with pytest.raises(ClientError) as e:
        again.authenticate(PASSWORD)
    assert error_of(e)[0] == "NotAuthorizedException"
    again.authenticate(NEW_PASSWORD)
    again.verify_tokens()

    u.logout()  # GlobalSignOut
    assert u.access_token is None
    expect_error("NotAuthorizedException", idp.get_user, "Access Token has been revoked",
                 AccessToken=again.access_token)


def test_pycognito_new_password_challenge(server, idp, app):
    name = unique("pyc-new")
    idp.admin_create_user(UserPoolId=app.pool_id, Username=name, TemporaryPassword=TEMP_PASSWORD,
                          MessageAction="SUPPRESS")
    u = pycognito_user(server, app.pool_id, app.client_id, name)
    # pycognito answers NEW_PASSWORD_REQUIRED with its PASSWORD_VERIFIER keys still in the map.
    u.new_password_challenge(TEMP_PASSWORD, NEW_PASSWORD)
    assert u.access_claims["username"] == name
    assert idp.admin_get_user(UserPoolId=app.pool_id, Username=name)["UserStatus"] == "CONFIRMED"


def test_pycognito_with_client_secret(server, idp, app):
    client = make_client(idp, app.pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    name = confirmed_user(idp, app.pool_id)

    u = pycognito_user(server, app.pool_id, cid, name, client_secret=secret)
    u.authenticate(PASSWORD)
    assert u.access_claims["client_id"] == cid
    old = u.access_token
    u.renew_access_token()  # sends SECRET_HASH too
    assert u.access_token != old

    # boto3 without / with a wrong SECRET_HASH.
    expect_error("NotAuthorizedException", idp.initiate_auth,
                 f"Client {cid} is configured with secret but SECRET_HASH was not received",
                 ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    expect_error("NotAuthorizedException", idp.initiate_auth, f"Unable to verify secret hash for client {cid}",
                 ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD,
                                 "SECRET_HASH": secret_hash("wrong", name, cid)})
    ok = password_auth(idp, cid, name, SECRET_HASH=secret_hash(secret, name, cid))
    expect_error("NotAuthorizedException", refresh, idp=idp, client_id=cid, refresh_token=ok["RefreshToken"])
    assert "AccessToken" in refresh(idp, cid, ok["RefreshToken"], SECRET_HASH=secret_hash(secret, name, cid))
    # Wrong secret in pycognito's SRP.
    bad = pycognito_user(server, app.pool_id, cid, name, client_secret="not-the-secret")
    with pytest.raises(ClientError) as e:
        bad.authenticate(PASSWORD)
    assert error_of(e) == ("NotAuthorizedException", f"Unable to verify secret hash for client {cid}")


def test_email_as_username_pool(server, idp):
    pool_id = make_pool(idp, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client = make_client(idp, pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    address = f"{unique('mail')}@example.com"
    r = idp.sign_up(ClientId=cid, Username=address, Password=PASSWORD, SecretHash=secret_hash(secret, address, cid),
                    UserAttributes=[{"Name": "email", "Value": address}])
    sub = r["UserSub"]
    # The pool's username is a UUID (the sub); the outbox is keyed by it.
    code = newest_code(server, pool_id, sub)
    idp.confirm_sign_up(ClientId=cid, Username=address, ConfirmationCode=code,
                        SecretHash=secret_hash(secret, address, cid))

    # SRP with the email: USER_ID_FOR_SRP is the UUID, and pycognito's second SECRET_HASH
    # is computed over it.
    u = pycognito_user(server, pool_id, cid, address, client_secret=secret)
    u.authenticate(PASSWORD)
    assert u.id_claims["cognito:username"] == sub
    assert UUID_RE.match(u.id_claims["cognito:username"])
    assert u.id_claims["email"] == address
    assert u.id_claims["email_verified"] is True
    assert u.access_claims["username"] == sub
    assert u.get_user().email == address

    # USER_PASSWORD_AUTH with the email too; refresh with a SECRET_HASH over the UUID username.
    tokens = password_auth(idp, cid, address, SECRET_HASH=secret_hash(secret, address, cid))
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == sub
    assert "AccessToken" in refresh(idp, cid, tokens["RefreshToken"], SECRET_HASH=secret_hash(secret, sub, cid))


# -- tokens ---------------------------------------------------------------------


def test_tokens_verify_through_jwks(server, idp, app, other_app):
    name = confirmed_user(idp, app.pool_id, attributes=[{"Name": "email", "Value": "jwt@example.com"},
                                                        {"Name": "email_verified", "Value": "true"},
                                                        {"Name": "name", "Value": "Jay"}])
    result = password_auth(idp, app.client_id, name)
    issuer = f"{server.url}/{app.pool_id}"
    conf = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert conf["issuer"] == issuer
    assert conf["jwks_uri"] == jwks_url(server, app.pool_id)

    keys = jwt.PyJWKClient(conf["jwks_uri"], cache_keys=False)
    id_key = keys.get_signing_key_from_jwt(result["IdToken"])
    access_key = keys.get_signing_key_from_jwt(result["AccessToken"])
    assert id_key.key_id != access_key.key_id  # ID and access tokens use different keys

    id_claims = jwt.decode(result["IdToken"], id_key, algorithms=["RS256"], audience=app.client_id,
                           issuer=issuer, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    assert id_claims["token_use"] == "id"
    assert id_claims["cognito:username"] == name
    assert id_claims["email"] == "jwt@example.com"
    assert id_claims["email_verified"] is True
    assert id_claims["name"] == "Jay"
    assert id_claims["exp"] - id_claims["iat"] == 3600
    assert UUID_RE.match(id_claims["sub"])

    # Access tokens have no aud: the client is client_id.
    access = jwt.decode(result["AccessToken"], access_key, algorithms=["RS256"], issuer=issuer,
                        options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False})
    assert "aud" not in access
    assert access["token_use"] == "access"
    assert access["client_id"] == app.client_id
    assert access["scope"] == ADMIN_SCOPE
    assert access["username"] == name
    assert access["sub"] == id_claims["sub"]
    assert access["auth_time"] == id_claims["auth_time"]
    assert access["origin_jti"] == id_claims["origin_jti"]
    assert access["event_id"] == id_claims["event_id"]
    assert access["jti"] != id_claims["jti"]
    for header in (jwt.get_unverified_header(result["IdToken"]), jwt.get_unverified_header(result["AccessToken"])):
        assert header["alg"] == "RS256"

    # The ID key does not verify the access token, and tokens of this pool do not verify
    # with another pool's keys.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(result["AccessToken"], id_key, algorithms=["RS256"], options={"verify_aud": False})
    other_kids = {k["kid"] for k in requests.get(jwks_url(server, other_app.pool_id), timeout=10).json()["keys"]}
    assert not other_kids & {id_key.key_id, access_key.key_id}

    # Refresh: new tokens, same auth_time and origin_jti, no new refresh token (no rotation).
    r = idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]})["AuthenticationResult"]
    assert "RefreshToken" not in r
    refreshed = jwt.decode(r["AccessToken"], keys.get_signing_key_from_jwt(r["AccessToken"]), algorithms=["RS256"],
                           issuer=issuer, options={"verify_aud": False})
    assert refreshed["auth_time"] == access["auth_time"]
    assert refreshed["origin_jti"] == access["origin_jti"]
    assert refreshed["jti"] != access["jti"]
    # REFRESH_TOKEN is an alias.
    assert "IdToken" in idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN",
                                          AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]})[
        "AuthenticationResult"]
    # A refresh token is bound to its client; garbage is refused.
    other_client = make_client(idp, app.pool_id)["ClientId"]
    expect_error("NotAuthorizedException", refresh, idp=idp, client_id=other_client,
                 refresh_token=result["RefreshToken"])
    expect_error("NotAuthorizedException", refresh, "Invalid Refresh Token", idp=idp, client_id=app.client_id,
                 refresh_token="not-a-refresh-token")


def test_forged_tokens_are_refused(server, idp, app, other_app):
    name = confirmed_user(idp, app.pool_id)
    genuine = password_auth(idp, app.client_id, name)
    header, claims = unverified(genuine["AccessToken"])
    h64, p64, _ = genuine["AccessToken"].split(".")
    assert idp.get_user(AccessToken=genuine["AccessToken"])["Username"] == name

    def refused(token: str, what: str) -> None:
        with pytest.raises(ClientError) as e:
            idp.get_user(AccessToken=token)
        code, msg = error_of(e)
        assert code == "NotAuthorizedException", f"{what}: got {code}: {msg}"

    # alg none, with and without a signature part.
    none_header = b64url_json({"alg": "none", "typ": "JWT", "kid": header["kid"]})
    refused(f"{none_header}.{p64}.", "alg none")
    refused(f"{none_header}.{p64}", "alg none, two parts")
    refused(f"{b64url_json({'alg': 'none'})}.{p64}.", "alg none, no kid")

    # HS256 keyed with the pool's own public key (PEM, as key-confusion attacks do, and the JWK JSON).
    jwk = next(k for k in requests.get(jwks_url(server, app.pool_id), timeout=10).json()["keys"]
               if k["kid"] == header["kid"])
    public_pem = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk)).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_header = b64url_json({"alg": "HS256", "kid": header["kid"], "typ": "JWT"})
    for key in (public_pem, json.dumps(jwk).encode()):
        sig = b64url(hmac.new(key, f"{hs_header}.{p64}".encode(), hashlib.sha256).digest())
        refused(f"{hs_header}.{p64}.{sig}", "HS256 with the public key")

    # RS256 with a key that is not the pool's, claiming the pool's kid.
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": header["kid"]}), "foreign RSA key")

    # A genuine token of another pool, re-pointed at this pool (claims changed, signature kept),
    # and this pool's claims under the other pool's header and signature.
    other_name = confirmed_user(idp, other_app.pool_id)
    other = password_auth(idp, other_app.client_id, other_name)["AccessToken"]
    assert idp.get_user(AccessToken=other)["Username"] == other_name
    oh, op, osig = other.split(".")
    _, oclaims = unverified(other)
    repointed = dict(oclaims, iss=claims["iss"], sub=claims["sub"], username=name, client_id=app.client_id,
                     origin_jti=claims["origin_jti"])
    refused(f"{oh}.{b64url_json(repointed)}.{osig}", "other pool's token re-pointed at this pool")
    refused(f"{oh}.{p64}.{osig}", "this pool's claims with the other pool's signature")

    # Tampered claims with the original signature.
    refused(f"{h64}.{b64url_json(dict(claims, username='someone-else'))}.{genuine['AccessToken'].split('.')[2]}",
            "tampered claims")
    # An ID token is not an access token (different key and token_use).
    refused(genuine["IdToken"], "ID token as access token")
    refused("not.a.jwt", "garbage")


# -- NEW_PASSWORD_REQUIRED (boto3) --------------------------------------------------


def test_new_password_required(idp):
    pool_id = make_pool(idp, Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True,
                                      "Mutable": True}],
                        Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True,
                                                     "RequireLowercase": True, "RequireNumbers": True,
                                                     "RequireSymbols": False}})
    cid = make_client(idp, pool_id)["ClientId"]
    name = unique("fcp")
    idp.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "fcp@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])

    def start() -> dict:
        r = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": name, "PASSWORD": TEMP_PASSWORD})
        assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        assert "AuthenticationResult" not in r
        assert r["Session"]
        return r

    r = start()
    params = r["ChallengeParameters"]
    assert params["USERNAME"] == name
    current = json.loads(params["userAttributes"])
    assert current["email"] == "fcp@example.com"
    assert "sub" not in current
    assert json.loads(params["requiredAttributes"]) == ["userAttributes.name"]

    # The required attribute is missing.
    expect_error("InvalidParameterException", idp.respond_to_auth_challenge, ClientId=cid,
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                 ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD})
    # A password the policy refuses.
    r = start()
    expect_error("InvalidPasswordException", idp.respond_to_auth_challenge, ClientId=cid,
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                 ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": "weakpassword",
                                     "userAttributes.name": "Frances"})
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    r = start()
    done = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                                         ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD,
                                                             "userAttributes.name": "Frances"})
    tokens = done["AuthenticationResult"]
    assert unverified(tokens["IdToken"])[1]["name"] == "Frances"
    u = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["name"] == "Frances"
    # The session is single-use.
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=cid,
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                 ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": "An0therPassw0rd"})
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=cid,
                 ChallengeName="NEW_PASSWORD_REQUIRED", Session="bm90LWEtc2Vzc2lvbi1hdC1hbGwtcmVhbGx5",
                 ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": "An0therPassw0rd"})
    # The temporary password is gone; the new one works.
    expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": name, "PASSWORD": TEMP_PASSWORD})
    password_auth(idp, cid, name, NEW_PASSWORD)


def test_new_password_required_admin_apis(idp, app):
    name = unique("fcp-admin")
    idp.admin_create_user(UserPoolId=app.pool_id, Username=name, TemporaryPassword=TEMP_PASSWORD,
                          MessageAction="SUPPRESS")
    r = idp.admin_initiate_auth(UserPoolId=app.pool_id, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": name, "PASSWORD": TEMP_PASSWORD})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(r["ChallengeParameters"]["requiredAttributes"]) == []
    done = idp.admin_respond_to_auth_challenge(UserPoolId=app.pool_id, ClientId=app.client_id,
                                               ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                                               ChallengeResponses={"USERNAME": name, "NEW_PASSWORD": NEW_PASSWORD})
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == name


# -- token-authenticated user operations ----------------------------------------------


def test_user_operations_with_access_token(server, idp, app):
    name = confirmed_user(idp, app.pool_id, attributes=[{"Name": "email", "Value": "ops@example.com"},
                                                        {"Name": "email_verified", "Value": "true"},
                                                        {"Name": "name", "Value": "Ops"}])
    token = password_auth(idp, app.client_id, name)["AccessToken"]

    # UpdateUserAttributes: a new email is unverified and gets a code.
    r = idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": "new@example.com"},
                                                                      {"Name": "nickname", "Value": "opsy"}])
    [delivery] = r["CodeDeliveryDetailsList"]
    assert delivery["AttributeName"] == "email"
    assert delivery["DeliveryMedium"] == "EMAIL"
    attrs = attr_map(idp.get_user(AccessToken=token)["UserAttributes"])
    assert attrs["email"] == "new@example.com"
    assert attrs["email_verified"] == "false"
    assert attrs["nickname"] == "opsy"
    code = newest_code(server, app.pool_id, name)
    expect_error("CodeMismatchException", idp.verify_user_attribute, AccessToken=token, AttributeName="email",
                 Code=f"{(int(code) + 1) % 1_000_000:06d}")
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert attr_map(idp.get_user(AccessToken=token)["UserAttributes"])["email_verified"] == "true"

    # GetUserAttributeVerificationCode sends a fresh code, which verifies.
    r = idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert r["CodeDeliveryDetails"]["AttributeName"] == "email"
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=newest_code(server, app.pool_id, name))

    idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["nickname", "name"])
    attrs = attr_map(idp.get_user(AccessToken=token)["UserAttributes"])
    assert "nickname" not in attrs and "name" not in attrs

    # ChangePassword: the previous password must be right and the new one valid.
    expect_error("NotAuthorizedException", idp.change_password, "Incorrect username or password.",
                 AccessToken=token, PreviousPassword="Wr0ngPassw0rd!", ProposedPassword=NEW_PASSWORD)
    expect_error("InvalidPasswordException", idp.change_password, AccessToken=token, PreviousPassword=PASSWORD,
                 ProposedPassword="short")
    idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    password_auth(idp, app.client_id, name, NEW_PASSWORD)

    # DeleteUser removes the user; the token no longer works.
    idp.delete_user(AccessToken=token)
    expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=app.pool_id, Username=name)
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=token)
    assert error_of(e)[0] in {"NotAuthorizedException", "UserNotFoundException"}


# -- sign-out and revocation -----------------------------------------------------------


def test_global_sign_out(idp, app):
    name = confirmed_user(idp, app.pool_id)
    first = password_auth(idp, app.client_id, name)
    second = password_auth(idp, app.client_id, name)
    idp.global_sign_out(AccessToken=first["AccessToken"])
    for tokens in (first, second):
        expect_error("NotAuthorizedException", idp.get_user, "Access Token has been revoked",
                     AccessToken=tokens["AccessToken"])
        expect_error("NotAuthorizedException", refresh, idp=idp, client_id=app.client_id,
                     refresh_token=tokens["RefreshToken"])
    # Signing in again works.
    third = password_auth(idp, app.client_id, name)
    assert idp.get_user(AccessToken=third["AccessToken"])["Username"] == name

    idp.admin_user_global_sign_out(UserPoolId=app.pool_id, Username=name)
    expect_error("NotAuthorizedException", idp.get_user, "Access Token has been revoked",
                 AccessToken=third["AccessToken"])
    expect_error("UserNotFoundException", idp.admin_user_global_sign_out, UserPoolId=app.pool_id,
                 Username="nobody-here")


def test_revoke_token(idp, app):
    name = confirmed_user(idp, app.pool_id)
    first = password_auth(idp, app.client_id, name)
    second = password_auth(idp, app.client_id, name)
    idp.revoke_token(Token=first["RefreshToken"], ClientId=app.client_id)
    expect_error("NotAuthorizedException", refresh, idp=idp, client_id=app.client_id,
                 refresh_token=first["RefreshToken"])
    expect_error("NotAuthorizedException", idp.get_user, "Access Token has been revoked",
                 AccessToken=first["AccessToken"])
    # Only that sign-in is revoked.
    assert idp.get_user(AccessToken=second["AccessToken"])["Username"] == name
    assert "AccessToken" in refresh(idp, app.client_id, second["RefreshToken"])
    # Revoking again, or an unknown token, is not an error; access tokens cannot be revoked.
    idp.revoke_token(Token=first["RefreshToken"], ClientId=app.client_id)
    idp.revoke_token(Token="unknown-refresh-token", ClientId=app.client_id)
    expect_error("UnsupportedTokenTypeException", idp.revoke_token, Token=second["AccessToken"],
                 ClientId=app.client_id)

    # A client with a secret needs it.
    client = make_client(idp, app.pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    tokens = password_auth(idp, cid, name, SECRET_HASH=secret_hash(secret, name, cid))
    expect_error("NotAuthorizedException", idp.revoke_token, Token=tokens["RefreshToken"], ClientId=cid)
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=cid, ClientSecret=secret)
    expect_error("NotAuthorizedException", idp.get_user, "Access Token has been revoked",
                 AccessToken=tokens["AccessToken"])


# -- failures, user states, lockout, PreventUserExistenceErrors ------------------------------


def test_wrong_password_and_user_states(idp, app):
    name = confirmed_user(idp, app.pool_id)
    expect_error("NotAuthorizedException", password_auth, "Incorrect username or password.",
                 idp=idp, client_id=app.client_id, username=name, password="Wr0ngPassw0rd!")
    # LEGACY (default): an unknown user is reported as such, for password and SRP flows.
    expect_error("UserNotFoundException", password_auth, "User does not exist.",
                 idp=idp, client_id=app.client_id, username="nobody-here")
    srp = AWSSRP(username="nobody-here", password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp)
    expect_error("UserNotFoundException", idp.initiate_auth, ClientId=app.client_id, AuthFlow="USER_SRP_AUTH",
                 AuthParameters=srp.get_auth_params())

    # UNCONFIRMED: reported whatever the password.
    pending = unique("pending")
    idp.sign_up(ClientId=app.client_id, Username=pending, Password=PASSWORD)
    for pw in (PASSWORD, "Wr0ngPassw0rd!"):
        expect_error("UserNotConfirmedException", password_auth, "User is not confirmed.",
                     idp=idp, client_id=app.client_id, username=pending, password=pw)

    # RESET_REQUIRED.
    reset = confirmed_user(idp, app.pool_id, attributes=[{"Name": "email", "Value": "reset@example.com"},
                                                         {"Name": "email_verified", "Value": "true"}])
    idp.admin_reset_user_password(UserPoolId=app.pool_id, Username=reset)
    expect_error("PasswordResetRequiredException", password_auth, idp=idp, client_id=app.client_id,
                 username=reset)

    # Disabled.
    disabled = confirmed_user(idp, app.pool_id)
    tokens = password_auth(idp, app.client_id, disabled)
    idp.admin_disable_user(UserPoolId=app.pool_id, Username=disabled)
    expect_error("NotAuthorizedException", password_auth, "User is disabled.",
                 idp=idp, client_id=app.client_id, username=disabled)
    expect_error("NotAuthorizedException", refresh, idp=idp, client_id=app.client_id,
                 refresh_token=tokens["RefreshToken"])
    idp.admin_enable_user(UserPoolId=app.pool_id, Username=disabled)
    password_auth(idp, app.client_id, disabled)


def test_prevent_user_existence_errors(idp, hidden_app):
    name = confirmed_user(idp, hidden_app.pool_id)
    generic = "Incorrect username or password."
    expect_error("NotAuthorizedException", password_auth, generic, idp=idp, client_id=hidden_app.client_id,
                 username="nobody-here")
    expect_error("NotAuthorizedException", password_auth, generic, idp=idp, client_id=hidden_app.client_id,
                 username=name, password="Wr0ngPassw0rd!")
    expect_error("NotAuthorizedException", idp.admin_initiate_auth, generic, UserPoolId=hidden_app.pool_id,
                 ClientId=hidden_app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "nobody-here", "PASSWORD": PASSWORD})

    # SRP for an unknown user: a simulated PASSWORD_VERIFIER, stable per username, that fails at the answer.
    def challenge(username: str) -> dict:
        srp = AWSSRP(username=username, password=PASSWORD, pool_id=hidden_app.pool_id,
                     client_id=hidden_app.client_id, client=idp)
        r = idp.initiate_auth(ClientId=hidden_app.client_id, AuthFlow="USER_SRP_AUTH",
                              AuthParameters=srp.get_auth_params())
        assert r["ChallengeName"] == "PASSWORD_VERIFIER"
        return r["ChallengeParameters"]

    a, b, c = challenge("nobody-here"), challenge("nobody-here"), challenge("someone-else")
    assert UUID_RE.match(a["USER_ID_FOR_SRP"])
    assert a["USERNAME"] == a["USER_ID_FOR_SRP"]
    assert (a["SALT"], a["USER_ID_FOR_SRP"]) == (b["SALT"], b["USER_ID_FOR_SRP"])
    assert a["SRP_B"] != b["SRP_B"]
    assert (a["SALT"], a["USER_ID_FOR_SRP"]) != (c["SALT"], c["USER_ID_FOR_SRP"])
    ghost = AWSSRP(username="nobody-here", password=PASSWORD, pool_id=hidden_app.pool_id,
                   client_id=hidden_app.client_id, client=idp)
    with pytest.raises(ClientError) as e:
        ghost.authenticate_user()
    assert error_of(e) == ("NotAuthorizedException", generic)

    # RESET_REQUIRED is hidden too.
    reset = confirmed_user(idp, hidden_app.pool_id, attributes=[{"Name": "email", "Value": "r@example.com"},
                                                                {"Name": "email_verified", "Value": "true"}])
    idp.admin_reset_user_password(UserPoolId=hidden_app.pool_id, Username=reset)
    expect_error("NotAuthorizedException", password_auth, generic, idp=idp, client_id=hidden_app.client_id,
                 username=reset)


def test_lockout_after_five_failures(idp, app):
    name = confirmed_user(idp, app.pool_id)
    for _ in range(5):
        expect_error("NotAuthorizedException", password_auth, "Incorrect username or password.",
                     idp=idp, client_id=app.client_id, username=name, password="Wr0ngPassw0rd!")
    # Locked (1 s after the fifth failure): even the right password is refused, by any flow.
    expect_error("NotAuthorizedException", password_auth, "Password attempts exceeded",
                 idp=idp, client_id=app.client_id, username=name)
    time.sleep(1.2)
    # The lock has run out; a success clears the count.
    password_auth(idp, app.client_id, name)
    expect_error("NotAuthorizedException", password_auth, "Incorrect username or password.",
                 idp=idp, client_id=app.client_id, username=name, password="Wr0ngPassw0rd!")
    password_auth(idp, app.client_id, name)


def test_unique_ids_per_sign_in(idp, app):
    name = confirmed_user(idp, app.pool_id)
    a, b = password_auth(idp, app.client_id, name), password_auth(idp, app.client_id, name)
    ca, cb = unverified(a["AccessToken"])[1], unverified(b["AccessToken"])[1]
    assert ca["origin_jti"] != cb["origin_jti"]
    assert ca["event_id"] != cb["event_id"]
    assert uuid.UUID(ca["jti"]) != uuid.UUID(cb["jti"])


def test_srp_timestamp_rules(idp, app, monkeypatch):
    """TIMESTAMP is `EEE MMM d HH:mm:ss UTC yyyy` (English names, day unpadded), and current."""
    import datetime

    name = confirmed_user(idp, app.pool_id)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    def stamp(t: datetime.datetime, *, weekday_shift: int = 0, pad_day: bool = False, pad_hour: bool = True) -> str:
        day = f"{t.day:02d}" if pad_day else str(t.day)
        hour = f"{t.hour:02d}" if pad_hour else str(t.hour)
        return (f"{days[(t.weekday() + weekday_shift) % 7]} {months[t.month - 1]} {day} "
                f"{hour}:{t.minute:02d}:{t.second:02d} UTC {t.year}")

    def sign_in(make_stamp) -> None:
        monkeypatch.setattr(AWSSRP, "get_cognito_formatted_timestamp",
                            staticmethod(lambda _dt: make_stamp(datetime.datetime.now(datetime.timezone.utc))))
        AWSSRP(username=name, password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id,
               client=idp).authenticate_user()

    sign_in(stamp)
    refused = [
        ("wrong weekday", lambda t: stamp(t, weekday_shift=1)),
        ("ten minutes old", lambda t: stamp(t - datetime.timedelta(minutes=10))),
        ("ten minutes ahead", lambda t: stamp(t + datetime.timedelta(minutes=10))),
        ("ISO format", lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    now = datetime.datetime.now(datetime.timezone.utc)
    if now.day < 10:
        refused.append(("zero-padded day", lambda t: stamp(t, pad_day=True)))
    if now.hour < 10:
        refused.append(("unpadded hour", lambda t: stamp(t, pad_hour=False)))
    for what, make_stamp in refused:
        with pytest.raises(ClientError) as e:
            sign_in(make_stamp)
        assert error_of(e)[0] == "NotAuthorizedException", what
    # (None of these counted as a wrong password.)
    sign_in(stamp)


def test_token_validity_and_read_attributes(idp, app):
    cid = make_client(idp, app.pool_id, AccessTokenValidity=5, IdTokenValidity=10,
                      TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"},
                      ReadAttributes=["email", "email_verified"])["ClientId"]
    name = confirmed_user(idp, app.pool_id, attributes=[{"Name": "email", "Value": "ra@example.com"},
                                                        {"Name": "name", "Value": "Hidden"}])
    result = password_auth(idp, cid, name)
    assert result["ExpiresIn"] == 300
    _, access = unverified(result["AccessToken"])
    _, id_claims = unverified(result["IdToken"])
    assert access["exp"] - access["iat"] == 300
    assert id_claims["exp"] - id_claims["iat"] == 600
    # Only readable attributes reach the ID token and GetUser (sub always).
    assert id_claims["email"] == "ra@example.com"
    assert "name" not in id_claims
    attrs = attr_map(idp.get_user(AccessToken=result["AccessToken"])["UserAttributes"])
    assert "name" not in attrs
    assert attrs["email"] == "ra@example.com" and "sub" in attrs


def test_group_claims(idp, app):
    name = confirmed_user(idp, app.pool_id)
    g1, g2 = unique("admins"), unique("staff")
    idp.create_group(UserPoolId=app.pool_id, GroupName=g1, Precedence=1,
                     RoleArn="arn:aws:iam::000000000000:role/Admin")
    idp.create_group(UserPoolId=app.pool_id, GroupName=g2, Precedence=5,
                     RoleArn="arn:aws:iam::000000000000:role/Staff")
    plain = password_auth(idp, app.client_id, name)
    assert "cognito:groups" not in unverified(plain["IdToken"])[1]
    assert "cognito:groups" not in unverified(plain["AccessToken"])[1]
    for g in (g1, g2):
        idp.admin_add_user_to_group(UserPoolId=app.pool_id, Username=name, GroupName=g)
    result = password_auth(idp, app.client_id, name)
    _, id_claims = unverified(result["IdToken"])
    _, access = unverified(result["AccessToken"])
    assert sorted(id_claims["cognito:groups"]) == sorted([g1, g2])
    assert sorted(access["cognito:groups"]) == sorted([g1, g2])
    assert sorted(id_claims["cognito:roles"]) == ["arn:aws:iam::000000000000:role/Admin",
                                                  "arn:aws:iam::000000000000:role/Staff"]
    assert id_claims["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/Admin"
    # Refreshed tokens see the current groups.
    idp.admin_remove_user_from_group(UserPoolId=app.pool_id, Username=name, GroupName=g1)
    refreshed = refresh(idp, app.client_id, result["RefreshToken"])
    assert unverified(refreshed["IdToken"])[1]["cognito:groups"] == [g2]
