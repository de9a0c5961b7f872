/*
 * Shared pieces of the volume codecs that fit a model per volume (`inr`, `cnn3d`; docs/spec/codecs/inr.md
 * and cnn3d.md): the stream head with the scale s = max |f|, the bounding box of the kept values
 * (|f| >= floor·s), the targets sign(f)|f/s|^(1/p) or log|f/s| (p = 0, one-sided below the floor)
 * with their loss weights, the least-squares quadratic baseline fit (a log-Maxwellian for p = 0),
 * the per-tensor quantized, arithmetic-coded weights, and the inverse transform scattered back
 * into the grid. Each codec keeps its own coordinates, net and baseline evaluation (their
 * floating-point operation orders differ, and the decoded bytes depend on them).
 */
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { elementCount, type ChunkSpec } from '../../core/types.js';
import type { Dims3 } from '../../learn/conv3d.js';
import { expNeg } from '../../learn/inr.js';
import type { Param } from '../../learn/tensor.js';
import { solve } from '../filter/sz3d.js';
import { bitsF32, dims3, f32Bits, IntDecoder, IntEncoder } from './_common.js';

/** |v|, 0 for non-finite values. */
export const fabs = (v: number): number => (Number.isFinite(v) ? Math.abs(v) : 0);

/**
 * Starts a stream: format byte, dims, the scale s = max |f| (float32) and the floor thr = floor·s
 * (float32; values below it are dropped: decode to 0, |error| < thr). `done` is the whole stream
 * (flag 0) when there is nothing to model (all zero, or beyond float32); otherwise the caller
 * writes flag 1 (writeBox) and the model.
 */
export function startStream(id: string, format: number, x: TypedArray, spec: ChunkSpec, floor: number): { w: ByteWriter; d: Dims3; s: number; thr: number; done?: Uint8Array } {
  const d = dims3(spec.shape) as Dims3;
  const [nz, ny, nx] = d;
  if (x.length !== nz * ny * nx) throw new CorruptDataError(`${id}: ${x.length} values for shape ${JSON.stringify(spec.shape)}`);
  const w = new ByteWriter(1024);
  w.u8(format).varint(nz).varint(ny).varint(nx);
  let s = 0;
  for (let i = 0; i < x.length; i++) s = Math.max(s, fabs(x[i]!));
  s = Math.fround(s);
  if (!(s > 0) || !Number.isFinite(s)) return { w, d, s, thr: 0, done: w.u8(0).finish() };
  return { w, d, s, thr: Math.fround(floor * s) };
}

/** Reads the stream head; undefined (stream ended) for an all-zero volume. */
export function openStream(id: string, format: number, input: Uint8Array, spec: ChunkSpec): { r: ByteReader; d: Dims3 } | undefined {
  const n = elementCount(spec.shape);
  const r = new ByteReader(input, `${id} stream`);
  const fmt = r.u8();
  if (fmt !== format) throw new CorruptDataError(`${id}: unknown stream format ${fmt}`);
  const d: Dims3 = [r.varint(), r.varint(), r.varint()];
  if (d[0] * d[1] * d[2] !== n) throw new CorruptDataError(`${id}: stream holds ${d.join('x')} values, expected ${n}`);
  const flag = r.u8();
  if (flag === 0) {
    r.end();
    return undefined;
  }
  if (flag !== 1) throw new CorruptDataError(`${id}: bad flag ${flag}`);
  return { r, d };
}

/** The values modelled: |f| > 0 and |f| >= thr (the rest decodes to 0). */
export const isKept = (v: number, thr: number): boolean => fabs(v) > 0 && fabs(v) >= thr;

export interface KeptBox {
  lo: number[];
  hi: number[];
  /** The smallest kept |f| / s. */
  minKept: number;
}

/** Bounding box of the kept values; visit(c, |f|/s) sees each kept value in grid order after the box is updated. */
export function keptBox(x: TypedArray, d: Dims3, s: number, thr: number, visit?: (c: number[], a: number) => void): KeptBox {
  const [nz, ny, nx] = d;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  let minKept = Infinity;
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++, i++) {
    if (!isKept(x[i]!, thr)) continue;
    const a = fabs(x[i]!) / s;
    minKept = Math.min(minKept, a);
    const c = [z, y, xx];
    for (let k = 0; k < 3; k++) (lo[k] = Math.min(lo[k]!, c[k]!)), (hi[k] = Math.max(hi[k]!, c[k]!));
    visit?.(c, a);
  }
  return { lo, hi, minKept };
}

/** The box's dims. */
export function boxDims(lo: number[], hi: number[]): Dims3 {
  return [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1];
}

/** Flag 1 and the box, 6 varints. */
export function writeBox(w: ByteWriter, lo: number[], hi: number[]): void {
  w.u8(1);
  for (const v of [...lo, ...hi]) w.varint(v);
}

export function readBox(id: string, r: ByteReader, d: Dims3): { lo: number[]; hi: number[] } {
  const lo = [r.varint(), r.varint(), r.varint()];
  const hi = [r.varint(), r.varint(), r.varint()];
  for (let k = 0; k < 3; k++) if (!(lo[k]! <= hi[k]! && hi[k]! < d[k]!)) throw new CorruptDataError(`${id}: bad bounding box`);
  return { lo, hi };
}

