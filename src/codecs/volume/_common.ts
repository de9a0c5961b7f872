/*
 * Shared pieces of the volume codecs (dct3d, dwt3d, pca, gmm, hermite): the float-dtype check,
 * the [nz, ny, nx] view of a spec, and the entropy coder of quantized integer coefficients
 * (docs/spec/codecs/dct3d.md "Coefficient coding"): an adaptive binary arithmetic coder, one
 * zero flag / sign / Elias-gamma exponent / mantissa model per caller-given class, the zero flag
 * also conditioned on whether the previous coefficient in the stream was zero.
 */
import type { TypedArray } from '../../core/dtype.js';
import { CorruptDataError, UnsupportedFormatError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import { AdaptiveBits as Bits, BinaryDecoder, BinaryEncoder } from '../entropy/_binary-coder.js';

export { dims3 } from '../filter/sz3d.js';

export function checkFloat(id: string, spec: ChunkSpec): void {
  if (spec.dtype !== 'float32' && spec.dtype !== 'float64') throw new UnsupportedFormatError(`${id}: float32 or float64 only, not ${spec.dtype}`);
}


/** The largest |code| the coefficient coder accepts (quantizers clamp to it): 2^53 - 1. */
export const CODE_MAX = Number.MAX_SAFE_INTEGER;
const EBITS = 53;

class Model {
  readonly zero: Bits;
  readonly sign: Bits;
  readonly expo: Bits;
  readonly mant: Bits;
  constructor(readonly classes: number) {
    this.zero = new Bits(classes * 2);
    this.sign = new Bits(classes);
    this.expo = new Bits(classes * 64);
    this.mant = new Bits(classes * 128);
  }
}

/** Codes in order; `cls[i]` (< classes) picks the context set of code i. */
export function encodeInts(codes: Float64Array, cls: Uint8Array, classes: number): Uint8Array {
  const m = new Model(classes);
  const enc = new BinaryEncoder(1024);
  let prevZero = 1;
  for (let i = 0; i < codes.length; i++) {
    const c = cls[i]!;
    const q = codes[i]!;
    const nz = q !== 0 ? 1 : 0;
    enc.encode(nz, m.zero.prob(c * 2 + prevZero));
    m.zero.update(c * 2 + prevZero, nz);
    prevZero = nz ? 0 : 1;
    if (!nz) continue;
    const neg = q < 0 ? 1 : 0;
    enc.encode(neg, m.sign.prob(c));
    m.sign.update(c, neg);
    const a = Math.abs(q);
    let e = 0;
    while (2 ** (e + 1) <= a) e++;
    for (let k = 0; k < e; k++) {
      enc.encode(1, m.expo.prob(c * 64 + k));
      m.expo.update(c * 64 + k, 1);
    }
    enc.encode(0, m.expo.prob(c * 64 + e));
    m.expo.update(c * 64 + e, 0);
    for (let k = e - 1; k >= 0; k--) {
      const bit = Math.floor(a / 2 ** k) % 2;
      const mc = c * 128 + (k === e - 1 ? e * 2 : e * 2 + 1);
      enc.encode(bit, m.mant.prob(mc));
      m.mant.update(mc, bit);
    }
  }
  return enc.finish();
}

export function decodeInts(bytes: Uint8Array, cls: Uint8Array, classes: number, what: string): Float64Array {
  const m = new Model(classes);
  const dec = new BinaryDecoder(bytes, what);
  const codes = new Float64Array(cls.length);
  let prevZero = 1;
  for (let i = 0; i < codes.length; i++) {
    const c = cls[i]!;
    const nz = dec.decode(m.zero.prob(c * 2 + prevZero));
    m.zero.update(c * 2 + prevZero, nz);
    prevZero = nz ? 0 : 1;
    if (!nz) continue;
    const neg = dec.decode(m.sign.prob(c));
    m.sign.update(c, neg);
    let e = 0;
    for (;;) {
      const bit = dec.decode(m.expo.prob(c * 64 + e));
      m.expo.update(c * 64 + e, bit);
      if (!bit) break;
      if (++e >= EBITS) throw new CorruptDataError(`${what}: code magnitude out of range`);
    }
    let a = 1;
    for (let k = e - 1; k >= 0; k--) {
      const mc = c * 128 + (k === e - 1 ? e * 2 : e * 2 + 1);
      const bit = dec.decode(m.mant.prob(mc));
      m.mant.update(mc, bit);
      a = a * 2 + bit;
    }
    codes[i] = neg ? -a : a;
  }
  dec.end();
  return codes;
}

/** round(v / step) clamped to ±CODE_MAX (0 for non-finite v or step 0). */
export function quant(v: number, step: number): number {
  if (!(step > 0) || !Number.isFinite(v)) return 0;
  const q = Math.round(v / step);
  return q > CODE_MAX ? CODE_MAX : q < -CODE_MAX ? -CODE_MAX : q;
}

/** Copies float64 results into the caller's (or a new) array of the spec's dtype. */
export function emit(vals: Float64Array, spec: ChunkSpec, out: TypedArray | undefined, id: string): TypedArray {
  const n = vals.length;
  const r = out ?? (spec.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
  if (r.length !== n) throw new CorruptDataError(`${id}: output buffer of the wrong size`);
  for (let i = 0; i < n; i++) r[i] = vals[i]!;
  return r;
}

/** Largest |finite value| (the scale for relative parameters). */
export function maxAbsFinite(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > m && Number.isFinite(a)) m = a;
  }
  return m;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
export function f32Bits(v: number): number {
  F32[0] = v;
  return U32[0]!;
}
export function bitsF32(b: number): number {
  U32[0] = b;
  return F32[0]!;
}

/** Deterministic seeded uniform [0, 1) generator (mulberry32). */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
