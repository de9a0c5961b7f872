import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { signalStats } from '../../bench/stats.js';
import { openSource } from '../../formats/index.js';
import { parseDType, parseNonNegInt, parsePositiveInt, parsePositiveNumber, rawFromFlags, table } from '../util.js';

export function register(program: Command): void {
  program
    .command('stats')
    .description('signal statistics: moments, distinct values, spectral entropy, power spectrum, spectrogram')
    .argument('<input>', 'a recording')
    .option('--json', 'print the statistics as JSON (spectrum and spectrogram included)')
    .option('--html <file>', 'write a self-contained HTML page with the spectrum and spectrogram')
    .option('--max-channels <n>', 'analyse at most this many channels (default all)', parsePositiveInt)
    .option('--dtype <dtype>', 'raw binary: sample type (default int16)', parseDType)
    .option('--channels <n>', 'raw binary: number of interleaved channels', parsePositiveInt)
    .option('--sample-rate <hz>', 'raw binary: sampling rate in Hz', parsePositiveNumber)
    .option('--offset <bytes>', 'raw binary: header bytes before the samples', parseNonNegInt)
    .action(async (input: string, o) => {
      const src = openSource(input, { raw: rawFromFlags(o) });
      let st;
      try {
        const fs = src.info.sampleRateHz ?? 1;
        st = signalStats(src.readFrames(0, src.info.nSamples), src.info.nChannels, fs, { maxChannels: o.maxChannels });
      } finally {
        src.close();
      }
      if (o.html) writeFileSync(o.html, await (await import('../../bench/report.js')).renderStatsHtml(input, st, ['neurozip', ...process.argv.slice(2)].join(' ')));
      if (o.json) {
        const sg = st.spectrogram;
        const out = {
          file: input,
          nSamples: st.nSamples,
          nChannels: st.nChannels,
          sampleRateHz: st.sampleRateHz,
          ...st.overall,
          spectralEntropy: st.spectralEntropy,
          channels: st.channels,
          powerSpectrum: { freqHz: Array.from(st.spectrum.freqHz), psd: Array.from(st.spectrum.psd) },
          spectrogram: { timesS: Array.from(sg.timesS), freqHz: Array.from(sg.freqHz), db: Array.from({ length: sg.frames }, (_, i) => Array.from(sg.db.subarray(i * sg.bins, (i + 1) * sg.bins))) },
        };
        process.stdout.write(JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
      } else {
        const m = st.overall;
        const rows: (string | number)[][] = [
          ['samples x channels', `${st.nSamples} x ${st.nChannels}`],
          ['sample rate (Hz)', st.sampleRateHz],
          ['mean', m.mean.toFixed(3)],
          ['median', m.median],
          ['std', m.std.toFixed(3)],
          ['skewness', m.skewness.toFixed(4)],
          ['kurtosis (excess)', m.kurtosis.toFixed(4)],
          ['min / max', `${m.min} / ${m.max}`],
          ['distinct values', m.distinct],
          ['spectral entropy (0-1)', st.spectralEntropy.toFixed(4)],
        ];
        process.stdout.write(table(rows, ['statistic', 'value']) + '\n');
      }
    });
}
