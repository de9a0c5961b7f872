/**
 * A small decoder-only 3-D CNN (the `cnn3d` volume codec, docs/spec/codecs/cnn3d.md): a learned
 * low-resolution latent grid [C, lz, ly, lx] goes through `levels` stages of 2x linear upsampling
 * + a k³ "same" convolution (C -> C with leaky ReLU, the last one C -> 1), and the output is
 * cropped to the target's dims. Latent and weights are both trained per volume (encode time) and
 * are the code. Inference is IEEE double +, * and comparisons in a fixed order (conv3d.ts), so a
 * decoder gives the same doubles on every engine.
 */
import { Adam } from './adam.js';
import { LeakyRelu } from './activations.js';
import { Conv3d, Upsample3d, type Dims3 } from './conv3d.js';
import { cosineLr, QatShadow, quantizeParams, zeroIfWorse } from './fit.js';
import type { Rng } from './prng.js';
import { act, param, type Act, type Layer, type Param } from './tensor.js';

export interface Cnn3dArch {
  /** Upsampling stages (>= 1) and the channels of the latent and hidden layers. */
  levels: number;
  channels: number;
  /** Convolution kernel size (odd). */
  k: number;
  /** Leaky ReLU slope. */
  slope: number;
}

/** Stages along an axis of length n: min(levels, ceil(log2 n)) (0 for n = 1). */
export function axisLevels(levels: number, n: number): number {
  let l = 0;
  while (l < levels && 2 ** l < n) l++;
  return l;
}

/** The latent grid's dims for target dims n: ceil(n_a / 2^L_a). */
export function latentDims(levels: number, n: Dims3): Dims3 {
  return n.map((v) => Math.ceil(v / 2 ** axisLevels(levels, v))) as Dims3;
}

export class Cnn3dNet {
  readonly latent: Param;
  readonly convs: Conv3d[] = [];
  readonly layers: Layer[] = [];
  /** The uncropped output dims (>= the target dims on every axis). */
  readonly outDims: Dims3;
  readonly params: Param[];
  constructor(readonly arch: Cnn3dArch, readonly dims: Dims3, rng: Rng) {
    const { levels: L, channels: C, k } = arch;
    const la = dims.map((v) => axisLevels(L, v));
    let d = latentDims(L, dims);
    this.latent = param('latent', [C, ...d]);
    for (let i = 0; i < this.latent.w.length; i++) this.latent.w[i] = rng.normal();
    for (let s = 0; s < L; s++) {
      // an axis with L_a stages is upsampled in the last L_a stages
      const up = new Upsample3d(d, [s >= L - la[0]!, s >= L - la[1]!, s >= L - la[2]!]);
      d = up.outDims;
      const last = s === L - 1;
      const conv = new Conv3d(C, last ? 1 : C, k, d, rng, `conv${s}`);
      this.convs.push(conv);
      this.layers.push(up, conv);
      if (!last) this.layers.push(new LeakyRelu(arch.slope));
    }
    this.convs[L - 1]!.w.w.fill(0); // the net starts as 0: the codec's baseline alone
    this.outDims = d;
    this.params = [this.latent, ...this.convs.flatMap((c) => c.params)];
  }
  /** The full (uncropped) output [1, 1, outDims]. */
  forward(train = false): Act {
    let h = act(1, this.arch.channels, this.latent.w.length / this.arch.channels, this.latent.w);
    for (const l of this.layers) h = l.forward(h, train);
    return h;
  }
  backward(dy: Act): void {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i]!.backward(g);
    const G = this.latent.g;
    for (let i = 0; i < G.length; i++) G[i]! += g.data[i]!;
  }
  /** The output cropped to dims (the first n_a samples of every axis), z outer, x inner. */
  evaluate(): Float64Array {
    return crop(this.forward(false).data, this.outDims, this.dims);
  }
}

function crop(y: Float64Array, o: Dims3, n: Dims3): Float64Array {
  const out = new Float64Array(n[0] * n[1] * n[2]);
  let k = 0;
  for (let z = 0; z < n[0]; z++) for (let yy = 0; yy < n[1]; yy++) {
    const r = (z * o[1] + yy) * o[2];
    for (let x = 0; x < n[2]; x++) out[k++] = y[r + x]!;
  }
  return out;
}

export interface Cnn3dTrainOptions {
  steps: number;
  lr: number;
  bits: number;
  /** Fraction of the steps (at the end) trained through the quantizer (straight-through). */
  qat: number;
}

/**
 * Fits the net's cropped output to target (full batch): Adam on the weighted MSE, cosine learning-
 * rate decay, the last `qat` fraction with quantized latent and weights in the forward pass. Where
 * `below[i]` is set the target is an upper bound (only outputs above it cost). Leaves every
 * tensor quantized on its own step and returns the steps; if the quantized net fits worse than an
 * output of 0, the last convolution is zeroed.
 */
export function trainCnn3d(net: Cnn3dNet, target: Float64Array, o: Cnn3dTrainOptions, below?: Uint8Array, weight?: Float64Array): number[] {
  const { params, outDims: od, dims: n } = net;
  const N = target.length;
  const adam = new Adam(params, o.lr);
  const dy = act(1, 1, od[0] * od[1] * od[2]);
  const qatFrom = Math.floor(o.steps * (1 - o.qat));
  const qat = new QatShadow(params, o.bits);
  for (let s = 0; s < o.steps; s++) {
    adam.lr = cosineLr(o.lr, s, o.steps);
    const q = s >= qatFrom;
    if (q) qat.quantize();
    const y = net.forward(true).data;
    let k = 0;
    for (let z = 0; z < n[0]; z++) for (let yy = 0; yy < n[1]; yy++) {
      const r = (z * od[1] + yy) * od[2];
      for (let x = 0; x < n[2]; x++, k++) {
        const e = y[r + x]! - target[k]!;
        dy.data[r + x] = below && below[k] && e < 0 ? 0 : (2 * (weight ? weight[k]! : 1) * e) / N;
      }
    }
    net.backward(dy);
    if (q) qat.restore();
    adam.step();
  }
  const steps = quantizeParams(params, o.bits);
  const all = net.evaluate();
  zeroIfWorse(net.convs[net.convs.length - 1]!, target, (i) => all[i]!, below, weight);
  return steps;
}
