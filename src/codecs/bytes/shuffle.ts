import { itemsize } from '../../core/dtype.js';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/**
 * `shuffle`: Blosc-style byte transpose. Byte j of every item goes to plane j, so the slowly
 * varying high bytes sit together for the compressor that follows. Item size from the spec.
 */
class ShuffleCodec implements BytesToBytesCodec {
  readonly id = 'shuffle';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;

  encode(input: Uint8Array, spec: ChunkSpec): Uint8Array {
    return transpose(input, itemsize(spec.dtype), false);
  }

  decode(input: Uint8Array, spec: ChunkSpec, maxBytes: number): Uint8Array {
    if (input.byteLength > maxBytes) throw new CorruptDataError(`shuffle: ${input.byteLength} bytes exceed the expected ${maxBytes}`);
    return transpose(input, itemsize(spec.dtype), true);
  }

  toConfig() {
    return { id: this.id };
  }
}

function transpose(src: Uint8Array, size: number, inverse: boolean): Uint8Array {
  if (size === 1) return src;
  const n = Math.floor(src.byteLength / size);
  const dst = new Uint8Array(src.byteLength);
  for (let j = 0; j < size; j++) {
    const plane = j * n;
    if (inverse) for (let i = 0; i < n; i++) dst[i * size + j] = src[plane + i]!;
    else for (let i = 0; i < n; i++) dst[plane + i] = src[i * size + j]!;
  }
  dst.set(src.subarray(n * size), n * size); // a ragged tail is kept as is
  return dst;
}

export const factory: CodecFactory = {
  id: 'shuffle',
  kind: 'bytes->bytes',
  description: 'byte shuffle (transpose bytes of each item into planes)',
  fromConfig(config) {
    new Params(config).done();
    return new ShuffleCodec();
  },
};
