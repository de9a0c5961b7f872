import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../../src/codecs/builtin.js';
import { allocArray, type DType, type TypedArray } from '../../src/core/dtype.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { lossyPipeline, parseLossy, resolveLossy } from '../../src/api/lossy.js';
import { Mdct, bandOf } from '../../src/codecs/lossy/dct.js';
import { Dwt97 } from '../../src/codecs/lossy/dwt.js';
import { snr } from '../../src/metrics/fidelity.js';
import { lossySweep } from '../../src/cli/commands/bench.js';
import { familyOf } from '../../src/bench/report.js';
import { conformance } from '../kit/conformance.js';
import { cli } from '../kit/cli.js';
import { realExcerpts, rng } from '../kit/signals.js';
import { REPO_ROOT, tempDir } from '../kit/paths.js';

// No per-sample bound exists for a transform codec: the kit checks shape, dtype, goldens and
// corruption handling; the fidelity targets are checked below.
conformance('dct:block=64,snr=30', { dtypes: ['int16', 'int32', 'uint8', 'float32', 'float64'], tolerance: () => Infinity, realValues: 8000 });
conformance('dct:block=16,step=3', { dtypes: ['int16', 'float64'], tolerance: () => Infinity, real: false });
conformance('dwt:levels=6,snr=30', { dtypes: ['int16', 'uint16', 'float32', 'float64'], tolerance: () => Infinity, realValues: 8000 });
conformance('dwt:levels=3,bps=2', { dtypes: ['int16'], tolerance: () => Infinity, real: false });

const spec = (dtype: DType, n: number, c = 1) => ({ dtype, shape: [n, c] });

function roundTrip(p: Pipeline, x: TypedArray, n: number, c: number, dtype: DType = 'int16'): { y: TypedArray; bytes: number } {
  const enc = p.encode(x, spec(dtype, n, c));
  return { y: p.decode(enc, spec(dtype, n, c)), bytes: enc.byteLength };
}

/** An N1-like int16 signal: 1/f background, a slow oscillation and a few spikes. */
function neural(n: number, seed: number): Int16Array {
  const g = rng(seed);
  const x = new Int16Array(n);
  let a = 0;
  for (let i = 0; i < n; i++) {
    a = 0.97 * a + 300 * (g() - 0.5);
    const spike = i % 997 < 12 ? -2500 * Math.sin((Math.PI * (i % 997)) / 12) : 0;
    x[i] = Math.round(a + 1500 * Math.sin((2 * Math.PI * 7 * i) / 19531) + spike + 40 * (g() - 0.5));
  }
  return x;
}

describe('transforms', () => {
  test('MDCT: perfect reconstruction (TDAC) at every length, energy kept on the interior', () => {
    for (const N of [16, 256]) {
      const t = new Mdct(N);
      for (const n of [1, 2, 15, 16, 17, 1000, 4097]) {
        const g = rng(n + N);
        const x = Float64Array.from({ length: n }, () => g() - 0.5);
        const c = new Float64Array(t.layout(n).size);
        t.forward(x, c);
        const y = new Float64Array(n);
        t.inverse(c, n, y);
        for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i]! - y[i]!) < 1e-9, `N=${N} n=${n} at ${i}`);
      }
    }
    // orthonormal: a coefficient's basis function has unit energy
    const t = new Mdct(64);
    const n = 64 * 10;
    const c = new Float64Array(t.layout(n).size);
    c[5 * 64 + 7] = 1;
    const y = new Float64Array(n);
    t.inverse(c, n, y);
    assert.ok(Math.abs(y.reduce((s, v) => s + v * v, 0) - 1) < 1e-9);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 255].map(bandOf), [0, 1, 2, 3, 4, 4, 5, 5, 6, 7, 8, 15]);
  });

  test('9/7 wavelet: perfect reconstruction; neighbours are earlier in coding order', () => {
    for (const n of [1, 2, 3, 100, 1001]) {
      const t = new Dwt97(8);
      const g = rng(n);
      const x = Float64Array.from({ length: n }, () => g() - 0.5);
      const c = new Float64Array(n);
      t.forward(x, c);
      const y = new Float64Array(n);
      t.inverse(c, n, y);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i]! - y[i]!) < 1e-9, `n=${n} at ${i}`);
      const l = t.layout(n);
      for (let i = 0; i < n * 4; i++) assert.ok(l.nb[i]! < Math.floor(i / 4), `neighbour of ${Math.floor(i / 4)}`);
    }
  });
});

