import { itemsize } from '../../core/dtype.js';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/**
 * `bitshuffle`: bit transpose (Masui et al. 2015, as in Blosc's BITSHUFFLE), over the whole chunk.
 * With s = item size (from the spec) and m = the item count rounded down to a multiple of 8,
 * bit b (LSB = 0) of byte j of item i goes to plane p = 8j + b, bit (i mod 8) of byte
 * p*m/8 + floor(i/8). The ragged items (count mod 8) and any partial item follow unchanged.
 */
class BitshuffleCodec implements BytesToBytesCodec {
  readonly id = 'bitshuffle';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;

  encode(input: Uint8Array, spec: ChunkSpec): Uint8Array {
    return transpose(input, itemsize(spec.dtype), false);
  }

  decode(input: Uint8Array, spec: ChunkSpec, maxBytes: number): Uint8Array {
    if (input.byteLength > maxBytes) throw new CorruptDataError(`bitshuffle: ${input.byteLength} bytes exceed the expected ${maxBytes}`);
    return transpose(input, itemsize(spec.dtype), true);
  }

  toConfig() {
    return { id: this.id };
  }
}

function transpose(src: Uint8Array, size: number, inverse: boolean): Uint8Array {
  const items = Math.floor(src.byteLength / size);
  const m = items - (items % 8);
  const groups = m >> 3;
  const dst = new Uint8Array(src.byteLength);
  const row = new Uint8Array(8);
  for (let j = 0; j < size; j++) {
    for (let g = 0; g < groups; g++) {
      // gather: row r = byte j of item 8g+r (encode), or byte g of plane 8j+r (decode)
      for (let r = 0; r < 8; r++) row[r] = inverse ? src[(8 * j + r) * groups + g]! : src[(8 * g + r) * size + j]!;
      let lo = row[0]! | (row[1]! << 8) | (row[2]! << 16) | (row[3]! << 24);
      let hi = row[4]! | (row[5]! << 8) | (row[6]! << 16) | (row[7]! << 24);
      // 8x8 bit transpose (Hacker's Delight 7-3) of the 64-bit word lo|hi<<32, byte k = row k:
      // afterwards byte b holds bit b of every row (row r at bit r).
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo = lo ^ t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi = hi ^ t ^ (t << 7);
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo = lo ^ t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi = hi ^ t ^ (t << 14);
      t = (hi & 0xf0f0f0f0) | ((lo >>> 4) & 0x0f0f0f0f);
      lo = (lo & 0x0f0f0f0f) | ((hi << 4) & 0xf0f0f0f0);
      hi = t;
      for (let r = 0; r < 8; r++) {
        const v = (r < 4 ? lo >>> (8 * r) : hi >>> (8 * (r - 4))) & 0xff;
        if (inverse) dst[(8 * g + r) * size + j] = v;
        else dst[(8 * j + r) * groups + g] = v;
      }
    }
  }
  const tail = m * size;
  dst.set(src.subarray(tail), tail);
  return dst;
}

export const factory: CodecFactory = {
  id: 'bitshuffle',
  kind: 'bytes->bytes',
  description: 'bit transpose of each item into bit planes (Blosc bitshuffle)',
  fromConfig(config) {
    new Params(config).done();
    return new BitshuffleCodec();
  },
};
