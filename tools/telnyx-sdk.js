#!/usr/bin/env node
// Independent reference for the Telnyx adapter's tests, built on Telnyx's
// official Node SDK (npm telnyx) and Node's own Ed25519.
//
//   node telnyx-sdk.js send   stdin {"baseURL","apiKey","group","params"}
//     sends params through client.messages.send (or sendGroupMms when
//     group is true) to baseURL and prints the answer as JSON.
//   node telnyx-sdk.js records stdin {"baseURL","apiKey","query"}
//     lists detail records through client.detailRecords.list(query) at
//     baseURL (the first page) and prints the records the SDK read.
//   node telnyx-sdk.js call   stdin {"baseURL","apiKey","method","args"}
//     calls one SDK method by its path ("phoneNumbers.delete") with args
//     at baseURL and prints the answer as JSON ({"error": status} when
//     the SDK throws an API error).
//   node telnyx-sdk.js sign   stdin {"fixtures":[{"timestamp","body"}]}
//     makes an Ed25519 key pair, signs "timestamp|body" of each fixture
//     with crypto.sign, checks each with the SDK's client.webhooks.unwrap,
//     and prints {"publicKey","results":[{"signature","sdk"}]}, sdk being
//     "ok" or the SDK's refusal.
'use strict';

const crypto = require('node:crypto');
const { Telnyx } = require('telnyx');

async function send({ baseURL, apiKey, group, params }) {
  const client = new Telnyx({ apiKey, baseURL, maxRetries: 0, timeout: 10000 });
  const res = group ? await client.messages.sendGroupMms(params) : await client.messages.send(params);
  return res;
}

async function records({ baseURL, apiKey, query }) {
  const client = new Telnyx({ apiKey, baseURL, maxRetries: 0, timeout: 10000 });
  const page = await client.detailRecords.list(query);
  return page.data;
}

async function call({ baseURL, apiKey, method, args }) {
  const client = new Telnyx({ apiKey, baseURL, maxRetries: 0, timeout: 10000 });
  const parts = method.split('.');
  const name = parts.pop();
  let target = client;
  for (const p of parts) target = target[p];
  if (!target || typeof target[name] !== 'function') throw new Error(`no SDK method ${method}`);
  try {
    const res = await target[name](...(args || []));
    return res === undefined ? null : res;
  } catch (err) {
    if (err && err.status) return { error: err.status };
    throw err;
  }
}

async function sign({ fixtures }) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const key = raw.toString('base64');
  const client = new Telnyx({ apiKey: 'unused', publicKey: key });
  const results = [];
  for (const { timestamp, body } of fixtures) {
    const signature = crypto.sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
    let sdk = 'ok';
    try {
      await client.webhooks.unwrap(body, {
        headers: { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': String(timestamp) },
      });
    } catch (err) {
      sdk = String(err && err.message);
    }
    results.push({ signature, sdk });
  }
  return { publicKey: key, results };
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const modes = { send, records, call, sign };
  const mode = modes[process.argv[2]];
  if (!mode) {
    process.stderr.write('usage: telnyx-sdk.js send|records|call|sign < input.json\n');
    process.exit(2);
  }
  try {
    process.stdout.write(JSON.stringify(await mode(JSON.parse(input))));
  } catch (err) {
    process.stderr.write(`telnyx-sdk.js: ${err && err.stack}\n`);
    process.exit(1);
  }
});
