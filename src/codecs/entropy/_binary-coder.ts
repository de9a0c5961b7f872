/*
 * READ ME FIRST — binary arithmetic coder (carry-less range coder in the style of lpaq1).
 *  - Knows nothing about models: each call takes p = P(bit = 1) as a 12-bit integer in [1, 4095].
 *  - State: the interval [x1, x2] of 32-bit unsigned values. For a bit, xmid = x1 + (x2-x1 >> 12) * p;
 *    bit 1 keeps [x1, xmid], bit 0 keeps [xmid+1, x2]. While the top bytes of x1 and x2 agree, that
 *    byte is final: it is written and both bounds shift left by 8 (x2 filling with ones).
 *  - flush() writes the 4 bytes of x1, so the decoder, which starts by reading 4 bytes and reads one
 *    per shift, ends exactly at the end of the stream: reading past the end, or stopping short of it,
 *    is corruption (CorruptDataError), which catches truncation.
 */
import { CorruptDataError } from '../../core/errors.js';

export class BinaryEncoder {
  private x1 = 0;
  private x2 = 0xffffffff;
  out: Uint8Array;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.out = new Uint8Array(Math.max(64, capacity));
  }

  encode(bit: number, p: number): void {
    const x1 = this.x1;
    const x2 = this.x2;
    const xmid = x1 + ((x2 - x1) >>> 12) * p;
    if (bit) this.x2 = xmid;
    else this.x1 = xmid + 1;
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      if (this.pos >= this.out.length) this.grow();
      this.out[this.pos++] = this.x2 >>> 24;
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
    }
  }

  private grow(): void {
    const next = new Uint8Array(this.out.length * 2);
    next.set(this.out);
    this.out = next;
  }

  finish(): Uint8Array {
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.out.length) this.grow();
      this.out[this.pos++] = this.x1 >>> 24;
      this.x1 = (this.x1 << 8) >>> 0;
    }
    return this.out.slice(0, this.pos);
  }
}

export class BinaryDecoder {
  private x1 = 0;
  private x2 = 0xffffffff;
  private x = 0;
  private pos = 0;

  constructor(
    private readonly input: Uint8Array,
    private readonly what: string,
  ) {
    for (let i = 0; i < 4; i++) this.x = ((this.x << 8) | this.next()) >>> 0;
  }

  private next(): number {
    if (this.pos >= this.input.length) throw new CorruptDataError(`${this.what}: read past the end of the stream`);
    return this.input[this.pos++]!;
  }

  decode(p: number): number {
    const x1 = this.x1;
    const x2 = this.x2;
    const xmid = x1 + ((x2 - x1) >>> 12) * p;
    let bit: number;
    if (this.x <= xmid) {
      bit = 1;
      this.x2 = xmid;
    } else {
      bit = 0;
      this.x1 = xmid + 1;
    }
    while (((this.x1 ^ this.x2) & 0xff000000) === 0) {
      this.x1 = (this.x1 << 8) >>> 0;
      this.x2 = ((this.x2 << 8) | 255) >>> 0;
      this.x = ((this.x << 8) | this.next()) >>> 0;
    }
    return bit;
  }

  /** Throws unless the whole stream was consumed. */
  end(): void {
    if (this.pos !== this.input.length) throw new CorruptDataError(`${this.what}: ${this.input.length - this.pos} unexpected trailing bytes`);
  }
}

/**
 * n adaptive bit probabilities (16-bit state, shift-4 update, 12-bit output clamped to
 * [1, 4095]) for BinaryEncoder/BinaryDecoder; used by sz3d and the volume codecs.
 */
export class AdaptiveBits {
  readonly p: Uint16Array;
  constructor(n: number) {
    this.p = new Uint16Array(n).fill(1 << 15);
  }
  prob(k: number): number {
    const v = this.p[k]! >>> 4;
    return v < 1 ? 1 : v > 4095 ? 4095 : v;
  }
  update(k: number, bit: number): void {
    const v = this.p[k]!;
    this.p[k] = bit ? v + ((65536 - v) >> 4) : v - (v >> 4);
  }
}
