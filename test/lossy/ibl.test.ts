import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '../../src/codecs/builtin.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { symmetricEigen } from '../../src/codecs/lossy/svd.js';
import { conformance } from '../kit/conformance.js';
import { rng } from '../kit/signals.js';

conformance('decimate:factor=2+delta:order=1+rans', { dtypes: ['int16', 'int32'], tolerance: () => Infinity });
conformance('decimate:factor=3+bytes', { dtypes: ['float32', 'float64'], tolerance: () => Infinity, real: false });
conformance('bitdepth8:clip=500+rans', { dtypes: ['int16', 'uint16', 'float32'], tolerance: () => Infinity });
conformance('svd:rank=2+sz:abs=1+rans', { dtypes: ['int16', 'float64'], tolerance: () => Infinity });

/** int16, c channels of a few shared components (rank r) plus tiny noise, at fs = 30 kHz. */
function mixed(n: number, c: number, r: number, seed: number): Int16Array {
  const g = rng(seed);
  const w = Array.from({ length: r * c }, () => g() - 0.5);
  const a = new Int16Array(n * c);
  for (let i = 0; i < n; i++) {
    const comps = Array.from({ length: r }, (_, j) => 3000 * Math.sin((2 * Math.PI * (50 + 97 * j) * i) / 30000 + j));
    for (let ch = 0; ch < c; ch++) {
      let v = 0;
      for (let j = 0; j < r; j++) v += w[j * c + ch]! * comps[j]!;
      a[i * c + ch] = Math.round(v);
    }
  }
  return a;
}

describe('IBL filters', () => {
  test('decimate: length restored; a band-limited signal survives, content above the cutoff is removed', async () => {
    const n = 6000;
    const x = new Int16Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 30000) + 2000 * Math.sin((2 * Math.PI * 12000 * i) / 30000));
    const spec = { dtype: 'int16' as const, shape: [n, 1] };
    const p = await Pipeline.fromString('decimate:factor=2+rans');
    const y = p.decode(p.encode(x, spec), spec);
    assert.equal(y.length, n);
    let e = 0;
    for (let i = 200; i < n - 200; i++) e = Math.max(e, Math.abs(y[i]! - Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 30000))));
    // the 12 kHz tone (above 0.45 x 15 kHz) is gone, the 500 Hz tone kept within ~2 %
    assert.ok(e < 250, `max deviation from the low tone ${e}`);
  });

  test('bitdepth8: error <= clip/254 + 0.5 inside the clip range, saturation outside', async () => {
    const g = rng(5);
    const n = 5000;
    const x = new Int16Array(n * 2);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(1000 + 300 * (g() - 0.5) + (i % 2) * 50);
    const spec = { dtype: 'int16' as const, shape: [n, 2] };
    const p = await Pipeline.fromString('bitdepth8:clip=400+rans');
    const y = p.decode(p.encode(x, spec), spec);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i]! - x[i]!) <= 400 / 254 + 0.5 + 1e-9, `${i}: ${x[i]} -> ${y[i]}`);
    x[10] = 30000;
    const z = p.decode(p.encode(x, spec), spec);
    assert.ok(z[10]! < 2000, 'a sample beyond the clip range saturates');
    await assert.rejects(Pipeline.fromString('bitdepth8+rans'), (e) => isNeurozipError(e, 'InvalidConfig'));
  });

  test('svd: a rank-r recording is recovered at rank r; lower ranks lose energy; the basis is counted', async () => {
    const n = 3000;
    const c = 12;
    const x = mixed(n, c, 3, 9);
    const spec = { dtype: 'int16' as const, shape: [n, c] };
    const err = async (k: number) => {
      const p = await Pipeline.fromString(`svd:rank=${k}+bytes`);
      const enc = p.encode(x, spec);
      const y = p.decode(enc, spec);
      let e = 0;
      for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(y[i]! - x[i]!));
      return { e, bytes: enc.byteLength };
    };
    const r3 = await err(3);
    const r1 = await err(1);
    assert.ok(r3.e <= 2, `rank 3 max error ${r3.e}`);
    assert.ok(r1.e > 100, `rank 1 max error ${r1.e}`);
    assert.ok(r3.bytes >= n * 3 * 4 + c * 3 * 4 + c * 8, 'scores + basis + means are in the encoded bytes');
  });

  test('symmetricEigen diagonalizes', () => {
    const a = Float64Array.of(4, 1, 0, 1, 3, 1, 0, 1, 2);
    const { values, vectors } = symmetricEigen(a.slice(), 3);
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let k = 0; k < 3; k++) av += a[i * 3 + k]! * vectors[k * 3 + j]!;
        assert.ok(Math.abs(av - values[j]! * vectors[i * 3 + j]!) < 1e-9);
      }
    }
  });
});
