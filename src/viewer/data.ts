/**
 * What the viewer reads: a time series (a `.nzp` through its random-access reader, or any raw
 * format through `openSource`) or a 3-D volume (`.npy` with three dimensions). Every read touches
 * only the requested window; nothing here loads a whole file.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { allocArray, itemsize, type DType, type TypedArray } from '../core/dtype.js';
import { UsageError } from '../core/errors.js';
import { NzpReader } from '../container/reader.js';
import { MAGIC } from '../container/format.js';
import { openSource, type Source } from '../formats/index.js';
import { isNpy, parseNpyHeader } from '../formats/npy.js';
import { decodeSamples, openOrThrow, readAt } from '../formats/source.js';

/** The window asked for lies (partly) outside the data: HTTP 416. */
export class RangeNotSatisfiable extends UsageError {}

export interface SeriesInfo {
  kind: 'series';
  file: string;
  format: string;
  dtype: DType;
  nChannels: number;
  nSamples: number;
  sampleRateHz: number | null;
  /** For a .nzp: the stored pipeline, its ratio and chunk count. */
  container: { pipeline: string; ratio: number; chunks: number; lossless: boolean } | null;
}

export interface VolumeInfo {
  kind: 'volume';
  file: string;
  format: string;
  dtype: DType;
  /** C order: [n0, n1, n2]; index i0 is the slowest. */
  shape: [number, number, number];
}

export interface Window {
  start: number;
  end: number;
  ch0: number;
  /** Exclusive. */
  ch1: number;
}

export interface SeriesData {
  info: SeriesInfo;
  /** Samples [start, end) of channels [ch0, ch1), interleaved (frame-major). */
  read(w: Window): TypedArray;
  close(): void;
}

export interface VolumeData {
  info: VolumeInfo;
  /** The plane `index` across `axis`, as float32 in C order of the two remaining axes. */
  slice(axis: 0 | 1 | 2, index: number): { data: Float32Array; rows: number; cols: number };
  close(): void;
}

export type ViewerData = SeriesData | VolumeData;

/** Checks a window against the data's bounds; past the end is a RangeNotSatisfiable. */
export function checkWindow(w: Window, nSamples: number, nChannels: number): void {
  for (const [k, v] of Object.entries(w)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new UsageError(`${k} must be a non-negative integer, got ${v}`);
  }
  if (w.end <= w.start) throw new UsageError(`empty window: end (${w.end}) must be after start (${w.start})`);
  if (w.ch1 <= w.ch0) throw new UsageError(`empty channel range: ch1 (${w.ch1}) must be after ch0 (${w.ch0})`);
  if (w.start >= nSamples || w.end > nSamples) {
    throw new RangeNotSatisfiable(`window [${w.start}, ${w.end}) is past the end of the recording (${nSamples} samples)`);
  }
  if (w.ch1 > nChannels) throw new RangeNotSatisfiable(`channels [${w.ch0}, ${w.ch1}) are past the last channel (${nChannels} channels)`);
}

export async function openViewerData(path: string): Promise<ViewerData> {
  const fd = openOrThrow(path);
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(65536);
    head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
  if ((head.byteLength >= 8 && MAGIC.every((b, i) => head[i] === b)) || extname(path).toLowerCase() === '.nzp') {
    return openNzp(path);
  }
  if (isNpy(head)) {
    const h = parseNpyHeader(path, head);
    if (h.shape.length === 3) return openNpyVolume(path, head);
  }
  return openSeriesSource(path, openSource(path));
}

