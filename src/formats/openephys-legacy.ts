import { closeSync, existsSync, fstatSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UnsupportedFormatError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { folderSidecars } from './folder.js';
import { channelSidecar, mismatch, naturalCompare, ScatterSource, type ScatterLayout } from './scatter.js';
import { openOrThrow, readAt, type SourceInfo } from './source.js';

/**
 * Open Ephys legacy format: one `.continuous` file per channel. Each file is a 1024-byte ASCII
 * header (`header.sampleRate = 30000;`, `header.bitVolts = 0.195;`, `header.channel = 'CH1';`
 * ...) then records of 2070 bytes: int64 LE timestamp, uint16 LE sample count N (= 1024),
 * uint16 LE recording number, 1024 int16 BIG-endian samples, 10-byte marker 0 1 2 ... 8 255.
 * A folder of them (or one file) is a recording; channels are the files in natural name order.
 */
const HEADER_BYTES = 1024;
const RECORD_SAMPLES = 1024;
const RECORD_BYTES = 12 + RECORD_SAMPLES * 2 + 10;
const MARKER = [0, 1, 2, 3, 4, 5, 6, 7, 8, 255];

export function isContinuousFile(path: string): boolean {
  return /\.continuous$/i.test(path);
}

export function continuousFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => isContinuousFile(n) && statSync(join(dir, n)).isFile())
      .sort(naturalCompare);
  } catch {
    return [];
  }
}

export interface LegacyHeader {
  sampleRateHz: number;
  bitVolts: number | null;
  channel: string;
  fields: Record<string, string>;
}

export function parseLegacyHeader(path: string, bytes: Uint8Array): LegacyHeader {
  const text = new TextDecoder('latin1').decode(bytes);
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/header\.(\w+)\s*=\s*([^;]*);/g)) fields[m[1]!] = m[2]!.trim().replace(/^'(.*)'$/, '$1');
  if (!/Open Ephys Data Format/.test(fields.format ?? '')) throw new UnsupportedFormatError(`${path}: not an Open Ephys .continuous file (header.format is not 'Open Ephys Data Format')`);
  const rate = Number(fields.sampleRate);
  if (!(rate > 0)) throw new UnsupportedFormatError(`${path}: malformed .continuous header (no valid header.sampleRate)`);
  const hb = fields.header_bytes !== undefined ? Number(fields.header_bytes) : HEADER_BYTES;
  if (hb !== HEADER_BYTES) throw new UnsupportedFormatError(`${path}: header_bytes ${fields.header_bytes} (only 1024 is supported)`);
  const bv = Number(fields.bitVolts);
  return { sampleRateHz: rate, bitVolts: Number.isFinite(bv) && fields.bitVolts !== undefined ? bv : null, channel: fields.channel ?? basename(path).replace(/\.continuous$/i, ''), fields };
}

/** A folder of `.continuous` files, or one such file. */
export function openOpenEphysLegacy(path: string, isFolder: boolean): ScatterSource {
  const dir = isFolder ? path : dirname(path);
  const names = isFolder ? continuousFilesIn(dir) : [basename(path)];
  if (names.length === 0) throw new UnsupportedFormatError(`${dir}: no .continuous files`);
  const layout: ScatterLayout = { files: [], headerBytes: HEADER_BYTES, recordSamples: RECORD_SAMPLES, recordPre: 12, recordPost: 10, tsDelta: true };
  const headers: LegacyHeader[] = [];
  let nRecords = -1;
  for (const name of names) {
    const full = join(dir, name);
    const fd = openOrThrow(full);
    try {
      const size = fstatSync(fd).size;
      if (size < HEADER_BYTES) throw new UnsupportedFormatError(`${full}: truncated .continuous file (${size} bytes, the header alone is 1024)`);
      headers.push(parseLegacyHeader(full, readAt(fd, full, 0, HEADER_BYTES)));
      const body = size - HEADER_BYTES;
      if (body % RECORD_BYTES !== 0) throw new UnsupportedFormatError(`${full}: ${body} bytes after the header is not a whole number of 2070-byte records (truncated file?)`);
      const n = body / RECORD_BYTES;
      if (nRecords >= 0 && n !== nRecords) mismatch(dir, `channel files hold different numbers of records (${names[0]}: ${nRecords}, ${name}: ${n}); compress them one by one`);
      nRecords = n;
    } finally {
      closeSync(fd);
    }
  }
  const rate = headers[0]!.sampleRateHz;
  const odd = headers.find((h) => h.sampleRateHz !== rate);
  if (odd) mismatch(dir, `channel files have different sample rates (${rate} and ${odd.sampleRateHz} Hz)`);
  const nSamples = nRecords * RECORD_SAMPLES;
  const sidecars = [];
  let fileBytes = 0;
  for (const name of names) {
    const check = (rec: Uint8Array, i: number) => {
      const n = rec[8]! | (rec[9]! << 8);
      if (n !== RECORD_SAMPLES) throw new UnsupportedFormatError(`${join(dir, name)}: record ${i} holds ${n} samples (only 1024-sample records are supported)`);
      for (let k = 0; k < 10; k++) if (rec[RECORD_BYTES - 10 + k] !== MARKER[k]) throw new UnsupportedFormatError(`${join(dir, name)}: record ${i} lacks the 0..8,255 end marker (corrupt file?)`);
    };
    const r = channelSidecar(dir, layout, name, nSamples, 2, check);
    layout.files.push({ path: name, bytes: r.bytes, sha256: r.sha256 });
    sidecars.push(r.sidecar);
    fileBytes += r.bytes;
  }
  if (isFolder) {
    const others = folderSidecars(dir, names);
    sidecars.push(...others);
    fileBytes += others.reduce((a, s) => a + s.data.byteLength, 0);
  }
  const info: SourceInfo = {
    format: 'openephys-legacy',
    dtype: 'int16',
    nChannels: names.length,
    nSamples,
    sampleRateHz: rate,
    encoding: { bytesPerSample: 2, bigEndian: true },
    dataOffset: 0,
    prefix: new Uint8Array(0),
    suffix: new Uint8Array(0),
    sidecars,
    ...(isFolder ? { mainPath: names[0]! } : {}),
    fileBytes,
    meta: {
      channelNames: headers.map((h) => h.channel) as Json,
      bitVolts: headers.map((h) => h.bitVolts) as Json,
      scatter: layout as unknown as Json,
    },
  };
  return new ScatterSource(dir, info, layout);
}

export function isOpenEphysLegacyFolder(dir: string): boolean {
  return !existsSync(join(dir, 'structure.oebin')) && continuousFilesIn(dir).length > 0;
}
