/**
 * Constant memory on files far larger than memory: writes a GB-sized 385-channel int16 raw
 * recording (real NP-Ultra samples tiled with a drifting offset), compresses and decompresses it
 * through the API, and reports time and the peak resident set size of this process.
 * Not run in CI.   node dist/bench/large-file.js [--gb 4] [--level fast] [--threads 2] [--dir /tmp]
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compressFile, decompressFile } from '../src/api/compress.js';
import type { Level } from '../src/codecs/levels.js';

const { values } = parseArgs({
  options: {
    gb: { type: 'string', default: '4' },
    level: { type: 'string', default: 'fast' },
    threads: { type: 'string', default: '2' },
    dir: { type: 'string', default: '/tmp' },
    data: { type: 'string', default: join(process.cwd(), '..', 'shared', 'data', 'ephys', 'spikeglx_np_ultra', 'p5_g0_t0.imec0.ap.bin') },
  },
});
const C = 385;
const target = Number(values.gb) * 1e9;
const src = new Int16Array(readFileSync(values.data!).buffer.slice(0));
const raw = join(values.dir!, 'nz-large.raw');
const nzp = raw + '.nzp';
const back = raw + '.back';
const rss = () => (process.resourceUsage().maxRSS / 1024).toFixed(0) + ' MiB';

async function sha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(path, { highWaterMark: 1 << 24 })) h.update(b as Buffer);
  return h.digest('hex');
}

try {
  const fd = openSync(raw, 'w');
  const block = new Int16Array(src.length);
  let written = 0;
  for (let k = 0; written < target; k++) {
    for (let i = 0; i < src.length; i++) block[i] = src[i]! + ((k * 7) % 64); // tiles differ a little
    written += writeSync(fd, block);
  }
  closeSync(fd);
  const size = statSync(raw).size;
  console.log(`input: ${(size / 1e9).toFixed(2)} GB, ${C} channels int16 (peak RSS so far ${rss()})`);
  let t = performance.now();
  const r = await compressFile(raw, nzp, { raw: { dtype: 'int16', nChannels: C, sampleRateHz: 30000 }, level: values.level as Level, threads: Number(values.threads), force: true, verify: false });
  const tc = (performance.now() - t) / 1000;
  console.log(`compress: ${tc.toFixed(1)} s, ${(size / 1e6 / tc).toFixed(1)} MB/s, ratio ${r.ratio.toFixed(3)}, peak RSS ${rss()}`);
  t = performance.now();
  await decompressFile(nzp, back, { threads: Number(values.threads), force: true });
  const td = (performance.now() - t) / 1000;
  console.log(`decompress (SHA-256 checked): ${td.toFixed(1)} s, ${(size / 1e6 / td).toFixed(1)} MB/s, peak RSS ${rss()}`);
  console.log(`restored file identical: ${(await sha(raw)) === (await sha(back))}`);
} finally {
  for (const p of [raw, nzp, back]) rmSync(p, { force: true });
}
