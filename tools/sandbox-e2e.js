#!/usr/bin/env node
// Drives the sandbox page (carriers/sandbox/page.html) in headless Debian
// chromium, for internal/app's browser test. Usage:
//
//   node sandbox-e2e.js '{"url": "http://127.0.0.1:PORT/sandbox/?token=TOKEN", "steps": [...]}'
//
// The url carries the page's per-run token, as the gateway prints it; the
// page reads the token from its own HTML.
//
// Optional: "timeoutMs" bounds each waiting step (default 20000),
// "deadlineMs" the whole run (default 60000), "chromium" the browser binary,
// "fakeAudio" a WAV file chromium plays as its microphone.
// Steps run in order:
//
//   {"op": "fill",  "sel": S, "text": T}    replace the value of the field S
//   {"op": "click", "sel": S}
//   {"op": "block", "url": U}               fail requests to the URL glob U from now on
//   {"op": "value", "sel": S, "want": W}    wait until field S's value contains W
//   {"op": "text",  "sel": S, "want": W}    wait until an element S's text contains W
//   {"op": "visible", "sel": S, "want": "yes"|"no"}  wait until the first element S
//                                           is shown (or not: hidden, or absent)
//   {"op": "select", "sel": S, "text": V}   choose the option with value V of the <select> S
//   {"op": "file",  "sel": S, "text": P}    pick the file at path P in the file input S
//   {"op": "image", "sel": S}               wait until an <img> S has loaded a picture
//   {"op": "attr",  "sel": S, "text": A, "want": W}  wait until attribute A of an element S contains W
//   {"op": "screenshot", "text": P}         save a full-page PNG screenshot at path P
//   {"op": "crosssite", "url": U, "text": B}  another site, the page at U (another
//                                           origin), posts B to the page's api/send as
//                                           a "simple" request (text/plain, no token:
//                                           CSRF); the test checks nothing came of it
//
// "value" and "text" take "exact": true to wait for equality instead (so
// {"want": "", "exact": true} means empty) and "has": H to consider only
// elements whose text contains H. Only the first element matching S is
// filled or clicked.
//
// On success it prints {"ok": true, "steps": [{op, sel, got, ms}], "console":
// [...]} on stdout and exits 0. On failure, or on SIGTERM/SIGINT, it saves a
// screenshot and the page's HTML in a fresh temp dir, prints {"ok": false,
// "error", "step", "artifacts", ...} on stdout, and exits 1 (2 for bad
// arguments). Progress goes to stderr. The browser is closed on every path.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const started = Date.now();
const log = (msg) => process.stderr.write(`sandbox-e2e +${Date.now() - started}ms: ${msg}\n`);

let spec;
try {
  spec = JSON.parse(process.argv[2] || process.env.SANDBOX_E2E || '');
  if (typeof spec.url !== 'string' || !Array.isArray(spec.steps)) throw new Error('want {"url": string, "steps": [...]}');
  const u = new URL(spec.url);
  // The test's gateway is on loopback; refuse anything else outright.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`url ${spec.url} is not on loopback`);
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, error: `bad arguments: ${err.message}` }) + '\n');
  process.exit(2);
}
const stepTimeout = spec.timeoutMs || 20000;
const deadline = spec.deadlineMs || 60000;

const result = { ok: false, steps: [], console: [] };
let browser;
let page;
let finished = false;

