import { allocArray, reuseArray, type DType, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/**
 * `lut`: a static value table held in the codec's config (so in the container header, once per
 * stream), not per chunk like `remap`: value -> its index in the sorted table. Made for tiny
 * low-latency chunks, where a per-chunk table would cost more than the samples. A value missing
 * from the table is escaped as N + (value - dtype min), so every input still round-trips.
 * Integer dtypes of at most 16 bits in, int32 out (docs/spec/codecs/lut.md).
 */
const RANGE: Partial<Record<DType, [number, number]>> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535] };

class LutCodec implements ArrayToArrayCodec {
  readonly id = 'lut';
  readonly kind = 'array->array';
  readonly lossless = true;
  private readonly index = new Map<DType, Int32Array>();

  constructor(private readonly values: Int32Array, private readonly text: string) {}

  private range(spec: ChunkSpec): [number, number] {
    const r = RANGE[spec.dtype];
    if (!r) throw new InvalidConfigError(`lut: needs an integer dtype of at most 16 bits, got ${spec.dtype}`);
    return r;
  }

  /** Dense value -> code map over the dtype's range (escape codes where the table has no entry). */
  private codes(spec: ChunkSpec): Int32Array {
    let m = this.index.get(spec.dtype);
    if (!m) {
      const [lo, hi] = this.range(spec);
      const n = this.values.length;
      m = new Int32Array(hi - lo + 1);
      for (let v = lo; v <= hi; v++) m[v - lo] = n + (v - lo);
      this.values.forEach((v, i) => {
        if (v >= lo && v <= hi) m![v - lo] = i;
      });
      this.index.set(spec.dtype, m);
    }
    return m;
  }

  encodedSpec(spec: ChunkSpec): ChunkSpec {
    this.range(spec);
    return { dtype: 'int32', shape: spec.shape };
  }

  encode(x: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [lo] = this.range(spec);
    const m = this.codes(spec);
    const y = reuseArray(out, 'int32', x.length);
    for (let i = 0; i < x.length; i++) y[i] = m[x[i]! - lo]!;
    return y;
  }

  decode(y: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [lo, hi] = this.range(spec);
    const x = out ?? allocArray(spec.dtype, y.length);
    const n = this.values.length;
    const top = n + (hi - lo);
    for (let i = 0; i < y.length; i++) {
      const k = y[i]!;
      if (k < 0 || k > top) throw new CorruptDataError(`lut: code ${k} is outside the table and escapes (0..${top})`);
      x[i] = k < n ? this.values[k]! : lo + (k - n);
    }
    return x;
  }

  toConfig() {
    return { id: this.id, values: this.text };
  }
}

/**
 * The config text of a table: base64url (no padding, so it fits the pipeline string form) of the
 * sorted distinct values as int32 little-endian.
 */
export function lutValues(values: Iterable<number>): string {
  const sorted = Int32Array.from(new Set(values)).sort();
  return Buffer.from(sorted.buffer).toString('base64url');
}

export const factory: CodecFactory = {
  id: 'lut',
  kind: 'array->array',
  description: 'static value table in the config (value -> index), for low-latency streams',
  fromConfig(config) {
    const p = new Params(config);
    const text = p.str('values', '');
    p.done();
    const bytes = Buffer.from(text, 'base64url');
    if (!/^[A-Za-z0-9_-]+$/.test(text) || bytes.byteLength % 4 !== 0 || bytes.byteLength === 0) {
      throw new InvalidConfigError('lut: values must be base64url of at least one int32 (see lutValues())');
    }
    const values = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    for (let i = 1; i < values.length; i++) {
      if (values[i]! <= values[i - 1]!) throw new InvalidConfigError('lut: values must be sorted and distinct');
    }
    return new LutCodec(values, text);
  },
};
