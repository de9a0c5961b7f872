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
import { realSh } from '../../src/codecs/volume/sphharm.js';

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
conformance('sphharm:degree=2,shell=1,step=0.01', { dtypes: ['float32', 'float64'], tolerance: (s) => 3 * maxAbs(s) + 1 });
// octree holds its tolerance on every value (the kit's lossy tolerance mode with the codec's own bound)
conformance('octree:tol=0.5,degree=2', { dtypes: ['float32', 'float64'], tolerance: () => 0.5 });

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

test('sphharm: real spherical harmonics match their closed forms; the error falls with degree and shell width', async () => {
  const Y = new Float64Array(9);
  const [x, y, z] = [0.3, -0.5, 0.8];
  const r = Math.hypot(x, y, z);
  realSh(2, x, y, z, Y);
  const c1 = Math.sqrt(3 / (4 * Math.PI));
  const want = [0.5 / Math.sqrt(Math.PI), c1 * (y / r), c1 * (z / r), c1 * (x / r)];
  want.forEach((w, k) => assert.ok(Math.abs(Y[k]! - w) < 1e-12, `Y[${k}] ${Y[k]} vs ${w}`));
  assert.ok(Math.abs(Y[6]! - Math.sqrt(5 / (16 * Math.PI)) * (3 * (z / r) ** 2 - 1)) < 1e-12, 'Y_20');
  assert.ok(Math.abs(Y[8]! - 0.5 * Math.sqrt(15 / Math.PI) * ((x * x - y * y) / (r * r)) / 2) < 1e-12, 'Y_22');
  realSh(2, 0, 0, 0, Y);
  assert.deepEqual([...Y.subarray(1)], new Array(8).fill(0), 'only Y_00 at the centre');
  // an isotropic Maxwellian is degree 0; two drifting beams need higher degrees
  const n = 24;
  const iso = new Float32Array(n * n * n).map((_, i) => 10 * Math.exp(-(((i % n) - 11.5) ** 2 + ((((i / n) | 0) % n) - 11.5) ** 2 + (((i / n / n) | 0) - 11.5) ** 2) / 18));
  const i0 = await run({ id: 'sphharm', degree: 0, shell: 0.5, step: 1e-5 }, iso, [n, n, n]);
  assert.ok(i0.e < 0.05, `isotropic, degree 0: ${i0.e}`);
  const beams = twoBeams(n);
  const b2 = await run({ id: 'sphharm', degree: 2, shell: 0.5, step: 1e-5 }, beams, [n, n, n]);
  const b6 = await run({ id: 'sphharm', degree: 6, shell: 0.5, step: 1e-5 }, beams, [n, n, n]);
  const b6w = await run({ id: 'sphharm', degree: 6, shell: 2, step: 1e-5 }, beams, [n, n, n]);
  assert.ok(b6.e < b2.e && b6.e < b6w.e, `sphharm beams: degree 2 ${b2.e}, degree 6 ${b6.e}, degree 6 wide shells ${b6w.e}`);
  assert.ok(b6.y.every((v) => v >= 0), 'a non-negative input decodes non-negative');
});

test('octree: the tolerance holds on every value, non-finite values come back exactly, a looser tolerance costs fewer bytes', async () => {
  const n = 24;
  const x = twoBeams(n);
  x[100] = NaN;
  x[2000] = Infinity;
  x[3000] = 1e30;
  const shape = [n, n, n];
  const c = (await codecFromConfig({ id: 'octree', tol: 1e-3, degree: 2 })) as ArrayToBytesCodec;
  const spec = { dtype: 'float32' as const, shape };
  const enc = c.encode(x, spec);
  const y = c.decode(enc, spec);
  assert.ok(Number.isNaN(y[100]!) && y[2000] === Infinity && y[3000] === x[3000]);
  let worst = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  assert.ok(worst <= 1e-3, `octree max error ${worst}`);
  const beams = twoBeams(n);
  const fine = await run({ id: 'octree', tol: 1e-4, degree: 2 }, beams, shape);
  const coarse = await run({ id: 'octree', tol: 1e-2, degree: 2 }, beams, shape);
  assert.ok(fine.e <= 1e-4 && coarse.e <= 1e-2 && coarse.bytes < fine.bytes, `octree ${fine.bytes} B at ${fine.e}, ${coarse.bytes} B at ${coarse.e}`);
  // float64 at a tolerance far below float32 precision
  const x64 = Float64Array.from(beams);
  const c64 = c.encode(x64, { dtype: 'float64', shape });
  const y64 = c.decode(c64, { dtype: 'float64', shape });
  assert.ok(err(x64, y64) <= 1e-3);
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
    [{ id: 'sphharm', degree: 6, shell: 0.5, step: 1e-4 * mx }, 4e-4, 600, 1e-2],
    [{ id: 'octree', tol: 1e-4 * mx, degree: 1 }, 1e-4, 300, 1e-2],
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
