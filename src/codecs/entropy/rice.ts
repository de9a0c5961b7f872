/*
 * READ ME FIRST — `rice`, adaptive Rice/Golomb coding (docs/spec/codecs/rice.md).
 *  - Values are signed integers of the dtype's width (uint16 65535 = -1; see _signed.ts), zigzag
 *    folded to u >= 0. C order is kept: samples are coded in stored order, channels interleaved,
 *    each channel with its own adaptive state.
 *  - Parameter per sample (the LOCO-I / JPEG-LS rule on |e| ~ u/2): k = min{k : N * 2^(k+1) >= A},
 *    where A is the sum of the channel's recent u and N their count (both halved, A rounding down,
 *    when N reaches 256; start A = 16, N = 1). `states=shared` (for chunks of a few samples, where
 *    per-channel states cannot adapt): one state for the chunk's first sample row and one for the
 *    other rows, each shared by all channels.
 *  - Code: q = u >> k as q zero bits then a one, then the k low bits of u, MSB first. When q >= 24
 *    the escape is written instead: 24 zero bits, a one, then u in `bits + 1` raw bits (u < 2^bits+1).
 *  - The model (k from A, N) is the `RiceState` below; the coder is the bit packer; they meet only in
 *    encode/decode. Decoding past the end reads zeros for at most 8 bytes, then throws; the stream
 *    must be consumed exactly (trailing bytes are an error).
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecConfig, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { valueBits } from './_signed.js';

const ESC = 24;
const RESET = 256;
const A0 = 16;

/** The model: k = min{k : N * 2^(k+1) >= A}. */
export function riceParam(a: number, n: number): number {
  let k = 0;
  while (n * 2 ** (k + 1) < a) k++;
  return k;
}

