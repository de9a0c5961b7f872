import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitReader, BitWriter } from '../../src/core/bits.js';
import { ByteReader, ByteWriter } from '../../src/core/bytes.js';
import { crc32c } from '../../src/core/checksum.js';
import { allocArray, dtypeFromNpyDescr, DTYPES, dtypeOf, viewAs } from '../../src/core/dtype.js';
import { CorruptDataError, isNeurozipError } from '../../src/core/errors.js';
import { rng } from '../kit/signals.js';

test('crc32c matches the standard check value and chains', () => {
  const data = new TextEncoder().encode('123456789');
  assert.equal(crc32c(data), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const big = new Uint8Array(1000).map((_, i) => (i * 31) & 255);
  assert.equal(crc32c(big.subarray(400), crc32c(big.subarray(0, 400))), crc32c(big));
});

test('ByteWriter/ByteReader round trip and bounds checks', () => {
  const w = new ByteWriter(4);
  w.u8(7).u16(65535).i16(-2).u32(0xdeadbeef).i32(-5).u64(2 ** 52 + 3).f64(Math.PI).varint(0).varint(300).varint(2 ** 50);
  const r = new ByteReader(w.finish(), 'test');
  assert.deepEqual(
    [r.u8(), r.u16(), r.i16(), r.u32(), r.i32(), r.u64(), r.f64(), r.varint(), r.varint(), r.varint()],
    [7, 65535, -2, 0xdeadbeef, -5, 2 ** 52 + 3, Math.PI, 0, 300, 2 ** 50],
  );
  r.end();
  assert.throws(() => r.u8(), CorruptDataError);
  assert.throws(() => new ByteReader(new Uint8Array(3)).u32(), /truncated/);
  assert.throws(() => new ByteReader(new Uint8Array(8).fill(255)).u64(), CorruptDataError);
  assert.throws(() => new ByteReader(new Uint8Array(10)).expectAtLeast(11, 1), CorruptDataError);
  assert.throws(() => new ByteReader(new Uint8Array(9).fill(0x80)).varint(), CorruptDataError);
});

test('BitWriter/BitReader round trip values and unary codes', () => {
  const r0 = rng(1);
  const vals: [number, number][] = [];
  const w = new BitWriter(2);
  for (let i = 0; i < 5000; i++) {
    const n = Math.floor(r0() * 33);
    const v = n === 32 ? Math.floor(r0() * 2 ** 32) : Math.floor(r0() * 2 ** n);
    vals.push([v, n]);
    w.write(v, n);
    w.writeUnary(i % 40);
  }
  const br = new BitReader(w.finish());
  vals.forEach(([v, n], i) => {
    assert.equal(br.read(n), v);
    assert.equal(br.readUnary(64), i % 40);
  });
  assert.throws(() => new BitReader(new Uint8Array(2)).readUnary(1000), (e) => isNeurozipError(e, 'CorruptData'));
});

test('dtype helpers', () => {
  for (const d of DTYPES) {
    const a = allocArray(d, 3);
    assert.equal(dtypeOf(a), d);
    assert.equal(viewAs(d, new Uint8Array(a.buffer)).length, 3);
  }
  assert.equal(dtypeFromNpyDescr('<i2'), 'int16');
  assert.equal(dtypeFromNpyDescr('|u1'), 'uint8');
  assert.equal(dtypeFromNpyDescr('<c8'), undefined);
  // unaligned views are copied, not rejected
  const odd = new Uint8Array(5).subarray(1);
  assert.equal(viewAs('int16', odd).length, 2);
});