async function openNzp(path: string): Promise<SeriesData> {
  const r = await NzpReader.open(path);
  const h = r.header;
  const info: SeriesInfo = {
    kind: 'series',
    file: path,
    format: `nzp (${h.source.format})`,
    dtype: h.dtype,
    nChannels: r.nChannels,
    nSamples: r.nSamples,
    sampleRateHz: h.sampleRateHz ?? null,
    container: { pipeline: r.pipeline.toString(), ratio: r.fileBytes > 0 ? r.footer.rawBytes / r.fileBytes : 0, chunks: r.nChunks, lossless: h.lossless },
  };
  return {
    info,
    read(w) {
      checkWindow(w, info.nSamples, info.nChannels);
      const channels = Array.from({ length: w.ch1 - w.ch0 }, (_, i) => w.ch0 + i);
      return r.read({ start: w.start, end: w.end, channels });
    },
    close: () => r.close(),
  };
}

function openSeriesSource(path: string, src: Source): SeriesData {
  const i = src.info;
  const info: SeriesInfo = {
    kind: 'series',
    file: path,
    format: i.format,
    dtype: i.dtype,
    nChannels: i.nChannels,
    nSamples: i.nSamples,
    sampleRateHz: i.sampleRateHz ?? null,
    container: null,
  };
  return {
    info,
    read(w) {
      checkWindow(w, info.nSamples, info.nChannels);
      const frames = src.readFrames(w.start, w.end - w.start);
      const C = info.nChannels;
      if (w.ch0 === 0 && w.ch1 === C) return frames;
      const k = w.ch1 - w.ch0;
      const n = w.end - w.start;
      const out = allocArray(info.dtype, n * k);
      for (let s = 0; s < n; s++) for (let j = 0; j < k; j++) out[s * k + j] = frames[s * C + w.ch0 + j]!;
      return out;
    },
    close: () => src.close(),
  };
}

function openNpyVolume(path: string, head: Uint8Array): VolumeData {
  const h = parseNpyHeader(path, head);
  const [n0, n1, n2] = h.shape as [number, number, number];
  const isz = itemsize(h.dtype);
  const fd = openOrThrow(path);
  const size = fstatSync(fd).size;
  const need = h.dataOffset + n0 * n1 * n2 * isz;
  if (need > size) {
    closeSync(fd);
    throw new UsageError(`${path}: truncated .npy (${size} bytes, header promises ${need})`);
  }
  const enc = { bytesPerSample: isz, bigEndian: h.bigEndian };
  const info: VolumeInfo = { kind: 'volume', file: path, format: 'npy (3-D volume)', dtype: h.dtype, shape: [n0, n1, n2] };
  const toF32 = (bytes: Uint8Array) => Float32Array.from(decodeSamples(bytes, h.dtype, enc) as ArrayLike<number>);
  return {
    info,
    slice(axis, index) {
      const n = info.shape[axis];
      if (!Number.isSafeInteger(index) || index < 0) throw new UsageError(`slice index must be a non-negative integer, got ${index}`);
      if (index >= n) throw new RangeNotSatisfiable(`slice ${index} is past the end of axis ${axis} (${n} planes)`);
      if (axis === 0) return { data: toF32(readAt(fd, path, h.dataOffset + index * n1 * n2 * isz, n1 * n2 * isz)), rows: n1, cols: n2 };
      if (axis === 1) {
        // n0 rows, each a contiguous run of n2 values
        const out = new Float32Array(n0 * n2);
        for (let i = 0; i < n0; i++) out.set(toF32(readAt(fd, path, h.dataOffset + (i * n1 + index) * n2 * isz, n2 * isz)), i * n2);
        return { data: out, rows: n0, cols: n2 };
      }
      // axis 2: one value per (i0, i1), gathered with one positioned read each into a buffer
      const cells = n0 * n1;
      const raw = new Uint8Array(cells * isz);
      for (let c = 0; c < cells; c++) {
        const pos = h.dataOffset + (c * n2 + index) * isz;
        if (readSync(fd, raw, c * isz, isz, pos) !== isz) throw new UsageError(`${path}: short read at ${pos}`);
      }
      return { data: toF32(raw), rows: n0, cols: n1 };
    },
    close: () => closeSync(fd),
  };
}
