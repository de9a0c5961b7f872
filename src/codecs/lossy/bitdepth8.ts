/*
 * `bitdepth8:clip=C` (lossy, IBL-style): 8-bit depth over a clip range, per channel.
 *  - Per chunk and channel: offset o = round(median) (integers) / median (floats), stored in the
 *    side bytes; q = clamp(round((x - o) * 127 / C), -127, 127) as int8.
 *  - Decode: x̂ = o + q * C / 127 (integers rounded and clamped to the dtype).
 * Error: ≤ C/254 (+0.5 for integer rounding) for |x - o| ≤ C; samples beyond the clip range saturate.
 * Not error-bounded overall (clipping). Spec: docs/lossy.md "IBL filters".
 */
import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { dtypeRange } from './sz.js';

class BitDepth8Codec implements ArrayToArrayCodec {
  readonly id = 'bitdepth8';
  readonly kind = 'array->array';
  readonly lossless = false;
  constructor(readonly clip: number) {}
  toConfig() {
    return { id: this.id, clip: this.clip };
  }
  encodedSpec(spec: ChunkSpec): ChunkSpec {
    return { dtype: 'int8', shape: spec.shape };
  }
  encode(): TypedArray {
    throw new InvalidConfigError('bitdepth8: stores channel offsets per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('bitdepth8: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }
  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
    const [n, c] = dims(spec);
    const q = new Int8Array(n * c);
    const w = new ByteWriter(8 * c + 8);
    const integer = isIntegerDType(spec.dtype);
    const scale = 127 / this.clip;
    const tmp = new Float64Array(n);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < n; i++) tmp[i] = Number.isFinite(x[i * c + ch]!) ? x[i * c + ch]! : 0;
      tmp.sort();
      let o = n ? tmp[n >> 1]! : 0;
      if (integer) o = Math.round(o);
      w.f64(o);
      for (let i = 0; i < n; i++) {
        const v = Math.round((x[i * c + ch]! - o) * scale);
        q[i * c + ch] = Number.isNaN(v) ? 0 : v > 127 ? 127 : v < -127 ? -127 : v;
      }
    }
    return { data: q, side: w.finish().slice() };
  }
  decodeWithSide(q: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [n, c] = dims(spec);
    if (q.length !== n * c) throw new CorruptDataError(`bitdepth8: ${q.length} codes for ${n * c} samples`);
    const r = new ByteReader(side, 'bitdepth8 side bytes');
    const x = out && out.length === n * c ? out : allocArray(spec.dtype, n * c);
    const range = dtypeRange(spec.dtype);
    const step = this.clip / 127;
    for (let ch = 0; ch < c; ch++) {
      const o = r.f64();
      if (!Number.isFinite(o)) throw new CorruptDataError('bitdepth8: bad channel offset');
      for (let i = 0; i < n; i++) {
        let v = o + q[i * c + ch]! * step;
        if (range) v = Math.max(range[0], Math.min(range[1], Math.round(v)));
        x[i * c + ch] = v;
      }
    }
    r.end();
    return x;
  }
}

export const factory: CodecFactory = {
  id: 'bitdepth8',
  kind: 'array->array',
  description: '8-bit depth over a clip range around each channel median (int8 codes, lossy)',
  fromConfig(config) {
    const p = new Params(config);
    const clip = p.num('clip', 0, 0, Number.MAX_VALUE);
    p.done();
    if (!(clip > 0)) throw new InvalidConfigError('bitdepth8: clip (the half range in stored units, > 0) is required');
    return new BitDepth8Codec(clip);
  },
};
