/*
 * READ ME FIRST — the bit model behind `lmscm` (docs/spec/codecs/lmscm.md); the coder is
 * _binary-coder.ts and the squash/stretch tables are cm's (_cm-model.ts).
 *  - K context models, each a table of adaptive 16-bit counters. For a decision, the caller gives
 *    one slot per model (an index into that model's table); each counter's stretched probability is
 *    an input of a logistic mixer whose weight set is chosen by `wsel`; an APM (33 interpolated points
 *    per context, `apmCtx`) refines the mix; the final p = (pMix + 3 pApm) / 4, clamped to 1..4095.
 *  - Counters adapt with rate 1/(n + 1.5) until n reaches `limit`, then stay at that rate.
 *  - Floats only in the mixer (IEEE doubles, the same operations in the same order on both sides).
 */
import { squash, stretch } from './_cm-model.js';

const RATE = new Int32Array(256);
for (let n = 0; n < 256; n++) RATE[n] = Math.round(65536 / (n + 1.5));

export class LmscmModel {
  readonly k: number;
  private readonly prob: Uint16Array[] = [];
  private readonly count: Uint8Array[] = [];
  readonly slot: Int32Array;
  private readonly st: Float64Array;
  private readonly weights: Float64Array;
  private readonly apm: Uint16Array;
  private apmIdx = 0;
  private apmW = 0;
  private wBase = 0;
  private pMix = 0;

  constructor(
    tableSizes: readonly number[],
    nWeightSets: number,
    nApm: number,
    readonly limit: number,
    readonly lr: number,
  ) {
    this.k = tableSizes.length;
    for (const size of tableSizes) {
      this.prob.push(new Uint16Array(size).fill(32768));
      this.count.push(new Uint8Array(size));
    }
    this.slot = new Int32Array(this.k);
    this.st = new Float64Array(this.k + 1);
    this.weights = new Float64Array(nWeightSets * (this.k + 1)).fill(0.3);
    this.apm = new Uint16Array(nApm * 33);
    for (let i = 0; i < this.apm.length; i++) this.apm[i] = squash(((i % 33) - 16) * 128) * 16;
  }

  /** P(bit = 1), 12-bit, from the counters at `slot` (set by the caller), weight set and APM context. */
  p(wsel: number, apmCtx: number): number {
    const k = this.k;
    const st = this.st;
    const wb = wsel * (k + 1);
    let dot = 0;
    for (let m = 0; m < k; m++) {
      const v = stretch(this.prob[m]![this.slot[m]!]! >>> 4);
      st[m] = v;
      dot += v * this.weights[wb + m]!;
    }
    st[k] = 256;
    dot += 256 * this.weights[wb + k]!;
    this.wBase = wb;
    const pm = squash(Math.round(dot));
    this.pMix = pm;
    const sx = stretch(pm) + 2048;
    const lo = sx >> 7;
    const w = sx & 127;
    const a = apmCtx * 33 + lo;
    this.apmIdx = a;
    this.apmW = w;
    const pa = (this.apm[a]! * (128 - w) + this.apm[a + 1]! * w) >> 11;
    let p = (pm + 3 * pa) >> 2;
    if (p < 1) p = 1;
    else if (p > 4095) p = 4095;
    return p;
  }

  update(bit: number): void {
    const target = bit ? 65535 : 0;
    for (let m = 0; m < this.k; m++) {
      const s = this.slot[m]!;
      const pr = this.prob[m]!;
      const cn = this.count[m]!;
      const n = cn[s]!;
      pr[s] = pr[s]! + (((target - pr[s]!) * RATE[n]!) / 65536 | 0);
      if (n < this.limit) cn[s] = n + 1;
    }
    const err = ((bit ? 4095 : 0) - this.pMix) * this.lr;
    const wb = this.wBase;
    for (let m = 0; m <= this.k; m++) this.weights[wb + m] += err * this.st[m]!;
    const a = this.apmIdx;
    const w = this.apmW;
    this.apm[a] += ((target - this.apm[a]!) * (128 - w)) >> 13;
    this.apm[a + 1] += ((target - this.apm[a + 1]!) * w) >> 13;
  }
}
