/*
 * READ ME FIRST — `sz3d`, an SZ3-style error-bounded codec for float32/float64 arrays of up to 3
 * dimensions (docs/spec/codecs/sz3d.md). The bound |x - x̂| <= eb holds on every value.
 *  - Prediction runs on RECONSTRUCTED values (what the decoder will have), in C order over
 *    [nz, ny, nx] (a 2-D spec is [1, a, b], 1-D [1, 1, a], more dims fold into nz). Predictors:
 *    0 = 3-D Lorenzo; 1 = a log-quadratic model exp(c·m(z,y,x)) fitted once (10 float32
 *    coefficients stored): a Maxwellian-like blob is predicted almost exactly; 2 = the model plus
 *    3-D Lorenzo on the model's residual. The encoder tries each and keeps the smallest stream.
 *  - Quantization: q = round((x - p) / 2eb), x̂ = cast(p + 2eb·q); when |q| > QMAX or the cast
 *    value misses the bound (float32 rounding, NaN, Inf) the value is an escape, stored exactly.
 *  - Codes go through a context-adaptive binary arithmetic coder (_binary-coder.ts): zero flag,
 *    sign, Elias-gamma exponent and mantissa bits, the context being the magnitude of the codes of
 *    the x-1, y-1 and z-1 neighbours, so the large zero regions of a VDF cost almost nothing.
 *  - Modes: abs (eb = bound), rel (eb = bound x value range), psnr (eb from the target, then
 *    tightened until the achieved PSNR reaches it). The eb actually used is in the stream.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, UnsupportedFormatError } from '../../core/errors.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { AdaptiveBits as Bits, BinaryDecoder, BinaryEncoder } from '../entropy/_binary-coder.js';

const FORMAT = 1;
const QMAX = 1 << 29;
const ESC = QMAX + 1; // magnitude of the escape code (sign +)
const NCTX = 12;
const NMODEL = 10;
export type Sz3dMode = 'abs' | 'rel' | 'psnr';

/** [nz, ny, nx] of a spec's shape. */
export function dims3(shape: readonly number[]): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  if (shape.length === 1) return [1, 1, shape[0]!];
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  let z = 1;
  for (let i = 0; i < shape.length - 2; i++) z *= shape[i]!;
  return [z, shape[shape.length - 2]!, shape[shape.length - 1]!];
}

/** The value range (max - min) over finite values; 0 when none. */
export function valueRange(x: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi >= lo && Number.isFinite(hi - lo) ? hi - lo : 0;
}

// ---- the log-quadratic model ----

function monomials(z: number, y: number, x: number, d: [number, number, number], m: Float64Array): void {
  const u = (z - (d[0] - 1) / 2) / d[0];
  const v = (y - (d[1] - 1) / 2) / d[1];
  const w = (x - (d[2] - 1) / 2) / d[2];
  m[0] = 1;
  m[1] = u;
  m[2] = v;
  m[3] = w;
  m[4] = u * u;
  m[5] = v * v;
  m[6] = w * w;
  m[7] = u * v;
  m[8] = u * w;
  m[9] = v * w;
}

/** Model values exp(c·m) at every point (0 where it under/overflows). */
function evalModel(c: Float64Array, d: [number, number, number]): Float64Array {
  const out = new Float64Array(d[0] * d[1] * d[2]);
  const m = new Float64Array(NMODEL);
  let i = 0;
  for (let z = 0; z < d[0]; z++) {
    for (let y = 0; y < d[1]; y++) {
      for (let x = 0; x < d[2]; x++, i++) {
        monomials(z, y, x, d, m);
        let s = 0;
        for (let k = 0; k < NMODEL; k++) s += c[k]! * m[k]!;
        const e = Math.exp(s);
        out[i] = Number.isFinite(e) ? e : 0;
      }
    }
  }
  return out;
}

