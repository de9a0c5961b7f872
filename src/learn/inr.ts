/**
 * Implicit neural representation of a 3-D grid (the `inr` volume codec, docs/spec/codecs/inr.md):
 * an MLP from the Fourier features of a normalized (z, y, x) coordinate to one value, trained per
 * volume. Inference uses only IEEE double +, -, *, floor and comparisons in a fixed order (the
 * Fourier features use `sin2pi` below, a polynomial, not Math.sin), so a decoder gives the same
 * doubles on every engine. Training may use Math.* (initialisation, schedule): it runs once, at
 * encode time, and its result is stored.
 */
import { Adam } from './adam.js';
import { LeakyRelu } from './activations.js';
import { Dense } from './dense.js';
import { cosineLr, QatShadow, quantizeParams, zeroIfWorse } from './fit.js';
import { Rng } from './prng.js';
import { act, type Act, type Layer } from './tensor.js';

const TWO_PI = 6.283185307179586;
const SQRT3 = 1.7320508075688772;
/** Taylor coefficients (-1)^k / (2k+1)! for k = 1..9 (|x| <= pi/2: truncation below 5e-14). */
const SIN_C = [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800, -1 / 1307674368000, 1 / 355687428096000, -1 / 121645100408832000];

/** sin(2 pi t) from arithmetic only: exact reduction to |r| <= 1/4, then an odd polynomial. */
export function sin2pi(t: number): number {
  if (!Number.isFinite(t)) return 0;
  let r = t - Math.floor(t); // exact, in [0, 1)
  if (r > 0.5) r -= 1; // exact, in (-0.5, 0.5]
  if (r > 0.25) r = 0.5 - r;
  else if (r < -0.25) r = -0.5 - r;
  const x = r * TWO_PI;
  const x2 = x * x;
  let p = SIN_C[8]!;
  for (let k = 7; k >= 0; k--) p = p * x2 + SIN_C[k]!;
  return x + x * x2 * p;
}

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238; // high bits of ln 2 (k * LN2_HI is exact for |k| < 2^20)
const LN2_LO = 1.9082149292705877e-10;
const P2 = new Float64Array(1);
const P2U = new Uint32Array(P2.buffer);

/** 2^k exactly for integer k in [-1022, 1023] (the IEEE exponent field, little-endian words). */
function pow2(k: number): number {
  P2U[0] = 0;
  P2U[1] = (k + 1023) << 20;
  return P2[0]!;
}

/**
 * exp(y) for y <= 0 from arithmetic only: y = k ln2 + r (Cody–Waite, |r| <= ln2/2), a degree-13
 * Taylor polynomial for exp(r), times 2^k. 0 below 2^-1022; relative error about 1e-15.
 */
export function expNeg(y: number): number {
  if (!(y <= 0)) return y > 0 ? expNeg(0) : 0;
  const k = Math.floor(y * LOG2E + 0.5);
  if (k < -1021) return 0;
  const r = y - k * LN2_HI - k * LN2_LO;
  let p = 1 / 6227020800; // 1/13!
  for (let j = 12; j >= 1; j--) p = p * r + 1 / FACT[j]!;
  return (p * r + 1) * pow2(k);
}
const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600];

export interface InrArch {
  /** Hidden layers (>= 1) and their width. */
  depth: number;
  width: number;
  /** Fourier frequency vectors (2 features each: sin, cos) and their scale (cycles per unit). */
  freqs: number;
  sigma: number;
  seed: number;
  /** Leaky ReLU slope. */
  slope: number;
}

/** The frequency matrix [freqs][3]: sigma times an Irwin–Hall(4) approximate normal, from the seed. */
export function frequencies(a: InrArch): Float64Array {
  const rng = new Rng(a.seed);
  const B = new Float64Array(a.freqs * 3);
  for (let i = 0; i < B.length; i++) B[i] = a.sigma * SQRT3 * (rng.next() + rng.next() + rng.next() + rng.next() - 2);
  return B;
}

export function featureCount(a: InrArch): number {
  return 6 + 2 * a.freqs;
}

