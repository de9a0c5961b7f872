/*
 * `gmm` (docs/spec/codecs/gmm.md): a float volume f approximated by n 3-D Gaussians,
 *   f(p) ~ sum_k A_k exp(-(p - mu_k)^T S_k^-1 (p - mu_k) / 2),   p = (z, y, x) index coordinates.
 * The encoder fits the mixture by EM on the grid points weighted by max(f, 0) (seeded weighted
 * k-means++ start, `iters` iterations, covariances regularized by 1e-3 I), rounds means and
 * covariances to float32, then fits the amplitudes A_k by least squares against f. Stored per
 * component: A, mu (3), S (6: zz, yy, xx, zy, zx, yx) as float32. Deterministic for a given seed;
 * lossy with no bound.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { solve } from '../filter/sz3d.js';
import { bitsF32, checkFloat, dims3, emit, f32Bits, seededRng } from './_common.js';

const FORMAT = 1;
const MAX_COMPONENTS = 64;
const REG = 1e-3;

interface Gauss {
  mu: number[];
  /** zz, yy, xx, zy, zx, yx */
  cov: number[];
}

/** Inverse of the symmetric 3x3 covariance (same 6-slot layout) and its determinant. */
function invert(c: number[]): { inv: number[]; det: number } {
  const [a, b, cc, d, e, f] = c as [number, number, number, number, number, number];
  // matrix [[a, d, e], [d, b, f], [e, f, cc]]
  const A = b * cc - f * f;
  const B = a * cc - e * e;
  const C = a * b - d * d;
  const D = -(d * cc - f * e);
  const E = d * f - b * e;
  const F = -(a * f - d * e);
  const det = a * A + d * D + e * E;
  return { inv: [A / det, B / det, C / det, D / det, E / det, F / det], det };
}

/** Mahalanobis exponent -q/2 for component (inverse given) at (z, y, x). */
function expo(inv: number[], mu: number[], z: number, y: number, x: number): number {
  const dz = z - mu[0]!;
  const dy = y - mu[1]!;
  const dx = x - mu[2]!;
  const q = inv[0]! * dz * dz + inv[1]! * dy * dy + inv[2]! * dx * dx + 2 * (inv[3]! * dz * dy + inv[4]! * dz * dx + inv[5]! * dy * dx);
  return -0.5 * q;
}

function basis(d: [number, number, number], comps: Gauss[]): Float64Array[] {
  const [nz, ny, nx] = d;
  return comps.map((g) => {
    const { inv } = invert(g.cov);
    const out = new Float64Array(nz * ny * nx);
    let i = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) out[i] = Math.exp(expo(inv, g.mu, z, y, x));
    return out;
  });
}

