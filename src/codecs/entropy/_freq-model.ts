/*
 * READ ME FIRST — static per-chunk frequency tables for `rans` (the coder is in rans.ts).
 *  - One table per context: symbol frequencies normalized to sum exactly 2^SCALE_BITS, every symbol
 *    that occurs getting at least 1. Serialized as varint(nSym) then nSym varint frequencies (0 for an
 *    absent symbol); nSym = 0 means the context is unused. The decoder checks that a used table sums
 *    to 2^SCALE_BITS before building its slot -> symbol lookup.
 */
import type { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';

export const SCALE_BITS = 12;
export const SCALE = 1 << SCALE_BITS;

export interface FreqTable {
  freq: Uint32Array;
  start: Uint32Array;
  /** slot -> symbol, filled on the decoder side only. */
  lut?: Uint8Array;
}

/** Normalizes counts (length = alphabet) to sum SCALE; returns undefined for an all-zero table. */
export function normalize(counts: Uint32Array): Uint32Array | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return undefined;
  const f = new Uint32Array(counts.length);
  let sum = 0;
  let big = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    f[i] = Math.max(1, Math.round((counts[i]! * SCALE) / total));
    sum += f[i]!;
    if (f[i]! > f[big]!) big = i;
  }
  // fix the sum, taking from or giving to the largest entries first
  while (sum !== SCALE) {
    if (sum < SCALE) {
      f[big]! += SCALE - sum;
      sum = SCALE;
    } else {
      let best = -1;
      for (let i = 0; i < f.length; i++) if (f[i]! > 1 && (best < 0 || f[i]! > f[best]!)) best = i;
      const take = Math.min(sum - SCALE, f[best]! - 1);
      f[best]! -= take;
      sum -= take;
    }
  }
  return f;
}

export function tableOf(freq: Uint32Array): FreqTable {
  const start = new Uint32Array(freq.length);
  let acc = 0;
  for (let i = 0; i < freq.length; i++) {
    start[i] = acc;
    acc += freq[i]!;
  }
  return { freq, start };
}

export function writeTable(w: ByteWriter, freq: Uint32Array | undefined): void {
  if (!freq) {
    w.varint(0);
    return;
  }
  let nSym = freq.length;
  while (nSym > 0 && freq[nSym - 1] === 0) nSym--;
  w.varint(nSym);
  for (let i = 0; i < nSym; i++) w.varint(freq[i]!);
}

/** Reads one table; `withLut` = false skips the slot -> symbol lookup (a caller building its own). */
export function readTable(r: ByteReader, alphabet: number, withLut = true): FreqTable | undefined {
  const nSym = r.varint();
  if (nSym === 0) return undefined;
  if (nSym > alphabet) throw new CorruptDataError(`rans: table of ${nSym} symbols, alphabet is ${alphabet}`);
  const freq = new Uint32Array(alphabet);
  let sum = 0;
  for (let i = 0; i < nSym; i++) {
    const f = r.varint();
    if (f > SCALE) throw new CorruptDataError('rans: frequency above the scale');
    freq[i] = f;
    sum += f;
  }
  if (sum !== SCALE) throw new CorruptDataError(`rans: table sums to ${sum}, not ${SCALE}`);
  const t = tableOf(freq);
  if (!withLut) return t;
  const lut = new Uint8Array(SCALE);
  for (let s = 0; s < nSym; s++) lut.fill(s, t.start[s]!, t.start[s]! + freq[s]!);
  t.lut = lut;
  return t;
}
