import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { conformance } from '../kit/conformance.js';

const INTS = ['int16', 'int32', 'uint16', 'uint8', 'int8', 'uint32'] as const;

conformance('remap', { dtypes: [...INTS] });
conformance('fixed:order=0', { dtypes: ['int16'] });
conformance('fixed:order=3', { dtypes: [...INTS] });
conformance('lpc:order=16,precision=14', { dtypes: [...INTS] });
conformance('rice', { dtypes: [...INTS] });
conformance('remap+lpc:order=8,precision=14+rice', { dtypes: ['int16', 'uint16', 'int32'] });

test('float dtypes are refused with InvalidConfig', async () => {
  for (const text of ['remap', 'fixed', 'lpc', 'rice']) {
    const p = await Pipeline.fromString(text);
    assert.throws(() => p.encode(new Float32Array(4), { dtype: 'float32', shape: [4, 1] }), (e) => isNeurozipError(e, 'InvalidConfig'), text);
  }
});

conformance('rans', { dtypes: [...INTS] });
conformance('cm:limit=255,rate=8', { dtypes: ['int16', 'uint16', 'int32', 'uint8'] });
conformance('chdiff:mode=prev', { dtypes: [...INTS] });
conformance('chdiff:mode=ref', { dtypes: ['int16'] });
conformance('remap+lpc:order=32,precision=14+rans', { dtypes: ['int16'] });
conformance('remap+lpc:order=32,precision=14+cm:limit=255,rate=8', { dtypes: ['int16'] });
