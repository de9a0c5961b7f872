/*
 * READ ME FIRST — shared pieces of the time-series transform codecs `dct` and `dwt`
 * (docs/spec/codecs/dct.md "Coefficient coding", "Quantization", "Rate control").
 *  - Quantizer: dead zone. q = sign(c) * floor(|c| / step + r), r = rnd in [0, 0.5] (0.5 = plain
 *    rounding; smaller widens the zero bin), r = min(rnd, 0.3) where every neighbour (below) of
 *    the coefficient quantized to 0: there a non-zero code is expensive (a cheap RD decision that
 *    the decoder never needs to know). Measured best on N1 at ~1 bit/sample: rnd = 0.42.
 *    Reconstruction: c' = sign(q) * (|q| - bias) * step, with bias1 for |q| = 1 and bias2 for
 *    |q| >= 2 fitted per chunk by least squares (the centroid of each bin) and stored.
 *  - Coder: the binary arithmetic coder of src/codecs/entropy/_binary-coder.ts with counters that
 *    adapt fast at first (1/(n+1.5)) then settle (1/LIMIT). Context of a coefficient = its band
 *    class (given by the transform) x a neighbourhood class from the magnitudes (each capped at 15) of up to 4
 *    already-coded neighbours (given as indices in coding order, -1 = none), weights 2, 1, 2, 1.
 *    Per coefficient: zero flag; sign (p = 1/2); "|q| > 1", "|q| > 2" flags; then |q| - 3 as an
 *    Elias-gamma code whose exponent and mantissa bits have their own contexts.
 *  - Reverse water-filling falls out of one step for all bands of an orthonormal transform: a
 *    band whose coefficients stay below the dead zone costs only its (cheap, well-predicted)
 *    zero flags, so the bits go to the strong low-frequency bands.
 */
import { CorruptDataError } from '../../core/errors.js';
import { BinaryDecoder, BinaryEncoder } from '../entropy/_binary-coder.js';

/** The largest |q| the coder accepts; quantizers clamp to it. */
export const Q_MAX = 2 ** 30;
const EBITS = 31;
const NB_CLASSES = 12;
const LIMIT = 255;
const DIV = new Uint32Array(LIMIT + 1).map((_, n) => Math.floor(65536 / (n + 1.5)));

/** Adaptive bit probabilities: 16-bit p(bit = 1) and a hit count per context. */
class Counters {
  readonly p: Uint16Array;
  readonly n: Uint8Array;
  constructor(size: number, private readonly limit: number) {
    this.p = new Uint16Array(size).fill(32768);
    this.n = new Uint8Array(size);
  }
  prob(k: number): number {
    const v = this.p[k]! >>> 4;
    return v < 1 ? 1 : v > 4095 ? 4095 : v;
  }
  update(k: number, bit: number): void {
    const n = this.n[k]!;
    const p = this.p[k]!;
    const t = bit ? 65535 : 0;
    this.p[k] = p + (((t - p) * DIV[n]!) >> 16);
    if (n < this.limit) this.n[k] = n + 1;
  }
}

/** The neighbourhood class from the weighted magnitude sum (0 = all neighbours zero). */
function nbClass(s: number): number {
  return s < 3 ? s : s < 5 ? 3 : s < 7 ? 4 : s < 10 ? 5 : s < 14 ? 6 : s < 20 ? 7 : s < 28 ? 8 : s < 40 ? 9 : s < 60 ? 10 : 11;
}

class Model {
  readonly zero: Counters;
  readonly gt1: Counters;
  readonly gt2: Counters;
  readonly expo: Counters;
  readonly mant: Counters;
  constructor(readonly bands: number) {
    this.zero = new Counters(bands * NB_CLASSES, LIMIT);
    this.gt1 = new Counters(bands * NB_CLASSES, LIMIT);
    this.gt2 = new Counters(bands * NB_CLASSES, LIMIT);
    this.expo = new Counters(bands * 4 * EBITS, 60);
    this.mant = new Counters(bands * EBITS * 2, 60);
  }
}

/** The context of coefficient i from the magnitudes already known (mag[] in coding order). */
function context(i: number, nb: Int32Array, mag: Uint32Array): number {
  const b = i * 4;
  let s = 0;
  const a0 = nb[b]!;
  const a1 = nb[b + 1]!;
  const a2 = nb[b + 2]!;
  const a3 = nb[b + 3]!;
  if (a0 >= 0) s += 2 * Math.min(mag[a0]!, 15);
  if (a1 >= 0) s += Math.min(mag[a1]!, 15);
  if (a2 >= 0) s += 2 * Math.min(mag[a2]!, 15);
  if (a3 >= 0) s += Math.min(mag[a3]!, 15);
  return nbClass(s);
}

/**
 * Codes q (in coding order). band[i] < bands is coefficient i's band class; nb holds 4 neighbour
 * indices per coefficient (each < i, or -1).
 */
