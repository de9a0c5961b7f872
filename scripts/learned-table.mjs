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

// Learned vs classical: the classical rows' upper envelope of mean SNR against ratio (Pareto front,
// linear in log ratio between its points), read at each learned model's ratio.
const learned = rows.filter((r) => r.pipeline.startsWith('vqcae'));
const front = rows
  .filter((r) => !r.pipeline.startsWith('vqcae') && Number.isFinite(r.metrics?.snr))
  .sort((a, b) => b.ratio - a.ratio)
  .filter((r, i, a) => a.slice(0, i).every((q) => q.metrics.snr < r.metrics.snr))
  .reverse(); // ascending ratio, SNR falling
const envelope = (x) => {
  for (let i = 0; i + 1 < front.length; i++) {
    const [a, b] = [front[i], front[i + 1]];
    if (x >= a.ratio && x <= b.ratio) {
      const t = Math.log(x / a.ratio) / Math.log(b.ratio / a.ratio);
      return a.metrics.snr + t * (b.metrics.snr - a.metrics.snr);
    }
  }
  return NaN;
};
if (learned.length && front.length > 1) {
  console.log('\n| learned model | ratio | mean SNR dB | classical envelope at that ratio | learned − classical dB |\n|---|---|---|---|---|');
  for (const r of learned) {
    const e = envelope(r.ratio);
    console.log(`| \`${r.pipeline}\` | ${f(r.ratio, 1)} | ${f(r.metrics.snr, 2)} | ${f(e, 2)} | ${f(r.metrics.snr - e, 2)} |`);
  }
  // where learned − classical changes sign between neighbouring models (linear in log ratio)
  const d = learned.map((r) => ({ x: r.ratio, y: r.metrics.snr - envelope(r.ratio) })).filter((p) => Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
  for (let i = 0; i + 1 < d.length; i++) {
    if (Math.sign(d[i].y) !== Math.sign(d[i + 1].y)) {
      const t = d[i].y / (d[i].y - d[i + 1].y);
      console.log(`\nlearned meets classical at about ${Math.exp(Math.log(d[i].x) + t * Math.log(d[i + 1].x / d[i].x)).toFixed(0)}x (between ${d[i].x.toFixed(0)}x and ${d[i + 1].x.toFixed(0)}x)`);
    }
  }
  console.log(`\nclassical front (ratio / SNR): ${front.map((r) => `${r.ratio.toFixed(0)}/${r.metrics.snr.toFixed(2)}`).join(', ')}`);
}
