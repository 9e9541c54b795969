// CreateAuthChallenge: a 6-digit code for the user's email.
//
// The first challenge of a sign-in gets a fresh code; retries after a wrong
// answer reuse it (it travels in challengeMetadata, inside the sealed session).
// The expected answer goes to privateChallengeParameters (seen only by
// VerifyAuthChallengeResponse); the client sees the masked address.
//
// A deployed function would email the code here (SES, SMTP, ...). This example
// writes it to $OTP_DIR/<userName>.code when OTP_DIR is set, so tests and local
// development can read it.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

function maskEmail(email) {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function previousCode(session) {
  for (let i = session.length - 1; i >= 0; i--) {
    const m = /^CODE-(\d{6})$/.exec(session[i].challengeMetadata || '');
    if (m) return m[1];
  }
  return null;
}

async function deliver(event, email, code) {
  if (process.env.OTP_DIR) {
    const safeName = String(event.userName).replace(/[^A-Za-z0-9._@+-]/g, '_');
    fs.writeFileSync(path.join(process.env.OTP_DIR, `${safeName}.code`), code + '\n');
  } else {
    // Never log the code itself.
    console.log(`would email a sign-in code to ${maskEmail(email)}`);
  }
}

exports.handler = async (event) => {
  const email = event.request.userAttributes.email;
  if (!email) throw new Error('This account has no email address.');

  const session = event.request.session || [];
  let code = previousCode(session);
  if (!code) {
    code = String(crypto.randomInt(0, 1000000)).padStart(6, '0');
    await deliver(event, email, code);
  }

  event.response = event.response || {};
  event.response.publicChallengeParameters = { email: maskEmail(email) };
  event.response.privateChallengeParameters = { answer: code };
  event.response.challengeMetadata = `CODE-${code}`;
  return event;
};
