import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { openSource } from '../../formats/index.js';
import { detectEvents, eventsToCsv, type DetectMethod, type SpikeEvent } from '../../spikes/events.js';
import { encodeCooCompact, eventsToCoo, parseLayout, writeCooH5 } from '../../spikes/coo.js';
import { parsePositiveNumber, rawFromFlags, parseDType, parsePositiveInt, parseNonNegInt, parseNonNegNumber } from '../util.js';
import { readCalciumGroundTruth } from '../../spikes/calcium.js';
import { deconvolve } from '../../spikes/oasis.js';

function parseMethod(v: string): DetectMethod {
  if (v !== 'threshold' && v !== 'neo') throw new UsageError(`--method must be threshold or neo, got '${v}'`);
  return v;
}

/** Reads a whole recording (any format `compress` reads) into memory. */
export function readRecording(input: string, o: Record<string, unknown>) {
  const src = openSource(input, { raw: rawFromFlags(o as never) });
  try {
    const info = src.info;
    return { data: src.readFrames(0, info.nSamples), nChannels: info.nChannels, nSamples: info.nSamples, sampleRateHz: info.sampleRateHz };
  } finally {
    src.close();
  }
}

function rawOptions(c: Command): Command {
  return c
    .option('--dtype <dtype>', 'raw binary: sample type (default int16)', parseDType)
    .option('--channels <n>', 'raw binary: number of interleaved channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'sampling rate in Hz (raw binary, or to override)', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary: header bytes before the samples', parseNonNegInt);
}

export function register(program: Command): void {
  const spikes = program.command('spikes').description('spike detection, spike grids (COO/HDF5) and calcium spike inference');

  rawOptions(
    spikes
      .command('detect')
      .description('detect spike events (sample, channel, amplitude) per channel')
      .argument('<input>', 'recording: WAV, SpikeGLX .bin, .npy, or raw binary with --dtype/--channels/--sample-rate')
      .option('--method <m>', 'threshold | neo', parseMethod, 'threshold')
      .option('--multiplier <k>', 'threshold method: k x median(|y|)/0.6745 (default 4.5)', parsePositiveNumber)
      .option('--neo-c <c>', 'neo method: threshold C x mean(psi) (default 8)', parsePositiveNumber)
      .option('--json <file>', "write the events as JSON ('-' for stdout)")
      .option('--csv <file>', "write the events as CSV ('-' for stdout)"),
  ).action((input: string, o) => {
    if (o.json && o.csv) throw new UsageError('give either --json or --csv, not both');
    const rec = readRecording(input, o);
    const fs = o.sampleRate ?? rec.sampleRateHz;
    if (!fs) throw new UsageError(`${input}: no sampling rate known; give --sample-rate`);
    const r = detectEvents(rec.data, rec.nChannels, fs, { method: o.method, multiplier: o.multiplier, neoC: o.neoC });
    const summary = { input, method: r.method, sampleRateHz: fs, nChannels: rec.nChannels, nSamples: rec.nSamples, nEvents: r.events.length, thresholds: r.thresholds };
    if (o.json) {
      const text = JSON.stringify({ ...summary, events: r.events }) + '\n';
      if (o.json === '-') process.stdout.write(text);
      else writeFileSync(o.json, text);
    } else if (o.csv) {
      const text = eventsToCsv(r.events);
      if (o.csv === '-') process.stdout.write(text);
      else writeFileSync(o.csv, text);
    }
    if (!o.json && !o.csv) process.stdout.write(eventsToCsv(r.events));
    if (o.json !== '-' && o.csv !== '-') process.stderr.write(`${input}: ${r.events.length} events (${r.method}) on ${rec.nChannels} channel(s), ${(rec.nSamples / fs).toFixed(2)} s\n`);
  });
  registerGrid(spikes);
  registerInfer(spikes);
}

