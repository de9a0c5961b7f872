import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteReader, ByteWriter } from '../../src/core/bytes.js';

test('ByteWriter keeps every value when it grows mid-write', () => {
  const w = new ByteWriter(16);
  for (let i = 0; i < 3000; i++) w.u8(i & 0xff).u16(i).u32(i * 7).varint(i * 300).f64(i / 3);
  const r = new ByteReader(w.finish());
  for (let i = 0; i < 3000; i++) {
    assert.equal(r.u8(), i & 0xff);
    assert.equal(r.u16(), i);
    assert.equal(r.u32(), i * 7);
    assert.equal(r.varint(), i * 300);
    assert.equal(r.f64(), i / 3);
  }
  r.end();
});
