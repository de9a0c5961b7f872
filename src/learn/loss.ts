import { act, type Act } from './tensor.js';

/** Mean squared error and its gradient w.r.t. the prediction. */
export function mseLoss(pred: Act, target: Float64Array): { loss: number; grad: Act } {
  const n = pred.data.length;
  if (target.length !== n) throw new Error(`mse: ${n} predictions, ${target.length} targets`);
  const grad = act(pred.b, pred.c, pred.l);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = pred.data[i]! - target[i]!;
    s += e * e;
    grad.data[i] = (2 * e) / n;
  }
  return { loss: s / n, grad };
}
