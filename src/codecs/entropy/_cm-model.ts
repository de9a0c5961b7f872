/*
 * READ ME FIRST — the context-mixing bit model behind `cm` (the coder is _binary-coder.ts).
 *  - A "decision" is one binary question of the residual binarization (cm.ts), named by an id in
 *    [0, NDEC). For each decision, K context models give a probability from an adaptive counter
 *    picked by (their context, id); a logistic mixer (weights chosen by id) combines their stretched
 *    probabilities; an APM (adaptive probability map, indexed by the first context and id, 33
 *    interpolated points over the stretched domain) refines the mix; the final p averages the two.
 *  - Probabilities are 16-bit in the counters and 12-bit (1..4095) at the coder. Counters adapt with
 *    rate 1/(n + 1.5) until n reaches a limit, then stay at that rate (fast start, stable later).
 *  - stretch(p) = ln(p / (1 - p)) and squash are tables in the 12-bit domain (scaled by 256), so the
 *    encoder and the decoder compute bit-identical probabilities (floats only in the mixer, whose
 *    operations are deterministic IEEE doubles in the same order on both sides).
 */

export const STRETCH = new Int16Array(4096);
export const SQUASH = new Int16Array(4096); // index (x + 2048), x in [-2048, 2047] (stretch units / 256 = ln)
for (let i = 0; i < 4096; i++) {
  const x = (i - 2048) / 256;
  SQUASH[i] = Math.max(1, Math.min(4095, Math.round(4096 / (1 + Math.exp(-x)))));
}
for (let p = 0; p < 4096; p++) {
  const q = Math.max(0.5, Math.min(4095.5, p)) / 4096;
  STRETCH[p] = Math.max(-2047, Math.min(2047, Math.round(256 * Math.log(q / (1 - q)))));
}

export function squash(x: number): number {
  if (x > 2047) x = 2047;
  if (x < -2048) x = -2048;
  return SQUASH[(x | 0) + 2048]!;
}
export function stretch(p12: number): number {
  return STRETCH[p12]!;
}

/** 65536 / (n + 1.5): the counter learning rates. */
const RATE = new Int32Array(256);
for (let n = 0; n < 256; n++) RATE[n] = Math.round(65536 / (n + 1.5));

export const MODELS = 4;

export class CmModel {
  private readonly prob: Uint16Array[] = [];
  private readonly count: Uint8Array[] = [];
  private readonly base = new Int32Array(MODELS);
  private readonly slot = new Int32Array(MODELS);
  private readonly st = new Float64Array(MODELS + 1);
  private readonly weights: Float64Array;
  private readonly apm: Uint16Array;
  private apmBase = 0;
  private apmIdx = 0;
  private apmW = 0;
  private wBase = 0;
  private pMix = 0;
  private pFinal = 0;

  constructor(
    readonly nDec: number,
    readonly ctxSizes: readonly number[],
    readonly limit: number,
    readonly lr: number,
  ) {
    for (const size of ctxSizes) {
      this.prob.push(new Uint16Array(size * nDec).fill(32768));
      this.count.push(new Uint8Array(size * nDec));
    }
    this.weights = new Float64Array(nDec * (MODELS + 1)).fill(0.3);
    this.apm = new Uint16Array(ctxSizes[0]! * nDec * 33);
    for (let i = 0; i < this.apm.length; i++) this.apm[i] = squash(((i % 33) - 16) * 128) * 16;
  }

  /** Context values (each < its size) for the next sample's decisions. */
  setContexts(c0: number, c1: number, c2: number, c3: number): void {
    const d = this.nDec;
    this.base[0] = c0 * d;
    this.base[1] = c1 * d;
    this.base[2] = c2 * d;
    this.base[3] = c3 * d;
    this.apmBase = c0 * d;
  }

  /** P(bit = 1) for decision `id`, 12-bit. */
  p(id: number): number {
    const st = this.st;
    const wb = id * (MODELS + 1);
    let dot = 0;
    for (let m = 0; m < MODELS; m++) {
      const s = this.base[m]! + id;
      this.slot[m] = s;
      const v = STRETCH[this.prob[m]![s]! >>> 4]!;
      st[m] = v;
      dot += v * this.weights[wb + m]!;
    }
    st[MODELS] = 256;
    dot += 256 * this.weights[wb + MODELS]!;
    this.wBase = wb;
    const pm = squash(Math.round(dot));
    this.pMix = pm;
    // APM: interpolate between two of 33 points over stretch(pm)
    const sx = stretch(pm) + 2048; // 1..4095
    const lo = sx >> 7; // 0..31
    const w = sx & 127;
    const a = (this.apmBase + id) * 33 + lo;
    this.apmIdx = a;
    this.apmW = w;
    const pa = (this.apm[a]! * (128 - w) + this.apm[a + 1]! * w) >> 11; // 16-bit * 128 >> 11 = 12-bit
    let p = (pm + 3 * pa) >> 2;
    if (p < 1) p = 1;
    else if (p > 4095) p = 4095;
    this.pFinal = p;
    return p;
  }

  update(bit: number): void {
    // counters
    const target = bit ? 65535 : 0;
    for (let m = 0; m < MODELS; m++) {
      const s = this.slot[m]!;
      const pr = this.prob[m]!;
      const cn = this.count[m]!;
      const n = cn[s]!;
      pr[s] = pr[s]! + (((target - pr[s]!) * RATE[n]!) / 65536 | 0);
      if (n < this.limit) cn[s] = n + 1;
    }
    // mixer: gradient of coding cost in the stretched domain
    const err = ((bit ? 4095 : 0) - this.pMix) * this.lr;
    const wb = this.wBase;
    for (let m = 0; m <= MODELS; m++) this.weights[wb + m] += err * this.st[m]!;
    // APM: move both interpolation points toward the bit
    const a = this.apmIdx;
    const t = bit ? 65535 : 0;
    const w = this.apmW;
    this.apm[a] += ((t - this.apm[a]!) * (128 - w)) >> 13;
    this.apm[a + 1] += ((t - this.apm[a + 1]!) * w) >> 13;
  }
}
