import type { Rng } from './prng.js';
import { act, weightsAndBias, type Act, type Layer, type Param } from './tensor.js';

/** y = W x + b over the channel axis (length 1 per example): in -> out features. */
export class Dense implements Layer {
  readonly w: Param;
  readonly bias: Param;
  readonly params: Param[];
  private x: Act | undefined;
  constructor(readonly nIn: number, readonly nOut: number, rng: Rng, name = 'dense') {
    ({ w: this.w, bias: this.bias, params: this.params } = weightsAndBias(name, [nOut, nIn], nOut, nIn, rng));
  }
  forward(x: Act, _train = false): Act {
    if (x.c * x.l !== this.nIn) throw new Error(`dense: ${x.c * x.l} inputs, expected ${this.nIn}`);
    this.x = x;
    const y = act(x.b, this.nOut, 1);
    const W = this.w.w;
    const B = this.bias.w;
    for (let n = 0; n < x.b; n++) {
      const xo = n * this.nIn;
      for (let o = 0; o < this.nOut; o++) {
        let s = B[o]!;
        const wo = o * this.nIn;
        for (let i = 0; i < this.nIn; i++) s += W[wo + i]! * x.data[xo + i]!;
        y.data[n * this.nOut + o] = s;
      }
    }
    return y;
  }
  backward(dy: Act): Act {
    const x = this.x!;
    const dx = act(x.b, x.c, x.l);
    const W = this.w.w;
    const G = this.w.g;
    for (let n = 0; n < x.b; n++) {
      const xo = n * this.nIn;
      for (let o = 0; o < this.nOut; o++) {
        const d = dy.data[n * this.nOut + o]!;
        if (d === 0) continue;
        this.bias.g[o]! += d;
        const wo = o * this.nIn;
        for (let i = 0; i < this.nIn; i++) {
          G[wo + i]! += d * x.data[xo + i]!;
          dx.data[xo + i]! += d * W[wo + i]!;
        }
      }
    }
    return dx;
  }
}
