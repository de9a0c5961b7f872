import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../../src/codecs/builtin.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { wavHeader } from '../../src/formats/wav.js';
import { loadModel, modelsDir, shippedModels } from '../../src/learn/models.js';
import { Rng } from '../../src/learn/prng.js';
import { trainVqcae } from '../../src/learn/train-vqcae.js';
import { sha256Hex } from '../../src/learn/weights.js';
import { snr as snrDb } from '../../src/metrics/fidelity.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { cli } from '../kit/cli.js';
import { conformance } from '../kit/conformance.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const tmp = tempDir();
after(() => tmp.cleanup());

/** A tiny model (S = 16, K = 8) trained in a few ms on AR(1) noise plus slow sines. */
function tinyWeights(seed = 3): string {
  const signals = [0, 1].map((k) => {
    const r = new Rng(10 + k);
    let v = 0;
    return Float64Array.from({ length: 1024 }, (_, i) => (v = 0.9 * v + 0.4 * r.normal()) + Math.sin(i / (15 + 4 * k)));
  });
  const t = trainVqcae(signals, { arch: { strides: [4, 4], channels: 4, latent: 2, codebook: 8 }, seed, steps: 20, warmup: 8, batch: 2, crop: 128, lr: 3e-3, restartEvery: 4 });
  const p = join(tmp.dir, `tiny-${seed}.nzw`);
  writeFileSync(p, t.weights);
  return p;
}

