import { allocArray, itemsize, type TypedArray } from '../core/dtype.js';
import { ByteWriter } from '../core/bytes.js';
import { crc32c } from '../core/checksum.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import {
  FORMAT_VERSION,
  FLAG_DEFLATED_JSON,
  MAGIC,
  TAIL2_MAGIC,
  encodeJsonBlock,
  footerExtrasToJson,
  headerToJson,
  type ContainerFooter,
  type ContainerHeader,
} from './format.js';

export type FooterInput = Omit<ContainerFooter, 'nSamples' | 'chunksSha256'>;

/** Where container bytes go, in order: an AtomicFile, stdout, or memory (createEncoder). */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

/**
 * Streaming `.nzp` writer (format version 2) in constant memory: samples go in through append() in
 * blocks of any size, every full chunk is encoded and written at once, the index grows by a few
 * bytes a chunk. Bytes only ever go forward to the sink, so it can be a pipe; files use an
 * AtomicFile sink.
 */
export class ContainerWriter {
  private readonly index = new ByteWriter(4096);
  private readonly pending: TypedArray;
  private pendingSamples = 0;
  private offset = 0;
  private nChunks = 0;
  nSamples = 0;

  constructor(
    private readonly sink: ByteSink,
    readonly header: ContainerHeader,
    private readonly pipeline: Pipeline,
  ) {
    this.pending = allocArray(header.dtype, header.chunkSamples * header.nChannels);
    const json = encodeJsonBlock(headerToJson(header));
    const pre = new ByteWriter(16 + json.byteLength + 4);
    pre.bytes(MAGIC).u16(FORMAT_VERSION).u8(FLAG_DEFLATED_JSON).varint(json.byteLength).bytes(json).u32(crc32c(json));
    this.put(pre.finish());
  }

  private put(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.offset += bytes.byteLength;
  }

  /** Appends `frames` (interleaved, a whole number of frames); full chunks are encoded now. */
  append(frames: TypedArray): void {
    const c = this.header.nChannels;
    const cap = this.header.chunkSamples;
    let n = frames.length / c;
    let src = 0;
    while (n > 0) {
      const take = Math.min(n, cap - this.pendingSamples);
      this.pending.set(frames.subarray(src * c, (src + take) * c) as never, this.pendingSamples * c);
      this.pendingSamples += take;
      src += take;
      n -= take;
      if (this.pendingSamples === cap) this.flushPending();
    }
  }

  private flushPending(): void {
    if (this.pendingSamples === 0) return;
    const n = this.pendingSamples;
    const data = this.pending.subarray(0, n * this.header.nChannels);
    this.pendingSamples = 0;
    this.writeEncodedChunk(this.pipeline.encode(data, { dtype: this.header.dtype, shape: [n, this.header.nChannels] }), n);
  }

  /**
   * Writes one already encoded chunk of `nSamples` samples (parallel encoders, in order);
   * `crc` is the payload's CRC-32C when the encoder already computed it.
   */
  writeEncodedChunk(payload: Uint8Array, nSamples: number, crc = crc32c(payload)): void {
    if (this.pendingSamples !== 0) throw new Error('writeEncodedChunk with samples pending from append()');
    if (payload.byteLength === 0 || payload.byteLength > 0xffffffff || nSamples <= 0 || nSamples > 0xffffffff) {
      throw new RangeError(`chunk of ${payload.byteLength} bytes / ${nSamples} samples cannot be framed`);
    }
    const frame = new ByteWriter(14).varint(payload.byteLength).varint(nSamples).u32(crc).finish();
    this.index.varint(nSamples).varint(payload.byteLength);
    this.put(frame);
    this.put(payload);
    this.nSamples += nSamples;
    this.nChunks++;
  }

  /** Encodes what is pending, then writes the end marker, the trailer (index, footer) and the tail. */
  close(footer: FooterInput): ContainerFooter {
    this.flushPending();
    this.put(new Uint8Array(1)); // end of chunks: a zero payload length
    const full: ContainerFooter = { ...footer, nSamples: this.nSamples };
    if (!/^[0-9a-f]{64}$/.test(full.rawSha256)) throw new RangeError(`rawSha256 must be 64 hex digits, got ${full.rawSha256}`);
    const extras = footerExtrasToJson(full);
    const json = extras === undefined ? new Uint8Array(0) : encodeJsonBlock(extras);
    const trailer = new ByteWriter(64 + json.byteLength)
      .varint(this.nChunks)
      .bytes(this.index.finish())
      .varint(full.rawBytes)
      .bytes(Buffer.from(full.rawSha256, 'hex'))
      .varint(json.byteLength)
      .bytes(json)
      .finish();
    this.put(trailer);
    this.put(new ByteWriter(12).u32(trailer.byteLength).u32(crc32c(trailer)).bytes(TAIL2_MAGIC).finish());
    return full;
  }

  get bytesWritten(): number {
    return this.offset;
  }

}

/**
 * Samples per chunk: `seconds` of signal when asked for; by default 1 s, but no less than
 * `minBytes` of raw data (small chunks cost ratio: every chunk restarts its codecs' models).
 */
export function chooseChunkSamples(o: { dtype: Parameters<typeof itemsize>[0]; nChannels: number; sampleRateHz?: number | null; seconds?: number; minBytes?: number }): number {
  const frameBytes = itemsize(o.dtype) * o.nChannels;
  const bySeconds = Math.round((o.sampleRateHz ?? 30000) * (o.seconds ?? 1));
  const byBytes = o.seconds === undefined ? Math.ceil((o.minBytes ?? 256 * 1024) / frameBytes) : 1;
  const maxSamples = Math.floor(256 * 1024 * 1024 / frameBytes); // keep one chunk under 256 MiB
  return Math.max(1, Math.min(maxSamples, Math.max(bySeconds, byBytes)));
}
