/*
 * READ ME FIRST — `cm`, context-mixing arithmetic coding of prediction residuals
 * (docs/spec/codecs/cm.md). The model and the coder (_binary-coder.ts's, inlined) run fused in one
 * loop, run() below; the shared tables are in _cm-model.ts.
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
import { RATE_F, SQUASH, SQUASH_STRETCH, STRETCH_F, squash, roundClamped } from './_cm-model.js';

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

/** Absolute starts of the four counter tables in CmState.cells. */
const BASE1 = SIZES[0]! * NDEC;
const BASE2 = BASE1 + SIZES[1]! * NDEC;
const BASE3 = BASE2 + SIZES[2]! * NDEC;
const CELLS = BASE3 + SIZES[3]! * NDEC;
const POW2 = new Float64Array(33).map((_, i) => 2 ** i);

/** The adaptive tables of one chunk (the model of docs/spec/codecs/cm.md). */
class CmState {
  /** Counters of the four tables, (context * NDEC + id) from each table's base: p | count << 16. */
  readonly cells = new Int32Array(CELLS);
  /** Per decision id: weights of the four inputs and the bias. */
  readonly weights = new Float64Array(NDEC * 5);
  /** Per (c0, id): 33 interpolation points. */
  readonly apm = new Uint16Array(SIZES[0]! * NDEC * 33);
  constructor(
    readonly limit: number,
    readonly lr: number,
  ) {
    this.reset();
  }

  /** The initial state: counters 1/2 with count 0, weights 0.3, every APM the identity. */
  reset(): void {
    this.cells.fill(32768);
    this.weights.fill(0.3);
    for (let i = 0; i < 33; i++) this.apm[i] = squash((i - 16) * 128) * 16;
    for (let have = 33; have < this.apm.length; have *= 2) this.apm.copyWithin(have, 0, Math.min(have, this.apm.length - have));
  }
}

/** The binary coder's state (_binary-coder.ts's coder, which run() inlines). */
class Coder {
  x1 = 0;
  x2 = 0xffffffff;
  x = 0;
  pos = 0;
  out: Uint8Array = new Uint8Array(0);
  input: Uint8Array = new Uint8Array(0);

  startDecode(input: Uint8Array): void {
    this.input = input;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= input.length) throw new CorruptDataError('cm stream: read past the end of the stream');
      this.x = ((this.x << 8) | input[this.pos++]!) >>> 0;
    }
  }

  /** Everything written, then the 4 bytes of x1 (as BinaryEncoder.finish). */
  finish(): Uint8Array {
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.out.length) this.out = grown(this.out);
      this.out[this.pos++] = this.x1 >>> 24;
      this.x1 = (this.x1 << 8) >>> 0;
    }
    return this.out.slice(0, this.pos);
  }
}

function grown(a: Uint8Array): Uint8Array {
  const b = new Uint8Array(a.length * 2);
  b.set(a);
  return b;
}

function min(a: number, b: number): number {
  return a < b ? a : b;
}

/**
 * Codes `total` residuals (channels interleaved, `nc` of them): encoding, the values of x (as
 * signed `bits`-bit integers); decoding, into x. One loop for both directions and the whole chunk,
 * every table and the coder's state in locals, one copy of the decision step (speed: this is cm's
 * hot path): the four counters' stretched probabilities mixed by weight set `id`, the APM
 * (context c0 * NDEC + id), the binary coder (_binary-coder.ts, inlined), then the updates.
 */
