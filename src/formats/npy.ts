import { closeSync, fstatSync } from 'node:fs';
import { dtypeFromNpyDescr, itemsize, npyDescr, type DType } from '../core/dtype.js';
import { UnsupportedFormatError } from '../core/errors.js';
import { openOrThrow, readAt, type SourceInfo } from './source.js';

/**
 * NumPy `.npy` v1/v2/v3, C order, 1-D (samples) or 2-D (samples x channels) arrays of our dtypes,
 * little- or big-endian. The header is kept verbatim as the prefix.
 */
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function isNpy(head: Uint8Array): boolean {
  return head.byteLength >= 6 && NPY_MAGIC.every((b, i) => head[i] === b);
}

export interface NpyHeader {
  dtype: DType;
  bigEndian: boolean;
  shape: number[];
  dataOffset: number;
}

export function parseNpyHeader(path: string, head: Uint8Array): NpyHeader {
  const bad = (why: string): never => {
    throw new UnsupportedFormatError(`${path}: not a readable .npy file (${why})`);
  };
  if (!isNpy(head) || head.byteLength < 10) bad('no NUMPY magic');
  const major = head[6]!;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const [lenBytes, hlen] = major === 1 ? [2, dv.getUint16(8, true)] : major <= 3 && head.byteLength >= 12 ? [4, dv.getUint32(8, true)] : bad(`version ${major}`);
  const start = 8 + lenBytes;
  if (start + hlen > head.byteLength) bad('truncated header');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined) bad('header dict lacks descr, fortran_order or shape');
  if (fortran === 'True') throw new UnsupportedFormatError(`${path}: Fortran-order .npy is not supported (save with C order)`);
  const bigEndian = descr!.startsWith('>');
  const dtype = dtypeFromNpyDescr(descr!.replace(/^>/, '<'));
  if (!dtype) throw new UnsupportedFormatError(`${path}: .npy dtype '${descr}' is not supported`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) bad('bad shape');
  return { dtype: dtype!, bigEndian: bigEndian && itemsize(dtype!) > 1, shape, dataOffset: start + hlen };
}

export function probeNpy(path: string): SourceInfo {
  const fd = openOrThrow(path);
  try {
    const size = fstatSync(fd).size;
    const h = parseNpyHeader(path, readAt(fd, path, 0, Math.min(size, 65536)));
    if (h.shape.length > 2) throw new UnsupportedFormatError(`${path}: ${h.shape.length}-D .npy; time series must be 1-D or 2-D (samples x channels)`);
    const [nSamples = 1, nChannels = 1] = h.shape;
    const dataEnd = h.dataOffset + nSamples * nChannels * itemsize(h.dtype);
    if (dataEnd > size) throw new UnsupportedFormatError(`${path}: truncated .npy (${size} bytes, header promises ${dataEnd})`);
    if (nChannels < 1) throw new UnsupportedFormatError(`${path}: .npy with 0 channels`);
    return {
      format: 'npy',
      dtype: h.dtype,
      nChannels,
      nSamples,
      encoding: { bytesPerSample: itemsize(h.dtype), bigEndian: h.bigEndian },
      dataOffset: h.dataOffset,
      prefix: readAt(fd, path, 0, h.dataOffset),
      suffix: readAt(fd, path, dataEnd, size - dataEnd),
      sidecars: [],
      fileBytes: size,
      meta: { shape: h.shape },
    };
  } finally {
    closeSync(fd);
  }
}

/** A v1 .npy header for a C-order little-endian array, padded to 64 bytes as NumPy does. */
export function npyHeader(dtype: DType, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${npyDescr(dtype)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(NPY_MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), 10);
  return out;
}
