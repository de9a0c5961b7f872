import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compressFile, decompressFile } from '../../src/api/compress.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { listFolder } from '../../src/formats/folder.js';
import { openSource } from '../../src/formats/index.js';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function sameFolder(a: string, b: string): void {
  assert.deepEqual(listFolder(a), listFolder(b));
  for (const p of listFolder(a)) assert.ok(readFileSync(join(a, p)).equals(readFileSync(join(b, p))), p);
}

/** A synthetic legacy .continuous file following the published layout. */
export function continuousFile(o: { channel: string; rate?: number; samples: Int16Array; ts0?: bigint; gapAt?: number; recNum?: number }): Buffer {
  const head = Buffer.alloc(1024, 0x20);
  head.write(
    [
      "header.format = 'Open Ephys Data Format'; ",
      'header.version = 0.4; ',
      'header.header_bytes = 1024;',
      `header.channel = '${o.channel}';`,
      `header.sampleRate = ${o.rate ?? 30000};`,
      'header.blockLength = 1024;',
      'header.bitVolts = 0.195;',
      '',
    ].join('\n'),
    'latin1',
  );
  const nRec = o.samples.length / 1024;
  const body = Buffer.alloc(nRec * 2070);
  let ts = o.ts0 ?? 1000n;
  for (let r = 0; r < nRec; r++) {
    const p = r * 2070;
    body.writeBigInt64LE(ts, p);
    body.writeUInt16LE(1024, p + 8);
    body.writeUInt16LE(o.recNum ?? 0, p + 10);
    for (let i = 0; i < 1024; i++) body.writeInt16BE(o.samples[r * 1024 + i]!, p + 12 + 2 * i);
    Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 255]).copy(body, p + 2060);
    ts += r === o.gapAt ? 5000n : 1024n;
  }
  return Buffer.concat([head, body]);
}

function ramp(n: number, k: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(3000 * Math.sin(i / (7 + k))) - 40 * k);
}

describe('Open Ephys legacy .continuous', () => {
  test('shared folder -> .nzp -> identical folder; samples decoded big-endian', { skip: NO_DATA }, async () => {
    const src = sharedPath('ephys', 'openephys_legacy');
    const s = openSource(src);
    assert.equal(s.info.format, 'openephys-legacy');
    assert.deepEqual([s.info.nChannels, s.info.nSamples, s.info.sampleRateHz], [2, 423936, 40000]);
    assert.deepEqual(s.info.meta.channelNames, ['CH0', 'CH1']);
    const raw = readFileSync(join(src, '101_CH1.continuous'));
    const frames = s.readFrames(1020, 10); // crosses a record boundary
    for (let t = 0; t < 10; t++) {
      const i = 1020 + t;
      const r = Math.floor(i / 1024);
      assert.equal(frames[t * 2 + 1], raw.readInt16BE(1024 + r * 2070 + 12 + 2 * (i % 1024)));
    }
    s.close();
    await compressFile(src, join(dir, 'leg.nzp'), { level: 'fast' });
    await decompressFile(join(dir, 'leg.nzp'), join(dir, 'leg'));
    sameFolder(src, join(dir, 'leg'));
  });

  test('CLI: compress FOLDER / one file, info, decompress --output-dir restores the files', { skip: NO_DATA }, () => {
    const src = sharedPath('ephys', 'openephys_legacy');
    let r = cli(['compress', '-q', src, '-o', 'legacy.nzp'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['info', '--json', 'legacy.nzp'], dir);
    const i = JSON.parse(r.stdout);
    assert.equal(i.format, 'openephys-legacy');
    assert.deepEqual([i.nChannels, i.nSamples, i.sampleRateHz], [2, 423936, 40000]);
    assert.deepEqual(i.channelNames, ['CH0', 'CH1']);
    // the per-file layout (header + timestamps, counts, markers) costs ~nothing
    for (const s of i.sidecars.filter((x: { role: string }) => x.role === 'channel-layout')) assert.ok(s.bytes < 1200, `${s.bytes}`);
    r = cli(['decompress', '-q', 'legacy.nzp', '--output-dir', 'LD'], dir);
    assert.equal(r.code, 0, r.stderr);
    sameFolder(src, join(dir, 'LD'));
    r = cli(['decompress', 'legacy.nzp', '-o', '-'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /one file per channel; decompress it to a folder/);
    r = cli(['compress', '-q', join(src, '101_CH0.continuous'), '-o', 'ch0.nzp'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['decompress', '-q', 'ch0.nzp', '-o', 'ch0.continuous'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'ch0.continuous')).equals(readFileSync(join(src, '101_CH0.continuous'))));
  });

  test('synthetic: irregular timestamps, recording numbers, 3 channels in natural order', async () => {
    const d = join(dir, 'syn');
    mkdirSync(d);
    const n = 1024 * 5;
    writeFileSync(join(d, '100_CH10.continuous'), continuousFile({ channel: 'CH10', samples: ramp(n, 2), gapAt: 2, recNum: 3 }));
    writeFileSync(join(d, '100_CH2.continuous'), continuousFile({ channel: 'CH2', samples: ramp(n, 1), ts0: -7n }));
    writeFileSync(join(d, '100_CH1.continuous'), continuousFile({ channel: 'CH1', samples: ramp(n, 0) }));
    writeFileSync(join(d, 'Continuous_Data.openephys'), '<xml/>');
    const s = openSource(d);
    assert.deepEqual(s.info.meta.channelNames, ['CH1', 'CH2', 'CH10']);
    assert.equal(s.readFrames(4, 1)[2], ramp(n, 2)[4]);
    s.close();
    await compressFile(d, join(dir, 'syn.nzp'), { level: 'fast', chunkSeconds: 0.05 });
    await decompressFile(join(dir, 'syn.nzp'), join(dir, 'syn-out'));
    sameFolder(d, join(dir, 'syn-out'));
  });

  test('bad input: malformed header, truncated file, mismatched records, missing marker', () => {
    const d = join(dir, 'bad');
    mkdirSync(d);
    const good = continuousFile({ channel: 'CH1', samples: ramp(2048, 0) });
    const bad = (name: string, data: Buffer, re: RegExp) => {
      writeFileSync(join(d, name), data);
      assert.throws(() => openSource(join(d, name)), (e) => isNeurozipError(e, 'UnsupportedFormat') && re.test((e as Error).message) && !(e as Error).message.includes('\n'), name);
    };
    bad('a.continuous', Buffer.concat([Buffer.alloc(1024, 0x20), good.subarray(1024)]), /not an Open Ephys/);
    bad('b.continuous', good.subarray(0, 3000), /not a whole number of 2070-byte records/);
    bad('c.continuous', good.subarray(0, 100), /truncated/);
    const noMarker = Buffer.from(good);
    noMarker[1024 + 2069] = 0;
    bad('d.continuous', noMarker, /end marker/);
    const rate = Buffer.from(good);
    rate.write('header.sampleRate = abc;  ', rate.indexOf('header.sampleRate'), 'latin1');
    bad('e.continuous', rate, /sampleRate/);
    const m = join(dir, 'mism');
    mkdirSync(m);
    writeFileSync(join(m, 'A_CH1.continuous'), good);
    writeFileSync(join(m, 'A_CH2.continuous'), continuousFile({ channel: 'CH2', samples: ramp(1024, 0) }));
    assert.throws(() => openSource(m), (e) => isNeurozipError(e, 'UnsupportedFormat') && /different numbers of records/.test((e as Error).message));
    assert.throws(() => openSource(join(dir, 'nope.continuous')), (e) => isNeurozipError(e, 'Io'));
  });
});