export function registerGrid(spikes: Command): void {
  rawOptions(
    spikes
      .command('grid')
      .description('events on a channel layout -> binary (T, Z, H, W) COO spike grid in HDF5 (+ neurozip compact COO)')
      .argument('<input>', 'recording (as for detect) or an events JSON written by `spikes detect --json`')
      .requiredOption('-o, --output <file.h5>', 'HDF5 output')
      .option('--layout <ZxHxW>', 'channel layout, channels in C order (default 1x1xC)')
      .option('--bin-ms <ms>', 'time bin of the grid in ms (default: one sample)', parsePositiveNumber)
      .option('--method <m>', 'threshold | neo', parseMethod, 'threshold')
      .option('--multiplier <k>', 'threshold multiplier (default 4.5)', parsePositiveNumber)
      .option('--compact <file>', "also write neurozip's compact COO encoding (.nzco)")
      .option('-f, --force', 'overwrite outputs')
      .option('--json', 'print the statistics as JSON'),
  ).action(async (input: string, o) => {
    let events: SpikeEvent[];
    let nSamples: number;
    let nChannels: number;
    let fs: number | undefined;
    if (input.endsWith('.json')) {
      let j: { events?: SpikeEvent[]; nSamples?: number; nChannels?: number; sampleRateHz?: number };
      try {
        j = JSON.parse(readFileSync(input, 'utf8'));
      } catch (e) {
        throw new UsageError(`${input}: not an events JSON (${(e as Error).message})`);
      }
      if (!Array.isArray(j.events) || !(Number(j.nSamples) > 0) || !(Number(j.nChannels) > 0)) throw new UsageError(`${input}: events JSON needs events, nSamples and nChannels (as written by spikes detect --json)`);
      events = j.events;
      nSamples = j.nSamples!;
      nChannels = j.nChannels!;
      fs = j.sampleRateHz;
    } else {
      const rec = readRecording(input, o);
      fs = o.sampleRate ?? rec.sampleRateHz;
      if (!fs) throw new UsageError(`${input}: no sampling rate known; give --sample-rate`);
      events = detectEvents(rec.data, rec.nChannels, fs, { method: o.method, multiplier: o.multiplier }).events;
      nSamples = rec.nSamples;
      nChannels = rec.nChannels;
    }
    const layout = o.layout ? parseLayout(o.layout) : { z: 1, h: 1, w: nChannels };
    if (o.binMs && !fs) throw new UsageError('--bin-ms needs a sampling rate');
    const bin = o.binMs ? Math.max(1, Math.round((o.binMs / 1000) * fs!)) : 1;
    const g = eventsToCoo(events, nSamples, layout, bin);
    const st = await writeCooH5(o.output, g, { force: o.force, meta: { source: basename(input), bin_samples: bin, ...(fs ? { sample_rate_hz: fs } : {}) } });
    const compact = encodeCooCompact(g);
    if (o.compact) {
      if (existsSync(o.compact) && !o.force) throw new UsageError(`${o.compact} exists (use -f to overwrite)`);
      writeFileSync(o.compact, compact);
    }
    const res = { input, output: o.output, gridShape: g.shape, ...st, compactBytes: compact.length, compactBytesPerSpike: st.total_spikes ? compact.length / st.total_spikes : null };
    if (o.json) process.stdout.write(JSON.stringify(res) + '\n');
    else process.stderr.write(`${input} -> ${o.output}: grid [${g.shape.join(', ')}], ${st.total_spikes} spikes, sparsity ${st.sparsity_percent.toFixed(4)} %, HDF5 COO ${st.bytes_per_spike_coo} B/spike, compact ${compact.length} B (${res.compactBytesPerSpike?.toFixed(3) ?? '-'} B/spike)\n`);
  });
}

function writeOut(target: string, text: string): void {
  if (target === '-') process.stdout.write(text);
  else writeFileSync(target, text);
}

