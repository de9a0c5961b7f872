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
import { allocArray, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToBytesCodec, CodecConfig, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from '../filter/delta.js';
import { designLpc as designLpcAt, type LpcFilter } from '../filter/lpc.js';
import { readZigzag, writeZigzag } from '../filter/remap.js';
import { valueBits } from './_signed.js';
import { BinaryDecoder, BinaryEncoder } from './_binary-coder.js';
import { LmscmModel } from './_lmscm-model.js';
import { alignShift, histMean, logProfile, namedPrior, VALUE_SPAN, type LmscmPrior } from './_lmscm-prior.js';
import { qlog } from './cm.js';

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
/** Model 2's SSE: classes of decisions sharing a value-keyed APM context. */
const SSE_CLASSES = 8;
const SSE_CLASS = new Uint8Array(NDEC).map((_, id) =>
  id === ID_ZERO ? 0 : id < ID_UNARY ? 1 : id < ID_UNARY + 3 ? 2 + id - ID_UNARY : id < ID_TOP ? 5 : id < ID_SECOND ? 6 : 7,
);
const MAX_SHIFT = 24;

function signCtx(s: number): number {
  return s === 0 ? 0 : s > 0 ? 1 : 2;
}

/** The LPC of one channel, designed exactly as `lpc` does, at lmscm's fixed precision. */
export function designLpc(x: Float64Array, n: number, maxOrder: number): LpcFilter {
  return designLpcAt(x, n, maxOrder, PRECISION);
}

const POW2 = new Float64Array(33).map((_, i) => 2 ** i);

/** Per-channel adaptive state shared by encoder and decoder. */
class Channel {
  /** The channel's values so far after `order` zeros: x[i] at buf[order + i] (no shifting). */
  readonly buf: Float64Array;
  readonly div: number;
  avgF = 0;
  avgS = 0;
  r1 = 0;
  r2 = 0;
  seen = 0;
  /** Added to values before the value model (a prior's absolute axis); 0 without a prior. */
  vo = 0;
  constructor(
    readonly f: LpcFilter,
    n: number,
  ) {
    this.buf = new Float64Array(f.order + n);
    this.div = POW2[f.shift]!;
  }
}

/** The coding core: one instance per chunk, run identically by encode and decode. */
export class Core {
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
  private vo = 0;
  private readonly sse: boolean;
  private readonly slot: Int32Array;
  private readonly b4: number;
  private readonly o1: number;
  private readonly o2: number;
  private readonly o3: number;

  /** `model` 1: the original; 2: plus the value-keyed second APM (SSE). */
  constructor(
    bits: number,
    signed: boolean,
    limit: number,
    rate: number,
    prior?: LmscmPrior,
    model = 1,
  ) {
    const sizes = [48 * NDEC, 144 * NDEC, 48 * NDEC, 36 * NDEC, (1 << VAL_BITS) * VAL_K];
    this.sse = model >= 2;
    this.m = new LmscmModel(sizes, NDEC, 48 * NDEC, limit, rate * 1e-9, this.sse ? (1 << VAL_BITS) * SSE_CLASSES : 0, prior?.state);
    this.slot = this.m.slot;
    // the context bases of the residual models and the value model as absolute counter indices
    const b = this.m.base;
    this.o1 = b[1]!;
    this.o2 = b[2]!;
    this.o3 = b[3]!;
    this.b4 = b[4]!;
    this.maxE = bits - 1;
    this.lo = signed ? -(2 ** (bits - 1)) : 0;
    this.hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  }

  /** Prediction and contexts for the next value of channel `c`. */
  begin(c: Channel): void {
    const f = c.f;
    const order = f.order;
    const b = c.buf;
    const pos = order + c.seen; // where this value goes; the newest known is at pos - 1
    let P: number;
    let fq = 0;
    if (c.seen < order || order === 0) {
      P = order === 0 ? 0 : c.seen > 0 ? b[pos - 1]! : 0;
    } else {
      let s = 0;
      const q = f.q;
      for (let j = 0, t = pos - 1; j < order; j++, t--) s += q[j]! * b[t]!;
      const div = c.div;
      P = Math.floor(s / div);
      fq = Math.floor(((s - P * div) * 4) / div);
    }
    if (P < this.lo) P = this.lo;
    else if (P > this.hi) P = this.hi;
    this.P = P;
    this.fq = fq;
    this.c0 = Math.min(47, qlog(c.avgF)) * NDEC;
    this.c1 = this.o1 + (Math.min(11, qlog(Math.abs(c.r1))) * 12 + Math.min(11, qlog(Math.abs(c.r2)))) * NDEC;
    this.c2 = this.o2 + Math.min(47, qlog(c.avgS)) * NDEC;
    this.c3 = this.o3 + ((signCtx(c.r1) * 3 + signCtx(c.r2)) * 4 + fq) * NDEC;
    this.vo = c.vo;
  }

  /** Sets the slots of decision `id` whose value node is (v, kind) and returns P(bit = 1). */
  p(id: number, v: number, kind: number): number {
    const s = this.slot;
    s[0] = this.c0 + id; // table 0 starts at 0
    s[1] = this.c1 + id;
    s[2] = this.c2 + id;
    s[3] = this.c3 + id;
    const vv = ((v + this.vo) | 0) & ((1 << VAL_BITS) - 1);
    s[4] = this.b4 + vv * VAL_K + kind;
    if (!this.sse) return this.m.p(id, this.c0 + id);
    return this.m.p(id, this.c0 + id, vv * SSE_CLASSES + SSE_CLASS[id]!);
  }

  end(c: Channel, x: number, r: number): void {
    const a = Math.abs(r);
    c.avgF = Math.floor(c.avgF + (a * 16 - c.avgF) / 4);
    c.avgS = Math.floor(c.avgS + (a * 16 - c.avgS) / 32);
    c.r2 = c.r1;
    c.r1 = r;
    c.buf[c.f.order + c.seen] = x;
    c.seen++;
  }
}

function unaryKind(j: number, neg: number): number {
  return 8 + 2 * (j < 15 ? j : 15) + neg;
}
function mantKind(t: number, neg: number): number {
  return 40 + 2 * (t < 11 ? t : 11) + neg;
}

export class LmscmCodec implements ArrayToBytesCodec {
  readonly id = 'lmscm';
  readonly kind = 'array->bytes';
  readonly lossless = true;
  constructor(
    readonly order: number,
    readonly limit: number,
    readonly rate: number,
    readonly model = 1,
    readonly priorName?: string,
    readonly prior?: LmscmPrior,
  ) {
    if (prior) this.profile = { log: logProfile(prior.hist), mean: histMean(prior.hist) };
  }
  private readonly profile?: { log: Float64Array; mean: number };

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    const bits = valueBits(spec.dtype, this.id);
    const signed = spec.dtype.startsWith('int');
    return this.encodeWith(new Core(bits, signed, this.limit, this.rate, this.prior, this.model), x, spec);
  }

  /**
   * Encodes with a given core (a trainer passes one core through many chunks to learn a prior);
   * `offsets` overrides the per-channel value shifts (training knows the true absolute values).
   */
  encodeWith(core: Core, x: TypedArray, spec: ChunkSpec, offsets?: readonly number[]): Uint8Array {
    const [n, nc] = dims(spec);
    const withShift = this.prior !== undefined || offsets !== undefined;
    const w = new ByteWriter(16 + nc * 40);
    const chans: Channel[] = [];
    const xs = new Float64Array(n);
    for (let ch = 0; ch < nc; ch++) {
      for (let i = 0, k = ch; i < n; i++, k += nc) xs[i] = x[k]!;
      const f = designLpc(xs, n, this.order);
      w.u8(f.order);
      if (f.order > 0) {
        w.u8(f.shift);
        for (let j = 0; j < f.order; j++) writeZigzag(w, f.q[j]!);
      }
      const c = new Channel(f, n);
      if (withShift) {
        c.vo = offsets ? offsets[ch]! : alignShift(x, ch, n, nc, this.profile!.log, this.profile!.mean);
        w.varint(c.vo);
      }
      chans.push(c);
    }
    const head = w.finish();
    const m = core.m;
    const maxE = core.maxE;
    const enc = new BinaryEncoder(n * nc + 1024);
    for (let i = 0, ch = 0, total = n * nc; i < total; i++) {
      const c = chans[ch]!;
      core.begin(c);
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
          enc.encode(bit, core.p(ID_UNARY + j, P + sg * POW2[j]!, unaryKind(j, neg)));
          m.update(bit);
          if (!bit) break;
        }
        let top = 0;
        let pre = POW2[e]!;
        for (let t = e - 1; t >= 0; t--) {
          bit = (a >>> t) & 1;
          const id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          enc.encode(bit, core.p(id, P + sg * pre, mantKind(t, neg)));
          m.update(bit);
          if (t === e - 1) top = bit;
          if (bit) pre += POW2[t]!;
        }
      }
      core.end(c, xv, r);
      if (++ch === nc) ch = 0;
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
    const chans: Channel[] = [];
    const lim = 2 ** (PRECISION - 1) - 1;
    for (let ch = 0; ch < nc; ch++) {
      const order = rd.u8();
      if (order > this.order) throw new CorruptDataError(`lmscm: channel ${ch} order ${order} above ${this.order}`);
      const q = new Int32Array(order);
      let shift = 0;
      if (order > 0) {
        shift = rd.u8();
        if (shift > MAX_SHIFT) throw new CorruptDataError(`lmscm: channel ${ch} shift ${shift}`);
        for (let j = 0; j < order; j++) {
          const v = readZigzag(rd);
          if (Math.abs(v) > lim) throw new CorruptDataError(`lmscm: channel ${ch} coefficient ${v} beyond ${PRECISION} bits`);
          q[j] = v;
        }
      }
      const c = new Channel({ order, shift, q }, n);
      if (this.prior) {
        c.vo = rd.varint();
        if (c.vo >= VALUE_SPAN) throw new CorruptDataError(`lmscm: channel ${ch} value shift ${c.vo} beyond ${VALUE_SPAN - 1}`);
      }
      chans.push(c);
    }
    const body = rd.bytesView(rd.remaining);
    if (n * nc === 0 && body.length !== 4) throw new CorruptDataError('lmscm: empty chunk must end with 4 coder bytes');
    const core = new Core(bits, signed, this.limit, this.rate, this.prior, this.model);
    const m = core.m;
    const maxE = core.maxE;
    const dec = new BinaryDecoder(body, 'lmscm stream');
    for (let i = 0, ch = 0, total = n * nc; i < total; i++) {
      const c = chans[ch]!;
      core.begin(c);
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
          bit = dec.decode(core.p(ID_UNARY + j, P + sg * POW2[j]!, unaryKind(j, neg)));
          m.update(bit);
          if (!bit) break;
          e++;
        }
        let top = 0;
        let pre = POW2[e]!;
        for (let t = e - 1; t >= 0; t--) {
          const id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          bit = dec.decode(core.p(id, P + sg * pre, mantKind(t, neg)));
          m.update(bit);
          if (t === e - 1) top = bit;
          if (bit) pre += POW2[t]!;
        }
        r = neg ? -pre : pre;
      }
      const xv = P + r;
      if (xv < core.lo || xv > core.hi) throw new CorruptDataError(`lmscm: decoded value ${xv} outside ${spec.dtype}`);
      x[i] = xv;
      core.end(c, xv, r);
      if (++ch === nc) ch = 0;
    }
    dec.end();
    return x;
  }

  toConfig(): CodecConfig {
    const c: CodecConfig = { id: this.id, order: this.order, limit: this.limit, rate: this.rate };
    if (this.model !== 1) c.model = this.model;
    if (this.priorName !== undefined) c.prior = this.priorName;
    return c;
  }
}

export const factory: CodecFactory = {
  id: 'lmscm',
  kind: 'array->bytes',
  description: 'prediction fused into context mixing: per-chunk LPC, value-aware contexts (ADC non-linearity), binary arithmetic coder',
  fromConfig(config) {
    const p = new Params(config);
    const order = p.int('order', 32, 0, 32);
    const limit = p.int('limit', 255, 2, 255);
    const rate = p.int('rate', 8, 0, 10000);
    const model = p.int('model', 1, 1, 2);
    const prior = p.str('prior', '');
    p.done();
    if (prior === '') return new LmscmCodec(order, limit, rate, model);
    const trained = namedPrior(prior);
    const priorModel = trained.state.apm2.length > 0 ? 2 : 1;
    if (priorModel !== model) throw new InvalidConfigError(`lmscm: prior '${prior}' was trained for model=${priorModel}, not model=${model}`);
    return new LmscmCodec(order, limit, rate, model, prior, trained);
  },
};
