import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressFile, decompressFile } from '../../api/compress.js';
import { LEVELS } from '../../codecs/levels.js';
import { table } from '../util.js';

const SAMPLES = fileURLToPath(new URL('../../../../samples', import.meta.url));

/** Compresses the shipped samples at every level, restores them, and prints one table. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('compress the real recordings shipped in samples/ at every level and print a table')
    .option('--dir <dir>', 'folder of recordings', SAMPLES)
    .action(async (o) => {
      const files = readdirSync(o.dir)
        .filter((f) => !f.endsWith('.meta') && !f.endsWith('.md'))
        .map((f) => join(o.dir, f))
        .filter((f) => statSync(f).isFile());
      const tmp = mkdtempSync(join(tmpdir(), 'neurozip-demo-'));
      const rows: (string | number)[][] = [];
      try {
        for (const file of files) {
          for (const level of LEVELS) {
            const out = join(tmp, `${level}.nzp`);
            // the first pass warms the JIT up; the second one is timed
            let r = await compressFile(file, out, { level, force: true });
            r = await compressFile(file, out, { level, force: true });
            const back = join(tmp, `${level}.restored`);
            await decompressFile(out, back, { force: true });
            const d = await decompressFile(out, back, { force: true });
            const same = sha(file) === sha(back);
            rows.push([
              file.slice(o.dir.length + 1),
              `${level}: ${r.pipeline}`,
              r.ratio.toFixed(3),
              (r.rawBytes / 1e6 / r.encodeSeconds).toFixed(1),
              (r.rawBytes / 1e6 / d.decodeSeconds).toFixed(1),
              r.verified && same ? 'yes' : 'NO',
            ]);
          }
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      process.stdout.write(table(rows, ['file', 'codec', 'ratio', 'enc MB/s', 'dec MB/s', 'verified']) + '\n');
      if (rows.some((r) => r[5] !== 'yes')) process.exitCode = 1;
    });
}

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
