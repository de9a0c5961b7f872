/*
 * `cnn3d` (docs/spec/codecs/cnn3d.md): a float volume as a small decoder-only 3-D CNN, the VDF
 * notebook's CNN as a codec. A latent grid [C, ceil(n/2^L)³] goes through L stages of 2x linear
 * upsampling + k³ convolution (leaky ReLU between, one output channel at the end); latent and
 * weights are trained per volume at encode time (Adam, full batch, seeded: same input, same Node
 * build -> same bytes), quantized per tensor and arithmetic coded: they are the stream. As in
 * `inr`, the net corrects a least-squares quadratic baseline of log|f/s| (power 0, the default: a
 * log-Maxwellian for a VDF) or of sign(f)|f/s|^(1/p), over the bounding box of the values above
 * floor·s only (zero outside; decoded values below the threshold are set to 0, so the empty halo
 * of a VDF stays exactly empty). Decoding uses IEEE double arithmetic in a fixed order only (own
 * exp), so it is bit-identical everywhere. Lossy with no bound (|decoded| <= max |f| always).
 */
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import { Cnn3dNet, trainCnn3d, type Cnn3dArch } from '../../learn/cnn3d.js';
import { Rng } from '../../learn/prng.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { bitsF32, checkFloat, emit, f32Bits } from './_common.js';
import { boxDims, fitQuadratic, fitTargets, keptBox, openStream, readBaseline, readBox, readWeights, reconstruct, startStream, writeBaseline, writeBox, writeWeights } from './_fitted.js';

const FORMAT = 1;
const MAX_LEVELS = 6;
const MAX_CHANNELS = 32;
const MAX_K = 5;
/** The leaky-ReLU slope (fixed by format 1). */
const SLOPE = 1 / 16;

/** Box-relative coordinate of index i on an axis [lo, hi]: in (-1, 1). */
function coord(i: number, lo: number, hi: number): number {
  return (2 * (i - lo) - (hi - lo)) / (hi - lo + 1);
}

/**
 * The quadratic baseline c0 + c1 u_z + c2 u_y + c3 u_x + c4 u_z² + c5 u_y² + c6 u_x² over the box (left
 * to right, c4 u_z² as (c4 u_z) u_z: not inr's order, which multiplies c4 by u_z² — format 1 fixes each).
 */
function baseline(c: number[], lo: number[], hi: number[]): Float64Array {
  const out = new Float64Array((hi[0]! - lo[0]! + 1) * (hi[1]! - lo[1]! + 1) * (hi[2]! - lo[2]! + 1));
  let k = 0;
  for (let z = lo[0]!; z <= hi[0]!; z++) {
    const uz = coord(z, lo[0]!, hi[0]!);
    for (let y = lo[1]!; y <= hi[1]!; y++) {
      const uy = coord(y, lo[1]!, hi[1]!);
      for (let x = lo[2]!; x <= hi[2]!; x++, k++) {
        const ux = coord(x, lo[2]!, hi[2]!);
        out[k] = c[0]! + c[1]! * uz + c[2]! * uy + c[3]! * ux + c[4]! * uz * uz + c[5]! * uy * uy + c[6]! * ux * ux;
      }
    }
  }
  return out;
}

/** Each point's (u_z, u_y, u_x, u_z², u_y², u_x²) over the box, z outer, x inner: the baseline fit's basis. */
function quadFeatures(lo: number[], hi: number[]): Float64Array {
  const bd = boxDims(lo, hi);
  const f = new Float64Array(bd[0] * bd[1] * bd[2] * 6);
  let k = 0;
  for (let z = lo[0]!; z <= hi[0]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let x = lo[2]!; x <= hi[2]!; x++, k += 6) {
    const u = [coord(z, lo[0]!, hi[0]!), coord(y, lo[1]!, hi[1]!), coord(x, lo[2]!, hi[2]!)];
    for (let j = 0; j < 3; j++) (f[k + j] = u[j]!), (f[k + j + 3] = u[j]! * u[j]!);
  }
  return f;
}

