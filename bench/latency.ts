/**
 * Streaming latency in the low-latency mode: a 1024-channel stream (N1 files stacked as
 * channels) pushed one frame (1 sample x 1024 channels) at a time into createEncoder with
 * chunks of K frames. For each frame: emission time - arrival time, where the frame arrives at
 * its real-time instant (frame i at i / fs) and its bytes are emitted when the push that completes
 * its chunk returns. Reports p50 / p99 over all frames, and the encode time alone per chunk.
 * `--codebook` prepends `lut` with the ADC's code book (every distinct value in the N1 files: an
 * implant knows its ADC's codes), so tiny chunks need no per-chunk value table.
 *   node dist/bench/latency.js [--frames-per-chunk 8] [--frames 20000] [--codec SPEC | --level fast] [--codebook]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lutValues } from '../src/codecs/filter/lut.js';
import { parseArgs } from 'node:util';
import { createEncoder } from '../src/api/stream.js';
import type { Level } from '../src/codecs/levels.js';
import { percentile, stackN1 } from './_n1stack.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: join(process.cwd(), '..', 'shared', 'data', 'n1') },
    'frames-per-chunk': { type: 'string', default: '8' },
    frames: { type: 'string', default: '20000' },
    codec: { type: 'string' },
    level: { type: 'string', default: 'fast' },
    codebook: { type: 'boolean', default: false },
  },
});
if (values.codebook) {
  const codes = new Set<number>();
  for (const f of readdirSync(values.data!).filter((x) => x.endsWith('.wav'))) {
    const b = readFileSync(join(values.data!, f));
    for (const v of new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + b.byteLength - ((b.byteLength - 44) % 2)))) codes.add(v);
  }
  values.codec = `lut:values=${lutValues(codes)}+${values.codec ?? 'delta+rice'}`;
}
const K = Number(values['frames-per-chunk']);
const F = Number(values.frames);
const rec = stackN1(values.data!, 1024, F);
const fs = rec.sampleRateHz;
const C = rec.nChannels;
const enc = await createEncoder({ dtype: 'int16', nChannels: C, sampleRateHz: fs, chunkSamples: K, ...(values.codec ? { codec: values.codec } : { level: values.level as Level }) });
// warm up the JIT on a copy of the first chunks (not measured)
const warm = await createEncoder({ dtype: 'int16', nChannels: C, chunkSamples: K, ...(values.codec ? { codec: values.codec } : { level: values.level as Level }) });
for (let i = 0; i < 2000; i++) warm.push(rec.data.subarray((i % rec.nSamples) * C, ((i % rec.nSamples) + 1) * C));

const start = performance.now();
const encodeMs: number[] = [];
const latencyMs: number[] = [];
let bytes = 0;
let waiting: number[] = [];
for (let i = 0; i < rec.nSamples; i++) {
  const arrival = (i / fs) * 1000;
  // the frame is not available before its real-time instant
  while (performance.now() - start < arrival);
  const t0 = performance.now();
  const out = enc.push(rec.data.subarray(i * C, (i + 1) * C));
  const t1 = performance.now();
  waiting.push(arrival);
  if (out.byteLength) {
    bytes += out.byteLength;
    encodeMs.push(t1 - t0);
    for (const a of waiting) latencyMs.push(t1 - start - a);
    waiting = [];
  }
}
bytes += enc.end().byteLength;
const raw = rec.nSamples * C * 2;
console.log(`1024 channels, ${rec.nSamples} frames at ${fs} Hz, ${K} frames per chunk (${((K / fs) * 1000).toFixed(3)} ms), pipeline ${enc.header.pipeline.map((c) => c.id).join('+')}${values.codebook ? ' (lut: the N1 code book, ' + Buffer.from(String(enc.header.pipeline[0]!.values), 'base64url').byteLength / 4 + ' codes)' : ''}`);
console.log(`ratio ${(raw / bytes).toFixed(3)} (container included)`);
console.log(`frame latency (arrival -> bytes emitted): p50 ${percentile(latencyMs, 50).toFixed(3)} ms, p99 ${percentile(latencyMs, 99).toFixed(3)} ms, max ${Math.max(...latencyMs).toFixed(3)} ms over ${latencyMs.length} frames`);
console.log(`chunk encode time: p50 ${percentile(encodeMs, 50).toFixed(3)} ms, p99 ${percentile(encodeMs, 99).toFixed(3)} ms over ${encodeMs.length} chunks`);
