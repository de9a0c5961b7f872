import { allocArray, reuseArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/**
 * `delta`: per-channel differences along time (axis 0 of [nSamples, nChannels]), order 1 or 2.
 * Integer only. Arithmetic is exact in doubles and wraps modulo 2^bits when stored in the
 * output array, so decode (a wrapped cumulative sum) restores every value, overflow included.
 */
class DeltaCodec implements ArrayToArrayCodec {
  readonly id = 'delta';
  readonly kind = 'array->array';
  readonly lossless = true;
  constructor(readonly order: 1 | 2) {}

  encode(x: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const y = reuseArray(out, spec.dtype, x.length);
    for (let ch = 0; ch < c; ch++) {
      let p1 = 0;
      let p2 = 0;
      for (let i = 0, k = ch; i < n; i++, k += c) {
        const v = x[k]!;
        y[k] = this.order === 1 ? v - p1 : v - 2 * p1 + p2;
        p2 = p1;
        p1 = v;
      }
    }
    return y;
  }

  decode(d: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const x = out ?? allocArray(spec.dtype, d.length);
    for (let ch = 0; ch < c; ch++) {
      let p1 = 0;
      let p2 = 0;
      for (let i = 0, k = ch; i < n; i++, k += c) {
        x[k] = this.order === 1 ? d[k]! + p1 : d[k]! + 2 * p1 - p2;
        p2 = p1;
        p1 = x[k]!; // read back: the store wrapped it
      }
    }
    return x;
  }

  toConfig() {
    return { id: this.id, order: this.order };
  }
}

function checkDType(spec: ChunkSpec): void {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`delta: needs an integer dtype, got ${spec.dtype}`);
}

/** [nSamples, nChannels] of a 1-D or 2-D spec. */
export function dims(spec: ChunkSpec): [number, number] {
  const [n = 0, c = 1] = spec.shape;
  return [n, c];
}

export const factory: CodecFactory = {
  id: 'delta',
  kind: 'array->array',
  description: 'per-channel time differences, order 1 or 2 (integer, wrap-safe)',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 1, 1, 2) as 1 | 2;
    p.done();
    return new DeltaCodec(order);
  },
};