export function registerInfer(spikes: Command): void {
  spikes
    .command('infer')
    .description('calcium spike inference: AR(1) or AR(2) OASIS deconvolution of each trial of a CASCADE ground-truth .mat (CAttached: fluo_time, fluo_mean dF/F)')
    .argument('<file.mat>', 'MATLAB v5 MAT-file with a CAttached cell/struct array')
    .option('--tau <s>', 'indicator decay time constant in s (default: estimated per trial from the autocovariance)', parsePositiveNumber)
    .option('--smin <k>', 'minimum spike size, in units of the noise sigma (default 1)', parseNonNegNumber, 1)
    .option('--lambda <l>', 'L1 sparsity penalty in dF/F units (default 0)', parseNonNegNumber, 0)
    .option('--ar <p>', 'AR order 1 or 2 (2: coefficients from the autocovariance, AR(1) where that fit has no rise-and-decay roots; ignores --tau)', '1')
    .option('--json <file>', "write per-trial parameters and per-frame rates as JSON ('-' for stdout)")
    .option('--csv <file>', "write trial,frame,time_s,dff,calcium,rate as CSV ('-' for stdout)")
    .option('--grid <out.h5>', 'write the inferred spikes (frames whose deconvolved event is >= --event-sigma x sigma) as a COO spike grid (T = frames, one channel per trial)')
    .option('--event-sigma <k>', 'grid: event threshold on the deconvolved activity, in units of the noise sigma (default 3)', parsePositiveNumber, 3)
    .option('--bin-ms <ms>', 'time bin of the grid in ms (default: one frame)', parsePositiveNumber)
    .option('-f, --force', 'overwrite the grid output')
    .action(async (input: string, o) => {
      if (o.json && o.csv) throw new UsageError('give either --json or --csv, not both');
      if (o.ar !== '1' && o.ar !== '2') throw new UsageError(`--ar must be 1 or 2, got ${o.ar}`);
      const trials = readCalciumGroundTruth(input);
      const res = trials.map((tr) => ({ tr, r: deconvolve(tr.dff, tr.fs, { tauS: o.ar === '2' ? undefined : o.tau, sminSigma: o.smin, lambda: o.lambda, order: o.ar === '2' ? 2 : 1 }) }));
      const summary = res.map(({ tr, r }, i) => ({
        trial: i + 1,
        frames: tr.dff.length,
        frameRateHz: tr.fs,
        gamma: r.gamma,
        tauS: r.tauS,
        gammaSource: r.gammaSource,
        arOrder: r.order,
        ...(r.g ? { g1: r.g[0], g2: r.g[1] } : {}),
        noiseSigma: r.sigma,
        smin: r.smin,
        eventFrames: r.s.reduce((a, v) => a + (v >= o.eventSigma * r.sigma ? 1 : 0), 0),
        groundTruthSpikes: tr.spikes.length,
      }));
      if (o.json) {
        const text = JSON.stringify({ input, method: `OASIS AR(${o.ar})`, rateUnits: 'deconvolved dF/F per second (proportional to spikes/s)', trials: res.map(({ tr, r }, i) => ({ ...summary[i], time: Array.from(tr.time), rate: Array.from(r.rate) })) }) + '\n';
        writeOut(o.json, text);
      }
      if (o.csv || (!o.json && !o.grid)) {
        const lines = ['trial,frame,time_s,dff,calcium,rate'];
        res.forEach(({ tr, r }, i) => {
          for (let t = 0; t < tr.dff.length; t++) lines.push(`${i + 1},${t},${tr.time[t]},${tr.dff[t]},${r.c[t]! + r.baseline[t]!},${r.rate[t]}`);
        });
        writeOut(o.csv ?? '-', lines.join('\n') + '\n');
      }
      if (o.grid) {
        const fs = Math.max(...trials.map((t) => t.fs));
        const nFrames = Math.max(...trials.map((t) => t.dff.length));
        const events: SpikeEvent[] = [];
        res.forEach(({ r }, ch) => r.s.forEach((v, t) => {
          if (v >= o.eventSigma * r.sigma) events.push({ sample: t, channel: ch, amplitude: v });
        }));
        const bin = o.binMs ? Math.max(1, Math.round((o.binMs / 1000) * fs)) : 1;
        const g = eventsToCoo(events, nFrames, { z: 1, h: 1, w: trials.length }, bin);
        const st = await writeCooH5(o.grid, g, { force: o.force, meta: { source: basename(input), bin_samples: bin, sample_rate_hz: fs, inference: `OASIS AR(${o.ar})` } });
        process.stderr.write(`${input} -> ${o.grid}: grid [${g.shape.join(', ')}], ${st.total_spikes} inferred spikes, sparsity ${st.sparsity_percent.toFixed(4)} %\n`);
      }
      if (o.json !== '-' && o.csv !== '-' && (o.json || o.csv || o.grid)) {
        for (const s of summary) process.stderr.write(`${input} trial ${s.trial}: ${s.frames} frames at ${s.frameRateHz.toFixed(1)} Hz, tau ${s.tauS.toFixed(3)} s (${s.gammaSource}), sigma ${s.noiseSigma.toFixed(4)}, ${s.eventFrames} event frames >= ${o.eventSigma} sigma (${s.groundTruthSpikes} ground-truth spikes)\n`);
      }
    });
}
