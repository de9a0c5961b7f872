import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  butterworthHighpass,
  compareSpikes,
  detectCrossings,
  filterChannel,
  matchEvents,
  medianAbs,
  SpikeTally,
  spikeThreshold,
} from '../../src/spikes/detect.js';
import { rng } from '../kit/signals.js';

const close = (a: number, b: number, eps: number, what = '') => assert.ok(Math.abs(a - b) <= eps, `${what} ${a} != ${b}`);

describe('reference spike detector', () => {
  test('Butterworth 300 Hz high-pass matches scipy.signal.butter(2, 300, "highpass", fs=20000)', () => {
    const f = butterworthHighpass(300, 20000);
    close(f.b0, 0.9355267069913497, 1e-14, 'b0');
    close(f.b1, -1.8710534139826993, 1e-14, 'b1');
    close(f.b2, 0.9355267069913497, 1e-14, 'b2');
    close(f.a1, -1.866892279711715, 1e-14, 'a1');
    close(f.a2, 0.875214548253684, 1e-14, 'a2');
    // impulse response from zero state, as scipy.signal.lfilter
    const imp = new Float64Array(8);
    imp[0] = 1;
    const want = [0.9355267069913497, -0.12452582723642514, -0.11573618273973799, -0.10708017040947695, -0.09861315255450175, -0.09038201021017502, -0.08242581132134125, -0.07477646056842827];
    const y = filterChannel(imp, 1, 0, f);
    want.forEach((v, i) => close(y[i]!, v, 1e-13, `h[${i}]`));
    assert.throws(() => butterworthHighpass(300, 500), RangeError);
  });

  test('filter reads one channel of interleaved data', () => {
    const f = butterworthHighpass(300, 20000);
    const x = Float64Array.of(1, 7, 0, 7, 0, 7);
    const y = filterChannel(x, 2, 0, f);
    close(y[1]!, -0.12452582723642514, 1e-13);
    const dc = filterChannel(x, 2, 1, f); // a step: the high-pass decays towards 0
    close(dc[0]!, 7 * 0.9355267069913497, 1e-12);
  });

  test('threshold = -4.5 median|y| / 0.6745', () => {
    const y = Float64Array.of(-3, 1, 2, -4); // |y| sorted 1 2 3 4 -> median 2.5
    assert.equal(medianAbs(y), 2.5);
    close(spikeThreshold(y), (-4.5 * 2.5) / 0.6745, 1e-12);
    assert.equal(medianAbs(Float64Array.of(5, -1, 3)), 3);
  });

  test('events are first crossings below, then dead time (1 ms)', () => {
    const y = Float64Array.of(0, -5, -6, 0, -5, 0, 0, -5);
    // fs 3000: dead time 3 samples -> events at 1, 4, 7 (2 is not a crossing)
    assert.deepEqual([...detectCrossings(y, -4, 3000)], [1, 4, 7]);
    // fs 4000: dead time 4 samples -> 4 falls inside it
    assert.deepEqual([...detectCrossings(y, -4, 4000)], [1, 7]);
    // starting below the threshold counts (y[-1] = 0)
    assert.deepEqual([...detectCrossings(Float64Array.of(-9, -9, 0), -4, 1000)], [0]);
  });

  test('matching within tolerance, one to one, and pooled P/R/F1', () => {
    const a = Int32Array.of(10, 50, 100);
    const b = Int32Array.of(12, 70, 101, 200);
    assert.equal(matchEvents(a, b, 5), 2);
    assert.equal(matchEvents(a, b, 1), 1);
    assert.equal(matchEvents(Int32Array.of(10), Int32Array.of(9, 11), 1), 1); // one to one
    const t = new SpikeTally().add({ hits: 2, original: 3, reconstructed: 4 }).add({ hits: 1, original: 1, reconstructed: 1 });
    assert.equal(t.precision, 3 / 5);
    assert.equal(t.recall, 3 / 4);
    assert.equal(t.f1, 6 / 9);
    const empty = new SpikeTally();
    assert.equal(empty.f1, null);
    assert.equal(empty.precision, null);
  });

  test('finds the known spikes of a synthetic recording', () => {
    const fs = 20000;
    const n = fs; // 1 s
    const r = rng(42);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Gaussian noise, sd 10 (Box-Muller)
      x[i] = 10 * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    }
    // spike shape: fast negative trough then a slower positive bump (about 1 ms)
    const shape = [-40, -160, -260, -200, -90, 10, 60, 80, 70, 50, 30, 15, 5];
    const times = [1500, 4000, 4010, 9000, 12345, 17000, 19990];
    for (const t of times) shape.forEach((v, k) => t + k < n && (x[t + k] += v));
    const f = butterworthHighpass(300, fs);
    const y = filterChannel(x, 1, 0, f);
    const thr = spikeThreshold(y);
    const ev = [...detectCrossings(y, thr, fs)];
    // 4010 is 0.5 ms after 4000: inside the dead time, so one event there
    const expected = [1500, 4000, 9000, 12345, 17000, 19990];
    assert.equal(ev.length, expected.length, `events ${ev}`);
    ev.forEach((e, i) => assert.ok(Math.abs(e - expected[i]!) <= 0.0005 * fs, `event ${e} vs spike at ${expected[i]}`));
    // the same recording against itself: perfect
    const self = compareSpikes(x, x, 1, fs);
    assert.deepEqual(self, { hits: 6, original: 6, reconstructed: 6 });
    // a reconstruction that lost one spike and shifted another by 2 ms
    const z = Float64Array.from(x);
    shape.forEach((v, k) => (z[9000 + k] -= v));
    shape.forEach((v, k) => {
      z[12345 + k] -= v;
      z[12385 + k] += v;
    });
    const c = compareSpikes(x, z, 1, fs);
    assert.deepEqual(c, { hits: 4, original: 6, reconstructed: 5 });
  });
});
