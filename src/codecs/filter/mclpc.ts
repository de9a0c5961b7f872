import { allocArray, isIntegerDType, itemsize, reuseArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';
import { designMc, McScratch, type McModel, MAX_ORDER, MAX_REFS, MAX_TAPS, mcStart, readMcModel, writeMcModel, type McChannel, type McOptions } from './_mc-predictor.js';

/**
 * `mclpc`: per-chunk multichannel linear prediction (docs/spec/codecs/mclpc.md). Each channel is
 * predicted from its own past and the current and recent samples of up to `refs` earlier channels
 * (the predictor is in _mc-predictor.ts; channels taken in the order 0..c-1 or c-1..0, whichever
 * the design estimates cheaper for the chunk); the residual x - P wraps modulo 2^bits of the dtype.
 * With refs=0 it is `lpc` with a different side layout.
 */
class MclpcCodec implements ArrayToArrayCodec {
  readonly id = 'mclpc';
  readonly kind = 'array->array';
  readonly lossless = true;
  /** designMc's buffers, reused from chunk to chunk (encode is synchronous). */
  private readonly scratch = new McScratch();
  /** Columns and channel-major copies of run / filterInt, reused likewise (decode too: one chunk at a time per instance). */
  private readonly cols = new RunScratch();
  constructor(readonly o: McOptions) {}

  encode(): TypedArray {
    throw new InvalidConfigError('mclpc: stores coefficients per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('mclpc: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }

  encodeWithSide(x: TypedArray, spec: ChunkSpec, out?: TypedArray): { data: TypedArray; side: Uint8Array } {
    checkDType(spec);
    const [n, c] = dims(spec);
    const xt = this.cols.transposed(x, n, c);
    const model = designMc(x, n, c, this.o, this.scratch, xt);
    const w = new ByteWriter(8 + c * 48);
    writeMcModel(w, model);
    const y = reuseArray(out, spec.dtype, x.length);
    const bits = 8 * itemsize(spec.dtype);
    if (bits <= 16 && model.channels.every((f) => f.shift <= 16)) filterInt(model, x, y, n, c, 1, this.cols, bits, spec.dtype.startsWith('int'), xt);
    else for (let k = 0; k < c; k++) run(model.channels[k]!, model.taps, x, y, n, c, k, 1, this.cols.f64(this.o.refs + 1, n));
    return { data: y, side: w.finish().slice() };
  }

  decodeWithSide(d: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const rd = new ByteReader(side, 'mclpc side bytes');
    const model = readMcModel(rd, c, this.o, 'mclpc');
    rd.end();
    const x = out ?? allocArray(spec.dtype, d.length);
    // channel by channel in the model's order: a channel's references are complete in x before it
    const bits = 8 * itemsize(spec.dtype);
    if (bits <= 16 && model.channels.every((f) => f.shift <= 16)) filterInt(model, x, d, n, c, -1, this.cols, bits, spec.dtype.startsWith('int'));
    else for (const k of model.order) run(model.channels[k]!, model.taps, x, d, n, c, k, -1, this.cols.f64(this.o.refs + 1, n));
    return x;
  }

  toConfig() {
    const o = this.o;
    return { id: this.id, order: o.order, refs: o.refs, taps: o.taps, window: o.window, precision: o.precision, direction: o.direction };
  }
}

/**
 * The general path of one channel (any integer dtype, exact double sums). Encode (dir 1): y = x - P from the values x. Decode (dir -1): x = y + P, written
 * before the next row reads it (the store wraps, as on encode). The channel and its references
 * are copied into contiguous columns first (what mcSum computes on the interleaved array).
 */
export function run(f: McChannel, taps: number, x: TypedArray, y: TypedArray, n: number, c: number, k: number, dir: 1 | -1, cols: Float64Array[]): void {
  if (f.order === 0 && f.refs.length === 0) {
    for (let i = 0, t = k; i < n; i++, t += c) (dir === 1 ? (y[t] = x[t]!) : (x[t] = y[t]!));
    return;
  }
  const K = f.refs.length;
  const p = f.order;
  const q = f.q;
  const own = cols[0]!;
  for (let r = 0; r < K; r++) {
    const col = cols[r + 1]!;
    for (let i = 0, t = f.refs[r]!; i < n; i++, t += c) col[i] = x[t]!;
  }
  if (dir === 1) for (let i = 0, t = k; i < n; i++, t += c) own[i] = x[t]!;
  const start = Math.min(n, mcStart(f, taps));
  const div = 2 ** f.shift;
  for (let i = 0, t = k; i < n; i++, t += c) {
    let P: number;
    if (i < start) P = i > 0 ? own[i - 1]! : 0;
    else {
      let s = 0;
      for (let j = 0; j < p; j++) s += q[j]! * own[i - 1 - j]!;
      for (let r = 0, base = p; r < K; r++, base += taps) {
        const col = cols[r + 1]!;
        for (let b = 0; b < taps; b++) s += q[base + b]! * col[i - b]!;
      }
      P = Math.floor(s / div);
    }
    if (dir === 1) y[t] = x[t]! - P;
    else {
      x[t] = y[t]! + P;
      own[i] = x[t]!; // read back: the store wrapped it
    }
  }
}

/**
 * buf when it is of like's type and holds size values, else a new one. The channel-major copies
 * are of the chunk's own dtype (values and wrapped residuals fit it), half the memory of Int32.
 */
function sized(buf: TypedArray, like: TypedArray, size: number): TypedArray {
  if (buf.constructor === like.constructor && buf.length >= size) return buf;
  const ctor = like.constructor as new (n: number) => TypedArray;
  return new ctor(size);
}

/** Scratch columns of run / filterInt, kept by a codec instance across chunks. */
export class RunScratch {
  private f: Float64Array[] = [];
  /** `count` double columns of length >= n (run). */
  f64(count: number, n: number): Float64Array[] {
    if (this.f.length < count || this.f[0]!.length < n) this.f = Array.from({ length: count }, () => new Float64Array(n));
    return this.f;
  }
  private t: TypedArray = new Int32Array(0);
  /** x [n, c] interleaved, channel-major (channel k's rows at [k n, (k + 1) n)); blocks of rows stay in cache. */
  transposed(x: TypedArray, n: number, c: number): TypedArray {
    this.t = sized(this.t, x, n * c);
    const t = this.t;
    const B = 64;
    for (let r0 = 0; r0 < n; r0 += B) {
      const r1 = Math.min(n, r0 + B);
      for (let k = 0; k < c; k++) for (let i = r0, s = r0 * c + k, d = k * n + r0; i < r1; i++, s += c, d++) t[d] = x[s]!;
    }
    return t;
  }
  private o: TypedArray = new Int32Array(0);
  private a = new Int32Array(0);
  /** A second channel-major buffer (filterInt), of like's type. */
  other(like: TypedArray, size: number): TypedArray {
    this.o = sized(this.o, like, size);
    return this.o;
  }
  /** runCols's accumulator. */
  acc(n: number): Int32Array {
    if (this.a.length < n) this.a = new Int32Array(n);
    return this.a;
  }
}

/*
 * The integer path: values of at most 16 bits (the dtype's store) and shift <= 16, what every
 * int16 / uint16 recording produces. The sum s is taken modulo 2^32 (Math.imul and | 0):
 * floor(s / 2^shift) modulo 2^16 depends only on s modulo 2^(16 + shift) <= 2^32, and the store
 * wraps the residual (or the restored value) modulo 2^16 anyway, so the bytes are those of run()
 * (as lpc.ts's residual8 / restore8 argue; bits 8 likewise). The chunk is transposed to
 * channel-major columns (of the chunk's dtype) once; per channel the references' part is summed first, column by
 * column (simple loops; references are complete before the channel, on decode too), then the own
 * part: on encode column by column as well, on decode row by row (lags 0..7 in locals).
 */

/**
 * acc[i] += sum of q[j] own[i-1-j] for j in [g, min(g + 4, p)), rows [start, n) (start >= p), modulo
 * 2^32. The four lagged values stay in registers as i advances (one load a row); a lag beyond p
 * has coefficient 0 and reads 0 where it would fall before row 0.
 */
function addLags4(acc: Int32Array, own: TypedArray, q: Int32Array, g: number, p: number, start: number, n: number): void {
  const q0 = q[g]!, q1 = g + 1 < p ? q[g + 1]! : 0, q2 = g + 2 < p ? q[g + 2]! : 0, q3 = g + 3 < p ? q[g + 3]! : 0; // prettier-ignore
  const m0 = start - 1 - g;
  let r1 = m0 >= 1 ? own[m0 - 1]! : 0, r2 = m0 >= 2 ? own[m0 - 2]! : 0, r3 = m0 >= 3 ? own[m0 - 3]! : 0; // prettier-ignore
  for (let i = start, m = m0; i < n; i++, m++) {
    const v0 = own[m]!;
    acc[i] = (acc[i]! + Math.imul(q0, v0) + Math.imul(q1, r1) + ((Math.imul(q2, r2) + Math.imul(q3, r3)) | 0)) | 0;
    r3 = r2;
    r2 = r1;
    r1 = v0;
  }
}

/**
 * One channel on channel-major columns (channel k's rows at [k n, (k + 1) n)): V the values, R the
 * residuals. Encode (dir 1): R = V - P. Decode (dir -1): V = R + P wrapped to the dtype's `bits`
 * (`signed` or not) as its store would, references complete in V before (the model's order).
 */
function runCols(f: McChannel, taps: number, V: TypedArray, R: TypedArray, n: number, k: number, dir: 1 | -1, acc: Int32Array, bits: number, signed: boolean): void {
  const p = f.order;
  const K = f.refs.length;
  const own = V.subarray(k * n, k * n + n);
  const res = R.subarray(k * n, k * n + n);
  if (p === 0 && K === 0) {
    if (dir === 1) res.set(own);
    else own.set(res); // residuals are values of the dtype already
    return;
  }
  const q = f.q;
  const sh = f.shift;
  const start = Math.min(n, mcStart(f, taps));
  acc.fill(0, 0, n);
  for (let r = 0, base = p; r < K; r++, base += taps) {
    const col = V.subarray(f.refs[r]! * n, f.refs[r]! * n + n);
    if (taps === 3) {
      const q0 = q[base]!, q1 = q[base + 1]!, q2 = q[base + 2]!; // prettier-ignore
      for (let i = start; i < n; i++)
        acc[i] = (acc[i]! + Math.imul(q0, col[i]!) + ((Math.imul(q1, col[i - 1]!) + Math.imul(q2, col[i - 2]!)) | 0)) | 0;
      continue;
    }
    for (let b = 0; b < taps; b++) {
      const qb = q[base + b]!;
      if (qb === 0) continue;
      for (let i = start, m = start - b; i < n; i++, m++) acc[i] = (acc[i]! + Math.imul(qb, col[m]!)) | 0;
    }
  }
  if (dir === 1) {
    for (let i = 0; i < start; i++) res[i] = own[i]! - (i > 0 ? own[i - 1]! : 0);
    // the own part column by column too (all values known on encode), four lags a pass
    for (let g = 0; g < p; g += 4) addLags4(acc, own, q, g, p, start, n);
    for (let i = start; i < n; i++) res[i] = own[i]! - (acc[i]! >> sh);
    return;
  }
  const ws = 32 - bits;
  for (let i = 0; i < start; i++) {
    const u = (res[i]! + (i > 0 ? own[i - 1]! : 0)) << ws;
    own[i] = signed ? u >> ws : u >>> ws;
  }
  // lags 0..7 in locals (coefficients and the last eight values, as lpc's restore8), the rest
  // (j >= 8) from the own column, four a step
  const q0 = p > 0 ? q[0]! : 0, q1 = p > 1 ? q[1]! : 0, q2 = p > 2 ? q[2]! : 0, q3 = p > 3 ? q[3]! : 0; // prettier-ignore
  const q4 = p > 4 ? q[4]! : 0, q5 = p > 5 ? q[5]! : 0, q6 = p > 6 ? q[6]! : 0, q7 = p > 7 ? q[7]! : 0; // prettier-ignore
  const at = (m: number) => (m >= 0 ? own[m]! : 0);
  let x1 = at(start - 1), x2 = at(start - 2), x3 = at(start - 3), x4 = at(start - 4); // prettier-ignore
  let x5 = at(start - 5), x6 = at(start - 6), x7 = at(start - 7), x8 = at(start - 8); // prettier-ignore
  const pr = p - 8; // lags beyond the locals
  const pr4 = pr > 0 ? pr & ~3 : 0;
  for (let i = start; i < n; i++) {
    let s =
      (acc[i]! + ((Math.imul(q0, x1) + Math.imul(q1, x2)) | 0) + ((Math.imul(q2, x3) + Math.imul(q3, x4)) | 0) +
        (((Math.imul(q4, x5) + Math.imul(q5, x6)) | 0) + ((Math.imul(q6, x7) + Math.imul(q7, x8)) | 0))) | 0; // prettier-ignore
    if (pr > 0) {
      let j = 8;
      let m = i - 9;
      for (const e = 8 + pr4; j < e; j += 4, m -= 4)
        s = (s + Math.imul(q[j]!, own[m]!) + Math.imul(q[j + 1]!, own[m - 1]!) + ((Math.imul(q[j + 2]!, own[m - 2]!) + Math.imul(q[j + 3]!, own[m - 3]!)) | 0)) | 0;
      for (; j < p; j++, m--) s = (s + Math.imul(q[j]!, own[m]!)) | 0;
    }
    const u = ((res[i]! + (s >> sh)) | 0) << ws;
    const v = signed ? u >> ws : u >>> ws;
    own[i] = v;
    x8 = x7; x7 = x6; x6 = x5; x5 = x4; x4 = x3; x3 = x2; x2 = x1; x1 = v; // prettier-ignore
  }
}

/**
 * The whole chunk on the integer path (every channel's shift <= 16, dtype of `bits` <= 16):
 * encode (dir 1) y = residuals of x; decode (dir -1) x = values of the residuals y. Works on
 * channel-major copies (contiguous columns; one cache-friendly transpose in and one out instead
 * of a strided pass per channel and reference); `xt` = x channel-major when the caller has it.
 */
export function filterInt(model: McModel, x: TypedArray, y: TypedArray, n: number, c: number, dir: 1 | -1, scratch: RunScratch, bits: number, signed: boolean, xt?: TypedArray): void {
  const acc = scratch.acc(n);
  if (dir === 1) {
    const V = xt ?? scratch.transposed(x, n, c);
    const R = scratch.other(y, n * c);
    for (let k = 0; k < c; k++) runCols(model.channels[k]!, model.taps, V, R, n, k, 1, acc, bits, signed);
    untranspose(R, y, n, c);
  } else {
    const R = scratch.transposed(y, n, c);
    const V = scratch.other(x, n * c);
    for (const k of model.order) runCols(model.channels[k]!, model.taps, V, R, n, k, -1, acc, bits, signed);
    untranspose(V, x, n, c);
  }
}

/** out[i c + k] = t[k n + i] (the store wraps), blocks of rows as RunScratch.transposed. */
function untranspose(t: TypedArray, out: TypedArray, n: number, c: number): void {
  const B = 64;
  for (let r0 = 0; r0 < n; r0 += B) {
    const r1 = Math.min(n, r0 + B);
    for (let k = 0; k < c; k++) for (let i = r0, d = r0 * c + k, s = k * n + r0; i < r1; i++, d += c, s++) out[d] = t[s]!;
  }
}

function checkDType(spec: ChunkSpec): void {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`mclpc: needs an integer dtype, got ${spec.dtype}`);
}

export const factory: CodecFactory = {
  id: 'mclpc',
  kind: 'array->array',
  description: 'per-chunk multichannel linear prediction (own past + current/recent samples of earlier channels, least squares)',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 32, 0, MAX_ORDER);
    const refs = p.int('refs', 4, 0, MAX_REFS);
    const taps = p.int('taps', 3, 1, MAX_TAPS);
    const window = p.int('window', 16, 1, 255);
    const precision = p.int('precision', 14, 6, 15);
    const direction = p.oneOf('direction', 'auto', ['auto', 'forward', 'reverse'] as const);
    p.done();
    return new MclpcCodec({ order, refs, taps, window, precision, direction });
  },
};
