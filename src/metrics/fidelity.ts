/**
 * Fidelity of a reconstruction y against the original x (docs/spec/metrics.md). Arrays are
 * interleaved [nSamples, nChannels] in C order, of any numeric type; all sums run in doubles.
 *
 * - MSE  = mean((x - y)^2) over every value; RMSE = sqrt(MSE); maxAbsError = max |x - y|.
 * - SNR  = 10 log10( sum (x - mean x)^2 / sum (x - y)^2 ) dB: the original's variance (per
 *          channel mean removed, so a DC offset does not count as signal) over the error power.
 * - PSNR = 10 log10( peak^2 / MSE ) dB with peak = the original's range, max(x) - min(x)
 *          (not the dtype's full range: 10-bit codes stored in int16 would otherwise gain 36 dB).
 * - SSIM: 1-D structural similarity (Wang et al. 2004) along time per channel, Gaussian window of
 *          11 samples (sigma 1.5, normalized), K1 = 0.01, K2 = 0.03, L = the original's range;
 *          mean over all full windows (stride 1) of all channels. A channel shorter than the
 *          window uses one window over the whole channel with equal weights.
 * Identical inputs give MSE 0, SNR and PSNR +Infinity, SSIM 1.
 *
 * Full-scale variants (integer dtypes only), the definitions of the VQ-CAE paper's published code,
 * which reads int16 WAVs as floats in [-1, 1) and calls scikit-image 0.19 with its defaults:
 * - PSNR_FS = 10 log10( F^2 / MSE ), F = the dtype's full scale (2^(bits-1) signed, 2^bits - 1 unsigned);
 * - SSIM_FS: uniform 7-sample window, sample (n - 1) variances and covariance, K1 = 0.01,
 *          K2 = 0.03, L = the dtype's full range (2F signed, F unsigned); mean over full windows.
 */
export type NumArray = ArrayLike<number>;

export interface Fidelity {
  mse: number;
  rmse: number;
  snr: number;
  psnr: number;
  ssim: number;
  maxAbsError: number;
  /** Only when a full scale is given (integer dtypes): PSNR_FS and SSIM_FS. */
  psnrFullScale?: number;
  ssimFullScale?: number;
}

function checkSameLength(x: NumArray, y: NumArray): void {
  if (x.length !== y.length) throw new RangeError(`metrics: lengths differ (${x.length} vs ${y.length})`);
}

export function mse(x: NumArray, y: NumArray): number {
  checkSameLength(x, y);
  if (x.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    s += d * d;
  }
  return s / x.length;
}

export function rmse(x: NumArray, y: NumArray): number {
  return Math.sqrt(mse(x, y));
}

export function maxAbsError(x: NumArray, y: NumArray): number {
  checkSameLength(x, y);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (d > m) m = d;
  }
  return m;
}

