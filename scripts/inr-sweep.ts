/**
 * Parameter sweep for the `inr` (or, with `id=cnn3d` in a set, any other) volume codec on VDF cells (ratio, max err / max, PSNR, moments,
 * encode / decode seconds). Used to pick the bench rows in BENCHMARKS.md "VDF volumes".
 *   node dist/scripts/inr-sweep.js FILE.vlsv CELL 'width=24,depth=2,freqs=16;...'
 */
import '../src/codecs/builtin.js';
import { codecFromConfig } from '../src/codecs/registry.js';
import type { ArrayToBytesCodec } from '../src/codecs/codec.js';
import { VlsvFile } from '../src/formats/vlsv.js';
import { psnr } from '../src/metrics/fidelity.js';
import { momentErrors, vdfMoments, type VelocityAxes } from '../src/metrics/vdf.js';

const [file, cellArg, sets] = process.argv.slice(2);
const v = VlsvFile.open(file!).readVdf('proton', Number(cellArg));
const x = v.data;
const axes = v.population.mesh.extent as VelocityAxes | undefined;
const m0 = vdfMoments(x, v.shape, axes);
let mx = 0;
let nnz = 0;
for (const a of x) { mx = Math.max(mx, a); if (a !== 0) nnz++; }
process.stdout.write(`cell ${cellArg}: shape ${v.shape}, max ${mx}, nonzero ${nnz}\n`);
for (const set of sets!.split(';')) {
  const cfg: Record<string, unknown> = { id: 'inr' };
  for (const kv of set.split(',').filter(Boolean)) { const [k, val] = kv.split('='); cfg[k!] = k === 'id' ? val : Number(val); }
  const c = (await codecFromConfig(cfg as never)) as ArrayToBytesCodec;
  const spec = { dtype: 'float32' as const, shape: v.shape };
  let t = performance.now();
  const enc = c.encode(x, spec);
  const te = (performance.now() - t) / 1000;
  t = performance.now();
  const y = c.decode(enc, spec);
  const td = (performance.now() - t) / 1000;
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  const me = momentErrors(m0, vdfMoments(y, v.shape, axes));
  process.stdout.write(`${set}: ${enc.byteLength} B, ratio ${(x.byteLength / enc.byteLength).toFixed(1)}, maxerr/max ${(e / mx).toExponential(2)}, PSNR ${psnr(x, y).toFixed(1)}, dn ${me.density.toExponential(1)} dV ${me.bulk.toExponential(1)} dT ${me.temperature.toExponential(1)}, enc ${te.toFixed(1)} s dec ${td.toFixed(2)} s\n`);
}
