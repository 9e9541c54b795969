// Test helpers: one Cognate server process per test file, raw awsJson calls for the
// admin set-up, the outbox (where confirmation codes land without a mail transport),
// promise wrappers for amazon-cognito-identity-js's callback API, and a per-test storage.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..', '..');
// A relative COGNATE_BIN is taken from where `npm` was invoked (INIT_CWD), not from tests/node.
export const COGNATE_BIN = process.env.COGNATE_BIN
  ? path.resolve(process.env.INIT_CWD || process.cwd(), process.env.COGNATE_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'cognate');

const LISTEN_PREFIX = 'cognate listening on ';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export const PASSWORD = 'Passw0rd!';
export const NEW_PASSWORD = 'N3wPassw0rd!';

let counter = 0;
export function unique(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/**
 * A started `cognate serve` on 127.0.0.1:0 with a fresh SQLite data dir and no admin keys.
 * Options: `config` (TOML text, written to the server's temporary dir and passed as
 * `--config`) and `env` (extra environment variables for the server process).
 */
export class CognateServer {
  static async start({ config, env: extraEnv = {} } = {}) {
    if (!existsSync(COGNATE_BIN)) {
      throw new Error(`cognate binary not found at ${COGNATE_BIN}: run \`cargo build --bin cognate\` or set COGNATE_BIN`);
    }
    const srv = new CognateServer();
    srv.dir = mkdtempSync(path.join(tmpdir(), 'cognate-node-'));
    // No COGNATE_* from the caller's environment: in particular no admin keys, so
    // admin calls are open (allowed on loopback) and need no SigV4 signature.
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('COGNATE_'))),
      ...extraEnv,
    };
    const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', path.join(srv.dir, 'data')];
    if (config !== undefined) {
      const configPath = path.join(srv.dir, 'config.toml');
      writeFileSync(configPath, config);
      args.push('--config', configPath);
    }
    srv.stderr = '';
    srv.proc = spawn(COGNATE_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    srv.proc.stderr.setEncoding('utf8');
    srv.proc.stderr.on('data', (chunk) => {
      srv.stderr = (srv.stderr + chunk).slice(-20_000);
    });
    srv.url = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => {
        srv.proc.kill('SIGKILL');
        reject(new Error(`cognate did not print its listen line in ${START_TIMEOUT_MS} ms; stderr:\n${srv.stderr}`));
      }, START_TIMEOUT_MS);
      const onExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`cognate exited (${code}) before it was ready; stderr:\n${srv.stderr}`));
      };
      srv.proc.once('exit', onExit);
      srv.proc.stdout.setEncoding('utf8');
      const onData = (chunk) => {
        buf += chunk;
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        srv.proc.off('exit', onExit);
        srv.proc.stdout.off('data', onData);
        srv.proc.stdout.resume(); // keep draining
        const line = buf.slice(0, nl);
        if (!line.startsWith(LISTEN_PREFIX)) {
          reject(new Error(`unexpected first stdout line ${JSON.stringify(line)}`));
          return;
        }
        resolve(line.slice(LISTEN_PREFIX.length).trim());
      };
      srv.proc.stdout.on('data', onData);
    });
    return srv;
  }

  /** SIGTERM and require a clean exit; removes the data dir. */
  async stop() {
    const proc = this.proc;
    this.proc = null;
    try {
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const code = await new Promise((resolve) => {
          const timer = setTimeout(() => {
            proc.kill('SIGKILL');
            resolve('timeout');
          }, STOP_TIMEOUT_MS);
          proc.once('exit', (c, sig) => {
            clearTimeout(timer);
            resolve(c ?? sig);
          });
          proc.kill('SIGTERM');
        });
        if (code !== 0) throw new Error(`cognate stopped with ${code}; stderr:\n${this.stderr}`);
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** An unsigned awsJson 1.1 call; resolves to the parsed body, rejects with {code, message}. */
  async call(operation, body) {
    const resp = await fetch(this.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(body),
    });
    const text = await resp.text();
    const json = text ? JSON.parse(text) : {};
    if (resp.status !== 200) {
      const type = resp.headers.get('x-amzn-errortype') || json.__type || '';
      const err = new Error(`${operation}: ${resp.status} ${type} ${json.message ?? text}`);
      err.code = type.split(':')[0].split('#').pop();
      err.status = resp.status;
      err.body = json;
      throw err;
    }
    return json;
  }

  async createPool(params = {}) {
    const r = await this.call('CreateUserPool', { PoolName: unique('node'), ...params });
    return r.UserPool.Id;
  }

  async createClient(poolId, params = {}) {
    const r = await this.call('CreateUserPoolClient', { UserPoolId: poolId, ClientName: unique('web'), ...params });
    return r.UserPoolClient.ClientId;
  }

  /** `GET /_cognate/messages` for one user, newest first. */
  async messages(poolId, username) {
    const q = new URLSearchParams({ pool_id: poolId, username });
    const resp = await fetch(`${this.url}/_cognate/messages?${q}`);
    if (resp.status !== 200) throw new Error(`GET /_cognate/messages: ${resp.status} ${await resp.text()}`);
    return (await resp.json()).messages;
  }

  /** The single 6-digit code of the newest outbox message for a user. */
  async newestCode(poolId, username) {
    const [m] = await this.messages(poolId, username);
    if (!m) throw new Error(`no outbox message for ${username} in ${poolId}`);
    const codes = m.body.match(/(?<!\d)\d{6}(?!\d)/g) || [];
    if (codes.length !== 1) throw new Error(`expected one 6-digit code in ${JSON.stringify(m.body)}`);
    return codes[0];
  }
}

/**
 * A storage object per test, so no state leaks through the library's global MemoryStorage.
 * By default a missing key reads as `undefined`, like the library's own MemoryStorage (what
 * it uses under Node); `{ webStorage: true }` reads it as `null`, like a browser's
 * localStorage, which makes the library send `null` values in some requests.
 */
export class TestStorage {
  constructor({ webStorage = false } = {}) {
    this.items = new Map();
    this.missing = webStorage ? null : undefined;
  }
  setItem(k, v) {
    this.items.set(k, String(v));
    return this.items.get(k);
  }
  getItem(k) {
    return this.items.has(k) ? this.items.get(k) : this.missing;
  }
  removeItem(k) {
    return this.items.delete(k);
  }
  clear() {
    this.items.clear();
  }
}

/** Node-style callback API -> promise. */
export function promisify(fn) {
  return new Promise((resolve, reject) => {
    fn((err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * `user.authenticateUser(details, callbacks)` as a promise resolving to
 * `{kind: 'success', session}` or `{kind: 'newPasswordRequired', userAttributes, requiredAttributes}`
 * (any other callback rejects, naming itself).
 */
export function authenticate(user, details) {
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: (session) => resolve({ kind: 'success', session }),
      onFailure: (err) => reject(err),
      newPasswordRequired: (userAttributes, requiredAttributes) =>
        resolve({ kind: 'newPasswordRequired', userAttributes, requiredAttributes }),
      mfaRequired: () => reject(new Error('unexpected mfaRequired')),
      totpRequired: () => reject(new Error('unexpected totpRequired')),
      customChallenge: () => reject(new Error('unexpected customChallenge')),
      mfaSetup: () => reject(new Error('unexpected mfaSetup')),
      selectMFAType: () => reject(new Error('unexpected selectMFAType')),
    });
  });
}

/** JWT payload without verification (the Python suite verifies signatures through the JWKS). */
export function jwtPayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
