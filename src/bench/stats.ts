/**
 * Signal statistics for `neurozip stats` (the N1 Codec data analysis): moments, distinct values,
 * Welch power spectrum, spectral entropy and a spectrogram. Per channel of interleaved data.
 *
 * - skewness = m3 / m2^1.5 and kurtosis = m4 / m2^2 - 3 (excess, Fisher), population moments
 *   (as scipy.stats.skew / kurtosis with bias=True); std is the population standard deviation.
 * - Welch PSD: Hann window (periodic), segments of `nperseg` (default 1024, a power of two, cut
 *   to the signal when shorter), 50 % overlap, mean removed per segment, one-sided density
 *   scaling (units^2/Hz) as scipy.signal.welch(..., scaling='density').
 * - Spectral entropy = -sum p log2 p over the one-sided PSD bins normalized to sum 1, divided by
 *   log2(number of bins), so 0 (one pure tone) .. 1 (white noise).
 * - Spectrogram: Hann, `nperseg` 128 (signalStats; 256 by default), hop nperseg/2, one-sided power density in dB (10 log10), frames
 *   spread evenly over the signal, at most `maxFrames` of them.
 */
import FFT from 'fft.js';
import type { NumArray } from '../metrics/fidelity.js';

export interface Moments {
  count: number;
  mean: number;
  median: number;
  std: number;
  skewness: number;
  kurtosis: number;
  min: number;
  max: number;
  distinct: number;
}

/** Channel `ch` of interleaved data as doubles. */
export function channel(x: NumArray, nChannels: number, ch: number): Float64Array {
  const n = Math.floor(x.length / nChannels);
  const out = new Float64Array(n);
  for (let i = 0, k = ch; i < n; i++, k += nChannels) out[i] = x[k]!;
  return out;
}

