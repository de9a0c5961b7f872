/*
 * `pca` (docs/spec/codecs/pca.md): a float volume cut into b x b x b blocks (edge blocks padded by
 * repeating the last plane), each block a vector of D = b³ values. The encoder takes the mean
 * vector and the k leading eigenvectors of the blocks' covariance (cyclic Jacobi, deterministic),
 * rounds both to float32 (stored), projects every block's centred vector on that basis and
 * quantizes the projections to round(c / step), arithmetic-coded component by component (one
 * context set per component index, capped at 31). Decoding: mean + sum_j q_j step basis_j.
 * Lossy: the error is what the dropped components and the step leave.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { bitsF32, checkFloat, decodeInts, dims3, emit, encodeInts, f32Bits, quant } from './_common.js';

const FORMAT = 1;
const MAX_BLOCK = 6;
const CLASSES = 32;

/** Eigen-decomposition of a symmetric D x D matrix (cyclic Jacobi); eigenvectors as rows, eigenvalues descending. */
export function symEig(S: Float64Array, D: number): { values: Float64Array; vectors: Float64Array } {
  const a = S.slice();
  const v = new Float64Array(D * D);
  for (let i = 0; i < D; i++) v[i * D + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < D; p++) {
      diag += a[p * D + p]! ** 2;
      for (let q = p + 1; q < D; q++) off += a[p * D + q]! ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < D - 1; p++) for (let q = p + 1; q < D; q++) {
      const apq = a[p * D + q]!;
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * D + q]! - a[p * D + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < D; k++) {
        const akp = a[k * D + p]!;
        const akq = a[k * D + q]!;
        a[k * D + p] = c * akp - s * akq;
        a[k * D + q] = s * akp + c * akq;
      }
      for (let k = 0; k < D; k++) {
        const apk = a[p * D + k]!;
        const aqk = a[q * D + k]!;
        a[p * D + k] = c * apk - s * aqk;
        a[q * D + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < D; k++) {
        const vkp = v[k * D + p]!;
        const vkq = v[k * D + q]!;
        v[k * D + p] = c * vkp - s * vkq;
        v[k * D + q] = s * vkp + c * vkq;
      }
    }
  }
  const order = Array.from({ length: D }, (_, i) => i).sort((i, j) => a[j * D + j]! - a[i * D + i]! || i - j);
  const values = Float64Array.from(order, (i) => a[i * D + i]!);
  const vectors = new Float64Array(D * D);
  order.forEach((col, r) => {
    for (let k = 0; k < D; k++) vectors[r * D + k] = v[k * D + col]!;
  });
  return { values, vectors };
}

function blockGrid(d: readonly number[], b: number): number[] {
  return d.map((v) => Math.ceil(v / b));
}

