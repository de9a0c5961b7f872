/**
 * The VQ-CAE network (after the VQ-CAE paper on N1 signals, in small form): a fully convolutional
 * 1-D autoencoder whose latent sequence is vector-quantized.
 *
 *   encoder: Conv1d(1→C, k=2s₁, s₁) LReLU … Conv1d(C→C, k=2sₘ₋₁, sₘ₋₁) LReLU Conv1d(C→D, k=2sₘ, sₘ)
 *   VQ:      each D-vector of the latent (one per S = Πsᵢ samples) → nearest of K codebook entries
 *   decoder: ConvT(D→C, k=2sₘ, sₘ) LReLU … ConvT(C→1, k=2s₁, s₁)
 *
 * Input is a chunk normalized by `normalize` (offset and a log-quantized scale, both sent as side
 * information). Training uses crops; the codec runs the same layers over a whole chunk.
 */
import { LeakyRelu } from './activations.js';
import { Conv1d, ConvTranspose1d } from './conv1d.js';
import type { Rng } from './prng.js';
import { act, type Act, type Layer, type Param } from './tensor.js';
import { VectorQuantizer } from './vq.js';

export interface VqcaeArch {
  /** Strides of the encoder's convolutions (the decoder mirrors them); S = their product. */
  strides: number[];
  /** Hidden channels C. */
  channels: number;
  /** Latent dimension D. */
  latent: number;
  /** Codebook size K. */
  codebook: number;
}

export function totalStride(a: VqcaeArch): number {
  return a.strides.reduce((x, y) => x * y, 1);
}

export class VqcaeNet {
  readonly encoder: Layer[] = [];
  readonly decoder: Layer[] = [];
  readonly vq: VectorQuantizer;
  readonly stride: number;
  constructor(readonly arch: VqcaeArch, rng: Rng) {
    const { strides, channels: C, latent: D, codebook: K } = arch;
    const m = strides.length;
    strides.forEach((s, i) => {
      const cin = i === 0 ? 1 : C;
      const cout = i === m - 1 ? D : C;
      this.encoder.push(new Conv1d(cin, cout, 2 * s, s, rng, `enc${i}`));
      if (i < m - 1) this.encoder.push(new LeakyRelu());
    });
    for (let i = m - 1; i >= 0; i--) {
      const s = strides[i]!;
      const cin = i === m - 1 ? D : C;
      const cout = i === 0 ? 1 : C;
      this.decoder.push(new ConvTranspose1d(cin, cout, 2 * s, s, rng, `dec${m - 1 - i}`));
      if (i > 0) this.decoder.push(new LeakyRelu());
    }
    this.vq = new VectorQuantizer(K, D, rng);
    this.stride = totalStride(arch);
  }

  /** Trainable parameters (the codebook is updated by EMA, not by the optimizer). */
  get params(): Param[] {
    return [...this.encoder, ...this.decoder].flatMap((l) => l.params);
  }

  /** Everything a weights file stores. */
  get tensors(): Param[] {
    return [...this.params, this.vq.codebook];
  }

  encode(x: Act, train = false): Act {
    let h = x;
    for (const l of this.encoder) h = l.forward(h, train);
    return h;
  }

  decode(z: Act, train = false): Act {
    let h = z;
    for (const l of this.decoder) h = l.forward(h, train);
    return h;
  }

  /** Gradient through the decoder, then (optionally the VQ and) the encoder. */
  backward(dy: Act, throughVq: boolean): void {
    let g = dy;
    for (let i = this.decoder.length - 1; i >= 0; i--) g = this.decoder[i]!.backward(g);
    if (throughVq) g = this.vq.backward(g);
    for (let i = this.encoder.length - 1; i >= 0; i--) g = this.encoder[i]!.backward(g);
  }

  /** Codebook indices of a normalized signal (length a multiple of S). */
  indices(x: Float64Array): Int32Array {
    return this.vq.quantize(this.encode(act(1, 1, x.length, x)));
  }

  /** Normalized reconstruction (length T·S) of indices. */
  reconstruct(idx: Int32Array): Float64Array {
    return this.decode(this.vq.lookup(idx, 1, idx.length)).data;
  }
}

/** log2 scale steps per octave of the normalization (1/8 octave: at most 4.4 % off the true std). */
const SCALE_STEPS = 8;

export interface Normalization {
  offset: number;
  /** round(SCALE_STEPS · log2(std)), or null for a constant signal. */
  q: number | null;
}

export function scaleOf(q: number): number {
  return 2 ** (q / SCALE_STEPS);
}

/** Offset (rounded mean) and quantized scale (std) of one channel. */
export function normalization(x: ArrayLike<number>): Normalization {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const offset = n ? Math.round(s / n) : 0;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - offset) ** 2;
  const std = n ? Math.sqrt(v / n) : 0;
  if (!(std > 0) || !Number.isFinite(std)) return { offset, q: null };
  return { offset, q: Math.round(SCALE_STEPS * Math.log2(std)) };
}

/** (x − offset) / scale, zero padded to `len`. */
export function normalized(x: ArrayLike<number>, nz: Normalization, len: number): Float64Array {
  const out = new Float64Array(len);
  if (nz.q === null) return out;
  const inv = 1 / scaleOf(nz.q);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - nz.offset) * inv;
  return out;
}

/** Total of the static index prior shipped with the weights (rangecoder totals must be ≤ 2^24). */
export const PRIOR_TOTAL = 1 << 16;

/** Index counts → frequencies summing to PRIOR_TOTAL, every index at least 1 (any index stays codable). */
export function priorFromCounts(counts: ArrayLike<number>): number[] {
  const k = counts.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += counts[i]!;
  const room = PRIOR_TOTAL - k;
  const f = Array.from({ length: k }, (_, i) => 1 + (total > 0 ? Math.floor((counts[i]! * room) / total) : 0));
  let sum = f.reduce((a, b) => a + b, 0);
  // hand the rounding remainder to the most frequent index
  let big = 0;
  for (let i = 1; i < k; i++) if (f[i]! > f[big]!) big = i;
  f[big]! += PRIOR_TOTAL - sum;
  sum = PRIOR_TOTAL;
  return f;
}
