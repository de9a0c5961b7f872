import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { trainVqcaeOnFolder } from '../../api/train.js';
import { OutputExistsError, UsageError } from '../../core/errors.js';
import { sha256Hex } from '../../learn/weights.js';
import { totalStride } from '../../learn/vqcae.js';
import { parseNonNegInt, parsePositiveInt, parsePositiveNumber } from '../util.js';

/** Presets of the shipped models (docs/learned.md); flags override single fields. */
export const VQCAE_PRESETS: Record<string, { strides: number[]; channels: number; latent: number; codebook: number }> = {
  's64-k256': { strides: [4, 4, 4], channels: 16, latent: 8, codebook: 256 },
  's128-k256': { strides: [4, 4, 8], channels: 16, latent: 8, codebook: 256 },
  's256-k256': { strides: [4, 4, 4, 4], channels: 16, latent: 8, codebook: 256 },
  's320-k256': { strides: [4, 4, 4, 5], channels: 16, latent: 8, codebook: 256 },
  's512-k256': { strides: [4, 4, 4, 8], channels: 16, latent: 8, codebook: 256 },
  's512-k64': { strides: [4, 4, 4, 8], channels: 16, latent: 8, codebook: 64 },
  's512-k32': { strides: [4, 4, 4, 8], channels: 16, latent: 8, codebook: 32 },
  's1024-k256': { strides: [4, 4, 8, 8], channels: 16, latent: 8, codebook: 256 },
};

function parseStrides(v: string): number[] {
  const s = v.split(',').map((x) => Number(x));
  if (s.length < 1 || !s.every((x) => Number.isInteger(x) && x >= 1 && x <= 64)) throw new UsageError(`--strides: a comma-separated list of integers in [1, 64], got '${v}'`);
  return s;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a learned codec (vqcae) on the training half of a folder of recordings; prints the weights hash')
    .argument('<codec>', 'the codec to train: vqcae')
    .requiredOption('--data <dir>', 'folder of recordings; sorted by name, the first half trains (the rest is for evaluation)')
    .option('--seed <n>', 'random seed (same seed and data: same weights bytes)', parseNonNegInt, 1)
    .option('-o, --output <file>', 'weights file to write', 'vqcae.nzw')
    .option('-f, --force', 'overwrite the output')
    .option('--preset <name>', `architecture preset: ${Object.keys(VQCAE_PRESETS).join(', ')}`, 's512-k256')
    .option('--strides <list>', 'encoder strides, e.g. 4,4,4,8 (their product is the samples per code)', parseStrides)
    .option('--channels <n>', 'hidden channels', parsePositiveInt)
    .option('--latent <n>', 'latent dimension', parsePositiveInt)
    .option('--codebook <n>', 'codebook size', parsePositiveInt)
    .option('--steps <n>', 'optimizer steps', parsePositiveInt, 1500)
    .option('--warmup <n>', 'steps without quantization first', parseNonNegInt, 300)
    .option('--batch <n>', 'crops per step', parsePositiveInt, 8)
    .option('--crop <n>', 'samples per crop, a multiple of the total stride (default: the largest such multiple up to 4096)', parsePositiveInt)
    .option('--lr <x>', 'Adam learning rate', parsePositiveNumber, 2e-3)
    .option('--max-files <n>', 'use only the first N training files (quick runs)', parsePositiveInt)
    .option('-q, --quiet', 'no progress lines')
    .action(async (codec: string, o) => {
      if (codec !== 'vqcae') throw new UsageError(`train: unknown learned codec '${codec}' (known: vqcae)`);
      const preset = VQCAE_PRESETS[o.preset];
      if (!preset) throw new UsageError(`train: unknown preset '${o.preset}' (known: ${Object.keys(VQCAE_PRESETS).join(', ')})`);
      if (existsSync(o.output) && !o.force) throw new OutputExistsError(o.output);
      const arch = { strides: o.strides ?? preset.strides, channels: o.channels ?? preset.channels, latent: o.latent ?? preset.latent, codebook: o.codebook ?? preset.codebook };
      if (o.warmup >= o.steps) throw new UsageError(`train: --warmup (${o.warmup}) must be below --steps (${o.steps})`);
      const stride = totalStride(arch);
      const crop: number = o.crop ?? Math.max(1, Math.floor(4096 / stride)) * stride;
      if (crop % stride !== 0) throw new UsageError(`train: --crop ${crop} is not a multiple of the total stride ${stride} (the strides' product)`);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const r = trainVqcaeOnFolder(o.data, {
        arch,
        seed: o.seed,
        steps: o.steps,
        warmup: o.warmup,
        batch: o.batch,
        crop,
        lr: o.lr,
        maxFiles: o.maxFiles,
        every: 100,
        onProgress: o.quiet
          ? undefined
          : (step, mse, commit) => process.stderr.write(`step ${step}/${o.steps}  mse ${mse.toFixed(4)} (${(-10 * Math.log10(mse)).toFixed(2)} dB)  commit ${commit.toFixed(4)}  ${((performance.now() - t0) / 1000).toFixed(0)} s\n`),
      });
      const secs = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(cpu0);
      const cpuSecs = (c.user + c.system) / 1e6;
      writeFileSync(o.output, r.weights);
      process.stdout.write(
        `${o.output}: vqcae ${JSON.stringify(arch)}, ${r.trainFiles} training files (${r.testFiles} held out), seed ${o.seed}, ${o.steps} steps in ${secs.toFixed(1)} s (${cpuSecs.toFixed(1)} s CPU), ` +
          `${r.codesUsed}/${arch.codebook} codes used, ${r.weights.length} bytes\nsha256 ${sha256Hex(r.weights)}\n`,
      );
    });
}
