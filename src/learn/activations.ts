import { act, type Act, type Layer, type Param } from './tensor.js';

/**
 * Leaky ReLU. Piecewise linear on purpose: no transcendental function in inference, so the decoder
 * gives the same doubles on every platform (Math.tanh/exp may differ in the last bit across engines).
 */
export class LeakyRelu implements Layer {
  readonly params: Param[] = [];
  private x: Act | undefined;
  constructor(readonly slope = 0.1) {}
  forward(x: Act, _train = false): Act {
    this.x = x;
    const y = act(x.b, x.c, x.l);
    const a = this.slope;
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i]!;
      y.data[i] = v > 0 ? v : a * v;
    }
    return y;
  }
  backward(dy: Act): Act {
    const x = this.x!;
    const dx = act(x.b, x.c, x.l);
    const a = this.slope;
    for (let i = 0; i < x.data.length; i++) dx.data[i] = x.data[i]! > 0 ? dy.data[i]! : a * dy.data[i]!;
    return dx;
  }
}

/** tanh (training experiments and tests; the shipped codecs use LeakyRelu). */
export class Tanh implements Layer {
  readonly params: Param[] = [];
  private y: Act | undefined;
  forward(x: Act, _train = false): Act {
    const y = act(x.b, x.c, x.l);
    for (let i = 0; i < x.data.length; i++) y.data[i] = Math.tanh(x.data[i]!);
    this.y = y;
    return y;
  }
  backward(dy: Act): Act {
    const y = this.y!;
    const dx = act(y.b, y.c, y.l);
    for (let i = 0; i < y.data.length; i++) dx.data[i] = dy.data[i]! * (1 - y.data[i]! * y.data[i]!);
    return dx;
  }
}
