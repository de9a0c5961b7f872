#!/usr/bin/env node
// Rate-distortion table (markdown) from a `neurozip bench --json` file: one row per codec, sorted by
// ratio; median per-file SNR, pooled spike F1 (reference detector), pooled RMSE, max |error|.
// usage: node scripts/rd-table.mjs bench.json
import { readFileSync } from 'node:fs';
const j = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const f = (x, d) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x === Infinity ? '∞' : x.toFixed(d));
const rows = [...j.results].sort((a, b) => b.ratio - a.ratio);
console.log('| codec | pipeline | files | ratio | median SNR (dB) | pooled spike F1 | RMSE | max \\|error\\| | enc MB/s |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const m = r.metrics ?? {};
  const lossless = r.lossless && !r.mismatches;
  console.log(
    `| ${r.codec} | \`${r.pipeline}\` | ${r.files} | ${f(r.ratio, 2)} | ${lossless ? '∞ (lossless)' : f(m.snrMedian, 1)} | ${lossless ? '1 (lossless)' : f(m.spikeF1, 3)} | ${lossless ? '0' : f(m.rmse, 1)} | ${lossless ? '0' : f(m.maxAbsError, 0)} | ${f(r.encodeMBps, 1)} |`,
  );
}
