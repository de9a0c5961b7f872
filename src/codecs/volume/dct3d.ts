/*
 * `dct3d` (docs/spec/codecs/dct3d.md): block DCT of a float volume. The [nz, ny, nx] volume is cut
 * into 8x8x8 blocks (edge blocks padded by repeating the last plane), each transformed by the
 * orthonormal 3-D DCT-II; per block only the `keep` largest-magnitude coefficients survive, each
 * quantized to round(c / step). Codes are written block by block in frequency-sum order and
 * arithmetic coded (zero flags mark which coefficients were kept, so indices cost almost nothing).
 * Orthonormality gives the error bound per block: L2 error <= sqrt(sum of dropped c^2) +
 * step/2 * sqrt(keep), and every value's error is at most that.
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { checkFloat, decodeInts, dims3, emit, encodeInts, quant } from './_common.js';

const FORMAT = 1;
const B = 8;
const B3 = B * B * B;
const CLASSES = 16;

/** DCT-II matrix, orthonormal: C[k * B + j]. */
const C = new Float64Array(B * B);
for (let k = 0; k < B; k++) for (let j = 0; j < B; j++) C[k * B + j] = (k === 0 ? Math.sqrt(1 / B) : Math.sqrt(2 / B)) * Math.cos((Math.PI * (2 * j + 1) * k) / (2 * B));

/** Block coefficient order: by u+v+w, then index (low frequencies first). */
const ORDER = Array.from({ length: B3 }, (_, i) => i).sort((a, b) => freq(a) - freq(b) || a - b);
const CLS = ORDER.map((i) => Math.min(CLASSES - 1, freq(i)));
function freq(i: number): number {
  return (i >> 6) + ((i >> 3) & 7) + (i & 7);
}

/** Separable 3-D transform of one block in place (inverse when `inv`). */
function transform(blk: Float64Array, inv: boolean, tmp: Float64Array): void {
  for (let axis = 0; axis < 3; axis++) {
    const stride = axis === 0 ? 64 : axis === 1 ? 8 : 1;
    for (let a = 0; a < B; a++) {
      for (let b = 0; b < B; b++) {
        // base over the two other axes
        const base = axis === 0 ? a * 8 + b : axis === 1 ? a * 64 + b : a * 64 + b * 8;
        for (let k = 0; k < B; k++) {
          let s = 0;
          for (let j = 0; j < B; j++) s += (inv ? C[j * B + k]! : C[k * B + j]!) * blk[base + j * stride]!;
          tmp[k] = s;
        }
        for (let k = 0; k < B; k++) blk[base + k * stride] = tmp[k]!;
      }
    }
  }
}

class Dct3dCodec implements ArrayToBytesCodec {
  readonly id = 'dct3d';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(
    readonly keep: number,
    readonly step: number,
  ) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const d = dims3(spec.shape);
    const [nz, ny, nx] = d;
    if (x.length !== nz * ny * nx) throw new CorruptDataError(`dct3d: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const nb = [Math.ceil(nz / B), Math.ceil(ny / B), Math.ceil(nx / B)];
    const nBlocks = nb[0]! * nb[1]! * nb[2]!;
    const codes = new Float64Array(nBlocks * B3);
    const cls = new Uint8Array(nBlocks * B3);
    const blk = new Float64Array(B3);
    const tmp = new Float64Array(B);
    const mag = new Float64Array(B3);
    const idx = Array.from({ length: B3 }, (_, i) => i);
    let o = 0;
    for (let bz = 0; bz < nb[0]!; bz++) for (let by = 0; by < nb[1]!; by++) for (let bx = 0; bx < nb[2]!; bx++) {
      for (let z = 0; z < B; z++) for (let y = 0; y < B; y++) for (let xx = 0; xx < B; xx++) {
        const gz = Math.min(nz - 1, bz * B + z);
        const gy = Math.min(ny - 1, by * B + y);
        const gx = Math.min(nx - 1, bx * B + xx);
        const v = x[(gz * ny + gy) * nx + gx]!;
        blk[z * 64 + y * 8 + xx] = Number.isFinite(v) ? v : 0;
      }
      transform(blk, false, tmp);
      if (this.keep < B3) {
        for (let i = 0; i < B3; i++) mag[i] = Math.abs(blk[i]!);
        idx.sort((a, b) => mag[b]! - mag[a]! || a - b);
        for (let r = this.keep; r < B3; r++) blk[idx[r]!] = 0;
      }
      for (let r = 0; r < B3; r++, o++) {
        codes[o] = quant(blk[ORDER[r]!]!, this.step);
        cls[o] = CLS[r]!;
      }
    }
    const w = new ByteWriter(64);
    w.u8(FORMAT).varint(nz).varint(ny).varint(nx).varint(this.keep).f64(this.step);
    w.bytes(encodeInts(codes, cls, CLASSES));
    return w.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'dct3d stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`dct3d: unknown stream format ${fmt}`);
    const d = [r.varint(), r.varint(), r.varint()] as const;
    const [nz, ny, nx] = d;
    if (nz * ny * nx !== n) throw new CorruptDataError(`dct3d: stream holds ${d.join('x')} values, expected ${n}`);
    const keep = r.varint();
    if (keep < 1 || keep > B3) throw new CorruptDataError(`dct3d: bad keep ${keep}`);
    const step = r.f64();
    if (!(step > 0) || !Number.isFinite(step)) throw new CorruptDataError('dct3d: bad step');
    const nb = [Math.ceil(nz / B), Math.ceil(ny / B), Math.ceil(nx / B)];
    const nBlocks = nb[0]! * nb[1]! * nb[2]!;
    const cls = new Uint8Array(nBlocks * B3);
    for (let b = 0, o = 0; b < nBlocks; b++) for (let k = 0; k < B3; k++, o++) cls[o] = CLS[k]!;
    const codes = decodeInts(r.bytesView(r.remaining), cls, CLASSES, 'dct3d codes');
    const vals = new Float64Array(n);
    const blk = new Float64Array(B3);
    const tmp = new Float64Array(B);
    let o = 0;
    for (let bz = 0; bz < nb[0]!; bz++) for (let by = 0; by < nb[1]!; by++) for (let bx = 0; bx < nb[2]!; bx++) {
      let kept = 0;
      for (let k = 0; k < B3; k++, o++) {
        blk[ORDER[k]!] = codes[o]! * step;
        if (codes[o] !== 0) kept++;
      }
      if (kept > keep) throw new CorruptDataError(`dct3d: block holds ${kept} coefficients, keep is ${keep}`);
      transform(blk, true, tmp);
      for (let z = 0; z < B && bz * B + z < nz; z++) for (let y = 0; y < B && by * B + y < ny; y++) for (let xx = 0; xx < B && bx * B + xx < nx; xx++) {
        vals[((bz * B + z) * ny + by * B + y) * nx + bx * B + xx] = blk[z * 64 + y * 8 + xx]!;
      }
    }
    return emit(vals, spec, out, this.id);
  }

  toConfig() {
    return { id: this.id, keep: this.keep, step: this.step };
  }
}

export const factory: CodecFactory = {
  id: 'dct3d',
  kind: 'array->bytes',
  description: 'block DCT of float volumes: 8x8x8 orthonormal DCT-II, keep the n largest coefficients per block, quantize with step, arithmetic-code (keep 1..512, step > 0)',
  fromConfig(config) {
    const p = new Params(config);
    const keep = p.int('keep', B3, 1, B3);
    const step = p.num('step', 1e-3, Number.MIN_VALUE, Number.MAX_VALUE);
    p.done();
    return new Dct3dCodec(keep, step);
  },
};
