/**
 * Read me first — `arith`: order-0 arithmetic coding (range coder, _rangecoder.ts) of the chunk's
 * words (_symbols.ts), with a static or an adaptive frequency model. Layout:
 *
 *   u8 mode        0 = coded, 1 = raw (the words' bytes, when coding would not be smaller)
 *   alphabet       (_symbols.ts)
 *   static only:   K varints, the frequency of each symbol (>= 1); their sum is the total (<= 2^24)
 *   varint         length of the range-coded body, which must end the stream exactly
 *   range-coded bytes
 *
 * Static: frequencies are the counts, scaled down (floor, at least 1) when the word count exceeds
 * 2^20. Adaptive: every symbol starts at 1, each coded symbol adds 24, and all counts are halved
 * (rounding up) when the total would pass max(2^16, 8K) (at most 2^24); a Fenwick tree keeps the
 * cumulative counts. A single-symbol alphabet codes nothing after the alphabet.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { MAX_TOTAL, RangeDecoder, RangeEncoder } from './_rangecoder.js';
import { buildAlphabet, rawBytes, readAlphabet, readRaw, wordCount, wordsOf, wordTarget, writeAlphabet } from './_symbols.js';

const STATIC_TOTAL = 1 << 20;
const INC = 24;

class ArithCodec implements ArrayToBytesCodec {
  readonly id = 'arith';
  readonly kind = 'array->bytes';
  readonly lossless = true;
  constructor(readonly adaptive: boolean) {}

  encode(input: TypedArray, spec: ChunkSpec): Uint8Array {
    const words = wordsOf(input, spec.dtype);
    const n = words.length;
    const raw = rawBytes(input);
    const { symbols, counts, index } = buildAlphabet(words);
    const k = symbols.length;
    if (k > MAX_TOTAL / 8) return rawOut(raw);
    const w = new ByteWriter(64 + k * 4);
    w.u8(0);
    writeAlphabet(w, symbols);
    if (k <= 1) return w.finish().slice();
    const enc = new RangeEncoder(Math.ceil(raw.byteLength / 2) + 64);
    if (!this.adaptive) {
      const freq = staticFreqs(counts, n);
      const cum = new Float64Array(k + 1);
      for (let i = 0; i < k; i++) {
        w.varint(freq[i]!);
        cum[i + 1] = cum[i]! + freq[i]!;
      }
      const total = cum[k]!;
      for (let i = 0; i < n; i++) {
        const s = index[i]!;
        enc.encode(cum[s]!, freq[s]!, total);
      }
    } else {
      const model = new AdaptiveModel(k);
      for (let i = 0; i < n; i++) {
        const s = index[i]!;
        enc.encode(model.cumulative(s), model.freq[s]!, model.total);
        model.update(s);
      }
    }
    const body = enc.finish();
    if (w.length + body.byteLength + 5 >= raw.byteLength + 1) return rawOut(raw);
    w.varint(body.byteLength);
    w.bytes(body);
    return w.finish().slice();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const count = elementCount(spec.shape);
    const n = wordCount(spec.dtype, count);
    const result = out ?? allocArray(spec.dtype, count);
    const r = new ByteReader(input, 'arith stream');
    const mode = r.u8();
    if (mode === 1) {
      readRaw(r, result, spec.dtype, count);
      r.end();
      return result;
    }
    if (mode !== 0) throw new CorruptDataError(`arith stream: unknown mode ${mode}`);
    const symbols = readAlphabet(r, spec.dtype, n);
    const k = symbols.length;
    const target = wordTarget(result, spec.dtype);
    if (n === 0 || k <= 1) {
      r.end();
      if (n > 0 && k === 0) throw new CorruptDataError('arith stream: empty alphabet for a non-empty chunk');
      if (k === 1) target.fill(symbols[0]!);
      return result;
    }
    if (k > MAX_TOTAL / 8) throw new CorruptDataError(`arith stream: alphabet of ${k} symbols is too large`);
    if (!this.adaptive) {
      const freq = new Float64Array(k);
      const cum = new Float64Array(k + 1);
      for (let i = 0; i < k; i++) {
        const f = r.varint();
        if (f < 1 || f > MAX_TOTAL) throw new CorruptDataError(`arith stream: frequency ${f} out of range`);
        freq[i] = f;
        cum[i + 1] = cum[i]! + f;
      }
      const total = cum[k]!;
      if (total > MAX_TOTAL) throw new CorruptDataError(`arith stream: total ${total} exceeds 2^24`);
      const dec = new RangeDecoder(body(r));
      // lookup table from cumulative value to symbol when small, else binary search
      const lut = total <= 1 << 18 ? new Uint32Array(total) : undefined;
      if (lut) for (let s = 0; s < k; s++) lut.fill(s, cum[s]!, cum[s + 1]!);
      for (let i = 0; i < n; i++) {
        const v = dec.target(total);
        let s: number;
        if (lut) s = lut[v]!;
        else {
          let a = 0;
          let b = k - 1;
          while (a < b) {
            const m = (a + b + 1) >> 1;
            if (cum[m]! <= v) a = m;
            else b = m - 1;
          }
          s = a;
        }
        dec.consume(cum[s]!, freq[s]!);
        target[i] = symbols[s]!;
      }
    } else {
      const model = new AdaptiveModel(k);
      const dec = new RangeDecoder(body(r));
      for (let i = 0; i < n; i++) {
        const v = dec.target(model.total);
        const s = model.find(v);
        dec.consume(model.cumulative(s), model.freq[s]!);
        model.update(s);
        target[i] = symbols[s]!;
      }
    }
    return result;
  }

  toConfig() {
    return { id: this.id, adaptive: this.adaptive };
  }
}

/** The range-coded body: its length, then exactly that many bytes to the end of the stream. */
function body(r: ByteReader): Uint8Array {
  const len = r.varint();
  if (len !== r.remaining) throw new CorruptDataError(`arith stream: body of ${len} bytes, ${r.remaining} present`);
  return r.bytesView(len);
}

