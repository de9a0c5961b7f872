import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../../src/codecs/builtin.js';
import { allocArray, isIntegerDType, type DType, type TypedArray } from '../../src/core/dtype.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { parseLossy, resolveLossy } from '../../src/api/lossy.js';
import { conformance } from '../kit/conformance.js';
import { targetLadder } from '../../src/codecs/lossy/sz.js';
import { snr } from '../../src/metrics/fidelity.js';
import { compareSpikes } from '../../src/spikes/detect.js';
import { cli } from '../kit/cli.js';
import { realExcerpts, rng } from '../kit/signals.js';
import { REPO_ROOT, tempDir } from '../kit/paths.js';

const INTS = ['int16', 'int32', 'uint16', 'uint8', 'int8', 'uint32'] as const;
const ALL = [...INTS, 'float32', 'float64'] as const;

conformance('sz:abs=0,order=8+rans', { dtypes: [...INTS], tolerance: () => 0 });
conformance('sz:abs=3,order=8+rans', { dtypes: [...ALL], tolerance: () => 3 });
conformance('sz:abs=100,order=4+rans', { dtypes: ['int16', 'float32', 'uint16'], tolerance: () => 100 });
conformance('sz:abs=0.25,order=8+rans', { dtypes: ['float32', 'float64'], tolerance: () => 0.25, real: false });
conformance('sz:bps=3,order=8+rans', { dtypes: ['int16', 'float64'], tolerance: () => Infinity });
conformance('sz:abs=100,order=32,grid=1+rans', { dtypes: [...INTS, 'float32'], tolerance: () => 100 });
conformance('sz:abs=300,order=16,grid=1,fine=0,fs=20000,win=12,near=0.7+rans', { dtypes: ['int16', 'uint16', 'int32'], tolerance: () => 300 });

/** int16 samples on a ~64.06 lattice (10-bit ADC codes scaled like N1): an AR(2) oscillation plus noise and negative spikes. */
function latticeSignal(n: number, seed: number): Int16Array {
  const r = rng(seed);
  const a = new Int16Array(n);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = 1.98 * s1 - 0.9802 * s2 + 20 * (r() - 0.5);
    s2 = s1;
    s1 = s0;
    const spike = i % 997 < 8 ? -60 * Math.sin((Math.PI * (i % 997)) / 8) : 0;
    const code = Math.max(-511, Math.min(511, Math.round(s0 / 20 + spike + 3 * (r() - 0.5))));
    a[i] = Math.round(code * 64.06);
  }
  return a;
}

const LIMITS: Record<string, [number, number]> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
  float32: [-3.4e38, 3.4e38], float64: [-1.7e308, 1.7e308],
};

/** Adversarial signals: steps, clipping at the dtype's limits, constant, white noise, alternating extremes. */
function adversarial(dtype: DType, n: number, c: number): { name: string; data: TypedArray }[] {
  const [lo, hi] = LIMITS[dtype]!;
  const r = rng(n + c);
  const fit = (v: number) => (isIntegerDType(dtype) ? Math.max(lo, Math.min(hi, Math.round(v))) : v);
  const mk = (f: (i: number, ch: number) => number) => {
    const a = allocArray(dtype, n * c);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) a[i * c + ch] = fit(f(i, ch));
    return a;
  };
  const span = isIntegerDType(dtype) ? hi - lo : 2e6;
  const mid = isIntegerDType(dtype) ? lo + span / 2 : 0;
  return [
    { name: 'steps', data: mk((i, ch) => mid + (Math.floor(i / 37) % 2 ? span / 3 : -span / 3) * (ch + 1) / c) },
    { name: 'clipping', data: mk((i) => mid + span * 0.9 * Math.sin(i * 0.01)) }, // beyond +-span/2: clips at both limits
    { name: 'limits', data: mk((i) => (i % 2 ? lo : hi)) },
    { name: 'constant', data: mk(() => mid + 5) },
    { name: 'noise', data: mk(() => lo + r() * span) },
    { name: 'sparse-spikes', data: mk((i) => mid + (i % 101 === 0 ? span / 2.5 : r() * 10)) },
  ];
}

