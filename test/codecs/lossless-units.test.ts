/** Unit tests of the lossless predictors and coders, each alone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { autocorrelation, levinson, quantize, residual } from '../../src/codecs/filter/lpc.js';
import { predict } from '../../src/codecs/filter/fixed.js';
import { riceParam } from '../../src/codecs/entropy/rice.js';
import { extraBits, tokenOf } from '../../src/codecs/entropy/rans.js';
import { qlog } from '../../src/codecs/entropy/cm.js';
import { BinaryDecoder, BinaryEncoder } from '../../src/codecs/entropy/_binary-coder.js';
import { normalize, SCALE } from '../../src/codecs/entropy/_freq-model.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { rng } from '../kit/signals.js';

function ar2(n: number, a1: number, a2: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  for (let i = 2; i < n; i++) x[i] = Math.round(a1 * x[i - 1]! + a2 * x[i - 2]! + (r() - 0.5) * 200);
  return x;
}

test('lpc: Levinson-Durbin recovers an AR(2) process and its residual is the innovation', () => {
  const n = 20000;
  const x = ar2(n, 1.6, -0.8, 7);
  const r = new Float64Array(3);
  autocorrelation(x, n, 2, r);
  const coefs = [new Float64Array(1), new Float64Array(2)];
  const err = new Float64Array(3);
  assert.equal(levinson(r, 2, coefs, err), 2);
  assert.ok(Math.abs(coefs[1]![0]! - 1.6) < 0.02 && Math.abs(coefs[1]![1]! + 0.8) < 0.02, `${coefs[1]}`);
  const f = quantize(coefs[1]!, 2, 14);
  const res = new Float64Array(n);
  residual(x, n, f, res);
  let e = 0;
  for (let i = 10; i < n; i++) e += res[i]! ** 2;
  const sd = Math.sqrt(e / (n - 10));
  assert.ok(sd > 50 && sd < 65, `residual sd ${sd} should be the innovation's (~57.7)`);
});

test('fixed: polynomial predictors are exact on polynomials of their order', () => {
  assert.equal(predict(1, 5, 0, 0), 5);
  assert.equal(predict(2, 7, 5, 0), 9); // line 3,5,7 -> 9
  assert.equal(predict(3, 9, 4, 1), 16); // squares 1,4,9 -> 16
});

test('remap: a non-integer grid maps onto consecutive codes, a missing code keeps its hole', async () => {
  const step = 64.3; // gaps of 64 and 65: no exact grid (gcd 1)
  const codes = [3, 4, 5, 7, 8, 5, 4, 3, 8, 7]; // code 6 never occurs
  const x = Int16Array.from({ length: 400 }, (_, i) => Math.round(codes[i % codes.length]! * step) - 300);
  const p = await Pipeline.fromString('remap');
  const stage = p.arrayStages[0]!;
  const { data, side } = stage.encodeWithSide!(x, { dtype: 'int16', shape: [400, 1] });
  for (let i = 0; i < 10; i++) assert.equal(data[i], codes[i]! - 3, `index of sample ${i}`);
  assert.equal(side[0], 2, 'table mode');
  const back = stage.decodeWithSide!(data, side, { dtype: 'int16', shape: [400, 1] });
  assert.deepEqual(back, x);
});

test('remap: an exact LSB grid uses the affine mode', async () => {
  const x = Int16Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) * 12 - 500);
  const stage = (await Pipeline.fromString('remap')).arrayStages[0]!;
  const { data, side } = stage.encodeWithSide!(x, { dtype: 'int16', shape: [300, 1] });
  assert.equal(side[0], 1, 'affine mode');
  assert.equal(Math.max(...data), 100);
});

test('rice: parameter rule and a geometric source coded near its entropy', async () => {
  assert.equal(riceParam(16, 1), 3);
  assert.equal(riceParam(2, 1), 0);
  assert.equal(riceParam(256 * 40, 256), 5);
  const r = rng(3);
  const n = 50000;
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const g = Math.floor(Math.log(1 - r()) / Math.log(0.9)); // geometric, mean 9
    x[i] = r() < 0.5 ? g : -g - 1;
  }
  const p = await Pipeline.fromString('rice');
  const bytes = p.encode(x, { dtype: 'int16', shape: [n, 1] });
  // entropy of a two-sided geometric with q = 0.9: 1 + H(geom) = 1 + (H_b(0.1) / 0.1) bits
  const h = 1 + (-(0.1 * Math.log2(0.1) + 0.9 * Math.log2(0.9)) / 0.1);
  const bps = (bytes.byteLength * 8) / n;
  assert.ok(bps < h * 1.04, `rice ${bps.toFixed(3)} bits/sample vs entropy ${h.toFixed(3)}`);
});

test('rans: token map covers 32-bit values; tables normalize to the scale', () => {
  for (const u of [0, 1, 15, 16, 17, 31, 32, 1000, 65535, 2 ** 31, 2 ** 32 - 1]) {
    const t = tokenOf(u);
    assert.ok(t < 72, `token of ${u}`);
    const e = extraBits(t);
    if (t >= 16) {
      const rebuilt = (2 | (t & 1)) * 2 ** e + (u % 2 ** e);
      assert.equal(rebuilt, u, `token ${t} + ${e} extra bits rebuild ${u}`);
    }
  }
  const f = normalize(Uint32Array.from([1, 0, 1000000, 3, 0, 7]))!;
  assert.equal(f.reduce((a, b) => a + b, 0), SCALE);
  assert.ok(f[0]! >= 1 && f[1] === 0 && f[3]! >= 1 && f[4] === 0);
});

test('binary coder: round trip at fixed probabilities, cost near the entropy', () => {
  const r = rng(11);
  const n = 40000;
  const bits = Uint8Array.from({ length: n }, () => (r() < 0.1 ? 1 : 0));
  const enc = new BinaryEncoder();
  for (const b of bits) enc.encode(b, 410); // P(1) = 410/4096 ~ 0.1
  const bytes = enc.finish();
  const dec = new BinaryDecoder(bytes, 'test');
  for (let i = 0; i < n; i++) assert.equal(dec.decode(410), bits[i], `bit ${i}`);
  dec.end();
  const h = -(0.1 * Math.log2(0.1) + 0.9 * Math.log2(0.9));
  assert.ok((bytes.byteLength * 8) / n < h * 1.03, `${(bytes.byteLength * 8) / n} bits/bit vs ${h}`);
});

test('cm: qlog buckets and a Laplacian source coded within 3% of its entropy', async () => {
  assert.deepEqual([0, 1, 2, 3, 4, 6, 8].map(qlog), [0, 1, 3, 4, 5, 6, 7]);
  const r = rng(5);
  const n = 60000;
  const x = new Int16Array(n);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.log(r() + 1e-12) * 6 * (r() < 0.5 ? 1 : -1));
    x[i] = v;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let h = 0;
  for (const c of counts.values()) h -= c * Math.log2(c / n);
  const p = await Pipeline.fromString('cm');
  const bytes = p.encode(x, { dtype: 'int16', shape: [n, 1] });
  assert.ok(bytes.byteLength * 8 < h * 1.03, `cm ${(bytes.byteLength * 8) / n} bits/sample vs static entropy ${h / n}`);
});

/** Interleaved AR(2) channels with occasional bursts, as int16 values (the fast paths' domain). */
function ar2Channels(n: number, c: number, seed: number, scale: number): Int16Array {
  const r = rng(seed);
  const out = new Int16Array(n * c);
  for (let ch = 0; ch < c; ch++) {
    let x1 = 0;
    let x2 = 0;
    for (let i = 0; i < n; i++) {
      const burst = i % 3000 < 40 ? 30 : 1;
      const v = Math.round(1.5 * x1 - 0.7 * x2 + (r() - 0.5) * scale * burst);
      const tones = 3 * scale * (Math.sin(0.3 * i + ch) + Math.sin(1.1 * i) + Math.sin(2.3 * i + 2 * ch) + Math.sin(2.9 * i));
      out[i * c + ch] = Math.max(-32768, Math.min(32767, v + Math.round(tones)));
      x2 = x1;
      x1 = v;
    }
  }
  return out;
}

