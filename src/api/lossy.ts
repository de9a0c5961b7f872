/**
 * `--lossy MODE=VALUE`: parsing, validation and resolution to an `sz` pipeline (docs/lossy.md).
 *   abs=N   |x - x̂| <= N on every sample, N in stored units (integers: floor(N))
 *   rel=R   abs = R * (max - min) of the WHOLE recording (all channels), resolved before coding
 *   psnr=DB abs from the target: MSE = range^2 / 10^(DB/10), uniform error MSE ~ step^2/12
 *   bps=B   rate mode: abs chosen per chunk to fit B bits per sample — no error bound chosen by you
 *   snr=DB  (transform codecs only) per chunk, the coarsest step whose output has this SNR
 *   ,codec=dct|dwt  a transform codec instead of sz: no per-sample bound (abs/rel refused); psnr
 *           becomes a per-chunk MSE target, bps and snr are per-chunk targets (docs/lossy.md)
 * The resolved abs is stored in the codec config (and the header's `lossy` record), so decoding
 * needs nothing else.
 */
import { isIntegerDType, type DType } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import type { CodecConfig } from '../codecs/codec.js';
import type { Level } from '../codecs/levels.js';
import { dtypeRange } from '../codecs/lossy/sz.js';
import type { LossyRecord, SpikeShaping } from '../container/format.js';
import type { Source } from '../formats/source.js';

export type LossyMode = 'abs' | 'rel' | 'psnr' | 'bps' | 'f1' | 'snr';
export const LOSSY_MODES: readonly LossyMode[] = ['abs', 'rel', 'psnr', 'bps', 'snr'];
/** Transform codecs `--lossy ...,codec=` can name (docs/spec/codecs/dct.md, dwt.md). */
export const TRANSFORM_CODECS = ['dct', 'dwt'] as const;
export type TransformCodec = (typeof TRANSFORM_CODECS)[number];
export const TARGET_MODES: readonly LossyMode[] = ['f1', 'snr'];

/**
 * `--target f1=F | snr=DB`: per chunk, the largest abs of a ladder (0, 1, 2, 3, 4, 6, 8, 11, ...,
 * x ~1.41) whose reconstruction meets the target on that chunk: pooled spike F1 of the reference
 * detector (src/spikes/detect.ts; a chunk without events on either side counts as 1) or SNR
 * (src/metrics/fidelity.ts). The chosen abs is stored per chunk; no bound is chosen by the user.
 */
export function parseTarget(text: string): LossySpec {
  const m = /^\s*([a-z0-9]+)\s*=\s*(.+?)\s*$/.exec(text);
  if (!m || !TARGET_MODES.includes(m[1] as LossyMode)) throw new UsageError(`--target '${text}': expected f1=F (spike F1, 0-1) or snr=DB`);
  const value = Number(m[2]);
  if (!Number.isFinite(value)) throw new UsageError(`--target ${m[1]}: '${m[2]}' is not a finite number`);
  if (m[1] === 'f1' && !(value > 0 && value <= 1)) throw new UsageError(`--target f1=${value}: must be in (0, 1]`);
  if (m[1] === 'snr' && !(Math.abs(value) <= 1000)) throw new UsageError(`--target snr=${value}: out of range`);
  return { mode: m[1] as LossyMode, value };
}

export interface LossySpec {
  mode: LossyMode;
  value: number;
  /** `,spikes=F[,near=R][,win=MS]`: bound F (stored units) within +-MS ms of the original's near-threshold excursions */
  spikes?: SpikeShaping;
  /** `,codec=dct|dwt`: a transform codec instead of sz */
  codec?: TransformCodec;
}

/** Defaults of the spike-window shaping (measured on N1, BENCHMARKS.md "N1, lossy"). */
export const SPIKES_NEAR = 0.7;
export const SPIKES_WIN_MS = 1;

/** The MDCT hop of `--lossy ...,codec=dct` (BENCHMARKS.md "N1, lossy: rate–distortion"). */
export const DCT_BLOCK = 256;

/** Formats whose sidecar carries a checksum of the samples: lossy output would contradict it. */
export const EXACT_FORMATS: readonly string[] = ['spikeglx', 'mtscomp'];

