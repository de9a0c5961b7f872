/**
 * Container overhead per file (BENCHMARKS.md "Lossless levels vs the goals"): compresses
 * every Nth file of a folder at one level (or --codec / --lossy) and reports the `.nzp` bytes that
 * are not chunk payload (preamble, header, frames, index, footer, tail): median, min, max, and the
 * all-files ratio Σ original / Σ .nzp.
 *   npm run build && node dist/bench/container-overhead.js DIR [--level L] [--every N] [--codec S] [--lossy S]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile } from '../src/api/compress.js';
import { NzpReader } from '../src/container/reader.js';
import type { Level } from '../src/codecs/levels.js';

const args = process.argv.slice(2);
const opt = (k: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const level = (opt('--level') ?? 'default') as Level;
const every = Number(opt('--every') ?? 1);
const codec = opt('--codec');
const lossy = opt('--lossy');
const dir = args[0] ?? join('..', 'shared', 'data', 'n1');
const tmp = mkdtempSync(join(tmpdir(), 'nz-ovh-'));
const files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort().filter((_, i) => i % every === 0);
const over: number[] = [];
let raw = 0;
let packed = 0;
try {
  for (const f of files) {
    const out = join(tmp, f + '.nzp');
    await compressFile(join(dir, f), out, { level, threads: 1, ...(codec ? { codec } : {}), ...(lossy ? { lossy, forceLossy: true } : {}) });
    const r = await NzpReader.open(out);
    let payload = 0;
    for (let i = 0; i < r.nChunks; i++) payload += r.chunkPayloadBytes(i);
    over.push(r.fileBytes - payload);
    raw += statSync(join(dir, f)).size;
    packed += r.fileBytes;
    r.close();
    rmSync(out);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
over.sort((a, b) => a - b);
const what = codec ? `codec ${codec}` : lossy ? `lossy ${lossy}` : `level ${level}`;
console.log(JSON.stringify({ dir, files: files.length, what, overheadMedian: over[over.length >> 1], overheadMin: over[0], overheadMax: over.at(-1), ratio: +(raw / packed).toFixed(4), rawBytes: raw, nzpBytes: packed }));
