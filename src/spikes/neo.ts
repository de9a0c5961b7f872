/**
 * Nonlinear energy operator (NEO, Kaiser 1990; as a spike detector: Mukhopadhyay & Ray 1998):
 *   psi[n] = x[n]^2 - x[n-1] * x[n+1]       (psi[0] = psi[N-1] = 0)
 * An event is an upward crossing of psi above C * mean(psi) (psi[n] > thr, psi[n-1] <= thr), with
 * the reference detector's dead time after each event. NEO emphasises high-frequency, high-amplitude
 * transients, so it is applied to the 300 Hz high-passed channel (src/spikes/detect.ts). As in the
 * smoothed NEO (SNEO, Kim & Kim 2000), psi is smoothed by a normalized Bartlett window of about
 * 0.5 ms before thresholding (window 1 = plain NEO): on white-ish noise the raw psi exceeds 8x its
 * mean every few hundred samples, the smoothed one almost never, while a spike's energy survives.
 */
import { DEAD_TIME_S } from './detect.js';

export const NEO_DEFAULT_C = 8;

/** The NEO of a signal; ends are 0. */
export function neo(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const psi = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) psi[i] = x[i]! * x[i]! - x[i - 1]! * x[i + 1]!;
  return psi;
}

export function neoThreshold(psi: Float64Array, c: number): number {
  if (psi.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < psi.length; i++) s += psi[i]!;
  return (c * s) / psi.length;
}

/** Sample indices where psi crosses above `threshold`, with 1 ms of dead time after each event. */
export function neoCrossings(psi: Float64Array, threshold: number, fs: number): Int32Array {
  const dead = Math.round(DEAD_TIME_S * fs);
  const out: number[] = [];
  let prev = 0;
  let next = 0;
  for (let i = 0; i < psi.length; i++) {
    const v = psi[i]!;
    if (v > threshold && prev <= threshold && i >= next) {
      out.push(i);
      next = i + dead;
    }
    prev = v;
  }
  return Int32Array.from(out);
}

/** Odd Bartlett window length of about 0.5 ms at `fs` (at least 3). */
export function sneoWindow(fs: number): number {
  return Math.max(3, 2 * Math.round(0.00025 * fs) + 1);
}

/** Convolution with a normalized Bartlett (triangular) window of odd length `w` (zero-padded ends). */
export function bartlettSmooth(psi: Float64Array, w: number): Float64Array {
  if (w <= 1) return psi;
  const h = (w - 1) / 2;
  const kern = new Float64Array(w);
  let sum = 0;
  for (let j = 0; j < w; j++) sum += kern[j] = h + 1 - Math.abs(j - h);
  for (let j = 0; j < w; j++) kern[j]! /= sum;
  const n = psi.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < w; j++) {
      const k = i + j - h;
      if (k >= 0 && k < n) s += kern[j]! * psi[k]!;
    }
    out[i] = s;
  }
  return out;
}