export function encodeCoefs(enc: BinaryEncoder, q: Int32Array, band: Uint8Array, bands: number, nb: Int32Array): void {
  const m = new Model(bands);
  const mag = new Uint32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const v = q[i]!;
    const a = v < 0 ? -v : v;
    mag[i] = a;
    const nc = context(i, nb, mag);
    const c = band[i]! * NB_CLASSES + nc;
    const nz = a !== 0 ? 1 : 0;
    enc.encode(nz, m.zero.prob(c));
    m.zero.update(c, nz);
    if (!nz) continue;
    enc.encode(v < 0 ? 1 : 0, 2048);
    const g1 = a > 1 ? 1 : 0;
    enc.encode(g1, m.gt1.prob(c));
    m.gt1.update(c, g1);
    if (!g1) continue;
    const g2 = a > 2 ? 1 : 0;
    enc.encode(g2, m.gt2.prob(c));
    m.gt2.update(c, g2);
    if (!g2) continue;
    // a - 2 >= 1 as Elias gamma: exponent e (unary), then e mantissa bits
    const r = a - 2;
    const e = 31 - Math.clz32(r);
    const ec = (band[i]! * 4 + Math.min(3, nc >> 2)) * EBITS;
    for (let k = 0; k < e; k++) {
      enc.encode(1, m.expo.prob(ec + k));
      m.expo.update(ec + k, 1);
    }
    if (e < EBITS - 1) {
      enc.encode(0, m.expo.prob(ec + e));
      m.expo.update(ec + e, 0);
    }
    for (let k = e - 1; k >= 0; k--) {
      const bit = (r >>> k) & 1;
      const mc = (band[i]! * EBITS + e) * 2 + (k === e - 1 ? 0 : 1);
      enc.encode(bit, m.mant.prob(mc));
      m.mant.update(mc, bit);
    }
  }
}

export function decodeCoefs(dec: BinaryDecoder, n: number, band: Uint8Array, bands: number, nb: Int32Array, what: string): Int32Array {
  const m = new Model(bands);
  const mag = new Uint32Array(n);
  const q = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const nc = context(i, nb, mag);
    const c = band[i]! * NB_CLASSES + nc;
    const nz = dec.decode(m.zero.prob(c));
    m.zero.update(c, nz);
    if (!nz) continue;
    const neg = dec.decode(2048);
    let a = 1;
    const g1 = dec.decode(m.gt1.prob(c));
    m.gt1.update(c, g1);
    if (g1) {
      a = 2;
      const g2 = dec.decode(m.gt2.prob(c));
      m.gt2.update(c, g2);
      if (g2) {
        const ec = (band[i]! * 4 + Math.min(3, nc >> 2)) * EBITS;
        let e = 0;
        while (e < EBITS - 1) {
          const bit = dec.decode(m.expo.prob(ec + e));
          m.expo.update(ec + e, bit);
          if (!bit) break;
          e++;
        }
        let r = 1;
        for (let k = e - 1; k >= 0; k--) {
          const mc = (band[i]! * EBITS + e) * 2 + (k === e - 1 ? 0 : 1);
          const bit = dec.decode(m.mant.prob(mc));
          m.mant.update(mc, bit);
          r = r * 2 + bit;
        }
        if (r > Q_MAX) throw new CorruptDataError(`${what}: coefficient magnitude out of range`);
        a = r + 2;
      }
    }
    mag[i] = a;
    q[i] = neg ? -a : a;
  }
  return q;
}

/** The rounding offset where all neighbours are zero (measured on N1: +0.5 % ratio at equal SNR). */
const RND0 = 0.3;
/**
 * Dead-zone quantization of c (coding order) with step and rounding offset rnd. Where every
 * already-quantized neighbour is zero (where a non-zero code is expensive), the offset is rnd0.
 */
export function quantize(c: Float64Array, step: number, rnd: number, q: Int32Array, nb?: Int32Array): void {
  const inv = 1 / step;
  const mag = nb ? new Uint32Array(c.length) : undefined;
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    const r = mag && context(i, nb!, mag) === 0 ? Math.min(rnd, RND0) : rnd;
    let a = Math.floor(Math.abs(v) * inv + r);
    if (!(a >= 0)) a = 0; // NaN
    if (a > Q_MAX) a = Q_MAX;
    if (mag) mag[i] = a;
    q[i] = v < 0 ? -a : a;
  }
}

/** Least-squares reconstruction offsets [bias1, bias2] (in steps, clamped to [0, 0.5)). */
export function fitBias(c: Float64Array, q: Int32Array, step: number): [number, number] {
  let s1 = 0;
  let n1 = 0;
  let s2 = 0;
  let n2 = 0;
  for (let i = 0; i < c.length; i++) {
    const a = Math.abs(q[i]!);
    if (a === 0) continue;
    const d = a - Math.abs(c[i]!) / step;
    if (a === 1) {
      s1 += d;
      n1++;
    } else {
      s2 += d;
      n2++;
    }
  }
  const cl = (v: number) => Math.fround(Math.min(0.49, Math.max(0, v)));
  return [cl(n1 ? s1 / n1 : 0), cl(n2 ? s2 / n2 : 0)];
}

export function dequantize(q: Int32Array, step: number, bias: readonly [number, number], out: Float64Array): void {
  for (let i = 0; i < q.length; i++) {
    const v = q[i]!;
    if (v === 0) out[i] = 0;
    else {
      const a = v < 0 ? -v : v;
      const r = (a - (a === 1 ? bias[0] : bias[1])) * step;
      out[i] = v < 0 ? -r : r;
    }
  }
}

/** Squared error of quantizing c with (step, rnd) and reconstructing with the fitted biases. */
export function quantError(c: Float64Array, step: number, rnd: number, q: Int32Array, y: Float64Array, nb?: Int32Array): number {
  quantize(c, step, rnd, q, nb);
  dequantize(q, step, fitBias(c, q, step), y);
  let e = 0;
  for (let i = 0; i < c.length; i++) {
    const d = c[i]! - y[i]!;
    e += d * d;
  }
  return e;
}
