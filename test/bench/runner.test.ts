import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compressFile } from '../../src/api/compress.js';
import { expandGrid } from '../../src/bench/grid.js';
import { benchCsv, benchJson, CSV_COLUMNS } from '../../src/bench/output.js';
import { familyOf, paretoFront, renderBenchHtml } from '../../src/bench/report.js';
import { expandInputs, median, runBench, summarize, type FileResult } from '../../src/bench/runner.js';
import { losslessZoo } from '../../src/bench/zoo.js';
import { resolveCodec, splitCodecList } from '../../src/cli/commands/bench.js';
import type { TypedArray } from '../../src/core/dtype.js';
import type { ArrayToArrayCodec, CodecFactory } from '../../src/codecs/codec.js';
import { registerCodec } from '../../src/codecs/registry.js';
import { Params } from '../../src/codecs/params.js';
import { wavHeader } from '../../src/formats/wav.js';
import { fidelity } from '../../src/metrics/fidelity.js';
import { levelPipeline } from '../../src/codecs/levels.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { rng } from '../kit/signals.js';
import { tempDir } from '../kit/paths.js';

/** Test-only lossy stage: rounds int16 values to a multiple of `step` (max error step/2). */
const quantize: CodecFactory = {
  id: 'test.quantize',
  kind: 'array->array',
  description: 'test-only uniform quantizer',
  fromConfig(config) {
    const p = new Params(config);
    const step = p.int('step', 8, 1, 1 << 14);
    p.done();
    const codec: ArrayToArrayCodec = {
      id: 'test.quantize',
      kind: 'array->array',
      lossless: false,
      encode: (x: TypedArray) => Int16Array.from(x, (v) => Math.round(v / step)),
      decode: (y: TypedArray) => Int16Array.from(y, (v) => v * step),
      toConfig: () => ({ id: 'test.quantize', step }),
    };
    return codec;
  },
};
/** Test-only broken stage that claims to be lossless but drops the lowest bit. */
const liar: CodecFactory = {
  id: 'test.liar',
  kind: 'array->array',
  description: 'test-only broken codec',
  fromConfig() {
    return {
      id: 'test.liar',
      kind: 'array->array',
      lossless: true,
      encode: (x: TypedArray) => Int16Array.from(x, (v) => v & ~1),
      decode: (y: TypedArray) => Int16Array.from(y),
      toConfig: () => ({ id: 'test.liar' }),
    } as ArrayToArrayCodec;
  },
};
registerCodec('test.quantize', () => quantize);
registerCodec('test.liar', () => liar);

function writeWav(path: string, data: Int16Array, nChannels: number, fs: number): void {
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([wavHeader({ nChannels, sampleRateHz: fs, bitsPerSample: 16, dataBytes: body.byteLength }), body]));
}

function synthetic(seed: number, n: number, fs: number): Int16Array {
  const r = rng(seed);
  const x = new Int16Array(n);
  const shape = [-80, -300, -450, -300, -120, 20, 80, 100, 80, 50, 20];
  for (let i = 0; i < n; i++) x[i] = Math.round(200 * Math.sin((2 * Math.PI * 8 * i) / fs) + 15 * (r() + r() + r() - 1.5));
  for (let t = 500; t + 20 < n; t += 1700) shape.forEach((v, k) => (x[t + k] = x[t + k]! + v));
  return x;
}

