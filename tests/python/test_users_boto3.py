"""The user directory through boto3 against the Cognito-compatible server, on both backends.

Sign-up, confirmation and forgotten-password codes are read from the server's outbox
(`GET /_cognate/messages`): with no email/SMS transport configured every message is recorded
there instead of being sent.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import threading

import pytest
from botocore.exceptions import ClientError

from conftest import extract_code, newest_code, outbox_messages, unique

PASSWORD = "Passw0rd!"
NEW_PASSWORD = "N3wPassw0rd!"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# -- helpers ---------------------------------------------------------------------


def make_pool(idp, **kwargs) -> str:
    return idp.create_user_pool(PoolName=unique("users"), **kwargs)["UserPool"]["Id"]


def make_client(idp, pool_id: str, **kwargs) -> str:
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName=unique("app"), **kwargs)["UserPoolClient"][
        "ClientId"
    ]


def attr_map(attributes: list[dict]) -> dict[str, str]:
    out = {a["Name"]: a["Value"] for a in attributes}
    assert len(out) == len(attributes), f"duplicate attribute names in {attributes}"
    return out


def error(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err.get("Message", "")


def expect_error(code: str, fn, **kwargs) -> str:
    """Calls `fn(**kwargs)`, requires a ClientError named `code`, returns its message."""
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    got, message = error(e)
    assert got == code, f"expected {code}, got {got}: {message}"
    return message


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def get_user(idp, pool_id: str, username: str) -> dict:
    return idp.admin_get_user(UserPoolId=pool_id, Username=username)


def secret_hash(secret: str, username: str, client_id: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def email(name: str) -> list[dict]:
    return [{"Name": "email", "Value": name}]


def admin_user(idp, pool_id: str, username: str, attributes: list[dict] | None = None, **kwargs) -> dict:
    """AdminCreateUser without an invitation."""
    return idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attributes or [],
        TemporaryPassword="TempPassw0rd!",
        MessageAction="SUPPRESS",
        **kwargs,
    )["User"]


def confirmed_user_with_verified_email(idp, pool_id: str, username: str, address: str) -> None:
    admin_user(idp, pool_id, username, [*email(address), {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


# -- fixtures --------------------------------------------------------------------


@pytest.fixture(scope="module")
def email_pool(server):
    """A pool that verifies email at sign-up, with a public client."""
    idp = server.client()
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    return pool_id, make_client(idp, pool_id)


@pytest.fixture(scope="module")
def plain_pool(server):
    """A pool with no automatic verification, with a public client."""
    idp = server.client()
    pool_id = make_pool(idp)
    return pool_id, make_client(idp, pool_id)


# -- SignUp ----------------------------------------------------------------------


def test_sign_up_without_auto_verification(server, idp, plain_pool):
    pool_id, client_id = plain_pool
    name = unique("nov")
    r = idp.sign_up(
        ClientId=client_id,
        Username=name,
        Password=PASSWORD,
        UserAttributes=[*email("nov@example.com"), {"Name": "name", "Value": "No Verify"}],
    )
    assert r["UserConfirmed"] is False
    assert UUID_RE.match(r["UserSub"]), r["UserSub"]
    assert "CodeDeliveryDetails" not in r

    u = get_user(idp, pool_id, name)
    assert u["Username"] == name
    assert u["UserStatus"] == "UNCONFIRMED"
    assert u["Enabled"] is True
    assert u["UserAttributes"][0] == {"Name": "sub", "Value": r["UserSub"]}
    attrs = attr_map(u["UserAttributes"])
    assert attrs["email"] == "nov@example.com"
    assert attrs["name"] == "No Verify"
    assert attrs.get("email_verified", "false") == "false"
    assert isinstance(u["UserCreateDate"], datetime.datetime)
    assert isinstance(u["UserLastModifiedDate"], datetime.datetime)
    assert u["UserLastModifiedDate"] >= u["UserCreateDate"]
    # No code is sent without AutoVerifiedAttributes.
    assert outbox_messages(server, pool_id, name) == []


def test_sign_up_sends_code_and_confirm(server, idp, email_pool):
    pool_id, client_id = email_pool
    name = unique("jane")
    r = idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=email("jane.doe@example.com"))
    assert r["UserConfirmed"] is False
    assert r["CodeDeliveryDetails"] == {
        "Destination": "j***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }

    msgs = outbox_messages(server, pool_id, name)
    assert len(msgs) == 1
    m = msgs[0]
    assert m["poolId"] == pool_id
    assert m["username"] == name
    assert m["channel"] == "EMAIL"
    assert m["destination"] == "jane.doe@example.com"
    assert m["subject"] == "Your verification code"
    code = extract_code(m["body"])
    assert newest_code(server, pool_id, name) == code

    msg = expect_error(
        "CodeMismatchException", idp.confirm_sign_up, ClientId=client_id, Username=name,
        ConfirmationCode=wrong_code(code),
    )
    assert msg == "Invalid verification code provided, please try again."
    assert get_user(idp, pool_id, name)["UserStatus"] == "UNCONFIRMED"

    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=code)
    u = get_user(idp, pool_id, name)
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["email_verified"] == "true"

    # A confirmed user cannot be confirmed again, with a code or by an admin.
    msg = expect_error("NotAuthorizedException", idp.confirm_sign_up, ClientId=client_id, Username=name,
                       ConfirmationCode=code)
    assert msg == "User cannot be confirmed. Current status is CONFIRMED"
    expect_error("NotAuthorizedException", idp.admin_confirm_sign_up, UserPoolId=pool_id, Username=name)


def test_sign_up_code_by_sms(server, idp):
    pool_id = make_pool(idp, AutoVerifiedAttributes=["phone_number"])
    client_id = make_client(idp, pool_id)
    r = idp.sign_up(ClientId=client_id, Username="sms", Password=PASSWORD,
                    UserAttributes=[{"Name": "phone_number", "Value": "+15555550123"}])
    d = r["CodeDeliveryDetails"]
    assert (d["DeliveryMedium"], d["AttributeName"]) == ("SMS", "phone_number")
    assert d["Destination"].endswith("0123") and "5555550123" not in d["Destination"]
    [m] = outbox_messages(server, pool_id, "sms")
    assert (m["channel"], m["destination"], m["subject"]) == ("SMS", "+15555550123", None)
    idp.confirm_sign_up(ClientId=client_id, Username="sms", ConfirmationCode=extract_code(m["body"]))
    u = get_user(idp, pool_id, "sms")
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["phone_number_verified"] == "true"


def test_sign_up_with_email_and_phone_verified(server, idp):
    """When both are auto-verified, the sign-up code goes to the phone; the email stays unverified."""
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email", "phone_number"])
    client_id = make_client(idp, pool_id)
    r = idp.sign_up(ClientId=client_id, Username="both", Password=PASSWORD, UserAttributes=[
        *email("both@example.com"), {"Name": "phone_number", "Value": "+15555550124"}])
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    [m] = outbox_messages(server, pool_id, "both")
    assert (m["channel"], m["destination"]) == ("SMS", "+15555550124")
    idp.confirm_sign_up(ClientId=client_id, Username="both", ConfirmationCode=extract_code(m["body"]))
    a = attr_map(get_user(idp, pool_id, "both")["UserAttributes"])
    assert a["phone_number_verified"] == "true"
    assert a.get("email_verified", "false") == "false"


def test_verification_message_template(server, idp):
    pool_id = make_pool(
        idp,
        AutoVerifiedAttributes=["email"],
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
            "EmailMessage": "Welcome to Example! Your code: {####}",
            "EmailSubject": "Confirm your Example account",
        },
    )
    client_id = make_client(idp, pool_id)
    idp.sign_up(ClientId=client_id, Username="tmpl", Password=PASSWORD, UserAttributes=email("tmpl@example.com"))
    [m] = outbox_messages(server, pool_id, "tmpl")
    assert m["subject"] == "Confirm your Example account"
    code = extract_code(m["body"])
    assert m["body"] == f"Welcome to Example! Your code: {code}"


def test_resend_confirmation_code(server, idp, email_pool):
    pool_id, client_id = email_pool
    name = unique("resend")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=email("resend@example.com"))
    first = outbox_messages(server, pool_id, name)
    assert len(first) == 1

    r = idp.resend_confirmation_code(ClientId=client_id, Username=name)
    assert r["CodeDeliveryDetails"] == {"Destination": "r***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    msgs = outbox_messages(server, pool_id, name)
    assert len(msgs) == 2
    assert msgs[1]["id"] == first[0]["id"]  # newest first
    assert msgs[0]["id"] != first[0]["id"]
    assert msgs[0]["destination"] == "resend@example.com"

    idp.confirm_sign_up(ClientId=client_id, Username=name, ConfirmationCode=extract_code(msgs[0]["body"]))
    assert get_user(idp, pool_id, name)["UserStatus"] == "CONFIRMED"
    expect_error("InvalidParameterException", idp.resend_confirmation_code, ClientId=client_id, Username=name)


def test_password_policy(idp):
    pool_id = make_pool(
        idp,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 10,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
    )
    client_id = make_client(idp, pool_id)
    cases = {
        "Sh0rt!xy": "Password not long enough",
        "nouppercase1!": "Password must have uppercase characters",
        "NOLOWERCASE1!": "Password must have lowercase characters",
        "NoNumbersHere!": "Password must have numeric characters",
        "NoSymbols12345": "Password must have symbol characters",
    }
    for i, (password, reason) in enumerate(cases.items()):
        name = f"weak{i}"
        msg = expect_error("InvalidPasswordException", idp.sign_up, ClientId=client_id, Username=name,
                           Password=password)
        assert msg == f"Password did not conform with policy: {reason}", password
        expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username=name)
    idp.sign_up(ClientId=client_id, Username="strong", Password="Str0ng!Passw0rd")
    assert get_user(idp, pool_id, "strong")["UserStatus"] == "UNCONFIRMED"


def test_sign_up_attribute_validation(idp):
    pool_id = make_pool(
        idp,
        Schema=[
            {"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
        ],
    )
    open_client = make_client(idp, pool_id)
    limited_client = make_client(idp, pool_id, WriteAttributes=["name", "email"])
    name_attr = {"Name": "name", "Value": "Val Idation"}

    # Required attribute missing.
    expect_error("InvalidParameterException", idp.sign_up, ClientId=open_client, Username="v1", Password=PASSWORD,
                 UserAttributes=email("v1@example.com"))
    # Not in the schema.
    expect_error("InvalidParameterException", idp.sign_up, ClientId=open_client, Username="v2", Password=PASSWORD,
                 UserAttributes=[name_attr, {"Name": "custom:nope", "Value": "x"}])
    # Not an email address.
    expect_error("InvalidParameterException", idp.sign_up, ClientId=open_client, Username="v3", Password=PASSWORD,
                 UserAttributes=[name_attr, *email("not-an-email")])
    # The client may not write custom:tier.
    msg = expect_error("NotAuthorizedException", idp.sign_up, ClientId=limited_client, Username="v4",
                       Password=PASSWORD, UserAttributes=[name_attr, {"Name": "custom:tier", "Value": "gold"}])
    assert msg == "A client attempted to write unauthorized attribute"
    for n in ("v1", "v2", "v3", "v4"):
        expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username=n)

    idp.sign_up(ClientId=open_client, Username="v5", Password=PASSWORD,
                UserAttributes=[name_attr, {"Name": "custom:tier", "Value": "gold"}])
    attrs = attr_map(get_user(idp, pool_id, "v5")["UserAttributes"])
    assert attrs["custom:tier"] == "gold"
    assert attrs["name"] == "Val Idation"
    idp.sign_up(ClientId=limited_client, Username="v6", Password=PASSWORD, UserAttributes=[name_attr])
    assert get_user(idp, pool_id, "v6")["UserStatus"] == "UNCONFIRMED"


def test_secret_hash(idp):
    pool_id = make_pool(idp)
    c = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="secret", GenerateSecret=True)["UserPoolClient"]
    cid, secret = c["ClientId"], c["ClientSecret"]

    msg = expect_error("NotAuthorizedException", idp.sign_up, ClientId=cid, Username="sh", Password=PASSWORD)
    assert msg == f"Client {cid} is configured with secret but SECRET_HASH was not received"
    msg = expect_error("NotAuthorizedException", idp.sign_up, ClientId=cid, Username="sh", Password=PASSWORD,
                       SecretHash=secret_hash(secret, "someone-else", cid))
    assert msg == f"Unable to verify secret hash for client {cid}"
    expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username="sh")

    r = idp.sign_up(ClientId=cid, Username="sh", Password=PASSWORD, SecretHash=secret_hash(secret, "sh", cid))
    assert UUID_RE.match(r["UserSub"])
    # The other client-id operations need the hash too.
    msg = expect_error("NotAuthorizedException", idp.confirm_sign_up, ClientId=cid, Username="sh",
                       ConfirmationCode="123456")
    assert msg == f"Client {cid} is configured with secret but SECRET_HASH was not received"
    msg = expect_error("NotAuthorizedException", idp.forgot_password, ClientId=cid, Username="sh",
                       SecretHash=secret_hash("wrong-secret", "sh", cid))
    assert msg == f"Unable to verify secret hash for client {cid}"


def test_admin_create_user_only_pool(idp):
    pool_id = make_pool(idp, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    client_id = make_client(idp, pool_id)
    msg = expect_error("NotAuthorizedException", idp.sign_up, ClientId=client_id, Username="self", Password=PASSWORD)
    assert msg == "SignUp is not permitted for this user pool"
    expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username="self")
    assert admin_user(idp, pool_id, "self")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_username_exists(idp, plain_pool):
    pool_id, client_id = plain_pool
    name = unique("dup")
    first = idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)
    expect_error("UsernameExistsException", idp.sign_up, ClientId=client_id, Username=name, Password=PASSWORD)
    expect_error("UsernameExistsException", admin_user, idp=idp, pool_id=pool_id, username=name)
    assert attr_map(get_user(idp, pool_id, name)["UserAttributes"])["sub"] == first["UserSub"]


def test_confirm_sign_up_without_a_code_sent(idp, plain_pool):
    pool_id, client_id = plain_pool
    name = unique("nocode")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)
    expect_error("ExpiredCodeException", idp.confirm_sign_up, ClientId=client_id, Username=name,
                 ConfirmationCode="123456")
    assert get_user(idp, pool_id, name)["UserStatus"] == "UNCONFIRMED"


# -- ForgotPassword --------------------------------------------------------------


def test_forgot_password_flow(server, idp):
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"], Policies={"PasswordPolicy": {
        "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "PasswordHistorySize": 2}})
    client_id = make_client(idp, pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.sign_up(ClientId=client_id, Username="fp", Password=PASSWORD, UserAttributes=email("forgot@example.com"))
    idp.confirm_sign_up(ClientId=client_id, Username="fp", ConfirmationCode=newest_code(server, pool_id, "fp"))

    r = idp.forgot_password(ClientId=client_id, Username="fp")
    assert r["CodeDeliveryDetails"] == {"Destination": "f***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    [m, _signup] = outbox_messages(server, pool_id, "fp")
    assert m["channel"] == "EMAIL"
    assert m["destination"] == "forgot@example.com"
    code = extract_code(m["body"])

    expect_error("CodeMismatchException", idp.confirm_forgot_password, ClientId=client_id, Username="fp",
                 ConfirmationCode=wrong_code(code), Password=NEW_PASSWORD)
    msg = expect_error("InvalidPasswordException", idp.confirm_forgot_password, ClientId=client_id, Username="fp",
                       ConfirmationCode=code, Password="short")
    assert msg.startswith("Password did not conform with policy: ")
    idp.confirm_forgot_password(ClientId=client_id, Username="fp", ConfirmationCode=code, Password=NEW_PASSWORD)
    assert get_user(idp, pool_id, "fp")["UserStatus"] == "CONFIRMED"
    # A used code is spent.
    expect_error("ExpiredCodeException", idp.confirm_forgot_password, ClientId=client_id, Username="fp",
                 ConfirmationCode=code, Password="An0ther!Passw0rd")
    # The new password signs in; the old one no longer does.
    auth = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "fp", "PASSWORD": NEW_PASSWORD})
    assert auth["AuthenticationResult"]["AccessToken"]
    expect_error("NotAuthorizedException", idp.initiate_auth, ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                 AuthParameters={"USERNAME": "fp", "PASSWORD": PASSWORD})
    # The new password is the current one: the history policy refuses it again.
    expect_error("PasswordHistoryPolicyViolationException", idp.admin_set_user_password, UserPoolId=pool_id,
                 Username="fp", Password=NEW_PASSWORD, Permanent=True)


def test_confirm_forgot_password_without_a_request(idp, email_pool, server):
    pool_id, client_id = email_pool
    name = unique("noreq")
    confirmed_user_with_verified_email(idp, pool_id, name, "noreq@example.com")
    expect_error("ExpiredCodeException", idp.confirm_forgot_password, ClientId=client_id, Username=name,
                 ConfirmationCode="123456", Password=NEW_PASSWORD)


def test_forgot_password_needs_a_verified_channel(server, idp, plain_pool):
    pool_id, client_id = plain_pool
    name = unique("unverified")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD, UserAttributes=email("unv@example.com"))
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=name)
    assert get_user(idp, pool_id, name)["UserStatus"] == "CONFIRMED"
    msg = expect_error("InvalidParameterException", idp.forgot_password, ClientId=client_id, Username=name)
    assert msg == "Cannot reset password for the user as there is no registered/verified email or phone_number"
    assert outbox_messages(server, pool_id, name) == []


def test_account_recovery_setting(server, idp):
    phone_only = make_pool(idp, AccountRecoverySetting={
        "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_phone_number"}]})
    client_id = make_client(idp, phone_only)
    confirmed_user_with_verified_email(idp, phone_only, "mailonly", "mailonly@example.com")
    expect_error("InvalidParameterException", idp.forgot_password, ClientId=client_id, Username="mailonly")

    admin_user(idp, phone_only, "phoned", [
        {"Name": "phone_number", "Value": "+15555550123"}, {"Name": "phone_number_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=phone_only, Username="phoned", Password=PASSWORD, Permanent=True)
    r = idp.forgot_password(ClientId=client_id, Username="phoned")
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    assert r["CodeDeliveryDetails"]["AttributeName"] == "phone_number"
    assert r["CodeDeliveryDetails"]["Destination"].endswith("0123")
    assert "5555550123" not in r["CodeDeliveryDetails"]["Destination"]
    [m] = outbox_messages(server, phone_only, "phoned")
    assert (m["channel"], m["destination"], m["subject"]) == ("SMS", "+15555550123", None)
    extract_code(m["body"])

    # Priority decides when both are verified.
    both = [
        *email("both@example.com"), {"Name": "email_verified", "Value": "true"},
        {"Name": "phone_number", "Value": "+15555550199"}, {"Name": "phone_number_verified", "Value": "true"},
    ]
    for first, medium in (("verified_email", "EMAIL"), ("verified_phone_number", "SMS")):
        second = "verified_phone_number" if first == "verified_email" else "verified_email"
        pool_id = make_pool(idp, AccountRecoverySetting={"RecoveryMechanisms": [
            {"Priority": 1, "Name": first}, {"Priority": 2, "Name": second}]})
        cid = make_client(idp, pool_id)
        admin_user(idp, pool_id, "both", both)
        idp.admin_set_user_password(UserPoolId=pool_id, Username="both", Password=PASSWORD, Permanent=True)
        r = idp.forgot_password(ClientId=cid, Username="both")
        assert r["CodeDeliveryDetails"]["DeliveryMedium"] == medium
        assert outbox_messages(server, pool_id, "both")[0]["channel"] == medium


# -- PreventUserExistenceErrors ------------------------------------------------------


def test_prevent_user_existence_errors(server, idp):
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    enabled = make_client(idp, pool_id, PreventUserExistenceErrors="ENABLED")
    legacy = make_client(idp, pool_id, PreventUserExistenceErrors="LEGACY")
    ghost = "ghost-user"

    for op in (idp.forgot_password, idp.resend_confirmation_code):
        r = op(ClientId=enabled, Username=ghost)
        d = r["CodeDeliveryDetails"]
        assert d["DeliveryMedium"] == "EMAIL"
        assert d["AttributeName"] == "email"
        assert "***" in d["Destination"]
    expect_error("CodeMismatchException", idp.confirm_sign_up, ClientId=enabled, Username=ghost,
                 ConfirmationCode="123456")
    expect_error("CodeMismatchException", idp.confirm_forgot_password, ClientId=enabled, Username=ghost,
                 ConfirmationCode="123456", Password=NEW_PASSWORD)
    assert outbox_messages(server, pool_id, ghost) == []

    msg = expect_error("UserNotFoundException", idp.forgot_password, ClientId=legacy, Username=ghost)
    assert msg == "User does not exist."
    expect_error("UserNotFoundException", idp.resend_confirmation_code, ClientId=legacy, Username=ghost)
    expect_error("UserNotFoundException", idp.confirm_sign_up, ClientId=legacy, Username=ghost,
                 ConfirmationCode="123456")
    expect_error("UserNotFoundException", idp.confirm_forgot_password, ClientId=legacy, Username=ghost,
                 ConfirmationCode="123456", Password=NEW_PASSWORD)

    # SignUp still reports an existing username.
    idp.sign_up(ClientId=enabled, Username="real", Password=PASSWORD, UserAttributes=email("real@example.com"))
    expect_error("UsernameExistsException", idp.sign_up, ClientId=enabled, Username="real", Password=PASSWORD,
                 UserAttributes=email("real@example.com"))
    # And a real user still gets a real code through the ENABLED client.
    idp.resend_confirmation_code(ClientId=enabled, Username="real")
    assert len(outbox_messages(server, pool_id, "real")) == 2


# -- username configuration ----------------------------------------------------------


def test_email_as_username(server, idp):
    pool_id = make_pool(idp, UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id)
    expect_error("InvalidParameterException", idp.sign_up, ClientId=client_id, Username="not-an-email",
                 Password=PASSWORD)

    address = "mia@example.com"
    r = idp.sign_up(ClientId=client_id, Username=address, Password=PASSWORD)
    sub = r["UserSub"]
    assert UUID_RE.match(sub)
    assert r["CodeDeliveryDetails"]["Destination"] == "m***@e***"
    # The same email again, even while the first is unconfirmed.
    expect_error("UsernameExistsException", idp.sign_up, ClientId=client_id, Username=address, Password=PASSWORD)

    by_email = get_user(idp, pool_id, address)
    assert by_email["Username"] == sub
    assert attr_map(by_email["UserAttributes"])["email"] == address
    by_sub = get_user(idp, pool_id, sub)
    assert by_sub["Username"] == sub
    assert by_sub["UserAttributes"] == by_email["UserAttributes"]

    # The outbox records the pool's Username (the sub); the user confirms with the email.
    [m] = outbox_messages(server, pool_id, sub)
    assert m["destination"] == address
    idp.confirm_sign_up(ClientId=client_id, Username=address, ConfirmationCode=extract_code(m["body"]))
    u = get_user(idp, pool_id, address)
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["email_verified"] == "true"
    expect_error("UsernameExistsException", idp.sign_up, ClientId=client_id, Username=address, Password=PASSWORD)

    # ForgotPassword by email; the outbox again names the sub.
    r = idp.forgot_password(ClientId=client_id, Username=address)
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    idp.confirm_forgot_password(ClientId=client_id, Username=address,
                                ConfirmationCode=newest_code(server, pool_id, sub), Password=NEW_PASSWORD)

    users = idp.list_users(UserPoolId=pool_id, Filter=f'email = "{address}"')["Users"]
    assert [x["Username"] for x in users] == [sub]
    assert len(idp.list_users(UserPoolId=pool_id)["Users"]) == 1


def test_email_alias(server, idp):
    pool_id = make_pool(idp, AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id)
    shared = "shared@example.com"
    expect_error("InvalidParameterException", idp.sign_up, ClientId=client_id, Username="x@example.com",
                 Password=PASSWORD, UserAttributes=email("x@example.com"))

    idp.sign_up(ClientId=client_id, Username="anna", Password=PASSWORD, UserAttributes=email(shared))
    # An unverified email is no alias yet.
    expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username=shared)
    idp.confirm_sign_up(ClientId=client_id, Username="anna", ConfirmationCode=newest_code(server, pool_id, "anna"))
    assert get_user(idp, pool_id, shared)["Username"] == "anna"

    # Another user may sign up with the same email, but confirming it needs ForceAliasCreation.
    idp.sign_up(ClientId=client_id, Username="bert", Password=PASSWORD, UserAttributes=email(shared))
    code = newest_code(server, pool_id, "bert")
    expect_error("AliasExistsException", idp.confirm_sign_up, ClientId=client_id, Username="bert",
                 ConfirmationCode=code)
    assert get_user(idp, pool_id, "bert")["UserStatus"] == "UNCONFIRMED"
    assert get_user(idp, pool_id, shared)["Username"] == "anna"

    # ForceAliasCreation moves the alias.
    idp.resend_confirmation_code(ClientId=client_id, Username="bert")
    code = newest_code(server, pool_id, "bert")
    idp.confirm_sign_up(ClientId=client_id, Username="bert", ConfirmationCode=code, ForceAliasCreation=True)
    assert get_user(idp, pool_id, shared)["Username"] == "bert"
    bert = get_user(idp, pool_id, "bert")
    assert bert["UserStatus"] == "CONFIRMED"
    assert attr_map(bert["UserAttributes"])["email_verified"] == "true"
    anna = get_user(idp, pool_id, "anna")
    assert anna["UserStatus"] == "CONFIRMED"
    assert attr_map(anna["UserAttributes"])["email_verified"] == "false"


def test_alias_exists_keeps_the_code(server, idp):
    """After AliasExistsException the user retries ConfirmSignUp with the same code and
    ForceAliasCreation (the confirmation did not happen, so the code is not spent)."""
    pool_id = make_pool(idp, AliasAttributes=["email"], AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id)
    confirmed_user_with_verified_email(idp, pool_id, "first", "taken@example.com")
    idp.sign_up(ClientId=client_id, Username="second", Password=PASSWORD, UserAttributes=email("taken@example.com"))
    code = newest_code(server, pool_id, "second")
    expect_error("AliasExistsException", idp.confirm_sign_up, ClientId=client_id, Username="second",
                 ConfirmationCode=code)
    idp.confirm_sign_up(ClientId=client_id, Username="second", ConfirmationCode=code, ForceAliasCreation=True)
    assert get_user(idp, pool_id, "taken@example.com")["Username"] == "second"


def test_case_insensitive_usernames(idp):
    pool_id = make_pool(idp, UsernameConfiguration={"CaseSensitive": False})
    client_id = make_client(idp, pool_id)
    r = idp.sign_up(ClientId=client_id, Username="Alice", Password=PASSWORD)
    expect_error("UsernameExistsException", idp.sign_up, ClientId=client_id, Username="alice", Password=PASSWORD)
    expect_error("UsernameExistsException", admin_user, idp=idp, pool_id=pool_id, username="ALICE")
    for spelling in ("alice", "ALICE", "Alice"):
        u = get_user(idp, pool_id, spelling)
        assert u["Username"].lower() == "alice"
        assert attr_map(u["UserAttributes"])["sub"] == r["UserSub"]
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="aLiCe")
    assert get_user(idp, pool_id, "alice")["UserStatus"] == "CONFIRMED"
    assert len(idp.list_users(UserPoolId=pool_id, Filter='username = "alice"')["Users"]) == 1
    assert len(idp.list_users(UserPoolId=pool_id)["Users"]) == 1


def test_case_insensitive_email_usernames(idp):
    pool_id = make_pool(idp, UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False})
    client_id = make_client(idp, pool_id)
    sub = idp.sign_up(ClientId=client_id, Username="Nora@Example.com", Password=PASSWORD)["UserSub"]
    expect_error("UsernameExistsException", idp.sign_up, ClientId=client_id, Username="nora@example.com",
                 Password=PASSWORD)
    for spelling in ("nora@example.com", "NORA@EXAMPLE.COM", "Nora@Example.com"):
        assert get_user(idp, pool_id, spelling)["Username"] == sub
    assert len(idp.list_users(UserPoolId=pool_id)["Users"]) == 1


def test_case_sensitive_usernames(idp):
    pool_id = make_pool(idp, UsernameConfiguration={"CaseSensitive": True})
    client_id = make_client(idp, pool_id)
    a = idp.sign_up(ClientId=client_id, Username="Bob", Password=PASSWORD)["UserSub"]
    b = idp.sign_up(ClientId=client_id, Username="bob", Password=PASSWORD)["UserSub"]
    assert a != b
    assert attr_map(get_user(idp, pool_id, "Bob")["UserAttributes"])["sub"] == a
    assert attr_map(get_user(idp, pool_id, "bob")["UserAttributes"])["sub"] == b
    expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username="BOB")
    assert sorted(u["Username"] for u in idp.list_users(UserPoolId=pool_id)["Users"]) == ["Bob", "bob"]


# -- admin user operations ---------------------------------------------------------


def test_admin_create_user_suppressed(server, idp):
    pool_id = make_pool(idp)
    u = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="carl",
        TemporaryPassword="TempPassw0rd!",
        MessageAction="SUPPRESS",
        UserAttributes=[*email("carl@example.com"), {"Name": "email_verified", "Value": "true"}],
    )["User"]
    assert u["Username"] == "carl"
    assert u["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert u["Enabled"] is True
    assert u["Attributes"][0]["Name"] == "sub"
    attrs = attr_map(u["Attributes"])
    assert UUID_RE.match(attrs["sub"])
    assert attrs["email"] == "carl@example.com"
    assert attrs["email_verified"] == "true"
    assert isinstance(u["UserCreateDate"], datetime.datetime)
    assert outbox_messages(server, pool_id, "carl") == []

    g = get_user(idp, pool_id, "carl")
    assert g["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert attr_map(g["UserAttributes"]) == attrs

    msg = expect_error("InvalidPasswordException", idp.admin_create_user, UserPoolId=pool_id, Username="weak",
                       TemporaryPassword="weak", MessageAction="SUPPRESS")
    assert msg.startswith("Password did not conform with policy: ")
    expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username="weak")


def test_admin_create_user_invitations(server, idp):
    pool_id = make_pool(idp, AdminCreateUserConfig={
        "AllowAdminCreateUserOnly": False,
        "InviteMessageTemplate": {
            "EmailSubject": "Welcome aboard",
            "EmailMessage": "Hello {username}, your temporary password is {####}",
            "SMSMessage": "User {username} code {####}",
        },
    })
    # Email invitation with the given temporary password.
    idp.admin_create_user(UserPoolId=pool_id, Username="dana", TemporaryPassword="TempPassw0rd!",
                          UserAttributes=email("dana@example.com"), DesiredDeliveryMediums=["EMAIL"])
    [m] = outbox_messages(server, pool_id, "dana")
    assert (m["channel"], m["destination"], m["subject"]) == ("EMAIL", "dana@example.com", "Welcome aboard")
    assert m["body"] == "Hello dana, your temporary password is TempPassw0rd!"

    # A generated temporary password follows the pool's policy (default: 8+, four classes).
    idp.admin_create_user(UserPoolId=pool_id, Username="eve", UserAttributes=email("eve@example.com"),
                          DesiredDeliveryMediums=["EMAIL"])
    [m] = outbox_messages(server, pool_id, "eve")
    match = re.fullmatch(r"Hello eve, your temporary password is (\S+)", m["body"])
    assert match, m["body"]
    generated = match.group(1)
    assert len(generated) >= 8
    assert re.search(r"[A-Z]", generated) and re.search(r"[a-z]", generated) and re.search(r"[0-9]", generated)
    assert re.search(r"[^A-Za-z0-9]", generated), generated
    assert get_user(idp, pool_id, "eve")["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    # RESEND sends a new invitation to an existing FORCE_CHANGE_PASSWORD user.
    r = idp.admin_create_user(UserPoolId=pool_id, Username="eve", MessageAction="RESEND",
                              DesiredDeliveryMediums=["EMAIL"])
    assert r["User"]["Username"] == "eve"
    msgs = outbox_messages(server, pool_id, "eve")
    assert len(msgs) == 2
    resent = re.fullmatch(r"Hello eve, your temporary password is (\S+)", msgs[0]["body"])
    assert resent and resent.group(1) != generated
    expect_error("UserNotFoundException", idp.admin_create_user, UserPoolId=pool_id, Username="nobody",
                 MessageAction="RESEND")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="eve", Password=PASSWORD, Permanent=True)
    expect_error("UnsupportedUserStateException", idp.admin_create_user, UserPoolId=pool_id, Username="eve",
                 MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"])

    # SMS, and both media.
    phone = [{"Name": "phone_number", "Value": "+15555550142"}]
    idp.admin_create_user(UserPoolId=pool_id, Username="finn", TemporaryPassword="TempPassw0rd!",
                          UserAttributes=phone, DesiredDeliveryMediums=["SMS"])
    [m] = outbox_messages(server, pool_id, "finn")
    assert (m["channel"], m["destination"], m["subject"]) == ("SMS", "+15555550142", None)
    assert m["body"] == "User finn code TempPassw0rd!"
    idp.admin_create_user(UserPoolId=pool_id, Username="gus", TemporaryPassword="TempPassw0rd!",
                          UserAttributes=[*phone, *email("gus@example.com")], DesiredDeliveryMediums=["EMAIL", "SMS"])
    msgs = outbox_messages(server, pool_id, "gus")
    assert sorted((x["channel"], x["destination"]) for x in msgs) == [
        ("EMAIL", "gus@example.com"), ("SMS", "+15555550142")]


def test_admin_update_user_attributes(idp):
    pool_id = make_pool(idp, Schema=[
        {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
        {"Name": "origin", "AttributeDataType": "String", "Mutable": False},
    ])
    admin_user(idp, pool_id, "hank", [*email("hank@example.com"), {"Name": "email_verified", "Value": "true"},
                                      {"Name": "custom:origin", "Value": "import"}])

    def attrs():
        return attr_map(get_user(idp, pool_id, "hank")["UserAttributes"])

    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="hank", UserAttributes=[
        {"Name": "name", "Value": "Hank Hill"}, {"Name": "custom:tier", "Value": "silver"}])
    a = attrs()
    assert (a["name"], a["custom:tier"], a["email"], a["email_verified"]) == (
        "Hank Hill", "silver", "hank@example.com", "true")

    # A new email is unverified...
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="hank", UserAttributes=email("hank2@example.com"))
    a = attrs()
    assert (a["email"], a["email_verified"]) == ("hank2@example.com", "false")
    # ...unless email_verified=true comes with it.
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="hank", UserAttributes=[
        *email("hank3@example.com"), {"Name": "email_verified", "Value": "true"}])
    a = attrs()
    assert (a["email"], a["email_verified"]) == ("hank3@example.com", "true")

    expect_error("InvalidParameterException", idp.admin_update_user_attributes, UserPoolId=pool_id,
                 Username="hank", UserAttributes=[{"Name": "custom:unknown", "Value": "x"}])
    expect_error("InvalidParameterException", idp.admin_update_user_attributes, UserPoolId=pool_id,
                 Username="hank", UserAttributes=[{"Name": "custom:origin", "Value": "changed"}])
    assert attrs()["custom:origin"] == "import"
    expect_error("UserNotFoundException", idp.admin_update_user_attributes, UserPoolId=pool_id,
                 Username="nobody", UserAttributes=[{"Name": "name", "Value": "x"}])


def test_admin_update_user_attributes_blank_value_deletes(idp):
    pool_id = make_pool(idp, Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])
    admin_user(idp, pool_id, "blank", [{"Name": "name", "Value": "Blank"}, {"Name": "custom:tier", "Value": "gold"}])
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="blank", UserAttributes=[
        {"Name": "name", "Value": ""}, {"Name": "custom:tier", "Value": ""}])
    a = attr_map(get_user(idp, pool_id, "blank")["UserAttributes"])
    assert "name" not in a, a
    assert "custom:tier" not in a, a


def test_admin_delete_user_attributes(idp):
    pool_id = make_pool(idp, Schema=[
        {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
        {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
    ])
    admin_user(idp, pool_id, "ivy", [*email("ivy@example.com"), {"Name": "name", "Value": "Ivy"},
                                     {"Name": "custom:tier", "Value": "gold"}])
    idp.admin_delete_user_attributes(UserPoolId=pool_id, Username="ivy", UserAttributeNames=["name", "custom:tier"])
    a = attr_map(get_user(idp, pool_id, "ivy")["UserAttributes"])
    assert "name" not in a and "custom:tier" not in a
    assert a["email"] == "ivy@example.com"

    expect_error("InvalidParameterException", idp.admin_delete_user_attributes, UserPoolId=pool_id, Username="ivy",
                 UserAttributeNames=["email"])
    assert attr_map(get_user(idp, pool_id, "ivy")["UserAttributes"])["email"] == "ivy@example.com"


def test_admin_set_user_password(idp):
    pool_id = make_pool(idp)
    admin_user(idp, pool_id, "jack")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="jack", Password=PASSWORD, Permanent=True)
    assert get_user(idp, pool_id, "jack")["UserStatus"] == "CONFIRMED"
    idp.admin_set_user_password(UserPoolId=pool_id, Username="jack", Password=NEW_PASSWORD, Permanent=False)
    assert get_user(idp, pool_id, "jack")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    msg = expect_error("InvalidPasswordException", idp.admin_set_user_password, UserPoolId=pool_id, Username="jack",
                       Password="nodigits!", Permanent=True)
    assert msg.startswith("Password did not conform with policy: ")
    assert get_user(idp, pool_id, "jack")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    expect_error("UserNotFoundException", idp.admin_set_user_password, UserPoolId=pool_id, Username="nobody",
                 Password=PASSWORD, Permanent=True)


def test_admin_reset_user_password(server, idp, email_pool):
    pool_id, client_id = email_pool
    name = unique("reset")
    confirmed_user_with_verified_email(idp, pool_id, name, "reset@example.com")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username=name)
    assert get_user(idp, pool_id, name)["UserStatus"] == "RESET_REQUIRED"
    [m] = outbox_messages(server, pool_id, name)
    assert (m["channel"], m["destination"]) == ("EMAIL", "reset@example.com")
    idp.confirm_forgot_password(ClientId=client_id, Username=name, ConfirmationCode=extract_code(m["body"]),
                                Password=NEW_PASSWORD)
    assert get_user(idp, pool_id, name)["UserStatus"] == "CONFIRMED"
    expect_error("UserNotFoundException", idp.admin_reset_user_password, UserPoolId=pool_id, Username="nobody")


def test_admin_confirm_sign_up(idp, plain_pool):
    pool_id, client_id = plain_pool
    name = unique("aconf")
    idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=name)
    assert get_user(idp, pool_id, name)["UserStatus"] == "CONFIRMED"
    msg = expect_error("NotAuthorizedException", idp.admin_confirm_sign_up, UserPoolId=pool_id, Username=name)
    assert msg == "User cannot be confirmed. Current status is CONFIRMED"
    expect_error("UserNotFoundException", idp.admin_confirm_sign_up, UserPoolId=pool_id, Username="nobody")


def test_disable_and_enable(idp, email_pool):
    pool_id, client_id = email_pool
    name = unique("toggle")
    confirmed_user_with_verified_email(idp, pool_id, name, "toggle@example.com")
    idp.admin_disable_user(UserPoolId=pool_id, Username=name)
    assert get_user(idp, pool_id, name)["Enabled"] is False
    msg = expect_error("NotAuthorizedException", idp.forgot_password, ClientId=client_id, Username=name)
    assert msg == "User is disabled."
    idp.admin_enable_user(UserPoolId=pool_id, Username=name)
    assert get_user(idp, pool_id, name)["Enabled"] is True
    expect_error("UserNotFoundException", idp.admin_disable_user, UserPoolId=pool_id, Username="nobody")


def test_admin_delete_user(idp, plain_pool):
    pool_id, client_id = plain_pool
    name = unique("gone")
    sub = idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)["UserSub"]
    idp.admin_delete_user(UserPoolId=pool_id, Username=name)
    msg = expect_error("UserNotFoundException", get_user, idp=idp, pool_id=pool_id, username=name)
    assert msg == "User does not exist."
    expect_error("UserNotFoundException", idp.admin_delete_user, UserPoolId=pool_id, Username=name)
    # The name is free again, for a new user with a new sub.
    assert idp.sign_up(ClientId=client_id, Username=name, Password=PASSWORD)["UserSub"] != sub


def test_unknown_pool(idp):
    pool_id = "us-east-1_Missing00"
    expect_error("ResourceNotFoundException", get_user, idp=idp, pool_id=pool_id, username="x")
    expect_error("ResourceNotFoundException", idp.list_users, UserPoolId=pool_id)
    expect_error("ResourceNotFoundException", idp.list_groups, UserPoolId=pool_id)
    expect_error("ResourceNotFoundException", idp.sign_up, ClientId="nosuchclient0000000000000a", Username="x",
                 Password=PASSWORD)


# -- ListUsers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def directory(server):
    """A pool with four users of different attributes and states."""
    idp = server.client()
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)
    admin_user(idp, pool_id, "alice", [
        *email("alice@example.com"), {"Name": "name", "Value": "Alice Smith"},
        {"Name": "given_name", "Value": "Alice"}, {"Name": "family_name", "Value": "Smith"},
        {"Name": "preferred_username", "Value": "ally"}, {"Name": "phone_number", "Value": "+15550000001"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    admin_user(idp, pool_id, "alina", [
        *email("alina@example.org"), {"Name": "given_name", "Value": "Alina"},
        {"Name": "family_name", "Value": "Jones"}, {"Name": "phone_number", "Value": "+15550000002"}])
    idp.sign_up(ClientId=client_id, Username="bob", Password=PASSWORD, UserAttributes=[
        *email("bob@example.com"), {"Name": "name", "Value": "Bob Smith"},
        {"Name": "given_name", "Value": "Bob"}, {"Name": "family_name", "Value": "Smith"}])
    idp.admin_disable_user(UserPoolId=pool_id, Username="bob")
    admin_user(idp, pool_id, "carol", email("carol@example.net"))
    subs = {u["Username"]: attr_map(u["Attributes"])["sub"] for u in idp.list_users(UserPoolId=pool_id)["Users"]}
    return pool_id, subs


def names(users: list[dict]) -> list[str]:
    return sorted(u["Username"] for u in users)


def test_list_users_all(idp, directory):
    pool_id, subs = directory
    users = idp.list_users(UserPoolId=pool_id)["Users"]
    assert names(users) == ["alice", "alina", "bob", "carol"]
    by_name = {u["Username"]: u for u in users}
    assert by_name["alice"]["UserStatus"] == "CONFIRMED"
    assert by_name["alina"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert by_name["bob"]["UserStatus"] == "UNCONFIRMED"
    assert by_name["bob"]["Enabled"] is False
    assert by_name["carol"]["Enabled"] is True
    for u in users:
        assert u["Attributes"][0] == {"Name": "sub", "Value": subs[u["Username"]]}
        assert isinstance(u["UserCreateDate"], datetime.datetime)
        assert isinstance(u["UserLastModifiedDate"], datetime.datetime)
    assert attr_map(by_name["alice"]["Attributes"])["preferred_username"] == "ally"


FILTERS = [
    ('username = "alice"', ["alice"]),
    ('username ^= "ali"', ["alice", "alina"]),
    ('email = "bob@example.com"', ["bob"]),
    ('email ^= "al"', ["alice", "alina"]),
    ('email ^= "nobody"', []),
    ('phone_number = "+15550000002"', ["alina"]),
    ('phone_number ^= "+1555"', ["alice", "alina"]),
    ('name = "Bob Smith"', ["bob"]),
    ('name ^= "Ali"', ["alice"]),
    ('given_name = "Alina"', ["alina"]),
    ('given_name ^= "B"', ["bob"]),
    ('family_name = "Smith"', ["alice", "bob"]),
    ('family_name ^= "Jo"', ["alina"]),
    ('preferred_username = "ally"', ["alice"]),
    ('preferred_username ^= "al"', ["alice"]),
    ('cognito:user_status = "UNCONFIRMED"', ["bob"]),
    ('cognito:user_status = "CONFIRMED"', ["alice"]),
    ('cognito:user_status = "FORCE_CHANGE_PASSWORD"', ["alina", "carol"]),
    ('status = "Disabled"', ["bob"]),
    ('status = "Enabled"', ["alice", "alina", "carol"]),
    ('username="carol"', ["carol"]),
]


def test_list_users_filters(idp, directory):
    pool_id, _ = directory
    wrong = {}
    for filter_, expected in FILTERS:
        try:
            got = names(idp.list_users(UserPoolId=pool_id, Filter=filter_)["Users"])
        except ClientError as e:
            got = e.response["Error"]["Code"]
        if got != expected:
            wrong[filter_] = {"got": got, "expected": expected}
    assert wrong == {}


def test_list_users_filter_by_sub(idp, directory):
    pool_id, subs = directory
    users = idp.list_users(UserPoolId=pool_id, Filter=f'sub = "{subs["alina"]}"')["Users"]
    assert names(users) == ["alina"]
    assert names(idp.list_users(UserPoolId=pool_id, Filter=f'sub ^= "{subs["carol"][:8]}"')["Users"]) == ["carol"]


def test_list_users_bad_filters(idp, directory):
    pool_id, _ = directory
    for filter_ in ('email ~ "x"', 'custom:tier = "x"', "email = x", "nonsense", 'email = "x" and'):
        expect_error("InvalidParameterException", idp.list_users, UserPoolId=pool_id, Filter=filter_)


def test_list_users_attributes_to_get(idp, directory):
    pool_id, _ = directory
    users = idp.list_users(UserPoolId=pool_id, AttributesToGet=["email"], Filter='username ^= "a"')["Users"]
    assert {u["Username"]: u["Attributes"] for u in users} == {
        "alice": [{"Name": "email", "Value": "alice@example.com"}],
        "alina": [{"Name": "email", "Value": "alina@example.org"}],
    }
    users = idp.list_users(UserPoolId=pool_id, AttributesToGet=["given_name", "family_name"],
                           Filter='username = "bob"')["Users"]
    assert sorted((a["Name"], a["Value"]) for a in users[0]["Attributes"]) == [
        ("family_name", "Smith"), ("given_name", "Bob")]


def test_list_users_pagination(idp, directory):
    pool_id, _ = directory
    seen, pages, token = [], 0, None
    while True:
        kwargs = {"PaginationToken": token} if token else {}
        r = idp.list_users(UserPoolId=pool_id, Limit=3, **kwargs)
        assert len(r["Users"]) <= 3
        pages += 1
        seen += [u["Username"] for u in r["Users"]]
        token = r.get("PaginationToken")
        if not token:
            break
        assert pages < 10
    assert pages == 2
    assert sorted(seen) == ["alice", "alina", "bob", "carol"]
    assert len(seen) == len(set(seen))

    paginated = [u["Username"] for page in idp.get_paginator("list_users").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": 1}) for u in page["Users"]]
    assert sorted(paginated) == ["alice", "alina", "bob", "carol"]

    expect_error("InvalidParameterException", idp.list_users, UserPoolId=pool_id, Limit=61)
    assert len(idp.list_users(UserPoolId=pool_id, Limit=60)["Users"]) == 4


# -- groups ----------------------------------------------------------------------


def test_groups(idp):
    pool_id = make_pool(idp)
    role = "arn:aws:iam::123456789012:role/admins"
    g = idp.create_group(UserPoolId=pool_id, GroupName="admins", Description="Admins", Precedence=1,
                         RoleArn=role)["Group"]
    assert (g["GroupName"], g["UserPoolId"], g["Description"], g["Precedence"], g["RoleArn"]) == (
        "admins", pool_id, "Admins", 1, role)
    assert isinstance(g["CreationDate"], datetime.datetime)
    assert isinstance(g["LastModifiedDate"], datetime.datetime)
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"] == g
    expect_error("GroupExistsException", idp.create_group, UserPoolId=pool_id, GroupName="admins")

    u = idp.update_group(UserPoolId=pool_id, GroupName="admins", Description="Administrators")["Group"]
    assert u["Description"] == "Administrators"
    assert u["GroupName"] == "admins"
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Description"] == "Administrators"
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["RoleArn"] == role

    msg = expect_error("ResourceNotFoundException", idp.get_group, UserPoolId=pool_id, GroupName="nope")
    assert msg == "Group not found."
    expect_error("ResourceNotFoundException", idp.update_group, UserPoolId=pool_id, GroupName="nope",
                 Description="x")
    expect_error("ResourceNotFoundException", idp.delete_group, UserPoolId=pool_id, GroupName="nope")


def test_list_groups_pagination(idp):
    pool_id = make_pool(idp)
    created = [f"group-{i}" for i in range(5)]
    for name in created:
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    first = idp.list_groups(UserPoolId=pool_id, Limit=2)
    assert len(first["Groups"]) == 2
    assert first.get("NextToken")
    seen, token = [g["GroupName"] for g in first["Groups"]], first["NextToken"]
    while token:
        r = idp.list_groups(UserPoolId=pool_id, Limit=2, NextToken=token)
        assert len(r["Groups"]) <= 2
        seen += [g["GroupName"] for g in r["Groups"]]
        token = r.get("NextToken")
    assert sorted(seen) == created
    assert len(seen) == 5
    assert sorted(g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]) == created


def test_group_membership(idp):
    pool_id = make_pool(idp)
    for g in ("admins", "readers"):
        idp.create_group(UserPoolId=pool_id, GroupName=g)
    for u in ("kim", "lou"):
        admin_user(idp, pool_id, u)

    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="kim", GroupName="admins")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="kim", GroupName="readers")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="lou", GroupName="admins")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="lou", GroupName="admins")  # idempotent

    def groups_of(user):
        groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=user)["Groups"]
        return sorted(g["GroupName"] for g in groups)

    def members(group):
        return names(idp.list_users_in_group(UserPoolId=pool_id, GroupName=group)["Users"])

    assert groups_of("kim") == ["admins", "readers"]
    assert groups_of("lou") == ["admins"]
    assert members("admins") == ["kim", "lou"]
    assert members("readers") == ["kim"]
    [kim] = idp.list_users_in_group(UserPoolId=pool_id, GroupName="readers")["Users"]
    assert kim["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert kim["Attributes"][0]["Name"] == "sub"

    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="lou", GroupName="admins")
    assert members("admins") == ["kim"]
    assert groups_of("lou") == []

    msg = expect_error("ResourceNotFoundException", idp.admin_add_user_to_group, UserPoolId=pool_id, Username="kim",
                       GroupName="nope")
    assert msg == "Group not found."
    expect_error("UserNotFoundException", idp.admin_add_user_to_group, UserPoolId=pool_id, Username="nobody",
                 GroupName="admins")
    expect_error("ResourceNotFoundException", idp.list_users_in_group, UserPoolId=pool_id, GroupName="nope")

    # Deleting a group ends its memberships; deleting a user ends theirs.
    idp.delete_group(UserPoolId=pool_id, GroupName="readers")
    expect_error("ResourceNotFoundException", idp.get_group, UserPoolId=pool_id, GroupName="readers")
    assert groups_of("kim") == ["admins"]
    idp.admin_delete_user(UserPoolId=pool_id, Username="kim")
    assert members("admins") == []
    # A group of the same name later starts empty.
    idp.create_group(UserPoolId=pool_id, GroupName="readers")
    assert members("readers") == []


def test_estimated_number_of_users(idp):
    pool_id = make_pool(idp)
    client_id = make_client(idp, pool_id)

    def count():
        return idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"]

    assert count() == 0
    idp.sign_up(ClientId=client_id, Username="n1", Password=PASSWORD)
    idp.sign_up(ClientId=client_id, Username="n2", Password=PASSWORD)
    admin_user(idp, pool_id, "n3")
    assert count() == 3
    idp.admin_delete_user(UserPoolId=pool_id, Username="n2")
    assert count() == 2


# -- concurrency -----------------------------------------------------------------


def test_concurrent_sign_ups_of_one_username(server, idp):
    pool_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    client_id = make_client(idp, pool_id)
    n = 50
    barrier = threading.Barrier(n)
    session_lock = threading.Lock()
    results: list[str | None] = [None] * n
    subs: list[str] = []

    def worker(i: int) -> None:
        # Each thread builds its own client; the shared boto3 session that builds clients is
        # not thread-safe, so only the building is serialised. All requests then start together.
        with session_lock:
            client = server.client()
        barrier.wait(timeout=30)
        try:
            r = client.sign_up(ClientId=client_id, Username="racer", Password=PASSWORD,
                                   UserAttributes=email(f"racer{i}@example.com"))
            subs.append(r["UserSub"])
            results[i] = "ok"
        except ClientError as e:
            results[i] = e.response["Error"]["Code"]
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            results[i] = repr(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    outcome = {r: results.count(r) for r in set(results)}
    assert outcome == {"ok": 1, "UsernameExistsException": n - 1}, outcome

    users = idp.list_users(UserPoolId=pool_id)["Users"]
    assert [u["Username"] for u in users] == ["racer"]
    assert attr_map(users[0]["Attributes"])["sub"] == subs[0]
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"] == 1
    # Only the winner's code was sent.
    msgs = outbox_messages(server, pool_id, "racer")
    assert len(msgs) == 1
    winner_email = attr_map(users[0]["Attributes"])["email"]
    assert msgs[0]["destination"] == winner_email
    idp.confirm_sign_up(ClientId=client_id, Username="racer", ConfirmationCode=extract_code(msgs[0]["body"]))
    assert get_user(idp, pool_id, "racer")["UserStatus"] == "CONFIRMED"
