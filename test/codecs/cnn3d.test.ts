import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { codecFromConfig } from '../../src/codecs/registry.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { conformance } from '../kit/conformance.js';
import { REPO_ROOT } from '../kit/paths.js';
import { blob, codec, goldenDecodeHash, maxAbs, run } from './_fitted.js';

// a model fit: no bound, but outputs are clamped to the input's max |value|; tiny net, few steps (speed)
// (power 0, the log transform, drops the sign: |error| <= 2 max; power 2 keeps it)
conformance('cnn3d:levels=2,channels=2,steps=3', { dtypes: ['float32', 'float64'], tolerance: (s) => 2 * maxAbs(s) });
conformance('cnn3d:levels=1,channels=1,k=1,steps=3,power=2', { dtypes: ['float32', 'float64'], tolerance: (s) => 2 * maxAbs(s) });

test('cnn3d: fits a Maxwellian blob, halo exactly zero, training buys accuracy, more channels more bytes', async () => {
  const n = 14;
  const x = blob(n);
  const shape = [n, n, n];
  const cfg = { id: 'cnn3d', levels: 2, channels: 2 };
  // one step at a tiny rate: the quadratic (log-Maxwellian) baseline alone, which misses the second beam
  const short = await run({ ...cfg, steps: 1, lr: 1e-6 }, x, shape);
  const long = await run({ ...cfg, steps: 1500, lr: 0.003 }, x, shape);
  assert.ok(long.e < 0.5 * short.e, `training buys accuracy: ${short.e} vs ${long.e}`);
  assert.ok(long.e < 1, `1500 steps: max error ${long.e} of peak 5.6`);
  let outside = 0;
  for (let i = 0; i < x.length; i++) {
    const z = Math.floor(i / (n * n));
    const xx = i % n;
    // the blob is zero for x <= 1 and x >= 12 on every row (cut below 5e-2): outside the box
    if (xx === 0 || xx === n - 1) {
      assert.equal(x[i], 0, `test blob has a halo (${z})`);
      assert.equal(long.y[i], 0, `halo at ${i}`);
      outside++;
    }
  }
  assert.ok(outside > 0);
  const wide = await run({ ...cfg, channels: 4, steps: 1, lr: 1e-6 }, x, shape);
  assert.ok(wide.bytes > short.bytes, `${wide.bytes} vs ${short.bytes}`);
});

test('cnn3d: deterministic (same seed, same bytes; another seed, other bytes), decoded shapes', async () => {
  const x = blob(9);
  const cfg = { id: 'cnn3d', levels: 2, channels: 2, steps: 40 };
  const a = await run(cfg, x, [9, 9, 9]);
  const b = await run(cfg, x, [9, 9, 9]);
  assert.deepEqual(a.enc, b.enc, 'same input and seed, same bytes');
  assert.deepEqual(a.y, b.y);
  const c = await run({ ...cfg, seed: 2 }, x, [9, 9, 9]);
  assert.notDeepEqual(c.enc, a.enc, 'the seed changes the initialisation');
  // non-cubic and degenerate shapes
  for (const shape of [[3, 9, 27], [1, 1, 729], [729]]) {
    const r = await run({ ...cfg, steps: 5, levels: 3 }, x, shape);
    assert.equal(r.y.length, 729);
  }
});

test('cnn3d: all-zero volume is 5 bytes, decoded zero', async () => {
  const r = await run({ id: 'cnn3d', steps: 3 }, new Float32Array(27), [3, 3, 3]);
  assert.equal(r.bytes, 5);
  assert.ok(r.y.every((v) => v === 0));
});

test('cnn3d: corrupt payloads raise clear typed errors', async () => {
  const x = blob(8);
  const spec = { dtype: 'float32' as const, shape: [8, 8, 8] };
  const c = await codec({ id: 'cnn3d', steps: 5 });
  const enc = c.encode(x, spec);
  const expect = (bytes: Uint8Array, re: RegExp) =>
    assert.throws(() => c.decode(bytes, spec), (e) => isNeurozipError(e, 'CorruptData') && re.test((e as Error).message));
  const bad = (at: number, v: number) => {
    const b = new Uint8Array(enc);
    b[at] = v;
    return b;
  };
  expect(bad(0, 9), /cnn3d: unknown stream format 9/);
  expect(bad(1, 7), /cnn3d: stream holds 7x8x8 values, expected 512/);
  expect(bad(4, 2), /cnn3d: bad flag 2/);
  // the architecture bytes follow: header 5, box 6 varints, power 1, s, thr, yscale, 7 coefficients
  const arch = 5 + 6 + 1 + 4 * 10;
  assert.deepEqual(Array.from(enc.subarray(arch, arch + 3)), [2, 2, 3], 'levels, channels, k where the spec puts them');
  expect(bad(arch, 0), /cnn3d: bad architecture/);
  expect(bad(arch + 2, 4), /cnn3d: bad architecture/);
  expect(enc.subarray(0, enc.byteLength - 3), /cnn3d/);
  await assert.rejects(codecFromConfig({ id: 'cnn3d', k: 2 }), (e) => isNeurozipError(e, 'InvalidConfig'));
});

test('cnn3d: decoding is bit-identical (a committed stream decodes to the same float32 bytes forever)', async () => {
  // the decoder uses IEEE double +, *, / and floor only, summed in the order docs/spec/codecs/cnn3d.md
  // gives (own exp), so this hash must not change with the machine or the JS engine
  assert.equal(await goldenDecodeHash('cnn3d_levels=2,channels=2,steps=3.float32.777x3.sines.json'), '8c71979da1c90c8f3052619614b6c38c5c169fccbd0e3f13e192a5131e6b7d55');
});

test('cnn3d: a committed trained stream (the net active, not only the baseline) decodes to the same bytes forever', async () => {
  const g = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'golden', 'cnn3d-blob12.json'), 'utf8'));
  const c = await codec(g.codec);
  const x = blob(12);
  const y = c.decode(new Uint8Array(Buffer.from(g.encoded, 'base64')), g.spec);
  const h = createHash('sha256').update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength)).digest('hex');
  assert.equal(h, '4cf911083f33b9485beffb8b7f061b97f65d77703adc4cf84401435a10812ad3');
  // the trained convolutions carry the fit: better than the baseline alone (a 1-step encode)
  const base = await run({ ...g.codec, steps: 1, lr: 1e-6 }, x, g.spec.shape);
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  assert.ok(e < 0.9 * base.e, `trained stream ${e} vs baseline ${base.e}`);
});
