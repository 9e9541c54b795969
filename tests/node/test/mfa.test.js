// Multi-factor authentication through amazon-cognito-identity-js (unmodified, pinned in
// package.json) against the Cognito-compatible Cognate server: TOTP enrolment with the
// access token (associateSoftwareToken, verifySoftwareToken, setUserMfaPreference) and the
// totpRequired callback; MFA_SETUP during sign-in (mfaSetup); SMS MFA turned on with the
// legacy enableMFA (SetUserSettings) and the mfaRequired callback with the code from the
// outbox; SELECT_MFA_TYPE (selectMFAType, sendMFASelectionAnswer).
//
// TOTP codes come from the small RFC 6238 generator below (Node's HMAC-SHA1), not from
// the server's implementation.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import cognito from 'amazon-cognito-identity-js';

import { CognateServer, PASSWORD, TestStorage, jwtPayload, promisify, unique } from '../lib/cognate.js';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const PHONE = '+15555550123';
const STEP = 30;

// ---- RFC 6238 (TOTP: HMAC-SHA1, 6 digits, 30 s) ----

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '')) {
    const idx = alphabet.indexOf(ch.toUpperCase());
    if (idx < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** An authenticator app that remembers the last time step the server accepted. */
class Authenticator {
  constructor(secretCode) {
    assert.match(secretCode, /^[A-Z2-7]{16,}$/, 'SecretCode is base32');
    this.key = base32Decode(secretCode);
    this.used = -1;
  }

  at(step) {
    return hotp(this.key, step);
  }

  /** A code of a step not used yet: the current one or the next (the server allows ±1 step). */
  async fresh() {
    for (;;) {
      const now = Date.now() / 1000;
      const cur = Math.floor(now / STEP);
      const step = Math.max(cur, this.used + 1);
      if (step <= cur + 1) {
        this.used = step;
        return this.at(step);
      }
      await sleep(((cur + 1) * STEP - now) * 1000 + 50);
    }
  }

  wrong() {
    const cur = Math.floor(Date.now() / 1000 / STEP);
    const near = new Set([-3, -2, -1, 0, 1, 2, 3].map((k) => this.at(cur + k)));
    for (let n = 0; ; n += 1) {
      const code = String((n * 7919 + 271828) % 1_000_000).padStart(6, '0');
      if (!near.has(code)) return code;
    }
  }
}

// ---- Server and library helpers ----

let srv;

before(async () => {
  srv = await CognateServer.start();
});

after(async () => {
  await srv?.stop();
});

/** A pool with that MFA configuration, a default client (SRP) and a CONFIRMED user with a phone. */
async function mfaApp(mode, factors) {
  const poolId = await srv.createPool();
  await srv.call('SetUserPoolMfaConfig', { UserPoolId: poolId, MfaConfiguration: mode, ...factors });
  const clientId = await srv.createClient(poolId);
  const username = unique('mfa');
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
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: srv.url, Storage: new TestStorage() });
  return { poolId, clientId, username, pool };
}

