/*
 * READ ME FIRST — `dwt` (docs/spec/codecs/dwt.md): lossy wavelet codec for time series.
 *  - Per channel: `levels` levels of the 1-D CDF 9/7 lifting wavelet of dwt3d (whole-sample
 *    symmetric extension, any length; a level whose low band is shorter than 2 is skipped),
 *    Mallat layout: [low band of the last level | details of the last level | ... | finest details].
 *  - Coding order = that layout (coarse to fine); band class = 0 for the low band, L - l for the
 *    details of level l; neighbours = the two previous coefficients of the same band and the
 *    parent (position p >> 1 one level coarser) and its right neighbour.
 *  - One dead-zone step for every band; coding and rate control shared with `dct` (_coefs.ts,
 *    _transform.ts). The 9/7 pair is near-orthonormal, so the error targets (snr, mse), measured on
 *    the coefficients, hold to within a few per cent.
 */
import type { TypedArray } from '../../core/dtype.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { fwd1, inv1 } from '../volume/dwt3d.js';
import { decodeTransform, encodeTransform, rateConfig, readRate, type Layout, type Rate, type Transform } from './_transform.js';

const MAX_LEVELS = 16;

/** Low-band lengths: lens[0] = n, lens[l + 1] = ceil(lens[l] / 2), only while lens[l] >= 2. */
function lengths(n: number, levels: number): number[] {
  const lens = [n];
  while (lens.length <= levels && lens[lens.length - 1]! >= 2) lens.push((lens[lens.length - 1]! + 1) >> 1);
  return lens;
}

export class Dwt97 implements Transform {
  constructor(readonly param: number) {}

  layout(n: number): Layout {
    const lens = lengths(n, this.param);
    const L = lens.length - 1;
    const band = new Uint8Array(n);
    const nb = new Int32Array(n * 4).fill(-1);
    for (let i = 0; i < lens[L]!; i++) {
      if (i >= 1) nb[i * 4] = i - 1;
      if (i >= 2) nb[i * 4 + 1] = i - 2;
    }
    for (let l = L - 1; l >= 0; l--) {
      const start = lens[l + 1]!;
      const end = lens[l]!;
      // the parent band: details of level l + 1, or the low band when l + 1 = L
      const pStart = l + 1 === L ? 0 : lens[l + 2]!;
      const pEnd = lens[l + 1]!;
      for (let i = start; i < end; i++) {
        const p = i - start;
        band[i] = L - l;
        if (p >= 1) nb[i * 4] = i - 1;
        if (p >= 2) nb[i * 4 + 1] = i - 2;
        const par = pStart + (p >> 1);
        if (par < pEnd) nb[i * 4 + 2] = par;
        if (par + 1 < pEnd) nb[i * 4 + 3] = par + 1;
      }
    }
    return { size: n, band, bands: MAX_LEVELS + 1, nb };
  }

  forward(x: Float64Array, out: Float64Array): void {
    const n = x.length;
    out.set(x);
    const t = new Float64Array(n);
    const lens = lengths(n, this.param);
    for (let l = 0; l + 1 < lens.length; l++) fwd1(out, lens[l]!, t);
  }

  inverse(c: Float64Array, n: number, out: Float64Array): void {
    out.set(c.subarray(0, n));
    const t = new Float64Array(n);
    const lens = lengths(n, this.param);
    for (let l = lens.length - 2; l >= 0; l--) inv1(out, lens[l]!, t);
  }
}

class DwtCodec implements ArrayToBytesCodec {
  readonly id = 'dwt';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  private readonly t: Dwt97;
  constructor(
    readonly levels: number,
    readonly rate: Rate,
    readonly rnd: number,
  ) {
    this.t = new Dwt97(levels);
  }

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    return encodeTransform(this.id, this.t, this.rate, this.rnd, x, spec);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    return decodeTransform(this.id, this.t, input, spec, out);
  }

  toConfig() {
    return { id: this.id, levels: this.levels, ...rateConfig(this.rate, this.rnd) };
  }
}

export const factory: CodecFactory = {
  id: 'dwt',
  kind: 'array->bytes',
  description: 'lossy CDF 9/7 wavelet codec for time series (levels 1..16): one dead-zone step for all bands, context-adaptive arithmetic coding; rate by step=S, snr=DB, mse=M or bps=B per chunk',
  fromConfig(config) {
    const p = new Params(config);
    const levels = p.int('levels', 8, 1, MAX_LEVELS);
    const { rate, rnd } = readRate(p, config);
    p.done();
    return new DwtCodec(levels, rate, rnd);
  },
};
