/*
 * `svd:rank=k` (lossy, IBL-style): low-rank approximation across channels, per chunk.
 *  - Channel means m (f64) are removed; the channel covariance C = X^T X (c x c) is diagonalized
 *    (cyclic Jacobi); the k eigenvectors of the largest eigenvalues form the basis V (c x k), stored
 *    as float32 in the side bytes (and so counted in the compressed size).
 *  - Output: the scores S = X V as float32, shape [n, k], for a float back end (e.g. sz:abs=...).
 *  - Decode: x̂ = m + S V^T (integers rounded and clamped to the dtype). rank >= channels keeps
 *    every component (only float32 rounding and integer rounding remain).
 * Not error-bounded. Spec: docs/lossy.md "IBL filters".
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { dtypeRange } from './sz.js';

const MAX_CHANNELS = 1024;

/** Eigen-decomposition of a symmetric matrix (row-major c x c, destroyed) by cyclic Jacobi. */
export function symmetricEigen(a: Float64Array, c: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(c * c);
  for (let i = 0; i < c; i++) v[i * c + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < c; p++) {
      diag += a[p * c + p]! * a[p * c + p]!;
      for (let q = p + 1; q < c; q++) off += a[p * c + q]! * a[p * c + q]!;
    }
    if (off <= 1e-22 * diag || off === 0) break;
    for (let p = 0; p < c - 1; p++) {
      for (let q = p + 1; q < c; q++) {
        const apq = a[p * c + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * c + p]!;
        const aqq = a[q * c + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < c; k++) {
          const akp = a[k * c + p]!;
          const akq = a[k * c + q]!;
          a[k * c + p] = cs * akp - sn * akq;
          a[k * c + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < c; k++) {
          const apk = a[p * c + k]!;
          const aqk = a[q * c + k]!;
          a[p * c + k] = cs * apk - sn * aqk;
          a[q * c + k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < c; k++) {
          const vkp = v[k * c + p]!;
          const vkq = v[k * c + q]!;
          v[k * c + p] = cs * vkp - sn * vkq;
          v[k * c + q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  const values = new Float64Array(c);
  for (let i = 0; i < c; i++) values[i] = a[i * c + i]!;
  return { values, vectors: v };
}

class SvdCodec implements ArrayToArrayCodec {
  readonly id = 'svd';
  readonly kind = 'array->array';
  readonly lossless = false;
  constructor(readonly rank: number) {}
  toConfig() {
    return { id: this.id, rank: this.rank };
  }
  private k(c: number): number {
    return Math.min(this.rank, c);
  }
  encodedSpec(spec: ChunkSpec): ChunkSpec {
    const [n, c] = dims(spec);
    return { dtype: 'float32', shape: [n, this.k(c)] };
  }
  encode(): TypedArray {
    throw new InvalidConfigError('svd: stores its basis per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('svd: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }
  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
    const [n, c] = dims(spec);
    if (c > MAX_CHANNELS) throw new InvalidConfigError(`svd: at most ${MAX_CHANNELS} channels, got ${c}`);
    const k = this.k(c);
    const mean = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) mean[ch]! += x[i * c + ch]!;
    for (let ch = 0; ch < c; ch++) mean[ch] = n ? mean[ch]! / n : 0;
    const cov = new Float64Array(c * c);
    const row = new Float64Array(c);
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) row[ch] = x[i * c + ch]! - mean[ch]!;
      for (let p = 0; p < c; p++) {
        const rp = row[p]!;
        if (rp === 0) continue;
        for (let q = p; q < c; q++) cov[p * c + q]! += rp * row[q]!;
      }
    }
    for (let p = 0; p < c; p++) for (let q = p + 1; q < c; q++) cov[q * c + p] = cov[p * c + q]!;
    const { values, vectors } = symmetricEigen(cov, c);
    const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!).slice(0, k);
    // basis rounded to float32 first, so encoder and decoder project with the same numbers
    const basis = new Float32Array(c * k);
    for (let j = 0; j < k; j++) for (let ch = 0; ch < c; ch++) basis[ch * k + j] = vectors[ch * c + order[j]!]!;
    const w = new ByteWriter(8 * c + 4 * c * k + 8);
    for (let ch = 0; ch < c; ch++) w.f64(mean[ch]!);
    const fb = new DataView(new ArrayBuffer(4 * basis.length));
    for (let i = 0; i < basis.length; i++) fb.setFloat32(4 * i, basis[i]!, true);
    w.bytes(new Uint8Array(fb.buffer));
    const s = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) row[ch] = x[i * c + ch]! - mean[ch]!;
      for (let j = 0; j < k; j++) {
        let acc = 0;
        for (let ch = 0; ch < c; ch++) acc += row[ch]! * basis[ch * k + j]!;
        s[i * k + j] = acc;
      }
    }
    return { data: s, side: w.finish().slice() };
  }
  decodeWithSide(s: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [n, c] = dims(spec);
    const k = this.k(c);
    if (s.length !== n * k) throw new CorruptDataError(`svd: ${s.length} scores for ${n}x${k}`);
    const r = new ByteReader(side, 'svd side bytes');
    const mean = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) mean[ch] = r.f64();
    const basis = new Float32Array(c * k);
    r.expectAtLeast(basis.length, 4);
    const fb = r.bytesView(4 * basis.length);
    const dv = new DataView(fb.buffer, fb.byteOffset, fb.byteLength);
    for (let i = 0; i < basis.length; i++) basis[i] = dv.getFloat32(4 * i, true);
    r.end();
    if (!mean.every(Number.isFinite) || !basis.every(Number.isFinite)) throw new CorruptDataError('svd: non-finite basis');
    const x = out && out.length === n * c ? out : allocArray(spec.dtype, n * c);
    const range = dtypeRange(spec.dtype);
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        let v = mean[ch]!;
        for (let j = 0; j < k; j++) v += s[i * k + j]! * basis[ch * k + j]!;
        if (range) v = Math.max(range[0], Math.min(range[1], Math.round(v)));
        x[i * c + ch] = v;
      }
    }
    return x;
  }
}

export const factory: CodecFactory = {
  id: 'svd',
  kind: 'array->array',
  description: 'low-rank approximation across channels (chunk basis of the k largest principal components, stored) -> float32 scores (lossy)',
  fromConfig(config) {
    const p = new Params(config);
    const rank = p.int('rank', 8, 1, MAX_CHANNELS);
    p.done();
    return new SvdCodec(rank);
  },
};
