"""Multi-factor authentication against the Cognito-compatible server, on both backends:
SetUserPoolMfaConfig / GetUserPoolMfaConfig, TOTP (AssociateSoftwareToken and
VerifySoftwareToken with an access token and with an MFA_SETUP session), MFA preferences
(SetUserMFAPreference, AdminSetUserMFAPreference, the legacy SetUserSettings), the
SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP challenges, code
replay and lockout. Clients: boto3 and pycognito (SRP sign-in into an MFA challenge).

TOTP codes come from pyotp, independent of the server's implementation; SMS and email
codes from the outbox (`GET /_cognate/messages`).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from types import SimpleNamespace

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import SMSMFAChallengeException, SoftwareTokenMFAChallengeException

from conftest import (
    ADMIN_ACCESS_KEY_ID,
    ADMIN_SECRET_ACCESS_KEY,
    BOTO_CONFIG,
    REGION,
    _boto_session,
    extract_code,
    outbox_messages,
    unique,
)

PASSWORD = "Passw0rd!"
PHONE = "+15555550123"
EMAIL = "alice@example.com"
SMS_TEMPLATE = "Your code is {####}"
EMAIL_TEMPLATE = "Your sign-in code is {####}"
EMAIL_SUBJECT = "Your sign-in code"
STEP = 30
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
BASE32_RE = re.compile(r"^[A-Z2-7]{16,}$")


# -- helpers ---------------------------------------------------------------------


def expect_error(code: str, fn, message: str | None = None, **kwargs) -> str:
    """Calls `fn(**kwargs)`, requires a ClientError named `code` (and `message` if given)."""
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    err = e.value.response["Error"]
    got, msg = err["Code"], err.get("Message", "")
    assert got == code, f"expected {code}, got {got}: {msg}"
    if message is not None:
        assert msg == message, f"{code}: expected message {message!r}, got {msg!r}"
    return msg


def factors(sms: bool = False, totp: bool = False, email: bool = False) -> dict:
    """The factor members of SetUserPoolMfaConfig."""
    out: dict = {}
    if sms:
        out["SmsMfaConfiguration"] = {"SmsAuthenticationMessage": SMS_TEMPLATE}
    if totp:
        out["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if email:
        out["EmailMfaConfiguration"] = {"Message": EMAIL_TEMPLATE, "Subject": EMAIL_SUBJECT}
    return out


def mfa_app(idp, mode: str, **kinds) -> SimpleNamespace:
    """A pool with that MFA configuration, a client and a CONFIRMED user with a phone and an email."""
    pool_id = idp.create_user_pool(PoolName=unique("mfa"))["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration=mode, **factors(**kinds))
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName=unique("app"),
                                            ExplicitAuthFlows=FLOWS)["UserPoolClient"]["ClientId"]
    username = unique("alice")
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "phone_number", "Value": PHONE},
            {"Name": "phone_number_verified", "Value": "true"},
            {"Name": "email", "Value": EMAIL},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    return SimpleNamespace(pool_id=pool_id, client_id=client_id, username=username)


def sign_in(idp, app) -> dict:
    return idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": app.username, "PASSWORD": PASSWORD})


def tokens(idp, app) -> dict:
    """A sign-in that must end in tokens (no MFA asked)."""
    r = sign_in(idp, app)
    assert "AuthenticationResult" in r and "ChallengeName" not in r, r
    return r["AuthenticationResult"]


def challenge(idp, app, name: str) -> dict:
    """A sign-in that must end in the challenge `name`."""
    r = sign_in(idp, app)
    assert r.get("ChallengeName") == name and "AuthenticationResult" not in r, r
    assert r.get("Session"), r
    return r


def answer(idp, app, ch: dict, **responses) -> dict:
    return idp.respond_to_auth_challenge(
        ClientId=app.client_id, ChallengeName=ch["ChallengeName"], Session=ch["Session"],
        ChallengeResponses={"USERNAME": app.username, **responses},
    )


def answered_with_tokens(r: dict) -> dict:
    assert "AuthenticationResult" in r and "ChallengeName" not in r, r
    return r["AuthenticationResult"]


def delivered(server, app, channel: str) -> tuple[dict, str]:
    """The newest outbox message for the user, which must be on `channel`, and its code."""
    msgs = outbox_messages(server, app.pool_id, app.username, limit=1)
    assert msgs, f"no outbox message for {app.username}"
    assert msgs[0]["channel"] == channel, msgs[0]
    return msgs[0], extract_code(msgs[0]["body"])


def other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


class Authenticator:
    """An authenticator app (pyotp) that remembers the last time step the server accepted."""

    def __init__(self, secret_code: str):
        assert BASE32_RE.match(secret_code), f"SecretCode is not base32: {secret_code!r}"
        self.totp = pyotp.TOTP(secret_code)  # SHA-1, 6 digits, 30 s
        self.used = -1

    def fresh(self) -> str:
        """A code of a step not used yet: the current one or the next (the server allows +-1 step)."""
        while True:
            now = time.time()
            cur = int(now) // STEP
            step = max(cur, self.used + 1)
            if step <= cur + 1:
                break
            time.sleep((cur + 1) * STEP - now + 0.05)
        self.used = step
        return self.totp.at(step * STEP)

    def wrong(self) -> str:
        cur = int(time.time()) // STEP
        near = {self.totp.at((cur + k) * STEP) for k in range(-3, 4)}
        return next(c for c in (f"{(n * 7919 + 271_828) % 1_000_000:06d}" for n in itertools.count()) if c not in near)


def enrol(idp, access: str) -> Authenticator:
    """AssociateSoftwareToken + VerifySoftwareToken with an access token."""
    app = Authenticator(idp.associate_software_token(AccessToken=access)["SecretCode"])
    r = idp.verify_software_token(AccessToken=access, UserCode=app.fresh(), FriendlyDeviceName="phone")
    assert r["Status"] == "SUCCESS", r
    return app


def pycognito_user(server, app) -> Cognito:
    return Cognito(
        app.pool_id, app.client_id, username=app.username, user_pool_region=REGION,
        session=_boto_session(), botocore_config=BOTO_CONFIG,
        boto3_client_kwargs={
            "endpoint_url": server.url,
            "aws_access_key_id": ADMIN_ACCESS_KEY_ID,
            "aws_secret_access_key": ADMIN_SECRET_ACCESS_KEY,
        },
    )


# -- pool configuration ------------------------------------------------------------


def test_pool_mfa_config_round_trip(idp):
    pool_id = idp.create_user_pool(PoolName=unique("mfa"))["UserPool"]["Id"]
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"

    for mode in ("ON", "OPTIONAL"):
        expect_error("InvalidParameterException", idp.set_user_pool_mfa_config,
                     UserPoolId=pool_id, MfaConfiguration=mode)
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"

    every = factors(sms=True, totp=True, email=True)
    r = idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL", **every)
    assert r["MfaConfiguration"] == "OPTIONAL"
    got = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert got["MfaConfiguration"] == "OPTIONAL"
    for key, value in every.items():
        assert got[key] == value, (key, got)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "OPTIONAL"

    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON", **factors(totp=True))
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "ON"
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"
    expect_error("ResourceNotFoundException", idp.get_user_pool_mfa_config, UserPoolId="us-east-1_nosuchpol")


# -- TOTP ----------------------------------------------------------------------------


def test_totp_enrolment_and_sign_in(idp):
    app = mfa_app(idp, "OPTIONAL", totp=True)
    access = tokens(idp, app)["AccessToken"]
    user = idp.get_user(AccessToken=access)
    assert "PreferredMfaSetting" not in user and not user.get("UserMFASettingList"), user

    def enable_totp():
        idp.set_user_mfa_preference(AccessToken=access,
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    expect_error("SoftwareTokenMFANotFoundException", enable_totp)
    r = idp.associate_software_token(AccessToken=access)
    totp = Authenticator(r["SecretCode"])
    assert "Session" not in r, r
    expect_error("SoftwareTokenMFANotFoundException", enable_totp)

    expect_error("EnableSoftwareTokenMFAException", idp.verify_software_token,
                 AccessToken=access, UserCode=totp.wrong())
    verify_code = totp.fresh()
    r = idp.verify_software_token(AccessToken=access, UserCode=verify_code, FriendlyDeviceName="phone")
    assert r["Status"] == "SUCCESS", r

    enable_totp()
    user = idp.get_user(AccessToken=access)
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    admin = idp.admin_get_user(UserPoolId=app.pool_id, Username=app.username)
    assert admin["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert admin["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    ch = challenge(idp, app, "SOFTWARE_TOKEN_MFA")
    assert ch["ChallengeParameters"]["USERNAME"] == app.username
    # A wrong code and the code already used to verify are refused; the session stays usable.
    expect_error("CodeMismatchException", answer, idp=idp, app=app, ch=ch, SOFTWARE_TOKEN_MFA_CODE=totp.wrong())
    expect_error("CodeMismatchException", answer, idp=idp, app=app, ch=ch, SOFTWARE_TOKEN_MFA_CODE=verify_code)
    accepted = totp.fresh()
    result = answered_with_tokens(answer(idp, app, ch, SOFTWARE_TOKEN_MFA_CODE=accepted))
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == app.username
    assert result["RefreshToken"]

    # A code once accepted is refused in a later sign-in.
    ch = challenge(idp, app, "SOFTWARE_TOKEN_MFA")
    expect_error("CodeMismatchException", answer, idp=idp, app=app, ch=ch, SOFTWARE_TOKEN_MFA_CODE=accepted)

    # TOTP off: no challenge.
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    assert not idp.get_user(AccessToken=access).get("UserMFASettingList")
    tokens(idp, app)


def test_pycognito_srp_into_totp(server, idp):
    """pycognito: enrol with its helpers, then SRP sign-in -> SOFTWARE_TOKEN_MFA -> tokens."""
    app = mfa_app(idp, "OPTIONAL", totp=True)
    u = pycognito_user(server, app)
    u.authenticate(password=PASSWORD)
    totp = Authenticator(u.associate_software_token())
    assert u.verify_software_token(totp.fresh(), device_name="phone")
    u.set_user_mfa_preference(sms_mfa=False, software_token_mfa=True, preferred="SOFTWARE_TOKEN")

    u2 = pycognito_user(server, app)
    with pytest.raises(SoftwareTokenMFAChallengeException) as e:
        u2.authenticate(password=PASSWORD)
    assert e.value.get_tokens()["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    u2.respond_to_software_token_mfa_challenge(totp.fresh())
    assert u2.access_token and u2.id_token
    assert idp.get_user(AccessToken=u2.access_token)["Username"] == app.username


def test_mfa_setup_when_required(idp):
    app = mfa_app(idp, "ON", totp=True)
    ch = challenge(idp, app, "MFA_SETUP")
    assert ch["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'

    associated = idp.associate_software_token(Session=ch["Session"])
    totp = Authenticator(associated["SecretCode"])
    s1 = associated["Session"]
    assert s1 and s1 != ch["Session"]
    # The sign-in's session was spent by AssociateSoftwareToken.
    expect_error("NotAuthorizedException", idp.associate_software_token, Session=ch["Session"])

    verified = idp.verify_software_token(Session=s1, UserCode=totp.fresh())
    assert verified["Status"] == "SUCCESS"
    s2 = verified["Session"]
    assert s2 and s2 != s1

    # MFA_SETUP takes VerifySoftwareToken's session.
    expect_error("NotAuthorizedException", idp.respond_to_auth_challenge, ClientId=app.client_id,
                 ChallengeName="MFA_SETUP", Session=s1, ChallengeResponses={"USERNAME": app.username})
    r = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="MFA_SETUP", Session=s2,
                                      ChallengeResponses={"USERNAME": app.username})
    access = answered_with_tokens(r)["AccessToken"]
    user = idp.get_user(AccessToken=access)
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    ch = challenge(idp, app, "SOFTWARE_TOKEN_MFA")
    answered_with_tokens(answer(idp, app, ch, SOFTWARE_TOKEN_MFA_CODE=totp.fresh()))


def test_mfa_setup_wrong_code(idp):
    app = mfa_app(idp, "ON", totp=True)
    ch = challenge(idp, app, "MFA_SETUP")
    associated = idp.associate_software_token(Session=ch["Session"])
    totp = Authenticator(associated["SecretCode"])
    expect_error("EnableSoftwareTokenMFAException", idp.verify_software_token,
                 Session=associated["Session"], UserCode=totp.wrong())
    assert not idp.admin_get_user(UserPoolId=app.pool_id, Username=app.username).get("UserMFASettingList")
    challenge(idp, app, "MFA_SETUP")


# -- SMS and email ---------------------------------------------------------------------


def test_sms_mfa(server, idp):
    app = mfa_app(idp, "OPTIONAL", sms=True)
    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    ch = challenge(idp, app, "SMS_MFA")
    params = ch["ChallengeParameters"]
    assert params["USERNAME"] == app.username
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    dest = params["CODE_DELIVERY_DESTINATION"]
    assert dest != PHONE and "*" in dest and dest.endswith("0123"), dest
    m, code = delivered(server, app, "SMS")
    assert m["destination"] == PHONE
    assert m["body"] == SMS_TEMPLATE.replace("{####}", code)

    expect_error("CodeMismatchException", answer, idp=idp, app=app, ch=ch, SMS_MFA_CODE=other(code))
    answered_with_tokens(answer(idp, app, ch, SMS_MFA_CODE=code))
    expect_error("NotAuthorizedException", answer, idp=idp, app=app, ch=ch, SMS_MFA_CODE=code)

    # The admin flow, with a new code.
    r = idp.admin_initiate_auth(UserPoolId=app.pool_id, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": app.username, "PASSWORD": PASSWORD})
    assert r["ChallengeName"] == "SMS_MFA", r
    _, code2 = delivered(server, app, "SMS")
    r = idp.admin_respond_to_auth_challenge(
        UserPoolId=app.pool_id, ClientId=app.client_id, ChallengeName="SMS_MFA", Session=r["Session"],
        ChallengeResponses={"USERNAME": app.username, "SMS_MFA_CODE": code2},
    )
    answered_with_tokens(r)


def test_pycognito_srp_into_sms(server, idp):
    app = mfa_app(idp, "OPTIONAL", sms=True)
    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    u = pycognito_user(server, app)
    with pytest.raises(SMSMFAChallengeException) as e:
        u.authenticate(password=PASSWORD)
    assert e.value.get_tokens()["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    _, code = delivered(server, app, "SMS")
    u.respond_to_sms_mfa_challenge(code)
    assert idp.get_user(AccessToken=u.access_token)["Username"] == app.username


def test_email_otp_mfa(server, idp):
    app = mfa_app(idp, "OPTIONAL", email=True)
    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    admin = idp.admin_get_user(UserPoolId=app.pool_id, Username=app.username)
    assert admin["PreferredMfaSetting"] == "EMAIL_OTP"
    assert admin["UserMFASettingList"] == ["EMAIL_OTP"]

    ch = challenge(idp, app, "EMAIL_OTP")
    params = ch["ChallengeParameters"]
    assert params["USERNAME"] == app.username
    assert params["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    dest = params["CODE_DELIVERY_DESTINATION"]
    assert dest != EMAIL and "*" in dest, dest
    m, code = delivered(server, app, "EMAIL")
    assert m["destination"] == EMAIL
    expect_error("CodeMismatchException", answer, idp=idp, app=app, ch=ch, EMAIL_OTP_CODE=other(code))
    answered_with_tokens(answer(idp, app, ch, EMAIL_OTP_CODE=code))


def test_email_mfa_message_uses_pool_template(server, idp):
    """EmailMfaConfiguration's Message and Subject make the MFA email."""
    app = mfa_app(idp, "OPTIONAL", email=True)
    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge(idp, app, "EMAIL_OTP")
    m, code = delivered(server, app, "EMAIL")
    assert (m["subject"], m["body"]) == (EMAIL_SUBJECT, EMAIL_TEMPLATE.replace("{####}", code)), m


