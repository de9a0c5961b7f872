/*
 * READ ME FIRST — adaptive Exp-Golomb integers whose bit models learn fast from few samples.
 *  - The same binarization as _adaptive-eg.ts (prefix of k ones and a zero, then the k low bits of
 *    v + 1; zigzag for signed values), but each probability carries a count c of the bits it has
 *    seen and moves by (target - p) / (c + 1.5) until c reaches 2^rate - 2, then by the fixed shift
 *    `rate` (a running frequency estimate first, an exponential window after). Small streams (a
 *    few hundred symbols, e.g. one short recording's spike snippets) thus pay much less to learn.
 *  - Nothing is transmitted about the models: encoder and decoder adapt identically from p = 1/2.
 */
import type { BinaryDecoder, BinaryEncoder } from './_binary-coder.js';
import { EG, type BitModel } from './_adaptive-eg.js';

/** Count-based adaptive probabilities (16-bit state, 12-bit to the coder). */
export class CountingBits implements BitModel {
  private readonly p: Float64Array;
  private readonly c: Uint8Array;
  private readonly limit: number;
  constructor(
    n: number,
    private readonly rate = 5,
  ) {
    this.p = new Float64Array(n).fill(0.5);
    this.c = new Uint8Array(n);
    this.limit = 2 ** rate - 2;
  }
  private update(ctx: number, bit: number): void {
    const c = this.c[ctx]!;
    const p = this.p[ctx]!;
    this.p[ctx] = p + ((bit ? 1 : 0) - p) / (Math.min(c, this.limit) + 1.5);
    if (c < this.limit) this.c[ctx] = c + 1;
  }
  private q(ctx: number): number {
    return Math.max(1, Math.min(4095, Math.round(this.p[ctx]! * 4096)));
  }
  enc(e: BinaryEncoder, ctx: number, bit: number): void {
    e.encode(bit, this.q(ctx));
    this.update(ctx, bit);
  }
  dec(d: BinaryDecoder, ctx: number): number {
    const bit = d.decode(this.q(ctx));
    this.update(ctx, bit);
    return bit;
  }
}

/** Exp-Golomb (_adaptive-eg.ts's binarization) over CountingBits. */
export function countingEG(nctx: number, rate = 5): EG {
  return new EG(nctx, (n) => new CountingBits(n, rate));
}
