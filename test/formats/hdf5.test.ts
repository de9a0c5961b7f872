import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compressFile, decompressFile } from '../../src/api/compress.js';
import { openArrayReader, type ArrayReader } from '../../src/api/interop.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { openHdf5Array, writeHdf5 } from '../../src/formats/hdf5.js';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';
import { needPython, python } from '../kit/python.js';

const { dir, cleanup } = tempDir();
after(cleanup);

/** Recordings from ../shared/data, one per reader family. */
export const INTEROP_INPUTS: [string, string[]][] = [
  ['openephys-legacy', ['ephys', 'openephys_legacy']],
  ['openephys-binary', ['ephys', 'openephys_binary', 'mixed_6ch']],
  ['spikeglx', ['ephys', 'spikeglx_np2', 'all_chan_g0_t0.imec0.ap.bin']],
  ['mtscomp', ['mtscomp', 'p5_g0_t0.imec0.ap.cbin']],
  ['wav', ['n1', '0052503c-2849-4f41-ab51-db382103690c.wav']],
];

export async function sameSamples(a: ArrayReader, b: ArrayReader): Promise<void> {
  assert.deepEqual([b.dtype, b.nChannels, b.nSamples], [a.dtype, a.nChannels, a.nSamples]);
  assert.equal(b.sampleRateHz, a.sampleRateHz);
  const x = a.read();
  const y = b.read();
  assert.equal(y.length, x.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`sample ${i}: ${x[i]} != ${y[i]}`);
}