describe('vqcae codec', () => {
  const tiny = tinyWeights();

  test('shapes: any length and channel count round-trips to the same shape and dtype; constant channels exact', async () => {
    const p = await Pipeline.fromString(`vqcae:model=${tiny}`);
    assert.equal(p.lossless, false);
    const r = new Rng(1);
    for (const [n, c] of [[0, 1], [1, 1], [15, 1], [16, 2], [17, 3], [1000, 2]] as const) {
      const x = Int16Array.from({ length: n * c }, (_, i) => (i % c === 1 ? 77 : Math.round(1000 * Math.sin(i / 30) + 100 * r.normal())));
      const spec = { dtype: 'int16' as const, shape: [n, c] };
      const y = p.decode(p.encode(x, spec), spec);
      assert.ok(y instanceof Int16Array);
      assert.equal(y.length, n * c);
      for (let i = 1; i < n * c; i += c) if (c > 1) assert.equal(y[i], 77, 'a constant channel is its offset');
    }
    const f = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i / 10));
    const yf = p.decode(p.encode(f, { dtype: 'float32', shape: [300, 1] }), { dtype: 'float32', shape: [300, 1] });
    assert.ok(yf instanceof Float32Array && yf.length === 300);
  });

  test('config names the weights: sha filled in, a different sha is refused', async () => {
    const p = await Pipeline.fromString(`vqcae:model=${tiny}`);
    const cfg = p.toConfig()[0]!;
    assert.equal(cfg.model, `${tiny}@${sha256Hex(readFileSync(tiny)).slice(0, 8)}`);
    const again = await Pipeline.fromString(p.toString());
    assert.deepEqual(again.toConfig(), p.toConfig());
    const other = tinyWeights(4);
    await assert.rejects(Pipeline.fromConfig([{ ...cfg, model: `${other}@${(cfg.model as string).split('@')[1]}` }]), (e) => isNeurozipError(e, 'CorruptData') && /other weights/.test((e as Error).message));
    await assert.rejects(Pipeline.fromString(`vqcae:model=${tiny}@xyz`), (e) => isNeurozipError(e, 'InvalidConfig') && /8 lowercase hex/.test((e as Error).message));
    await assert.rejects(Pipeline.fromString('vqcae:sha=01234567'), (e) => isNeurozipError(e, 'InvalidConfig'));
  });

  test('weights integrity: missing, corrupt or unknown weights give one-line errors', async () => {
    const dir = join(tmp.dir, 'models');
    mkdirSync(dir);
    copyFileSync(tiny, join(dir, 'm.nzw'));
    const sha = sha256Hex(readFileSync(tiny));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ models: { good: { file: 'm.nzw', sha256: sha }, gone: { file: 'nope.nzw', sha256: sha } } }));
    assert.equal(loadModel('good', 'vqcae', dir).sha256, sha);
    assert.throws(() => loadModel('gone', 'vqcae', dir), (e) => isNeurozipError(e, 'InvalidConfig') && /nope\.nzw.*missing/.test((e as Error).message));
    assert.throws(() => loadModel('other', 'vqcae', dir), (e) => isNeurozipError(e, 'InvalidConfig') && /unknown model 'other' \(shipped: gone, good\)/.test((e as Error).message));
    const bytes = readFileSync(tiny);
    bytes[bytes.length - 3]! ^= 0x10;
    writeFileSync(join(dir, 'm.nzw'), bytes);
    assert.throws(() => loadModel('good', 'vqcae', dir), (e) => isNeurozipError(e, 'CorruptData') && /corrupt \(sha256/.test((e as Error).message));
    // a path with no manifest: a truncated file fails to parse
    const cut = join(tmp.dir, 'cut.nzw');
    writeFileSync(cut, readFileSync(tiny).subarray(0, 100));
    await assert.rejects(Pipeline.fromString(`vqcae:model=${cut}`), (e) => isNeurozipError(e, 'CorruptData') && /not a valid weights file/.test((e as Error).message));
    await assert.rejects(Pipeline.fromString(`vqcae:model=${join(tmp.dir, 'absent.nzw')}`), (e) => isNeurozipError(e, 'InvalidConfig') && /missing/.test((e as Error).message));
  });

  test('shipped models are listed in the manifest and load with their hash', () => {
    const names = shippedModels();
    assert.ok(names.length >= 1, 'at least one shipped model');
    for (const n of names) {
      const w = loadModel(n, 'vqcae');
      assert.ok(existsSync(join(modelsDir(), `vqcae-${n}.nzw`)));
      assert.equal(w.meta.kind, 'vqcae');
    }
  });

  test('a held-out N1 file, default model: ~1800x before the container, SNR above the paper’s 1.19 dB', { skip: NO_DATA }, async () => {
    const names = readdirSync(sharedPath('n1')).filter((n) => n.endsWith('.wav')).sort();
    const file = sharedPath('n1', names[names.length - 1]!); // the last file by name is in the test half
    const b = readFileSync(file);
    const x = new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.length - ((b.length - 44) % 2)));
    const spec = { dtype: 'int16' as const, shape: [x.length, 1] };
    const p = await Pipeline.fromString('vqcae');
    const enc = p.encode(x, spec);
    const y = p.decode(enc, spec);
    assert.ok(enc.length < 130, `${enc.length} bytes for ${x.length} samples`);
    const snr = snrDb(x, y, 1);
    assert.ok(snr > 1.19, `SNR ${snr} dB`);
  });

  test('CLI: train twice with the same seed gives the same weights hash', () => {
    const data = join(tmp.dir, 'n1');
    mkdirSync(data);
    const r = new Rng(9);
    for (let f = 0; f < 4; f++) {
      let v = 0;
      const s = Int16Array.from({ length: 2000 }, (_, i) => Math.round(500 * ((v = 0.95 * v + 0.3 * r.normal()) + Math.sin(i / 40))));
      writeFileSync(join(data, `f${f}.wav`), Buffer.concat([wavHeader({ nChannels: 1, sampleRateHz: 19531, bitsPerSample: 16, dataBytes: s.byteLength }), new Uint8Array(s.buffer)]));
    }
    const args = (o: string) => ['train', 'vqcae', '--data', data, '--seed', '7', '-o', join(tmp.dir, o), '--strides', '4,4', '--channels', '2', '--latent', '2', '--codebook', '4', '--steps', '6', '--warmup', '2', '--batch', '2', '--crop', '256', '-q'];
    const a = cli(args('a.nzw'));
    const b = cli(args('b.nzw'));
    assert.equal(a.code, 0, a.stderr);
    const hash = (s: string) => /sha256 ([0-9a-f]{64})/.exec(s)?.[1];
    assert.ok(hash(a.stdout), a.stdout);
    assert.equal(hash(a.stdout), hash(b.stdout));
    assert.match(a.stdout, /2 training files \(2 held out\)/);
    assert.equal(hash(a.stdout), sha256Hex(readFileSync(join(tmp.dir, 'a.nzw'))));
    const again = cli(args('a.nzw'));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    const bad = cli(['train', 'nope', '--data', data]);
    assert.equal(bad.code, 2);
    const crop = cli(['train', 'vqcae', '--data', data, '--strides', '4,5', '--crop', '256', '-o', join(tmp.dir, 'c.nzw')]);
    assert.equal(crop.code, 2);
    assert.match(crop.stderr, /--crop 256 is not a multiple of the total stride 20/);
  });
});

conformance('vqcae', { dtypes: ['int16'], tolerance: () => Infinity });
