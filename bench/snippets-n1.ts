/**
 * Spike-snippet coding experiment (issue #11: "an autoencoder on spike snippets for the events
 * codec, if it beats PCA there"): PCA vs a small dense autoencoder vs the events codec's DPCM, on
 * the same windows of N1 samples, at several latent sizes k and quantization steps.
 *
 * Snippets: per file, the reference detector's high-pass (300 Hz) and sigma = median|y|/0.6745;
 * downward crossings at -4 sigma (src/spikes/detect.ts, 1 ms dead time); a window of the ORIGINAL
 * samples [t - 20, t + 30) (1.02 ms pre, 1.54 ms post at 19531 Hz, L = 50) aligned on the crossing
 * t, whole windows only. Each window is normalized u = (x - mean) / sigma. Channels that sit still
 * (sigma < 1e-3 of the high-pass peak: the clipped files) are left out, as are windows that run off
 * the file's ends or touch the int16 rails (clipping transitions, not spikes). Train = the first 228 files sorted by name, held out = the last 228 (vqcae's
 * split); everything is fitted on train and measured on held-out.
 *
 * Coding (the same for all methods, so rates compare): the window mean as an orthonormal DC
 * coefficient mean * sqrt(L) / sigma quantized with the step `d`, then
 *  - PCA: the first k principal directions of the training windows (Jacobi eigendecomposition of
 *    the covariance), coefficients quantized with step d;
 *  - AE: 50 -> H -> k (linear) encoder, k -> H -> 50 decoder, LeakyReLU(0.1), Adam, fixed seed
 *    (deterministic); latents quantized with step d (swept: the AE's latent scale is its own);
 *  - DPCM: the events codec's closed-loop quantizer (prediction = previous reconstructed sample,
 *    step q sigma, dead zone 0.35) on u after the coded mean.
 * Every integer is coded with the codec's adaptive binary coder (count-based adaptive Exp-Golomb,
 * contexts = latent index / for DPCM the events codec's residual contexts), one fresh stream per
 * held-out file as the codec does per chunk: "bits/snippet" are real coded bytes x 8 over the
 * snippets, learning cost included (event times and the per-channel step are the same for every
 * method and not counted). "H bits" is the static (ideal) entropy of the same integers, pooled.
 *
 * Distortion: window SNR = 10 log10(sum (x - mean)^2 / sum (x - xhat)^2) over the 50 samples,
 * median over held-out snippets; rmse in sigma units (mean over snippets). F1: the decoded windows
 * are written back into the original held-out signal (later windows over earlier ones) and the
 * reference detector compares with the original at 4 / 4.5 / 5 (pooled); "SNR±1ms" is the median
 * `eventWindowSnrs` (4.5, ±1 ms) of that signal, the events bench's window metric.
 *
 * Usage: node dist/bench/snippets-n1.js [DIR] [EVERY_TEST=1] [EPOCHS=30] [HIDDEN=64]
 *   env: SNIP_KS=4,8,12,16 SNIP_STEPS=0.5,1,2,4 (latent sizes, steps), SNIP_ONLY_AE=1 (skip DPCM and
 *   PCA), SNIP_SKIP_AE=1, SNIP_NOISE=w (AE trained with latent noise of width w; 'match': one model per step, w = step),
 *   SNIP_L1=l (L1 weight on the latents)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryEncoder } from '../src/codecs/entropy/_binary-coder.js';
import { countingEG } from '../src/codecs/entropy/_counting-eg.js';
import { LeakyRelu } from '../src/learn/activations.js';
import { Adam } from '../src/learn/adam.js';
import { Dense } from '../src/learn/dense.js';
import { Rng } from '../src/learn/prng.js';
import { symEig } from '../src/codecs/volume/pca.js';
import { act, type Act, type Layer } from '../src/learn/tensor.js';
import { butterworthHighpass, compareSpikes, detectCrossings, eventWindowSnrs, filterChannel, HIGHPASS_HZ, medianAbs } from '../src/spikes/detect.js';

const FS = 19531;
const PRE = 20;
const L = 50;
const K_DETECT = 4;

const [dir = '../shared/data/n1', everyS = '1', epochsS = '30', hiddenS = '64'] = process.argv.slice(2);
const EVERY = Number(everyS);
const EPOCHS = Number(epochsS);
const HIDDEN = Number(hiddenS);
/** AE training options (env): latent noise width, L1 weight on the latents */
/** 'match': one model per (k, step), trained with noise of the step's width */
const MATCH = process.env.SNIP_NOISE === 'match';
let NOISE = MATCH ? 0 : Number(process.env.SNIP_NOISE ?? '0');
const L1 = Number(process.env.SNIP_L1 ?? '0');