const TOTP = { SoftwareTokenMfaConfiguration: { Enabled: true } };
const SMS = { SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your code is {####}' } };

function newUser(app) {
  return new CognitoUser({ Username: app.username, Pool: app.pool, Storage: app.pool.storage });
}

/** The callbacks of authenticateUser and friends, resolving to what was called. */
function outcomes(resolve, reject) {
  return {
    onSuccess: (session) => resolve({ kind: 'success', session }),
    onFailure: (err) => reject(err),
    newPasswordRequired: () => reject(new Error('unexpected newPasswordRequired')),
    customChallenge: () => reject(new Error('unexpected customChallenge')),
    mfaRequired: (challengeName, params) => resolve({ kind: 'mfaRequired', challengeName, params }),
    totpRequired: (challengeName, params) => resolve({ kind: 'totpRequired', challengeName, params }),
    mfaSetup: (challengeName, params) => resolve({ kind: 'mfaSetup', challengeName, params }),
    selectMFAType: (challengeName, params) => resolve({ kind: 'selectMFAType', challengeName, params }),
  };
}

function signIn(user, username) {
  const details = new AuthenticationDetails({ Username: username, Password: PASSWORD });
  return new Promise((resolve, reject) => user.authenticateUser(details, outcomes(resolve, reject)));
}

function sendMFACode(user, code, mfaType) {
  return new Promise((resolve, reject) => user.sendMFACode(code, outcomes(resolve, reject), mfaType));
}

function selectMFA(user, answer) {
  return new Promise((resolve, reject) => user.sendMFASelectionAnswer(answer, outcomes(resolve, reject)));
}

function associate(user) {
  return new Promise((resolve, reject) =>
    user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
  );
}

function verify(user, code) {
  return new Promise((resolve, reject) =>
    user.verifySoftwareToken(code, 'phone', { onSuccess: resolve, onFailure: reject }),
  );
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

function userData(user) {
  return promisify((cb) => user.getUserData(cb, { bypassCache: true }));
}

// ---- Tests ----

describe('amazon-cognito-identity-js MFA', () => {
  test('the test TOTP generator matches RFC 6238 (SHA-1 vectors)', () => {
    const key = Buffer.from('12345678901234567890');
    // RFC 6238 appendix B lists 8 digits; a 6-digit code is the last six.
    for (const [t, code8] of [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
    ]) {
      assert.equal(hotp(key, Math.floor(t / STEP)), code8.slice(2));
    }
    assert.deepEqual(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), key);
  });

  test('TOTP: associate/verify with the access token, preference, totpRequired -> sendMFACode', async () => {
    const app = await mfaApp('OPTIONAL', TOTP);
    const user = newUser(app);
    assert.equal((await signIn(user, app.username)).kind, 'success');

    const totp = new Authenticator(await associate(user));
    const wrongVerify = await rejection(verify(user, totp.wrong()));
    assert.equal(wrongVerify.code, 'EnableSoftwareTokenMFAException');
    const verified = await verify(user, await totp.fresh());
    assert.equal(verified.Status, 'SUCCESS');
    assert.equal(
      await promisify((cb) => user.setUserMfaPreference(null, { Enabled: true, PreferredMfa: true }, cb)),
      'SUCCESS',
    );
    const data = await userData(user);
    assert.equal(data.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');
    assert.deepEqual(data.UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);

    const again = newUser(app);
    const step = await signIn(again, app.username);
    assert.equal(step.kind, 'totpRequired');
    assert.equal(step.challengeName, 'SOFTWARE_TOKEN_MFA');
    const wrong = await rejection(sendMFACode(again, totp.wrong(), 'SOFTWARE_TOKEN_MFA'));
    assert.equal(wrong.code, 'CodeMismatchException');
    // The library keeps its session after the failure; the right code completes it.
    const done = await sendMFACode(again, await totp.fresh(), 'SOFTWARE_TOKEN_MFA');
    assert.equal(done.kind, 'success');
    assert.equal(done.session.isValid(), true);
    assert.equal(jwtPayload(done.session.getAccessToken().getJwtToken()).username, app.username);
  });

  test('MFA_SETUP: mfaSetup -> associateSoftwareToken -> verifySoftwareToken -> onSuccess', async () => {
    const app = await mfaApp('ON', TOTP);
    const user = newUser(app);
    const step = await signIn(user, app.username);
    assert.equal(step.kind, 'mfaSetup');
    assert.equal(step.challengeName, 'MFA_SETUP');
    assert.deepEqual(JSON.parse(step.params.MFAS_CAN_SETUP), ['SOFTWARE_TOKEN_MFA']);

    // Both calls carry the sign-in session; verifySoftwareToken then answers MFA_SETUP.
    const totp = new Authenticator(await associate(user));
    const session = await verify(user, await totp.fresh());
    assert.equal(session.isValid(), true);
    const data = await userData(user);
    assert.equal(data.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');

    const again = newUser(app);
    const next = await signIn(again, app.username);
    assert.equal(next.kind, 'totpRequired');
    const done = await sendMFACode(again, await totp.fresh(), 'SOFTWARE_TOKEN_MFA');
    assert.equal(done.kind, 'success');
  });

  test('SMS: enableMFA (SetUserSettings) -> mfaRequired -> sendMFACode with the outbox code', async () => {
    const app = await mfaApp('OPTIONAL', SMS);
    const user = newUser(app);
    assert.equal((await signIn(user, app.username)).kind, 'success');
    assert.equal(await promisify((cb) => user.enableMFA(cb)), 'SUCCESS');
    assert.deepEqual(await promisify((cb) => user.getMFAOptions(cb)), [
      { DeliveryMedium: 'SMS', AttributeName: 'phone_number' },
    ]);

    const again = newUser(app);
    const step = await signIn(again, app.username);
    assert.equal(step.kind, 'mfaRequired');
    assert.equal(step.challengeName, 'SMS_MFA');
    assert.equal(step.params.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
    assert.notEqual(step.params.CODE_DELIVERY_DESTINATION, PHONE);
    assert.match(step.params.CODE_DELIVERY_DESTINATION, /\*.*0123$/);
    const [message] = await srv.messages(app.poolId, app.username);
    assert.equal(message.channel, 'SMS');
    const code = await srv.newestCode(app.poolId, app.username);
    assert.equal(message.body, `Your code is ${code}`);

    const wrong = await rejection(sendMFACode(again, String((Number(code) + 1) % 1_000_000).padStart(6, '0')));
    assert.equal(wrong.code, 'CodeMismatchException');
    const done = await sendMFACode(again, code);
    assert.equal(done.kind, 'success');
    assert.equal(done.session.getIdToken().payload['cognito:username'], app.username);
  });

  test('SELECT_MFA_TYPE: selectMFAType -> sendMFASelectionAnswer -> totpRequired -> sendMFACode', async () => {
    const app = await mfaApp('OPTIONAL', { ...SMS, ...TOTP });
    const user = newUser(app);
    assert.equal((await signIn(user, app.username)).kind, 'success');
    const totp = new Authenticator(await associate(user));
    assert.equal((await verify(user, await totp.fresh())).Status, 'SUCCESS');
    await promisify((cb) =>
      user.setUserMfaPreference({ Enabled: true, PreferredMfa: false }, { Enabled: true, PreferredMfa: false }, cb),
    );

    const again = newUser(app);
    const step = await signIn(again, app.username);
    assert.equal(step.kind, 'selectMFAType');
    assert.equal(step.challengeName, 'SELECT_MFA_TYPE');
    assert.deepEqual(JSON.parse(step.params.MFAS_CAN_CHOOSE).sort(), ['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    const chosen = await selectMFA(again, 'SOFTWARE_TOKEN_MFA');
    assert.equal(chosen.kind, 'totpRequired');
    assert.equal(chosen.challengeName, 'SOFTWARE_TOKEN_MFA');
    const done = await sendMFACode(again, await totp.fresh(), 'SOFTWARE_TOKEN_MFA');
    assert.equal(done.kind, 'success');

    // Choosing SMS: mfaRequired, and the code arrives in the outbox.
    const third = newUser(app);
    assert.equal((await signIn(third, app.username)).kind, 'selectMFAType');
    const sms = await selectMFA(third, 'SMS_MFA');
    assert.equal(sms.kind, 'mfaRequired');
    assert.equal(sms.challengeName, 'SMS_MFA');
    const ok = await sendMFACode(third, await srv.newestCode(app.poolId, app.username));
    assert.equal(ok.kind, 'success');
  });
});