function run(st: CmState, coder: Coder, x: TypedArray, total: number, nc: number, bits: number, decoding: boolean): void {
  const cells = st.cells;
  const weights = st.weights;
  const apm = st.apm;
  const limit = st.limit;
  const lr = st.lr;
  const sh = 32 - bits;
  const maxE = bits - 1;
  const input = coder.input;
  let out = coder.out;
  let pos = coder.pos;
  let x1 = coder.x1 >>> 0;
  let x2 = coder.x2 >>> 0;
  let xin = coder.x >>> 0;
  const avgF = new Float64Array(nc);
  const avgS = new Float64Array(nc);
  const e1 = new Float64Array(nc);
  const e2 = new Float64Array(nc);
  for (let i = 0, ch = 0; i < total; i++) {
    const p1 = e1[ch]!;
    const p2 = e2[ch]!;
    const sc1 = signCtx(p1);
    const ctx0 = min(47, qlog(avgF[ch]!)) * NDEC;
    const ctx1 = BASE1 + (min(11, qlog(p1 < 0 ? -p1 : p1)) * 12 + min(11, qlog(p2 < 0 ? -p2 : p2))) * NDEC;
    const ctx2 = BASE2 + min(47, qlog(avgS[ch]!)) * NDEC;
    const ctx3 = BASE3 + (sc1 * 3 + signCtx(p2)) * NDEC;
    // when encoding, the bits come from the residual
    const sEnc = decoding ? 0 : bits === 32 ? x[i]! | 0 : (x[i]! << sh) >> sh;
    const aEnc = sEnc < 0 ? -sEnc : sEnc;
    const eEnc = aEnc === 0 ? 0 : 31 - Math.clz32(aEnc);
    // phase 0: s != 0; 1: sign; 2: unary exponent (j); 3: mantissa bit t
    let phase = 0;
    let j = 0;
    let t = 0;
    let e = 0;
    let neg = 0;
    let top = 0;
    let pre = 0;
    let nonzero = 0;
    for (;;) {
      let id: number;
      let bit: number;
      if (phase === 0) {
        id = ID_ZERO;
        bit = sEnc !== 0 ? 1 : 0;
      } else if (phase === 1) {
        id = ID_SIGN + sc1;
        bit = sEnc < 0 ? 1 : 0;
      } else if (phase === 2) {
        id = ID_UNARY + j;
        bit = eEnc > j ? 1 : 0;
      } else {
        id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
        bit = (aEnc >>> t) & 1;
      }

      // ---- the decision step: probability
      const s0 = ctx0 + id; // table 0 starts at 0: s0 is also the APM context
      const s1 = ctx1 + id;
      const s2 = ctx2 + id;
      const s3 = ctx3 + id;
      const k0 = cells[s0]!;
      const k1 = cells[s1]!;
      const k2 = cells[s2]!;
      const k3 = cells[s3]!;
      // a cell's probability >> 4 = its bits 4..15
      const v0 = STRETCH_F[(k0 >>> 4) & 4095]!;
      const v1 = STRETCH_F[(k1 >>> 4) & 4095]!;
      const v2 = STRETCH_F[(k2 >>> 4) & 4095]!;
      const v3 = STRETCH_F[(k3 >>> 4) & 4095]!;
      const wb = id * 5;
      // the same sums in the same order on both sides (doubles)
      let dot = v0 * weights[wb]!;
      dot += v1 * weights[wb + 1]!;
      dot += v2 * weights[wb + 2]!;
      dot += v3 * weights[wb + 3]!;
      dot += 256 * weights[wb + 4]!;
      const xr = roundClamped(dot);
      const pm = SQUASH[xr + 2048]!;
      const sx = SQUASH_STRETCH[xr + 2048]!;
      const w = sx & 127;
      const a1 = s0 * 33 + (sx >> 7);
      const pa = (apm[a1]! * (128 - w) + apm[a1 + 1]! * w) >> 11;
      let p = (pm + 3 * pa) >> 2;
      if (p < 1) p = 1;
      else if (p > 4095) p = 4095;
      // ---- the coder: bit 1 keeps [x1, xmid], bit 0 keeps [xmid + 1, x2] (uint32 arithmetic)
      const xmid = (x1 + Math.imul((x2 - x1) >>> 12, p)) >>> 0;
      if (decoding) bit = xin <= xmid ? 1 : 0;
      if (bit) x2 = xmid;
      else x1 = (xmid + 1) >>> 0;
      while (((x1 ^ x2) & 0xff000000) === 0) {
        if (decoding) {
          if (pos >= input.length) throw new CorruptDataError('cm stream: read past the end of the stream');
          xin = ((xin << 8) | input[pos++]!) >>> 0;
        } else {
          if (pos >= out.length) out = grown(out);
          out[pos++] = x2 >>> 24;
        }
        x1 = (x1 << 8) >>> 0;
        x2 = ((x2 << 8) | 255) >>> 0;
      }
      // ---- updates: counters (the four slots lie in different tables, so they never alias)
      const target = bit ? 65535 : 0;
      let n = k0 >>> 16;
      let pr = k0 & 0xffff;
      cells[s0] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << 16);
      n = k1 >>> 16;
      pr = k1 & 0xffff;
      cells[s1] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << 16);
      n = k2 >>> 16;
      pr = k2 & 0xffff;
      cells[s2] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << 16);
      n = k3 >>> 16;
      pr = k3 & 0xffff;
      cells[s3] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << 16);
      // mixer: gradient of the coding cost in the stretched domain
      const err = ((bit ? 4095 : 0) - pm) * lr;
      weights[wb] += err * v0;
      weights[wb + 1] += err * v1;
      weights[wb + 2] += err * v2;
      weights[wb + 3] += err * v3;
      weights[wb + 4] += err * 256;
      // APM: both interpolation points toward the bit
      apm[a1] += ((target - apm[a1]!) * (128 - w)) >> 13;
      apm[a1 + 1] += ((target - apm[a1 + 1]!) * w) >> 13;

      // ---- the next decision, or the end of this value
      if (phase === 0) {
        if (!bit) break;
        nonzero = 1;
        phase = 1;
        continue;
      }
      if (phase === 1) {
        neg = bit;
        phase = 2;
        j = 0;
        if (maxE > 0) continue;
      } else if (phase === 2) {
        if (bit) {
          e++;
          if (++j < maxE) continue;
        }
      } else {
        if (t === e - 1) top = bit;
        if (bit) pre += POW2[t]!;
        if (--t >= 0) continue;
        break;
      }
      // the exponent is known: its mantissa bits follow, high to low
      pre = POW2[e]!;
      t = e - 1;
      if (t < 0) break;
      phase = 3;
    }
    const a = nonzero ? pre : 0;
    const s = neg ? -a : a;
    if (decoding) x[i] = s;
    avgF[ch] = Math.floor(avgF[ch]! + (a * 16 - avgF[ch]!) / 4);
    avgS[ch] = Math.floor(avgS[ch]! + (a * 16 - avgS[ch]!) / 32);
    e2[ch] = p1;
    e1[ch] = s;
    if (++ch === nc) ch = 0;
  }
  coder.out = out;
  coder.pos = pos;
  coder.x1 = x1;
  coder.x2 = x2;
  coder.x = xin;
}

