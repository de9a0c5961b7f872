import { compressSync, uncompressSync } from 'lz4-napi';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/**
 * `lz4`: one LZ4 block with its decoded size prepended (u32 LE), via lz4-napi (lz4_flex, fast mode).
 * lz4-napi has no level or high-compression mode, so there is no parameter and no `lz4hc`.
 */
class Lz4Codec implements BytesToBytesCodec {
  readonly id = 'lz4';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;

  encode(input: Uint8Array): Uint8Array {
    return compressSync(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    if (input.byteLength < 4) throw new CorruptDataError('lz4: truncated (no size prefix)');
    const size = (input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24)) >>> 0;
    if (size > maxBytes) throw new CorruptDataError(`lz4: block claims ${size} bytes, more than the expected ${maxBytes}`);
    // The smallest possible LZ4 block for `size` bytes: each sequence of up to 255*... bytes needs
    // at least one byte; a 1:255 expansion is the format's bound, so reject anything beyond it.
    if (size > (input.byteLength - 4) * 255 + 16) throw new CorruptDataError(`lz4: block of ${input.byteLength} bytes cannot hold ${size} bytes`);
    let out: Buffer;
    try {
      out = uncompressSync(input);
    } catch (e) {
      throw new CorruptDataError(`lz4: ${(e as Error).message}`);
    }
    if (out.byteLength !== size) throw new CorruptDataError(`lz4: decoded ${out.byteLength} bytes, the prefix says ${size}`);
    return out;
  }

  toConfig() {
    return { id: this.id };
  }
}

export const factory: CodecFactory = {
  id: 'lz4',
  kind: 'bytes->bytes',
  description: 'LZ4 block with size prefix (lz4-napi), fast mode',
  fromConfig(config) {
    new Params(config).done();
    return new Lz4Codec();
  },
};