/** Weighted least squares of log x on the quadratic monomials (weights x), over x > 1e-9 max. */
function fitModel(x: TypedArray, d: [number, number, number]): Float64Array | undefined {
  let mx = 0;
  for (let i = 0; i < x.length; i++) if (x[i]! > mx && Number.isFinite(x[i]!)) mx = x[i]!;
  if (!(mx > 0)) return undefined;
  const A = new Float64Array(NMODEL * NMODEL);
  const b = new Float64Array(NMODEL);
  const m = new Float64Array(NMODEL);
  let count = 0;
  let i = 0;
  for (let z = 0; z < d[0]; z++) {
    for (let y = 0; y < d[1]; y++) {
      for (let xx = 0; xx < d[2]; xx++, i++) {
        const v = x[i]!;
        if (!(v > mx * 1e-9) || !Number.isFinite(v)) continue;
        count++;
        monomials(z, y, xx, d, m);
        const w = v / mx;
        const lv = Math.log(v);
        for (let r = 0; r < NMODEL; r++) {
          b[r] += w * m[r]! * lv;
          for (let c = 0; c < NMODEL; c++) A[r * NMODEL + c] += w * m[r]! * m[c]!;
        }
      }
    }
  }
  if (count < 2 * NMODEL) return undefined;
  const sol = solve(A, b, NMODEL);
  if (!sol) return undefined;
  for (let k = 0; k < NMODEL; k++) sol[k] = Math.fround(sol[k]!); // what the stream stores
  return sol;
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
export function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const a = A.slice();
  const x = b.slice();
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    if (!(Math.abs(a[p * n + c]!) > 1e-300)) return undefined;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k]!, a[c * n + k]!];
      [x[c], x[p]] = [x[p]!, x[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k]!;
      x[r] -= f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x.every((v) => Number.isFinite(v)) ? x : undefined;
}

// ---- prediction + quantization (shared by encoder and decoder: the same arithmetic) ----

interface Plan {
  d: [number, number, number];
  eb: number;
  f32: boolean;
  variant: number;
  model?: Float64Array;
}

/**
 * Encoder when `x` is given (fills codes, escapes and recon), decoder otherwise (reads codes and
 * escapes, fills recon). Returns the escaped values (encoder).
 */
function quantize(plan: Plan, recon: TypedArray, codes: Int32Array, x?: TypedArray, escIn?: ArrayLike<number>): number[] {
  const [nz, ny, nx] = plan.d;
  const { eb, f32, variant, model } = plan;
  const step = 2 * eb;
  const sxy = nx * ny;
  const useModel = variant !== 0;
  const lorenzo = variant !== 1;
  // residual (recon - model) history for Lorenzo; plain recon when no model
  const res = new Float64Array(lorenzo ? nz * ny * nx : 0);
  const esc: number[] = [];
  let ep = 0;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let xx = 0; xx < nx; xx++, i++) {
        let p = 0;
        if (lorenzo) {
          const a = xx > 0 ? res[i - 1]! : 0;
          const b = y > 0 ? res[i - nx]! : 0;
          const c = z > 0 ? res[i - sxy]! : 0;
          const ab = xx > 0 && y > 0 ? res[i - nx - 1]! : 0;
          const ac = xx > 0 && z > 0 ? res[i - sxy - 1]! : 0;
          const bc = y > 0 && z > 0 ? res[i - sxy - nx]! : 0;
          const abc = xx > 0 && y > 0 && z > 0 ? res[i - sxy - nx - 1]! : 0;
          p = a + b + c - ab - ac - bc + abc;
        }
        const base = useModel ? model![i]! : 0;
        let pred = base + p;
        if (!Number.isFinite(pred)) pred = 0;
        let r: number;
        if (x) {
          const v = x[i]!;
          let q = eb > 0 ? Math.round((v - pred) / step) : 0;
          r = f32 ? Math.fround(pred + step * q) : pred + step * q;
          if (!(Math.abs(q) <= QMAX) || !(Math.abs(v - r) <= eb)) {
            q = ESC;
            r = v;
            esc.push(v);
          }
          codes[i] = q;
        } else {
          const q = codes[i]!;
          if (q === ESC) {
            if (ep >= escIn!.length) throw new CorruptDataError('sz3d: more escapes than stored values');
            r = escIn![ep++]!;
          } else {
            r = f32 ? Math.fround(pred + step * q) : pred + step * q;
          }
        }
        recon[i] = r;
        if (lorenzo) {
          const rr = r - base;
          res[i] = Number.isFinite(rr) ? rr : 0;
        }
      }
    }
  }
  if (!x && ep !== escIn!.length) throw new CorruptDataError('sz3d: fewer escapes than stored values');
  return esc;
}

// ---- entropy coding of the codes ----


function ctxOf(codes: Int32Array, i: number, xx: number, y: number, z: number, nx: number, sxy: number): number {
  let s = 0;
  if (xx > 0) s += Math.min(Math.abs(codes[i - 1]!), 1 << 20) * 2;
  if (y > 0) s += Math.min(Math.abs(codes[i - nx]!), 1 << 20);
  if (z > 0) s += Math.min(Math.abs(codes[i - sxy]!), 1 << 20);
  if (s === 0) return 0;
  const c = 1 + (31 - Math.clz32(s));
  return c >= NCTX ? NCTX - 1 : c;
}

