/**
 * Read me first — `rle`: run-length coding of the chunk's words (_symbols.ts) in C order.
 * Layout: a sequence of runs, to the end of the stream, each
 *
 *   varint  zigzag(value - previous run's value)   (previous starts at 0)
 *   varint  run length - 1
 *
 * The reader checks every run against the words still expected, every value against the dtype's
 * word range, and that the runs cover the chunk exactly.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { wordCount, wordRange, wordsOf, wordTarget } from './_symbols.js';

class RleCodec implements ArrayToBytesCodec {
  readonly id = 'rle';
  readonly kind = 'array->bytes';
  readonly lossless = true;

  encode(input: TypedArray, spec: ChunkSpec): Uint8Array {
    const words = wordsOf(input, spec.dtype);
    const n = words.length;
    const w = new ByteWriter(Math.min(n * 2, 1 << 20) + 16);
    let prev = 0;
    for (let i = 0; i < n; ) {
      const v = words[i]!;
      let j = i + 1;
      while (j < n && words[j] === v) j++;
      const d = v - prev;
      w.varint(d >= 0 ? 2 * d : -2 * d - 1);
      w.varint(j - i - 1);
      prev = v;
      i = j;
    }
    return w.finish().slice();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const count = elementCount(spec.shape);
    const n = wordCount(spec.dtype, count);
    const result = out ?? allocArray(spec.dtype, count);
    const target = wordTarget(result, spec.dtype);
    const [lo, hi] = wordRange(spec.dtype);
    const r = new ByteReader(input, 'rle stream');
    let prev = 0;
    let i = 0;
    while (i < n) {
      const u = r.varint();
      const v = prev + (u % 2 === 0 ? u / 2 : -(u + 1) / 2);
      if (v < lo || v > hi) throw new CorruptDataError(`rle stream: value ${v} outside the ${spec.dtype} range`);
      const run = r.varint() + 1;
      if (run > n - i) throw new CorruptDataError(`rle stream: run of ${run} overflows the chunk (${n - i} left)`);
      target.fill(v, i, i + run);
      i += run;
      prev = v;
    }
    r.end();
    return result;
  }

  toConfig() {
    return { id: this.id };
  }
}

export const factory: CodecFactory = {
  id: 'rle',
  kind: 'array->bytes',
  description: 'run-length coding of the values (varint value delta, run length)',
  fromConfig(config) {
    new Params(config).done();
    return new RleCodec();
  },
};
