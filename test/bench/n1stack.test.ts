import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lengthen } from '../../bench/_n1stack.js';

test('lengthen repeats the stack with its channels rotated by 97 per repeat', () => {
  const C = 5;
  const nSamples = 3;
  const data = Int16Array.from({ length: nSamples * C }, (_, k) => 100 * Math.floor(k / C) + (k % C));
  const rec = { data, nSamples, nChannels: C, sampleRateHz: 19531 };
  assert.equal(lengthen(rec, 2), rec, 'a shorter length keeps the stack as it is');
  const long = lengthen(rec, 8);
  assert.equal(long.nSamples, 8);
  assert.equal(long.data.length, 8 * C);
  for (let s = 0; s < 8; s++) {
    const r = Math.floor(s / nSamples);
    for (let c = 0; c < C; c++) assert.equal(long.data[s * C + c], data[(s % nSamples) * C + ((c + 97 * r) % C)], `sample ${s}, channel ${c}`);
  }
});
