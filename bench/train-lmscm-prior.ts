/**
 * Trains the `lmscm` prior on the FIRST half of the n1 files (sorted by name) and, optionally,
 * measures it on the second half (docs/lossless-results.md). Deterministic: same files, same bytes.
 *
 *   node dist/bench/train-lmscm-prior.js [--model 2] [--out assets/lmscm-prior-n1-v1.bin] [--cap 64]
 *        [--eval-every K] [--caps 8,16,32,64]
 *
 * Training: every training file is remapped (`remap`, as the max pipeline does) and coded by ONE
 * lmscm model carried from file to file; the value model sees the TRUE absolute code of each value
 * (the rank on the grid of all values seen in training, with remap's gap filling), so the learned
 * per-code statistics line up across files. The snapshot of that model (counts capped at --cap) plus
 * the histogram of absolute codes is the prior. --eval-every K: code every K-th held-out file with
 * no prior and with the prior at each cap of --caps (the codec's own alignment), print the ratios.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../src/codecs/builtin.js';
import { factory as remapFactory } from '../src/codecs/filter/remap.js';
import { Core, LmscmCodec } from '../src/codecs/entropy/lmscm.js';
import { capCounts } from '../src/codecs/entropy/_lmscm-model.js';
import { serializePrior, VALUE_SPAN, type LmscmPrior } from '../src/codecs/entropy/_lmscm-prior.js';
import type { ChunkSpec } from '../src/core/types.js';
import type { TypedArray } from '../src/core/dtype.js';

const here = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(here, '..', '..', '..', 'shared', 'data', 'n1');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface RemapSide {
  encodeWithSide(x: TypedArray, spec: ChunkSpec): { data: TypedArray; side: Uint8Array };
}

function readWav(name: string): { x: Int16Array; fileBytes: number } {
  const buf = readFileSync(join(DATA, name));
  const x = new Int16Array((buf.byteLength - 44) >> 1);
  x.set(new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + 44 + x.length * 2)));
  return { x, fileBytes: buf.byteLength };
}

/** The n1 files by sorted name, split into the training (first) and held-out (second) halves. */
export function n1Halves(): { train: string[]; test: string[] } {
  const names = readdirSync(DATA).filter((f) => f.endsWith('.wav')).sort();
  const h = Math.ceil(names.length / 2);
  return { train: names.slice(0, h), test: names.slice(h) };
}

async function main(): Promise<void> {
  const { train, test } = n1Halves();
  const remap = remapFactory.fromConfig({ id: 'remap' }) as unknown as RemapSide;
  const cap = Number(arg('--cap') ?? 64);
  const model = Number(arg('--model') ?? 2);

  // The absolute grid: every value seen in training, gap-filled as remap does (smallest gap g0).
  const seen = new Set<number>();
  const data = train.map((name) => {
    const w = readWav(name);
    for (const v of w.x) seen.add(v);
    return w.x;
  });
  const u = [...seen].sort((a, b) => a - b);
  let g0 = Infinity;
  for (let j = 1; j < u.length; j++) g0 = Math.min(g0, u[j]! - u[j - 1]!);
  const code = new Map<number, number>();
  let idx = 0;
  for (let j = 0; j < u.length; j++) {
    if (j > 0) idx += Math.max(1, Math.floor((2 * (u[j]! - u[j - 1]!) + g0) / (2 * g0)));
    code.set(u[j]!, idx);
  }
  // centre the grid on the value axis
  const origin = Math.floor((VALUE_SPAN - idx) / 2);

  const codec = new LmscmCodec(32, 255, 8, model);
  const core = new Core(16, false, 255, 8, undefined, model);
  const hist = new Float64Array(VALUE_SPAN);
  let mismatched = 0;
  const t0 = performance.now();
  for (let f = 0; f < data.length; f++) {
    const x = data[f]!;
    const spec: ChunkSpec = { dtype: 'int16', shape: [x.length, 1] };
    const y = remap.encodeWithSide(x, spec).data;
    let min = Infinity;
    for (const v of x) if (v < min) min = v;
    const off = origin + code.get(min)!;
    for (let i = 0; i < x.length; i++) {
      const a = origin + code.get(x[i]!)!;
      if (a !== y[i]! + off) mismatched++;
      hist[a & (VALUE_SPAN - 1)]++;
    }
    codec.encodeWith(core, y, { dtype: 'uint16', shape: [x.length, 1] }, [off]);
  }
  console.log(`trained on ${train.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s; grid ${u.length} values over ${idx + 1} codes (g0 ${g0}); samples off the grid: ${mismatched}`);
  const trained = core.m.snapshot();
  const prior: LmscmPrior = { state: capCounts(trained, cap), hist, countCap: cap };
  const out = arg('--out');
  if (out) {
    const bytes = serializePrior({ ...prior, state: trained }); // counts uncapped; the loader caps
    writeFileSync(out, bytes);
    console.log(`wrote ${out}: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`);
  }

  const every = Number(arg('--eval-every') ?? 0);
  if (every > 0) {
    const caps = (arg('--caps') ?? String(cap)).split(',').map(Number);
    const files = test.filter((_, i) => i % every === 0);
    const variants: { label: string; codec: LmscmCodec }[] = [{ label: 'no prior', codec: new LmscmCodec(32, 255, 8, model) }];
    for (const c of caps) variants.push({ label: `prior cap ${c}`, codec: new LmscmCodec(32, 255, 8, model, 'eval', { ...prior, state: capCounts(trained, c), countCap: c }) });
    const bytes = variants.map(() => 0);
    let fileBytes = 0;
    let exact = 0;
    let aligned = 0;
    for (const name of files) {
      const w = readWav(name);
      fileBytes += w.fileBytes;
      const spec: ChunkSpec = { dtype: 'int16', shape: [w.x.length, 1] };
      const r = remap.encodeWithSide(w.x, spec);
      const s2: ChunkSpec = { dtype: 'uint16', shape: [w.x.length, 1] };
      variants.forEach((v, i) => {
        bytes[i] += v.codec.encode(r.data, s2).length + r.side.length + 300;
      });
      // diagnostics: the codec's alignment vs the true offset (when the file's minimum is on the training grid)
      let min = Infinity;
      for (const v of w.x) if (v < min) min = v;
      const c0 = code.get(min);
      if (c0 !== undefined) {
        const pc = new LmscmCodec(32, 255, 8, model, 'eval', prior);
        const trueOff = origin + c0;
        const enc = pc.encodeWith(new Core(16, false, 255, 8, prior, model), r.data, s2, [trueOff]).length;
        const got = pc.encode(r.data, s2).length;
        exact += enc;
        aligned += got;
        if (process.argv.includes('--verbose')) console.log(`${name} true offset ${trueOff}: ${enc} bytes, codec's alignment: ${got} bytes`);
      }
    }
    console.log(`files whose minimum is on the training grid: true offsets ${exact} bytes, codec's alignment ${aligned} bytes`);
    variants.forEach((v, i) => console.log(`held-out ${files.length} files, ${v.label}: ratio ${(fileBytes / bytes[i]!).toFixed(4)}`));
  }
}

await main();
