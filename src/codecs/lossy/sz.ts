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
 * Runs the predictor over one channel. Encoding (x given): fills codes and escapes and y.
 * Decoding (x undefined): reads codes/escapes, fills y. The same arithmetic either way.
 */
function runChannel(
  n: number,
  c: number,
  ch: number,
  m: ChannelModel,
  qt: Quant,
  y: Float64Array,
  codes: Int32Array,
  x: TypedArray | undefined,
  escapes: Map<number, number>,
): void {
  const { order, shift } = m.f;
  const coef = m.f.q;
  const div = 2 ** shift;
  const mu = m.mu;
  const { step, bound, lo, hi, integer, f32 } = qt;
  for (let i = 0; i < n; i++) {
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
    if (x) {
      const v = x[k]!;
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

/** Fits mu and the LPC predictor of one channel on the original, noise-aware. */
function fitChannel(x: TypedArray, n: number, c: number, ch: number, qt: Quant, maxOrder: number): ChannelModel {
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i * c + ch]!;
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
    const v = x[i * c + ch]! - mu;
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

class SzCodec implements ArrayToArrayCodec {
  readonly id = 'sz';
  readonly kind = 'array->array';
  readonly lossless = false;
  constructor(
    readonly abs: number,
    readonly order: number,
    readonly bps: number,
  ) {}

  toConfig(): CodecConfig {
    return this.bps > 0 ? { id: 'sz', bps: this.bps, order: this.order } : { id: 'sz', abs: this.abs, order: this.order };
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
  private encodeAt(x: TypedArray, spec: ChunkSpec, abs: number, withAbs: boolean): { data: Int32Array; side: Uint8Array; bits: number } {
    const [n, c] = dims(spec);
    const qt = quantOf(spec.dtype, abs);
    const codes = new Int32Array(n * c);
    const y = new Float64Array(n);
    const escapes = new Map<number, number>();
    const w = new ByteWriter(64 + c * 16);
    if (withAbs) w.f64(abs);
    for (let ch = 0; ch < c; ch++) {
      const m = fitChannel(x, n, c, ch, qt, this.order);
      runChannel(n, c, ch, m, qt, y, codes, x, escapes);
      if (qt.integer) writeZigzag(w, m.mu);
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

  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
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
    if (this.bps > 0) {
      abs = r.f64();
      if (!(abs >= 0) || !Number.isFinite(abs)) throw new CorruptDataError('sz: bad stored abs');
    }
    const qt = quantOf(spec.dtype, abs);
    const models: ChannelModel[] = [];
    for (let ch = 0; ch < c; ch++) {
      const mu = qt.integer ? readZigzag(r) : r.f64();
      const order = r.u8();
      const shift = r.u8();
      if (order > this.order || shift > 31) throw new CorruptDataError(`sz: bad predictor (order ${order}, shift ${shift})`);
      const q = new Int32Array(order);
      for (let j = 0; j < order; j++) {
        const v = readZigzag(r);
        if (Math.abs(v) >= 2 ** PRECISION) throw new CorruptDataError('sz: coefficient out of range');
        q[j] = v;
      }
      if (qt.integer && (mu < qt.lo || mu > qt.hi)) throw new CorruptDataError('sz: channel mean out of range');
      models.push({ mu, f: { order, shift, q } });
    }
    const nEsc = r.varint();
    r.expectAtLeast(nEsc, 9);
    const escapes = new Map<number, number>();
    let k = 0;
    for (let i = 0; i < nEsc; i++) {
      k += r.varint();
      if (k >= n * c || (i > 0 && escapes.has(k))) throw new CorruptDataError('sz: escape index out of range');
      escapes.set(k, r.f64());
    }
    r.end();
    const a = out && out.length === n * c ? out : allocArray(spec.dtype, n * c);
    const y = new Float64Array(n);
    for (let ch = 0; ch < c; ch++) {
      runChannel(n, c, ch, models[ch]!, qt, y, codes, undefined, escapes);
      for (let i = 0; i < n; i++) a[i * c + ch] = y[i]!;
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
    p.done();
    if (bps > 0 && config.abs !== undefined) throw new InvalidConfigError('sz: give either abs (error bound) or bps (rate), not both');
    if (bps === 0 && config.abs === undefined) throw new InvalidConfigError('sz: abs (the error bound) is required, or bps for the rate mode');
    return new SzCodec(abs, order, bps);
  },
};
