import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deconvolve, estimateAR2, estimateGamma, estimateNoise, oasisAR1, oasisAR2 } from '../../src/spikes/oasis.js';
import { binFrames, binSpikes, gaussianFilter1d, pearson } from '../../src/spikes/calcium.js';
import { readCooH5 } from '../../src/spikes/coo.js';
import { rng } from '../kit/signals.js';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** AR(1) calcium: c_t = g c_{t-1} + s_t, s Poisson-ish (rate p per frame, unit amplitude), plus noise. */
function synth(T: number, g: number, p: number, sigma: number, seed: number) {
  const r = rng(seed);
  const s = new Float64Array(T);
  const c = new Float64Array(T);
  const y = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    if (r() < p) s[t] = 1;
    c[t] = (t ? g * c[t - 1]! : 0) + s[t]!;
    y[t] = c[t]! + sigma * gauss(r);
  }
  return { s, c, y };
}

describe('OASIS AR(1)', () => {
  test('noise-free trace: the deconvolution is exact', () => {
    const { s, c } = synth(3000, 0.95, 0.02, 0, 1);
    const out = oasisAR1(c, 0.95);
    for (let t = 0; t < c.length; t++) {
      assert.ok(Math.abs(out.c[t]! - c[t]!) < 1e-9, `c[${t}]`);
      assert.ok(Math.abs(out.s[t]! - s[t]!) < 1e-9, `s[${t}]`);
    }
  });
  test('noisy synthetic AR(1): σ and γ estimated, spikes recovered', () => {
    const g = 0.95;
    const sigma = 0.1;
    const { s, y } = synth(20000, g, 0.01, sigma, 2);
    const sn = estimateNoise(y);
    // the spikes add some power to the upper band too (CaImAn's estimator has the same bias)
    assert.ok(Math.abs(sn - sigma) / sigma < 0.2, `σ estimate ${sn}`);
    const ge = estimateGamma(y, sn);
    assert.ok(Math.abs(ge - g) < 0.01, `γ estimate ${ge}`);
    const out = oasisAR1(y, ge, 0, 3 * sn);
    // events within ±1 frame of a true spike
    let tp = 0;
    let fp = 0;
    const used = new Uint8Array(s.length);
    for (let t = 0; t < s.length; t++) {
      if (!out.s[t]) continue;
      const k = [t, t - 1, t + 1].find((j) => j >= 0 && j < s.length && s[j] && !used[j]);
      if (k === undefined) fp++;
      else {
        used[k] = 1;
        tp++;
      }
    }
    const nTrue = s.reduce((a, v) => a + v, 0);
    const recall = tp / nTrue;
    const precision = tp / (tp + fp);
    assert.ok(recall > 0.85 && precision > 0.85, `recall ${recall}, precision ${precision}`);
    assert.ok(pearson(gaussianFilter1d(out.s, 1), gaussianFilter1d(s, 1)) > 0.9);
    // the full pipeline (baseline, σ, γ) on the same trace with an offset
    const d = deconvolve(y.map((v) => v + 0.3), 30);
    assert.ok(Math.abs(d.gamma - g) < 0.01 && d.gammaSource === 'autocovariance');
    assert.ok(pearson(gaussianFilter1d(d.s, 1), gaussianFilter1d(s, 1)) > 0.9);
    assert.equal(deconvolve(y, 30, { tauS: 1 }).gamma, Math.exp(-1 / 30));
  });
  test('metric helpers: frame binning conserves mass, Gaussian filter as scipy', () => {
    const time = Float64Array.from({ length: 100 }, (_, i) => 0.01 + i / 30);
    const v = Float64Array.from({ length: 100 }, (_, i) => (i % 7) + 1);
    const b = binFrames(v, time, 30, 0.01 - 1 / 60, 84, 0.04);
    assert.ok(Math.abs(b.reduce((a, x) => a + x, 0) - v.reduce((a, x) => a + x, 0)) < 1e-9);
    assert.deepEqual([...binSpikes([0.0, 0.05, 0.051, 9], 0, 3, 0.04)], [1, 2, 0]);
    // scipy.ndimage.gaussian_filter1d([0,0,1,0,0,0], 1) -> reflect boundary
    const gf = gaussianFilter1d([0, 0, 1, 0, 0, 0], 1);
    const ref = [0.05842298904073566, 0.24210527628121548, 0.39894346935609776, 0.24197144565660073, 0.053991127420704395, 0.004565692244646008];
    gf.forEach((x, i) => assert.ok(Math.abs(x - ref[i]!) < 1e-12, `${i}: ${x}`));
    assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 6.5]) - 0.9986) < 1e-3);
  });
});

