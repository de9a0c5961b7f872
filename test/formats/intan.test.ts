import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compressFile, decompressFile } from '../../src/api/compress.js';
import { openArrayReader } from '../../src/api/interop.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { listFolder } from '../../src/formats/folder.js';
import { openSource } from '../../src/formats/index.js';
import { parseRhdHeader } from '../../src/formats/intan.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function sameFolder(a: string, b: string): void {
  assert.deepEqual(listFolder(b), listFolder(a));
  for (const p of listFolder(a)) assert.ok(readFileSync(join(a, p)).equals(readFileSync(join(b, p))), p);
}

/** Little-endian writer for the synthetic header. */
class W {
  parts: Buffer[] = [];
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  i16(v: number) {
    const b = Buffer.alloc(2);
    b.writeInt16LE(v);
    this.parts.push(b);
    return this;
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
    return this;
  }
  /** Qt QString: uint32 byte length (0xFFFFFFFF = null), then UTF-16LE. */
  q(s: string | null) {
    if (s === null) return this.u32(0xffffffff);
    const t = Buffer.from(s, 'utf16le');
    this.u32(t.length);
    this.parts.push(t);
    return this;
  }
  done() {
    return Buffer.concat(this.parts);
  }
}

interface Ch {
  native: string;
  custom: string;
  type: number;
  enabled?: boolean;
}

/** An `info.rhd` following the RHD2000 data file format (version 3.0). */
function infoRhd(o: { rate?: number; notch?: number; groups: { name: string; prefix: string; enabled: boolean; channels: Ch[] }[]; version?: [number, number] }): Buffer {
  const [maj, min] = o.version ?? [3, 0];
  const w = new W().u32(0xc6912702).i16(maj).i16(min);
  w.f32(o.rate ?? 20000).i16(1).f32(1.17).f32(0.09).f32(7604).f32(1).f32(0.1).f32(7500).i16(o.notch ?? 1).f32(1000).f32(1000);
  w.q('synthetic test').q(null).q('');
  const v = maj * 100 + min;
  if (v >= 101) w.i16(0);
  if (v >= 103) w.i16(0);
  if (v >= 200) w.q('Hardware');
  w.i16(o.groups.length);
  for (const g of o.groups) {
    w.q(g.name).q(g.prefix).i16(g.enabled ? 1 : 0).i16(g.channels.length).i16(g.channels.filter((c) => c.type === 0).length);
    if (!g.enabled) continue; // a disabled group lists no channels
    g.channels.forEach((c, k) => {
      w.q(c.native).q(c.custom).i16(k).i16(k).i16(c.type).i16(c.enabled === false ? 0 : 1).i16(k).i16(0).i16(0).i16(0).i16(0).i16(0).f32(1.5e5 + k).f32(-60 + k);
    });
  }
  return w.done();
}

const GROUPS = [
  { name: 'Port A', prefix: 'A', enabled: true, channels: [{ native: 'A-000', custom: 'tet1-a', type: 0 }, { native: 'A-001', custom: 'tet1-b', type: 0 }, { native: 'A-002', custom: 'A-002', type: 0, enabled: false }, { native: 'A-003', custom: '', type: 0 }, { native: 'A-AUX1', custom: 'AUX1', type: 1 }] },
  { name: 'Port B', prefix: 'B', enabled: false, channels: [{ native: 'B-000', custom: 'B-000', type: 0 }] },
  { name: 'Board ADC Inputs', prefix: 'ANALOG-IN', enabled: true, channels: [{ native: 'ANALOG-IN-1', custom: 'ANALOG-IN-1', type: 3 }] },
];
const N = 5000;
const C = 3;
const sample = (t: number, c: number) => Math.round(2000 * Math.sin(t / (5 + c)) + 300 * Math.cos(t / 31)) - 100 * c;

function int16(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, 2 * i));
  return b;
}
function timeDat(n: number): Buffer {
  const b = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) b.writeInt32LE(i - 100, 4 * i);
  return b;
}

function perSignalFolder(d: string): void {
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'info.rhd'), infoRhd({ groups: GROUPS }));
  const inter: number[] = [];
  for (let t = 0; t < N; t++) for (let c = 0; c < C; c++) inter.push(sample(t, c));
  writeFileSync(join(d, 'amplifier.dat'), int16(inter));
  writeFileSync(join(d, 'time.dat'), timeDat(N));
  writeFileSync(join(d, 'analogin.dat'), Buffer.alloc(N * 2, 7));
  writeFileSync(join(d, 'settings.xml'), '<IntanRHX/>\n');
}

function perChannelFolder(d: string): void {
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'info.rhd'), infoRhd({ groups: GROUPS, notch: 2 }));
  ['A-000', 'A-001', 'A-003'].forEach((n, c) => writeFileSync(join(d, `amp-${n}.dat`), int16(Array.from({ length: N }, (_, t) => sample(t, c)))));
  writeFileSync(join(d, 'time.dat'), timeDat(N));
  writeFileSync(join(d, 'board-ANALOG-IN-1.dat'), Buffer.alloc(N * 2, 3));
  writeFileSync(join(d, 'aux-A-AUX1.dat'), Buffer.alloc(N / 2, 1));
}

