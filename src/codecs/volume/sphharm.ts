/*
 * `sphharm` (docs/spec/codecs/sphharm.md): a float volume f (a VDF on [vz, vy, vx]) expanded in
 * real spherical harmonics of degree <= L around its centre of mass (the bulk velocity), with a
 * radial profile per (l, m) sampled on shells r = s·dr and linearly interpolated between them:
 *   f(p) ~ sum_{l<=L, |m|<=l} [(1 - t) a_{s,lm} + t a_{s+1,lm}] Y_lm(direction of p - c),
 *   s + t = |p - c| / dr.
 * The a_{s,lm} are the joint least-squares fit over every point (a block-tridiagonal system in
 * the shells, solved by block Cholesky), quantized with step q and entropy coded. The
 * reconstruction is clamped to the input's value range (at 0 for a VDF: its empty halo stays empty).
 * Lossy with no bound: the error is what L and dr leave.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { bitsF32, checkFloat, decodeInts, dims3, emit, encodeInts, f32Bits, quant } from './_common.js';

const FORMAT = 1;
const MAX_DEGREE = 12;
const FLAG_NONNEG = 1;
const FLAG_RANGE = 2;
/** Shells a stream may declare (a 2^20-per-axis volume at dr = 1/16 needs fewer). */
const MAX_SHELLS = 1 << 24;

/**
 * Real spherical harmonics Y_lm (orthonormal on the sphere, no Condon–Shortley phase) of the unit
 * direction (x, y, z) into out[l² + l + m]; at the centre itself only Y_00 is non-zero.
 */
export function realSh(L: number, x: number, y: number, z: number, out: Float64Array): void {
  const r = Math.hypot(x, y, z);
  out.fill(0);
  out[0] = 0.5 / Math.sqrt(Math.PI);
  if (r === 0 || L === 0) return;
  const ct = z / r;
  const st = Math.sqrt(Math.max(0, 1 - ct * ct));
  const phi = Math.atan2(y, x);
  for (let m = 0; m <= L; m++) {
    // P_m^m = (2m-1)!! st^m, P_{m+1}^m = ct (2m+1) P_m^m, then the three-term recurrence in l
    let pmm = 1;
    for (let k = 1; k <= m; k++) pmm *= (2 * k - 1) * st;
    let pPrev = 0;
    let pCur = pmm;
    // (l-m)!/(l+m)! for l = m
    let ratio = 1;
    for (let k = 1; k <= 2 * m; k++) ratio /= k;
    const cm = Math.cos(m * phi);
    const sm = Math.sin(m * phi);
    for (let l = m; l <= L; l++) {
      if (l > m) {
        const next = l === m + 1 ? ct * (2 * m + 1) * pmm : ((2 * l - 1) * ct * pCur - (l + m - 1) * pPrev) / (l - m);
        pPrev = pCur;
        pCur = next;
        ratio *= (l - m) / (l + m);
      }
      const n = Math.sqrt(((2 * l + 1) / (4 * Math.PI)) * ratio);
      if (m === 0) out[l * l + l] = n * pCur;
      else {
        out[l * l + l + m] = Math.SQRT2 * n * pCur * cm;
        out[l * l + l - m] = Math.SQRT2 * n * pCur * sm;
      }
    }
  }
}

interface Geometry {
  d: [number, number, number];
  c: number[];
  dr: number;
  L: number;
}

/** Calls visit(i, s, t, Y) for every point: its shell s, the fraction t towards s + 1, its Y_lm. */
function forEachPoint(g: Geometry, visit: (i: number, s: number, t: number, Y: Float64Array) => void): void {
  const [nz, ny, nx] = g.d;
  const Y = new Float64Array((g.L + 1) ** 2);
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    const dz = z - g.c[0]!;
    const dy = y - g.c[1]!;
    const dx = x - g.c[2]!;
    const u = Math.hypot(dx, dy, dz) / g.dr;
    const s = Math.floor(u);
    realSh(g.L, dx, dy, dz, Y);
    visit(i, s, u - s, Y);
  }
}

/** Shells needed so that every point's s + 1 exists. */
function shellCount(d: [number, number, number], c: number[], dr: number): number {
  let r2 = 0;
  for (const z of [0, d[0] - 1]) for (const y of [0, d[1] - 1]) for (const x of [0, d[2] - 1]) r2 = Math.max(r2, (z - c[0]!) ** 2 + (y - c[1]!) ** 2 + (x - c[2]!) ** 2);
  return Math.floor(Math.sqrt(r2) / dr) + 2;
}

