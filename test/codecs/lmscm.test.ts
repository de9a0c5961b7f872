import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { designLpc } from '../../src/codecs/entropy/lmscm.js';
import { roundClamped } from '../../src/codecs/entropy/_cm-model.js';
import { LmscmModel } from '../../src/codecs/entropy/_lmscm-model.js';
import { BinaryEncoder } from '../../src/codecs/entropy/_binary-coder.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { conformance } from '../kit/conformance.js';
import { rng } from '../kit/signals.js';

// short real excerpts here (full ones take ~17 s); the bench round-trips every n1 and ephys file
conformance('remap+lmscm', { dtypes: ['int16'], realValues: 6000 });
conformance('lmscm:order=8', { dtypes: ['uint16', 'int32'], real: false });

test('lmscm model: a biased bit source is coded within 2% of its entropy', () => {
  const r = rng(7);
  const m = new LmscmModel([4, 4], 2, 2, 255, 8e-9);
  const enc = new BinaryEncoder();
  const n = 20000;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const ctx = i & 1; // context 0: P(1) = 0.1, context 1: P(1) = 0.7
    const p1 = ctx ? 0.7 : 0.1;
    const bit = r() < p1 ? 1 : 0;
    h -= Math.log2(bit ? p1 : 1 - p1);
    m.slot[0] = m.base[0]! + ctx;
    m.slot[1] = m.base[1]! + 2;
    enc.encode(bit, m.p(ctx, ctx));
    m.update(bit);
  }
  const bits = enc.finish().byteLength * 8;
  assert.ok(bits < h * 1.02, `${bits} bits vs entropy ${h.toFixed(0)}`);
});

test('lmscm mixer rounding: roundClamped is Math.round clamped to [-2048, 2047], halves and their neighbours included', () => {
  const ref = (x: number) => Math.max(-2048, Math.min(2047, Math.round(x))) | 0;
  const f = new Float64Array(1);
  const u = new BigInt64Array(f.buffer);
  const step = (x: number, d: number) => {
    // the neighbouring double (d = +1 away from zero, -1 toward it)
    f[0] = x;
    u[0] = u[0]! + BigInt(d);
    return f[0]!;
  };
  const xs: number[] = [0, -0, 0.49999999999999994, -0.49999999999999994, 0.5, -0.5, Infinity, -Infinity, NaN, 1e-300, -1e-300, 2047.5, -2048.5, 1e300, -1e300];
  for (let k = -2050; k <= 2050; k++) {
    for (const h of [k, k + 0.5]) {
      xs.push(h);
      if (h !== 0) for (const d of [-2, -1, 1, 2]) xs.push(step(h, d));
    }
  }
  const r = rng(5);
  for (let i = 0; i < 100000; i++) xs.push((r() - 0.5) * 6000, (r() - 0.5) * 4);
  for (const x of xs) assert.equal(roundClamped(x), ref(x), `x = ${x}`);
});

test('lmscm predictor: designLpc recovers an AR(2) process', () => {
  const r = rng(3);
  const n = 20000;
  const x = new Float64Array(n);
  for (let i = 2; i < n; i++) x[i] = 1.6 * x[i - 1]! - 0.8 * x[i - 2]! + (r() - 0.5) * 100;
  const f = designLpc(x, n, 8);
  const a1 = f.q[0]! / 2 ** f.shift;
  const a2 = (f.order > 1 ? f.q[1]! : 0) / 2 ** f.shift;
  assert.ok(Math.abs(a1 - 1.6) < 0.05 && Math.abs(a2 + 0.8) < 0.05, `a1 ${a1}, a2 ${a2}, order ${f.order}`);
});

test('lmscm learns uneven code widths (ADC non-linearity) that cm on residuals cannot see', async () => {
  const r = rng(11);
  const n = 30000;
  const x = new Int16Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    v = 0.9 * v + (r() - 0.5) * 12;
    let c = Math.round(v);
    if ((c & 3) === 3 && r() < 0.9) c += r() < 0.5 ? 1 : -1; // codes 3 mod 4 are narrow
    x[i] = c;
  }
  const spec = { dtype: 'int16' as const, shape: [n, 1] };
  const fused = (await Pipeline.fromString('lmscm')).encode(x, spec).byteLength;
  const plain = (await Pipeline.fromString('lpc:order=32+cm:limit=255,rate=8')).encode(x, spec).byteLength;
  assert.ok(fused < plain * 0.98, `lmscm ${fused} bytes vs lpc+cm ${plain}`);
});
