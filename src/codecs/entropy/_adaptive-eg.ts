/*
 * READ ME FIRST — adaptive Exp-Golomb integers over the binary arithmetic coder (_binary-coder.ts).
 *  - An unsigned v is coded as n = v + 1: k = floor(log2 n) prefix 1-bits then a 0, then the k low
 *    bits of n, most significant first. Every prefix position and suffix bit (first vs later) has its
 *    own adaptive probability (12-bit, updated by p += (4096 - p) >> 5 on a 1, p -= p >> 5 on a 0).
 *  - `ctx` picks one of `nctx` independent sets of models. Signed values zigzag: 0, -1, 1, -2, ...
 *  - Nothing is transmitted about the models: encoder and decoder adapt identically from p = 1/2.
 */
import { CorruptDataError } from '../../core/errors.js';
import type { BinaryDecoder, BinaryEncoder } from './_binary-coder.js';

/** Adaptive probability (12-bit, shift-5 update) for the binary coder. */
export class Bits {
  private readonly p: Uint16Array;
  constructor(n: number) {
    this.p = new Uint16Array(n).fill(2048);
  }
  enc(e: BinaryEncoder, ctx: number, bit: number): void {
    const p = this.p[ctx]!;
    e.encode(bit, Math.max(1, Math.min(4095, p)));
    this.p[ctx] = bit ? p + ((4096 - p) >> 5) : p - (p >> 5);
  }
  dec(d: BinaryDecoder, ctx: number): number {
    const p = this.p[ctx]!;
    const bit = d.decode(Math.max(1, Math.min(4095, p)));
    this.p[ctx] = bit ? p + ((4096 - p) >> 5) : p - (p >> 5);
    return bit;
  }
}

/** A table of adaptive bit probabilities driving the binary coder. */
export interface BitModel {
  enc(e: BinaryEncoder, ctx: number, bit: number): void;
  dec(d: BinaryDecoder, ctx: number): number;
}

/**
 * Adaptive Exp-Golomb for unsigned integers; `ctx` selects one of `nctx` independent models.
 * `bits` makes the probability tables (default: shift-5 `Bits`; _counting-eg.ts has faster learners).
 */
export class EG {
  private readonly prefix: BitModel;
  private readonly suffix: BitModel;
  constructor(
    private readonly nctx: number,
    bits: (n: number) => BitModel = (n) => new Bits(n),
  ) {
    this.prefix = bits(nctx * 32);
    this.suffix = bits(nctx * 32 * 2);
  }
  enc(e: BinaryEncoder, ctx: number, v: number): void {
    const n = v + 1;
    const k = 31 - Math.clz32(n);
    for (let i = 0; i < k; i++) this.prefix.enc(e, ctx * 32 + i, 1);
    if (k < 31) this.prefix.enc(e, ctx * 32 + k, 0);
    for (let i = k - 1; i >= 0; i--) this.suffix.enc(e, (ctx * 32 + k) * 2 + (i === k - 1 ? 0 : 1), (n >>> i) & 1);
  }
  dec(d: BinaryDecoder, ctx: number): number {
    let k = 0;
    while (k < 31 && this.prefix.dec(d, ctx * 32 + k)) k++;
    if (k > 30) throw new CorruptDataError('adaptive Exp-Golomb: integer code too long');
    let n = 1;
    for (let i = k - 1; i >= 0; i--) n = (n << 1) | this.suffix.dec(d, (ctx * 32 + k) * 2 + (i === k - 1 ? 0 : 1));
    return n - 1;
  }
  encSigned(e: BinaryEncoder, ctx: number, v: number): void {
    this.enc(e, ctx, v >= 0 ? 2 * v : -2 * v - 1);
  }
  decSigned(d: BinaryDecoder, ctx: number): number {
    const u = this.dec(d, ctx);
    return u & 1 ? -(u + 1) / 2 : u / 2;
  }
  get contexts(): number {
    return this.nctx;
  }
}