class PcaCodec implements ArrayToBytesCodec {
  readonly id = 'pca';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(
    readonly block: number,
    readonly components: number,
    readonly step: number,
  ) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const d = dims3(spec.shape);
    const [nz, ny, nx] = d;
    if (x.length !== nz * ny * nx) throw new CorruptDataError(`pca: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const b = this.block;
    const D = b * b * b;
    const k = Math.min(this.components, D);
    const g = blockGrid(d, b);
    const N = g[0]! * g[1]! * g[2]!;
    const V = new Float64Array(N * D);
    let o = 0;
    for (let bz = 0; bz < g[0]!; bz++) for (let by = 0; by < g[1]!; by++) for (let bx = 0; bx < g[2]!; bx++) {
      for (let z = 0; z < b; z++) for (let y = 0; y < b; y++) for (let xx = 0; xx < b; xx++, o++) {
        const v = x[(Math.min(nz - 1, bz * b + z) * ny + Math.min(ny - 1, by * b + y)) * nx + Math.min(nx - 1, bx * b + xx)]!;
        V[o] = Number.isFinite(v) ? v : 0;
      }
    }
    const mean = new Float64Array(D);
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] += V[i * D + j]! / N;
    for (let j = 0; j < D; j++) mean[j] = Math.fround(mean[j]!);
    const S = new Float64Array(D * D);
    const c = new Float64Array(D);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < D; j++) c[j] = V[i * D + j]! - mean[j]!;
      for (let p = 0; p < D; p++) {
        const cp = c[p]!;
        if (cp === 0) continue;
        for (let q = p; q < D; q++) S[p * D + q] += cp * c[q]!;
      }
    }
    for (let p = 0; p < D; p++) for (let q = p + 1; q < D; q++) S[q * D + p] = S[p * D + q]!;
    const { vectors } = symEig(S, D);
    const basis = new Float64Array(k * D);
    for (let i = 0; i < k * D; i++) basis[i] = Math.fround(vectors[i]!);
    const codes = new Float64Array(N * k);
    const cls = new Uint8Array(N * k);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < D; t++) s += (V[i * D + t]! - mean[t]!) * basis[j * D + t]!;
        codes[j * N + i] = quant(s, this.step);
        cls[j * N + i] = Math.min(CLASSES - 1, j);
      }
    }
    const w = new ByteWriter(64 + 4 * D * (k + 1));
    w.u8(FORMAT).varint(nz).varint(ny).varint(nx).u8(b).varint(k).f64(this.step);
    for (let j = 0; j < D; j++) w.u32(f32Bits(mean[j]!));
    for (let i = 0; i < k * D; i++) w.u32(f32Bits(basis[i]!));
    w.bytes(encodeInts(codes, cls, CLASSES));
    return w.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'pca stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`pca: unknown stream format ${fmt}`);
    const d: [number, number, number] = [r.varint(), r.varint(), r.varint()];
    const [nz, ny, nx] = d;
    if (nz * ny * nx !== n) throw new CorruptDataError(`pca: stream holds ${d.join('x')} values, expected ${n}`);
    const b = r.u8();
    if (b < 1 || b > MAX_BLOCK) throw new CorruptDataError(`pca: block ${b}`);
    const D = b * b * b;
    const k = r.varint();
    if (k < 1 || k > D) throw new CorruptDataError(`pca: ${k} components for ${D}-value blocks`);
    const step = r.f64();
    if (!(step > 0) || !Number.isFinite(step)) throw new CorruptDataError('pca: bad step');
    r.expectAtLeast(D * (k + 1), 4);
    const mean = Float64Array.from({ length: D }, () => bitsF32(r.u32()));
    const basis = Float64Array.from({ length: k * D }, () => bitsF32(r.u32()));
    const g = blockGrid(d, b);
    const N = g[0]! * g[1]! * g[2]!;
    const cls = new Uint8Array(N * k);
    for (let j = 0; j < k; j++) cls.fill(Math.min(CLASSES - 1, j), j * N, (j + 1) * N);
    const codes = decodeInts(r.bytesView(r.remaining), cls, CLASSES, 'pca codes');
    const vals = new Float64Array(n);
    const vec = new Float64Array(D);
    let i = 0;
    for (let bz = 0; bz < g[0]!; bz++) for (let by = 0; by < g[1]!; by++) for (let bx = 0; bx < g[2]!; bx++, i++) {
      vec.set(mean);
      for (let j = 0; j < k; j++) {
        const q = codes[j * N + i]!;
        if (q === 0) continue;
        const s = q * step;
        for (let t = 0; t < D; t++) vec[t] += s * basis[j * D + t]!;
      }
      for (let z = 0; z < b && bz * b + z < nz; z++) for (let y = 0; y < b && by * b + y < ny; y++) for (let xx = 0; xx < b && bx * b + xx < nx; xx++) {
        vals[((bz * b + z) * ny + by * b + y) * nx + bx * b + xx] = vec[(z * b + y) * b + xx]!;
      }
    }
    return emit(vals, spec, out, this.id);
  }

  toConfig() {
    return { id: this.id, block: this.block, components: this.components, step: this.step };
  }
}

export const factory: CodecFactory = {
  id: 'pca',
  kind: 'array->bytes',
  description: 'PCA of b³ blocks of a float volume: mean + k leading eigenvectors stored (float32), projections quantized with step and arithmetic-coded (block 1..6, components 1..b³, step > 0)',
  fromConfig(config) {
    const p = new Params(config);
    const block = p.int('block', 4, 1, MAX_BLOCK);
    const components = p.int('components', 8, 1, MAX_BLOCK ** 3);
    const step = p.num('step', 1e-3, Number.MIN_VALUE, Number.MAX_VALUE);
    p.done();
    if (components > block ** 3) throw new InvalidConfigError(`pca: components ${components} > block³ ${block ** 3}`);
    return new PcaCodec(block, components, step);
  },
};
