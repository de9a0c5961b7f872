import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compressFile, decompressFile, verifyFile } from '../../src/api/compress.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { registerCodec } from '../../src/codecs/registry.js';
import { ChunkPool } from '../../src/parallel/pool.js';
import { wavHeader } from '../../src/formats/wav.js';
import { rng } from '../kit/signals.js';
import { tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function wav(name: string): string {
  const r = rng(7);
  const data = new Int16Array(20000 * 8).map((_, i) => Math.round(2000 * Math.sin(i / 50) + 300 * r()));
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([wavHeader({ nChannels: 8, sampleRateHz: 10000, bitsPerSample: 16, dataBytes: data.byteLength }), Buffer.from(data.buffer)]));
  return p;
}

test('the same bytes whatever the thread count; parallel decompress and verify agree', async () => {
  const p = wav('a.wav');
  for (const threads of [1, 2, 3]) {
    await compressFile(p, `${p}.${threads}.nzp`, { threads, chunkSeconds: 0.1, level: 'fast' });
  }
  const one = readFileSync(`${p}.1.nzp`);
  assert.ok(one.equals(readFileSync(`${p}.2.nzp`)) && one.equals(readFileSync(`${p}.3.nzp`)));
  assert.equal((await verifyFile(`${p}.1.nzp`, undefined, 2)).ok, true);
  await decompressFile(`${p}.1.nzp`, `${p}.back`, { threads: 2 });
  assert.ok(readFileSync(`${p}.back`).equals(readFileSync(p)));
});

test('a worker that dies fails its tasks with a clear error', async () => {
  const pool = new ChunkPool([{ id: 'zstd', level: 19 }], 1);
  const spec = { dtype: 'int16' as const, shape: [1000, 1] };
  assert.equal((await pool.encode(new Int16Array(1000), spec)).bytes.byteLength > 0, true);
  const r = rng(3);
  const big = new Int16Array(1 << 21).map(() => r() * 65536 - 32768); // seconds of zstd -19: still running when killed
  const task = pool.encode(big, { dtype: 'int16', shape: [big.length, 1] });
  await (pool as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0]!.terminate();
  await assert.rejects(task, /worker thread/);
  await assert.rejects(pool.encode(new Int16Array(10), { dtype: 'int16', shape: [10, 1] }), /worker thread|no worker/);
  await pool.close();
});

test('a failure inside a worker leaves no partial output', async () => {
  // registered in this thread only but claimed built-in, so the pool sends it to workers that cannot build it
  registerCodec('test.mainonly', passThrough('test.mainonly'), 'builtin');
  const p = wav('b.wav');
  await assert.rejects(compressFile(p, `${p}.nzp`, { threads: 2, chunkSeconds: 0.1, codec: 'test.mainonly' }), (e) => isNeurozipError(e) && /test\.mainonly/.test(e.message));
  assert.equal(existsSync(`${p}.nzp`), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('a codec registered at run time runs in this thread when threads are asked for', async () => {
  registerCodec('test.runtime', passThrough('test.runtime'));
  const p = wav('c.wav');
  await compressFile(p, `${p}.nzp`, { threads: 2, chunkSeconds: 0.1, codec: 'delta+test.runtime' });
  assert.equal((await verifyFile(`${p}.nzp`, undefined, 2)).ok, true);
});

function passThrough(id: string) {
  return () => ({
    id,
    kind: 'bytes->bytes' as const,
    description: 'test',
    fromConfig: () => ({ id, kind: 'bytes->bytes' as const, lossless: true, encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b, toConfig: () => ({ id }) }),
  });
}
