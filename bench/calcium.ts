/**
 * Calcium spike inference benchmark (BENCHMARKS.md "Calcium spike inference"): for each CASCADE
 * ground-truth file in ../shared/data/calcium, AR(1) OASIS (src/spikes/oasis.ts, parameters
 * estimated per trial) on fluo_mean; the inferred per-frame activity and the true spikes are put in
 * 40 ms bins over each trial's imaging span (src/spikes/calcium.ts), the trials of a file are
 * concatenated, and the Pearson correlation is reported (a) on the raw 40 ms bins and (b) after
 * smoothing both binned series with the same Gaussian (σ = 100 ms = 2.5 bins, scipy
 * gaussian_filter1d semantics).
 * `--ar 2`: AR(2) OASIS (g1, g2 from the autocovariance per trial; AR(1) where the fit has no real
 * roots in [0, 1), counted in the output).
 *   npm run build && node dist/bench/calcium.js [DATA_DIR] [--tau S] [--smin K] [--ar 1|2] [--json OUT]
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binFrames, binRange, binSpikes, gaussianFilter1d, pearson, readCalciumGroundTruth } from '../src/spikes/calcium.js';
import { deconvolve } from '../src/spikes/oasis.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const tau = opt('--tau');
const smin = opt('--smin');
const jsonOut = opt('--json');
const order = opt('--ar') === '2' ? 2 : 1;
const root = args[0] ?? resolve('..', 'shared', 'data', 'calcium');
const BIN = 0.04;
const SIGMA_S = 0.1;

interface Row { dataset: string; trials: number; frameRateHz: number; spikes: number; tauS: string; r40: number; r40Smoothed: number; rPerTrialMean: number; ms: number }
const rows: Row[] = [];
for (const ds of readdirSync(root).sort()) {
  const d = join(root, ds);
  if (!statSync(d).isDirectory()) continue;
  for (const f of readdirSync(d).filter((x) => x.endsWith('.mat')).sort()) {
    const t0 = performance.now();
    const trials = readCalciumGroundTruth(join(d, f));
    const truth: number[] = [];
    const inferred: number[] = [];
    const perTrial: number[] = [];
    const taus: number[] = [];
    let spikes = 0;
    let fallbacks = 0;
    for (const tr of trials) {
      const r = deconvolve(tr.dff, tr.fs, { tauS: tau ? Number(tau) : undefined, sminSigma: smin ? Number(smin) : undefined, order });
      taus.push(r.tauS);
      if (order === 2 && r.order === 1) fallbacks++;
      const { t0: b0, n } = binRange(tr.time, tr.fs, BIN);
      const tb = binSpikes(tr.spikes, b0, n, BIN);
      const ib = binFrames(r.s, tr.time, tr.fs, b0, n, BIN);
      spikes += tb.reduce((a, v) => a + v, 0);
      perTrial.push(pearson(tb, ib));
      truth.push(...tb);
      inferred.push(...ib);
    }
    const sig = SIGMA_S / BIN;
    const valid = perTrial.filter(Number.isFinite);
    rows.push({
      dataset: ds,
      trials: trials.length,
      frameRateHz: trials[0]!.fs,
      spikes,
      tauS: taus.map((t) => t.toFixed(2)).join(', ') + (fallbacks ? ` (${fallbacks} AR(1) fallback)` : ''),
      r40: pearson(truth, inferred),
      r40Smoothed: pearson(gaussianFilter1d(truth, sig), gaussianFilter1d(inferred, sig)),
      rPerTrialMean: valid.reduce((a, v) => a + v, 0) / valid.length,
      ms: performance.now() - t0,
    });
  }
}
const med = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`OASIS AR(${order}), τ ${tau ? `fixed ${tau} s` : 'from the autocovariance per trial'}, s_min ${smin ?? 1} σ; Pearson r, 40 ms bins (trials concatenated); smoothed: Gaussian σ = ${SIGMA_S * 1000} ms on both`);
console.log('| dataset | trials | frame rate | GT spikes in span | τ per trial (s) | r (40 ms) | r (40 ms, smoothed) | mean r per trial | time |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.dataset} | ${r.trials} | ${r.frameRateHz.toFixed(1)} Hz | ${r.spikes} | ${r.tauS} | ${r.r40.toFixed(3)} | ${r.r40Smoothed.toFixed(3)} | ${r.rPerTrialMean.toFixed(3)} | ${(r.ms / 1000).toFixed(2)} s |`);
console.log(`| **median over ${rows.length} datasets** | | | | | **${med(rows.map((r) => r.r40)).toFixed(3)}** | **${med(rows.map((r) => r.r40Smoothed)).toFixed(3)}** | ${med(rows.map((r) => r.rPerTrialMean)).toFixed(3)} | |`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ order, tau: tau ?? 'auto', smin: smin ?? 1, binS: BIN, smoothSigmaS: SIGMA_S, rows }, null, 1) + '\n');
