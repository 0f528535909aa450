#!/usr/bin/env node
// Runs page.js in headless Debian chromium as a Jingle peer: bundles it with
// esbuild, serves it on loopback, launches chromium with a fake microphone
// playing a sine, relays JSON commands (stdin) to the page and the page's
// JSON events to stdout. Options come as one JSON argument; see README.md.
// Needs NODE_PATH=tools/node_modules (playwright-core, esbuild, stanza, events).
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const readline = require('readline');

const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ ...fields, event })}\n`);
const log = (msg) => process.stderr.write(`driver ${new Date().toISOString()}: ${msg}\n`);

let opts;
try {
  opts = JSON.parse(process.argv[2] || '');
  for (const k of ['jid', 'password', 'websocket', 'dir']) {
    if (typeof opts[k] !== 'string' || !opts[k]) throw new Error(`missing "${k}"`);
  }
  const u = new URL(opts.websocket);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`websocket ${opts.websocket} is not on loopback`);
} catch (err) {
  emit('fatal', { error: `driver: bad arguments: ${err.message}` });
  process.exit(2);
}

let modules;
try {
  modules = { chromium: require('playwright-core').chromium, esbuild: require('esbuild') };
  require.resolve('stanza');
  require.resolve('events');
} catch (err) {
  emit('fatal', { missing: 'node_modules', error: `driver: ${err.message.split('\n')[0]}: run tools/install.sh` });
  process.exit(3);
}

// toneWAV is a sine at freq Hz, 48 kHz mono 16-bit PCM, for seconds.
// chromium loops the file; a whole number of periods per second keeps the
// loop seamless for integer frequencies.
function toneWAV(freq, seconds) {
  const rate = 48000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + 2 * n, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * freq * i) / rate)), 44 + 2 * i);
  return b;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>browserpeer</title><script src="/peer.js"></script>';

// serve answers the page and its bundle on 127.0.0.1 only.
function serve(bundle) {
  const server = http.createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (req.url === '/peer.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(bundle);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

let context;
let server;
let closing;

async function shutdown(code) {
  if (!closing) {
    closing = (async () => {
      try {
        if (context) await context.close();
      } catch (err) {
        log(`close browser: ${err.message}`);
      }
      if (server) server.close();
      process.exit(code);
    })();
  }
  return closing;
}

async function main() {
  const started = Date.now();
  const built = await modules.esbuild.build({
    entryPoints: [path.join(opts.dir, 'page.js')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
    nodePaths: (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean),
  });
  const bundle = built.outputFiles[0].contents;
  server = await serve(bundle);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const wav = path.join(opts.dir, 'tone.wav');
  fs.writeFileSync(wav, toneWAV(opts.tone || 440, 10));

  // A profile of our own in the test's directory: the Go side finds (and
  // if need be kills) this chromium by it.
  context = await modules.chromium.launchPersistentContext(path.join(opts.dir, 'profile'), {
    executablePath: opts.chromium || '/usr/bin/chromium',
    headless: true,
    timeout: 60000,
    handleSIGTERM: false,
    handleSIGINT: false,
    handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
      // aiortc offers only 127.0.0.1: chromium must gather on loopback too,
      // and must not hide host addresses behind mDNS names.
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
  emit('launched', { ms: Date.now() - started });
  context.on('close', () => {
    if (!closing) {
      emit('fatal', { error: 'chromium went away' });
      shutdown(1);
    }
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (err) => emit('error', { what: 'page exception', error: String(err && err.stack || err) }));
  await page.exposeBinding('bpEmit', (_src, ev) => {
    if (ev && typeof ev.event === 'string') process.stdout.write(`${JSON.stringify(ev)}\n`);
  });
  await page.goto(url);
  await page.evaluate((o) => window.bpStart(o), {
    jid: opts.jid,
    password: opts.password,
    websocket: opts.websocket,
    resource: opts.resource || 'browserpeer',
    tone: opts.tone || 440,
    detect: opts.detect && opts.detect.length ? opts.detect : [opts.tone || 440],
    autoAnswer: !!opts.autoAnswer,
    autoReject: opts.autoReject || '',
    noJMI: !!opts.noJMI,
  });

  // Commands run one after another, in the order they came.
  const rl = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    line = line.trim();
    if (!line) return;
    let cmd;
    try {
      cmd = JSON.parse(line);
      if (!cmd || typeof cmd !== 'object' || Array.isArray(cmd)) throw new Error('not an object');
    } catch (err) {
      emit('error', { what: 'bad command', error: err.message });
      return;
    }
    queue = queue.then(async () => {
      try {
        await page.evaluate((c) => window.bpCommand(c), cmd);
      } catch (err) {
        emit('error', { what: 'command failed', cmd: cmd.cmd, error: err.message.split('\n')[0] });
      }
      if (cmd.cmd === 'quit') await shutdown(0);
    });
  });
  // stdin closed: whoever drove us is gone.
  rl.on('close', () => {
    queue.then(() => shutdown(0));
  });
}

process.on('SIGTERM', () => shutdown(1));
process.on('SIGINT', () => shutdown(1));
main().catch((err) => {
  emit('fatal', { error: `driver: ${err.message.split('\n')[0]}` });
  shutdown(1);
});
