import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isNeurozipError } from '../../src/core/errors.js';
import { VlsvFile } from '../../src/formats/vlsv.js';
import { vdfMoments } from '../../src/metrics/vdf.js';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const BULK = () => sharedPath('vlsv', 'bulk.1d.vlsv');
const PY = '/usr/bin/python3';
const hasNumpy = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/**
 * An independent reading of the VDF with Python's xml.etree + numpy, written from the format
 * description (footer offset at byte 8; tags give offset/arraysize/vectorsize/datasize/datatype).
 */
const PY_READER = String.raw`
import sys, struct, numpy as np, xml.etree.ElementTree as ET
path, pop, cell, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
d = open(path, 'rb').read()
off = struct.unpack('<Q', d[8:16])[0]
root = ET.fromstring(d[off:].decode())
def arr(tag, **kw):
    for e in root.iter(tag):
        if all(e.get(k) == v for k, v in kw.items()):
            t = {'uint': 'u', 'int': 'i', 'float': 'f'}[e.get('datatype')] + e.get('datasize')
            n = int(e.get('arraysize')) * int(e.get('vectorsize'))
            a = np.frombuffer(d, dtype='<' + t, count=n, offset=int(e.text))
            return a.reshape(int(e.get('arraysize')), -1)
cells = arr('CELLSWITHBLOCKS', name=pop)[:, 0]; bpc = arr('BLOCKSPERCELL', name=pop)[:, 0]
ids = arr('BLOCKIDS', name=pop)[:, 0]; blk = arr('BLOCKVARIABLE', name=pop)
nbx, nby, nbz, bx, by, bz = [int(v) for v in arr('MESH_BBOX', mesh=pop)[:, 0]]
k = int(np.nonzero(cells == cell)[0][0]); s = int(bpc[:k].sum()); n = int(bpc[k])
f = np.zeros((nbz * bz, nby * by, nbx * bx), np.float32)
for b, vals in zip(ids[s:s + n], blk[s:s + n]):
    b = int(b); i, j, kk = b % nbx, (b // nbx) % nby, b // (nbx * nby)
    f[kk*bz:(kk+1)*bz, j*by:(j+1)*by, i*bx:(i+1)*bx] = vals.reshape(bz, by, bx)
np.save(out, f)
`;

