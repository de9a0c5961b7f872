import { InvalidConfigError } from '../../core/errors.js';
import { isIntegerDType, itemsize, type DType, type TypedArray } from '../../core/dtype.js';

/**
 * Shared convention of neurozip's integer entropy coders: every value is read as a signed integer of
 * its dtype's width (two's complement: uint16 65535 is -1), since predictors wrap their residuals
 * modulo 2^bits, then folded to unsigned with the zigzag map  u = s >= 0 ? 2s : -2s-1.  Decoders
 * unfold and store into the output array, whose store wraps back to the dtype.
 */
export function valueBits(dtype: DType, codec: string): number {
  if (!isIntegerDType(dtype)) throw new InvalidConfigError(`${codec}: needs an integer dtype, got ${dtype}`);
  return itemsize(dtype) * 8;
}

/** Zigzag-folded values of `x` (as signed `bits`-bit integers) into `u` (exact up to 2^32-1). */
export function foldAll(x: TypedArray, bits: number, u: Float64Array): void {
  const n = x.length;
  if (bits === 32) {
    for (let i = 0; i < n; i++) {
      const s = x[i]! | 0;
      u[i] = s >= 0 ? 2 * s : -2 * s - 1;
    }
  } else {
    const sh = 32 - bits;
    for (let i = 0; i < n; i++) {
      const s = (x[i]! << sh) >> sh;
      u[i] = s >= 0 ? 2 * s : -2 * s - 1;
    }
  }
}

/** Inverse of the zigzag fold (the output store wraps it into the dtype). */
export function unfold(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}
