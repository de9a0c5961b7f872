import { ioError } from '../core/io-error.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { allocArray, itemsize, type TypedArray } from '../core/dtype.js';
import { ByteReader } from '../core/bytes.js';
import { crc32c } from '../core/checksum.js';
import { CorruptDataError, NeurozipError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import { Pipeline } from '../pipeline/pipeline.js';
import {
  FORMAT_VERSION,
  FRAME_HEADER_BYTES,
  INDEX_ENTRY_BYTES,
  MAGIC,
  MAX_JSON_BYTES,
  PREAMBLE_BYTES,
  TAIL_BYTES,
  TAIL_MAGIC,
  KNOWN_FLAGS,
  decodeJsonBlock,
  footerFromJson,
  headerFromJson,
  type ContainerFooter,
  type ContainerHeader,
} from './format.js';

export interface ReadRequest {
  /** First sample (inclusive), default 0. */
  start?: number;
  /** Last sample (exclusive), default the end. */
  end?: number;
  /** Channel indices to return, in this order; default all. */
  channels?: readonly number[];
}

/**
 * Random-access `.nzp` reader. open() reads the preamble, header and the tail with its index
 * (one read at each end); read() decodes only the chunks the window touches.
 */
export class NzpReader {
  /** How many chunks were decoded since open (random access is measured by it). */
  chunksDecoded = 0;
  private readonly firstSample: Float64Array;
  private readonly payloadOffset: Float64Array;
  private readonly payloadBytes: Uint32Array;
  private readonly payloadCrc: Uint32Array;

  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly fileBytes: number,
    readonly header: ContainerHeader,
    readonly footer: ContainerFooter,
    readonly pipeline: Pipeline,
    index: Uint8Array,
    readonly nChunks: number,
  ) {
    this.firstSample = new Float64Array(nChunks);
    this.payloadOffset = new Float64Array(nChunks);
    this.payloadBytes = new Uint32Array(nChunks);
    this.payloadCrc = new Uint32Array(nChunks);
    const r = new ByteReader(index, `${path}: chunk index`);
    for (let i = 0; i < nChunks; i++) {
      this.firstSample[i] = r.u64();
      this.payloadOffset[i] = r.u64();
      this.payloadBytes[i] = r.u32();
      this.payloadCrc[i] = r.u32();
    }
  }

  static async open(path: string): Promise<NzpReader> {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw ioError(path, 'open', e);
    }
    try {
      const size = fstatSync(fd).size;
      const at = (pos: number, n: number) => readExact(fd, path, pos, n);
      if (size < PREAMBLE_BYTES) throw new UnsupportedFormatError(`${path}: not a neurozip .nzp file (too short)`);
      const pre = new ByteReader(at(0, PREAMBLE_BYTES), `${path}: preamble`);
      const magic = pre.bytesView(8);
      if (!MAGIC.every((b, i) => magic[i] === b)) throw new UnsupportedFormatError(`${path}: not a neurozip .nzp file (wrong magic)`);
      const version = pre.u16();
      const flags = pre.u16();
      if (version > FORMAT_VERSION) {
        throw new UnsupportedFormatError(`${path}: written in .nzp format version ${version}; this neurozip reads version ${FORMAT_VERSION} (upgrade neurozip)`);
      }
      if (version === 0) throw new CorruptDataError(`${path}: format version 0 is invalid`);
      if (flags & ~KNOWN_FLAGS) throw new UnsupportedFormatError(`${path}: unknown format flags 0x${flags.toString(16)}`);
      const headerLen = pre.u32();
      const headerEnd = PREAMBLE_BYTES + headerLen + 4;
      if (headerLen > MAX_JSON_BYTES || headerEnd + FRAME_HEADER_BYTES + TAIL_BYTES > size) {
        throw new CorruptDataError(`${path}: truncated or corrupt (header length ${headerLen}, file ${size} bytes)`);
      }
      const hb = at(PREAMBLE_BYTES, headerLen + 4);
      const headerJson = hb.subarray(0, headerLen);
      if (crc32c(headerJson) !== new ByteReader(hb.subarray(headerLen)).u32()) throw new CorruptDataError(`${path}: header checksum mismatch`);
      const header = headerFromJson(decodeJsonBlock(headerJson, flags, `${path}: header`));

      const tailBytes = at(size - TAIL_BYTES, TAIL_BYTES);
      if (!TAIL_MAGIC.every((b, i) => tailBytes[TAIL_BYTES - 8 + i] === b)) {
        throw new CorruptDataError(`${path}: truncated or corrupt (no end marker; was the write interrupted?)`);
      }
      const tail = new ByteReader(tailBytes, `${path}: corrupt tail`);
      const indexOffset = tail.u64();
      const nChunks = tail.u64();
      const footerLen = tail.u32();
      const crc = tail.u32();
      const indexBytes = nChunks * INDEX_ENTRY_BYTES;
      if (footerLen > MAX_JSON_BYTES || indexOffset < headerEnd + FRAME_HEADER_BYTES || indexOffset + indexBytes + footerLen + TAIL_BYTES !== size) {
        throw new CorruptDataError(`${path}: corrupt tail (index at ${indexOffset}, ${nChunks} chunks, file ${size} bytes)`);
      }
      const tb = at(indexOffset, indexBytes + footerLen);
      if (crc32c(tb) !== crc) throw new CorruptDataError(`${path}: index/footer checksum mismatch`);
      const footer = footerFromJson(decodeJsonBlock(tb.subarray(indexBytes), flags, `${path}: footer`));
      const pipeline = await Pipeline.fromConfig(header.pipeline);
      const reader = new NzpReader(path, fd, size, header, footer, pipeline, tb.subarray(0, indexBytes), nChunks);
      reader.indexOffset = indexOffset;
      reader.headerEnd = headerEnd;
      reader.validateIndex();
      return reader;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  private indexOffset = Infinity;
  private headerEnd = 0;

  private validateIndex(): void {
    const n = this.nChunks;
    const total = this.footer.nSamples;
    let prevEnd = this.headerEnd;
    const maxChunk = Math.floor(2 ** 31 / (itemsize(this.header.dtype) * this.header.nChannels));
    for (let i = 0; i < n; i++) {
      const first = this.firstSample[i]!;
      const next = i + 1 < n ? this.firstSample[i + 1]! : total;
      const off = this.payloadOffset[i]!;
      if ((i === 0 && first !== 0) || next <= first || next - first > maxChunk || off < prevEnd + FRAME_HEADER_BYTES || off + this.payloadBytes[i]! > this.indexOffset - FRAME_HEADER_BYTES) {
        throw new CorruptDataError(`${this.path}: corrupt chunk index at entry ${i}`);
      }
      prevEnd = off + this.payloadBytes[i]!;
    }
    if (n === 0 && total !== 0) throw new CorruptDataError(`${this.path}: ${total} samples but no chunks`);
  }

  get nSamples(): number {
    return this.footer.nSamples;
  }
  get nChannels(): number {
    return this.header.nChannels;
  }
  chunkStart(i: number): number {
    return this.firstSample[i]!;
  }
  chunkLength(i: number): number {
    return (i + 1 < this.nChunks ? this.firstSample[i + 1]! : this.nSamples) - this.firstSample[i]!;
  }
  chunkCrc(i: number): number {
    return this.payloadCrc[i]!;
  }
  chunkPayloadBytes(i: number): number {
    return this.payloadBytes[i]!;
  }

  /**
   * The chunk's compressed payload with its frame header checked against the index, and its
   * CRC-32C unless `checkCrc` is false (a worker thread then checks it: see ChunkPool.decode).
   */
  readPayload(i: number, checkCrc = true): Uint8Array {
    if (this.fd === undefined) throw new UsageError(`${this.path}: reader is closed`);
    const off = this.payloadOffset[i]!;
    const len = this.payloadBytes[i]!;
    const buf = readExact(this.fd, this.path, off - FRAME_HEADER_BYTES, len + FRAME_HEADER_BYTES);
    const fr = new ByteReader(buf, `${this.path}: chunk ${i}`);
    if (fr.u32() !== len || fr.u32() !== this.chunkLength(i) || fr.u32() !== this.payloadCrc[i]) {
      throw new CorruptDataError(`${this.path}: chunk ${i} frame does not match the index`);
    }
    const payload = buf.subarray(FRAME_HEADER_BYTES);
    if (checkCrc && crc32c(payload) !== this.payloadCrc[i]) throw new CorruptDataError(`${this.path}: chunk ${i} checksum mismatch (the file is damaged)`);
    return payload;
  }

  /** Decodes chunk i: [chunkLength(i), nChannels] interleaved. */
  decodeChunk(i: number, out?: TypedArray): TypedArray {
    return this.decodePayload(i, this.readPayload(i), out);
  }

  /** Decodes chunk i from its payload as readPayload(i) returned it. */
  decodePayload(i: number, payload: Uint8Array, out?: TypedArray): TypedArray {
    const spec = { dtype: this.header.dtype, shape: [this.chunkLength(i), this.nChannels] };
    this.chunksDecoded++;
    try {
      return this.pipeline.decode(payload, spec, out);
    } catch (e) {
      if (e instanceof NeurozipError) throw new CorruptDataError(`${this.path}: chunk ${i}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  /** Index of the chunk holding sample s (binary search over first samples). */
  chunkOf(s: number): number {
    let lo = 0;
    let hi = this.nChunks - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firstSample[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Samples [start, end) of the chosen channels, interleaved; decodes only the touched chunks. */
  read(req: ReadRequest = {}): TypedArray {
    const start = req.start ?? 0;
    const end = req.end ?? this.nSamples;
    const channels = req.channels ?? [...Array(this.nChannels).keys()];
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= this.nSamples)) {
      throw new UsageError(`${this.path}: window [${start}, ${end}) is outside the recording's ${this.nSamples} samples`);
    }
    for (const ch of channels) {
      if (!Number.isInteger(ch) || ch < 0 || ch >= this.nChannels) throw new UsageError(`${this.path}: channel ${ch} does not exist (${this.nChannels} channels)`);
    }
    const k = channels.length;
    const C = this.nChannels;
    const out = allocArray(this.header.dtype, (end - start) * k);
    if (end === start) return out;
    for (let i = this.chunkOf(start); i < this.nChunks && this.firstSample[i]! < end; i++) {
      const chunk = this.decodeChunk(i);
      const c0 = this.firstSample[i]!;
      const from = Math.max(start, c0);
      const to = Math.min(end, c0 + this.chunkLength(i));
      for (let s = from; s < to; s++) {
        const src = (s - c0) * C;
        const dst = (s - start) * k;
        for (let j = 0; j < k; j++) out[dst + j] = chunk[src + channels[j]!]!;
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function readExact(fd: number, path: string, pos: number, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, pos + got);
    if (r === 0) throw new CorruptDataError(`${path}: truncated (wanted ${n} bytes at ${pos})`);
    got += r;
  }
  return buf;
}
