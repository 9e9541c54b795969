"""Email through SMTP and SMS through the HTTP webhook, against the Cognito-compatible server.

An aiosmtpd sink on 127.0.0.1 stands in for the mail relay and a small http.server thread for
the SMS gateway; the server is started with `[email]` / `[sms]` pointing at them.
"""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from botocore.exceptions import ClientError

from conftest import extract_code, outbox_messages, unique

PASSWORD = "Passw0rd!"
NEW_PASSWORD = "N3wPassw0rd!"
FROM = "no-reply@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expect_error(code: str, fn, **kwargs) -> str:
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    err = e.value.response["Error"]
    assert err["Code"] == code, f"expected {code}, got {err['Code']}: {err.get('Message')}"
    return err.get("Message", "")


def attr_map(attributes: list[dict]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in attributes}


# -- SMTP sink -------------------------------------------------------------------


class MailSink:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.received: list[dict] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos), "msg": msg})
        return "250 Message accepted for delivery"

    def to(self, address: str, count: int = 1, timeout: float = 10) -> list[dict]:
        """The messages whose envelope recipients include `address`, once there are `count`."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [m for m in self.received if address in m["rcpt_tos"]]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def body_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    assert part is not None, f"no text body in {msg}"
    return part.get_content()


@pytest.fixture(scope="module")
def smtp_sink():
    sink = MailSink()
    controller = None
    for _ in range(5):  # the free port could be taken between probing and binding
        try:
            controller = Controller(sink, hostname="127.0.0.1", port=free_port())
            controller.start()
            break
        except OSError:
            controller = None
    assert controller is not None, "could not start the SMTP sink"
    sink.port = controller.port
    yield sink
    controller.stop()


def email_config(port: int) -> str:
    return f"""
[email]
host = "127.0.0.1"
port = {port}
tls = "none"
from = "{FROM}"
timeout_secs = 5
"""


@pytest.fixture
def smtp_server(server_factory, smtp_sink):
    return server_factory(config_text=email_config(smtp_sink.port))


def make_pool(idp, **kwargs):
    pool_id = idp.create_user_pool(PoolName=unique("mail"), **kwargs)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    return pool_id, client_id


TEMPLATE = {
    "DefaultEmailOption": "CONFIRM_WITH_CODE",
    "EmailSubject": "Confirm your Example account",
    "EmailMessage": "Your Example confirmation code is {####}",
}


def test_sign_up_code_by_email(smtp_server, smtp_sink):
    idp = smtp_server.client()
    pool_id, client_id = make_pool(idp, AutoVerifiedAttributes=["email"], VerificationMessageTemplate=TEMPLATE)
    address = f"{unique('signup')}@example.com"
    r = idp.sign_up(ClientId=client_id, Username="mailer", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": address}])
    assert r["UserConfirmed"] is False
    assert r["CodeDeliveryDetails"] == {"Destination": "s***@e***", "DeliveryMedium": "EMAIL",
                                        "AttributeName": "email"}

    [mail] = smtp_sink.to(address)
    assert mail["mail_from"] == FROM
    assert mail["rcpt_tos"] == [address]
    msg = mail["msg"]
    assert FROM in str(msg["From"])
    assert address in str(msg["To"])
    assert str(msg["Subject"]) == "Confirm your Example account"
    text = body_text(msg)
    code = extract_code(text)
    assert f"Your Example confirmation code is {code}" in text
    # Sent, not recorded in the outbox.
    assert outbox_messages(smtp_server, pool_id, "mailer") == []

    idp.confirm_sign_up(ClientId=client_id, Username="mailer", ConfirmationCode=code)
    u = idp.admin_get_user(UserPoolId=pool_id, Username="mailer")
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["email_verified"] == "true"


def test_forgot_password_code_by_email(smtp_server, smtp_sink):
    idp = smtp_server.client()
    pool_id, client_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    address = f"{unique('forgot')}@example.com"
    idp.admin_create_user(UserPoolId=pool_id, Username="forgetful", MessageAction="SUPPRESS",
                          TemporaryPassword="TempPassw0rd!",
                          UserAttributes=[{"Name": "email", "Value": address},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="forgetful", Password=PASSWORD, Permanent=True)
    assert smtp_sink.to(address, timeout=0) == []

    r = idp.forgot_password(ClientId=client_id, Username="forgetful")
    assert r["CodeDeliveryDetails"] == {"Destination": "f***@e***", "DeliveryMedium": "EMAIL",
                                        "AttributeName": "email"}
    [mail] = smtp_sink.to(address)
    assert mail["rcpt_tos"] == [address]
    code = extract_code(body_text(mail["msg"]))

    expect_error("CodeMismatchException", idp.confirm_forgot_password, ClientId=client_id, Username="forgetful",
                 ConfirmationCode=f"{(int(code) + 1) % 1_000_000:06d}", Password=NEW_PASSWORD)
    idp.confirm_forgot_password(ClientId=client_id, Username="forgetful", ConfirmationCode=code,
                                Password=NEW_PASSWORD)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="forgetful")["UserStatus"] == "CONFIRMED"
    expect_error("ExpiredCodeException", idp.confirm_forgot_password, ClientId=client_id, Username="forgetful",
                 ConfirmationCode=code, Password="An0ther!Passw0rd")


def test_admin_invitation_by_email_and_sms_to_outbox(smtp_server, smtp_sink):
    """Email goes through SMTP; SMS, with no webhook configured, is still recorded in the outbox."""
    idp = smtp_server.client()
    pool_id, _ = make_pool(idp, AdminCreateUserConfig={"InviteMessageTemplate": {
        "EmailSubject": "Your new account",
        "EmailMessage": "Hello {username}, your temporary password is {####}",
        "SMSMessage": "Hello {username}, password {####}",
    }})
    address = f"{unique('invite')}@example.com"
    idp.admin_create_user(UserPoolId=pool_id, Username="invitee", TemporaryPassword="TempPassw0rd!",
                          UserAttributes=[{"Name": "email", "Value": address},
                                          {"Name": "phone_number", "Value": "+15555550177"}],
                          DesiredDeliveryMediums=["EMAIL", "SMS"])
    [mail] = smtp_sink.to(address)
    assert str(mail["msg"]["Subject"]) == "Your new account"
    assert "Hello invitee, your temporary password is TempPassw0rd!" in body_text(mail["msg"])
    msgs = outbox_messages(smtp_server, pool_id, "invitee")
    assert [(m["channel"], m["destination"], m["body"]) for m in msgs] == [
        ("SMS", "+15555550177", "Hello invitee, password TempPassw0rd!")]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_auth(server_factory):
    """`username`/`password` in `[email]` authenticate to the relay."""
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"mailer" and auth_data.password == b"relay-pass"
        return AuthResult(success=ok)

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        credentials = 'username = "mailer"\npassword = "relay-pass"\n'
        srv = server_factory(config_text=email_config(controller.port) + credentials)
        idp = srv.client()
        pool_id, client_id = make_pool(idp, AutoVerifiedAttributes=["email"])
        idp.sign_up(ClientId=client_id, Username="authed", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "authed@example.com"}])
        [mail] = sink.to("authed@example.com")
        extract_code(body_text(mail["msg"]))
        assert logins and logins[-1][1:] == (b"mailer", b"relay-pass")
    finally:
        controller.stop()


def test_smtp_unreachable(server_factory):
    srv = server_factory(config_text=email_config(free_port()))  # nothing listens there
    idp = srv.client()
    pool_id, client_id = make_pool(idp, AutoVerifiedAttributes=["email"])
    for _ in range(2):  # no half-created user: the same sign-up fails the same way again
        expect_error("CodeDeliveryFailureException", idp.sign_up, ClientId=client_id, Username="lost",
                     Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "lost@example.com"}])
        expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="lost")
    assert idp.list_users(UserPoolId=pool_id)["Users"] == []
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"] == 0
    assert outbox_messages(srv, pool_id) == []

    # ForgotPassword for an existing user reports the failure too.
    idp.admin_create_user(UserPoolId=pool_id, Username="kept", MessageAction="SUPPRESS",
                          TemporaryPassword="TempPassw0rd!",
                          UserAttributes=[{"Name": "email", "Value": "kept@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    expect_error("CodeDeliveryFailureException", idp.forgot_password, ClientId=client_id, Username="kept")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="kept")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


# -- SMS webhook -----------------------------------------------------------------


class SmsHook:
    """A tiny HTTP server thread that records the JSON POSTs it gets."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server hook name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                hook.requests.append({
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type", ""),
                    "json": json.loads(raw or b"null"),
                })
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sms_hook():
    hook = SmsHook()
    yield hook
    hook.close()


