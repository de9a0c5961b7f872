import { createRequire } from 'node:module';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

interface NodeBzip2 {
  compress(data: Uint8Array, options?: { level?: number; buffering?: 'auto' | 'always' | 'never' }): Buffer;
  decompress(data: Uint8Array, options?: { small?: boolean }): Buffer;
}
const bz = createRequire(import.meta.url)('node-bzip2') as NodeBzip2;

/**
 * libbz2's decoder (as node-bzip2 drives it) loops until it sees the end-of-stream marker, so a
 * stream that ends early would spin forever. Feeding it zeros after the input makes every damaged
 * stream fail instead: a block holds at most 50 x 18002 symbols of at most 20 bits (2.25 MB), and
 * zeros never form a block or end-of-stream magic. An intact stream stops at its marker and never
 * reads the padding.
 */
const PAD = 2_400_000;

/** `bzip2`: one bzip2 stream (`BZh` + level, Burrows-Wheeler blocks) via node-bzip2 (libbz2). */
class Bzip2Codec implements BytesToBytesCodec {
  readonly id = 'bzip2';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  private scratch = Buffer.alloc(0);
  private used = 0;
  constructor(readonly level: number) {}

  encode(input: Uint8Array): Uint8Array {
    // libbz2 refuses an empty buffer (BZ_PARAM_ERROR); this is the stream `bzip2` writes for one.
    if (input.byteLength === 0) return Uint8Array.of(0x42, 0x5a, 0x68, 0x30 + this.level, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90, 0, 0, 0, 0);
    return bz.compress(input, { level: this.level });
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    if (input.byteLength < 14 || input[0] !== 0x42 || input[1] !== 0x5a || input[2] !== 0x68 || input[3]! < 0x31 || input[3]! > 0x39) {
      throw new CorruptDataError('bzip2: not a bzip2 stream (bad magic or too short)');
    }
    if (!endsWithEos(input)) throw new CorruptDataError('bzip2: truncated (no end-of-stream marker at the end)');
    const need = input.byteLength + PAD;
    if (this.scratch.byteLength < need) {
      this.scratch = Buffer.alloc(need);
    } else if (this.used > input.byteLength) {
      this.scratch.fill(0, input.byteLength, this.used);
    }
    this.scratch.set(input, 0);
    this.used = input.byteLength;
    let out: Buffer;
    try {
      out = bz.decompress(this.scratch.subarray(0, need));
    } catch (e) {
      throw new CorruptDataError(`bzip2: ${(e as Error).message}`);
    }
    if (out.byteLength > maxBytes) throw new CorruptDataError(`bzip2: decoded ${out.byteLength} bytes, more than the expected ${maxBytes}`);
    return out;
  }

  toConfig() {
    return { id: this.id, level: this.level };
  }
}

/**
 * A bzip2 stream ends with the 48-bit end-of-stream magic 0x177245385090, the 32-bit combined CRC
 * and 0-7 zero bits of padding. Checking that the last 11 bytes hold exactly that catches a cut
 * stream, which the zero padding above could otherwise complete (a cut that only removed zero bits).
 */
function endsWithEos(b: Uint8Array): boolean {
  let tail = 0n;
  for (let i = Math.max(0, b.byteLength - 11); i < b.byteLength; i++) tail = (tail << 8n) | BigInt(b[i]!);
  for (let pad = 0n; pad < 8n; pad++) {
    if ((tail & ((1n << pad) - 1n)) !== 0n) break;
    if (((tail >> (pad + 32n)) & 0xffffffffffffn) === 0x177245385090n) return true;
  }
  return false;
}

export const factory: CodecFactory = {
  id: 'bzip2',
  kind: 'bytes->bytes',
  description: 'bzip2 (node-bzip2 / libbz2), block size level 1-9',
  fromConfig(config) {
    const p = new Params(config);
    const level = p.int('level', 9, 1, 9);
    p.done();
    return new Bzip2Codec(level);
  },
};
