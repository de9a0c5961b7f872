/*
 * READ ME FIRST — `sz`: error-bounded prediction + quantization, SZ-style (docs/spec/codecs/sz.md).
 *  - Per channel: mean mu and LPC coefficients fitted on the ORIGINAL chunk (Levinson-Durbin, with
 *    the quantization noise variance step^2/12 added to lag 0), but the predictor runs on the
 *    RECONSTRUCTED values, exactly as the decoder will, so errors never accumulate.
 *  - Integers: e = floor(abs), step = 2e+1, p = clamp(round(prediction)), q = round((x-p)/step),
 *    y = clamp(p + q*step) — |x - y| <= e always (clamping toward x only shrinks the error).
 *  - Floats: step = 2*abs, y = dtype-rounded(p + q*step); a sample whose stored y misses the bound
 *    (rounding, NaN, Inf, huge) is an ESCAPE: code 0, exact value in the side bytes.
 *  - Output: int32 codes, one per sample (same shape), for an integer back end (rans).
 *  - Rate mode (`bps` > 0): abs is chosen per chunk (binary search) so that the codes' order-0
 *    entropy plus the side bytes fit B bits per sample; the chosen abs is stored in the side bytes.
 *    Not an error guarantee chosen by the user; `info` says so.
 */
import { allocArray, isIntegerDType, type DType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecConfig, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { readZigzag, writeZigzag } from '../filter/remap.js';
import { levinson, quantize, type LpcFilter } from '../filter/lpc.js';
import { butterworthHighpass, compareSpikes, filterChannel, HIGHPASS_HZ, medianAbs, THRESHOLD_SIGMAS } from '../../spikes/detect.js';
import { snr } from '../../metrics/fidelity.js';

const RANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const CODE_MAX = 2147483647;
const PRECISION = 14;

/** The value range of an integer dtype, or undefined for floats. */
export function dtypeRange(dtype: DType): [number, number] | undefined {
  return RANGE[dtype];
}

interface ChannelModel {
  mu: number;
  f: LpcFilter;
}

/** Reconstruction parameters shared by encoder and decoder. */
interface Quant {
  integer: boolean;
  step: number;
  bound: number;
  lo: number;
  hi: number;
  f32: boolean;
}

function quantOf(dtype: DType, abs: number): Quant {
  const r = RANGE[dtype];
  if (r) {
    const e = Math.floor(abs);
    return { integer: true, step: 2 * e + 1, bound: e, lo: r[0], hi: r[1], f32: false };
  }
  return { integer: false, step: 2 * abs, bound: abs, lo: -Infinity, hi: Infinity, f32: dtype === 'float32' };
}

/**
 * Runs the predictor over one channel, in its working domain (stored values, or lattice indices).
 * Encoding (xs given: the channel's working values): fills codes, escapes and y.
 * Decoding (xs undefined): reads codes/escapes, fills y. The same arithmetic either way.
 * `mask[i]` = 1 selects the fine quantizer `qf` (noise shaping), else `qt`.
 */
function runChannel(
  n: number,
  c: number,
  ch: number,
  m: ChannelModel,
  qt: Quant,
  y: Float64Array,
  codes: Int32Array,
  xs: Float64Array | undefined,
  escapes: Map<number, number>,
  qf?: Quant,
  mask?: Uint8Array,
): void {
  const { order, shift } = m.f;
  const coef = m.f.q;
  const div = 2 ** shift;
  const mu = m.mu;
  const { lo, hi, integer, f32 } = qt;
  for (let i = 0; i < n; i++) {
    const fine = mask !== undefined && mask[i] === 1;
    const step = fine ? qf!.step : qt.step;
    const bound = fine ? qf!.bound : qt.bound;
    let s = 0;
    const top = i < order ? i : order;
    for (let j = 0; j < top; j++) s += coef[j]! * (y[i - 1 - j]! - mu);
    let p = mu + s / div;
    if (!Number.isFinite(p)) p = 0;
    if (integer) {
      p = Math.round(p);
      if (p < lo) p = lo;
      else if (p > hi) p = hi;
    }
    const k = i * c + ch;
    if (xs) {
      const v = xs[i]!;
      let q = step > 0 ? Math.round((v - p) / step) : v === p ? 0 : NaN;
      let r = NaN;
      if (Number.isFinite(q) && Math.abs(q) <= CODE_MAX) {
        r = p + q * step;
        if (integer) r = r < lo ? lo : r > hi ? hi : r;
        else if (f32) r = Math.fround(r);
      }
      if (!(Math.abs(v - r) <= bound)) {
        escapes.set(k, v);
        q = 0;
        r = v;
      }
      codes[k] = q;
      y[i] = r;
    } else {
      const e = escapes.get(k);
      if (e !== undefined) {
        y[i] = e;
        continue;
      }
      let r = p + codes[k]! * step;
      if (integer) r = r < lo ? lo : r > hi ? hi : r;
      else if (f32) r = Math.fround(r);
      y[i] = r;
    }
  }
}

/** A channel's value lattice: sorted distinct values, index -> value table (gaps filled). */
interface Lattice {
  values: Float64Array;
  lut: Float64Array;
  /** largest value step between consecutive indices: index error k costs <= k * maxInc stored units */
  maxInc: number;
}

/** Index steps between consecutive distinct values (remap's gap-filling rule). */
function gapSteps(d: number, g0: number): number {
  return Math.max(1, Math.floor((2 * d + g0) / (2 * g0)));
}

/** The lattice of sorted distinct values (gap filling on the smallest gap g0), or undefined if too large. */
function latticeOf(values: Float64Array, limit: number): Lattice | undefined {
  let g0 = Infinity;
  for (let j = 1; j < values.length; j++) g0 = Math.min(g0, values[j]! - values[j - 1]!);
  let m = 1;
  for (let j = 1; j < values.length; j++) m += gapSteps(values[j]! - values[j - 1]!, g0);
  if (m > limit) return undefined;
  const lut = new Float64Array(m);
  let idx = 0;
  let maxInc = 1;
  for (let j = 0; j < values.length; j++) {
    const steps = j + 1 < values.length ? gapSteps(values[j + 1]! - values[j]!, g0) : 1;
    for (let s = 0; s < steps; s++) lut[idx + s] = values[j]! + s * g0;
    if (j + 1 < values.length) {
      maxInc = Math.max(maxInc, g0, values[j + 1]! - lut[idx + steps - 1]!);
    }
    idx += steps;
  }
  return { values, lut, maxInc };
}

/**
 * The channel's lattice if its values sit on one (integers only): the sorted distinct values span
 * at most half as many indices as the value range, and there are at most n/4 of them (the table
 * pays for itself) — remap's rule. Otherwise undefined (the channel is coded in stored units).
 */
function findLattice(xs: Float64Array): Lattice | undefined {
  const n = xs.length;
  if (n < 8) return undefined;
  const t = Float64Array.from(xs).sort();
  let k = 0;
  for (let i = 0; i < n; i++) if (i === 0 || t[i] !== t[i - 1]) t[k++] = t[i]!;
  if (k < 2 || k * 4 > n) return undefined;
  const values = t.slice(0, k);
  const lat = latticeOf(values, Math.max(65536, 2 * n));
  if (!lat || lat.lut.length * 2 > values[k - 1]! - values[0]! + 1) return undefined;
  return lat;
}

/**
 * Noise-shaping mask: 1 within +-win samples of every sample where the ORIGINAL's high-passed
 * channel (the reference detector's 300 Hz Butterworth) goes below near x its spike threshold
 * (-4.5 x median|y| / 0.6745, over the chunk). Those samples get the fine bound.
 */
function shapeMask(xs: Float64Array, fs: number, win: number, near: number): Uint8Array {
  const n = xs.length;
  const mask = new Uint8Array(n);
  if (n < 3 || !(HIGHPASS_HZ < fs / 2)) return mask;
  const y = filterChannel(xs, 1, 0, butterworthHighpass(HIGHPASS_HZ, fs));
  const thr = (-THRESHOLD_SIGMAS * medianAbs(y)) / 0.6745;
  const level = near * thr;
  if (!(level < 0)) return mask;
  let until = -1;
  for (let i = 0; i < n; i++) {
    if (y[i]! < level) {
      const a = Math.max(0, i - win, until + 1);
      const b = Math.min(n - 1, i + win);
      for (let j = a; j <= b; j++) mask[j] = 1;
      until = Math.max(until, b);
    }
  }
  return mask;
}

/** Mask as runs: varint count, then (gap from the previous run's end, length - 1) varints. */
function writeMask(w: ByteWriter, mask: Uint8Array): void {
  const runs: number[] = [];
  for (let i = 0; i < mask.length; ) {
    if (!mask[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < mask.length && mask[j]) j++;
    runs.push(i, j - i);
    i = j;
  }
  w.varint(runs.length / 2);
  let end = 0;
  for (let r = 0; r < runs.length; r += 2) {
    w.varint(runs[r]! - end).varint(runs[r + 1]! - 1);
    end = runs[r]! + runs[r + 1]!;
  }
}

function readMask(r: ByteReader, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  const count = r.varint();
  r.expectAtLeast(count, 2);
  let end = 0;
  for (let i = 0; i < count; i++) {
    const start = end + r.varint();
    const len = r.varint() + 1;
    if (start + len > n) throw new CorruptDataError('sz: shaping window beyond the chunk');
    mask.fill(1, start, start + len);
    end = start + len;
  }
  return mask;
}

/** Fits mu and the LPC predictor of one channel on the original, noise-aware. */
function fitChannel(xs: Float64Array, n: number, qt: Quant, maxOrder: number): ChannelModel {
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = xs[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      finite++;
    }
  }
  let mu = finite ? sum / finite : 0;
  mu = qt.integer || !Number.isFinite(mu) ? Math.round(Number.isFinite(mu) ? mu : 0) : mu;
  if (qt.f32) mu = Math.fround(mu);
  const order = Math.min(maxOrder, Math.max(0, n - 1));
  if (order === 0) return { mu, f: { order: 0, shift: 0, q: new Int32Array(0) } };
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = xs[i]! - mu;
    d[i] = Number.isFinite(v) && Math.abs(v) < 1e150 ? v : 0;
  }
  const r = new Float64Array(order + 1);
  for (let lag = 0; lag <= order; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += d[i]! * d[i - lag]!;
    r[lag] = s;
  }
  // the predictor sees reconstructed values: their noise (step^2/12 each) loads the diagonal
  r[0]! += (n * qt.step * qt.step) / 12 + 1e-9 * r[0]!;
  const coefs: Float64Array[] = [];
  for (let p = 1; p <= order; p++) coefs.push(new Float64Array(p));
  const err = new Float64Array(order + 1);
  const top = levinson(r, order, coefs, err);
  if (top === 0) return { mu, f: { order: 0, shift: 0, q: new Int32Array(0) } };
  let best = 0;
  let bestCost = 0.5 * n * Math.log2(Math.max(err[0]! / n, 1e-9));
  for (let p = 1; p <= top; p++) {
    const cost = 0.5 * n * Math.log2(Math.max(err[p]! / n, 1e-9)) + p * (PRECISION + 2);
    if (cost < bestCost) {
      bestCost = cost;
      best = p;
    }
  }
  if (best === 0) return { mu, f: { order: 0, shift: 0, q: new Int32Array(0) } };
  return { mu, f: quantize(coefs[best - 1]!, best, PRECISION) };
}