export interface Targets {
  /** Normalized targets (divided by yscale), box order (z outer, x inner). */
  target: Float64Array;
  /** Set where the value is dropped and the target (log floor) is only an upper bound (p = 0). */
  below: Uint8Array;
  /** Loss weights, mean 1. */
  weight: Float64Array;
  /** max |target| before normalization, float32 (1 if all zero). */
  yscale: number;
}

/**
 * Targets over the box: sign(f)|f/s|^(1/p), or log|f/s| (p = 0) where a dropped value only has to
 * stay below the floor (one-sided loss: anything under thr decodes to 0); loss weight
 * (|f|/s)^focus (at least 1e-3^focus), mean 1: puts the fit where the mass is.
 */
export function fitTargets(x: TypedArray, d: Dims3, box: KeptBox, s: number, thr: number, p: number, focus: number): Targets {
  const [, ny, nx] = d;
  const { lo, hi } = box;
  const bd = boxDims(lo, hi);
  const m = bd[0] * bd[1] * bd[2];
  const lfloor = Math.log(thr > 0 ? thr / s : box.minKept / 2);
  const target = new Float64Array(m);
  const below = new Uint8Array(m);
  const weight = new Float64Array(m);
  let wsum = 0;
  let k = 0;
  for (let z = lo[0]!; z <= hi[0]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let xx = lo[2]!; xx <= hi[2]!; xx++, k++) {
    const v = x[(z * ny + y) * nx + xx]!;
    const r = fabs(v) / s;
    if (p > 0) target[k] = v < 0 ? -(r ** (1 / p)) : r ** (1 / p);
    else if (isKept(v, thr)) target[k] = Math.max(lfloor, Math.log(r));
    else (target[k] = lfloor), (below[k] = 1);
    weight[k] = Math.max(1e-3, r) ** focus;
    wsum += weight[k]!;
  }
  for (k = 0; k < m; k++) weight[k] = (weight[k]! * m) / wsum;
  let yscale = 0;
  for (const t of target) yscale = Math.max(yscale, Math.abs(t));
  yscale = Math.fround(yscale > 0 ? yscale : 1);
  for (k = 0; k < m; k++) target[k] = target[k]! / yscale;
  return { target, below, weight, yscale };
}

/**
 * Least-squares quadratic (7 float32 coefficients) of target on the basis 1, q[0..5] where q is
 * point k's (u_z, u_y, u_x, u_z², u_y², u_x²) at feats[k·stride ..]; points with skip[k] left out.
 */
export function fitQuadratic(target: Float64Array, feats: Float64Array, stride: number, skip: Uint8Array | undefined): number[] {
  const G = new Float64Array(49);
  const rhs = new Float64Array(7);
  const basis = new Float64Array(7);
  for (let k = 0; k < target.length; k++) {
    if (skip && skip[k]) continue;
    basis[0] = 1;
    for (let j = 0; j < 6; j++) basis[j + 1] = feats[k * stride + j]!;
    for (let r = 0; r < 7; r++) {
      rhs[r] += basis[r]! * target[k]!;
      for (let c = 0; c < 7; c++) G[r * 7 + c] += basis[r]! * basis[c]!;
    }
  }
  for (let j = 0; j < 7; j++) G[j * 7 + j] += 1e-9 * (G[0]! + 1);
  const sol = solve(G, rhs, 7);
  return Array.from({ length: 7 }, (_, j) => Math.fround(sol && Number.isFinite(sol[j]!) ? sol[j]! : 0));
}

export function writeBaseline(w: ByteWriter, yscale: number, coef: number[]): void {
  w.u32(f32Bits(yscale));
  for (const c of coef) w.u32(f32Bits(c));
}

export function readBaseline(id: string, r: ByteReader): { yscale: number; coef: number[] } {
  const yscale = bitsF32(r.u32());
  const coef = Array.from({ length: 7 }, () => bitsF32(r.u32()));
  if (!Number.isFinite(yscale) || !coef.every(Number.isFinite)) throw new CorruptDataError(`${id}: bad baseline`);
  return { yscale, coef };
}

/** The quantizer steps (float32) then the weights round(w / step), arithmetic coded one class per tensor; ends the stream. */
export function writeWeights(w: ByteWriter, params: Param[], steps: number[]): Uint8Array {
  for (const st of steps) w.u32(f32Bits(st));
  const enc = new IntEncoder(params.length);
  params.forEach((pp, c) => {
    const st = steps[c]!;
    for (const v of pp.w) enc.put(st > 0 ? Math.round(v / st) : 0, c);
  });
  return w.bytes(enc.finish()).finish();
}

/** Reads what writeWeights wrote into params (the rest of the stream). */
export function readWeights(id: string, r: ByteReader, params: Param[]): void {
  r.expectAtLeast(params.length, 4);
  const steps = params.map(() => bitsF32(r.u32()));
  if (!steps.every((st) => Number.isFinite(st) && st >= 0)) throw new CorruptDataError(`${id}: bad quantizer step`);
  const dec = new IntDecoder(r.bytesView(r.remaining), params.length, `${id} weights`);
  params.forEach((pp, c) => {
    for (let j = 0; j < pp.w.length; j++) pp.w[j] = dec.get(c) * steps[c]!;
  });
  dec.end();
}

/** Inverse transform y -> s sign(y) |y|^p (p = 0: s exp(min(0, y))), zeroed below thr, scattered into the full grid. */
export function reconstruct(d: Dims3, lo: number[], hi: number[], yv: Float64Array, p: number, s: number, thr: number): Float64Array {
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