interface FileSnips {
  x: Int16Array;
  /** window starts */
  at: number[];
  sigma: number;
  /** normalized windows u, L each */
  u: Float64Array[];
  mean: number[];
}

function loadWav(p: string): Int16Array {
  const b = readFileSync(p);
  return new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.byteLength - ((b.byteLength - 44) % 2)));
}

function snippets(x: Int16Array): FileSnips {
  const f = butterworthHighpass(HIGHPASS_HZ, FS);
  const y = filterChannel(x, 1, 0, f);
  const sigma = medianAbs(y) / 0.6745;
  let peak = 0;
  for (const v of y) peak = Math.max(peak, Math.abs(v));
  const out: FileSnips = { x, at: [], sigma, u: [], mean: [] };
  if (!(sigma >= 1e-3 * peak) || !(sigma > 0)) return out;
  for (const t of detectCrossings(y, -K_DETECT * sigma, FS)) {
    const a = t - PRE;
    if (a < 0 || a + L > x.length) continue;
    // rail transitions of clipped recordings are not spikes (416c2b86: 1340 such "events")
    if (x.subarray(a, a + L).some((v) => v === 32767 || v === -32768)) continue;
    let m = 0;
    for (let i = 0; i < L; i++) m += x[a + i]!;
    m /= L;
    const u = new Float64Array(L);
    for (let i = 0; i < L; i++) u[i] = (x[a + i]! - m) / sigma;
    out.at.push(a);
    out.u.push(u);
    out.mean.push(m);
  }
  return out;
}

// ---------- PCA ----------
// ---------- AE ----------
class AE {
  readonly enc: Layer[];
  readonly dec: Layer[];
  constructor(readonly k: number, hidden: number, rng: Rng) {
    this.enc = [new Dense(L, hidden, rng, 'e1'), new LeakyRelu(0.1), new Dense(hidden, k, rng, 'e2')];
    this.dec = [new Dense(k, hidden, rng, 'd1'), new LeakyRelu(0.1), new Dense(hidden, L, rng, 'd2')];
  }
  get params() {
    return [...this.enc, ...this.dec].flatMap((l) => l.params);
  }
  static run(layers: Layer[], x: Act, train: boolean): Act {
    for (const l of layers) x = l.forward(x, train);
    return x;
  }
  static back(layers: Layer[], d: Act): Act {
    for (let i = layers.length - 1; i >= 0; i--) d = layers[i]!.backward(d);
    return d;
  }
}

