/*
 * READ ME FIRST — `events`: the spike-event codec (lossy, array->bytes; docs/spec/codecs/events.md).
 *  - Encode, per channel: high-pass at 300 Hz and estimate the noise sigma = median(|y|)/0.6745 as the
 *    reference detector does (src/spikes/detect.ts); detect events at k x sigma (default k = 4, the
 *    lowest multiplier at which fidelity is judged); keep a window of `pre`/`post` ms of the
 *    ORIGINAL samples around each event (windows that touch are merged into segments).
 *  - Segment samples are quantized in closed loop (DPCM, prediction = previous reconstructed value)
 *    with step sigma x q / 2^level, rounding with a dead zone `dz` (more zeros, cheaper).
 *  - Analysis by synthesis: the encoder decodes its own output, runs the detector with the
 *    original's thresholds at 4 / 4.5 / 5 and fixes the events that do not match (±0.5 ms), up to
 *    `passes` times. Default (format 2): only a short piece [t - ra, t + rb) around the event
 *    changes; first its samples aim at the original's HIGH-PASSED value (the encoder runs the
 *    reconstruction's filter as it quantizes, so the filter's memory of earlier coarse samples is
 *    compensated); if that is not enough the piece becomes its own segment one level finer. The
 *    format-1 encoder refined whole segments instead (costly: BENCHMARKS.md).
 *  - Everything after the per-channel float32 step is coded with an adaptive binary arithmetic coder
 *    (_binary-coder.ts): segment gaps (delta-coded event times), levels, lengths and residuals as
 *    adaptive Exp-Golomb codes; format 2 uses count-based models (_counting-eg.ts) that learn fast in
 *    the short streams of a few events, with contexts on the neighbouring segment's level. No
 *    tables are sent.
 *  - Decode rebuilds a signal of the original length: segments at their times, straight lines
 *    between the end of one segment and the start of the next, the first and last values held
 *    before the first and after the last segment; a channel without events is a constant (its
 *    median). Format 2 can add a strongly decimated low band (`lb`, block means, off by default):
 *    the gaps then follow it. Integer dtypes are rounded and clamped.
 */
