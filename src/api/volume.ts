import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { itemsize, type DType, type TypedArray } from '../core/dtype.js';
import { AtomicFile } from '../core/atomic-file.js';
import { UsageError } from '../core/errors.js';
import { ioError } from '../core/io-error.js';
import { newSha256 } from '../core/checksum.js';
import { elementCount } from '../core/types.js';
import { ContainerWriter } from '../container/writer.js';
import { npyHeader, parseNpyHeader } from '../formats/npy.js';
import { decodeSamples } from '../formats/source.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { Sz3dMode } from '../codecs/filter/sz3d.js';
import type { CodecConfig } from '../codecs/codec.js';
import { codecFromConfig } from '../codecs/registry.js';
import { parsePipelineString } from '../pipeline/spec-string.js';
import { VERSION } from '../version.js';

/**
 * N-d float arrays (a VDF volume [vz, vy, vx]) in a `.nzp`: the whole array is one chunk encoded
 * by `sz3d` with the array's shape as its ChunkSpec; the header records `shape`, and the chunk is
 * framed as [prod(shape[:-1]), shape[-1]] so time-series readers see a consistent 2-D layout
 * (`sz3d` streams carry their own dimensions). `decompress` restores the `.npy` (header kept).
 */
export interface VolumeOptions {
  /** sz3d's bound (required unless `codec` is given). */
  mode?: Sz3dMode;
  bound?: number;
  force?: boolean;
  /**
   * Another volume codec instead of sz3d (dct3d, dwt3d, pca, gmm, hermite, cnn3d, ...:
   * docs/spec/codecs/), as a config or a spec string (see volumeCodecConfig); mode and bound are
   * then ignored and no bound is claimed (errorBound and boundHeld are null) unless it is sz3d.
   */
  codec?: CodecConfig | string;
}

/**
 * One volume codec from its spec string, e.g. 'sz3d:mode=rel,bound=1e-4' or
 * 'dct3d:keep=512,step=2e-4max': a number ending in `max` is that multiple of `maxValue` (the
 * volume's largest value), so one spec fits cells of any scale.
 */
export async function volumeCodecConfig(spec: string, maxValue: number): Promise<CodecConfig> {
  const configs = parsePipelineString(spec.replace(/([0-9.eE+-]+)max\b/g, (_, k: string) => String(Number(k) * maxValue)));
  if (configs.length !== 1) throw new UsageError('--codec: give one volume codec');
  const codec = await codecFromConfig(configs[0]!);
  if (codec.kind !== 'array->bytes') throw new UsageError(`--codec: ${codec.id} is not a volume codec (array->bytes)`);
  return codec.toConfig();
}

/** The largest value of a volume (NaN ignored). */
export function maxValue(x: TypedArray): number {
  let mx = 0;
  for (let i = 0; i < x.length; i++) if (x[i]! > mx) mx = x[i]!;
  return mx;
}

export interface VolumeResult {
  input: string;
  output: string;
  shape: number[];
  dtype: DType;
  rawBytes: number;
  compressedBytes: number;
  /** The payload alone (the container adds its header and index). */
  payloadBytes: number;
  ratio: number;
  maxAbsError: number;
  /** The absolute bound the codec used (abs: the bound; rel: bound x range; psnr: derived); null for codecs without one. */
  errorBound: number | null;
  boundHeld: boolean | null;
}

export function readNpyArray(path: string): { data: TypedArray; dtype: DType; shape: number[]; prefix: Uint8Array; suffix: Uint8Array; bigEndian: boolean; fileBytes: Uint8Array } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw ioError(path, 'read', e);
  }
  const h = parseNpyHeader(path, bytes.subarray(0, Math.min(bytes.byteLength, 65536)));
  const n = elementCount(h.shape);
  const end = h.dataOffset + n * itemsize(h.dtype);
  if (end > bytes.byteLength) throw new UsageError(`${path}: truncated .npy (${bytes.byteLength} bytes, header promises ${end})`);
  const data = decodeSamples(bytes.subarray(h.dataOffset, end), h.dtype, { bytesPerSample: itemsize(h.dtype), bigEndian: h.bigEndian });
  return { data, dtype: h.dtype, shape: h.shape, prefix: bytes.subarray(0, h.dataOffset), suffix: bytes.subarray(end), bigEndian: h.bigEndian, fileBytes: bytes };
}

