#!/usr/bin/env node
// Usage: node patch-twilio-spec.js IN.json OUT.json
// Works around Prism issue 2473: without an explicit form/explode encoding,
// Prism rejects every MediaUrl on CreateMessage with 422 "must be array".
'use strict';
const fs = require('fs');

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath) {
  console.error('usage: patch-twilio-spec.js IN.json OUT.json');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(inPath, 'utf8'));
const path = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
const body = spec.paths?.[path]?.post?.requestBody?.content?.['application/x-www-form-urlencoded'];
if (!body || !body.schema?.properties?.MediaUrl) {
  console.error(`patch-twilio-spec: ${path} POST form body with MediaUrl not found`);
  process.exit(1);
}
body.encoding = { ...body.encoding, MediaUrl: { style: 'form', explode: true } };
fs.writeFileSync(outPath, JSON.stringify(spec, null, 1) + '\n');
console.error(`patch-twilio-spec: MediaUrl encoding form/explode set in ${outPath}`);
