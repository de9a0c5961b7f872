/*
 * `inr` (docs/spec/codecs/inr.md): a float volume as an implicit neural representation. An MLP
 * (Fourier features of the normalized (z, y, x) coordinate -> leaky-ReLU hidden layers -> one
 * value) is trained per volume at encode time (seeded: same input, same Node build -> same bytes);
 * its weights, quantized per tensor and arithmetic coded, are the stream. The net fits, on top of
 * a least-squares quadratic baseline in the coordinate, log|f/s| (power 0, the default: the VDF's
 * dynamic range; the quadratic is a log-Maxwellian) or sign(f)|f/s|^(1/p). Only the bounding box of
 * the values above floor·s is modelled (zero outside), and decoded values below that threshold are
 * set to 0, so the empty halo of a VDF stays exactly empty. Decoding uses IEEE double arithmetic
 * only (polynomial sin and exp, not Math.sin/exp), so it is bit-identical everywhere.
 * Lossy with no bound (|decoded| <= max |f| always: outputs are clamped to the targets' range).
 */
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import { featureCount, features, frequencies, InrNet, trainInr, type InrArch } from '../../learn/inr.js';
import { Rng } from '../../learn/prng.js';
import { act } from '../../learn/tensor.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { bitsF32, checkFloat, emit, f32Bits } from './_common.js';
import { fitQuadratic, fitTargets, keptBox, openStream, readBaseline, readBox, readWeights, reconstruct, startStream, writeBaseline, writeBox, writeWeights } from './_fitted.js';

const FORMAT = 1;
const MAX_DEPTH = 6;
const MAX_WIDTH = 128;
const MAX_FREQS = 128;
/** The leaky-ReLU slope (fixed by format 1). */
const SLOPE = 1 / 16;

interface Box {
  lo: number[];
  hi: number[];
  /** Centre and scale per axis: u = (index - mean) / (2 sigma). */
  mean: number[];
  sigma: number[];
}

/** Normalized features of every point of the box, z outer, x inner. */
function boxFeatures(box: Box, arch: InrArch): Float64Array {
  const B = frequencies(arch);
  const nf = featureCount(arch);
  const { lo, hi } = box;
  const u = (a: number, i: number) => (i - box.mean[a]!) / (2 * box.sigma[a]!);
  const m = (hi[0]! - lo[0]! + 1) * (hi[1]! - lo[1]! + 1) * (hi[2]! - lo[2]! + 1);
  const f = new Float64Array(m * nf);
  let k = 0;
  for (let z = lo[0]!; z <= hi[0]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let x = lo[2]!; x <= hi[2]!; x++, k++) {
    features(B, arch.freqs, u(0, z), u(1, y), u(2, x), f, k * nf);
  }
  return f;
}

/** The net's outputs over the box (features batched through the layers). */
function evaluate(net: InrNet, feats: Float64Array): Float64Array {
  const nf = featureCount(net.arch);
  const m = feats.length / nf;
  const out = new Float64Array(m);
  const CH = 4096;
  for (let s = 0; s < m; s += CH) {
    const b = Math.min(CH, m - s);
    const y = net.forward(act(b, nf, 1, feats.slice(s * nf, (s + b) * nf)));
    out.set(y.data, s);
  }
  return out;
}

/** The quadratic baseline c0 + c1 u_z + c2 u_y + c3 u_x + c4 u_z² + c5 u_y² + c6 u_x² (left to right; u² from the features, not cnn3d's (c4 u_z) u_z). */
function baseline(c: number[], feats: Float64Array, o: number): number {
  let v = c[0]!;
  for (let j = 0; j < 6; j++) v += c[j + 1]! * feats[o + j]!;
  return v;
}

/** y = yscale (baseline + net) over the box. */
function model(net: InrNet, feats: Float64Array, coef: number[], yscale: number): Float64Array {
  const nf = featureCount(net.arch);
  const out = evaluate(net, feats);
  for (let k = 0; k < out.length; k++) out[k] = yscale * (baseline(coef, feats, k * nf) + out[k]!);
  return out;
}

class InrCodec implements ArrayToBytesCodec {
  readonly id = 'inr';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(
    readonly arch: InrArch,
    readonly power: number,
    readonly steps: number,
    readonly batch: number,
    readonly lr: number,
    readonly bits: number,
    readonly qat: number,
    readonly floor: number,
    readonly focus: number,
  ) {}

