import { dtypeOf, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';

/**
 * `wavelet53`: the reversible integer 5/3 (LeGall) wavelet of JPEG 2000, by lifting, along time
 * for each channel, `levels` times on the low band (Mallat order). Integer input of any width;
 * the output is int32 of the same shape: per channel [low_L | high_L | high_L-1 | ... | high_1].
 * All arithmetic wraps modulo 2^32, which keeps the transform exactly invertible even for int32
 * and uint32 input (uint32 values are carried as their int32 bit patterns).
 *
 *   high[i] = x[2i+1] - floor((x[2i] + x[2i+2]) / 2)
 *   low[i]  = x[2i]   + floor((high[i-1] + high[i] + 2) / 4)
 * with symmetric extension: x[2i+2] -> x[2i] past the end, high[-1] -> high[0], high[n] -> high[n-1].
 */
class Wavelet53Codec implements ArrayToArrayCodec {
  readonly id = 'wavelet53';
  readonly kind = 'array->array';
  readonly lossless = true;
  constructor(readonly levels: number) {}

  encodedSpec(spec: ChunkSpec): ChunkSpec {
    return { dtype: 'int32', shape: spec.shape };
  }

  encode(x: TypedArray, spec: ChunkSpec): TypedArray {
    check(spec);
    const [n, c] = dims(spec);
    const y = new Int32Array(x.length);
    const line = new Int32Array(n);
    const tmp = new Int32Array(n);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0, k = ch; i < n; i++, k += c) line[i] = x[k]! | 0;
      for (let len = n, l = 0; l < this.levels && len >= 2; l++, len = (len + 1) >> 1) forward(line, tmp, len);
      for (let i = 0, k = ch; i < n; i++, k += c) y[k] = line[i]!;
    }
    return y;
  }

  decode(y: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    check(spec);
    if (dtypeOf(y) !== 'int32' || y.length !== elementCount(spec.shape)) {
      throw new CorruptDataError(`wavelet53: got ${y.length} ${dtypeOf(y)} values, expected ${elementCount(spec.shape)} int32`);
    }
    const [n, c] = dims(spec);
    const x = out ?? allocLike(spec, y.length);
    const line = new Int32Array(n);
    const tmp = new Int32Array(n);
    const lens: number[] = [];
    for (let len = n, l = 0; l < this.levels && len >= 2; l++, len = (len + 1) >> 1) lens.push(len);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0, k = ch; i < n; i++, k += c) line[i] = y[k]!;
      for (let l = lens.length - 1; l >= 0; l--) inverse(line, tmp, lens[l]!);
      for (let i = 0, k = ch; i < n; i++, k += c) x[k] = line[i]!; // stores wrap back to the dtype
    }
    return x;
  }

  toConfig() {
    return { id: this.id, levels: this.levels };
  }
}

/** One level on line[0, len): lows go to [0, ceil(len/2)), highs after them. */
function forward(line: Int32Array, tmp: Int32Array, len: number): void {
  const nl = (len + 1) >> 1;
  const nh = len >> 1;
  for (let i = 0; i < nh; i++) {
    const a = line[2 * i]!;
    const b = 2 * i + 2 < len ? line[2 * i + 2]! : a;
    tmp[nl + i] = (line[2 * i + 1]! - (((a + b) | 0) >> 1)) | 0;
  }
  for (let i = 0; i < nl; i++) {
    const hp = nh === 0 ? 0 : tmp[nl + Math.max(0, i - 1)]!;
    const hc = nh === 0 ? 0 : tmp[nl + Math.min(i, nh - 1)]!;
    tmp[i] = (line[2 * i]! + ((((hp + hc) | 0) + 2) >> 2)) | 0;
  }
  line.set(tmp.subarray(0, len));
}

function inverse(line: Int32Array, tmp: Int32Array, len: number): void {
  const nl = (len + 1) >> 1;
  const nh = len >> 1;
  for (let i = 0; i < nl; i++) {
    const hp = nh === 0 ? 0 : line[nl + Math.max(0, i - 1)]!;
    const hc = nh === 0 ? 0 : line[nl + Math.min(i, nh - 1)]!;
    tmp[2 * i] = (line[i]! - ((((hp + hc) | 0) + 2) >> 2)) | 0;
  }
  for (let i = 0; i < nh; i++) {
    const a = tmp[2 * i]!;
    const b = 2 * i + 2 < len ? tmp[2 * i + 2]! : a;
    tmp[2 * i + 1] = (line[nl + i]! + (((a + b) | 0) >> 1)) | 0;
  }
  line.set(tmp.subarray(0, len));
}

function allocLike(spec: ChunkSpec, length: number): TypedArray {
  const ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array } as const;
  return new ctor[spec.dtype as keyof typeof ctor](length);
}

function check(spec: ChunkSpec): void {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`wavelet53: needs an integer dtype, got ${spec.dtype}`);
}

export const factory: CodecFactory = {
  id: 'wavelet53',
  kind: 'array->array',
  description: 'reversible integer 5/3 lifting wavelet along time, 1-16 levels (output int32)',
  fromConfig(config) {
    const p = new Params(config);
    const levels = p.int('levels', 4, 1, 16);
    p.done();
    return new Wavelet53Codec(levels);
  },
};
