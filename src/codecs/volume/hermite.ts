/*
 * `hermite` (docs/spec/codecs/hermite.md): a float volume f (a VDF on [vz, vy, vx]) approximated
 * by a Maxwellian fit times a Hermite expansion of total order <= m:
 *   f(z, y, x) ~ sum_{a+b+c<=m} c_abc G(ξz) G(ξy) G(ξx) h_a(ξz) h_b(ξy) h_c(ξx),
 *   ξ = (index - mean) / sigma per axis, G(ξ) = exp(-ξ²/2), h_k = He_k / sqrt(k!) (probabilists').
 * mean and sigma are the first and second moments of max(f, 0) per axis (the Maxwellian fit);
 * the coefficients are the least-squares fit over every point (the normal equations are separable,
 * so the fit costs O(n K) for K coefficients). Stored: mean, sigma and the K coefficients as float32.
 * Lossy with no bound: the error is what order m leaves.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { solve } from '../filter/sz3d.js';
import { bitsF32, checkFloat, dims3, emit, f32Bits } from './_common.js';

const FORMAT = 1;
const MAX_ORDER = 12;

/** (a, b, c) with a + b + c <= m: by total degree, then a descending, then b descending. */
export function hermiteTerms(m: number): [number, number, number][] {
  const t: [number, number, number][] = [];
  for (let s = 0; s <= m; s++) for (let a = s; a >= 0; a--) for (let b = s - a; b >= 0; b--) t.push([a, b, s - a - b]);
  return t;
}

/** Per axis: table[i * (m + 1) + k] = G(ξ_i) h_k(ξ_i). */
function axisTable(n: number, mean: number, sigma: number, m: number): Float64Array {
  const t = new Float64Array(n * (m + 1));
  for (let i = 0; i < n; i++) {
    const xi = (i - mean) / sigma;
    const g = Math.exp(-0.5 * xi * xi);
    let h0 = 1;
    let h1 = xi;
    t[i * (m + 1)] = g;
    if (m >= 1) t[i * (m + 1) + 1] = g * xi;
    // He_{k+1} = ξ He_k - k He_{k-1}; h_k = He_k / sqrt(k!)
    let fact = 1;
    for (let k = 1; k < m; k++) {
      const h2 = xi * h1 - k * h0;
      h0 = h1;
      h1 = h2;
      fact *= k + 1;
      t[i * (m + 1) + k + 1] = (g * h2) / Math.sqrt(fact);
    }
  }
  return t;
}

function evaluate(d: [number, number, number], m: number, mean: number[], sigma: number[], coef: Float64Array): Float64Array {
  const [nz, ny, nx] = d;
  const terms = hermiteTerms(m);
  const m1 = m + 1;
  const tz = axisTable(nz, mean[0]!, sigma[0]!, m);
  const ty = axisTable(ny, mean[1]!, sigma[1]!, m);
  const tx = axisTable(nx, mean[2]!, sigma[2]!, m);
  // contract x first: P[(a,b)][x] = sum_c coef(a,b,c) tx[x][c]
  const P = new Float64Array(m1 * m1 * nx);
  terms.forEach(([a, b, c], j) => {
    for (let x = 0; x < nx; x++) P[(a * m1 + b) * nx + x] += coef[j]! * tx[x * m1 + c]!;
  });
  const out = new Float64Array(nz * ny * nx);
  const Q = new Float64Array(m1 * nx); // Q[a][x] = sum_b P[a][b][x] ty[y][b]
  for (let y = 0; y < ny; y++) {
    Q.fill(0);
    for (let a = 0; a <= m; a++) for (let b = 0; b + a <= m; b++) {
      const w = ty[y * m1 + b]!;
      if (w === 0) continue;
      for (let x = 0; x < nx; x++) Q[a * nx + x] += w * P[(a * m1 + b) * nx + x]!;
    }
    for (let z = 0; z < nz; z++) {
      const o = (z * ny + y) * nx;
      for (let a = 0; a <= m; a++) {
        const w = tz[z * m1 + a]!;
        if (w === 0) continue;
        for (let x = 0; x < nx; x++) out[o + x] += w * Q[a * nx + x]!;
      }
    }
  }
  return out;
}

