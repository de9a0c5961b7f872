import type { Command } from 'commander';
import { compressFile, resolvePipeline } from '../../api/compress.js';
import { CONVERT_TARGETS, openArrayReader, writeMtscomp, writePlain, type ConvertTarget } from '../../api/interop.js';
import { UsageError } from '../../core/errors.js';
import { writeHdf5 } from '../../formats/hdf5.js';
import { writeZarr } from '../../formats/zarr.js';
import { fmtBytes, parseLevel, parseDType, parseNonNegInt, parsePositiveInt, parsePositiveNumber, rawFromFlags } from '../util.js';

function parseTarget(v: string): ConvertTarget {
  if (!(CONVERT_TARGETS as readonly string[]).includes(v)) throw new UsageError(`--to must be one of ${CONVERT_TARGETS.join(', ')} (got '${v}')`);
  return v as ConvertTarget;
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('convert between .nzp, mtscomp (.cbin + .ch), HDF5, Zarr v3, raw binary and .npy (any readable recording as input)')
    .argument('<input>', '.nzp, mtscomp .cbin, HDF5 .h5, WAV, SpikeGLX .bin, .npy, a recording folder, or raw binary with --dtype/--channels')
    .requiredOption('--to <format>', `output format: ${CONVERT_TARGETS.join(' | ')}`, parseTarget)
    .requiredOption('-o, --output <file>', 'output file (for mtscomp, X.cbin: X.ch is written beside it)')
    .option('-f, --force', 'overwrite existing outputs')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--chunk-seconds <s>', 'mtscomp/nzp chunk duration (mtscomp default: the input .ch chunks, else 1 s)', parsePositiveNumber)
    .option('--dataset <path>', 'HDF5 input: the dataset to read (default /recording, else the only 1-D/2-D one)')
    .option('--out-dataset <path>', 'HDF5 output: the dataset to write', 'recording')
    .option('--zarr-codec <codec>', "zarr output: 'zstd' (bytes + zstd, standard) or 'neurozip' (our pipeline as a Zarr codec, see docs/spec/interop.md)", 'zstd')
    .option('--level <level>', 'nzp, and zarr with --zarr-codec neurozip: fast | default | max', parseLevel, 'default')
    .option('--codec <spec>', 'nzp, and zarr with --zarr-codec neurozip: an explicit pipeline (overrides --level)')
    .option('--dtype <dtype>', 'raw binary input: sample type (default int16)', parseDType)
    .option('--channels <n>', 'raw binary input: number of interleaved channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'raw binary input: sampling rate in Hz', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary input: header bytes before the samples', parseNonNegInt)
    .action(async (input: string, o) => {
      const to: ConvertTarget = o.to;
      const raw = rawFromFlags(o);
      let bytes: number;
      if (to === 'nzp') {
        const r = await compressFile(input, o.output, { force: o.force, raw, chunkSeconds: o.chunkSeconds, level: o.level, ...(o.codec ? { codec: o.codec } : {}), ...(o.dataset !== undefined ? { dataset: o.dataset } : {}) });
        bytes = r.compressedBytes;
      } else {
        const r = await openArrayReader(input, { raw, ...(o.dataset !== undefined ? { dataset: o.dataset } : {}) });
        try {
          const chunkSamples = o.chunkSeconds && r.sampleRateHz ? { chunkSamples: Math.max(1, Math.round(o.chunkSeconds * r.sampleRateHz)) } : {};
          if (to === 'zarr') {
            if (!['zstd', 'neurozip'].includes(o.zarrCodec)) throw new UsageError(`--zarr-codec must be zstd or neurozip (got '${o.zarrCodec}')`);
            const pipeline = o.zarrCodec === 'neurozip' ? (await resolvePipeline({ level: o.level, ...(o.codec ? { codec: o.codec } : {}) }, { dtype: r.dtype, nChannels: r.nChannels, ...(r.sampleRateHz ? { sampleRateHz: r.sampleRateHz } : {}) })).toConfig() : undefined;
            bytes = (await writeZarr(r, o.output, { force: o.force, ...chunkSamples, ...(pipeline ? { pipeline } : {}) })).bytes;
          }
          else if (to === 'hdf5') bytes = (await writeHdf5(r, o.output, { force: o.force, dataset: o.outDataset, ...chunkSamples })).bytes;
          else if (to === 'mtscomp') bytes = (await writeMtscomp(r, o.output, { force: o.force, chunkSeconds: o.chunkSeconds })).bytes;
          else bytes = (await writePlain(r, o.output, to, { force: o.force })).bytes;
        } finally {
          r.close();
        }
      }
      if (!o.quiet) process.stderr.write(`${input} -> ${o.output} (${to}): ${fmtBytes(bytes)}\n`);
    });
}