describe('sz: the abs bound holds on every sample', () => {
  for (const dtype of ALL) {
    test(`${dtype}: adversarial signals x bounds`, async () => {
      const bounds = isIntegerDType(dtype) ? [0, 1, 2, 7, 100, 5000] : [1e-3, 0.5, 7, 1e4];
      for (const abs of bounds) {
        const p = await Pipeline.fromString(`sz:abs=${abs}+rans`);
        for (const [n, c] of [[1, 1], [500, 1], [333, 3]] as const) {
          for (const s of adversarial(dtype, n, c)) {
            const spec = { dtype, shape: [n, c] };
            const y = p.decode(p.encode(s.data, spec), spec);
            for (let i = 0; i < y.length; i++) {
              const e = Math.abs(y[i]! - s.data[i]!);
              if (!(e <= abs)) assert.fail(`${dtype} abs=${abs} ${s.name} ${n}x${c}: |error| ${e} at ${i} (${s.data[i]} -> ${y[i]})`);
            }
          }
        }
      }
    });
  }

  test('real excerpts (N1, locust, Neuropixels Ultra), several bounds', async (t) => {
    const sigs = realExcerpts(20000, 400000);
    if (sigs.length === 0) return t.skip('../shared/data is absent');
    for (const abs of [0, 1, 31, 64, 200, 1000]) {
      const p = await Pipeline.fromString(`sz:abs=${abs}+rans`);
      for (const s of sigs) {
        const y = p.decode(p.encode(s.data, s.spec), s.spec);
        for (let i = 0; i < y.length; i++) if (Math.abs(y[i]! - s.data[i]!) > abs) assert.fail(`${s.name} abs=${abs}: broken at ${i}`);
      }
    }
  });

  test('float NaN and infinities are escaped exactly', async () => {
    const p = await Pipeline.fromString('sz:abs=0.5+rans');
    const x = Float64Array.of(1, NaN, 2, Infinity, -Infinity, 3, 1e300, -1e300, 4);
    const spec = { dtype: 'float64' as const, shape: [x.length, 1] };
    const y = p.decode(p.encode(x, spec), spec);
    for (let i = 0; i < x.length; i++) assert.ok(Object.is(x[i], y[i]) || Math.abs(x[i]! - y[i]!) <= 0.5, `${i}: ${x[i]} -> ${y[i]}`);
  });

  test('rate mode hits roughly the asked bits per sample and coarser rates give larger errors', async (t) => {
    const sigs = realExcerpts(20000, 20000).filter((s) => s.name === 'real.n1');
    if (sigs.length === 0) return t.skip('../shared/data is absent');
    const s = sigs[0]!;
    let prev = -1;
    for (const b of [6, 3, 1.5]) {
      const p = await Pipeline.fromString(`sz:bps=${b}+rans`);
      const enc = p.encode(s.data, s.spec);
      const bits = (enc.byteLength * 8) / s.data.length;
      assert.ok(bits <= b * 1.05 + 0.05, `bps=${b}: ${bits.toFixed(2)} bits/sample`);
      const y = p.decode(enc, s.spec);
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - s.data[i]!));
      assert.ok(worst >= prev, `bps=${b}: max error ${worst} < ${prev} at a higher rate`);
      prev = worst;
    }
  });

  test('grid=1: quantizes in lattice steps, reconstructions stay on the lattice, bound holds in stored units', async () => {
    const x = latticeSignal(20000, 7);
    const spec = { dtype: 'int16' as const, shape: [x.length, 1] };
    const values = new Set(x);
    const plain = await Pipeline.fromString('sz:abs=100,order=32+rans');
    const grid = await Pipeline.fromString('sz:abs=100,order=32,grid=1+rans');
    const eg = grid.encode(x, spec);
    const y = grid.decode(eg, spec);
    let worst = 0;
    let onGrid = 0;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(y[i]! - x[i]!));
      if (values.has(y[i]!)) onGrid++;
    }
    assert.ok(worst <= 100, `max error ${worst}`);
    // index bound floor(100 / 65) = 1: errors of 0 or one lattice step (64 or 65)
    assert.ok(worst >= 64 && worst <= 65, `max error ${worst} is one lattice step`);
    assert.ok(onGrid > 0.99 * x.length, `${onGrid} of ${x.length} reconstructions on the lattice`);
    // below one lattice step the lattice coder is lossless
    const g0 = await Pipeline.fromString('sz:abs=40,order=32,grid=1+rans');
    assert.deepEqual(g0.decode(g0.encode(x, spec), spec), x);
    assert.ok(eg.byteLength < plain.encode(x, spec).byteLength * 1.2, 'lattice coding is not much larger than plain sz at the same bound');
  });

  test('fine= (spike shaping): windows around near-threshold excursions keep the fine bound, elsewhere abs', async () => {
    const x = latticeSignal(30000, 11);
    const spec = { dtype: 'int16' as const, shape: [x.length, 1] };
    const shaped = await Pipeline.fromString('sz:abs=400,order=32,grid=1,fine=0,fs=20000,win=12,near=0.7+rans');
    const coarse = await Pipeline.fromString('sz:abs=400,order=32,grid=1+rans');
    const enc = shaped.encode(x, spec);
    const y = shaped.decode(enc, spec);
    let exact = 0;
    let troughs = 0;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(y[i]! - x[i]!));
      // every injected spike's trough lies inside a window: reconstructed exactly
      if (i % 997 === 4) {
        troughs++;
        if (y[i] === x[i]) exact++;
      }
    }
    assert.ok(exact >= troughs - 1 && worst <= 400 && worst > 64, `${exact} of ${troughs} spike troughs exact, worst ${worst}`);
    assert.ok(enc.byteLength > coarse.encode(x, spec).byteLength, 'the windows cost bytes');
    for (const bad of ['sz:abs=10,fine=0+rans', 'sz:abs=10,fs=20000+rans', 'sz:abs=10,grid=2+rans']) {
      await assert.rejects(Pipeline.fromString(bad), (e) => isNeurozipError(e, 'InvalidConfig'), bad);
    }
  });

  test('target mode (tsnr, tf1): each chunk meets its target, coarser targets cost fewer bytes', async (t) => {
    const sigs = realExcerpts(20000, 40000).filter((s) => s.name === 'real.n1');
    if (sigs.length === 0) return t.skip('../shared/data is absent');
    const s = sigs[0]!;
    let prev = Infinity;
    for (const db of [30, 20, 12]) {
      const p = await Pipeline.fromString(`sz:tsnr=${db},order=16,grid=1+rans`);
      const enc = p.encode(s.data, s.spec);
      const y = p.decode(enc, s.spec);
      assert.ok(snr(s.data, y, 1) >= db, `tsnr=${db}: ${snr(s.data, y, 1)}`);
      assert.ok(enc.byteLength < prev, `tsnr=${db} not smaller`);
      prev = enc.byteLength;
    }
    const p = await Pipeline.fromString('sz:tf1=0.99,fs=19531,order=16,grid=1+rans');
    const y = p.decode(p.encode(s.data, s.spec), s.spec);
    const k = compareSpikes(s.data, y, 1, 19531);
    assert.ok(k.original + k.reconstructed === 0 || (2 * k.hits) / (k.original + k.reconstructed) >= 0.99, JSON.stringify(k));
    assert.deepEqual(targetLadder(10, true), [0, 1, 2, 3, 4, 6, 8]);
    for (const bad of ['sz:tsnr=20,abs=3+rans', 'sz:tf1=0.9+rans', 'sz:tsnr=20,tf1=0.9,fs=20000+rans']) {
      await assert.rejects(Pipeline.fromString(bad), (e) => isNeurozipError(e, 'InvalidConfig'), bad);
    }
  });

  test('corrupt lattice side bytes are typed errors', async () => {
    const x = latticeSignal(4000, 3);
    const spec = { dtype: 'int16' as const, shape: [x.length, 1] };
    const p = await Pipeline.fromString('sz:abs=100,order=8,grid=1,fine=0,fs=20000+rans');
    const enc = p.encode(x, spec);
    let typed = 0;
    for (let k = 0; k < 60; k++) {
      const bad = enc.slice();
      const at = (k * 7919) % bad.length;
      bad[at] = bad[at]! ^ (1 + (k % 255));
      try {
        p.decode(bad, spec);
      } catch (e) {
        assert.ok(isNeurozipError(e), `flip at ${at}: ${String(e)}`);
        typed++;
      }
    }
    assert.ok(typed > 0);
  });

  test('bad configs are typed errors', async () => {
    for (const text of ['sz', 'sz:abs=-1', 'sz:abs=1,bps=2', 'sz:order=40,abs=1', 'sz:abs=1,foo=2']) {
      await assert.rejects(Pipeline.fromString(text), (e) => isNeurozipError(e, 'InvalidConfig'), text);
    }
  });
});

