import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';

/**
 * `chdiff`: inter-channel prediction (docs/spec/codecs/chdiff.md). Each sample of channel ch >= 1
 * minus the same-time sample of channel ch-1 (`mode=prev`), or minus channel 0 (`mode=ref`);
 * channel 0 passes through. Removes common-mode signals (line noise, reference drift) shared by
 * neighbouring electrodes before the per-channel time predictor. Wraps modulo 2^bits like delta.
 */
class ChdiffCodec implements ArrayToArrayCodec {
  readonly id = 'chdiff';
  readonly kind = 'array->array';
  readonly lossless = true;
  constructor(readonly mode: 'prev' | 'ref') {}

  encode(x: TypedArray, spec: ChunkSpec): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const y = allocArray(spec.dtype, x.length);
    const ref = this.mode === 'ref';
    for (let i = 0, b = 0; i < n; i++, b += c) {
      y[b] = x[b]!;
      for (let ch = 1; ch < c; ch++) y[b + ch] = x[b + ch]! - x[ref ? b : b + ch - 1]!;
    }
    return y;
  }

  decode(y: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const x = out ?? allocArray(spec.dtype, y.length);
    const ref = this.mode === 'ref';
    for (let i = 0, b = 0; i < n; i++, b += c) {
      x[b] = y[b]!;
      for (let ch = 1; ch < c; ch++) x[b + ch] = y[b + ch]! + x[ref ? b : b + ch - 1]!; // the store wraps
    }
    return x;
  }

  toConfig() {
    return { id: this.id, mode: this.mode };
  }
}

function checkDType(spec: ChunkSpec): void {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`chdiff: needs an integer dtype, got ${spec.dtype}`);
}

export const factory: CodecFactory = {
  id: 'chdiff',
  kind: 'array->array',
  description: 'inter-channel difference (previous channel or channel 0), integer, wrap-safe',
  fromConfig(config) {
    const p = new Params(config);
    const mode = p.oneOf('mode', 'prev', ['prev', 'ref'] as const);
    p.done();
    return new ChdiffCodec(mode);
  },
};
