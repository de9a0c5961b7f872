/*
 * READ ME FIRST — `cm`, context-mixing arithmetic coding of prediction residuals
 * (docs/spec/codecs/cm.md). The model is _cm-model.ts, the coder _binary-coder.ts.
 *  - Values are signed integers of the dtype's width (see _signed.ts), coded in stored (C) order;
 *    each channel keeps its own history, all channels share the probability tables.
 *  - Binarization of a residual s: [zero? s != 0] [sign s < 0] [exponent e = floor(log2 |s|) in unary,
 *    bits (e > j) for j = 0.. up to bits-2] [the e bits of |s| below its leading one, high to low].
 *  - Contexts per sample, from the channel's history only (so the decoder sees the same):
 *    c0 = qlog(fast average of 16|s|), c1 = (qlog|s[-1]|, qlog|s[-2]|), c2 = qlog(slow average),
 *    c3 = signs of s[-1], s[-2]. qlog(v) = 2 per octave (0 for v = 0).
 *  - Stream: the coder's bytes only (counts come from the ChunkSpec); it must be consumed exactly.
 */
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { valueBits } from './_signed.js';
import { BinaryDecoder, BinaryEncoder } from './_binary-coder.js';
import { CmModel } from './_cm-model.js';

const NDEC = 148;
const ID_ZERO = 0;
const ID_SIGN = 1; // + 0..2 by the sign of s[-1]
const ID_UNARY = 4; // + j
const ID_TOP = 36; // + e
const ID_SECOND = 68; // + 2e + top bit
const ID_REST = 132; // + min(t, 15)
const SIZES = [48, 144, 48, 9];

/** 2 buckets per octave: 0 -> 0, 1 -> 1, 2 -> 3, 3 -> 4, 4 -> 5, 6 -> 6, ... (v capped at 2^31). */
export function qlog(v: number): number {
  if (v <= 0) return 0;
  if (v >= 2147483648) v = 2147483647;
  const l = 31 - Math.clz32(v);
  return l === 0 ? 1 : 2 * l + 1 + ((v >>> (l - 1)) & 1);
}

function signCtx(s: number): number {
  return s === 0 ? 0 : s > 0 ? 1 : 2;
}

class CmCodec implements ArrayToBytesCodec {
  readonly id = 'cm';
  readonly kind = 'array->bytes';
  readonly lossless = true;
  constructor(
    readonly limit: number,
    readonly rate: number,
  ) {}

  private model(): CmModel {
    return new CmModel(NDEC, SIZES, this.limit, this.rate * 1e-9);
  }

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const sh = 32 - bits;
    const maxE = bits - 1;
    const m = this.model();
    const enc = new BinaryEncoder(n * c + 1024);
    const avgF = new Float64Array(c);
    const avgS = new Float64Array(c);
    const e1 = new Float64Array(c);
    const e2 = new Float64Array(c);
    for (let i = 0, ch = 0, total = n * c; i < total; i++) {
      const s = bits === 32 ? x[i]! | 0 : (x[i]! << sh) >> sh;
      const p1 = e1[ch]!;
      const p2 = e2[ch]!;
      m.setContexts(Math.min(47, qlog(avgF[ch]!)), Math.min(11, qlog(Math.abs(p1))) * 12 + Math.min(11, qlog(Math.abs(p2))), Math.min(47, qlog(avgS[ch]!)), signCtx(p1) * 3 + signCtx(p2));
      let bit = s !== 0 ? 1 : 0;
      enc.encode(bit, m.p(ID_ZERO));
      m.update(bit);
      const a = Math.abs(s);
      if (s !== 0) {
        bit = s < 0 ? 1 : 0;
        enc.encode(bit, m.p(ID_SIGN + signCtx(p1)));
        m.update(bit);
        const e = 31 - Math.clz32(a);
        for (let j = 0; j < maxE; j++) {
          bit = e > j ? 1 : 0;
          enc.encode(bit, m.p(ID_UNARY + j));
          m.update(bit);
          if (!bit) break;
        }
        let top = 0;
        for (let t = e - 1; t >= 0; t--) {
          bit = (a >>> t) & 1;
          const id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          enc.encode(bit, m.p(id));
          m.update(bit);
          if (t === e - 1) top = bit;
        }
      }
      avgF[ch] = Math.floor(avgF[ch]! + (a * 16 - avgF[ch]!) / 4);
      avgS[ch] = Math.floor(avgS[ch]! + (a * 16 - avgS[ch]!) / 32);
      e2[ch] = p1;
      e1[ch] = s;
      if (++ch === c) ch = 0;
    }
    return enc.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const maxE = bits - 1;
    const x = out ?? allocArray(spec.dtype, n * c);
    if (n * c === 0) {
      if (input.length !== 4) throw new CorruptDataError('cm: empty chunk must be 4 bytes');
    }
    const m = this.model();
    const dec = new BinaryDecoder(input, 'cm stream');
    const avgF = new Float64Array(c);
    const avgS = new Float64Array(c);
    const e1 = new Float64Array(c);
    const e2 = new Float64Array(c);
    for (let i = 0, ch = 0, total = n * c; i < total; i++) {
      const p1 = e1[ch]!;
      const p2 = e2[ch]!;
      m.setContexts(Math.min(47, qlog(avgF[ch]!)), Math.min(11, qlog(Math.abs(p1))) * 12 + Math.min(11, qlog(Math.abs(p2))), Math.min(47, qlog(avgS[ch]!)), signCtx(p1) * 3 + signCtx(p2));
      let s = 0;
      let a = 0;
      let bit = dec.decode(m.p(ID_ZERO));
      m.update(bit);
      if (bit) {
        const neg = dec.decode(m.p(ID_SIGN + signCtx(p1)));
        m.update(neg);
        let e = 0;
        for (let j = 0; j < maxE; j++) {
          bit = dec.decode(m.p(ID_UNARY + j));
          m.update(bit);
          if (!bit) break;
          e++;
        }
        a = 1;
        let top = 0;
        for (let t = e - 1; t >= 0; t--) {
          const id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          bit = dec.decode(m.p(id));
          m.update(bit);
          if (t === e - 1) top = bit;
          a = a * 2 + bit;
        }
        s = neg ? -a : a;
      }
      x[i] = s;
      avgF[ch] = Math.floor(avgF[ch]! + (a * 16 - avgF[ch]!) / 4);
      avgS[ch] = Math.floor(avgS[ch]! + (a * 16 - avgS[ch]!) / 32);
      e2[ch] = p1;
      e1[ch] = s;
      if (++ch === c) ch = 0;
    }
    dec.end();
    return x;
  }

  toConfig() {
    return { id: this.id, limit: this.limit, rate: this.rate };
  }
}

export const factory: CodecFactory = {
  id: 'cm',
  kind: 'array->bytes',
  description: 'context-mixing binary arithmetic coder of residuals (4 models, logistic mixer, APM)',
  fromConfig(config) {
    const p = new Params(config);
    const limit = p.int('limit', 255, 2, 255);
    const rate = p.int('rate', 60, 0, 10000);
    p.done();
    return new CmCodec(limit, rate);
  },
};
