/*
 * The multichannel linear predictor shared by `mclpc` (a filter: values -> residuals) and any coder
 * that predicts values itself (docs/spec/codecs/mclpc.md). Per chunk and per channel k:
 *
 *   s = sum_{j<p} q[j] x_k[i-1-j]  +  sum_{r<K} sum_{b<T} q[p + r T + b] x_{ref_r}[i-b]
 *   P = floor(s / 2^shift)
 *
 * Its own past p samples plus the current and T-1 past samples of K reference channels. Channels
 * are decoded in a per-chunk order (0..c-1 or c-1..0) and a reference precedes its channel in it,
 * so its current sample is known when channel k's is predicted, whether a coder runs channel by
 * channel or row by row (visiting each row's channels in `model.order`). Multiplexed ADCs (Intan)
 * sample channels one after another, so the reference's previous sample matters as much as its
 * current one (T = 2 gained ~4% on the Open Ephys 32 ch recording, T = 1 only 0.5%), and which
 * direction is better depends on the headstage (reverse: +1.1% White Matter, +0.6% OE 32 ch;
 * forward: +0.5% NP2), hence the order chosen per chunk.
 *
 * Design (encoder only; the coefficients are stored, so the decoder never repeats it):
 *  1. own LPC as `lpc` does (Tukey window, autocorrelation, Levinson-Durbin, order p by cost);
 *  2. references among the `window` channels before k in the order, ranked by how much of channel
 *     k's own-LPC residual their own-LPC residuals (lags 0..T-1) explain;
 *  3. joint least squares over the windowed signals: the normal equations are block Toeplitz
 *     (auto- and cross-correlations, O(n (p + T)) per reference), solved by Cholesky with a tiny
 *     ridge; kept only when the estimated bits (n/2 log2 E + coefficient bits) beat own-only.
 * Exactness: |q| < 2^14, |x| < 2^32 and at most 32 + 8 x 8 products keep s below 2^53.
 *
 * For a coder (lmscm): model = designMc(x, n, c, opts); writeMcModel / readMcModel for the header;
 * then for each row i, for each channel k in model.order: the value is predicted by
 * mcPredict(model.channels[k], model.taps, v, c, k, i) (or mcSum / 2^shift for the fraction),
 * v = the interleaved values (the input on encode, the output being written on decode).
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import { levinson, quantize, MAX_ORDER as LPC_MAX_ORDER } from './lpc.js';
import { readZigzag, writeZigzag } from './remap.js';

export const MAX_ORDER = LPC_MAX_ORDER;
export const MAX_REFS = 8;
export const MAX_TAPS = 8;
const MAX_SHIFT = 24;

export interface McOptions {
  /** Largest own order p (0..32). */
  order: number;
  /** Largest number of reference channels K (0..8). */
  refs: number;
  /** Samples of each reference: lags 0..taps-1 (1..8). */
  taps: number;
  /** References are chosen among the `window` channels before k (1..255). */
  window: number;
  /** Coefficient bits, sign included (6..15). */
  precision: number;
  /** Channel order: 0..c-1, c-1..0, or whichever an estimate on the first rows prefers. */
  direction: 'forward' | 'reverse' | 'auto';
}

/** One channel's predictor. q holds p own coefficients, then taps per reference. */
export interface McChannel {
  order: number;
  refs: Int32Array;
  shift: number;
  q: Int32Array;
}

/**
 * channels[k] is channel k's predictor (refs are channel indices). Channels are decoded in
 * `order` (0..c-1, or c-1..0 when reversed); a reference precedes its channel in that order.
 */
export interface McModel {
  taps: number;
  reverse: boolean;
  order: Int32Array;
  channels: McChannel[];
}

/** The channel processed at each position. */
export function channelOrder(c: number, reverse: boolean): Int32Array {
  const o = new Int32Array(c);
  for (let j = 0; j < c; j++) o[j] = reverse ? c - 1 - j : j;
  return o;
}

/** First row predicted by the full filter; rows before it use the previous sample (0 at row 0). */
export function mcStart(f: McChannel, taps: number): number {
  return Math.max(f.order, f.refs.length > 0 ? taps - 1 : 0);
}

