import type { Rng } from './prng.js';
import { act, addBiasGrad, weightsAndBias, type Act, type Layer, type Param } from './tensor.js';

/**
 * 1-D convolution, [b, cin, l] -> [b, cout, ceil(l / stride)], zero padding:
 *   y[o, t] = bias[o] + Σ_i Σ_j w[o, i, j] · x[i, t·stride + j − pad],  pad = floor((k − stride) / 2).
 * With k = 2·stride the output is centred on each stride-wide block.
 */
export class Conv1d implements Layer {
  readonly w: Param;
  readonly bias: Param;
  readonly params: Param[];
  readonly pad: number;
  private x: Act | undefined;
  constructor(readonly cin: number, readonly cout: number, readonly k: number, readonly stride: number, rng: Rng, name = 'conv') {
    ({ w: this.w, bias: this.bias, params: this.params } = weightsAndBias(name, [cout, cin, k], cout, cin * k, rng));
    this.pad = Math.max(0, Math.floor((k - stride) / 2));
  }
  outLength(l: number): number {
    return Math.ceil(l / this.stride);
  }
  /** The t range whose input index t·s + j − pad lies in [0, l). */
  private range(j: number, l: number, lo: number): [number, number] {
    const s = this.stride;
    const t0 = Math.max(0, Math.ceil((this.pad - j) / s));
    const t1 = Math.min(lo - 1, Math.floor((l - 1 - j + this.pad) / s));
    return [t0, t1];
  }
  forward(x: Act, _train = false): Act {
    if (x.c !== this.cin) throw new Error(`conv1d: ${x.c} channels, expected ${this.cin}`);
    this.x = x;
    const lo = this.outLength(x.l);
    const y = act(x.b, this.cout, lo);
    const { k, stride: s, pad, cin, cout } = this;
    const W = this.w.w;
    const X = x.data;
    const Y = y.data;
    for (let n = 0; n < x.b; n++) {
      for (let o = 0; o < cout; o++) {
        const yo = (n * cout + o) * lo;
        Y.fill(this.bias.w[o]!, yo, yo + lo);
        for (let i = 0; i < cin; i++) {
          const xo = (n * cin + i) * x.l;
          const wo = (o * cin + i) * k;
          for (let j = 0; j < k; j++) {
            const wv = W[wo + j]!;
            const [t0, t1] = this.range(j, x.l, lo);
            let p = xo + t0 * s + j - pad;
            for (let t = t0; t <= t1; t++, p += s) Y[yo + t]! += wv * X[p]!;
          }
        }
      }
    }
    return y;
  }
  backward(dy: Act): Act {
    const x = this.x!;
    const lo = dy.l;
    const dx = act(x.b, x.c, x.l);
    const { k, stride: s, pad, cin, cout } = this;
    const W = this.w.w;
    const G = this.w.g;
    const X = x.data;
    const DX = dx.data;
    const DY = dy.data;
    for (let n = 0; n < x.b; n++) {
      for (let o = 0; o < cout; o++) {
        const yo = (n * cout + o) * lo;
        addBiasGrad(this.bias.g, o, DY, yo, lo);
        for (let i = 0; i < cin; i++) {
          const xo = (n * cin + i) * x.l;
          const wo = (o * cin + i) * k;
          for (let j = 0; j < k; j++) {
            const wv = W[wo + j]!;
            const [t0, t1] = this.range(j, x.l, lo);
            let p = xo + t0 * s + j - pad;
            let g = 0;
            for (let t = t0; t <= t1; t++, p += s) {
              const d = DY[yo + t]!;
              g += d * X[p]!;
              DX[p]! += d * wv;
            }
            G[wo + j]! += g;
          }
        }
      }
    }
    return dx;
  }
}

/**
 * Transposed 1-D convolution (the adjoint of Conv1d's striding), [b, cin, l] -> [b, cout, l·stride]:
 *   y[o, t·stride + j − pad] += w[i, o, j] · x[i, t],  pad = floor((k − stride) / 2), outputs outside
 * [0, l·stride) dropped.
 */
export class ConvTranspose1d implements Layer {
  readonly w: Param;
  readonly bias: Param;
  readonly params: Param[];
  readonly pad: number;
  private x: Act | undefined;
  constructor(readonly cin: number, readonly cout: number, readonly k: number, readonly stride: number, rng: Rng, name = 'convt') {
    // each output gets about k / stride taps per input channel
    ({ w: this.w, bias: this.bias, params: this.params } = weightsAndBias(name, [cin, cout, k], cout, (cin * k) / stride, rng));
    this.pad = Math.max(0, Math.floor((k - stride) / 2));
  }
  private range(j: number, l: number): [number, number] {
    const s = this.stride;
    const lo = l * s;
    const t0 = Math.max(0, Math.ceil((this.pad - j) / s));
    const t1 = Math.min(l - 1, Math.floor((lo - 1 - j + this.pad) / s));
    return [t0, t1];
  }
  forward(x: Act, _train = false): Act {
    if (x.c !== this.cin) throw new Error(`convT1d: ${x.c} channels, expected ${this.cin}`);
    this.x = x;
    const { k, stride: s, pad, cin, cout } = this;
    const lo = x.l * s;
    const y = act(x.b, cout, lo);
    const W = this.w.w;
    const X = x.data;
    const Y = y.data;
    for (let n = 0; n < x.b; n++) {
      for (let o = 0; o < cout; o++) {
        const yo = (n * cout + o) * lo;
        Y.fill(this.bias.w[o]!, yo, yo + lo);
        for (let i = 0; i < cin; i++) {
          const xo = (n * cin + i) * x.l;
          const wo = (i * cout + o) * k;
          for (let j = 0; j < k; j++) {
            const wv = W[wo + j]!;
            const [t0, t1] = this.range(j, x.l);
            let p = yo + t0 * s + j - pad;
            for (let t = t0; t <= t1; t++, p += s) Y[p]! += wv * X[xo + t]!;
          }
        }
      }
    }
    return y;
  }
  backward(dy: Act): Act {
    const x = this.x!;
    const { k, stride: s, pad, cin, cout } = this;
    const lo = x.l * s;
    const dx = act(x.b, x.c, x.l);
    const W = this.w.w;
    const G = this.w.g;
    const X = x.data;
    const DX = dx.data;
    const DY = dy.data;
    for (let n = 0; n < x.b; n++) {
      for (let o = 0; o < cout; o++) {
        const yo = (n * cout + o) * lo;
        addBiasGrad(this.bias.g, o, DY, yo, lo);
        for (let i = 0; i < cin; i++) {
          const xo = (n * cin + i) * x.l;
          const wo = (i * cout + o) * k;
          for (let j = 0; j < k; j++) {
            const wv = W[wo + j]!;
            const [t0, t1] = this.range(j, x.l);
            let p = yo + t0 * s + j - pad;
            let g = 0;
            for (let t = t0; t <= t1; t++, p += s) {
              const d = DY[p]!;
              g += d * X[xo + t]!;
              DX[xo + t]! += d * wv;
            }
            G[wo + j]! += g;
          }
        }
      }
    }
    return dx;
  }
}
