// Remembered devices through amazon-cognito-identity-js (unmodified, pinned in
// package.json) against the Cognito-compatible Cognate server. The library does the
// device work itself: after a sign-in that returns NewDeviceMetadata it computes the
// device verifier and calls ConfirmDevice; with a cached device key it sends DEVICE_KEY
// and answers DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER with its own SRP code.
//
// Pool: SMS MFA (OPTIONAL, enabled for the user), "user opt-in" remembering and
// "a remembered device suppresses MFA". Flow: mfaRequired -> sendMFACode -> device
// confirmed (userConfirmationNecessary) -> setDeviceStatusRemembered -> the next
// sign-in succeeds without MFA (device SRP) -> refresh with the device key ->
// forgetDevice -> MFA again.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import cognito from 'amazon-cognito-identity-js';

import { CognateServer, PASSWORD, TestStorage, jwtPayload, promisify, unique } from '../lib/cognate.js';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const PHONE = '+15555550123';
const DEVICE_KEY_RE = /^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let srv;

before(async () => {
  srv = await CognateServer.start();
});

after(async () => {
  await srv?.stop();
});

/** A pool with SMS MFA and that device configuration; a default (SRP) client; a user with SMS MFA on. */
async function deviceApp(deviceConfiguration) {
  const poolId = await srv.createPool({ DeviceConfiguration: deviceConfiguration });
  await srv.call('SetUserPoolMfaConfig', {
    UserPoolId: poolId,
    MfaConfiguration: 'OPTIONAL',
    SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your code is {####}' },
  });
  const clientId = await srv.createClient(poolId);
  const username = unique('dev');
  await srv.call('AdminCreateUser', {
    UserPoolId: poolId,
    Username: username,
    MessageAction: 'SUPPRESS',
    UserAttributes: [
      { Name: 'phone_number', Value: PHONE },
      { Name: 'phone_number_verified', Value: 'true' },
    ],
  });
  await srv.call('AdminSetUserPassword', { UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true });
  await srv.call('AdminSetUserMFAPreference', {
    UserPoolId: poolId,
    Username: username,
    SMSMfaSettings: { Enabled: true, PreferredMfa: true },
  });
  // One storage for the app: a new CognitoUser finds the cached device key and secret.
  const storage = new TestStorage();
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: srv.url, Storage: storage });
  return { poolId, clientId, username, pool, storage };
}

function newUser(app) {
  return new CognitoUser({ Username: app.username, Pool: app.pool, Storage: app.storage });
}

function outcomes(resolve, reject) {
  return {
    onSuccess: (session, userConfirmationNecessary) => resolve({ kind: 'success', session, userConfirmationNecessary }),
    onFailure: (err) => reject(err),
    newPasswordRequired: () => reject(new Error('unexpected newPasswordRequired')),
    customChallenge: () => reject(new Error('unexpected customChallenge')),
    mfaRequired: (challengeName, params) => resolve({ kind: 'mfaRequired', challengeName, params }),
    totpRequired: () => reject(new Error('unexpected totpRequired')),
    mfaSetup: () => reject(new Error('unexpected mfaSetup')),
    selectMFAType: () => reject(new Error('unexpected selectMFAType')),
  };
}

function signIn(user, username) {
  const details = new AuthenticationDetails({ Username: username, Password: PASSWORD });
  return new Promise((resolve, reject) => user.authenticateUser(details, outcomes(resolve, reject)));
}

function sendMFACode(user, code) {
  return new Promise((resolve, reject) => user.sendMFACode(code, outcomes(resolve, reject)));
}

function callbacks(fn) {
  return new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject }));
}

function deviceAttribute(device, name) {
  return device.DeviceAttributes.find((a) => a.Name === name)?.Value;
}

/** Signs in through SMS MFA; returns the user object and the success outcome. */
async function signInWithSms(app) {
  const user = newUser(app);
  const step = await signIn(user, app.username);
  assert.equal(step.kind, 'mfaRequired');
  assert.equal(step.challengeName, 'SMS_MFA');
  const done = await sendMFACode(user, await srv.newestCode(app.poolId, app.username));
  assert.equal(done.kind, 'success');
  return { user, done };
}

describe('amazon-cognito-identity-js remembered devices', () => {
  test('setDeviceStatusRemembered, then a sign-in that skips MFA through DEVICE_SRP_AUTH', async () => {
    const app = await deviceApp({ ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true });

    // First sign-in on this device: MFA; the library confirms the new device itself.
    const { user, done } = await signInWithSms(app);
    assert.equal(done.userConfirmationNecessary, true);
    const deviceKey = user.deviceKey;
    assert.match(deviceKey, DEVICE_KEY_RE);
    assert.equal(jwtPayload(done.session.getAccessToken().getJwtToken()).device_key, deviceKey);
    const listed = await callbacks((cb) => user.listDevices(10, null, cb));
    assert.equal(listed.Devices.length, 1);
    assert.equal(listed.Devices[0].DeviceKey, deviceKey);
    assert.equal(deviceAttribute(listed.Devices[0], 'dev:device_remembered_status'), 'not_remembered');
    assert.ok(deviceAttribute(listed.Devices[0], 'device_name'), 'the library names the device');

    // Confirmed but not remembered: still MFA (and the device is known: no new one).
    const known = await signInWithSms(app);
    assert.equal(known.user.deviceKey, deviceKey);

    assert.equal(await callbacks((cb) => user.setDeviceStatusRemembered(cb)), 'SUCCESS');
    const got = await callbacks((cb) => user.getDevice(cb));
    assert.equal(deviceAttribute(got.Device, 'dev:device_remembered_status'), 'remembered');

    // Remembered: onSuccess straight away, no SMS sent.
    const sent = (await srv.messages(app.poolId, app.username)).length;
    const again = newUser(app);
    const step = await signIn(again, app.username);
    assert.equal(step.kind, 'success');
    assert.equal(step.session.isValid(), true);
    assert.equal(jwtPayload(step.session.getAccessToken().getJwtToken()).device_key, deviceKey);
    assert.equal((await srv.messages(app.poolId, app.username)).length, sent, 'no MFA code was sent');
    const device = await callbacks((cb) => again.getDevice(cb));
    assert.ok(device.Device.DeviceLastAuthenticatedDate);

    // Refresh carries the device key (refresh tokens belong to their device).
    const refreshed = await promisify((cb) => again.refreshSession(step.session.getRefreshToken(), cb));
    assert.equal(refreshed.isValid(), true);

    // Forgotten: the next sign-in asks for MFA again and gets a new device.
    assert.equal(await callbacks((cb) => again.forgetDevice(cb)), 'SUCCESS');
    const fresh = await signInWithSms(app);
    assert.notEqual(fresh.user.deviceKey, deviceKey);
    assert.match(fresh.user.deviceKey, DEVICE_KEY_RE);
  });

  test('"always remember" pools remember at confirmation; without MFA suppression MFA stays', async () => {
    const app = await deviceApp({ ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false });
    const { user, done } = await signInWithSms(app);
    assert.equal(done.userConfirmationNecessary, undefined);
    const got = await callbacks((cb) => user.getDevice(cb));
    assert.equal(deviceAttribute(got.Device, 'dev:device_remembered_status'), 'remembered');
    // A remembered device does not stand in for MFA here.
    const next = await signInWithSms(app);
    assert.equal(next.user.deviceKey, user.deviceKey);
  });
});
