/**
 * Single-core speed by CPU time (process.cpuUsage), for a shared, overloaded machine where wall
 * clock measures the other jobs as much as the codec:
 *
 *   node dist/bench/cpu-speed.js SPEC [SPEC...] [--every K] [--rounds R]
 *
 * Every K-th n1 file (default 38: 12 files) is encoded and decoded (checked byte for byte) by each
 * pipeline SPEC, and by node:zlib deflate-6 as the reference, R rounds (default 3) interleaved;
 * reported: the median over rounds of MB of original samples per CPU second.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
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
for (const s of specs) {
  const p = await Pipeline.fromString(s);
  coders.push([s, { enc: (x) => p.encode(x, { dtype: 'int16', shape: [x.length, 1] }), dec: (b, x) => p.decode(b, { dtype: 'int16', shape: [x.length, 1] }) }]);
}
coders.push([
  'deflate-6',
  { enc: (x) => deflateSync(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), { level: 6 }), dec: (b) => new Int16Array(new Uint8Array(inflateSync(b)).buffer) },
]);
const res = coders.map(() => ({ enc: [] as number[], dec: [] as number[] }));
for (let r = 0; r < rounds; r++) {
  coders.forEach(([name, c], k) => {
    let e = 0;
    let d = 0;
    for (const x of items) {
      let t = cpu();
      const b = c.enc(x);
      e += cpu() - t;
      t = cpu();
      const y = c.dec(b, x);
      d += cpu() - t;
      for (let i = 0; i < x.length; i++) if (y[i] !== x[i]) throw new Error(`${name}: round trip differs`);
    }
    res[k]!.enc.push(mb / e);
    res[k]!.dec.push(mb / d);
  });
}
coders.forEach(([name], k) => console.log(`${name}: enc ${median(res[k]!.enc).toFixed(2)} dec ${median(res[k]!.dec).toFixed(2)} MB/s (CPU time, median of ${rounds}, ${items.length} files)`));
