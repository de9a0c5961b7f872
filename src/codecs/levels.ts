import { isIntegerDType, type DType } from '../core/dtype.js';
import type { CodecConfig } from './codec.js';

export type Level = 'fast' | 'default' | 'max';
export const LEVELS: readonly Level[] = ['fast', 'default', 'max'];

export interface LevelInput {
  dtype: DType;
  nChannels: number;
  sampleRateHz?: number;
}

/** The pipeline a `--level` stands for, given what is being compressed. */
export function levelPipeline(level: Level, input: LevelInput): CodecConfig[] {
  if (!isIntegerDType(input.dtype)) {
    return [{ id: 'shuffle' }, { id: 'zstd', level: level === 'fast' ? 1 : level === 'default' ? 9 : 19 }];
  }
  switch (level) {
    case 'fast':
      return [{ id: 'delta', order: 1 }, { id: 'shuffle' }, { id: 'zstd', level: 1 }];
    case 'default':
      return [{ id: 'delta', order: 1 }, { id: 'shuffle' }, { id: 'zstd', level: 9 }];
    case 'max':
      return [{ id: 'delta', order: 1 }, { id: 'shuffle' }, { id: 'zstd', level: 19 }];
  }
}
