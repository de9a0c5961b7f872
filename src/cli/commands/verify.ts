import type { Command } from 'commander';
import { basename } from 'node:path';
import { MismatchError } from '../../core/errors.js';
import { verifyFile } from '../../api/compress.js';
import { forEachInput } from '../run.js';
import { parsePositiveInt, progressBar } from '../util.js';

export function register(program: Command): void {
  program
    .command('verify')
    .description('check .nzp files: every chunk checksum, the compressed stream and the restored data SHA-256')
    .argument('<input...>', '.nzp files')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--threads <n>', 'worker threads (default: all cores)', parsePositiveInt)
    .action(async (inputs: string[], o) => {
      await forEachInput(inputs, async (input) => {
        const bar = progressBar(basename(input), o.quiet);
        let v;
        try {
          v = await verifyFile(input, bar.update, o.threads);
        } finally {
          bar.stop();
        }
        if (!v.ok) throw new MismatchError(`${input}: ${v.problem}`);
        if (!o.quiet) {
          process.stdout.write(`${input}: ok (${v.chunks} chunks, ${v.nSamples} samples, ${v.lossless ? 'restores the original byte for byte' : 'lossy: decodes cleanly'})\n`);
        }
      });
    });
}
