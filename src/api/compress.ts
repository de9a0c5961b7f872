import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ByteWriter } from '../core/bytes.js';
import { AtomicFile } from '../core/atomic-file.js';
import { newSha256 } from '../core/checksum.js';
import { CorruptDataError, MismatchError, NeurozipError, UsageError } from '../core/errors.js';
import { isIntegerDType, itemsize, viewAs, type DType, type TypedArray } from '../core/dtype.js';
import { defaultThreads, orderedMap, withSharedPool, type PipelinePool } from '../parallel/pool.js';
import '../codecs/builtin.js';
import type { CodecConfig } from '../codecs/codec.js';
import { levelPipeline, type Level } from '../codecs/levels.js';
import { workersCanRun } from '../codecs/registry.js';
import type { ContainerHeader, LossyRecord } from '../container/format.js';
import { NzpReader } from '../container/reader.js';
import { ContainerWriter, chooseChunkSamples } from '../container/writer.js';
import { openSource, openSourceAsync, sidecarPath, type RawOptions } from '../formats/index.js';
import { looksLikeMtscomp } from '../formats/mtscomp.js';
import { decompressMtscompFile, decompressNzpToMtscomp, openArrayReader } from './interop.js';
import { writeHdf5 } from '../formats/hdf5.js';
import { writeZarr } from '../formats/zarr.js';
import type { Json } from '../core/types.js';
import { decodeSamples, encodeSamples } from '../formats/source.js';
import { ScatterRestorer, scatterOf } from '../formats/scatter.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { parsePipelineString } from '../pipeline/spec-string.js';
import { VERSION } from '../version.js';
import type { Source } from '../formats/source.js';
import { lossyPipeline, mustStayExact, parseLossy, parseTarget, resolveLossy, valueRange, type LossySpec } from './lossy.js';

/** Output bytes allowed to wait for the disk while the next chunks are coded (write-behind). */
const WRITE_BEHIND_BYTES = 32 * 1024 * 1024;

export type Progress = (done: number, total: number) => void;

export interface CompressOptions {
  level?: Level;
  /** A pipeline (string form or configs); overrides `level`. */
  codec?: string | CodecConfig[];
  /** Error-bounded / rate lossy mode, `abs=N`, `rel=R`, `psnr=DB` or `bps=B` (docs/lossy.md). */
  lossy?: string | LossySpec;
  /** `f1=F` or `snr=DB`: per chunk, the cheapest bound that meets the target (docs/lossy.md). */
  target?: string;
  /** Allow a lossy pipeline on a format that must stay exact (SpikeGLX, mtscomp). */
  forceLossy?: boolean;
  force?: boolean;
  /** Decode the written file and compare with the input before keeping it (default true). */
  verify?: boolean;
  raw?: RawOptions;
  /** HDF5 input: the dataset to read. */
  dataset?: string;
  chunkSeconds?: number;
  /** Worker threads for chunk encoding (default: all cores; 1 = this thread only). */
  threads?: number;
  onProgress?: Progress;
}

export interface CompressResult {
  input: string;
  output: string;
  format: string;
  pipeline: string;
  nSamples: number;
  nChannels: number;
  sampleRateHz: number | null;
  rawBytes: number;
  compressedBytes: number;
  ratio: number;
  encodeSeconds: number;
  verified: boolean;
  lossless: boolean;
  /** Lossy files: the largest |x - x̂| measured on every sample by the verification (null unverified). */
  maxAbsError?: number | null;
  lossy?: LossyRecord;
}

export async function resolvePipeline(o: { level?: Level; codec?: string | CodecConfig[] }, input: Parameters<typeof levelPipeline>[1]): Promise<Pipeline> {
  if (o.codec !== undefined) return Pipeline.fromConfig(typeof o.codec === 'string' ? parsePipelineString(o.codec) : o.codec);
  return Pipeline.fromConfig(levelPipeline(o.level ?? 'default', input));
}

