/** Finite-difference gradient checks shared by the learn tests. */
import assert from 'node:assert/strict';
import { Rng } from '../../src/learn/prng.js';
import { act, type Act, type Layer } from '../../src/learn/tensor.js';

export function randAct(rng: Rng, b: number, c: number, l: number): Act {
  const a = act(b, c, l);
  for (let i = 0; i < a.data.length; i++) a.data[i] = rng.normal();
  return a;
}

/** Compares grad with central differences (h = 1e-6) of loss() in every element of arr (restored after). */
export function checkGrad(what: string, arr: Float64Array, grad: Float64Array, loss: () => number): void {
  const h = 1e-6;
  assert.equal(grad.length, arr.length, `${what}: gradient length`);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i]!;
    arr[i] = v + h;
    const a = loss();
    arr[i] = v - h;
    const b = loss();
    arr[i] = v;
    const num = (a - b) / (2 * h);
    assert.ok(Math.abs(num - grad[i]!) <= 1e-5 * Math.max(1, Math.abs(num)), `${what}[${i}]: numeric ${num} vs analytic ${grad[i]}`);
  }
}

/** Loss = Σ r·y for fixed random r; compares backward's gradients with central differences. */
export function gradCheck(layer: Layer, x: Act, seed = 7): void {
  const rng = new Rng(seed);
  const y0 = layer.forward(x, true);
  const r = Float64Array.from({ length: y0.data.length }, () => rng.normal());
  const loss = () => {
    const y = layer.forward(x, true);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += r[i]! * y.data[i]!;
    return s;
  };
  for (const p of layer.params) p.g.fill(0);
  layer.forward(x, true);
  const dx = layer.backward(act(y0.b, y0.c, y0.l, r));
  checkGrad('dx', x.data, dx.data, loss);
  for (const p of layer.params) checkGrad(p.name, p.w, p.g, loss);
}
