import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LeakyRelu, Tanh } from '../../src/learn/activations.js';
import { Adam } from '../../src/learn/adam.js';
import { Conv1d, ConvTranspose1d } from '../../src/learn/conv1d.js';
import { Dense } from '../../src/learn/dense.js';
import { mseLoss } from '../../src/learn/loss.js';
import { Rng } from '../../src/learn/prng.js';
import { act, param } from '../../src/learn/tensor.js';
import { trainVqcae } from '../../src/learn/train-vqcae.js';
import { VectorQuantizer } from '../../src/learn/vq.js';
import { assignWeights, loadWeights, saveWeights, sha256Hex } from '../../src/learn/weights.js';
import { gradCheck, randAct } from './_gradcheck.js';

describe('learn: layers (gradient checks by finite differences)', () => {
  test('dense', () => {
    const rng = new Rng(1);
    gradCheck(new Dense(5, 3, rng), randAct(rng, 2, 5, 1));
  });
  test('conv1d: strides 1, 2, 3 with padding, odd lengths', () => {
    const rng = new Rng(2);
    gradCheck(new Conv1d(2, 3, 3, 1, rng), randAct(rng, 2, 2, 7));
    gradCheck(new Conv1d(2, 3, 4, 2, rng), randAct(rng, 2, 2, 9));
    gradCheck(new Conv1d(1, 2, 6, 3, rng), randAct(rng, 1, 1, 10));
    assert.equal(new Conv1d(1, 1, 8, 4, rng).forward(randAct(rng, 1, 1, 13), false).l, 4);
  });
  test('transposed conv1d', () => {
    const rng = new Rng(3);
    gradCheck(new ConvTranspose1d(2, 3, 4, 2, rng), randAct(rng, 2, 2, 5));
    gradCheck(new ConvTranspose1d(3, 1, 6, 3, rng), randAct(rng, 1, 3, 4));
    assert.equal(new ConvTranspose1d(1, 1, 8, 4, rng).forward(randAct(rng, 1, 1, 5), false).l, 20);
  });
  test('transposed conv is the adjoint of conv (same weights): <conv x, y> = <x, convT y>', () => {
    const rng = new Rng(4);
    const c = new Conv1d(2, 3, 8, 4, rng);
    const t = new ConvTranspose1d(3, 2, 8, 4, rng);
    // conv w[o, i, j] and convT w[i', o', j] with i' = o, o' = i: the same array layout
    t.w.w.set(c.w.w);
    c.bias.w.fill(0);
    t.bias.w.fill(0);
    const x = randAct(rng, 1, 2, 16);
    const y = randAct(rng, 1, 3, 4);
    const cx = c.forward(x, false);
    const ty = t.forward(y, false);
    let a = 0;
    let b = 0;
    for (let i = 0; i < y.data.length; i++) a += cx.data[i]! * y.data[i]!;
    for (let i = 0; i < x.data.length; i++) b += x.data[i]! * ty.data[i]!;
    assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  });
  test('activations (inputs away from the kink)', () => {
    const rng = new Rng(5);
    const x = randAct(rng, 1, 2, 6);
    for (let i = 0; i < x.data.length; i++) if (Math.abs(x.data[i]!) < 0.01) x.data[i] = 0.5;
    gradCheck(new LeakyRelu(0.1), x);
    gradCheck(new Tanh(), x);
  });
  test('mse loss gradient', () => {
    const rng = new Rng(6);
    const y = randAct(rng, 1, 1, 5);
    const t = Float64Array.from({ length: 5 }, () => rng.normal());
    const { loss, grad } = mseLoss(y, t);
    const h = 1e-6;
    for (let i = 0; i < 5; i++) {
      const v = y.data[i]!;
      y.data[i] = v + h;
      const a = mseLoss(y, t).loss;
      y.data[i] = v - h;
      const b = mseLoss(y, t).loss;
      y.data[i] = v;
      assert.ok(Math.abs((a - b) / (2 * h) - grad.data[i]!) < 1e-6);
    }
    assert.ok(loss > 0);
  });
});

