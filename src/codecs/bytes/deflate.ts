import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CodecFactory, BytesToBytesCodec } from '../codec.js';
import { Params } from '../params.js';
import type { ChunkSpec } from '../../core/types.js';

const MAX_OUT = 2 ** 31 - 1;

/** `deflate`: raw DEFLATE (RFC 1951) through node:zlib. */
class DeflateCodec implements BytesToBytesCodec {
  readonly id = 'deflate';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  constructor(readonly level: number) {}

  encode(input: Uint8Array): Uint8Array {
    return deflateRawSync(input, { level: this.level });
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    return inflateRawSync(input, { maxOutputLength: Math.min(maxBytes, MAX_OUT) });
  }

  toConfig() {
    return { id: this.id, level: this.level };
  }
}

export const factory: CodecFactory = {
  id: 'deflate',
  kind: 'bytes->bytes',
  description: 'raw DEFLATE (node:zlib), level 0-9',
  fromConfig(config) {
    const p = new Params(config);
    const level = p.int('level', 6, 0, 9);
    p.done();
    return new DeflateCodec(level);
  },
};