export function parseLossy(text: string): LossySpec {
  const [head, ...rest] = text.split(',');
  const spec = parseMode(head!, text);
  const opts: string[] = [];
  for (const part of rest) {
    const c = /^\s*codec\s*=\s*(.*?)\s*$/.exec(part);
    if (!c) {
      opts.push(part);
      continue;
    }
    if (!TRANSFORM_CODECS.includes(c[1] as TransformCodec)) throw new UsageError(`--lossy '${text}': codec must be one of ${TRANSFORM_CODECS.join(', ')} (sz is the default without codec=)`);
    spec.codec = c[1] as TransformCodec;
  }
  if (spec.mode === 'snr' && !spec.codec) spec.codec = 'dct';
  if (spec.codec && (spec.mode === 'abs' || spec.mode === 'rel')) {
    throw new UsageError(`--lossy '${text}': ${spec.codec} is a transform codec with no per-sample error bound; use snr=DB, psnr=DB or bps=B with it (or sz for abs/rel)`);
  }
  if (spec.codec && opts.length) throw new UsageError(`--lossy '${text}': spikes=/near=/win= are options of sz, not of ${spec.codec}`);
  if (opts.length === 0) return spec;
  const o: Record<string, number> = {};
  for (const part of opts) {
    const m = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m || !['spikes', 'near', 'win'].includes(m[1]!)) throw new UsageError(`--lossy '${text}': unknown option '${part}' (spikes=F, near=R, win=MS, codec=dct|dwt)`);
    const v = Number(m[2]);
    if (m[2] === '' || !Number.isFinite(v) || v < 0) throw new UsageError(`--lossy '${text}': ${m[1]} must be a finite number >= 0`);
    o[m[1]!] = v;
  }
  if (o.spikes === undefined) throw new UsageError(`--lossy '${text}': near= and win= only apply with spikes=F`);
  if (spec.mode === 'bps') throw new UsageError(`--lossy '${text}': spikes= needs an error-bounded mode (abs, rel, psnr), not bps`);
  if (o.near !== undefined && (o.near <= 0 || o.near > 1)) throw new UsageError(`--lossy '${text}': near must be in (0, 1] (a fraction of the spike threshold)`);
  if (o.win !== undefined && o.win > 100) throw new UsageError(`--lossy '${text}': win is in ms, at most 100`);
  spec.spikes = { fine: o.spikes, near: o.near ?? SPIKES_NEAR, winMs: o.win ?? SPIKES_WIN_MS };
  return spec;
}

function parseMode(part: string, text: string): LossySpec {
  const m = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/.exec(part);
  if (!m) throw new UsageError(`--lossy '${text}': expected MODE=VALUE with MODE one of ${LOSSY_MODES.join(', ')} (e.g. abs=2)`);
  const mode = m[1] as LossyMode;
  if (!LOSSY_MODES.includes(mode)) throw new UsageError(`--lossy '${text}': unknown mode '${mode}' (one of ${LOSSY_MODES.join(', ')})`);
  const value = Number(m[2]);
  if (m[2] === '' || !Number.isFinite(value)) throw new UsageError(`--lossy ${mode}: '${m[2]}' is not a finite number`);
  if (value < 0 && mode !== 'snr') throw new UsageError(`--lossy ${mode}=${value}: a bound cannot be negative`);
  if (mode === 'rel' && value > 1) throw new UsageError(`--lossy rel=${value}: larger than the value range (rel is a fraction of max - min, at most 1)`);
  if (mode === 'psnr' && value <= 0) throw new UsageError(`--lossy psnr=${value}: must be > 0 dB`);
  if (mode === 'bps' && (value <= 0 || value > 64)) throw new UsageError(`--lossy bps=${value}: bits per sample must be in (0, 64]`);
  if (mode === 'snr' && !(value > -50 && value <= 200)) throw new UsageError(`--lossy snr=${value}: must be in (-50, 200] dB`);
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
  if (spec.codec) return resolveTransform(spec, dtype, range);
  if (spec.mode === 'f1' || spec.mode === 'snr') {
    return { mode: spec.mode, value: spec.value, abs: null, bps: null, guaranteed: false, range: null };
  }
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
  const rec: LossyRecord = { mode: spec.mode, value: spec.value, abs, bps: null, guaranteed: true, range: range ? [range[0], range[1]] : null };
  if (spec.spikes) {
    const fine = isIntegerDType(dtype) ? Math.floor(spec.spikes.fine) : spec.spikes.fine;
    rec.spikes = { ...spec.spikes, fine: Math.min(fine, abs) };
  }
  return rec;
}

