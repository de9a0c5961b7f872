import type { Command } from 'commander';
import { compressFile } from '../../api/compress.js';
import { CONVERT_TARGETS, openArrayReader, writeMtscomp, writePlain, type ConvertTarget } from '../../api/interop.js';
import { UsageError } from '../../core/errors.js';
import { fmtBytes, parseDType, parseNonNegInt, parsePositiveInt, parsePositiveNumber, rawFromFlags } from '../util.js';

function parseTarget(v: string): ConvertTarget {
  if (!(CONVERT_TARGETS as readonly string[]).includes(v)) throw new UsageError(`--to must be one of ${CONVERT_TARGETS.join(', ')} (got '${v}')`);
  return v as ConvertTarget;
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('convert between .nzp, mtscomp (.cbin + .ch), raw binary and .npy (any readable recording as input)')
    .argument('<input>', '.nzp, mtscomp .cbin, WAV, SpikeGLX .bin, .npy, or raw binary with --dtype/--channels')
    .requiredOption('--to <format>', `output format: ${CONVERT_TARGETS.join(' | ')}`, parseTarget)
    .requiredOption('-o, --output <file>', 'output file (for mtscomp, X.cbin: X.ch is written beside it)')
    .option('-f, --force', 'overwrite existing outputs')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--chunk-seconds <s>', 'mtscomp/nzp chunk duration (mtscomp default: the input .ch chunks, else 1 s)', parsePositiveNumber)
    .option('--dtype <dtype>', 'raw binary input: sample type (default int16)', parseDType)
    .option('--channels <n>', 'raw binary input: number of interleaved channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'raw binary input: sampling rate in Hz', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary input: header bytes before the samples', parseNonNegInt)
    .action(async (input: string, o) => {
      const to: ConvertTarget = o.to;
      if (to === 'zarr' || to === 'hdf5') throw new UsageError(`--to ${to} is not supported yet (Zarr v3 and HDF5 export are planned)`);
      const raw = rawFromFlags(o);
      let bytes: number;
      if (to === 'nzp') {
        const r = await compressFile(input, o.output, { force: o.force, raw, chunkSeconds: o.chunkSeconds });
        bytes = r.compressedBytes;
      } else {
        const r = await openArrayReader(input, { raw });
        try {
          if (to === 'mtscomp') bytes = writeMtscomp(r, o.output, { force: o.force, chunkSeconds: o.chunkSeconds }).bytes;
          else bytes = writePlain(r, o.output, to, { force: o.force }).bytes;
        } finally {
          r.close();
        }
      }
      if (!o.quiet) process.stderr.write(`${input} -> ${o.output} (${to}): ${fmtBytes(bytes)}\n`);
    });
}
