/**
 * `--lossy MODE=VALUE`: parsing, validation and resolution to an `sz` pipeline (docs/lossy.md).
 *   abs=N   |x - x̂| <= N on every sample, N in stored units (integers: floor(N))
 *   rel=R   abs = R * (max - min) of the WHOLE recording (all channels), resolved before coding
 *   psnr=DB abs from the target: MSE = range^2 / 10^(DB/10), uniform error MSE ~ step^2/12
 *   bps=B   rate mode: abs chosen per chunk to fit B bits per sample — no error bound chosen by you
 * The resolved abs is stored in the codec config (and the header's `lossy` record), so decoding
 * needs nothing else.
 */
import { isIntegerDType, type DType } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import type { CodecConfig } from '../codecs/codec.js';
import type { Level } from '../codecs/levels.js';
import { dtypeRange } from '../codecs/lossy/sz.js';
import type { LossyRecord } from '../container/format.js';
import type { Source } from '../formats/source.js';

export type LossyMode = 'abs' | 'rel' | 'psnr' | 'bps';
export const LOSSY_MODES: readonly LossyMode[] = ['abs', 'rel', 'psnr', 'bps'];

export interface LossySpec {
  mode: LossyMode;
  value: number;
}

/** Formats whose sidecar carries a checksum of the samples: lossy output would contradict it. */
export const EXACT_FORMATS: readonly string[] = ['spikeglx', 'mtscomp'];

export function parseLossy(text: string): LossySpec {
  const m = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/.exec(text);
  if (!m) throw new UsageError(`--lossy '${text}': expected MODE=VALUE with MODE one of ${LOSSY_MODES.join(', ')} (e.g. abs=2)`);
  const mode = m[1] as LossyMode;
  if (!LOSSY_MODES.includes(mode)) throw new UsageError(`--lossy '${text}': unknown mode '${mode}' (one of ${LOSSY_MODES.join(', ')})`);
  const value = Number(m[2]);
  if (m[2] === '' || !Number.isFinite(value)) throw new UsageError(`--lossy ${mode}: '${m[2]}' is not a finite number`);
  if (value < 0) throw new UsageError(`--lossy ${mode}=${value}: a bound cannot be negative`);
  if (mode === 'rel' && value > 1) throw new UsageError(`--lossy rel=${value}: larger than the value range (rel is a fraction of max - min, at most 1)`);
  if (mode === 'psnr' && value <= 0) throw new UsageError(`--lossy psnr=${value}: must be > 0 dB`);
  if (mode === 'bps' && (value <= 0 || value > 64)) throw new UsageError(`--lossy bps=${value}: bits per sample must be in (0, 64]`);
  return { mode, value };
}

/** min and max over every finite sample of the source (one pass, chunk by chunk). */
export function valueRange(src: Source): [number, number] {
  const { nSamples, nChannels } = src.info;
  const step = Math.max(1, Math.floor(4_000_000 / Math.max(1, nChannels)));
  let lo = Infinity;
  let hi = -Infinity;
  for (let s = 0; s < nSamples; s += step) {
    const a = src.readFrames(s, Math.min(step, nSamples - s));
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** The resolved bound (abs, or bps for the rate mode) and the header record. */
export function resolveLossy(spec: LossySpec, dtype: DType, range: [number, number] | undefined): LossyRecord {
  const full = dtypeRange(dtype);
  if (spec.mode === 'bps') {
    const bits = isIntegerDType(dtype) ? Math.log2(full![1] - full![0] + 1) : dtype === 'float32' ? 32 : 64;
    if (spec.value > bits) throw new UsageError(`--lossy bps=${spec.value}: more than the ${bits} bits of ${dtype}`);
    return { mode: 'bps', value: spec.value, abs: null, bps: spec.value, guaranteed: false, range: null };
  }
  let abs: number;
  if (spec.mode === 'abs') {
    abs = spec.value;
    if (full && abs > full[1] - full[0]) throw new UsageError(`--lossy abs=${abs}: larger than the whole ${dtype} range (${full[1] - full[0]})`);
  } else {
    if (!range) throw new UsageError(`--lossy ${spec.mode} needs the value range of the recording`);
    const span = range[1] - range[0];
    if (spec.mode === 'rel') abs = spec.value * span;
    else {
      const mse = (span * span) / 10 ** (spec.value / 10);
      const step = Math.sqrt(12 * mse);
      abs = isIntegerDType(dtype) ? Math.max(0, Math.floor((step - 1) / 2)) : step / 2;
    }
  }
  if (isIntegerDType(dtype)) abs = Math.floor(abs);
  return { mode: spec.mode, value: spec.value, abs, bps: null, guaranteed: true, range: range ? [range[0], range[1]] : null };
}

/** The pipeline of a lossy record: sz then the level's integer back end. */
export function lossyPipeline(rec: LossyRecord, level: Level, order = 8): CodecConfig[] {
  const sz: CodecConfig = rec.bps !== null ? { id: 'sz', bps: rec.bps, order } : { id: 'sz', abs: rec.abs!, order };
  return [sz, level === 'max' ? { id: 'cm', limit: 255, rate: 8 } : { id: 'rans' }];
}

/** Why this source may not be coded lossily without --force-lossy, or undefined. */
export function mustStayExact(format: string): string | undefined {
  if (EXACT_FORMATS.includes(format)) {
    return `${format} input: its sidecar stores a checksum of the samples, which a lossy restore would contradict; add --force-lossy to code it lossily anyway`;
  }
  return undefined;
}
