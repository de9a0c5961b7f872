/**
 * The `.nzp` byte layout (versions 1 and 2) (normative spec: docs/spec/container.md). Shared constants, the
 * header and footer JSON types, and their validation.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { isDType, itemsize, type DType } from '../core/dtype.js';
import { CorruptDataError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import type { CodecConfig } from '../codecs/codec.js';
import { JSON_DICTIONARY, JSON_DICTIONARY_V2 } from './dictionary.js';
import { generatedPrefix, rebuildPrefix } from './prefix.js';

export const MAGIC = new Uint8Array([0x89, 0x4e, 0x5a, 0x50, 0x0d, 0x0a, 0x1a, 0x0a]); // \x89NZP\r\n\x1a\n
/** The version this neurozip writes; it reads 1 and 2. */
export const FORMAT_VERSION = 2;
/** Header and footer JSON larger than this are refused as corrupt (sidecars are a few MB at most). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Flag bit 0: the header and footer JSON blocks are raw DEFLATE with the version's dictionary. */
export const FLAG_DEFLATED_JSON = 1;
export const KNOWN_FLAGS = FLAG_DEFLATED_JSON;

// version 1: fixed-width frames, index and tail
export const TAIL_MAGIC = new Uint8Array([0x4e, 0x5a, 0x50, 0x54, 0x41, 0x49, 0x4c, 0x31]); // NZPTAIL1
export const PREAMBLE_BYTES = 16; // magic, u16 version, u16 flags, u32 header length
export const FRAME_HEADER_BYTES = 12; // u32 payload bytes, u32 samples, u32 crc32c
export const INDEX_ENTRY_BYTES = 24; // u64 first sample, u64 payload offset, u32 payload bytes, u32 crc32c
export const TAIL_BYTES = 32; // u64 index offset, u64 chunks, u32 footer JSON length, u32 crc32c, magic

// version 2: varint frames, a compact trailer, a 12-byte tail
export const TAIL2_MAGIC = new Uint8Array([0x4e, 0x5a, 0x54, 0x32]); // NZT2
export const TAIL2_BYTES = 12; // u32 trailer length, u32 crc32c, magic
/** Bytes of an unsigned LEB128 varint (the minimal encoding, the only one version 2 accepts). */
export const varintBytes = (v: number): number => {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
};

const dictionaryOf = (version: number) => (version === 1 ? JSON_DICTIONARY : JSON_DICTIONARY_V2);

/** A JSON block as stored: UTF-8, raw-DEFLATEd with the version's dictionary. */
export function encodeJsonBlock(value: Json, version = FORMAT_VERSION): Uint8Array {
  return new Uint8Array(deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9, dictionary: dictionaryOf(version) }));
}

