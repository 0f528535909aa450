#!/usr/bin/env node
// Independent signer for tests: reads {"authToken","url","params"} as JSON on
// stdin and prints the X-Twilio-Signature the npm twilio package computes.
// A param given as an array is signed the way twilio-node signs repeated keys.
'use strict';

// The webhooks module is what require('twilio') re-exports; loading it alone
// skips the REST client and halves node's start-up time.
let getExpectedTwilioSignature;
try {
  ({ getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks'));
} catch {
  ({ getExpectedTwilioSignature } = require('twilio'));
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { authToken, url, params } = JSON.parse(input);
  process.stdout.write(getExpectedTwilioSignature(authToken, url, params || {}));
});
