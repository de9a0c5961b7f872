/**
 * Speed-up of chunk-parallel compression: a 1024-channel recording stacked from the N1 files,
 * compressed with --threads 1 and --threads N (median of repeats), decompressed likewise.
 * The N1 files hold ~5 s, so chunks default to 0.25 s to give the pool 20 chunks, as an hour-long
 * recording's 1 s chunks would (a 5-chunk file cannot keep 2 workers busy to the end).
 * A second table times the codec alone on the same chunks in memory (no reading, hashing, writing
 * or fsync): the pool's scaling without the file I/O, which on this VM's disk is partly serial.
 * `--dir` puts the files elsewhere (e.g. /dev/shm, a RAM disk, to take this VM's disk out of the
 * measurement); CPU s is the process's CPU time (all threads) per run, median.
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
import { median, stackN1 } from './_n1stack.js';

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
const rec = stackN1(values.data!, 1024, Math.round(Number(values.seconds) * 19531));
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
const rows: string[] = [];
const enc: Record<number, number> = {};
const dec: Record<number, number> = {};
try {
  for (const threads of [1, n]) {
    const e: number[] = [];
    const d: number[] = [];
    const ec: number[] = [];
    const dc: number[] = [];
    let ratio = 0;
    for (let k = 0; k < Number(values.repeat); k++) {
      let t = performance.now();
      let c = process.cpuUsage();
      const r = await compressFile(raw, join(dir, 'o.nzp'), { raw: { dtype: 'int16', nChannels: 1024, sampleRateHz: 19531 }, level: values.level as Level, threads, verify: false, force: true, chunkSeconds: Number(values['chunk-seconds']) });
      e.push((performance.now() - t) / 1000);
      ec.push(cpuSeconds(c));
      ratio = r.ratio;
      t = performance.now();
      c = process.cpuUsage();
      await decompressFile(join(dir, 'o.nzp'), join(dir, 'back.raw'), { threads, force: true });
      d.push((performance.now() - t) / 1000);
      dc.push(cpuSeconds(c));
    }
    enc[threads] = median(e);
    dec[threads] = median(d);
    rows.push(`| ${threads} | ${ratio.toFixed(3)} | ${(mb / enc[threads]!).toFixed(1)} | ${(signalSeconds / enc[threads]!).toFixed(2)} | ${median(ec).toFixed(2)} | ${(mb / dec[threads]!).toFixed(1)} | ${(signalSeconds / dec[threads]!).toFixed(2)} | ${median(dc).toFixed(2)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('| threads | ratio | compress MB/s | x real time | CPU s | decompress MB/s | x real time | CPU s |\n|---|---|---|---|---|---|---|---|\n' + rows.join('\n'));
console.log(`speed-up with ${n} threads: compress ${(enc[1]! / enc[n]!).toFixed(2)}x, decompress ${(dec[1]! / dec[n]!).toFixed(2)}x`);

// the codec alone, in memory: chunks encoded and decoded in this thread, then by the pool
const C = rec.nChannels;
const rows1 = Math.round(Number(values['chunk-seconds']) * rec.sampleRateHz);
const chunks: Int16Array[] = [];
for (let s = 0; s < rec.nSamples; s += rows1) chunks.push(rec.data.slice(s * C, Math.min(rec.nSamples, s + rows1) * C));
const config = levelPipeline(values.level as Level, { dtype: 'int16', nChannels: C, sampleRateHz: rec.sampleRateHz });
const pipe = await Pipeline.fromConfig(config);
const spec = (c: Int16Array) => ({ dtype: 'int16' as const, shape: [c.length / C, C] });
const mem: Record<number, [number, number]> = {};
for (const threads of [1, n]) {
  const e: number[] = [];
  const d: number[] = [];
  for (let k = 0; k <= Number(values.repeat); k++) {
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
      e.push(te);
      d.push((performance.now() - t) / 1000);
    }
  }
  mem[threads] = [median(e), median(d)];
}
console.log(`codec only, in memory (${chunks.length} chunks): 1 thread ${(mb / mem[1]![0]).toFixed(1)} / ${(mb / mem[1]![1]).toFixed(1)} MB/s, ${n} threads ${(mb / mem[n]![0]).toFixed(1)} / ${(mb / mem[n]![1]).toFixed(1)} MB/s (encode / decode); speed-up ${(mem[1]![0] / mem[n]![0]).toFixed(2)}x / ${(mem[1]![1] / mem[n]![1]).toFixed(2)}x`);