/** Inverse of encodeJsonBlock (plain UTF-8 when the flag is clear); damage is CorruptDataError. */
export function decodeJsonBlock(bytes: Uint8Array, flags: number, what: string, version = FORMAT_VERSION): unknown {
  let text: Uint8Array = bytes;
  if (flags & FLAG_DEFLATED_JSON) {
    try {
      text = inflateRawSync(bytes, { dictionary: dictionaryOf(version), maxOutputLength: MAX_JSON_BYTES });
    } catch {
      throw new CorruptDataError(`${what} is damaged (cannot inflate)`);
    }
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch {
    throw new CorruptDataError(`${what} is not valid JSON`);
  }
}

/** How samples were laid out in the original file (to restore it byte for byte). */
export interface SampleEncoding {
  bytesPerSample: number;
  bigEndian: boolean;
}

/** A file that travels with the main one (a SpikeGLX `.meta`), restored beside it. */
export interface Sidecar {
  role: string;
  data: Uint8Array;
  /** For folder sources: the file's path relative to the restored folder ('/'-separated). */
  path?: string;
}

/** A relative '/'-separated path that stays inside its folder (no '..', not absolute). */
export function isSafeRelativePath(p: unknown): p is string {
  return typeof p === 'string' && p.length > 0 && !p.startsWith('/') && !p.includes('\\') && !/^[A-Za-z]:/.test(p) && p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export interface SourceRecord {
  format: string;
  fileName: string;
  encoding: SampleEncoding;
  prefix: Uint8Array;
  sidecars: Sidecar[];
  /** For folder sources (Open Ephys, Intan): the main file's path relative to the folder. */
  mainPath?: string;
  meta: Record<string, Json>;
}

/**
 * How a lossy file was made (`--lossy MODE=VALUE`): the mode and value asked for, the resolved
 * error bound `abs` (null in the rate mode `bps`), whether the bound is a guarantee, and the value
 * range it was resolved from (rel, psnr). Absent for lossless files and explicit `--codec` pipelines.
 */
export interface LossyRecord {
  /** abs/rel/psnr/bps: `--lossy`; f1/snr: `--target` (abs chosen per chunk to meet it) */
  mode: 'abs' | 'rel' | 'psnr' | 'bps' | 'f1' | 'snr';
  value: number;
  abs: number | null;
  bps: number | null;
  guaranteed: boolean;
  range: [number, number] | null;
  /** spike-window noise shaping (`--lossy ...,spikes=F`): bound F inside the windows, stored units */
  spikes?: SpikeShaping;
  /** `--lossy ...,codec=dct|dwt`: a transform codec (no per-sample bound) instead of sz */
  codec?: 'dct' | 'dwt';
  /** transform codec with psnr=: the per-chunk mean squared error target derived from the range */
  mse?: number;
}

/** Finer bound near the original's spike-threshold excursions (docs/lossy.md). */
export interface SpikeShaping {
  fine: number;
  /** fraction of the reference detector's threshold that opens a window */
  near: number;
  /** window half-width, ms */
  winMs: number;
}

export interface ContainerHeader {
  dtype: DType;
  nChannels: number;
  sampleRateHz: number | null;
  chunkSamples: number;
  pipeline: CodecConfig[];
  lossless: boolean;
  lossy?: LossyRecord;
  source: SourceRecord;
  writer: string;
  /** An N-d array stored as one chunk (a 3-D volume): its shape, C order; absent for time series. */
  shape?: number[];
}

export interface ContainerFooter {
  nSamples: number;
  suffix: Uint8Array;
  /** SHA-256 of the original file, byte for byte (prefix + sample data + suffix). */
  rawSha256: string;
  rawBytes: number;
  /** SHA-256 of the chunk frames as written (version 1 files only). */
  chunksSha256?: string;
}

/**
 * Bytes kept verbatim (file header, trailing chunks, sidecars) are stored in the JSON as base64,
 * or as {"deflate": base64, "nbytes": n} when raw DEFLATE makes them smaller (a SpikeGLX .meta
 * shrinks about 4x).
 */
const b64 = (u: Uint8Array): Json => {
  const plain = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  const packed = deflateRawSync(plain, { level: 9 });
  return packed.byteLength + 16 < plain.byteLength ? { deflate: packed.toString('base64'), nbytes: u.byteLength } : plain.toString('base64');
};
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const unb64 = (s: any, what: string): Uint8Array => {
  if (typeof s === 'string' && B64_RE.test(s)) return new Uint8Array(Buffer.from(s, 'base64'));
  if (s && typeof s.deflate === 'string' && B64_RE.test(s.deflate) && Number.isSafeInteger(s.nbytes) && s.nbytes >= 0 && s.nbytes <= MAX_JSON_BYTES) {
    try {
      const out = inflateRawSync(Buffer.from(s.deflate, 'base64'), { maxOutputLength: Math.max(1, s.nbytes) });
      if (out.byteLength === s.nbytes) return new Uint8Array(out);
    } catch {
      /* reported below */
    }
  }
  throw new CorruptDataError(`${what}: damaged`);
};

const prefixContext = (h: { dtype: DType; nChannels: number; sampleRateHz: number | null; source: { encoding: SampleEncoding } }) => ({
  dtype: h.dtype,
  nChannels: h.nChannels,
  sampleRateHz: h.sampleRateHz,
  bytesPerSample: h.source.encoding.bytesPerSample,
  bigEndian: h.source.encoding.bigEndian,
});

/**
 * The header as written (version 2): constant keys first and the per-file values (sizes, file
 * name) last, so the dictionary codes most of it as a few long matches; defaults are left out
 * (docs/spec/container.md, "Header JSON").
 */
export function headerToJson(h: ContainerHeader): Json {
  const s = h.source;
  const defaultEncoding = s.encoding.bytesPerSample === itemsize(h.dtype) && !s.encoding.bigEndian;
  const prefix = s.prefix.byteLength === 0 ? undefined : generatedPrefix(prefixContext(h), s.prefix) ?? b64(s.prefix);
  return {
    dtype: h.dtype,
    nChannels: h.nChannels,
    lossless: h.lossless,
    writer: h.writer,
    pipeline: h.pipeline,
    ...(h.lossy ? { lossy: h.lossy as unknown as Json } : {}),
    sampleRateHz: h.sampleRateHz,
    chunkSamples: h.chunkSamples,
    ...(h.shape !== undefined ? { shape: h.shape } : {}),
    source: {
      format: s.format,
      ...(defaultEncoding ? {} : { encoding: { bytesPerSample: s.encoding.bytesPerSample, bigEndian: s.encoding.bigEndian } }),
      ...(Object.keys(s.meta).length ? { meta: s.meta } : {}),
      ...(s.sidecars.length ? { sidecars: s.sidecars.map((x) => ({ role: x.role, data: b64(x.data), ...(x.path !== undefined ? { path: x.path } : {}) })) } : {}),
      ...(s.mainPath !== undefined ? { mainPath: s.mainPath } : {}),
      ...(prefix !== undefined ? { prefix } : {}),
      fileName: s.fileName,
    },
  };
}

function fail(what: string): never {
  throw new CorruptDataError(`container header: ${what}`);
}
const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function lossyFromJson(l: any): LossyRecord {
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!l || typeof l !== 'object' || !['abs', 'rel', 'psnr', 'bps', 'f1', 'snr'].includes(l.mode) || !num(l.value) || typeof l.guaranteed !== 'boolean') fail('bad lossy record');
  if (!(l.abs === null || (num(l.abs) && l.abs >= 0)) || !(l.bps === null || (num(l.bps) && l.bps > 0))) fail('bad lossy bound');
  if (!(l.range === null || (Array.isArray(l.range) && l.range.length === 2 && l.range.every(num)))) fail('bad lossy range');
  const rec: LossyRecord = { mode: l.mode, value: l.value, abs: l.abs, bps: l.bps, guaranteed: l.guaranteed, range: l.range };
  if (l.spikes !== undefined) {
    const sp = l.spikes;
    if (!sp || !num(sp.fine) || sp.fine < 0 || !num(sp.near) || sp.near < 0 || !num(sp.winMs) || sp.winMs < 0) fail('bad lossy spikes record');
    rec.spikes = { fine: sp.fine, near: sp.near, winMs: sp.winMs };
  }
  if (l.codec !== undefined) {
    if (l.codec !== 'dct' && l.codec !== 'dwt') fail('bad lossy codec');
    rec.codec = l.codec;
  }
  if (l.mse !== undefined) {
    if (!num(l.mse) || l.mse < 0) fail('bad lossy mse');
    rec.mse = l.mse;
  }
  return rec;
}

export function headerFromJson(j: any): ContainerHeader {
  if (!j || typeof j !== 'object') fail('not an object');
  if (!isDType(j.dtype)) fail(`unknown dtype ${JSON.stringify(j.dtype)}`);
  if (!posInt(j.nChannels)) fail('bad nChannels');
  if (!posInt(j.chunkSamples)) fail('bad chunkSamples');
  if (j.sampleRateHz !== null && !(typeof j.sampleRateHz === 'number' && j.sampleRateHz > 0)) fail('bad sampleRateHz');
  if (!Array.isArray(j.pipeline) || j.pipeline.some((c: any) => !c || typeof c.id !== 'string')) fail('bad pipeline');
  const s = j.source;
  if (!s || typeof s.format !== 'string' || typeof s.fileName !== 'string') fail('bad source');
  const encoding = s.encoding ?? { bytesPerSample: itemsize(j.dtype), bigEndian: false };
  if (!posInt(encoding.bytesPerSample) || typeof encoding.bigEndian !== 'boolean') fail('bad source encoding');
  const sidecars = s.sidecars ?? [];
  if (!Array.isArray(sidecars)) fail('bad sidecars');
  const ctx = prefixContext({ dtype: j.dtype, nChannels: j.nChannels, sampleRateHz: j.sampleRateHz, source: { encoding } });
  const prefix = s.prefix === undefined ? new Uint8Array(0) : typeof s.prefix === 'object' && s.prefix !== null && !('deflate' in s.prefix) ? rebuildPrefix(ctx, s.prefix) ?? fail('bad generated prefix') : unb64(s.prefix, 'source prefix');
  return {
    dtype: j.dtype,
    nChannels: j.nChannels,
    sampleRateHz: j.sampleRateHz,
    chunkSamples: j.chunkSamples,
    pipeline: j.pipeline,
    lossless: j.lossless === true,
    ...(j.lossy !== undefined ? { lossy: lossyFromJson(j.lossy) } : {}),
    source: {
      format: s.format,
      fileName: s.fileName,
      encoding: { bytesPerSample: encoding.bytesPerSample, bigEndian: encoding.bigEndian },
      prefix,
      sidecars: sidecars.map((x: any) => {
        if (!x || typeof x.role !== 'string') fail('bad sidecar');
        if (x.path !== undefined && !isSafeRelativePath(x.path)) fail(`sidecar path ${JSON.stringify(x.path)} is not a safe relative path`);
        return { role: x.role, data: unb64(x.data, `sidecar ${x.role}`), ...(x.path !== undefined ? { path: x.path } : {}) };
      }),
      ...(s.mainPath !== undefined ? { mainPath: isSafeRelativePath(s.mainPath) ? s.mainPath : fail(`mainPath ${JSON.stringify(s.mainPath)} is not a safe relative path`) } : {}),
      meta: s.meta && typeof s.meta === 'object' ? s.meta : {},
    },
    writer: typeof j.writer === 'string' ? j.writer : 'unknown',
    ...(j.shape !== undefined ? { shape: Array.isArray(j.shape) && j.shape.length > 0 && j.shape.every(posInt) ? (j.shape as number[]) : fail('bad shape') } : {}),
  };
}

/** Version 2 footer JSON: only what the binary trailer does not hold (empty when nothing). */
export function footerExtrasToJson(f: ContainerFooter): Json | undefined {
  return f.suffix.byteLength ? { suffix: b64(f.suffix) } : undefined;
}

/** Version 2: the footer from the trailer's binary fields and its JSON block (or none). */
export function footerFromTrailer(nSamples: number, rawBytes: number, rawSha256: Uint8Array, extras: any): ContainerFooter {
  if (extras !== undefined && (!extras || typeof extras !== 'object')) throw new CorruptDataError('container footer: not an object');
  const suffix = extras?.suffix === undefined ? new Uint8Array(0) : unb64(extras.suffix, 'footer suffix');
  return { nSamples, suffix, rawSha256: Buffer.from(rawSha256).toString('hex'), rawBytes };
}

/** Version 1 footer JSON. */
export function footerFromJson(j: any): ContainerFooter {
  const bad = (w: string): never => {
    throw new CorruptDataError(`container footer: ${w}`);
  };
  if (!j || typeof j !== 'object') bad('not an object');
  if (!(typeof j.nSamples === 'number' && Number.isSafeInteger(j.nSamples) && j.nSamples >= 0)) bad('bad nSamples');
  if (!(typeof j.rawBytes === 'number' && Number.isSafeInteger(j.rawBytes) && j.rawBytes >= 0)) bad('bad rawBytes');
  const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (!hex(j.rawSha256) || !hex(j.chunksSha256)) bad('bad checksum');
  return { nSamples: j.nSamples, suffix: unb64(j.suffix, 'footer suffix'), rawSha256: j.rawSha256, rawBytes: j.rawBytes, chunksSha256: j.chunksSha256 };
}