/**
 * The prediction of channel k at row i from the interleaved values v (c channels), which must
 * hold rows < i of channel k and rows <= i of its references. Returns the exact sum s; the
 * prediction is floor(s / 2^shift) (see mcPredict), kept apart so a coder can use the fraction.
 * Only valid for i >= mcStart(f, taps) and a channel with a filter (order + refs > 0).
 */
export function mcSum(f: McChannel, taps: number, v: ArrayLike<number>, c: number, k: number, i: number): number {
  const q = f.q;
  const p = f.order;
  let s = 0;
  for (let j = 0, o = (i - 1) * c + k; j < p; j++, o -= c) s += q[j]! * v[o]!;
  const refs = f.refs;
  for (let r = 0, base = p; r < refs.length; r++, base += taps) {
    const ref = refs[r]!;
    for (let b = 0, o = i * c + ref; b < taps; b++, o -= c) s += q[base + b]! * v[o]!;
  }
  return s;
}

/** The integer prediction of channel k at row i (any row; see mcSum for what v must hold). */
export function mcPredict(f: McChannel, taps: number, v: ArrayLike<number>, c: number, k: number, i: number): number {
  if (f.order === 0 && f.refs.length === 0) return 0;
  if (i < mcStart(f, taps)) return i > 0 ? v[(i - 1) * c + k]! : 0;
  return Math.floor(mcSum(f, taps, v, c, k, i) / 2 ** f.shift);
}

/** Tukey window (5% cosine edges), as `lpc` windows before its autocorrelation. */
function tukey(x: Float64Array, n: number, out: Float64Array): void {
  const edge = Math.max(1, Math.floor(n * 0.05));
  for (let i = 0; i < n; i++) {
    let g = 1;
    if (i < edge) g = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / edge);
    else if (i >= n - edge) g = 0.5 - 0.5 * Math.cos((Math.PI * (n - i - 0.5)) / edge);
    out[i] = x[i]! * g;
  }
}

/**
 * C(d) = sum_i u[i] v[i - d] (over rows where both exist) for d in [lo, hi], into out[d - lo].
 * Lags in blocks of four: each block's sums add the rows where all four lags exist (its main
 * rows, ascending), then the others (edge rows, each product checked); see xcorrRef in
 * test/codecs/mclpc.test.ts, the plain form. This one computes the same sums in the same order (bit-identical: the design and so the
 * bytes must not move), ~1.2x faster: v's values stay in registers as the rows advance (v[j-1] of
 * row i is v[j] of row i-1), one load of v a row instead of four. (Two blocks a pass, eight sums a
 * row, measured slower: too many live values.)
 */
export function xcorr(u: Float64Array, v: Float64Array, n: number, lo: number, hi: number, out: Float64Array): void {
  let d = lo;
  for (; d + 1 <= hi; d += 4) {
    // the last block: with three lags it skips the fourth, unused; with the lone lag after it
    // (a pass of its own in the plain form), that lag rides along (block5)
    if (hi - d === 2) block3(u, v, n, d, lo, out);
    else if (hi - d === 4 && block5(u, v, n, d, lo, out)) return;
    else block4(u, v, n, d, lo, hi, out);
  }
  for (; d <= hi; d++) {
    let s = 0;
    const a = Math.max(0, d);
    const b = Math.min(n, n + d);
    for (let i = a; i < b; i++) s += u[i]! * v[i - d]!;
    out[d - lo] = s;
  }
}

/** A block's rows: all of them [i0, i1); main rows [a, b) (all four lags exist). */
function rowsOf(n: number, d: number): [number, number, number, number] {
  const i0 = Math.max(0, d);
  const i1 = Math.min(n, n + d + 3);
  const a = Math.min(Math.max(i0, d + 3), Math.max(i0, i1));
  const b = Math.max(a, Math.min(i1, n + d));
  return [i0, i1, a, b];
}

