import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { compressFile, decompressFile } from '../../src/api/compress.js';
import { openArrayReader, writeMtscomp } from '../../src/api/interop.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { MtscompReader, MtscompWriter, pythonJson } from '../../src/formats/mtscomp.js';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

const CBIN = sharedPath('mtscomp', 'p5_g0_t0.imec0.ap.cbin');
const CH = sharedPath('mtscomp', 'p5_g0_t0.imec0.ap.ch');
const BIN = sharedPath('ephys', 'spikeglx_np_ultra', 'p5_g0_t0.imec0.ap.bin');

/**
 * An independent minimal mtscomp reader, written from the format description only (no code
 * shared with src/): per chunk, zlib-inflate chunk_offsets[i]..[i+1], read the array in
 * chunk_order, cumsum along channels if do_spatial_diff, then along time if do_time_diff, all in
 * int16 wrapping arithmetic; returns the C-order int16 bytes of the whole recording.
 */
function referenceDecodeInt16(cbin: Buffer, ch: any): Buffer {
  assert.equal(ch.dtype, 'int16');
  const C: number = ch.n_channels;
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < ch.chunk_bounds.length; i++) {
    const n = ch.chunk_bounds[i + 1] - ch.chunk_bounds[i];
    const raw = inflateSync(cbin.subarray(ch.chunk_offsets[i], ch.chunk_offsets[i + 1]));
    assert.equal(raw.length, n * C * 2);
    const m: number[][] = [];
    for (let t = 0; t < n; t++) {
      const row: number[] = [];
      for (let c = 0; c < C; c++) row.push(raw.readInt16LE(2 * (ch.chunk_order === 'F' ? c * n + t : t * C + c)));
      m.push(row);
    }
    const wrap = (v: number) => ((v + 32768) & 0xffff) - 32768;
    if (ch.do_spatial_diff) for (const row of m) for (let c = 1; c < C; c++) row[c] = wrap(row[c]! + row[c - 1]!);
    if (ch.do_time_diff) for (let t = 1; t < n; t++) for (let c = 0; c < C; c++) m[t]![c] = wrap(m[t]![c]! + m[t - 1]![c]!);
    const out = Buffer.alloc(n * C * 2);
    m.forEach((row, t) => row.forEach((v, c) => out.writeInt16LE(v, 2 * (t * C + c))));
    parts.push(out);
  }
  return Buffer.concat(parts);
}

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describe('mtscomp', () => {
  test('the fixture decodes to the original .bin byte for byte (decompress X.cbin -o OUT.bin)', { skip: NO_DATA }, async () => {
    const out = join(dir, 'fixture.bin');
    await decompressFile(CBIN, out);
    assert.ok(readFileSync(out).equals(readFileSync(BIN)));
    // the reference reader agrees on the fixture too (so it reads what mtscomp writes)
    assert.ok(referenceDecodeInt16(readFileSync(CBIN), JSON.parse(readFileSync(CH, 'utf8'))).equals(readFileSync(BIN)));
  });

  test('random access decodes only the chunks a window touches', { skip: NO_DATA }, () => {
    const r = MtscompReader.open(CBIN);
    try {
      const bin = new Int16Array(new Uint8Array(readFileSync(BIN)).buffer);
      const w = r.read({ start: 2990, end: 3010, channels: [5, 0, 384] });
      assert.equal(r.chunksDecoded, 2);
      for (let t = 0; t < 20; t++) [5, 0, 384].forEach((c, j) => assert.equal(w[t * 3 + j], bin[(2990 + t) * 385 + c]));
      const r2 = MtscompReader.open(CBIN);
      r2.read({ start: 4000, end: 4100, channels: [1] });
      assert.equal(r2.chunksDecoded, 1);
      r2.close();
    } finally {
      r.close();
    }
  });

  test('.cbin -> .nzp -> .cbin keeps samples and every .ch option; writer output decodes with the reference reader', { skip: NO_DATA }, async () => {
    copyFileSync(CBIN, join(dir, 'a.cbin'));
    copyFileSync(CH, join(dir, 'a.ch'));
    await compressFile(join(dir, 'a.cbin'), join(dir, 'a.cbin.nzp'));
    await decompressFile(join(dir, 'a.cbin.nzp'), join(dir, 'b.cbin'));
    const orig = JSON.parse(readFileSync(CH, 'utf8'));
    const back = JSON.parse(readFileSync(join(dir, 'b.ch'), 'utf8'));
    for (const k of Object.keys(orig)) if (k !== 'chunk_offsets' && k !== 'sha1_compressed') assert.deepEqual(back[k], orig[k], k);
    assert.deepEqual(Object.keys(back).sort(), Object.keys(orig).sort());
    const cb = readFileSync(join(dir, 'b.cbin'));
    assert.equal(back.sha1_compressed, sha1(cb));
    assert.equal(back.chunk_offsets.at(-1), cb.length);
    assert.ok(referenceDecodeInt16(cb, back).equals(readFileSync(BIN)));
    assert.match(readFileSync(join(dir, 'b.ch'), 'utf8'), /"sample_rate": 30000\.0,/);
    // and the .nzp decompresses to the raw samples when asked for a .bin
    await decompressFile(join(dir, 'a.cbin.nzp'), join(dir, 'a.bin'));
    assert.ok(readFileSync(join(dir, 'a.bin')).equals(readFileSync(BIN)));
    assert.ok(!existsSync(join(dir, 'a.bin.ch')));
  });

  test('writer: every option (F/C order, time and spatial diff, odd chunks) round-trips through the reference reader', async () => {
    const n = 1001;
    const C = 7;
    const data = new Int16Array(n * C);
    let x = 12345;
    for (let i = 0; i < data.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      data[i] = i % 97 === 0 ? (x & 1 ? 32767 : -32768) : ((x >>> 16) % 2000) - 1000 + Math.round(3000 * Math.sin(i / 50));
    }
    for (const chunkOrder of ['F', 'C'] as const) {
      for (const doTimeDiff of [true, false]) {
        for (const doSpatialDiff of [true, false]) {
          const p = join(dir, `w_${chunkOrder}${+doTimeDiff}${+doSpatialDiff}.cbin`);
          const w = new MtscompWriter(p, { dtype: 'int16', nChannels: C, sampleRateHz: 300, nSamples: n, chunkOrder, doTimeDiff, doSpatialDiff });
          w.append(data.subarray(0, 13 * C));
          w.append(data.subarray(13 * C));
          w.commit();
          const ch = JSON.parse(readFileSync(p.replace(/cbin$/, 'ch'), 'utf8'));
          assert.deepEqual(ch.chunk_bounds, [0, 300, 600, 900, 1001]);
          assert.equal(ch.sha1_uncompressed, sha1(new Uint8Array(data.buffer)));
          const ref = referenceDecodeInt16(readFileSync(p), ch);
          assert.ok(ref.equals(Buffer.from(data.buffer)), `${chunkOrder} time=${doTimeDiff} spatial=${doSpatialDiff}`);
          const r = MtscompReader.open(p);
          assert.deepEqual(Array.from(r.read({ start: 299, end: 302 })), Array.from(data.subarray(299 * C, 302 * C)));
          r.close();
        }
      }
    }
  });

  test('float32 and uint8 dtypes round-trip through the writer and reader', () => {
    for (const [dtype, arr] of [
      ['float32', Float32Array.from({ length: 60 }, (_, i) => i * 0.5 - 7)],
      ['uint8', Uint8Array.from({ length: 60 }, (_, i) => (i * 37) & 255)],
    ] as const) {
      const p = join(dir, `d_${dtype}.cbin`);
      const w = new MtscompWriter(p, { dtype, nChannels: 3, sampleRateHz: 7, nSamples: 20 });
      w.append(arr);
      w.commit();
      const r = MtscompReader.open(p);
      assert.deepEqual(Array.from(r.read()), Array.from(arr));
      r.close();
    }
  });

  test('.ch text is what Python json.dump(indent=2, sort_keys=True) writes', () => {
    assert.equal(pythonJson({ b: [1, 2], a: 3, sample_rate: 30000 }, new Set(['sample_rate'])), '{\n  "a": 3,\n  "b": [\n    1,\n    2\n  ],\n  "sample_rate": 30000.0\n}');
  });

  test('bad input: missing .ch, mismatched sizes, unknown options, corrupt chunk', { skip: NO_DATA }, async () => {
    copyFileSync(CBIN, join(dir, 'lonely.cbin'));
    await assert.rejects(decompressFile(join(dir, 'lonely.cbin'), join(dir, 'lonely.bin')), (e) => isNeurozipError(e, 'UnsupportedFormat') && /lonely\.ch is missing/.test((e as Error).message));
    const ch = JSON.parse(readFileSync(CH, 'utf8'));
    const cb = readFileSync(CBIN);
    writeFileSync(join(dir, 'short.cbin'), cb.subarray(0, cb.length - 10));
    writeFileSync(join(dir, 'short.ch'), JSON.stringify(ch));
    assert.throws(() => MtscompReader.open(join(dir, 'short.cbin')), (e) => isNeurozipError(e, 'CorruptData') && /mismatched/.test((e as Error).message));
    for (const [k, v, re] of [
      ['algorithm', 'lzma', /unknown mtscomp algorithm 'lzma'/],
      ['chunk_order', 'K', /unknown mtscomp chunk_order 'K'/],
      ['do_fancy_diff', true, /unknown mtscomp option 'do_fancy_diff'/],
      ['dtype', 'complex64', /dtype 'complex64' is not supported/],
      ['version', '2.0', /version 2\.0/],
      ['shape', [1, 2], /shape/],
    ] as const) {
      writeFileSync(join(dir, `opt.cbin`), cb);
      writeFileSync(join(dir, `opt.ch`), JSON.stringify({ ...ch, [k]: v }));
      assert.throws(() => MtscompReader.open(join(dir, 'opt.cbin')), (e) => isNeurozipError(e, 'UnsupportedFormat') && re.test((e as Error).message), k);
    }
    const bad = Buffer.from(cb);
    bad[100] ^= 0xff;
    writeFileSync(join(dir, 'bad.cbin'), bad);
    writeFileSync(join(dir, 'bad.ch'), JSON.stringify(ch));
    await assert.rejects(decompressFile(join(dir, 'bad.cbin'), join(dir, 'bad.bin')), (e) => isNeurozipError(e, 'CorruptData'));
    assert.ok(!existsSync(join(dir, 'bad.bin')));
  });

  test('CLI: decompress, cat and convert read .cbin directly; an unknown --to is a usage error', { skip: NO_DATA }, async () => {
    copyFileSync(CBIN, join(dir, 'c.cbin'));
    copyFileSync(CH, join(dir, 'c.ch'));
    let r = cli(['decompress', '-q', 'c.cbin'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'c.bin')).equals(readFileSync(BIN)));
    r = cli(['cat', 'c.cbin', '-o', 'w.raw', '--start-sample', '2999', '--end-sample', '3001', '--channels', '2'], dir);
    assert.equal(r.code, 0, r.stderr);
    const bin = new Int16Array(new Uint8Array(readFileSync(BIN)).buffer);
    assert.deepEqual(Array.from(new Int16Array(new Uint8Array(readFileSync(join(dir, 'w.raw'))).buffer)), [bin[2999 * 385 + 2], bin[3000 * 385 + 2]]);
    r = cli(['convert', 'c.cbin', '--to', 'npy', '-o', 'c.npy', '-q'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'c.npy')).subarray(128).equals(readFileSync(BIN)));
    r = cli(['convert', 'c.npy', '--to', 'mtscomp', '-o', 'd.cbin', '-q', '--chunk-seconds', '0.05'], dir);
    assert.equal(r.code, 2, 'an .npy has no sample rate');
    assert.match(r.stderr, /sample rate is unknown/);
    r = cli(['convert', 'c.bin', '--to', 'mtscomp', '-o', 'd.cbin', '-q', '--channels', '385', '--sample-rate', '30000', '--chunk-seconds', '0.05'], dir);
    assert.equal(r.code, 0, r.stderr);
    const dch = JSON.parse(readFileSync(join(dir, 'd.ch'), 'utf8'));
    assert.deepEqual(dch.chunk_bounds, [0, 1500, 3000, 4500, 5000]);
    assert.ok(referenceDecodeInt16(readFileSync(join(dir, 'd.cbin')), dch).equals(readFileSync(BIN)));
    r = cli(['convert', 'c.cbin', '--to', 'nzp', '-o', 'c.nzp', '-q'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['convert', 'c.nzp', '--to', 'raw', '-o', 'c2.raw', '-q'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'c2.raw')).equals(readFileSync(BIN)));
    r = cli(['convert', 'c.cbin', '--to', 'wav', '-o', 'c.wav'], dir);
    assert.equal(r.code, 2);
    const rr = await openArrayReader(join(dir, 'c.nzp'));
    assert.ok(rr.mtscompCh);
    await writeMtscomp(rr, join(dir, 'e.cbin'));
    rr.close();
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'e.ch'), 'utf8')).chunk_bounds, [0, 3000, 5000]);
  });
});
