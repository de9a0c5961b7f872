/*
 * READ ME FIRST — `events`: the spike-event codec (lossy, array->bytes; docs/spec/codecs/events.md).
 *  - Encode, per channel: high-pass at 300 Hz and estimate the noise sigma = median(|y|)/0.6745 as the
 *    reference detector does (src/spikes/detect.ts); detect events at k x sigma (default k = 3.75,
 *    below the multipliers 4 / 4.5 / 5 at which fidelity is judged); keep a window of `pre`/`post`
 *    ms of the ORIGINAL samples around each event (windows that touch are merged into segments).
 *  - Segment samples are quantized in closed loop (DPCM, prediction = previous reconstructed value)
 *    with step sigma x q / 2^level; `level` (0..3) per segment is raised by analysis by synthesis:
 *    the encoder decodes its own output, runs the detector with the original's thresholds at the
 *    check multipliers and refines the segments whose events do not match (±0.5 ms): one level finer and started earlier
 *    (a window is added before it, so the filter settles), up to 4 passes.
 *  - Everything after the per-channel float32 step is coded with an adaptive binary arithmetic coder
 *    (_binary-coder.ts): segment gaps (delta-coded event times), lengths, levels and residuals as
 *    adaptive Exp-Golomb codes. No tables are sent.
 *  - Decode rebuilds a signal of the original length: segments at their times, straight lines
 *    between the end of one segment and the start of the next (the low band of the gaps), the first
 *    and last values held before the first and after the last segment; a channel without events is
 *    a constant (its median). Integer dtypes are rounded and clamped.
 */