/** Edge rows of the block at d (rows [i0, i1) outside [a, b)), added to acc[0..3]. */
function edges4(u: Float64Array, v: Float64Array, n: number, d: number, i0: number, i1: number, a: number, b: number, acc: Float64Array): void {
  let s0 = acc[0]!, s1 = acc[1]!, s2 = acc[2]!, s3 = acc[3]!; // prettier-ignore
  for (let i = i0; i < i1; i++) {
    if (i === a) i = b;
    if (i >= i1) break;
    const x = u[i]!;
    const j = i - d;
    if (j >= 0 && j < n) s0 += x * v[j]!;
    if (j >= 1 && j - 1 < n) s1 += x * v[j - 1]!;
    if (j >= 2 && j - 2 < n) s2 += x * v[j - 2]!;
    if (j >= 3 && j - 3 < n) s3 += x * v[j - 3]!;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

const ACC = new Float64Array(4);

/** Stores a block's sums (lags d..d+3, those <= hi). */
function store4(acc: Float64Array, d: number, lo: number, hi: number, out: Float64Array): void {
  for (let t = 0; t < 4 && d + t <= hi; t++) out[d + t - lo] = acc[t]!;
}

/** One block of four lags (d + 1 <= hi). */
function block4(u: Float64Array, v: Float64Array, n: number, d: number, lo: number, hi: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
  const [i0, i1, a, b] = rowsOf(n, d);
  if (a < b) {
    // a >= d + 3: the three lagged values exist
    let v1 = v[a - d - 1]!, v2 = v[a - d - 2]!, v3 = v[a - d - 3]!; // prettier-ignore
    for (let i = a, j = a - d; i < b; i++, j++) {
      const x = u[i]!;
      const v0 = v[j]!;
      s0 += x * v0;
      s1 += x * v1;
      s2 += x * v2;
      s3 += x * v3;
      v3 = v2;
      v2 = v1;
      v1 = v0;
    }
  }
  ACC[0] = s0;
  ACC[1] = s1;
  ACC[2] = s2;
  ACC[3] = s3;
  edges4(u, v, n, d, i0, i1, a, b, ACC);
  store4(ACC, d, lo, hi, out);
}

/** block4 for exactly three lags d..d+2 (same rows, same order; the fourth sum is not needed). */
function block3(u: Float64Array, v: Float64Array, n: number, d: number, lo: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0; // prettier-ignore
  const [i0, i1, a, b] = rowsOf(n, d);
  if (a < b) {
    let v1 = v[a - d - 1]!, v2 = v[a - d - 2]!; // prettier-ignore
    for (let i = a, j = a - d; i < b; i++, j++) {
      const x = u[i]!;
      const v0 = v[j]!;
      s0 += x * v0;
      s1 += x * v1;
      s2 += x * v2;
      v2 = v1;
      v1 = v0;
    }
  }
  ACC[0] = s0;
  ACC[1] = s1;
  ACC[2] = s2;
  ACC[3] = 0;
  edges4(u, v, n, d, i0, i1, a, b, ACC); // the fourth sum is computed and dropped
  store4(ACC, d, lo, d + 2, out);
}

/**
 * block4 at d plus the lone last lag L = d + 4, whose rows [tA, tB) (all where it exists, summed
 * in ascending order as the plain form's tail pass does) overlap the block's main rows [a, b): rows
 * [a, tA) the block alone, [tA, b) both (five sums a row), [b, tB) the lag alone. False (nothing
 * done) when the rows do not nest that way (short signals).
 */
function block5(u: Float64Array, v: Float64Array, n: number, d: number, lo: number, out: Float64Array): boolean {
  const [i0, i1, a, b] = rowsOf(n, d);
  const L = d + 4;
  const tA = Math.max(0, L);
  const tB = Math.min(n, n + L);
  if (!(a < b && a <= tA && tA <= b && b <= tB && tA >= L)) return false;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0; // prettier-ignore
  for (let i = a, j = a - d; i < tA; i++, j++) {
    const x = u[i]!;
    s0 += x * v[j]!;
    s1 += x * v[j - 1]!;
    s2 += x * v[j - 2]!;
    s3 += x * v[j - 3]!;
  }
  if (tA < b) {
    const j0 = tA - d; // >= 4
    let v1 = v[j0 - 1]!, v2 = v[j0 - 2]!, v3 = v[j0 - 3]!, v4 = v[j0 - 4]!; // prettier-ignore
    for (let i = tA, j = j0; i < b; i++, j++) {
      const x = u[i]!;
      const v0 = v[j]!;
      s0 += x * v0;
      s1 += x * v1;
      s2 += x * v2;
      s3 += x * v3;
      s4 += x * v4;
      v4 = v3; v3 = v2; v2 = v1; v1 = v0; // prettier-ignore
    }
  }
  for (let i = Math.max(b, tA); i < tB; i++) s4 += u[i]! * v[i - L]!;
  ACC[0] = s0;
  ACC[1] = s1;
  ACC[2] = s2;
  ACC[3] = s3;
  edges4(u, v, n, d, i0, i1, a, b, ACC);
  store4(ACC, d, lo, L, out);
  out[L - lo] = s4;
  return true;
}

/**
 * Cholesky factor of A (stride m, SPD) in place (lower triangle), rows [from, to) given rows < from
 * already factored, so a system can grow block by block; false when not positive definite.
 */
export function cholesky(A: Float64Array, m: number, from = 0, to = m): boolean {
  for (let i = from; i < to; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * m + j]!;
      for (let k = 0; k < j; k++) s -= A[i * m + k]! * A[j * m + k]!;
      if (i === j) {
        if (!(s > 0)) return false;
        A[i * m + i] = Math.sqrt(s);
      } else A[i * m + j] = s / A[j * m + j]!;
    }
  }
  return true;
}

