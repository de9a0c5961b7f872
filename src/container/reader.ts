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
  TAIL2_BYTES,
  TAIL2_MAGIC,
  KNOWN_FLAGS,
  decodeJsonBlock,
  footerFromJson,
  footerFromTrailer,
  headerFromJson,
  varintBytes,
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
  /** From the index (version 1), or from each frame as it is read (version 2). */
  private readonly payloadCrc: Uint32Array;

  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly fileBytes: number,
    readonly version: number,
    readonly header: ContainerHeader,
    readonly footer: ContainerFooter,
    readonly pipeline: Pipeline,
    index: ChunkIndex,
  ) {
    this.firstSample = index.firstSample;
    this.payloadOffset = index.payloadOffset;
    this.payloadBytes = index.payloadBytes;
    this.payloadCrc = index.payloadCrc;
  }

  get nChunks(): number {
    return this.firstSample.length;
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
      const head = at(0, Math.min(size, 24));
      if (!MAGIC.every((b, i) => head[i] === b)) throw new UnsupportedFormatError(`${path}: not a neurozip .nzp file (wrong magic)`);
      const version = head[8]! | (head[9]! << 8);
      if (version > FORMAT_VERSION) {
        throw new UnsupportedFormatError(`${path}: written in .nzp format version ${version}; this neurozip reads versions 1 and ${FORMAT_VERSION} (upgrade neurozip)`);
      }
      if (version === 0) throw new CorruptDataError(`${path}: format version 0 is invalid`);
      const parts = version === 1 ? openV1(path, size, head, at) : openV2(path, size, head, at);
      const pipeline = await Pipeline.fromConfig(parts.header.pipeline);
      return new NzpReader(path, fd, size, version, parts.header, parts.footer, pipeline, parts.index);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
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
  /** The chunk's CRC-32C (version 2: known once readPayload(i) has read its frame). */
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
    const n = this.chunkLength(i);
    const frameBytes = this.version === 1 ? FRAME_HEADER_BYTES : varintBytes(len) + varintBytes(n) + 4;
    const buf = readExact(this.fd, this.path, off - frameBytes, len + frameBytes);
    const fr = new ByteReader(buf, `${this.path}: chunk ${i}`);
    if (this.version === 1) {
      if (fr.u32() !== len || fr.u32() !== n || fr.u32() !== this.payloadCrc[i]) throw new CorruptDataError(`${this.path}: chunk ${i} frame does not match the index`);
    } else {
      if (fr.varint() !== len || fr.varint() !== n) throw new CorruptDataError(`${this.path}: chunk ${i} frame does not match the index`);
      this.payloadCrc[i] = fr.u32();
    }
    const payload = buf.subarray(frameBytes);
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

interface ChunkIndex {
  firstSample: Float64Array;
  payloadOffset: Float64Array;
  payloadBytes: Uint32Array;
  payloadCrc: Uint32Array;
}
interface Parts {
  header: ContainerHeader;
  footer: ContainerFooter;
  index: ChunkIndex;
}
type At = (pos: number, n: number) => Uint8Array;

function newIndex(n: number): ChunkIndex {
  return { firstSample: new Float64Array(n), payloadOffset: new Float64Array(n), payloadBytes: new Uint32Array(n), payloadCrc: new Uint32Array(n) };
}

/** Largest chunk the reader accepts: 2 GiB of decoded samples. */
const maxChunkSamples = (h: ContainerHeader) => Math.floor(2 ** 31 / (itemsize(h.dtype) * h.nChannels));

/** Version 1: 16-byte preamble, fixed-width index entries, JSON footer, 32-byte tail. */
function openV1(path: string, size: number, head: Uint8Array, at: At): Parts {
  if (size < PREAMBLE_BYTES) throw new UnsupportedFormatError(`${path}: not a neurozip .nzp file (too short)`);
  const pre = new ByteReader(head.subarray(10, PREAMBLE_BYTES), `${path}: preamble`);
  const flags = pre.u16();
  if (flags & ~KNOWN_FLAGS) throw new UnsupportedFormatError(`${path}: unknown format flags 0x${flags.toString(16)}`);
  const headerLen = pre.u32();
  const headerEnd = PREAMBLE_BYTES + headerLen + 4;
  if (headerLen > MAX_JSON_BYTES || headerEnd + FRAME_HEADER_BYTES + TAIL_BYTES > size) {
    throw new CorruptDataError(`${path}: truncated or corrupt (header length ${headerLen}, file ${size} bytes)`);
  }
  const hb = at(PREAMBLE_BYTES, headerLen + 4);
  const headerJson = hb.subarray(0, headerLen);
  if (crc32c(headerJson) !== new ByteReader(hb.subarray(headerLen)).u32()) throw new CorruptDataError(`${path}: header checksum mismatch`);
  const header = headerFromJson(decodeJsonBlock(headerJson, flags, `${path}: header`, 1));

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
  const footer = footerFromJson(decodeJsonBlock(tb.subarray(indexBytes), flags, `${path}: footer`, 1));
  const index = newIndex(nChunks);
  const r = new ByteReader(tb.subarray(0, indexBytes), `${path}: chunk index`);
  for (let i = 0; i < nChunks; i++) {
    index.firstSample[i] = r.u64();
    index.payloadOffset[i] = r.u64();
    index.payloadBytes[i] = r.u32();
    index.payloadCrc[i] = r.u32();
  }
  const total = footer.nSamples;
  let prevEnd = headerEnd;
  const maxChunk = maxChunkSamples(header);
  for (let i = 0; i < nChunks; i++) {
    const first = index.firstSample[i]!;
    const next = i + 1 < nChunks ? index.firstSample[i + 1]! : total;
    const off = index.payloadOffset[i]!;
    if ((i === 0 && first !== 0) || next <= first || next - first > maxChunk || off < prevEnd + FRAME_HEADER_BYTES || off + index.payloadBytes[i]! > indexOffset - FRAME_HEADER_BYTES) {
      throw new CorruptDataError(`${path}: corrupt chunk index at entry ${i}`);
    }
    prevEnd = off + index.payloadBytes[i]!;
  }
  if (nChunks === 0 && total !== 0) throw new CorruptDataError(`${path}: ${total} samples but no chunks`);
  return { header, footer, index };
}

/**
 * Version 2: preamble with a varint header length, varint frames, one end byte, then the trailer
 * (index of (samples, payload bytes) per chunk, raw size, binary SHA-256, footer JSON) and a
 * 12-byte tail. Chunk offsets follow from the index, so the layout must match it exactly.
 */
function openV2(path: string, size: number, head: Uint8Array, at: At): Parts {
  const pre = new ByteReader(head.subarray(10), `${path}: truncated or corrupt preamble`);
  const flags = pre.u8();
  if (flags & ~KNOWN_FLAGS) throw new UnsupportedFormatError(`${path}: unknown format flags 0x${flags.toString(16)}`);
  const headerLen = pre.varint();
  const headerStart = 10 + pre.pos;
  const headerEnd = headerStart + headerLen + 4;
  if (headerLen > MAX_JSON_BYTES || headerEnd + 1 + TAIL2_BYTES > size) {
    throw new CorruptDataError(`${path}: truncated or corrupt (header length ${headerLen}, file ${size} bytes)`);
  }
  const hb = at(headerStart, headerLen + 4);
  const headerJson = hb.subarray(0, headerLen);
  if (crc32c(headerJson) !== new ByteReader(hb.subarray(headerLen)).u32()) throw new CorruptDataError(`${path}: header checksum mismatch`);
  const header = headerFromJson(decodeJsonBlock(headerJson, flags, `${path}: header`, 2));

  const tailBytes = at(size - TAIL2_BYTES, TAIL2_BYTES);
  if (!TAIL2_MAGIC.every((b, i) => tailBytes[TAIL2_BYTES - 4 + i] === b)) {
    throw new CorruptDataError(`${path}: truncated or corrupt (no end marker; was the write interrupted?)`);
  }
  const tail = new ByteReader(tailBytes, `${path}: corrupt tail`);
  const trailerLen = tail.u32();
  const crc = tail.u32();
  const trailerStart = size - TAIL2_BYTES - trailerLen;
  if (trailerStart < headerEnd + 1) throw new CorruptDataError(`${path}: corrupt tail (trailer of ${trailerLen} bytes, file ${size} bytes)`);
  const tb = at(trailerStart - 1, trailerLen + 1); // the end-of-chunks byte, then the trailer
  const trailer = tb.subarray(1);
  if (crc32c(trailer) !== crc) throw new CorruptDataError(`${path}: index/footer checksum mismatch`);
  if (tb[0] !== 0) throw new CorruptDataError(`${path}: corrupt (no end-of-chunks byte before the index)`);
  const r = new ByteReader(trailer, `${path}: corrupt index/footer`);
  const nChunks = r.varint();
  r.expectAtLeast(nChunks, 2);
  const index = newIndex(nChunks);
  const maxChunk = maxChunkSamples(header);
  let pos = headerEnd;
  let total = 0;
  for (let i = 0; i < nChunks; i++) {
    const n = r.varint();
    const len = r.varint();
    if (n === 0 || n > maxChunk || len === 0 || len > 0xffffffff) throw new CorruptDataError(`${path}: corrupt chunk index at entry ${i}`);
    index.firstSample[i] = total;
    index.payloadOffset[i] = pos + varintBytes(len) + varintBytes(n) + 4;
    index.payloadBytes[i] = len;
    pos = index.payloadOffset[i]! + len;
    total += n;
  }
  if (pos !== trailerStart - 1) throw new CorruptDataError(`${path}: corrupt chunk index (chunks end at ${pos}, the end byte is at ${trailerStart - 1})`);
  const rawBytes = r.varint();
  const sha = r.bytesView(32);
  const footerLen = r.varint();
  if (footerLen !== r.remaining) throw new CorruptDataError(`${path}: corrupt footer length`);
  const extras = footerLen === 0 ? undefined : decodeJsonBlock(r.bytesView(footerLen), flags, `${path}: footer`, 2);
  return { header, footer: footerFromTrailer(total, rawBytes, sha, extras), index };
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