class Cnn3dCodec implements ArrayToBytesCodec {
  readonly id = 'cnn3d';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(
    readonly arch: Cnn3dArch,
    readonly seed: number,
    readonly power: number,
    readonly steps: number,
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
    const kb = keptBox(x, d, s, thr);
    const { lo, hi } = kb;
    const a = this.arch;
    const p = this.power;
    writeBox(w, lo, hi);
    w.u8(p).u32(f32Bits(s)).u32(f32Bits(thr));
    // targets as in inr (one-sided below the floor for p = 0), normalized; a least-squares quadratic
    // baseline fitted on the kept values; the net learns what it leaves
    const { target, below, weight, yscale } = fitTargets(x, d, kb, s, thr, p, this.focus);
    const coef = fitQuadratic(target, quadFeatures(lo, hi), 6, p === 0 ? below : undefined);
    const base = baseline(coef, lo, hi);
    const resid = new Float64Array(target.length);
    for (let k = 0; k < target.length; k++) resid[k] = target[k]! - base[k]!;
    writeBaseline(w, yscale, coef);
    w.u8(a.levels).u8(a.channels).u8(a.k);
    const net = new Cnn3dNet(a, boxDims(lo, hi), new Rng(this.seed));
    const steps = trainCnn3d(net, resid, { steps: this.steps, lr: this.lr, bits: this.bits, qat: this.qat }, below, weight);
    return writeWeights(w, net.params, steps);
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const o = openStream(this.id, FORMAT, input, spec);
    if (!o) return emit(new Float64Array(elementCount(spec.shape)), spec, out, this.id);
    const { r, d } = o;
    const { lo, hi } = readBox(this.id, r, d);
    const p = r.u8();
    const s = bitsF32(r.u32());
    const thr = bitsF32(r.u32());
    if (p > 4 || !Number.isFinite(s) || !Number.isFinite(thr)) throw new CorruptDataError('cnn3d: bad transform parameters');
    const { yscale, coef } = readBaseline(this.id, r);
    const levels = r.u8();
    const channels = r.u8();
    const k = r.u8();
    if (levels < 1 || levels > MAX_LEVELS || channels < 1 || channels > MAX_CHANNELS || k < 1 || k > MAX_K || k % 2 !== 1) {
      throw new CorruptDataError(`cnn3d: bad architecture (${levels} levels, ${channels} channels, kernel ${k})`);
    }
    const net = new Cnn3dNet({ levels, channels, k, slope: SLOPE }, boxDims(lo, hi), new Rng(0));
    readWeights(this.id, r, net.params);
    const yv = net.evaluate();
    const base = baseline(coef, lo, hi);
    for (let j = 0; j < yv.length; j++) yv[j] = yscale * (base[j]! + yv[j]!);
    return emit(reconstruct(d, lo, hi, yv, p, s, thr), spec, out, this.id);
  }

  toConfig() {
    const a = this.arch;
    return { id: this.id, levels: a.levels, channels: a.channels, k: a.k, seed: this.seed, power: this.power, steps: this.steps, lr: this.lr, bits: this.bits, qat: this.qat, floor: this.floor, focus: this.focus };
  }
}

export const factory: CodecFactory = {
  id: 'cnn3d',
  kind: 'array->bytes',
  description: "float volume as a per-volume trained decoder-only 3-D CNN (latent grid, upsampling + 3-D convolutions; the VDF notebook's CNN); quantized, arithmetic-coded latent and weights are the stream",
  fromConfig(config) {
    const p = new Params(config);
    const levels = p.int('levels', 2, 1, MAX_LEVELS);
    const channels = p.int('channels', 2, 1, MAX_CHANNELS);
    const k = p.int('k', 3, 1, MAX_K);
    if (k % 2 !== 1) throw new InvalidConfigError(`cnn3d: k must be odd, got ${k}`);
    const seed = p.int('seed', 1, 0, 0xffffffff);
    const power = p.int('power', 0, 0, 4);
    const steps = p.int('steps', 16000, 1, 1_000_000);
    const lr = p.num('lr', 0.003, 1e-6, 1);
    const bits = p.int('bits', 10, 2, 16);
    const qat = p.num('qat', 0.2, 0, 1);
    const floor = p.num('floor', 1e-6, 0, 0.5);
    const focus = p.num('focus', 1, 0, 2);
    p.done();
    return new Cnn3dCodec({ levels, channels, k, slope: SLOPE }, seed, power, steps, lr, bits, qat, floor, focus);
  },
};