/** z = L^-1 b over rows [from, to) (forward substitution with the factor of cholesky()). */
function forward(L: Float64Array, m: number, b: Float64Array, z: Float64Array, from = 0, to = m): void {
  for (let i = from; i < to; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * m + k]! * z[k]!;
    z[i] = s / L[i * m + i]!;
  }
}

/** a = L'^-T z over the leading mm unknowns (the solution of the leading mm x mm system). */
function backward(L: Float64Array, m: number, mm: number, z: Float64Array, a: Float64Array): void {
  for (let i = mm - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < mm; k++) s -= L[k * m + i]! * a[k]!;
    a[i] = s / L[i * m + i]!;
  }
}

/**
 * Energy of e explained by lags 0..taps-1 of g (a ranking score); cg = autocorrelation of g at
 * lags 0..taps-1, cached per channel.
 */
function refScore(e: Float64Array, g: Float64Array, cg: Float64Array, n: number, taps: number): number {
  if (!(cg[0]! > 0)) return 0;
  const ce = new Float64Array(taps);
  xcorr(e, g, n, 0, taps - 1, ce);
  const A = new Float64Array(taps * taps);
  for (let a = 0; a < taps; a++) for (let b = 0; b < taps; b++) A[a * taps + b] = cg[Math.abs(a - b)]!;
  for (let a = 0; a < taps; a++) A[a * taps + a]! *= 1 + 1e-9;
  if (!cholesky(A, taps)) return 0;
  const z = new Float64Array(taps);
  forward(A, taps, ce, z);
  let s = 0;
  for (let a = 0; a < taps; a++) s += z[a]! * z[a]!;
  return s;
}

/** Integer residual of channel k under its own filter only (rows before the order: previous sample). */
function ownResidual(xs: Float64Array, n: number, f: McChannel, out: Float64Array): void {
  const p = f.order;
  if (p === 0) {
    out.set(xs.subarray(0, n));
    return;
  }
  const div = 2 ** f.shift;
  const q = f.q;
  const head = Math.min(p, n);
  for (let i = 0; i < head; i++) out[i] = xs[i]! - (i > 0 ? xs[i - 1]! : 0);
  // integer products below 2^46, at most 32 of them: every partial sum is exact, in any order.
  // Column by column, four lags a pass, the lagged values kept in registers as i advances.
  out.fill(0, p, n);
  for (let g = 0; g < p; g += 4) {
    const q0 = q[g]!, q1 = g + 1 < p ? q[g + 1]! : 0, q2 = g + 2 < p ? q[g + 2]! : 0, q3 = g + 3 < p ? q[g + 3]! : 0; // prettier-ignore
    const m0 = p - 1 - g; // >= 0
    let r1 = m0 >= 1 ? xs[m0 - 1]! : 0, r2 = m0 >= 2 ? xs[m0 - 2]! : 0, r3 = m0 >= 3 ? xs[m0 - 3]! : 0; // prettier-ignore
    for (let i = p, m = m0; i < n; i++, m++) {
      const v0 = xs[m]!;
      out[i] = out[i]! + (q0 * v0 + q1 * r1 + (q2 * r2 + q3 * r3));
      r3 = r2;
      r2 = r1;
      r1 = v0;
    }
  }
  for (let i = p; i < n; i++) out[i] = xs[i]! - Math.floor(out[i]! / div);
}

const EMPTY = new Int32Array(0);