describe('learn: vector quantizer, Adam, PRNG, weights files', () => {
  test('VQ: nearest entry, straight-through gradient plus the commitment term, EMA moves entries toward their vectors', () => {
    const rng = new Rng(8);
    const vq = new VectorQuantizer(3, 2, rng, 0.25, 0.5);
    vq.setCodebook(Float64Array.from([0, 0, 10, 0, 0, 10]));
    // two vectors (t = 0, 1) of dim 2: (1, 1) -> entry 0, (9, 2) -> entry 1
    const z = act(1, 2, 2, Float64Array.from([1, 9, 1, 2]));
    assert.deepEqual([...vq.quantize(z)], [0, 1]);
    const y = vq.forward(z, false);
    assert.deepEqual([...y.data], [0, 10, 0, 0]);
    const dy = act(1, 2, 2, Float64Array.from([1, 2, 3, 4]));
    const dx = vq.backward(dy);
    const f = (2 * 0.25) / 4;
    assert.deepEqual([...dx.data].map((v) => +v.toFixed(12)), [1 + f * 1, 2 + f * -1, 3 + f * 1, 4 + f * 2].map((v) => +v.toFixed(12)));
    vq.forward(z, true);
    const cb = vq.codebook.w;
    assert.ok(cb[0]! > 0 && cb[0]! < 1 && cb[2]! < 10 && cb[2]! > 9, `${[...cb]}`);
  });
  test('Adam minimizes a quadratic', () => {
    const p = param('p', [3]);
    p.w.set([5, -3, 2]);
    const opt = new Adam([p], 0.1);
    for (let i = 0; i < 500; i++) {
      for (let j = 0; j < 3; j++) p.g[j] = 2 * (p.w[j]! - j);
      opt.step();
    }
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(p.w[j]! - j) < 1e-2, `${[...p.w]}`);
  });
  test('PRNG: same seed same sequence, normals have unit variance', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
    const g = new Rng(1);
    let s = 0;
    for (let i = 0; i < 20000; i++) s += g.normal() ** 2;
    assert.ok(Math.abs(s / 20000 - 1) < 0.05);
  });
  test('weights file round trip; damaged files raise CorruptDataError', () => {
    const p = param('a.w', [2, 3]);
    p.w.set([1, 2, 3, 4, 5, 0.1]);
    const bytes = saveWeights({ kind: 'test', arch: { x: 1 } }, [p]);
    const w = loadWeights(bytes, 'w');
    assert.equal(w.sha256, sha256Hex(bytes));
    const q = param('a.w', [2, 3]);
    assignWeights(w, [q], 'w');
    assert.deepEqual([...q.w], [...p.w].map(Math.fround));
    assert.throws(() => loadWeights(bytes.subarray(0, bytes.length - 2), 'w'), (e: Error) => e.name === 'CorruptDataError' && /past the end/.test(e.message));
    const bad = bytes.slice();
    bad[0] = 0x41;
    assert.throws(() => loadWeights(bad, 'w'), /magic/);
    assert.throws(() => assignWeights(w, [param('b.w', [1])], 'w'), /missing/);
  });
});

describe('learn: VQ-CAE training is reproducible', () => {
  const signals = [0, 1, 2].map((k) => {
    const r = new Rng(100 + k);
    let v = 0;
    return Float64Array.from({ length: 2048 }, (_, i) => (v = 0.95 * v + 0.3 * r.normal()) + Math.sin(i / (20 + 5 * k)));
  });
  const opts = { arch: { strides: [4, 4], channels: 4, latent: 2, codebook: 8 }, steps: 30, warmup: 10, batch: 2, crop: 256, lr: 3e-3, restartEvery: 5 };
  test('same seed: same weights bytes (same sha256); another seed: other weights', () => {
    const a = trainVqcae(signals, { ...opts, seed: 5 });
    const b = trainVqcae(signals, { ...opts, seed: 5 });
    const c = trainVqcae(signals, { ...opts, seed: 6 });
    assert.equal(sha256Hex(a.weights), sha256Hex(b.weights));
    assert.notEqual(sha256Hex(a.weights), sha256Hex(c.weights));
    assert.ok(Number.isFinite(a.finalMse) && a.codesUsed >= 1, `mse ${a.finalMse}, ${a.codesUsed} codes used`);
    assert.equal(a.prior.reduce((s, f) => s + f, 0), 1 << 16);
  });
});
