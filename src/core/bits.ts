import { CorruptDataError } from './errors.js';

/**
 * Bit-level I/O, MSB first within each byte (the FLAC / Rice convention). Values up to 32 bits
 * per call. The reader returns zeros past the end only up to a small slack, then throws: entropy
 * decoders may peek a few bits beyond the last symbol, but never loop on garbage.
 */
export class BitWriter {
  private out: Uint8Array;
  private pos = 0;
  private acc = 0; // pending bits, right-aligned
  private nacc = 0; // number of pending bits (< 8 between calls)

  constructor(initialBytes = 4096) {
    this.out = new Uint8Array(Math.max(16, initialBytes));
  }

  private grow(): void {
    const next = new Uint8Array(this.out.byteLength * 2);
    next.set(this.out);
    this.out = next;
  }

  /** Write the low `n` bits of `value` (0 <= n <= 32). */
  write(value: number, n: number): void {
    if (n > 24) {
      this.write(value >>> 16, n - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    this.acc = (this.acc << n) | (value & ((1 << n) - 1));
    this.nacc += n;
    while (this.nacc >= 8) {
      if (this.pos >= this.out.byteLength) this.grow();
      this.nacc -= 8;
      this.out[this.pos++] = (this.acc >>> this.nacc) & 0xff;
    }
    this.acc &= (1 << this.nacc) - 1;
  }

  /** `q` zero bits then a one (unary code of q). */
  writeUnary(q: number): void {
    while (q >= 16) {
      this.write(0, 16);
      q -= 16;
    }
    this.write(1, q + 1);
  }

  get bitLength(): number {
    return this.pos * 8 + this.nacc;
  }

  /** Pads the last byte with zeros and returns the bytes. */
  finish(): Uint8Array {
    if (this.nacc > 0) this.write(0, 8 - this.nacc);
    return this.out.subarray(0, this.pos);
  }
}

export class BitReader {
  private readonly bytes: Uint8Array;
  private pos = 0;
  private acc = 0;
  private nacc = 0;
  private overrun = 0;
  private readonly what: string;

  constructor(bytes: Uint8Array, what = 'bit stream') {
    this.bytes = bytes;
    this.what = what;
  }

  private refill(): void {
    while (this.nacc <= 24) {
      let b = 0;
      if (this.pos < this.bytes.byteLength) b = this.bytes[this.pos++]!;
      else if (++this.overrun > 8) throw new CorruptDataError(`${this.what}: read past the end`);
      this.acc = ((this.acc << 8) | b) >>> 0;
      this.nacc += 8;
    }
  }

  /** Read `n` bits (0 <= n <= 32) as an unsigned number. */
  read(n: number): number {
    if (n > 24) {
      const hi = this.read(n - 16);
      return hi * 65536 + this.read(16);
    }
    if (this.nacc < n) this.refill();
    this.nacc -= n;
    return (this.acc >>> this.nacc) & ((1 << n) - 1);
  }

  /** Count zero bits up to the next one bit (consumed). `limit` guards against garbage. */
  readUnary(limit: number): number {
    let q = 0;
    for (;;) {
      if (this.nacc === 0) this.refill();
      const window = (this.acc << (32 - this.nacc)) >>> 0;
      if (window !== 0) {
        const z = Math.clz32(window);
        q += z;
        this.nacc -= z + 1;
        if (q > limit) break;
        return q;
      }
      q += this.nacc;
      this.nacc = 0;
      if (q > limit) break;
    }
    throw new CorruptDataError(`${this.what}: unary code longer than ${limit}`);
  }

  /** Whole bytes consumed so far, rounding the current partial byte up. */
  get bytesConsumed(): number {
    return this.pos - Math.floor(this.nacc / 8);
  }
}