import { allocArray, isIntegerDType, type DType, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import { butterworthHighpass, detectCrossings, filterChannel, HIGHPASS_HZ, MATCH_TOLERANCE_S, medianAbs } from '../../spikes/detect.js';
import { BinaryDecoder, BinaryEncoder } from '../entropy/_binary-coder.js';
import { EG } from '../entropy/_adaptive-eg.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

const FORMAT = 1;
/** Multipliers at which the encoder checks that the reconstruction's events match the original's. */
export const CHECK_MULTIPLIERS = [4, 4.5, 5] as const;
const MAX_LEVEL = 3;
const MAX_PASSES = 4;

/** The adaptive models of one stream (shared by all channels of a chunk). */
class Models {
  readonly count = new EG(1);
  readonly gap = new EG(2);
  readonly len = new EG(1);
  readonly level = new EG(1);
  readonly base = new EG(1);
  /** residual contexts: 3 position classes x 4 magnitude classes of the previous residual */
  readonly res = new EG(12);
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
}

function resCtx(pos: number, len: number, prevAbs: number): number {
  const pc = pos === 0 ? 0 : pos < len / 2 ? 1 : 2;
  const mc = prevAbs === 0 ? 0 : prevAbs === 1 ? 1 : prevAbs < 4 ? 2 : 3;
  return pc * 4 + mc;
}

/** Writes one channel's segments and residuals; fills `rec` (the decoder's exact reconstruction). */
function encodeChannel(e: BinaryEncoder, m: Models, x: Float64Array, step: number, base: number, segs: Segment[], rec: Float64Array, minLen: number): void {
  m.count.enc(e, 0, segs.length);
  let pos = 0;
  let prevVal = base * step;
  m.base.encSigned(e, 0, base);
  for (let s = 0; s < segs.length; s++) {
    const g = segs[s]!;
    m.gap.enc(e, s === 0 ? 0 : 1, g.start - pos);
    m.len.enc(e, 0, g.len - minLen);
    m.level.enc(e, 0, g.level);
    const st = step / 2 ** g.level;
    let prevAbs = 0;
    for (let i = 0; i < g.len; i++) {
      const r = Math.round((x[g.start + i]! - prevVal) / st);
      m.res.encSigned(e, resCtx(i, g.len, prevAbs), r);
      prevVal += r * st;
      rec[g.start + i] = prevVal;
      prevAbs = Math.abs(r);
    }
    pos = g.start + g.len;
  }
  fillGaps(rec, segs, base * step);
}

function decodeChannel(d: BinaryDecoder, m: Models, step: number, n: number, rec: Float64Array, minLen: number): void {
  const count = m.count.dec(d, 0);
  if (count > n) throw new CorruptDataError(`events: ${count} segments in a chunk of ${n} samples`);
  const base = m.base.decSigned(d, 0);
  let prevVal = base * step;
  let pos = 0;
  const segs: Segment[] = [];
  for (let s = 0; s < count; s++) {
    const start = pos + m.gap.dec(d, s === 0 ? 0 : 1);
    const len = minLen + m.len.dec(d, 0);
    const level = m.level.dec(d, 0);
    if (start + len > n) throw new CorruptDataError(`events: segment [${start}, ${start + len}) beyond the chunk's ${n} samples`);
    if (level > MAX_LEVEL) throw new CorruptDataError(`events: quantization level ${level} > ${MAX_LEVEL}`);
    const st = step / 2 ** level;
    let prevAbs = 0;
    for (let i = 0; i < len; i++) {
      const r = m.res.decSigned(d, resCtx(i, len, prevAbs));
      prevVal += r * st;
      rec[start + i] = prevVal;
      prevAbs = Math.abs(r);
    }
    segs.push({ start, len, level });
    pos = start + len;
  }
  fillGaps(rec, segs, base * step);
}

/** Straight lines between segments; held values before the first and after the last. */
function fillGaps(rec: Float64Array, segs: Segment[], flat: number): void {
  const n = rec.length;
  if (segs.length === 0) {
    rec.fill(flat);
    return;
  }
  const first = segs[0]!;
  rec.fill(rec[first.start]!, 0, first.start);
  for (let s = 0; s + 1 < segs.length; s++) {
    const a = segs[s]!.start + segs[s]!.len - 1;
    const b = segs[s + 1]!.start;
    const va = rec[a]!;
    const vb = rec[b]!;
    for (let i = a + 1; i < b; i++) rec[i] = va + ((vb - va) * (i - a)) / (b - a);
  }
  const last = segs[segs.length - 1]!;
  const end = last.start + last.len;
  rec.fill(rec[end - 1]!, end, n);
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

  private get minLen(): number {
    return 1;
  }

  encode(input: TypedArray, spec: ChunkSpec): Uint8Array {
    const [n, c] = dims(spec);
    const e = new BinaryEncoder(1024);
    const m = new Models();
    const head = new Uint8Array(1 + 4 * c);
    const dv = new DataView(head.buffer);
    head[0] = FORMAT;
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
      let step = Math.fround(Math.max(sigma * this.p.q, (2 * peak) / 2 ** 24));
      if (!(step > 0) || !Number.isFinite(step)) step = Math.fround(Math.max(1e-30, medianAbs(x) * 1e-3) || 1);
      dv.setFloat32(1 + 4 * ch, step, true);
      const base = n ? Math.round(median(x) / step) : 0;
      const events = sigma > 0 ? [...detectCrossings(y, -this.p.k * sigma, this.p.fs)] : [];
      let segs = segmentsFor(events, n, this.pre, this.post);
      const rec = new Float64Array(n);
      // analysis by synthesis: refine (or add) segments where the reconstruction's events differ
      for (let pass = 0; pass < MAX_PASSES && sigma > 0; pass++) {
        encodeChannel(new BinaryEncoder(1024), new Models(), x, step, base, segs, rec, this.minLen);
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
      encodeChannel(e, m, x, step, base, segs, rec, this.minLen);
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
    if (bytes[0] !== FORMAT) throw new CorruptDataError(`events: unknown payload format ${bytes[0]}`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const d = new BinaryDecoder(bytes.subarray(1 + 4 * c), 'events');
    const m = new Models();
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
    return { id: this.id, fs: this.p.fs, k: this.p.k, pre: this.p.pre, post: this.p.post, q: this.p.q };
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
    const params: EventsParams = { fs, k: p.num('k', 3.75, 0.5, 100), pre: p.num('pre', 1, 0, 100), post: p.num('post', 1, 0, 100), q: p.num('q', 1, 1e-3, 100) };
    p.done();
    return new EventsCodec(params);
  },
};