class CodeModel {
  readonly zero = new Bits(NCTX * 2);
  readonly sign = new Bits(NCTX * 3);
  readonly expo = new Bits(NCTX * 32);
  readonly mant = new Bits(32 * 2);
}

function forEachCode(d: [number, number, number], f: (i: number, ctx: number, zc: number, sc: number) => void, codes: Int32Array): void {
  const [nz, ny, nx] = d;
  const sxy = nx * ny;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let xx = 0; xx < nx; xx++, i++) {
        const ctx = ctxOf(codes, i, xx, y, z, nx, sxy);
        const prevZero = xx > 0 && codes[i - 1] === 0 ? 1 : 0;
        const sc = xx > 0 ? Math.sign(codes[i - 1]!) + 1 : 1;
        f(i, ctx * 2 + prevZero, ctx * 3 + sc, ctx);
      }
    }
  }
}

function encodeCodes(codes: Int32Array, d: [number, number, number]): Uint8Array {
  const m = new CodeModel();
  const enc = new BinaryEncoder(1024);
  forEachCode(d, (i, zc, sc, ctx) => {
    const q = codes[i]!;
    const nz = q !== 0 ? 1 : 0;
    enc.encode(nz, m.zero.prob(zc));
    m.zero.update(zc, nz);
    if (!nz) return;
    const neg = q < 0 ? 1 : 0;
    enc.encode(neg, m.sign.prob(sc));
    m.sign.update(sc, neg);
    const a = Math.abs(q); // >= 1
    const e = 31 - Math.clz32(a); // a in [2^e, 2^(e+1))
    for (let k = 0; k < e; k++) {
      enc.encode(1, m.expo.prob(ctx * 32 + k));
      m.expo.update(ctx * 32 + k, 1);
    }
    if (e < 31) {
      enc.encode(0, m.expo.prob(ctx * 32 + e));
      m.expo.update(ctx * 32 + e, 0);
    }
    for (let k = e - 1; k >= 0; k--) {
      const bit = (a >>> k) & 1;
      const mc = k === e - 1 ? e * 2 : e * 2 + 1;
      enc.encode(bit, m.mant.prob(mc));
      m.mant.update(mc, bit);
    }
  }, codes);
  return enc.finish();
}

function decodeCodes(bytes: Uint8Array, d: [number, number, number], n: number): Int32Array {
  const codes = new Int32Array(n);
  const m = new CodeModel();
  const dec = new BinaryDecoder(bytes, 'sz3d codes');
  forEachCode(d, (i, zc, sc, ctx) => {
    const nz = dec.decode(m.zero.prob(zc));
    m.zero.update(zc, nz);
    if (!nz) return;
    const neg = dec.decode(m.sign.prob(sc));
    m.sign.update(sc, neg);
    let e = 0;
    while (e < 31) {
      const bit = dec.decode(m.expo.prob(ctx * 32 + e));
      m.expo.update(ctx * 32 + e, bit);
      if (!bit) break;
      e++;
    }
    if (e > 29) throw new CorruptDataError('sz3d: code magnitude out of range');
    let a = 1;
    for (let k = e - 1; k >= 0; k--) {
      const mc = k === e - 1 ? e * 2 : e * 2 + 1;
      const bit = dec.decode(m.mant.prob(mc));
      m.mant.update(mc, bit);
      a = a * 2 + bit;
    }
    if (a > ESC || (neg && a === ESC)) throw new CorruptDataError('sz3d: code magnitude out of range');
    codes[i] = neg ? -a : a;
  }, codes);
  dec.end();
  return codes;
}

// ---- the codec ----

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
function f32Bits(v: number): number {
  F32[0] = v;
  return U32[0]!;
}
function bitsF32(b: number): number {
  U32[0] = b;
  return F32[0]!;
}

export interface Sz3dStats {
  eb: number;
  variant: number;
  escapes: number;
  bytes: number;
}

class Sz3dCodec implements ArrayToBytesCodec {
  readonly id = 'sz3d';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  /** Facts about the last encode (for reports). */
  last?: Sz3dStats;
  constructor(
    readonly mode: Sz3dMode,
    readonly bound: number,
  ) {}

