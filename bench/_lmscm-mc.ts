/*
 * PROTOTYPE, not a shipped codec (not in builtin.ts): `lmscm` (src/codecs/entropy/lmscm.ts, copied
 * at 559a3af) with its per-channel LPC replaced by the multichannel predictor of `mclpc`
 * (src/codecs/filter/_mc-predictor.ts), registered as `lmscmx` for bench/lmscm-mc.ts only, to
 * measure what the max level gains when lmscm adopts it (docs/lossless-results.md, Ephys). The
 * changes against lmscm.ts: Channel holds an McChannel and its index; Core.begin predicts with
 * mcSum over the interleaved values (input on encode, output on decode) at (row, channel), each
 * row's channels visited in model.order; the header is designMc + writeMcModel / readMcModel. Delete once lmscm has it.
 */
/*
 * READ ME FIRST — `lmscm`: prediction fused into a context-mixing binary arithmetic coder, for
 * integer signals whose values carry structure of their own (docs/spec/codecs/lmscm.md).
 *  - Input: values (not residuals), e.g. after `remap`. Per channel, a linear predictor is designed
 *    per chunk (the same LPC as `lpc`: Levinson-Durbin, order by cost, coefficients quantized) and
 *    stored at the head of the stream; the codec predicts each value itself, so the coder knows both
 *    the prediction P and the absolute value each binary decision is about.
 *  - Binarization of r = x - P as in `cm` (zero, sign, unary exponent, mantissa high to low).
 *  - Context models: cm's four (recent residual magnitudes and signs) plus a VALUE model whose
 *    context is the absolute value at the decision's node (P, or P +- the lower end of the interval
 *    the decision splits), so the ADC's uneven code widths (differential non-linearity: neighbouring
 *    codes occurring 2-3x more or less often) are learned per value.
 */
import { allocArray, type TypedArray } from '../src/core/dtype.js';
import { ByteReader, ByteWriter } from '../src/core/bytes.js';
import { CorruptDataError } from '../src/core/errors.js';
import type { ChunkSpec } from '../src/core/types.js';
import type { ArrayToBytesCodec, CodecFactory } from '../src/codecs/codec.js';
import { Params } from '../src/codecs/params.js';
import { designMc, mcStart, mcSum, readMcModel, writeMcModel, type McChannel, type McOptions } from '../src/codecs/filter/_mc-predictor.js';
import { registerCodec } from '../src/codecs/registry.js';
import { dims } from '../src/codecs/filter/delta.js';
import { valueBits } from '../src/codecs/entropy/_signed.js';
import { BinaryDecoder, BinaryEncoder } from '../src/codecs/entropy/_binary-coder.js';
import { LmscmModel } from '../src/codecs/entropy/_lmscm-model.js';
import { qlog } from '../src/codecs/entropy/cm.js';

const NDEC = 148;
const ID_ZERO = 0;
const ID_SIGN = 1; // + 0..2 by the sign of r[-1]
const ID_UNARY = 4; // + j
const ID_TOP = 36; // + e
const ID_SECOND = 68; // + 2e + top bit
const ID_REST = 132; // + min(t, 15)
const VAL_BITS = 12; // value model: (value mod 4096) x 64 node kinds
const VAL_K = 64;
const PRECISION = 14;

function signCtx(s: number): number {
  return s === 0 ? 0 : s > 0 ? 1 : 2;
}

/** Per-channel adaptive state shared by encoder and decoder. */
class Channel {
  avgF = 0;
  avgS = 0;
  r1 = 0;
  r2 = 0;
  constructor(
    readonly f: McChannel,
    readonly k: number,
  ) {}
}

/** The coding core: one instance per chunk, run identically by encode and decode. */
class Core {
  readonly m: LmscmModel;
  readonly maxE: number;
  readonly lo: number;
  readonly hi: number;
  // per-sample state set by begin()
  P = 0;
  fq = 0;
  private c0 = 0;
  private c1 = 0;
  private c2 = 0;
  private c3 = 0;

