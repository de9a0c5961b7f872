import { closeSync, fstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { AtomicFile } from '../core/atomic-file.js';
import { newSha256 } from '../core/checksum.js';
import type { TypedArray } from '../core/dtype.js';
import { CorruptDataError, MismatchError, UnsupportedFormatError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import type { Sidecar, SourceInfo } from './source.js';
import { encodeSamples, openOrThrow, readAt, Source } from './source.js';

/**
 * "One file per channel" recordings (Open Ephys legacy `.continuous`, Intan `amp-*.dat`): each
 * channel file is a header, then the channel's samples, optionally cut into fixed-size records
 * with a few metadata bytes before (`recordPre`) and after (`recordPost`) each record's samples.
 * The container holds the interleaved samples; per file, a sidecar of role `channel-layout` holds
 * the header and the records' metadata (packed, see docs/spec/scatter.md), and `meta.scatter`
 * names the files in channel order with their sizes and SHA-256, so decompress rebuilds every
 * file byte for byte and checks it.
 */
export interface ScatterLayout {
  files: { path: string; bytes: number; sha256: string }[];
  headerBytes: number;
  /** Samples per record; 0 = no records (the samples follow the header). */
  recordSamples: number;
  recordPre: number;
  recordPost: number;
  /** The first 8 record bytes are an int64 LE timestamp, stored as (delta - recordSamples). */
  tsDelta: boolean;
}

export const LAYOUT_ROLE = 'channel-layout';

export function scatterOf(meta: Record<string, Json>): ScatterLayout | undefined {
  const s = meta.scatter as unknown as ScatterLayout | undefined;
  if (!s || typeof s !== 'object' || !Array.isArray(s.files)) return undefined;
  return s;
}

function recordBytes(l: ScatterLayout, bps: number): number {
  return l.recordPre + l.recordSamples * bps + l.recordPost;
}

/** Packs the non-sample bytes of every record: columns (byte-transposed), timestamps delta-coded, raw deflate. */
export function packRecordMeta(l: ScatterLayout, meta: Uint8Array, nRecords: number): Uint8Array {
  const m = l.recordPre + l.recordPost;
  const rows = new Uint8Array(meta);
  if (l.tsDelta && nRecords > 0) {
    const dv = new DataView(rows.buffer);
    let prev = dv.getBigInt64(0, true);
    for (let i = 1; i < nRecords; i++) {
      const ts = new DataView(meta.buffer, meta.byteOffset).getBigInt64(i * m, true);
      dv.setBigInt64(i * m, ts - prev - BigInt(l.recordSamples), true);
      prev = ts;
    }
  }
  const cols = new Uint8Array(rows.length);
  for (let i = 0; i < nRecords; i++) for (let k = 0; k < m; k++) cols[k * nRecords + i] = rows[i * m + k]!;
  return new Uint8Array(deflateRawSync(cols, { level: 9 }));
}

export function unpackRecordMeta(l: ScatterLayout, packed: Uint8Array, nRecords: number, what: string): Uint8Array {
  const m = l.recordPre + l.recordPost;
  let cols: Uint8Array;
  try {
    cols = new Uint8Array(inflateRawSync(packed));
  } catch {
    throw new CorruptDataError(`${what}: record metadata does not inflate`);
  }
  if (cols.length !== m * nRecords) throw new CorruptDataError(`${what}: record metadata holds ${cols.length} bytes, expected ${m * nRecords}`);
  const rows = new Uint8Array(cols.length);
  for (let i = 0; i < nRecords; i++) for (let k = 0; k < m; k++) rows[i * m + k] = cols[k * nRecords + i]!;
  if (l.tsDelta && nRecords > 0) {
    const dv = new DataView(rows.buffer);
    let prev = dv.getBigInt64(0, true);
    for (let i = 1; i < nRecords; i++) {
      prev = prev + dv.getBigInt64(i * m, true) + BigInt(l.recordSamples);
      dv.setBigInt64(i * m, prev, true);
    }
  }
  return rows;
}

/** Reads a channel file's header and record metadata and hashes it: the file's layout sidecar. */
export function channelSidecar(dir: string, l: ScatterLayout, path: string, nSamples: number, bps: number, recordCheck?: (rec: Uint8Array, i: number) => void): { sidecar: Sidecar; sha256: string; bytes: number } {
  const full = join(dir, path);
  const fd = openOrThrow(full);
  try {
    const size = fstatSync(fd).size;
    const header = readAt(fd, full, 0, l.headerBytes);
    const hash = newSha256().update(header);
    let meta = new Uint8Array(0);
    let nRecords = 0;
    if (l.recordSamples > 0) {
      const rb = recordBytes(l, bps);
      nRecords = nSamples / l.recordSamples;
      const m = l.recordPre + l.recordPost;
      meta = new Uint8Array(nRecords * m);
      const per = Math.max(1, Math.floor((4 << 20) / rb));
      for (let r0 = 0; r0 < nRecords; r0 += per) {
        const n = Math.min(per, nRecords - r0);
        const block = readAt(fd, full, l.headerBytes + r0 * rb, n * rb);
        hash.update(block);
        for (let i = 0; i < n; i++) {
          const rec = block.subarray(i * rb, (i + 1) * rb);
          recordCheck?.(rec, r0 + i);
          meta.set(rec.subarray(0, l.recordPre), (r0 + i) * m);
          meta.set(rec.subarray(rb - l.recordPost), (r0 + i) * m + l.recordPre);
        }
      }
    } else {
      for (let p = l.headerBytes; p < size; p += 4 << 20) hash.update(readAt(fd, full, p, Math.min(4 << 20, size - p)));
    }
    const packed = l.recordSamples > 0 ? packRecordMeta(l, meta, nRecords) : new Uint8Array(0);
    const data = new Uint8Array(header.length + packed.length);
    data.set(header);
    data.set(packed, header.length);
    return { sidecar: { role: LAYOUT_ROLE, path, data }, sha256: hash.digest('hex'), bytes: size };
  } finally {
    closeSync(fd);
  }
}

/** Sample access over one file per channel, interleaving on the fly. */
export class ScatterSource extends Source {
  private fds: number[];
  constructor(readonly dir: string, info: SourceInfo, private readonly layout: ScatterLayout) {
    super(join(dir, layout.files[0]!.path), info);
    this.fds = [];
    try {
      for (const f of layout.files) this.fds.push(openOrThrow(join(dir, f.path)));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Channel c's stored sample bytes for samples [start, start + count). */
  private channelBytes(c: number, start: number, count: number): Uint8Array {
    const l = this.layout;
    const bps = this.info.encoding.bytesPerSample;
    const path = join(this.dir, l.files[c]!.path);
    if (l.recordSamples === 0) return readAt(this.fds[c]!, path, l.headerBytes + start * bps, count * bps);
    const R = l.recordSamples;
    const rb = recordBytes(l, bps);
    const r0 = Math.floor(start / R);
    const r1 = Math.floor((start + count - 1) / R);
    const block = readAt(this.fds[c]!, path, l.headerBytes + r0 * rb, (r1 - r0 + 1) * rb);
    const out = new Uint8Array(count * bps);
    let t = start;
    let o = 0;
    while (t < start + count) {
      const r = Math.floor(t / R);
      const within = t - r * R;
      const n = Math.min(R - within, start + count - t);
      const from = (r - r0) * rb + l.recordPre + within * bps;
      out.set(block.subarray(from, from + n * bps), o);
      o += n * bps;
      t += n;
    }
    return out;
  }

  override readRawFrames(start: number, count: number): Uint8Array {
    const n = this.info.nChannels;
    const bps = this.info.encoding.bytesPerSample;
    const out = new Uint8Array(count * n * bps);
    if (count === 0) return out;
    for (let c = 0; c < n; c++) {
      const b = this.channelBytes(c, start, count);
      for (let t = 0, p = 0, q = c * bps; t < count; t++, q += n * bps) for (let k = 0; k < bps; k++) out[q + k] = b[p++]!;
    }
    return out;
  }

  override close(): void {
    for (const fd of this.fds) closeSync(fd);
    this.fds = [];
    super.close();
  }
}

/**
 * Rebuilds the channel files from interleaved chunks. `folder`: files go to `out/<path>` (and
 * the verbatim `file` sidecars beside them); otherwise the single channel file is `out`.
 */
export class ScatterRestorer {
  private files: AtomicFile[] = [];
  private hashes: ReturnType<typeof newSha256>[] = [];
  private headers: Uint8Array[] = [];
  private metas: Uint8Array[] = [];
  private pos = 0;
  readonly paths: string[] = [];
  private readonly extras: { file: AtomicFile; data: Uint8Array }[] = [];

  constructor(
    private readonly source: { format: string; encoding: { bytesPerSample: number; bigEndian: boolean }; sidecars: Sidecar[]; meta: Record<string, Json> },
    private readonly layout: ScatterLayout,
    private readonly nSamples: number,
    out: string,
    folder: boolean,
    force?: boolean,
    private readonly name = 'input',
  ) {
    try {
      const l = layout;
      if (!folder && l.files.length !== 1) throw new CorruptDataError(`${name}: ${l.files.length} channel files need a folder output`);
      const nRecords = l.recordSamples > 0 ? nSamples / l.recordSamples : 0;
      if (!Number.isInteger(nRecords)) throw new CorruptDataError(`${name}: ${nSamples} samples is not a whole number of ${l.recordSamples}-sample records`);
      for (const f of l.files) {
        const sc = source.sidecars.find((s) => s.role === LAYOUT_ROLE && s.path === f.path);
        if (!sc || sc.data.length < l.headerBytes) throw new CorruptDataError(`${name}: no layout for ${f.path}`);
        this.headers.push(sc.data.subarray(0, l.headerBytes));
        this.metas.push(l.recordSamples > 0 ? unpackRecordMeta(l, sc.data.subarray(l.headerBytes), nRecords, `${name}: ${f.path}`) : new Uint8Array(0));
        const p = folder ? join(out, f.path) : out;
        mkdirSync(dirname(p), { recursive: true });
        this.paths.push(p);
        this.files.push(new AtomicFile(p, force));
        this.hashes.push(newSha256());
      }
      if (folder) {
        for (const s of source.sidecars) {
          if (s.role === LAYOUT_ROLE || s.path === undefined) continue;
          const p = join(out, s.path);
          mkdirSync(dirname(p), { recursive: true });
          this.extras.push({ file: new AtomicFile(p, force), data: s.data });
          this.paths.push(p);
        }
      }
      for (let c = 0; c < this.files.length; c++) this.put(c, this.headers[c]!);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  private put(c: number, b: Uint8Array): void {
    if (b.byteLength === 0) return;
    this.files[c]!.write(b);
    this.hashes[c]!.update(b);
  }

  /** An interleaved chunk of `data.length / nChannels` frames. */
  write(data: TypedArray): void {
    const l = this.layout;
    const n = l.files.length;
    const frames = data.length / n;
    const ctor = data.constructor as new (k: number) => TypedArray;
    const bps = this.source.encoding.bytesPerSample;
    const m = l.recordPre + l.recordPost;
    for (let c = 0; c < n; c++) {
      const ch = new ctor(frames);
      for (let t = 0; t < frames; t++) ch[t] = data[t * n + c]!;
      const bytes = encodeSamples(ch, this.source.encoding);
      if (l.recordSamples === 0) {
        this.put(c, bytes);
        continue;
      }
      const R = l.recordSamples;
      let t = 0;
      while (t < frames) {
        const abs = this.pos + t;
        const r = Math.floor(abs / R);
        const within = abs - r * R;
        const meta = this.metas[c]!;
        if (within === 0) this.put(c, meta.subarray(r * m, r * m + l.recordPre));
        const k = Math.min(R - within, frames - t);
        this.put(c, bytes.subarray(t * bps, (t + k) * bps));
        t += k;
        if (within + k === R) this.put(c, meta.subarray(r * m + l.recordPre, (r + 1) * m));
      }
    }
    this.pos += frames;
  }

  /** Checks every file against its recorded size and SHA-256, then moves all into place. */
  finish(): void {
    try {
      if (this.pos !== this.nSamples) throw new CorruptDataError(`${this.name}: restored ${this.pos} of ${this.nSamples} samples`);
      this.layout.files.forEach((f, c) => {
        if (this.files[c]!.bytesWritten !== f.bytes || this.hashes[c]!.digest('hex') !== f.sha256) {
          throw new MismatchError(`${this.name}: restored ${f.path} does not match the original's size and SHA-256; nothing written`);
        }
      });
      for (const e of this.extras) e.file.write(e.data);
      for (const f of [...this.files, ...this.extras.map((e) => e.file)]) f.close();
      for (const f of [...this.files, ...this.extras.map((e) => e.file)]) f.commit();
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  get bytesWritten(): number {
    return this.files.reduce((a, f) => a + f.bytesWritten, 0);
  }

  abort(): void {
    for (const f of this.files) f.abort();
    for (const e of this.extras) e.file.abort();
  }
}

/** Natural order: CH2 before CH10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function mismatch(dir: string, what: string): never {
  throw new UnsupportedFormatError(`${dir}: ${what}`);
}