# -- choosing, legacy settings, user fields, lockout ---------------------------------------


def test_select_mfa_type(server, idp):
    app = mfa_app(idp, "OPTIONAL", sms=True, totp=True)
    access = tokens(idp, app)["AccessToken"]
    totp = enrol(idp, access)
    idp.set_user_mfa_preference(AccessToken=access,
                                SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
                                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False})
    user = idp.get_user(AccessToken=access)
    assert "PreferredMfaSetting" not in user, user
    assert sorted(user["UserMFASettingList"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]

    ch = challenge(idp, app, "SELECT_MFA_TYPE")
    assert sorted(json.loads(ch["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    nxt = answer(idp, app, ch, ANSWER="SOFTWARE_TOKEN_MFA")
    assert nxt["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and nxt["Session"], nxt
    answered_with_tokens(answer(idp, app, nxt, SOFTWARE_TOKEN_MFA_CODE=totp.fresh()))

    ch = challenge(idp, app, "SELECT_MFA_TYPE")
    nxt = answer(idp, app, ch, ANSWER="SMS_MFA")
    assert nxt["ChallengeName"] == "SMS_MFA", nxt
    assert nxt["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    _, code = delivered(server, app, "SMS")
    answered_with_tokens(answer(idp, app, nxt, SMS_MFA_CODE=code))

    idp.set_user_mfa_preference(AccessToken=access, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    challenge(idp, app, "SMS_MFA")


def test_legacy_set_user_settings(server, idp):
    app = mfa_app(idp, "OPTIONAL", sms=True)
    access = tokens(idp, app)["AccessToken"]
    option = {"DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    idp.set_user_settings(AccessToken=access, MFAOptions=[option])
    user = idp.get_user(AccessToken=access)
    assert user["MFAOptions"] == [option]
    assert user["UserMFASettingList"] == ["SMS_MFA"]

    ch = challenge(idp, app, "SMS_MFA")
    _, code = delivered(server, app, "SMS")
    answered_with_tokens(answer(idp, app, ch, SMS_MFA_CODE=code))

    idp.admin_set_user_settings(UserPoolId=app.pool_id, Username=app.username, MFAOptions=[])
    admin = idp.admin_get_user(UserPoolId=app.pool_id, Username=app.username)
    assert not admin.get("MFAOptions") and not admin.get("UserMFASettingList"), admin
    tokens(idp, app)

    idp.admin_set_user_settings(UserPoolId=app.pool_id, Username=app.username, MFAOptions=[option])
    challenge(idp, app, "SMS_MFA")


def test_admin_get_user_mfa_fields(idp):
    app = mfa_app(idp, "OPTIONAL", sms=True, email=True)
    bob = unique("bob")
    idp.admin_create_user(UserPoolId=app.pool_id, Username=bob, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])

    def admin(name: str) -> dict:
        return idp.admin_get_user(UserPoolId=app.pool_id, Username=name)

    a = admin(app.username)
    assert not {"PreferredMfaSetting", "UserMFASettingList", "MFAOptions"} & set(a), a

    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
                                      EmailMfaSettings={"Enabled": True, "PreferredMfa": False})
    a = admin(app.username)
    assert a["PreferredMfaSetting"] == "SMS_MFA"
    assert sorted(a["UserMFASettingList"]) == ["EMAIL_OTP", "SMS_MFA"]
    assert a["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]

    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      SMSMfaSettings={"Enabled": False, "PreferredMfa": False})
    a = admin(app.username)
    assert a["UserMFASettingList"] == ["EMAIL_OTP"]
    assert a.get("PreferredMfaSetting") != "SMS_MFA"
    assert not a.get("MFAOptions"), a

    expect_error("InvalidParameterException", idp.admin_set_user_mfa_preference, UserPoolId=app.pool_id,
                 Username=bob, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert not admin(bob).get("UserMFASettingList")
    expect_error("UserNotFoundException", idp.admin_set_user_mfa_preference, UserPoolId=app.pool_id,
                 Username="nobody", EmailMfaSettings={"Enabled": True})


def test_wrong_codes_lock_out(server, idp):
    app = mfa_app(idp, "OPTIONAL", sms=True)
    idp.admin_set_user_mfa_preference(UserPoolId=app.pool_id, Username=app.username,
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    ch = challenge(idp, app, "SMS_MFA")
    _, code = delivered(server, app, "SMS")
    for _ in range(5):
        expect_error("CodeMismatchException", answer, idp=idp, app=app, ch=ch, SMS_MFA_CODE=other(code))
    # Five failures lock the user (briefly), even against the right code.
    expect_error("NotAuthorizedException", answer, "Password attempts exceeded",
                 idp=idp, app=app, ch=ch, SMS_MFA_CODE=code)
    time.sleep(2.5)
    answered_with_tokens(answer(idp, app, ch, SMS_MFA_CODE=code))