describe('bench runner', () => {
  let tmp: { dir: string; cleanup: () => void };
  let files: string[];
  const fs = 20000;
  before(() => {
    tmp = tempDir();
    files = [join(tmp.dir, 'a.wav'), join(tmp.dir, 'b.wav')];
    writeWav(files[0]!, synthetic(1, 12000, fs), 1, fs);
    const two = new Int16Array(16000);
    const s = synthetic(2, 8000, fs);
    for (let i = 0; i < 8000; i++) {
      two[2 * i] = s[i]!;
      two[2 * i + 1] = -s[i]!;
    }
    writeWav(files[1]!, two, 2, fs);
    writeFileSync(join(tmp.dir, 'notes.txt'), 'not a recording');
  });
  after(() => tmp.cleanup());

  test('folders expand to the recordings in them', () => {
    const { inputs, ignored } = expandInputs([tmp.dir]);
    assert.deepEqual(inputs.map((i) => i.path), files);
    assert.deepEqual(ignored, []); // .txt is not even tried
  });

  test('lossless codecs: .nzp size, ratio, byte-exact verification, aggregates', async () => {
    const codecs = [
      { name: 'zstd-3', spec: 'zstd:level=3' },
      { name: 'delta+huffman', spec: 'delta:order=1+huffman' },
      { name: 'fast', spec: 'level:fast' },
    ];
    const steps: number[] = [];
    const rep = await runBench(files.map((path) => ({ path })), codecs, { repeat: 2, onStep: (d) => steps.push(d) });
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
    assert.equal(rep.perFile.length, 6);
    for (const r of rep.perFile) {
      assert.equal(r.error, undefined);
      assert.equal(r.lossless, true);
      assert.equal(r.mismatches, 0);
      assert.equal(r.rawBytes, statSync(r.file).size);
      assert.equal(r.ratio, r.rawBytes / r.compressedBytes);
      assert.ok(r.encodeSeconds > 0 && r.decodeSeconds > 0);
      assert.equal(r.encodeMBps, r.rawBytes / 1e6 / r.encodeSeconds);
      assert.ok(r.xRealTimeEncode! > 0);
    }
    // compressed bytes are the size of the real .nzp
    const out = join(tmp.dir, 'check.nzp');
    await compressFile(files[0]!, out, { codec: 'delta:order=1+huffman', force: true, verify: false });
    assert.equal(rep.perFile.find((r) => r.codec === 'delta+huffman' && r.file === files[0])!.compressedBytes, statSync(out).size);
    const z = rep.results.find((r) => r.codec === 'zstd-3')!;
    const rows = rep.perFile.filter((r) => r.codec === 'zstd-3');
    assert.equal(z.files, 2);
    assert.equal(z.rawBytes, rows[0]!.rawBytes + rows[1]!.rawBytes);
    assert.equal(z.ratio, z.rawBytes / (rows[0]!.compressedBytes + rows[1]!.compressedBytes));
    assert.equal(z.encodeMBps, (rows[0]!.encodeMBps + rows[1]!.encodeMBps) / 2);
    assert.equal(z.lossless, true);
    const fastPipeline = await Pipeline.fromConfig(levelPipeline('fast', { dtype: 'int16', nChannels: 1, sampleRateHz: fs }));
    assert.equal(rep.results.find((r) => r.codec === 'fast')!.pipeline, fastPipeline.toString());
  });

  test('a lossless codec that alters the data is counted as a mismatch', async () => {
    const rep = await runBench([{ path: files[0]! }], [{ name: 'liar', spec: 'test.liar+zstd' }]);
    assert.equal(rep.perFile[0]!.mismatches, 1);
    assert.equal(rep.results[0]!.mismatches, 1);
  });

  test('lossy codecs: metrics against the original, spikes, excerpts, HTML', async () => {
    const codecs = [
      { name: 'q4', spec: 'test.quantize:step=4+zstd' },
      { name: 'q64', spec: 'test.quantize:step=64+zstd' },
      { name: 'q1024', spec: 'test.quantize:step=1024+zstd' },
    ];
    const rep = await runBench(files.map((path) => ({ path })), codecs);
    const r4 = rep.perFile.find((r) => r.codec === 'q4' && r.file === files[0])!;
    assert.equal(r4.lossless, false);
    // recompute the metrics by hand from the quantizer's known output
    const x = synthetic(1, 12000, fs);
    const y = Int16Array.from(x, (v) => Math.round(v / 4) * 4);
    const want = fidelity(x, y, 1);
    assert.equal(r4.metrics.mse, want.mse);
    assert.equal(r4.metrics.snr, want.snr);
    assert.equal(r4.metrics.ssim, want.ssim);
    assert.ok(r4.metrics.maxAbsError! <= 2);
    assert.ok(r4.metrics.spikesOriginal! >= 6, `spikes ${r4.metrics.spikesOriginal}`);
    assert.equal(r4.metrics.spikeF1, 1);
    const coarse = rep.results.find((r) => r.codec === 'q1024')!;
    assert.ok(coarse.metrics.snr! < rep.results.find((r) => r.codec === 'q4')!.metrics.snr!);
    assert.ok(coarse.metrics.spikeF1! < 1);
    // pooled MSE over both files weights by value count
    const q4 = rep.perFile.filter((r) => r.codec === 'q4');
    const pooled = (q4[0]!.metrics.mse! * 12000 + q4[1]!.metrics.mse! * 16000) / 28000;
    assert.ok(Math.abs(rep.results.find((r) => r.codec === 'q4')!.metrics.mse! - pooled) < 1e-9);
    assert.equal(rep.excerpts.length, 3);
    const html = await renderBenchHtml({ command: 'test', report: rep });
    assert.match(html, /rate–distortion/);
    // speed x2, per-file ratio, 4 metrics vs bits/sample, ratio vs SNR / F1 / RMSE, 4 distributions, 3 overlays
    assert.equal((html.match(/<svg/g) ?? []).length, 2 + 1 + 4 + 3 + 4 + 3);
    assert.match(html, /Ratio vs median SNR over files/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/); // self-contained
    assert.equal(familyOf('test.quantize:step=4+zstd:level=3'), 'test.quantize:step=#+zstd:level=#');
  });

  test('JSON and CSV carry the contract field names', () => {
    const row = (codec: string, file: string, raw: number, comp: number, mbps: number): FileResult => ({
      file,
      codec,
      pipeline: 'p,"q"',
      external: false,
      nSamples: 10,
      nChannels: 1,
      sampleRateHz: 10,
      rawBytes: raw,
      compressedBytes: comp,
      ratio: raw / comp,
      encodeSeconds: raw / 1e6 / mbps,
      decodeSeconds: 1,
      encodeCpuSeconds: 0.5,
      decodeCpuSeconds: 0.25,
      encodeMBps: mbps,
      decodeMBps: 1,
      xRealTimeEncode: 2,
      xRealTimeDecode: 4,
      lossless: true,
      mismatches: 0,
      metrics: {},
    });
    const perFile = [row('c', 'f1', 100, 50, 10), row('c', 'f2', 300, 50, 20), row('c', 'f3', 100, 100, 40)];
    const [res] = summarize([{ name: 'c', spec: 'c' }], perFile);
    assert.equal(res!.ratio, 500 / 200);
    assert.equal(res!.encodeMBps, 20); // median
    assert.equal(res!.xRealTimeEncode, 3 / 1.5);
    const json = JSON.parse(benchJson({ results: [res!], perFile, excerpts: [], skipped: [] }));
    for (const k of ['codec', 'files', 'rawBytes', 'compressedBytes', 'ratio', 'encodeMBps', 'decodeMBps', 'lossless', 'mismatches', 'metrics']) assert.ok(k in json.results[0], k);
    assert.equal(json.perFile.length, 3);
    const csv = benchCsv(perFile).trim().split('\n');
    assert.equal(csv[0], CSV_COLUMNS.join(','));
    assert.equal(csv.length, 4);
    assert.ok(csv[1]!.startsWith('f1,c,"p,""q""",false,'));
  });

  test('grid expansion, codec lists and the zoo', () => {
    assert.deepEqual(expandGrid('delta:order=1|2+zstd:level=1..19..9'), [
      'delta:order=1+zstd:level=1',
      'delta:order=1+zstd:level=10',
      'delta:order=1+zstd:level=19',
      'delta:order=2+zstd:level=1',
      'delta:order=2+zstd:level=10',
      'delta:order=2+zstd:level=19',
    ]);
    assert.deepEqual(expandGrid('xz:preset=0..2,extreme=true|false').length, 6);
    assert.throws(() => expandGrid('zstd:level=5..1'));
    assert.deepEqual(splitCodecList('gzip,xz:preset=6,extreme=true,delta:order=1+lz4'), ['gzip', 'xz:preset=6,extreme=true', 'delta:order=1+lz4']);
    assert.deepEqual(resolveCodec('zstd-19'), { name: 'zstd-19', spec: 'zstd:level=19' });
    assert.equal(resolveCodec('flac').spec, 'external:flac');
    const zoo = losslessZoo();
    assert.ok(zoo.length >= 24, `zoo has ${zoo.length}`);
    assert.equal(new Set(zoo.map((z) => z.name)).size, zoo.length);
    const pts = [
      { codec: 'a', ratio: 3, mbps: 1 },
      { codec: 'b', ratio: 2, mbps: 10 },
      { codec: 'c', ratio: 1.5, mbps: 5 }, // dominated by b
      { codec: 'd', ratio: 1, mbps: 100 },
    ];
    assert.deepEqual([...paretoFront(pts, 'mbps')].sort(), ['a', 'b', 'd']);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });

  test('a real N1 file through a few codecs (skips without ../shared/data)', async (t) => {
    const { HAS_SHARED_DATA, sharedPath } = await import('../kit/paths.js');
    if (!HAS_SHARED_DATA) return t.skip('../shared/data is absent');
    const f = sharedPath('n1', '0052503c-2849-4f41-ab51-db382103690c.wav');
    const rep = await runBench([{ path: f }], [{ name: 'delta+arith', spec: 'delta:order=1+arith:adaptive=true' }]);
    assert.equal(rep.perFile[0]!.mismatches, 0);
    assert.ok(rep.perFile[0]!.ratio > 2.5);
    assert.equal(readFileSync(f).byteLength, rep.perFile[0]!.rawBytes);
    // an Open Ephys folder is one recording, restored file by file; an mtscomp .cbin is compared by samples
    const oe = sharedPath('ephys', 'openephys_binary');
    const { inputs } = expandInputs([oe, sharedPath('mtscomp')]);
    assert.ok(inputs.some((i) => i.path === join(oe, 'mixed_6ch')), inputs.map((i) => i.path).join(' '));
    assert.ok(inputs.some((i) => i.path.endsWith('.cbin')));
    const small = inputs.filter((i) => i.path.endsWith('mixed_6ch') || i.path.endsWith('.cbin'));
    const rep2 = await runBench(small, [{ name: 'delta+huffman', spec: 'delta:order=1+huffman' }]);
    assert.equal(rep2.perFile.length, 2);
    for (const r of rep2.perFile) assert.deepEqual([r.error, r.mismatches], [undefined, 0]);
  });
});