/** Compresses one recording into a `.nzp`; nothing appears under `output` unless all went well. */
export async function compressFile(input: string, output: string, opts: CompressOptions = {}): Promise<CompressResult> {
  if (resolve(input) === resolve(output)) throw new UsageError(`${input}: output would overwrite the input`);
  const source = await openSourceAsync(input, { raw: opts.raw, ...(opts.dataset !== undefined ? { dataset: opts.dataset } : {}) });
  try {
    const info = source.info;
    if (opts.lossy !== undefined && opts.codec !== undefined) throw new UsageError('give either --lossy or --codec, not both');
    let lossy: LossyRecord | undefined;
    if (opts.target !== undefined && (opts.lossy !== undefined || opts.codec !== undefined)) throw new UsageError('give either --target, --lossy or --codec');
    if (opts.target !== undefined) lossy = resolveLossy(parseTarget(opts.target), info.dtype, undefined);
    if (opts.lossy !== undefined) {
      const spec = typeof opts.lossy === 'string' ? parseLossy(opts.lossy) : opts.lossy;
      const range = spec.mode === 'rel' || spec.mode === 'psnr' ? valueRange(source) : undefined;
      lossy = resolveLossy(spec, info.dtype, range);
    }
    const pipeline = lossy ? await Pipeline.fromConfig(lossyPipeline(lossy, opts.level ?? 'default', info.dtype, info.sampleRateHz)) : await resolvePipeline(opts, info);
    if (!pipeline.lossless && !opts.forceLossy) {
      const why = mustStayExact(info.format);
      if (why) throw new UsageError(`${input}: ${why}`);
    }
    const chunkSamples = chooseChunkSamples({ ...info, seconds: opts.chunkSeconds });
    const header: ContainerHeader = {
      dtype: info.dtype,
      nChannels: info.nChannels,
      sampleRateHz: info.sampleRateHz ?? null,
      chunkSamples,
      pipeline: pipeline.toConfig(),
      lossless: pipeline.lossless,
      ...(lossy ? { lossy } : {}),
      source: { format: info.format, fileName: basename(input), encoding: info.encoding, prefix: info.prefix, sidecars: info.sidecars, ...(info.mainPath !== undefined ? { mainPath: info.mainPath } : {}), meta: info.meta },
      writer: `neurozip ${VERSION}`,
    };
    const t0 = performance.now();
    const file = new AtomicFile(output, opts.force, true);
    const writer = new ContainerWriter(file, header, pipeline);
    try {
      const hash = newSha256().update(info.prefix);
      const nChunks = Math.ceil(info.nSamples / chunkSamples);
      // reads (possibly asynchronous) and hashing stay in chunk order through one chain
      let reads: Promise<unknown> = Promise.resolve();
      await withPool(pipeline, opts.threads, nChunks, async (pool) => {
        await orderedMap(
          nChunks,
          pool ? 2 * pool.size : 1,
          async (i) => {
            const n = Math.min(chunkSamples, info.nSamples - i * chunkSamples);
            const read = reads.then(async () => {
              const b = await source.readRawFramesAsync(i * chunkSamples, n);
              hash.update(b);
              return b;
            });
            reads = read;
            const raw = await read;
            // native little-endian samples need no conversion: view the read buffer
            const native = !info.encoding.bigEndian && info.encoding.bytesPerSample === itemsize(info.dtype);
            const data = native ? viewAs(info.dtype, raw) : decodeSamples(raw, info.dtype, info.encoding);
            const spec = { dtype: info.dtype, shape: [n, info.nChannels] };
            if (!pool) return { n, payload: pipeline.encode(data, spec), crc: undefined };
            const r = await pool.encode(data, spec, true); // the buffer is ours: transfer, no copy
            return { n, payload: r.bytes, crc: r.crc };
          },
          async (r, i) => {
            writer.writeEncodedChunk(r.payload, r.n, r.crc);
            opts.onProgress?.(i * chunkSamples + r.n, info.nSamples);
            await file.drain(WRITE_BEHIND_BYTES);
          },
        );
      });
      writer.close({ suffix: info.suffix, rawSha256: hash.update(info.suffix).digest('hex'), rawBytes: info.fileBytes });
      await file.drain();
      file.close();
      const encodeSeconds = (performance.now() - t0) / 1000;
      let verified = false;
      let maxAbsError: number | null = null;
      if (opts.verify ?? true) {
        const v = await verifyFile(file.tmpPath, undefined, opts.threads);
        if (!v.ok) throw new MismatchError(`${input}: verification failed after compressing (${v.problem}); nothing written`);
        verified = v.lossless;
        if (!pipeline.lossless) {
          // lossy: every decoded sample against the input, and the stored bound when there is one
          maxAbsError = await maxErrorAgainst(file.tmpPath, source);
          const bound = await boundOf(lossy, pipeline.toConfig(), info.dtype);
          if (bound !== null && !(maxAbsError <= bound)) {
            throw new MismatchError(`${input}: error bound broken after compressing (max |error| ${maxAbsError} > abs ${bound}); nothing written`);
          }
          verified = true;
        }
      }
      file.commit();
      return {
        input,
        output,
        format: info.format,
        pipeline: pipeline.toString(),
        nSamples: info.nSamples,
        nChannels: info.nChannels,
        sampleRateHz: info.sampleRateHz ?? null,
        rawBytes: info.fileBytes,
        compressedBytes: writer.bytesWritten,
        ratio: info.fileBytes / writer.bytesWritten,
        encodeSeconds,
        verified,
        lossless: pipeline.lossless,
        ...(pipeline.lossless ? {} : { maxAbsError }),
        ...(lossy ? { lossy } : {}),
      };
    } catch (e) {
      file.abort();
      throw e;
    }
  } finally {
    source.close();
  }
}

