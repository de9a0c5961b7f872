/*
 * READ ME FIRST — the driver shared by the time-series transform codecs `dct` and `dwt`
 * (docs/spec/codecs/dct.md): per channel, remove the mean, transform, quantize every coefficient
 * with ONE step (dead zone, src/codecs/lossy/_coefs.ts) and arithmetic-code the codes with the
 * transform's band classes and neighbours. The step is given (`step`) or chosen per chunk by
 * binary search: `snr` (dB, against the chunk's per-channel variance), `mse` (mean squared error
 * per value) or `bps` (coded bits per value). The error targets are measured on the coefficients:
 * exact for an orthonormal transform (dct), close for the near-orthonormal 9/7 wavelet (dwt).
 * The chosen step is in the stream, so decoding needs nothing else.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { CodecConfig } from '../codec.js';
import { BinaryDecoder, BinaryEncoder } from '../entropy/_binary-coder.js';
import type { Params } from '../params.js';
import { dtypeRange } from './sz.js';
import { decodeCoefs, dequantize, encodeCoefs, fitBias, quantError, quantize } from './_coefs.js';

/** How a transform lays out one channel of n samples. */
export interface Layout {
  /** Coefficients per channel. */
  size: number;
  /** Band class of each coefficient in coding order (< bands). */
  band: Uint8Array;
  bands: number;
  /** 4 neighbour indices per coefficient (coding order, each < own index, -1 = none). */
  nb: Int32Array;
}

export interface Transform {
  /** Checked against the stream on decode (block length or levels). */
  readonly param: number;
  layout(n: number): Layout;
  /** Samples (mean removed) -> coefficients in coding order (length layout.size). */
  forward(x: Float64Array, out: Float64Array): void;
  /** Coefficients -> n samples. */
  inverse(c: Float64Array, n: number, out: Float64Array): void;
}

export type Rate = { mode: 'step' | 'snr' | 'mse' | 'bps'; value: number };

const FORMAT = 1;
const ROUND_DEFAULT = 0.42;

/** Reads the rate parameters (exactly one of step, snr, mse, bps) and the dead-zone rounding. */
export function readRate(p: Params, config: CodecConfig): { rate: Rate; rnd: number } {
  const given = (['step', 'snr', 'mse', 'bps'] as const).filter((k) => config[k] !== undefined);
  if (given.length > 1) throw new InvalidConfigError(`${config.id}: give one of step, snr, mse, bps (got ${given.join(', ')})`);
  const mode = given[0] ?? 'snr';
  let value: number;
  if (mode === 'step') value = p.num('step', 1, Number.MIN_VALUE, Number.MAX_VALUE);
  else if (mode === 'snr') value = p.num('snr', 20, -50, 200);
  else if (mode === 'mse') value = p.num('mse', 1, Number.MIN_VALUE, Number.MAX_VALUE);
  else value = p.num('bps', 1, 0.001, 64);
  const rnd = p.num('rnd', ROUND_DEFAULT, 0, 0.5);
  return { rate: { mode, value }, rnd };
}

export function rateConfig(rate: Rate, rnd: number): Record<string, number> {
  const c: Record<string, number> = { [rate.mode]: rate.value };
  if (rnd !== ROUND_DEFAULT) c.rnd = rnd;
  return c;
}

interface Whole {
  c: Float64Array;
  band: Uint8Array;
  bands: number;
  nb: Int32Array;
}

/** The layouts of all channels, one after the other (neighbour indices shifted). */
function wholeLayout(t: Transform, n: number, ch: number): Omit<Whole, 'c'> {
  const l = t.layout(n);
  const band = new Uint8Array(l.size * ch);
  const nb = new Int32Array(l.size * ch * 4);
  for (let k = 0; k < ch; k++) {
    band.set(l.band, k * l.size);
    const off = k * l.size;
    for (let i = 0; i < l.size * 4; i++) nb[off * 4 + i] = l.nb[i]! < 0 ? -1 : l.nb[i]! + off;
  }
  return { band, bands: l.bands, nb };
}

