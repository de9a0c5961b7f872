/**
 * Weights files (`.nzw`, docs/spec/codecs/vqcae.md "Weights file"): a small self-describing
 * container for trained tensors.
 *
 *   "NZW1" | u32 LE n | n bytes of UTF-8 JSON {format: 1, kind, arch, tensors: [{name, shape}], ...} |
 *   zero padding to a multiple of 4 | every tensor's values as float32 LE, in the order listed
 *
 * The file's SHA-256 names a model exactly; the bytes depend only on the training inputs (no times
 * or paths inside), so the same seed and data give the same hash.
 */
import { createHash } from 'node:crypto';
import { CorruptDataError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import type { Param } from './tensor.js';

const MAGIC = 'NZW1';

export interface WeightsMeta {
  format: 1;
  kind: string;
  arch: Record<string, Json>;
  tensors: { name: string; shape: number[] }[];
  [key: string]: Json;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Serializes tensors (rounded to float32) with their metadata. */
export function saveWeights(meta: Omit<WeightsMeta, 'format' | 'tensors'>, tensors: Param[]): Uint8Array {
  const full = { format: 1, ...meta, tensors: tensors.map((t) => ({ name: t.name, shape: t.shape })) };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const head = 8 + json.length;
  const start = (head + 3) & ~3;
  const n = tensors.reduce((a, t) => a + t.w.length, 0);
  const out = new Uint8Array(start + 4 * n);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, json.length, true);
  out.set(json, 8);
  let p = start;
  for (const t of tensors) for (let i = 0; i < t.w.length; i++, p += 4) dv.setFloat32(p, t.w[i]!, true);
  return out;
}

export interface LoadedWeights {
  meta: WeightsMeta;
  tensors: Map<string, Float32Array>;
  sha256: string;
}

/** Parses a weights file; `what` names it in errors. Any inconsistency is CorruptDataError. */
export function loadWeights(bytes: Uint8Array, what: string): LoadedWeights {
  const bad = (why: string) => new CorruptDataError(`${what}: not a valid weights file (${why})`);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw bad('no NZW1 magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(4, true);
  if (8 + n > bytes.length) throw bad('header runs past the end');
  let meta: WeightsMeta;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as WeightsMeta;
  } catch {
    throw bad('header is not JSON');
  }
  if (meta?.format !== 1 || !Array.isArray(meta.tensors)) throw bad(`format ${JSON.stringify(meta?.format)}`);
  let p = (8 + n + 3) & ~3;
  const tensors = new Map<string, Float32Array>();
  for (const t of meta.tensors) {
    if (typeof t?.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d > 0)) throw bad('bad tensor entry');
    const len = t.shape.reduce((a, b) => a * b, 1);
    if (p + 4 * len > bytes.length) throw bad(`tensor ${t.name} runs past the end`);
    const a = new Float32Array(len);
    for (let i = 0; i < len; i++, p += 4) a[i] = dv.getFloat32(p, true);
    if (!a.every(Number.isFinite)) throw bad(`tensor ${t.name} holds a non-finite value`);
    tensors.set(t.name, a);
  }
  if (p !== bytes.length) throw bad(`${bytes.length - p} trailing bytes`);
  return { meta, tensors, sha256: sha256Hex(bytes) };
}

/** Copies loaded values into parameters (names and sizes must match). */
export function assignWeights(w: LoadedWeights, params: Param[], what: string): void {
  for (const p of params) {
    const a = w.tensors.get(p.name);
    if (!a || a.length !== p.w.length) throw new CorruptDataError(`${what}: tensor ${p.name} ${a ? `has ${a.length} values, expected ${p.w.length}` : 'is missing'}`);
    p.w.set(a);
  }
}
