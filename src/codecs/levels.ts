import { isIntegerDType, type DType } from '../core/dtype.js';
import type { CodecConfig } from './codec.js';

export type Level = 'fast' | 'default' | 'max';
export const LEVELS: readonly Level[] = ['fast', 'default', 'max'];

export interface LevelInput {
  dtype: DType;
  nChannels: number;
  sampleRateHz?: number;
}

/**
 * The pipeline a `--level` stands for, given what is being compressed (measured in
 * docs/lossless-results.md). Integers: value remap, per-chunk LPC, then
 *   fast    — static rANS with 10 magnitude contexts, LPC order <= 8;
 *   default — the same coder, LPC order <= 32;
 *   max     — `lmscm`: LPC (order <= 32) fused into a context-mixing binary arithmetic coder with
 *             a value-aware context (learns the ADC's uneven code widths); replaced `cm`, +1.4% on n1.
 *             Mono recordings (the N1 kind) use model 2 (value-keyed SSE) started from the `n1-v1`
 *             prior trained on the first half of the n1 files: +0.73% on the held-out half. Multichannel
 *             probes keep model 1 without a prior (the n1 prior costs up to 3% there, model 2 alone
 *             0.06% on NP2; docs/lossless-results.md).
 * Floats keep byte shuffle + zstd at every level.
 */
export function levelPipeline(level: Level, input: LevelInput): CodecConfig[] {
  if (!isIntegerDType(input.dtype)) {
    return [{ id: 'shuffle' }, { id: 'zstd', level: level === 'fast' ? 1 : level === 'default' ? 9 : 19 }];
  }
  switch (level) {
    case 'fast':
      return [{ id: 'remap' }, { id: 'lpc', order: 8, precision: 14 }, { id: 'rans' }];
    case 'default':
      return [{ id: 'remap' }, { id: 'lpc', order: 32, precision: 14 }, { id: 'rans' }];
    case 'max':
      if (input.nChannels === 1) return [{ id: 'remap' }, { id: 'lmscm', order: 32, limit: 255, rate: 8, model: 2, prior: 'n1-v1' }];
      return [{ id: 'remap' }, { id: 'lmscm', order: 32, limit: 255, rate: 8 }];
  }
}
