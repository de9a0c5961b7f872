import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cooFromEntries, cooToDense, decodeCooCompact, denseToCoo, encodeCooCompact, eventsToCoo, readCooH5, writeCooH5 } from '../../src/spikes/coo.js';
import { rng } from '../kit/signals.js';
import { tempDir } from '../kit/paths.js';

const HAS_H5PY = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { encoding: 'utf8' }).status === 0;
const NO_H5PY: string | false = HAS_H5PY ? false : "python3-h5py is not installed (/usr/bin/python3 -c 'import h5py' failed)";

function randomGrid(n: number, seed = 3) {
  const r = rng(seed);
  const shape: [number, number, number, number] = [2000, 2, 16, 16];
  const entries = Array.from({ length: n }, () => [Math.floor(r() * 2000), Math.floor(r() * 2), Math.floor(r() * 16), Math.floor(r() * 16)]);
  return cooFromEntries(shape, entries);
}

describe('COO spike grids', () => {
  test('events -> COO -> dense -> COO; duplicates merged, sorted', () => {
    const g = eventsToCoo(
      [
        { sample: 5, channel: 3, amplitude: -1 },
        { sample: 1, channel: 0, amplitude: -1 },
        { sample: 5, channel: 3, amplitude: -2 },
      ],
      10,
      { z: 1, h: 2, w: 2 },
    );
    assert.deepEqual(g.shape, [10, 1, 2, 2]);
    assert.deepEqual([...g.coords], [1, 0, 0, 0, 5, 0, 1, 1]);
    const d = cooToDense(g);
    assert.equal(d.reduce((a, b) => a + b, 0), 2);
    assert.deepEqual(denseToCoo(d, g.shape), g);
    assert.throws(() => eventsToCoo([{ sample: 0, channel: 9, amplitude: 0 }], 10, { z: 1, h: 2, w: 2 }), /does not fit/);
    assert.throws(() => eventsToCoo([], 0, { z: 1, h: 1, w: 1 }), /empty/);
  });
  test('compact encoding round-trips and stays under 2 bytes per spike at 1 % density', () => {
    const g = randomGrid(20000);
    const b = encodeCooCompact(g);
    assert.deepEqual(decodeCooCompact(b), g);
    const perSpike = b.length / g.values.length;
    assert.ok(perSpike < 2, `${perSpike} bytes per spike`);
    const empty = cooFromEntries([5, 1, 1, 1], []);
    assert.deepEqual(decodeCooCompact(encodeCooCompact(empty)), empty);
    const odd = { ...g, values: g.values.map((v, i) => (i % 7 ? v : 3)), isTrain: g.isTrain.map((_, i) => (i < 1500 ? 1 : 0)) };
    assert.deepEqual(decodeCooCompact(encodeCooCompact(odd)), odd);
    assert.throws(() => decodeCooCompact(b.subarray(0, 8)), (e: Error) => e.name === 'CorruptDataError');
    assert.throws(() => decodeCooCompact(new Uint8Array([1, 2, 3, 4, 5, 6])), /magic/);
  });
  test('HDF5 write/read with h5wasm; malformed files give clear errors', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const g = randomGrid(500);
      const p = join(dir, 'g.h5');
      const st = await writeCooH5(p, g);
      assert.equal(st.total_spikes, 500);
      const back = await readCooH5(p);
      assert.deepEqual(back.coords, g.coords);
      assert.deepEqual(back.shape, g.shape);
      assert.equal(back.attrs.format, 'COO_sparse');
      await assert.rejects(writeCooH5(p, g), /exists/);
      writeFileSync(join(dir, 'bad.h5'), 'not hdf5 at all');
      await assert.rejects(readCooH5(join(dir, 'bad.h5')), /HDF5/);
      await assert.rejects(readCooH5(join(dir, 'none.h5')), /no such file/);
    } finally {
      cleanup();
    }
  });
  test('an HDF5 written by neurozip opens in h5py with the seed names', { skip: NO_H5PY }, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const g = randomGrid(300);
      const p = join(dir, 'g.h5');
      await writeCooH5(p, g);
      const py = `
import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
out = {k: [str(f[k].dtype), list(f[k].shape)] for k in f}
out['attrs'] = {k: (v.decode() if isinstance(v, bytes) else (v if isinstance(v, str) else float(v))) for k, v in f.attrs.items()}
out['first'] = f['spike_coords'][0].tolist()
print(json.dumps(out))`;
      const r = spawnSync('/usr/bin/python3', ['-c', py, p], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.deepEqual(j.spike_coords, ['int32', [300, 4]]);
      assert.deepEqual(j.spike_values, ['uint8', [300]]);
      assert.deepEqual(j.grid_shape, ['int32', [4]]);
      assert.deepEqual(j.timepoint_indices, ['int32', [2000]]);
      assert.deepEqual(j.is_train, ['uint8', [2000]]);
      assert.equal(j.attrs.format, 'COO_sparse');
      assert.equal(j.attrs.total_spikes, 300);
      assert.ok(j.attrs.sparsity_percent > 99);
      assert.deepEqual(j.first, [...g.coords.subarray(0, 4)]);
    } finally {
      cleanup();
    }
  });
});
