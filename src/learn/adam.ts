import type { Param } from './tensor.js';

/** Adam (Kingma & Ba 2015) with bias correction; `step` applies and clears the gradients. */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;
  constructor(readonly params: Param[], public lr = 1e-3, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8) {
    this.m = params.map((p) => new Float64Array(p.w.length));
    this.v = params.map((p) => new Float64Array(p.w.length));
  }
  step(): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const a = (this.lr * Math.sqrt(c2)) / c1;
    this.params.forEach((p, k) => {
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.w.length; i++) {
        const g = p.g[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        p.w[i]! -= (a * m[i]!) / (Math.sqrt(v[i]!) + eps);
      }
      p.g.fill(0);
    });
  }
  zeroGrad(): void {
    for (const p of this.params) p.g.fill(0);
  }
}
