import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '../../src/codecs/builtin.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { compareSpikes, eventWindowSnrs } from '../../src/spikes/detect.js';
import { synthSpikes } from '../spikes/neo-events.test.js';

describe('events codec', () => {
  test('synthetic spikes: original length, events kept at 4 / 4.5 / 5, high SNR around events, small output', async () => {
    const p = await Pipeline.fromString('events:fs=20000');
    assert.equal(p.lossless, false);
    const truth = [[1000, 5000, 9000, 15000, 30000], [3000, 12000, 25000]];
    const x = Int16Array.from(synthSpikes(40000, truth), (v) => Math.round(v + 300));
    const spec = { dtype: 'int16' as const, shape: [40000, 2] };
    const b = p.encode(x, spec);
    const y = p.decode(b, spec);
    assert.equal(y.length, x.length);
    assert.ok(b.length < 1200, `${b.length} bytes of 160000`);
    for (const k of [4, 4.5, 5]) {
      const c = compareSpikes(x, y, 2, 20000, k);
      assert.equal(c.hits, c.original, `k=${k}`);
      assert.equal(c.reconstructed, c.original, `k=${k}`);
    }
    const snr = eventWindowSnrs(x, y, 2, 20000);
    const sorted = [...snr].sort((a, b) => a - b);
    assert.ok(snr.length >= 8 && sorted[sorted.length >> 1]! > 10, snr.join(' '));
  });
  test('no events and constant input; corrupt payloads raise CorruptDataError', async () => {
    const p = await Pipeline.fromString('events:fs=20000');
    const spec = { dtype: 'int16' as const, shape: [1000, 1] };
    const flat = new Int16Array(1000).fill(7);
    assert.deepEqual(p.decode(p.encode(flat, spec), spec), flat);
    const x = Int16Array.from(synthSpikes(1000, [[500]]), Math.round);
    const b = p.encode(x, spec);
    assert.throws(() => p.decode(b.subarray(0, b.length - 3), spec), (e: Error) => e.name === 'CorruptDataError');
    const bad = b.slice();
    bad[0] = 9;
    assert.throws(() => p.decode(bad, spec), /format/);
    await assert.rejects(Pipeline.fromString('events'), /fs/);
  });
});