  constructor(
    bits: number,
    signed: boolean,
    limit: number,
    rate: number,
  ) {
    this.m = new LmscmModel([48 * NDEC, 144 * NDEC, 48 * NDEC, 36 * NDEC, (1 << VAL_BITS) * VAL_K], NDEC, 48 * NDEC, limit, rate * 1e-9);
    this.maxE = bits - 1;
    this.lo = signed ? -(2 ** (bits - 1)) : 0;
    this.hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  }

  /** Prediction and contexts for the next value of channel `c`. */
  begin(c: Channel, v: ArrayLike<number>, nc: number, row: number, taps: number): void {
    const f = c.f;
    let P: number;
    let fq = 0;
    if (f.order === 0 && f.refs.length === 0) P = 0;
    else if (row < mcStart(f, taps)) P = row > 0 ? v[(row - 1) * nc + c.k]! : 0;
    else {
      const s = mcSum(f, taps, v, nc, c.k, row);
      const div = 2 ** f.shift;
      P = Math.floor(s / div);
      fq = Math.floor(((s - P * div) * 4) / div);
    }
    if (P < this.lo) P = this.lo;
    else if (P > this.hi) P = this.hi;
    this.P = P;
    this.fq = fq;
    this.c0 = Math.min(47, qlog(c.avgF)) * NDEC;
    this.c1 = (Math.min(11, qlog(Math.abs(c.r1))) * 12 + Math.min(11, qlog(Math.abs(c.r2)))) * NDEC;
    this.c2 = Math.min(47, qlog(c.avgS)) * NDEC;
    this.c3 = ((signCtx(c.r1) * 3 + signCtx(c.r2)) * 4 + fq) * NDEC;
  }

  /** Sets the slots of decision `id` whose value node is (v, kind) and returns P(bit = 1). */
  p(id: number, v: number, kind: number): number {
    const s = this.m.slot;
    s[0] = this.c0 + id;
    s[1] = this.c1 + id;
    s[2] = this.c2 + id;
    s[3] = this.c3 + id;
    s[4] = ((v | 0) & ((1 << VAL_BITS) - 1)) * VAL_K + kind;
    return this.m.p(id, this.c0 + id);
  }

  end(c: Channel, r: number): void {
    const a = Math.abs(r);
    c.avgF = Math.floor(c.avgF + (a * 16 - c.avgF) / 4);
    c.avgS = Math.floor(c.avgS + (a * 16 - c.avgS) / 32);
    c.r2 = c.r1;
    c.r1 = r;
  }
}

function unaryKind(j: number, neg: number): number {
  return 8 + 2 * (j < 15 ? j : 15) + neg;
}
function mantKind(t: number, neg: number): number {
  return 40 + 2 * (t < 11 ? t : 11) + neg;
}

