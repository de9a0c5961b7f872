/**
 * Read me first — `huffman`: static canonical Huffman, order 0, over the chunk's words
 * (see _symbols.ts). Layout:
 *
 *   u8 mode            0 = coded, 1 = raw (the words' bytes, when coding would not be smaller)
 *   alphabet           (_symbols.ts)
 *   K bytes            code length of each symbol, 1..24 (absent when K <= 1: a lone symbol
 *                      needs no bits)
 *   bit stream         MSB first, one code per word, zero-padded to a byte
 *
 * Codes are canonical (DEFLATE style): sorted by (length, symbol index), each code is the previous
 * plus one, shifted left when the length grows. The reader requires the lengths to form a complete
 * prefix code (Kraft sum exactly 1), so every bit pattern decodes and no table slot is empty.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { BitWriter } from '../../core/bits.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { buildAlphabet, rawBytes, readAlphabet, readRaw, wordCount, wordsOf, wordTarget, writeAlphabet } from './_symbols.js';

const MAX_LEN = 24;
const TABLE_BITS = 12;

class HuffmanCodec implements ArrayToBytesCodec {
  readonly id = 'huffman';
  readonly kind = 'array->bytes';
  readonly lossless = true;

  encode(input: TypedArray, spec: ChunkSpec): Uint8Array {
    const words = wordsOf(input, spec.dtype);
    const n = words.length;
    const raw = rawBytes(input);
    const { symbols, counts, index } = buildAlphabet(words);
    const k = symbols.length;
    if (k > 1 << (MAX_LEN - 1)) return rawOut(raw);
    const w = new ByteWriter(64 + k * 3);
    w.u8(0);
    writeAlphabet(w, symbols);
    if (k <= 1) return w.finish().slice();
    const lens = codeLengths(counts);
    const lenBytes = new Uint8Array(k);
    for (let i = 0; i < k; i++) lenBytes[i] = lens[i]!;
    w.bytes(lenBytes);
    const codes = canonicalCodes(lens);
    let bits = 0;
    for (let i = 0; i < k; i++) bits += counts[i]! * lens[i]!;
    if (w.length + bits / 8 >= raw.byteLength + 1) return rawOut(raw);
    const bw = new BitWriter(Math.ceil(bits / 8) + 16);
    for (let i = 0; i < n; i++) {
      const s = index[i]!;
      bw.write(codes[s]!, lens[s]!);
    }
    w.bytes(bw.finish());
    return w.finish().slice();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const count = elementCount(spec.shape);
    const n = wordCount(spec.dtype, count);
    const result = out ?? allocArray(spec.dtype, count);
    const r = new ByteReader(input, 'huffman stream');
    const mode = r.u8();
    if (mode === 1) {
      readRaw(r, result, spec.dtype, count);
      r.end();
      return result;
    }
    if (mode !== 0) throw new CorruptDataError(`huffman stream: unknown mode ${mode}`);
    const symbols = readAlphabet(r, spec.dtype, n);
    const k = symbols.length;
    const target = wordTarget(result, spec.dtype);
    if (n === 0) {
      r.end();
      return result;
    }
    if (k === 0) throw new CorruptDataError('huffman stream: empty alphabet for a non-empty chunk');
    if (k === 1) {
      r.end();
      target.fill(symbols[0]!);
      return result;
    }
    const lens = r.bytesView(k);
    const dec = new CanonicalDecoder(lens);
    // every code is at least one bit
    if (r.remaining * 8 < n) throw new CorruptDataError(`huffman stream: ${r.remaining} bytes cannot hold ${n} codes`);
    dec.decode(r.bytesView(r.remaining), symbols, target, n);
    return result;
  }

  toConfig() {
    return { id: this.id };
  }
}

function rawOut(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.byteLength + 1);
  out[0] = 1;
  out.set(raw, 1);
  return out;
}

/** Huffman code lengths (two-queue method on sorted weights), limited to MAX_LEN by flattening. */
export function codeLengths(counts: Float64Array): Uint8Array {
  const k = counts.length;
  let w = Float64Array.from(counts);
  for (;;) {
    const lens = huffmanLengths(w);
    let max = 0;
    for (let i = 0; i < k; i++) if (lens[i]! > max) max = lens[i]!;
    if (max <= MAX_LEN) return lens;
    w = w.map((x) => Math.max(1, Math.floor(x / 2)));
  }
}

function huffmanLengths(weights: Float64Array): Uint8Array {
  const k = weights.length;
  const order = new Uint32Array(k);
  for (let i = 0; i < k; i++) order[i] = i;
  order.sort((a, b) => weights[a]! - weights[b]! || a - b);
  // nodes 0..k-1 are leaves (in sorted order), k..2k-2 internal
  const weight = new Float64Array(2 * k);
  const parent = new Int32Array(2 * k);
  for (let i = 0; i < k; i++) weight[i] = weights[order[i]!]!;
  let leaf = 0;
  let inner = k;
  let next = k;
  const pick = (): number => {
    if (leaf < k && (inner >= next || weight[leaf]! <= weight[inner]!)) return leaf++;
    return inner++;
  };
  while (next < 2 * k - 1) {
    const a = pick();
    const b = pick();
    weight[next] = weight[a]! + weight[b]!;
    parent[a] = next;
    parent[b] = next;
    next++;
  }
  const depth = new Uint8Array(2 * k);
  const lens = new Uint8Array(k);
  for (let i = 2 * k - 3; i >= 0; i--) depth[i] = Math.min(255, depth[parent[i]!]! + 1);
  for (let i = 0; i < k; i++) lens[order[i]!] = depth[i]!;
  return lens;
}

