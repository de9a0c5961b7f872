import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A 1024-channel int16 recording built by stacking N1 electrode files as channels, cut to the
 * shortest: an N1-implant-sized stream made of real signals. With fewer files than channels a file
 * is reused, starting 9973 samples later each time, so no two channels are copies.
 */
export function stackN1(dir: string, nChannels = 1024, maxSamples = Infinity): { data: Int16Array; nSamples: number; nChannels: number; sampleRateHz: number } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.wav')).sort();
  if (files.length === 0) throw new Error(`${dir}: no .wav files`);
  const chans: Int16Array[] = [];
  for (let c = 0; c < nChannels; c++) {
    const b = readFileSync(join(dir, files[c % files.length]!));
    const all = new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.byteLength - ((b.byteLength - 44) % 2)));
    chans.push(all.subarray(Math.floor(c / files.length) * 9973));
  }
  const nSamples = Math.min(maxSamples, ...chans.map((c) => c.length));
  const data = new Int16Array(nSamples * nChannels);
  for (let c = 0; c < nChannels; c++) {
    const ch = chans[c]!;
    for (let s = 0; s < nSamples; s++) data[s * nChannels + c] = ch[s]!;
  }
  return { data, nSamples, nChannels, sampleRateHz: 19531 };
}

/**
 * The stack made `nSamples` long by repeating it, each repeat with its channels rotated by 97
 * (channel c of repeat r is channel (c + 97 r) mod C of the stack): a recording longer than the
 * N1 files, so that a benchmark has as many chunks as an hour-long file's share of a run would.
 */
export function lengthen(rec: ReturnType<typeof stackN1>, nSamples: number): ReturnType<typeof stackN1> {
  if (nSamples <= rec.nSamples) return rec;
  const C = rec.nChannels;
  const data = new Int16Array(nSamples * C);
  for (let s0 = 0, r = 0; s0 < nSamples; s0 += rec.nSamples, r++) {
    const rows = Math.min(rec.nSamples, nSamples - s0);
    const rot = (97 * r) % C;
    for (let s = 0; s < rows; s++) {
      const src = rec.data.subarray(s * C, (s + 1) * C);
      const dst = (s0 + s) * C;
      data.set(src.subarray(rot), dst);
      data.set(src.subarray(0, rot), dst + C - rot);
    }
  }
  return { ...rec, data, nSamples };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
