/**
 * The training pieces the per-volume nets (`inr`, `cnn3d`) share: the per-tensor weight quantizer,
 * the cosine learning-rate schedule, quantization-aware forward passes (straight-through), the
 * one-sided weighted squared error, and the final "never worse than no net" check.
 */
import type { Param } from './tensor.js';

/** Per-tensor uniform quantizer: step = max|w| / (2^(bits-1) - 1) rounded to float32 (0 for all-zero). */
export function quantStep(w: Float64Array, bits: number): number {
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  return m > 0 ? Math.fround(m / (2 ** (bits - 1) - 1)) : 0;
}

export function quantizeInPlace(w: Float64Array, step: number): void {
  for (let i = 0; i < w.length; i++) w[i] = step > 0 ? Math.round(w[i]! / step) * step : 0;
}

/** Quantizes every tensor on its own step (left quantized) and returns the steps. */
export function quantizeParams(params: Param[], bits: number): number[] {
  return params.map((p) => {
    const st = quantStep(p.w, bits);
    quantizeInPlace(p.w, st);
    return st;
  });
}

/** Cosine decay from lr to lr / 100 over `steps`. */
export function cosineLr(lr: number, s: number, steps: number): number {
  return lr * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * s) / steps)));
}

/**
 * Quantization-aware training: `quantize()` keeps the float weights and quantizes them for one
 * forward / backward pass, `restore()` puts the float weights back before the optimizer step.
 */
export class QatShadow {
  private readonly shadow: Float64Array[];
  constructor(readonly params: Param[], readonly bits: number) {
    this.shadow = params.map((p) => new Float64Array(p.w.length));
  }
  quantize(): void {
    this.params.forEach((p, k) => (this.shadow[k]!.set(p.w), quantizeInPlace(p.w, quantStep(p.w, this.bits))));
  }
  restore(): void {
    this.params.forEach((p, k) => p.w.set(this.shadow[k]!));
  }
}

/** Σ weight[i] (y(i) - target[i])², the terms with below[i] set and y(i) < target[i] left out (one-sided). */
export function oneSidedLoss(target: Float64Array, y: (i: number) => number, below?: Uint8Array, weight?: Float64Array): number {
  let l = 0;
  for (let i = 0; i < target.length; i++) {
    const e = y(i) - target[i]!;
    if (!(below && below[i] && e < 0)) l += (weight ? weight[i]! : 1) * e * e;
  }
  return l;
}

/**
 * Never worse than no net at all (an output of 0: the caller's baseline alone): zeroes the output
 * layer when the net's outputs `y` fit the target no better than 0.
 */
export function zeroIfWorse(out: { w: Param; bias: Param }, target: Float64Array, y: (i: number) => number, below?: Uint8Array, weight?: Float64Array): void {
  if (!(oneSidedLoss(target, y, below, weight) < oneSidedLoss(target, () => 0, below, weight))) {
    out.w.w.fill(0);
    out.bias.w.fill(0);
  }
}
