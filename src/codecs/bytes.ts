import { bytesOf, itemsize, viewAs, type TypedArray } from '../core/dtype.js';
import { CorruptDataError } from '../core/errors.js';
import { elementCount, type ChunkSpec } from '../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from './codec.js';
import { Params } from './params.js';

/** `bytes`: the plain serializer, values little-endian in C order (Zarr v3's `bytes`). */
class BytesCodec implements ArrayToBytesCodec {
  readonly id = 'bytes';
  readonly kind = 'array->bytes';
  readonly lossless = true;

  encode(input: TypedArray): Uint8Array {
    return bytesOf(input);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const a = viewAsChecked(input, spec);
    if (out) {
      out.set(a as never);
      return out;
    }
    return a;
  }

  toConfig() {
    return { id: this.id };
  }
}

function viewAsChecked(input: Uint8Array, spec: ChunkSpec): TypedArray {
  const expected = elementCount(spec.shape) * itemsize(spec.dtype);
  if (input.byteLength !== expected) {
    throw new CorruptDataError(`bytes: ${input.byteLength} bytes do not hold ${spec.shape.join('x')} ${spec.dtype}`);
  }
  return viewAs(spec.dtype, input);
}

export const factory: CodecFactory = {
  id: 'bytes',
  kind: 'array->bytes',
  description: 'plain little-endian serializer (no compression)',
  fromConfig(config) {
    new Params(config).done();
    return new BytesCodec();
  },
};
