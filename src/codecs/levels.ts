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
 *             prior trained on the first half of the n1 files: +0.73% on the held-out half (the
 *             n1 prior would cost up to 3% on multichannel probes; docs/lossless-results.md).
 * Several integer channels, default and max: `mclpc` instead of `lpc` (each channel also predicted
 * from the current and recent samples of up to 4 / 6 earlier channels, the channel order chosen per
 * chunk), better on every ephys recording (+0.5% to +15%); max then codes the residuals with `cm`,
 * which beats `lmscm` there until `lmscm` itself predicts with the multichannel predictor. `fast`
 * keeps `lpc`: `mclpc` encodes at 0.4-0.5x its speed (its per-chunk design: choosing references
 * and solving for coefficients, ~300 multiply-adds a sample), and fast's promise is speed.
 * Floats keep byte shuffle + zstd at every level.
 */
export function levelPipeline(level: Level, input: LevelInput): CodecConfig[] {
  if (!isIntegerDType(input.dtype)) {
    return [{ id: 'shuffle' }, { id: 'zstd', level: level === 'fast' ? 1 : level === 'default' ? 9 : 19 }];
  }
  if (input.nChannels > 1 && level !== 'fast') {
    switch (level) {
      case 'default':
        return [{ id: 'remap' }, { id: 'mclpc', order: 32, refs: 4, taps: 3, window: 16, precision: 14, direction: 'auto' }, { id: 'rans' }];
      case 'max':
        return [
          { id: 'remap' },
          { id: 'mclpc', order: 32, refs: 6, taps: 3, window: 32, precision: 14, direction: 'auto' },
          { id: 'cm', limit: 255, rate: 8 },
        ];
    }
  }
  switch (level) {
    case 'fast':
      return [{ id: 'remap' }, { id: 'lpc', order: 8, precision: 14 }, { id: 'rans' }];
    case 'default':
      return [{ id: 'remap' }, { id: 'lpc', order: 32, precision: 14 }, { id: 'rans' }];
    case 'max':
      return [{ id: 'remap' }, { id: 'lmscm', order: 32, limit: 255, rate: 8, model: 2, prior: 'n1-v1' }];
  }
}
