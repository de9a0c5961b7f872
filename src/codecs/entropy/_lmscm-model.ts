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

/** 65536 / (n + 1.5): the counter learning rates. */
export const RATE = new Int32Array(256);
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

/** Counter cell layout in `LmscmModel.cells`: the 16-bit probability, and the count above it. */
export const PROB_MASK = 0xffff;
export const COUNT_SHIFT = 16;

/** The packed cells of a state's tables (memoized: a prior is packed once, then copied per chunk). */
const packed = new WeakMap<LmscmState, Int32Array>();
function packCells(state: LmscmState, base: Int32Array, total: number): Int32Array {
  let cells = packed.get(state);
  if (cells && cells.length === total) return cells;
  cells = new Int32Array(total);
  for (let m = 0; m < state.prob.length; m++) {
    const pr = state.prob[m]!;
    const cn = state.count[m]!;
    const b = base[m]!;
    for (let i = 0; i < pr.length; i++) cells[b + i] = pr[i]! | (cn[i]! << COUNT_SHIFT);
  }
  packed.set(state, cells);
  return cells;
}

/**
 * The adaptive state of the lmscm model (counter tables, mixer weights, APMs) and the reference
 * arithmetic of one decision for any number of tables (p, update). lmscm's Core runs the same
 * arithmetic over these arrays, specialized to its five tables and fused for speed;
 * test/codecs/lmscm-reference.test.ts checks that both write the same bytes.
 */
export class LmscmModel {
  readonly k: number;
  /**
   * All counters of all tables in one array (table m starts at base[m]), each cell the counter's
   * 16-bit probability | its count << 16: one memory access per counter and decision.
   */
  readonly cells: Int32Array;
  /** Where table m starts in `cells`. */
  readonly base: Int32Array;
  private readonly sizes: readonly number[];
  readonly weights: Float64Array;
  readonly apm: Uint16Array;
  readonly apm2: Uint16Array;
  /** The caller's slot per table as an ABSOLUTE index (base[m] + index in table m), set before p(). */
  readonly slot: Int32Array;
  private readonly st: Float64Array;
  private apmIdx = 0;
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
    this.cells = new Int32Array(total);
    this.slot = new Int32Array(this.k);
    this.st = new Float64Array(this.k + 1);
    this.weights = new Float64Array(nWeightSets * (this.k + 1));
    this.apm = new Uint16Array(nApm * 33);
    this.apm2 = new Uint16Array(nApm2 * 33);
    this.reset(start);
  }

  /** Back to the initial state: `start` (a trained state) or the flat one (reusing the arrays). */
  reset(start?: LmscmState): void {
    this.pMix = 0;
    if (start) {
      this.load(start);
      return;
    }
    this.cells.fill(32768);
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
      if (state.prob[m]!.length !== this.sizes[m] || state.count[m]!.length !== this.sizes[m]) {
        throw new InvalidConfigError('lmscm: the prior does not fit this model layout (trained for another version)');
      }
    }
    this.cells.set(packCells(state, this.base, this.cells.length));
    this.weights.set(state.weights);
    this.apm.set(state.apm);
    this.apm2.set(state.apm2);
  }

  /**
   * P(bit = 1), 12-bit, from the counters at `slot` (set by the caller), weight set and APM context;
   * with a second APM (nApm2 > 0), its context `apm2Ctx` too, and p = (pMix + pApm + 2 pApm2) / 4.
   */
  p(wsel: number, apmCtx: number, apm2Ctx = 0): number {
    const k = this.k;
    const wb = wsel * (k + 1);
    let dot = 0;
    for (let m = 0; m < k; m++) {
      const v = stretch((this.cells[this.slot[m]!]! & PROB_MASK) >>> 4);
      this.st[m] = v;
      dot = m === 0 ? v * this.weights[wb]! : dot + v * this.weights[wb + m]!;
    }
    this.st[k] = 256;
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
    let p: number;
    if (this.apm2.length > 0) {
      const a2 = apm2Ctx * 33 + lo;
      this.apm2Idx = a2;
      const pb = (this.apm2[a2]! * (128 - w) + this.apm2[a2 + 1]! * w) >> 11;
      p = (pm + pa + 2 * pb) >> 2;
    } else {
      p = (pm + 3 * pa) >> 2;
    }
    return p < 1 ? 1 : p > 4095 ? 4095 : p;
  }

  update(bit: number): void {
    const target = bit ? 65535 : 0;
    for (let m = 0; m < this.k; m++) {
      const s = this.slot[m]!;
      const n = this.cells[s]! >>> COUNT_SHIFT;
      const pr = this.cells[s]! & PROB_MASK;
      this.cells[s] = (pr + (((target - pr) * RATE[n]!) / 65536 | 0)) | ((n < this.limit ? n + 1 : n) << COUNT_SHIFT);
    }
    const err = ((bit ? 4095 : 0) - this.pMix) * this.lr;
    for (let m = 0; m <= this.k; m++) this.weights[this.wBase + m] += err * this.st[m]!;
    const a = this.apmIdx;
    const w = this.apmW;
    this.apm[a] += ((target - this.apm[a]!) * (128 - w)) >> 13;
    this.apm[a + 1] += ((target - this.apm[a + 1]!) * w) >> 13;
    if (this.apm2.length > 0) {
      const a2 = this.apm2Idx;
      this.apm2[a2] += ((target - this.apm2[a2]!) * (128 - w)) >> 13;
      this.apm2[a2 + 1] += ((target - this.apm2[a2 + 1]!) * w) >> 13;
    }
  }

  /** A copy of the current state (training a prior). */
  snapshot(): LmscmState {
    const prob: Uint16Array[] = [];
    const count: Uint8Array[] = [];
    const cells = this.cells;
    for (let m = 0; m < this.k; m++) {
      const b = this.base[m]!;
      const size = this.sizes[m]!;
      const pr = new Uint16Array(size);
      const cn = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        const c = cells[b + i]!;
        pr[i] = c & PROB_MASK;
        cn[i] = c >>> COUNT_SHIFT;
      }
      prob.push(pr);
      count.push(cn);
    }
    return { prob, count, weights: this.weights.slice(), apm: this.apm.slice(), apm2: this.apm2.slice() };
  }
}