/** `.npy` float volume -> `.nzp` with the error-bounded `sz3d` codec; the bound is checked after. */
export async function compressVolume(input: string, output: string, o: VolumeOptions): Promise<VolumeResult> {
  const a = readNpyArray(input);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new UsageError(`${input}: ${a.dtype} array; the volume codec takes float32 or float64`);
  const n = elementCount(a.shape);
  if (n === 0) throw new UsageError(`${input}: empty array (shape ${JSON.stringify(a.shape)})`);
  const shape = a.shape.length === 0 ? [1] : a.shape;
  const nChannels = shape[shape.length - 1]!;
  const rows = n / nChannels;
  let codec = typeof o.codec === 'string' ? await volumeCodecConfig(o.codec, maxValue(a.data)) : o.codec;
  if (!codec) {
    if (o.mode === undefined || o.bound === undefined) throw new UsageError('compressVolume: give a bound (mode and bound) or a codec');
    codec = { id: 'sz3d', mode: o.mode, bound: o.bound };
  }
  const bounded = codec.id === 'sz3d';
  const pipeline = await Pipeline.fromConfig([codec]);
  const spec = { dtype: a.dtype, shape };
  const payload = pipeline.encode(a.data, spec);
  const back = pipeline.decode(payload, spec);
  let maxErr = 0;
  for (let i = 0; i < n; i++) {
    const x = a.data[i]!;
    const y = back[i]!;
    const e = Object.is(x, y) ? 0 : Math.abs(y - x);
    if (!(e <= maxErr)) maxErr = Number.isNaN(e) ? Infinity : e;
  }
  const eb = bounded ? streamBound(payload) : null;
  const held = eb === null ? null : maxErr <= eb;
  if (held === false) throw new Error(`sz3d broke its bound on ${input}: max error ${maxErr} > ${eb}`);
  const file = new AtomicFile(output, o.force);
  try {
    const w = new ContainerWriter(file, {
      dtype: a.dtype,
      nChannels,
      sampleRateHz: null,
      chunkSamples: rows,
      pipeline: pipeline.toConfig(),
      lossless: false,
      source: { format: 'npy', fileName: basename(input), encoding: { bytesPerSample: itemsize(a.dtype), bigEndian: a.bigEndian }, prefix: a.prefix, sidecars: [], meta: { shape } },
      writer: `neurozip ${VERSION}`,
      shape,
    }, pipeline);
    w.writeEncodedChunk(payload, rows);
    w.close({ suffix: a.suffix, rawSha256: newSha256().update(a.fileBytes).digest('hex'), rawBytes: a.fileBytes.byteLength });
    file.close();
    file.commit();
    return {
      input,
      output,
      shape,
      dtype: a.dtype,
      rawBytes: n * itemsize(a.dtype),
      compressedBytes: file.bytesWritten,
      payloadBytes: payload.byteLength,
      ratio: (n * itemsize(a.dtype)) / payload.byteLength,
      maxAbsError: maxErr,
      errorBound: eb,
      boundHeld: held,
    };
  } catch (e) {
    file.abort();
    throw e;
  }
}

/** The absolute bound written in an sz3d stream (format byte, predictor byte, 3 varint dims, f64). */
export function streamBound(payload: Uint8Array): number {
  let p = 2;
  for (let k = 0; k < 3; k++) while (payload[p++]! & 0x80);
  return new DataView(payload.buffer, payload.byteOffset + p, 8).getFloat64(0, true);
}

/** A `.npy` file's bytes for a C-order little-endian array. */
export function npyBytes(data: TypedArray, dtype: DType, shape: readonly number[]): Uint8Array {
  const h = npyHeader(dtype, shape);
  const out = new Uint8Array(h.byteLength + data.byteLength);
  out.set(h);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h.byteLength);
  return out;
}
