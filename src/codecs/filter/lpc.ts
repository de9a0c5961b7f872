import { allocArray, reuseArray, isIntegerDType, itemsize, type DType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';
import { readZigzag, writeZigzag } from './remap.js';

/**
 * `lpc`: per-chunk, per-channel linear prediction as in FLAC (docs/spec/codecs/lpc.md).
 * Autocorrelation of the windowed channel, Levinson-Durbin up to `order`, the order chosen by the
 * estimated cost (n/2 log2 E_p + p coefficient bits), coefficients quantized to `precision` bits with
 * error feedback. Prediction p = floor(sum q_j x[i-1-j] / 2^shift); residual x - p wraps modulo
 * 2^bits of the dtype. Samples before the order use x[i-1] (and 0 for the first). Exact for every
 * integer dtype: |q| < 2^14 and |x| < 2^32 keep 32 products below 2^52, exact in doubles.
 */
export const MAX_ORDER = 32;
const MAX_SHIFT = 24;

/** Coefficients of one channel. */
export interface LpcFilter {
  order: number;
  shift: number;
  q: Int32Array;
}

/**
 * The LPC of one channel: autocorrelation, Levinson-Durbin up to `maxOrder`, the order with the
 * lowest estimated cost (n/2 log2 E_p + p coefficient bits), coefficients quantized to `precision`.
 */
export function designLpc(x: Float64Array, n: number, maxOrderParam: number, precision: number): LpcFilter {
  const maxOrder = Math.min(maxOrderParam, Math.max(0, n - 1));
  if (maxOrder === 0) return { order: 0, shift: 0, q: new Int32Array(0) };
  const r = new Float64Array(maxOrder + 1);
  autocorrelation(x, n, maxOrder, r);
  const coefs: Float64Array[] = [];
  for (let p = 1; p <= maxOrder; p++) coefs.push(new Float64Array(p));
  const err = new Float64Array(maxOrder + 1);
  const top = levinson(r, maxOrder, coefs, err);
  if (top === 0) return { order: 1, shift: 0, q: Int32Array.of(1) };
  let best = 1;
  let bestCost = Infinity;
  for (let p = 1; p <= top; p++) {
    const cost = 0.5 * n * Math.log2(Math.max(err[p]! / n, 1e-9)) + p * (precision + 2);
    if (cost < bestCost) {
      bestCost = cost;
      best = p;
    }
  }
  return quantize(coefs[best - 1]!, best, precision);
}

/**
 * Gains of the first `edge` samples of the Tukey window; the last `edge` mirror them exactly
 * (n - i - 0.5 = j + 0.5 for j = n - 1 - i, both exact), the rest are 1. Kept for the last edge.
 */
let winEdge = -1;
let winHead = new Float64Array(0);
let winScratch = new Float64Array(0);

function windowHead(edge: number): Float64Array {
  if (edge !== winEdge) {
    winHead = new Float64Array(edge);
    for (let i = 0; i < edge; i++) winHead[i] = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / edge);
    winEdge = edge;
  }
  return winHead;
}

/**
 * Autocorrelation lags 0..maxLag of a (Tukey-windowed) signal. Nine lags per pass over the signal
 * (independent sums, so the loop is not bound by one addition chain); every lag still adds its
 * terms in ascending order from 0, so the values are bit-identical to one pass per lag.
 */
export function autocorrelation(x: Float64Array, n: number, maxLag: number, out: Float64Array): void {
  if (winScratch.length < n) winScratch = new Float64Array(Math.max(n, 2 * winScratch.length));
  const w = winScratch;
  const edge = Math.max(1, Math.floor(n * 0.05));
  const g = windowHead(edge);
  const headEnd = Math.min(edge, n);
  const tailStart = Math.max(headEnd, n - edge);
  for (let i = 0; i < headEnd; i++) w[i] = x[i]! * g[i]!;
  for (let i = headEnd; i < tailStart; i++) w[i] = x[i]!;
  for (let i = tailStart; i < n; i++) w[i] = x[i]! * g[n - 1 - i]!;
  let lag = 0;
  for (; lag + 8 <= maxLag; lag += 9) lags9(w, n, lag, out);
  for (; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += w[i]! * w[i - lag]!;
    out[lag] = s;
  }
}

