/*
 * lmscm's hot loop (Core.run) is the model of docs/spec/codecs/lmscm.md fused with the coder for
 * speed. This test codes a signal the plain way, decision by decision through the reference model
 * (LmscmModel.p / update) and BinaryEncoder, written from the spec, and requires the codec's coder
 * bytes to be identical.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { designLpc } from '../../src/codecs/entropy/lmscm.js';
import { LmscmModel } from '../../src/codecs/entropy/_lmscm-model.js';
import { BinaryEncoder } from '../../src/codecs/entropy/_binary-coder.js';
import { qlog } from '../../src/codecs/entropy/cm.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { rng } from '../kit/signals.js';

const NDEC = 148;
const signCtx = (s: number) => (s === 0 ? 0 : s > 0 ? 1 : 2);
const sseClass = (id: number) => (id === 0 ? 0 : id < 4 ? 1 : id < 7 ? 2 + id - 4 : id < 36 ? 5 : id < 68 ? 6 : 7);

/** The coder's bytes of one int16 channel, no prior (vo = 0), by the spec's steps. */
function referenceBody(x: Int16Array, model: number): Uint8Array {
  const n = x.length;
  const f = designLpc(Float64Array.from(x), n, 32);
  const m = new LmscmModel([48 * NDEC, 144 * NDEC, 48 * NDEC, 36 * NDEC, 4096 * 64], NDEC, 48 * NDEC, 255, 8e-9, model === 2 ? 4096 * 8 : 0);
  const b = m.base;
  const enc = new BinaryEncoder();
  let avgF = 0;
  let avgS = 0;
  let r1 = 0;
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    let P = 0;
    let fq = 0;
    if (f.order === 0) P = 0;
    else if (i < f.order) P = i > 0 ? x[i - 1]! : 0;
    else {
      let s = 0;
      for (let j = 0; j < f.order; j++) s += f.q[j]! * x[i - 1 - j]!;
      P = Math.floor(s / 2 ** f.shift);
      fq = Math.floor((4 * (s - P * 2 ** f.shift)) / 2 ** f.shift);
    }
    P = Math.max(-32768, Math.min(32767, P));
    const c0 = Math.min(47, qlog(avgF));
    const c1 = Math.min(11, qlog(Math.abs(r1))) * 12 + Math.min(11, qlog(Math.abs(r2)));
    const c2 = Math.min(47, qlog(avgS));
    const c3 = (signCtx(r1) * 3 + signCtx(r2)) * 4 + fq;
    const code = (bit: number, id: number, v: number, kind: number) => {
      const vv = v & 4095;
      m.slot[0] = b[0]! + c0 * NDEC + id;
      m.slot[1] = b[1]! + c1 * NDEC + id;
      m.slot[2] = b[2]! + c2 * NDEC + id;
      m.slot[3] = b[3]! + c3 * NDEC + id;
      m.slot[4] = b[4]! + vv * 64 + kind;
      enc.encode(bit, m.p(id, c0 * NDEC + id, vv * 8 + sseClass(id)));
      m.update(bit);
    };
    const r = x[i]! - P;
    const a = Math.abs(r);
    code(r !== 0 ? 1 : 0, 0, P, fq);
    if (r !== 0) {
      const neg = r < 0 ? 1 : 0;
      const sg = neg ? -1 : 1;
      code(neg, 1 + signCtx(r1), P, 4 + fq);
      const e = 31 - Math.clz32(a);
      for (let j = 0; j < 15; j++) {
        code(e > j ? 1 : 0, 4 + j, P + sg * 2 ** j, 8 + 2 * Math.min(j, 15) + neg);
        if (e <= j) break;
      }
      let pre = 2 ** e;
      let top = 0;
      for (let t = e - 1; t >= 0; t--) {
        const bit = (a >>> t) & 1;
        const id = t === e - 1 ? 36 + e : t === e - 2 ? 68 + 2 * e + top : 132 + Math.min(t, 15);
        code(bit, id, P + sg * pre, 40 + 2 * Math.min(t, 11) + neg);
        if (t === e - 1) top = bit;
        if (bit) pre += 2 ** t;
      }
    }
    avgF = Math.floor(avgF + (a * 16 - avgF) / 4);
    avgS = Math.floor(avgS + (a * 16 - avgS) / 32);
    r2 = r1;
    r1 = r;
  }
  return enc.finish();
}

for (const model of [1, 2]) {
  test(`lmscm model ${model}: the fused coder writes exactly the reference model's bytes`, async () => {
    const r = rng(20 + model);
    const n = 6000;
    const x = new Int16Array(n);
    let v = 0;
    for (let i = 0; i < n; i++) {
      v = 0.95 * v + (r() - 0.5) * (i % 1500 < 100 ? 4000 : 60); // quiet stretches and bursts
      x[i] = Math.round(v);
    }
    const spec = { dtype: 'int16' as const, shape: [n, 1] };
    const p = await Pipeline.fromString(`lmscm:model=${model}`);
    const bytes = p.encode(x, spec);
    const body = referenceBody(x, model);
    assert.ok(bytes.length > body.length, 'a header precedes the coder bytes');
    assert.deepEqual(bytes.subarray(bytes.length - body.length), body);
  });
}
