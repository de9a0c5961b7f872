import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';

/**
 * `fixed`: FLAC's fixed polynomial predictors, per channel along time (docs/spec/codecs/fixed.md).
 * Order 0 passes values through, 1: x[i-1], 2: 2x[i-1]-x[i-2], 3: 3x[i-1]-3x[i-2]+x[i-3]; the
 * first samples use the highest order their history allows. Residuals wrap modulo 2^bits of the
 * dtype (exact in doubles, wrapped by the typed-array store), so every integer input round-trips.
 */
class FixedCodec implements ArrayToArrayCodec {
  readonly id = 'fixed';
  readonly kind = 'array->array';
  readonly lossless = true;
  constructor(readonly order: number) {}

  encode(x: TypedArray, spec: ChunkSpec): TypedArray {
    checkDType(spec);
    const [n, c] = dims(spec);
    const y = allocArray(spec.dtype, x.length);
    for (let ch = 0; ch < c; ch++) {
      let p1 = 0;
      let p2 = 0;
      let p3 = 0;
      for (let i = 0, k = ch; i < n; i++, k += c) {
        const v = x[k]!;
        y[k] = v - predict(Math.min(i, this.order), p1, p2, p3);
        p3 = p2;
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
      let p3 = 0;
      for (let i = 0, k = ch; i < n; i++, k += c) {
        x[k] = d[k]! + predict(Math.min(i, this.order), p1, p2, p3);
        p3 = p2;
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

/** The fixed polynomial prediction of the given order from the last three values. */
export function predict(order: number, p1: number, p2: number, p3: number): number {
  switch (order) {
    case 0:
      return 0;
    case 1:
      return p1;
    case 2:
      return 2 * p1 - p2;
    default:
      return 3 * p1 - 3 * p2 + p3;
  }
}

function checkDType(spec: ChunkSpec): void {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`fixed: needs an integer dtype, got ${spec.dtype}`);
}

export const factory: CodecFactory = {
  id: 'fixed',
  kind: 'array->array',
  description: 'fixed polynomial predictor (FLAC), order 0-3, integer, wrap-safe',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 2, 0, 3);
    p.done();
    return new FixedCodec(order);
  },
};