import { allocArray, isIntegerDType, type DType, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import { type Biquad, butterworthHighpass, detectCrossings, filterChannel, HIGHPASS_HZ, MATCH_TOLERANCE_S, medianAbs } from '../../spikes/detect.js';
import { BinaryDecoder, BinaryEncoder } from '../entropy/_binary-coder.js';
import { EG } from '../entropy/_adaptive-eg.js';
import { countingEG } from '../entropy/_counting-eg.js';
import type { ArrayToBytesCodec, CodecConfig, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/** Payload formats: 1 (fixed-rate adaptive models, one context set), 2 (counting models, contexts on the neighbouring segment's level). */
const FORMAT = 2;
/** Multipliers at which the encoder checks that the reconstruction's events match the original's. */
export const CHECK_MULTIPLIERS = [4, 4.5, 5] as const;
const MAX_LEVEL = 3;
const MAX_LB_SHIFT = 16;
/**
 * Encoder-only settings and their defaults (format 2, measured on the N1 files: BENCHMARKS.md); the
 * format-1 encoder was passes=4, ra=rb=0, hp=0, dz=0 with k=3.75, q=1.
 */
const ENCODER_DEFAULTS = { passes: 8, ra: 4, rb: 6, hp: 3, format: FORMAT, lb: 0, dz: 0.35 };

interface IntModel {
  enc(e: BinaryEncoder, ctx: number, v: number): void;
  dec(d: BinaryDecoder, ctx: number): number;
  encSigned(e: BinaryEncoder, ctx: number, v: number): void;
  decSigned(d: BinaryDecoder, ctx: number): number;
}

/** The adaptive models of one stream (shared by all channels of a chunk). */
class Models {
  readonly count: IntModel;
  readonly gap: IntModel;
  readonly len: IntModel;
  readonly level: IntModel;
  readonly base: IntModel;
  /** residual contexts: 3 position classes x 4 magnitude classes of the previous residual (x 2 segment level classes in format 2) */
  readonly res: IntModel;
  /** format 2: the low band's decimation (log2, 0 = none) and its block means' deltas */
  readonly lbShift: IntModel;
  readonly lbRes: IntModel;
  constructor(readonly format: number) {
    const M = format === 1 ? (k: number) => new EG(k) : (k: number) => countingEG(k, 6);
    this.count = M(1);
    this.gap = M(format === 1 ? 2 : 3);
    this.len = M(format === 1 ? 1 : 4);
    this.level = M(format === 1 ? 1 : 4);
    this.base = M(1);
    this.res = M(format === 1 ? 12 : 24);
    this.lbShift = M(1);
    this.lbRes = M(1);
  }
  /** format 2: first segment / after a level-0 segment / after a refined one */
  gapCtx(s: number, prevLevel: number): number {
    return this.format === 1 ? (s === 0 ? 0 : 1) : s === 0 ? 0 : prevLevel > 0 ? 2 : 1;
  }
  levelCtx(gap: number, prevLevel: number): number {
    return this.format === 1 ? 0 : (gap === 0 ? 2 : 0) + (prevLevel > 0 ? 1 : 0);
  }
  lenCtx(gap: number, level: number): number {
    return this.format === 1 ? 0 : (level > 0 ? 2 : 0) + (gap === 0 ? 1 : 0);
  }
  resCtx(pos: number, len: number, prevAbs: number, level: number): number {
    return resCtx(pos, len, prevAbs) + (this.format === 1 || level === 0 ? 0 : 12);
  }
}

interface Segment {
  start: number;
  len: number;
  level: number;
}

export interface EventsParams {
  fs: number;
  k: number;
  pre: number;
  post: number;
  q: number;
  passes: number;
  /** local refinement: samples before / after a mismatched event (rb = 0: whole segments, format-1 behaviour) */
  ra: number;
  rb: number;
  /** high-pass targeting: 0 off, 1 refined segments, 2 all segment samples */
  hp: number;
  /** payload format the encoder writes (1 or 2) */
  format: number;
  /** low band: log2 of the decimation factor, 0 = none (format 2) */
  lb: number;
  /** dead zone of the residual quantizer (encoder-only, 0..0.5) */
  dz: number;
}

function resCtx(pos: number, len: number, prevAbs: number): number {
  const pc = pos === 0 ? 0 : pos < len / 2 ? 1 : 2;
  const mc = prevAbs === 0 ? 0 : prevAbs === 1 ? 1 : prevAbs < 4 ? 2 : 3;
  return pc * 4 + mc;
}

/**
 * The reconstruction's high-pass filter, run along as the encoder reconstructs, so chosen samples
 * can target the ORIGINAL's filtered value (what the detector sees) instead of the raw one.
 */
interface HpTarget {
  f: Biquad;
  /** the original's filtered channel */
  y: Float64Array;
  /** 1: samples of refined (level >= 1) segments; 2: every segment sample */
  mode: number;
  /** encoder-only marks: samples that target the filtered value at their segment's level */
  aim?: Uint8Array;
}

/**
 * The optional low band (format 2): the means of blocks of 2^shift samples, quantized with the
 * channel's step, linearly interpolated between block centres (held before the first and after
 * the last centre). Returns the per-sample band.
 */
function lowBand(means: Float64Array, shift: number, n: number): Float64Array {
  const d = 2 ** shift;
  const nb = means.length;
  const centre = (b: number) => b * d + (Math.min(d, n - b * d) - 1) / 2;
  const low = new Float64Array(n);
  let b = 0;
  for (let i = 0; i < n; i++) {
    while (b + 1 < nb && centre(b + 1) <= i) b++;
    const c0 = centre(b);
    if (i <= c0 || b + 1 >= nb) low[i] = means[b]!;
    else low[i] = means[b]! + ((means[b + 1]! - means[b]!) * (i - c0)) / (centre(b + 1) - c0);
  }
  return low;
}

/** Codes the low band's block means (format 2) and returns the per-sample band, or undefined without one. */
function encodeLow(e: BinaryEncoder, m: Models, x: Float64Array, step: number, base: number, shift: number): Float64Array | undefined {
  if (m.format === 1) return undefined;
  m.lbShift.enc(e, 0, shift);
  if (shift === 0) return undefined;
  const d = 2 ** shift;
  const nb = Math.ceil(x.length / d);
  const means = new Float64Array(nb);
  let prev = base;
  for (let b = 0; b < nb; b++) {
    let sum = 0;
    const end = Math.min(x.length, (b + 1) * d);
    for (let i = b * d; i < end; i++) sum += x[i]!;
    const v = Math.round(sum / (end - b * d) / step);
    m.lbRes.encSigned(e, 0, v - prev);
    prev = v;
    means[b] = v * step;
  }
  return lowBand(means, shift, x.length);
}

function decodeLow(d: BinaryDecoder, m: Models, step: number, base: number, n: number): Float64Array | undefined {
  if (m.format === 1) return undefined;
  const shift = m.lbShift.dec(d, 0);
  if (shift === 0) return undefined;
  if (shift > MAX_LB_SHIFT) throw new CorruptDataError(`events: low-band decimation 2^${shift} > 2^${MAX_LB_SHIFT}`);
  const nb = Math.ceil(n / 2 ** shift);
  const means = new Float64Array(nb);
  let prev = base;
  for (let b = 0; b < nb; b++) {
    prev += m.lbRes.decSigned(d, 0);
    means[b] = prev * step;
  }
  return lowBand(means, shift, n);
}

/** Writes one channel's segments and residuals; fills `rec` (the decoder's exact reconstruction). */
function encodeChannel(e: BinaryEncoder, m: Models, x: Float64Array, step: number, base: number, segs: Segment[], rec: Float64Array, minLen: number, lbShift: number, hp?: HpTarget, deadZone = 0): void {
  m.count.enc(e, 0, segs.length);
  let pos = 0;
  let prevVal = base * step;
  m.base.encSigned(e, 0, base);
  const low = encodeLow(e, m, x, step, base, lbShift);
  let prevLevel = 0;
  // the reconstruction's high-pass filter state over rec[0..done)
  let done = 0;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  const advance = (to: number) => {
    const f = hp!.f;
    for (; done < to; done++) {
      const x0 = rec[done]!;
      const y0 = f.b0 * x0 + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
      x2 = x1;
      x1 = x0;
      y2 = y1;
      y1 = y0;
    }
  };
  for (let s = 0; s < segs.length; s++) {
    const g = segs[s]!;
    const gap = g.start - pos;
    m.gap.enc(e, m.gapCtx(s, prevLevel), gap);
    if (m.format === 1) {
      m.len.enc(e, 0, g.len - minLen);
      m.level.enc(e, 0, g.level);
    } else {
      m.level.enc(e, m.levelCtx(gap, prevLevel), g.level);
      m.len.enc(e, m.lenCtx(gap, g.level), g.len - minLen);
    }
    prevLevel = g.level;
    const st = step / 2 ** g.level;
    const aimAll = hp !== undefined && (hp.mode === 2 || g.level > 0);
    let prevAbs = 0;
    for (let i = 0; i < g.len; i++) {
      const k = g.start + i;
      let target = x[k]!;
      let dz = deadZone;
      if (hp && i > 0 && (aimAll || hp.aim?.[k])) {
        advance(k);
        const f = hp.f;
        target = (hp.y[k]! - (f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2)) / f.b0;
        dz = 0;
      }
      const u = (target - prevVal) / st;
      // dead zone (encoder-only): residuals lean towards 0, which the coder writes cheaply
      const r = dz > 0 ? Math.sign(u) * Math.max(0, Math.floor(Math.abs(u) + 0.5 - dz)) : Math.round(u);
      m.res.encSigned(e, m.resCtx(i, g.len, prevAbs, g.level), r);
      prevVal += r * st;
      rec[k] = prevVal;
      prevAbs = Math.abs(r);
      // the gap before this segment now has both ends (the filter runs through it)
      if (i === 0 && hp) fillGap(rec, low, s === 0 ? -1 : pos - 1, k);
    }
    pos = g.start + g.len;
  }
  fillGaps(rec, segs, base * step, low);
}

function decodeChannel(d: BinaryDecoder, m: Models, step: number, n: number, rec: Float64Array, minLen: number): void {
  const count = m.count.dec(d, 0);
  if (count > n) throw new CorruptDataError(`events: ${count} segments in a chunk of ${n} samples`);
  const base = m.base.decSigned(d, 0);
  const low = decodeLow(d, m, step, base, n);
  let prevLevel = 0;
  let prevVal = base * step;
  let pos = 0;
  const segs: Segment[] = [];
  for (let s = 0; s < count; s++) {
    const gap = m.gap.dec(d, m.gapCtx(s, prevLevel));
    const start = pos + gap;
    let len: number;
    let level: number;
    if (m.format === 1) {
      len = minLen + m.len.dec(d, 0);
      level = m.level.dec(d, 0);
    } else {
      level = m.level.dec(d, m.levelCtx(gap, prevLevel));
      len = minLen + m.len.dec(d, m.lenCtx(gap, level));
    }
    prevLevel = level;
    if (start + len > n) throw new CorruptDataError(`events: segment [${start}, ${start + len}) beyond the chunk's ${n} samples`);
    if (level > MAX_LEVEL) throw new CorruptDataError(`events: quantization level ${level} > ${MAX_LEVEL}`);
    const st = step / 2 ** level;
    let prevAbs = 0;
    for (let i = 0; i < len; i++) {
      const r = m.res.decSigned(d, m.resCtx(i, len, prevAbs, level));
      prevVal += r * st;
      rec[start + i] = prevVal;
      prevAbs = Math.abs(r);
    }
    segs.push({ start, len, level });
    pos = start + len;
  }
  fillGaps(rec, segs, base * step, low);
}

/**
 * Fills rec(a, b) between a segment's last sample a and the next one's first sample b (a = -1: none
 * before; b = n: none after): a straight line, or with a low band the band plus a line through the
 * offsets rec - low at both ends; a missing end holds the other end's value (offset).
 */
function fillGap(rec: Float64Array, low: Float64Array | undefined, a: number, b: number): void {
  if (!low) {
    if (a < 0) rec.fill(rec[b]!, 0, b);
    else if (b >= rec.length) rec.fill(rec[a]!, a + 1);
    else {
      const va = rec[a]!;
      const vb = rec[b]!;
      for (let i = a + 1; i < b; i++) rec[i] = va + ((vb - va) * (i - a)) / (b - a);
    }
    return;
  }
  if (a < 0) {
    const db = rec[b]! - low[b]!;
    for (let i = 0; i < b; i++) rec[i] = low[i]! + db;
  } else if (b >= rec.length) {
    const da = rec[a]! - low[a]!;
    for (let i = a + 1; i < b; i++) rec[i] = low[i]! + da;
  } else {
    const da = rec[a]! - low[a]!;
    const db = rec[b]! - low[b]!;
    for (let i = a + 1; i < b; i++) rec[i] = low[i]! + da + ((db - da) * (i - a)) / (b - a);
  }
}

/** Every gap of the channel (fillGap); a channel without segments is its low band or `flat`. */
function fillGaps(rec: Float64Array, segs: Segment[], flat: number, low?: Float64Array): void {
  const n = rec.length;
  if (segs.length === 0) {
    if (low) rec.set(low);
    else rec.fill(flat);
    return;
  }
  fillGap(rec, low, -1, segs[0]!.start);
  for (let s = 0; s + 1 < segs.length; s++) fillGap(rec, low, segs[s]!.start + segs[s]!.len - 1, segs[s + 1]!.start);
  const last = segs[segs.length - 1]!;
  fillGap(rec, low, last.start + last.len - 1, n);
}

/**
 * Refines only a short piece [t - ra, t + rb) around each mismatched event t. With `aim` (hp = 3)
 * the piece's samples are first only marked to target the filtered value (no bytes change in the
 * structure); a piece already marked becomes its own segment one level finer (the segment holding
 * it is split; the stream codes adjacent segments with gap 0). An event outside every segment gets a new level-0 window [t - pre, t + post] over
 * the samples no segment holds yet; an event near a segment's start also gets such a window before
 * it, so the reconstruction's high-pass filter settles.
 */
function refineLocal(segs: Segment[], bad: number[], n: number, ra: number, rb: number, pre: number, post: number, aim?: Uint8Array): Segment[] {
  const level = new Int8Array(n).fill(-1);
  for (const g of segs) level.fill(g.level, g.start, g.start + g.len);
  const cut = new Uint8Array(n + 1);
  for (const g of segs) cut[g.start] = 1;
  const open = (a: number, b: number) => {
    a = Math.max(0, a);
    b = Math.min(n, b);
    for (let i = a; i < b; i++) if (level[i]! < 0) level[i] = 0;
  };
  for (const t of [...new Set(bad)]) {
    if (level[t]! < 0) {
      open(t - pre, t + post + 1);
      continue;
    }
    let s0 = t;
    while (s0 > 0 && level[s0 - 1]! >= 0 && !cut[s0]) s0--;
    if (t - s0 < ra + 2 && s0 > 0) open(s0 - post, s0);
    const a = Math.max(0, t - ra);
    const b = Math.min(n, t + rb);
    if (aim && aim.subarray(a, b).some((v) => !v)) {
      aim.fill(1, a, b);
      continue;
    }
    for (let i = a; i < b; i++) level[i] = Math.min(MAX_LEVEL, Math.max(0, level[i]!) + 1);
    cut[a] = 1;
    cut[b] = 1;
  }
  const out: Segment[] = [];
  for (let i = 0; i < n; ) {
    if (level[i]! < 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && level[j] === level[i] && !cut[j]) j++;
    out.push({ start: i, len: j - i, level: level[i]! });
    i = j;
  }
  return out;
}

/** Windows [e - pre, e + post] around events, merged when they touch. */
function segmentsFor(events: number[], n: number, pre: number, post: number): Segment[] {
  const sorted = [...new Set(events)].sort((a, b) => a - b);
  const segs: Segment[] = [];
  for (const ev of sorted) {
    const a = Math.max(0, ev - pre);
    const b = Math.min(n, ev + post + 1);
    const last = segs[segs.length - 1];
    if (last && a <= last.start + last.len) last.len = Math.max(last.len, b - last.start);
    else segs.push({ start: a, len: b - a, level: 0 });
  }
  return segs;
}

class EventsCodec implements ArrayToBytesCodec {
  readonly id = 'events';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  private readonly pre: number;
  private readonly post: number;
  constructor(readonly p: EventsParams) {
    this.pre = Math.round((p.pre / 1000) * p.fs);
    this.post = Math.round((p.post / 1000) * p.fs);
  }

  private get format(): number {
    return this.p.format;
  }

  private get minLen(): number {
    return 1;
  }

  encode(input: TypedArray, spec: ChunkSpec): Uint8Array {
    const [n, c] = dims(spec);
    const e = new BinaryEncoder(1024);
    const m = new Models(this.format);
    const head = new Uint8Array(1 + 4 * c);
    const dv = new DataView(head.buffer);
    head[0] = this.format;
    const f = butterworthHighpass(HIGHPASS_HZ, this.p.fs);
    const tol = MATCH_TOLERANCE_S * this.p.fs;
    for (let ch = 0; ch < c; ch++) {
      const x = new Float64Array(n);
      for (let i = 0, k = ch; i < n; i++, k += c) x[i] = input[k]!;
      const y = filterChannel(x, 1, 0, f);
      const sigma = medianAbs(y) / 0.6745;
      let peak = 0;
      for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(x[i]!));
      // floor: every quantized value and residual stays below 2^24 steps
      let step = Math.fround(Math.max(stepScale(y, sigma, this.p.format) * this.p.q, (2 * peak) / 2 ** 24));
      if (!(step > 0) || !Number.isFinite(step)) step = Math.fround(Math.max(1e-30, medianAbs(x) * 1e-3) || 1);
      dv.setFloat32(1 + 4 * ch, step, true);
      const base = n ? Math.round(median(x) / step) : 0;
      const events = sigma > 0 ? [...detectCrossings(y, -this.p.k * sigma, this.p.fs)] : [];
      let segs = segmentsFor(events, n, this.pre, this.post);
      const rec = new Float64Array(n);
      const hpt: HpTarget | undefined = this.p.hp ? { f, y, mode: this.p.hp, aim: this.p.hp === 3 ? new Uint8Array(n) : undefined } : undefined;
      // analysis by synthesis: refine (or add) segments where the reconstruction's events differ
      for (let pass = 0; pass < this.p.passes && sigma > 0; pass++) {
        encodeChannel(new BinaryEncoder(1024), new Models(this.format), x, step, base, segs, rec, this.minLen, this.p.lb, hpt, this.p.dz);
        if (isIntegerDType(spec.dtype)) roundClamp(rec, spec.dtype);
        const fr = filterChannel(rec, 1, 0, f);
        const bad: number[] = [];
        for (const mult of CHECK_MULTIPLIERS) {
          const thr = -mult * sigma;
          const a = detectCrossings(y, thr, this.p.fs);
          const b = detectCrossings(fr, thr, this.p.fs);
          unmatched(a, b, tol, bad);
        }
        if (bad.length === 0) break;
        if (this.p.rb > 0) {
          segs = refineLocal(segs, bad, n, this.p.ra, this.p.rb, this.pre, this.post, hpt?.aim);
          continue;
        }
        const extra: number[] = [];
        for (const t of bad) {
          const g = segs.find((s) => t >= s.start && t < s.start + s.len);
          if (g) {
            g.level = Math.min(MAX_LEVEL, g.level + 1);
            // the high-pass filter settles inside the segment: start it earlier too
            if (g.start > 0) extra.push(Math.max(0, g.start - 1 - this.post));
          } else extra.push(t);
        }
        if (extra.length) {
          const levels = segs;
          segs = segmentsFor([...events, ...extra], n, this.pre, this.post);
          for (const g of segs) for (const o of levels) if (o.start >= g.start && o.start < g.start + g.len) g.level = Math.max(g.level, o.level);
          events.push(...extra);
        }
      }
      encodeChannel(e, m, x, step, base, segs, rec, this.minLen, this.p.lb, hpt, this.p.dz);
    }
    const body = e.finish();
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  }

  decode(bytes: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [n, c] = dims(spec);
    if (bytes.length < 1 + 4 * c + 4) throw new CorruptDataError(`events: ${bytes.length} bytes cannot hold a chunk of ${c} channel(s)`);
    const format = bytes[0]!;
    if (format !== 1 && format !== 2) throw new CorruptDataError(`events: unknown payload format ${format}`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const d = new BinaryDecoder(bytes.subarray(1 + 4 * c), 'events');
    const m = new Models(format);
    const y = out ?? allocArray(spec.dtype, n * c);
    if (y.length !== n * c) throw new InvalidConfigError(`events: output buffer holds ${y.length} values, need ${n * c}`);
    const rec = new Float64Array(n);
    for (let ch = 0; ch < c; ch++) {
      const step = dv.getFloat32(1 + 4 * ch, true);
      if (!(step > 0) || !Number.isFinite(step)) throw new CorruptDataError(`events: bad quantization step ${step} for channel ${ch}`);
      decodeChannel(d, m, step, n, rec, this.minLen);
      if (isIntegerDType(spec.dtype)) roundClamp(rec, spec.dtype);
      for (let i = 0, k = ch; i < n; i++, k += c) y[k] = rec[i]!;
    }
    d.end();
    return y;
  }

  toConfig() {
    const c: CodecConfig = { id: this.id, fs: this.p.fs, k: this.p.k, pre: this.p.pre, post: this.p.post, q: this.p.q };
    // encoder-only settings, written when they differ from the defaults (the container stores this)
    for (const [key, dflt] of Object.entries(ENCODER_DEFAULTS)) if (this.p[key as keyof typeof ENCODER_DEFAULTS] !== dflt) c[key] = this.p[key as keyof typeof ENCODER_DEFAULTS];
    return c;
  }
}

/** Events of a (or b) with no partner in the other list within tol, appended to `bad`. */
function unmatched(a: Int32Array, b: Int32Array, tol: number, bad: number[]): void {
  const usedB = new Uint8Array(b.length);
  let j = 0;
  let i = 0;
  const usedA = new Uint8Array(a.length);
  while (i < a.length && j < b.length) {
    const dd = a[i]! - b[j]!;
    if (Math.abs(dd) <= tol) {
      usedA[i++] = 1;
      usedB[j++] = 1;
    } else if (dd < 0) i++;
    else j++;
  }
  a.forEach((v, k) => usedA[k] || bad.push(v));
  b.forEach((v, k) => usedB[k] || bad.push(v));
}

const RANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

function roundClamp(a: Float64Array, dtype: DType): void {
  const [lo, hi] = RANGE[dtype] ?? [-Infinity, Infinity];
  for (let i = 0; i < a.length; i++) a[i] = Math.min(hi, Math.max(lo, Math.round(a[i]!)));
}

/**
 * The quantization step's unit: sigma, except (format 2) in a channel that sits still most of the
 * time (e.g. clipped at the rails, sigma ~ 0): then the same estimate over the samples that move
 * (|y| above 1e-6 of its peak), so a near-zero sigma does not make the coding near-lossless.
 */
function stepScale(y: Float64Array, sigma: number, format: number): number {
  if (format === 1) return sigma;
  let peak = 0;
  for (const v of y) peak = Math.max(peak, Math.abs(v));
  if (!(sigma < 1e-3 * peak)) return sigma;
  const moving = Float64Array.from(y.filter((v) => Math.abs(v) > 1e-6 * peak));
  return moving.length ? medianAbs(moving) / 0.6745 : sigma;
}

function median(x: Float64Array): number {
  const a = Float64Array.from(x).sort();
  const n = a.length;
  return n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}

function dims(spec: ChunkSpec): [number, number] {
  const [n = 0, c = 1] = spec.shape;
  return [n, c];
}

export const factory: CodecFactory = {
  id: 'events',
  kind: 'array->bytes',
  description: 'lossy spike-event codec: detected spike snippets (closed-loop DPCM, adaptive arithmetic coding) on a line-interpolated background',
  fromConfig(config) {
    const p = new Params(config);
    const fs = p.num('fs', 0, 0, 1e7);
    if (!(fs > 2 * HIGHPASS_HZ)) throw new InvalidConfigError(`events: fs (the sampling rate in Hz) must be given and above ${2 * HIGHPASS_HZ}`);
    const params: EventsParams = { fs, k: p.num('k', 4, 0.5, 100), pre: p.num('pre', 1, 0, 100), post: p.num('post', 1, 0, 100), q: p.num('q', 1.5, 1e-3, 100), passes: p.int('passes', ENCODER_DEFAULTS.passes, 0, 16), ra: p.int('ra', ENCODER_DEFAULTS.ra, 0, 1000), rb: p.int('rb', ENCODER_DEFAULTS.rb, 0, 1000), hp: p.int('hp', ENCODER_DEFAULTS.hp, 0, 3), format: p.int('format', ENCODER_DEFAULTS.format, 1, 2), lb: p.int('lb', ENCODER_DEFAULTS.lb, 0, MAX_LB_SHIFT), dz: p.num('dz', ENCODER_DEFAULTS.dz, 0, 0.5) };
    p.done();
    return new EventsCodec(params);
  },
};