class HermiteCodec implements ArrayToBytesCodec {
  readonly id = 'hermite';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(readonly order: number) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const d = dims3(spec.shape);
    const [nz, ny, nx] = d;
    if (x.length !== nz * ny * nx) throw new CorruptDataError(`hermite: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const m = this.order;
    const m1 = m + 1;
    const f = (i: number) => (Number.isFinite(x[i]!) ? x[i]! : 0);
    // Maxwellian fit: moments of max(f, 0) per axis
    const s0 = [0, 0, 0];
    const s1 = [0, 0, 0];
    const s2 = [0, 0, 0];
    let i = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++, i++) {
      const w = Math.max(0, f(i));
      const c = [z, y, xx];
      for (let a = 0; a < 3; a++) {
        s0[a] += w;
        s1[a] += w * c[a]!;
        s2[a] += w * c[a]! * c[a]!;
      }
    }
    const mean = [0, 1, 2].map((a) => Math.fround(s0[a]! > 0 ? s1[a]! / s0[a]! : (d[a]! - 1) / 2));
    const sigma = [0, 1, 2].map((a) => {
      const v = s0[a]! > 0 ? s2[a]! / s0[a]! - (s1[a]! / s0[a]!) ** 2 : 0;
      return Math.fround(v > 1e-4 ? Math.sqrt(v) : Math.max(1, d[a]! / 4));
    });
    const tz = axisTable(nz, mean[0]!, sigma[0]!, m);
    const ty = axisTable(ny, mean[1]!, sigma[1]!, m);
    const tx = axisTable(nx, mean[2]!, sigma[2]!, m);
    const gram = (t: Float64Array, n: number) => {
      const g = new Float64Array(m1 * m1);
      for (let p = 0; p < n; p++) for (let a = 0; a <= m; a++) for (let b = 0; b <= m; b++) g[a * m1 + b] += t[p * m1 + a]! * t[p * m1 + b]!;
      return g;
    };
    const gz = gram(tz, nz);
    const gy = gram(ty, ny);
    const gx = gram(tx, nx);
    // rhs R[(a,b,c)] = sum f tz[a] ty[b] tx[c], contracted x, then y, then z
    const Rx = new Float64Array(nz * ny * m1);
    i = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
      const o = (z * ny + y) * m1;
      for (let xx = 0; xx < nx; xx++, i++) {
        const v = f(i);
        if (v === 0) continue;
        for (let c = 0; c <= m; c++) Rx[o + c] += v * tx[xx * m1 + c]!;
      }
    }
    const Ry = new Float64Array(nz * m1 * m1);
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let b = 0; b <= m; b++) {
      const w = ty[y * m1 + b]!;
      for (let c = 0; c <= m; c++) Ry[(z * m1 + b) * m1 + c] += w * Rx[(z * ny + y) * m1 + c]!;
    }
    const R = new Float64Array(m1 * m1 * m1);
    for (let z = 0; z < nz; z++) for (let a = 0; a <= m; a++) {
      const w = tz[z * m1 + a]!;
      for (let bc = 0; bc < m1 * m1; bc++) R[a * m1 * m1 + bc] += w * Ry[z * m1 * m1 + bc]!;
    }
    const terms = hermiteTerms(m);
    const K = terms.length;
    const G = new Float64Array(K * K);
    const rhs = new Float64Array(K);
    let trace = 0;
    terms.forEach(([a, b, c], j) => {
      rhs[j] = R[(a * m1 + b) * m1 + c]!;
      terms.forEach(([a2, b2, c2], k) => {
        G[j * K + k] = gz[a * m1 + a2]! * gy[b * m1 + b2]! * gx[c * m1 + c2]!;
      });
      trace += G[j * K + j]!;
    });
    for (let j = 0; j < K; j++) G[j * K + j] += 1e-12 * (trace / K) + 1e-300;
    const coef = solve(G, rhs, K) ?? new Float64Array(K);
    const w = new ByteWriter(64 + 4 * K);
    w.u8(FORMAT).varint(nz).varint(ny).varint(nx).u8(m);
    for (const v of [...mean, ...sigma]) w.u32(f32Bits(v));
    for (let j = 0; j < K; j++) w.u32(f32Bits(coef[j]!));
    return w.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'hermite stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`hermite: unknown stream format ${fmt}`);
    const d: [number, number, number] = [r.varint(), r.varint(), r.varint()];
    if (d[0] * d[1] * d[2] !== n) throw new CorruptDataError(`hermite: stream holds ${d.join('x')} values, expected ${n}`);
    const m = r.u8();
    if (m > MAX_ORDER) throw new CorruptDataError(`hermite: order ${m}`);
    const p = Array.from({ length: 6 }, () => bitsF32(r.u32()));
    const mean = p.slice(0, 3);
    const sigma = p.slice(3);
    if (!p.every(Number.isFinite) || !sigma.every((s) => s > 0)) throw new CorruptDataError('hermite: bad Maxwellian parameters');
    const K = hermiteTerms(m).length;
    r.expectAtLeast(K, 4);
    const coef = new Float64Array(K);
    for (let j = 0; j < K; j++) coef[j] = bitsF32(r.u32());
    r.end();
    return emit(evaluate(d, m, mean, sigma, coef), spec, out, this.id);
  }

  toConfig() {
    return { id: this.id, order: this.order };
  }
}

export const factory: CodecFactory = {
  id: 'hermite',
  kind: 'array->bytes',
  description: 'float volume as a Maxwellian fit times a Hermite expansion of total order m (least squares; parameters stored as float32; order 0..12)',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 4, 0, MAX_ORDER);
    p.done();
    return new HermiteCodec(order);
  },
};