describe('HDF5 (h5wasm)', () => {
  for (const [name, parts] of INTEROP_INPUTS) {
    test(`${name}: convert --to hdf5, read back (samples, rate, channel names), compress the .h5 and restore it`, { skip: NO_DATA }, async () => {
      const src = sharedPath(...parts);
      const h5 = join(dir, `${name}.h5`);
      const r = cli(['convert', '-q', src, '--to', 'hdf5', '-o', h5]);
      assert.equal(r.code, 0, r.stderr);
      const a = await openArrayReader(src);
      const b = await openArrayReader(h5);
      try {
        await sameSamples(a, b);
        assert.equal(b.format, 'hdf5');
        assert.deepEqual(b.channelNames, a.channelNames);
        assert.equal(b.meta?.attrs && (b.meta.attrs as Record<string, unknown>).sourceFormat, a.format);
      } finally {
        b.close();
      }
      await compressFile(h5, join(dir, `${name}.h5.nzp`), { level: 'fast' });
      await decompressFile(join(dir, `${name}.h5.nzp`), join(dir, `${name}-back.h5`));
      const c = await openArrayReader(join(dir, `${name}-back.h5`));
      try {
        await sameSamples(a, c);
      } finally {
        c.close();
        a.close();
      }
    });
  }

  test('h5py reads what we write: shape, dtype, chunks, gzip, attributes, samples', { skip: NO_DATA || needPython('h5py', 'numpy') }, () => {
    const src = sharedPath('ephys', 'openephys_legacy');
    let r = cli(['convert', '-q', src, '--to', 'hdf5', '-o', 'py.h5', '--out-dataset', 'data/ephys'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['convert', '-q', src, '--to', 'npy', '-o', 'py.npy'], dir);
    assert.equal(r.code, 0, r.stderr);
    const out = python(
      `import h5py, numpy as np, json
f = h5py.File('py.h5', 'r'); d = f['data/ephys']
print(json.dumps({'shape': list(d.shape), 'dtype': str(d.dtype), 'compression': d.compression, 'chunked': d.chunks is not None,
  'rate': float(d.attrs['sampleRateHz']), 'names': [str(x) for x in d.attrs['channelNames']], 'fmt': str(d.attrs['sourceFormat']),
  'same': bool(np.array_equal(d[:], np.load('py.npy')))}))`,
      dir,
    );
    assert.deepEqual(JSON.parse(out), { shape: [423936, 2], dtype: 'int16', compression: 'gzip', chunked: true, rate: 40000, names: ['CH0', 'CH1'], fmt: 'openephys-legacy', same: true });
  });

  test('we read what h5py writes: --dataset, shuffle+gzip, 1-D, float32, fs attribute', { skip: needPython('h5py', 'numpy') }, async () => {
    python(
      `import h5py, numpy as np
x = (np.arange(30000, dtype=np.int32).reshape(10000, 3) * 7 - 5000).astype(np.int16)
with h5py.File('h5py.h5', 'w') as f:
    d = f.create_dataset('acq/raw', data=x, chunks=(1000, 3), compression='gzip', shuffle=True)
    d.attrs['fs'] = 20000.0
    d.attrs['channel_names'] = ['a', 'b', 'c']
    f.create_dataset('lfp', data=np.linspace(-1, 1, 500, dtype=np.float32))
np.save('h5py.npy', x)`,
      dir,
    );
    const a = await openHdf5Array(join(dir, 'h5py.h5'), 'acq/raw');
    assert.deepEqual([a.dtype, a.nSamples, a.nChannels, a.sampleRateHz, a.channelNames], ['int16', 10000, 3, 20000, ['a', 'b', 'c']]);
    a.close();
    let r = cli(['convert', '-q', 'h5py.h5', '--dataset', '/acq/raw', '--to', 'npy', '-o', 'back.npy'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(dir, 'back.npy')).subarray(128).equals(readFileSync(join(dir, 'h5py.npy')).subarray(128)));
    r = cli(['compress', '-q', 'h5py.h5', '--dataset', 'acq/raw', '-o', 'h5py.nzp'], dir);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['info', '--json', 'h5py.nzp'], dir);
    assert.deepEqual(JSON.parse(r.stdout).channelNames, ['a', 'b', 'c']);
    const l = await openHdf5Array(join(dir, 'h5py.h5'), 'lfp');
    assert.deepEqual([l.dtype, l.nSamples, l.nChannels], ['float32', 500, 1]);
    assert.ok(Math.abs(l.read(499, 500)[0]! - 1) < 1e-6);
    l.close();
    // two candidate datasets and no /recording: the user must choose
    r = cli(['convert', 'h5py.h5', '--to', 'npy', '-o', 'x.npy'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /several datasets \(acq\/raw, lfp\); name one with --dataset/);
    r = cli(['convert', 'h5py.h5', '--dataset', 'nope', '--to', 'npy', '-o', 'x.npy'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no dataset 'nope'/);
  });

  test('bad input and atomic output', async () => {
    writeFileSync(join(dir, 'fake.h5'), Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]));
    await assert.rejects(openArrayReader(join(dir, 'fake.h5')), (e) => isNeurozipError(e, 'UnsupportedFormat') && /not a readable HDF5 file/.test((e as Error).message));
    const src = await openArrayReader(join(dir, 'fake.h5')).catch(() => undefined);
    assert.equal(src, undefined);
    // the CLI says it in one line: HDF5's own error stack is not printed
    const r = cli(['compress', 'fake.h5', '-o', 'fake.nzp'], dir);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /HDF5-DIAG/);
    writeFileSync(join(dir, 'taken.h5'), 'x');
    const tiny = await openHdf5Array(join(dir, 'fake.h5')).catch((e) => e);
    assert.ok(isNeurozipError(tiny, 'UnsupportedFormat'));
    const wav = { path: 'mem', format: 'npy', dtype: 'int16', nChannels: 1, nSamples: 3, sampleRateHz: null, nChunks: 1, chunkStart: () => 0, chunkLength: () => 3, decodeChunk: () => Int16Array.of(1, 2, 3), read: () => Int16Array.of(1, 2, 3), close: () => {} } as ArrayReader;
    await assert.rejects(writeHdf5(wav, join(dir, 'taken.h5')), (e) => isNeurozipError(e, 'OutputExists'));
    assert.equal(readFileSync(join(dir, 'taken.h5'), 'utf8'), 'x');
    await writeHdf5(wav, join(dir, 'taken.h5'), { force: true });
    const back = await openHdf5Array(join(dir, 'taken.h5'));
    assert.deepEqual(Array.from(back.read(0, 3)), [1, 2, 3]);
    back.close();
  });
});