function trainAE(train: Float64Array[], k: number, seed: number): { ae: AE; mse: number } {
  const rng = new Rng(seed);
  const ae = new AE(k, HIDDEN, rng);
  const opt = new Adam(ae.params, 1e-3);
  const B = 64;
  const order = train.map((_, i) => i);
  let last = 0;
  const steps = Math.ceil(train.length / B) * EPOCHS;
  let step = 0;
  for (let ep = 0; ep < EPOCHS; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let sum = 0;
    let cnt = 0;
    for (let s = 0; s < order.length; s += B) {
      const nb = Math.min(B, order.length - s);
      const x = act(nb, L, 1);
      for (let b = 0; b < nb; b++) x.data.set(train[order[s + b]!]!, b * L);
      const z = AE.run(ae.enc, x, true);
      // quantization-aware training: uniform noise of the test step's width on the latents (the
      // gradient passes through), and an L1 penalty on them as a rate proxy
      const zGrad = new Float64Array(z.data.length);
      for (let i = 0; i < z.data.length; i++) {
        if (L1 > 0) zGrad[i] = (L1 * Math.sign(z.data[i]!)) / (nb * k);
        if (NOISE > 0) z.data[i]! += (rng.next() - 0.5) * NOISE;
      }
      const yhat = AE.run(ae.dec, z, true);
      const g = act(nb, L, 1);
      let l = 0;
      for (let i = 0; i < g.data.length; i++) {
        const e = yhat.data[i]! - x.data[i]!;
        l += e * e;
        g.data[i] = (2 * e) / g.data.length;
      }
      sum += l;
      cnt += g.data.length;
      const dz = AE.back(ae.dec, g);
      for (let i = 0; i < dz.data.length; i++) dz.data[i]! += zGrad[i]!;
      AE.back(ae.enc, dz);
      // linear decay to a tenth over the last 30 % of steps
      const frac = step / steps;
      opt.lr = 1e-3 * (frac < 0.7 ? 1 : 1 - (0.9 * (frac - 0.7)) / 0.3);
      opt.step();
      step++;
    }
    last = sum / cnt;
  }
  return { ae, mse: last };
}

// ---------- coding ----------
interface Method {
  name: string;
  /** codes one file's windows into e (fresh models per file), returns the reconstructions (normalized) and pushes the integers */
  code(us: Float64Array[], e: BinaryEncoder, ints: number[][]): Float64Array[];
}

const SQRT_L = Math.sqrt(L);

/** The window mean as a DC coefficient (orthonormal units) with step d: shared by every method. */
function dcCoder(d: number) {
  const m = countingEG(1, 6);
  let prev = 0;
  return (e: BinaryEncoder, meanNorm: number, ints: number[][]): number => {
    const q = Math.round((meanNorm * SQRT_L) / d);
    m.encSigned(e, 0, q - prev);
    (ints[0] ??= []).push(q - prev);
    prev = q;
    return (q * d) / SQRT_L;
  };
}

function latentMethod(name: string, k: number, d: number, encode: (u: Float64Array) => Float64Array, decode: (z: Float64Array) => Float64Array): Method {
  return {
    name,
    code(us, e, ints) {
      const m = countingEG(k, 6);
      return us.map((u) => {
        const z = encode(u);
        const zq = new Float64Array(k);
        for (let j = 0; j < k; j++) {
          const q = Math.round(z[j]! / d);
          m.encSigned(e, j, q);
          (ints[1 + j] ??= []).push(q);
          zq[j] = q * d;
        }
        return decode(zq);
      });
    },
  };
}

function resCtx(pos: number, prevAbs: number): number {
  const pc = pos === 0 ? 0 : pos < L / 2 ? 1 : 2;
  const mc = prevAbs === 0 ? 0 : prevAbs === 1 ? 1 : prevAbs < 4 ? 2 : 3;
  return pc * 4 + mc;
}

function dpcmMethod(q: number, dz: number): Method {
  return {
    name: `dpcm q=${q}`,
    code(us, e, ints) {
      const m = countingEG(12, 6);
      return us.map((u) => {
        const r = new Float64Array(L);
        let prev = 0;
        let prevAbs = 0;
        for (let i = 0; i < L; i++) {
          const v = (u[i]! - prev) / q;
          const qi = dz > 0 ? Math.sign(v) * Math.max(0, Math.floor(Math.abs(v) + 0.5 - dz)) : Math.round(v);
          const c = resCtx(i, prevAbs);
          m.encSigned(e, c, qi);
          (ints[1 + c] ??= []).push(qi);
          prev += qi * q;
          r[i] = prev;
          prevAbs = Math.abs(qi);
        }
        return r;
      });
    },
  };
}

function entropyBits(ints: number[][]): number {
  let bits = 0;
  for (const s of ints) {
    if (!s) continue;
    const c = new Map<number, number>();
    for (const v of s) c.set(v, (c.get(v) ?? 0) + 1);
    for (const n of c.values()) bits -= n * Math.log2(n / s.length);
  }
  return bits;
}