class GmmCodec implements ArrayToBytesCodec {
  readonly id = 'gmm';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(
    readonly components: number,
    readonly iters: number,
    readonly seed: number,
  ) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const d = dims3(spec.shape);
    const [nz, ny, nx] = d;
    const n = nz * ny * nx;
    if (x.length !== n) throw new CorruptDataError(`gmm: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const f = (i: number) => (Number.isFinite(x[i]!) ? x[i]! : 0);
    // weighted points
    const pts: number[] = [];
    const wts: number[] = [];
    let i = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++, i++) {
      const v = f(i);
      if (v > 0) {
        pts.push(z, y, xx);
        wts.push(v);
      }
    }
    const P = Float64Array.from(pts);
    const W = Float64Array.from(wts);
    const N = W.length;
    const K = this.components;
    let comps: Gauss[];
    if (N === 0) {
      comps = Array.from({ length: K }, () => ({ mu: [(nz - 1) / 2, (ny - 1) / 2, (nx - 1) / 2], cov: [1, 1, 1, 0, 0, 0] }));
    } else {
      comps = this.fit(P, W, K);
    }
    for (const g of comps) {
      g.mu = g.mu.map(Math.fround);
      g.cov = g.cov.map(Math.fround);
      if (!(invert(g.cov).det > 0)) g.cov = [1, 1, 1, 0, 0, 0];
    }
    // amplitudes: least squares of f on the K unnormalized Gaussians
    const B = basis(d, comps);
    const G = new Float64Array(K * K);
    const r = new Float64Array(K);
    for (let a = 0; a < K; a++) {
      for (let p = 0; p < n; p++) r[a] += B[a]![p]! * f(p);
      for (let b = a; b < K; b++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += B[a]![p]! * B[b]![p]!;
        G[a * K + b] = s;
        G[b * K + a] = s;
      }
    }
    let tr = 0;
    for (let a = 0; a < K; a++) tr += G[a * K + a]!;
    for (let a = 0; a < K; a++) G[a * K + a] += 1e-10 * (tr / K) + 1e-300;
    const amp = solve(G, r, K) ?? new Float64Array(K);
    const w = new ByteWriter(16 + 40 * K);
    w.u8(FORMAT).varint(nz).varint(ny).varint(nx).u8(K);
    comps.forEach((g, k) => {
      for (const v of [amp[k]!, ...g.mu, ...g.cov]) w.u32(f32Bits(v));
    });
    return w.finish();
  }

  /** EM on weighted points, seeded weighted k-means++ start. */
  private fit(P: Float64Array, W: Float64Array, K: number): Gauss[] {
    const N = W.length;
    const rnd = seededRng(this.seed);
    let total = 0;
    for (let p = 0; p < N; p++) total += W[p]!;
    const mean = [0, 0, 0];
    for (let p = 0; p < N; p++) for (let a = 0; a < 3; a++) mean[a] += (W[p]! * P[p * 3 + a]!) / total;
    const gcov = [0, 0, 0, 0, 0, 0];
    const pairs = [[0, 0], [1, 1], [2, 2], [0, 1], [0, 2], [1, 2]] as const;
    for (let p = 0; p < N; p++) pairs.forEach(([a, b], s) => (gcov[s] += (W[p]! * (P[p * 3 + a]! - mean[a]!) * (P[p * 3 + b]! - mean[b]!)) / total));
    for (let a = 0; a < 3; a++) gcov[a] += REG;
    const pick = (score: Float64Array) => {
      let s = 0;
      for (let p = 0; p < N; p++) s += score[p]!;
      let t = rnd() * s;
      for (let p = 0; p < N; p++) if ((t -= score[p]!) < 0) return p;
      return N - 1;
    };
    const centres: number[][] = [];
    const d2 = new Float64Array(N).fill(Infinity);
    const score = new Float64Array(N);
    for (let k = 0; k < K; k++) {
      for (let p = 0; p < N; p++) score[p] = k === 0 ? W[p]! : W[p]! * d2[p]!;
      const c = pick(score);
      const cen = [P[c * 3]!, P[c * 3 + 1]!, P[c * 3 + 2]!];
      centres.push(cen);
      for (let p = 0; p < N; p++) d2[p] = Math.min(d2[p]!, (P[p * 3]! - cen[0]!) ** 2 + (P[p * 3 + 1]! - cen[1]!) ** 2 + (P[p * 3 + 2]! - cen[2]!) ** 2);
    }
    let comps: Gauss[] = centres.map((mu) => ({ mu, cov: gcov.slice() }));
    let pi = new Float64Array(K).fill(1 / K);
    const R = new Float64Array(N * K);
    for (let it = 0; it < this.iters; it++) {
      const pre = comps.map((g) => invert(g.cov));
      for (let p = 0; p < N; p++) {
        let mx = -Infinity;
        for (let k = 0; k < K; k++) {
          const l = Math.log(pi[k]! + 1e-300) - 0.5 * Math.log(pre[k]!.det) + expo(pre[k]!.inv, comps[k]!.mu, P[p * 3]!, P[p * 3 + 1]!, P[p * 3 + 2]!);
          R[p * K + k] = l;
          if (l > mx) mx = l;
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += R[p * K + k] = Math.exp(R[p * K + k]! - mx);
        for (let k = 0; k < K; k++) R[p * K + k] = (R[p * K + k]! / s) * W[p]!;
      }
      const next: Gauss[] = [];
      const npi = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        let s = 0;
        const mu = [0, 0, 0];
        for (let p = 0; p < N; p++) {
          const r = R[p * K + k]!;
          s += r;
          for (let a = 0; a < 3; a++) mu[a] += r * P[p * 3 + a]!;
        }
        if (!(s > total * 1e-12)) {
          next.push(comps[k]!);
          npi[k] = 1e-12;
          continue;
        }
        for (let a = 0; a < 3; a++) mu[a] /= s;
        const cov = [0, 0, 0, 0, 0, 0];
        for (let p = 0; p < N; p++) {
          const r = R[p * K + k]!;
          if (r === 0) continue;
          pairs.forEach(([a, b], q) => (cov[q] += r * (P[p * 3 + a]! - mu[a]!) * (P[p * 3 + b]! - mu[b]!)));
        }
        for (let q = 0; q < 6; q++) cov[q] /= s;
        for (let a = 0; a < 3; a++) cov[a] += REG;
        next.push(invert(cov).det > 0 ? { mu, cov } : { mu, cov: gcov.slice() });
        npi[k] = s / total;
      }
      comps = next;
      pi = npi;
    }
    return comps;
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'gmm stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`gmm: unknown stream format ${fmt}`);
    const d: [number, number, number] = [r.varint(), r.varint(), r.varint()];
    if (d[0] * d[1] * d[2] !== n) throw new CorruptDataError(`gmm: stream holds ${d.join('x')} values, expected ${n}`);
    const K = r.u8();
    if (K < 1 || K > MAX_COMPONENTS) throw new CorruptDataError(`gmm: ${K} components`);
    r.expectAtLeast(K, 40);
    const amp: number[] = [];
    const comps: Gauss[] = [];
    for (let k = 0; k < K; k++) {
      const v = Array.from({ length: 10 }, () => bitsF32(r.u32()));
      if (!v.every(Number.isFinite)) throw new CorruptDataError('gmm: non-finite parameter');
      amp.push(v[0]!);
      comps.push({ mu: v.slice(1, 4), cov: v.slice(4) });
      if (!(invert(comps[k]!.cov).det > 0)) throw new CorruptDataError('gmm: covariance not positive definite');
    }
    r.end();
    const B = basis(d, comps);
    const vals = new Float64Array(n);
    for (let k = 0; k < K; k++) for (let p = 0; p < n; p++) vals[p] += amp[k]! * B[k]![p]!;
    return emit(vals, spec, out, this.id);
  }

  toConfig() {
    return { id: this.id, components: this.components, iters: this.iters, seed: this.seed };
  }
}

export const factory: CodecFactory = {
  id: 'gmm',
  kind: 'array->bytes',
  description: 'float volume as n 3-D Gaussians fitted by seeded EM, amplitudes by least squares; 10 float32 per component (components 1..64, iters, seed)',
  fromConfig(config) {
    const p = new Params(config);
    const components = p.int('components', 4, 1, MAX_COMPONENTS);
    const iters = p.int('iters', 100, 0, 10000);
    const seed = p.int('seed', 1, 0, 2 ** 32 - 1);
    p.done();
    return new GmmCodec(components, iters, seed);
  },
};
