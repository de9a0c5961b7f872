import { gunzipSync, gzipSync } from 'node:zlib';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

const MAX_OUT = 2 ** 31 - 1;

/** `gzip`: one gzip member (RFC 1952: 10-byte header, DEFLATE, CRC-32, size) through node:zlib. */
class GzipCodec implements BytesToBytesCodec {
  readonly id = 'gzip';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  constructor(readonly level: number) {}

  encode(input: Uint8Array): Uint8Array {
    return gzipSync(input, { level: this.level });
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    // zlib checks the CRC-32 and ISIZE trailer and stops at maxOutputLength (RangeError otherwise).
    try {
      return gunzipSync(input, { maxOutputLength: Math.min(Math.max(1, maxBytes), MAX_OUT) });
    } catch (e) {
      throw new CorruptDataError(`gzip: ${(e as Error).message}`);
    }
  }

  toConfig() {
    return { id: this.id, level: this.level };
  }
}

export const factory: CodecFactory = {
  id: 'gzip',
  kind: 'bytes->bytes',
  description: 'gzip member (node:zlib), level 0-9',
  fromConfig(config) {
    const p = new Params(config);
    const level = p.int('level', 6, 0, 9);
    p.done();
    return new GzipCodec(level);
  },
};
