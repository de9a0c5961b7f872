import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { basename } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { decompressFile, defaultDecompressedName, isFolderNzp } from '../../api/compress.js';
import { forEachInput } from '../run.js';
import { fmtBytes, progressBar } from '../util.js';

export function register(program: Command): void {
  program
    .command('decompress')
    .description('restore the original files (and sidecars such as a SpikeGLX .meta) from .nzp files; an mtscomp .cbin decompresses to its raw samples')
    .argument('<input...>', '.nzp files or mtscomp .cbin files')
    .option('-o, --output <file>', 'output file (only with one input; default: INPUT without .nzp)')
    .option('--output-dir <dir>', 'write the restored files into this directory')
    .option('-f, --force', 'overwrite existing outputs')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (inputs: string[], o) => {
      if (o.output && inputs.length > 1) throw new UsageError('-o names one output; with several inputs use --output-dir');
      if (o.output && o.outputDir) throw new UsageError('give either -o or --output-dir, not both');
      if (o.outputDir) mkdirSync(o.outputDir, { recursive: true });
      await forEachInput(inputs, async (input) => {
        const output = o.output ?? (o.outputDir && /\.nzp$/i.test(input) && (await isFolderNzp(input)) ? o.outputDir : defaultDecompressedName(input, o.outputDir));
        const bar = progressBar(basename(input), o.quiet);
        try {
          const r = await decompressFile(input, output, { force: o.force, onProgress: bar.update });
          bar.stop();
          if (!o.quiet) {
            const extra = r.sidecars.length ? ` (+ ${r.sidecars.join(', ')})` : '';
            process.stderr.write(`${input} -> ${output}${extra}: ${fmtBytes(r.bytes)}, ${r.verified ? 'SHA-256 verified' : 'lossy reconstruction'}\n`);
          }
        } finally {
          bar.stop();
        }
      });
    });
}