describe('Intan RHX folders', () => {
  test('info.rhd header: rate, notch, enabled amplifier channels with custom/native names', () => {
    const h = parseRhdHeader('info.rhd', infoRhd({ groups: GROUPS, rate: 30000 }));
    assert.deepEqual(h.version, [3, 0]);
    assert.equal(h.sampleRateHz, 30000);
    assert.equal(h.notchFilterHz, 50);
    assert.equal(h.referenceChannel, 'Hardware');
    assert.deepEqual(h.channels.map((c) => [c.nativeName, c.signalType]), [['A-000', 0], ['A-001', 0], ['A-003', 0], ['A-AUX1', 1], ['ANALOG-IN-1', 3]]);
    // older versions lack the fields added in 1.1, 1.3 and 2.0
    const old = parseRhdHeader('old.rhd', infoRhd({ groups: GROUPS, version: [1, 0] }));
    assert.equal(old.channels.length, 5);
    assert.equal(old.referenceChannel, '');
  });

  for (const [layout, make] of [['one-file-per-signal-type', perSignalFolder], ['one-file-per-channel', perChannelFolder]] as const) {
    test(`${layout}: compress FOLDER, info shows channels/rate/samples, decompress --output-dir restores it exactly`, async () => {
      const d = join(dir, layout);
      make(d);
      const s = openSource(d);
      assert.equal(s.info.format, 'intan-rhx');
      assert.equal(s.info.meta.layout, layout);
      const f = s.readFrames(4321, 2);
      assert.deepEqual(Array.from(f), [sample(4321, 0), sample(4321, 1), sample(4321, 2), sample(4322, 0), sample(4322, 1), sample(4322, 2)]);
      s.close();
      let r = cli(['compress', '-q', d, '-o', `${layout}.nzp`], dir);
      assert.equal(r.code, 0, r.stderr);
      r = cli(['info', '--json', `${layout}.nzp`], dir);
      const i = JSON.parse(r.stdout);
      assert.deepEqual([i.format, i.nChannels, i.nSamples, i.sampleRateHz], ['intan-rhx', 3, N, 20000]);
      assert.deepEqual(i.channelNames, ['tet1-a', 'tet1-b', 'A-003']);
      r = cli(['info', `${layout}.nzp`], dir);
      assert.match(r.stdout, /channels +tet1-a tet1-b A-003/);
      assert.match(r.stdout, /20000 Hz/);
      r = cli(['decompress', '-q', `${layout}.nzp`, '--output-dir', `${layout}-out`], dir);
      assert.equal(r.code, 0, r.stderr);
      sameFolder(d, join(dir, `${layout}-out`));
      // and the samples convert on, with their names
      r = cli(['convert', '-q', `${layout}.nzp`, '--to', 'hdf5', '-o', `${layout}.h5`], dir);
      assert.equal(r.code, 0, r.stderr);
      const h5 = await openArrayReader(join(dir, `${layout}.h5`));
      assert.deepEqual(h5.channelNames, ['tet1-a', 'tet1-b', 'A-003']);
      assert.equal(h5.read({ start: 10, end: 11 })[2], sample(10, 2));
      h5.close();
    });
  }

  test('API round trip through decompressFile, info.rhd given as the input path', async () => {
    const d = join(dir, 'api');
    perChannelFolder(d);
    await compressFile(join(d, 'info.rhd'), join(dir, 'api.nzp'), { level: 'fast' });
    await decompressFile(join(dir, 'api.nzp'), join(dir, 'api-out'));
    sameFolder(d, join(dir, 'api-out'));
  });

  test('bad input: one-line errors for a bad header, missing files and mismatched sizes', () => {
    const bad = (name: string, setup: (d: string) => void, re: RegExp) => {
      const d = join(dir, 'bad', name);
      setup(d);
      assert.throws(
        () => openSource(d),
        (e) => isNeurozipError(e, 'UnsupportedFormat') && re.test((e as Error).message) && !(e as Error).message.includes('\n'),
        name,
      );
    };
    bad('magic', (d) => {
      perSignalFolder(d);
      writeFileSync(join(d, 'info.rhd'), Buffer.alloc(64));
    }, /magic number is not 0xC6912702/);
    bad('truncated', (d) => {
      perSignalFolder(d);
      writeFileSync(join(d, 'info.rhd'), infoRhd({ groups: GROUPS }).subarray(0, 150));
    }, /malformed Intan header \(truncated/);
    bad('amp-size', (d) => {
      perSignalFolder(d);
      writeFileSync(join(d, 'amplifier.dat'), Buffer.alloc(N * 2 * C + 2));
    }, /not a whole number of frames of the 3 amplifier channels/);
    bad('time-size', (d) => {
      perSignalFolder(d);
      writeFileSync(join(d, 'time.dat'), timeDat(N - 1));
    }, /time\.dat holds 4999 timestamps but the amplifier data 5000 samples/);
    bad('missing-channel', (d) => {
      perChannelFolder(d);
      // the header enables one more amplifier channel than there are files
      writeFileSync(join(d, 'info.rhd'), infoRhd({ groups: [{ ...GROUPS[0]!, channels: [...GROUPS[0]!.channels, { native: 'A-009', custom: 'x', type: 0 }] }] }));
    }, /missing amp-A-009\.dat/);
    bad('channel-sizes', (d) => {
      perChannelFolder(d);
      writeFileSync(join(d, 'amp-A-001.dat'), Buffer.alloc(N * 2 - 2));
    }, /channel files differ in size/);
    bad('nothing', (d) => {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'info.rhd'), infoRhd({ groups: GROUPS }));
    }, /neither amplifier\.dat nor amp-\*\.dat/);
  });
});
