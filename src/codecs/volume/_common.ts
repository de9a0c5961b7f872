/*
 * Shared pieces of the volume codecs (dct3d, dwt3d, pca, gmm, hermite, sphharm, octree): the float-dtype check,
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

/**
 * The coefficient coder one code at a time, for streams whose classes depend on what was decoded
 * (octree): `put(q, c)` / `get(c)` with c < classes.
 */
export class IntEncoder {
  private readonly m: Model;
  private readonly enc = new BinaryEncoder(1024);
  private prevZero = 1;
  constructor(classes: number) {
    this.m = new Model(classes);
  }
  put(q: number, c: number): void {
    const { m, enc } = this;
    const nz = q !== 0 ? 1 : 0;
    enc.encode(nz, m.zero.prob(c * 2 + this.prevZero));
    m.zero.update(c * 2 + this.prevZero, nz);
    this.prevZero = nz ? 0 : 1;
    if (!nz) return;
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
  finish(): Uint8Array {
    return this.enc.finish();
  }
}

export class IntDecoder {
  private readonly m: Model;
  private readonly dec: BinaryDecoder;
  private prevZero = 1;
  constructor(bytes: Uint8Array, classes: number, private readonly what: string) {
    this.m = new Model(classes);
    this.dec = new BinaryDecoder(bytes, what);
  }
  get(c: number): number {
    const { m, dec } = this;
    const nz = dec.decode(m.zero.prob(c * 2 + this.prevZero));
    m.zero.update(c * 2 + this.prevZero, nz);
    this.prevZero = nz ? 0 : 1;
    if (!nz) return 0;
    const neg = dec.decode(m.sign.prob(c));
    m.sign.update(c, neg);
    let e = 0;
    for (;;) {
      const bit = dec.decode(m.expo.prob(c * 64 + e));
      m.expo.update(c * 64 + e, bit);
      if (!bit) break;
      if (++e >= EBITS) throw new CorruptDataError(`${this.what}: code magnitude out of range`);
    }
    let a = 1;
    for (let k = e - 1; k >= 0; k--) {
      const mc = c * 128 + (k === e - 1 ? e * 2 : e * 2 + 1);
      const bit = dec.decode(m.mant.prob(mc));
      m.mant.update(mc, bit);
      a = a * 2 + bit;
    }
    return neg ? -a : a;
  }
  /** Checks that the stream ended exactly here. */
  end(): void {
    this.dec.end();
  }
}

/** Codes in order; `cls[i]` (< classes) picks the context set of code i. */
export function encodeInts(codes: Float64Array, cls: Uint8Array, classes: number): Uint8Array {
  const e = new IntEncoder(classes);
  for (let i = 0; i < codes.length; i++) e.put(codes[i]!, cls[i]!);
  return e.finish();
}

export function decodeInts(bytes: Uint8Array, cls: Uint8Array, classes: number, what: string): Float64Array {
  const d = new IntDecoder(bytes, classes, what);
  const codes = new Float64Array(cls.length);
  for (let i = 0; i < codes.length; i++) codes[i] = d.get(cls[i]!);
  d.end();
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
