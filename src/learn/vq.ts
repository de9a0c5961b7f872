import type { Rng } from './prng.js';
import { act, param, type Act, type Layer, type Param } from './tensor.js';

/**
 * Vector quantizer (VQ-VAE, van den Oord et al. 2017) over the channel axis: every latent vector
 * x[n, :, t] (dim D) is replaced by its nearest codebook entry.
 *  - Straight-through: backward passes the output gradient to the input unchanged, plus the
 *    commitment loss β · mean (z − sg(e))² (its value is `lastCommit`).
 *  - The codebook is not trained by gradient: exponential moving averages of the assigned vectors
 *    (decay γ, Laplace-smoothed counts), updated in forward when `train` is set. `restartDead`
 *    moves entries that went unused onto random latent vectors of the last batch.
 */
export class VectorQuantizer implements Layer {
  readonly params: Param[] = [];
  readonly codebook: Param;
  /** EMA state (not saved). */
  private readonly count: Float64Array;
  private readonly sum: Float64Array;
  private x: Act | undefined;
  private idx: Int32Array = new Int32Array(0);
  lastCommit = 0;
  constructor(readonly k: number, readonly dim: number, rng: Rng, readonly beta = 0.25, readonly decay = 0.99) {
    this.codebook = param('vq.codebook', [k, dim]);
    for (let i = 0; i < this.codebook.w.length; i++) this.codebook.w[i] = rng.normal();
    this.count = new Float64Array(k).fill(1);
    this.sum = Float64Array.from(this.codebook.w);
  }

  /** Nearest entry of one vector read with a stride (ties: the lowest index). */
  nearest(v: Float64Array, off: number, stride: number): number {
    const E = this.codebook.w;
    const D = this.dim;
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < this.k; c++) {
      let d = 0;
      for (let j = 0; j < D; j++) {
        const e = v[off + j * stride]! - E[c * D + j]!;
        d += e * e;
      }
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  /** Indices [b, t] of a latent [b, D, t]. */
  quantize(z: Act): Int32Array {
    const out = new Int32Array(z.b * z.l);
    for (let n = 0; n < z.b; n++) for (let t = 0; t < z.l; t++) out[n * z.l + t] = this.nearest(z.data, n * this.dim * z.l + t, z.l);
    return out;
  }

  /** Latent [b, D, t] from indices [b, t]. */
  lookup(idx: Int32Array, b: number, l: number): Act {
    const y = act(b, this.dim, l);
    const E = this.codebook.w;
    for (let n = 0; n < b; n++) {
      for (let t = 0; t < l; t++) {
        const c = idx[n * l + t]!;
        for (let j = 0; j < this.dim; j++) y.data[(n * this.dim + j) * l + t] = E[c * this.dim + j]!;
      }
    }
    return y;
  }

  forward(x: Act, train: boolean): Act {
    if (x.c !== this.dim) throw new Error(`vq: ${x.c} channels, expected ${this.dim}`);
    this.x = x;
    this.idx = this.quantize(x);
    const y = this.lookup(this.idx, x.b, x.l);
    let c = 0;
    for (let i = 0; i < x.data.length; i++) {
      const e = x.data[i]! - y.data[i]!;
      c += e * e;
    }
    this.lastCommit = (this.beta * c) / x.data.length;
    if (train) this.ema(x);
    return y;
  }

  private ema(x: Act): void {
    const { k, dim: D, decay: g } = this;
    const n = new Float64Array(k);
    const s = new Float64Array(k * D);
    for (let b = 0; b < x.b; b++) {
      for (let t = 0; t < x.l; t++) {
        const c = this.idx[b * x.l + t]!;
        n[c]! += 1;
        for (let j = 0; j < D; j++) s[c * D + j]! += x.data[(b * D + j) * x.l + t]!;
      }
    }
    let total = 0;
    for (let c = 0; c < k; c++) {
      this.count[c] = g * this.count[c]! + (1 - g) * n[c]!;
      total += this.count[c]!;
      for (let j = 0; j < D; j++) this.sum[c * D + j] = g * this.sum[c * D + j]! + (1 - g) * s[c * D + j]!;
    }
    const eps = 1e-5;
    for (let c = 0; c < k; c++) {
      const cs = ((this.count[c]! + eps) / (total + k * eps)) * total;
      for (let j = 0; j < D; j++) this.codebook.w[c * D + j] = this.sum[c * D + j]! / cs;
    }
  }

  /** Entries whose smoothed use fell below `minCount` are moved onto random vectors of the last batch. */
  restartDead(rng: Rng, minCount: number): number {
    const x = this.x;
    if (!x) return 0;
    const D = this.dim;
    const nVec = x.b * x.l;
    let moved = 0;
    for (let c = 0; c < this.k; c++) {
      if (this.count[c]! >= minCount) continue;
      const r = rng.int(nVec);
      const b = Math.floor(r / x.l);
      const t = r % x.l;
      for (let j = 0; j < D; j++) {
        const v = x.data[(b * D + j) * x.l + t]!;
        this.codebook.w[c * D + j] = v;
        this.sum[c * D + j] = v;
      }
      this.count[c] = 1;
      moved++;
    }
    return moved;
  }

  /** Sets the codebook (e.g. from encoder outputs) and resets the EMA state to it. */
  setCodebook(values: Float64Array): void {
    this.codebook.w.set(values);
    this.sum.set(values);
    this.count.fill(1);
  }

  backward(dy: Act): Act {
    const x = this.x!;
    const dx = act(x.b, x.c, x.l);
    const y = this.lookup(this.idx, x.b, x.l);
    const f = (2 * this.beta) / x.data.length;
    for (let i = 0; i < x.data.length; i++) dx.data[i] = dy.data[i]! + f * (x.data[i]! - y.data[i]!);
    return dx;
  }
}
