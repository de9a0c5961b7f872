import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Cnn3dNet, axisLevels, latentDims } from '../../src/learn/cnn3d.js';
import { Conv3d, Upsample3d } from '../../src/learn/conv3d.js';
import { Rng } from '../../src/learn/prng.js';
import { act } from '../../src/learn/tensor.js';
import { checkGrad, gradCheck, randAct } from './_gradcheck.js';

describe('learn: 3-D layers (gradient checks by finite differences)', () => {
  test('conv3d: k = 3 and 1, odd dims, batch 2', () => {
    const rng = new Rng(11);
    gradCheck(new Conv3d(2, 3, 3, [3, 4, 5], rng), randAct(rng, 2, 2, 60));
    gradCheck(new Conv3d(3, 2, 1, [2, 3, 2], rng), randAct(rng, 1, 3, 12));
    gradCheck(new Conv3d(1, 1, 5, [1, 3, 6], rng), randAct(rng, 1, 1, 18));
  });
  test('conv3d: a centred delta kernel is the identity, an off-centre one a shift with zero padding', () => {
    const rng = new Rng(12);
    const c = new Conv3d(1, 1, 3, [3, 3, 3], rng);
    const x = randAct(rng, 1, 1, 27);
    c.w.w.fill(0);
    c.w.w[13] = 1; // (a, b, c) = (1, 1, 1)
    assert.deepEqual(c.forward(x, false).data, x.data);
    c.w.w.fill(0);
    c.w.w[14] = 1; // c = 2: y[z, y, x] = x[z, y, x + 1]
    const y = c.forward(x, false).data;
    for (let i = 0; i < 27; i++) assert.equal(y[i], i % 3 === 2 ? 0 : x.data[i + 1]);
  });
  test('upsample3d: every axis subset, gradient and shapes', () => {
    const rng = new Rng(13);
    for (const axes of [[true, true, true], [false, true, false], [true, false, true], [false, false, false]] as [boolean, boolean, boolean][]) {
      const u = new Upsample3d([2, 3, 1], axes);
      gradCheck(u, randAct(rng, 2, 2, 6));
      assert.equal(u.forward(randAct(rng, 1, 1, 6), false).l, u.outDims[0] * u.outDims[1] * u.outDims[2]);
    }
  });
  test('upsample3d: linear interpolation keeps constants and linear ramps inside', () => {
    const u = new Upsample3d([1, 1, 4], [false, false, true]);
    const y = u.forward(act(1, 1, 4, Float64Array.from([0, 1, 2, 3])), false).data;
    assert.deepEqual(Array.from(y), [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
  });
  test('cnn3d net: latent and output dims, gradient of the whole decoder w.r.t. the latent', () => {
    assert.equal(axisLevels(3, 1), 0);
    assert.equal(axisLevels(3, 3), 2);
    assert.equal(axisLevels(3, 10), 3);
    assert.deepEqual(latentDims(2, [10, 1, 5]), [3, 1, 2]);
    const net = new Cnn3dNet({ levels: 2, channels: 2, k: 3, slope: 1 / 16 }, [5, 1, 3], new Rng(3));
    assert.deepEqual(net.outDims, [8, 1, 4]);
    assert.equal(net.evaluate().length, 15);
    for (const c of net.convs) for (let i = 0; i < c.w.w.length; i++) c.w.w[i] = Math.sin(i + 1);
    // d(Σ r·y)/d latent by central differences
    const rng = new Rng(5);
    const r = Float64Array.from({ length: 32 }, () => rng.normal());
    const loss = () => net.forward(false).data.reduce((s, v, i) => s + r[i]! * v, 0);
    net.forward(true);
    net.latent.g.fill(0);
    net.backward(act(1, 1, 32, r));
    checkGrad('latent', net.latent.w, net.latent.g, loss);
  });
});