class RiceCodec implements ArrayToBytesCodec {
  readonly id = 'rice';
  readonly kind = 'array->bytes';
  readonly lossless = true;
  private out = new Uint8Array(1 << 16);
  /** One state for the first sample row and one for the rest, shared by all channels. */
  constructor(readonly shared: boolean) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const total = n * c;
    const sh = 32 - bits;
    const A = new Float64Array(this.shared ? 2 : c).fill(A0);
    const N = new Int32Array(this.shared ? 2 : c).fill(1);
    const small = bits <= 16; // u < 2^17 and A < 2^26: int32 arithmetic is exact
    let out = this.out;
    let pos = 0;
    let acc = 0;
    let nb = 0;
    for (let i = 0, ch = 0; i < total; i++) {
      const st = this.shared ? (i < c ? 0 : 1) : ch; // the adaptive state this value uses
      if (pos + 16 > out.length) {
        const next = new Uint8Array(out.length * 2);
        next.set(out.subarray(0, pos));
        out = this.out = next;
      }
      const s = bits === 32 ? x[i]! | 0 : (x[i]! << sh) >> sh;
      const u = s >= 0 ? 2 * s : -2 * s - 1;
      const a = A[st]!;
      const cnt = N[st]!;
      // int32 fast path whenever exact (u < 2^17, A < 2^26): same bits as the general path
      const sm = small || (u < 0x20000 && a < 0x4000000);
      let k = 0;
      if (sm) {
        const t = ((a + 2 * cnt - 1) / (2 * cnt)) | 0; // ceil(A / 2N); k = ceil(log2 t)
        k = t <= 1 ? 0 : 32 - Math.clz32(t - 1);
      } else while (cnt * 2 ** (k + 1) < a) k++;
      const q = sm ? u >> k : k >= 32 ? 0 : Math.floor(u / 2 ** k);
      if (q < ESC) {
        // q zeros and a one (q + 1 <= 24 bits)
        acc = (acc << (q + 1)) | 1;
        nb += q + 1;
        while (nb >= 8) {
          nb -= 8;
          out[pos++] = acc >>> nb;
        }
        acc &= (1 << nb) - 1;
        // k low bits, in pieces of at most 16
        if (sm && k <= 16) {
          acc = (acc << k) | (u & ((1 << k) - 1));
          nb += k;
          while (nb >= 8) {
            nb -= 8;
            out[pos++] = acc >>> nb;
          }
          acc &= (1 << nb) - 1;
        }
        let rem = sm && k <= 16 ? 0 : k;
        while (rem > 0) {
          const take = rem > 16 ? 16 : rem;
          rem -= take;
          const v = Math.floor(u / 2 ** rem) % 2 ** take;
          acc = (acc << take) | v;
          nb += take;
          while (nb >= 8) {
            nb -= 8;
            out[pos++] = acc >>> nb;
          }
          acc &= (1 << nb) - 1;
        }
      } else {
        acc = (acc << (ESC + 1)) | 1; // nb < 8 before: fits 32 bits
        nb += ESC + 1;
        while (nb >= 8) {
          nb -= 8;
          out[pos++] = acc >>> nb;
        }
        acc &= (1 << nb) - 1;
        let rem = bits + 1;
        while (rem > 0) {
          const take = rem > 16 ? 16 : rem;
          rem -= take;
          const v = Math.floor(u / 2 ** rem) % 2 ** take;
          acc = (acc << take) | v;
          nb += take;
          while (nb >= 8) {
            nb -= 8;
            out[pos++] = acc >>> nb;
          }
          acc &= (1 << nb) - 1;
        }
      }
      A[st] = a + u;
      N[st] = cnt + 1;
      if (cnt + 1 >= RESET) {
        A[st] = Math.floor((a + u) / 2);
        N[st] = (cnt + 1) >> 1;
      }
      if (++ch === c) ch = 0;
    }
    if (nb > 0) out[pos++] = acc << (8 - nb);
    return out.slice(0, pos);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const total = n * c;
    const x = out ?? allocArray(spec.dtype, total);
    const A = new Float64Array(this.shared ? 2 : c).fill(A0);
    const N = new Int32Array(this.shared ? 2 : c).fill(1);
    const small = bits <= 16;
    const len = input.length;
    let pos = 0;
    let acc = 0; // nb valid bits, right-aligned
    let nb = 0;
    let over = 0;
    for (let i = 0, ch = 0; i < total; i++) {
      const st = this.shared ? (i < c ? 0 : 1) : ch; // the adaptive state this value uses
      const a = A[st]!;
      const cnt = N[st]!;
      let k = 0;
      if (small || a < 0x4000000) {
        const t = ((a + 2 * cnt - 1) / (2 * cnt)) | 0; // ceil(A / 2N); k = ceil(log2 t)
        k = t <= 1 ? 0 : 32 - Math.clz32(t - 1);
      } else while (cnt * 2 ** (k + 1) < a) k++;
      // unary part
      let q = 0;
      for (;;) {
        if (nb <= 24) {
          while (nb <= 24) {
            let b = 0;
            if (pos < len) b = input[pos++]!;
            else if (++over > 8) throw new CorruptDataError('rice: read past the end of the stream');
            acc = ((acc << 8) | b) >>> 0;
            nb += 8;
          }
        }
        const window = nb >= 32 ? acc : (acc << (32 - nb)) >>> 0;
        if (window !== 0) {
          const z = Math.clz32(window);
          q += z;
          nb -= z + 1;
          acc &= (1 << nb) - 1;
          break;
        }
        q += nb;
        nb = 0;
        acc = 0;
        if (q > ESC) break;
      }
      if (q > ESC) throw new CorruptDataError(`rice: unary code longer than ${ESC}`);
      let u: number;
      let rem = q === ESC ? bits + 1 : k;
      u = q === ESC ? 0 : q;
      if (rem <= 16) {
        while (nb < rem) {
          let b = 0;
          if (pos < len) b = input[pos++]!;
          else if (++over > 8) throw new CorruptDataError('rice: read past the end of the stream');
          acc = ((acc << 8) | b) >>> 0;
          nb += 8;
        }
        nb -= rem;
        u = (u << rem) | ((acc >>> nb) & ((1 << rem) - 1));
        acc &= (1 << nb) - 1;
        rem = 0;
      }
      while (rem > 0) {
        const take = rem > 16 ? 16 : rem;
        rem -= take;
        while (nb < take) {
          let b = 0;
          if (pos < len) b = input[pos++]!;
          else if (++over > 8) throw new CorruptDataError('rice: read past the end of the stream');
          acc = ((acc << 8) | b) >>> 0;
          nb += 8;
        }
        nb -= take;
        u = u * 2 ** take + ((acc >>> nb) & ((1 << take) - 1));
        acc &= (1 << nb) - 1;
      }
      if (q === ESC && u >= 2 ** bits) throw new CorruptDataError('rice: escaped value out of range');
      x[i] = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      A[st] = a + u;
      N[st] = cnt + 1;
      if (cnt + 1 >= RESET) {
        A[st] = Math.floor((a + u) / 2);
        N[st] = (cnt + 1) >> 1;
      }
      if (++ch === c) ch = 0;
    }
    // bytes read (padding included) minus whole bytes left unread must be the stream length
    const used = pos + over - (nb >> 3);
    if (used > len) throw new CorruptDataError('rice: stream truncated');
    if (used < len) throw new CorruptDataError(`rice: ${len - used} unexpected trailing bytes`);
    return x;
  }

  toConfig() {
    const config: CodecConfig = { id: this.id };
    if (this.shared) config.states = 'shared';
    return config;
  }
}

export const factory: CodecFactory = {
  id: 'rice',
  kind: 'array->bytes',
  description: 'adaptive Rice/Golomb coder (LOCO-I parameter rule), per-channel state',
  fromConfig(config) {
    const p = new Params(config);
    const states = p.oneOf('states', 'channel', ['channel', 'shared'] as const);
    p.done();
    return new RiceCodec(states === 'shared');
  },
};