/** A transform codec's record: snr / bps as given; psnr as a per-chunk MSE from the recording's range. */
function resolveTransform(spec: LossySpec, dtype: DType, range: [number, number] | undefined): LossyRecord {
  const rec: LossyRecord = { mode: spec.mode, value: spec.value, abs: null, bps: null, guaranteed: false, range: null, codec: spec.codec! };
  if (spec.mode === 'bps') {
    const full = dtypeRange(dtype);
    const bits = isIntegerDType(dtype) ? Math.log2(full![1] - full![0] + 1) : dtype === 'float32' ? 32 : 64;
    if (spec.value > bits) throw new UsageError(`--lossy bps=${spec.value}: more than the ${bits} bits of ${dtype}`);
    rec.bps = spec.value;
  } else if (spec.mode === 'psnr') {
    if (!range) throw new UsageError('--lossy psnr needs the value range of the recording');
    const span = range[1] - range[0];
    if (!(span > 0)) throw new UsageError('--lossy psnr: the recording is constant (value range 0), PSNR is undefined');
    rec.range = [range[0], range[1]];
    rec.mse = (span * span) / 10 ** (spec.value / 10);
  } else if (spec.mode !== 'snr') throw new UsageError(`--lossy ${spec.mode}: not a mode of ${spec.codec}`);
  return rec;
}

/**
 * The pipeline of a lossy record: sz then the level's integer back end. Integer data is quantized
 * on its value lattice where it sits on one (`grid=1`: sz finds it per chunk and channel, e.g. N1's
 * 10-bit codes on a ~64.06 grid); the bound stays `abs` in stored units. Spike shaping needs the
 * sampling rate (the detector's 300 Hz high-pass).
 */
export function lossyPipeline(rec: LossyRecord, level: Level, dtype: DType, sampleRateHz?: number | null, order = 32): CodecConfig[] {
  if (rec.codec) {
    // the transform codecs code their coefficients themselves (one array->bytes stage)
    const rate: Record<string, number> = rec.mode === 'bps' ? { bps: rec.bps! } : rec.mode === 'psnr' ? { mse: rec.mse! } : { snr: rec.value };
    return [{ id: rec.codec, ...(rec.codec === 'dct' ? { block: DCT_BLOCK } : {}), ...rate }];
  }
  let sz: CodecConfig;
  if (rec.mode === 'f1' || rec.mode === 'snr') {
    sz = { id: 'sz', order, ...(rec.mode === 'f1' ? { tf1: rec.value } : { tsnr: rec.value }) };
    if (rec.mode === 'f1') {
      if (!(sampleRateHz && sampleRateHz > 600)) throw new UsageError('--target f1=: needs the sampling rate (> 600 Hz; give --sample-rate for raw input)');
      sz.fs = sampleRateHz;
    }
  } else sz = rec.bps !== null ? { id: 'sz', bps: rec.bps, order } : { id: 'sz', abs: rec.abs!, order };
  if (isIntegerDType(dtype)) sz.grid = 1;
  if (rec.spikes) {
    if (!(sampleRateHz && sampleRateHz > 600)) throw new UsageError('--lossy ...,spikes=: needs the sampling rate (> 600 Hz; give --sample-rate for raw input)');
    Object.assign(sz, { fine: rec.spikes.fine, fs: sampleRateHz, win: Math.round((rec.spikes.winMs * sampleRateHz) / 1000), near: rec.spikes.near });
  }
  return [sz, level === 'max' ? { id: 'cm', limit: 255, rate: 8 } : { id: 'rans' }];
}

/** Why this source may not be coded lossily without --force-lossy, or undefined. */
export function mustStayExact(format: string): string | undefined {
  if (EXACT_FORMATS.includes(format)) {
    return `${format} input: its sidecar stores a checksum of the samples, which a lossy restore would contradict; add --force-lossy to code it lossily anyway`;
  }
  return undefined;
}
