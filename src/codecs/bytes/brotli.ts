import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/** `brotli`: Brotli (RFC 7932) through node:zlib. */
class BrotliCodec implements BytesToBytesCodec {
  readonly id = 'brotli';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  constructor(readonly quality: number) {}

  encode(input: Uint8Array): Uint8Array {
    return brotliCompressSync(input, {
      params: { [constants.BROTLI_PARAM_QUALITY]: this.quality, [constants.BROTLI_PARAM_SIZE_HINT]: input.byteLength },
    });
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    return brotliDecompressSync(input, { maxOutputLength: Math.min(maxBytes, 2 ** 31 - 1) });
  }

  toConfig() {
    return { id: this.id, quality: this.quality };
  }
}

export const factory: CodecFactory = {
  id: 'brotli',
  kind: 'bytes->bytes',
  description: 'Brotli (node:zlib), quality 0-11',
  fromConfig(config) {
    const p = new Params(config);
    const quality = p.int('quality', 5, 0, 11);
    p.done();
    return new BrotliCodec(quality);
  },
};