/**
 * Work buffers of designMc, kept by a codec instance across chunks (a few MB for 1 s chunks;
 * allocating them per chunk cost ~20% of the encode time in garbage collection).
 */
export class McScratch {
  private bufs: Float64Array[] = [];
  private size = 0;
  /** `count` zeroed-or-stale arrays of length n (designMc overwrites before reading). */
  take(count: number, n: number): Float64Array[] {
    if (n > this.size) {
      this.bufs = [];
      this.size = n;
    }
    while (this.bufs.length < count) this.bufs.push(new Float64Array(this.size));
    return this.bufs.slice(0, count).map((b) => b.subarray(0, n));
  }
}

/**
 * Rows on which `direction: 'auto'` compares the two channel orders: an eighth of the chunk, at
 * least 2048 (the whole chunk, and no third pass, when that is over half of it).
 */
function autoRows(n: number): number {
  const m = Math.max(2048, Math.ceil(n / 8));
  return 2 * m >= n ? n : m;
}

/**
 * Designs the predictor of every channel of an interleaved [n, c] chunk. `cols`, when given, is
 * the same chunk channel-major (channel k's rows at cols[k n ..]): read contiguously instead of
 * with stride c (a cache miss per value on hundreds of channels).
 */
export function designMc(x: ArrayLike<number>, n: number, c: number, o: McOptions, scratch = new McScratch(), cols?: ArrayLike<number>): McModel {
  const src: Source = cols ? { v: cols, step: 1, stride: n } : { v: x, step: c, stride: 1 };
  let reverse = o.direction === 'reverse';
  let done: McChannel[] | undefined;
  if (o.direction === 'auto' && c > 1 && o.refs > 0) {
    // both orders on the first rows (estimated bits); the whole chunk in the cheaper one
    const m = autoRows(n);
    const fwd = designPass(src, m, c, o, scratch, false);
    const rev = designPass(src, m, c, o, scratch, true);
    reverse = rev.cost < fwd.cost;
    if (m === n) done = reverse ? rev.channels : fwd.channels;
  }
  const channels = done ?? designPass(src, n, c, o, scratch, reverse).channels;
  return { taps: o.taps, reverse, order: channelOrder(c, reverse), channels };
}

/** One design in one channel order; cost = the estimated bits of the chunk under it. */
/** Where channel k's row i lies: v[k * stride + i * step]. */
interface Source {
  v: ArrayLike<number>;
  step: number;
  stride: number;
}