describe('neurozip spikes infer', () => {
  const file = () => {
    const d = sharedPath('calcium', 'DS06-GCaMP6f-zf-aDp');
    return join(d, readdirSync(d).find((f) => f.endsWith('.mat'))!);
  };
  test('JSON per trial and a COO grid of the inferred spikes', { skip: NO_DATA }, async () => {
    const j = join(dir, 'r.json');
    const h5 = join(dir, 'g.h5');
    const r = cli(['spikes', 'infer', file(), '--json', j, '--grid', h5]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(fs.readFileSync(j, 'utf8'));
    assert.equal(out.trials.length, 2);
    assert.equal(out.trials[0].rate.length, 3600);
    assert.ok(out.trials[0].rate.every((v: number) => v >= 0));
    const g = await readCooH5(h5);
    assert.deepEqual(g.shape, [3600, 1, 1, 2]);
    const events = out.trials.reduce((a: number, t: { eventFrames: number }) => a + t.eventFrames, 0);
    assert.equal(g.values.length, events);
    assert.ok(events > 0);
    const csv = cli(['spikes', 'infer', file(), '--tau', '0.5', '--csv', '-']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trim().split('\n').length, 1 + 7200);
    const ar2 = cli(['spikes', 'infer', file(), '--ar', '2', '--json', '-']);
    assert.equal(ar2.code, 0, ar2.stderr);
    const o2 = JSON.parse(ar2.stdout);
    assert.equal(o2.method, 'OASIS AR(2)');
    // DS06: one trial fits AR(2), the other falls back to AR(1) (BENCHMARKS.md)
    assert.deepEqual(o2.trials.map((t: { arOrder: number }) => t.arOrder).sort(), [1, 2]);
    assert.notEqual(cli(['spikes', 'infer', file(), '--ar', '3']).code, 0);
  });
  test('bad input: clear errors', () => {
    const r = cli(['spikes', 'infer', join(dir, 'nope.mat')]);
    assert.notEqual(r.code, 0);
    const bad = join(dir, 'bad.mat');
    fs.writeFileSync(bad, 'MATLAB 5.0 MAT-file'.padEnd(200, ' '));
    const b = cli(['spikes', 'infer', bad]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /bad\.mat/);
  });
});

/** AR(2) calcium: c_t = g1 c_{t-1} + g2 c_{t-2} + s_t (unit spikes at rate p), plus noise. */
function synth2(T: number, g1: number, g2: number, p: number, sigma: number, seed: number) {
  const r = rng(seed);
  const s = new Float64Array(T);
  const c = new Float64Array(T);
  const y = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    if (t >= 3 && r() < p) s[t] = 1;
    c[t] = (t ? g1 * c[t - 1]! : 0) + (t > 1 ? g2 * c[t - 2]! : 0) + s[t]!;
    y[t] = c[t]! + sigma * gauss(r);
  }
  return { s, c, y };
}

describe('OASIS AR(2)', () => {
  // roots d = 0.95 (decay), r = 0.6 (rise): g1 = d + r, g2 = -d r
  const g1 = 1.55;
  const g2 = -0.57;
  test('noise-free trace: spikes and calcium recovered', () => {
    const { s, c } = synth2(3000, g1, g2, 0.02, 0, 3);
    const out = oasisAR2(c, g1, g2);
    let worst = 0;
    for (let t = 0; t < c.length; t++) worst = Math.max(worst, Math.abs(out.c[t]! - c[t]!), Math.abs(out.s[t]! - s[t]!));
    assert.ok(worst < 1e-6, `max error ${worst}`);
  });
  test('noisy trace: estimated coefficients near the truth, inferred activity tracks the spikes', () => {
    const { s, y } = synth2(20000, g1, g2, 0.02, 0.2, 4);
    const sn = estimateNoise(y);
    assert.ok(Math.abs(sn - 0.2) < 0.03, `sigma ${sn}`);
    const g = estimateAR2(y, sn);
    assert.ok(g, 'a rise-and-decay fit');
    const d = (g[0] + Math.sqrt(g[0] * g[0] + 4 * g[1])) / 2;
    assert.ok(Math.abs(d - 0.95) < 0.02, `decay root ${d}`);
    const out = oasisAR2(y, g[0], g[1], 0, 0.5);
    const r2 = pearson(gaussianFilter1d(s, 2), gaussianFilter1d(out.s, 2));
    const r1 = pearson(gaussianFilter1d(s, 2), gaussianFilter1d(oasisAR1(y, estimateGamma(y, sn), 0, 0.5).s, 2));
    assert.ok(r2 > 0.8 && r2 > r1, `AR(2) r ${r2.toFixed(3)}, AR(1) r ${r1.toFixed(3)}`);
  });
  test('bad coefficients are usage errors', () => {
    assert.throws(() => oasisAR2([1, 2, 3], 0.5, -0.5), /real roots/);
    assert.throws(() => oasisAR2([1, 2, 3], 1.2, 0.1), /roots/);
    assert.equal(oasisAR2([], 1.5, -0.56).s.length, 0);
  });
});
