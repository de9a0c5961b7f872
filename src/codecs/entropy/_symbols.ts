/**
 * Read me first — shared by the zoo's order-0 entropy coders (`huffman`, `arith`, `rle`).
 *
 * A chunk is coded as a stream of *words*: the values themselves for integer dtypes up to 32 bits,
 * the IEEE bit patterns as uint32 for float32, and two uint32 words (low, high) per float64.
 * The *alphabet* is the sorted list of distinct words; coders code each word's index in it.
 *
 * Alphabet bytes: varint K, then (K > 0) zigzag varint of the first symbol, then K-1 varints of
 * (next - previous - 1). The reader checks K against what the chunk can hold and every symbol
 * against the word range of the dtype, so decoded words always fit the output array.
 */
import { itemsize, type DType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';

export type WordArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** The words of an array (a view, no copy) and their value range. */
export function wordsOf(a: TypedArray, dtype: DType): WordArray {
  if (dtype === 'float32' || dtype === 'float64') return new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4);
  return a as WordArray;
}

/** Number of words a chunk of `count` elements holds. */
export function wordCount(dtype: DType, count: number): number {
  return dtype === 'float64' ? count * 2 : count;
}

export function wordRange(dtype: DType): [number, number] {
  switch (dtype) {
    case 'int8':
      return [-128, 127];
    case 'uint8':
      return [0, 255];
    case 'int16':
      return [-32768, 32767];
    case 'uint16':
      return [0, 65535];
    case 'int32':
      return [-2147483648, 2147483647];
    default:
      return [0, 4294967295];
  }
}

/** A view of the output array as words (decoders write words into it). */
export function wordTarget(out: TypedArray, dtype: DType): WordArray {
  return wordsOf(out, dtype);
}

export interface Alphabet {
  /** Distinct words, ascending. */
  symbols: Float64Array;
  /** Occurrences of each symbol. */
  counts: Float64Array;
  /** For every word, the index of its symbol. */
  index: Uint32Array;
}

const DENSE_SPAN = 1 << 22;

export function buildAlphabet(words: WordArray): Alphabet {
  const n = words.length;
  const index = new Uint32Array(n);
  if (n === 0) return { symbols: new Float64Array(0), counts: new Float64Array(0), index };
  let lo = words[0]!;
  let hi = lo;
  for (let i = 1; i < n; i++) {
    const w = words[i]!;
    if (w < lo) lo = w;
    else if (w > hi) hi = w;
  }
  if (hi - lo < DENSE_SPAN) {
    const span = hi - lo + 1;
    const cnt = new Uint32Array(span);
    for (let i = 0; i < n; i++) cnt[words[i]! - lo]!++;
    const map = new Int32Array(span);
    let k = 0;
    for (let v = 0; v < span; v++) if (cnt[v]) map[v] = k++;
    const symbols = new Float64Array(k);
    const counts = new Float64Array(k);
    for (let v = 0; v < span; v++) {
      if (cnt[v]) {
        const j = map[v]!;
        symbols[j] = v + lo;
        counts[j] = cnt[v]!;
      }
    }
    for (let i = 0; i < n; i++) index[i] = map[words[i]! - lo]!;
    return { symbols, counts, index };
  }
  const sorted = Float64Array.from(words).sort();
  let k = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
  const symbols = sorted.slice(0, k);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const w = words[i]!;
    let a = 0;
    let b = k - 1;
    while (a < b) {
      const m = (a + b) >> 1;
      if (symbols[m]! < w) a = m + 1;
      else b = m;
    }
    index[i] = a;
    counts[a]!++;
  }
  return { symbols, counts, index };
}

const zig = (v: number): number => (v >= 0 ? 2 * v : -2 * v - 1);
const unzig = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

export function writeAlphabet(w: ByteWriter, symbols: Float64Array): void {
  w.varint(symbols.length);
  if (symbols.length === 0) return;
  w.varint(zig(symbols[0]!));
  for (let i = 1; i < symbols.length; i++) w.varint(symbols[i]! - symbols[i - 1]! - 1);
}

/** Reads an alphabet of at most `maxSymbols` symbols, each within the dtype's word range. */
export function readAlphabet(r: ByteReader, dtype: DType, maxSymbols: number): Float64Array {
  const k = r.varint();
  if (k > maxSymbols) throw new CorruptDataError(`${r.what}: alphabet of ${k} symbols for ${maxSymbols} words`);
  r.expectAtLeast(k, 1);
  const [lo, hi] = wordRange(dtype);
  const symbols = new Float64Array(k);
  if (k === 0) return symbols;
  let v = unzig(r.varint());
  for (let i = 0; ; ) {
    if (v < lo || v > hi) throw new CorruptDataError(`${r.what}: symbol ${v} outside the ${dtype} range`);
    symbols[i] = v;
    if (++i === k) break;
    v += r.varint() + 1;
  }
  return symbols;
}

/** Raw fallback: the words' bytes, little-endian, as the array holds them. */
export function rawBytes(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function readRaw(r: ByteReader, out: TypedArray, dtype: DType, count: number): void {
  const bytes = r.bytesView(count * itemsize(dtype));
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
}
