import { ioError } from '../core/io-error.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { allocArray, bytesOf, type DType, type TypedArray } from '../core/dtype.js';
import { NeurozipError, UnsupportedFormatError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import type { SampleEncoding, Sidecar } from '../container/format.js';

export type { SampleEncoding, Sidecar };

/** What a format reader found in a file: the samples' layout and the bytes around them. */
export interface SourceInfo {
  format: string;
  dtype: DType;
  nChannels: number;
  nSamples: number;
  sampleRateHz?: number;
  encoding: SampleEncoding;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes before the samples (file header), kept to restore the file. */
  prefix: Uint8Array;
  /** Bytes after the samples (trailing chunks), kept to restore the file. */
  suffix: Uint8Array;
  sidecars: Sidecar[];
  /** Folder sources: the main file's path relative to the folder (the folder is restored). */
  mainPath?: string;
  fileBytes: number;
  meta: Record<string, Json>;
}

/** An open input file: its layout plus sample access by frame (one sample of every channel). */
export class Source {
  private fd: number | undefined;
  constructor(readonly path: string, readonly info: SourceInfo, open = true) {
    this.fd = open ? openOrThrow(path) : undefined;
  }

  get frameBytes(): number {
    return this.info.encoding.bytesPerSample * this.info.nChannels;
  }

  /** The file's bytes for frames [start, start + count) exactly as stored. */
  readRawFrames(start: number, count: number): Uint8Array {
    if (this.fd === undefined) throw new Error('Source is closed');
    return readAt(this.fd, this.path, this.info.dataOffset + start * this.frameBytes, count * this.frameBytes);
  }

  /** As readRawFrames; sources backed by asynchronous readers (Zarr) override it. */
  async readRawFramesAsync(start: number, count: number): Promise<Uint8Array> {
    return this.readRawFrames(start, count);
  }

  /** Frames [start, start + count) as an interleaved typed array. */
  readFrames(start: number, count: number): TypedArray {
    return decodeSamples(this.readRawFrames(start, count), this.info.dtype, this.info.encoding);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function openOrThrow(path: string): number {
  try {
    const fd = openSync(path, 'r');
    if (fstatSync(fd).isDirectory()) {
      closeSync(fd);
      throw new UnsupportedFormatError(`${path}: is a directory`);
    }
    return fd;
  } catch (e) {
    if (e instanceof NeurozipError) throw e;
    throw ioError(path, 'open', e);
  }
}

export function readAt(fd: number, path: string, pos: number, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, pos + got);
    if (r === 0) throw new NeurozipError('Io', `${path}: file shrank while reading (wanted ${n} bytes at ${pos})`);
    got += r;
  }
  return buf;
}

/** Bytes as stored in a file -> typed array (handles 24-bit and big-endian layouts). */
export function decodeSamples(bytes: Uint8Array, dtype: DType, enc: SampleEncoding): TypedArray {
  const n = Math.floor(bytes.byteLength / enc.bytesPerSample);
  const out = allocArray(dtype, n);
  if (!enc.bigEndian && enc.bytesPerSample === out.BYTES_PER_ELEMENT) {
    bytesOf(out).set(bytes.subarray(0, n * enc.bytesPerSample));
    return out;
  }
  const b = enc.bytesPerSample;
  if (enc.bigEndian && b === out.BYTES_PER_ELEMENT) {
    const o = bytesOf(out);
    for (let i = 0; i < n * b; i += b) for (let k = 0; k < b; k++) o[i + k] = bytes[i + b - 1 - k]!;
    return out;
  }
  if (b === 3 && dtype === 'int32') {
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      const v = enc.bigEndian ? (bytes[p]! << 16) | (bytes[p + 1]! << 8) | bytes[p + 2]! : bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
      out[i] = (v << 8) >> 8;
    }
    return out;
  }
  throw new UnsupportedFormatError(`cannot read ${b}-byte samples as ${dtype}`);
}

/** Typed array -> bytes as stored in the file (inverse of decodeSamples). */
export function encodeSamples(a: TypedArray, enc: SampleEncoding): Uint8Array {
  const b = enc.bytesPerSample;
  if (!enc.bigEndian && b === a.BYTES_PER_ELEMENT) return bytesOf(a);
  const out = new Uint8Array(a.length * b);
  if (b === a.BYTES_PER_ELEMENT) {
    const src = bytesOf(a);
    for (let i = 0; i < out.length; i += b) for (let k = 0; k < b; k++) out[i + k] = src[i + b - 1 - k]!;
    return out;
  }
  if (b === 3) {
    for (let i = 0, p = 0; i < a.length; i++, p += 3) {
      const v = a[i]!;
      const lo = enc.bigEndian ? p + 2 : p;
      const hi = enc.bigEndian ? p : p + 2;
      out[lo] = v & 0xff;
      out[p + 1] = (v >> 8) & 0xff;
      out[hi] = (v >> 16) & 0xff;
    }
    return out;
  }
  throw new UnsupportedFormatError(`cannot write ${a.BYTES_PER_ELEMENT}-byte values as ${b}-byte samples`);
}
