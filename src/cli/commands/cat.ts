import type { Command } from 'commander';
import { extname } from 'node:path';
import { AtomicFile } from '../../core/atomic-file.js';
import { bytesOf } from '../../core/dtype.js';
import { UsageError } from '../../core/errors.js';
import { openArrayReader } from '../../api/interop.js';
import { npyHeader } from '../../formats/npy.js';
import { parseChannelList, parseNonNegInt, parseNonNegNumber } from '../util.js';

export function register(program: Command): void {
  program
    .command('cat')
    .description('random access: write a time window and channel range of a .nzp or mtscomp .cbin, decoding only the chunks it touches')
    .argument('<input>', '.nzp file or mtscomp .cbin (with its .ch)')
    .requiredOption('-o, --output <file>', 'OUT.npy, OUT.raw (little-endian interleaved) or OUT.csv')
    .option('--start <sec>', 'window start in seconds', parseNonNegNumber)
    .option('--end <sec>', 'window end in seconds (exclusive)', parseNonNegNumber)
    .option('--start-sample <n>', 'window start in samples', parseNonNegInt)
    .option('--end-sample <n>', 'window end in samples (exclusive)', parseNonNegInt)
    .option('--channels <list>', 'channels, e.g. 0-9,12 (default all)', parseChannelList)
    .option('-f, --force', 'overwrite an existing output')
    .action(async (input: string, o) => {
      const kind = extname(o.output).toLowerCase();
      if (!['.npy', '.raw', '.csv'].includes(kind)) throw new UsageError(`${o.output}: output must end in .npy, .raw or .csv`);
      const r = await openArrayReader(input);
      try {
        const rate = r.sampleRateHz;
        const toSample = (sec: number | undefined, smp: number | undefined, dflt: number) => {
          if (sec !== undefined && smp !== undefined) throw new UsageError('give a window in seconds or in samples, not both');
          if (sec === undefined) return smp ?? dflt;
          if (!rate) throw new UsageError(`${input}: the sample rate is unknown; give --start-sample/--end-sample`);
          return Math.round(sec * rate);
        };
        const start = toSample(o.start, o.startSample, 0);
        const end = toSample(o.end, o.endSample, r.nSamples);
        if (start >= end) throw new UsageError(`empty window: start ${start} is not before end ${end} (samples)`);
        if (end > r.nSamples) {
          const dur = rate ? ` (${(r.nSamples / rate).toFixed(3)} s)` : '';
          throw new UsageError(`${input}: window end ${end} is past the end of the recording: ${r.nSamples} samples${dur}`);
        }
        const channels: number[] = o.channels ?? [...Array(r.nChannels).keys()];
        const data = r.read({ start, end, channels });
        const out = new AtomicFile(o.output, o.force);
        try {
          if (kind === '.npy') {
            out.write(npyHeader(r.dtype, [end - start, channels.length]));
            out.write(bytesOf(data));
          } else if (kind === '.raw') {
            out.write(bytesOf(data));
          } else {
            const enc = new TextEncoder();
            out.write(enc.encode(channels.map((c) => `ch${c}`).join(',') + '\n'));
            const k = channels.length;
            const rowsPerBlock = 4096;
            for (let s = 0; s < end - start; s += rowsPerBlock) {
              let text = '';
              for (let i = s; i < Math.min(end - start, s + rowsPerBlock); i++) {
                text += Array.from(data.subarray(i * k, (i + 1) * k) as ArrayLike<number>).join(',') + '\n';
              }
              out.write(enc.encode(text));
            }
          }
          out.commit();
        } catch (e) {
          out.abort();
          throw e;
        }
      } finally {
        r.close();
      }
    });
}