class LmscmCodec implements ArrayToBytesCodec {
  readonly id = 'lmscmx';
  readonly kind = 'array->bytes';
  readonly lossless = true;
  constructor(
    readonly order: number,
    readonly limit: number,
    readonly rate: number,
    readonly mo: McOptions,
  ) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    const bits = valueBits(spec.dtype, this.id);
    const signed = spec.dtype.startsWith('int');
    const [n, nc] = dims(spec);
    const w = new ByteWriter(16 + nc * 40);
    const model = designMc(x, n, nc, this.mo);
    writeMcModel(w, model);
    const chans = model.channels.map((f, k) => new Channel(f, k));
    const head = w.finish();
    const core = new Core(bits, signed, this.limit, this.rate);
    const m = core.m;
    const maxE = core.maxE;
    const enc = new BinaryEncoder(n * nc + 1024);
    // row by row, each row's channels in the model's order (a reference before its channel)
    for (let j = 0, pos = 0, row = 0, total = n * nc; j < total; j++) {
      const i = row * nc + model.order[pos]!;
      const c = chans[model.order[pos]!]!;
      core.begin(c, x, nc, row, this.mo.taps);
      const P = core.P;
      const xv = x[i]!;
      const r = xv - P;
      let bit = r !== 0 ? 1 : 0;
      enc.encode(bit, core.p(ID_ZERO, P, core.fq));
      m.update(bit);
      if (r !== 0) {
        const neg = r < 0 ? 1 : 0;
        const sg = neg ? -1 : 1;
        const a = Math.abs(r);
        enc.encode(neg, core.p(ID_SIGN + signCtx(c.r1), P, 4 + core.fq));
        m.update(neg);
        const e = 31 - Math.clz32(a);
        for (let j = 0; j < maxE; j++) {
          bit = e > j ? 1 : 0;
          enc.encode(bit, core.p(ID_UNARY + j, P + sg * 2 ** j, unaryKind(j, neg)));
          m.update(bit);
          if (!bit) break;
        }
        let top = 0;
        let pre = 2 ** e;
        for (let t = e - 1; t >= 0; t--) {
          bit = Math.floor(a / 2 ** t) & 1;
          const id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          enc.encode(bit, core.p(id, P + sg * pre, mantKind(t, neg)));
          m.update(bit);
          if (t === e - 1) top = bit;
          if (bit) pre += 2 ** t;
        }
      }
      core.end(c, r);
      if (++pos === nc) {
        pos = 0;
        row++;
      }
    }
    const body = enc.finish();
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const bits = valueBits(spec.dtype, this.id);
    const signed = spec.dtype.startsWith('int');
    const [n, nc] = dims(spec);
    const x = out ?? allocArray(spec.dtype, n * nc);
    const rd = new ByteReader(input, 'lmscm header');
    const model = readMcModel(rd, nc, this.mo, 'lmscmx');
    const chans = model.channels.map((f, k) => new Channel(f, k));
    const body = rd.bytesView(rd.remaining);
    if (n * nc === 0 && body.length !== 4) throw new CorruptDataError('lmscm: empty chunk must end with 4 coder bytes');
    const core = new Core(bits, signed, this.limit, this.rate);
    const m = core.m;
    const maxE = core.maxE;
    const dec = new BinaryDecoder(body, 'lmscm stream');
    // row by row, each row's channels in the model's order (a reference before its channel)
    for (let j = 0, pos = 0, row = 0, total = n * nc; j < total; j++) {
      const i = row * nc + model.order[pos]!;
      const c = chans[model.order[pos]!]!;
      core.begin(c, x, nc, row, this.mo.taps);
      const P = core.P;
      let r = 0;
      let bit = dec.decode(core.p(ID_ZERO, P, core.fq));
      m.update(bit);
      if (bit) {
        const neg = dec.decode(core.p(ID_SIGN + signCtx(c.r1), P, 4 + core.fq));
        m.update(neg);
        const sg = neg ? -1 : 1;
        let e = 0;
        for (let j = 0; j < maxE; j++) {
          bit = dec.decode(core.p(ID_UNARY + j, P + sg * 2 ** j, unaryKind(j, neg)));
          m.update(bit);
          if (!bit) break;
          e++;
        }
        let top = 0;
        let pre = 2 ** e;
        for (let t = e - 1; t >= 0; t--) {
          const id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          bit = dec.decode(core.p(id, P + sg * pre, mantKind(t, neg)));
          m.update(bit);
          if (t === e - 1) top = bit;
          if (bit) pre += 2 ** t;
        }
        r = neg ? -pre : pre;
      }
      const xv = P + r;
      if (xv < core.lo || xv > core.hi) throw new CorruptDataError(`lmscm: decoded value ${xv} outside ${spec.dtype}`);
      x[i] = xv;
      core.end(c, r);
      if (++pos === nc) {
        pos = 0;
        row++;
      }
    }
    dec.end();
    return x;
  }

  toConfig() {
    return { id: this.id, order: this.order, limit: this.limit, rate: this.rate, refs: this.mo.refs, taps: this.mo.taps, window: this.mo.window };
  }
}

export const factory: CodecFactory = {
  id: 'lmscmx',
  kind: 'array->bytes',
  description: 'prediction fused into context mixing: per-chunk LPC, value-aware contexts (ADC non-linearity), binary arithmetic coder',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 32, 0, 32);
    const limit = p.int('limit', 255, 2, 255);
    const rate = p.int('rate', 8, 0, 10000);
    const refs = p.int('refs', 4, 0, 8);
    const taps = p.int('taps', 3, 1, 8);
    const window = p.int('window', 16, 1, 255);
    p.done();
    return new LmscmCodec(order, limit, rate, { order, refs, taps, window, precision: PRECISION, direction: 'auto' });
  },
};

registerCodec('lmscmx', async () => factory);
