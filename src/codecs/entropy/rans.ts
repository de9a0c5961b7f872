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
 *  - Two implementations of the same bytes: encodeWide/decodeWide (32-bit values, doubles, the
 *    reference) and encodeSmall/decodeSmall (values of at most 16 bits, int32 and branch-free: the
 *    speed of `--level fast`); a unit test checks that both write the same stream.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { valueBits } from './_signed.js';
import { normalize, readTable, SCALE, SCALE_BITS, tableOf, writeTable, type FreqTable } from './_freq-model.js';
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
    return bits <= 16 ? encodeSmall(x, n * c, c, bits) : encodeWide(x, n * c, c, bits);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const x = out ?? allocArray(spec.dtype, n * c);
    if (bits <= 16) decodeSmall(input, x, n * c, c, bits);
    else decodeWide(input, x, n * c, c);
    return x;
  }

  toConfig() {
    return { id: this.id };
  }
}

/** The reference coder, for 32-bit values (doubles where a value or average passes 2^31). */
function encodeWide(x: TypedArray, total: number, c: number, bits: number): Uint8Array {
  {
    const sh = 32 - bits;
    const toks = new Uint8Array(total);
    const ctxs = new Uint8Array(total);
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
}

function decodeWide(input: Uint8Array, x: TypedArray, total: number, c: number): void {
  {
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
  }
}

/*
 * The same stream for values of at most 16 bits, in int32 arithmetic: u < 2^16, so 16u and the
 * averages stay below 2^20 and  floor(A + (16u - A) / 8) = A + ((16u - A) >> 3)  exactly; the
 * context is clamp(floor(log2 A) - 3, 0, 9), which is (qlog(A) - 7) >> 1 clamped; the extra bits are
 * at most 14. Scratch arrays are kept between chunks of up to 8M values (encode and decode are
 * synchronous).
 */
let scratchCtx = new Uint8Array(0);
let scratchBuf = new Uint8Array(0);
let scratchExtra = new Uint8Array(0);
const flatCounts = new Uint32Array(NCTX * ALPHA);
const flatFreq = new Int32Array(NCTX * ALPHA);
const flatStart = new Int32Array(NCTX * ALPHA);
/** Decoder: per context and slot, tok | (slot - start) << 7 | freq << 19 (0 = no table). */
const flatDec = new Int32Array(NCTX << SCALE_BITS);
/** contexts whose part of flatDec holds a table (the others are all zero) */
const flatDecUsed = new Uint8Array(NCTX);

/** extra-bit count of every token */
const EXTRA16 = Uint8Array.from({ length: ALPHA }, (_, t) => extraBits(t));
/** extra-bit count of every context * ALPHA + token */
const EXTRA_SYM = Uint8Array.from({ length: NCTX * ALPHA }, (_, k) => extraBits(k % ALPHA));
/** token of every u < 2^16 */
const TOKEN16 = (() => {
  const t = new Uint8Array(65536);
  for (let u = 0; u < 65536; u++) t[u] = tokenOf(u);
  return t;
})();

function encodeSmall(x: TypedArray, total: number, c: number, bits: number): Uint8Array {
  const sh = 32 - bits;
  // pass 1 keeps only each value's context (one byte): pass 2 folds the value and looks up its
  // token again, which costs less than writing and re-reading two 16-bit arrays of the chunk's size
  if (scratchCtx.length < total) scratchCtx = new Uint8Array(total);
  const ctxs = scratchCtx;
  const counts = flatCounts;
  counts.fill(0);
  const avg = new Int32Array(c);
  let a = 0; // avg[ch], in a register (one channel: never stored)
  // pass 1: contexts and counts of context * ALPHA + token (branch-free)
  for (let i = 0, ch = 0; i < total; i++) {
    const s = (x[i]! << sh) >> sh;
    const u = (s << 1) ^ (s >> 31);
    let cx = 28 - Math.clz32(a);
    cx = cx < 0 ? 0 : cx > NCTX - 1 ? NCTX - 1 : cx;
    ctxs[i] = cx;
    counts[cx * ALPHA + TOKEN16[u]!]!++;
    a += (u * 16 - a) >> 3;
    if (c > 1) {
      avg[ch] = a;
      if (++ch === c) ch = 0;
      a = avg[ch]!;
    }
  }
  // tables; the extra bits' total length
  const fs: (Uint32Array | undefined)[] = [];
  let extraBitsTotal = 0;
  for (let k = 0; k < NCTX; k++) {
    const f = normalize(counts.subarray(k * ALPHA, (k + 1) * ALPHA));
    fs.push(f);
    let st = 0;
    for (let t = 0; t < ALPHA; t++) {
      const ft = f ? f[t]! : 0;
      flatFreq[k * ALPHA + t] = ft;
      flatStart[k * ALPHA + t] = st;
      st += ft;
      extraBitsTotal += counts[k * ALPHA + t]! * EXTRA16[t]!;
    }
  }
  // pass 2, backward: rANS bytes from the end of buf, and the extra bits, also from the end of
  // ext (the forward MSB-first stream built back to front: its zero padding first, then each
  // value's bits in front of the pending ones). The two are independent, so the bit packing runs
  // in the shadow of the rANS division chain.
  const extraBytes = (extraBitsTotal + 7) >> 3;
  if (scratchBuf.length < 2 * total + 16) scratchBuf = new Uint8Array(2 * total + 16);
  if (scratchExtra.length < extraBytes + 2) scratchExtra = new Uint8Array(extraBytes + 2);
  const buf = scratchBuf;
  const ext = scratchExtra; // bytes 2 .. 2 + extraBytes; 2 bytes of headroom for the branch-free stores
  const freq = flatFreq;
  const start = flatStart;
  let bp = buf.length;
  let st = L;
  let ep = extraBytes + 2;
  let acc = 0;
  let nb = (extraBytes << 3) - extraBitsTotal;
  for (let i = total - 1; i >= 0; i--) {
    const s = (x[i]! << sh) >> sh;
    const u = (s << 1) ^ (s >> 31);
    const sym = ctxs[i]! * ALPHA + TOKEN16[u]!;
    const f = freq[sym]!;
    // renormalize while st >= ((L >> SCALE_BITS) << 8) * f
    while (st >>> 19 >= f) {
      buf[--bp] = st & 255;
      st >>>= 8;
    }
    const q = (st / f) | 0;
    st = (q << SCALE_BITS) + (st - q * f) + start[sym]!;
    // eb (0..14) bits in front of nb (< 8) pending ones; store the 0..2 whole bytes at the back
    const eb = EXTRA_SYM[sym]!;
    acc |= (u & ((1 << eb) - 1)) << nb;
    nb += eb;
    ext[ep - 1] = acc;
    ext[ep - 2] = acc >>> 8;
    ep -= nb >> 3;
    acc >>>= nb & ~7;
    nb &= 7;
  }
  buf[--bp] = st >>> 24;
  buf[--bp] = (st >>> 16) & 255;
  buf[--bp] = (st >>> 8) & 255;
  buf[--bp] = st & 255;
  const w = new ByteWriter(1024 + (buf.length - bp) + extraBytes);
  for (const f of fs) writeTable(w, f);
  w.varint(buf.length - bp).bytes(buf.subarray(bp)).bytes(ext.subarray(2, 2 + extraBytes));
  if (total > KEEP_SCRATCH) releaseScratch();
  return w.finish().slice();
}

/**
 * Chunks up to this many values keep their scratch arrays for the next chunk; bigger ones drop them.
 * The encoder keeps 3 bytes a value (context byte, rANS buffer), so at most 24 MB per thread: a
 * 0.25 s chunk of 1024 channels (5M values) reuses its scratch.
 */
const KEEP_SCRATCH = 1 << 23;
function releaseScratch(): void {
  scratchCtx = new Uint8Array(0);
  scratchBuf = new Uint8Array(0);
  scratchExtra = new Uint8Array(0);
  scratchIn = new Uint8Array(0);
}

/** largest token of a value below 2^bits, bits <= 16 */
function maxToken(bits: number): number {
  return tokenOf(2 ** bits - 1);
}
/** value of every token without its extra bits */
const BASE16 = Int32Array.from({ length: ALPHA }, (_, t) => (t < 16 ? t : (2 | (t & 1)) << extraBits(t)));
let scratchIn = new Uint8Array(0);

function decodeSmall(input: Uint8Array, x: TypedArray, total: number, c: number, bits: number): void {
  const r = new ByteReader(input, 'rans stream');
  const dec = flatDec;
  const tmax = maxToken(bits);
  for (let k = 0; k < NCTX; k++) {
    const tb = readTable(r, ALPHA, false);
    const base = k << SCALE_BITS;
    if (!tb) {
      if (flatDecUsed[k]) dec.fill(0, base, base + SCALE); // zero = no table (checked per value)
      flatDecUsed[k] = 0;
      continue;
    }
    flatDecUsed[k] = 1;
    for (let t = 0; t < ALPHA; t++) {
      const f = tb.freq[t]!;
      if (f > 0 && t > tmax) throw new CorruptDataError(`rans: token ${t} beyond ${bits}-bit values`);
      const s0 = tb.start[t]!;
      for (let j = 0; j < f; j++) dec[base + s0 + j] = t | (j << 7) | (f << 19);
    }
  }
  const rlen = r.varint();
  if (rlen < 4) throw new CorruptDataError('rans: state missing');
  const elen = r.remaining - rlen;
  if (elen < 0) throw new CorruptDataError('rans: stream truncated');
  // rANS bytes then extra bits, copied with 3 zero bytes after each so that the loop below can read
  // a little ahead without bounds branches (positions are checked once per value instead)
  const need = rlen + elen + 6;
  if (scratchIn.length < need) scratchIn = new Uint8Array(Math.max(need, 2 * scratchIn.length));
  const rb = scratchIn;
  if (need > KEEP_SCRATCH) scratchIn = new Uint8Array(0); // this call keeps its reference
  rb.set(r.bytesView(rlen), 0);
  rb[rlen] = rb[rlen + 1] = rb[rlen + 2] = 0;
  const e0 = rlen + 3;
  rb.set(r.bytesView(elen), e0);
  rb[e0 + elen] = rb[e0 + elen + 1] = rb[e0 + elen + 2] = 0;
  let rp = 4;
  let st = (rb[0]! | (rb[1]! << 8) | (rb[2]! << 16) | (rb[3]! << 24)) >>> 0;
  if (st >= 2 ** 31) throw new CorruptDataError('rans: initial state out of range');
  const avg = new Int32Array(c);
  let a = 0; // avg[ch], in a register (one channel: never stored)
  let bitpos = e0 * 8;
  const bitEnd = (e0 + elen) * 8;
  const mask = SCALE - 1;
  for (let i = 0, ch = 0; i < total; i++) {
    let cx = 28 - Math.clz32(a);
    cx = cx < 0 ? 0 : cx > NCTX - 1 ? NCTX - 1 : cx;
    const pk = dec[(cx << SCALE_BITS) | (st & mask)]!;
    if (pk === 0) throw new CorruptDataError('rans: context without a table');
    const t = pk & 127;
    st = (pk >>> 19) * (st >>> SCALE_BITS) + ((pk >>> 7) & mask);
    // renormalize: st >= 2^11 here, so 0, 1 or 2 bytes bring it back to [2^23, 2^31)
    const k = ((st - L) >>> 31) + ((st - (1 << 15)) >>> 31);
    const two = (rb[rp]! << 8) | rb[rp + 1]!;
    st = (st << (k << 3)) | (two >>> (16 - (k << 3)));
    rp += k;
    // extra bits: a 24-bit window at the bit position (nx <= 14, offset in byte <= 7)
    const nx = EXTRA16[t]!;
    const p = bitpos >>> 3;
    const win = (rb[p]! << 16) | (rb[p + 1]! << 8) | rb[p + 2]!;
    const u = BASE16[t]! | ((win >>> (24 - (bitpos & 7) - nx)) & ((1 << nx) - 1));
    bitpos += nx;
    if (rp > rlen || bitpos > bitEnd) throw new CorruptDataError('rans: read past the end of the stream');
    x[i] = (u >>> 1) ^ -(u & 1);
    a += (u * 16 - a) >> 3;
    if (c > 1) {
      avg[ch] = a;
      if (++ch === c) ch = 0;
      a = avg[ch]!;
    }
  }
  if (st !== L || rp !== rlen) throw new CorruptDataError('rans: final state mismatch (damaged stream)');
  // the extra bits end in the last byte, zero-padded
  if (((bitpos + 7) >> 3) !== e0 + elen || (bitpos & 7 && rb[bitpos >> 3]! & (255 >> (bitpos & 7))))
    throw new CorruptDataError('rans: unexpected trailing extra bits');
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
