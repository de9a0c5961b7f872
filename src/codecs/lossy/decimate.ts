/*
 * `decimate:factor=N` (lossy, IBL-style): anti-aliased integer decimation along time, per channel.
 *  - Encode: FIR low-pass (Hamming-windowed sinc, cutoff 0.45/N of the sampling rate, 16N+1 taps)
 *    evaluated at every N-th sample: y[j] = sum_k h[k] x[jN + k - 8N] / sum of the taps that fall
 *    inside the chunk (edges renormalized, so DC passes exactly). ceil(n/N) samples per channel,
 *    same dtype (integers rounded and clamped).
 *  - Decode: the original length is restored by interpolation with the same filter:
 *    x̂[i] = sum_j y[j] h[i - jN + 8N] / sum of those taps (polyphase, renormalized per sample).
 * No side bytes; the length comes from the chunk spec. Not error-bounded: content above 0.45 fs/N
 * is removed. Spec: docs/lossy.md "IBL filters".
 */
import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { dtypeRange } from './sz.js';

/** Hamming-windowed sinc low-pass, cutoff fc (fraction of the sampling rate), 2*half+1 taps. */
export function lowpassTaps(fc: number, half: number): Float64Array {
  const h = new Float64Array(2 * half + 1);
  for (let k = -half; k <= half; k++) {
    const s = k === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * k) / (Math.PI * k);
    h[k + half] = s * (0.54 + 0.46 * Math.cos((Math.PI * k) / half));
  }
  return h;
}

class DecimateCodec implements ArrayToArrayCodec {
  readonly id = 'decimate';
  readonly kind = 'array->array';
  readonly lossless = false;
  private readonly h: Float64Array;
  private readonly half: number;
  constructor(readonly factor: number) {
    this.half = 8 * factor;
    this.h = lowpassTaps(0.45 / factor, this.half);
  }
  toConfig() {
    return { id: this.id, factor: this.factor };
  }
  encodedSpec(spec: ChunkSpec): ChunkSpec {
    const [n, c] = dims(spec);
    const m = Math.ceil(n / this.factor);
    return { dtype: spec.dtype, shape: spec.shape.length > 1 ? [m, c] : [m] };
  }
  private fit(spec: ChunkSpec): (v: number) => number {
    const r = dtypeRange(spec.dtype);
    if (r && isIntegerDType(spec.dtype)) return (v) => Math.max(r[0], Math.min(r[1], Math.round(v)));
    return (v) => v;
  }
  encode(x: TypedArray, spec: ChunkSpec): TypedArray {
    const [n, c] = dims(spec);
    const N = this.factor;
    const m = Math.ceil(n / N);
    const out = allocArray(spec.dtype, m * c);
    const { h, half } = this;
    const fit = this.fit(spec);
    for (let ch = 0; ch < c; ch++) {
      for (let j = 0; j < m; j++) {
        const centre = j * N;
        const a = Math.max(0, centre - half);
        const b = Math.min(n - 1, centre + half);
        let s = 0;
        let w = 0;
        for (let i = a; i <= b; i++) {
          const t = h[i - centre + half]!;
          s += t * x[i * c + ch]!;
          w += t;
        }
        out[j * c + ch] = fit(w !== 0 ? s / w : x[centre * c + ch]!);
      }
    }
    return out;
  }
  decode(y: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [n, c] = dims(spec);
    const N = this.factor;
    const m = Math.ceil(n / N);
    if (y.length !== m * c) throw new InvalidConfigError(`decimate: ${y.length} values for ${m}x${c}`);
    const x = out && out.length === n * c ? out : allocArray(spec.dtype, n * c);
    const { h, half } = this;
    const fit = this.fit(spec);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < n; i++) {
        const j0 = Math.max(0, Math.ceil((i - half) / N));
        const j1 = Math.min(m - 1, Math.floor((i + half) / N));
        let s = 0;
        let w = 0;
        for (let j = j0; j <= j1; j++) {
          const t = h[i - j * N + half]!;
          s += t * y[j * c + ch]!;
          w += t;
        }
        x[i * c + ch] = fit(w !== 0 ? s / w : y[Math.min(m - 1, Math.round(i / N)) * c + ch]!);
      }
    }
    return x;
  }
}

export const factory: CodecFactory = {
  id: 'decimate',
  kind: 'array->array',
  description: 'anti-aliased integer decimation (FIR low-pass, every N-th sample); decode interpolates back to the full length (lossy)',
  fromConfig(config) {
    const p = new Params(config);
    const factor = p.int('factor', 2, 2, 64);
    p.done();
    return new DecimateCodec(factor);
  },
};
