import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const N1 = '0052503c-2849-4f41-ab51-db382103690c.wav';
const WM = 'HSW_2024_12_12__10_28_23__70min_17sec__hsamp_64ch_25000sps_stub.bin';

test('the CLI is built', () => assert.ok(existsSync(CLI), `${CLI} missing: run npm run build`));

test('compress, info --json, verify, decompress: one command each', { skip: NO_DATA }, () => {
  copyFileSync(sharedPath('n1', N1), join(dir, 'a.wav'));
  copyFileSync(sharedPath('n1', N1), join(dir, 'b.wav'));
  let r = cli(['compress', '-q', 'a.wav', 'b.wav', '--level', 'fast'], dir);
  assert.equal(r.code, 0, r.stderr);
  r = cli(['info', '--json', 'a.wav.nzp'], dir);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  for (const k of ['format', 'dtype', 'nChannels', 'nSamples', 'sampleRateHz', 'chunks', 'rawBytes', 'compressedBytes', 'containerBytes', 'formatVersion', 'ratio', 'pipeline']) assert.ok(k in info, k);
  assert.deepEqual([info.format, info.dtype, info.nChannels, info.nSamples, info.sampleRateHz], ['wav', 'int16', 1, 98689, 19531]);
  assert.ok(info.ratio > 1.5);
  assert.equal(cli(['verify', 'a.wav.nzp'], dir).code, 0);
  r = cli(['decompress', 'a.wav.nzp', '--output-dir', 'out'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readFileSync(join(dir, 'out', 'a.wav')).equals(readFileSync(sharedPath('n1', N1))));
  // never overwrite without -f; with -f it works
  r = cli(['compress', 'a.wav'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a\.wav\.nzp: already exists \(use -f to overwrite\)/);
  assert.equal(cli(['compress', '-q', '-f', 'a.wav'], dir).code, 0);
});

test('cat --start 0.2 --end 0.3 --channels 10-19 equals the same slice of the original', { skip: NO_DATA }, () => {
  copyFileSync(sharedPath('ephys', 'whitematter_hs64', WM), join(dir, 'wm.bin'));
  let r = cli(['compress', '-q', 'wm.bin', '--channels', '64', '--offset', '8', '--sample-rate', '25000', '--chunk-seconds', '0.05'], dir);
  assert.equal(r.code, 0, r.stderr);
  r = cli(['cat', 'wm.bin.nzp', '--start', '0.2', '--end', '0.3', '--channels', '10-19', '-o', 'w.raw'], dir);
  assert.equal(r.code, 0, r.stderr);
  const all = new Int16Array(readFileSync(join(dir, 'wm.bin')).buffer.slice(8));
  const got = new Int16Array(readFileSync(join(dir, 'w.raw')).buffer.slice(0));
  assert.equal(got.length, 2500 * 10);
  for (let s = 0; s < 2500; s++) for (let c = 0; c < 10; c++) assert.equal(got[s * 10 + c], all[(5000 + s) * 64 + 10 + c]);
  r = cli(['cat', 'wm.bin.nzp', '--start', '0.2', '--end', '0.3', '--channels', '10-19', '-o', 'w.npy'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readFileSync(join(dir, 'w.npy')).subarray(-got.byteLength).equals(Buffer.from(got.buffer)));
  r = cli(['cat', 'wm.bin.nzp', '--start', '0', '--end', '0.001', '--channels', '0,63', '-o', 'w.csv'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'w.csv'), 'utf8').split('\n')[1], `${all[0]},${all[63]}`);
  r = cli(['cat', 'wm.bin.nzp', '--start', '0.5', '--end', '2', '-o', 'x.npy'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /past the end of the recording/);
});

test('bad input: one clear line, the right exit code, no output left', () => {
  writeFileSync(join(dir, 'junk.xyz'), 'hello');
  writeFileSync(join(dir, 'junk.dat'), Buffer.alloc(10));
  const cases: [string[], number, RegExp][] = [
    [['compress', 'junk.xyz'], 1, /junk\.xyz: unknown format/],
    [['compress', 'missing.wav'], 1, /missing\.wav: cannot open \(no such file or directory\)/],
    [['compress', 'junk.dat'], 2, /junk\.dat: raw binary needs its layout/],
    [['compress', 'junk.dat', '--channels', '3'], 2, /not a whole number of frames of 3 int16 channels/],
    [['compress', 'junk.dat', '--codec', 'zstd:level=99', '--channels', '5'], 1, /zstd: level must be an integer/],
    [['compress', 'junk.dat', 'junk.xyz', '-o', 'x.nzp'], 2, /-o names one output/],
    [['decompress', 'junk.xyz'], 2, /does not end in \.nzp/],
    [['info', 'junk.dat'], 1, /junk\.dat: not a neurozip \.nzp file/],
    [['compress', '--level', 'ultra', 'junk.dat'], 2, /argument 'ultra' is invalid/],
    [['frobnicate'], 2, /unknown command/],
  ];
  for (const [args, code, re] of cases) {
    const r = cli(args, dir);
    assert.equal(r.code, code, `${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with')).length, 1, `one line: ${r.stderr}`);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('junk') && f.endsWith('.nzp')), []);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});
