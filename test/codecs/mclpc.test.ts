import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { ByteReader, ByteWriter } from '../../src/core/bytes.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { channelOrder, designMc, mcPredict, readMcModel, writeMcModel, xcorr, type McOptions } from '../../src/codecs/filter/_mc-predictor.js';
import { filterInt, run, RunScratch } from '../../src/codecs/filter/mclpc.js';
import { allocArray, type DType } from '../../src/core/dtype.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { conformance } from '../kit/conformance.js';
import { rng } from '../kit/signals.js';

const INTS = ['int16', 'int32', 'uint16', 'uint8', 'int8', 'uint32'] as const;
const OPTS: McOptions = { order: 32, refs: 4, taps: 3, window: 16, precision: 14, direction: 'forward' };

conformance('mclpc:order=16,refs=2,taps=2,window=4,precision=14', { dtypes: [...INTS] });
conformance('remap+mclpc+rans', { dtypes: ['int16'] });
conformance('mclpc:refs=3,taps=2,direction=reverse', { dtypes: ['int16', 'uint32'] });
conformance('remap+mclpc:order=8,refs=2,taps=2+cm:limit=255,rate=8', { dtypes: ['int16'], realValues: 6000 });

/** Channel 0: AR(1) noise; channel 1: 0.6 ch0[i] - 0.3 ch0[i-1] + its own small noise; channel 2 independent. */
function mixed(n: number, seed: number): Int16Array {
  const r = rng(seed);
  const x = new Int16Array(n * 3);
  let a = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    a = 0.5 * a + (r() - 0.5) * 800;
    x[i * 3] = Math.round(a);
    x[i * 3 + 1] = Math.round(0.6 * a - 0.3 * prev + (r() - 0.5) * 8);
    x[i * 3 + 2] = Math.round((r() - 0.5) * 400);
    prev = a;
  }
  return x;
}

test('mclpc design: finds the reference and its lag-0 / lag-1 weights, none for an independent channel', () => {
  const n = 20000;
  const m = designMc(mixed(n, 5), n, 3, OPTS);
  const f1 = m.channels[1]!;
  assert.deepEqual([...f1.refs], [0], 'channel 1 predicted from channel 0');
  const w0 = f1.q[f1.order]! / 2 ** f1.shift;
  const w1 = f1.q[f1.order + 1]! / 2 ** f1.shift;
  // x1 = 0.6 a[i] - 0.3 a[i-1] (+ own-past terms that absorb part of the lag-1 weight)
  assert.ok(Math.abs(w0 - 0.6) < 0.05, `lag-0 weight ${w0}`);
  assert.ok(w1 < 0, `lag-1 weight ${w1}`);
  assert.equal(m.channels[0]!.refs.length, 0, 'channel 0 has no earlier channel');
  assert.equal(m.channels[2]!.refs.length, 0, 'an independent channel keeps its own predictor only');
});

test('mclpc: the plain-function predictor (mcPredict) gives exactly the residuals the filter stores', async () => {
  const n = 3000;
  const x = mixed(n, 9);
  const spec = { dtype: 'int16' as const, shape: [n, 3] };
  const codec = (await Pipeline.fromString('mclpc')).stages[0]!;
  if (codec.kind !== 'array->array' || !codec.encodeWithSide) throw new Error('mclpc is a filter with side bytes');
  const { data, side } = codec.encodeWithSide(x, spec);
  const model = readMcModel(new ByteReader(side, 'test'), 3, OPTS, 'test');
  for (let i = 0; i < n; i++)
    for (let k = 0; k < 3; k++) {
      const want = (x[i * 3 + k]! - mcPredict(model.channels[k]!, model.taps, x, 3, k, i)) << 16 >> 16;
      assert.equal(data[i * 3 + k], want, `row ${i} channel ${k}`);
    }
});

test('mclpc: inter-channel prediction beats own-past lpc on correlated channels, never loses on independent ones', async () => {
  const n = 20000;
  const spec = { dtype: 'int16' as const, shape: [n, 3] };
  const x = mixed(n, 3);
  const mc = (await Pipeline.fromString('mclpc+rans')).encode(x, spec).byteLength;
  const own = (await Pipeline.fromString('lpc:order=32+rans')).encode(x, spec).byteLength;
  assert.ok(mc < own * 0.85, `mclpc ${mc} bytes vs lpc ${own}`);
  const r = rng(4);
  const ind = new Int16Array(n * 3).map(() => Math.round((r() - 0.5) * 300));
  const mcI = (await Pipeline.fromString('mclpc+rans')).encode(ind, spec).byteLength;
  const ownI = (await Pipeline.fromString('lpc:order=32+rans')).encode(ind, spec).byteLength;
  assert.ok(mcI <= ownI * 1.002, `independent: mclpc ${mcI} vs lpc ${ownI}`);
});