export interface VerifyResult {
  ok: boolean;
  lossless: boolean;
  chunks: number;
  nSamples: number;
  problem?: string;
  seconds: number;
  /** With `against`: the largest |x - x̂| over every sample, and the bound it was checked against. */
  maxAbsError?: number;
  bound?: number | null;
  lossy?: LossyRecord;
}

/**
 * The guaranteed max |error| of a lossy file: its lossy record's abs, or (for an explicit
 * `--codec` pipeline) the `abs` of its single error-bounded `sz` stage; null when there is none.
 */
export async function boundOf(lossy: LossyRecord | undefined, pipeline: readonly CodecConfig[], dtype: DType): Promise<number | null> {
  if (lossy) return lossy.guaranteed ? lossy.abs : null;
  const p = await Pipeline.fromConfig(pipeline);
  const others = p.stages.filter((c) => c.id !== 'sz' && !c.lossless);
  const sz = pipeline.filter((c) => c.id === 'sz');
  if (others.length || sz.length !== 1 || typeof sz[0]!.abs !== 'number') return null;
  return isIntegerDType(dtype) ? Math.floor(sz[0]!.abs) : sz[0]!.abs;
}

/** The largest |original - decoded| over every sample of a .nzp, the original read from `src`. */
export async function maxErrorAgainst(nzp: string, src: Source): Promise<number> {
  const r = await NzpReader.open(nzp);
  try {
    if (src.info.nSamples !== r.nSamples || src.info.nChannels !== r.nChannels) {
      throw new MismatchError(`${nzp}: ${r.nSamples} x ${r.nChannels} samples, the original has ${src.info.nSamples} x ${src.info.nChannels}`);
    }
    let worst = 0;
    for (let i = 0; i < r.nChunks; i++) {
      const y = r.decodeChunk(i);
      const x = src.readFrames(r.chunkStart(i), r.chunkLength(i));
      for (let k = 0; k < x.length; k++) {
        const e = Math.abs(x[k]! - y[k]!);
        if (e > worst || (Number.isNaN(e) && !Object.is(x[k], y[k]))) worst = Number.isNaN(e) ? Infinity : e;
      }
    }
    return worst;
  } finally {
    r.close();
  }
}

