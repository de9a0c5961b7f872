import { UsageError } from '../core/errors.js';

/**
 * Expands a parameter grid written in the pipeline string form, where a value may list
 * alternatives with '|' or an integer range `a..b` (step 1) or `a..b..s`:
 *
 *   delta:order=1|2+zstd:level=1..19..6   ->  8 pipelines (order 1, 2) x (level 1, 7, 13, 19)
 *
 * The result is every combination, in order (the last parameter varies fastest).
 */
export function expandGrid(text: string, maxCombinations = 10000): string[] {
  // literal pieces and choice lists, alternating: "delta:order=" [1|2] "+zstd:level=" [1..19]
  const parts: string[][] = [];
  let last = 0;
  for (const m of text.matchAll(/([a-zA-Z][a-zA-Z0-9]*=)([^,+:]*)/g)) {
    parts.push([text.slice(last, m.index) + m[1]!]);
    parts.push(values(m[2]!, text));
    last = m.index! + m[0].length;
  }
  parts.push([text.slice(last)]);
  let combos = [''];
  for (const choices of parts) {
    if (combos.length * choices.length > maxCombinations) throw new UsageError(`grid '${text}' has more than ${maxCombinations} combinations`);
    combos = combos.flatMap((c) => choices.map((v) => c + v));
  }
  return combos;
}

function values(v: string, text: string): string[] {
  const range = /^(-?\d+)\.\.(-?\d+)(?:\.\.(\d+))?$/.exec(v);
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    if (step < 1 || b < a) throw new UsageError(`bad range '${v}' in grid '${text}'`);
    const out: string[] = [];
    for (let x = a; x <= b; x += step) out.push(String(x));
    return out;
  }
  const alts = v.split('|');
  if (alts.some((s) => s === '')) throw new UsageError(`empty value in '${v}' in grid '${text}'`);
  return alts;
}
