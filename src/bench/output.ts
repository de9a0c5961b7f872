import type { BenchReport, FileResult } from './runner.js';

/** The JSON of `bench --json` (issue 4): `{ results: [...], perFile: [...] }`; non-finite numbers become null. */
export function benchJson(report: BenchReport): string {
  const { results, perFile, skipped } = report;
  return JSON.stringify({ results, perFile, skipped }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n';
}

/** CSV columns: one row per file x codec, named as in the JSON (metrics flattened). */
export const CSV_COLUMNS = [
  'file',
  'codec',
  'pipeline',
  'external',
  'nSamples',
  'nChannels',
  'sampleRateHz',
  'rawBytes',
  'compressedBytes',
  'ratio',
  'encodeSeconds',
  'decodeSeconds',
  'encodeCpuSeconds',
  'decodeCpuSeconds',
  'encodeMBps',
  'decodeMBps',
  'xRealTimeEncode',
  'xRealTimeDecode',
  'lossless',
  'mismatches',
  'mse',
  'rmse',
  'snr',
  'psnr',
  'ssim',
  'maxAbsError',
  'spikeHits',
  'spikesOriginal',
  'spikesReconstructed',
  'spikePrecision',
  'spikeRecall',
  'spikeF1',
  'error',
  'psnrFullScale',
  'ssimFullScale',
] as const;

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '' : v > 0 ? 'inf' : '-inf';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function benchCsv(perFile: FileResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of perFile) {
    const flat: Record<string, unknown> = { ...r, ...r.metrics };
    lines.push(CSV_COLUMNS.map((c) => cell(flat[c])).join(','));
  }
  return lines.join('\n') + '\n';
}