/** Noise shaping: a finer bound near the original's spike-threshold excursions (declared in the config). */
export interface Shaping {
  /** bound inside the windows, stored units (<= abs) */
  fine: number;
  /** sampling rate (Hz) for the detector's 300 Hz high-pass */
  fs: number;
  /** window half-width, samples */
  win: number;
  /** fraction of the spike threshold that opens a window */
  near: number;
}

/** Target mode: per chunk, the largest abs of a ladder whose reconstruction meets the target. */
export interface Target {
  metric: 'snr' | 'f1';
  value: number;
}

/** The abs ladder of target mode: 0, then 1, 2, 3, 4, 6, 8, 11, ... (x ~1.41) up to the chunk's span. */
export function targetLadder(span: number, integer: boolean): number[] {
  const out = [0];
  if (!(span > 0) || !Number.isFinite(span)) return out;
  let a = integer ? 1 : span / 65536;
  while (a <= span) {
    out.push(a);
    a = integer ? Math.max(a + 1, Math.round(a * Math.SQRT2)) : a * Math.SQRT2;
  }
  return out;
}

/** The quantizer of a lattice channel: integer index bound floor(abs / maxInc), indices 0..m-1. */
function quantLattice(lat: Lattice, abs: number): Quant {
  const e = Math.floor(abs / lat.maxInc);
  return { integer: true, step: 2 * e + 1, bound: e, lo: 0, hi: lat.lut.length - 1, f32: false };
}

