/**
 * Container test vectors (docs/spec/container.md): small `.nzp` files committed once that every
 * future reader must decode to the same samples and restore to the same bytes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compressFile, decompressFile, verifyFile } from '../../src/api/compress.js';
import { StreamDecoder } from '../../src/api/stream.js';
import { NzpReader } from '../../src/container/reader.js';
import { wavHeader } from '../../src/formats/wav.js';
import { REPO_ROOT, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const GOLDEN = join(REPO_ROOT, 'test', 'golden', 'container');

/** 3 channels x 700 samples at 1 kHz, chunks of 0.25 s: 3 chunks, the last one short. */
function source(): Buffer {
  const data = new Int16Array(700 * 3).map((_, i) => ((i * 2654435761) >>> 20) - 2048 + Math.round(500 * Math.sin(i / 30)));
  return Buffer.concat([wavHeader({ nChannels: 3, sampleRateHz: 1000, bitsPerSample: 16, dataBytes: data.byteLength }), Buffer.from(data.buffer)]);
}

for (const [name, codec] of [
  ['v1-delta-zstd', 'delta+shuffle+zstd:level=3'],
  ['v1-remap-lpc-rans', 'remap+lpc:order=8,precision=14+rans'],
  ['v2-delta-zstd', 'delta+shuffle+zstd:level=3'],
  ['v2-remap-lpc-rans', 'remap+lpc:order=8,precision=14+rans'],
] as const) {
  test(`test vector ${name}.nzp decodes forever`, async () => {
    const wav = source();
    const file = join(GOLDEN, `${name}.nzp`);
    if (!existsSync(file)) {
      // written once, then committed; a later change of the writer must not touch it
      writeFileSync(join(dir, 'src.wav'), wav);
      await compressFile(join(dir, 'src.wav'), file, { codec, chunkSeconds: 0.25 });
    }
    const r = await NzpReader.open(file);
    assert.equal(r.version, Number(name[1]));
    assert.deepEqual([r.nChunks, r.nSamples, r.nChannels, r.header.dtype, r.header.sampleRateHz], [3, 700, 3, 'int16', 1000]);
    assert.deepEqual(Buffer.from(r.read({ start: 240, end: 260, channels: [2] }).buffer), Buffer.from(new Int16Array(wav.buffer.slice(wav.byteOffset + 44 + 240 * 6, wav.byteOffset + 44 + 260 * 6)).filter((_, i) => i % 3 === 2).buffer));
    r.close();
    await decompressFile(file, join(dir, `${name}.wav`));
    assert.ok(readFileSync(join(dir, `${name}.wav`)).equals(wav));
    assert.equal((await verifyFile(file)).ok, true);
    // the sequential (pipe) decoder reads every version too
    const d = new StreamDecoder(name);
    const frames = (await d.push(readFileSync(file))).reduce((n, a) => n + a.length, 0);
    d.end();
    assert.equal(frames, 700 * 3);
  });
}
