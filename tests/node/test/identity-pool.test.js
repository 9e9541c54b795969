// Identity pools through the AWS SDK for JavaScript v3's own credential providers
// (`fromCognitoIdentityPool` / `fromCognitoIdentity` from @aws-sdk/credential-providers,
// pinned in package.json) pointed at Cognate: a guest, a user signed in with
// amazon-cognito-identity-js (SRP), and a developer-authenticated identity. The credentials
// are checked with STS GetCallerIdentity (@aws-sdk/client-sts pointed at the same server),
// which names the role they carry.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import cognito from 'amazon-cognito-identity-js';
import { fromCognitoIdentity, fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { CognateServer, PASSWORD, TestStorage, authenticate, jwtPayload, unique } from '../lib/cognate.js';

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognito;

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const SESSION = 'CognitoIdentityCredentials';
const ID_RE = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COGNITO_IDENTITY = 'cognito-identity.amazonaws.com';

let srv;

before(async () => {
  // No admin keys: admin calls (cognito-idp, cognito-identity, IAM) are open on loopback.
  srv = await CognateServer.start();
});

after(async () => {
  await srv?.stop();
});

/** An awsJson 1.1 call to the cognito-identity API; rejects with {code, message}. */
async function identityCall(operation, body) {
  const resp = await fetch(srv.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await resp.text();
  const json = text ? JSON.parse(text) : {};
  if (resp.status !== 200) {
    const err = new Error(`${operation}: ${resp.status} ${json.__type} ${json.message ?? text}`);
    err.code = json.__type;
    throw err;
  }
  return json;
}

/** An awsQuery IAM call; resolves to the XML answer. */
async function iamCall(action, params) {
  const resp = await fetch(srv.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }).toString(),
  });
  const text = await resp.text();
  if (resp.status !== 200) throw new Error(`${action}: ${resp.status} ${text}`);
  return text;
}

function xmlValue(xml, tag) {
  const m = xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`));
  assert.ok(m, `no <${tag}> in ${xml}`);
  return m[1];
}

async function createRole(identityPoolId, amr) {
  const name = unique(amr === 'authenticated' ? 'NodeAuth' : 'NodeGuest');
  const trust = {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: COGNITO_IDENTITY },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${COGNITO_IDENTITY}:aud`]: identityPoolId },
        'ForAnyValue:StringLike': { [`${COGNITO_IDENTITY}:amr`]: amr },
      },
    }],
  };
  const xml = await iamCall('CreateRole', { RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) });
  const arn = xmlValue(xml, 'Arn');
  assert.equal(arn, `arn:aws:iam::${ACCOUNT}:role/${name}`);
  return { name, arn };
}

