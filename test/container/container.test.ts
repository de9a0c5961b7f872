import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compressFile, decompressFile, verifyFile } from '../../src/api/compress.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { NzpReader } from '../../src/container/reader.js';
import { wavHeader } from '../../src/formats/wav.js';
import { npyHeader } from '../../src/formats/npy.js';
import { generatedPrefix, npyPrefix, rebuildPrefix, wavPrefix } from '../../src/container/prefix.js';
import { itemsize } from '../../src/core/dtype.js';
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
    c.writeUInt16LE(3, 8);
    return c;
  }, 'UnsupportedFormat', /format version 3/);
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

describe('format version 2: small fixed overhead', () => {
  /** A one-channel 19531 Hz WAV named like an N1 file (a UUID), optionally with trailing bytes. */
  function n1Like(name: string, tail = Buffer.alloc(0), header?: Buffer): string {
    const data = new Int16Array(5000).map((_, i) => Math.round(800 * Math.sin(i / 5)) & ~63);
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([header ?? wavHeader({ nChannels: 1, sampleRateHz: 19531, bitsPerSample: 16, dataBytes: data.byteLength }), Buffer.from(data.buffer), tail]));
    return path;
  }
  const overhead = async (nzp: string) => {
    const r = await NzpReader.open(nzp);
    let payload = 0;
    for (let i = 0; i < r.nChunks; i++) payload += r.chunkPayloadBytes(i);
    r.close();
    return statSync(nzp).size - payload;
  };

  test('an N1-like WAV costs under 150 bytes of container; its WAV header is rebuilt, not stored', async () => {
    const path = n1Like('0052503c-2849-4f41-ab51-db382103690c.wav');
    await compressFile(path, path + '.nzp');
    const r = await NzpReader.open(path + '.nzp');
    assert.equal(r.version, 2);
    r.close();
    const o = await overhead(path + '.nzp');
    assert.ok(o < 150, `container overhead ${o} bytes`);
    await decompressFile(path + '.nzp', join(dir, 'n1like.back.wav'));
    assert.ok(readFileSync(join(dir, 'n1like.back.wav')).equals(readFileSync(path)));
  });

  test('a non-canonical WAV header is stored verbatim and trailing bytes go to the footer; both restore exactly', async () => {
    const h = Buffer.from(wavHeader({ nChannels: 1, sampleRateHz: 19531, bitsPerSample: 16, dataBytes: 10000 }));
    h.writeUInt32LE(0xffffffff, 4); // a streaming writer's RIFF size: not what the rebuilder makes
    const path = n1Like('odd.wav', Buffer.from('LIST\x04\x00\x00\x00abcd', 'latin1'), h);
    await compressFile(path, path + '.nzp');
    const r = await NzpReader.open(path + '.nzp');
    assert.deepEqual(Buffer.from(r.header.source.prefix), h);
    assert.equal(r.footer.suffix.byteLength, 12);
    r.close();
    assert.equal((await verifyFile(path + '.nzp')).ok, true);
    await decompressFile(path + '.nzp', join(dir, 'odd.back.wav'));
    assert.ok(readFileSync(join(dir, 'odd.back.wav')).equals(readFileSync(path)));
  });

  test('generated prefixes: WAV (PCM and float) and .npy headers are rebuilt byte for byte', () => {
    for (const [dtype, bps, rate] of [['int16', 2, 30000], ['float32', 4, 44100], ['int32', 3, 48000]] as const) {
      const ctx = { dtype, nChannels: 3, sampleRateHz: rate, bytesPerSample: bps, bigEndian: false } as const;
      const wav = wavPrefix(ctx, 3 * bps * 1000)!;
      assert.deepEqual(generatedPrefix(ctx, wav), { wav: 3 * bps * 1000 });
      assert.deepEqual(rebuildPrefix(ctx, { wav: 3 * bps * 1000 }), wav);
    }
    const wavFloat = Buffer.from(wavHeader({ nChannels: 2, sampleRateHz: 1000, bitsPerSample: 32, float: true, dataBytes: 80 }));
    assert.deepEqual(Buffer.from(wavPrefix({ dtype: 'float32', nChannels: 2, sampleRateHz: 1000, bytesPerSample: 4, bigEndian: false }, 80)!), wavFloat);
    for (const [dtype, shape, big] of [['float32', [40, 40, 40], false], ['int16', [5000], false], ['float64', [7, 3], true], ['uint8', [], false]] as const) {
      const ctx = { dtype, nChannels: 1, sampleRateHz: null, bytesPerSample: itemsize(dtype), bigEndian: big };
      const h = npyPrefix(ctx, shape)!;
      if (!big && dtype !== 'uint8') assert.deepEqual(Buffer.from(h), Buffer.from(npyHeader(dtype, shape)));
      assert.deepEqual(generatedPrefix(ctx, h), { npy: [...shape] });
      assert.deepEqual(rebuildPrefix(ctx, { npy: shape }), h);
    }
    // not a header a rebuilder makes: no short form
    const raw = new Uint8Array(44).fill(7);
    assert.equal(generatedPrefix({ dtype: 'int16', nChannels: 1, sampleRateHz: 1000, bytesPerSample: 2, bigEndian: false }, raw), undefined);
  });

  test('version 2 damage: frame, index, end byte and footer flips are caught', async () => {
    const flipAt = (at: (b: Buffer) => number) => (b: Buffer) => {
      const c = Buffer.from(b);
      c[at(c)]! ^= 0x01;
      return c;
    };
    await corruptCase('v2-tail-len', flipAt((b) => b.length - 12), 'CorruptData', /corrupt|checksum/);
    await corruptCase('v2-trailer', flipAt((b) => b.length - 20), 'CorruptData', /checksum/);
    await corruptCase('v2-preamble-flags', (b) => {
      const c = Buffer.from(b);
      c[10]! |= 0x04; // a reserved flag bit
      return c;
    }, 'UnsupportedFormat', /flags/);
    await corruptCase('v2-header-len', flipAt(() => 11), 'CorruptData', /header|truncated|corrupt/);
  });
});