describe('dct / dwt: fidelity and rate targets', () => {
  test('snr=DB is met per chunk (at least, and within 0.3 dB) on real excerpts and synthetic signals', async () => {
    const sigs = realExcerpts(20000, 20000).filter((s) => s.spec.shape[1] === 1).slice(0, 3);
    sigs.push({ name: 'neural', spec: spec('int16', 30000), data: neural(30000, 1) });
    for (const id of ['dct:block=256', 'dwt:levels=8']) {
      for (const target of [6, 20.8, 35]) {
        const p = await Pipeline.fromString(`${id},snr=${target}`);
        for (const s of sigs) {
          const [n, c] = s.spec.shape as [number, number];
          const { y } = roundTrip(p, s.data, n, c);
          const got = snr(s.data, y, c);
          assert.ok(got >= target - 0.005 && got < target + 0.3, `${id} ${s.name}: SNR ${got} for target ${target}`);
        }
      }
    }
  });

  test('higher targets cost more bytes; mse= and bps= hold', async () => {
    const n = 40000;
    const x = neural(n, 2);
    let prev = 0;
    for (const t of [5, 15, 25, 35]) {
      const { bytes } = roundTrip(await Pipeline.fromString(`dct:snr=${t}`), x, n, 1);
      assert.ok(bytes > prev, `snr=${t}: ${bytes} bytes, not more than ${prev}`);
      prev = bytes;
    }
    for (const id of ['dct', 'dwt']) {
      const { y } = roundTrip(await Pipeline.fromString(`${id}:mse=400`), x, n, 1);
      let e = 0;
      for (let i = 0; i < n; i++) e += (x[i]! - y[i]!) ** 2;
      assert.ok(Math.abs(e / n / 400 - 1) < 0.02, `${id}: mse ${e / n}`);
      for (const b of [0.5, 1, 3]) {
        const enc = (await Pipeline.fromString(`${id}:bps=${b}`)).encode(x, spec('int16', n));
        assert.ok(enc.byteLength * 8 <= b * n + 8 * 64, `${id} bps=${b}: ${(enc.byteLength * 8) / n} bits per sample`);
        assert.ok(enc.byteLength * 8 >= 0.8 * b * n, `${id} bps=${b}: budget far from used (${(enc.byteLength * 8) / n})`);
      }
    }
  });

  test('adversarial signals: constant, steps, int16 limits, white noise, channels kept apart', async () => {
    const n = 5000;
    const p = await Pipeline.fromString('dct:snr=20');
    const k = new Int16Array(n).fill(-1234);
    assert.deepEqual(roundTrip(p, k, n, 1).y, k, 'a constant channel is exact');
    const clip = Int16Array.from({ length: n }, (_, i) => (i % 400 < 200 ? 32767 : -32768));
    const yc = roundTrip(p, clip, n, 1).y;
    assert.ok(snr(clip, yc) >= 19.9, 'square wave at the int16 limits');
    for (const v of yc) assert.ok(v >= -32768 && v <= 32767);
    const g = rng(9);
    const white = Int16Array.from({ length: n }, () => Math.round(20000 * (g() - 0.5)));
    assert.ok(Math.abs(snr(white, roundTrip(p, white, n, 1).y) - 20.1) < 0.1, 'white noise');
    // two channels of very different scale: the SNR is pooled, both channels are coded
    const two = new Int16Array(2 * n);
    for (let i = 0; i < n; i++) {
      two[2 * i] = Math.round(10000 * Math.sin(i / 50));
      two[2 * i + 1] = Math.round(100 * Math.sin(i / 7));
    }
    const y2 = roundTrip(p, two, n, 2).y;
    assert.ok(snr(two, y2, 2) >= 19.9);
    const f = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 30) * 1e-3);
    const yf = roundTrip(p, f, n, 1, 'float32').y;
    assert.ok(Math.abs(snr(f, yf) - 20.1) < 0.1, 'float32 at a small scale');
    // a fine step is nearly lossless (int16 rounds back to the exact value)
    const x = neural(n, 3);
    assert.deepEqual(roundTrip(await Pipeline.fromString('dct:step=0.01'), x, n, 1).y, x);
  });

  test('impossible parameters are InvalidConfig errors; a stream for another block is refused', async () => {
    for (const s of ['dct:block=100', 'dct:block=4096', 'dct:snr=20,bps=1', 'dct:step=0', 'dct:bps=0', 'dct:snr=1000', 'dct:rnd=0.7', 'dwt:levels=0', 'dwt:levels=17', 'dwt:mse=-1', 'dct:blok=64']) {
      await assert.rejects(Pipeline.fromString(s), (e) => isNeurozipError(e, 'InvalidConfig'), s);
    }
    const x = neural(3000, 4);
    const enc = (await Pipeline.fromString('dct:block=64,snr=20')).encode(x, spec('int16', 3000));
    const other = await Pipeline.fromString('dct:block=128,snr=20');
    assert.throws(() => other.decode(enc, spec('int16', 3000)), (e) => isNeurozipError(e));
    assert.throws(() => other.decode(enc, spec('int16', 2999)), (e) => isNeurozipError(e));
  });

  test('stages are never labelled lossless', async () => {
    for (const s of ['dct:snr=80', 'dwt:step=0.001']) assert.equal((await Pipeline.fromString(s)).lossless, false, s);
  });
});

