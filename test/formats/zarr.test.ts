import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as zarr from 'zarrita';
import FileSystemStore from '@zarrita/storage/fs';
import { compressFile, decompressFile } from '../../src/api/compress.js';
import { chunkOf, openArrayReader, type ArrayReader } from '../../src/api/interop.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { openZarrArray, writeZarr } from '../../src/formats/zarr.js';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';
import { hasPythonModule, python } from '../kit/python.js';
import { INTEROP_INPUTS } from './hdf5.test.js';

const { dir, cleanup } = tempDir();
after(cleanup);

/** Every sample of `r`, as bytes. */
async function collect(r: ArrayReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < r.nChunks; i++) {
    const c = await chunkOf(r, i);
    parts.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  }
  return Buffer.concat(parts);
}

async function sameSamples(a: ArrayReader, b: ArrayReader): Promise<void> {
  assert.deepEqual([b.dtype, b.nChannels, b.nSamples, b.sampleRateHz], [a.dtype, a.nChannels, a.nSamples, a.sampleRateHz]);
  assert.ok((await collect(a)).equals(await collect(b)), 'samples differ');
}

const ZARR_PY = hasPythonModule('zarr') ? python(`import zarr; print(zarr.__version__)`).trim() : '';
const NO_ZARR_PY = !ZARR_PY ? '/usr/bin/python3 has no zarr module (zarr-python >= 3 reads Zarr v3)' : Number(ZARR_PY.split('.')[0]) < 3 ? `zarr-python ${ZARR_PY} reads Zarr v2 only (v3 needs zarr-python >= 3)` : false;