  private check(spec: ChunkSpec): void {
    if (spec.dtype !== 'float32' && spec.dtype !== 'float64') throw new UnsupportedFormatError(`sz3d: float32 or float64 only, not ${spec.dtype}`);
  }

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    this.check(spec);
    const d = dims3(spec.shape);
    if (this.mode === 'abs') return this.encodeAt(x, spec, d, this.bound);
    const range = valueRange(x);
    if (this.mode === 'rel') return this.encodeAt(x, spec, d, this.bound * range);
    // psnr: uniform quantization error has rms eb/sqrt(3); tighten until the target is met
    let eb = range * Math.sqrt(3) * 10 ** (-this.bound / 20);
    for (let it = 0; ; it++) {
      const out = this.encodeAt(x, spec, d, eb);
      const y = this.decode(out, spec);
      if (range === 0 || achievedPsnr(x, y, range) >= this.bound || it >= 40) return out;
      eb *= 0.8;
    }
  }

  private encodeAt(x: TypedArray, spec: ChunkSpec, d: [number, number, number], eb: number): Uint8Array {
    const n = elementCount(spec.shape);
    if (x.length !== n) throw new CorruptDataError(`sz3d: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const f32 = spec.dtype === 'float32';
    const coefs = fitModel(x, d);
    const model = coefs ? evalModel(coefs, d) : undefined;
    let best: Uint8Array | undefined;
    for (const variant of model ? [0, 1, 2] : [0]) {
      const codes = new Int32Array(n);
      const recon = allocArray(spec.dtype, n);
      const esc = quantize({ d, eb, f32, variant, model }, recon, codes, x);
      const w = new ByteWriter(64 + esc.length * 8);
      w.u8(FORMAT).u8(variant).varint(d[0]).varint(d[1]).varint(d[2]).f64(eb);
      if (variant !== 0) for (let k = 0; k < NMODEL; k++) w.u32(f32Bits(coefs![k]!));
      w.varint(esc.length);
      for (const v of esc) f32 ? w.u32(f32Bits(v)) : w.f64(v);
      w.bytes(encodeCodes(codes, d));
      const out = w.finish();
      if (!best || out.byteLength < best.byteLength) {
        best = out;
        this.last = { eb, variant, escapes: esc.length, bytes: out.byteLength };
      }
    }
    return best!;
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    this.check(spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'sz3d stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`sz3d: unknown stream format ${fmt}`);
    const variant = r.u8();
    if (variant > 2) throw new CorruptDataError(`sz3d: unknown predictor ${variant}`);
    const d: [number, number, number] = [r.varint(), r.varint(), r.varint()];
    if (d[0] * d[1] * d[2] !== n) throw new CorruptDataError(`sz3d: stream holds ${d.join('x')} values, expected ${n}`);
    const eb = r.f64();
    if (!(eb >= 0) || !Number.isFinite(eb)) throw new CorruptDataError('sz3d: bad error bound');
    let model: Float64Array | undefined;
    if (variant !== 0) {
      const c = new Float64Array(NMODEL);
      for (let k = 0; k < NMODEL; k++) c[k] = bitsF32(r.u32());
      model = evalModel(c, d);
    }
    const f32 = spec.dtype === 'float32';
    const nEsc = r.varint();
    r.expectAtLeast(nEsc, f32 ? 4 : 8);
    if (nEsc > n) throw new CorruptDataError('sz3d: more escapes than values');
    const esc = new Float64Array(nEsc);
    for (let k = 0; k < nEsc; k++) esc[k] = f32 ? bitsF32(r.u32()) : r.f64();
    const codes = decodeCodes(r.bytesView(r.remaining), d, n);
    const recon = out ?? allocArray(spec.dtype, n);
    if (recon.length !== n) throw new CorruptDataError('sz3d: output buffer of the wrong size');
    quantize({ d, eb, f32, variant, model }, recon, codes, undefined, esc);
    return recon;
  }

  toConfig() {
    return { id: this.id, mode: this.mode, bound: this.bound };
  }
}

function achievedPsnr(x: TypedArray, y: TypedArray, range: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const e = x[i]! - y[i]!;
    s += Number.isFinite(e) ? e * e : 0;
  }
  const mse = s / Math.max(1, x.length);
  return mse === 0 ? Infinity : 20 * Math.log10(range) - 10 * Math.log10(mse);
}

export function sz3d(mode: Sz3dMode, bound: number): Sz3dCodec {
  return new Sz3dCodec(mode, bound);
}

export const factory: CodecFactory = {
  id: 'sz3d',
  kind: 'array->bytes',
  description: 'SZ3-style error-bounded float codec for 3-D volumes: Lorenzo / log-quadratic model prediction, quantization, adaptive arithmetic coding (mode abs|rel|psnr, bound)',
  fromConfig(config) {
    const p = new Params(config);
    const mode = p.oneOf<Sz3dMode>('mode', 'abs', ['abs', 'rel', 'psnr']);
    const bound = p.num('bound', mode === 'psnr' ? 60 : mode === 'rel' ? 1e-3 : 1e-3, 0, mode === 'psnr' ? 400 : Number.MAX_VALUE);
    p.done();
    return new Sz3dCodec(mode, bound);
  },
};