interface Row {
  method: string;
  d: number;
  bits: number;
  hbits: number;
  /** of which the window mean */
  hdc: number;
  snr: number;
  rmse: number;
  f1: string;
  wsnr: number;
}

function evaluate(test: FileSnips[], method: Method, d: number, withF1: boolean): Row {
  let bytes = 0;
  let n = 0;
  const ints: number[][] = [];
  const snrs: number[] = [];
  let rmse = 0;
  const tally = [4, 4.5, 5].map(() => ({ h: 0, o: 0, r: 0 }));
  const wsnr: number[] = [];
  for (const f of test) {
    if (f.u.length === 0) continue;
    const e = new BinaryEncoder(256);
    const dc = dcCoder(d);
    const means = f.mean.map((m) => dc(e, m / f.sigma, ints));
    // the method codes the window after the CODED mean (u relative to the decoded DC)
    const shifted = f.u.map((u, i) => u.map((v) => v + f.mean[i]! / f.sigma - means[i]!));
    const rec = method.code(shifted, e, ints);
    bytes += e.finish().length;
    n += f.u.length;
    const y = withF1 ? Int16Array.from(f.x) : undefined;
    rec.forEach((r, i) => {
      let sig = 0;
      let err = 0;
      for (let j = 0; j < L; j++) {
        // both relative to the window's true mean, sigma units
        const xv = f.u[i]![j]!;
        const xh = r[j]! + means[i]! - f.mean[i]! / f.sigma;
        sig += xv * xv;
        err += (xv - xh) ** 2;
        if (y) y[f.at[i]! + j] = Math.max(-32768, Math.min(32767, Math.round(xh * f.sigma + f.mean[i]!)));
      }
      snrs.push(err === 0 ? 999 : 10 * Math.log10(sig / err));
      rmse += Math.sqrt(err / L);
    });
    if (y) {
      [4, 4.5, 5].forEach((k, i) => {
        const c = compareSpikes(f.x, y, 1, FS, k);
        tally[i]!.h += c.hits;
        tally[i]!.o += c.original;
        tally[i]!.r += c.reconstructed;
      });
      for (const v of eventWindowSnrs(f.x, y, 1, FS)) wsnr.push(Number.isFinite(v) ? v : 999);
    }
  }
  snrs.sort((a, b) => a - b);
  wsnr.sort((a, b) => a - b);
  return {
    method: method.name,
    d,
    bits: (bytes * 8) / n,
    hbits: entropyBits(ints) / n,
    hdc: entropyBits([ints[0] ?? []]) / n,
    snr: snrs[snrs.length >> 1]!,
    rmse: rmse / n,
    f1: withF1 ? tally.map((c) => ((2 * c.h) / (c.o + c.r)).toFixed(3)).join(' / ') : '-',
    wsnr: withF1 ? wsnr[wsnr.length >> 1]! : NaN,
  };
}

