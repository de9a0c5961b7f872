import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CodecConfig } from '../../src/codecs/codec.js';
import { expNeg, sin2pi } from '../../src/learn/inr.js';
import { conformance } from '../kit/conformance.js';
import { blob, goldenDecodeHash, maxAbs, run as runOnce } from './_fitted.js';

// a model fit: no bound, but outputs are clamped to the input's max |value|; tiny net, few steps (speed)
// (power 0, the log transform, drops the sign: |error| <= 2 max; power 2 keeps it)
conformance('inr:width=4,depth=1,freqs=2,steps=4,batch=32', { dtypes: ['float32', 'float64'], tolerance: (s) => 2 * maxAbs(s) });
conformance('inr:width=4,depth=2,freqs=1,steps=4,batch=32,power=2', { dtypes: ['float32', 'float64'], tolerance: (s) => 2 * maxAbs(s) });

/** run, checking that a second encode gives the same bytes. */
async function run(cfg: CodecConfig, x: Float32Array, shape: number[]) {
  const r = await runOnce(cfg, x, shape);
  assert.deepEqual(r.c.encode(x, r.spec), r.enc, 'inr: same input, same bytes');
  return r;
}

test('inr: sin2pi matches Math.sin', () => {
  let worst = 0;
  for (let k = -2000; k <= 2000; k++) {
    const t = k * 0.01237 + 0.003;
    worst = Math.max(worst, Math.abs(sin2pi(t) - Math.sin(2 * Math.PI * t)));
  }
  assert.ok(worst < 1e-13, `sin2pi error ${worst}`);
  assert.equal(sin2pi(0), 0);
  assert.equal(sin2pi(Number.NaN), 0);
});

test('inr: expNeg matches Math.exp', () => {
  let worst = 0;
  for (let k = 0; k <= 4000; k++) {
    const y = -k * 0.01731;
    worst = Math.max(worst, Math.abs(expNeg(y) - Math.exp(y)) / Math.exp(y));
  }
  assert.ok(worst < 1e-14, `expNeg relative error ${worst}`);
  assert.equal(expNeg(0), 1);
  assert.equal(expNeg(-1e6), 0);
  assert.equal(expNeg(Number.NaN), 0);
});

test('inr: fits a Maxwellian blob, halo exactly zero, training buys accuracy', async () => {
  const n = 14;
  const x = blob(n);
  const shape = [n, n, n];
  // one step at a tiny rate: the quadratic (log-Maxwellian) baseline alone, which misses the second beam
  const cfg = { id: 'inr', width: 12, depth: 2, freqs: 6, batch: 128, power: 0 };
  const short = await run({ ...cfg, steps: 1, lr: 1e-6 }, x, shape);
  const long = await run({ ...cfg, steps: 3000 }, x, shape);
  assert.ok(long.e < 0.5 * short.e, `training buys accuracy: ${short.e} vs ${long.e}`);
  assert.ok(long.e < 1, `3000 steps: max error ${long.e} of peak 5.6`);
  // outside the bounding box of the non-zero input values the output is exactly zero
  const lo = [n, n, n];
  const hi = [-1, -1, -1];
  let i = 0;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++, i++) {
    if (x[i] === 0) continue;
    [z, y, xx].forEach((c, k) => ((lo[k] = Math.min(lo[k]!, c)), (hi[k] = Math.max(hi[k]!, c))));
  }
  assert.ok(lo[2]! > 0, 'the test blob has a halo');
  let outside = 0;
  i = 0;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let xx = 0; xx < n; xx++, i++) {
    if ([z, y, xx].some((c, k) => c < lo[k]! || c > hi[k]!)) {
      outside++;
      assert.equal(long.y[i], 0, `halo at ${i}`);
    }
  }
  assert.ok(outside > 0);
  // more weights, more bytes
  const wide = await run({ ...cfg, width: 24, steps: 20 }, x, shape);
  assert.ok(wide.bytes > short.bytes);
});

test('inr: all-zero volume is 5 bytes, decoded zero', async () => {
  const x = new Float32Array(27);
  const r = await run({ id: 'inr', steps: 3 }, x, [3, 3, 3]);
  assert.equal(r.bytes, 5);
  assert.ok(r.y.every((v) => v === 0));
});

test('inr: decoding is bit-identical (a committed stream decodes to the same float32 bytes forever)', async () => {
  // the decoder uses IEEE double +, -, *, / and floor only (own sin and exp), so this hash must not
  // change with the machine or the JS engine; the stream is the conformance golden (log transform,
  // two Fourier frequencies: exercises sin2pi and expNeg)
  assert.equal(await goldenDecodeHash('inr_width=4,depth=1,freqs=2,steps=4,batch=32.float32.777x3.sines.json'), '6cb115ecc7f4a9c878f6214f53681b445d294814072f8171f8204476e05c9125');
});
