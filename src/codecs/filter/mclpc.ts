import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';
import { designMc, McScratch, MAX_ORDER, MAX_REFS, MAX_TAPS, mcStart, readMcModel, writeMcModel, type McChannel, type McOptions } from './_mc-predictor.js';

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
  constructor(readonly o: McOptions) {}

  encode(): TypedArray {
    throw new InvalidConfigError('mclpc: stores coefficients per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('mclpc: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }

  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array } {
    checkDType(spec);
    const [n, c] = dims(spec);
    const model = designMc(x, n, c, this.o, this.scratch);
    const w = new ByteWriter(8 + c * 48);
    writeMcModel(w, model);
    const y = allocArray(spec.dtype, x.length);
    const cols = columns(n, this.o.refs);
    for (let k = 0; k < c; k++) run(model.channels[k]!, model.taps, x, y, n, c, k, 1, cols);
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
    const cols = columns(n, this.o.refs);
    for (const k of model.order) run(model.channels[k]!, model.taps, x, d, n, c, k, -1, cols);
    return x;
  }

  toConfig() {
    const o = this.o;
    return { id: this.id, order: o.order, refs: o.refs, taps: o.taps, window: o.window, precision: o.precision, direction: o.direction };
  }
}

/**
 * One channel. Encode (dir 1): y = x - P from the values x. Decode (dir -1): x = y + P, written
 * before the next row reads it (the store wraps, as on encode). The channel and its references
 * are copied into contiguous columns first (what mcSum computes on the interleaved array).
 */
function run(f: McChannel, taps: number, x: TypedArray, y: TypedArray, n: number, c: number, k: number, dir: 1 | -1, cols: Float64Array[]): void {
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

/** Scratch columns: the channel's own values, then one per reference. */
function columns(n: number, refs: number): Float64Array[] {
  return Array.from({ length: refs + 1 }, () => new Float64Array(n));
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
