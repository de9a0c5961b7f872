import { closeSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AtomicFile } from '../core/atomic-file.js';
import { newSha256 } from '../core/checksum.js';
import { bytesOf, itemsize, type DType, type TypedArray } from '../core/dtype.js';
import { MismatchError, UsageError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { MAGIC } from '../container/format.js';
import { NzpReader } from '../container/reader.js';
import { openSource, type OpenOptions } from '../formats/index.js';
import { decodeAllMtscomp, looksLikeMtscomp, MtscompReader, MtscompWriter, parseCh } from '../formats/mtscomp.js';
import { npyHeader } from '../formats/npy.js';
import { openOrThrow } from '../formats/source.js';
import { isHdf5File, openHdf5Array } from '../formats/hdf5.js';
import { chunkOf, isZarrStore, openZarrArray } from '../formats/zarr.js';
export { chunkOf };

function namesOf(meta: Record<string, Json>, n: number): { channelNames?: string[] } {
  const c = meta.channelNames;
  return Array.isArray(c) && c.length === n ? { channelNames: c.map(String) } : {};
}

/** An ArrayReader over a random-access `read(start, end)` (HDF5, Zarr), in chunks of about 1 MiB. */
export function chunkedReader(
  path: string,
  format: string,
  a: { dtype: DType; nSamples: number; nChannels: number; sampleRateHz: number | null; channelNames?: string[] },
  meta: Record<string, Json>,
  read: (start: number, end: number) => TypedArray,
  close: () => void,
): ArrayReader {
  const step = Math.max(1, Math.ceil((1 << 20) / (itemsize(a.dtype) * a.nChannels)));
  return {
    path,
    format,
    dtype: a.dtype,
    nChannels: a.nChannels,
    nSamples: a.nSamples,
    sampleRateHz: a.sampleRateHz,
    sourceFormat: format,
    ...(a.channelNames ? { channelNames: a.channelNames } : {}),
    meta,
    nChunks: Math.ceil(a.nSamples / step),
    chunkStart: (i) => i * step,
    chunkLength: (i) => Math.min(step, a.nSamples - i * step),
    decodeChunk: (i) => read(i * step, Math.min(a.nSamples, (i + 1) * step)),
    read: (req = {}) => {
      const start = req.start ?? 0;
      const end = req.end ?? a.nSamples;
      const all = read(start, end);
      if (!req.channels) return all;
      const k = req.channels.length;
      const out = new (all.constructor as new (n: number) => TypedArray)((end - start) * k);
      for (let t = 0; t < end - start; t++) for (let j = 0; j < k; j++) out[t * k + j] = all[t * a.nChannels + req.channels[j]!]!;
      return out;
    },
    close,
  };
}

/**
 * One view over every readable array source (a `.nzp`, an mtscomp `.cbin`, or any recording
 * openSource reads): chunks in order for streaming, `read()` for random access.
 */
export interface ArrayReader {
  readonly path: string;
  readonly format: string;
  readonly dtype: DType;
  readonly nChannels: number;
  readonly nSamples: number;
  readonly sampleRateHz: number | null;
  /** The recording's original format (for a `.nzp`, the format it was made from). */
  readonly sourceFormat?: string;
  readonly channelNames?: string[];
  /** Format metadata (a `.nzp`'s `source.meta`, an HDF5 dataset's attributes). */
  readonly meta?: Record<string, Json>;
  readonly nChunks: number;
  chunkStart(i: number): number;
  chunkLength(i: number): number;
  /** Chunk i, `[chunkLength(i), nChannels]` interleaved. */
  decodeChunk(i: number): TypedArray;
  /** Present on readers that only read asynchronously (Zarr), whose decodeChunk/read throw; see chunkOf. */
  decodeChunkAsync?(i: number): Promise<TypedArray>;
  read(req?: { start?: number; end?: number; channels?: readonly number[] }): TypedArray;
  /** The original mtscomp `.ch` (an mtscomp input, or a `.nzp` made from one). */
  readonly mtscompCh?: Uint8Array;
  close(): void;
}

function isNzp(path: string): boolean {
  if (isDir(path)) return false;
  const fd = openOrThrow(path);
  try {
    const head = new Uint8Array(8);
    const n = readSync(fd, head, 0, 8, 0);
    return n === 8 && MAGIC.every((b, i) => head[i] === b);
  } finally {
    closeSync(fd);
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function openArrayReader(path: string, opts: OpenOptions = {}): Promise<ArrayReader> {
  if (!opts.raw && looksLikeMtscomp(path)) {
    const r = MtscompReader.open(path);
    return Object.assign(r, { format: 'mtscomp', mtscompCh: r.chBytes }) as unknown as ArrayReader;
  }
  if (!opts.raw && isNzp(path)) {
    const r = await NzpReader.open(path);
    const ch = r.header.source.format === 'mtscomp' ? r.header.source.sidecars.find((s) => s.role === 'ch')?.data : undefined;
    return {
      path,
      format: 'nzp',
      dtype: r.header.dtype,
      nChannels: r.nChannels,
      nSamples: r.nSamples,
      sampleRateHz: r.header.sampleRateHz,
      sourceFormat: r.header.source.format,
      ...namesOf(r.header.source.meta, r.nChannels),
      meta: r.header.source.meta,
      nChunks: r.nChunks,
      chunkStart: (i) => r.chunkStart(i),
      chunkLength: (i) => r.chunkLength(i),
      decodeChunk: (i) => r.decodeChunk(i),
      read: (req) => r.read(req),
      ...(ch ? { mtscompCh: ch } : {}),
      close: () => r.close(),
    };
  }
  if (!opts.raw && isZarrStore(path)) {
    const z = await openZarrArray(path, opts.dataset);
    const rd = chunkedReader(path, 'zarr', z, { dataset: z.dataset, attrs: z.attrs }, () => {
      throw new UsageError(`${path}: a Zarr array is read asynchronously (use decodeChunkAsync)`);
    }, () => z.close());
    return { ...rd, decodeChunkAsync: (i) => z.read(rd.chunkStart(i), rd.chunkStart(i) + rd.chunkLength(i)) };
  }
  if (!opts.raw && isHdf5File(path)) {
    const a = await openHdf5Array(path, opts.dataset);
    return chunkedReader(path, 'hdf5', a, { dataset: a.dataset, attrs: a.attrs }, (s, e) => a.read(s, e) as TypedArray, () => a.close());
  }
  if (opts.dataset !== undefined) throw new UsageError(`${path}: --dataset is for HDF5 and Zarr inputs`);
  const s = openSource(path, opts);
  const info = s.info;
  const step = Math.max(1, Math.ceil((1 << 20) / Math.max(1, s.frameBytes)));
  const nChunks = Math.ceil(info.nSamples / step);
  return {
    path,
    format: info.format,
    dtype: info.dtype,
    nChannels: info.nChannels,
    nSamples: info.nSamples,
    sampleRateHz: info.sampleRateHz ?? null,
    sourceFormat: info.format,
    ...namesOf(info.meta, info.nChannels),
    meta: info.meta,
    nChunks,
    chunkStart: (i) => i * step,
    chunkLength: (i) => Math.min(step, info.nSamples - i * step),
    decodeChunk: (i) => s.readFrames(i * step, Math.min(step, info.nSamples - i * step)),
    read: (req = {}) => {
      const start = req.start ?? 0;
      const end = req.end ?? info.nSamples;
      const all = s.readFrames(start, end - start);
      if (!req.channels) return all;
      const k = req.channels.length;
      const out = new (all.constructor as new (n: number) => TypedArray)((end - start) * k);
      for (let t = 0; t < end - start; t++) for (let j = 0; j < k; j++) out[t * k + j] = all[t * info.nChannels + req.channels[j]!]!;
      return out;
    },
    close: () => s.close(),
  };
}

/** Writes every sample of `r` as an mtscomp pair; keeps the options of the original `.ch` if any. */
export async function writeMtscomp(r: ArrayReader, output: string, o: { force?: boolean; chunkSeconds?: number } = {}): Promise<{ output: string; chPath: string; bytes: number }> {
  if (r.sampleRateHz === null) throw new UsageError(`${r.path}: the sample rate is unknown; mtscomp needs one`);
  let base: ReturnType<typeof parseCh> | undefined;
  if (r.mtscompCh) base = parseCh(`${r.path} (stored .ch)`, r.mtscompCh);
  if (base && (base.chunkBounds[base.chunkBounds.length - 1] !== r.nSamples || base.nChannels !== r.nChannels || base.dtype !== r.dtype)) base = undefined;
  const w = new MtscompWriter(output, {
    dtype: r.dtype,
    nChannels: r.nChannels,
    sampleRateHz: base?.sampleRate ?? r.sampleRateHz,
    nSamples: r.nSamples,
    force: o.force,
    ...(base && o.chunkSeconds === undefined
      ? { chunkBounds: base.chunkBounds, chunkOrder: base.chunkOrder, doTimeDiff: base.doTimeDiff, doSpatialDiff: base.doSpatialDiff, compLevel: base.compLevel, baseCh: base.raw as Record<string, Json> }
      : { chunkDuration: o.chunkSeconds ?? 1 }),
  });
  try {
    for (let i = 0; i < r.nChunks; i++) w.append(await chunkOf(r, i));
    const res = w.commit();
    return { output, chPath: res.chPath, bytes: res.cbinBytes };
  } catch (e) {
    w.abort();
    throw e;
  }
}

/** `.cbin` (+ `.ch`) -> the raw interleaved samples mtscomp would restore, both SHA-1s checked. */
export function decompressMtscompFile(input: string, output: string, o: { force?: boolean } = {}): { bytes: number } {
  if (resolve(input) === resolve(output)) throw new UsageError(`${input}: output would overwrite the input`);
  const r = MtscompReader.open(input);
  try {
    const out = new AtomicFile(output, o.force);
    try {
      decodeAllMtscomp(r, (a) => out.write(bytesOf(a)));
      out.close();
      out.commit();
      return { bytes: out.bytesWritten };
    } catch (e) {
      out.abort();
      throw e;
    }
  } finally {
    r.close();
  }
}

/** `.nzp` made from a `.cbin` -> a `.cbin` + `.ch` pair with the original's options, checked. */
export async function decompressNzpToMtscomp(input: string, output: string, o: { force?: boolean } = {}): Promise<{ bytes: number; chPath: string }> {
  const r = await openArrayReader(input);
  try {
    const res = await writeMtscomp(r, output, o);
    // the samples written are the ones decoded; check them against the stored SHA-256
    const nz = await NzpReader.open(input);
    try {
      if (nz.header.lossless) {
        const m = MtscompReader.open(output, res.chPath);
        try {
          const h = newSha256();
          decodeAllMtscomp(m, (a) => h.update(bytesOf(a)));
          if (h.digest('hex') !== nz.footer.rawSha256) throw new MismatchError(`${output}: re-encoded samples do not match the original's SHA-256`);
        } finally {
          m.close();
        }
      }
    } finally {
      nz.close();
    }
    return { bytes: res.bytes, chPath: res.chPath };
  } finally {
    r.close();
  }
}

export const CONVERT_TARGETS = ['nzp', 'mtscomp', 'zarr', 'hdf5', 'raw', 'npy'] as const;
export type ConvertTarget = (typeof CONVERT_TARGETS)[number];

/** Writes all samples of `r` as raw interleaved little-endian, or as a 2-D `.npy`. */
export async function writePlain(r: ArrayReader, output: string, to: 'raw' | 'npy', o: { force?: boolean } = {}): Promise<{ bytes: number }> {
  const out = new AtomicFile(output, o.force);
  try {
    if (to === 'npy') out.write(npyHeader(r.dtype, [r.nSamples, r.nChannels]));
    for (let i = 0; i < r.nChunks; i++) out.write(bytesOf(await chunkOf(r, i)));
    out.close();
    out.commit();
    return { bytes: out.bytesWritten };
  } catch (e) {
    out.abort();
    throw e;
  }
}