/**
 * `verify X.nzp --against ORIGINAL`: the integrity checks of verifyFile, then every sample
 * compared with the original: exact for lossless files, within the stored bound for lossy ones
 * (files from the rate mode `bps` have no bound; their max error is reported).
 */
export async function verifyAgainst(path: string, original: string, opts: { raw?: RawOptions; threads?: number; onProgress?: Progress } = {}): Promise<VerifyResult> {
  const v = await verifyFile(path, opts.onProgress, opts.threads);
  if (!v.ok) return v;
  const r = await NzpReader.open(path);
  const header = r.header;
  r.close();
  const src = openSource(original, { raw: opts.raw });
  try {
    const worst = await maxErrorAgainst(path, src);
    const bound = header.lossless ? 0 : await boundOf(header.lossy, header.pipeline, header.dtype);
    const out = { ...v, maxAbsError: worst, bound, ...(header.lossy ? { lossy: header.lossy } : {}) };
    if (bound !== null && !(worst <= bound)) return { ...out, ok: false, problem: `max |error| ${worst} exceeds the stored bound ${bound}` };
    return out;
  } finally {
    src.close();
  }
}

/**
 * Decodes every chunk (each CRC-checked), recomputes the compressed stream's SHA-256 and, for a
 * lossless file, the SHA-256 of the restored original. Damage raises CorruptDataError.
 */
export async function verifyFile(path: string, onProgress?: Progress, threads?: number): Promise<VerifyResult> {
  const t0 = performance.now();
  const r = await NzpReader.open(path);
  try {
    const { header, footer } = r;
    const raw = newSha256().update(header.source.prefix);
    // version 1 files also hold the SHA-256 of their chunk frames (12-byte header + payload)
    const chunks = footer.chunksSha256 !== undefined ? newSha256() : undefined;
    await decodeChunksInOrder(r, threads, (data, i, payload) => {
      chunks?.update(new ByteWriter(12).u32(payload.byteLength).u32(r.chunkLength(i)).u32(r.chunkCrc(i)).finish()).update(payload);
      raw.update(encodeSamples(data, header.source.encoding));
      onProgress?.(r.chunkStart(i) + r.chunkLength(i), r.nSamples);
    });
    raw.update(footer.suffix);
    const seconds = (performance.now() - t0) / 1000;
    const base = { lossless: header.lossless, chunks: r.nChunks, nSamples: r.nSamples, seconds };
    if (chunks && chunks.digest('hex') !== footer.chunksSha256) return { ...base, ok: false, problem: 'compressed stream SHA-256 differs' };
    if (header.lossless && raw.digest('hex') !== footer.rawSha256) return { ...base, ok: false, problem: 'restored data SHA-256 differs from the original' };
    return { ...base, ok: true };
  } finally {
    r.close();
  }
}

/** Decodes every chunk of `r` (CRC-checked), in parallel when threads allow, handing them over in order. */
async function decodeChunksInOrder(r: NzpReader, threads: number | undefined, consume: (data: TypedArray, i: number, payload: Uint8Array) => void | Promise<void>): Promise<void> {
  await withPool(r.pipeline, threads, r.nChunks, async (pool) => {
    await orderedMap(
      r.nChunks,
      pool ? 2 * pool.size : 1,
      async (i) => {
        if (!pool) {
          const payload = r.readPayload(i);
          return { payload, data: r.decodePayload(i, payload) };
        }
        const payload = r.readPayload(i, false); // the worker checks the CRC-32C
        try {
          return { payload, data: await pool.decode(payload, { dtype: r.header.dtype, shape: [r.chunkLength(i), r.nChannels] }, r.chunkCrc(i)) };
        } catch (e) {
          throw e instanceof NeurozipError && e.tag === 'CorruptData' ? new CorruptDataError(`${r.path}: chunk ${i}: ${e.message}`) : e;
        }
      },
      (x, i) => consume(x.data, i, x.payload),
    );
  });
}