function designPass(
  src: Source,
  n: number,
  c: number,
  o: McOptions,
  scratch: McScratch,
  reverse: boolean,
): { channels: McChannel[]; cost: number } {
  const taps = o.taps;
  const W = Math.max(1, o.window);
  const ring = Math.min(W + 1, c);
  // the last W+1 positions' windowed signals, own residuals and residual autocorrelations
  const bufs = scratch.take(2 * ring, n);
  const wsRing = bufs.slice(0, ring);
  const eRing = bufs.slice(ring);
  const cgRing: Float64Array[] = [];
  for (let j = 0; j < ring; j++) cgRing.push(new Float64Array(taps));
  const ord = channelOrder(c, reverse);
  const xs = new Float64Array(n);
  const channels: McChannel[] = new Array<McChannel>(c);
  let total = 0;
  const maxOrder = Math.min(o.order, Math.max(0, n - 1));
  const bitsPerCoef = o.precision + 2;
  const r = new Float64Array(maxOrder + 1);
  const coefs: Float64Array[] = [];
  for (let p = 1; p <= maxOrder; p++) coefs.push(new Float64Array(p));
  const err = new Float64Array(maxOrder + 1);
  for (let pos = 0; pos < c; pos++) {
    const k = ord[pos]!;
    const x = src.v;
    const step = src.step;
    for (let i = 0, t = k * src.stride; i < n; i++, t += step) xs[i] = x[t]!;
    const ws = wsRing[pos % ring]!;
    const e = eRing[pos % ring]!;
    tukey(xs, n, ws);
    // 1. own LPC (as designLpc in lpc.ts, keeping the error energy for the comparison below)
    let own: McChannel = { order: 0, refs: EMPTY, shift: 0, q: EMPTY };
    let ownCost = 0;
    let ownP = 0;
    if (maxOrder > 0) {
      xcorr(ws, ws, n, 0, maxOrder, r);
      const top = levinson(r, maxOrder, coefs, err);
      if (top === 0) own = { order: 1, refs: EMPTY, shift: 0, q: Int32Array.of(1) };
      else {
        ownCost = Infinity;
        for (let p = 1; p <= top; p++) {
          const cost = 0.5 * n * Math.log2(Math.max(err[p]! / n, 1e-9)) + p * bitsPerCoef;
          if (cost < ownCost) {
            ownCost = cost;
            ownP = p;
          }
        }
        const f = quantize(coefs[ownP - 1]!, ownP, o.precision);
        own = { order: ownP, refs: EMPTY, shift: f.shift, q: f.q };
      }
    }
    ownResidual(xs, n, own, e);
    channels[k] = own;
    total += ownCost;
    if (o.refs === 0) continue;
    xcorr(e, e, n, 0, taps - 1, cgRing[pos % ring]!);
    if (pos === 0 || ownP === 0 || n < 4 * (ownP + taps + 8)) continue;
    // 2. rank the candidate references by how much of e their residuals explain
    const cands: { j: number; score: number }[] = [];
    for (let j = Math.max(0, pos - W); j < pos; j++) {
      const sc = refScore(e, eRing[j % ring]!, cgRing[j % ring]!, n, taps);
      if (sc > 0) cands.push({ j, score: sc });
    }
    cands.sort((a, b) => b.score - a.score || a.j - b.j);
    const picked = cands.slice(0, o.refs).map((t) => t.j); // positions
    if (picked.length === 0) continue;
    // 3. joint least squares; the number of references (in rank order) chosen by estimated bits
    const best = jointDesign(ws, picked.map((j) => wsRing[j % ring]!), n, ownP, taps, r, (m, energy, K) =>
      0.5 * n * Math.log2(Math.max(energy / n, 1e-9)) + m * bitsPerCoef + K * 8,
    );
    if (!best || best.K === 0 || !(best.cost < ownCost)) continue;
    const f = quantize(best.a, best.a.length, o.precision);
    channels[k] = { order: ownP, refs: Int32Array.from(picked.slice(0, best.K), (j) => ord[j]!), shift: f.shift, q: f.q };
    total += best.cost - ownCost;
  }
  return { channels, cost: total };
}

/**
 * Least squares of ws[i] on ws[i-1..i-p] and refs[r][i-b] (b < taps) over the windowed,
 * zero-extended signals: the Gram matrix is block Toeplitz, built from correlations. The system
 * grows one reference at a time (Cholesky rows appended; the error energy of each leading block
 * is r0 - |z|^2); the leading block with the lowest cost(unknowns, energy, K) is solved.
 */
function jointDesign(
  ws: Float64Array,
  refs: Float64Array[],
  n: number,
  p: number,
  taps: number,
  rOwn: Float64Array,
  cost: (m: number, energy: number, K: number) => number,
): { a: Float64Array; K: number; cost: number } | null {
  const K = refs.length;
  const m = p + K * taps;
  const A = new Float64Array(m * m);
  const b = new Float64Array(m);
  const z = new Float64Array(m);
  for (let a = 0; a < p; a++) {
    b[a] = rOwn[a + 1]!;
    for (let a2 = 0; a2 < p; a2++) A[a * m + a2] = rOwn[Math.abs(a - a2)]!;
  }
  const ridge = 1e-9 * rOwn[0]!;
  for (let a = 0; a < p; a++) A[a * m + a]! += ridge;
  if (!(rOwn[0]! > 0) || !cholesky(A, m, 0, p)) return null;
  forward(A, m, b, z, 0, p);
  let energy = rOwn[0]!;
  for (let a = 0; a < p; a++) energy -= z[a]! * z[a]!;
  let bestK = 0;
  let bestCost = cost(p, energy, 0);
  const cross = new Float64Array(p + taps);
  const rr = new Float64Array(2 * taps - 1);
  for (let r = 0; r < K; r++) {
    const g = refs[r]!;
    const base = p + r * taps;
    // own lag a+1 vs ref lag t: sum ws[i-a-1] g[i-t] = C_{ws,g}(t-a-1), d in [-p, taps-1]
    xcorr(ws, g, n, -p, taps - 1, cross);
    for (let t = 0; t < taps; t++) {
      b[base + t] = cross[t + p]!; // target vs ref lag t: d = t
      for (let a = 0; a < p; a++) A[(base + t) * m + a] = cross[t - a - 1 + p]!;
    }
    // earlier ref r2 lag t2 vs ref r lag t: sum h[i-t2] g[i-t] = C_{g,h}(t2-t); r2 = r is g's own
    for (let r2 = 0; r2 <= r; r2++) {
      xcorr(g, refs[r2]!, n, -(taps - 1), taps - 1, rr);
      const base2 = p + r2 * taps;
      for (let t = 0; t < taps; t++)
        for (let t2 = 0; t2 < taps; t2++) A[(base + t) * m + base2 + t2] = rr[t2 - t + taps - 1]!;
    }
    for (let t = 0; t < taps; t++) A[(base + t) * m + base + t]! += ridge;
    if (!cholesky(A, m, base, base + taps)) break;
    forward(A, m, b, z, base, base + taps);
    for (let a = base; a < base + taps; a++) energy -= z[a]! * z[a]!;
    const c = cost(base + taps, energy, r + 1);
    if (c < bestCost) {
      bestCost = c;
      bestK = r + 1;
    }
  }
  const mm = p + bestK * taps;
  const sol = new Float64Array(mm);
  backward(A, m, mm, z, sol);
  return { a: sol, K: bestK, cost: bestCost };
}

