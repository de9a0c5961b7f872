import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
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

describe('Open Ephys binary', () => {
  for (const name of ['mixed_6ch', 'np_lfp_384ch', 'v0.4.4.1_cinpla_32ch']) {
    test(`${name}: folder -> .nzp -> identical folder`, { skip: NO_DATA }, async () => {
      const src = sharedPath('ephys', 'openephys_binary', name);
      const s = openSource(src);
      assert.equal(s.info.format, 'openephys-binary');
      assert.ok(Array.isArray(s.info.meta.channelNames) && (s.info.meta.channelNames as string[]).length === s.info.nChannels);
      s.close();
      await compressFile(src, join(dir, `${name}.nzp`), { level: 'fast' });
      await decompressFile(join(dir, `${name}.nzp`), join(dir, name));
      sameFolder(src, join(dir, name));
    });
  }

  test('CLI: compress FOLDER, info shows channels/rate/samples, decompress --output-dir D restores the files', { skip: NO_DATA }, () => {
    const src = sharedPath('ephys', 'openephys_binary', 'mixed_6ch');
    let r = cli(['compress', '-q', '--level', 'fast', src + '/', '-o', 'oe.nzp'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['info', '--json', 'oe.nzp'], dir);
    const i = JSON.parse(r.stdout);
    assert.equal(i.format, 'openephys-binary');
    assert.deepEqual([i.nChannels, i.nSamples, i.sampleRateHz], [6, 30000, 30000]);
    assert.deepEqual(i.channelNames, ['CH1', 'CH2', 'CH3', 'CH4', 'ADC1', 'ADC2']);
    r = cli(['decompress', '-q', 'oe.nzp', '--output-dir', 'D'], dir);
    assert.equal(r.code, 0, r.stderr);
    sameFolder(src, join(dir, 'D'));
  });

  test('bad folders: no oebin, no data file', () => {
    mkdirSync(join(dir, 'empty'));
    assert.throws(() => openSource(join(dir, 'empty')), (e) => isNeurozipError(e, 'UnsupportedFormat'));
    mkdirSync(join(dir, 'nodata'));
    writeFileSync(join(dir, 'nodata', 'structure.oebin'), JSON.stringify({ continuous: [{ folder_name: 'X/', num_channels: 2, sample_rate: 10 }] }));
    assert.throws(() => openSource(join(dir, 'nodata')), (e) => isNeurozipError(e, 'UnsupportedFormat') && /none has a continuous.dat/.test((e as Error).message));
  });
});

describe('folder paths in the container header', () => {
  test("mainPath or sidecar path with '..' or absolute is refused as corrupt", async () => {
    const { headerFromJson } = await import('../../src/container/format.js');
    const base = { dtype: 'int16', nChannels: 1, sampleRateHz: null, chunkSamples: 1, pipeline: [], source: { format: 'x', fileName: 'x', encoding: { bytesPerSample: 2, bigEndian: false }, prefix: '', sidecars: [] as unknown[] } };
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a\\b']) {
      assert.throws(() => headerFromJson({ ...base, source: { ...base.source, mainPath: bad } }), (e) => isNeurozipError(e, 'CorruptData'), bad);
      assert.throws(() => headerFromJson({ ...base, source: { ...base.source, sidecars: [{ role: 'file', path: bad, data: '' }] } }), (e) => isNeurozipError(e, 'CorruptData'), bad);
    }
    assert.equal(headerFromJson({ ...base, source: { ...base.source, mainPath: 'a/b.dat' } }).source.mainPath, 'a/b.dat');
  });
});