class SzCodec implements ArrayToArrayCodec {
  readonly id = 'sz';
  readonly kind = 'array->array';
  readonly lossless = false;
  constructor(
    readonly abs: number,
    readonly order: number,
    readonly bps: number,
    readonly grid: boolean,
    readonly shaping: Shaping | undefined,
    readonly target?: Target,
    readonly fs = 0,
  ) {}

  /** abs is chosen per chunk and stored first in the side bytes (rate and target modes). */
  private get perChunkAbs(): boolean {
    return this.bps > 0 || this.target !== undefined;
  }

  toConfig(): CodecConfig {
    const c: CodecConfig = this.bps > 0 ? { id: 'sz', bps: this.bps, order: this.order } : { id: 'sz', abs: this.abs, order: this.order };
    if (this.target) {
      delete c.abs;
      if (this.target.metric === 'snr') c.tsnr = this.target.value;
      else c.tf1 = this.target.value;
      if (this.target.metric === 'f1' && !this.shaping) c.fs = this.fs;
    }
    if (this.grid) c.grid = 1;
    if (this.shaping) Object.assign(c, this.shaping);
    return c;
  }

  encodedSpec(spec: ChunkSpec): ChunkSpec {
    return { dtype: 'int32', shape: spec.shape };
  }

  encode(): TypedArray {
    throw new InvalidConfigError('sz: stores predictors per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('sz: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }

  /** Encodes with a given abs; returns codes, side and an estimate of the coded bits. */
  private encodeAt(x: TypedArray, spec: ChunkSpec, abs: number, withAbs: boolean, recon?: Float64Array): { data: Int32Array; side: Uint8Array; bits: number } {
    const [n, c] = dims(spec);
    const integer = isIntegerDType(spec.dtype);
    const qt = quantOf(spec.dtype, abs);
    const sh = this.shaping;
    const qtFine = sh ? quantOf(spec.dtype, Math.min(abs, sh.fine)) : undefined;
    const codes = new Int32Array(n * c);
    const y = new Float64Array(n);
    const xs = new Float64Array(n);
    const escapes = new Map<number, number>();
    const w = new ByteWriter(64 + c * 16);
    if (withAbs) w.f64(abs);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < n; i++) xs[i] = x[i * c + ch]!;
      let work = xs;
      let q = qt;
      let qf = qtFine;
      let lut: Float64Array | undefined;
      if (this.grid) {
        const lat = integer ? findLattice(xs) : undefined;
        w.u8(lat ? 1 : 0);
        if (lat) {
          const u = lat.values;
          writeZigzag(w, u[0]!);
          w.varint(u.length - 1);
          for (let j = 1; j < u.length; j++) w.varint(u[j]! - u[j - 1]! - 1);
          const index = new Map<number, number>();
          for (let i = 0, j = 0; i < lat.lut.length; i++) if (lat.lut[i] === u[j]) index.set(u[j++]!, i);
          work = new Float64Array(n);
          for (let i = 0; i < n; i++) work[i] = index.get(xs[i]!)!;
          q = quantLattice(lat, abs);
          if (sh) qf = quantLattice(lat, Math.min(abs, sh.fine));
          lut = lat.lut;
        }
      }
      let mask: Uint8Array | undefined;
      if (sh) {
        mask = shapeMask(xs, sh.fs, sh.win, sh.near);
        writeMask(w, mask);
      }
      const m = fitChannel(work, n, q, this.order);
      runChannel(n, c, ch, m, q, y, codes, work, escapes, qf, mask);
      if (recon) for (let i = 0; i < n; i++) recon[i * c + ch] = lut ? lut[y[i]!]! : y[i]!;
      if (q.integer) writeZigzag(w, m.mu);
      else w.f64(m.mu);
      w.u8(m.f.order).u8(m.f.shift);
      for (let j = 0; j < m.f.order; j++) writeZigzag(w, m.f.q[j]!);
    }
    const keys = [...escapes.keys()].sort((a, b) => a - b);
    w.varint(keys.length);
    let prev = 0;
    for (const k of keys) {
      w.varint(k - prev).f64(escapes.get(k)!);
      prev = k;
    }
    const side = w.finish();
    return { data: codes, side, bits: entropyBits(codes) + 8 * side.byteLength };
  }

  /** Whether a chunk's reconstruction meets the target (F1 of a chunk without events on either side: 1). */
  private meets(x: TypedArray, recon: Float64Array, c: number): boolean {
    const t = this.target!;
    if (t.metric === 'snr') return snr(x, recon, c) >= t.value;
    const k = compareSpikes(x, recon, c, this.fs);
    const f1 = k.original + k.reconstructed === 0 ? 1 : (2 * k.hits) / (k.original + k.reconstructed);
    return f1 >= t.value;
  }

  /** Target mode: binary search on the ladder for the largest abs that meets the target (abs = 0 always does). */
  private encodeTarget(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
    const [, c] = dims(spec);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const ladder = targetLadder(hi - lo, isIntegerDType(spec.dtype));
    const recon = new Float64Array(x.length);
    let best = this.encodeAt(x, spec, 0, true);
    let a = 0;
    let b = ladder.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      const r = this.encodeAt(x, spec, ladder[mid]!, true, recon);
      if (this.meets(x, recon, c)) {
        a = mid;
        best = r;
      } else b = mid - 1;
    }
    return { data: best.data, side: best.side };
  }

  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
    if (this.target) return this.encodeTarget(x, spec);
    if (this.bps <= 0) {
      const r = this.encodeAt(x, spec, this.abs, false);
      return { data: r.data, side: r.side };
    }
    // rate mode: the smallest abs whose estimated size fits bps bits per sample
    const [n, c] = dims(spec);
    const budget = this.bps * n * c;
    const integer = isIntegerDType(spec.dtype);
    let lo = 0;
    let best = this.encodeAt(x, spec, 0, true);
    if (best.bits <= budget || n * c === 0) return { data: best.data, side: best.side };
    let hi = 1;
    let maxAbs = 0;
    for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) maxAbs = Math.max(maxAbs, Math.abs(x[i]!));
    const cap = Math.max(1, 2 * maxAbs + 1);
    let atHi = this.encodeAt(x, spec, hi, true);
    while (atHi.bits > budget && hi < cap) {
      lo = hi;
      hi = Math.min(cap, hi * 2);
      atHi = this.encodeAt(x, spec, hi, true);
    }
    best = atHi;
    for (let it = 0; it < 40; it++) {
      if (integer ? hi - lo <= 1 : hi - lo <= hi * 1e-3) break;
      const mid = integer ? Math.floor((lo + hi) / 2) : (lo + hi) / 2;
      const r = this.encodeAt(x, spec, mid, true);
      if (r.bits <= budget) {
        hi = mid;
        best = r;
      } else lo = mid;
    }
    return { data: best.data, side: best.side };
  }

  decodeWithSide(codes: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    if (!(codes instanceof Int32Array)) throw new CorruptDataError('sz: codes must be int32');
    const [n, c] = dims(spec);
    if (codes.length !== n * c) throw new CorruptDataError(`sz: ${codes.length} codes for ${n * c} samples`);
    const r = new ByteReader(side, 'sz side information');
    let abs = this.abs;
    if (this.perChunkAbs) {
      abs = r.f64();
      if (!(abs >= 0) || !Number.isFinite(abs)) throw new CorruptDataError('sz: bad stored abs');
    }
    const qt = quantOf(spec.dtype, abs);
    const sh = this.shaping;
    const qtFine = sh ? quantOf(spec.dtype, Math.min(abs, sh.fine)) : undefined;
    const range = dtypeRange(spec.dtype);
    const chans: { m: ChannelModel; q: Quant; qf?: Quant; mask?: Uint8Array; lat?: Lattice }[] = [];
    for (let ch = 0; ch < c; ch++) {
      let lat: Lattice | undefined;
      let q = qt;
      let qf = qtFine;
      if (this.grid) {
        const flag = r.u8();
        if (flag > 1 || (flag === 1 && !range)) throw new CorruptDataError(`sz: bad lattice flag ${flag}`);
        if (flag === 1) {
          const v0 = readZigzag(r);
          const k = r.varint() + 1;
          r.expectAtLeast(k - 1, 1);
          const u = new Float64Array(k);
          u[0] = v0;
          for (let j = 1; j < k; j++) u[j] = u[j - 1]! + r.varint() + 1;
          if (v0 < range![0] || u[k - 1]! > range![1]) throw new CorruptDataError('sz: lattice value outside the dtype');
          lat = latticeOf(u, Math.max(65536, 2 * n));
          if (!lat) throw new CorruptDataError('sz: lattice too large');
          q = quantLattice(lat, abs);
          if (sh) qf = quantLattice(lat, Math.min(abs, sh.fine));
        }
      }
      const mask = sh ? readMask(r, n) : undefined;
      const mu = q.integer ? readZigzag(r) : r.f64();
      const order = r.u8();
      const shift = r.u8();
      if (order > this.order || shift > 31) throw new CorruptDataError(`sz: bad predictor (order ${order}, shift ${shift})`);
      const coef = new Int32Array(order);
      for (let j = 0; j < order; j++) {
        const v = readZigzag(r);
        if (Math.abs(v) >= 2 ** PRECISION) throw new CorruptDataError('sz: coefficient out of range');
        coef[j] = v;
      }
      if (q.integer && (mu < q.lo || mu > q.hi)) throw new CorruptDataError('sz: channel mean out of range');
      chans.push({ m: { mu, f: { order, shift, q: coef } }, q, qf, mask, lat });
    }
    const nEsc = r.varint();
    r.expectAtLeast(nEsc, 9);
    const escapes = new Map<number, number>();
    let k = 0;
    for (let i = 0; i < nEsc; i++) {
      k += r.varint();
      if (k >= n * c || (i > 0 && escapes.has(k))) throw new CorruptDataError('sz: escape index out of range');
      const v = r.f64();
      const lat = chans[k % c]!.lat;
      if (lat && !(Number.isInteger(v) && v >= 0 && v < lat.lut.length)) throw new CorruptDataError('sz: escaped lattice index out of range');
      escapes.set(k, v);
    }
    r.end();
    const a = out && out.length === n * c ? out : allocArray(spec.dtype, n * c);
    const y = new Float64Array(n);
    for (let ch = 0; ch < c; ch++) {
      const h = chans[ch]!;
      runChannel(n, c, ch, h.m, h.q, y, codes, undefined, escapes, h.qf, h.mask);
      if (h.lat) {
        const lut = h.lat.lut;
        for (let i = 0; i < n; i++) a[i * c + ch] = lut[y[i]!]!;
      } else for (let i = 0; i < n; i++) a[i * c + ch] = y[i]!;
    }
    return a;
  }
}

