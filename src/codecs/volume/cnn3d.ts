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
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import { Cnn3dNet, trainCnn3d, type Cnn3dArch } from '../../learn/cnn3d.js';
import type { Dims3 } from '../../learn/conv3d.js';
import { expNeg } from '../../learn/inr.js';
import { Rng } from '../../learn/prng.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { solve } from '../filter/sz3d.js';
import { bitsF32, checkFloat, dims3, emit, f32Bits, IntDecoder, IntEncoder } from './_common.js';

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

/** The quadratic baseline c0 + c1 u_z + c2 u_y + c3 u_x + c4 u_z² + c5 u_y² + c6 u_x² over the box (left to right). */
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

/** Least-squares quadratic (7 coefficients, float32) of target over the box, points with skip[k] left out. */
function fitBaseline(target: Float64Array, lo: number[], hi: number[], skip: Uint8Array | undefined): number[] {
  const G = new Float64Array(49);
  const rhs = new Float64Array(7);
  const basis = new Float64Array(7);
  let k = 0;
  for (let z = lo[0]!; z <= hi[0]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let x = lo[2]!; x <= hi[2]!; x++, k++) {
    if (skip && skip[k]) continue;
    const u = [coord(z, lo[0]!, hi[0]!), coord(y, lo[1]!, hi[1]!), coord(x, lo[2]!, hi[2]!)];
    basis[0] = 1;
    for (let j = 0; j < 3; j++) (basis[j + 1] = u[j]!), (basis[j + 4] = u[j]! * u[j]!);
    for (let r = 0; r < 7; r++) {
      rhs[r] += basis[r]! * target[k]!;
      for (let c = 0; c < 7; c++) G[r * 7 + c] += basis[r]! * basis[c]!;
    }
  }
  for (let j = 0; j < 7; j++) G[j * 7 + j] += 1e-9 * (G[0]! + 1);
  const sol = solve(G, rhs, 7);
  return Array.from({ length: 7 }, (_, j) => Math.fround(sol && Number.isFinite(sol[j]!) ? sol[j]! : 0));
}

