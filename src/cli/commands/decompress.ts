import { createReadStream, mkdirSync } from 'node:fs';
import { decompressStream } from '../../api/stream.js';
import { ioError } from '../../core/io-error.js';
import type { Command } from 'commander';
import { basename } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { decompressFile, defaultDecompressedName, isFolderNzp } from '../../api/compress.js';
import { forEachInput } from '../run.js';
import { fmtBytes, parsePositiveInt, progressBar } from '../util.js';

export function register(program: Command): void {
  program
    .command('decompress')
    .description('restore the original files (and sidecars such as a SpikeGLX .meta) from .nzp files; an mtscomp .cbin decompresses to its raw samples')
    .argument('<input...>', '.nzp files or mtscomp .cbin files')
    .option('-o, --output <file>', 'output file (only with one input; default: INPUT without .nzp)')
    .option('--output-dir <dir>', 'write the restored files into this directory')
    .option('-f, --force', 'overwrite existing outputs')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--threads <n>', 'worker threads (default: all cores)', parsePositiveInt)
    .action(async (inputs: string[], o) => {
      if (o.output && inputs.length > 1) throw new UsageError('-o names one output; with several inputs use --output-dir');
      if (o.output && o.outputDir) throw new UsageError('give either -o or --output-dir, not both');
      if (o.outputDir) mkdirSync(o.outputDir, { recursive: true });
      if (inputs.includes('-') || o.output === '-') {
        if (inputs.length > 1) throw new UsageError('streaming decompress takes one input');
        const input = inputs[0]!;
        if (input === '-' && !o.output) throw new UsageError('decompressing stdin needs -o OUT (or -o - for stdout)');
        const output = o.output ?? defaultDecompressedName(input, o.outputDir);
        const stream = input === '-' ? process.stdin : createReadStream(input);
        await new Promise<void>((resolve, reject) => (input === '-' ? resolve() : stream.once('open', () => resolve()).once('error', (e: Error) => reject(ioError(input, 'open', e)))));
        const r = await decompressStream(stream, output, { force: o.force, name: input === '-' ? 'stdin' : input });
        if (!o.quiet && output !== '-') process.stderr.write(`${input} -> ${output}: ${fmtBytes(r.bytes)}, ${r.verified ? 'SHA-256 verified' : 'lossy reconstruction'}\n`);
        return;
      }
      await forEachInput(inputs, async (input) => {
        const output = o.output ?? (o.outputDir && /\.nzp$/i.test(input) && (await isFolderNzp(input)) ? o.outputDir : defaultDecompressedName(input, o.outputDir));
        const bar = progressBar(basename(input), o.quiet);
        try {
          const r = await decompressFile(input, output, { force: o.force, threads: o.threads, onProgress: bar.update });
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
