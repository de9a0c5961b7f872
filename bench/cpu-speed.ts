/**
 * Single-core speed by CPU time (process.cpuUsage), for a shared, overloaded machine where wall
 * clock measures the other jobs as much as the codec:
 *
 *   node dist/bench/cpu-speed.js SPEC [SPEC...] [--every K] [--rounds R] [--other OTHER_DIST]
 *
 * Every K-th n1 file (default 38: 12 files) is encoded and decoded (checked byte for byte) by each
 * pipeline SPEC, and by node:zlib deflate-6 as the reference, R rounds (default 3) interleaved;
 * reported: the median over rounds of MB of original samples per CPU second.
 * With --other, each SPEC also runs on another build of neurozip (its dist folder, e.g. a `git
 * archive` of the previous commit built with `npx tsc`), interleaved with this one in the same
 * rounds; the two builds' encoded bytes must be identical (A/B of a speed change).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import '../src/codecs/builtin.js';
import { Pipeline } from '../src/pipeline/pipeline.js';

const here = dirname(fileURLToPath(import.meta.url));
const DIR = resolve(here, '..', '..', '..', 'shared', 'data', 'n1');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

const every = Number(arg('--every') ?? 38);
const rounds = Number(arg('--rounds') ?? 3);
const otherDist = arg('--other');
const specs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const items = readdirSync(DIR)
  .filter((f) => f.endsWith('.wav'))
  .sort()
  .filter((_, i) => i % every === 0)
  .map((name) => {
    const b = readFileSync(join(DIR, name));
    const x = new Int16Array((b.length - 44) >> 1);
    x.set(new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + 44 + x.length * 2)));
    return x;
  });
const mb = items.reduce((s, x) => s + x.byteLength, 0) / 1e6;

type Coder = { enc: (x: Int16Array) => Uint8Array; dec: (b: Uint8Array, x: Int16Array) => ArrayLike<number> };
const coders: [string, Coder][] = [];
const O = otherDist
  ? ((await import(pathToFileURL(join(resolve(otherDist), 'src/pipeline/pipeline.js')).href)) as { Pipeline: typeof Pipeline })
  : undefined;
if (otherDist) await import(pathToFileURL(join(resolve(otherDist), 'src/codecs/builtin.js')).href);
const spec = (x: Int16Array) => ({ dtype: 'int16' as const, shape: [x.length, 1] });
for (const s of specs) {
  if (O) {
    const q = await O.Pipeline.fromString(s);
    coders.push([`${s} (other build)`, { enc: (x) => q.encode(x, spec(x)), dec: (b, x) => q.decode(b, spec(x)) }]);
  }
  const p = await Pipeline.fromString(s);
  coders.push([s, { enc: (x) => p.encode(x, spec(x)), dec: (b, x) => p.decode(b, spec(x)) }]);
}
coders.push([
  'deflate-6',
  { enc: (x) => deflateSync(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), { level: 6 }), dec: (b) => new Int16Array(new Uint8Array(inflateSync(b)).buffer) },
]);
const res = coders.map(() => ({ enc: [] as number[], dec: [] as number[] }));
/** With --other: the other build's bytes per file, which this build must reproduce. */
const otherBytes: Uint8Array[] = [];
for (let r = 0; r < rounds; r++) {
  coders.forEach(([name, c], k) => {
    let e = 0;
    let d = 0;
    items.forEach((x, f) => {
      let t = cpu();
      const b = c.enc(x);
      e += cpu() - t;
      if (O && name !== 'deflate-6') {
        if (name.endsWith("(other build)")) otherBytes[f] = b.slice(); // a copy: a pipeline may reuse its output buffer
        else if (Buffer.compare(Buffer.from(b), Buffer.from(otherBytes[f]!)) !== 0) throw new Error(`${name}: bytes differ from the other build (file ${f})`);
      }
      t = cpu();
      const y = c.dec(b, x);
      d += cpu() - t;
      for (let i = 0; i < x.length; i++) if (y[i] !== x[i]) throw new Error(`${name}: round trip differs`);
    });
    res[k]!.enc.push(mb / e);
    res[k]!.dec.push(mb / d);
  });
}
coders.forEach(([name], k) => console.log(`${name}: enc ${median(res[k]!.enc).toFixed(2)} dec ${median(res[k]!.dec).toFixed(2)} MB/s (CPU time, median of ${rounds}, ${items.length} files)`));
if (O) {
  // per round, this build's speed over the other's (the same round saw the same machine load)
  const ratio = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i]!)).toFixed(3);
  for (let k = 0; k + 1 < coders.length - 1; k += 2) {
    console.log(`${coders[k + 1]![0]}: this build / other build, median of per-round ratios: enc x${ratio(res[k + 1]!.enc, res[k]!.enc)} dec x${ratio(res[k + 1]!.dec, res[k]!.dec)}; same bytes`);
  }
}