/** Canonical codes for the given lengths (ties broken by symbol index). */
export function canonicalCodes(lens: ArrayLike<number>): Uint32Array {
  const k = lens.length;
  const blCount = new Uint32Array(MAX_LEN + 1);
  for (let i = 0; i < k; i++) blCount[lens[i]!]!++;
  blCount[0] = 0;
  const nextCode = new Uint32Array(MAX_LEN + 2);
  let code = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    code = (code + blCount[len - 1]!) << 1;
    nextCode[len] = code;
  }
  const codes = new Uint32Array(k);
  for (let i = 0; i < k; i++) if (lens[i]) codes[i] = nextCode[lens[i]!]!++;
  return codes;
}

class CanonicalDecoder {
  private readonly maxLen: number;
  private readonly tableBits: number;
  /** (symbol index << 5) | length, for codes no longer than tableBits. */
  private readonly table: Uint32Array;
  private readonly firstCode = new Float64Array(MAX_LEN + 1);
  private readonly firstIndex = new Uint32Array(MAX_LEN + 1);
  private readonly lenCount = new Uint32Array(MAX_LEN + 1);
  private readonly sorted: Uint32Array;

  constructor(lens: Uint8Array) {
    const k = lens.length;
    let kraft = 0;
    let maxLen = 0;
    for (let i = 0; i < k; i++) {
      const l = lens[i]!;
      if (l < 1 || l > MAX_LEN) throw new CorruptDataError(`huffman stream: code length ${l} out of range`);
      this.lenCount[l]!++;
      kraft += 2 ** (MAX_LEN - l);
      if (l > maxLen) maxLen = l;
    }
    if (kraft !== 2 ** MAX_LEN) throw new CorruptDataError('huffman stream: code lengths do not form a complete prefix code');
    this.maxLen = maxLen;
    this.tableBits = Math.min(TABLE_BITS, maxLen);
    // symbols in canonical order
    this.sorted = new Uint32Array(k);
    const pos = new Uint32Array(MAX_LEN + 2);
    for (let l = 1; l <= MAX_LEN; l++) pos[l + 1] = pos[l]! + this.lenCount[l]!;
    for (let l = 1; l <= MAX_LEN; l++) this.firstIndex[l] = pos[l]!;
    for (let i = 0; i < k; i++) this.sorted[pos[lens[i]!]!++] = i;
    const codes = canonicalCodes(lens);
    let code = 0;
    for (let l = 1; l <= MAX_LEN; l++) {
      code = l === 1 ? 0 : (code + this.lenCount[l - 1]!) * 2;
      this.firstCode[l] = code;
    }
    const tb = this.tableBits;
    this.table = new Uint32Array(1 << tb);
    for (let i = 0; i < k; i++) {
      const l = lens[i]!;
      if (l > tb) continue;
      const base = codes[i]! << (tb - l);
      const span = 1 << (tb - l);
      for (let j = 0; j < span; j++) this.table[base + j] = (i << 5) | l;
    }
  }

  decode(bytes: Uint8Array, symbols: Float64Array, target: { [i: number]: number }, n: number): void {
    const tb = this.tableBits;
    const maxLen = this.maxLen;
    const table = this.table;
    const len = bytes.byteLength;
    let pos = 0;
    // acc holds `nacc` valid bits, right-aligned; at most 32 after a refill (kept below 2^32)
    let acc = 0;
    let nacc = 0;
    let over = 0;
    for (let i = 0; i < n; i++) {
      while (nacc <= 24) {
        let b = 0;
        if (pos < len) b = bytes[pos++]!;
        else over++;
        acc = ((acc << 8) | b) >>> 0;
        nacc += 8;
      }
      let sym: number;
      let l: number;
      const e = table[(acc >>> (nacc - tb)) & ((1 << tb) - 1)]!;
      if (e !== 0) {
        l = e & 31;
        sym = e >>> 5;
      } else {
        l = tb + 1;
        for (;;) {
          const code = (acc >>> (nacc - l)) & ((1 << l) - 1);
          const off = code - this.firstCode[l]!;
          if (off < this.lenCount[l]!) {
            sym = this.sorted[this.firstIndex[l]! + off]!;
            break;
          }
          if (++l > maxLen) throw new CorruptDataError('huffman stream: invalid code');
        }
      }
      nacc -= l;
      acc &= nacc === 0 ? 0 : 0xffffffff >>> (32 - nacc);
      if (over * 8 > nacc) throw new CorruptDataError('huffman stream: truncated');
      target[i] = symbols[sym]!;
    }
  }
}

export const factory: CodecFactory = {
  id: 'huffman',
  kind: 'array->bytes',
  description: 'static canonical Huffman over the values (order 0), table stored',
  fromConfig(config) {
    new Params(config).done();
    return new HuffmanCodec();
  },
};