class CmCodec implements ArrayToBytesCodec {
  readonly id = 'cm';
  readonly kind = 'array->bytes';
  readonly lossless = true;
  constructor(
    readonly limit: number,
    readonly rate: number,
  ) {}

  /** The tables in their initial state; the last chunk's are reset and reused (taken, then reset). */
  private state(): CmState {
    if (!this.spare) this.spare = new CmState(this.limit, this.rate * 1e-9);
    else this.spare.reset();
    return this.spare;
  }
  private spare?: CmState;

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const st = this.state();
    const coder = new Coder();
    coder.out = new Uint8Array(Math.max(64, n * c + 1024));
    run(st, coder, x, n * c, c, bits, false);
    return coder.finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const bits = valueBits(spec.dtype, this.id);
    const [n, c] = dims(spec);
    const x = out ?? allocArray(spec.dtype, n * c);
    if (n * c === 0) {
      if (input.length !== 4) throw new CorruptDataError('cm: empty chunk must be 4 bytes');
    }
    const st = this.state();
    const coder = new Coder();
    coder.startDecode(input);
    run(st, coder, x, n * c, c, bits, true);
    if (coder.pos !== input.length) throw new CorruptDataError(`cm stream: ${input.length - coder.pos} unexpected trailing bytes`);
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
