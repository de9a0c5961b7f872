import { closeSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { ArrayReader } from '../api/interop.js';
import { AtomicFile } from '../core/atomic-file.js';
import { bytesOf, itemsize, type DType, type TypedArray } from '../core/dtype.js';
import { NeurozipError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { VERSION } from '../version.js';
import { chunkOf } from './zarr.js';
import { openOrThrow, Source, type SourceInfo } from './source.js';

/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly). Export: one dataset
 * (default `/recording`), shape [nSamples, nChannels], little-endian, chunked along time, gzip
 * (deflate) level 4, with the metadata as attributes (see docs/spec/interop.md). Import: any 1-D or
 * 2-D little-endian numeric dataset (samples x channels), named with `dataset`.
 */
export const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
export const DEFAULT_DATASET = 'recording';

export function isHdf5File(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) return false;
  } catch {
    return false;
  }
  const fd = openOrThrow(path);
  try {
    const head = new Uint8Array(8);
    return readSync(fd, head, 0, 8, 0) === 8 && HDF5_MAGIC.every((b, i) => head[i] === b);
  } finally {
    closeSync(fd);
  }
}

/**
 * The one line of an HDF5 error worth showing: its error stack (HDF5-DIAG, #000 outermost) ends
 * with the root cause, e.g. "bad superblock version number".
 */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const frames = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): ([^\n]+)/g)];
  return (frames.length ? frames[frames.length - 1]![1]! : text.split('\n')[0]!).trim();
}

let ready: Promise<unknown> | undefined;
/** h5wasm, ready; HDF5's errors throw (their text in our one-line message) instead of printing a stack. */
export async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready.then((m) => m.activate_throwing_error_handler());
  await ready;
  return h5wasm;
}

export interface ExportOptions {
  force?: boolean;
  dataset?: string;
  /** Samples per chunk along time (default: about 1 MiB per chunk). */
  chunkSamples?: number;
  /** Attributes written beside the standard ones. */
  attrs?: Record<string, Json>;
  /** Called after every sample is written, before the file is moved into place (throw to abort). */
  check?: () => void;
}

export function standardAttrs(r: ArrayReader): Record<string, Json> {
  const a: Record<string, Json> = { dtype: r.dtype, nChannels: r.nChannels, nSamples: r.nSamples, sourceFormat: r.sourceFormat ?? r.format, dimensions: ['samples', 'channels'], writer: `neurozip ${VERSION}` };
  if (r.sampleRateHz !== null) a.sampleRateHz = r.sampleRateHz;
  const names = r.channelNames;
  if (names && names.length === r.nChannels) a.channelNames = names;
  return a;
}

export function defaultChunkSamples(r: { dtype: DType; nChannels: number; nSamples: number }): number {
  return Math.max(1, Math.min(Math.max(1, r.nSamples), Math.ceil((1 << 20) / (itemsize(r.dtype) * r.nChannels))));
}

function checkName(name: string): string {
  const n = name.replace(/^\/+/, '');
  if (!n || n.split('/').some((p) => !p || p === '.' || p === '..')) throw new UsageError(`--dataset '${name}' is not a valid HDF5 path`);
  return n;
}

