import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isNeurozipError } from '../../src/core/errors.js';
import type { BytesToBytesCodec } from '../../src/codecs/codec.js';
import { codecFromConfig } from '../../src/codecs/registry.js';
import '../../src/codecs/builtin.js';
import { canonicalCodes, codeLengths } from '../../src/codecs/entropy/huffman.js';
import { AdaptiveModel } from '../../src/codecs/entropy/arith.js';
import { RangeDecoder, RangeEncoder } from '../../src/codecs/entropy/_rangecoder.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { rng } from '../kit/signals.js';

const bytesCodec = async (spec: string) => (await codecFromConfig(JSON.parse(spec))) as BytesToBytesCodec;
const spec16 = (n: number) => ({ dtype: 'int16' as const, shape: [n, 1] });

describe('zoo codecs, unit level', () => {
  test('bitshuffle follows the documented plane layout', async () => {
    const c = await bytesCodec('{"id":"bitshuffle"}');
    const r = rng(3);
    const items = 21; // 16 items in two groups of 8, then 5 ragged items
    const src = Uint8Array.from({ length: items * 2 + 1 }, () => Math.floor(r() * 256)); // + a partial item
    const out = c.encode(src, { dtype: 'int16', shape: [items, 1] });
    const groups = 2;
    const want = new Uint8Array(src.length);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 2; j++) {
        for (let b = 0; b < 8; b++) {
          const bit = (src[i * 2 + j]! >> b) & 1;
          want[(8 * j + b) * groups + (i >> 3)] |= bit << (i & 7);
        }
      }
    }
    want.set(src.subarray(32), 32);
    assert.deepEqual(out, want);
    assert.deepEqual(c.decode(out, { dtype: 'int16', shape: [items, 1] }, 1 << 20), src);
  });

  test('Huffman lengths and canonical codes (textbook example)', () => {
    // a:45 b:13 c:12 d:16 e:9 f:5 -> a 1 bit; b c d 3 bits; e f 4 bits
    const lens = codeLengths(Float64Array.of(45, 13, 12, 16, 9, 5));
    assert.deepEqual([...lens], [1, 3, 3, 3, 4, 4]);
    // canonical: a=0, b=100, c=101, d=110, e=1110, f=1111
    assert.deepEqual([...canonicalCodes(lens)], [0b0, 0b100, 0b101, 0b110, 0b1110, 0b1111]);
    // very skewed counts are limited to 24 bits
    const fib = Float64Array.from({ length: 40 }, (_, i) => Math.round(1.618 ** i));
    assert.ok(Math.max(...codeLengths(fib)) <= 24);
  });

  test('range coder round trip and adaptive model sums', () => {
    const enc = new RangeEncoder();
    const freqs = [1, 2, 5, 1 << 16];
    const cum = [0, 1, 3, 8];
    const total = 8 + (1 << 16);
    const r = rng(9);
    const syms = Array.from({ length: 5000 }, () => Math.floor(r() * 4));
    for (const s of syms) enc.encode(cum[s]!, freqs[s]!, total);
    const dec = new RangeDecoder(enc.finish().slice());
    for (const s of syms) {
      const v = dec.target(total);
      const got = v < 1 ? 0 : v < 3 ? 1 : v < 8 ? 2 : 3;
      assert.equal(got, s);
      dec.consume(cum[got]!, freqs[got]!);
    }
    const m = new AdaptiveModel(5);
    m.update(2);
    m.update(2);
    m.update(4);
    assert.equal(m.total, 5 + 3 * 24);
    assert.equal(m.cumulative(3), 1 + 1 + 49);
    assert.equal(m.find(0), 0);
    assert.equal(m.find(2), 2);
    assert.equal(m.find(50), 2);
    assert.equal(m.find(51), 3);
    assert.equal(m.find(52), 4);
  });

  test('decoders stop at maxBytes instead of inflating a bomb', async () => {
    const zeros = new Uint8Array(8 << 20);
    for (const spec of ['{"id":"xz","preset":0}', '{"id":"gzip","level":1}', '{"id":"zlib","level":1}', '{"id":"lz4"}', '{"id":"bzip2","level":1}']) {
      const c = await bytesCodec(spec);
      const enc = c.encode(zeros, spec16(zeros.length / 2));
      assert.ok(enc.byteLength < zeros.length / 100, `${spec}: ${enc.byteLength}`);
      assert.throws(() => c.decode(enc, spec16(512), 1 << 20), (e) => isNeurozipError(e, 'CorruptData'), spec);
      assert.equal(c.decode(enc, spec16(zeros.length / 2), zeros.length).byteLength, zeros.length, spec);
    }
  });

  test('the pipeline maps a bomb to a typed error', async () => {
    const p = await Pipeline.fromString('xz:preset=0');
    const big = new Int16Array(1 << 22);
    const enc = p.encode(big, spec16(big.length));
    assert.throws(() => p.decode(enc, spec16(1000)), (e) => isNeurozipError(e, 'CorruptData'));
  });
});