// ---------- main ----------
const files = readdirSync(dir).filter((f) => f.endsWith('.wav')).sort();
const half = files.length >> 1;
const t0 = performance.now();
const trainF = files.slice(0, half).map((f) => snippets(loadWav(join(dir, f))));
const testF = files.slice(half).filter((_, i) => i % EVERY === 0).map((f) => snippets(loadWav(join(dir, f))));
const trainU = trainF.flatMap((f) => f.u);
const nTest = testF.reduce((a, f) => a + f.u.length, 0);
console.log(`# ${trainF.length} train files, ${trainU.length} snippets (${trainF.filter((f) => !f.u.length).length} files without); ${testF.length} held-out files, ${nTest} snippets; L = ${L}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// PCA on the training windows
const cov = new Float64Array(L * L);
const mu = new Float64Array(L);
for (const u of trainU) for (let i = 0; i < L; i++) mu[i]! += u[i]! / trainU.length;
for (const u of trainU) for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) cov[i * L + j]! += ((u[i]! - mu[i]!) * (u[j]! - mu[j]!)) / trainU.length;
const eig = symEig(cov, L); // eigenvectors as rows, eigenvalues descending (the pca volume codec's Jacobi)
const vals = [...eig.values];
const vecs = Array.from({ length: L }, (_, r) => eig.vectors.slice(r * L, (r + 1) * L));
const tot = vals.reduce((a, b) => a + b, 0);
let acc = 0;
console.log(`# PCA variance explained: ${[2, 4, 6, 8, 12, 16].map((k) => `k=${k} ${((100 * vals.slice(0, k).reduce((a, b) => a + b, 0)) / tot).toFixed(1)}%`).join(', ')}`);
void acc;

const pcaEncode = (k: number) => (u: Float64Array) => {
  const z = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < L; i++) s += (u[i]! - mu[i]!) * vecs[j]![i]!;
    z[j] = s;
  }
  return z;
};
const pcaDecode = (k: number) => (z: Float64Array) => {
  const r = Float64Array.from(mu);
  for (let j = 0; j < k; j++) for (let i = 0; i < L; i++) r[i]! += z[j]! * vecs[j]![i]!;
  return r;
};

const KS = (process.env.SNIP_KS ?? '4,8,12,16').split(',').map(Number);
const STEPS = (process.env.SNIP_STEPS ?? '0.5,1,2,4').split(',').map(Number);
const ONLY_AE = process.env.SNIP_ONLY_AE === '1';
const SKIP_AE = process.env.SNIP_SKIP_AE === '1';
const rows: Row[] = [];
const show = (r: Row) => {
  rows.push(r);
  console.log(`${r.method}\td=${r.d}\tbits/snippet ${r.bits.toFixed(1)}\tH ${r.hbits.toFixed(1)} (mean ${r.hdc.toFixed(1)})\tSNR ${r.snr.toFixed(2)} dB\trmse ${r.rmse.toFixed(3)}\tF1 ${r.f1}\tSNR±1ms ${Number.isNaN(r.wsnr) ? '-' : r.wsnr.toFixed(1)}`);
};

if (!ONLY_AE) for (const q of [0.75, 1.5, 3]) show(evaluate(testF, dpcmMethod(q, 0.35), q, true));
if (!ONLY_AE) for (const k of KS) for (const d of STEPS) show(evaluate(testF, latentMethod(`pca k=${k}`, k, d, pcaEncode(k), pcaDecode(k)), d, true));
for (const k of SKIP_AE ? [] : KS) {
  for (const dTrain of MATCH ? STEPS : [NaN]) {
    if (MATCH) NOISE = dTrain;
    const t1 = performance.now();
    const { ae, mse } = trainAE(trainU, k, 1);
    const enc = (u: Float64Array) => AE.run(ae.enc, act(1, L, 1, Float64Array.from(u)), false).data;
    const dec = (z: Float64Array) => Float64Array.from(AE.run(ae.dec, act(1, k, 1, Float64Array.from(z)), false).data);
    // unquantized held-out MSE of each, for reference
    let mAE = 0;
    let mPCA = 0;
    const testU = testF.flatMap((f) => f.u);
    for (const u of testU) {
      const a = dec(enc(u));
      const p = pcaDecode(k)(pcaEncode(k)(u));
      for (let i = 0; i < L; i++) {
        mAE += (a[i]! - u[i]!) ** 2 / (L * testU.length);
        mPCA += (p[i]! - u[i]!) ** 2 / (L * testU.length);
      }
    }
    console.log(`# AE k=${k} H=${HIDDEN} epochs=${EPOCHS} noise=${NOISE} l1=${L1}: train mse ${mse.toFixed(4)}; held-out unquantized mse AE ${mAE.toFixed(4)} vs PCA ${mPCA.toFixed(4)} (sigma^2 units); ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    for (const d of MATCH ? [dTrain] : STEPS) show(evaluate(testF, latentMethod(`ae k=${k}${MATCH ? ` noise=${d}` : ''}`, k, d, enc, dec), d, true));
  }
}
console.log(`# total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