/** In-place Cholesky of an SPD K×K matrix (lower triangle); a non-positive pivot is floored. */
function cholesky(A: Float64Array, K: number): void {
  for (let j = 0; j < K; j++) {
    let d = A[j * K + j]!;
    for (let k = 0; k < j; k++) d -= A[j * K + k]! ** 2;
    const ljj = Math.sqrt(d > 1e-300 ? d : 1e-300);
    A[j * K + j] = ljj;
    for (let i = j + 1; i < K; i++) {
      let s = A[i * K + j]!;
      for (let k = 0; k < j; k++) s -= A[i * K + k]! * A[j * K + k]!;
      A[i * K + j] = s / ljj;
    }
    for (let k = j + 1; k < K; k++) A[j * K + k] = 0;
  }
}
/** x = L⁻¹ b (forward substitution), b of K rows and `cols` columns (row-major), in place. */
function forward(Lm: Float64Array, b: Float64Array, K: number, cols: number): void {
  for (let i = 0; i < K; i++) for (let c = 0; c < cols; c++) {
    let s = b[i * cols + c]!;
    for (let k = 0; k < i; k++) s -= Lm[i * K + k]! * b[k * cols + c]!;
    b[i * cols + c] = s / Lm[i * K + i]!;
  }
}
/** x = L⁻ᵀ b for one column, in place. */
function backward(Lm: Float64Array, b: Float64Array, K: number): void {
  for (let i = K - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < K; k++) s -= Lm[k * K + i]! * b[k]!;
    b[i] = s / Lm[i * K + i]!;
  }
}

/** Joint least squares of the shell coefficients: block-tridiagonal normal equations, block Cholesky. */
function fitShells(g: Geometry, S: number, f: (i: number) => number): Float64Array {
  const K = (g.L + 1) ** 2;
  const A = Array.from({ length: S }, () => new Float64Array(K * K));
  const B = Array.from({ length: S }, () => new Float64Array(K * K)); // coupling of s and s + 1
  const rhs = Array.from({ length: S }, () => new Float64Array(K));
  forEachPoint(g, (i, s, t, Y) => {
    const v = f(i);
    const w0 = 1 - t;
    const A0 = A[s]!;
    const A1 = A[s + 1]!;
    const B0 = B[s]!;
    for (let j = 0; j < K; j++) {
      const yj = Y[j]!;
      if (yj === 0) continue;
      rhs[s]![j] += w0 * v * yj;
      rhs[s + 1]![j] += t * v * yj;
      const a0 = w0 * w0 * yj;
      const a1 = t * t * yj;
      const b0 = w0 * t * yj;
      const row = j * K;
      for (let k = 0; k <= j; k++) {
        const yk = Y[k]!;
        A0[row + k] += a0 * yk;
        A1[row + k] += a1 * yk;
        B0[row + k] += b0 * yk;
      }
    }
  });
  // the three are symmetric: fill the upper triangles
  for (const M of [...A, ...B]) for (let j = 0; j < K; j++) for (let k = 0; k < j; k++) M[k * K + j] = M[j * K + k]!;
  let trace = 0;
  for (const a of A) for (let j = 0; j < K; j++) trace += a[j * K + j]!;
  const ridge = 1e-6 * (trace / (S * K)) + 1e-300;
  const W: Float64Array[] = [];
  for (let s = 0; s < S; s++) {
    const a = A[s]!;
    for (let j = 0; j < K; j++) a[j * K + j] += ridge;
    if (s > 0) {
      // A_s -= W_{s-1}ᵀ W_{s-1}; y_s = rhs_s - W_{s-1}ᵀ y_{s-1}
      const w = W[s - 1]!;
      for (let j = 0; j < K; j++) for (let k = 0; k < K; k++) {
        let acc = 0;
        for (let m = 0; m < K; m++) acc += w[m * K + j]! * w[m * K + k]!;
        a[j * K + k] -= acc;
      }
      for (let j = 0; j < K; j++) {
        let acc = 0;
        for (let m = 0; m < K; m++) acc += w[m * K + j]! * rhs[s - 1]![m]!;
        rhs[s]![j] -= acc;
      }
    }
    cholesky(a, K);
    forward(a, rhs[s]!, K, 1);
    const w = B[s]!.slice();
    forward(a, w, K, K); // W_s = L_s⁻¹ B_s
    W.push(w);
  }
  const out = new Float64Array(S * K);
  for (let s = S - 1; s >= 0; s--) {
    const y = rhs[s]!.slice();
    if (s + 1 < S) {
      const w = W[s]!;
      for (let j = 0; j < K; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += w[j * K + k]! * out[(s + 1) * K + k]!;
        y[j] -= acc;
      }
    }
    backward(A[s]!, y, K);
    out.set(y, s * K);
  }
  return out;
}

function reconstruct(g: Geometry, coef: Float64Array, lo: number, hi: number, n: number): Float64Array {
  const K = (g.L + 1) ** 2;
  const out = new Float64Array(n);
  forEachPoint(g, (i, s, t, Y) => {
    let v = 0;
    const o0 = s * K;
    const o1 = o0 + K;
    for (let k = 0; k < K; k++) {
      const yk = Y[k]!;
      if (yk !== 0) v += ((1 - t) * coef[o0 + k]! + t * coef[o1 + k]!) * yk;
    }
    out[i] = v > lo ? (v < hi ? v : hi) : lo;
  });
  return out;
}

