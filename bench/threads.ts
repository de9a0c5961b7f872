/**
 * Speed-up of chunk-parallel compression: a 1024-channel recording stacked from the N1 files,
 * compressed with --threads 1 and --threads N (median of repeats), decompressed likewise.
 * The N1 files hold ~5 s, so chunks default to 0.25 s to give the pool 20 chunks, as an hour-long
 * recording's 1 s chunks would (a 5-chunk file cannot keep 2 workers busy to the end).
 * A second table times the codec alone on the same chunks in memory (no reading, hashing, writing
 * or fsync): the pool's scaling without the file I/O, which on this VM's disk is partly serial.
 * `--dir` puts the files elsewhere (e.g. /dev/shm, a RAM disk, to take this VM's disk out of the
 * measurement); CPU s is the process's CPU time (all threads) per run, median. The stacked files
 * hold 4.03 s; a longer `--seconds` repeats the stack with rotated channels (_n1stack.ts lengthen),
 * so the run has many chunks, as a long recording has, and the pool's start and last chunk weigh less.
 *   node dist/bench/threads.js [--level fast] [--threads 2] [--repeat 3] [--seconds 5] [--chunk-seconds 0.25] [--dir DIR]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compressFile, decompressFile } from '../src/api/compress.js';
import { levelPipeline } from '../src/codecs/levels.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { orderedMap, withSharedPool } from '../src/parallel/pool.js';
import type { Level } from '../src/codecs/levels.js';
import { lengthen, median, stackN1 } from './_n1stack.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: join(process.cwd(), '..', 'shared', 'data', 'n1') },
    level: { type: 'string', default: 'fast' },
    threads: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'chunk-seconds': { type: 'string', default: '0.25' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const n = Number(values.threads);
const rec = lengthen(stackN1(values.data!, 1024), Math.round(Number(values.seconds) * 19531));
const dir = mkdtempSync(join(values.dir!, 'nz-threads-'));
const raw = join(dir, 'n1x1024.raw');
writeFileSync(raw, rec.data);
const mb = rec.data.byteLength / 1e6;
const signalSeconds = rec.nSamples / rec.sampleRateHz;
console.log(`${rec.nChannels} channels x ${rec.nSamples} samples (${signalSeconds.toFixed(2)} s, ${mb.toFixed(1)} MB), level ${values.level}, chunks of ${values['chunk-seconds']} s, files in ${dir}`);
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};
// Runs alternate 1, N, N, 1, 1, N, ...: this VM's speed drifts by 10-40 % from minute to minute
// (other tenants of the host), so each speed-up is taken between two neighbouring runs and the
// median of those pairs is reported beside the ratio of the medians.
type Runs = { e: number[]; d: number[]; ec: number[]; dc: number[]; ratio: number };
const runs: Record<number, Runs> = { 1: { e: [], d: [], ec: [], dc: [], ratio: 0 }, [n]: { e: [], d: [], ec: [], dc: [], ratio: 0 } };
const pairs = { e: [] as number[], d: [] as number[] };
try {
  for (let k = 0; k < Number(values.repeat); k++) {
    for (const threads of k % 2 ? [n, 1] : [1, n]) {
      const r = runs[threads]!;
      let t = performance.now();
      let c = process.cpuUsage();
      const res = await compressFile(raw, join(dir, 'o.nzp'), { raw: { dtype: 'int16', nChannels: 1024, sampleRateHz: 19531 }, level: values.level as Level, threads, verify: false, force: true, chunkSeconds: Number(values['chunk-seconds']) });
      r.e.push((performance.now() - t) / 1000);
      r.ec.push(cpuSeconds(c));
      r.ratio = res.ratio;
      t = performance.now();
      c = process.cpuUsage();
      await decompressFile(join(dir, 'o.nzp'), join(dir, 'back.raw'), { threads, force: true });
      r.d.push((performance.now() - t) / 1000);
      r.dc.push(cpuSeconds(c));
    }
    pairs.e.push(runs[1]!.e[k]! / runs[n]!.e[k]!);
    pairs.d.push(runs[1]!.d[k]! / runs[n]!.d[k]!);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const rows = [1, n].map((threads) => {
  const r = runs[threads]!;
  const [e, d] = [median(r.e), median(r.d)];
  return `| ${threads} | ${r.ratio.toFixed(3)} | ${(mb / e).toFixed(1)} | ${(signalSeconds / e).toFixed(2)} | ${median(r.ec).toFixed(2)} | ${(mb / d).toFixed(1)} | ${(signalSeconds / d).toFixed(2)} | ${median(r.dc).toFixed(2)} |`;
});
console.log('| threads | ratio | compress MB/s | x real time | CPU s | decompress MB/s | x real time | CPU s |\n|---|---|---|---|---|---|---|---|\n' + rows.join('\n'));
const ratioOfMedians = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
console.log(`speed-up with ${n} threads: compress ${ratioOfMedians(runs[1]!.e, runs[n]!.e)}x, decompress ${ratioOfMedians(runs[1]!.d, runs[n]!.d)}x (ratio of medians); median of neighbouring pairs ${median(pairs.e).toFixed(2)}x / ${median(pairs.d).toFixed(2)}x (pairs: ${pairs.e.map((x) => x.toFixed(2)).join(' ')} / ${pairs.d.map((x) => x.toFixed(2)).join(' ')})`);

// the codec alone, in memory: chunks encoded and decoded in this thread, then by the pool
const C = rec.nChannels;
const rows1 = Math.round(Number(values['chunk-seconds']) * rec.sampleRateHz);
const chunks: Int16Array[] = [];
for (let s = 0; s < rec.nSamples; s += rows1) chunks.push(rec.data.slice(s * C, Math.min(rec.nSamples, s + rows1) * C));
const config = levelPipeline(values.level as Level, { dtype: 'int16', nChannels: C, sampleRateHz: rec.sampleRateHz });
const pipe = await Pipeline.fromConfig(config);
const spec = (c: Int16Array) => ({ dtype: 'int16' as const, shape: [c.length / C, C] });
const mem: Record<number, { e: number[]; d: number[] }> = { 1: { e: [], d: [] }, [n]: { e: [], d: [] } };
for (let k = 0; k <= Number(values.repeat); k++) {
  for (const threads of k % 2 ? [n, 1] : [1, n]) {
    // round 0 warms the JIT (and the pool's workers); not counted
    let payloads: Uint8Array[] = [];
    let t = performance.now();
    if (threads === 1) payloads = chunks.map((c) => pipe.encode(c, spec(c)));
    else await withSharedPool(config, threads, (pool) => orderedMap(chunks.length, 2 * threads, (i) => pool.encode(chunks[i]!, spec(chunks[i]!)), (r, i) => void (payloads[i] = r.bytes)));
    const te = (performance.now() - t) / 1000;
    t = performance.now();
    if (threads === 1) for (let i = 0; i < chunks.length; i++) pipe.decode(payloads[i]!, spec(chunks[i]!));
    else await withSharedPool(config, threads, (pool) => orderedMap(chunks.length, 2 * threads, (i) => pool.decode(payloads[i]!, spec(chunks[i]!)), () => {}));
    if (k > 0) {
      mem[threads]!.e.push(te);
      mem[threads]!.d.push((performance.now() - t) / 1000);
    }
  }
}
const m1 = [median(mem[1]!.e), median(mem[1]!.d)];
const mn = [median(mem[n]!.e), median(mem[n]!.d)];
console.log(`codec only, in memory (${chunks.length} chunks): 1 thread ${(mb / m1[0]!).toFixed(1)} / ${(mb / m1[1]!).toFixed(1)} MB/s, ${n} threads ${(mb / mn[0]!).toFixed(1)} / ${(mb / mn[1]!).toFixed(1)} MB/s (encode / decode); speed-up ${(m1[0]! / mn[0]!).toFixed(2)}x / ${(m1[1]! / mn[1]!).toFixed(2)}x`);