describe('--lossy parsing and resolution', () => {
  test('impossible bounds are clear usage errors', () => {
    for (const text of ['abs=-1', 'abs=NaN', 'abs=', 'rel=1.5', 'rel=-0.1', 'psnr=0', 'psnr=-3', 'bps=0', 'bps=99', 'snr=500', 'f1=0.9', 'abs', 'abs=1e999']) {
      assert.throws(() => parseLossy(text), (e) => isNeurozipError(e, 'Usage'), text);
    }
    assert.throws(() => resolveLossy(parseLossy('abs=70000'), 'int16', undefined), (e) => isNeurozipError(e, 'Usage'), 'abs beyond the int16 range');
    assert.throws(() => resolveLossy(parseLossy('bps=17'), 'int16', undefined), (e) => isNeurozipError(e, 'Usage'), 'bps beyond 16 bits');
  });
  test('rel and psnr resolve from the recording range', () => {
    assert.equal(resolveLossy(parseLossy('rel=0.01'), 'int16', [-1000, 1000]).abs, 20);
    assert.equal(resolveLossy(parseLossy('rel=0.01'), 'float32', [-1, 1]).abs, 0.02);
    // psnr 60 dB over a range of 2000: MSE = 4, step = sqrt(48) = 6.93 -> e = floor(2.96) = 2
    assert.equal(resolveLossy(parseLossy('psnr=60'), 'int16', [-1000, 1000]).abs, 2);
    assert.equal(resolveLossy(parseLossy('bps=2'), 'int16', undefined).guaranteed, false);
  });
  test('spikes= options parse, default and resolve (fine never above abs)', () => {
    assert.deepEqual(parseLossy('abs=300,spikes=0').spikes, { fine: 0, near: 0.7, winMs: 1 });
    assert.deepEqual(parseLossy('abs=300,spikes=40,near=0.5,win=1').spikes, { fine: 40, near: 0.5, winMs: 1 });
    assert.equal(resolveLossy(parseLossy('abs=30,spikes=100.7'), 'int16', undefined).spikes!.fine, 30);
    for (const text of ['abs=3,near=0.5', 'abs=3,spikes=-1', 'abs=3,spikes=1,near=2', 'bps=2,spikes=0', 'abs=3,spikes=1,foo=2', 'abs=3,spikes=x']) {
      assert.throws(() => parseLossy(text), (e) => isNeurozipError(e, 'Usage'), text);
    }
  });
});