describe('Zarr v3 (zarrita)', () => {
  for (const [name, parts] of INTEROP_INPUTS) {
    test(`${name}: convert --to zarr, zarrita reads it back, compress the store and restore it`, { skip: NO_DATA }, async () => {
      const src = sharedPath(...parts);
      const out = join(dir, `${name}.zarr`);
      const r = cli(['convert', '-q', src, '--to', 'zarr', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      const meta = JSON.parse(readFileSync(join(out, 'zarr.json'), 'utf8'));
      assert.equal(meta.zarr_format, 3);
      assert.deepEqual(meta.codecs.map((c: { name: string }) => c.name), ['bytes', 'zstd']);
      assert.deepEqual(meta.dimension_names, ['time', 'channel']);
      assert.equal(meta.fill_value, 0);
      const a = await openArrayReader(src);
      const b = await openArrayReader(out);
      try {
        assert.equal(b.format, 'zarr');
        assert.deepEqual(b.channelNames, a.channelNames);
        assert.equal(meta.attributes.sourceFormat, a.format);
        await sameSamples(a, b);
      } finally {
        b.close();
      }
      await compressFile(out, join(dir, `${name}.zarr.nzp`), { level: 'fast' });
      await decompressFile(join(dir, `${name}.zarr.nzp`), join(dir, `${name}-back.zarr`));
      const c = await openArrayReader(join(dir, `${name}-back.zarr`));
      try {
        await sameSamples(b, c);
      } finally {
        c.close();
        a.close();
      }
    });
  }

  test('zarr-python reads what we write', { skip: NO_DATA || NO_ZARR_PY }, () => {
    let r = cli(['convert', '-q', sharedPath('ephys', 'openephys_legacy'), '--to', 'zarr', '-o', 'py.zarr'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['convert', '-q', 'py.zarr', '--to', 'npy', '-o', 'py.npy'], dir);
    assert.equal(r.code, 0, r.stderr);
    const out = python(`import zarr, numpy as np; a = zarr.open_array('py.zarr', mode='r'); print(a.shape, a.attrs['sampleRateHz'], np.array_equal(a[:], np.load('py.npy')))`, dir);
    assert.equal(out.trim(), '(423936, 2) 40000 True');
  });

  test('reads arrays zarrita writes with other codecs (blosc, gzip-free), inside a group, 1-D, F-order chunks', async () => {
    const store = join(dir, 'grp.zarr');
    const root = zarr.root(new FileSystemStore(store));
    await zarr.create(root, { attributes: {} });
    const x = Int16Array.from({ length: 3000 * 4 }, (_, i) => ((i * 37) % 2001) - 1000);
    const arr = await zarr.create(root.resolve('acq/raw'), { shape: [3000, 4], chunkShape: [700, 4], dtype: 'int16', codecs: [{ name: 'transpose', configuration: { order: [1, 0] } }, { name: 'bytes', configuration: { endian: 'little' } }, { name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: 2, blocksize: 0 } }], attributes: { fs: 25000, channel_names: ['w', 'x', 'y', 'z'] } });
    await zarr.set(arr, null, { data: x, shape: [3000, 4], stride: [4, 1] } as never);
    const one = await zarr.create(root.resolve('lfp'), { shape: [100], chunkShape: [30], dtype: 'float32' });
    await zarr.set(one, null, { data: Float32Array.from({ length: 100 }, (_, i) => i / 4), shape: [100], stride: [1] } as never);
    const a = await openZarrArray(store, 'acq/raw');
    assert.deepEqual([a.dtype, a.nSamples, a.nChannels, a.sampleRateHz, a.channelNames], ['int16', 3000, 4, 25000, ['w', 'x', 'y', 'z']]);
    assert.deepEqual(Array.from(await a.read(0, 3000)), Array.from(x));
    assert.deepEqual(Array.from(await a.read(699, 702)), Array.from(x.subarray(699 * 4, 702 * 4)));
    const l = await openZarrArray(store, '/lfp');
    assert.deepEqual([l.dtype, l.nSamples, l.nChannels], ['float32', 100, 1]);
    assert.equal((await l.read(99, 100))[0], 99 / 4);
    let r = cli(['convert', '-q', 'grp.zarr', '--dataset', 'acq/raw', '--to', 'npy', '-o', 'grp.npy'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'grp.npy')).subarray(128).equals(Buffer.from(x.buffer)));
    r = cli(['convert', 'grp.zarr', '--to', 'npy', '-o', 'x.npy'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /a Zarr group, not an array; name the array inside it with --dataset/);
    r = cli(['convert', 'grp.zarr', '--dataset', 'nope', '--to', 'npy', '-o', 'x.npy'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /grp\.zarr\/nope: not a readable Zarr array/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test("--zarr-codec neurozip: our pipeline as the Zarr codec 'neurozip', read back by zarrita, smaller than zstd", { skip: NO_DATA }, async () => {
    const src = sharedPath('ephys', 'openephys_legacy');
    let r = cli(['convert', '-q', src, '--to', 'zarr', '--zarr-codec', 'neurozip', '--level', 'fast', '-o', 'nz.zarr'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['convert', '-q', src, '--to', 'zarr', '-o', 'std.zarr'], dir);
    assert.equal(r.code, 0, r.stderr);
    const meta = JSON.parse(readFileSync(join(dir, 'nz.zarr', 'zarr.json'), 'utf8'));
    assert.equal(meta.codecs.length, 1);
    assert.equal(meta.codecs[0].name, 'neurozip');
    assert.ok(Array.isArray(meta.codecs[0].configuration.pipeline) && meta.codecs[0].configuration.pipeline.length > 0);
    const a = await openArrayReader(join(dir, 'std.zarr'));
    const b = await openArrayReader(join(dir, 'nz.zarr'));
    try {
      await sameSamples(a, b);
    } finally {
      a.close();
      b.close();
    }
    const size = (d: string) => readdirSync(join(dir, d, 'c'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((n, e) => n + readFileSync(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).length, 0);
    assert.ok(size('nz.zarr') < size('std.zarr'), `${size('nz.zarr')} vs ${size('std.zarr')}`);
    r = cli(['convert', src, '--to', 'zarr', '--zarr-codec', 'gzip', '-o', 'bad.zarr'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--zarr-codec must be zstd or neurozip/);
  });

  test('atomic store output: refused when present, replaced with -f, no temporary left', async () => {
    const mem = { path: 'mem', format: 'npy', dtype: 'uint16', nChannels: 2, nSamples: 5, sampleRateHz: 1000, nChunks: 2, chunkStart: (i: number) => i * 3, chunkLength: (i: number) => (i ? 2 : 3), decodeChunk: (i: number) => (i ? Uint16Array.of(7, 8, 9, 10) : Uint16Array.of(1, 2, 3, 4, 5, 6)), read: () => new Uint16Array(0), close: () => {} } as ArrayReader;
    await writeZarr(mem, join(dir, 'mem.zarr'), { chunkSamples: 2 });
    await assert.rejects(writeZarr(mem, join(dir, 'mem.zarr')), (e) => isNeurozipError(e, 'OutputExists'));
    await writeZarr(mem, join(dir, 'mem.zarr'), { force: true, chunkSamples: 4 });
    const z = await openZarrArray(join(dir, 'mem.zarr'));
    assert.deepEqual(Array.from(await z.read(0, 5)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(z.sampleRateHz, 1000);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp-')), []);
    await assert.rejects(openArrayReader(join(dir, 'absent.zarr')), (e) => isNeurozipError(e, 'Io'));
    assert.ok(!existsSync(join(dir, 'absent.zarr')));
  });
});
