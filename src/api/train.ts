/**
 * `neurozip train vqcae`: reads a folder of recordings, splits it by sorted file name (the first
 * half, rounded down, trains; the rest is held out for evaluation), normalizes each training file
 * as the codec does, and trains (src/learn/train-vqcae.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { openSource } from '../formats/index.js';
import { trainVqcae, type VqcaeTrainOptions, type VqcaeTrainResult } from '../learn/train-vqcae.js';
import { normalization, normalized } from '../learn/vqcae.js';

const RECORDING = /\.(wav|npy|bin|raw|dat)$/i;

/** The sorted recordings of a folder split into train (first ⌊n/2⌋) and test (the rest). */
export function splitByName(dir: string): { train: string[]; test: string[] } {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a folder`);
    names = readdirSync(dir).filter((n) => RECORDING.test(n)).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${dir}: cannot read the folder (${(e as Error).message})`);
  }
  if (names.length < 2) throw new UsageError(`${dir}: needs at least 2 recordings to split, found ${names.length}`);
  const half = Math.floor(names.length / 2);
  return { train: names.slice(0, half).map((n) => join(dir, n)), test: names.slice(half).map((n) => join(dir, n)) };
}

/** Every channel of each file as its own normalized signal. */
export function loadNormalized(files: string[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const f of files) {
    const src = openSource(f);
    try {
      const { nSamples: n, nChannels: c } = src.info;
      const x = src.readFrames(0, n);
      for (let ch = 0; ch < c; ch++) {
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) v[i] = x[i * c + ch]!;
        out.push(normalized(v, normalization(v), n));
      }
    } finally {
      src.close();
    }
  }
  return out;
}

export function trainVqcaeOnFolder(dir: string, o: VqcaeTrainOptions & { maxFiles?: number }): VqcaeTrainResult & { trainFiles: number; testFiles: number } {
  const { train, test } = splitByName(dir);
  const files = o.maxFiles ? train.slice(0, o.maxFiles) : train;
  const signals = loadNormalized(files);
  const r = trainVqcae(signals, o, { trainFiles: files.length, split: 'sorted names, first half' });
  return { ...r, trainFiles: files.length, testFiles: test.length };
}
