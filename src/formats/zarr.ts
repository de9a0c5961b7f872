import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import type { ArrayReader } from '../api/interop.js';
import { DTYPES, type DType, type TypedArray } from '../core/dtype.js';
import { NeurozipError, OutputExistsError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { defaultChunkSamples, standardAttrs } from './hdf5.js';
import type { CodecConfig } from '../codecs/codec.js';
import '../codecs/builtin.js';
import { Pipeline } from '../pipeline/pipeline.js';

/**
 * Zarr v3 through zarrita. Export: an array at the store's root, shape [nSamples, nChannels],
 * dimension names ["time", "channel"], chunks along time only, codecs `bytes` (little-endian) +
 * `zstd` (level 3), fill value 0, the metadata as attributes (as for HDF5). Import: a 1-D or 2-D
 * array of our dtypes (at the root, or at `path` inside the store), v3 (or v2, which zarrita reads).
 */
/**
 * neurozip's pipelines as a Zarr v3 `array_to_bytes` codec, id `neurozip`, configuration
 * `{"pipeline": [<codec configs as in a .nzp header>]}`: a chunk `[n, C]` (a 1-D chunk `[n]` is
 * `[n, 1]`) is encoded exactly as a `.nzp` chunk payload. Readable by zarrita with this codec
 * registered (neurozip registers it on import); other Zarr implementations do not know it.
 */
export const NEUROZIP_ZARR_CODEC = 'neurozip';

class NeurozipZarrCodec {
  readonly kind = 'array_to_bytes';
  private p: Promise<Pipeline> | undefined;
  private readonly spec: { dtype: DType; shape: number[] };
  constructor(private readonly cfg: { pipeline: CodecConfig[] }, private readonly meta: { dataType: string; shape: number[] }) {
    if (!(DTYPES as string[]).includes(meta.dataType)) throw new UnsupportedFormatError(`Zarr codec neurozip: data type '${meta.dataType}' is not supported`);
    if (!Array.isArray(cfg?.pipeline)) throw new UnsupportedFormatError('Zarr codec neurozip: configuration has no pipeline');
    this.spec = { dtype: meta.dataType as DType, shape: meta.shape.length === 1 ? [meta.shape[0]!, 1] : [...meta.shape] };
  }
  static fromConfig(cfg: { pipeline: CodecConfig[] }, meta: { dataType: string; shape: number[] }): NeurozipZarrCodec {
    return new NeurozipZarrCodec(cfg, meta);
  }
  private pipe(): Promise<Pipeline> {
    return (this.p ??= Pipeline.fromConfig(this.cfg.pipeline));
  }
  async encode(arr: { data: TypedArray }): Promise<Uint8Array> {
    return (await this.pipe()).encode(arr.data, this.spec);
  }
  async decode(bytes: Uint8Array): Promise<{ data: TypedArray; shape: number[]; stride: number[] }> {
    const data = (await this.pipe()).decode(bytes, this.spec);
    const c = this.spec.shape[1]!;
    return { data, shape: this.meta.shape.slice(), stride: this.meta.shape.length === 1 ? [1] : [c, 1] };
  }
}
zarr.registry.set(NEUROZIP_ZARR_CODEC, (() => NeurozipZarrCodec) as never);

export function isZarrStore(path: string): boolean {
  try {
    return statSync(path).isDirectory() && (existsSync(join(path, 'zarr.json')) || existsSync(join(path, '.zarray')) || existsSync(join(path, '.zgroup')));
  } catch {
    return false;
  }
}

export interface ZarrExportOptions {
  force?: boolean;
  chunkSamples?: number;
  attrs?: Record<string, Json>;
  /** zstd level (default 3). */
  level?: number;
  /** Use the `neurozip` codec with this pipeline instead of `bytes` + `zstd`. */
  pipeline?: CodecConfig[];
  check?: () => void;
}

type AnyArray = zarr.Array<zarr.DataType, FileSystemStore>;

/** Writes every sample of `r` as a Zarr v3 array; the store is built in a temporary folder, then renamed. */
export async function writeZarr(r: ArrayReader, output: string, o: ZarrExportOptions = {}): Promise<{ bytes: number }> {
  if (!o.force && existsSync(output)) throw new OutputExistsError(output);
  const tmp = join(dirname(output), `.${basename(output)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const C = r.nChannels;
    const chunk = o.chunkSamples ?? defaultChunkSamples(r);
    const arr = await zarr.create(zarr.root(new FileSystemStore(tmp)), {
      shape: [r.nSamples, C],
      chunkShape: [Math.max(1, chunk), C],
      dtype: r.dtype,
      codecs: o.pipeline
        ? [{ name: NEUROZIP_ZARR_CODEC, configuration: { pipeline: o.pipeline } }]
        : [
            { name: 'bytes', configuration: { endian: 'little' } },
            { name: 'zstd', configuration: { level: o.level ?? 3, checksum: false } },
          ],
      fillValue: 0,
      dimensionNames: ['time', 'channel'],
      attributes: { ...standardAttrs(r), ...(o.attrs ?? {}) },
    });
    // write whole Zarr chunks, so no chunk is read back and rewritten
    const carry: TypedArray[] = [];
    let have = 0;
    let at = 0;
    const flush = async (all: boolean) => {
      while (have >= chunk || (all && have > 0)) {
        const n = Math.min(chunk, have);
        const buf = concatFrames(carry, have, r.dtype, C);
        const data = buf.subarray(0, n * C);
        await zarr.set(arr, [zarr.slice(at, at + n), null], { data, shape: [n, C], stride: [C, 1] } as never);
        at += n;
        have -= n;
        carry.length = 0;
        if (have > 0) carry.push(buf.subarray(n * C));
      }
    };
    for (let i = 0; i < r.nChunks; i++) {
      const d = await chunkOf(r, i);
      carry.push(d);
      have += d.length / C;
      await flush(false);
    }
    await flush(true);
    o.check?.();
    if (o.force && existsSync(output)) rmSync(output, { recursive: true, force: true });
    else if (existsSync(output)) throw new OutputExistsError(output);
    renameSync(tmp, output);
    return { bytes: folderBytes(output) };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function concatFrames(parts: TypedArray[], frames: number, dtype: DType, C: number): TypedArray {
  if (parts.length === 1) return parts[0]!;
  const out = new (typedCtor(dtype))(frames * C);
  let o = 0;
  for (const p of parts) {
    out.set(p as never, o);
    o += p.length;
  }
  return out;
}

function folderBytes(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else n += s.size;
    }
  };
  walk(dir);
  return n;
}

export function typedCtor(d: DType): new (n: number) => TypedArray {
  return { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array }[d] as never;
}

/** Chunk i of `r`, awaiting readers that only read asynchronously (Zarr). */
export async function chunkOf(r: ArrayReader, i: number): Promise<TypedArray> {
  return r.decodeChunkAsync ? r.decodeChunkAsync(i) : r.decodeChunk(i);
}

export interface ZarrArray {
  dataset: string;
  dtype: DType;
  nSamples: number;
  nChannels: number;
  sampleRateHz: number | null;
  channelNames?: string[];
  attrs: Record<string, Json>;
  read(start: number, end: number): Promise<TypedArray>;
  close(): void;
}

const RATE_ATTRS = ['sampleRateHz', 'sample_rate', 'sampling_rate', 'sampleRate', 'fs', 'rate'];

function isGroup(path: string): boolean {
  try {
    return existsSync(join(path, '.zgroup')) || JSON.parse(readFileSync(join(path, 'zarr.json'), 'utf8'))?.node_type === 'group';
  } catch {
    return false;
  }
}

export async function openZarrArray(path: string, inner?: string): Promise<ZarrArray> {
  let arr: AnyArray;
  const name = (inner ?? '').replace(/^\/+/, '');
  if (name.split('/').some((p) => p === '..')) throw new UsageError(`--dataset '${inner}' is not a valid path inside the store`);
  try {
    const loc = zarr.root(new FileSystemStore(path));
    arr = (await zarr.open(name ? loc.resolve(name) : loc, { kind: 'array' })) as AnyArray;
  } catch (e) {
    if (e instanceof NeurozipError) throw e;
    const msg = (e as Error).message;
    if (!name && isGroup(path)) throw new UsageError(`${path}: a Zarr group, not an array; name the array inside it with --dataset`);
    throw new UnsupportedFormatError(`${path}${name ? `/${name}` : ''}: not a readable Zarr array (${msg.split('\n')[0]})`);
  }
  const shape = arr.shape;
  if (shape.length < 1 || shape.length > 2) throw new UnsupportedFormatError(`${path}: Zarr array is ${shape.length}-D; time series must be 1-D or 2-D (samples x channels)`);
  const dtype = arr.dtype as string;
  if (!(DTYPES as string[]).includes(dtype)) throw new UnsupportedFormatError(`${path}: Zarr data type '${dtype}' is not a supported sample type`);
  const nSamples = shape[0]!;
  const nChannels = shape.length === 2 ? shape[1]! : 1;
  if (nChannels < 1) throw new UnsupportedFormatError(`${path}: Zarr array with 0 channels`);
  const attrs = (arr.attrs ?? {}) as Record<string, Json>;
  let rate = NaN;
  for (const k of RATE_ATTRS) if (k in attrs) {
    rate = Number(attrs[k]);
    break;
  }
  const namesRaw = attrs.channelNames ?? attrs.channel_names;
  const names = Array.isArray(namesRaw) && namesRaw.length === nChannels ? namesRaw.map(String) : undefined;
  return {
    dataset: name,
    dtype: dtype as DType,
    nSamples,
    nChannels,
    sampleRateHz: rate > 0 ? rate : null,
    ...(names ? { channelNames: names } : {}),
    attrs,
    read: async (start, end) => {
      if (end <= start) return new (typedCtor(dtype as DType))(0);
      let got: { data: unknown; stride: number[] };
      try {
        got = (await zarr.get(arr, shape.length === 2 ? [zarr.slice(start, end), null] : [zarr.slice(start, end)])) as never;
      } catch (e) {
        throw new UnsupportedFormatError(`${path}: cannot read samples ${start}..${end} (${(e as Error).message.split('\n')[0]})`);
      }
      const data = got.data as TypedArray;
      if (shape.length === 2 && got.stride[1] !== 1) {
        // F-order chunks come back column-major: interleave
        const out = new (typedCtor(dtype as DType))(data.length);
        const n = end - start;
        for (let t = 0; t < n; t++) for (let c = 0; c < nChannels; c++) out[t * nChannels + c] = data[t * got.stride[0]! + c * got.stride[1]!]!;
        return out;
      }
      return data;
    },
    close: () => {},
  };
}