// poll calls get until check accepts its value or stepTimeout passes; the
// error names the last value seen, which is usually what a failure needs.
async function poll(what, get, check) {
  const end = Date.now() + stepTimeout;
  let last;
  for (;;) {
    try {
      last = await get();
      if (check(last)) return last;
    } catch (err) {
      last = `(${err.message.split('\n')[0]})`;
    }
    if (Date.now() > end) throw new Error(`timed out after ${stepTimeout}ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

// candidates lists the elements matching a step's selector and "has" filter.
function candidates(step) {
  const loc = page.locator(step.sel);
  return step.has ? loc.filter({ hasText: step.has }) : loc;
}

const ops = {
  async fill(step) {
    await candidates(step).first().fill(step.text, { timeout: stepTimeout });
    return step.text;
  },
  // block makes requests to the URL pattern step.url fail as if the
  // gateway were unreachable.
  async block(step) {
    await page.route(step.url, (route) => route.abort('connectionrefused'));
    return '';
  },
  async click(step) {
    await candidates(step).first().click({ timeout: stepTimeout });
    return '';
  },
  // visible checks what a person sees, so a CSS rule that overrides the
  // hidden attribute counts as shown.
  async visible(step) {
    if (step.want !== 'yes' && step.want !== 'no') throw new Error('want must be "yes" or "no"');
    return poll(
      `${step.sel} to be ${step.want === 'yes' ? 'shown' : 'not shown'}`,
      async () => ((await candidates(step).first().isVisible()) ? 'yes' : 'no'),
      (v) => v === step.want,
    );
  },
  async select(step) {
    await candidates(step).first().selectOption(step.text, { timeout: stepTimeout });
    return step.text;
  },
  async file(step) {
    await candidates(step).first().setInputFiles(step.text, { timeout: stepTimeout });
    return step.text;
  },
  // image checks what a person sees: a picture decoded, not a broken icon.
  async image(step) {
    const w = await poll(
      `${step.sel} to show a picture`,
      async () => {
        const sizes = await candidates(step).evaluateAll((els) => els.map((e) => (e.complete ? e.naturalWidth : 0)));
        return sizes.length ? Math.max(...sizes) : '(no such element)';
      },
      (v) => typeof v === 'number' && v > 0,
    );
    return `${w} px wide`;
  },
  attr: (step) => waitFor(step, async (el) => (await el.getAttribute(step.text, { timeout: 1000 })) ?? '(no attribute)'),
  async screenshot(step) {
    await page.screenshot({ path: step.text, fullPage: true, timeout: stepTimeout });
    return step.text;
  },
  // crosssite plays another web site open in the same browser (the page
  // at step.url, which the test serves on another loopback origin), that
  // sends what a web page may send anywhere without asking: a no-cors
  // text/plain POST, which carries the browser's cookies but not the
  // page's token.
  async crosssite(step) {
    const other = await page.context().newPage();
    try {
      await other.goto(step.url, { timeout: stepTimeout });
      const target = new URL('api/send', spec.url).href;
      return await other.evaluate(async ([to, body]) => {
        try {
          const r = await fetch(to, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body });
          return `sent (${r.type} answer)`;
        } catch (err) {
          return `not sent: ${err.message}`;
        }
      }, [target, step.text]);
    } finally {
      await other.close();
    }
  },
  value: (step) => waitFor(step, (el) => el.inputValue({ timeout: 1000 })),
  text: (step) => waitFor(step, (el) => el.textContent({ timeout: 1000 })),
};

// waitFor waits until one of the step's elements has a matching value.
function waitFor(step, read) {
  const match = (v) => (step.exact ? v === step.want : v.includes(step.want));
  const what = `${step.sel}${step.has ? ` (having ${JSON.stringify(step.has)})` : ''} to ${step.op === 'value' ? 'have value' : 'show'} ${step.exact ? '' : 'containing '}${JSON.stringify(step.want)}`;
  return poll(
    what,
    async () => {
      const els = await candidates(step).all();
      if (els.length === 0) return '(no such element)';
      const vals = await Promise.all(els.map(read));
      return vals.find(match) ?? (vals.length === 1 ? vals[0] : vals);
    },
    (v) => typeof v === 'string' && match(v) && v !== '(no such element)',
  );
}

async function run() {
  const chromiumPath = spec.chromium || '/usr/bin/chromium';
  log(`launching ${chromiumPath}`);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: stepTimeout,
    // finish() handles signals: it takes the screenshot before closing.
    handleSIGTERM: false,
    handleSIGINT: false,
    // The machine has no outside network: keep chromium from trying.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'].concat(spec.fakeAudio ? [
      // A microphone that plays the given WAV, granted without asking,
      // and loopback candidates: the test's gateway is on 127.0.0.1.
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${spec.fakeAudio}`, '--allow-loopback-in-peer-connection',
      // Plain host candidates: no multicast DNS needed to reach the gateway.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required'] : []),
  });
  const context = await browser.newContext();
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const where = m.location().url;
    result.console.push(`${m.type()}: ${m.text()}${where ? ` (${where})` : ''}`);
  });
  // An uncaught exception or unhandled rejection in the page is a bug even
  // when the steps pass.
  const pageErrors = [];
  page.on('pageerror', (err) => {
    pageErrors.push(err.message);
    result.console.push(`pageerror: ${err.message}`);
  });

  log(`opening ${spec.url}`);
  const res = await page.goto(spec.url, { waitUntil: 'load', timeout: stepTimeout });
  if (!res || !res.ok()) throw new Error(`GET ${spec.url}: ${res ? res.status() : 'no response'}`);

  for (const [i, step] of spec.steps.entries()) {
    const op = ops[step.op];
    if (!op) throw Object.assign(new Error(`unknown op ${JSON.stringify(step.op)}`), { step: i });
    const target = step.sel ?? step.url ?? step.text;
    const t0 = Date.now();
    let got;
    try {
      got = await op(step);
    } catch (err) {
      throw Object.assign(new Error(`step ${i} ${step.op} ${target}: ${err.message}`), { step: i });
    }
    if (finished) return; // a signal or the deadline ended the run meanwhile
    result.steps.push({ op: step.op, sel: target, got, ms: Date.now() - t0 });
    log(`step ${i} ${step.op} ${target}: ok in ${Date.now() - t0}ms`);
    if (pageErrors.length) throw Object.assign(new Error(`page error: ${pageErrors.join('; ')}`), { step: i });
  }
}

// saveArtifacts keeps what the page looked like for a failure report.
async function saveArtifacts() {
  if (!page || page.isClosed()) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-e2e-'));
  try {
    await page.screenshot({ path: path.join(dir, 'page.png'), fullPage: true, timeout: 5000 });
    fs.writeFileSync(path.join(dir, 'page.html'), await page.content());
  } catch (err) {
    log(`saving artifacts: ${err.message}`);
  }
  return dir;
}

async function closeBrowser() {
  if (!browser) return;
  const b = browser;
  browser = undefined;
  // close() can hang on a wedged browser; playwright kills it on exit anyway.
  await Promise.race([b.close().catch(() => {}), new Promise((res) => setTimeout(res, 5000))]);
}

async function finish(err) {
  if (finished) return;
  finished = true;
  result.ok = !err;
  if (err) {
    result.error = err.message;
    if (err.step !== undefined) result.step = err.step;
    log(`FAILED: ${err.message}`);
    result.artifacts = await saveArtifacts().catch(() => undefined);
    if (result.artifacts) log(`screenshot and page HTML in ${result.artifacts}`);
  }
  await closeBrowser();
  result.ms = Date.now() - started;
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(result.ok ? 0 : 1));
}

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => finish(new Error(`killed by ${sig} (the test gave up)`)));
}
setTimeout(() => finish(new Error(`whole run exceeded ${deadline}ms`)), deadline).unref();
run().then(() => finish(), finish);
