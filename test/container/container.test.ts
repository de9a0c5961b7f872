import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compressFile, decompressFile, verifyFile } from '../../src/api/compress.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { NzpReader } from '../../src/container/reader.js';
import { wavHeader } from '../../src/formats/wav.js';
import { assertSameArray } from '../kit/conformance.js';
import { rng } from '../kit/signals.js';
import { tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

/** A 4-channel 1 kHz WAV of 2500 samples, so 100-sample chunks give 25 chunks. */
function makeWav(name: string): { path: string; data: Int16Array } {
  const r = rng(42);
  const n = 2500;
  const c = 4;
  const data = new Int16Array(n * c).map((_, i) => Math.round(3000 * Math.sin(i / 37) + 200 * (r() - 0.5)));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([wavHeader({ nChannels: c, sampleRateHz: 1000, bitsPerSample: 16, dataBytes: data.byteLength }), Buffer.from(data.buffer)]));
  return { path, data };
}

test('container round trip over many chunks, byte for byte', async () => {
  const { path } = makeWav('a.wav');
  const r = await compressFile(path, path + '.nzp', { chunkSeconds: 0.1, codec: 'delta+shuffle+zstd' });
  assert.equal(r.verified, true);
  const reader = await NzpReader.open(path + '.nzp');
  assert.equal(reader.nChunks, 25);
  assert.equal(reader.nSamples, 2500);
  reader.close();
  assert.equal((await verifyFile(path + '.nzp')).ok, true);
  await decompressFile(path + '.nzp', join(dir, 'a.back.wav'));
  assert.deepEqual(readFileSync(join(dir, 'a.back.wav')), readFileSync(path));
});

test('random access decodes only the chunks the window touches', async () => {
  const { path, data } = makeWav('b.wav');
  await compressFile(path, path + '.nzp', { chunkSeconds: 0.1 });
  const reader = await NzpReader.open(path + '.nzp');
  const got = reader.read({ start: 250, end: 420, channels: [3, 1] });
  assert.equal(reader.chunksDecoded, 3); // chunks [200,300) [300,400) [400,500)
  const want = new Int16Array(170 * 2);
  for (let s = 250; s < 420; s++) {
    want[(s - 250) * 2] = data[s * 4 + 3]!;
    want[(s - 250) * 2 + 1] = data[s * 4 + 1]!;
  }
  assertSameArray(got, want, 'window');
  assert.equal(reader.read({ start: 7, end: 7 }).length, 0);
  assert.throws(() => reader.read({ start: 0, end: 2501 }), (e) => isNeurozipError(e, 'Usage'));
  assert.throws(() => reader.read({ channels: [4] }), (e) => isNeurozipError(e, 'Usage'));
  reader.close();
});

async function corruptCase(name: string, mutate: (b: Buffer) => Buffer, tag: 'CorruptData' | 'UnsupportedFormat', msg: RegExp) {
  const { path } = makeWav(`${name}.wav`);
  await compressFile(path, path + '.nzp', { chunkSeconds: 0.1 });
  const bad = join(dir, `${name}.bad.nzp`);
  writeFileSync(bad, mutate(readFileSync(path + '.nzp')));
  const open = async () => {
    await verifyFile(bad);
  };
  await assert.rejects(open, (e) => isNeurozipError(e, tag) && msg.test(e.message) && e.message.includes(bad), name);
  const out = join(dir, `${name}.out.wav`);
  await assert.rejects(decompressFile(bad, out), (e) => isNeurozipError(e, tag));
  assert.equal(existsSync(out), false, `${name}: no output left behind`);
}

test('corrupt and foreign inputs raise typed errors and leave no output', async () => {
  const flip = (at: (b: Buffer) => number) => (b: Buffer) => {
    const c = Buffer.from(b);
    c[at(c)]! ^= 0x10;
    return c;
  };
  await corruptCase('truncated', (b) => b.subarray(0, b.length - 100), 'CorruptData', /truncated|corrupt/);
  await corruptCase('half', (b) => b.subarray(0, b.length >> 1), 'CorruptData', /truncated|corrupt/);
  await corruptCase('magic', flip(() => 1), 'UnsupportedFormat', /wrong magic/);
  await corruptCase('future', (b) => {
    const c = Buffer.from(b);
    c.writeUInt16LE(2, 8);
    return c;
  }, 'UnsupportedFormat', /format version 2/);
  await corruptCase('header-flip', flip(() => 40), 'CorruptData', /header/);
  await corruptCase('payload-flip', flip((b) => b.length >> 1), 'CorruptData', /checksum/);
  await corruptCase('index-flip', flip((b) => b.length - 32 - 300), 'CorruptData', /checksum/);
  await corruptCase('tail-flip', flip((b) => b.length - 3), 'CorruptData', /corrupt|end marker/);
  await corruptCase('empty', () => Buffer.alloc(0), 'UnsupportedFormat', /not a neurozip/);
  await corruptCase('wav-as-nzp', () => readFileSync(join(dir, 'a.wav')), 'UnsupportedFormat', /not a neurozip/);
});

test('no temporary files are left after success or failure', () => {
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});