function bodyBytes(w: Whole, step: number, rnd: number, q: Int32Array): Uint8Array {
  quantize(w.c, step, rnd, q, w.nb);
  const enc = new BinaryEncoder(1 << 14);
  encodeCoefs(enc, q, w.band, w.bands, w.nb);
  return enc.finish();
}

/**
 * The largest step whose coefficient error stays within `target` (binary search on log2 step, over
 * 32 octaves below the peak coefficient, or +-1 octave around `near` when refining).
 */
function stepForError(c: Float64Array, target: number, rnd: number, nb: Int32Array, near?: number): number {
  let peak = 0;
  let energy = 0;
  for (let i = 0; i < c.length; i++) {
    peak = Math.max(peak, Math.abs(c[i]!));
    energy += c[i]! * c[i]!;
  }
  const hi0 = Math.max(peak, 1e-300) * 4;
  if (target >= energy) return hi0;
  const q = new Int32Array(c.length);
  const y = new Float64Array(c.length);
  let lo = near ? Math.log2(near) - 1 : Math.log2(hi0) - 32;
  let hi = near ? Math.log2(near) + 1 : Math.log2(hi0);
  for (let it = 0; it < (near ? 12 : 24); it++) {
    const mid = (lo + hi) / 2;
    if (quantError(c, 2 ** mid, rnd, q, y, nb) <= target) lo = mid;
    else hi = mid;
  }
  return 2 ** lo;
}

function stepForBytes(w: Whole, bytes: number, rnd: number): number {
  let peak = 0;
  for (let i = 0; i < w.c.length; i++) peak = Math.max(peak, Math.abs(w.c[i]!));
  const q = new Int32Array(w.c.length);
  let hi = Math.log2(Math.max(peak, 1e-300) * 4);
  let lo = hi - 32;
  for (let it = 0; it < 20; it++) {
    const mid = (lo + hi) / 2;
    if (bodyBytes(w, 2 ** mid, rnd, q).length <= bytes) hi = mid;
    else lo = mid;
  }
  return 2 ** hi;
}

