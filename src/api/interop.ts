import { closeSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { AtomicFile } from '../core/atomic-file.js';
import { newSha256 } from '../core/checksum.js';
import { bytesOf, type DType, type TypedArray } from '../core/dtype.js';
import { MismatchError, UsageError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { MAGIC } from '../container/format.js';
import { NzpReader } from '../container/reader.js';
import { openSource, type OpenOptions } from '../formats/index.js';
import { decodeAllMtscomp, looksLikeMtscomp, MtscompReader, MtscompWriter, parseCh } from '../formats/mtscomp.js';
import { npyHeader } from '../formats/npy.js';
import { openOrThrow } from '../formats/source.js';

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
  readonly nChunks: number;
  chunkStart(i: number): number;
  chunkLength(i: number): number;
  /** Chunk i, `[chunkLength(i), nChannels]` interleaved. */
  decodeChunk(i: number): TypedArray;
  read(req?: { start?: number; end?: number; channels?: readonly number[] }): TypedArray;
  /** The original mtscomp `.ch` (an mtscomp input, or a `.nzp` made from one). */
  readonly mtscompCh?: Uint8Array;
  close(): void;
}

function isNzp(path: string): boolean {
  const fd = openOrThrow(path);
  try {
    const head = new Uint8Array(8);
    const n = readSync(fd, head, 0, 8, 0);
    return n === 8 && MAGIC.every((b, i) => head[i] === b);
  } finally {
    closeSync(fd);
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
      nChunks: r.nChunks,
      chunkStart: (i) => r.chunkStart(i),
      chunkLength: (i) => r.chunkLength(i),
      decodeChunk: (i) => r.decodeChunk(i),
      read: (req) => r.read(req),
      ...(ch ? { mtscompCh: ch } : {}),
      close: () => r.close(),
    };
  }
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
export function writeMtscomp(r: ArrayReader, output: string, o: { force?: boolean; chunkSeconds?: number } = {}): { output: string; chPath: string; bytes: number } {
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
    for (let i = 0; i < r.nChunks; i++) w.append(r.decodeChunk(i));
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
    const res = writeMtscomp(r, output, o);
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
export function writePlain(r: ArrayReader, output: string, to: 'raw' | 'npy', o: { force?: boolean } = {}): { bytes: number } {
  const out = new AtomicFile(output, o.force);
  try {
    if (to === 'npy') out.write(npyHeader(r.dtype, [r.nSamples, r.nChannels]));
    for (let i = 0; i < r.nChunks; i++) out.write(bytesOf(r.decodeChunk(i)));
    out.close();
    out.commit();
    return { bytes: out.bytesWritten };
  } catch (e) {
    out.abort();
    throw e;
  }
}