/**
 * Side bytes: u8 flags (bit 0: reverse order), then per channel IN DECODING ORDER: u8 order; u8 K;
 * when order + K > 0: u8 shift, K varints (position - 1 - the reference's position), then
 * order + K taps zigzag varints.
 */
export function writeMcModel(w: ByteWriter, model: McModel): void {
  const c = model.channels.length;
  const pos = positions(model.order);
  w.u8(model.reverse ? 1 : 0);
  for (let j = 0; j < c; j++) {
    const f = model.channels[model.order[j]!]!;
    w.u8(f.order);
    w.u8(f.refs.length);
    if (f.order + f.refs.length === 0) continue;
    w.u8(f.shift);
    for (const ref of f.refs) w.varint(j - 1 - pos[ref]!);
    for (let t = 0; t < f.q.length; t++) writeZigzag(w, f.q[t]!);
  }
}

function positions(order: Int32Array): Int32Array {
  const pos = new Int32Array(order.length);
  order.forEach((k, j) => (pos[k] = j));
  return pos;
}

/** Reads and validates what writeMcModel wrote (the limits are the codec's configuration). */
export function readMcModel(rd: ByteReader, c: number, o: McOptions, who: string): McModel {
  const lim = 2 ** (o.precision - 1) - 1;
  const flags = rd.u8();
  if (flags > 1) throw new CorruptDataError(`${who}: unknown flags ${flags}`);
  const reverse = flags === 1;
  const order = channelOrder(c, reverse);
  const channels: McChannel[] = new Array<McChannel>(c);
  for (let j = 0; j < c; j++) {
    const k = order[j]!;
    const p = rd.u8();
    const K = rd.u8();
    if (p > o.order) throw new CorruptDataError(`${who}: channel ${k} order ${p} above ${o.order}`);
    if (K > o.refs || K > j) throw new CorruptDataError(`${who}: channel ${k} has ${K} references (at most ${Math.min(o.refs, j)})`);
    if (p + K === 0) {
      channels[k] = { order: 0, refs: EMPTY, shift: 0, q: EMPTY };
      continue;
    }
    const shift = rd.u8();
    if (shift > MAX_SHIFT) throw new CorruptDataError(`${who}: channel ${k} shift ${shift}`);
    const refs = new Int32Array(K);
    for (let r = 0; r < K; r++) {
      const d = rd.varint();
      if (d > j - 1) throw new CorruptDataError(`${who}: channel ${k}'s reference ${r} is not decoded before it`);
      refs[r] = order[j - 1 - d]!;
    }
    const q = new Int32Array(p + K * o.taps);
    for (let t = 0; t < q.length; t++) {
      const v = readZigzag(rd);
      if (Math.abs(v) > lim) throw new CorruptDataError(`${who}: channel ${k} coefficient ${v} beyond ${o.precision} bits`);
      q[t] = v;
    }
    channels[k] = { order: p, refs, shift, q };
  }
  return { taps: o.taps, reverse, order, channels };
}
