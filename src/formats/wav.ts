import { closeSync, fstatSync } from 'node:fs';
import type { DType } from '../core/dtype.js';
import { ByteReader } from '../core/bytes.js';
import { UnsupportedFormatError } from '../core/errors.js';
import { openOrThrow, readAt, type SourceInfo } from './source.js';

/**
 * WAV (RIFF/WAVE): PCM 8/16/24/32-bit integer and 32/64-bit float, any channel count,
 * WAVE_FORMAT_EXTENSIBLE included. Every byte outside the samples (the header, LIST and other
 * chunks before or after `data`, a pad byte, a ragged tail) is kept as prefix or suffix.
 */
export function isWav(head: Uint8Array): boolean {
  const s = (a: number, b: number) => String.fromCharCode(...head.subarray(a, b));
  return head.byteLength >= 12 && s(0, 4) === 'RIFF' && s(8, 12) === 'WAVE';
}

export function probeWav(path: string): SourceInfo {
  const fd = openOrThrow(path);
  try {
    const size = fstatSync(fd).size;
    const bad = (why: string): never => {
      throw new UnsupportedFormatError(`${path}: not a readable WAV file (${why})`);
    };
    if (size < 12 || !isWav(readAt(fd, path, 0, 12))) bad('no RIFF/WAVE header');
    let pos = 12;
    let fmt: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
    while (pos + 8 <= size) {
      const h = new ByteReader(readAt(fd, path, pos, 8));
      const id = String.fromCharCode(...h.bytesView(4));
      const len = h.u32();
      if (id === 'fmt ') {
        if (len < 16 || pos + 8 + len > size) bad('short fmt chunk');
        const r = new ByteReader(readAt(fd, path, pos + 8, Math.min(len, 40)));
        let tag = r.u16();
        const channels = r.u16();
        const rate = r.u32();
        r.u32(); // byte rate
        const blockAlign = r.u16();
        const bits = r.u16();
        if (tag === 0xfffe) {
          if (len < 40) bad('short WAVE_FORMAT_EXTENSIBLE fmt chunk');
          r.u16(); // cbSize
          r.u16(); // valid bits
          r.u32(); // channel mask
          tag = r.u16(); // first two bytes of the sub-format GUID
        }
        fmt = { tag, channels, rate, bits, blockAlign };
      } else if (id === 'data') {
        if (!fmt) bad("'data' before 'fmt '");
        const f = fmt!;
        const dtype = sampleDType(f.tag, f.bits);
        if (!dtype) throw new UnsupportedFormatError(`${path}: WAV sample format tag ${f.tag} with ${f.bits} bits is not supported`);
        const bytesPerSample = f.bits / 8;
        if (f.channels < 1 || f.blockAlign !== bytesPerSample * f.channels) bad(`block align ${f.blockAlign} does not match ${f.channels} x ${f.bits}-bit`);
        const dataOffset = pos + 8;
        // A streaming writer may leave the size at 0 or 0xFFFFFFFF: take what the file holds.
        const dataBytes = Math.min(len, size - dataOffset);
        const nSamples = Math.floor(dataBytes / f.blockAlign);
        const dataEnd = dataOffset + nSamples * f.blockAlign;
        return {
          format: 'wav',
          dtype: dtype!,
          nChannels: f.channels,
          nSamples,
          sampleRateHz: f.rate,
          encoding: { bytesPerSample, bigEndian: false },
          dataOffset,
          prefix: readAt(fd, path, 0, dataOffset),
          suffix: readAt(fd, path, dataEnd, size - dataEnd),
          sidecars: [],
          fileBytes: size,
          meta: { bitsPerSample: f.bits, formatTag: f.tag },
        };
      }
      pos += 8 + len + (len & 1);
    }
    return bad("no 'data' chunk");
  } finally {
    closeSync(fd);
  }
}

function sampleDType(tag: number, bits: number): DType | undefined {
  if (tag === 1) return ({ 8: 'uint8', 16: 'int16', 24: 'int32', 32: 'int32' } as Record<number, DType>)[bits];
  if (tag === 3) return ({ 32: 'float32', 64: 'float64' } as Record<number, DType>)[bits];
  return undefined;
}

/** A canonical 44-byte PCM WAV header (for writing WAV output). */
export function wavHeader(o: { nChannels: number; sampleRateHz: number; bitsPerSample: number; float?: boolean; dataBytes: number }): Uint8Array {
  const b = Buffer.alloc(44);
  const align = (o.bitsPerSample / 8) * o.nChannels;
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + o.dataBytes, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(o.float ? 3 : 1, 20);
  b.writeUInt16LE(o.nChannels, 22);
  b.writeUInt32LE(Math.round(o.sampleRateHz), 24);
  b.writeUInt32LE(Math.round(o.sampleRateHz) * align, 28);
  b.writeUInt16LE(align, 32);
  b.writeUInt16LE(o.bitsPerSample, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(o.dataBytes, 40);
  return new Uint8Array(b);
}
