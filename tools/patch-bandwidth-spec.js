#!/usr/bin/env node
// Usage: node patch-bandwidth-spec.js IN.yml OUT.json
// Prepares Bandwidth's definition (npm bandwidth-sdk, package/bandwidth.yml)
// for Prism, changing no schema:
//  - Prism ignores the base path of path-level servers, so the messaging
//    paths (/users/{accountId}/..., served at https://messaging.bandwidth.com/api/v2)
//    are moved to /api/v2/users/..., where the real API has them.
//  - Callbacks are not requests Prism can validate, so two test-only paths
//    take them as request bodies: POST /callbacks/inbound and
//    POST /callbacks/status, each an array (Bandwidth posts arrays of
//    events) of the definition's own inboundCallback / statusCallback.
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath) {
  console.error('usage: patch-bandwidth-spec.js IN.yml OUT.json');
  process.exit(2);
}
const spec = yaml.load(fs.readFileSync(inPath, 'utf8'));
const schemas = spec.components?.schemas ?? {};
for (const name of ['inboundCallback', 'statusCallback', 'messageRequest']) {
  if (!schemas[name]) {
    console.error(`patch-bandwidth-spec: schema ${name} not found`);
    process.exit(1);
  }
}
const paths = {};
let moved = 0;
for (const [p, item] of Object.entries(spec.paths ?? {})) {
  if (p.startsWith('/users/')) {
    const { servers, ...rest } = item;
    paths['/api/v2' + p] = rest;
    moved++;
  } else {
    paths[p] = item;
  }
}
if (!paths['/api/v2/users/{accountId}/messages']?.post) {
  console.error('patch-bandwidth-spec: POST /users/{accountId}/messages not found');
  process.exit(1);
}
const callback = (schema) => ({
  post: {
    operationId: 'test-' + schema,
    security: [],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/' + schema } },
        },
      },
    },
    responses: { '204': { description: 'valid' } },
  },
});
paths['/callbacks/inbound'] = callback('inboundCallback');
paths['/callbacks/status'] = callback('statusCallback');
spec.paths = paths;
fs.writeFileSync(outPath, JSON.stringify(spec, null, 1) + '\n');
console.error(`patch-bandwidth-spec: ${moved} messaging paths moved under /api/v2, callback paths added, in ${outPath}`);
