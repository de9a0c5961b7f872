/*
 * `dwt3d` (docs/spec/codecs/dwt3d.md): multi-level 3-D CDF 9/7 wavelet (lifting, whole-sample
 * symmetric extension, any length >= 2) of a float volume, then a dead-zone threshold and uniform
 * quantization of every coefficient, arithmetic-coded with one context set per decomposition level.
 * Level l transforms the low-pass box of the previous level along x, then y, then z (axes of
 * length 1 are skipped). The 9/7 pair is near-orthonormal, so the error follows step and threshold.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { checkFloat, decodeInts, dims3, emit, encodeInts, quant } from './_common.js';

const FORMAT = 1;
const MAX_LEVELS = 8;
const A = -1.586134342059924;
const Bc = -0.052980118572961;
const G = 0.882911075530934;
const D = 0.443506852043971;
/** Scaling so both bands keep unit energy: sqrt(2) / 1.230174104914001 (the lifting steps give a DC gain of 1.2302). */
const K = Math.SQRT2 / 1.230174104914001;

/** Forward 9/7 on line[0..n) in place: low-pass to the first ceil(n/2) places, high-pass after (also used by the time-series `dwt`). */
export function fwd1(x: Float64Array, n: number, t: Float64Array): void {
  if (n < 2) return;
  const at = (i: number) => x[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i]!;
  for (let i = 1; i < n; i += 2) x[i] += A * (at(i - 1) + at(i + 1));
  for (let i = 0; i < n; i += 2) x[i] += Bc * (at(i - 1) + at(i + 1));
  for (let i = 1; i < n; i += 2) x[i] += G * (at(i - 1) + at(i + 1));
  for (let i = 0; i < n; i += 2) x[i] += D * (at(i - 1) + at(i + 1));
  const h = (n + 1) >> 1;
  for (let i = 0; i < n; i++) t[i & 1 ? h + (i >> 1) : i >> 1] = i & 1 ? x[i]! / K : x[i]! * K;
  for (let i = 0; i < n; i++) x[i] = t[i]!;
}

export function inv1(x: Float64Array, n: number, t: Float64Array): void {
  if (n < 2) return;
  const h = (n + 1) >> 1;
  for (let i = 0; i < n; i++) t[i] = i & 1 ? x[h + (i >> 1)]! * K : x[i >> 1]! / K;
  for (let i = 0; i < n; i++) x[i] = t[i]!;
  const at = (i: number) => x[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i]!;
  for (let i = 0; i < n; i += 2) x[i] -= D * (at(i - 1) + at(i + 1));
  for (let i = 1; i < n; i += 2) x[i] -= G * (at(i - 1) + at(i + 1));
  for (let i = 0; i < n; i += 2) x[i] -= Bc * (at(i - 1) + at(i + 1));
  for (let i = 1; i < n; i += 2) x[i] -= A * (at(i - 1) + at(i + 1));
}

/** The low-pass box sizes per level: boxes[l] = box transformed at level l. */
function boxes(d: readonly number[], levels: number): number[][] {
  const out: number[][] = [];
  let b = [...d];
  for (let l = 0; l < levels; l++) {
    out.push(b);
    b = b.map((v) => (v + 1) >> 1);
  }
  out.push(b);
  return out;
}

function apply(v: Float64Array, d: readonly number[], levels: number, inverse: boolean): void {
  const [, ny, nx] = d as [number, number, number];
  const bx = boxes(d, levels);
  const m = Math.max(...d);
  const line = new Float64Array(m);
  const t = new Float64Array(m);
  const order = inverse ? [...Array(levels).keys()].reverse() : [...Array(levels).keys()];
  for (const l of order) {
    const [cz, cy, cx] = bx[l] as [number, number, number];
    const axes = inverse ? [0, 1, 2] : [2, 1, 0];
    for (const axis of axes) {
      const len = axis === 0 ? cz : axis === 1 ? cy : cx;
      if (len < 2) continue;
      const stride = axis === 0 ? ny * nx : axis === 1 ? nx : 1;
      const [oa, ob] = axis === 0 ? [cy, cx] : axis === 1 ? [cz, cx] : [cz, cy];
      for (let a = 0; a < oa; a++) for (let b = 0; b < ob; b++) {
        const base = axis === 0 ? a * nx + b : axis === 1 ? a * ny * nx + b : a * ny * nx + b * nx;
        for (let i = 0; i < len; i++) line[i] = v[base + i * stride]!;
        if (inverse) inv1(line, len, t);
        else fwd1(line, len, t);
        for (let i = 0; i < len; i++) v[base + i * stride] = line[i]!;
      }
    }
  }
}