test('mclpc side bytes: a reference that is not an earlier channel is CorruptData', () => {
  const model = { taps: 2, reverse: false, order: Int32Array.of(0, 1), channels: [
    { order: 1, refs: new Int32Array(0), shift: 0, q: Int32Array.of(1) },
    { order: 1, refs: Int32Array.of(0), shift: 2, q: Int32Array.of(1, 2, 1) },
  ] };
  const w = new ByteWriter(32);
  writeMcModel(w, model);
  const ok = w.finish().slice();
  const back = readMcModel(new ByteReader(ok, 't'), 2, { ...OPTS, taps: 2 }, 't');
  assert.deepEqual([...back.channels[1]!.q], [1, 2, 1]);
  const bad = ok.slice();
  bad[8] = 5; // channel 1's reference distance (after the flags byte): 5 positions back, none there
  assert.throws(() => readMcModel(new ByteReader(bad, 't'), 2, { ...OPTS, taps: 2 }, 't'), (e) => isNeurozipError(e, 'CorruptData'));
  assert.throws(() => readMcModel(new ByteReader(ok, 't'), 2, { ...OPTS, taps: 2, refs: 0 }, 't'), (e) => isNeurozipError(e, 'CorruptData'));
});

test('mclpc design: the unrolled cross-correlation equals the plain sum at every lag and length', () => {
  const r = rng(12);
  for (const n of [0, 1, 2, 3, 4, 5, 7, 9, 33]) {
    const u = Float64Array.from({ length: n }, () => Math.round((r() - 0.5) * 100));
    const v = Float64Array.from({ length: n }, () => Math.round((r() - 0.5) * 100));
    for (const [lo, hi] of [[0, 0], [0, 7], [-5, 2], [-9, 9], [3, 11], [-12, -1]] as const) {
      const out = new Float64Array(hi - lo + 1);
      xcorr(u, v, n, lo, hi, out);
      for (let d = lo; d <= hi; d++) {
        let s = 0;
        for (let i = 0; i < n; i++) if (i - d >= 0 && i - d < n) s += u[i]! * v[i - d]!;
        assert.equal(out[d - lo], s, `n ${n} lag ${d}`);
      }
    }
  }
});

test('mclpc: the channel order is chosen per chunk (a channel that repeats a LATER one is predicted in reverse order)', async () => {
  const n = 20000;
  const r = rng(21);
  // channel 2 white; channel 0 = channel 2 one sample later (+ small noise); channel 1 independent.
  // Channel 0 is predictable only from channel 2's previous sample, i.e. when 2 is decoded first.
  const lagged = (late: number, early: number) => {
    const x = new Int16Array(n * 3);
    let a = 0;
    for (let i = 0; i < n; i++) {
      const prev = a;
      a = (r() - 0.5) * 2000;
      x[i * 3 + early] = Math.round(a);
      x[i * 3 + late] = Math.round(prev + (r() - 0.5) * 4);
      x[i * 3 + 1] = Math.round((r() - 0.5) * 300);
    }
    return x;
  };
  const rev = lagged(0, 2);
  const auto = designMc(rev, n, 3, { ...OPTS, direction: 'auto' });
  assert.equal(auto.reverse, true);
  assert.deepEqual([...auto.order], [2, 1, 0]);
  assert.deepEqual([...auto.channels[0]!.refs], [2]);
  assert.equal(designMc(lagged(2, 0), n, 3, { ...OPTS, direction: 'auto' }).reverse, false);
  const spec = { dtype: 'int16' as const, shape: [n, 3] };
  const size = async (text: string) => (await Pipeline.fromString(text)).encode(rev, spec).byteLength;
  const a = await size('mclpc+rans');
  const f = await size('mclpc:direction=forward+rans');
  assert.ok(a < f * 0.8, `auto ${a} bytes vs forward ${f}`);
});