/** Inverse transform y -> s sign(y) |y|^p (p = 0: s exp(min(0, y))), zeroed below thr, scattered into the full grid. */
function reconstruct(d: Dims3, lo: number[], hi: number[], yv: Float64Array, p: number, s: number, thr: number): Float64Array {
  const [, ny, nx] = d;
  const out = new Float64Array(d[0] * ny * nx);
  let k = 0;
  for (let z = lo[0]!; z <= hi[0]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let x = lo[2]!; x <= hi[2]!; x++, k++) {
    const v = yv[k]!;
    let m: number;
    if (p === 0) m = expNeg(Math.min(0, v)); // targets are <= 0
    else {
      const a = Math.min(1, Math.abs(v)); // targets lie in [-1, 1]
      m = a;
      for (let j = 1; j < p; j++) m *= a;
    }
    const f = s * m;
    out[(z * ny + y) * nx + x] = f < thr || !Number.isFinite(f) ? 0 : v < 0 && p > 0 ? -f : f;
  }
  return out;
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
    const d = dims3(spec.shape);
    const [nz, ny, nx] = d;
    if (x.length !== nz * ny * nx) throw new CorruptDataError(`cnn3d: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
    const w = new ByteWriter(1024);
    w.u8(FORMAT).varint(nz).varint(ny).varint(nx);
    // scale s = max |f|; values below thr = floor·s are dropped (decode to 0; |error| < thr)
    const abs = (v: number) => (Number.isFinite(v) ? Math.abs(v) : 0);
    let s = 0;
    for (let i = 0; i < x.length; i++) s = Math.max(s, abs(x[i]!));
    s = Math.fround(s);
    if (!(s > 0) || !Number.isFinite(s)) return w.u8(0).finish(); // all zero (or beyond float32)
    const thr = Math.fround(this.floor * s);
    const kept = (v: number) => abs(v) > 0 && abs(v) >= thr;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-1, -1, -1];
    let minKept = Infinity;
    let i = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++, i++) {
      if (!kept(x[i]!)) continue;
      minKept = Math.min(minKept, abs(x[i]!) / s);
      [z, y, xx].forEach((c, k) => ((lo[k] = Math.min(lo[k]!, c)), (hi[k] = Math.max(hi[k]!, c))));
    }
    const a = this.arch;
    const p = this.power;
    w.u8(1);
    for (const v of [...lo, ...hi]) w.varint(v);
    w.u8(p).u32(f32Bits(s)).u32(f32Bits(thr));
    // targets as in inr: sign(f)|f/s|^(1/p), or log|f/s| (p = 0) where a dropped value only has
    // to stay below the floor (one-sided loss)
    const box: Dims3 = [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1];
    const m = box[0] * box[1] * box[2];
    const lfloor = Math.log(thr > 0 ? thr / s : minKept / 2);
    const target = new Float64Array(m);
    const below = new Uint8Array(m);
    // loss weight (|f|/s)^focus (at least 1e-3^focus), mean 1: puts the fit where the mass is
    const weight = new Float64Array(m);
    let wsum = 0;
    let k = 0;
    for (let z = lo[0]!; z <= hi[0]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let xx = lo[2]!; xx <= hi[2]!; xx++, k++) {
      const v = x[(z * ny + y) * nx + xx]!;
      const r = abs(v) / s;
      if (p > 0) target[k] = v < 0 ? -(r ** (1 / p)) : r ** (1 / p);
      else if (kept(v)) target[k] = Math.max(lfloor, Math.log(r));
      else (target[k] = lfloor), (below[k] = 1);
      weight[k] = Math.max(1e-3, r) ** this.focus;
      wsum += weight[k]!;
    }
    for (k = 0; k < m; k++) weight[k] = (weight[k]! * m) / wsum;
    let yscale = 0;
    for (const t of target) yscale = Math.max(yscale, Math.abs(t));
    yscale = Math.fround(yscale > 0 ? yscale : 1);
    for (k = 0; k < m; k++) target[k] = target[k]! / yscale;
    const coef = fitBaseline(target, lo, hi, p === 0 ? below : undefined);
    const base = baseline(coef, lo, hi);
    const resid = new Float64Array(m);
    for (k = 0; k < m; k++) resid[k] = target[k]! - base[k]!;
    w.u32(f32Bits(yscale));
    for (const c of coef) w.u32(f32Bits(c));
    w.u8(a.levels).u8(a.channels).u8(a.k);
    const net = new Cnn3dNet(a, box, new Rng(this.seed));
    const steps = trainCnn3d(net, resid, { steps: this.steps, lr: this.lr, bits: this.bits, qat: this.qat }, below, weight);
    for (const st of steps) w.u32(f32Bits(st));
    const enc = new IntEncoder(net.params.length);
    net.params.forEach((pp, c) => {
      const st = steps[c]!;
      for (const v of pp.w) enc.put(st > 0 ? Math.round(v / st) : 0, c);
    });
    return w.bytes(enc.finish()).finish();
  }

  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    checkFloat(this.id, spec);
    const n = elementCount(spec.shape);
    const r = new ByteReader(input, 'cnn3d stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`cnn3d: unknown stream format ${fmt}`);
    const d: Dims3 = [r.varint(), r.varint(), r.varint()];
    if (d[0] * d[1] * d[2] !== n) throw new CorruptDataError(`cnn3d: stream holds ${d.join('x')} values, expected ${n}`);
    const flag = r.u8();
    if (flag === 0) {
      r.end();
      return emit(new Float64Array(n), spec, out, this.id);
    }
    if (flag !== 1) throw new CorruptDataError(`cnn3d: bad flag ${flag}`);
    const lo = [r.varint(), r.varint(), r.varint()];
    const hi = [r.varint(), r.varint(), r.varint()];
    for (let k = 0; k < 3; k++) if (!(lo[k]! <= hi[k]! && hi[k]! < d[k]!)) throw new CorruptDataError('cnn3d: bad bounding box');
    const p = r.u8();
    const s = bitsF32(r.u32());
    const thr = bitsF32(r.u32());
    if (p > 4 || !Number.isFinite(s) || !Number.isFinite(thr)) throw new CorruptDataError('cnn3d: bad transform parameters');
    const yscale = bitsF32(r.u32());
    const coef = Array.from({ length: 7 }, () => bitsF32(r.u32()));
    if (!Number.isFinite(yscale) || !coef.every(Number.isFinite)) throw new CorruptDataError('cnn3d: bad baseline');
    const levels = r.u8();
    const channels = r.u8();
    const k = r.u8();
    if (levels < 1 || levels > MAX_LEVELS || channels < 1 || channels > MAX_CHANNELS || k < 1 || k > MAX_K || k % 2 !== 1) {
      throw new CorruptDataError(`cnn3d: bad architecture (${levels} levels, ${channels} channels, kernel ${k})`);
    }
    const box: Dims3 = [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1];
    const net = new Cnn3dNet({ levels, channels, k, slope: SLOPE }, box, new Rng(0));
    r.expectAtLeast(net.params.length, 4);
    const steps = net.params.map(() => bitsF32(r.u32()));
    if (!steps.every((st) => Number.isFinite(st) && st >= 0)) throw new CorruptDataError('cnn3d: bad quantizer step');
    const dec = new IntDecoder(r.bytesView(r.remaining), net.params.length, 'cnn3d weights');
    net.params.forEach((pp, c) => {
      for (let j = 0; j < pp.w.length; j++) pp.w[j] = dec.get(c) * steps[c]!;
    });
    dec.end();
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