/** Context class of every coefficient: the level whose detail band holds it (levels = coarsest low-pass). */
function classes(d: readonly number[], levels: number): Uint8Array {
  const [nz, ny, nx] = d as [number, number, number];
  const bx = boxes(d, levels);
  const lev = (i: number, axis: number) => {
    let l = 0;
    while (l < levels && i < bx[l + 1]![axis]!) l++;
    return l;
  };
  const lz = Array.from({ length: nz }, (_, i) => lev(i, 0));
  const ly = Array.from({ length: ny }, (_, i) => lev(i, 1));
  const lx = Array.from({ length: nx }, (_, i) => lev(i, 2));
  const out = new Uint8Array(nz * ny * nx);
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) out[i] = Math.min(lz[z]!, ly[y]!, lx[x]!);
  return out;
}

/** Coding order: coarsest band first (class descending), C order within a class; cls in that order. */
function scan(d: readonly number[], levels: number): { perm: Uint32Array; cls: Uint8Array } {
  const c = classes(d, levels);
  const perm = new Uint32Array(c.length);
  const cls = new Uint8Array(c.length);
  let k = 0;
  for (let l = levels; l >= 0; l--) for (let i = 0; i < c.length; i++) if (c[i] === l) {
    perm[k] = i;
    cls[k++] = l;
  }
  return { perm, cls };
}

class Dwt3dCodec implements ArrayToBytesCodec {
  readonly id = 'dwt3d';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(
    readonly levels: number,
    readonly step: number,
    readonly threshold: number,
  ) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const d = dims3(spec.shape);
    const n = d[0] * d[1] * d[2];
    if (x.length !== n) throw new CorruptDataError(`dwt3d: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Number.isFinite(x[i]!) ? x[i]! : 0;
    apply(v, d, this.levels, false);
    const { perm, cls } = scan(d, this.levels);
    const codes = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const c = v[perm[k]!]!;
      codes[k] = Math.abs(c) < this.threshold ? 0 : quant(c, this.step);
    }
    const w = new ByteWriter(64);
    w.u8(FORMAT).varint(d[0]).varint(d[1]).varint(d[2]).u8(this.levels).f64(this.step);
    w.bytes(encodeInts(codes, cls, MAX_LEVELS + 1));
    return w.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'dwt3d stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`dwt3d: unknown stream format ${fmt}`);
    const d = [r.varint(), r.varint(), r.varint()];
    if (d[0]! * d[1]! * d[2]! !== n) throw new CorruptDataError(`dwt3d: stream holds ${d.join('x')} values, expected ${n}`);
    const levels = r.u8();
    if (levels > MAX_LEVELS) throw new CorruptDataError(`dwt3d: ${levels} levels`);
    const step = r.f64();
    if (!(step > 0) || !Number.isFinite(step)) throw new CorruptDataError('dwt3d: bad step');
    const { perm, cls } = scan(d, levels);
    const codes = decodeInts(r.bytesView(r.remaining), cls, MAX_LEVELS + 1, 'dwt3d codes');
    const v = new Float64Array(n);
    for (let k = 0; k < n; k++) v[perm[k]!] = codes[k]! * step;
    apply(v, d, levels, true);
    return emit(v, spec, out, this.id);
  }

  toConfig() {
    return { id: this.id, levels: this.levels, step: this.step, threshold: this.threshold };
  }
}

export const factory: CodecFactory = {
  id: 'dwt3d',
  kind: 'array->bytes',
  description: 'multi-level 3-D CDF 9/7 wavelet of float volumes: dead-zone threshold, uniform quantization (step), arithmetic coding per level (levels 0..8, step > 0, threshold >= 0)',
  fromConfig(config) {
    const p = new Params(config);
    const levels = p.int('levels', 3, 0, MAX_LEVELS);
    const step = p.num('step', 1e-3, Number.MIN_VALUE, Number.MAX_VALUE);
    const threshold = p.num('threshold', 0, 0, Number.MAX_VALUE);
    p.done();
    return new Dwt3dCodec(levels, step, threshold);
  },
};
