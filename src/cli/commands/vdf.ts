import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { AtomicFile } from '../../core/atomic-file.js';
import { UsageError } from '../../core/errors.js';
import { compressVolume, maxValue, npyBytes, volumeCodecConfig } from '../../api/volume.js';
import type { ArrayToBytesCodec } from '../../codecs/codec.js';
import { decompressFile } from '../../api/compress.js';
import { VlsvFile } from '../../formats/vlsv.js';
import { momentErrors, vdfMoments } from '../../metrics/vdf.js';
import { basename } from 'node:path';
import '../../codecs/builtin.js';
import { codecFromConfig } from '../../codecs/registry.js';
import { formatPipelineString } from '../../pipeline/spec-string.js';
import { psnr } from '../../metrics/fidelity.js';
import { fmtBytes, parseNonNegInt, parsePositiveNumber } from '../util.js';

/**
 * `neurozip vdf`: velocity distribution functions from Vlasiator VLSV files (list, extract to .npy)
 * and the error-bounded volume codec for .npy float volumes (compress to .nzp, decompress back).
 */
export function register(program: Command): void {
  const vdf = program.command('vdf').description('Vlasiator VDFs: list / extract from .vlsv; compress / decompress float .npy volumes (sz3d, error-bounded)');

  vdf
    .command('list')
    .description('populations, cells with VDFs and velocity mesh size of a .vlsv file')
    .argument('<file>', 'a .vlsv file')
    .option('--json', 'print JSON')
    .action((file: string, o) => {
      const f = VlsvFile.open(file);
      const pops = f.populationNames().map((n) => f.population(n));
      if (o.json) {
        process.stdout.write(JSON.stringify({ file, populations: pops.map((p) => ({ name: p.name, cells: p.cells, blocksPerCell: p.blocksPerCell, mesh: p.mesh })) }) + '\n');
        return;
      }
      if (pops.length === 0) process.stdout.write(`${file}: no velocity blocks (no VDFs stored)\n`);
      for (const p of pops) {
        const m = p.mesh;
        const ext = m.extent ? `, v in x [${m.extent.vx.join(', ')}], y [${m.extent.vy.join(', ')}], z [${m.extent.vz.join(', ')}]` : '';
        process.stdout.write(
          `population ${p.name}: mesh ${m.blocks.join('x')} blocks of ${m.blockSize.join('x')} = ${m.shape[2]}x${m.shape[1]}x${m.shape[0]} (vx, vy, vz)${m.maxRefLevel ? `, max refinement level ${m.maxRefLevel}` : ''}${ext}\n`,
        );
        process.stdout.write(`  ${p.cells.length} cells with VDFs${p.cells.length ? ': ' + p.cells.map((c, i) => `${c} (${p.blocksPerCell[i]} blocks)`).join(', ') : ''}\n`);
      }
    });

  vdf
    .command('extract')
    .description('one cell\'s VDF as a dense float32 .npy, axes (vz, vy, vx), zeros where no block')
    .argument('<file>', 'a .vlsv file')
    .requiredOption('--cell <id>', 'spatial cell id', parseNonNegInt)
    .option('--population <name>', 'population (default: the only one, or proton)')
    .requiredOption('-o, --output <file>', 'output .npy')
    .option('-f, --force', 'overwrite an existing output')
    .option('--json', 'print the result (shape, blocks, moments) as JSON')
    .action((file: string, o) => {
      const f = VlsvFile.open(file);
      const names = f.populationNames();
      let pop: string | undefined = o.population;
      if (pop === undefined) {
        if (names.length === 0) throw new UsageError(`${file}: no velocity blocks (no VDFs stored)`);
        pop = names.length === 1 ? names[0]! : names.includes('proton') ? 'proton' : undefined;
        if (pop === undefined) throw new UsageError(`${file}: several populations (${names.join(', ')}); choose one with --population`);
      }
      const v = f.readVdf(pop, o.cell);
      const out = new AtomicFile(o.output, o.force);
      try {
        out.write(npyBytes(v.data, 'float32', v.shape));
        out.commit();
      } catch (e) {
        out.abort();
        throw e;
      }
      const m = vdfMoments(v.data, v.shape, v.population.mesh.extent);
      const r = { file, population: pop, cell: o.cell, blocks: v.blocks, shape: v.shape, output: o.output, moments: m };
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stderr.write(`${file}: ${pop} cell ${o.cell}: ${v.blocks} blocks -> ${o.output} float32 ${v.shape.join('x')} (vz, vy, vx); density ${m.density.toPrecision(6)}\n`);
    });

  vdf
    .command('compress')
    .description('error-bounded compression of a float32/float64 .npy volume (sz3d, or another volume codec with --codec) into .nzp')
    .argument('<input>', 'a .npy float volume (e.g. from vdf extract)')
    .option('--abs <eb>', 'absolute bound: |x - x\u0302| <= eb on every value', parseNonNegNumberArg)
    .option('--rel <r>', 'bound relative to the value range: eb = r (max - min)', parseNonNegNumberArg)
    .option('--psnr <db>', 'target PSNR in dB (the bound derived from it holds on every value)', parsePositiveNumber)
    .option('--codec <spec>', "another volume codec instead of sz3d, e.g. 'cnn3d', 'dct3d:keep=512,step=2e-4max' (a number ending in 'max' is a multiple of the volume's max value); no bound is claimed")
    .requiredOption('-o, --output <file>', 'output .nzp')
    .option('-f, --force', 'overwrite an existing output')
    .option('--json', 'print the result as JSON')
    .action(async (input: string, o) => {
      const given = (['abs', 'rel', 'psnr', 'codec'] as const).filter((k) => o[k] !== undefined);
      if (given.length !== 1) throw new UsageError('give exactly one of --abs, --rel, --psnr, --codec');
      const mode = given[0]!;
      const r = await compressVolume(input, o.output, mode === 'codec' ? { codec: String(o.codec), force: o.force } : { mode, bound: o[mode], force: o.force });
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        process.stderr.write(
          `${input} -> ${o.output}: ${r.dtype} ${r.shape.join('x')}, ${fmtBytes(r.rawBytes)} -> ${fmtBytes(r.compressedBytes)} (payload ${r.payloadBytes} B, ${r.ratio.toFixed(1)}x), max error ${r.maxAbsError.toExponential(3)}${r.errorBound === null ? ' (no bound claimed)' : ` <= bound ${r.errorBound.toExponential(3)}`}\n`,
        );
      }
    });

  vdf
    .command('compare')
    .description('one cell through one volume codec: ratio, max error, PSNR, moment errors, and an HTML page of three orthogonal log-colour slices (original, reconstruction, error)')
    .argument('<file>', 'a .vlsv file')
    .requiredOption('--cell <id>', 'spatial cell id', parseNonNegInt)
    .requiredOption('--codec <spec>', "a volume codec, e.g. 'sz3d:mode=rel,bound=1e-4', 'dct3d:keep=512,step=2e-4max' (a number ending in 'max' is a multiple of the cell's max value)")
    .option('--population <name>', 'population (default proton)', 'proton')
    .option('--html <file>', 'write the figure page here')
    .option('--json', 'print the numbers as JSON')
    .action(async (file: string, o) => {
      const f = VlsvFile.open(file);
      const v = f.readVdf(o.population, o.cell);
      const x = v.data;
      const mx = maxValue(x);
      const codec = (await codecFromConfig(await volumeCodecConfig(String(o.codec), mx))) as ArrayToBytesCodec;
      const spec = { dtype: 'float32' as const, shape: v.shape };
      const t0 = performance.now();
      const enc = codec.encode(x, spec);
      const t1 = performance.now();
      const y = codec.decode(enc, spec);
      const t2 = performance.now();
      let me = 0;
      for (let i = 0; i < x.length; i++) me = Math.max(me, Math.abs(x[i]! - y[i]!));
      const axes = v.population.mesh.extent;
      const m0 = vdfMoments(x, v.shape, axes);
      const m1 = vdfMoments(y, v.shape, axes);
      const e = momentErrors(m0, m1);
      const r = { file, cell: o.cell, codec: codec.toConfig(), rawBytes: x.byteLength, codecBytes: enc.byteLength, ratio: x.byteLength / enc.byteLength, maxAbsError: me, maxErrorOverMax: me / mx, psnr: psnr(x, y), momentErrors: e, encodeMs: t1 - t0, decodeMs: t2 - t1 };
      if (o.html) {
        const html = await (await import('../../bench/vdf-figure.js')).renderCompareHtml({
          title: `${basename(file)} cell ${o.cell}: ${formatPipelineString([codec.toConfig()])}`,
          shape: v.shape,
          original: x,
          recon: y,
          facts: [
            ['codec bytes', `${enc.byteLength} (ratio ${r.ratio.toFixed(1)}x of ${x.byteLength})`],
            ['max |error|', `${me.toExponential(3)} (${(me / mx).toExponential(2)} of max ${mx.toExponential(3)})`],
            ['PSNR', `${r.psnr.toFixed(1)} dB`],
            ['moment errors', `density ${e.density.toExponential(2)}, bulk |ΔV|/v_th ${e.bulk.toExponential(2)}, temperature ${e.temperature.toExponential(2)}`],
          ],
          moments: { original: m0, recon: m1 },
        });
        const out = new AtomicFile(o.html, true);
        try {
          out.write(new TextEncoder().encode(html));
          out.commit();
        } catch (err) {
          out.abort();
          throw err;
        }
      }
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stderr.write(`${file} cell ${o.cell}: ${formatPipelineString([codec.toConfig()])}: ${enc.byteLength} B (${r.ratio.toFixed(1)}x), max error ${(me / mx).toExponential(2)}·max, PSNR ${r.psnr.toFixed(1)} dB, density ${e.density.toExponential(2)}, bulk ${e.bulk.toExponential(2)}, T ${e.temperature.toExponential(2)}${o.html ? ` -> ${o.html}` : ''}\n`);
    });

  vdf
    .command('decompress')
    .description('restore the .npy volume from a .nzp written by vdf compress')
    .argument('<input>', 'a .nzp')
    .requiredOption('-o, --output <file>', 'output .npy')
    .option('-f, --force', 'overwrite an existing output')
    .action(async (input: string, o) => {
      const r = await decompressFile(input, o.output, { force: o.force });
      process.stderr.write(`${input} -> ${r.output}: ${fmtBytes(r.bytes)}\n`);
    });
}

function parseNonNegNumberArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}