/** out[l0..l0+8]: the sums of w[i] w[i-l] for i = l .. n-1, each in ascending i. */
function lags9(w: Float64Array, n: number, l0: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0; // prettier-ignore
  const head = Math.min(n, l0 + 8);
  for (let i = l0; i < head; i++) {
    const wi = w[i]!;
    const d = i - l0; // terms of lags l0 .. l0+d exist at this i
    s0 += wi * w[i - l0]!;
    if (d >= 1) s1 += wi * w[i - l0 - 1]!;
    if (d >= 2) s2 += wi * w[i - l0 - 2]!;
    if (d >= 3) s3 += wi * w[i - l0 - 3]!;
    if (d >= 4) s4 += wi * w[i - l0 - 4]!;
    if (d >= 5) s5 += wi * w[i - l0 - 5]!;
    if (d >= 6) s6 += wi * w[i - l0 - 6]!;
    if (d >= 7) s7 += wi * w[i - l0 - 7]!;
  }
  for (let i = l0 + 8, j = 8; i < n; i++, j++) {
    const wi = w[i]!;
    s0 += wi * w[j]!;
    s1 += wi * w[j - 1]!;
    s2 += wi * w[j - 2]!;
    s3 += wi * w[j - 3]!;
    s4 += wi * w[j - 4]!;
    s5 += wi * w[j - 5]!;
    s6 += wi * w[j - 6]!;
    s7 += wi * w[j - 7]!;
    s8 += wi * w[j - 8]!;
  }
  out[l0] = s0;
  out[l0 + 1] = s1;
  out[l0 + 2] = s2;
  out[l0 + 3] = s3;
  out[l0 + 4] = s4;
  out[l0 + 5] = s5;
  out[l0 + 6] = s6;
  out[l0 + 7] = s7;
  out[l0 + 8] = s8;
}

/**
 * Levinson-Durbin: fills coefs[p-1] (length p) for each order p <= maxOrder and err[p] (prediction
 * error energy). Stops early (returns the last stable order) when the error vanishes.
 */
export function levinson(r: Float64Array, maxOrder: number, coefs: Float64Array[], err: Float64Array): number {
  const a = new Float64Array(maxOrder + 1);
  const tmp = new Float64Array(maxOrder + 1);
  let e = r[0]!;
  err[0] = e;
  if (!(e > 0)) return 0;
  for (let p = 1; p <= maxOrder; p++) {
    let acc = r[p]!;
    for (let j = 1; j < p; j++) acc -= a[j]! * r[p - j]!;
    const k = acc / e;
    if (!Number.isFinite(k) || Math.abs(k) >= 1) return p - 1;
    tmp.set(a);
    a[p] = k;
    for (let j = 1; j < p; j++) a[j] = tmp[j]! - k * tmp[p - j]!;
    e *= 1 - k * k;
    err[p] = e;
    const c = coefs[p - 1]!;
    for (let j = 0; j < p; j++) c[j] = a[j + 1]!;
    if (!(e > 0)) return p;
  }
  return maxOrder;
}

/** Quantizes coefficients to `precision` bits (sign included) with error feedback. */
export function quantize(a: Float64Array, order: number, precision: number): LpcFilter {
  let cmax = 0;
  for (let j = 0; j < order; j++) cmax = Math.max(cmax, Math.abs(a[j]!));
  const q = new Int32Array(order);
  if (cmax === 0) return { order, shift: 0, q };
  const lim = 2 ** (precision - 1) - 1;
  let shift = precision - 1 - (Math.floor(Math.log2(cmax)) + 1);
  shift = Math.max(0, Math.min(MAX_SHIFT, shift));
  const scale = 2 ** shift;
  let errAcc = 0;
  for (let j = 0; j < order; j++) {
    errAcc += a[j]! * scale;
    let v = Math.round(errAcc);
    v = Math.max(-lim, Math.min(lim, v));
    q[j] = v;
    errAcc -= v;
  }
  return { order, shift, q };
}