  encode(x: TypedArray, spec: ChunkSpec): Uint8Array {
    checkFloat(this.id, spec);
    const { w, d, s, thr, done } = startStream(this.id, FORMAT, x, spec, this.floor);
    if (done) return done;
    // bounding box, centre and width (first two moments of |f| per axis, like hermite's Maxwellian fit) of the kept values
    const s0 = [0, 0, 0];
    const s1 = [0, 0, 0];
    const s2 = [0, 0, 0];
    const kb = keptBox(x, d, s, thr, (c, a) => {
      for (let k = 0; k < 3; k++) {
        s0[k] += a;
        s1[k] += a * c[k]!;
        s2[k] += a * c[k]! * c[k]!;
      }
    });
    const { lo, hi } = kb;
    const mean = [0, 1, 2].map((k) => Math.fround(s1[k]! / s0[k]!));
    const sigma = [0, 1, 2].map((k) => {
      const v = s2[k]! / s0[k]! - (s1[k]! / s0[k]!) ** 2;
      return Math.fround(v > 0.0625 ? Math.sqrt(v) : 0.25);
    });
    const box: Box = { lo, hi, mean, sigma };
    const a = this.arch;
    const p = this.power;
    writeBox(w, lo, hi);
    for (const v of [...mean, ...sigma]) w.u32(f32Bits(v));
    w.u8(a.depth).varint(a.width).varint(a.freqs).u32(a.seed >>> 0).u32(f32Bits(a.sigma)).u8(p).u32(f32Bits(s)).u32(f32Bits(thr));
    // normalized targets (one-sided below the floor for p = 0); a least-squares quadratic baseline
    // in u (a Maxwellian in the log transform), fitted on the kept values; the net learns what it leaves
    const { target, below, weight, yscale } = fitTargets(x, d, kb, s, thr, p, this.focus);
    const feats = boxFeatures(box, a);
    const nf = featureCount(a);
    const coef = fitQuadratic(target, feats, nf, p === 0 ? below : undefined);
    const resid = new Float64Array(target.length);
    for (let j = 0; j < target.length; j++) resid[j] = target[j]! - baseline(coef, feats, j * nf);
    writeBaseline(w, yscale, coef);
    const rng = new Rng(a.seed);
    const net = new InrNet(a, rng);
    const steps = trainInr(net, feats, resid, { steps: this.steps, batch: this.batch, lr: this.lr, bits: this.bits, qat: this.qat }, rng, below, weight);
    return writeWeights(w, net.dense.flatMap((dd) => dd.params), steps);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const o = openStream(this.id, FORMAT, input, spec);
    if (!o) return emit(new Float64Array(elementCount(spec.shape)), spec, out, this.id);
    const { r, d } = o;
    const { lo, hi } = readBox(this.id, r, d);
    const ms = Array.from({ length: 6 }, () => bitsF32(r.u32()));
    const mean = ms.slice(0, 3);
    const scale = ms.slice(3);
    if (!ms.every(Number.isFinite) || !scale.every((v) => v > 0)) throw new CorruptDataError('inr: bad centre or scale');
    const depth = r.u8();
    const width = r.varint();
    const freqs = r.varint();
    const seed = r.u32();
    const sigma = bitsF32(r.u32());
    const p = r.u8();
    const s = bitsF32(r.u32());
    const thr = bitsF32(r.u32());
    if (depth < 1 || depth > MAX_DEPTH || width < 1 || width > MAX_WIDTH || freqs > MAX_FREQS) throw new CorruptDataError(`inr: bad architecture ${depth}x${width}, ${freqs} frequencies`);
    if (p > 4 || !Number.isFinite(sigma) || !Number.isFinite(s) || !Number.isFinite(thr)) throw new CorruptDataError('inr: bad transform parameters');
    const { yscale, coef } = readBaseline(this.id, r);
    const arch: InrArch = { depth, width, freqs, sigma, seed, slope: SLOPE };
    const net = new InrNet(arch, new Rng(0));
    readWeights(this.id, r, net.dense.flatMap((dd) => dd.params));
    const box: Box = { lo, hi, mean, sigma: scale };
    return emit(reconstruct(d, lo, hi, model(net, boxFeatures(box, arch), coef, yscale), p, s, thr), spec, out, this.id);
  }

  toConfig() {
    const a = this.arch;
    return { id: this.id, width: a.width, depth: a.depth, freqs: a.freqs, sigma: a.sigma, seed: a.seed, power: this.power, steps: this.steps, batch: this.batch, lr: this.lr, bits: this.bits, qat: this.qat, floor: this.floor, focus: this.focus };
  }
}

export const factory: CodecFactory = {
  id: 'inr',
  kind: 'array->bytes',
  description: 'float volume as a per-volume trained MLP on Fourier features of the coordinate (implicit neural representation); quantized, arithmetic-coded weights are the stream',
  fromConfig(config) {
    const p = new Params(config);
    const width = p.int('width', 16, 1, MAX_WIDTH);
    const depth = p.int('depth', 2, 1, MAX_DEPTH);
    const freqs = p.int('freqs', 8, 0, MAX_FREQS);
    const sigma = p.num('sigma', 1, 0, 64);
    const seed = p.int('seed', 1, 0, 0xffffffff);
    const power = p.int('power', 0, 0, 4);
    const steps = p.int('steps', 10000, 1, 1_000_000);
    const batch = p.int('batch', 256, 1, 65536);
    const lr = p.num('lr', 0.005, 1e-6, 1);
    const bits = p.int('bits', 10, 2, 16);
    const qat = p.num('qat', 0.2, 0, 1);
    const floor = p.num('floor', 1e-6, 0, 0.5);
    const focus = p.num('focus', 1, 0, 2);
    p.done();
    return new InrCodec({ depth, width, freqs, sigma: Math.fround(sigma), seed, slope: SLOPE }, power, steps, batch, lr, bits, qat, floor, focus);
  },
};