/** Features of one normalized coordinate u into f at offset o: u, u², then sin, cos of 2π B u. */
export function features(B: Float64Array, freqs: number, u0: number, u1: number, u2: number, f: Float64Array, o: number): void {
  f[o] = u0;
  f[o + 1] = u1;
  f[o + 2] = u2;
  f[o + 3] = u0 * u0;
  f[o + 4] = u1 * u1;
  f[o + 5] = u2 * u2;
  for (let k = 0; k < freqs; k++) {
    const t = B[k * 3]! * u0 + B[k * 3 + 1]! * u1 + B[k * 3 + 2]! * u2;
    f[o + 6 + 2 * k] = sin2pi(t);
    f[o + 7 + 2 * k] = sin2pi(t + 0.25);
  }
}

export class InrNet {
  readonly dense: Dense[] = [];
  readonly layers: Layer[] = [];
  constructor(readonly arch: InrArch, rng: Rng) {
    let nIn = featureCount(arch);
    for (let l = 0; l < arch.depth; l++) {
      const d = new Dense(nIn, arch.width, rng, `h${l}`);
      this.dense.push(d);
      this.layers.push(d, new LeakyRelu(arch.slope));
      nIn = arch.width;
    }
    const out = new Dense(nIn, 1, rng, 'out');
    out.w.w.fill(0); // the net starts as 0: the codec's baseline alone
    this.dense.push(out);
    this.layers.push(out);
  }
  forward(x: Act, train = false): Act {
    let h = x;
    for (const l of this.layers) h = l.forward(h, train);
    return h;
  }
  backward(dy: Act): void {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i]!.backward(g);
  }
}

export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  bits: number;
  /** Fraction of the steps (at the end) trained through the weight quantizer (straight-through). */
  qat: number;
}

/**
 * Fits the net to (features, targets): Adam on MSE over random mini-batches, cosine learning-rate
 * decay, the last `qat` fraction with quantized weights in the forward pass. Leaves the net's
 * weights quantized (each tensor on its own step) and returns the steps; if the quantized net fits
 * worse than an output of 0, its output layer is zeroed. Where `below[i]` is set,
 * the target is an upper bound (one-sided loss: only outputs above it cost); `weight[i]` scales
 * point i's squared error.
 */
export function trainInr(net: InrNet, feats: Float64Array, target: Float64Array, o: TrainOptions, rng: Rng, below?: Uint8Array, weight?: Float64Array): number[] {
  const nf = featureCount(net.arch);
  const n = target.length;
  const params = net.dense.flatMap((d) => d.params);
  const adam = new Adam(params, o.lr);
  const B = Math.min(o.batch, n);
  const xb = act(B, nf, 1);
  const dy = act(B, 1, 1);
  const yb = new Float64Array(B);
  const ob = new Uint8Array(B);
  const wb = new Float64Array(B);
  const qatFrom = Math.floor(o.steps * (1 - o.qat));
  const qat = new QatShadow(params, o.bits);
  for (let s = 0; s < o.steps; s++) {
    adam.lr = cosineLr(o.lr, s, o.steps);
    for (let b = 0; b < B; b++) {
      const i = B === n ? b : rng.int(n);
      xb.data.set(feats.subarray(i * nf, (i + 1) * nf), b * nf);
      yb[b] = target[i]!;
      ob[b] = below ? below[i]! : 0;
      wb[b] = weight ? weight[i]! : 1;
    }
    const q = s >= qatFrom;
    if (q) qat.quantize();
    const y = net.forward(xb, true);
    for (let b = 0; b < B; b++) {
      const e = y.data[b]! - yb[b]!;
      dy.data[b] = ob[b] && e < 0 ? 0 : (2 * wb[b]! * e) / B;
    }
    net.backward(dy);
    if (q) qat.restore();
    adam.step();
  }
  const steps = quantizeParams(params, o.bits);
  const all = net.forward(act(n, nf, 1, feats.slice(0, n * nf)));
  zeroIfWorse(net.dense[net.dense.length - 1]!, target, (i) => all.data[i]!, below, weight);
  return steps;
}