/** Runs `job` with a worker pool when more than one thread and chunk make it worth it. */
async function withPool<T>(pipeline: Pipeline, threads: number | undefined, nChunks: number, job: (pool: PipelinePool | undefined) => Promise<T>): Promise<T> {
  const size = threads ?? defaultThreads();
  const config = pipeline.toConfig();
  if (Math.min(size, nChunks) < 2 || !workersCanRun(config)) return job(undefined);
  return withSharedPool(config, size, job);
}

export interface DecompressOptions {
  force?: boolean;
  threads?: number;
  onProgress?: Progress;
}

export interface DecompressResult {
  input: string;
  output: string;
  sidecars: string[];
  bytes: number;
  decodeSeconds: number;
  verified: boolean;
}

/** The name a `.nzp` decompresses to: the input without `.nzp`, optionally inside `outputDir`. */
export function defaultDecompressedName(input: string, outputDir?: string): string {
  if (looksLikeMtscomp(input)) {
    const bin = input.replace(/\.cbin$/i, '.bin');
    return outputDir ? join(outputDir, basename(bin)) : bin;
  }
  if (!/\.nzp$/i.test(input)) throw new UsageError(`${input}: does not end in .nzp; name the output with -o`);
  const name = input.replace(/\.nzp$/i, '');
  return outputDir ? join(outputDir, basename(name)) : name;
}