/** Residual of one channel (contiguous `x`, n values) into `r` (doubles, not yet wrapped). */
export function residual(x: Float64Array, n: number, f: LpcFilter, r: Float64Array): void {
  const { order, q } = f;
  const div = 2 ** f.shift;
  const head = Math.min(order, n);
  for (let i = 0; i < head; i++) r[i] = x[i]! - (i > 0 ? x[i - 1]! : 0);
  if (order === 0) {
    for (let i = 0; i < n; i++) r[i] = x[i]!;
    return;
  }
  for (let i = order; i < n; i++) {
    let s = 0;
    for (let j = 0; j < order; j++) s += q[j]! * x[i - 1 - j]!;
    r[i] = x[i]! - Math.floor(s / div);
  }
}

/*
 * Integer fast paths for values of at most 16 bits, order <= 8 and shift <= 16 (what `fast` and most
 * channels of `default` produce). The prediction sum is taken modulo 2^32 (int32 products and adds):
 * floor(s / 2^shift) modulo 2^16 depends only on s modulo 2^(16 + shift), and 16 + shift <= 32, so
 * the residual (or the restored value), which the 16-bit store wraps anyway, is the same as with the
 * exact double sum above. The last eight values live in locals; unused coefficients are 0.
 */

/** Residual of one channel (its values contiguous in xs) into channel `ch` of y (c channels, n rows). */
function residual8(xs: Float64Array, y: TypedArray, n: number, c: number, ch: number, f: LpcFilter): void {
  const order = f.order;
  const sh = f.shift;
  const q = f.q;
  const q0 = order > 0 ? q[0]! : 0, q1 = order > 1 ? q[1]! : 0, q2 = order > 2 ? q[2]! : 0, q3 = order > 3 ? q[3]! : 0; // prettier-ignore
  const q4 = order > 4 ? q[4]! : 0, q5 = order > 5 ? q[5]! : 0, q6 = order > 6 ? q[6]! : 0, q7 = order > 7 ? q[7]! : 0; // prettier-ignore
  let x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, x6 = 0, x7 = 0, x8 = 0; // prettier-ignore
  const head = Math.min(order, n);
  let k = ch;
  let i = 0;
  for (; i < head; i++, k += c) {
    const v = xs[i]! | 0;
    y[k] = v - x1;
    x8 = x7; x7 = x6; x6 = x5; x5 = x4; x4 = x3; x3 = x2; x2 = x1; x1 = v; // prettier-ignore
  }
  if (order === 0) {
    for (i = 0, k = ch; i < n; i++, k += c) y[k] = xs[i]!;
    return;
  }
  for (; i < n; i++, k += c) {
    const s =
      (((Math.imul(q0, x1) + Math.imul(q1, x2)) | 0) + ((Math.imul(q2, x3) + Math.imul(q3, x4)) | 0) +
        (((Math.imul(q4, x5) + Math.imul(q5, x6)) | 0) + ((Math.imul(q6, x7) + Math.imul(q7, x8)) | 0))) | 0; // prettier-ignore
    const v = xs[i]! | 0;
    y[k] = (v - (s >> sh)) | 0;
    x8 = x7; x7 = x6; x6 = x5; x5 = x4; x4 = x3; x3 = x2; x2 = x1; x1 = v; // prettier-ignore
  }
}