export function range(x: NumArray): number {
  if (x.length === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

const toDb = (ratio: number): number => (ratio === Infinity ? Infinity : 10 * Math.log10(ratio));

export function snr(x: NumArray, y: NumArray, nChannels = 1): number {
  checkSameLength(x, y);
  const n = Math.floor(x.length / nChannels);
  const mean = new Float64Array(nChannels);
  for (let i = 0; i < n * nChannels; i++) mean[i % nChannels] += x[i]!;
  for (let c = 0; c < nChannels; c++) mean[c] = n ? mean[c]! / n : 0;
  let sig = 0;
  let err = 0;
  for (let i = 0; i < n * nChannels; i++) {
    const a = x[i]! - mean[i % nChannels]!;
    const d = x[i]! - y[i]!;
    sig += a * a;
    err += d * d;
  }
  if (err === 0) return Infinity;
  return toDb(sig / err);
}

export function psnr(x: NumArray, y: NumArray, peak = range(x)): number {
  const m = mse(x, y);
  if (m === 0) return Infinity;
  return toDb((peak * peak) / m);
}

export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

export function gaussianWindow(size = SSIM_WINDOW, sigma = SSIM_SIGMA): Float64Array {
  const w = new Float64Array(size);
  const mid = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += w[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) w[i] = w[i]! / s;
  return w;
}

/** SSIM of one window, given its weights (summing to 1) and the constants. */
function ssimWindow(x: NumArray, y: NumArray, start: number, step: number, w: Float64Array, c1: number, c2: number, norm: number): number {
  let mx = 0;
  let my = 0;
  for (let k = 0; k < w.length; k++) {
    mx += w[k]! * x[start + k * step]!;
    my += w[k]! * y[start + k * step]!;
  }
  let vx = 0;
  let vy = 0;
  let cxy = 0;
  for (let k = 0; k < w.length; k++) {
    const a = x[start + k * step]! - mx;
    const b = y[start + k * step]! - my;
    vx += w[k]! * a * a;
    vy += w[k]! * b * b;
    cxy += w[k]! * a * b;
  }
  return ((2 * mx * my + c1) * (2 * norm * cxy + c2)) / ((mx * mx + my * my + c1) * (norm * (vx + vy) + c2));
}

export function ssim(x: NumArray, y: NumArray, nChannels = 1, dynamicRange = range(x), window: Float64Array | undefined = undefined, sampleCovariance = false): number {
  checkSameLength(x, y);
  const n = Math.floor(x.length / nChannels);
  if (n === 0) return 1;
  const c1 = (SSIM_K1 * dynamicRange) ** 2;
  const c2 = (SSIM_K2 * dynamicRange) ** 2;
  if (c1 === 0 && c2 === 0) {
    // a constant original: SSIM is 1 when the reconstruction equals it, else 0
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return 0;
    return 1;
  }
  const full = window ?? gaussianWindow();
  const w = n >= full.length ? full : new Float64Array(n).fill(1 / n);
  const windows = n - w.length + 1;
  // sample (co)variances scale the weighted ones by n/(n-1) (scikit-image's use_sample_covariance)
  const norm = sampleCovariance && w.length > 1 ? w.length / (w.length - 1) : 1;
  let sum = 0;
  for (let c = 0; c < nChannels; c++) {
    for (let s = 0; s < windows; s++) sum += ssimWindow(x, y, s * nChannels + c, nChannels, w, c1, c2, norm);
  }
  return sum / (windows * nChannels);
}

/** The full scale F of an integer dtype of `bits` bits (what audio readers map to 1.0). */
export function fullScale(bits: number, signed: boolean): number {
  return signed ? 2 ** (bits - 1) : 2 ** bits - 1;
}

/** SSIM_FS: scikit-image 0.19's defaults (7-sample uniform window, sample covariance), L = full range. */
export function ssimFullScale(x: NumArray, y: NumArray, nChannels: number, fullRange: number): number {
  return ssim(x, y, nChannels, fullRange, new Float64Array(SSIM_FS_WINDOW).fill(1 / SSIM_FS_WINDOW), true);
}

export const SSIM_FS_WINDOW = 7;

/** `scale`: the dtype's full scale and signedness (integer dtypes), which adds PSNR_FS and SSIM_FS. */
export function fidelity(x: NumArray, y: NumArray, nChannels = 1, scale?: { bits: number; signed: boolean }): Fidelity {
  const m = mse(x, y);
  const f: Fidelity = {
    mse: m,
    rmse: Math.sqrt(m),
    snr: snr(x, y, nChannels),
    psnr: psnr(x, y),
    ssim: ssim(x, y, nChannels),
    maxAbsError: maxAbsError(x, y),
  };
  if (scale) {
    const F = fullScale(scale.bits, scale.signed);
    f.psnrFullScale = psnr(x, y, F);
    f.ssimFullScale = ssimFullScale(x, y, nChannels, scale.signed ? 2 * F : F);
  }
  return f;
}