/** Int-coder class of coefficient k = l² + l + m: its degree l. */
function classes(S: number, L: number): Uint8Array {
  const K = (L + 1) ** 2;
  const cls = new Uint8Array(S * K);
  for (let s = 0; s < S; s++) for (let l = 0; l <= L; l++) for (let m = -l; m <= l; m++) cls[s * K + l * l + l + m] = l;
  return cls;
}

class SphHarmCodec implements ArrayToBytesCodec {
  readonly id = 'sphharm';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(readonly degree: number, readonly shell: number, readonly step: number) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const d = dims3(spec.shape);
    const [nz, ny, nx] = d;
    if (x.length !== nz * ny * nx) throw new CorruptDataError(`sphharm: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const f = (i: number) => (Number.isFinite(x[i]!) ? x[i]! : 0);
    // centre: the first moment of max(f, 0) (the bulk velocity of a VDF), else the box centre
    let m0 = 0;
    const m1 = [0, 0, 0];
    let lo = Infinity;
    let hi = -Infinity;
    let i = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++, i++) {
      const v = f(i);
      if (Number.isFinite(x[i]!)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const w = Math.max(0, v);
      m0 += w;
      m1[0] += w * z;
      m1[1] += w * y;
      m1[2] += w * xx;
    }
    const c = [0, 1, 2].map((a) => Math.fround(m0 > 0 ? m1[a]! / m0 : (d[a]! - 1) / 2));
    const g: Geometry = { d, c, dr: Math.fround(this.shell), L: this.degree };
    const S = shellCount(d, c, g.dr);
    const coef = fitShells(g, S, f);
    const codes = coef.map((v) => quant(v, this.step));
    const body = encodeInts(codes, classes(S, g.L), MAX_DEGREE + 1);
    const w = new ByteWriter(40 + body.byteLength);
    // the reconstruction is clamped to the input's range: at 0 for a non-negative input (a VDF's
    // empty halo stays empty), else to [lo, hi] stored as float64
    const flags = !(lo <= hi) ? 0 : lo >= 0 ? FLAG_NONNEG : FLAG_RANGE;
    w.u8(FORMAT).varint(nz).varint(ny).varint(nx).u8(g.L).u8(flags);
    if (flags === FLAG_RANGE) w.f64(lo).f64(hi);
    for (const v of [...c, g.dr]) w.u32(f32Bits(v));
    w.f64(this.step).varint(S).bytes(body);
    return w.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'sphharm stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`sphharm: unknown stream format ${fmt}`);
    const d: [number, number, number] = [r.varint(), r.varint(), r.varint()];
    if (d[0] * d[1] * d[2] !== n) throw new CorruptDataError(`sphharm: stream holds ${d.join('x')} values, expected ${n}`);
    const L = r.u8();
    const flags = r.u8();
    if (L > MAX_DEGREE || flags > FLAG_RANGE) throw new CorruptDataError(`sphharm: degree ${L}, flags ${flags}`);
    const [lo, hi] = flags === FLAG_RANGE ? [r.f64(), r.f64()] : flags === FLAG_NONNEG ? [0, Infinity] : [-Infinity, Infinity];
    if (!(lo <= hi)) throw new CorruptDataError('sphharm: bad value range');
    const p = Array.from({ length: 4 }, () => bitsF32(r.u32()));
    const c = p.slice(0, 3);
    const dr = p[3]!;
    const step = r.f64();
    const S = r.varint();
    if (!p.every(Number.isFinite) || !(dr > 0) || !(step > 0 && Number.isFinite(step))) throw new CorruptDataError('sphharm: bad centre, shell width or step');
    const g: Geometry = { d, c, dr, L };
    if (S !== shellCount(d, c, dr) || S > MAX_SHELLS) throw new CorruptDataError(`sphharm: ${S} shells do not match the geometry`);
    const codes = decodeInts(r.bytesView(r.remaining), classes(S, L), MAX_DEGREE + 1, 'sphharm stream');
    const coef = codes.map((q) => q * step);
    return emit(reconstruct(g, coef, lo, hi, n), spec, out, this.id);
  }

  toConfig() {
    return { id: this.id, degree: this.degree, shell: this.shell, step: this.step };
  }
}

export const factory: CodecFactory = {
  id: 'sphharm',
  kind: 'array->bytes',
  description: 'float volume as real spherical harmonics of degree <= L around its centre of mass, radial profile per (l, m) on shells of width dr (joint least squares, quantized with step)',
  fromConfig(config) {
    const p = new Params(config);
    const degree = p.int('degree', 4, 0, MAX_DEGREE);
    const shell = p.num('shell', 1, 1 / 16, 1e6);
    const step = p.num('step', 1e-3, Number.MIN_VALUE, Number.MAX_VALUE);
    p.done();
    return new SphHarmCodec(degree, shell, step);
  },
};