function rawOut(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(raw.byteLength + 1);
  out[0] = 1;
  out.set(raw, 1);
  return out;
}

function staticFreqs(counts: Float64Array, n: number): Float64Array {
  if (n <= STATIC_TOTAL) return counts;
  const scale = STATIC_TOTAL / n;
  return counts.map((c) => Math.max(1, Math.floor(c * scale)));
}

/** Adaptive order-0 counts with a Fenwick tree for cumulative sums and search. */
export class AdaptiveModel {
  readonly freq: Float64Array;
  private readonly tree: Float64Array;
  private readonly k: number;
  private readonly limit: number;
  private readonly top: number;
  total: number;

  constructor(k: number) {
    this.k = k;
    this.freq = new Float64Array(k).fill(1);
    this.tree = new Float64Array(k + 1);
    this.limit = Math.min(MAX_TOTAL, Math.max(1 << 16, 8 * k));
    let top = 1;
    while (top * 2 <= k) top *= 2;
    this.top = top;
    this.total = k;
    this.rebuild();
  }

  private rebuild(): void {
    const t = this.tree;
    t.fill(0);
    for (let i = 0; i < this.k; i++) t[i + 1] = this.freq[i]!;
    for (let i = 1; i <= this.k; i++) {
      const j = i + (i & -i);
      if (j <= this.k) t[j] += t[i]!;
    }
  }

  /** Sum of the counts of symbols below s. */
  cumulative(s: number): number {
    let sum = 0;
    for (let i = s; i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  /** The symbol whose interval holds v (0 <= v < total). */
  find(v: number): number {
    let pos = 0;
    for (let step = this.top; step > 0; step >>= 1) {
      const nxt = pos + step;
      if (nxt <= this.k && this.tree[nxt]! <= v) {
        pos = nxt;
        v -= this.tree[nxt]!;
      }
    }
    return pos; // 0-based symbol index
  }

  update(s: number): void {
    this.freq[s] += INC;
    this.total += INC;
    for (let i = s + 1; i <= this.k; i += i & -i) this.tree[i] += INC;
    if (this.total > this.limit) {
      let total = 0;
      for (let i = 0; i < this.k; i++) {
        const f = Math.ceil(this.freq[i]! / 2);
        this.freq[i] = f;
        total += f;
      }
      this.total = total;
      this.rebuild();
    }
  }
}

export const factory: CodecFactory = {
  id: 'arith',
  kind: 'array->bytes',
  description: 'order-0 arithmetic (range) coder over the values, adaptive=true|false',
  fromConfig(config) {
    const p = new Params(config);
    const adaptive = p.bool('adaptive', false);
    p.done();
    return new ArithCodec(adaptive);
  },
};
