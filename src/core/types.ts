import type { DType, TypedArray } from './dtype.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What a codec stage receives (on encode) or must produce (on decode). For time series the shape
 * is [nSamples, nChannels], C order (sample-major, channels interleaved), as recorded on disk.
 */
export interface ChunkSpec {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** A multichannel time series held in memory. */
export interface Recording {
  data: TypedArray;
  dtype: DType;
  nSamples: number;
  nChannels: number;
  sampleRateHz?: number;
  layout: 'interleaved';
  meta: Record<string, Json>;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
