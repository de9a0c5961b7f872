import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { LEVELS } from '../../codecs/levels.js';
import { expandGrid } from '../../bench/grid.js';
import { benchCsv, benchJson } from '../../bench/output.js';
import { expandInputs, externalPeers, runBench, type BenchCodec } from '../../bench/runner.js';
import { signalStats } from '../../bench/stats.js';
import { losslessZoo, missingZoo } from '../../bench/zoo.js';
import { openSource } from '../../formats/index.js';
import { parseDType, parseLevel, parseNonNegInt, parsePositiveInt, parsePositiveNumber, progressBar, rawFromFlags, table } from '../util.js';

/** Splits a codec list on commas that start a new codec (not `name=value` parameters). */
export function splitCodecList(list: string): string[] {
  const out: string[] = [];
  for (const part of list.split(',')) {
    const p = part.trim();
    if (!p) continue;
    if (out.length && /^[a-zA-Z][a-zA-Z0-9]*=/.test(p)) out[out.length - 1] += ',' + p;
    else out.push(p);
  }
  return out;
}

/** A codec named on the command line: a zoo name, flac / wavpack, level:X, or a pipeline string. */
export function resolveCodec(item: string): BenchCodec {
  const zoo = losslessZoo().find((e) => e.name === item);
  if (zoo) return { name: zoo.name, spec: zoo.spec };
  if (item === 'flac' || item === 'external:flac') return { name: 'flac-8 (external)', spec: 'external:flac' };
  if (item === 'wavpack' || item === 'external:wavpack') return { name: 'wavpack-hh (external)', spec: 'external:wavpack' };
  const hyb = /^(?:external:)?wavpack-b([0-9.]+)$/.exec(item);
  if (hyb) return { name: `wavpack-hybrid-b${hyb[1]} (external)`, spec: `external:wavpack-b${hyb[1]}` };
  if (item.startsWith('level:')) return { name: `neurozip-${item.slice(6)}`, spec: item };
  return { name: item, spec: item };
}

/** The rate points of `--lossy-sweep CODEC` (docs/bench.md): each lossy codec's rate parameter. */
export const SWEEP_REL = [0.001, 0.002, 0.004, 0.008, 0.016, 0.03, 0.06];
/** SNR targets (dB) of the transform codecs: from the >= 393x regime to near-transparent. */
export const SWEEP_SNR = [1.5, 3.5, 8, 12, 16, 20.9, 26, 32, 44];
export const SWEEPS: Record<string, () => BenchCodec[]> = {
  sz: () => SWEEP_REL.map((r) => ({ name: `rel=${r}`, spec: `rel=${r}` })),
  dct: () => SWEEP_SNR.map((d) => ({ name: `dct:snr=${d}`, spec: `dct:block=256,snr=${d}` })),
  dwt: () => SWEEP_SNR.map((d) => ({ name: `dwt:snr=${d}`, spec: `dwt:levels=8,snr=${d}` })),
  decimate: () => [2, 4, 8, 16, 32, 64].map((f) => ({ name: `decimate:factor=${f}`, spec: `decimate:factor=${f}+remap+lpc:order=32,precision=14+rans` })),
  bitdepth8: () => [250, 500, 1000, 2000, 4000, 8000].map((c) => ({ name: `bitdepth8:clip=${c}`, spec: `bitdepth8:clip=${c}+rans` })),
};

