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
import { COUNT_SHIFT, LmscmModel, PROB_MASK } from './_lmscm-model.js';
import { RATE_F, roundClamped, SQUASH, SQUASH_STRETCH, STRETCH_F } from './_cm-model.js';
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
  /** The coefficients as doubles (the predictor's products are exact in doubles). */
  readonly q: Float64Array;
  readonly div: number;
  readonly inv: number;
  readonly order: number;
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
    this.q = Float64Array.from(f.q);
    this.div = POW2[f.shift]!;
    this.inv = 1 / this.div;
    this.order = f.order;
  }
}

/** The coding core: one instance per chunk, run identically by encode and decode. */
export class Core {
  readonly m: LmscmModel;
  readonly maxE: number;
  readonly lo: number;
  readonly hi: number;
  private readonly sse: boolean;
  private readonly b4: number;
  private readonly o1: number;
  private readonly o2: number;
  private readonly o3: number;
  // the model's arrays, hoisted (the hot path below reads them on every decision)
  private readonly cells: Int32Array;
  private readonly weights: Float64Array;
  private readonly apm: Uint16Array;
  private readonly apm2: Uint16Array;
  private readonly limit: number;
  private readonly lr: number;
  // the coder's state between run() calls: interval [x1, x2], x (decoding), input or output, position
  private decoding = false;
  private x1 = 0;
  private x2 = 0xffffffff;
  private x = 0;
  private input: Uint8Array = new Uint8Array(0);
  private out: Uint8Array = new Uint8Array(0);
  private pos = 0;

  /** `model` 1: the original; 2: plus the value-keyed second APM (SSE). */
  constructor(
    readonly bits: number,
    readonly signed: boolean,
    limit: number,
    rate: number,
    private readonly prior?: LmscmPrior,
    model = 1,
  ) {
    const sizes = [48 * NDEC, 144 * NDEC, 48 * NDEC, 36 * NDEC, (1 << VAL_BITS) * VAL_K];
    this.sse = model >= 2;
    const m = new LmscmModel(sizes, NDEC, 48 * NDEC, limit, rate * 1e-9, this.sse ? (1 << VAL_BITS) * SSE_CLASSES : 0, prior?.state);
    this.m = m;
    this.cells = m.cells;
    this.weights = m.weights;
    this.apm = m.apm;
    this.apm2 = m.apm2;
    this.limit = m.limit;
    this.lr = m.lr;
    // the context bases of the residual models and the value model as absolute counter indices
    const b = m.base;
    this.o1 = b[1]!;
    this.o2 = b[2]!;
    this.o3 = b[3]!;
    this.b4 = b[4]!;
    this.maxE = bits - 1;
    this.lo = signed ? -(2 ** (bits - 1)) : 0;
    this.hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  }

  /** Back to the state of a new core (the model's initial or prior state), reusing the arrays. */
  reset(): void {
    this.m.reset(this.prior?.state);
  }

  /** Starts encoding (the coder's output grows from `capacity` bytes as needed). */
  startEncode(capacity: number): void {
    this.decoding = false;
    this.out = new Uint8Array(Math.max(64, capacity));
    this.pos = 0;
    this.x1 = 0;
    this.x2 = 0xffffffff;
  }

