// UserMigration: move users over from a legacy system on first sign-in (or on
// "forgot password"), so nobody has to reset a password.
//
// The "legacy system" here is legacy-users.json next to this file (override
// with LEGACY_USERS_FILE): usernames, attributes and unsalted SHA-256 password
// hashes. That hash scheme is for the demo only; a real legacy store would be
// queried over its own API and use a proper password hash.
//
// Unknown users and wrong passwords both return an empty response, which a
// Cognito-compatible pool answers like any failed sign-in for an unknown user,
// so the function reveals nothing about which accounts exist.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const TABLE = process.env.LEGACY_USERS_FILE || path.join(__dirname, 'legacy-users.json');

function findUser(login) {
  const { users } = JSON.parse(fs.readFileSync(TABLE, 'utf8'));
  const key = String(login).trim().toLowerCase();
  return users.find((u) => u.username.toLowerCase() === key || (u.email || '').toLowerCase() === key);
}

function passwordMatches(user, password) {
  const expected = Buffer.from(user.passwordSha256, 'hex');
  const given = crypto.createHash('sha256').update(String(password), 'utf8').digest();
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

function attributesOf(user) {
  const attributes = { email: user.email, email_verified: 'true' };
  if (user.name) attributes.name = user.name;
  return attributes;
}

exports.handler = async (event) => {
  const user = findUser(event.userName);
  event.response = event.response || {};

  if (event.triggerSource === 'UserMigration_Authentication') {
    if (user && passwordMatches(user, event.request.password)) {
      event.response.userAttributes = attributesOf(user);
      event.response.finalUserStatus = 'CONFIRMED';
      event.response.messageAction = 'SUPPRESS';
    }
  } else if (event.triggerSource === 'UserMigration_ForgotPassword') {
    if (user) {
      // The user becomes RESET_REQUIRED and gets a reset code at the
      // (verified) email address.
      event.response.userAttributes = attributesOf(user);
      event.response.messageAction = 'SUPPRESS';
    }
  } else {
    throw new Error(`Unexpected trigger source ${event.triggerSource}`);
  }
  return event;
};
