#!/usr/bin/env node
// Runs a Lambda-style Node.js handler for Cognate's `command` trigger transport.
//
//   node runner.js ./handler.js [exportName=handler]
//
// Reads the trigger event (one JSON document) from stdin, calls
// `handler(event, context, callback)` and prints the returned event as one JSON
// line on stdout, exit status 0. A thrown error, a rejected promise or
// `callback(err)` prints {"errorMessage", "errorType"} on stdout instead and
// exits with status 1; Cognate reports the message the way Cognito-compatible
// clients expect ("PreSignUp failed with error <message>.").
//
// stdout is reserved for the result: console.log/info/warn/debug and direct
// process.stdout writes made by the handler go to stderr.
'use strict';

const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');
const crypto = require('crypto');

const writeResult = process.stdout.write.bind(process.stdout);
const toStderr = (...args) => process.stderr.write(util.format(...args) + '\n');
console.log = toStderr;
console.info = toStderr;
console.warn = toStderr;
console.debug = toStderr;
process.stdout.write = (chunk, encoding, cb) => process.stderr.write(chunk, encoding, cb);

const [modulePath, exportName = 'handler'] = process.argv.slice(2);
const startedAt = Date.now();
const budgetMs = Number(process.env.COGNATE_TRIGGER_TIMEOUT_MS) || 5000;

let settled = false;

function emit(payload, code) {
  let text;
  try {
    text = JSON.stringify(payload);
  } catch (e) {
    text = JSON.stringify({ errorMessage: `the result is not serialisable: ${e.message}`, errorType: 'Runtime.InvalidResult' });
    code = 1;
  }
  writeResult(text + '\n', () => process.exit(code));
}

function finish(err, result) {
  if (settled) return;
  settled = true;
  if (err !== null && err !== undefined) {
    const isError = err instanceof Error;
    if (isError && err.stack) process.stderr.write(err.stack + '\n');
    emit(
      {
        errorMessage: isError ? err.message : typeof err === 'string' ? err : util.inspect(err),
        errorType: isError ? err.name || 'Error' : typeof err === 'string' ? 'string' : 'Error',
      },
      1,
    );
  } else {
    // Like Lambda: `undefined` becomes null (Cognate then reports a malformed response).
    emit(result === undefined ? null : result, 0);
  }
}

function fail(message, type) {
  const err = new Error(message);
  err.name = type;
  finish(err);
}

process.on('uncaughtException', (err) => finish(err));
process.on('unhandledRejection', (reason) => finish(reason || new Error('Unhandled promise rejection')));

async function loadHandler() {
  if (!modulePath) {
    throw Object.assign(new Error('usage: node runner.js ./handler.js [exportName]'), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  const resolved = path.resolve(process.cwd(), modulePath);
  let mod;
  if (resolved.endsWith('.mjs')) {
    mod = await import(pathToFileURL(resolved).href);
  } else {
    try {
      mod = require(resolved);
    } catch (e) {
      if (e && e.code === 'ERR_REQUIRE_ESM') mod = await import(pathToFileURL(resolved).href);
      else throw e;
    }
  }
  const fn = mod && (mod[exportName] || (mod.default && mod.default[exportName]));
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${path.basename(modulePath)} does not export a function named ${exportName}`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return fn;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function makeContext(name) {
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || name,
    functionVersion: '$LATEST',
    invokedFunctionArn: '',
    memoryLimitInMB: '128',
    awsRequestId: crypto.randomUUID(),
    logGroupName: '',
    logStreamName: '',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, startedAt + budgetMs - Date.now()),
    // Pre-async-era helpers some older handlers still use.
    done: (err, result) => finish(err, result),
    succeed: (result) => finish(null, result),
    fail: (err) => finish(err || new Error('failed')),
  };
  return context;
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    // Details (with file-system paths) go to stderr; the message reaches API clients.
    if (e && e.stack) process.stderr.write(e.stack + '\n');
    if (e && typeof e.name === 'string' && e.name.startsWith('Runtime.')) {
      finish(e);
    } else {
      fail(`Cannot load ${path.basename(modulePath)}`, 'Runtime.ImportModuleError');
    }
    return;
  }
  let event;
  try {
    event = JSON.parse(await readStdin());
  } catch (e) {
    fail(`the event on stdin is not JSON: ${e.message}`, 'Runtime.InvalidEvent');
    return;
  }
  const callback = (err, result) => finish(err, result);
  let returned;
  try {
    returned = handler(event, makeContext(path.basename(modulePath, path.extname(modulePath))), callback);
  } catch (e) {
    finish(e);
    return;
  }
  if (returned && typeof returned.then === 'function') {
    returned.then(
      (result) => finish(null, result),
      (err) => finish(err || new Error('the handler rejected without a reason')),
    );
  } else if (handler.length < 3 && returned !== undefined) {
    // A synchronous handler without a callback parameter: take its return value.
    finish(null, returned);
  }
  // Otherwise wait for the callback (see beforeExit below).
}

process.on('beforeExit', () => {
  if (!settled) {
    process.stderr.write('runner: the handler finished without returning a result or calling the callback\n');
    finish(null, null);
  }
});

main();