/** Writes every sample of `r` as one HDF5 dataset with its metadata as attributes (atomically). */
export async function writeHdf5(r: ArrayReader, output: string, o: ExportOptions = {}): Promise<{ bytes: number }> {
  const h = await h5();
  const name = checkName(o.dataset ?? DEFAULT_DATASET);
  const out = new AtomicFile(output, o.force);
  out.close();
  let f: InstanceType<typeof h5wasm.File> | undefined;
  try {
    f = new h.File(resolve(out.tmpPath), 'w');
    const parts = name.split('/');
    let g: InstanceType<typeof h5wasm.Group> = f;
    for (const p of parts.slice(0, -1)) g = (g.get(p) as InstanceType<typeof h5wasm.Group> | null) ?? g.create_group(p);
    const C = r.nChannels;
    const chunk = o.chunkSamples ?? defaultChunkSamples(r);
    const empty = new (typedCtor(r.dtype))(0);
    const ds = g.create_dataset({ name: parts.at(-1)!, data: empty as never, shape: [0, C], maxshape: [null, C], chunks: [Math.max(1, chunk), C], compression: 'gzip', compression_opts: 4 });
    for (let i = 0; i < r.nChunks; i++) {
      const s = r.chunkStart(i);
      const n = r.chunkLength(i);
      ds.resize([s + n, C]);
      ds.write_slice([[s, s + n], [0, C]], await chunkOf(r, i));
    }
    for (const [k, v] of Object.entries({ ...standardAttrs(r), ...(o.attrs ?? {}) })) {
      if (v === null || (typeof v === 'object' && !Array.isArray(v))) ds.create_attribute(k, JSON.stringify(v));
      else if (Array.isArray(v)) {
        if (v.length === 0) continue;
        if (v.every((x) => typeof x === 'string')) ds.create_attribute(k, v as string[]);
        else if (v.every((x) => typeof x === 'number')) ds.create_attribute(k, Float64Array.from(v as number[]));
        else ds.create_attribute(k, JSON.stringify(v));
      } else if (typeof v === 'boolean') ds.create_attribute(k, v ? 1 : 0);
      else ds.create_attribute(k, v as string | number);
    }
    f.close();
    f = undefined;
    o.check?.();
    const bytes = statSync(out.tmpPath).size;
    out.commit();
    return { bytes };
  } catch (e) {
    try {
      f?.close();
    } catch {
      /* already failing */
    }
    out.abort();
    throw e;
  }
}

const RATE_ATTRS = ['sampleRateHz', 'sample_rate', 'sampling_rate', 'sampleRate', 'fs', 'rate'];
const NAME_ATTRS = ['channelNames', 'channel_names'];

function dtypeOf(path: string, m: { type: number; size: number; signed: boolean; littleEndian: boolean }): DType {
  const bad = (): never => {
    throw new UnsupportedFormatError(`${path}: HDF5 dataset type (class ${m.type}, ${m.size} bytes${m.littleEndian ? '' : ', big-endian'}) is not a supported sample type`);
  };
  if (!m.littleEndian && m.size > 1) bad();
  if (m.type === 0) {
    const t = ({ 1: 'int8', 2: 'int16', 4: 'int32' } as Record<number, DType>)[m.size];
    if (!t) bad();
    return (m.signed ? t : t!.replace('int', 'uint')) as DType;
  }
  if (m.type === 1) return m.size === 4 ? 'float32' : m.size === 8 ? 'float64' : bad();
  return bad();
}

function attrValue(ds: InstanceType<typeof h5wasm.Dataset>, names: string[]): unknown {
  const attrs = ds.attrs as Record<string, { value: unknown }>;
  for (const n of names) if (n in attrs) return attrs[n]!.value;
  return undefined;
}

/** The dataset to read: `name`, else `/recording`, else the file's only 1-D/2-D dataset. */
function findDataset(path: string, f: InstanceType<typeof h5wasm.File>, name?: string): { ds: InstanceType<typeof h5wasm.Dataset>; name: string } {
  const isDs = (x: unknown): x is InstanceType<typeof h5wasm.Dataset> => x instanceof h5wasm.Dataset;
  if (name !== undefined) {
    const n = checkName(name);
    const x = f.get(n);
    if (!isDs(x)) throw new UsageError(`${path}: no dataset '${n}' (datasets: ${listDatasets(f).join(', ') || 'none'})`);
    return { ds: x, name: n };
  }
  const x = f.get(DEFAULT_DATASET);
  if (isDs(x)) return { ds: x, name: DEFAULT_DATASET };
  const all = listDatasets(f).filter((n) => {
    const s = (f.get(n) as InstanceType<typeof h5wasm.Dataset>).shape;
    return s !== null && (s.length === 1 || s.length === 2);
  });
  if (all.length === 1) return { ds: f.get(all[0]!) as InstanceType<typeof h5wasm.Dataset>, name: all[0]! };
  throw new UsageError(`${path}: ${all.length ? `several datasets (${all.join(', ')})` : 'no 1-D or 2-D dataset'}; name one with --dataset`);
}

function listDatasets(g: InstanceType<typeof h5wasm.Group>, prefix = ''): string[] {
  const out: string[] = [];
  for (const k of g.keys()) {
    const x = g.get(k);
    if (x instanceof h5wasm.Dataset) out.push(prefix + k);
    else if (x instanceof h5wasm.Group) out.push(...listDatasets(x, `${prefix}${k}/`));
  }
  return out;
}

