import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createEncoder, StreamDecoder } from '../../src/api/stream.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { NzpReader } from '../../src/container/reader.js';
import { CLI } from '../kit/cli.js';
import { assertSameArray } from '../kit/conformance.js';
import { rng } from '../kit/signals.js';
import { tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

const C = 16;
const r = rng(11);
const signal = new Int16Array(3000 * C).map((_, i) => Math.round(1000 * Math.sin(i / (C * 9)) + 50 * r()));

test('createEncoder: frames in, container bytes out as chunks complete; the decoder follows', async () => {
  const enc = await createEncoder({ dtype: 'int16', nChannels: C, sampleRateHz: 20000, chunkSamples: 8, level: 'fast' });
  const parts: Uint8Array[] = [];
  let emitted = 0;
  for (let s = 0; s < 3000; s += 5) {
    const out = enc.push(signal.subarray(s * C, Math.min(3000, s + 5) * C));
    parts.push(out);
    if (out.byteLength) emitted++;
  }
  parts.push(enc.end());
  assert.ok(emitted > 300, 'bytes are emitted as soon as each 8-frame chunk is complete');
  const file = join(dir, 's.nzp');
  writeFileSync(file, Buffer.concat(parts));
  const reader = await NzpReader.open(file);
  assertSameArray(reader.read(), signal, 'file');
  reader.close();
  const dec = new StreamDecoder();
  const got: Int16Array[] = [];
  const all = readFileSync(file);
  for (let p = 0; p < all.length; p += 777) got.push(...((await dec.push(all.subarray(p, p + 777))) as Int16Array[]));
  dec.end();
  const joined = new Int16Array(got.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const g of got) (joined.set(g, o), (o += g.length));
  assertSameArray(joined, signal, 'stream');
  const cut = new StreamDecoder();
  await cut.push(all.subarray(0, all.length - 40));
  assert.throws(() => cut.end(), (e) => isNeurozipError(e, 'CorruptData'));
  assert.throws(() => enc.push(signal.subarray(0, C)), /after end/);
});

test('stdin to stdout and back through the CLI', () => {
  const raw = Buffer.from(signal.buffer);
  const c = spawnSync(process.execPath, [CLI, 'compress', '-', '--channels', String(C), '--sample-rate', '20000', '-o', '-', '-q'], { input: raw });
  assert.equal(c.status, 0, c.stderr.toString());
  const d = spawnSync(process.execPath, [CLI, 'decompress', '-', '-o', '-', '-q'], { input: c.stdout });
  assert.equal(d.status, 0, d.stderr.toString());
  assert.ok(d.stdout.equals(raw));
  const bad = spawnSync(process.execPath, [CLI, 'compress', '-', '--channels', '3', '-o', join(dir, 'x.nzp')], { input: raw.subarray(0, 10) });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.toString(), /not a whole number of 3-channel int16 frames/);
});
