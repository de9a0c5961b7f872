import { deflateSync, inflateSync } from 'node:zlib';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

const MAX_OUT = 2 ** 31 - 1;

/** `zlib`: a zlib stream (RFC 1950: 2-byte header, DEFLATE, Adler-32) through node:zlib. */
class ZlibCodec implements BytesToBytesCodec {
  readonly id = 'zlib';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  constructor(readonly level: number) {}

  encode(input: Uint8Array): Uint8Array {
    return deflateSync(input, { level: this.level });
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    try {
      return inflateSync(input, { maxOutputLength: Math.min(Math.max(1, maxBytes), MAX_OUT) });
    } catch (e) {
      throw new CorruptDataError(`zlib: ${(e as Error).message}`);
    }
  }

  toConfig() {
    return { id: this.id, level: this.level };
  }
}

export const factory: CodecFactory = {
  id: 'zlib',
  kind: 'bytes->bytes',
  description: 'zlib stream (node:zlib), level 0-9',
  fromConfig(config) {
    const p = new Params(config);
    const level = p.int('level', 6, 0, 9);
    p.done();
    return new ZlibCodec(level);
  },
};
