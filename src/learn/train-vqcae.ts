/**
 * Training of the VQ-CAE (deterministic: one seeded Rng drives initialization, batches and codebook
 * restarts; single thread; no time-dependent input), then the static index prior the codec's range
 * coder uses.
 *
 *  1. Warm-up: `warmup` steps of the plain autoencoder (no quantization), so the latent has structure.
 *  2. Codebook init: k-means (10 Lloyd iterations) of latent vectors from random crops.
 *  3. VQ training: straight-through gradients, commitment loss, EMA codebook; entries unused for a
 *     while are restarted on random latent vectors every `restartEvery` steps.
 *  Adam throughout; the learning rate decays linearly to a tenth over the last 30 % of steps.
 */
import { InvalidConfigError } from '../core/errors.js';
import { Adam } from './adam.js';
import { mseLoss } from './loss.js';
import { Rng } from './prng.js';
import { act, type Act } from './tensor.js';
import { priorFromCounts, VqcaeNet, type VqcaeArch } from './vqcae.js';
import { saveWeights } from './weights.js';

export interface VqcaeTrainOptions {
  arch: VqcaeArch;
  seed: number;
  steps: number;
  warmup: number;
  batch: number;
  crop: number;
  lr: number;
  restartEvery?: number;
  /** Called every `every` steps with the running losses (normalized units). */
  onProgress?: (step: number, mse: number, commit: number) => void;
  every?: number;
}

export interface VqcaeTrainResult {
  net: VqcaeNet;
  prior: number[];
  weights: Uint8Array;
  finalMse: number;
  codesUsed: number;
}

function batchOf(signals: Float64Array[], rng: Rng, batch: number, crop: number): Act {
  const x = act(batch, 1, crop);
  for (let b = 0; b < batch; b++) {
    const s = signals[rng.int(signals.length)]!;
    if (s.length <= crop) x.data.set(s.subarray(0, crop), b * crop);
    else {
      const start = rng.int(s.length - crop + 1);
      x.data.set(s.subarray(start, start + crop), b * crop);
    }
  }
  return x;
}

/** Latent vectors [b, D, t] as rows of D values. */
function rows(z: Act): Float64Array[] {
  const out: Float64Array[] = [];
  for (let b = 0; b < z.b; b++) {
    for (let t = 0; t < z.l; t++) {
      const v = new Float64Array(z.c);
      for (let j = 0; j < z.c; j++) v[j] = z.data[(b * z.c + j) * z.l + t]!;
      out.push(v);
    }
  }
  return out;
}

function kmeans(vs: Float64Array[], k: number, d: number, rng: Rng, iters: number): Float64Array {
  const cb = new Float64Array(k * d);
  // distinct random starting points (partial Fisher–Yates)
  const order = vs.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(order.length - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
    cb.set(vs[order[i]! % vs.length]!, i * d);
  }
  for (let it = 0; it < iters; it++) {
    const sum = new Float64Array(k * d);
    const n = new Float64Array(k);
    for (const v of vs) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (v[j]! - cb[c * d + j]!) ** 2;
        if (s < bd) {
          bd = s;
          best = c;
        }
      }
      n[best]! += 1;
      for (let j = 0; j < d; j++) sum[best * d + j]! += v[j]!;
    }
    for (let c = 0; c < k; c++) {
      if (n[c]! > 0) for (let j = 0; j < d; j++) cb[c * d + j] = sum[c * d + j]! / n[c]!;
      else cb.set(vs[rng.int(vs.length)]!, c * d);
    }
  }
  return cb;
}

export function trainVqcae(signals: Float64Array[], o: VqcaeTrainOptions, meta: Record<string, import('../core/types.js').Json> = {}): VqcaeTrainResult {
  if (signals.length === 0) throw new Error('train vqcae: no training signals');
  const rng = new Rng(o.seed);
  const net = new VqcaeNet(o.arch, rng);
  if (o.crop % net.stride !== 0) throw new InvalidConfigError(`train vqcae: crop ${o.crop} is not a multiple of the total stride ${net.stride}`);
  const opt = new Adam(net.params, o.lr);
  const every = o.every ?? 100;
  const restartEvery = o.restartEvery ?? 50;
  const decayFrom = Math.floor(0.7 * o.steps);
  let runMse = 0;
  let runCommit = 0;
  let runN = 0;
  let lastMse = NaN;
  for (let step = 0; step < o.steps; step++) {
    opt.lr = step < decayFrom ? o.lr : o.lr * (1 - (0.9 * (step - decayFrom)) / Math.max(1, o.steps - decayFrom));
    if (step === o.warmup) {
      // codebook from k-means of latent vectors of fresh crops
      const vs: Float64Array[] = [];
      while (vs.length < 8 * o.arch.codebook) vs.push(...rows(net.encode(batchOf(signals, rng, o.batch, o.crop))));
      net.vq.setCodebook(kmeans(vs, o.arch.codebook, o.arch.latent, rng, 10));
    }
    const x = batchOf(signals, rng, o.batch, o.crop);
    const useVq = step >= o.warmup;
    const z = net.encode(x, true);
    const zq = useVq ? net.vq.forward(z, true) : z;
    const y = net.decode(zq, true);
    const { loss, grad } = mseLoss(y, x.data);
    net.backward(grad, useVq);
    opt.step();
    if (useVq && (step - o.warmup) % restartEvery === restartEvery - 1) {
      const perEntry = (o.batch * (o.crop / net.stride)) / o.arch.codebook;
      net.vq.restartDead(rng, 0.02 * perEntry);
    }
    runMse += loss;
    runCommit += useVq ? net.vq.lastCommit : 0;
    runN++;
    if ((step + 1) % every === 0 || step === o.steps - 1) {
      lastMse = runMse / runN;
      o.onProgress?.(step + 1, lastMse, runCommit / runN);
      runMse = runCommit = runN = 0;
    }
  }
  // static prior: index counts over the whole training signals
  const counts = new Float64Array(o.arch.codebook);
  for (const s of signals) {
    const len = Math.ceil(s.length / net.stride) * net.stride;
    const padded = new Float64Array(len);
    padded.set(s);
    for (const i of net.indices(padded)) counts[i]! += 1;
  }
  const prior = priorFromCounts(counts);
  // round to what the file stores, so the returned net is the shipped one
  for (const t of net.tensors) for (let i = 0; i < t.w.length; i++) t.w[i] = Math.fround(t.w[i]!);
  const weights = saveWeights(
    {
      kind: 'vqcae',
      arch: { ...o.arch },
      prior,
      train: { seed: o.seed, steps: o.steps, warmup: o.warmup, batch: o.batch, crop: o.crop, lr: o.lr, ...meta },
    },
    net.tensors,
  );
  let used = 0;
  for (const c of counts) if (c > 0) used++;
  return { net, prior, weights, finalMse: lastMse, codesUsed: used };
}