export interface Hdf5Array {
  dataset: string;
  dtype: DType;
  nSamples: number;
  nChannels: number;
  sampleRateHz: number | null;
  channelNames?: string[];
  attrs: Record<string, Json>;
  read(start: number, end: number): TypedArray;
  close(): void;
}

export async function openHdf5Array(path: string, dataset?: string): Promise<Hdf5Array> {
  const h = await h5();
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h.File(resolve(path), 'r');
  } catch (e) {
    throw new UnsupportedFormatError(`${path}: not a readable HDF5 file (${hdf5Reason(e)})`);
  }
  try {
    const { ds, name } = findDataset(path, f, dataset);
    const shape = ds.shape ?? [];
    if (shape.length < 1 || shape.length > 2) throw new UnsupportedFormatError(`${path}: dataset '${name}' is ${shape.length}-D; time series must be 1-D or 2-D (samples x channels)`);
    const dtype = dtypeOf(path, ds.metadata as never);
    const nSamples = Number(shape[0]);
    const nChannels = shape.length === 2 ? Number(shape[1]) : 1;
    if (nChannels < 1) throw new UnsupportedFormatError(`${path}: dataset '${name}' has 0 channels`);
    const rate = Number(attrValue(ds, RATE_ATTRS));
    const namesRaw = attrValue(ds, NAME_ATTRS);
    const names = Array.isArray(namesRaw) && namesRaw.length === nChannels ? namesRaw.map(String) : undefined;
    const attrs: Record<string, Json> = {};
    for (const [k, a] of Object.entries(ds.attrs as Record<string, { json_value: unknown }>)) {
      try {
        attrs[k] = a.json_value as Json;
      } catch {
        /* attributes of types JSON cannot hold are left out */
      }
    }
    return {
      dataset: name,
      dtype,
      nSamples,
      nChannels,
      sampleRateHz: rate > 0 ? rate : null,
      ...(names ? { channelNames: names } : {}),
      attrs,
      read: (start, end) => {
        if (end <= start) return new (typedCtor(dtype))(0);
        const v = ds.slice(shape.length === 2 ? [[start, end], []] : [[start, end]]) as TypedArray;
        return v;
      },
      close: () => f.close(),
    };
  } catch (e) {
    try {
      f.close();
    } catch {
      /* already failing */
    }
    if (e instanceof NeurozipError) throw e;
    throw new UnsupportedFormatError(`${path}: not a readable HDF5 file (${hdf5Reason(e)})`);
  }
}

function typedCtor(d: DType): new (n: number) => TypedArray {
  return { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array }[d] as never;
}

/** An HDF5 dataset as a compressible source: its samples, little-endian; the file is not kept. */
export class ArraySource extends Source {
  constructor(path: string, info: SourceInfo, private readonly arr: { read(start: number, end: number): TypedArray | Promise<TypedArray>; close(): void }) {
    super(path, info, false);
  }
  override readRawFrames(start: number, count: number): Uint8Array {
    const v = this.arr.read(start, start + count);
    if (v instanceof Promise) throw new Error('ArraySource: asynchronous array; use readRawFramesAsync');
    return bytesOf(v);
  }
  override async readRawFramesAsync(start: number, count: number): Promise<Uint8Array> {
    return bytesOf(await this.arr.read(start, start + count));
  }
  override close(): void {
    this.arr.close();
    super.close();
  }
}

export function arraySourceInfo(format: string, a: { dtype: DType; nSamples: number; nChannels: number; sampleRateHz: number | null; channelNames?: string[] }, meta: Record<string, Json>): SourceInfo {
  return {
    format,
    dtype: a.dtype,
    nChannels: a.nChannels,
    nSamples: a.nSamples,
    ...(a.sampleRateHz !== null ? { sampleRateHz: a.sampleRateHz } : {}),
    encoding: { bytesPerSample: itemsize(a.dtype), bigEndian: false },
    dataOffset: 0,
    prefix: new Uint8Array(0),
    suffix: new Uint8Array(0),
    sidecars: [],
    fileBytes: a.nSamples * a.nChannels * itemsize(a.dtype),
    meta: { ...meta, ...(a.channelNames ? { channelNames: a.channelNames } : {}) },
  };
}

export async function openHdf5Source(path: string, dataset?: string): Promise<ArraySource> {
  const a = await openHdf5Array(path, dataset);
  return new ArraySource(path, arraySourceInfo('hdf5', a, { dataset: a.dataset, attrs: a.attrs }), a);
}
