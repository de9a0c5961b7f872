/**
 * Read me first — a multi-symbol range coder (arithmetic coding with byte output), the LZMA
 * carry-propagating scheme widened to a 40-bit `low` so totals up to 2^24 keep precision.
 * All state lives in doubles (exact below 2^53): low < 2^41, range in [2^32, 2^40).
 *
 *   encode(cum, freq, total):  r = floor(range / total); low += r*cum; range = r*freq; normalize
 *   normalize: while range < 2^32: shiftLow(); range *= 256
 *
 * The first byte written is always 0 (the initial cache); the decoder checks it. The stream is
 * flushed with six shiftLow() calls. The decoder reads zeros past the end only up to a small
 * slack, then raises CorruptDataError; `v = floor(code / r) >= total` also means damage.
 */
import { CorruptDataError } from '../../core/errors.js';

const TOP = 2 ** 32;
const LOW_MAX = 2 ** 40;
export const MAX_TOTAL = 2 ** 24;

export class RangeEncoder {
  private low = 0;
  private range = LOW_MAX - 1;
  private cache = 0;
  private cacheSize = 1;
  private out: Uint8Array;
  private pos = 0;

  constructor(capacity = 1024) {
    this.out = new Uint8Array(Math.max(16, capacity));
  }

  private put(b: number): void {
    if (this.pos >= this.out.byteLength) {
      const next = new Uint8Array(this.out.byteLength * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.pos++] = b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff * TOP || low >= LOW_MAX) {
      const carry = low >= LOW_MAX ? 1 : 0;
      let temp = this.cache;
      do {
        this.put((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(low / TOP) & 0xff;
    }
    this.cacheSize++;
    this.low = (low % TOP) * 256;
  }

  encode(cum: number, freq: number, total: number): void {
    const r = Math.floor(this.range / total);
    this.low += r * cum;
    this.range = r * freq;
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  finish(): Uint8Array {
    for (let i = 0; i < 6; i++) this.shiftLow();
    return this.out.subarray(0, this.pos);
  }
}

export class RangeDecoder {
  private code = 0;
  private range = LOW_MAX - 1;
  private pos = 0;
  private over = 0;
  private r = 1;

  constructor(private readonly bytes: Uint8Array) {
    if (bytes.byteLength < 6 || bytes[0] !== 0) throw new CorruptDataError('range coder: bad stream start');
    this.pos = 1;
    for (let i = 0; i < 5; i++) this.code = this.code * 256 + this.next();
    if (this.code >= this.range) throw new CorruptDataError('range coder: bad stream start');
  }

  private next(): number {
    if (this.pos < this.bytes.byteLength) return this.bytes[this.pos++]!;
    if (++this.over > 8) throw new CorruptDataError('range coder: read past the end');
    return 0;
  }

  /** The cumulative frequency the next symbol falls in; call `consume` with its interval next. */
  target(total: number): number {
    this.r = Math.floor(this.range / total);
    const v = Math.floor(this.code / this.r);
    if (v >= total) throw new CorruptDataError('range coder: value out of range (damaged stream)');
    return v;
  }

  consume(cum: number, freq: number): void {
    const r = this.r;
    this.code -= r * cum;
    this.range = r * freq;
    while (this.range < TOP) {
      this.range *= 256;
      this.code = this.code * 256 + this.next();
    }
  }
}
