import { compress, decompress } from 'zstd-napi';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/** `zstd`: one Zstandard frame (RFC 8878) with its content size, via the zstd-napi binding. */
class ZstdCodec implements BytesToBytesCodec {
  readonly id = 'zstd';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  constructor(readonly level: number) {}

  encode(input: Uint8Array): Uint8Array {
    return compress(input, { compressionLevel: this.level });
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    const size = frameContentSize(input);
    if (size !== undefined && size > maxBytes) {
      throw new CorruptDataError(`zstd: frame claims ${size} bytes, more than the expected ${maxBytes}`);
    }
    return decompress(input);
  }

  toConfig() {
    return { id: this.id, level: this.level };
  }
}

/** Frame_Content_Size from a zstd frame header (RFC 8878 §3.1.1.1), read before allocating. */
function frameContentSize(b: Uint8Array): number | undefined {
  if (b.byteLength < 5 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) {
    throw new CorruptDataError('zstd: not a zstd frame (bad magic)');
  }
  const fhd = b[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
  const p = 5 + (single ? 0 : 1) + dictBytes;
  if (fcsBytes === 0) return undefined;
  if (b.byteLength < p + fcsBytes) throw new CorruptDataError('zstd: truncated frame header');
  let v = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) v = v * 256 + b[p + i]!;
  return fcsBytes === 2 ? v + 256 : v;
}

export const factory: CodecFactory = {
  id: 'zstd',
  kind: 'bytes->bytes',
  description: 'Zstandard (zstd-napi), level 1-22 or negative for fast',
  fromConfig(config) {
    const p = new Params(config);
    const level = p.int('level', 3, -7, 22);
    p.done();
    return new ZstdCodec(level);
  },
};
