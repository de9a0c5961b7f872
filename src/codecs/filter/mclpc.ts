import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';
import { designMc, MAX_ORDER, MAX_REFS, MAX_TAPS, mcStart, mcSum, readMcModel, writeMcModel, type McOptions } from './_mc-predictor.js';

/**
 * `mclpc`: per-chunk multichannel linear prediction (docs/spec/codecs/mclpc.md). Each channel is
 * predicted from its own past and the current and recent samples of up to `refs` earlier channels
 * (the predictor is in _mc-predictor.ts); the residual x - P wraps modulo 2^bits of the dtype.
 * With refs=0 it is `lpc` with a different side layout.
 */
class MclpcCodec implements ArrayToArrayCodec {
  readonly id = 'mclpc';
  readonly kind = 'array->array';
  readonly lossless = true;
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
    const model = designMc(x, n, c, this.o);
    const w = new ByteWriter(8 + c * 48);
    writeMcModel(w, model);
    const y = allocArray(spec.dtype, x.length);
    for (let k = 0; k < c; k++) run(model.channels[k]!, model.taps, x, y, n, c, k, 1);
    return { data: y, side: w.finish().slice() };
  }

  decodeWithSide(d: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const rd = new ByteReader(side, 'mclpc side bytes');
    const model = readMcModel(rd, c, this.o, 'mclpc');
    rd.end();
    const x = out ?? allocArray(spec.dtype, d.length);
    // channel by channel: a channel's references are earlier channels, already complete in x
    for (let k = 0; k < c; k++) run(model.channels[k]!, model.taps, x, d, n, c, k, -1);
    return x;
  }

  toConfig() {
    return { id: this.id, order: this.o.order, refs: this.o.refs, taps: this.o.taps, window: this.o.window, precision: this.o.precision };
  }
}

/**
 * One channel. Encode (dir 1): y = x - P from the values x. Decode (dir -1): x = y + P, written
 * before the next row reads it (the store wraps, as on encode).
 */
function run(
  f: import('./_mc-predictor.js').McChannel,
  taps: number,
  x: TypedArray,
  y: TypedArray,
  n: number,
  c: number,
  k: number,
  dir: 1 | -1,
): void {
  if (f.order === 0 && f.refs.length === 0) {
    for (let i = 0, t = k; i < n; i++, t += c) (dir === 1 ? (y[t] = x[t]!) : (x[t] = y[t]!));
    return;
  }
  const start = Math.min(n, mcStart(f, taps));
  const div = 2 ** f.shift;
  for (let i = 0, t = k; i < start; i++, t += c) {
    const P = i > 0 ? x[t - c]! : 0;
    if (dir === 1) y[t] = x[t]! - P;
    else x[t] = y[t]! + P;
  }
  for (let i = start, t = k + start * c; i < n; i++, t += c) {
    const P = Math.floor(mcSum(f, taps, x, c, k, i) / div);
    if (dir === 1) y[t] = x[t]! - P;
    else x[t] = y[t]! + P;
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
    p.done();
    return new MclpcCodec({ order, refs, taps, window, precision });
  },
};
