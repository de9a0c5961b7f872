import { closeSync, fstatSync } from 'node:fs';
import { itemsize, type DType } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { openOrThrow, readAt, type SourceInfo } from './source.js';

export interface RawOptions {
  dtype: DType;
  nChannels: number;
  sampleRateHz?: number;
  /** Header bytes before the samples, kept verbatim. */
  offset?: number;
}

/** Headerless interleaved little-endian samples (Open Ephys continuous.dat, locust .raw, ...). */
export function probeRaw(path: string, o: RawOptions, format = 'raw'): SourceInfo {
  if (!Number.isInteger(o.nChannels) || o.nChannels < 1) throw new UsageError(`${path}: --channels must be a positive integer`);
  const offset = o.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new UsageError(`${path}: --offset must be a non-negative integer`);
  const fd = openOrThrow(path);
  try {
    const size = fstatSync(fd).size;
    if (offset > size) throw new UsageError(`${path}: --offset ${offset} is past the end of the ${size}-byte file`);
    const frame = itemsize(o.dtype) * o.nChannels;
    const dataBytes = size - offset;
    if (dataBytes % frame !== 0) {
      throw new UsageError(`${path}: ${dataBytes} data bytes is not a whole number of frames of ${o.nChannels} ${o.dtype} channels (${frame} bytes); check --channels, --dtype and --offset`);
    }
    return {
      format,
      dtype: o.dtype,
      nChannels: o.nChannels,
      nSamples: dataBytes / frame,
      ...(o.sampleRateHz ? { sampleRateHz: o.sampleRateHz } : {}),
      encoding: { bytesPerSample: itemsize(o.dtype), bigEndian: false },
      dataOffset: offset,
      prefix: readAt(fd, path, 0, offset),
      suffix: new Uint8Array(0),
      sidecars: [],
      fileBytes: size,
      meta: {},
    };
  } finally {
    closeSync(fd);
  }
}
