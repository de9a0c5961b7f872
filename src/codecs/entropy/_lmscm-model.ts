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
import { InvalidConfigError } from '../../core/errors.js';
import { squash, stretch } from './_cm-model.js';

const RATE = new Int32Array(256);
for (let n = 0; n < 256; n++) RATE[n] = Math.round(65536 / (n + 1.5));

/** A snapshot of every adaptive table (what a trained prior holds). */
export interface LmscmState {
  prob: Uint16Array[];
  count: Uint8Array[];
  weights: Float64Array;
  apm: Uint16Array;
  /** The second APM (model 2; empty for model 1). */
  apm2: Uint16Array;
}

/**
 * The state with every count capped at `cap`: loaded as a prior, the counters then keep adapting
 * quickly to the chunk (rate 1/(cap + 1.5) at least) instead of being frozen by training's counts.
 */
export function capCounts(state: LmscmState, cap: number): LmscmState {
  return { ...state, count: state.count.map((c) => c.map((n) => (n < cap ? n : cap))) };
}

/** Repeats a[0..period) over the whole array (doubling copies). */
function fillPeriodic(a: Uint16Array, period: number): void {
  for (let have = period; have < a.length; have *= 2) a.copyWithin(have, 0, Math.min(have, a.length - have));
}

export class LmscmModel {
  readonly k: number;
  /** All counters of all tables in one array (table m starts at base[m]): fewer indirections. */
  private readonly probs: Uint16Array;
  private readonly counts: Uint8Array;
  /** Where table m starts in the shared counter arrays. */
  readonly base: Int32Array;
  private readonly sizes: readonly number[];
  /** The caller's slot per table as an ABSOLUTE index (base[m] + index in table m), set before p(). */
  readonly slot: Int32Array;
  private readonly st: Float64Array;
  readonly weights: Float64Array;
  readonly apm: Uint16Array;
  private apmIdx = 0;
  readonly apm2: Uint16Array;
  private apm2Idx = 0;
  private apmW = 0;
  private wBase = 0;
  private pMix = 0;

  constructor(
    tableSizes: readonly number[],
    nWeightSets: number,
    nApm: number,
    readonly limit: number,
    readonly lr: number,
    nApm2 = 0,
    /** Start from this trained state (counts as stored: cap them first, see capCounts). */
    start?: LmscmState,
  ) {
    this.k = tableSizes.length;
    this.sizes = [...tableSizes];
    this.base = new Int32Array(this.k);
    let total = 0;
    for (let m = 0; m < this.k; m++) {
      this.base[m] = total;
      total += tableSizes[m]!;
    }
    this.probs = new Uint16Array(total);
    this.counts = new Uint8Array(total);
    this.slot = new Int32Array(this.k);
    this.st = new Float64Array(this.k + 1);
    this.weights = new Float64Array(nWeightSets * (this.k + 1));
    this.apm = new Uint16Array(nApm * 33);
    this.apm2 = new Uint16Array(nApm2 * 33);
    if (start) {
      this.load(start);
      return;
    }
    this.probs.fill(32768);
    this.weights.fill(0.3);
    for (let i = 0; i < 33; i++) this.apm[i] = squash((i - 16) * 128) * 16;
    fillPeriodic(this.apm, 33);
    if (this.apm2.length > 0) {
      this.apm2.set(this.apm.subarray(0, 33));
      fillPeriodic(this.apm2, 33);
    }
  }

  /** Takes a trained state (a prior; its counts already capped, see capCounts). */
  load(state: LmscmState): void {
    if (state.prob.length !== this.k || state.weights.length !== this.weights.length || state.apm.length !== this.apm.length || state.apm2.length !== this.apm2.length) {
      throw new InvalidConfigError('lmscm: the prior does not fit this model layout (trained for another version)');
    }
    for (let m = 0; m < this.k; m++) {
      if (state.prob[m]!.length !== this.sizes[m]) throw new InvalidConfigError('lmscm: the prior does not fit this model layout (trained for another version)');
      this.probs.set(state.prob[m]!, this.base[m]!);
      this.counts.set(state.count[m]!, this.base[m]!);
    }
    this.weights.set(state.weights);
    this.apm.set(state.apm);
    this.apm2.set(state.apm2);
  }