test('rans: the int32 coder for <= 16-bit values writes the same stream as the 32-bit coder', async () => {
  const p = await Pipeline.fromString('rans');
  for (const [c, scale] of [[1, 40], [3, 400], [64, 4000]] as const) {
    const x16 = ar2Channels(3000, c, 11 + c, scale);
    const x32 = Int32Array.from(x16);
    const a = p.encode(x16, { dtype: 'int16', shape: [3000, c] });
    const b = p.encode(x32, { dtype: 'int32', shape: [3000, c] });
    assert.deepEqual(a, b, `${c} channels: same bytes from both coders`);
    assert.deepEqual(p.decode(a, { dtype: 'int32', shape: [3000, c] }), x32);
    assert.deepEqual(p.decode(b, { dtype: 'int16', shape: [3000, c] }), x16);
  }
});

test('lpc: the int32 residual and restore paths match the double-precision reference', async () => {
  for (const order of [2, 8, 20]) {
    const p = await Pipeline.fromString(`lpc:order=${order},precision=14`);
    for (const c of [1, 5]) {
      const n = 4000;
      const x16 = ar2Channels(n, c, 3 * order + c, 300); // |residuals| stay far from the int16 wrap
      const e16 = p.encode(x16, { dtype: 'int16', shape: [n, c] });
      // int32 values take the double-precision path (residual()): same side bytes and residuals
      const e32 = p.encode(Int32Array.from(x16), { dtype: 'int32', shape: [n, c] });
      const side16 = e16.subarray(0, e16.byteLength - 2 * n * c);
      const side32 = e32.subarray(0, e32.byteLength - 4 * n * c);
      let o = 0;
      while (side16[o]! & 0x80) o++; // skip the side length (varint): channel 0's order follows
      if (order > 8) assert.ok(side16[o + 1]! > 8, `order ${order}: channel 0 uses ${side16[o + 1]} taps (the any-order path)`);
      assert.deepEqual(side16, side32, `order ${order}, ${c} ch: same coefficients`);
      const res16 = new Int16Array(e16.slice(side16.byteLength).buffer);
      const res32 = new Int32Array(e32.slice(side32.byteLength).buffer);
      assert.deepEqual(res16, Int16Array.from(res32), `order ${order}, ${c} ch: same residuals`);
      assert.deepEqual(p.decode(e16, { dtype: 'int16', shape: [n, c] }), x16);
    }
  }
});

test('lpc: autocorrelation (nine lags per pass) equals one plain sum per lag', () => {
  for (const [n, maxLag] of [[5, 8], [100, 8], [5000, 32], [1001, 12]] as const) {
    const x = ar2(n, 1.2, -0.5, n);
    const got = new Float64Array(maxLag + 1);
    autocorrelation(x, n, maxLag, got);
    const edge = Math.max(1, Math.floor(n * 0.05));
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let g = 1;
      if (i < edge) g = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / edge);
      else if (i >= n - edge) g = 0.5 - 0.5 * Math.cos((Math.PI * (n - i - 0.5)) / edge);
      w[i] = x[i]! * g;
    }
    for (let lag = 0; lag <= maxLag; lag++) {
      let s = 0;
      for (let i = lag; i < n; i++) s += w[i]! * w[i - lag]!;
      assert.equal(got[lag], s, `n ${n}, lag ${lag}: bit-identical`);
    }
  }
});