/** Order-0 entropy of the codes, in bits (the rate estimate of `bps` mode). */
function entropyBits(codes: Int32Array): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) counts.set(codes[i]!, (counts.get(codes[i]!) ?? 0) + 1);
  let bits = 0;
  const n = codes.length;
  for (const k of counts.values()) bits -= k * Math.log2(k / n);
  // a symbol table costs roughly a few bytes per distinct value
  return bits + 16 * counts.size;
}

export const factory: CodecFactory = {
  id: 'sz',
  kind: 'array->array',
  description: 'error-bounded (|x - x̂| <= abs) prediction on reconstructed values + uniform quantization -> int32 codes (lossy)',
  fromConfig(config) {
    const p = new Params(config);
    const bps = p.num('bps', 0, 0, 64);
    const abs = p.num('abs', 0, 0, Number.MAX_VALUE);
    const order = p.int('order', 8, 0, 32);
    const grid = p.int('grid', 0, 0, 1) === 1;
    const fine = p.num('fine', 0, 0, Number.MAX_VALUE);
    const fs = p.num('fs', 0, 0, Number.MAX_VALUE);
    const win = p.int('win', 20, 0, 1 << 20);
    const near = p.num('near', 0.5, 0, 100);
    const tsnr = p.num('tsnr', 0, -1000, 1000);
    const tf1 = p.num('tf1', 0, 0, 1);
    p.done();
    let target: Target | undefined;
    if (config.tsnr !== undefined || config.tf1 !== undefined) {
      if (config.tsnr !== undefined && config.tf1 !== undefined) throw new InvalidConfigError('sz: one target, tsnr or tf1');
      if (config.abs !== undefined || bps > 0) throw new InvalidConfigError('sz: a target (tsnr/tf1) chooses abs per chunk; give no abs or bps');
      target = config.tsnr !== undefined ? { metric: 'snr', value: tsnr } : { metric: 'f1', value: tf1 };
      if (target.metric === 'f1' && !(fs > 2 * HIGHPASS_HZ)) throw new InvalidConfigError('sz: tf1 needs the sampling rate fs= (Hz, > 600)');
    }
    let shaping: Shaping | undefined;
    if (config.fine !== undefined) {
      if (!(fs > 0)) throw new InvalidConfigError('sz: noise shaping (fine=) needs the sampling rate fs= (Hz)');
      shaping = { fine, fs, win, near };
    } else if ((config.fs !== undefined && !target) || config.win !== undefined || config.near !== undefined) {
      throw new InvalidConfigError('sz: fs/win/near only apply with fine= (noise shaping)');
    }
    if (bps > 0 && config.abs !== undefined) throw new InvalidConfigError('sz: give either abs (error bound) or bps (rate), not both');
    if (target) return new SzCodec(0, order, 0, grid, shaping, target, fs);
    if (bps === 0 && config.abs === undefined) throw new InvalidConfigError('sz: abs (the error bound) is required, or bps for the rate mode');
    return new SzCodec(abs, order, bps, grid, shaping);
  },
};
