import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lutValues } from '../../src/codecs/filter/lut.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { conformance } from '../kit/conformance.js';

// a table of every 64th int16 value: the grid signals hit it, the rest are escapes
const table = lutValues(Array.from({ length: 1024 }, (_, i) => -32768 + 64 * i));
conformance(`lut:values=${table}+delta+rice`, { dtypes: ['int16', 'uint16', 'uint8', 'int8'] });
conformance('delta+rice:states=shared', { dtypes: ['int16', 'int32', 'uint8'] });

test('lut maps table values to indices and escapes the rest', async () => {
  const p = await Pipeline.fromString(`lut:values=${lutValues([-5, 0, 7])}`);
  const spec = { dtype: 'int16' as const, shape: [5, 1] };
  const stage = p.arrayStages[0]!;
  assert.deepEqual([...stage.encode(new Int16Array([0, 7, -5, 1, -32768]), spec)], [1, 2, 0, 3 + 32769, 3]);
  assert.throws(() => stage.decode(new Int32Array([3 + 65536]), { dtype: 'int16', shape: [1, 1] }), (e) => isNeurozipError(e, 'CorruptData'));
  await assert.rejects(Pipeline.fromString(`lut:values=${Buffer.from(new Int32Array([5, 1]).buffer).toString('base64url')}`), /sorted and distinct/);
  await assert.rejects(Pipeline.fromString('lut'), /base64url/);
  assert.throws(() => stage.encode(new Int32Array(1), { dtype: 'int32', shape: [1, 1] }), /at most 16 bits/);
});
