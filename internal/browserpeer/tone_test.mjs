// Unit tests of tone.mjs, run by TestToneJS (node --test tone_test.mjs).
import assert from 'node:assert/strict';
import test from 'node:test';
import { medianPower, tonePower } from './tone.mjs';

const rate = 48000;

function sine(freq, n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

function concat(...parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const cases = [
  { name: 'pure 440 at 440', x: sine(440, 8192), freq: 440, min: 0.99, max: 1 },
  { name: 'pure 440 at 1000', x: sine(440, 8192), freq: 1000, min: 0, max: 0.01 },
  { name: 'pure 1000 at 440', x: sine(1000, 8192), freq: 440, min: 0, max: 0.01 },
  { name: 'two tones share the power', x: sine(440, 8192).map((v, i) => v + sine(1000, 8192)[i]), freq: 440, min: 0.45, max: 0.55 },
  { name: 'half silence halves it', x: concat(sine(440, 4096), new Float32Array(4096)), freq: 440, min: 0.45, max: 0.55 },
  { name: 'silence', x: new Float32Array(4096), freq: 440, min: 0, max: 0 },
  { name: 'empty', x: new Float32Array(0), freq: 440, min: 0, max: 0 },
];

for (const c of cases) {
  test(`tonePower: ${c.name}`, () => {
    const p = tonePower(c.x, rate, c.freq);
    assert.ok(p >= c.min && p <= c.max, `power ${p} not in [${c.min}, ${c.max}]`);
  });
}

test('medianPower survives one phase splice that tonePower does not', () => {
  // 440 Hz restarted at phase 0 after 82.5 periods: its phase flips in the
  // middle, as at a glitch.
  const x = concat(sine(440, 9000), sine(440, 9000));
  assert.ok(tonePower(x, rate, 440) < 0.5, `tonePower ${tonePower(x, rate, 440)}`);
  assert.ok(medianPower(x, rate, 440, 3) > 0.9, `medianPower ${medianPower(x, rate, 440, 3)}`);
  assert.ok(medianPower(x, rate, 1000, 3) < 0.01);
});

test('random noise has little power at any one frequency', () => {
  let seed = 1;
  const x = new Float32Array(16384).map(() => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  });
  for (const f of [440, 1000, 2000]) {
    assert.ok(tonePower(x, rate, f) < 0.01, `noise at ${f}: ${tonePower(x, rate, f)}`);
  }
});
