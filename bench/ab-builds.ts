/**
 * This build against another build of neurozip, on the ephys recordings, in the same minutes:
 *
 *   node dist/bench/ab-builds.js OTHER_DIST 'CODEC' [--reps 3] [--files a,b]
 *
 * OTHER_DIST = the other build's dist folder (e.g. a `git archive` of the previous commit, built
 * with `npx tsc`). Chunks as lossless-n1 --ephys (~1 s, at least 256 KiB raw). Each chunk is
 * encoded and decoded by the other build, then by this one, then deflate-6 / inflate, alternately,
 * `reps` times, so a loaded machine slows all of them alike. Checks that the two builds write the
 * same bytes, that this build decodes both, and prints per recording the ratio (payload + 300 bytes
 * a chunk, as lossless-n1), MB/s wall (CPU time of the process in parentheses) of each, and the
 * speed-up of this build in CPU time.
 */
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import '../src/codecs/builtin.js';
import { Pipeline } from '../src/pipeline/pipeline.js';

const here = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(here, '..', '..', '..', 'shared', 'data');

const EPHYS = [
  { name: 'locust', path: 'ephys/locust_tridesclous/locust_trial_01.raw', header: 0, c: 4, rateHz: 15000 },
  { name: 'whitematter64', path: 'ephys/whitematter_hs64/HSW_2024_12_12__10_28_23__70min_17sec__hsamp_64ch_25000sps_stub.bin', header: 8, c: 64, rateHz: 25000 },
  { name: 'openephys32', path: 'ephys/openephys_binary/v0.4.4.1_cinpla_32ch/Rhythm_FPGA-100.0/continuous.dat', header: 0, c: 32, rateHz: 30000 },
  { name: 'np-ultra', path: 'ephys/spikeglx_np_ultra/p5_g0_t0.imec0.ap.bin', header: 0, c: 385, rateHz: 30000 },
  { name: 'np2', path: 'ephys/spikeglx_np2/all_chan_g0_t0.imec0.ap.bin', header: 0, c: 385, rateHz: 30000 },
  { name: 'oe-np-lfp384', path: 'ephys/openephys_binary/np_lfp_384ch/Neuropix-PXI-116.1/continuous.dat', header: 0, c: 384, rateHz: 2500 },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** wall and CPU seconds, accumulated */
class Clock {
  wall = 0;
  cpu = 0;
  time<T>(f: () => T): T {
    const t = performance.now();
    const u = cpuS();
    const r = f();
    this.cpu += cpuS() - u;
    this.wall += (performance.now() - t) / 1000;
    return r;
  }
  rate(mb: number): string {
    return `${(mb / this.wall).toFixed(1)} (${(mb / this.cpu).toFixed(1)})`;
  }
}

async function main(): Promise<void> {
  const [otherDist, codec] = process.argv.slice(2);
  if (!otherDist || !codec) throw new Error("usage: node dist/bench/ab-builds.js OTHER_DIST 'CODEC' [--reps N] [--files a,b]");
  const reps = Number(arg('--reps') ?? 3);
  const only = arg('--files')?.split(',');
  const other = resolve(otherDist);
  const O = (await import(pathToFileURL(join(other, 'src/pipeline/pipeline.js')).href)) as { Pipeline: typeof Pipeline };
  await import(pathToFileURL(join(other, 'src/codecs/builtin.js')).href);
  console.log(`codec ${codec}; other build ${other}; ${reps} reps; MB/s wall (CPU)`);
  console.log('recording | ratio | other enc | this enc | other dec | this dec | deflate-6 ratio / enc / dec | CPU speed-up enc / dec');
  for (const e of EPHYS) {
    if (only && !only.includes(e.name)) continue;
    const buf = readFileSync(join(DATA, e.path));
    const n = Math.floor((buf.byteLength - e.header) / 2 / e.c);
    const data = new Int16Array(buf.buffer.slice(buf.byteOffset + e.header, buf.byteOffset + e.header + n * e.c * 2));
    const rows = Math.max(e.rateHz, Math.ceil((256 * 1024) / (2 * e.c)));
    const po = await O.Pipeline.fromString(codec);
    const pt = await Pipeline.fromString(codec);
    const [oe, te, od, td, ze, zd] = Array.from({ length: 6 }, () => new Clock());
    let enc = 0;
    let z = 0;
    for (let rep = 0; rep < reps; rep++) {
      for (let r0 = 0; r0 < n; r0 += rows) {
        const r1 = Math.min(n, r0 + rows);
        const chunk = data.subarray(r0 * e.c, r1 * e.c);
        const cs = { dtype: 'int16' as const, shape: [r1 - r0, e.c] };
        const a = oe.time(() => po.encode(chunk, cs));
        od.time(() => po.decode(a, cs));
        const b = te.time(() => pt.encode(chunk, cs));
        const back = td.time(() => pt.decode(b, cs));
        if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) throw new Error(`${e.name}: the builds' bytes differ at rows ${r0}..${r1}`);
        if (Buffer.compare(Buffer.from(back.buffer, back.byteOffset, back.byteLength), Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) !== 0)
          throw new Error(`${e.name}: round trip differs at rows ${r0}..${r1}`);
        const raw = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const zz = ze.time(() => deflateSync(raw, { level: 6 }));
        zd.time(() => inflateSync(zz));
        if (rep === 0) {
          enc += b.byteLength + 300;
          z += zz.byteLength + 300;
        }
      }
    }
    const mb = (reps * data.byteLength) / 1e6;
    console.log(
      `${e.name} (${e.c} ch) | ${(buf.byteLength / enc).toFixed(4)} | ${oe.rate(mb)} | ${te.rate(mb)} | ${od.rate(mb)} | ${td.rate(mb)} | ` +
        `${(buf.byteLength / z).toFixed(3)} / ${ze.rate(mb)} / ${zd.rate(mb)} | x${(oe.cpu / te.cpu).toFixed(2)} / x${(od.cpu / td.cpu).toFixed(2)}`,
    );
  }
}

await main();