/** Inverse of residual8 into x (the values wrapped to the dtype's `bits`, as its store does). */
function restore8(d: TypedArray, x: TypedArray, n: number, c: number, ch: number, order: number, sh: number, q: Int32Array, bits: number, signed: boolean): void {
  const q0 = order > 0 ? q[0]! : 0, q1 = order > 1 ? q[1]! : 0, q2 = order > 2 ? q[2]! : 0, q3 = order > 3 ? q[3]! : 0; // prettier-ignore
  const q4 = order > 4 ? q[4]! : 0, q5 = order > 5 ? q[5]! : 0, q6 = order > 6 ? q[6]! : 0, q7 = order > 7 ? q[7]! : 0; // prettier-ignore
  const ws = 32 - bits;
  let x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, x6 = 0, x7 = 0, x8 = 0; // prettier-ignore
  const head = Math.min(order, n);
  let k = ch;
  let i = 0;
  for (; i < head; i++, k += c) {
    const t = ((d[k]! | 0) + x1) << ws;
    const v = signed ? t >> ws : t >>> ws;
    x[k] = v;
    x8 = x7; x7 = x6; x6 = x5; x5 = x4; x4 = x3; x3 = x2; x2 = x1; x1 = v; // prettier-ignore
  }
  for (; i < n; i++, k += c) {
    const s =
      (((Math.imul(q0, x1) + Math.imul(q1, x2)) | 0) + ((Math.imul(q2, x3) + Math.imul(q3, x4)) | 0) +
        (((Math.imul(q4, x5) + Math.imul(q5, x6)) | 0) + ((Math.imul(q6, x7) + Math.imul(q7, x8)) | 0))) | 0; // prettier-ignore
    const t = (((d[k]! | 0) + (s >> sh)) | 0) << ws;
    const v = signed ? t >> ws : t >>> ws;
    x[k] = v;
    x8 = x7; x7 = x6; x6 = x5; x5 = x4; x4 = x3; x3 = x2; x2 = x1; x1 = v; // prettier-ignore
  }
}

/** sum of q[j] h[m - j], j < order: exact (integers below 2^35), four independent partial sums. */
function dotBack(q: Int32Array, order: number, h: Float64Array, m: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
  let j = 0;
  for (; j + 4 <= order; j += 4, m -= 4) {
    s0 += q[j]! * h[m]!;
    s1 += q[j + 1]! * h[m - 1]!;
    s2 += q[j + 2]! * h[m - 2]!;
    s3 += q[j + 3]! * h[m - 3]!;
  }
  for (; j < order; j++, m--) s0 += q[j]! * h[m]!;
  return s0 + s1 + (s2 + s3);
}

/** residual8 for any order: the channel's values contiguous in xs; s < 2^35 is exact in a double. */
function residualN(xs: Float64Array, y: TypedArray, n: number, c: number, ch: number, f: LpcFilter): void {
  const { order, q } = f;
  const sh = f.shift;
  const head = Math.min(order, n);
  for (let i = 0, k = ch; i < head; i++, k += c) y[k] = xs[i]! - (i > 0 ? xs[i - 1]! : 0);
  for (let i = order, k = ch + order * c; i < n; i++, k += c) {
    const s = dotBack(q, order, xs, i - 1);
    y[k] = xs[i]! - (s >> sh); // ToInt32 takes s modulo 2^32
  }
}

/** restore8 for any order, with the channel's restored values kept contiguous in hs. */
function restoreN(d: TypedArray, x: TypedArray, n: number, c: number, ch: number, order: number, sh: number, q: Int32Array, bits: number, signed: boolean, hs: Float64Array): void {
  const ws = 32 - bits;
  const head = Math.min(order, n);
  for (let i = 0, k = ch; i < head; i++, k += c) {
    const t = (d[k]! + (i > 0 ? hs[i - 1]! : 0)) << ws;
    const v = signed ? t >> ws : t >>> ws;
    x[k] = v;
    hs[i] = v;
  }
  for (let i = order, k = ch + order * c; i < n; i++, k += c) {
    const s = dotBack(q, order, hs, i - 1);
    const t = (((d[k]! | 0) + (s >> sh)) | 0) << ws;
    const v = signed ? t >> ws : t >>> ws;
    x[k] = v;
    hs[i] = v;
  }
}

class LpcCodec implements ArrayToArrayCodec {
  readonly id = 'lpc';
  readonly kind = 'array->array';
  readonly lossless = true;
  constructor(
    readonly order: number,
    readonly precision: number,
  ) {}

