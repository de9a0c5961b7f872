/*
 * READ ME FIRST — trained priors for `lmscm` (docs/spec/codecs/lmscm.md, "Priors").
 *  - A prior is the whole adaptive state of the lmscm model (counters, mixer weights, APM) after
 *    coding a training set, plus the histogram of the absolute values seen in training. A chunk coded
 *    with `prior=NAME` starts from that state (counts capped so it keeps adapting) instead of flat
 *    counters, so a short recording does not pay to learn statistics shared by its family.
 *  - The value model's context is an absolute value, but lmscm's input is usually `remap`'s dense
 *    indices (starting at each chunk's minimum). The encoder aligns each channel's values to the
 *    prior's absolute axis (maximum likelihood shift against the training histogram) and stores the
 *    shift; the decoder only reads it. A bad alignment costs ratio, never correctness.
 *  - Priors ship as versioned binary assets under assets/ (found from src/, dist/ or an installed
 *    package by walking up from this module), checked against a sha256 built into the code.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import { capCounts, type LmscmState } from './_lmscm-model.js';

/** The absolute value axis of the value model (values are taken modulo this). */
export const VALUE_SPAN = 4096;

export interface LmscmPrior {
  /** The state a chunk starts from (counts already capped at countCap). */
  state: LmscmState;
  /** Training occurrences of each absolute value (mod VALUE_SPAN). */
  hist: Float64Array;
  /** Counter counts are capped at this on load. */
  countCap: number;
}

/** The priors this build knows: name -> asset file and its sha256. */
export const KNOWN_PRIORS: Record<string, { file: string; sha256: string }> = {
  'n1-v1': { file: 'lmscm-prior-n1-v1.bin', sha256: 'f8eb2e7e7a38a8740e31c2b61989a0837ca66915de41be6a14cdc431cc922368' },
};

const MAGIC = 0x504c5a4e; // 'NZLP' little-endian
const FORMAT = 1;

/** The prior's bytes: deflate-raw of the layout in docs/spec/codecs/lmscm.md. */
export function serializePrior(p: LmscmPrior): Uint8Array {
  const s = p.state;
  const k = s.prob.length;
  let size = 4 + 1 + 1 + 1 + 4 * k + 4 + 4 + 4 + 4;
  for (let m = 0; m < k; m++) size += s.prob[m]!.length * 3;
  size += s.weights.length * 8 + s.apm.length * 2 + s.apm2.length * 2 + VALUE_SPAN * 4;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  let o = 0;
  dv.setUint32(o, MAGIC, true), (o += 4);
  dv.setUint8(o++, FORMAT);
  dv.setUint8(o++, p.countCap);
  dv.setUint8(o++, k);
  for (let m = 0; m < k; m++) dv.setUint32(o, s.prob[m]!.length, true), (o += 4);
  dv.setUint32(o, s.weights.length, true), (o += 4);
  dv.setUint32(o, s.apm.length, true), (o += 4);
  dv.setUint32(o, s.apm2.length, true), (o += 4);
  dv.setUint32(o, VALUE_SPAN, true), (o += 4);
  for (let m = 0; m < k; m++) for (const v of s.prob[m]!) dv.setUint16(o, v, true), (o += 2);
  for (let m = 0; m < k; m++) for (const v of s.count[m]!) dv.setUint8(o++, v);
  for (const v of s.weights) dv.setFloat64(o, v, true), (o += 8);
  for (const v of s.apm) dv.setUint16(o, v, true), (o += 2);
  for (const v of s.apm2) dv.setUint16(o, v, true), (o += 2);
  for (let i = 0; i < VALUE_SPAN; i++) dv.setUint32(o, Math.min(0xffffffff, Math.round(p.hist[i]!)), true), (o += 4);
  return deflateRawSync(buf, { level: 9 });
}