export function lossySweep(codec: string, withWavpack: boolean): BenchCodec[] {
  const sweep = SWEEPS[codec];
  if (!sweep) throw new UsageError(`--lossy-sweep: no sweep defined for '${codec}' (available: ${Object.keys(SWEEPS).join(', ')})`);
  const out: BenchCodec[] = sweep();
  out.push({ name: 'neurozip-default', spec: 'level:default' });
  if (withWavpack) for (const b of [2.25, 3, 4, 6]) out.push(resolveCodec(`wavpack-b${b}`));
  return out;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('benchmark codecs over files and folders: ratio, speed, verified round trip, fidelity')
    .argument('<input...>', 'recordings or folders of recordings')
    .option('--codecs <list>', 'codecs: zoo names, pipeline strings, level:X, flac, wavpack (comma-separated)')
    .option('--all-lossless', 'the whole lossless zoo (and flac / wavpack when on PATH)')
    .option('--level <level>', `add a neurozip level (${LEVELS.join(' | ')})`, parseLevel)
    .option('--lossy <spec...>', 'lossy codecs to measure (MSE, SNR, PSNR, SSIM, spike F1): pipelines, --lossy modes (abs=N, rel=R, psnr=DB, bps=B) or WavPack hybrid (wavpack-bB)')
    .option('--lossy-sweep <codec>', 'rate-distortion sweep of a lossy codec over its rate parameter (sz: rel=0.001..0.06; dct, dwt: snr=1.5..44 dB; decimate: factor=2..64; bitdepth8: clip=250..8000), next to WavPack hybrid (-bB, B = 2.25, 3, 4, 6) and the lossless default level')
    .option('--grid <spec>', 'sweep parameters: values as a|b|c or a..b[..step], e.g. zstd:level=1..19..3 (writes the CSV)')
    .option('--threads <n>', 'worker threads inside each compress / decompress (default 1, so codecs compare on one core)', parsePositiveInt, 1)
    .option('--repeat <n>', 'runs per file and codec; the median time is reported', parsePositiveInt, 1)
    .option('--json <file>', 'write the results as JSON')
    .option('--csv <file>', 'write one row per file x codec as CSV')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('-q, --quiet', 'no progress bar or table')
    .option('--dtype <dtype>', 'raw binary: sample type (default int16)', parseDType)
    .option('--channels <n>', 'raw binary: number of interleaved channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'raw binary: sampling rate in Hz', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary: header bytes before the samples', parseNonNegInt)
    .action(async (paths: string[], o) => {
      if (o.codecs && o.allLossless) throw new UsageError('give either --codecs or --all-lossless');
      const codecs: BenchCodec[] = [];
      if (o.allLossless) {
        codecs.push(...losslessZoo().map((e) => ({ name: e.name, spec: e.spec })), ...externalPeers());
        const missing = missingZoo();
        if (missing.length && !o.quiet) process.stderr.write(`bench: not in this build, left out: ${missing.map((m) => m.name).join(', ')}\n`);
      }
      if (o.codecs) codecs.push(...splitCodecList(o.codecs).map(resolveCodec));
      if (o.level) codecs.push({ name: `neurozip-${o.level}`, spec: `level:${o.level}` });
      for (const spec of o.lossy ?? []) codecs.push(resolveCodec(spec));
      if (o.lossySweep) codecs.push(...lossySweep(o.lossySweep, externalPeers().some((p) => p.spec === 'external:wavpack')).filter((c) => !codecs.some((d) => d.name === c.name)));
      if (o.grid) for (const spec of expandGrid(o.grid)) codecs.push({ name: spec, spec });
      if (codecs.length === 0) codecs.push({ name: 'neurozip-default', spec: 'level:default' });
      const seen = new Set<string>();
      for (const c of codecs) {
        if (seen.has(c.name)) throw new UsageError(`codec '${c.name}' is listed twice`);
        seen.add(c.name);
      }

      const raw = rawFromFlags(o);
      const { inputs, ignored } = expandInputs(paths, raw);
      if (inputs.length === 0) throw new UsageError(`no recordings found in ${paths.join(', ')}`);
      if (ignored.length && !o.quiet) process.stderr.write(`bench: ${ignored.length} file(s) not recognized as recordings, skipped (e.g. ${ignored[0]})\n`);

      const bar = progressBar('bench', Boolean(o.quiet));
      let report;
      try {
        report = await runBench(inputs, codecs, { repeat: o.repeat, threads: o.threads, onStep: (d, t) => bar.update(d, t) });
      } finally {
        bar.stop();
      }

      if (o.json) writeFileSync(o.json, benchJson(report));
      if (o.csv) writeFileSync(o.csv, benchCsv(report.perFile));
      else if (o.grid) process.stdout.write(benchCsv(report.perFile));
      if (o.html) {
        const first = inputs[0]!;
        const src = openSource(first.path, { raw: first.raw });
        let stats;
        try {
          stats = signalStats(src.readFrames(0, src.info.nSamples), src.info.nChannels, src.info.sampleRateHz ?? 1, { maxChannels: 64 });
        } finally {
          src.close();
        }
        const command = ['neurozip', ...process.argv.slice(2)].join(' ');
        writeFileSync(o.html, await (await import('../../bench/report.js')).renderBenchHtml({ command, report, stats: { file: first.path, stats } }));
      }
      if (!o.quiet && !(o.grid && !o.csv)) {
        const rows = [...report.results]
          .sort((a, b) => b.ratio - a.ratio)
          .map((r) => [
            r.codec,
            r.files,
            r.ratio.toFixed(3),
            r.encodeMBps.toFixed(1),
            r.decodeMBps.toFixed(1),
            r.xRealTimeEncode === null ? '-' : r.xRealTimeEncode.toFixed(0),
            r.lossless ? (r.mismatches ? `MISMATCH ${r.mismatches}` : 'verified') : `SNR ${r.metrics.snrMedian?.toFixed(1)} dB (median), F1 ${r.metrics.spikeF1?.toFixed(3) ?? '-'}`,
          ]);
        process.stdout.write(table(rows, ['codec', 'files', 'ratio', 'enc MB/s', 'dec MB/s', 'enc xRT', 'lossless']) + '\n');
      }
      const bad = report.results.reduce((s, r) => s + r.mismatches + r.errors, 0);
      if (bad) {
        process.stderr.write(`bench: ${bad} failed or mismatched round trip(s)\n`);
        process.exitCode = 1;
      }
    });
}
