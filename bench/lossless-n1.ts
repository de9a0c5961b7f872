/**
 * Lossless measurement on the shared data (see docs/lossless-results.md):
 *
 *   node dist/bench/lossless-n1.js [--every K] [--half train|test] [--level fast|default|max | --codec SPEC] [--ephys] [--files a,b]
 *
 * n1 mode: the int16 samples of each N1 WAV (skip the 44-byte header) as ONE chunk [nSamples, 1];
 * ratio = sum of WAV file bytes / (sum of encoded payload bytes + 300 bytes per file, an estimate of
 * the container overhead). Every file is decoded and compared byte for byte. Speed is MB of original
 * samples per second of encode / decode, with node:zlib deflate level 6 timed in the same run; wall
 * clock first, then "cpu" = the process's CPU time (user + system) over the same calls, which a
 * machine shared with other jobs inflates far less than the wall clock.
 * --half: only the first (train) or second (test) half of the n1 files by sorted name; a trained
 * prior (lmscm `prior=n1-v1`, bench/train-lmscm-prior.ts) is trained on the first and judged on the second.
 * --ephys: the multichannel int16 recordings, one chunk per ~1 s (at least 256 KiB raw), ratio per file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import '../src/codecs/builtin.js';
import { levelPipeline, type Level } from '../src/codecs/levels.js';
import { Pipeline } from '../src/pipeline/pipeline.js';

const here = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(here, '..', '..', '..', 'shared', 'data');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Item {
  name: string;
  fileBytes: number;
  data: Int16Array;
  nChannels: number;
  rateHz: number;
}

function n1Items(every: number, half?: string): Item[] {
  const dir = join(DATA, 'n1');
  const names = readdirSync(dir).filter((f) => f.endsWith('.wav')).sort();
  const h = Math.ceil(names.length / 2);
  if (half !== undefined && half !== 'train' && half !== 'test') throw new Error(`--half ${half}: expected train or test`);
  const out: Item[] = [];
  names.forEach((name, i) => {
    // every K-th file of the whole sorted list (the same files with or without --half)
    if (i % every !== 0 || (half === 'train' && i >= h) || (half === 'test' && i < h)) return;
    const buf = readFileSync(join(dir, name));
    const data = new Int16Array((buf.byteLength - 44) >> 1);
    data.set(new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + 44 + data.length * 2)));
    out.push({ name, fileBytes: buf.byteLength, data, nChannels: 1, rateHz: 19531 });
  });
  return out;
}

export const EPHYS: { name: string; path: string; header: number; c: number; rateHz: number; anchor: string; anchorRatio: number }[] = [
  { name: 'locust', path: 'ephys/locust_tridesclous/locust_trial_01.raw', header: 0, c: 4, rateHz: 15000, anchor: 'WavPack', anchorRatio: 1.99 },
  { name: 'whitematter64', path: 'ephys/whitematter_hs64/HSW_2024_12_12__10_28_23__70min_17sec__hsamp_64ch_25000sps_stub.bin', header: 8, c: 64, rateHz: 25000, anchor: 'FLAC', anchorRatio: 2.64 },
  { name: 'openephys32', path: 'ephys/openephys_binary/v0.4.4.1_cinpla_32ch/Rhythm_FPGA-100.0/continuous.dat', header: 0, c: 32, rateHz: 30000, anchor: 'WavPack', anchorRatio: 2.46 },
  { name: 'np-ultra', path: 'ephys/spikeglx_np_ultra/p5_g0_t0.imec0.ap.bin', header: 0, c: 385, rateHz: 30000, anchor: 'mtscomp', anchorRatio: 2.91 },
  { name: 'np2', path: 'ephys/spikeglx_np2/all_chan_g0_t0.imec0.ap.bin', header: 0, c: 385, rateHz: 30000, anchor: 'mtscomp', anchorRatio: 2.83 },
  { name: 'oe-np-lfp384', path: 'ephys/openephys_binary/np_lfp_384ch/Neuropix-PXI-116.1/continuous.dat', header: 0, c: 384, rateHz: 2500, anchor: 'mtscomp', anchorRatio: 3.12 },
];

function ephysItem(e: (typeof EPHYS)[number]): Item {
  const buf = readFileSync(join(DATA, e.path));
  const n = Math.floor((buf.byteLength - e.header) / 2 / e.c);
  const data = new Int16Array(n * e.c);
  data.set(new Int16Array(buf.buffer.slice(buf.byteOffset + e.header, buf.byteOffset + e.header + n * e.c * 2)));
  return { name: e.name, fileBytes: buf.byteLength, data, nChannels: e.c, rateHz: e.rateHz };
}

function same(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Result {
  fileBytes: number;
  encBytes: number;
  rawBytes: number;
  encS: number;
  decS: number;
  zEncS: number;
  zDecS: number;
  zBytes: number;
  /** CPU seconds of the same calls */
  encC: number;
  decC: number;
  zEncC: number;
  zDecC: number;
}

function cpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function run(items: Item[], spec: (it: Item) => Promise<Pipeline>, chunkRows: (it: Item) => number, overhead: number): Promise<Result> {
  const r: Result = { fileBytes: 0, encBytes: 0, rawBytes: 0, encS: 0, decS: 0, zEncS: 0, zDecS: 0, zBytes: 0, encC: 0, decC: 0, zEncC: 0, zDecC: 0 };
  for (const it of items) {
    const p = await spec(it);
    const c = it.nChannels;
    const rows = it.data.length / c;
    const step = chunkRows(it);
    let enc = 0;
    for (let r0 = 0; r0 < rows; r0 += step) {
      const r1 = Math.min(rows, r0 + step);
      const chunk = it.data.subarray(r0 * c, r1 * c);
      const cs = { dtype: 'int16' as const, shape: [r1 - r0, c] };
      let t = performance.now();
      let u = cpuS();
      const bytes = p.encode(chunk, cs);
      r.encC += cpuS() - u;
      r.encS += (performance.now() - t) / 1000;
      t = performance.now();
      u = cpuS();
      const back = p.decode(bytes, cs) as Int16Array;
      r.decC += cpuS() - u;
      r.decS += (performance.now() - t) / 1000;
      if (!same(back, chunk)) throw new Error(`${it.name}: round trip differs at rows ${r0}..${r1}`);
      enc += bytes.byteLength + overhead;
      const raw = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      t = performance.now();
      u = cpuS();
      const z = deflateSync(raw, { level: 6 });
      r.zEncC += cpuS() - u;
      r.zEncS += (performance.now() - t) / 1000;
      t = performance.now();
      u = cpuS();
      inflateSync(z);
      r.zDecC += cpuS() - u;
      r.zDecS += (performance.now() - t) / 1000;
      r.zBytes += z.byteLength + overhead;
    }
    r.fileBytes += it.fileBytes;
    r.encBytes += enc;
    r.rawBytes += it.data.byteLength;
    if (process.argv.includes('--verbose')) console.log(`${it.name}\t${(it.fileBytes / enc).toFixed(3)}`);
  }
  return r;
}

function line(label: string, r: Result): string {
  const mb = r.rawBytes / 1e6;
  const v = (s: number, c: number) => `${(mb / s).toFixed(1)} MB/s (cpu ${(mb / c).toFixed(1)})`;
  return (
    `${label}: ratio ${(r.fileBytes / r.encBytes).toFixed(4)}  enc ${v(r.encS, r.encC)}  dec ${v(r.decS, r.decC)}` +
    `  | deflate-6 ratio ${(r.fileBytes / r.zBytes).toFixed(3)} enc ${v(r.zEncS, r.zEncC)} dec ${v(r.zDecS, r.zDecC)}`
  );
}

async function main(): Promise<void> {
  const level = arg('--level') as Level | undefined;
  const codec = arg('--codec');
  const mk = async (it: Item) =>
    codec ? Pipeline.fromString(codec) : Pipeline.fromConfig(levelPipeline(level ?? 'fast', { dtype: 'int16', nChannels: it.nChannels, sampleRateHz: it.rateHz }));
  const label = codec ?? `level ${level ?? 'fast'}`;
  if (process.argv.includes('--ephys')) {
    const only = arg('--files')?.split(',');
    for (const e of EPHYS) {
      if (only && !only.includes(e.name)) continue;
      const it = ephysItem(e);
      // the container's chunking: about 1 s, at least 256 KiB raw
      const rows = Math.max(e.rateHz, Math.ceil((256 * 1024) / (2 * e.c)));
      const r = await run([it], mk, () => rows, 300);
      console.log(line(`${e.name} (${e.c} ch) ${label}`, r) + `  | goal ${(1.05 * e.anchorRatio).toFixed(2)} (1.05 x ${e.anchor} ${e.anchorRatio})`);
    }
    return;
  }
  const every = Number(arg('--every') ?? 1);
  const half = arg('--half');
  if (half) {
    const items = n1Items(every, half);
    const r = await run(items, mk, (it) => it.data.length, 300);
    console.log(line(`n1 ${items.length} files (${half} half), ${label}`, r));
    return;
  }
  // all files, reported per half too (the held-out half is what a trained prior is judged on)
  const parts: [string, Item[]][] = [
    ['train', n1Items(every, 'train')],
    ['test', n1Items(every, 'test')],
  ];
  const total: Result = { fileBytes: 0, encBytes: 0, rawBytes: 0, encS: 0, decS: 0, zEncS: 0, zDecS: 0, zBytes: 0, encC: 0, decC: 0, zEncC: 0, zDecC: 0 };
  for (const [name, items] of parts) {
    const r = await run(items, mk, (it) => it.data.length, 300);
    console.log(line(`  ${name} half: ${items.length} files`, r));
    for (const k of Object.keys(total) as (keyof Result)[]) total[k] += r[k];
  }
  console.log(line(`n1 ${parts[0]![1].length + parts[1]![1].length} files, ${label}`, total));
}

await main();