@pytest.fixture
def sms_server(server_factory, sms_hook):
    return server_factory(config_text=f'[sms]\nurl = "http://127.0.0.1:{sms_hook.port}/hook"\ntimeout_secs = 5\n')


def test_sign_up_code_by_sms_webhook(sms_server, sms_hook):
    idp = sms_server.client()
    pool_id, client_id = make_pool(idp, AutoVerifiedAttributes=["phone_number"],
                                   VerificationMessageTemplate={"SmsMessage": "Example code: {####}"})
    phone = "+15555550100"
    r = idp.sign_up(ClientId=client_id, Username="texter", Password=PASSWORD,
                    UserAttributes=[{"Name": "phone_number", "Value": phone}])
    d = r["CodeDeliveryDetails"]
    assert (d["DeliveryMedium"], d["AttributeName"]) == ("SMS", "phone_number")
    assert d["Destination"].endswith("0100") and "5555550100" not in d["Destination"]

    assert len(sms_hook.requests) == 1
    req = sms_hook.requests[0]
    assert req["path"] == "/hook"
    assert req["content_type"].startswith("application/json")
    body = req["json"]
    assert body["to"] == phone
    assert body["poolId"] == pool_id
    assert body["username"] == "texter"
    assert isinstance(body["reason"], str) and body["reason"]
    code = extract_code(body["message"])
    assert body["message"] == f"Example code: {code}"
    assert outbox_messages(sms_server, pool_id, "texter") == []

    idp.confirm_sign_up(ClientId=client_id, Username="texter", ConfirmationCode=code)
    u = idp.admin_get_user(UserPoolId=pool_id, Username="texter")
    assert u["UserStatus"] == "CONFIRMED"
    assert attr_map(u["UserAttributes"])["phone_number_verified"] == "true"


def test_sms_webhook_failure(sms_server, sms_hook):
    idp = sms_server.client()
    pool_id, client_id = make_pool(idp, AutoVerifiedAttributes=["phone_number"])
    sms_hook.status = 500
    expect_error("CodeDeliveryFailureException", idp.sign_up, ClientId=client_id, Username="unlucky",
                 Password=PASSWORD, UserAttributes=[{"Name": "phone_number", "Value": "+15555550111"}])
    assert len(sms_hook.requests) == 1
    expect_error("UserNotFoundException", idp.admin_get_user, UserPoolId=pool_id, Username="unlucky")
    sms_hook.status = 200
    idp.sign_up(ClientId=client_id, Username="unlucky", Password=PASSWORD,
                UserAttributes=[{"Name": "phone_number", "Value": "+15555550111"}])
    assert len(sms_hook.requests) == 2
    assert idp.admin_get_user(UserPoolId=pool_id, Username="unlucky")["UserStatus"] == "UNCONFIRMED"
