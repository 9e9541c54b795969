// VerifyAuthChallengeResponse: is the answer the code CreateAuthChallenge made?
'use strict';

const crypto = require('crypto');

exports.handler = async (event) => {
  const expected = Buffer.from(String(event.request.privateChallengeParameters.answer || ''));
  const given = Buffer.from(String(event.request.challengeAnswer || '').trim());

  event.response = event.response || {};
  event.response.answerCorrect =
    expected.length > 0 && expected.length === given.length && crypto.timingSafeEqual(expected, given);
  return event;
};