test('vdf extract matches an independent numpy reading of bulk.1d (cells 10 and 5)', { skip: NO_DATA || (!hasNumpy && `${PY} with numpy is absent`) }, () => {
  writeFileSync(join(dir, 'ref.py'), PY_READER);
  for (const cell of [10, 5]) {
    const ours = join(dir, `c${cell}.npy`);
    const r = cli(['vdf', 'extract', BULK(), '--cell', String(cell), '-o', ours]);
    assert.equal(r.code, 0, r.stderr);
    const ref = join(dir, `ref${cell}.npy`);
    const p = spawnSync(PY, [join(dir, 'ref.py'), BULK(), 'proton', String(cell), ref], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    assert.ok(readFileSync(ours).equals(readFileSync(ref)), `cell ${cell}: .npy differs from the numpy reading`);
  }
});

test('VlsvFile: populations, mesh, VDF layout and moments of bulk.1d', { skip: NO_DATA }, () => {
  const f = VlsvFile.open(BULK());
  assert.deepEqual(f.populationNames(), ['proton']);
  const p = f.population('proton');
  assert.deepEqual(p.cells, [10, 5]);
  assert.deepEqual(p.blocksPerCell, [1000, 1000]);
  assert.deepEqual(p.mesh.shape, [40, 40, 40]);
  const v = f.readVdf('proton', 10);
  // the Maxwellian peaks inside the grid and is positive everywhere a block exists
  let arg = 0;
  for (let i = 0; i < v.data.length; i++) if (v.data[i]! > v.data[arg]!) arg = i;
  assert.ok(v.data[arg]! > 40 && v.data[arg]! < 45);
  const m = vdfMoments(v.data, v.shape, p.mesh.extent);
  assert.ok(m.density > 1 && m.density < 1.05, `density ${m.density}`);
  // block id = i + nbx (j + nby k), cell x + 4 y + 16 z: spot-check one value against the raw arrays
  const ids = f.read(f.findOne('BLOCKIDS', { name: 'proton' })!, 0, 1000);
  const blk = f.read(f.findOne('BLOCKVARIABLE', { name: 'proton' })!, 0, 1000);
  const b = 123;
  const id = ids[b]!;
  const [i, j, k] = [id % 10, Math.floor(id / 10) % 10, Math.floor(id / 100)];
  const [x, y, z] = [1, 2, 3];
  assert.equal(v.data[((k * 4 + z) * 40 + j * 4 + y) * 40 + i * 4 + x], blk[b * 64 + x + 4 * y + 16 * z]);
});

test('vdf list, and clear errors on bad input', { skip: NO_DATA }, () => {
  let r = cli(['vdf', 'list', '--json', BULK()]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.populations[0].cells, [10, 5]);
  assert.deepEqual(j.populations[0].mesh.shape, [40, 40, 40]);
  r = cli(['vdf', 'list', sharedPath('vlsv', 'bulk.amr.vlsv')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /0 cells with VDFs/);

  r = cli(['vdf', 'extract', BULK(), '--cell', '3', '-o', join(dir, 'x.npy')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cell 3 has no VDF for 'proton' \(cells with VDFs: 10, 5\)/);
  r = cli(['vdf', 'extract', BULK(), '--cell', '10', '--population', 'electron', '-o', join(dir, 'x.npy')]);
  assert.match(r.stderr, /no population 'electron' \(populations with VDFs: proton\)/);
  assert.ok(!existsSync(join(dir, 'x.npy')));

  writeFileSync(join(dir, 'not.vlsv'), 'hello, this is not a VLSV file at all');
  r = cli(['vdf', 'list', join(dir, 'not.vlsv')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not a VLSV file/);
  const bytes = readFileSync(BULK());
  writeFileSync(join(dir, 'cut.vlsv'), bytes.subarray(0, 100000));
  r = cli(['vdf', 'extract', join(dir, 'cut.vlsv'), '--cell', '10', '-o', join(dir, 'y.npy')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /truncated VLSV file/);
  // footer intact, data cut out of the middle: the arrays point past the end
  const footerAt = Number(bytes.readBigUInt64LE(8));
  const shifted = Buffer.concat([bytes.subarray(0, 8), Buffer.alloc(8), bytes.subarray(16, 5000), bytes.subarray(footerAt)]);
  shifted.writeBigUInt64LE(BigInt(5000), 8);
  assert.throws(() => VlsvFile.fromBytes('cut2', new Uint8Array(shifted)).readVdf('proton', 10), (e) => isNeurozipError(e, 'CorruptData') && /truncated or corrupt/.test((e as Error).message));
  // a footer cut short
  assert.throws(() => VlsvFile.fromBytes('cut3', new Uint8Array(bytes.subarray(0, bytes.byteLength - 40))), (e) => isNeurozipError(e, 'CorruptData'));
});

test('refined velocity meshes are refused with a clear error', { skip: NO_DATA }, () => {
  const bytes = Buffer.from(readFileSync(BULK()));
  const f0 = VlsvFile.fromBytes('x', new Uint8Array(bytes));
  const t = f0.findOne('BLOCKIDS', { name: 'proton' })!;
  bytes.writeUInt32LE(1000 + 7, t.offset); // a level-1 block id
  assert.throws(() => VlsvFile.fromBytes('refined.vlsv', new Uint8Array(bytes)).readVdf('proton', 10), (e) => isNeurozipError(e, 'UnsupportedFormat') && /refined velocity mesh/.test((e as Error).message));
});
