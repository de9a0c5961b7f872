import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import type { ArrayToBytesCodec, CodecConfig } from '../../src/codecs/codec.js';
import { codecFromConfig } from '../../src/codecs/registry.js';
import { VlsvFile } from '../../src/formats/vlsv.js';
import { momentErrors, vdfMoments } from '../../src/metrics/vdf.js';
import { conformance } from '../kit/conformance.js';
import { NO_DATA, sharedPath } from '../kit/paths.js';
import { rng, type Signal } from '../kit/signals.js';

const maxAbs = (s: Signal) => {
  let m = 0;
  for (const v of s.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
};
// orthonormal transforms keeping every coefficient: L2 error <= step/2 sqrt(block size), plus float rounding
conformance('dct3d:keep=512,step=0.5', { dtypes: ['float32', 'float64'], tolerance: (s) => 0.25 * Math.sqrt(512) + 1e-5 * maxAbs(s) });
conformance('pca:block=2,components=8,step=0.5', { dtypes: ['float32', 'float64'], tolerance: (s) => 0.25 * Math.sqrt(8) + 1e-5 * maxAbs(s) });
// 9/7 is near-orthonormal: measured worst error about 1.5 step on these signals
conformance('dwt3d:levels=3,step=0.5', { dtypes: ['float32', 'float64'], tolerance: (s) => 4 * 0.5 + 1e-5 * maxAbs(s) });
// model fits: no bound; the round trip must be the stored model, error below the signal's scale
conformance('hermite:order=3', { dtypes: ['float32', 'float64'], tolerance: (s) => 3 * maxAbs(s) + 1 });
conformance('gmm:components=2,iters=5,seed=1', { dtypes: ['float32', 'float64'], tolerance: (s) => 3 * maxAbs(s) + 1 });

function err(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function run(cfg: CodecConfig, x: Float32Array, shape: number[]) {
  const c = (await codecFromConfig(cfg)) as ArrayToBytesCodec;
  const spec = { dtype: 'float32' as const, shape };
  const enc = c.encode(x, spec);
  const y = c.decode(enc, spec);
  const again = c.encode(x, spec);
  assert.deepEqual(again, enc, `${cfg.id}: deterministic`);
  return { bytes: enc.byteLength, y, e: err(x, y) };
}

/** Two drifting anisotropic Maxwellians, 24³. */
function twoBeams(n: number): Float32Array {
  const out = new Float32Array(n * n * n);
  let i = 0;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++, i++) {
    out[i] = 10 * Math.exp(-((x - 9) ** 2) / 8 - ((y - 12) ** 2) / 6 - ((z - 11) ** 2) / 10) + 3 * Math.exp(-((x - 16) ** 2) / 4 - ((y - 12) ** 2) / 4 - ((z - 13) ** 2) / 4);
  }
  return out;
}

test('volume codecs: error falls with the parameter that buys accuracy', async () => {
  const n = 24;
  const x = twoBeams(n);
  const r = rng(3);
  const noisy = x.map((v) => v * (1 + 0.001 * (r() - 0.5)));
  const shape = [n, n, n];
  // dct3d: fewer kept coefficients, larger error; keeping all, the orthonormal bound holds
  const d8 = await run({ id: 'dct3d', keep: 8, step: 1e-4 }, noisy, shape);
  const d64 = await run({ id: 'dct3d', keep: 64, step: 1e-4 }, noisy, shape);
  const dall = await run({ id: 'dct3d', keep: 512, step: 1e-3 }, noisy, shape);
  assert.ok(d64.e < d8.e && d64.bytes > d8.bytes);
  assert.ok(dall.e <= 5e-4 * Math.sqrt(512) + 1e-5, `dct3d all: ${dall.e}`);
  // dwt3d: error tracks the step
  const w1 = await run({ id: 'dwt3d', levels: 3, step: 1e-2 }, noisy, shape);
  const w2 = await run({ id: 'dwt3d', levels: 3, step: 1e-4 }, noisy, shape);
  assert.ok(w2.e < w1.e && w1.e < 4e-2 && w2.e < 4e-4, `dwt3d ${w1.e} ${w2.e}`);
  // pca: more components, smaller error
  const p2 = await run({ id: 'pca', block: 4, components: 2, step: 1e-4 }, noisy, shape);
  const p32 = await run({ id: 'pca', block: 4, components: 32, step: 1e-4 }, noisy, shape);
  assert.ok(p32.e < p2.e, `pca ${p2.e} ${p32.e}`);
  // gmm: two beams are two Gaussians (exact up to float32 parameters); one component cannot
  const g1 = await run({ id: 'gmm', components: 1, iters: 30 }, x, shape);
  const g2 = await run({ id: 'gmm', components: 2, iters: 200 }, x, shape);
  assert.ok(g2.e < 0.01 && g2.e < g1.e, `gmm ${g1.e} ${g2.e}`);
  assert.equal(g2.bytes, 1 + 3 + 1 + 2 * 40);
  // hermite: a single Maxwellian is order 0 exactly; the error falls with the order on two beams
  const one = x.map((_, i) => 10 * Math.exp(-(((i % n) - 9) ** 2) / 8 - ((((i / n) | 0) % n - 12) ** 2) / 6 - ((((i / n / n) | 0) - 11) ** 2) / 10));
  assert.ok((await run({ id: 'hermite', order: 0 }, one, shape)).e < 1e-4);
  const h2 = await run({ id: 'hermite', order: 2 }, x, shape);
  const h6 = await run({ id: 'hermite', order: 6 }, x, shape);
  assert.ok(h6.e < h2.e, `hermite ${h2.e} ${h6.e}`);
});

test('volume codecs on the bulk.1d VDFs: errors and moments as in BENCHMARKS', { skip: NO_DATA }, async () => {
  const f = VlsvFile.open(sharedPath('vlsv', 'bulk.1d.vlsv'));
  const v = f.readVdf('proton', 5);
  let mx = 0;
  for (const a of v.data) mx = Math.max(mx, a);
  const m0 = vdfMoments(v.data, v.shape);
  // dwt3d spreads small errors over the whole box, so its temperature error is large (BENCHMARKS)
  for (const [cfg, maxRel, minRatio, maxT] of [
    [{ id: 'dct3d', keep: 512, step: 2e-4 * mx }, 2e-4, 300, 1e-2],
    [{ id: 'hermite', order: 8 }, 1e-4, 300, 1e-2],
    [{ id: 'dwt3d', levels: 3, step: 2e-4 * mx }, 4e-4, 80, 0.5],
  ] as const) {
    const r = await run(cfg, v.data, v.shape);
    assert.ok(r.e / mx <= maxRel, `${cfg.id}: ${r.e / mx}`);
    assert.ok(v.data.byteLength / r.bytes >= minRatio, `${cfg.id}: ${v.data.byteLength / r.bytes}x`);
    const e = momentErrors(m0, vdfMoments(r.y, v.shape));
    assert.ok(e.density < 3e-3 && e.temperature < maxT, `${cfg.id}: ${JSON.stringify(e)}`);
  }
});

test('vdf compare: numbers as JSON and the slice figure page', { skip: NO_DATA }, async () => {
  const { cli } = await import('../kit/cli.js');
  const { tempDir } = await import('../kit/paths.js');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { dir, cleanup } = tempDir();
  try {
    const html = join(dir, 'c5.html');
    const r = cli(['vdf', 'compare', sharedPath('vlsv', 'bulk.1d.vlsv'), '--cell', '5', '--codec', 'dct3d:keep=512,step=2e-4max', '--html', html, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.ratio > 300 && j.maxErrorOverMax < 2e-4, r.stdout);
    const page = readFileSync(html, 'utf8');
    assert.equal((page.match(/<svg/g) ?? []).length, 9);
    assert.equal(cli(['vdf', 'compare', sharedPath('vlsv', 'bulk.1d.vlsv'), '--cell', '5', '--codec', 'deflate']).code, 2);
  } finally {
    cleanup();
  }
});
