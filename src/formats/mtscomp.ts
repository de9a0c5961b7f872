import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { AtomicFile } from '../core/atomic-file.js';
import { allocArray, bytesOf, isDType, isIntegerDType, itemsize, viewAs, type DType, type TypedArray } from '../core/dtype.js';
import { CorruptDataError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { openOrThrow, readAt, Source, type SourceInfo } from './source.js';

/**
 * mtscomp (int-brain-lab) `.cbin` + `.ch`, format version 1.0 (docs/spec/mtscomp.md).
 *
 * The `.cbin` is a concatenation of zlib streams, one per chunk of `chunk_bounds[i]..[i+1]`
 * samples, at byte offsets `chunk_offsets`. Each stream holds the chunk's `[n, nChannels]` array
 * after an optional diff along time (axis 0, first row kept) and then along channels (axis 1,
 * first column kept), in the dtype's own (wrapping) arithmetic, serialized in `chunk_order` (`F`:
 * channel after channel; `C`: sample frame after frame). The `.ch` JSON (sorted keys, indent 2)
 * names every option; `sha1_uncompressed` is the SHA-1 of the raw C-order samples,
 * `sha1_compressed` the SHA-1 of the whole `.cbin`.
 */

export interface MtscompHeader {
  version: string;
  algorithm: 'zlib';
  compLevel: number;
  doTimeDiff: boolean;
  doSpatialDiff: boolean;
  dtype: DType;
  nChannels: number;
  sampleRate: number;
  chunkBounds: number[];
  chunkOffsets: number[];
  chunkOrder: 'F' | 'C';
  sha1Compressed: string | null;
  sha1Uncompressed: string | null;
  /** The parsed `.ch` object as found (keys kept when re-writing). */
  raw: Record<string, Json>;
}

const KNOWN_KEYS = new Set([
  'version', 'algorithm', 'comp_level', 'do_time_diff', 'do_spatial_diff', 'dtype', 'n_channels', 'sample_rate',
  'chunk_bounds', 'chunk_offsets', 'chunk_order', 'sha1_compressed', 'sha1_uncompressed', 'shape',
]);

/** `.ch` path beside a `.cbin` (mtscomp uses `Path(cdata).with_suffix('.ch')`). */
export function chPathFor(cbinPath: string): string {
  return /\.[^./\\]*$/.test(cbinPath) ? cbinPath.replace(/\.[^./\\]*$/, '.ch') : cbinPath + '.ch';
}

export function looksLikeMtscomp(path: string): boolean {
  return /\.cbin$/i.test(path);
}

/** Parses and validates a `.ch` JSON; `cbinBytes` (when known) must equal the last chunk offset. */
export function parseCh(chPath: string, bytes: Uint8Array, cbinBytes?: number): MtscompHeader {
  const bad = (why: string): never => {
    throw new UnsupportedFormatError(`${chPath}: not a readable mtscomp .ch file (${why})`);
  };
  let j: any;
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    bad('not JSON');
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) bad('not a JSON object');
  for (const k of Object.keys(j)) {
    if (!KNOWN_KEYS.has(k)) throw new UnsupportedFormatError(`${chPath}: unknown mtscomp option '${k}' (this neurozip reads mtscomp format 1.0: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const version = j.version === undefined ? '1.0' : String(j.version);
  if (!/^1(\.\d+)?$/.test(version)) throw new UnsupportedFormatError(`${chPath}: mtscomp format version ${version}; this neurozip reads version 1.x`);
  const algorithm = j.algorithm ?? 'zlib';
  if (algorithm !== 'zlib') throw new UnsupportedFormatError(`${chPath}: unknown mtscomp algorithm '${algorithm}' (only zlib exists)`);
  const order = j.chunk_order ?? 'C';
  if (order !== 'F' && order !== 'C') throw new UnsupportedFormatError(`${chPath}: unknown mtscomp chunk_order '${order}' (F or C)`);
  for (const k of ['do_time_diff', 'do_spatial_diff']) {
    if (j[k] !== undefined && typeof j[k] !== 'boolean') bad(`${k} must be true or false`);
  }
  const dtypeName = String(j.dtype ?? '');
  const dtype = dtypeName.replace(/^[<=|]/, '');
  if (!isDType(dtype)) throw new UnsupportedFormatError(`${chPath}: mtscomp dtype '${dtypeName}' is not supported (${'int8 uint8 int16 uint16 int32 uint32 float32 float64'})`);
  const nChannels = j.n_channels;
  if (!Number.isSafeInteger(nChannels) || nChannels < 1) bad('n_channels must be a positive integer');
  const sampleRate = j.sample_rate;
  if (typeof sampleRate !== 'number' || !(sampleRate > 0)) bad('sample_rate must be a positive number');
  const ints = (k: string): number[] => {
    const a = j[k];
    if (!Array.isArray(a) || a.length < 1 || a.some((v: unknown) => !Number.isSafeInteger(v) || (v as number) < 0)) bad(`${k} must be a list of non-negative integers`);
    for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1]) bad(`${k} must not decrease`);
    if (a[0] !== 0) bad(`${k} must start at 0`);
    return a;
  };
  const chunkBounds = ints('chunk_bounds');
  const chunkOffsets = ints('chunk_offsets');
  if (chunkBounds.length !== chunkOffsets.length) bad(`chunk_bounds has ${chunkBounds.length} entries, chunk_offsets ${chunkOffsets.length}`);
  const nSamples = chunkBounds[chunkBounds.length - 1]!;
  if (j.shape !== undefined && (!Array.isArray(j.shape) || j.shape[0] !== nSamples || j.shape[1] !== nChannels)) {
    bad(`shape ${JSON.stringify(j.shape)} does not match chunk_bounds (${nSamples} samples) and n_channels ${nChannels}`);
  }
  if (cbinBytes !== undefined && chunkOffsets[chunkOffsets.length - 1] !== cbinBytes) {
    throw new CorruptDataError(`${chPath}: the .cbin is ${cbinBytes} bytes but chunk_offsets end at ${chunkOffsets[chunkOffsets.length - 1]} (mismatched .cbin and .ch)`);
  }
  const sha = (k: string) => (typeof j[k] === 'string' && /^[0-9a-f]{40}$/.test(j[k]) ? (j[k] as string) : null);
  return {
    version,
    algorithm: 'zlib',
    compLevel: typeof j.comp_level === 'number' ? j.comp_level : -1,
    doTimeDiff: j.do_time_diff ?? false,
    doSpatialDiff: j.do_spatial_diff ?? false,
    dtype,
    nChannels,
    sampleRate,
    chunkBounds,
    chunkOffsets,
    chunkOrder: order,
    sha1Compressed: sha('sha1_compressed'),
    sha1Uncompressed: sha('sha1_uncompressed'),
    raw: j,
  };
}

// ---------------------------------------------------------------------------------------------
// chunk transforms

/** Serialized chunk (as inflated) -> C-order `[n, nCh]` samples, undoing the diffs in place. */
export function decodeChunkArray(payload: TypedArray, n: number, nCh: number, h: Pick<MtscompHeader, 'chunkOrder' | 'doTimeDiff' | 'doSpatialDiff' | 'dtype'>): TypedArray {
  let a: TypedArray;
  if (h.chunkOrder === 'F' && n > 1 && nCh > 1) {
    a = allocArray(h.dtype, n * nCh);
    for (let c = 0; c < nCh; c++) {
      const base = c * n;
      for (let t = 0; t < n; t++) a[t * nCh + c] = payload[base + t]!;
    }
  } else {
    a = payload;
  }
  // mtscomp undoes the spatial diff first, then the time diff (the typed array wraps like numpy).
  if (h.doSpatialDiff) {
    for (let t = 0; t < n; t++) {
      const row = t * nCh;
      for (let c = 1; c < nCh; c++) a[row + c] = a[row + c]! + a[row + c - 1]!;
    }
  }
  if (h.doTimeDiff) {
    for (let i = nCh; i < n * nCh; i++) a[i] = a[i]! + a[i - nCh]!;
  }
  return a;
}

/** C-order `[n, nCh]` samples -> serialized chunk (diff along time, then channels; then order). */
export function encodeChunkArray(data: TypedArray, n: number, nCh: number, h: Pick<MtscompHeader, 'chunkOrder' | 'doTimeDiff' | 'doSpatialDiff' | 'dtype'>): TypedArray {
  const d = allocArray(h.dtype, n * nCh);
  d.set(data.subarray(0, n * nCh) as never);
  if (h.doTimeDiff) {
    for (let i = n * nCh - 1; i >= nCh; i--) d[i] = d[i]! - data[i - nCh]!;
  }
  if (h.doSpatialDiff) {
    for (let t = 0; t < n; t++) {
      const row = t * nCh;
      for (let c = nCh - 1; c >= 1; c--) d[row + c] = d[row + c]! - d[row + c - 1]!;
    }
  }
  if (h.chunkOrder === 'C' || n <= 1 || nCh <= 1) return d;
  const f = allocArray(h.dtype, n * nCh);
  for (let c = 0; c < nCh; c++) {
    const base = c * n;
    for (let t = 0; t < n; t++) f[base + t] = d[t * nCh + c]!;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// reader

/** Random-access reader of a `.cbin` + `.ch` pair; reads and inflates only the chunks touched. */
export class MtscompReader {
  chunksDecoded = 0;
  private fd: number | undefined;
  private cache = new Map<number, TypedArray>();

  private constructor(readonly path: string, readonly chPath: string, readonly chBytes: Uint8Array, readonly header: MtscompHeader, fd: number, readonly cbinBytes: number) {
    this.fd = fd;
  }

  static open(cbinPath: string, chPath = chPathFor(cbinPath)): MtscompReader {
    if (!existsSync(chPath)) throw new UnsupportedFormatError(`${cbinPath}: its mtscomp header ${chPath} is missing (a .cbin cannot be read without its .ch)`);
    const chBytes = new Uint8Array(readFileSync(chPath));
    const fd = openOrThrow(cbinPath);
    try {
      const size = fstatSync(fd).size;
      const header = parseCh(chPath, chBytes, size);
      return new MtscompReader(cbinPath, chPath, chBytes, header, fd, size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get dtype(): DType {
    return this.header.dtype;
  }
  get nChannels(): number {
    return this.header.nChannels;
  }
  get nSamples(): number {
    return this.header.chunkBounds[this.header.chunkBounds.length - 1]!;
  }
  get nChunks(): number {
    return this.header.chunkBounds.length - 1;
  }
  get sampleRateHz(): number {
    return this.header.sampleRate;
  }
  chunkStart(i: number): number {
    return this.header.chunkBounds[i]!;
  }
  chunkLength(i: number): number {
    return this.header.chunkBounds[i + 1]! - this.header.chunkBounds[i]!;
  }

  /** The compressed bytes of chunk i as stored. */
  readCompressed(i: number): Uint8Array {
    if (this.fd === undefined) throw new Error('MtscompReader is closed');
    const o = this.header.chunkOffsets;
    return readAt(this.fd, this.path, o[i]!, o[i + 1]! - o[i]!);
  }

  /** Chunk i as C-order interleaved samples `[n, nChannels]`. */
  decodeChunk(i: number): TypedArray {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const n = this.chunkLength(i);
    const nCh = this.nChannels;
    const want = n * nCh * itemsize(this.dtype);
    const comp = this.readCompressed(i);
    let raw: Uint8Array;
    if (want === 0 && comp.byteLength === 0) raw = new Uint8Array(0);
    else {
      try {
        raw = new Uint8Array(inflateSync(comp, { maxOutputLength: Math.max(want, 1) }));
      } catch (e) {
        throw new CorruptDataError(`${this.path}: chunk ${i} is not a valid zlib stream of ${want} bytes (${(e as Error).message})`);
      }
    }
    if (raw.byteLength !== want) throw new CorruptDataError(`${this.path}: chunk ${i} inflates to ${raw.byteLength} bytes, expected ${want} (${n} samples x ${nCh} channels ${this.dtype})`);
    const payload = viewAs(this.dtype, raw.byteOffset % itemsize(this.dtype) === 0 ? raw : raw.slice());
    const out = decodeChunkArray(payload, n, nCh, this.header);
    this.chunksDecoded++;
    if (this.cache.size >= 4) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(i, out);
    return out;
  }

  /** Index of the chunk holding sample s. */
  chunkOf(s: number): number {
    const b = this.header.chunkBounds;
    let lo = 0;
    let hi = b.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Samples [start, end) of the given channels, interleaved, decoding only the chunks touched. */
  read(req: { start?: number; end?: number; channels?: readonly number[] } = {}): TypedArray {
    const start = req.start ?? 0;
    const end = req.end ?? this.nSamples;
    const nCh = this.nChannels;
    const chans = req.channels ?? [...Array(nCh).keys()];
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end <= this.nSamples)) {
      throw new UsageError(`${this.path}: window [${start}, ${end}) is outside 0..${this.nSamples}`);
    }
    for (const c of chans) if (!Number.isInteger(c) || c < 0 || c >= nCh) throw new UsageError(`${this.path}: channel ${c} does not exist (${nCh} channels)`);
    const k = chans.length;
    const out = allocArray(this.dtype, (end - start) * k);
    if (end === start) return out;
    for (let i = this.chunkOf(start); i < this.nChunks && this.chunkStart(i) < end; i++) {
      if (this.chunkLength(i) === 0) continue;
      const a = this.decodeChunk(i);
      const c0 = this.chunkStart(i);
      const s0 = Math.max(start, c0);
      const s1 = Math.min(end, c0 + this.chunkLength(i));
      for (let s = s0; s < s1; s++) {
        const src = (s - c0) * nCh;
        const dst = (s - start) * k;
        for (let j = 0; j < k; j++) out[dst + j] = a[src + chans[j]!]!;
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.cache.clear();
  }
}

/** Decodes every chunk in order, checking both SHA-1s of the `.ch`; calls `sink` per chunk. */
export function decodeAllMtscomp(r: MtscompReader, sink: (samples: TypedArray, i: number) => void): void {
  const sc = createHash('sha1');
  const su = createHash('sha1');
  for (let i = 0; i < r.nChunks; i++) {
    sc.update(r.readCompressed(i));
    const a = r.decodeChunk(i);
    su.update(bytesOf(a));
    sink(a, i);
  }
  const h = r.header;
  if (h.sha1Compressed && sc.digest('hex') !== h.sha1Compressed) throw new CorruptDataError(`${r.path}: SHA-1 of the compressed data differs from sha1_compressed in ${r.chPath}`);
  if (h.sha1Uncompressed && su.digest('hex') !== h.sha1Uncompressed) throw new CorruptDataError(`${r.path}: SHA-1 of the decompressed data differs from sha1_uncompressed in ${r.chPath}`);
}

// ---------------------------------------------------------------------------------------------
// as a compress source: the samples, with the `.ch` as sidecar 'ch'

export class MtscompSource extends Source {
  constructor(readonly reader: MtscompReader, info: SourceInfo) {
    super(reader.path, info);
  }
  override readRawFrames(start: number, count: number): Uint8Array {
    return bytesOf(this.reader.read({ start, end: start + count }));
  }
  override readFrames(start: number, count: number): TypedArray {
    return this.reader.read({ start, end: start + count });
  }
  override close(): void {
    this.reader.close();
    super.close();
  }
}

export function openMtscompSource(path: string): MtscompSource {
  const r = MtscompReader.open(path);
  const h = r.header;
  const b = itemsize(h.dtype);
  return new MtscompSource(r, {
    format: 'mtscomp',
    dtype: h.dtype,
    nChannels: h.nChannels,
    nSamples: r.nSamples,
    sampleRateHz: h.sampleRate,
    encoding: { bytesPerSample: b, bigEndian: false },
    dataOffset: 0,
    prefix: new Uint8Array(0),
    suffix: new Uint8Array(0),
    sidecars: [{ role: 'ch', data: r.chBytes }],
    fileBytes: r.nSamples * h.nChannels * b,
    meta: { cbinBytes: r.cbinBytes, chunks: r.nChunks, chunkOrder: h.chunkOrder, doTimeDiff: h.doTimeDiff, doSpatialDiff: h.doSpatialDiff },
  });
}

// ---------------------------------------------------------------------------------------------
// writer

export interface MtscompWriteOptions {
  dtype: DType;
  nChannels: number;
  sampleRateHz: number;
  nSamples: number;
  /** Chunk bounds in samples (0 ... nSamples); default from chunkDuration. */
  chunkBounds?: number[];
  chunkDuration?: number;
  chunkOrder?: 'F' | 'C';
  doTimeDiff?: boolean;
  doSpatialDiff?: boolean;
  compLevel?: number;
  /** Keys of an original `.ch` to keep (options, extra keys); offsets and hashes are recomputed. */
  baseCh?: Record<string, Json>;
  force?: boolean;
}

/** numpy's round (half to even). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** mtscomp's chunk bounds: `range(0, n, round(duration * rate))` plus n. */
export function mtscompChunkBounds(nSamples: number, sampleRateHz: number, chunkDuration = 1): number[] {
  const size = Math.max(1, roundHalfEven(chunkDuration * sampleRateHz));
  const b: number[] = [];
  for (let s = 0; s < nSamples; s += size) b.push(s);
  if (b.length === 0 || b[b.length - 1]! < nSamples) b.push(nSamples);
  return b;
}

/** Python `json.dumps(obj, indent=2, sort_keys=True)` for the values a `.ch` holds. */
export function pythonJson(v: Json, floatKeys: ReadonlySet<string>, indent = '', key = ''): string {
  const next = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => next + pythonJson(x, floatKeys, next)).join(',\n') + '\n' + indent + ']';
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return '{}';
    return '{\n' + keys.map((k) => `${next}${JSON.stringify(k)}: ${pythonJson((v as Record<string, Json>)[k]!, floatKeys, next, k)}`).join(',\n') + '\n' + indent + '}';
  }
  if (typeof v === 'number' && floatKeys.has(key) && Number.isInteger(v)) return `${v}.0`;
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(v);
}

/**
 * Streaming `.cbin` + `.ch` writer: give it the samples in order (any slicing); it cuts them at
 * the chunk bounds, writes each chunk as soon as it is complete, and the `.ch` on close. Both
 * files are written atomically.
 */
export class MtscompWriter {
  readonly bounds: number[];
  private readonly cbin: AtomicFile;
  private readonly ch: AtomicFile;
  private readonly offsets = [0];
  private readonly sc: Hash = createHash('sha1');
  private readonly su: Hash = createHash('sha1');
  private readonly opts: Required<Pick<MtscompWriteOptions, 'chunkOrder' | 'doTimeDiff' | 'doSpatialDiff' | 'compLevel'>> & MtscompWriteOptions;
  private pending: TypedArray;
  private pendingSamples = 0;
  private chunk = 0;
  private written = 0;

  constructor(readonly cbinPath: string, o: MtscompWriteOptions, readonly chPath = chPathFor(cbinPath)) {
    if (!/\.cbin$/i.test(cbinPath)) throw new UsageError(`${cbinPath}: an mtscomp output must end in .cbin (its .ch is written beside it)`);
    this.opts = { chunkOrder: 'F', doTimeDiff: true, doSpatialDiff: false, compLevel: -1, ...o };
    this.bounds = o.chunkBounds ?? mtscompChunkBounds(o.nSamples, o.sampleRateHz, o.chunkDuration);
    if (this.bounds[0] !== 0 || this.bounds[this.bounds.length - 1] !== o.nSamples) throw new UsageError(`${cbinPath}: chunk bounds must run from 0 to ${o.nSamples}`);
    const maxChunk = Math.max(0, ...this.bounds.slice(1).map((b, i) => b - this.bounds[i]!));
    this.pending = allocArray(o.dtype, maxChunk * o.nChannels);
    this.cbin = new AtomicFile(cbinPath, o.force);
    try {
      this.ch = new AtomicFile(this.chPath, o.force);
    } catch (e) {
      this.cbin.abort();
      throw e;
    }
  }

  /** Appends interleaved C-order samples (a whole number of frames). */
  append(samples: TypedArray): void {
    const nCh = this.opts.nChannels;
    let pos = 0;
    const frames = samples.length / nCh;
    while (pos < frames) {
      const want = this.bounds[this.chunk + 1]! - this.bounds[this.chunk]!;
      if (want === undefined || Number.isNaN(want)) throw new UsageError(`${this.cbinPath}: more samples than the ${this.opts.nSamples} announced`);
      const take = Math.min(want - this.pendingSamples, frames - pos);
      this.pending.set(samples.subarray(pos * nCh, (pos + take) * nCh) as never, this.pendingSamples * nCh);
      this.pendingSamples += take;
      pos += take;
      if (this.pendingSamples === want) this.flushChunk(want);
    }
  }

  private flushChunk(n: number): void {
    const nCh = this.opts.nChannels;
    const data = this.pending.subarray(0, n * nCh);
    this.su.update(bytesOf(data));
    const ser = encodeChunkArray(data, n, nCh, this.opts);
    const level = this.opts.compLevel;
    const comp = new Uint8Array(deflateSync(bytesOf(ser), level >= 0 && level <= 9 ? { level } : {}));
    this.cbin.write(comp);
    this.sc.update(comp);
    this.written += comp.byteLength;
    this.offsets.push(this.written);
    this.pendingSamples = 0;
    this.chunk++;
  }

  /** The `.ch` JSON text for what was written. */
  chText(): string {
    const o = this.opts;
    const obj: Record<string, Json> = {
      ...(o.baseCh ?? {}),
      algorithm: 'zlib',
      chunk_bounds: this.bounds,
      chunk_offsets: this.offsets,
      chunk_order: o.chunkOrder,
      comp_level: o.compLevel,
      do_spatial_diff: o.doSpatialDiff,
      do_time_diff: o.doTimeDiff,
      dtype: o.dtype,
      n_channels: o.nChannels,
      sample_rate: o.sampleRateHz,
      sha1_compressed: this.sc.copy().digest('hex'),
      sha1_uncompressed: this.su.copy().digest('hex'),
      version: (o.baseCh?.version as string | undefined) ?? '1.0',
    };
    if (!o.baseCh || 'shape' in o.baseCh) obj.shape = [o.nSamples, o.nChannels];
    return pythonJson(obj, new Set(['sample_rate']));
  }

  /** Writes the `.ch` and makes both files appear under their names. */
  commit(): { cbinBytes: number; chPath: string } {
    // a zero-length chunk (n_samples 0) still gets its zlib stream, as mtscomp cannot write one
    while (this.chunk < this.bounds.length - 1) {
      const want = this.bounds[this.chunk + 1]! - this.bounds[this.chunk]!;
      if (this.pendingSamples !== want) throw new UsageError(`${this.cbinPath}: fewer samples than the ${this.opts.nSamples} announced`);
      this.flushChunk(want);
    }
    this.ch.write(new TextEncoder().encode(this.chText()));
    this.cbin.close();
    this.ch.close();
    this.cbin.commit();
    this.ch.commit();
    return { cbinBytes: this.written, chPath: this.chPath };
  }

  abort(): void {
    this.cbin.abort();
    this.ch.abort();
  }
}

export function isMtscompLossless(dtype: DType): boolean {
  return isIntegerDType(dtype);
}
