import { allocArray, isIntegerDType, type DType, type TypedArray } from '../../core/dtype.js';
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

/** Autocorrelation lags 0..maxLag of a (Tukey-windowed) signal. */
export function autocorrelation(x: Float64Array, n: number, maxLag: number, out: Float64Array): void {
  const w = new Float64Array(n);
  const edge = Math.max(1, Math.floor(n * 0.05));
  for (let i = 0; i < n; i++) {
    let g = 1;
    if (i < edge) g = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / edge);
    else if (i >= n - edge) g = 0.5 - 0.5 * Math.cos((Math.PI * (n - i - 0.5)) / edge);
    w[i] = x[i]! * g;
  }
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += w[i]! * w[i - lag]!;
    out[lag] = s;
  }
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

  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
    checkDType(spec);
    const [n, c] = dims(spec);
    const y = allocArray(spec.dtype, x.length);
    const xs = new Float64Array(n);
    const rs = new Float64Array(n);
    const w = new ByteWriter(8 + c * 40);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0, k = ch; i < n; i++, k += c) xs[i] = x[k]!;
      const f = this.design(xs, n);
      w.u8(f.order);
      if (f.order > 0) {
        w.u8(f.shift);
        for (let j = 0; j < f.order; j++) writeZigzag(w, f.q[j]!);
      }
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
    for (let ch = 0; ch < c; ch++) {
      const order = rd.u8();
      if (order > this.order) throw new CorruptDataError(`lpc: channel ${ch} order ${order} above ${this.order}`);
      let div = 1;
      if (order > 0) {
        const shift = rd.u8();
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
