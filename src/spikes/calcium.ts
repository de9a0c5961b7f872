/**
 * Calcium-imaging ground truth (CASCADE's `CAttached` MAT files) and the evaluation metric.
 *
 * A ground-truth file holds the variable `CAttached`: a cell array (or struct array) of trials,
 * each a struct with `fluo_time` (frame times, s), `fluo_mean` (dF/F) and `events_AP` (spike times
 * in units of 1e-4 s, on the same clock). Other fields are ignored.
 *
 * Metric: Pearson correlation of the inferred vs the true spike rate in 40 ms bins (the bins
 * Spikefinder and CASCADE use). The true rate is the spike count per bin; the inferred per-frame
 * activity is spread uniformly over each frame's interval [t_i - dt/2, t_i + dt/2] and integrated
 * over each bin (so frame rates that are not a multiple of 25 Hz do not alias). Optionally both
 * binned series are smoothed with the same Gaussian (scipy.ndimage.gaussian_filter1d semantics:
 * mode 'reflect', truncated at 4 σ) before correlating.
 */
import { basename } from 'node:path';
import { CorruptDataError } from '../core/errors.js';
import { matNumbers, readMat5, type MatValue } from '../formats/mat5.js';

export interface CalciumTrial {
  /** frame times (s) */
  time: Float64Array;
  /** dF/F per frame */
  dff: Float64Array;
  /** ground-truth spike times (s) */
  spikes: Float64Array;
  /** frame rate from the median frame interval (Hz) */
  fs: number;
}

/** Trials of a CASCADE ground-truth file. Bad structure raises CorruptDataError naming the file. */
export function readCalciumGroundTruth(path: string): CalciumTrial[] {
  const file = basename(path);
  const mat = readMat5(path);
  const v = mat.variables.get('CAttached');
  if (!v) throw new CorruptDataError(`${file}: no variable 'CAttached' (variables: ${[...mat.variables.keys()].join(', ') || 'none'})`);
  let trials: Map<string, MatValue>[];
  if (v.kind === 'struct') trials = v.elements;
  else if (v.kind === 'cell') {
    trials = v.cells.map((c, i) => {
      if (c.kind !== 'struct' || c.elements.length !== 1) throw new CorruptDataError(`${file}: CAttached{${i + 1}} is a ${c.kind}${c.kind === 'struct' ? ` with ${c.elements.length} elements` : ''}, expected a 1x1 struct`);
      return c.elements[0]!;
    });
  } else throw new CorruptDataError(`${file}: CAttached is a ${v.kind} array, expected a struct or cell array of structs`);
  if (trials.length === 0) throw new CorruptDataError(`${file}: CAttached holds no trials`);
  return trials.map((m, i) => {
    const where = `CAttached{${i + 1}}`;
    const time = matNumbers(m.get('fluo_time'), `${where}.fluo_time`, file);
    const dff = matNumbers(m.get('fluo_mean'), `${where}.fluo_mean`, file);
    const ap = matNumbers(m.get('events_AP'), `${where}.events_AP`, file);
    if (time.length !== dff.length) throw new CorruptDataError(`${file}: ${where}: fluo_time has ${time.length} frames, fluo_mean ${dff.length}`);
    if (time.length < 16) throw new CorruptDataError(`${file}: ${where}: only ${time.length} frames`);
    const dts: number[] = [];
    for (let k = 1; k < time.length; k++) {
      const dt = time[k]! - time[k - 1]!;
      if (!(dt > 0)) throw new CorruptDataError(`${file}: ${where}: fluo_time is not increasing at frame ${k}`);
      dts.push(dt);
    }
    dts.sort((a, b) => a - b);
    const fs = 1 / dts[dts.length >> 1]!;
    return { time, dff, spikes: Float64Array.from(ap, (t) => t / 1e4), fs };
  });
}

/** Bin edges covering the imaged span: [time[0] - dt/2, time[T-1] + dt/2) in `binS` steps. */
export function binRange(time: Float64Array, fs: number, binS: number): { t0: number; n: number } {
  const t0 = time[0]! - 0.5 / fs;
  const t1 = time[time.length - 1]! + 0.5 / fs;
  return { t0, n: Math.max(1, Math.floor((t1 - t0) / binS)) };
}

/** Spike counts per bin (spikes outside the bins are ignored). */
export function binSpikes(spikes: ArrayLike<number>, t0: number, n: number, binS: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < spikes.length; i++) {
    const k = Math.floor((spikes[i]! - t0) / binS);
    if (k >= 0 && k < n) out[k]++;
  }
  return out;
}

/** Per-frame amounts (frame i covers [time_i - dt/2, time_i + dt/2]) integrated over bins. */
export function binFrames(values: ArrayLike<number>, time: ArrayLike<number>, fs: number, t0: number, n: number, binS: number): Float64Array {
  const out = new Float64Array(n);
  const dt = 1 / fs;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0) continue;
    const a = time[i]! - dt / 2;
    const b = a + dt;
    let k = Math.floor((a - t0) / binS);
    for (; k < n; k++) {
      const lo = Math.max(a, t0 + k * binS);
      const hi = Math.min(b, t0 + (k + 1) * binS);
      if (hi <= lo) {
        if (t0 + k * binS >= b) break;
        continue;
      }
      if (k >= 0) out[k] += (v * (hi - lo)) / dt;
    }
  }
  return out;
}

/** scipy.ndimage.gaussian_filter1d(x, sigma) (mode 'reflect', truncate 4.0). */
export function gaussianFilter1d(x: ArrayLike<number>, sigma: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  if (!(sigma > 0)) {
    for (let i = 0; i < n; i++) out[i] = x[i]!;
    return out;
  }
  const r = Math.floor(4 * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let j = -r; j <= r; j++) sum += k[j + r] = Math.exp((-0.5 * j * j) / (sigma * sigma));
  for (let j = 0; j < k.length; j++) k[j]! /= sum;
  // 'reflect' (d c b a | a b c d | d c b a), repeated for kernels longer than the signal
  const at = (i: number): number => {
    const p = 2 * n;
    let m = ((i % p) + p) % p;
    if (m >= n) m = p - 1 - m;
    return x[m]!;
  };
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = -r; j <= r; j++) acc += k[j + r]! * at(i + j);
    out[i] = acc;
  }
  return out;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
