/*
 * READ ME FIRST — the tables of the context-mixing bit model behind `cm` and `lmscm` (the model
 * itself runs fused with the coder in each codec's hot loop: cm.ts run(), lmscm.ts Core.run()).
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
export const RATE = new Int32Array(256);
for (let n = 0; n < 256; n++) RATE[n] = Math.round(65536 / (n + 1.5));

// Forms of the tables for the fused hot loops (cm.ts, lmscm.ts), same values:
/** stretch as doubles (mixer inputs without an int-to-double conversion). */
export const STRETCH_F = Float64Array.from(STRETCH);
/** The counter rates / 65536 as doubles: (d * RATE[n]) / 65536 = d * RATE_F[n] exactly (|d * RATE| < 2^32). */
export const RATE_F = Float64Array.from(RATE, (r) => r / 65536);
/** stretch(squash(x)) + 2048 at x + 2048 (0..4095): the APM position of a mix in one load. */
export const SQUASH_STRETCH = new Int16Array(4096).map((_, i) => STRETCH[SQUASH[i]!]! + 2048);

/**
 * Math.round(dot) clamped to [-2048, 2047] (the mixer's output in stretch units), without Math.round
 * on the hot path's critical chain: clamp first (which gives the same result), a candidate by
 * truncation, then an exact correction (comparisons with xr +- 0.5 are exact; the candidate is off
 * by one only when the addition rounded across a half). NaN, which finite weights never produce,
 * gives 0 as `Math.round(NaN) | 0` does.
 */
export function roundClamped(dot: number): number {
  if (dot > 2047) dot = 2047;
  else if (!(dot >= -2048)) dot = dot < 0 ? -2048 : 0;
  let xr = ((dot + 2048.5) | 0) - 2048;
  if (dot < xr - 0.5) xr--;
  else if (dot >= xr + 0.5) xr++;
  return xr;
}
