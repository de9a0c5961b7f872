/**
 * The few shapes the learn layer needs. Activations are [batch, channels, length] in one
 * Float64Array (row-major); a dense layer's features are channels with length 1. Parameters keep
 * their value and gradient side by side so the optimizer walks one list.
 */
import type { Rng } from './prng.js';

export interface Act {
  data: Float64Array;
  b: number;
  c: number;
  l: number;
}

export interface Param {
  name: string;
  shape: number[];
  w: Float64Array;
  g: Float64Array;
}

export function param(name: string, shape: number[]): Param {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, w: new Float64Array(n), g: new Float64Array(n) };
}

export function act(b: number, c: number, l: number, data?: Float64Array): Act {
  return { data: data ?? new Float64Array(b * c * l), b, c, l };
}

/** A weight tensor (He-normal initialisation, std sqrt(2 / fanIn), drawn from rng) and a zero bias [nOut]. */
export function weightsAndBias(name: string, shape: number[], nOut: number, fanIn: number, rng: Rng): { w: Param; bias: Param; params: Param[] } {
  const w = param(`${name}.w`, shape);
  const bias = param(`${name}.b`, [nOut]);
  const s = Math.sqrt(2 / fanIn);
  for (let i = 0; i < w.w.length; i++) w.w[i] = rng.normal() * s;
  return { w, bias, params: [w, bias] };
}

/** Adds Σ dy[o0 .. o0 + len) to the bias gradient g[o]. */
export function addBiasGrad(g: Float64Array, o: number, dy: Float64Array, o0: number, len: number): void {
  let sb = 0;
  for (let t = 0; t < len; t++) sb += dy[o0 + t]!;
  g[o]! += sb;
}

/** A differentiable layer: forward keeps what backward needs; backward accumulates parameter gradients. */
export interface Layer {
  readonly params: Param[];
  forward(x: Act, train: boolean): Act;
  /** Gradient of the loss w.r.t. the last forward's input, given the gradient w.r.t. its output. */
  backward(dy: Act): Act;
}