  encode(): TypedArray {
    throw new InvalidConfigError('lpc: stores coefficients per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('lpc: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }

  /** Picks the order by estimated cost and quantizes. */
  design(x: Float64Array, n: number): LpcFilter {
    return designLpc(x, n, this.order, this.precision);
  }

  encodeWithSide(x: TypedArray, spec: ChunkSpec, out?: TypedArray): { data: TypedArray; side: Uint8Array } {
    checkDType(spec);
    const [n, c] = dims(spec);
    const y = reuseArray(out, spec.dtype, x.length);
    const xs = new Float64Array(n);
    let rs: Float64Array | undefined;
    const small = itemsize(spec.dtype) <= 2;
    const w = new ByteWriter(8 + c * 40);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0, k = ch; i < n; i++, k += c) xs[i] = x[k]!;
      const f = this.design(xs, n);
      w.u8(f.order);
      if (f.order > 0) {
        w.u8(f.shift);
        for (let j = 0; j < f.order; j++) writeZigzag(w, f.q[j]!);
      }
      if (small && f.shift <= 16) {
        if (f.order <= 8) residual8(xs, y, n, c, ch, f);
        else residualN(xs, y, n, c, ch, f);
        continue;
      }
      rs ??= new Float64Array(n);
      residual(xs, n, f, rs);
      for (let i = 0, k = ch; i < n; i++, k += c) y[k] = rs[i]!; // the store wraps
    }
    return { data: y, side: w.finish().slice() };
  }

  decodeWithSide(d: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const x = out ?? allocArray(spec.dtype, d.length);
    const rd = new ByteReader(side, 'lpc side bytes');
    const xs = new Float64Array(n);
    const lim = 2 ** (this.precision - 1) - 1;
    const q = new Int32Array(MAX_ORDER);
    const bits = 8 * itemsize(spec.dtype);
    const signed = spec.dtype.startsWith('int');
    for (let ch = 0; ch < c; ch++) {
      const order = rd.u8();
      if (order > this.order) throw new CorruptDataError(`lpc: channel ${ch} order ${order} above ${this.order}`);
      let div = 1;
      let shift = 0;
      if (order > 0) {
        shift = rd.u8();
        if (shift > MAX_SHIFT) throw new CorruptDataError(`lpc: channel ${ch} shift ${shift}`);
        div = 2 ** shift;
        for (let j = 0; j < order; j++) {
          const v = readZigzag(rd);
          if (Math.abs(v) > lim) throw new CorruptDataError(`lpc: channel ${ch} coefficient ${v} beyond ${this.precision} bits`);
          q[j] = v;
        }
      }
      if (order === 0) {
        for (let i = 0, k = ch; i < n; i++, k += c) x[k] = d[k]!;
        continue;
      }
      if (bits <= 16 && shift <= 16) {
        if (order <= 8) restore8(d, x, n, c, ch, order, shift, q, bits, signed);
        else restoreN(d, x, n, c, ch, order, shift, q, bits, signed, xs);
        continue;
      }
      const head = Math.min(order, n);
      for (let i = 0, k = ch; i < head; i++, k += c) {
        x[k] = d[k]! + (i > 0 ? xs[i - 1]! : 0);
        xs[i] = x[k]!;
      }
      for (let i = order, k = ch + order * c; i < n; i++, k += c) {
        let s = 0;
        for (let j = 0; j < order; j++) s += q[j]! * xs[i - 1 - j]!;
        x[k] = d[k]! + Math.floor(s / div);
        xs[i] = x[k]!; // read back: the store wrapped it
      }
    }
    rd.end();
    return x;
  }

  toConfig() {
    return { id: this.id, order: this.order, precision: this.precision };
  }
}

function checkDType(spec: ChunkSpec): DType {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`lpc: needs an integer dtype, got ${spec.dtype}`);
  return spec.dtype;
}

export const factory: CodecFactory = {
  id: 'lpc',
  kind: 'array->array',
  description: 'per-chunk linear prediction (Levinson-Durbin, quantized coefficients, order by cost)',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 16, 0, MAX_ORDER);
    const precision = p.int('precision', 14, 6, 15);
    p.done();
    return new LpcCodec(order, precision);
  },
};