/** A user pool + SRP client, an identity pool trusting it, and its two roles. */
async function setUp({ guests = true } = {}) {
  const poolId = await srv.createPool();
  const clientId = await srv.createClient(poolId, {
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  const providerName = `cognito-idp.${REGION}.amazonaws.com/${poolId}`;
  const devProvider = `login.${unique('dev')}.test`;
  const { IdentityPoolId: identityPoolId } = await identityCall('CreateIdentityPool', {
    IdentityPoolName: unique('node'),
    AllowUnauthenticatedIdentities: guests,
    DeveloperProviderName: devProvider,
    CognitoIdentityProviders: [{ ProviderName: providerName, ClientId: clientId, ServerSideTokenCheck: false }],
  });
  assert.match(identityPoolId, ID_RE);
  const auth = await createRole(identityPoolId, 'authenticated');
  const guest = await createRole(identityPoolId, 'unauthenticated');
  await identityCall('SetIdentityPoolRoles', {
    IdentityPoolId: identityPoolId,
    Roles: { authenticated: auth.arn, unauthenticated: guest.arn },
  });
  return { poolId, clientId, providerName, devProvider, identityPoolId, auth, guest };
}

/** A confirmed user signed in with amazon-cognito-identity-js (SRP); resolves to the ID token. */
async function signIn(app) {
  const username = unique('ada');
  await srv.call('AdminCreateUser', {
    UserPoolId: app.poolId, Username: username, MessageAction: 'SUPPRESS', TemporaryPassword: 'TempPassw0rd!',
  });
  await srv.call('AdminSetUserPassword', {
    UserPoolId: app.poolId, Username: username, Password: PASSWORD, Permanent: true,
  });
  const storage = new TestStorage();
  const pool = new CognitoUserPool({ UserPoolId: app.poolId, ClientId: app.clientId, endpoint: srv.url, Storage: storage });
  const user = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  const auth = await authenticate(user, new AuthenticationDetails({ Username: username, Password: PASSWORD }));
  assert.equal(auth.kind, 'success');
  return auth.session.getIdToken().getJwtToken();
}

const clientConfig = () => ({ endpoint: srv.url, region: REGION });

/** GetCallerIdentity through @aws-sdk/client-sts, signed with `credentials` (a provider or values). */
async function callerIdentity(credentials) {
  const sts = new STSClient({ endpoint: srv.url, region: REGION, credentials });
  return sts.send(new GetCallerIdentityCommand({}));
}

function assertCredentials(creds) {
  assert.match(creds.identityId, ID_RE);
  assert.match(creds.accessKeyId, /^ASIA[A-Z0-9]{12,}$/);
  assert.ok(creds.secretAccessKey.length >= 20);
  assert.ok(creds.sessionToken.length >= 20);
  assert.ok(creds.expiration instanceof Date, `expiration ${creds.expiration}`);
  const left = creds.expiration.getTime() - Date.now();
  assert.ok(left > 55 * 60_000 && left <= 60 * 60_000 + 5_000, `credentials expire in ${left} ms`);
}

describe('fromCognitoIdentityPool / fromCognitoIdentity', () => {
  test('a guest gets the unauthenticated role', async () => {
    const app = await setUp();
    const provider = fromCognitoIdentityPool({ identityPoolId: app.identityPoolId, clientConfig: clientConfig() });
    const creds = await provider();
    assertCredentials(creds);

    const me = await callerIdentity(creds);
    assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/${app.guest.name}/${SESSION}`);
    assert.equal(me.Account, ACCOUNT);
    // Used as an SDK client's credential provider; the guest's identity id is cached.
    const again = await callerIdentity(provider);
    assert.equal(again.Arn, me.Arn);
    const second = await provider();
    assert.equal(second.identityId, creds.identityId);
    assert.notEqual(second.accessKeyId, creds.accessKeyId);
  });

  test('a pool without guest access refuses the guest', async () => {
    const app = await setUp({ guests: false });
    const provider = fromCognitoIdentityPool({ identityPoolId: app.identityPoolId, clientConfig: clientConfig() });
    await assert.rejects(provider(), (err) => {
      assert.equal(err.name, 'NotAuthorizedException');
      assert.equal(err.message, 'Unauthenticated access is not supported for this identity pool.');
      return true;
    });
    const listed = await identityCall('ListIdentities', { IdentityPoolId: app.identityPoolId, MaxResults: 10 });
    assert.deepEqual(listed.Identities, []);
  });

  test('a user signed in with amazon-cognito-identity-js gets the authenticated role', async () => {
    const app = await setUp();
    const idToken = await signIn(app);
    const provider = fromCognitoIdentityPool({
      identityPoolId: app.identityPoolId,
      logins: { [app.providerName]: idToken },
      clientConfig: clientConfig(),
    });
    const creds = await provider();
    assertCredentials(creds);
    const me = await callerIdentity(creds);
    assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/${app.auth.name}/${SESSION}`);

    // The same login, under the key Amplify builds from the token's issuer, is the same identity.
    const issuerKey = jwtPayload(idToken).iss.replace(/^https?:\/\//, '');
    const amplifyStyle = await fromCognitoIdentityPool({
      identityPoolId: app.identityPoolId,
      logins: { [issuerKey]: idToken },
      clientConfig: clientConfig(),
    })();
    assert.equal(amplifyStyle.identityId, creds.identityId);

    // A forged token is refused.
    const [h, p, s] = idToken.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...jwtPayload(idToken), sub: 'someone-else' })).toString('base64url');
    await assert.rejects(
      fromCognitoIdentityPool({
        identityPoolId: app.identityPoolId,
        logins: { [app.providerName]: `${h}.${forgedPayload}.${s}` },
        clientConfig: clientConfig(),
      })(),
      (err) => err.name === 'NotAuthorizedException',
    );
  });

  test('a developer-authenticated identity gets the authenticated role', async () => {
    const app = await setUp();
    const dev = await identityCall('GetOpenIdTokenForDeveloperIdentity', {
      IdentityPoolId: app.identityPoolId,
      Logins: { [app.devProvider]: unique('dev-user') },
    });
    assert.match(dev.IdentityId, ID_RE);
    const provider = fromCognitoIdentity({
      identityId: dev.IdentityId,
      logins: { [COGNITO_IDENTITY]: dev.Token },
      clientConfig: clientConfig(),
    });
    const creds = await provider();
    assertCredentials(creds);
    assert.equal(creds.identityId, dev.IdentityId);
    const me = await callerIdentity(provider);
    assert.equal(me.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/${app.auth.name}/${SESSION}`);

    // Without the token the identity is not a guest's to take.
    await assert.rejects(
      fromCognitoIdentity({ identityId: dev.IdentityId, clientConfig: clientConfig() })(),
      (err) => {
        assert.equal(err.name, 'NotAuthorizedException');
        assert.equal(err.message, `Access to Identity '${dev.IdentityId}' is forbidden.`);
        return true;
      },
    );
  });
});