test('mclpc: the int32 path (filterInt) gives exactly the general double path (run), encode and decode, any 8/16-bit dtype', () => {
  const r = rng(31);
  const n = 700;
  const c = 5;
  const cases: [DType, number, boolean][] = [['int16', 16, true], ['uint16', 16, false], ['int8', 8, true], ['uint8', 8, false]];
  for (const [dtype, bits, signed] of cases) {
    const lo = signed ? -(2 ** (bits - 1)) : 0;
    for (let trial = 0; trial < 12; trial++) {
      const taps = 1 + (trial % 4);
      const reverse = trial % 3 === 1;
      const order = channelOrder(c, reverse);
      // full-range values (the sums overflow int32: only the wrap argument makes filterInt exact)
      const x = allocArray(dtype, n * c);
      for (let i = 0; i < x.length; i++) x[i] = lo + Math.floor(r() * 2 ** bits);
      const channels = Array.from({ length: c }, (_, k) => {
        const pos = reverse ? c - 1 - k : k;
        const p = [0, 1, 3, 8, 13, 32, 9][(trial + k) % 7]!;
        const K = Math.min(pos, (trial + 2 * k) % 4);
        const refs = Int32Array.from({ length: K }, (_, j) => order[pos - 1 - j]!);
        const q = Int32Array.from({ length: p + K * taps }, () => Math.round((r() - 0.5) * 2 ** 14) * (r() < 0.1 ? 0 : 1));
        return { order: p, refs, shift: (trial * 3 + k) % 17, q };
      });
      const model = { taps, reverse, order, channels };
      const want = allocArray(dtype, n * c);
      const got = allocArray(dtype, n * c);
      const sc = new RunScratch();
      for (let k = 0; k < c; k++) run(channels[k]!, taps, x, want, n, c, k, 1, sc.f64(5, n));
      filterInt(model, x, got, n, c, 1, sc, bits, signed, trial % 2 ? sc.transposed(x, n, c) : undefined);
      assert.deepEqual(got, want, `${dtype} trial ${trial}: encode`);
      const back = allocArray(dtype, n * c);
      const backRef = allocArray(dtype, n * c);
      filterInt(model, back, want, n, c, -1, sc, bits, signed);
      for (const k of order) run(channels[k]!, taps, backRef, want, n, c, k, -1, sc.f64(5, n));
      assert.deepEqual(back, x, `${dtype} trial ${trial}: decode`);
      assert.deepEqual(backRef, x, `${dtype} trial ${trial}: decode (general)`);
    }
  }
});

test('mclpc design: xcorr (registers sliding over v) gives bit-identical sums to its plain form xcorrRef', () => {
  const r = rng(41);
  for (const n of [0, 1, 2, 3, 5, 6, 7, 8, 11, 40, 1000]) {
    // non-integer values (as the Tukey-windowed signals): any change of summation order shows
    const u = Float64Array.from({ length: n }, () => (r() - 0.5) * 1e4 * Math.PI);
    const v = Float64Array.from({ length: n }, () => (r() - 0.5) * 1e3 / 7);
    for (const [lo, hi] of [[0, 0], [0, 2], [0, 3], [0, 32], [-32, 2], [-2, 2], [-7, 9], [3, 11], [-12, -1]] as const) {
      const got = new Float64Array(hi - lo + 1);
      const want = new Float64Array(hi - lo + 1);
      xcorr(u, v, n, lo, hi, got);
      xcorrRef(u, v, n, lo, hi, want);
      for (let d = 0; d < got.length; d++) assert.ok(Object.is(got[d], want[d]), `n ${n} lags ${lo}..${hi}: lag ${lo + d} ${got[d]} vs ${want[d]}`);
    }
  }
});

/** The plain form of xcorr (the reference xcorr in src/codecs/filter/_mc-predictor.ts must match bit for bit): C(d) = sum_i u[i] v[i - d] (over rows where both exist) for d in [lo, hi], into out[d - lo]. */
function xcorrRef(u: Float64Array, v: Float64Array, n: number, lo: number, hi: number, out: Float64Array): void {
  let d = lo;
  // up to four lags per pass over u (one load of u[i] for four products; a block of two or three
  // lags computes four and keeps what it needs); rows where some of the four lags fall outside the
  // signal are summed apart, each product checked
  for (; d + 1 <= hi; d += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const i0 = Math.max(0, d);
    const i1 = Math.min(n, n + d + 3);
    const a = Math.min(Math.max(i0, d + 3), Math.max(i0, i1));
    const b = Math.max(a, Math.min(i1, n + d));
    for (let i = a; i < b; i++) {
      const x = u[i]!;
      const j = i - d;
      s0 += x * v[j]!;
      s1 += x * v[j - 1]!;
      s2 += x * v[j - 2]!;
      s3 += x * v[j - 3]!;
    }
    for (let i = i0; i < i1; i++) {
      if (i === a) i = b;
      if (i >= i1) break;
      const x = u[i]!;
      const j = i - d;
      if (j >= 0 && j < n) s0 += x * v[j]!;
      if (j >= 1 && j - 1 < n) s1 += x * v[j - 1]!;
      if (j >= 2 && j - 2 < n) s2 += x * v[j - 2]!;
      if (j >= 3 && j - 3 < n) s3 += x * v[j - 3]!;
    }
    out[d - lo] = s0;
    out[d + 1 - lo] = s1;
    if (d + 2 <= hi) out[d + 2 - lo] = s2;
    if (d + 3 <= hi) out[d + 3 - lo] = s3;
  }
  for (; d <= hi; d++) {
    let s = 0;
    const a = Math.max(0, d);
    const b = Math.min(n, n + d);
    for (let i = a; i < b; i++) s += u[i]! * v[i - d]!;
    out[d - lo] = s;
  }
}
