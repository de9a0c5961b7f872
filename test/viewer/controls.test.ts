import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { specFromControls } from '../../src/viewer/server.js';

test('every viewer codec control builds a pipeline that round-trips a window', async () => {
  const s = { info: { sampleRateHz: 30000, dtype: 'int16', nChannels: 8 } } as unknown as Parameters<typeof specFromControls>[1];
  const x = new Int16Array(3000 * 8).map((_, i) => Math.round(1000 * Math.sin(i / 50) + (i % 7) * 30));
  const spec = { dtype: 'int16' as const, shape: [3000, 8] };
  for (const q of ['level=fast', 'level=max', 'abs=50', 'bps=3', 'decim=4', 'rank=2', 'events=1', 'decim=2&abs=50', 'rank=2&bps=3&level=max']) {
    const p = await Pipeline.fromString(specFromControls(new URLSearchParams(q), s));
    const y = p.decode(p.encode(x, spec), spec);
    assert.equal(y.length, x.length, q);
    if (q === 'abs=50') for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) <= 50, `${q}: bound`);
  }
});