/** Restores the original file (and its sidecars) from a `.nzp`, byte for byte when lossless. */
export async function decompressFile(input: string, output: string, opts: DecompressOptions = {}): Promise<DecompressResult> {
  if (resolve(input) === resolve(output)) throw new UsageError(`${input}: output would overwrite the input`);
  const t0 = performance.now();
  if (looksLikeMtscomp(input)) {
    // an mtscomp .cbin (+ .ch) decompresses straight to its raw samples, as mtsdecomp does
    const m = decompressMtscompFile(input, output, opts);
    return { input, output, sidecars: [], bytes: m.bytes, decodeSeconds: (performance.now() - t0) / 1000, verified: true };
  }
  const r = await NzpReader.open(input);
  const files: AtomicFile[] = [];
  try {
    const { header, footer } = r;
    if (header.source.format === 'mtscomp' && /\.cbin$/i.test(output)) {
      // a .nzp made from a .cbin restores a .cbin + .ch pair with the original's options
      r.close();
      const m = await decompressNzpToMtscomp(input, output, opts);
      return { input, output, sidecars: [m.chPath], bytes: m.bytes, decodeSeconds: (performance.now() - t0) / 1000, verified: header.lossless };
    }
    if ((header.source.format === 'hdf5' || header.source.format === 'zarr') && header.source.prefix.byteLength === 0 && header.source.sidecars.length === 0) {
      // made from an HDF5 dataset / a Zarr array: written back as one, with the same attributes
      // (the samples are the original's; the file's bytes are the library's)
      r.close();
      const src = await openArrayReader(input);
      try {
        const meta = header.source.meta;
        const attrs = meta.attrs && typeof meta.attrs === 'object' && !Array.isArray(meta.attrs) ? (meta.attrs as Record<string, Json>) : {};
        const hash = newSha256();
        const hashed = { ...src, decodeChunk: (i: number) => {
          const d = src.decodeChunk(i);
          hash.update(encodeSamples(d, header.source.encoding));
          return d;
        } };
        const check = () => {
          if (header.lossless && hash.digest('hex') !== footer.rawSha256) throw new MismatchError(`${input}: restored data does not match the original's SHA-256; nothing written`);
        };
        const res =
          header.source.format === 'zarr'
            ? await writeZarr(hashed, output, { force: opts.force, attrs, check })
            : await writeHdf5(hashed, output, { force: opts.force, dataset: typeof meta.dataset === 'string' && meta.dataset ? meta.dataset : undefined, attrs, check });
        return { input, output, sidecars: [], bytes: res.bytes, decodeSeconds: (performance.now() - t0) / 1000, verified: header.lossless };
      } finally {
        src.close();
      }
    }
    const layout = scatterOf(header.source.meta);
    if (layout) {
      // one file per channel (Open Ephys legacy, Intan): rebuild each file from the samples and its layout
      if (!header.lossless) throw new UsageError(`${input}: a lossy ${header.source.format} recording cannot be rebuilt file by file; use convert --to raw|npy`);
      const folder = header.source.mainPath !== undefined;
      const w = new ScatterRestorer(header.source, layout, r.nSamples, output, folder, opts.force, input);
      try {
        const hash = newSha256().update(header.source.prefix);
        await decodeChunksInOrder(r, opts.threads, (data, i) => {
          hash.update(encodeSamples(data, header.source.encoding));
          w.write(data);
          opts.onProgress?.(r.chunkStart(i) + r.chunkLength(i), r.nSamples);
        });
        hash.update(footer.suffix);
        if (header.lossless && hash.digest('hex') !== footer.rawSha256) throw new MismatchError(`${input}: restored data does not match the original's SHA-256; nothing written`);
        w.finish();
      } catch (e) {
        w.abort();
        throw e;
      }
      return { input, output: folder ? join(output, header.source.mainPath!) : output, sidecars: w.paths.slice(1), bytes: w.bytesWritten, decodeSeconds: (performance.now() - t0) / 1000, verified: true };
    }
    // a folder source (Open Ephys) is restored as a folder: `output` is its directory
    const folder = header.source.mainPath !== undefined;
    const mainOut = folder ? join(output, header.source.mainPath!) : output;
    if (folder) mkdirSync(dirname(mainOut), { recursive: true });
    const main = new AtomicFile(mainOut, opts.force, true);
    files.push(main);
    // the .ch of an mtscomp source describes a .cbin; beside a raw .bin it would mislead
    const kept = header.source.format === 'mtscomp' ? [] : header.source.sidecars;
    const sidecars = kept.map((s) => ({ path: s.path !== undefined ? join(output, s.path) : sidecarPath(header.source.format, s.role, output), data: s.data }));
    for (const s of sidecars) mkdirSync(dirname(s.path), { recursive: true });
    for (const s of sidecars) files.push(new AtomicFile(s.path, opts.force));
    const hash = newSha256();
    const put = (b: Uint8Array) => {
      hash.update(b);
      main.write(b);
    };
    put(header.source.prefix);
    await decodeChunksInOrder(r, opts.threads, async (data, i) => {
      put(encodeSamples(data, header.source.encoding));
      opts.onProgress?.(r.chunkStart(i) + r.chunkLength(i), r.nSamples);
      await main.drain(WRITE_BEHIND_BYTES);
    });
    put(footer.suffix);
    await main.drain();
    if (header.lossless && hash.digest('hex') !== footer.rawSha256) {
      throw new MismatchError(`${input}: restored data does not match the original's SHA-256; nothing written`);
    }
    sidecars.forEach((s, k) => files[k + 1]!.write(s.data));
    for (const f of files) f.close();
    for (const f of files) f.commit();
    return {
      input,
      output: mainOut,
      sidecars: sidecars.map((s) => s.path),
      bytes: main.bytesWritten,
      decodeSeconds: (performance.now() - t0) / 1000,
      verified: header.lossless,
    };
  } catch (e) {
    for (const f of files) f.abort();
    throw e;
  } finally {
    r.close();
  }
}

/** Whether a `.nzp` holds a folder source (restored as a directory). */
export async function isFolderNzp(path: string): Promise<boolean> {
  const r = await NzpReader.open(path);
  try {
    return r.header.source.mainPath !== undefined;
  } finally {
    r.close();
  }
}