  /** The coder's bytes: everything written, then the 4 bytes of x1 (as BinaryEncoder.finish). */
  finishEncode(): Uint8Array {
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.out.length) this.out = grown(this.out);
      this.out[this.pos++] = this.x1 >>> 24;
      this.x1 = (this.x1 << 8) >>> 0;
    }
    return this.out.slice(0, this.pos);
  }

  /** Starts decoding `input` (as BinaryDecoder: the first 4 bytes fill x). */
  startDecode(input: Uint8Array): void {
    this.decoding = true;
    this.input = input;
    this.pos = 0;
    this.x1 = 0;
    this.x2 = 0xffffffff;
    this.x = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= input.length) throw new CorruptDataError('lmscm stream: read past the end of the stream');
      this.x = ((this.x << 8) | input[this.pos++]!) >>> 0;
    }
  }

  /** Throws unless the whole stream was consumed. */
  endDecode(): void {
    if (this.pos !== this.input.length) throw new CorruptDataError(`lmscm stream: ${this.input.length - this.pos} unexpected trailing bytes`);
  }

  /**
   * Codes `total` values, channels interleaved: encoding (after startEncode), the values of `x`;
   * decoding (after startDecode), into `x` (a value outside the dtype is CorruptDataError).
   *
   * One loop for both directions, so they cannot drift apart, and one function for the whole
   * chunk, so every table and the coder's state live in locals (speed: this is lmscm's hot path).
   * Per value: the prediction and contexts (docs/spec/codecs/lmscm.md), then the binarization's
   * decisions (zero, sign, unary exponent, mantissa) through ONE copy of the decision step: the five
   * counters' stretched probabilities mixed by weight set `id`, refined by the APM (context c0 + id)
   * and, for model 2, the value-keyed APM (exactly the reference arithmetic of LmscmModel.p), the
   * binary coder (_binary-coder.ts, inlined), then the updates of everything that took part
   * (LmscmModel.update).
   */
  run(x: TypedArray, chans: readonly Channel[], total: number): void {
    const decoding = this.decoding;
    const nc = chans.length;
    const cells = this.cells;
    const weights = this.weights;
    const apm = this.apm;
    const apm2 = this.apm2;
    const sse = this.sse;
    const limit = this.limit;
    const lr = this.lr;
    const o1 = this.o1;
    const o2 = this.o2;
    const o3 = this.o3;
    const b4 = this.b4;
    const maxE = this.maxE;
    const lo = this.lo;
    const hi = this.hi;
    const input = this.input;
    let out = this.out;
    let pos = this.pos;
    let x1 = this.x1 >>> 0;
    let x2 = this.x2 >>> 0;
    let xin = this.x >>> 0;
    for (let i = 0, ch = 0; i < total; i++) {
      const c = chans[ch]!;
      // ---- prediction P (and its fraction fq) from the channel's reconstructed history
      const order = c.order;
      const buf = c.buf;
      const at = order + c.seen; // where this value goes; the newest known is at at - 1
      let P: number;
      let fq = 0;
      if (c.seen < order || order === 0) {
        P = order === 0 ? 0 : c.seen > 0 ? buf[at - 1]! : 0;
      } else {
        // sum_j q[j] buf[at-1-j]: integers below 2^53, so exact in any order (four partial sums)
        const q = c.q;
        let t0 = 0;
        let t1 = 0;
        let t2 = 0;
        let t3 = 0;
        let j = 0;
        let t = at - 1;
        for (; j + 4 <= order; j += 4, t -= 4) {
          t0 += q[j]! * buf[t]!;
          t1 += q[j + 1]! * buf[t - 1]!;
          t2 += q[j + 2]! * buf[t - 2]!;
          t3 += q[j + 3]! * buf[t - 3]!;
        }
        for (; j < order; j++, t--) t0 += q[j]! * buf[t]!;
        const sum = t0 + t1 + (t2 + t3);
        // the divisor is a power of 2: multiplying by its inverse is the exact division
        const inv = c.inv;
        P = Math.floor(sum * inv);
        fq = Math.floor((sum - P * c.div) * 4 * inv);
      }
      if (P < lo) P = lo;
      else if (P > hi) P = hi;
      // ---- contexts of this value's decisions (absolute counter indices, before + id)
      const r1 = c.r1;
      const r2 = c.r2;
      const ctx0 = min(47, qlog(c.avgF)) * NDEC;
      const ctx1 = o1 + (min(11, qlog(r1 < 0 ? -r1 : r1)) * 12 + min(11, qlog(r2 < 0 ? -r2 : r2))) * NDEC;
      const ctx2 = o2 + min(47, qlog(c.avgS)) * NDEC;
      const sc1 = signCtx(r1);
      const ctx3 = o3 + ((sc1 * 3 + signCtx(r2)) * 4 + fq) * NDEC;
      const vo = c.vo;
      // ---- the value's decisions; when encoding, the bits come from r = xv - P
      let xv = decoding ? 0 : x[i]!;
      const rEnc = xv - P;
      const aEnc = rEnc < 0 ? -rEnc : rEnc;
      const eEnc = aEnc === 0 ? 0 : 31 - Math.clz32(aEnc);
      // phase 0: r != 0; 1: sign; 2: unary exponent (j); 3: mantissa bit t
      let phase = 0;
      let j = 0;
      let t = 0;
      let e = 0;
      let neg = 0;
      let sg = 1;
      let top = 0;
      let pre = 0;
      let nonzero = 0;
      for (;;) {
        let id: number;
        let v: number;
        let kind: number;
        let bit: number;
        if (phase === 0) {
          id = ID_ZERO;
          v = P;
          kind = fq;
          bit = rEnc !== 0 ? 1 : 0;
        } else if (phase === 1) {
          id = ID_SIGN + sc1;
          v = P;
          kind = 4 + fq;
          bit = rEnc < 0 ? 1 : 0;
        } else if (phase === 2) {
          id = ID_UNARY + j;
          v = P + sg * POW2[j]!;
          kind = 8 + 2 * (j < 15 ? j : 15) + neg;
          bit = eEnc > j ? 1 : 0;
        } else {
          id = t === e - 1 ? ID_TOP + e : t === e - 2 ? ID_SECOND + 2 * e + top : ID_REST + (t < 15 ? t : 15);
          v = P + sg * pre;
          kind = 40 + 2 * (t < 11 ? t : 11) + neg;
          bit = (aEnc >>> t) & 1;
        }

        // ---- the decision step: probability
        const s0 = ctx0 + id; // table 0 starts at 0: s0 is also the APM context
        const s1 = ctx1 + id;
        const s2 = ctx2 + id;
        const s3 = ctx3 + id;
        const vv = ((v + vo) | 0) & ((1 << VAL_BITS) - 1);
        const s4 = b4 + vv * VAL_K + kind;
        const k0 = cells[s0]!;
        const k1 = cells[s1]!;
        const k2 = cells[s2]!;
        const k3 = cells[s3]!;
        const k4 = cells[s4]!;
        // a cell's probability >> 4 = its bits 4..15
        const v0 = STRETCH_F[(k0 >>> 4) & 4095]!;
        const v1 = STRETCH_F[(k1 >>> 4) & 4095]!;
        const v2 = STRETCH_F[(k2 >>> 4) & 4095]!;
        const v3 = STRETCH_F[(k3 >>> 4) & 4095]!;
        const v4 = STRETCH_F[(k4 >>> 4) & 4095]!;
        const wb = id * 6; // weight set: the decision id
        // the same sums in the same order on both sides (doubles)
        let dot = v0 * weights[wb]!;
        dot += v1 * weights[wb + 1]!;
        dot += v2 * weights[wb + 2]!;
        dot += v3 * weights[wb + 3]!;
        dot += v4 * weights[wb + 4]!;
        dot += 256 * weights[wb + 5]!;
        const xr = roundClamped(dot);
        const pm = SQUASH[xr + 2048]!;
        const sx = SQUASH_STRETCH[xr + 2048]!;
        const w = sx & 127;
        const a1 = s0 * 33 + (sx >> 7);
        const pa = (apm[a1]! * (128 - w) + apm[a1 + 1]! * w) >> 11;
        let p: number;
        let a2 = 0;
        if (sse) {
          a2 = (vv * SSE_CLASSES + SSE_CLASS[id]!) * 33 + (sx >> 7);
          const pb = (apm2[a2]! * (128 - w) + apm2[a2 + 1]! * w) >> 11;
          p = (pm + pa + 2 * pb) >> 2;
        } else {
          p = (pm + 3 * pa) >> 2;
        }
        if (p < 1) p = 1;
        else if (p > 4095) p = 4095;
        // ---- the coder (_binary-coder.ts): bit 1 keeps [x1, xmid], bit 0 keeps [xmid + 1, x2]
        // (uint32 arithmetic: the true xmid < 2^32, so its value mod 2^32 is exact)
        const xmid = (x1 + Math.imul((x2 - x1) >>> 12, p)) >>> 0;
        if (decoding) bit = xin <= xmid ? 1 : 0;
        if (bit) x2 = xmid;
        else x1 = (xmid + 1) >>> 0;
        while (((x1 ^ x2) & 0xff000000) === 0) {
          if (decoding) {
            if (pos >= input.length) throw new CorruptDataError('lmscm stream: read past the end of the stream');
            xin = ((xin << 8) | input[pos++]!) >>> 0;
          } else {
            if (pos >= out.length) out = grown(out);
            out[pos++] = x2 >>> 24;
          }
          x1 = (x1 << 8) >>> 0;
          x2 = ((x2 << 8) | 255) >>> 0;
        }
        // ---- updates: counters (the five slots lie in different tables, so they never alias)
        const target = bit ? 65535 : 0;
        let n = k0 >>> COUNT_SHIFT;
        let pr = k0 & PROB_MASK;
        cells[s0] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << COUNT_SHIFT);
        n = k1 >>> COUNT_SHIFT;
        pr = k1 & PROB_MASK;
        cells[s1] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << COUNT_SHIFT);
        n = k2 >>> COUNT_SHIFT;
        pr = k2 & PROB_MASK;
        cells[s2] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << COUNT_SHIFT);
        n = k3 >>> COUNT_SHIFT;
        pr = k3 & PROB_MASK;
        cells[s3] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << COUNT_SHIFT);
        n = k4 >>> COUNT_SHIFT;
        pr = k4 & PROB_MASK;
        cells[s4] = (pr + (((target - pr) * RATE_F[n]!) | 0)) | ((n < limit ? n + 1 : n) << COUNT_SHIFT);
        // mixer: gradient of the coding cost in the stretched domain
        const err = ((bit ? 4095 : 0) - pm) * lr;
        weights[wb] += err * v0;
        weights[wb + 1] += err * v1;
        weights[wb + 2] += err * v2;
        weights[wb + 3] += err * v3;
        weights[wb + 4] += err * v4;
        weights[wb + 5] += err * 256;
        // APMs: both interpolation points toward the bit
        apm[a1] += ((target - apm[a1]!) * (128 - w)) >> 13;
        apm[a1 + 1] += ((target - apm[a1 + 1]!) * w) >> 13;
        if (sse) {
          apm2[a2] += ((target - apm2[a2]!) * (128 - w)) >> 13;
          apm2[a2 + 1] += ((target - apm2[a2 + 1]!) * w) >> 13;
        }

        // ---- the next decision, or the end of this value
        if (phase === 0) {
          if (!bit) break;
          nonzero = 1;
          phase = 1;
          continue;
        }
        if (phase === 1) {
          neg = bit;
          sg = neg ? -1 : 1;
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
      const r = nonzero ? (neg ? -pre : pre) : 0;
      if (decoding) {
        xv = P + r;
        if (xv < lo || xv > hi) throw new CorruptDataError(`lmscm: decoded value ${xv} outside [${lo}, ${hi}]`);
        x[i] = xv;
      }
      // ---- the channel's history and running averages
      const ar = r < 0 ? -r : r;
      c.avgF = Math.floor(c.avgF + (ar * 16 - c.avgF) / 4);
      c.avgS = Math.floor(c.avgS + (ar * 16 - c.avgS) / 32);
      c.r2 = r1;
      c.r1 = r;
      buf[at] = xv;
      c.seen++;
      if (++ch === nc) ch = 0;
    }
    this.out = out;
    this.pos = pos;
    this.x1 = x1;
    this.x2 = x2;
    this.x = xin;
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
    return this.encodeWith(this.core(bits, signed), x, spec);
  }

  /**
   * A core in its initial state. The last one is kept and reset for the next chunk: its ~4 MB of
   * tables (with a prior) are then copied over instead of allocated and collected per chunk.
   * Reset when taken, so a chunk that threw halfway leaves nothing behind.
   */
  private core(bits: number, signed: boolean): Core {
    const c = this.spare;
    if (c && c.bits === bits && c.signed === signed) {
      c.reset();
      return c;
    }
    return (this.spare = new Core(bits, signed, this.limit, this.rate, this.prior, this.model));
  }
  private spare?: Core;

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
    core.startEncode(n * nc + 1024);
    core.run(x, chans, n * nc);
    const body = core.finishEncode();
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
    const core = this.core(bits, signed);
    core.startDecode(body);
    core.run(x, chans, n * nc);
    core.endDecode();
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
