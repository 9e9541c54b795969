"""Remembered devices against the Cognito-compatible server, on both backends: the
admin device operations through boto3 (AdminListDevices, AdminGetDevice,
AdminUpdateDeviceStatus, AdminForgetDevice) around a device that pycognito's
AWSSRP signs in with, confirms (pycognito's device verifier, sent with boto3) and
then authenticates with DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER (answered
without a Session, as pycognito does).
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP, generate_hash_device

from conftest import unique

PASSWORD = "Passw0rd!"
DEVICE_KEY_RE = re.compile(r"^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def device_app(idp, **device_configuration) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName=unique("devices"), DeviceConfiguration=device_configuration)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    return pool_id, client_id


def attrs(device: dict) -> dict:
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def expect_error(code: str, fn, **kwargs) -> str:
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    assert e.value.response["Error"]["Code"] == code, e.value.response
    return e.value.response["Error"]["Message"]


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_admin_device_operations_with_pycognito_device_srp(idp):
    pool_id, client_id = device_app(idp, ChallengeRequiredOnNewDevice=False, DeviceOnlyRememberedOnUserPrompt=True)
    user = dict(UserPoolId=pool_id, Username="alice")

    # SRP sign-in: the tokens carry NewDeviceMetadata; the device verifier is
    # pycognito's (its confirm_device posts to AWS itself, so boto3 sends it).
    srp = AWSSRP(username="alice", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=idp)
    tokens = srp.authenticate_user()
    metadata = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    device_key = metadata["DeviceKey"]
    assert DEVICE_KEY_RE.match(device_key), device_key
    assert metadata["DeviceGroupKey"]
    assert idp.admin_list_devices(**user)["Devices"] == []  # not confirmed yet
    device_password, verifier_config = generate_hash_device(metadata["DeviceGroupKey"], device_key)
    response = idp.confirm_device(
        AccessToken=tokens["AuthenticationResult"]["AccessToken"],
        DeviceKey=device_key,
        DeviceSecretVerifierConfig=verifier_config,
        DeviceName="pytest-device",
    )
    assert response["UserConfirmationNecessary"] is True

    devices = idp.admin_list_devices(**user)["Devices"]
    assert [d["DeviceKey"] for d in devices] == [device_key]
    got = idp.admin_get_device(DeviceKey=device_key, **user)["Device"]
    a = attrs(got)
    assert a["device_status"] == "valid"
    assert a["device_name"] == "pytest-device"
    assert a["dev:device_remembered_status"] == "not_remembered"
    assert a["last_ip_used"] == "127.0.0.1"
    assert a["dev:device_arn"].endswith(f":owner/alice.{pool_id}/device/{device_key}")
    for key in ("DeviceCreateDate", "DeviceLastModifiedDate", "DeviceLastAuthenticatedDate"):
        assert key in got, got

    # Not remembered: a sign-in with the device key is a plain SRP sign-in.
    with_device = AWSSRP(
        username="alice", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=idp,
        device_key=device_key, device_group_key=metadata["DeviceGroupKey"], device_password=device_password,
    )
    plain = with_device.authenticate_user()
    assert "NewDeviceMetadata" not in plain["AuthenticationResult"]

    # Remembered (as admin): the same sign-in now runs device SRP.
    idp.admin_update_device_status(DeviceKey=device_key, DeviceRememberedStatus="remembered", **user)
    assert attrs(idp.admin_get_device(DeviceKey=device_key, **user)["Device"])["dev:device_remembered_status"] == "remembered"
    device_tokens = with_device.authenticate_user()
    result = device_tokens["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result
    assert jwt_claims(result["AccessToken"])["device_key"] == device_key
    # A wrong device secret is refused.
    wrong = AWSSRP(
        username="alice", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=idp,
        device_key=device_key, device_group_key=metadata["DeviceGroupKey"],
        device_password=base64.b64encode(b"not the device password").decode(),
    )
    with pytest.raises(ClientError) as e:
        wrong.authenticate_user()
    assert e.value.response["Error"]["Code"] == "NotAuthorizedException"

    # The refresh token is bound to the device.
    refresh = dict(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH")
    expect_error("NotAuthorizedException", idp.initiate_auth, AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]}, **refresh)
    idp.initiate_auth(AuthParameters={"REFRESH_TOKEN": result["RefreshToken"], "DEVICE_KEY": device_key}, **refresh)

    # AdminForgetDevice: gone, and its key is no device any more.
    idp.admin_update_device_status(DeviceKey=device_key, DeviceRememberedStatus="not_remembered", **user)
    idp.admin_forget_device(DeviceKey=device_key, **user)
    assert idp.admin_list_devices(**user)["Devices"] == []
    expect_error("ResourceNotFoundException", idp.admin_get_device, DeviceKey=device_key, **user)
    expect_error("ResourceNotFoundException", idp.admin_forget_device, DeviceKey=device_key, **user)
    expect_error(
        "ResourceNotFoundException", idp.admin_update_device_status,
        DeviceKey=device_key, DeviceRememberedStatus="remembered", **user,
    )
    expect_error(
        "NotAuthorizedException", idp.initiate_auth,
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"], "DEVICE_KEY": device_key}, **refresh,
    )
    again = with_device.authenticate_user()
    assert again["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"] != device_key


def test_admin_device_operations_errors(idp):
    pool_id, _ = device_app(idp, ChallengeRequiredOnNewDevice=True)
    expect_error(
        "UserNotFoundException", idp.admin_list_devices, UserPoolId=pool_id, Username="nobody",
    )
    expect_error(
        "ResourceNotFoundException", idp.admin_get_device,
        UserPoolId=pool_id, Username="alice", DeviceKey="us-east-1_00000000-0000-4000-8000-000000000000",
    )
    # A user without devices lists none.
    assert idp.admin_list_devices(UserPoolId=pool_id, Username="alice", Limit=5)["Devices"] == []