export function moments(x: Float64Array): Moments {
  const n = x.length;
  if (n === 0) return { count: 0, mean: NaN, median: NaN, std: NaN, skewness: NaN, kurtosis: NaN, min: NaN, max: NaN, distinct: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const sorted = Float64Array.from(x).sort();
  const median = n % 2 ? sorted[(n - 1) >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  let distinct = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  return {
    count: n,
    mean,
    median,
    std: Math.sqrt(m2),
    skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0,
    kurtosis: m2 > 0 ? m4 / (m2 * m2) - 3 : 0,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    distinct,
  };
}

export function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

function pow2Floor(n: number): number {
  let p = 2;
  while (p * 2 <= n) p *= 2;
  return p;
}

const fftCache = new Map<number, FFT>();
function fftOf(size: number): FFT {
  let f = fftCache.get(size);
  if (!f) fftCache.set(size, (f = new FFT(size)));
  return f;
}

/** One-sided power density of one windowed, mean-removed segment, added into `acc`. */
function segmentPower(x: Float64Array, start: number, w: Float64Array, acc: Float64Array, scale: number): void {
  const n = w.length;
  const f = fftOf(n);
  const seg = new Array<number>(n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[start + i]!;
  mean /= n;
  for (let i = 0; i < n; i++) seg[i] = (x[start + i]! - mean) * w[i]!;
  const out = f.createComplexArray() as number[];
  f.realTransform(out, seg);
  for (let k = 0; k <= n / 2; k++) {
    const re = out[2 * k]!;
    const im = out[2 * k + 1]!;
    const p = (re * re + im * im) * scale * (k === 0 || k === n / 2 ? 1 : 2);
    acc[k] += p;
  }
}

export interface Spectrum {
  freqHz: Float64Array;
  psd: Float64Array;
}

export function welch(x: Float64Array, fs: number, nperseg = 1024): Spectrum {
  if (x.length < 2) return { freqHz: new Float64Array(0), psd: new Float64Array(0) };
  const n = Math.min(nperseg, pow2Floor(x.length));
  const w = hann(n);
  let wss = 0;
  for (let i = 0; i < n; i++) wss += w[i]! * w[i]!;
  const scale = 1 / (fs * wss);
  const hop = n >> 1;
  const psd = new Float64Array(n / 2 + 1);
  let segs = 0;
  for (let s = 0; s + n <= x.length; s += hop, segs++) segmentPower(x, s, w, psd, scale);
  for (let k = 0; k < psd.length; k++) psd[k] = psd[k]! / segs;
  const freqHz = new Float64Array(psd.length);
  for (let k = 0; k < psd.length; k++) freqHz[k] = (k * fs) / n;
  return { freqHz, psd };
}

export function spectralEntropy(psd: Float64Array): number {
  let total = 0;
  for (let k = 0; k < psd.length; k++) total += psd[k]!;
  if (total <= 0 || psd.length < 2) return 0;
  let h = 0;
  for (let k = 0; k < psd.length; k++) {
    const p = psd[k]! / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h / Math.log2(psd.length);
}

export interface Spectrogram {
  timesS: Float64Array;
  freqHz: Float64Array;
  /** frames x bins, row-major, power density in dB. */
  db: Float64Array;
  frames: number;
  bins: number;
}

export function spectrogram(x: Float64Array, fs: number, nperseg = 256, maxFrames = 200): Spectrogram {
  const n = Math.min(nperseg, x.length >= 2 ? pow2Floor(x.length) : 2);
  const bins = n / 2 + 1;
  const w = hann(n);
  let wss = 0;
  for (let i = 0; i < n; i++) wss += w[i]! * w[i]!;
  const scale = 1 / (fs * wss);
  const possible = x.length >= n ? Math.floor((x.length - n) / (n >> 1)) + 1 : 0;
  const frames = Math.min(possible, maxFrames);
  const db = new Float64Array(frames * bins);
  const timesS = new Float64Array(frames);
  const acc = new Float64Array(bins);
  for (let f = 0; f < frames; f++) {
    const start = frames === 1 ? 0 : Math.round((f * (x.length - n)) / (frames - 1));
    acc.fill(0);
    segmentPower(x, start, w, acc, scale);
    for (let k = 0; k < bins; k++) db[f * bins + k] = 10 * Math.log10(acc[k]! + 1e-20);
    timesS[f] = (start + n / 2) / fs;
  }
  const freqHz = new Float64Array(bins);
  for (let k = 0; k < bins; k++) freqHz[k] = (k * fs) / n;
  return { timesS, freqHz, db, frames, bins };
}

export interface ChannelStats extends Moments {
  spectralEntropy: number;
}

export interface SignalStats {
  nSamples: number;
  nChannels: number;
  sampleRateHz: number;
  channels: ChannelStats[];
  /** Over all channels pooled. */
  overall: Moments;
  /** Welch PSD averaged over the channels analysed. */
  spectrum: Spectrum;
  spectralEntropy: number;
  spectrogram: Spectrogram;
}

export function signalStats(x: NumArray, nChannels: number, fs: number, opts: { maxChannels?: number; spectrogramSegment?: number; spectrogramFrames?: number } = {}): SignalStats {
  const n = Math.floor(x.length / nChannels);
  const channels: ChannelStats[] = [];
  let spectrum: Spectrum | undefined;
  const shown = Math.min(nChannels, opts.maxChannels ?? nChannels);
  for (let ch = 0; ch < shown; ch++) {
    const c = channel(x, nChannels, ch);
    const sp = welch(c, fs);
    channels.push({ ...moments(c), spectralEntropy: spectralEntropy(sp.psd) });
    if (!spectrum) spectrum = { freqHz: sp.freqHz, psd: Float64Array.from(sp.psd) };
    else for (let k = 0; k < spectrum.psd.length; k++) spectrum.psd[k] += sp.psd[k]!;
  }
  spectrum ??= { freqHz: new Float64Array(0), psd: new Float64Array(0) };
  for (let k = 0; k < spectrum.psd.length; k++) spectrum.psd[k] = spectrum.psd[k]! / Math.max(1, shown);
  const all = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) all[i] = x[i]!;
  return {
    nSamples: n,
    nChannels,
    sampleRateHz: fs,
    channels,
    overall: moments(all),
    spectrum,
    spectralEntropy: spectralEntropy(spectrum.psd),
    spectrogram: spectrogram(nChannels ? channel(x, nChannels, 0) : new Float64Array(0), fs, opts.spectrogramSegment ?? 128, opts.spectrogramFrames ?? 120),
  };
}
