import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { basename, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { compressFile, type CompressResult } from '../../api/compress.js';
import { compressStream } from '../../api/stream.js';
import { forEachInput } from '../run.js';
import { openSource } from '../../formats/index.js';
import {
  fmtBytes,
  parseDType,
  parseLevel,
  parseNonNegInt,
  parsePositiveInt,
  parsePositiveNumber,
  progressBar,
  rawFromFlags,
} from '../util.js';

/** `--events`: the events codec at the input's sampling rate. */
function eventsPipeline(input: string, raw: ReturnType<typeof rawFromFlags>): string {
  const src = openSource(input, { raw });
  const fs = src.info.sampleRateHz;
  src.close();
  if (!fs) throw new UsageError(`${input}: --events needs a sampling rate (give --sample-rate)`);
  return `events:fs=${fs}`;
}

export function register(program: Command): void {
  program
    .command('compress')
    .description('compress recordings into .nzp files (verified after writing)')
    .argument('<input...>', 'recordings: WAV, SpikeGLX .bin (+.meta), .npy, or raw binary with --dtype/--channels')
    .option('-o, --output <file>', 'output file (only with one input; default INPUT.nzp)')
    .option('--output-dir <dir>', 'write INPUT.nzp files into this directory')
    .option('--level <level>', 'fast | default | max', parseLevel, 'default')
    .option('--codec <spec>', 'explicit pipeline, e.g. delta:order=2+shuffle+zstd:level=19 (see docs/spec/pipeline.md)')
    .option('--events', 'lossy spike-event codec (events:fs=<rate>; docs/spec/codecs/events.md), never labelled lossless')
    .option('--lossy <mode=value>', 'lossy, error-bounded: abs=N (stored units), rel=R (of the value range), psnr=DB; or the rate mode bps=B (see docs/lossy.md)')
    .option('--target <metric=value>', 'lossy, per chunk the cheapest bound meeting f1=F (reference spike detector) or snr=DB (see docs/lossy.md)')
    .option('--force-lossy', 'allow --lossy on formats that must stay exact (SpikeGLX .bin+.meta, mtscomp .cbin)')
    .option('-f, --force', 'overwrite existing outputs')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--threads <n>', 'worker threads (default: all cores)', parsePositiveInt)
    .option('--no-verify', 'skip decoding the output to check it')
    .option('--json', 'print one JSON result per input')
    .option('--dtype <dtype>', 'raw binary: sample type (default int16)', parseDType)
    .option('--channels <n>', 'raw binary: number of interleaved channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'raw binary: sampling rate in Hz', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary: header bytes before the samples (kept)', parseNonNegInt)
    .option('--dataset <path>', 'HDF5 input: the dataset to read (default /recording, else the only 1-D/2-D one)')
    .option('--chunk-seconds <s>', 'chunk duration for random access (default 1, at least 256 KiB raw)', parsePositiveNumber)
    .action(async (inputs: string[], o) => {
      if (o.output && inputs.length > 1) throw new UsageError('-o names one output; with several inputs use --output-dir');
      if (o.output && o.outputDir) throw new UsageError('give either -o or --output-dir, not both');
      const raw = rawFromFlags(o);
      if (inputs.includes('-')) {
        if (inputs.length > 1) throw new UsageError("'-' (stdin) must be the only input");
        if (!raw) throw new UsageError('stdin is read as raw binary: give --dtype and --channels (and --sample-rate)');
        if (!o.output) throw new UsageError('compressing stdin needs -o OUT.nzp (or -o - for stdout)');
        if (o.lossy || o.target) throw new UsageError('--lossy/--target need a file input (the bound is checked against it), not stdin');
        const r = await compressStream(process.stdin, o.output, { ...raw, level: o.level, codec: o.codec, force: o.force, verify: o.verify, ...(o.chunkSeconds && raw.sampleRateHz ? { chunkSamples: Math.max(1, Math.round(o.chunkSeconds * raw.sampleRateHz)) } : {}) });
        if (!o.quiet && !o.json) process.stderr.write(`stdin -> ${o.output}: ${fmtBytes(r.rawBytes)} -> ${fmtBytes(r.compressedBytes)}, ${(r.rawBytes / Math.max(1, r.compressedBytes)).toFixed(3)}x, ${r.verified ? 'verified' : 'not verified'}\n`);
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      if (o.outputDir) mkdirSync(o.outputDir, { recursive: true });
      await forEachInput(inputs, async (input) => {
        input = input.replace(/(.)[\/]+$/, '$1');
        const output = o.output ?? (o.outputDir ? join(o.outputDir, basename(input) + '.nzp') : input + '.nzp');
        const bar = progressBar(basename(input), o.quiet);
        let r: CompressResult;
        try {
          r = await compressFile(input, output, {
            level: o.level,
            codec: o.events ? eventsPipeline(input, raw) : o.codec,
            lossy: o.lossy,
            target: o.target,
            forceLossy: o.forceLossy,
            force: o.force,
            verify: o.verify,
            raw,
            ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
            chunkSeconds: o.chunkSeconds,
            threads: o.threads,
            onProgress: bar.update,
          });
        } finally {
          bar.stop();
        }
        if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
        else if (!o.quiet) {
          const mbps = r.rawBytes / 1e6 / Math.max(r.encodeSeconds, 1e-9);
          process.stderr.write(
            `${input} -> ${output}: ${fmtBytes(r.rawBytes)} -> ${fmtBytes(r.compressedBytes)}, ${r.ratio.toFixed(3)}x, ${mbps.toFixed(1)} MB/s, ${r.verified ? (r.lossless ? 'verified' : `LOSSY, verified: max |error| ${r.maxAbsError}${r.lossy?.guaranteed ? ` <= abs ${r.lossy.abs}` : r.lossy ? (r.lossy.bps !== null ? ' (rate mode, no bound)' : ` (target ${r.lossy.mode}=${r.lossy.value}, no bound)`) : ''}`) : 'not verified'}\n`,
          );
        }
      });
    });
}
