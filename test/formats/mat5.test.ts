import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { isNeurozipError } from '../../src/core/errors.js';
import { parseMat5, readMat5, type MatValue } from '../../src/formats/mat5.js';
import { readCalciumGroundTruth } from '../../src/spikes/calcium.js';
import { rng } from '../kit/signals.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const PY = '/usr/bin/python3';
const HAS_SCIPY = spawnSync(PY, ['-c', 'import scipy.io'], { encoding: 'utf8' }).status === 0;
const NO_SCIPY: string | false = HAS_SCIPY ? false : "python3-scipy is not installed (/usr/bin/python3 -c 'import scipy.io' failed); install it (apt-get install python3-scipy) for the independent check";

/** Frames per trial and total ground-truth spikes, from ../shared/data/PROVENANCE.md (calcium). */
const EXPECTED: Record<string, { frames: number[]; spikes: number; hz: number }> = {
  'DS06-GCaMP6f-zf-aDp': { frames: [3600, 3600], spikes: 530, hz: 30.0 },
  'DS08-GCaMP6f-zf-OB': { frames: [3600, 3600, 3600], spikes: 1839, hz: 30.0 },
  'DS09-GCaMP6f-m-V1': { frames: [14400, 14400, 14400], spikes: 333, hz: 60.1 },
  'DS10-GCaMP6f-m-V1-neuropil-corrected': { frames: [35000], spikes: 129, hz: 158.3 },
  'DS14-GCaMP6s-m-V1': { frames: [14400, 14400, 14400], spikes: 303, hz: 60.1 },
  'DS29-GCaMP7f-m-V1': { frames: [19520, 19520, 19520], spikes: 334, hz: 122.0 },
  'DS30-GCaMP8f-m-V1': { frames: [19520, 19520, 19520], spikes: 195, hz: 122.0 },
  'DS31-GCaMP8m-m-V1': { frames: [20720, 20720, 20720, 20720], spikes: 190, hz: 122.0 },
  'DS32-GCaMP8s-m-V1': { frames: [20740, 20740, 20740, 20740, 20740], spikes: 458, hz: 122.0 },
};

function calciumFile(ds: string): string {
  const d = sharedPath('calcium', ds);
  return join(d, readdirSync(d).find((f) => f.endsWith('.mat'))!);
}

// ---- a small MAT v5 writer for synthetic files (written from the format document) ----
function tag(type: number, data: Uint8Array, small = true): Uint8Array {
  if (small && data.length <= 4 && type !== 14) {
    const out = new Uint8Array(8);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, type, true);
    dv.setUint16(2, data.length, true);
    out.set(data, 4);
    return out;
  }
  const pad = (8 - (data.length % 8)) % 8;
  const out = new Uint8Array(8 + data.length + pad);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const i32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const u32 = (...v: number[]) => new Uint8Array(Uint32Array.from(v).buffer);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
function matrix(cls: number, dims: number[], name: string, body: Uint8Array[], flags = 0): Uint8Array {
  return tag(14, cat(tag(6, u32(cls | flags, 0), false), tag(5, i32(...dims)), tag(1, ascii(name)), ...body));
}
function header(text = 'MATLAB 5.0 MAT-file, Platform: test, Created by: neurozip tests'): Uint8Array {
  const h = new Uint8Array(128).fill(32);
  h.set(ascii(text));
  h.fill(0, 116, 124);
  h[124] = 0;
  h[125] = 1;
  h.set(ascii('IM'), 126);
  return h;
}
function syntheticMat(compress: boolean): Uint8Array {
  // x = [1 2 3; 4 5 6] stored as int16 data in a double array (MATLAB does this)
  const x = matrix(6, [2, 3], 'x', [tag(3, new Uint8Array(Int16Array.from([1, 4, 2, 5, 3, 6]).buffer))]);
  const z = matrix(6, [1, 2], 'z', [tag(9, new Uint8Array(Float64Array.from([1.5, -2]).buffer)), tag(9, new Uint8Array(Float64Array.from([0.5, 3]).buffer))], 0x0800);
  const s = matrix(4, [2, 3], 's', [tag(4, new Uint8Array(Uint16Array.from('adbecf', (c) => c.charCodeAt(0)).buffer))]);
  const fieldLen = 8;
  const names = new Uint8Array(fieldLen * 2);
  names.set(ascii('a'), 0);
  names.set(ascii('bb'), fieldLen);
  const el = (n: string, v: number) => matrix(6, [1, 1], n, [tag(9, new Uint8Array(Float64Array.from([v]).buffer))]);
  const st = matrix(2, [1, 2], 'st', [tag(5, i32(fieldLen)), tag(1, names), el('', 1), el('', 2), el('', 3), tag(14, new Uint8Array(0))]);
  const c = matrix(1, [1, 2], 'c', [matrix(4, [1, 2], '', [tag(16, ascii('hi'))]), matrix(6, [0, 0], '', [])]);
  // miCOMPRESSED data is not padded
  const compressed = (v: Uint8Array) => {
    const z = deflateSync(v);
    return cat(u32(15, z.length), z);
  };
  const vars = [x, z, s, st, c].map((v) => (compress ? compressed(v) : v));
  return cat(header(), ...vars);
}

