/**
 * Generated prefixes (docs/spec/container.md, "Generated prefix"): a WAV or `.npy` header that
 * the reader can rebuild from the container header plus one number is stored as that number
 * (`{"wav": dataBytes}`, `{"npy": shape}`) instead of its bytes. The writer uses the short form only
 * when the rebuilt bytes equal the original's, so restoration stays byte for byte.
 */
import { itemsize, npyDescr, type DType } from '../core/dtype.js';
import type { Json } from '../core/types.js';

/** What the rebuilders need from the container header. */
export interface PrefixContext {
  dtype: DType;
  nChannels: number;
  sampleRateHz: number | null;
  bytesPerSample: number;
  bigEndian: boolean;
}

/** The canonical 44-byte WAV header: PCM (format tag 1), or IEEE float (3) for float dtypes. */
export function wavPrefix(c: PrefixContext, dataBytes: number): Uint8Array | undefined {
  const rate = c.sampleRateHz;
  if (rate === null || !Number.isInteger(rate) || rate > 0xffffffff || c.bigEndian || !(dataBytes >= 0 && dataBytes <= 0xffffffff - 36)) return undefined;
  const align = c.bytesPerSample * c.nChannels;
  if (align > 0xffff || rate * align > 0xffffffff) return undefined;
  const b = new Uint8Array(44);
  const v = new DataView(b.buffer);
  const ascii = (s: string, at: number) => [...s].forEach((ch, i) => (b[at + i] = ch.charCodeAt(0)));
  ascii('RIFF', 0);
  v.setUint32(4, 36 + dataBytes, true);
  ascii('WAVEfmt ', 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, c.dtype.startsWith('float') ? 3 : 1, true);
  v.setUint16(22, c.nChannels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * align, true);
  v.setUint16(32, align, true);
  v.setUint16(34, 8 * c.bytesPerSample, true);
  ascii('data', 36);
  v.setUint32(40, dataBytes, true);
  return b;
}

/** A `.npy` version 1.0 header as NumPy writes it (C order, padded to a multiple of 64 bytes). */
export function npyPrefix(c: PrefixContext, shape: readonly number[]): Uint8Array | undefined {
  if (c.bytesPerSample !== itemsize(c.dtype)) return undefined;
  const d = npyDescr(c.dtype);
  const descr = d.startsWith('|') ? d : (c.bigEndian ? '>' : '<') + d.slice(1);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  if (total - 10 > 0xffff) return undefined;
  const text = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

/** The short form of `prefix` when a rebuilder gives exactly its bytes; undefined otherwise. */
export function generatedPrefix(c: PrefixContext, prefix: Uint8Array): Json | undefined {
  if (prefix.byteLength === 44) {
    const n = new DataView(prefix.buffer, prefix.byteOffset, 44).getUint32(40, true);
    if (same(wavPrefix(c, n), prefix)) return { wav: n };
  }
  if (prefix.byteLength >= 64 && prefix[0] === 0x93 && prefix[6] === 1) {
    const m = /'shape': \(((?:\d+, )*\d*),?\)/.exec(new TextDecoder('latin1').decode(prefix));
    if (m) {
      const shape = m[1] === '' ? [] : m[1]!.split(', ').map(Number);
      if (shape.every((x) => Number.isSafeInteger(x)) && same(npyPrefix(c, shape), prefix)) return { npy: shape };
    }
  }
  return undefined;
}

/** Inverse of generatedPrefix for a stored `{"wav": n}` / `{"npy": shape}`; undefined if not one. */
export function rebuildPrefix(c: PrefixContext, v: any): Uint8Array | undefined {
  if (!v || typeof v !== 'object') return undefined;
  if (Number.isSafeInteger(v.wav) && v.wav >= 0) return wavPrefix(c, v.wav);
  if (Array.isArray(v.npy) && v.npy.length <= 32 && v.npy.every((x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0)) return npyPrefix(c, v.npy);
  return undefined;
}
