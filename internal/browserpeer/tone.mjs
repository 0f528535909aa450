// Tone measurement for page.js, kept apart so tone_test.mjs can run it
// under plain node.

// tonePower is what a Goertzel filter computes: the power of freq in x
// relative to the total, 2|X(f)|²/(N·Σx²), 1 for a pure tone at freq and
// about 0 when it is absent.
export function tonePower(x, rate, freq) {
  const n = x.length;
  let energy = 0;
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * freq) / rate;
  for (let k = 0; k < n; k++) {
    energy += x[k] * x[k];
    re += x[k] * Math.cos(w * k);
    im += x[k] * Math.sin(w * k);
  }
  if (n === 0 || energy <= 0) return 0;
  return Math.min(1, (2 * (re * re + im * im)) / (n * energy));
}

// medianPower is tonePower over each of parts equal slices of x, median of
// them: one splice in the audio (a NetEq stretch, the fake microphone's
// file loop) then spoils one slice, not the whole measurement.
export function medianPower(x, rate, freq, parts) {
  const n = Math.floor(x.length / parts);
  const ps = [];
  for (let i = 0; i < parts; i++) ps.push(tonePower(x.subarray(i * n, (i + 1) * n), rate, freq));
  ps.sort((a, b) => a - b);
  const m = Math.floor(parts / 2);
  return parts % 2 ? ps[m] : (ps[m - 1] + ps[m]) / 2;
}
