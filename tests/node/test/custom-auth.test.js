// Passwordless sign-in with an emailed one-time code (AuthFlow CUSTOM_AUTH) through
// amazon-cognito-identity-js, against the Cognito-compatible Cognate server running the
// example handlers in examples/triggers/custom-auth-email-otp/ unchanged, through the
// command transport (examples/triggers/runner.js). The create handler writes each code
// to $OTP_DIR/<userName>.code; OTP_DIR reaches it through the server's environment.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cognito from 'amazon-cognito-identity-js';

import { CognateServer, PASSWORD, TestStorage, jwtPayload, unique } from '../lib/cognate.js';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXAMPLES = path.join(REPO_ROOT, 'examples', 'triggers');
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:';
const HANDLERS = {
  DefineAuthChallenge: ['otp-define', 'custom-auth-email-otp/define.js'],
  CreateAuthChallenge: ['otp-create', 'custom-auth-email-otp/create.js'],
  VerifyAuthChallengeResponse: ['otp-verify', 'custom-auth-email-otp/verify.js'],
};

// [[triggers.functions]] for the three handlers; JSON strings are valid TOML basic strings.
function triggerConfig() {
  return Object.values(HANDLERS)
    .map(([name, file]) => {
      const command = [process.execPath, path.join(EXAMPLES, 'runner.js'), path.join(EXAMPLES, file)];
      return `[[triggers.functions]]\narn = ${JSON.stringify(ARN + name)}\ncommand = [${command
        .map((c) => JSON.stringify(c))
        .join(', ')}]\n`;
    })
    .join('\n');
}

let srv;
let otpDir;
let poolId;
let clientId;

before(async () => {
  otpDir = mkdtempSync(path.join(tmpdir(), 'cognate-otp-'));
  srv = await CognateServer.start({ config: triggerConfig(), env: { OTP_DIR: otpDir } });
  const LambdaConfig = Object.fromEntries(Object.entries(HANDLERS).map(([key, [name]]) => [key, ARN + name]));
  poolId = await srv.createPool({ LambdaConfig });
  clientId = await srv.createClient(poolId, { ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
});

after(async () => {
  await srv?.stop();
  if (otpDir) rmSync(otpDir, { recursive: true, force: true });
});

/** A CONFIRMED user with an email (the create handler needs one). */
async function createUser(username, email) {
  await srv.call('AdminCreateUser', {
    UserPoolId: poolId,
    Username: username,
    MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }],
  });
  await srv.call('AdminSetUserPassword', { UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true });
}

function customUser(username) {
  const storage = new TestStorage();
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: srv.url, Storage: storage });
  const user = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  return user;
}

/** One step of the custom flow as a promise: {kind: 'success', session} or {kind: 'customChallenge', parameters}. */
function step(start) {
  return new Promise((resolve, reject) => {
    start({
      onSuccess: (session) => resolve({ kind: 'success', session }),
      onFailure: (err) => reject(err),
      customChallenge: (parameters) => resolve({ kind: 'customChallenge', parameters }),
      mfaRequired: () => reject(new Error('unexpected mfaRequired')),
      totpRequired: () => reject(new Error('unexpected totpRequired')),
      newPasswordRequired: () => reject(new Error('unexpected newPasswordRequired')),
    });
  });
}

function initiate(user) {
  const details = new AuthenticationDetails({ Username: user.getUsername() });
  return step((callbacks) => user.initiateAuth(details, callbacks));
}

function answer(user, text) {
  return step((callbacks) => user.sendCustomChallengeAnswer(text, callbacks));
}

function codeFor(username) {
  const file = path.join(otpDir, `${username}.code`);
  assert.ok(existsSync(file), `the create handler wrote no code to ${file}`);
  const code = readFileSync(file, 'utf8').trim();
  assert.match(code, /^\d{6}$/);
  return code;
}

function otherCode(code) {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

function assertSignedIn(result, username) {
  assert.equal(result.kind, 'success');
  const session = result.session;
  assert.ok(session.isValid());
  const id = jwtPayload(session.getIdToken().getJwtToken());
  assert.equal(id['cognito:username'], username);
  assert.equal(id.token_use, 'id');
  assert.equal(id.email, `${username}@example.com`);
  assert.equal(jwtPayload(session.getAccessToken().getJwtToken()).token_use, 'access');
  assert.ok(session.getRefreshToken().getToken());
}

describe('CUSTOM_AUTH with the email-OTP example handlers', () => {
  test('the emailed code signs in', async () => {
    const username = unique('otp');
    await createUser(username, `${username}@example.com`);
    const user = customUser(username);

    const first = await initiate(user);
    assert.equal(first.kind, 'customChallenge');
    // Public parameters reach the client (the masked address); the code does not.
    assert.equal(first.parameters.email, `${username[0]}***@example.com`);
    const code = codeFor(username);
    assert.ok(!JSON.stringify(first.parameters).includes(code), JSON.stringify(first.parameters));
    assert.equal(first.parameters.answer, undefined);

    assertSignedIn(await answer(user, code), username);
  });

  test('a wrong answer gets another challenge, with the same code', async () => {
    const username = unique('otp');
    await createUser(username, `${username}@example.com`);
    const user = customUser(username);

    assert.equal((await initiate(user)).kind, 'customChallenge');
    const code = codeFor(username);
    const retry = await answer(user, otherCode(code));
    assert.equal(retry.kind, 'customChallenge');
    assert.equal(retry.parameters.email, `${username[0]}***@example.com`);
    // The retry reuses the code (it travels in challengeMetadata): nothing new was sent.
    assert.equal(codeFor(username), code);

    assertSignedIn(await answer(user, code), username);
  });

  test('three wrong answers fail the sign-in', async () => {
    const username = unique('otp');
    await createUser(username, `${username}@example.com`);
    const user = customUser(username);

    assert.equal((await initiate(user)).kind, 'customChallenge');
    const wrong = otherCode(codeFor(username));
    assert.equal((await answer(user, wrong)).kind, 'customChallenge');
    assert.equal((await answer(user, wrong)).kind, 'customChallenge');
    const err = await rejection(answer(user, wrong));
    assert.equal(err.code, 'NotAuthorizedException', err.message);
  });

  test('a new sign-in sends a new code', async () => {
    const username = unique('otp');
    await createUser(username, `${username}@example.com`);
    const user = customUser(username);

    assert.equal((await initiate(user)).kind, 'customChallenge');
    const firstCode = codeFor(username);
    rmSync(path.join(otpDir, `${username}.code`));
    const again = customUser(username);
    assert.equal((await initiate(again)).kind, 'customChallenge');
    const secondCode = codeFor(username);
    assertSignedIn(await answer(again, secondCode), username);
    // The first sign-in's session is still open; its own code still works for it.
    if (firstCode !== secondCode) {
      assertSignedIn(await answer(user, firstCode), username);
    }
  });
});