describe('CLI: compress --lossy, info, verify --against', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const wav = join(dir, 'n1.wav');
  copyFileSync(join(REPO_ROOT, 'samples', 'n1-0052503c.wav'), wav);

  test('abs: bound stored, shown by info, checked by verify --against; never labelled lossless', () => {
    let r = cli(['compress', wav, '-o', join(dir, 'a.nzp'), '--lossy', 'abs=40']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /LOSSY, verified: max \|error\| \d+ <= abs 40/);
    r = cli(['info', join(dir, 'a.nzp'), '--json']);
    const i = JSON.parse(r.stdout);
    assert.equal(i.lossless, false);
    assert.equal(i.errorBound, 40);
    assert.deepEqual(i.lossy, { mode: 'abs', value: 40, abs: 40, bps: null, guaranteed: true, range: null });
    assert.equal(i.pipeline[0].id, 'sz');
    assert.equal(i.pipeline[0].abs, 40);
    assert.equal(i.pipeline[0].grid, 1, 'integer data: quantized on its value lattice');
    r = cli(['info', join(dir, 'a.nzp')]);
    assert.match(r.stdout, /LOSSY/);
    assert.match(r.stdout, /error\s+\|x - x̂\| <= 40 on every sample, guaranteed/);
    assert.doesNotMatch(r.stdout, /\(lossless\)/);
    r = cli(['verify', join(dir, 'a.nzp'), '--against', wav]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /max \|error\| vs .* = \d+ <= bound 40 on every sample/);
    r = cli(['verify', join(dir, 'a.nzp')]);
    assert.match(r.stdout, /LOSSY: decodes cleanly; give --against/);
    // the restored WAV differs from the original but has its shape
    r = cli(['decompress', join(dir, 'a.nzp'), '-o', join(dir, 'a.wav')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'a.wav')).byteLength, readFileSync(wav).byteLength);
  });

  test('abs=...,spikes=F: shaping recorded in the header and shown by info; bound checked', () => {
    let r = cli(['compress', wav, '-o', join(dir, 's.nzp'), '--lossy', 'abs=300,spikes=0,win=0.5']);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['info', join(dir, 's.nzp'), '--json']);
    const i = JSON.parse(r.stdout);
    assert.deepEqual(i.lossy.spikes, { fine: 0, near: 0.7, winMs: 0.5 });
    assert.equal(i.errorBound, 300);
    assert.equal(i.pipeline[0].fine, 0);
    assert.equal(i.pipeline[0].win, Math.round(0.5e-3 * i.sampleRateHz));
    r = cli(['info', join(dir, 's.nzp')]);
    assert.match(r.stdout, /<= 300 on every sample, guaranteed; <= 0 within 0.5 ms/);
    r = cli(['verify', join(dir, 's.nzp'), '--against', wav]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('--target f1= / snr=: per-chunk bound meets the target, info shows it, decoding needs nothing else', () => {
    for (const t of ['f1=0.99', 'snr=20']) {
      const out = join(dir, `t-${t}.nzp`);
      let r = cli(['compress', wav, '-o', out, '--target', t]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`target ${t.replace('.', '\\.')}, no bound`));
      r = cli(['info', out, '--json']);
      const i = JSON.parse(r.stdout);
      assert.equal(i.lossy.mode, t.split('=')[0]);
      assert.equal(i.errorBound, null);
      assert.equal(i.pipeline[0].abs, undefined);
      r = cli(['info', out]);
      assert.match(r.stdout, /target (spike F1|SNR) >= /);
      r = cli(['verify', out, '--against', wav]);
      assert.equal(r.code, 0, r.stderr);
    }
    for (const bad of ['f1=2', 'psnr=3', 'snr=x']) assert.equal(cli(['compress', wav, '-o', join(dir, 'bad.nzp'), '--target', bad]).code, 2, bad);
  });

  test('verify --against fails against a different original', () => {
    const other = join(dir, 'other.wav');
    copyFileSync(join(REPO_ROOT, 'samples', 'n1-0ab237b7.wav'), other);
    const r = cli(['verify', join(dir, 'a.nzp'), '--against', other]);
    assert.notEqual(r.code, 0);
  });

  test('rel, psnr and bps record what was asked; bps says it has no bound', () => {
    for (const [spec, guaranteed] of [['rel=0.01', true], ['psnr=35', true], ['bps=2', false]] as const) {
      const out = join(dir, `${spec}.nzp`);
      let r = cli(['compress', wav, '-o', out, '--lossy', spec]);
      assert.equal(r.code, 0, r.stderr);
      r = cli(['info', out, '--json']);
      const i = JSON.parse(r.stdout);
      assert.equal(i.lossy.guaranteed, guaranteed, spec);
      if (guaranteed) assert.ok(i.errorBound > 0 && i.lossy.range.length === 2, spec);
      else assert.equal(i.errorBound, null);
      r = cli(['info', out]);
      if (!guaranteed) assert.match(r.stdout, /NO guaranteed error bound/);
      r = cli(['verify', out, '--against', wav]);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  test('bad --lossy values and formats that must stay exact are clear errors', () => {
    for (const spec of ['abs=-2', 'rel=3', 'foo=1']) {
      const r = cli(['compress', wav, '-o', join(dir, 'bad.nzp'), '--lossy', spec]);
      assert.equal(r.code, 2, `${spec}: ${r.stderr}`);
      assert.match(r.stderr, /--lossy/);
    }
    const bin = join(dir, 'np2_g0_t0.imec0.ap.bin');
    copyFileSync(join(REPO_ROOT, 'samples', 'np2_g0_t0.imec0.ap.bin'), bin);
    copyFileSync(join(REPO_ROOT, 'samples', 'np2_g0_t0.imec0.ap.meta'), bin.replace(/\.bin$/, '.meta'));
    let r = cli(['compress', bin, '-o', join(dir, 'np.nzp'), '--lossy', 'abs=2']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--force-lossy/);
    r = cli(['compress', bin, '-o', join(dir, 'np.nzp'), '--codec', 'sz:abs=2+rans']);
    assert.equal(r.code, 2, 'an explicit lossy pipeline needs it too');
    r = cli(['compress', bin, '-o', join(dir, 'np.nzp'), '--lossy', 'abs=2', '--force-lossy']);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['verify', join(dir, 'np.nzp'), '--against', bin]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /<= bound 2 on every sample/);
  });
});