function num(v: MatValue | undefined): number[] {
  assert.ok(v && v.kind === 'numeric', `expected numeric, got ${v?.kind}`);
  return Array.from(v.real);
}

describe('MATLAB v5 reader', () => {
  for (const compress of [false, true]) {
    test(`synthetic file (${compress ? 'miCOMPRESSED' : 'uncompressed'}): numeric storage types, complex, char, struct, cell, empty`, () => {
      const m = parseMat5(syntheticMat(compress), 'synthetic.mat');
      assert.deepEqual([...m.variables.keys()], ['x', 'z', 's', 'st', 'c']);
      const x = m.variables.get('x')!;
      assert.equal(x.kind, 'numeric');
      assert.deepEqual(x.dims, [2, 3]);
      assert.deepEqual(num(x), [1, 4, 2, 5, 3, 6]);
      const z = m.variables.get('z')!;
      assert.ok(z.kind === 'numeric' && z.imag);
      assert.deepEqual([...z.real, ...z.imag!], [1.5, -2, 0.5, 3]);
      const s = m.variables.get('s')!;
      assert.ok(s.kind === 'char');
      assert.deepEqual(s.rows, ['abc', 'def']);
      const st = m.variables.get('st')!;
      assert.ok(st.kind === 'struct');
      assert.deepEqual(st.fields, ['a', 'bb']);
      assert.deepEqual(num(st.elements[0]!.get('a')), [1]);
      assert.deepEqual(num(st.elements[0]!.get('bb')), [2]);
      assert.deepEqual(num(st.elements[1]!.get('a')), [3]);
      assert.equal(st.elements[1]!.get('bb')!.kind, 'empty');
      const c = m.variables.get('c')!;
      assert.ok(c.kind === 'cell');
      assert.deepEqual(c.cells[0]!.kind === 'char' && c.cells[0]!.rows, ['hi']);
      assert.deepEqual(c.cells[1]!.dims, [0, 0]);
    });
  }

  test('truncated and garbled files raise CorruptData/UnsupportedFormat errors naming the file', () => {
    for (const compress of [false, true]) {
      const good = syntheticMat(compress);
      for (let n = 0; n < good.length; n += compress ? 3 : 5) {
        try {
          parseMat5(good.subarray(0, n), 'cut.mat');
          // a cut exactly at a variable boundary is a valid shorter file
        } catch (e) {
          assert.ok(isNeurozipError(e, 'CorruptData') || isNeurozipError(e, 'UnsupportedFormat'), `cut at ${n}: ${(e as Error).stack}`);
          assert.match((e as Error).message, /cut\.mat/);
        }
      }
      const r = rng(compress ? 7 : 8);
      for (let k = 0; k < 400; k++) {
        const bad = good.slice();
        for (let j = 0; j < 3; j++) bad[128 + Math.floor(r() * (bad.length - 128))] = Math.floor(r() * 256);
        try {
          parseMat5(bad, 'garbled.mat');
        } catch (e) {
          assert.ok(isNeurozipError(e, 'CorruptData') || isNeurozipError(e, 'UnsupportedFormat'), `garbled #${k}: ${(e as Error).stack}`);
        }
      }
    }
    assert.throws(() => parseMat5(ascii('hello world'), 'x.txt'), /x\.txt: not a MATLAB v5 MAT-file/);
    assert.throws(() => parseMat5(cat(header('MATLAB 7.3 MAT-file, HDF5'), new Uint8Array(8)), 'v73.mat'), /v7\.3/);
    const be = header();
    be.set(ascii('MI'), 126);
    assert.throws(() => parseMat5(be, 'be.mat'), /big-endian/);
    const zbad = cat(header(), u32(15, 8), new Uint8Array([0x78, 0x9c, 1, 2, 3, 4, 5, 6]));
    assert.throws(() => parseMat5(zbad, 'z.mat'), (e: Error) => e.name === 'CorruptDataError' && /does not inflate/.test(e.message));
    const zb = deflateSync(new Uint8Array(1 << 20));
    const bomb = cat(header(), u32(15, zb.length), zb);
    assert.throws(() => parseMat5(bomb, 'bomb.mat', { maxInflatedBytes: 1000 }), /more than 1000 bytes/);
    const sparse = cat(header(), matrix(5, [2, 2], 'sp', []));
    assert.throws(() => parseMat5(sparse, 'sp.mat'), (e: Error) => e.name === 'UnsupportedFormatError' && /sparse/.test(e.message));
    const wrongCount = cat(header(), matrix(6, [2, 2], 'w', [tag(9, new Uint8Array(8 * 3))]));
    assert.throws(() => parseMat5(wrongCount, 'w.mat'), /w\.mat: w: real part: 3 values, the dimensions need 4/);
  });

  test('the 9 CASCADE ground-truth files: trials, frames, frame rate and spike counts match PROVENANCE', { skip: NO_DATA }, () => {
    for (const [ds, exp] of Object.entries(EXPECTED)) {
      const trials = readCalciumGroundTruth(calciumFile(ds));
      assert.deepEqual(trials.map((t) => t.dff.length), exp.frames, ds);
      assert.equal(trials.reduce((a, t) => a + t.spikes.length, 0), exp.spikes, ds);
      let inside = 0;
      for (const t of trials) {
        assert.ok(Math.abs(t.fs - exp.hz) < 0.15, `${ds}: ${t.fs} Hz`);
        assert.ok(t.dff.every(Number.isFinite), `${ds}: finite dF/F`);
        inside += t.spikes.filter((s) => s >= t.time[0]! && s <= t.time[t.time.length - 1]!).length;
      }
      // the ephys can outlast the imaging (DS31 trial 1: 19 of 38 spikes after the last frame)
      assert.ok(inside >= 0.85 * exp.spikes, `${ds}: ${inside}/${exp.spikes} spikes inside the imaging span`);
    }
    assert.throws(() => readCalciumGroundTruth(join(dir, 'missing.mat')), /ENOENT|no such file/);
    const other = join(dir, 'other.mat');
    writeFileSync(other, syntheticMat(true));
    assert.throws(() => readCalciumGroundTruth(other), /other\.mat: no variable 'CAttached' \(variables: x, z, s, st, c\)/);
  });

  test('independent check: scipy.io.loadmat reads the same values', { skip: NO_DATA || NO_SCIPY }, () => {
    const py = String.raw`
import sys, json, numpy as np, scipy.io as sio
m = sio.loadmat(sys.argv[1], squeeze_me=False)
c = m['CAttached']
out = []
for k in range(c.size):
    e = c.flat[k]
    if e.dtype.names is None: e = e.flat[0]
    e = e.flat[0] if e.shape else e
    out.append({f: np.asarray(e[f], dtype=np.float64).ravel(order='F').tolist() for f in ('fluo_time', 'fluo_mean', 'events_AP')})
json.dump(out, open(sys.argv[2], 'w'))
`;
    for (const ds of ['DS06-GCaMP6f-zf-aDp', 'DS29-GCaMP7f-m-V1', 'DS10-GCaMP6f-m-V1-neuropil-corrected']) {
      const f = calciumFile(ds);
      const outJson = join(dir, `${ds}.json`);
      const r = spawnSync(PY, ['-c', py, f, outJson], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const ref = JSON.parse(readFileSync(outJson, 'utf8')) as Record<string, number[]>[];
      const m = readMat5(f);
      const c = m.variables.get('CAttached')!;
      assert.ok(c.kind === 'cell');
      assert.equal(c.cells.length, ref.length);
      c.cells.forEach((cell, i) => {
        assert.ok(cell.kind === 'struct');
        for (const field of ['fluo_time', 'fluo_mean', 'events_AP']) assert.deepEqual(num(cell.elements[0]!.get(field)), ref[i]![field], `${ds} trial ${i + 1} ${field}`);
      });
    }
  });
});
