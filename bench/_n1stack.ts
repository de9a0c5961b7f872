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

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