  /** A copy of the current state (training a prior). */
  snapshot(): LmscmState {
    const prob: Uint16Array[] = [];
    const count: Uint8Array[] = [];
    for (let m = 0; m < this.k; m++) {
      const b = this.base[m]!;
      prob.push(this.probs.slice(b, b + this.sizes[m]!));
      count.push(this.counts.slice(b, b + this.sizes[m]!));
    }
    return { prob, count, weights: this.weights.slice(), apm: this.apm.slice(), apm2: this.apm2.slice() };
  }

  /**
   * P(bit = 1), 12-bit, from the counters at `slot` (set by the caller), weight set and APM context;
   * with a second APM (nApm2 > 0), its context `apm2Ctx` too, and p = (pMix + pApm + 2 pApm2) / 4.
   */
  p(wsel: number, apmCtx: number, apm2Ctx = 0): number {
    const k = this.k;
    const st = this.st;
    const probs = this.probs;
    const weights = this.weights;
    const slot = this.slot;
    const wb = wsel * (k + 1);
    let dot = 0;
    if (k === 5) {
      // lmscm's five models, unrolled (the same sums in the same order)
      const v0 = stretch(probs[slot[0]!]! >>> 4);
      const v1 = stretch(probs[slot[1]!]! >>> 4);
      const v2 = stretch(probs[slot[2]!]! >>> 4);
      const v3 = stretch(probs[slot[3]!]! >>> 4);
      const v4 = stretch(probs[slot[4]!]! >>> 4);
      st[0] = v0;
      st[1] = v1;
      st[2] = v2;
      st[3] = v3;
      st[4] = v4;
      dot = v0 * weights[wb]!;
      dot += v1 * weights[wb + 1]!;
      dot += v2 * weights[wb + 2]!;
      dot += v3 * weights[wb + 3]!;
      dot += v4 * weights[wb + 4]!;
    } else {
      for (let m = 0; m < k; m++) {
        const v = stretch(probs[slot[m]!]! >>> 4);
        st[m] = v;
        dot += v * weights[wb + m]!;
      }
    }
    st[k] = 256;
    dot += 256 * weights[wb + k]!;
    this.wBase = wb;
    const pm = squash(Math.round(dot));
    this.pMix = pm;
    const sx = stretch(pm) + 2048;
    const lo = sx >> 7;
    const w = sx & 127;
    const a = apmCtx * 33 + lo;
    this.apmIdx = a;
    this.apmW = w;
    const apm = this.apm;
    const pa = (apm[a]! * (128 - w) + apm[a + 1]! * w) >> 11;
    let p: number;
    const apm2 = this.apm2;
    if (apm2.length > 0) {
      const a2 = apm2Ctx * 33 + lo;
      this.apm2Idx = a2;
      const pb = (apm2[a2]! * (128 - w) + apm2[a2 + 1]! * w) >> 11;
      p = (pm + pa + 2 * pb) >> 2;
    } else {
      p = (pm + 3 * pa) >> 2;
    }
    if (p < 1) p = 1;
    else if (p > 4095) p = 4095;
    return p;
  }

  update(bit: number): void {
    const target = bit ? 65535 : 0;
    const probs = this.probs;
    const counts = this.counts;
    const limit = this.limit;
    const slot = this.slot;
    for (let m = 0; m < this.k; m++) {
      const s = slot[m]!;
      const n = counts[s]!;
      const pr = probs[s]!;
      probs[s] = pr + (((target - pr) * RATE[n]!) / 65536 | 0);
      if (n < limit) counts[s] = n + 1;
    }
    const err = ((bit ? 4095 : 0) - this.pMix) * this.lr;
    const wb = this.wBase;
    const weights = this.weights;
    const st = this.st;
    for (let m = 0; m <= this.k; m++) weights[wb + m] += err * st[m]!;
    const a = this.apmIdx;
    const w = this.apmW;
    const apm = this.apm;
    apm[a] += ((target - apm[a]!) * (128 - w)) >> 13;
    apm[a + 1] += ((target - apm[a + 1]!) * w) >> 13;
    if (this.apm2.length > 0) {
      const a2 = this.apm2Idx;
      const apm2 = this.apm2;
      apm2[a2] += ((target - apm2[a2]!) * (128 - w)) >> 13;
      apm2[a2 + 1] += ((target - apm2[a2 + 1]!) * w) >> 13;
    }
  }
}
