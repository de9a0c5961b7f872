import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { bytesOf, itemsize, viewAs, type DType, type TypedArray } from '../core/dtype.js';
import { AtomicFile } from '../core/atomic-file.js';
import { ByteReader } from '../core/bytes.js';
import { crc32c, newSha256 } from '../core/checksum.js';
import { CorruptDataError, MismatchError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import type { CodecConfig } from '../codecs/codec.js';
import type { Level } from '../codecs/levels.js';
import { FORMAT_VERSION, FRAME_HEADER_BYTES, KNOWN_FLAGS, MAGIC, MAX_JSON_BYTES, PREAMBLE_BYTES, TAIL_BYTES, TAIL_MAGIC, TAIL2_BYTES, TAIL2_MAGIC, decodeJsonBlock, footerFromJson, footerFromTrailer, headerFromJson, type ContainerFooter, type ContainerHeader } from '../container/format.js';
import { ContainerWriter, chooseChunkSamples, type ByteSink } from '../container/writer.js';
import { encodeSamples } from '../formats/source.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { VERSION } from '../version.js';
import { resolvePipeline, verifyFile } from './compress.js';

export interface EncoderOptions {
  dtype: DType;
  nChannels: number;
  sampleRateHz?: number;
  /** Samples per chunk; small values (a few frames) give low latency (default: ~1 s / 256 KiB). */
  chunkSamples?: number;
  level?: Level;
  codec?: string | CodecConfig[];
}

/**
 * Frame-by-frame encoder: push() takes k samples x C channels (interleaved) as they arrive and
 * returns the container bytes that became ready (whole chunks); end() returns the rest (index,
 * footer). Concatenated, the returned bytes are a valid `.nzp` of a raw little-endian stream.
 */
export class StreamEncoder {
  private out: Uint8Array[] = [];
  private readonly hash = newSha256();
  private readonly writer: ContainerWriter;
  private ended = false;
  private rawBytes = 0;

  constructor(readonly header: ContainerHeader, pipeline: Pipeline) {
    // the writer hands over fresh arrays it never touches again: keep them, copy once in take()
    this.writer = new ContainerWriter({ write: (b) => void this.out.push(b) }, header, pipeline);
  }

  private take(): Uint8Array {
    if (this.out.length === 0) return new Uint8Array(0);
    const n = this.out.reduce((a, b) => a + b.byteLength, 0);
    const all = new Uint8Array(n);
    let p = 0;
    for (const b of this.out) {
      all.set(b, p);
      p += b.byteLength;
    }
    this.out = [];
    return all;
  }

  push(frames: TypedArray): Uint8Array {
    if (this.ended) throw new UsageError('push after end()');
    if (frames.length % this.header.nChannels !== 0) throw new UsageError(`push: ${frames.length} values is not a whole number of ${this.header.nChannels}-channel frames`);
    const bytes = bytesOf(frames);
    this.hash.update(bytes);
    this.rawBytes += bytes.byteLength;
    this.writer.append(frames);
    return this.take();
  }

  end(): Uint8Array {
    if (!this.ended) this.writer.close({ suffix: new Uint8Array(0), rawSha256: this.hash.digest('hex'), rawBytes: this.rawBytes });
    this.ended = true;
    return this.take();
  }
}

export async function createEncoder(o: EncoderOptions): Promise<StreamEncoder> {
  if (!Number.isInteger(o.nChannels) || o.nChannels < 1) throw new UsageError('createEncoder: nChannels must be a positive integer');
  const pipeline = await resolvePipeline(o, o);
  const header: ContainerHeader = {
    dtype: o.dtype,
    nChannels: o.nChannels,
    sampleRateHz: o.sampleRateHz ?? null,
    chunkSamples: o.chunkSamples ?? chooseChunkSamples(o),
    pipeline: pipeline.toConfig(),
    lossless: pipeline.lossless,
    source: { format: 'raw', fileName: 'stream', encoding: { bytesPerSample: itemsize(o.dtype), bigEndian: false }, prefix: new Uint8Array(0), sidecars: [], meta: {} },
    writer: `neurozip ${VERSION}`,
  };
  return new StreamEncoder(header, pipeline);
}

/**
 * Incremental `.nzp` decoder for pipes: push() bytes in any pieces, get back the chunks decoded
 * so far (in order). It reads the chunk frames, never seeks; at end() it checks the tail, the
 * footer's sample count and, for a lossless stream, the original's SHA-256.
 */
export class StreamDecoder {
  header: ContainerHeader | undefined;
  private pipeline: Pipeline | undefined;
  private buf = new Uint8Array(0);
  private state: 'preamble' | 'header' | 'frames' | 'trailer' = 'preamble';
  private headerLen = 0;
  private flags = 0;
  private nSamples = 0;
  private nChunks = 0;
  private readonly raw = newSha256();

  constructor(readonly name = 'stdin') {}

  private append(b: Uint8Array): void {
    const next = new Uint8Array(this.buf.byteLength + b.byteLength);
    next.set(this.buf);
    next.set(b, this.buf.byteLength);
    this.buf = next;
  }

  private consume(n: number): Uint8Array {
    const head = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return head;
  }

  private version = 0;

  /** Reads `count` varints from buffer offset `from`: [values, bytes used], or undefined if incomplete. */
  private peekVarints(from: number, count: number): [number[], number] | undefined {
    let p = from;
    for (let k = 0; k < count; k++) {
      while (p < this.buf.byteLength && this.buf[p]! & 0x80) p++;
      if (p >= this.buf.byteLength) return undefined;
      p++;
    }
    const r = new ByteReader(this.buf.subarray(from, p), `${this.name}: corrupt frame`);
    const vals: number[] = [];
    for (let k = 0; k < count; k++) vals.push(r.varint());
    return [vals, p - from];
  }

  async push(bytes: Uint8Array): Promise<TypedArray[]> {
    this.append(bytes);
    const out: TypedArray[] = [];
    for (;;) {
      if (this.state === 'preamble') {
        if (this.buf.byteLength < 10) break;
        const magic = this.buf.subarray(0, 8);
        if (!MAGIC.every((b, i) => magic[i] === b)) throw new UnsupportedFormatError(`${this.name}: not a neurozip .nzp stream (wrong magic)`);
        const version = this.buf[8]! | (this.buf[9]! << 8);
        if (version !== 1 && version !== FORMAT_VERSION) throw new UnsupportedFormatError(`${this.name}: .nzp format version ${version}; this neurozip reads versions 1 and ${FORMAT_VERSION}`);
        if (version === 1) {
          if (this.buf.byteLength < PREAMBLE_BYTES) break;
          const r = new ByteReader(this.consume(PREAMBLE_BYTES).subarray(10));
          this.flags = r.u16();
          this.headerLen = r.u32();
        } else {
          if (this.buf.byteLength < 12) break;
          const v = this.peekVarints(11, 1);
          if (!v) break;
          this.flags = this.buf[10]!;
          this.headerLen = v[0][0]!;
          this.consume(11 + v[1]);
        }
        this.version = version;
        if (this.flags & ~KNOWN_FLAGS) throw new UnsupportedFormatError(`${this.name}: unknown format flags`);
        if (this.headerLen > MAX_JSON_BYTES) throw new CorruptDataError(`${this.name}: header length ${this.headerLen} is corrupt`);
        this.state = 'header';
      } else if (this.state === 'header') {
        if (this.buf.byteLength < this.headerLen + 4) break;
        const json = this.consume(this.headerLen);
        if (crc32c(json) !== new ByteReader(this.consume(4)).u32()) throw new CorruptDataError(`${this.name}: header checksum mismatch`);
        this.header = headerFromJson(decodeJsonBlock(json, this.flags, `${this.name}: header`, this.version));
        this.pipeline = await Pipeline.fromConfig(this.header.pipeline);
        this.raw.update(this.header.source.prefix);
        this.state = 'frames';
      } else if (this.state === 'frames') {
        let len: number;
        let samples: number;
        let crc: number;
        let frameBytes: number;
        if (this.version === 1) {
          if (this.buf.byteLength < FRAME_HEADER_BYTES) break;
          const f = new ByteReader(this.buf.subarray(0, FRAME_HEADER_BYTES));
          [len, samples, crc, frameBytes] = [f.u32(), f.u32(), f.u32(), FRAME_HEADER_BYTES];
          if (len === 0 && samples === 0) {
            this.consume(FRAME_HEADER_BYTES);
            this.state = 'trailer';
            continue;
          }
        } else {
          if (this.buf.byteLength < 1) break;
          if (this.buf[0] === 0) {
            this.consume(1);
            this.state = 'trailer';
            continue;
          }
          const v = this.peekVarints(0, 2);
          if (!v || this.buf.byteLength < v[1] + 4) break;
          [len, samples] = v[0] as [number, number];
          crc = new ByteReader(this.buf.subarray(v[1], v[1] + 4)).u32();
          frameBytes = v[1] + 4;
        }
        const h = this.header!;
        if (len === 0 || samples === 0 || samples * h.nChannels * itemsize(h.dtype) > 2 ** 31) throw new CorruptDataError(`${this.name}: corrupt chunk frame ${this.nChunks}`);
        if (this.buf.byteLength < frameBytes + len) break;
        this.consume(frameBytes);
        const payload = this.consume(len);
        if (crc32c(payload) !== crc) throw new CorruptDataError(`${this.name}: chunk ${this.nChunks} checksum mismatch`);
        const data = this.pipeline!.decode(payload, { dtype: h.dtype, shape: [samples, h.nChannels] });
        this.raw.update(encodeSamples(data, h.source.encoding));
        this.nSamples += samples;
        this.nChunks++;
        out.push(data);
      } else break;
    }
    return out;
  }

  /** Checks the trailer once all bytes are in. */
  end(): void {
    if (this.state !== 'trailer') throw new CorruptDataError(`${this.name}: truncated .nzp stream (ended in its ${this.state})`);
    const footer = this.version === 1 ? this.trailerV1(this.buf) : this.trailerV2(this.buf);
    if (footer.nSamples !== this.nSamples) throw new CorruptDataError(`${this.name}: footer says ${footer.nSamples} samples, stream held ${this.nSamples}`);
    this.raw.update(footer.suffix);
    this.suffix = footer.suffix;
    if (this.header!.lossless && this.raw.digest('hex') !== footer.rawSha256) throw new MismatchError(`${this.name}: decoded data does not match the original's SHA-256`);
  }

  private trailerV1(t: Uint8Array): ContainerFooter {
    if (t.byteLength < TAIL_BYTES || !TAIL_MAGIC.every((b, i) => t[t.byteLength - 8 + i] === b)) throw new CorruptDataError(`${this.name}: truncated .nzp stream (no end marker)`);
    const tail = new ByteReader(t.subarray(t.byteLength - TAIL_BYTES));
    tail.u64();
    const nChunks = tail.u64();
    const footerLen = tail.u32();
    const crc = tail.u32();
    const body = t.subarray(0, t.byteLength - TAIL_BYTES);
    if (nChunks !== this.nChunks || body.byteLength !== nChunks * 24 + footerLen || crc32c(body) !== crc) throw new CorruptDataError(`${this.name}: corrupt index or footer`);
    return footerFromJson(decodeJsonBlock(body.subarray(nChunks * 24), this.flags, `${this.name}: footer`, 1));
  }

  private trailerV2(t: Uint8Array): ContainerFooter {
    if (t.byteLength < TAIL2_BYTES || !TAIL2_MAGIC.every((b, i) => t[t.byteLength - 4 + i] === b)) throw new CorruptDataError(`${this.name}: truncated .nzp stream (no end marker)`);
    const tail = new ByteReader(t.subarray(t.byteLength - TAIL2_BYTES));
    const len = tail.u32();
    const crc = tail.u32();
    const body = t.subarray(0, t.byteLength - TAIL2_BYTES);
    if (body.byteLength !== len || crc32c(body) !== crc) throw new CorruptDataError(`${this.name}: corrupt index or footer`);
    const r = new ByteReader(body, `${this.name}: corrupt index or footer`);
    const nChunks = r.varint();
    if (nChunks !== this.nChunks) throw new CorruptDataError(`${this.name}: corrupt index or footer`);
    let total = 0;
    for (let i = 0; i < nChunks; i++) {
      total += r.varint();
      r.varint();
    }
    const rawBytes = r.varint();
    const sha = r.bytesView(32);
    const footerLen = r.varint();
    if (footerLen !== r.remaining) throw new CorruptDataError(`${this.name}: corrupt footer length`);
    const extras = footerLen === 0 ? undefined : decodeJsonBlock(r.bytesView(footerLen), this.flags, `${this.name}: footer`, 2);
    return footerFromTrailer(total, rawBytes, sha, extras);
  }

  /** The original file's trailing bytes, known at end(). */
  suffix: Uint8Array = new Uint8Array(0);
}

/** A sink for a Writable (stdout) that respects backpressure: await ready() between chunks. */
export class WritableSink implements ByteSink {
  private drain: Promise<unknown> | undefined;
  constructor(private readonly w: Writable) {}
  write(bytes: Uint8Array): void {
    if (!this.w.write(Buffer.from(bytes)) && !this.drain) this.drain = once(this.w, 'drain').then(() => (this.drain = undefined));
  }
  async ready(): Promise<void> {
    if (this.drain) await this.drain;
  }
}

export interface StreamCompressOptions extends Omit<EncoderOptions, 'dtype' | 'nChannels'> {
  dtype: DType;
  nChannels: number;
  force?: boolean;
  verify?: boolean;
}

/**
 * Compresses a raw interleaved little-endian stream (stdin) into `output` ('-' = stdout), in
 * constant memory. A file output is verified before it is kept; stdout cannot be.
 */
export async function compressStream(input: Readable, output: string, o: StreamCompressOptions): Promise<{ rawBytes: number; compressedBytes: number; verified: boolean }> {
  const enc = await createEncoder(o);
  const frame = itemsize(o.dtype) * o.nChannels;
  const file = output === '-' ? undefined : new AtomicFile(output, o.force);
  const sink = file ?? new WritableSink(process.stdout);
  let raw = 0;
  let written = 0;
  const put = (b: Uint8Array) => {
    written += b.byteLength;
    if (b.byteLength) sink.write(b);
  };
  try {
    let carry = new Uint8Array(0);
    for await (const piece of input as AsyncIterable<Buffer>) {
      const all = carry.byteLength ? Buffer.concat([carry, piece]) : piece;
      const whole = all.byteLength - (all.byteLength % frame);
      raw += whole;
      if (whole) put(enc.push(viewAs(o.dtype, new Uint8Array(all.buffer, all.byteOffset, whole))));
      carry = new Uint8Array(all.subarray(whole));
      if (sink instanceof WritableSink) await sink.ready();
    }
    if (carry.byteLength) throw new UsageError(`stdin: ${raw + carry.byteLength} bytes is not a whole number of ${o.nChannels}-channel ${o.dtype} frames`);
    put(enc.end());
    let verified = false;
    if (file) {
      file.close();
      if (o.verify ?? true) {
        const v = await verifyFile(file.tmpPath);
        if (!v.ok) throw new MismatchError(`stdin: verification failed after compressing (${v.problem}); nothing written`);
        verified = v.lossless;
      }
      file.commit();
    } else await (sink as WritableSink).ready();
    return { rawBytes: raw, compressedBytes: written, verified };
  } catch (e) {
    file?.abort();
    throw e;
  }
}

/**
 * Decodes a `.nzp` stream (stdin, or a file read sequentially) into the original bytes at
 * `output` ('-' = stdout). Sidecars are not written here (use decompressFile for files).
 */
export async function decompressStream(input: Readable, output: string, o: { force?: boolean; name?: string } = {}): Promise<{ bytes: number; verified: boolean }> {
  const dec = new StreamDecoder(o.name);
  const file = output === '-' ? undefined : new AtomicFile(output, o.force);
  const sink = file ?? new WritableSink(process.stdout);
  let bytes = 0;
  let started = false;
  const put = (b: Uint8Array) => {
    bytes += b.byteLength;
    if (b.byteLength) sink.write(b);
  };
  try {
    for await (const piece of input as AsyncIterable<Buffer>) {
      const chunks = await dec.push(new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength));
      if (!started && dec.header) {
        if (dec.header.source.meta.scatter) throw new UsageError(`${o.name ?? 'input'}: a ${dec.header.source.format} recording is one file per channel; decompress it to a folder (not as a stream)`);
        put(dec.header.source.prefix);
        started = true;
      }
      for (const c of chunks) put(encodeSamples(c, dec.header!.source.encoding));
      if (sink instanceof WritableSink) await sink.ready();
    }
    dec.end();
    put(dec.suffix);
    if (file) file.commit();
    else await (sink as WritableSink).ready();
    return { bytes, verified: dec.header!.lossless };
  } catch (e) {
    file?.abort();
    throw e;
  }
}
