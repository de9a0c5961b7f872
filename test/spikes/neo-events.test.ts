import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { neo, neoCrossings, neoThreshold } from '../../src/spikes/neo.js';
import { detectEvents, eventsToCsv } from '../../src/spikes/events.js';
import { rng } from '../kit/signals.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/paths.js';

const FS = 20000;
/** Gaussian noise (sigma 5) with biphasic spikes (trough -amp) at the given samples, per channel. */
export function synthSpikes(n: number, spikes: number[][], amp = 120, seed = 11): Float64Array {
  const c = spikes.length;
  const r = rng(seed);
  const x = new Float64Array(n * c);
  for (let i = 0; i < x.length; i++) {
    const u = Math.max(1e-12, r());
    x[i] = 5 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  const shape = [-0.3, -0.8, -1, -0.6, -0.1, 0.3, 0.45, 0.4, 0.3, 0.2, 0.1];
  spikes.forEach((list, ch) => {
    for (const s of list) shape.forEach((v, j) => { if (s + j < n) x[(s + j) * c + ch]! += amp * v; });
  });
  return x;
}

describe('NEO', () => {
  test('psi[n] = x[n]^2 - x[n-1] x[n+1], ends 0', () => {
    assert.deepEqual([...neo([1, 2, 3, 5, 4])], [0, 4 - 3, 9 - 10, 25 - 12, 0]);
    assert.equal(neoThreshold(Float64Array.from([1, 2, 3]), 2), 4);
    // upward crossings with 1 ms dead time (20 samples at 20 kHz)
    const psi = new Float64Array(100);
    psi[10] = 5; psi[15] = 5; psi[50] = 5;
    assert.deepEqual([...neoCrossings(psi, 1, FS)], [10, 50]);
  });
  test('finds synthetic spikes on two channels', () => {
    const truth = [[1000, 5000, 9000, 15000], [3000, 12000]];
    const x = synthSpikes(20000, truth);
    const r = detectEvents(x, 2, FS, { method: 'neo' });
    for (let ch = 0; ch < 2; ch++) {
      const got = r.events.filter((e) => e.channel === ch).map((e) => e.sample);
      assert.equal(got.length, truth[ch]!.length, `channel ${ch}: ${got}`);
      got.forEach((s, i) => assert.ok(Math.abs(s - truth[ch]![i]!) <= 4, `ch ${ch} event ${s} vs ${truth[ch]![i]}`));
    }
  });
});

describe('threshold detector (multiplier configurable)', () => {
  test('synthetic spikes found within 0.25 ms; amplitude is the trough; multiplier matters', () => {
    const truth = [[2000, 7000, 11000, 18000]];
    const x = synthSpikes(20000, truth);
    const r = detectEvents(x, 1, FS, { method: 'threshold', multiplier: 4.5 });
    assert.equal(r.events.length, 4);
    r.events.forEach((e, i) => {
      assert.ok(Math.abs(e.sample - truth[0]![i]!) <= 5);
      assert.ok(e.amplitude < -80, `amplitude ${e.amplitude}`);
    });
    assert.ok(r.thresholds[0]!.threshold < -15 && r.thresholds[0]!.threshold > -35);
    // a huge multiplier finds nothing
    assert.equal(detectEvents(x, 1, FS, { multiplier: 50 }).events.length, 0);
    assert.match(eventsToCsv(r.events), /^sample,channel,amplitude\n2\d\d\d,0,-/);
  });
  test('bad input: empty recording, no sampling rate', () => {
    assert.throws(() => detectEvents(new Float64Array(0), 1, FS), /empty/);
    assert.throws(() => detectEvents(new Float64Array(10), 1, 100), /sampling rate/);
    assert.deepEqual(detectEvents(new Float64Array(100), 1, FS).events, []);
  });
});

describe('neurozip spikes detect', () => {
  test('CSV and JSON from a raw int16 file, both methods', () => {
    const { dir, cleanup } = tempDir();
    try {
      const x = synthSpikes(20000, [[2000, 7000, 11000, 18000]]);
      const raw = join(dir, 'a.bin');
      writeFileSync(raw, Buffer.from(Int16Array.from(x, (v) => Math.round(v)).buffer));
      const flags = ['--dtype', 'int16', '--channels', '1', '--sample-rate', String(FS)];
      for (const m of ['threshold', 'neo']) {
        const r = cli(['spikes', 'detect', raw, ...flags, '--method', m, '--json', join(dir, 'e.json')]);
        assert.equal(r.code, 0, r.stderr);
        const j = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8'));
        assert.equal(j.nEvents, 4, m);
        assert.deepEqual(Object.keys(j.events[0]), ['sample', 'channel', 'amplitude']);
      }
      const c = cli(['spikes', 'detect', raw, ...flags, '--csv', '-']);
      assert.equal(c.code, 0);
      assert.equal(c.stdout.trim().split('\n').length, 5);
      const bad = cli(['spikes', 'detect', raw, ...flags, '--method', 'wavelet']);
      assert.equal(bad.code, 2);
      writeFileSync(join(dir, 'empty.bin'), Buffer.alloc(0));
      const empty = cli(['spikes', 'detect', join(dir, 'empty.bin'), ...flags]);
      assert.notEqual(empty.code, 0);
      assert.match(empty.stderr, /empty|0 samples/);
    } finally {
      cleanup();
    }
  });
});