export function parsePrior(bytes: Uint8Array, what: string): LmscmPrior {
  let buf: Uint8Array;
  try {
    buf = inflateRawSync(bytes);
  } catch {
    throw new CorruptDataError(`${what}: not a deflate stream`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  const need = (n: number) => {
    if (o + n > buf.length) throw new CorruptDataError(`${what}: truncated`);
  };
  need(7);
  if (dv.getUint32(0, true) !== MAGIC) throw new CorruptDataError(`${what}: bad magic`);
  if (dv.getUint8(4) !== FORMAT) throw new CorruptDataError(`${what}: format ${dv.getUint8(4)} unknown`);
  const countCap = dv.getUint8(5);
  const k = dv.getUint8(6);
  o = 7;
  need(4 * k + 16);
  const sizes: number[] = [];
  for (let m = 0; m < k; m++) sizes.push(dv.getUint32(o, true)), (o += 4);
  const nw = dv.getUint32(o, true);
  const na = dv.getUint32(o + 4, true);
  const na2 = dv.getUint32(o + 8, true);
  const nh = dv.getUint32(o + 12, true);
  o += 16;
  if (nh !== VALUE_SPAN) throw new CorruptDataError(`${what}: value span ${nh}`);
  const total = sizes.reduce((a, b) => a + 3 * b, 0) + nw * 8 + (na + na2) * 2 + nh * 4;
  if (o + total !== buf.length) throw new CorruptDataError(`${what}: size ${buf.length} does not match its layout`);
  const prob = sizes.map((sz) => {
    const a = new Uint16Array(sz);
    for (let i = 0; i < sz; i++) a[i] = dv.getUint16(o, true), (o += 2);
    return a;
  });
  const count = sizes.map((sz) => {
    const a = new Uint8Array(buf.subarray(o, o + sz)); // a copy, not a Buffer
    o += sz;
    return a;
  });
  const weights = new Float64Array(nw);
  for (let i = 0; i < nw; i++) weights[i] = dv.getFloat64(o, true), (o += 8);
  const apm = new Uint16Array(na);
  for (let i = 0; i < na; i++) apm[i] = dv.getUint16(o, true), (o += 2);
  const apm2 = new Uint16Array(na2);
  for (let i = 0; i < na2; i++) apm2[i] = dv.getUint16(o, true), (o += 2);
  const hist = new Float64Array(nh);
  for (let i = 0; i < nh; i++) hist[i] = dv.getUint32(o, true), (o += 4);
  return { state: capCounts({ prob, count, weights, apm, apm2 }, countCap), hist, countCap };
}

/** The asset's path: assets/FILE in the nearest ancestor of this module that has it. */
export function findAsset(file: string, from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (;;) {
    const p = join(dir, 'assets', file);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const cache = new Map<string, LmscmPrior>();

/** A named prior, loaded once and checked against its built-in sha256. */
export function namedPrior(name: string): LmscmPrior {
  const hit = cache.get(name);
  if (hit) return hit;
  const known = KNOWN_PRIORS[name];
  if (!known) throw new InvalidConfigError(`lmscm: unknown prior '${name}' (known: ${Object.keys(KNOWN_PRIORS).join(', ')})`);
  const path = findAsset(known.file);
  if (!path) throw new InvalidConfigError(`lmscm: prior '${name}' needs assets/${known.file}, which is missing from this installation`);
  const bytes = readFileSync(path);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== known.sha256) throw new CorruptDataError(`lmscm: prior asset ${path} is corrupt (sha256 ${digest.slice(0, 12)}..., expected ${known.sha256.slice(0, 12)}...)`);
  const prior = parsePrior(bytes, `lmscm prior '${name}'`);
  cache.set(name, prior);
  return prior;
}

/** log-probabilities of the prior's value histogram (add-one smoothed), for alignment. */
export function logProfile(hist: Float64Array): Float64Array {
  let tot = 0;
  for (let i = 0; i < hist.length; i++) tot += hist[i]! + 0.5;
  const out = new Float64Array(hist.length);
  for (let i = 0; i < hist.length; i++) out[i] = Math.log((hist[i]! + 0.5) / tot);
  return out;
}

/**
 * The shift o (0..VALUE_SPAN-1) that makes the channel's values v -> v + o most likely under the
 * prior's histogram. Searched within +-SEARCH of the shift that matches the means; channels with
 * more than MAX_DISTINCT distinct values (or a range of 2^20 or more) take the mean-matching shift
 * (their values are not on a grid like the training set's).
 */
export function alignShift(values: ArrayLike<number>, start: number, count: number, stride: number, profile: Float64Array, profileMean: number): number {
  if (count === 0) return 0;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0, k = start; i < count; i++, k += stride) {
    const v = values[k]!;
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const mod = (x: number) => ((Math.round(x) % VALUE_SPAN) + VALUE_SPAN) % VALUE_SPAN;
  const base = mod(profileMean - sum / count);
  if (hi - lo >= 1 << 20) return base;
  // the histogram of the values (dense over lo..hi), then its non-empty bins
  const h = new Int32Array(hi - lo + 1);
  for (let i = 0, k = start; i < count; i++, k += stride) h[values[k]! - lo]++;
  const vs: number[] = [];
  const ns: number[] = [];
  for (let i = 0; i < h.length; i++) {
    if (h[i]! === 0) continue;
    if (vs.length === MAX_DISTINCT) return base;
    vs.push(i + lo);
    ns.push(h[i]!);
  }
  let best = base;
  let bestScore = -Infinity;
  for (let d = -SEARCH; d <= SEARCH; d++) {
    const o = mod(base + d);
    let s = 0;
    for (let j = 0; j < vs.length; j++) s += ns[j]! * profile[(vs[j]! + o) & (VALUE_SPAN - 1)]!;
    if (s > bestScore) {
      bestScore = s;
      best = o;
    }
  }
  return best;
}
const SEARCH = 160;
const MAX_DISTINCT = 2048;

/** The mean absolute value of the prior's training histogram. */
export function histMean(hist: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < hist.length; i++) {
    s += i * hist[i]!;
    n += hist[i]!;
  }
  return n > 0 ? s / n : 0;
}
