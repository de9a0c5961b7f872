/*
 * READ ME FIRST — `rans`, static rANS with per-chunk tables (docs/spec/codecs/rans.md), after
 * ryg_rans' rans_byte.h. The tables are _freq-model.ts; this file is the coder and the token map.
 *  - Values are signed integers of the dtype's width (see _signed.ts), zigzag-folded to u, coded in
 *    stored (C) order, each channel with its own context history.
 *  - Token: u < 16 is itself; else e = floor(log2 u), token = 16 + 2(e-4) + (bit e-1 of u), followed
 *    by the e-1 low bits of u as raw extra bits (72 tokens cover 32-bit values).
 *  - Context: ctx = clamp((qlog(A) - 7) >> 1, 0, 9), A the channel's running average of 16u
 *    (A += (16u - A) >> 3, floored); qlog as in cm.ts. One table per context.
 *  - The three traps: (1) the encoder runs BACKWARD over the symbols, so the decoder reads forward;
 *    (2) its bytes are written from the end of the buffer toward the front; (3) state x lives in
 *    [2^23, 2^31): encode  x = (x / f) << 12 + x % f + start  after pushing low bytes while
 *    x >= ((2^23 >> 12) << 8) * f;  decode  slot = x & 4095, s = lut[slot], x = f (x >> 12) + slot - start,
 *    then pull bytes while x < 2^23. The encoder starts at x = 2^23 and the decoder must end there.
 *  - Stream: 10 tables, varint(rANS byte count), the rANS bytes (final state first, 4 bytes LE),
 *    then the extra bits, MSB first, zero-padded to a byte.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { valueBits } from './_signed.js';
import { normalize, readTable, SCALE_BITS, tableOf, writeTable, type FreqTable } from './_freq-model.js';
import { qlog } from './cm.js';

const ALPHA = 72;
const NCTX = 10;
const L = 1 << 23;

/** Token of a folded value u (< 2^32) and its extra-bit count. */
export function tokenOf(u: number): number {
  if (u < 16) return u;
  const e = 31 - Math.clz32(u);
  return 16 + 2 * (e - 4) + ((u >>> (e - 1)) & 1);
}
export function extraBits(tok: number): number {
  return tok < 16 ? 0 : ((tok - 16) >> 1) + 3;
}

function ctxOf(a: number): number {
  const q = (qlog(a) - 7) >> 1;
  return q < 0 ? 0 : q > NCTX - 1 ? NCTX - 1 : q;
}

