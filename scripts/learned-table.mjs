#!/usr/bin/env node
// Markdown table for the "Learned codecs" section of BENCHMARKS.md from `neurozip bench --json`
// files: ratio (container included), mean and median per-file SNR, mean PSNR and SSIM (peak / L = the
// original's range) and PSNR_FS / SSIM_FS (the dtype's full scale, the VQ-CAE paper's definitions), pooled MSE,
// pooled spike F1 (reference detector, 4.5x), encode and decode time per 1024-sample segment (from
// the median MB/s over files; int16, so 2048 bytes per segment).
// usage: node scripts/learned-table.mjs a.json [b.json ...]
import { readFileSync } from 'node:fs';
const f = (x, d) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x === Infinity ? '∞' : x.toFixed(d));
const rows = process.argv.slice(2).flatMap((p) => JSON.parse(readFileSync(p, 'utf8')).results);
rows.sort((a, b) => b.ratio - a.ratio);
console.log('| pipeline | files | ratio | mean SNR dB | median SNR dB | PSNR dB | SSIM | PSNR_FS dB | SSIM_FS | MSE | spike F1 | enc ms / 1024 samples | dec ms / 1024 samples |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const m = r.metrics ?? {};
  const ms = (mbps) => f(2048 / (mbps * 1e6) * 1e3, 3);
  console.log(`| \`${r.pipeline}\` | ${r.files} | ${f(r.ratio, 1)} | ${f(m.snr, 2)} | ${f(m.snrMedian, 2)} | ${f(m.psnr, 1)} | ${f(m.ssim, 3)} | ${f(m.psnrFullScale, 1)} | ${f(m.ssimFullScale, 3)} | ${f(m.mse, 0)} | ${f(m.spikeF1, 3)} | ${ms(r.encodeMBps)} | ${ms(r.decodeMBps)} |`);
}
