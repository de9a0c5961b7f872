import type { Command } from 'commander';
import { basename } from 'node:path';
import { MismatchError } from '../../core/errors.js';
import { verifyAgainst, verifyFile } from '../../api/compress.js';
import { UsageError } from '../../core/errors.js';
import { forEachInput } from '../run.js';
import { parseDType, parseNonNegInt, parsePositiveInt, parsePositiveNumber, progressBar, rawFromFlags } from '../util.js';

export function register(program: Command): void {
  program
    .command('verify')
    .description('check .nzp files: every chunk checksum, the compressed stream and the restored data SHA-256')
    .argument('<input...>', '.nzp files')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--threads <n>', 'worker threads (default: all cores)', parsePositiveInt)
    .option('--against <original>', 'also compare every sample with the original recording: exact for lossless files, within the stored error bound for lossy ones')
    .option('--dtype <dtype>', 'raw binary original: sample type', parseDType)
    .option('--channels <n>', 'raw binary original: number of channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'raw binary original: sampling rate in Hz', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary original: header bytes', parseNonNegInt)
    .action(async (inputs: string[], o) => {
      if (o.against && inputs.length > 1) throw new UsageError('--against names the original of one .nzp');
      const raw = rawFromFlags(o);
      await forEachInput(inputs, async (input) => {
        const bar = progressBar(basename(input), o.quiet);
        let v;
        try {
          v = o.against ? await verifyAgainst(input, o.against, { raw, threads: o.threads, onProgress: bar.update }) : await verifyFile(input, bar.update, o.threads);
        } finally {
          bar.stop();
        }
        if (!v.ok) throw new MismatchError(`${input}: ${v.problem}`);
        if (!o.quiet) {
          const against =
            v.maxAbsError === undefined
              ? ''
              : v.lossless
                ? `; every sample equals ${o.against}`
                : `; max |error| vs ${o.against} = ${v.maxAbsError}${v.bound !== null && v.bound !== undefined ? ` <= bound ${v.bound} on every sample` : ' (no error bound stored: rate mode)'}`;
          process.stdout.write(`${input}: ok (${v.chunks} chunks, ${v.nSamples} samples, ${v.lossless ? 'restores the original byte for byte' : v.maxAbsError === undefined ? 'LOSSY: decodes cleanly; give --against ORIGINAL to check the error bound' : 'LOSSY'}${against})\n`);
        }
      });
    });
}
