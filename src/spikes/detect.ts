/**
 * The reference spike detector (project issue 4), so spike fidelity compares across tools:
 *
 * 1. High-pass each channel with a causal 2nd-order Butterworth at 300 Hz, designed by the
 *    bilinear transform with frequency pre-warping (K = tan(pi fc / fs); the same coefficients as
 *    scipy.signal.butter(2, 300, 'highpass', fs=fs)), run once forward from zero state.
 * 2. Threshold = -4.5 * median(|y|) / 0.6745 of the ORIGINAL's filtered channel; the same value is
 *    applied to the reconstruction's filtered channel.
 * 3. An event is a downward crossing: y[n] < thr with y[n-1] >= thr (y[-1] = 0), after which
 *    crossings are ignored for 1 ms of dead time (round(0.001 fs) samples after the event).
 * 4. Events match one-to-one within +-0.5 ms (|n_a - n_b| <= 0.0005 fs), greedily in time order.
 * Precision, recall and F1 are pooled: sums of hits, original events and reconstructed events.
 */
import type { NumArray } from '../metrics/fidelity.js';

export const HIGHPASS_HZ = 300;
export const THRESHOLD_SIGMAS = 4.5;
export const DEAD_TIME_S = 0.001;
export const MATCH_TOLERANCE_S = 0.0005;

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** 2nd-order Butterworth high-pass by the bilinear transform (pre-warped), a0 normalized to 1. */
export function butterworthHighpass(fc: number, fs: number): Biquad {
  if (!(fc > 0 && fc < fs / 2)) throw new RangeError(`high-pass cutoff ${fc} Hz must be in (0, ${fs / 2}) for fs = ${fs} Hz`);
  const k = Math.tan((Math.PI * fc) / fs);
  const norm = 1 / (1 + Math.SQRT2 * k + k * k);
  return { b0: norm, b1: -2 * norm, b2: norm, a1: 2 * (k * k - 1) * norm, a2: (1 - Math.SQRT2 * k + k * k) * norm };
}

/** Filters channel `ch` of interleaved data (direct form I, zero initial state). */
export function filterChannel(x: NumArray, nChannels: number, ch: number, f: Biquad): Float64Array {
  const n = Math.floor(x.length / nChannels);
  const y = new Float64Array(n);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0, k = ch; i < n; i++, k += nChannels) {
    const x0 = x[k]!;
    const y0 = f.b0 * x0 + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    y[i] = y0;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
  }
  return y;
}

/** Median of the absolute values (average of the two middle values for an even count). */
export function medianAbs(y: Float64Array): number {
  const n = y.length;
  if (n === 0) return 0;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.abs(y[i]!);
  a.sort();
  return n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}

export function spikeThreshold(filtered: Float64Array, multiplier = THRESHOLD_SIGMAS): number {
  return (-multiplier * medianAbs(filtered)) / 0.6745;
}

/** Sample indices of downward threshold crossings, with dead time after each event. */
export function detectCrossings(y: Float64Array, threshold: number, fs: number): Int32Array {
  const dead = Math.round(DEAD_TIME_S * fs);
  const out: number[] = [];
  let prev = 0;
  let next = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v < threshold && prev >= threshold && i >= next) {
      out.push(i);
      next = i + dead;
    }
    prev = v;
  }
  return Int32Array.from(out);
}

/** One-to-one matches between two sorted event lists within `tol` samples, greedily in time. */
export function matchEvents(a: Int32Array, b: Int32Array, tol: number): number {
  let i = 0;
  let j = 0;
  let hits = 0;
  while (i < a.length && j < b.length) {
    const d = a[i]! - b[j]!;
    if (Math.abs(d) <= tol) {
      hits++;
      i++;
      j++;
    } else if (d < 0) i++;
    else j++;
  }
  return hits;
}

export interface SpikeCounts {
  hits: number;
  original: number;
  reconstructed: number;
}

/**
 * Runs the reference detector on every channel of an original and its reconstruction (the
 * threshold multiplier defaults to the reference 4.5; the threshold is always the original's).
 */
export function compareSpikes(x: NumArray, y: NumArray, nChannels: number, fs: number, multiplier = THRESHOLD_SIGMAS): SpikeCounts {
  if (x.length !== y.length) throw new RangeError('spikes: original and reconstruction differ in length');
  const f = butterworthHighpass(HIGHPASS_HZ, fs);
  const tol = MATCH_TOLERANCE_S * fs;
  const counts: SpikeCounts = { hits: 0, original: 0, reconstructed: 0 };
  for (let ch = 0; ch < nChannels; ch++) {
    const fx = filterChannel(x, nChannels, ch, f);
    const fy = filterChannel(y, nChannels, ch, f);
    const thr = spikeThreshold(fx, multiplier);
    const ex = detectCrossings(fx, thr, fs);
    const ey = detectCrossings(fy, thr, fs);
    counts.hits += matchEvents(ex, ey, tol);
    counts.original += ex.length;
    counts.reconstructed += ey.length;
  }
  return counts;
}

export const EVENT_WINDOW_S = 0.001;

/**
 * SNR (dB) of the reconstruction inside a window of +-`halfWindowS` around each of the original's
 * events (reference detector, given multiplier), one value per event:
 * 10 log10( sum_W (x - mean_W x)^2 / sum_W (x - y)^2 ), on the raw (unfiltered) samples of the
 * event's channel; windows are clipped at the recording's ends. An exact window gives +Infinity.
 */
export function eventWindowSnrs(x: NumArray, y: NumArray, nChannels: number, fs: number, multiplier = THRESHOLD_SIGMAS, halfWindowS = EVENT_WINDOW_S): number[] {
  if (x.length !== y.length) throw new RangeError('spikes: original and reconstruction differ in length');
  const f = butterworthHighpass(HIGHPASS_HZ, fs);
  const h = Math.round(halfWindowS * fs);
  const n = Math.floor(x.length / nChannels);
  const out: number[] = [];
  for (let ch = 0; ch < nChannels; ch++) {
    const fx = filterChannel(x, nChannels, ch, f);
    for (const e of detectCrossings(fx, spikeThreshold(fx, multiplier), fs)) {
      const a = Math.max(0, e - h);
      const b = Math.min(n, e + h + 1);
      let mean = 0;
      for (let i = a; i < b; i++) mean += x[i * nChannels + ch]!;
      mean /= b - a;
      let sig = 0;
      let err = 0;
      for (let i = a; i < b; i++) {
        const v = x[i * nChannels + ch]!;
        sig += (v - mean) ** 2;
        err += (v - y[i * nChannels + ch]!) ** 2;
      }
      out.push(err === 0 ? Infinity : 10 * Math.log10(sig / err));
    }
  }
  return out;
}

/** Pooled precision / recall / F1 over files; null where the denominator is zero. */
export class SpikeTally implements SpikeCounts {
  hits = 0;
  original = 0;
  reconstructed = 0;

  add(c: SpikeCounts): this {
    this.hits += c.hits;
    this.original += c.original;
    this.reconstructed += c.reconstructed;
    return this;
  }

  get precision(): number | null {
    return this.reconstructed ? this.hits / this.reconstructed : null;
  }
  get recall(): number | null {
    return this.original ? this.hits / this.original : null;
  }
  get f1(): number | null {
    const d = this.original + this.reconstructed;
    return d ? (2 * this.hits) / d : null;
  }
}
