// DefineAuthChallenge for passwordless sign-in with an emailed one-time code
// (AuthFlow CUSTOM_AUTH). Asks for CUSTOM_CHALLENGE until one answer is right
// (tokens) or three are wrong (sign-in fails).
'use strict';

const MAX_ATTEMPTS = 3;

exports.handler = async (event) => {
  const session = event.request.session || [];
  const answers = session.filter((s) => s.challengeName === 'CUSTOM_CHALLENGE');
  const last = session[session.length - 1];

  event.response = event.response || {};
  if (event.request.userNotFound) {
    event.response.issueTokens = false;
    event.response.failAuthentication = true;
  } else if (last && last.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult === true) {
    event.response.issueTokens = true;
    event.response.failAuthentication = false;
  } else if (answers.length >= MAX_ATTEMPTS) {
    event.response.issueTokens = false;
    event.response.failAuthentication = true;
  } else {
    event.response.challengeName = 'CUSTOM_CHALLENGE';
    event.response.issueTokens = false;
    event.response.failAuthentication = false;
  }
  return event;
};
