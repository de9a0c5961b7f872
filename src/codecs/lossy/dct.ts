/*
 * READ ME FIRST — `dct` (docs/spec/codecs/dct.md): lossy transform codec for time series.
 *  - Per channel: MDCT with hop N (`block`, a power of two 16..2048), frames of 2N samples, sine
 *    window (Princen-Bradley: the lapped transform is orthonormal, no block edges). The signal is
 *    mirrored beyond both ends; frames b = 0..B-1 (B = ceil(n/N) + 1) start at (b - 1) * N.
 *  - The MDCT is computed as the TDAC fold of the windowed frame followed by an orthonormal DCT-IV
 *    (an N x N table, O(N) per sample; fast enough at N <= 2048 and exact to the double).
 *  - Coefficients go block by block, low frequency first; band class = octave half of the index;
 *    neighbours = the two lower frequencies of the same block and the same / next frequency of the
 *    previous block. Quantization, coding and rate control: _coefs.ts, _transform.ts.
 */
import type { TypedArray } from '../../core/dtype.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { InvalidConfigError } from '../../core/errors.js';
import { Params } from '../params.js';
import { decodeTransform, encodeTransform, rateConfig, readRate, type Layout, type Rate, type Transform } from './_transform.js';

const TABLES = new Map<number, { cos: Float64Array; win: Float64Array }>();

function tables(N: number): { cos: Float64Array; win: Float64Array } {
  let t = TABLES.get(N);
  if (!t) {
    const cos = new Float64Array(N * N);
    const s = Math.sqrt(2 / N);
    for (let k = 0; k < N; k++) for (let i = 0; i < N; i++) cos[k * N + i] = s * Math.cos((Math.PI / N) * (i + 0.5) * (k + 0.5));
    const win = new Float64Array(2 * N);
    for (let j = 0; j < 2 * N; j++) win[j] = Math.sin((Math.PI * (j + 0.5)) / (2 * N));
    t = { cos, win };
    TABLES.set(N, t);
  }
  return t;
}

/** Orthonormal DCT-IV (its own inverse). */
function dct4(u: Float64Array, out: Float64Array, cos: Float64Array, N: number): void {
  for (let k = 0; k < N; k++) {
    let s = 0;
    const row = k * N;
    for (let i = 0; i < N; i++) s += cos[row + i]! * u[i]!;
    out[k] = s;
  }
}

/** Index t folded into [0, n) by mirroring (x[-1] = x[0], x[n] = x[n-1], period 2n). */
function mirror(t: number, n: number): number {
  const p = 2 * n;
  let r = t % p;
  if (r < 0) r += p;
  return r < n ? r : p - 1 - r;
}

/** Band class of frequency index k: 0..3, then two classes per octave. */
export function bandOf(k: number): number {
  if (k < 4) return k;
  const e = 31 - Math.clz32(k);
  return 4 + (e - 2) * 2 + ((k >>> (e - 1)) & 1);
}

export class Mdct implements Transform {
  constructor(readonly param: number) {}

  blocks(n: number): number {
    return n ? Math.ceil(n / this.param) + 1 : 0;
  }

  layout(n: number): Layout {
    const N = this.param;
    const B = this.blocks(n);
    const size = B * N;
    const band = new Uint8Array(size);
    const nb = new Int32Array(size * 4).fill(-1);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < N; k++) {
        const i = b * N + k;
        band[i] = bandOf(k);
        if (k >= 1) nb[i * 4] = i - 1;
        if (k >= 2) nb[i * 4 + 1] = i - 2;
        if (b >= 1) {
          nb[i * 4 + 2] = i - N;
          if (k + 1 < N) nb[i * 4 + 3] = i - N + 1;
        }
      }
    }
    return { size, band, bands: bandOf(N - 1) + 1, nb };
  }

  forward(x: Float64Array, out: Float64Array): void {
    const N = this.param;
    const n = x.length;
    const { cos, win } = tables(N);
    const z = new Float64Array(2 * N);
    const u = new Float64Array(N);
    const h = N >> 1;
    const c = new Float64Array(N);
    for (let b = 0, B = this.blocks(n); b < B; b++) {
      const t0 = (b - 1) * N;
      for (let j = 0; j < 2 * N; j++) {
        const t = t0 + j;
        z[j] = win[j]! * x[t >= 0 && t < n ? t : mirror(t, n)]!;
      }
      for (let i = 0; i < h; i++) {
        u[i] = -z[3 * h - 1 - i]! - z[3 * h + i]!;
        u[h + i] = z[i]! - z[N - 1 - i]!;
      }
      dct4(u, c, cos, N);
      out.set(c, b * N);
    }
  }

  inverse(c: Float64Array, n: number, out: Float64Array): void {
    const N = this.param;
    const { cos, win } = tables(N);
    const h = N >> 1;
    const v = new Float64Array(N);
    out.fill(0, 0, n);
    for (let b = 0, B = this.blocks(n); b < B; b++) {
      dct4(c.subarray(b * N, (b + 1) * N), v, cos, N);
      const t0 = (b - 1) * N;
      // y = (v2, -v2 reversed, -v1 reversed, -v1), windowed, overlap-added
      for (let j = 0; j < 2 * N; j++) {
        const t = t0 + j;
        if (t < 0 || t >= n) continue;
        let y: number;
        if (j < h) y = v[h + j]!;
        else if (j < N) y = -v[N - 1 - (j - h)]!;
        else if (j < 3 * h) y = -v[h - 1 - (j - N)]!;
        else y = -v[j - 3 * h]!;
        out[t] = out[t]! + win[j]! * y;
      }
    }
  }
}

class DctCodec implements ArrayToBytesCodec {
  readonly id = 'dct';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  private readonly t: Mdct;
  constructor(
    readonly block: number,
    readonly rate: Rate,
    readonly rnd: number,
  ) {
    this.t = new Mdct(block);
  }

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    return encodeTransform(this.id, this.t, this.rate, this.rnd, x, spec);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    return decodeTransform(this.id, this.t, input, spec, out);
  }

  toConfig() {
    return { id: this.id, block: this.block, ...rateConfig(this.rate, this.rnd) };
  }
}

export const factory: CodecFactory = {
  id: 'dct',
  kind: 'array->bytes',
  description: 'lossy MDCT transform codec for time series: one dead-zone step for all bands (reverse water-filling), context-adaptive arithmetic coding; rate by step=S, snr=DB, mse=M or bps=B per chunk (block 16..2048, power of two)',
  fromConfig(config) {
    const p = new Params(config);
    const block = p.int('block', 512, 16, 2048);
    if (block & (block - 1)) throw new InvalidConfigError(`dct: block must be a power of two, got ${block}`);
    const { rate, rnd } = readRate(p, config);
    p.done();
    return new DctCodec(block, rate, rnd);
  },
};
