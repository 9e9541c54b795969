// amazon-cognito-identity-js (unmodified, pinned in package.json) against the
// Cognito-compatible Cognate server: sign-up, confirmation with the code from the
// outbox, SRP sign-in, user operations, refresh, sign-out and NEW_PASSWORD_REQUIRED.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import cognito from 'amazon-cognito-identity-js';

import {
  CognateServer,
  NEW_PASSWORD,
  PASSWORD,
  TestStorage,
  authenticate,
  jwtPayload,
  promisify,
  unique,
} from '../lib/cognate.js';

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let srv;

before(async () => {
  srv = await CognateServer.start();
});

after(async () => {
  await srv?.stop();
});

function userPool(poolId, clientId, storage = new TestStorage()) {
  return new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: srv.url, Storage: storage });
}

function cognitoUser(pool, username) {
  return new CognitoUser({ Username: username, Pool: pool, Storage: pool.storage });
}

function details(username, password) {
  return new AuthenticationDetails({ Username: username, Password: password });
}

function signUp(pool, username, password, attributes) {
  const attrs = Object.entries(attributes).map(([Name, Value]) => new CognitoUserAttribute({ Name, Value }));
  return promisify((cb) => pool.signUp(username, password, attrs, null, cb));
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('amazon-cognito-identity-js', () => {
  test('sign-up, confirm, SRP sign-in, attributes, change password, refresh, global sign-out', async () => {
    const poolId = await srv.createPool({ AutoVerifiedAttributes: ['email'] });
    // Default flows: ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_CUSTOM_AUTH.
    const clientId = await srv.createClient(poolId);
    const pool = userPool(poolId, clientId);
    const username = unique('ada');

    const signed = await signUp(pool, username, PASSWORD, { email: 'ada@example.com', name: 'Ada' });
    assert.equal(signed.userConfirmed, false);
    assert.match(signed.userSub, UUID_RE);
    assert.equal(signed.codeDeliveryDetails.DeliveryMedium, 'EMAIL');
    assert.equal(signed.user.getUsername(), username);

    const code = await srv.newestCode(poolId, username);
    const user = cognitoUser(pool, username);
    assert.equal(await promisify((cb) => user.confirmRegistration(code, true, cb)), 'SUCCESS');

    // authenticateUser defaults to USER_SRP_AUTH.
    const auth = await authenticate(user, details(username, PASSWORD));
    assert.equal(auth.kind, 'success');
    const session = auth.session;
    assert.equal(session.isValid(), true);
    const id = session.getIdToken().payload;
    assert.equal(id.token_use, 'id');
    assert.equal(id.aud, clientId);
    assert.equal(id['cognito:username'], username);
    assert.equal(id.sub, signed.userSub);
    assert.equal(id.email, 'ada@example.com');
    assert.equal(id.email_verified, true);
    assert.equal(id.iss, `${srv.url}/${poolId}`);
    const access = session.getAccessToken().payload;
    assert.equal(access.token_use, 'access');
    assert.equal(access.client_id, clientId);
    assert.equal(access.username, username);
    assert.equal(access.scope, 'aws.cognito.signin.user.admin');
    assert.ok(session.getRefreshToken().getToken());
    // The library caches the session in its storage; getSession reads it back.
    const cached = await promisify((cb) => cognitoUser(pool, username).getSession(cb));
    assert.equal(cached.getAccessToken().getJwtToken(), session.getAccessToken().getJwtToken());

    const attrs = await promisify((cb) => user.getUserAttributes(cb));
    const byName = Object.fromEntries(attrs.map((a) => [a.getName(), a.getValue()]));
    assert.equal(byName.sub, signed.userSub);
    assert.equal(byName.email, 'ada@example.com');
    assert.equal(byName.email_verified, 'true');
    assert.equal(byName.name, 'Ada');

    assert.equal(await promisify((cb) => user.changePassword(PASSWORD, NEW_PASSWORD, cb)), 'SUCCESS');
    const oldPw = await rejection(authenticate(cognitoUser(pool, username), details(username, PASSWORD)));
    assert.equal(oldPw.code, 'NotAuthorizedException');
    const again = await authenticate(cognitoUser(pool, username), details(username, NEW_PASSWORD));
    assert.equal(again.kind, 'success');

    // refreshSession: new ID/access tokens from the same sign-in (auth_time and origin kept).
    const refreshed = await promisify((cb) => user.refreshSession(session.getRefreshToken(), cb));
    const rAccess = refreshed.getAccessToken().payload;
    assert.notEqual(refreshed.getAccessToken().getJwtToken(), session.getAccessToken().getJwtToken());
    assert.equal(rAccess.auth_time, access.auth_time);
    assert.equal(rAccess.origin_jti, access.origin_jti);
    assert.equal(refreshed.getIdToken().payload['cognito:username'], username);
    // No rotation: the library keeps the refresh token it had.
    assert.equal(refreshed.getRefreshToken().getToken(), session.getRefreshToken().getToken());

    await new Promise((resolve, reject) => user.globalSignOut({ onSuccess: resolve, onFailure: reject }));
    const revoked = await rejection(srv.call('GetUser', { AccessToken: refreshed.getAccessToken().getJwtToken() }));
    assert.equal(revoked.code, 'NotAuthorizedException');
    assert.equal(revoked.body.message, 'Access Token has been revoked');
    // (Checked with a raw call: refreshSession retries every error with back-off for ~6 s.)
    const refreshAfter = await rejection(
      srv.call('InitiateAuth', {
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: session.getRefreshToken().getToken() },
      }),
    );
    assert.equal(refreshAfter.code, 'NotAuthorizedException');
  });

  test('refreshSession with browser localStorage semantics (AuthParameters.DEVICE_KEY: null)', async () => {
    // In a browser, localStorage.getItem returns null for the absent device key, and the
    // library sends it as is: {"AuthParameters": {"REFRESH_TOKEN": "...", "DEVICE_KEY": null}}.
    const poolId = await srv.createPool();
    const clientId = await srv.createClient(poolId);
    const pool = userPool(poolId, clientId, new TestStorage({ webStorage: true }));
    const username = unique('web');
    await srv.call('AdminCreateUser', {
      UserPoolId: poolId,
      Username: username,
      TemporaryPassword: 'TempPassw0rd!',
      MessageAction: 'SUPPRESS',
    });
    await srv.call('AdminSetUserPassword', { UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true });
    const user = cognitoUser(pool, username);
    const { session } = await authenticate(user, details(username, PASSWORD));
    // The first failure is reported at once (the library would retry it with back-off).
    const raw = await srv
      .call('InitiateAuth', {
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: session.getRefreshToken().getToken(), DEVICE_KEY: null },
      })
      .catch((err) => err);
    assert.ok(raw.AuthenticationResult, `InitiateAuth with DEVICE_KEY: null failed: ${raw.message}`);
    const refreshed = await promisify((cb) => user.refreshSession(session.getRefreshToken(), cb));
    assert.equal(refreshed.isValid(), true);
  });

  test('email-as-username pool: SRP switches to USER_ID_FOR_SRP', async () => {
    const poolId = await srv.createPool({ UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] });
    const clientId = await srv.createClient(poolId);
    const pool = userPool(poolId, clientId);
    const address = `${unique('grace')}@example.com`;

    const signed = await signUp(pool, address, PASSWORD, { email: address });
    assert.equal(signed.userConfirmed, false);
    // The pool's username is a generated UUID (the sub); the outbox is keyed by it.
    const code = await srv.newestCode(poolId, signed.userSub);
    await promisify((cb) => cognitoUser(pool, address).confirmRegistration(code, true, cb));

    const user = cognitoUser(pool, address);
    const { session } = await authenticate(user, details(address, PASSWORD));
    assert.match(user.getUsername(), UUID_RE);
    assert.equal(user.getUsername(), signed.userSub);
    const id = session.getIdToken().payload;
    assert.equal(id['cognito:username'], signed.userSub);
    assert.equal(id.email, address);
    assert.equal(session.getAccessToken().payload.username, signed.userSub);
    const attrs = await promisify((cb) => user.getUserAttributes(cb));
    assert.ok(attrs.some((a) => a.getName() === 'email' && a.getValue() === address));
  });

  test('newPasswordRequired -> completeNewPasswordChallenge for an AdminCreateUser user', async () => {
    const poolId = await srv.createPool({
      Schema: [{ Name: 'name', AttributeDataType: 'String', Required: true, Mutable: true }],
    });
    const clientId = await srv.createClient(poolId);
    const pool = userPool(poolId, clientId);
    const username = unique('linus');
    await srv.call('AdminCreateUser', {
      UserPoolId: poolId,
      Username: username,
      TemporaryPassword: 'TempPassw0rd!',
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: 'linus@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });

    const user = cognitoUser(pool, username);
    const first = await authenticate(user, details(username, 'TempPassw0rd!'));
    assert.equal(first.kind, 'newPasswordRequired');
    assert.deepEqual(first.requiredAttributes, ['name']);
    assert.equal(first.userAttributes.email, 'linus@example.com');
    assert.equal(first.userAttributes.sub, undefined);

    const session = await new Promise((resolve, reject) =>
      user.completeNewPasswordChallenge(NEW_PASSWORD, { name: 'Linus' }, {
        onSuccess: resolve,
        onFailure: reject,
        mfaRequired: () => reject(new Error('unexpected mfaRequired')),
      }),
    );
    assert.equal(session.isValid(), true);
    assert.equal(session.getIdToken().payload.name, 'Linus');
    assert.equal(session.getIdToken().payload['cognito:username'], username);

    const u = await srv.call('AdminGetUser', { UserPoolId: poolId, Username: username });
    assert.equal(u.UserStatus, 'CONFIRMED');
    const again = await authenticate(cognitoUser(pool, username), details(username, NEW_PASSWORD));
    assert.equal(again.kind, 'success');
  });

  test('failures reach onFailure with Cognito error codes', async () => {
    const poolId = await srv.createPool();
    const clientId = await srv.createClient(poolId, {
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
    const pool = userPool(poolId, clientId);
    const username = unique('eve');
    await srv.call('AdminCreateUser', {
      UserPoolId: poolId,
      Username: username,
      TemporaryPassword: 'TempPassw0rd!',
      MessageAction: 'SUPPRESS',
    });
    await srv.call('AdminSetUserPassword', { UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true });

    // SRP with a wrong password.
    const srpWrong = await rejection(authenticate(cognitoUser(pool, username), details(username, 'Wr0ngPassw0rd!')));
    assert.equal(srpWrong.code, 'NotAuthorizedException');
    assert.equal(srpWrong.message, 'Incorrect username or password.');

    // USER_PASSWORD_AUTH with a wrong password.
    const plain = cognitoUser(pool, username);
    plain.setAuthenticationFlowType('USER_PASSWORD_AUTH');
    const pwWrong = await rejection(authenticate(plain, details(username, 'Wr0ngPassw0rd!')));
    assert.equal(pwWrong.code, 'NotAuthorizedException');
    assert.equal(pwWrong.message, 'Incorrect username or password.');
    // ... and the right one.
    const ok = cognitoUser(pool, username);
    ok.setAuthenticationFlowType('USER_PASSWORD_AUTH');
    assert.equal((await authenticate(ok, details(username, PASSWORD))).kind, 'success');

    // Unknown user (PreventUserExistenceErrors not enabled).
    const ghost = await rejection(authenticate(cognitoUser(pool, 'nobody-here'), details('nobody-here', PASSWORD)));
    assert.equal(ghost.code, 'UserNotFoundException');

    // Unconfirmed user.
    const pending = unique('pending');
    await signUp(pool, pending, PASSWORD, {});
    const unconfirmed = await rejection(authenticate(cognitoUser(pool, pending), details(pending, PASSWORD)));
    assert.equal(unconfirmed.code, 'UserNotConfirmedException');
  });
});
