/**
 * Spike event lists: (sample, channel, amplitude) triples from the threshold detector (the reference
 * detector of src/spikes/detect.ts with a configurable multiplier) or NEO (src/spikes/neo.ts), on
 * single- or multichannel interleaved data. Events are sorted by sample, then channel.
 * `amplitude` is the filtered (300 Hz high-passed) value within the dead time (1 ms) after the
 * detection, in the recording's units: the minimum (trough) for the threshold method, the value of
 * largest magnitude for NEO.
 */
import { UsageError } from '../core/errors.js';
import type { NumArray } from '../metrics/fidelity.js';
import { butterworthHighpass, DEAD_TIME_S, detectCrossings, filterChannel, HIGHPASS_HZ, medianAbs, THRESHOLD_SIGMAS } from './detect.js';
import { bartlettSmooth, neo, neoCrossings, neoThreshold, NEO_DEFAULT_C, sneoWindow } from './neo.js';

export interface SpikeEvent {
  sample: number;
  channel: number;
  amplitude: number;
}

export type DetectMethod = 'threshold' | 'neo';

export interface DetectOptions {
  method?: DetectMethod;
  /** threshold: multiplier k of the noise estimate median(|y|)/0.6745 (default 4.5). */
  multiplier?: number;
  /** neo: C in C x mean(psi) (default 8). */
  neoC?: number;
  /** neo: Bartlett smoothing window in samples (odd; 1 = plain NEO; default about 0.5 ms). */
  neoWindow?: number;
}

export interface ChannelThreshold {
  channel: number;
  /** threshold method: the (negative) threshold on the filtered signal; neo: the threshold on psi. */
  threshold: number;
}

export interface DetectResult {
  method: DetectMethod;
  events: SpikeEvent[];
  thresholds: ChannelThreshold[];
}

export function detectEvents(data: NumArray, nChannels: number, fs: number, opts: DetectOptions = {}): DetectResult {
  const method = opts.method ?? 'threshold';
  if (!(fs > 2 * HIGHPASS_HZ)) throw new UsageError(`spike detection needs a sampling rate above ${2 * HIGHPASS_HZ} Hz (got ${fs})`);
  if (!Number.isInteger(nChannels) || nChannels < 1) throw new UsageError(`spike detection: bad channel count ${nChannels}`);
  const nSamples = Math.floor(data.length / nChannels);
  if (nSamples === 0) throw new UsageError('spike detection: the recording is empty (0 samples)');
  const k = opts.multiplier ?? THRESHOLD_SIGMAS;
  const c = opts.neoC ?? NEO_DEFAULT_C;
  if (!(k > 0)) throw new UsageError(`threshold multiplier must be > 0, got ${k}`);
  if (!(c > 0)) throw new UsageError(`NEO constant C must be > 0, got ${c}`);
  const f = butterworthHighpass(HIGHPASS_HZ, fs);
  const dead = Math.round(DEAD_TIME_S * fs);
  const events: SpikeEvent[] = [];
  const thresholds: ChannelThreshold[] = [];
  for (let ch = 0; ch < nChannels; ch++) {
    const y = filterChannel(data, nChannels, ch, f);
    let idx: Int32Array;
    let thr: number;
    if (method === 'threshold') {
      thr = (-k * medianAbs(y)) / 0.6745;
      idx = thr < 0 ? detectCrossings(y, thr, fs) : new Int32Array(0);
    } else {
      const psi = bartlettSmooth(neo(y), opts.neoWindow ?? sneoWindow(fs));
      thr = neoThreshold(psi, c);
      idx = thr > 0 ? neoCrossings(psi, thr, fs) : new Int32Array(0);
    }
    thresholds.push({ channel: ch, threshold: thr });
    for (const s of idx) {
      let amp = y[s]!;
      for (let i = s + 1; i < Math.min(y.length, s + dead); i++) {
        const v = y[i]!;
        if (method === 'threshold' ? v < amp : Math.abs(v) > Math.abs(amp)) amp = v;
      }
      events.push({ sample: s, channel: ch, amplitude: amp });
    }
  }
  events.sort((a, b) => a.sample - b.sample || a.channel - b.channel);
  return { method, events, thresholds };
}

export function eventsToCsv(events: readonly SpikeEvent[]): string {
  const lines = ['sample,channel,amplitude'];
  for (const e of events) lines.push(`${e.sample},${e.channel},${+e.amplitude.toPrecision(7)}`);
  return lines.join('\n') + '\n';
}

/** Sample indices of one channel's events (sorted). */
export function channelSamples(events: readonly SpikeEvent[], channel: number): Int32Array {
  return Int32Array.from(events.filter((e) => e.channel === channel).map((e) => e.sample));
}
