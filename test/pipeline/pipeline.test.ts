import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { registerCodec } from '../../src/codecs/registry.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { formatPipelineString, parsePipelineString } from '../../src/pipeline/spec-string.js';

test('pipeline string grammar', () => {
  assert.deepEqual(parsePipelineString('delta:order=2+shuffle+zstd:level=19'), [{ id: 'delta', order: 2 }, { id: 'shuffle' }, { id: 'zstd', level: 19 }]);
  assert.deepEqual(parsePipelineString('a:x=true,y=-1.5,z=abc'), [{ id: 'a', x: true, y: -1.5, z: 'abc' }]);
  assert.deepEqual(parsePipelineString('[{"id":"zstd","level":3}]'), [{ id: 'zstd', level: 3 }]);
  assert.equal(formatPipelineString([{ id: 'delta', order: 2 }, { id: 'zstd', level: 1 }]), 'delta:order=2+zstd:level=1');
  for (const bad of ['', 'Zstd', 'zstd:level', 'zstd:=3', 'a::b', '[{"x":1}]', '[oops']) {
    assert.throws(() => parsePipelineString(bad), (e) => isNeurozipError(e, 'Usage'), bad);
  }
});

test('pipelines insert the bytes serializer and enforce stage order', async () => {
  const p = await Pipeline.fromString('delta+zstd');
  assert.equal(p.toString(), 'delta:order=1+bytes+zstd:level=3');
  assert.equal(p.lossless, true);
  await assert.rejects(Pipeline.fromString('zstd+delta'), (e) => isNeurozipError(e, 'InvalidConfig'));
  await assert.rejects(Pipeline.fromString('bytes+bytes'), (e) => isNeurozipError(e, 'InvalidConfig'));
  await assert.rejects(Pipeline.fromString('nosuchcodec'), (e) => isNeurozipError(e, 'UnknownCodec'));
  await assert.rejects(Pipeline.fromString('zstd:level=99'), /level must be an integer/);
  await assert.rejects(Pipeline.fromString('zstd:levle=3'), /unknown parameter 'levle'/);
  const d = await Pipeline.fromString('delta');
  assert.throws(() => d.encode(new Float32Array(4), { dtype: 'float32', shape: [4, 1] }), /integer dtype/);
  assert.throws(() => d.encode(new Int16Array(4), { dtype: 'int16', shape: [5, 1] }), /spec says/);
});

test('third parties can register a codec, loaded lazily', async () => {
  let loads = 0;
  registerCodec('acme.negate', () => {
    loads++;
    return {
      id: 'acme.negate',
      kind: 'array->array',
      description: 'test codec',
      fromConfig: () => ({
        id: 'acme.negate',
        kind: 'array->array',
        lossless: true,
        encode: (a) => (a as Int32Array).map((v) => -v),
        decode: (a) => (a as Int32Array).map((v) => -v),
        toConfig: () => ({ id: 'acme.negate' }),
      }),
    };
  });
  assert.equal(loads, 0);
  const p = await Pipeline.fromString('acme.negate+zstd');
  const x = new Int32Array([1, -2, 3]);
  assert.deepEqual(p.decode(p.encode(x, { dtype: 'int32', shape: [3, 1] }), { dtype: 'int32', shape: [3, 1] }), x);
  assert.equal(loads, 1);
  assert.throws(() => registerCodec('Bad Id', () => { throw new Error(); }), (e) => isNeurozipError(e, 'InvalidConfig'));
});