class RansCodec implements ArrayToBytesCodec {
  readonly id = 'rans';
  readonly kind = 'array->bytes';
  readonly lossless = true;

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const total = n * c;
    const sh = 32 - bits;
    const toks = new Uint8Array(total);
    const ctxs = new Uint8Array(total);
    const us = new Float64Array(total);
    const counts: Uint32Array[] = [];
    for (let k = 0; k < NCTX; k++) counts.push(new Uint32Array(ALPHA));
    const avg = new Float64Array(c);
    // pass 1: tokens, contexts, counts; extra bits go straight to a forward bit stream
    let out = new Uint8Array(total * 2 + 64);
    let pos = 0;
    let acc = 0;
    let nb = 0;
    for (let i = 0, ch = 0; i < total; i++) {
      const s = bits === 32 ? x[i]! | 0 : (x[i]! << sh) >> sh;
      const u = s >= 0 ? 2 * s : -2 * s - 1;
      const t = tokenOf(u);
      const cx = ctxOf(avg[ch]!);
      toks[i] = t;
      ctxs[i] = cx;
      us[i] = u;
      counts[cx]![t]!++;
      avg[ch] = Math.floor(avg[ch]! + (u * 16 - avg[ch]!) / 8);
      if (++ch === c) ch = 0;
      const eb = extraBits(t);
      if (eb > 0) {
        if (pos + 8 > out.length) {
          const next = new Uint8Array(out.length * 2);
          next.set(out.subarray(0, pos));
          out = next;
        }
        let rem = eb;
        while (rem > 0) {
          const take = rem > 16 ? 16 : rem;
          rem -= take;
          const v = (u >>> rem) & ((1 << take) - 1);
          acc = (acc << take) | v;
          nb += take;
          while (nb >= 8) {
            nb -= 8;
            out[pos++] = acc >>> nb;
          }
          acc &= (1 << nb) - 1;
        }
      }
    }
    if (nb > 0) out[pos++] = acc << (8 - nb);
    const extra = out.subarray(0, pos);
    // tables
    const w = new ByteWriter(1024 + pos + total);
    const tables: (FreqTable | undefined)[] = [];
    for (let k = 0; k < NCTX; k++) {
      const f = normalize(counts[k]!);
      writeTable(w, f);
      tables.push(f ? tableOf(f) : undefined);
    }
    // pass 2: rANS, backward, bytes from the end of buf
    const buf = new Uint8Array(total * 2 + 16);
    let bp = buf.length;
    let st = L;
    for (let i = total - 1; i >= 0; i--) {
      const tb = tables[ctxs[i]!]!;
      const t = toks[i]!;
      const f = tb.freq[t]!;
      const xmax = ((L >>> SCALE_BITS) << 8) * f;
      while (st >= xmax) {
        buf[--bp] = st & 255;
        st >>>= 8;
      }
      st = Math.floor(st / f) * (1 << SCALE_BITS) + (st % f) + tb.start[t]!;
    }
    buf[--bp] = st >>> 24;
    buf[--bp] = (st >>> 16) & 255;
    buf[--bp] = (st >>> 8) & 255;
    buf[--bp] = st & 255;
    const rans = buf.subarray(bp);
    w.varint(rans.length).bytes(rans).bytes(extra);
    return w.finish().slice();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const total = n * c;
    const x = out ?? allocArray(spec.dtype, total);
    const r = new ByteReader(input, 'rans stream');
    const tables: (FreqTable | undefined)[] = [];
    for (let k = 0; k < NCTX; k++) tables.push(readTable(r, ALPHA));
    const rlen = r.varint();
    const rb = r.bytesView(rlen);
    const eb = r.bytesView(r.remaining);
    if (rlen < 4) throw new CorruptDataError('rans: state missing');
    let rp = 4;
    let st = (rb[0]! | (rb[1]! << 8) | (rb[2]! << 16) | (rb[3]! << 24)) >>> 0;
    const avg = new Float64Array(c);
    let ep = 0;
    let acc = 0;
    let nb = 0;
    const elen = eb.length;
    for (let i = 0, ch = 0; i < total; i++) {
      const tb = tables[ctxOf(avg[ch]!)];
      if (!tb) throw new CorruptDataError('rans: context without a table');
      const slot = st & ((1 << SCALE_BITS) - 1);
      const t = tb.lut![slot]!;
      st = tb.freq[t]! * (st >>> SCALE_BITS) + slot - tb.start[t]!;
      while (st < L) {
        if (rp >= rlen) throw new CorruptDataError('rans: read past the end of the stream');
        st = ((st << 8) | rb[rp++]!) >>> 0;
      }
      let u = t;
      const nx = extraBits(t);
      if (nx > 0) {
        u = 2 | (t & 1);
        let rem = nx;
        while (rem > 0) {
          const take = rem > 16 ? 16 : rem;
          rem -= take;
          while (nb < take) {
            if (ep >= elen) throw new CorruptDataError('rans: extra bits truncated');
            acc = ((acc << 8) | eb[ep++]!) >>> 0;
            nb += 8;
          }
          nb -= take;
          u = u * (1 << take) + ((acc >>> nb) & ((1 << take) - 1));
          acc &= (1 << nb) - 1;
        }
      }
      x[i] = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      avg[ch] = Math.floor(avg[ch]! + (u * 16 - avg[ch]!) / 8);
      if (++ch === c) ch = 0;
    }
    if (st !== L || rp !== rlen) throw new CorruptDataError('rans: final state mismatch (damaged stream)');
    if (ep !== elen || acc !== 0) throw new CorruptDataError('rans: unexpected trailing extra bits');
    return x;
  }

  toConfig() {
    return { id: this.id };
  }
}

export const factory: CodecFactory = {
  id: 'rans',
  kind: 'array->bytes',
  description: 'static rANS, per-chunk tables in 10 magnitude contexts (tokens + raw extra bits)',
  fromConfig(config) {
    new Params(config).done();
    return new RansCodec();
  },
};
