/**
 * Prints the Markdown table of a `neurozip bench --json` file (for BENCHMARKS.md):
 *   node dist/scripts/benchmarks-table.js b.json
 */
import { readFileSync } from 'node:fs';
import type { CodecResult } from '../src/bench/runner.js';

type Row = Omit<CodecResult, 'metrics'>;

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: benchmarks-table.js BENCH.json\n');
  process.exit(2);
}
const { results } = JSON.parse(readFileSync(file, 'utf8')) as { results: Row[] };
const f = (v: number | null, d: number) => (v === null || v === undefined ? '–' : v.toFixed(d));
const lines = [
  '| # | codec | pipeline | ratio | enc MB/s | dec MB/s | enc × RT | dec × RT | files | verified |',
  '|---:|---|---|---:|---:|---:|---:|---:|---:|---|',
];
[...results]
  .sort((a, b) => b.ratio - a.ratio)
  .forEach((r, i) => {
    const ok = r.lossless && r.mismatches === 0 && r.errors === 0 ? 'byte-exact' : `${r.mismatches} mismatch, ${r.errors} errors`;
    lines.push(`| ${i + 1} | ${r.codec} | \`${r.pipeline}\` | ${f(r.ratio, 3)} | ${f(r.encodeMBps, 1)} | ${f(r.decodeMBps, 1)} | ${f(r.xRealTimeEncode, 0)} | ${f(r.xRealTimeDecode, 0)} | ${r.files} | ${ok} |`);
  });
process.stdout.write(lines.join('\n') + '\n');