export function encodeTransform(id: string, t: Transform, rate: Rate, rnd: number, x: TypedArray, spec: ChunkSpec): Uint8Array {
  const [n = 0, ch = 1] = spec.shape;
  if (x.length !== n * ch) throw new CorruptDataError(`${id}: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
  const lay = wholeLayout(t, n, ch);
  const size = lay.band.length / Math.max(1, ch);
  const w: Whole = { ...lay, c: new Float64Array(lay.band.length) };
  const means = new Float64Array(ch);
  let varSum = 0;
  const xs = new Float64Array(n);
  const cs = new Float64Array(size);
  for (let k = 0; k < ch; k++) {
    let s = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = Number(x[i * ch + k]!);
      xs[i] = Number.isFinite(v) ? v : 0;
      s += xs[i]!;
    }
    const mu = n ? s / n : 0;
    for (let i = 0; i < n; i++) {
      xs[i] = xs[i]! - mu;
      m += xs[i]! * xs[i]!;
    }
    means[k] = mu;
    varSum += m;
    t.forward(xs, cs);
    w.c.set(cs, k * size);
  }
  const rounding = isIntegerDType(spec.dtype) ? (n * ch) / 12 : 0;
  let step: number;
  if (rate.mode === 'step') step = rate.value;
  else if (rate.mode === 'bps') step = stepForBytes(w, Math.floor((rate.value * n * ch) / 8), rnd);
  else {
    const target = rate.mode === 'snr' ? varSum / 10 ** (rate.value / 10) : rate.value * n * ch;
    // search on the coefficients, then correct by the measured error of the real output
    // (rounding, clamping, the padding of dct, the 9/7 pair's small departure from orthonormality);
    // keep the coarsest step whose output met the target
    let aim = Math.max(0, target - rounding);
    step = stepForError(w.c, aim, rnd, w.nb);
    let best = 0;
    for (let pass = 0; pass < 8 && aim > 0; pass++) {
      const q = new Int32Array(w.c.length);
      const y = new Float64Array(w.c.length);
      quantError(w.c, step, rnd, q, y, w.nb);
      const real = outputError(t, y, x, n, ch, means, spec);
      if (real <= target && step > best) best = step;
      if (!(real > 0) || (real <= target && real >= 0.995 * target)) break;
      aim *= real > target ? (0.998 * target) / real - 0.002 * pass : target / real;
      step = stepForError(w.c, aim, rnd, w.nb, step);
    }
    if (best > 0) step = best;
  }
  const q = new Int32Array(w.c.length);
  const body = bodyBytes(w, step, rnd, q);
  const [b1, b2] = fitBias(w.c, q, step);
  const out = new ByteWriter(64 + 8 * ch + body.length);
  out.u8(FORMAT).varint(t.param).varint(n).varint(ch).f64(step).u16(Math.round(b1 * 65536)).u16(Math.round(b2 * 65536));
  for (let k = 0; k < ch; k++) out.f64(means[k]!);
  out.bytes(body);
  return out.finish();
}

export function decodeTransform(id: string, t: Transform, input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
  const [n = 0, ch = 1] = spec.shape;
  const total = elementCount(spec.shape);
  const r = new ByteReader(input, `${id} stream`);
  const fmt = r.u8();
  if (fmt !== FORMAT) throw new CorruptDataError(`${id}: unknown stream format ${fmt}`);
  const param = r.varint();
  if (param !== t.param) throw new CorruptDataError(`${id}: stream made with ${param}, config says ${t.param}`);
  const sn = r.varint();
  const sc = r.varint();
  if (sn !== n || sc !== ch) throw new CorruptDataError(`${id}: stream holds ${sn}x${sc} values, expected ${n}x${ch}`);
  const step = r.f64();
  if (!(step > 0) || !Number.isFinite(step)) throw new CorruptDataError(`${id}: bad step ${step}`);
  const bias: [number, number] = [r.u16() / 65536, r.u16() / 65536];
  if (bias[0] >= 0.5 || bias[1] >= 0.5) throw new CorruptDataError(`${id}: bad reconstruction offset`);
  const means = new Float64Array(ch);
  for (let k = 0; k < ch; k++) {
    means[k] = r.f64();
    if (!Number.isFinite(means[k]!)) throw new CorruptDataError(`${id}: bad channel mean`);
  }
  const lay = wholeLayout(t, n, ch);
  const dec = new BinaryDecoder(r.bytesView(r.remaining), `${id} codes`);
  const q = decodeCoefs(dec, lay.band.length, lay.band, lay.bands, lay.nb, `${id} codes`);
  dec.end();
  const c = new Float64Array(q.length);
  dequantize(q, step, bias, c);
  const res = out ?? allocArray(spec.dtype, total);
  if (res.length !== total) throw new CorruptDataError(`${id}: output buffer of the wrong size`);
  reconstruct(t, c, n, ch, means, spec, (i, v) => (res[i] = v));
  return res;
}

/** Inverse transform of dequantized coefficients, mean added back, rounded and clamped to the dtype. */
function reconstruct(t: Transform, c: Float64Array, n: number, ch: number, means: Float64Array, spec: ChunkSpec, put: (i: number, v: number) => void): void {
  const size = c.length / Math.max(1, ch);
  const range = dtypeRange(spec.dtype);
  const f32 = spec.dtype === 'float32';
  const ys = new Float64Array(n);
  for (let k = 0; k < ch; k++) {
    t.inverse(c.subarray(k * size, (k + 1) * size), n, ys);
    const mu = means[k]!;
    for (let i = 0; i < n; i++) {
      let v = ys[i]! + mu;
      if (range) v = Math.min(range[1], Math.max(range[0], Math.round(v)));
      else if (f32) v = Math.fround(v);
      put(i * ch + k, v);
    }
  }
}

/** Sum of squared errors of the decoded output against x (non-finite inputs count as 0). */
function outputError(t: Transform, c: Float64Array, x: TypedArray, n: number, ch: number, means: Float64Array, spec: ChunkSpec): number {
  let e = 0;
  reconstruct(t, c, n, ch, means, spec, (i, v) => {
    const o = Number(x[i]!);
    const d = (Number.isFinite(o) ? o : 0) - v;
    e += d * d;
  });
  return e;
}