describe('--lossy with codec=dct|dwt, and the bench sweep', () => {
  test('parsing and resolution', () => {
    assert.deepEqual(parseLossy('snr=20.8'), { mode: 'snr', value: 20.8, codec: 'dct' });
    assert.deepEqual(parseLossy('bps=1.2,codec=dwt'), { mode: 'bps', value: 1.2, codec: 'dwt' });
    const rec = resolveLossy(parseLossy('psnr=40,codec=dct'), 'int16', [-1000, 1000]);
    assert.equal(rec.guaranteed, false);
    assert.equal(rec.abs, null);
    assert.ok(Math.abs(rec.mse! - 400) < 1e-9);
    assert.deepEqual(lossyPipeline(rec, 'default', 'int16'), [{ id: 'dct', block: 256, mse: rec.mse! }]);
    assert.deepEqual(lossyPipeline(resolveLossy(parseLossy('bps=1,codec=dwt'), 'int16', undefined), 'max', 'int16'), [{ id: 'dwt', bps: 1 }]);
    for (const bad of ['abs=3,codec=dct', 'rel=0.01,codec=dwt', 'snr=20,codec=sz', 'snr=20,spikes=0', 'snr=x', 'snr=1e9', 'bps=1,codec=dct,spikes=3']) {
      assert.throws(() => parseLossy(bad), (e) => isNeurozipError(e, 'Usage'), bad);
    }
    assert.throws(() => resolveLossy(parseLossy('bps=17,codec=dct'), 'int16', undefined), (e) => isNeurozipError(e, 'Usage'));
    assert.throws(() => resolveLossy(parseLossy('psnr=30,codec=dct'), 'int16', [5, 5]), (e) => isNeurozipError(e, 'Usage'));
  });

  test('lossySweep covers the transform codecs; WavPack families group', () => {
    const s = lossySweep('dct', false);
    assert.ok(s.some((c) => c.spec === 'dct:block=256,snr=20.9'));
    assert.ok(s.some((c) => c.spec === 'level:default'));
    assert.ok(lossySweep('dwt', true).some((c) => c.spec === 'external:wavpack-b2.25'));
    assert.throws(() => lossySweep('zstd', false), (e) => isNeurozipError(e, 'Usage'));
    assert.equal(familyOf('wavpack -hh -x6 -b2.25'), familyOf('wavpack -hh -x6 -b3'));
    assert.equal(familyOf('dct:block=256,snr=1.5'), 'dct:block=#,snr=#');
  });

  const { dir, cleanup } = tempDir();
  after(cleanup);
  const wav = join(dir, 'n1.wav');
  copyFileSync(join(REPO_ROOT, 'samples', 'n1-0052503c.wav'), wav);

  test('CLI: compress --lossy snr=, info says LOSSY and no bound, verify --against reports the error', () => {
    const out = join(dir, 't.nzp');
    let r = cli(['compress', wav, '-o', out, '--lossy', 'snr=20.8']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /LOSSY, verified: max \|error\| \d+ \(target snr=20.8, no bound\)/);
    r = cli(['info', out, '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.lossless, false);
    assert.equal(j.errorBound, null);
    assert.equal(j.lossy.codec, 'dct');
    assert.equal(j.pipeline[0].id, 'dct');
    r = cli(['info', out]);
    assert.match(r.stdout, /transform codec dct.*NO per-sample error bound/);
    r = cli(['verify', out, '--against', wav]);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['decompress', out, '-o', join(dir, 't.wav')]);
    assert.equal(r.code, 0, r.stderr);
    const a = new Int16Array(readFileSync(wav).buffer.slice(44));
    const b = new Int16Array(readFileSync(join(dir, 't.wav')).buffer.slice(44));
    assert.ok(snr(a, b) >= 20.795 && snr(a, b) < 21.1, `SNR of the restored file ${snr(a, b)}`);
    for (const bad of ['abs=40,codec=dct', 'snr=20,codec=nope', 'psnr=-3,codec=dwt']) {
      assert.equal(cli(['compress', wav, '-o', join(dir, 'bad.nzp'), '--lossy', bad]).code, 2, bad);
    }
  });

  test('float output of a transform codec has the dtype asked for', async () => {
    const p = await Pipeline.fromString('dwt:snr=30');
    const x = allocArray('float64', 1000).map((_, i) => Math.cos(i / 9));
    assert.ok(p.decode(p.encode(x, spec('float64', 1000)), spec('float64', 1000)) instanceof Float64Array);
  });
});
