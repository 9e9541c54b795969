// PreSignUp: accept sign-ups only from one email domain, and confirm them
// right away (no confirmation code) with the email marked verified.
//
// ALLOWED_EMAIL_DOMAIN picks the domain (default: example.com).
'use strict';

const ALLOWED_DOMAIN = (process.env.ALLOWED_EMAIL_DOMAIN || 'example.com').toLowerCase();

exports.handler = async (event) => {
  const email = (event.request.userAttributes.email || '').trim().toLowerCase();
  const domain = email.slice(email.lastIndexOf('@') + 1);

  if (!email.includes('@') || domain !== ALLOWED_DOMAIN) {
    // Cognito-compatible clients see:
    // UserLambdaValidationException: PreSignUp failed with error Registration from this domain is not allowed..
    throw new Error('Registration from this domain is not allowed.');
  }

  console.log(`auto-confirming a sign-up from ${domain}`); // goes to stderr under runner.js

  event.response = event.response || {};
  event.response.autoConfirmUser = true;
  event.response.autoVerifyEmail = true;
  return event;
};
