/**
 * Payload-only sweep of the `events` codec on N1 WAV files (no container): payload bytes per file,
 * pooled F1 at 4 / 4.5 / 5 and the median window SNR (the same metrics as `neurozip bench`).
 * Usage: node dist/bench/events-n1.js DIR EVERY OFFSET PIPELINE...
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../src/codecs/builtin.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { compareSpikes, eventWindowSnrs } from '../src/spikes/detect.js';

const [dir = '../shared/data/n1', everyS = '8', offS = '0', ...pipes] = process.argv.slice(2);
const every = Number(everyS);
const off = Number(offS);
const files = readdirSync(dir).filter((f) => f.endsWith('.wav')).sort().filter((_, i) => i % every === off);
const data = files.map((f) => {
  const b = readFileSync(join(dir, f));
  return new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.length));
});
for (const ps of pipes) {
  const p = await Pipeline.fromString(ps);
  let bytes = 0;
  let wav = 0;
  const t = [4, 4.5, 5].map(() => ({ h: 0, o: 0, r: 0 }));
  const snr: number[] = [];
  const sizes: number[] = [];
  const whole: number[] = [];
  const t0 = performance.now();
  for (const x of data) {
    const spec = { dtype: 'int16' as const, shape: [x.length, 1] };
    const b = p.encode(x, spec);
    const y = p.decode(b, spec);
    bytes += b.length;
    sizes.push(b.length);
    wav += x.length * 2 + 44;
    [4, 4.5, 5].forEach((k, i) => {
      const c = compareSpikes(x, y, 1, 19531, k);
      t[i]!.h += c.hits;
      t[i]!.o += c.original;
      t[i]!.r += c.reconstructed;
    });
    let mean = 0;
    for (const v of x) mean += v / x.length;
    let sig = 0;
    let err = 0;
    for (let i = 0; i < x.length; i++) {
      sig += (x[i]! - mean) ** 2;
      err += (x[i]! - y[i]!) ** 2;
    }
    whole.push(10 * Math.log10(sig / err));
    for (const v of eventWindowSnrs(x, y, 1, 19531)) snr.push(Number.isFinite(v) ? v : 999);
  }
  snr.sort((a, b) => a - b);
  whole.sort((a, b) => a - b);
  sizes.sort((a, b) => a - b);
  const f1 = t.map((c) => ((2 * c.h) / (c.o + c.r)).toFixed(3)).join(' ');
  const n = data.length;
  console.log(`${ps}\tfiles ${n}\tpayload/file ${(bytes / n).toFixed(0)} (median ${sizes[n >> 1]})\tratio@306 ${(wav / (bytes + 306 * n)).toFixed(1)}x\tratio@140 ${(wav / (bytes + 140 * n)).toFixed(1)}x\tF1 ${f1}\tSNR ${snr[snr.length >> 1]?.toFixed(1)} dB\twhole-file SNR ${whole[whole.length >> 1]?.toFixed(1)} dB\t${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
