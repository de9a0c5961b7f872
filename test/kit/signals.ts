import { readFileSync } from 'node:fs';
import { allocArray, isIntegerDType, type DType, type TypedArray } from '../../src/core/dtype.js';
import type { ChunkSpec } from '../../src/core/types.js';
import { HAS_SHARED_DATA, sharedPath } from './paths.js';

export interface Signal {
  name: string;
  spec: ChunkSpec;
  data: TypedArray;
}

/** Deterministic PRNG (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGE: Record<DType, [number, number]> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  float32: [-1e6, 1e6],
  float64: [-1e12, 1e12],
};

function make(dtype: DType, n: number, c: number, f: (i: number, ch: number) => number): TypedArray {
  const a = allocArray(dtype, n * c);
  const [lo, hi] = RANGE[dtype];
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      let v = f(i, ch);
      if (isIntegerDType(dtype)) v = Math.max(lo, Math.min(hi, Math.round(v)));
      a[i * c + ch] = v;
    }
  }
  return a;
}

/** The synthetic grid: signals x shapes (0, 1, odd lengths; 1 and many channels) for one dtype. */
export function syntheticSignals(dtype: DType): Signal[] {
  const [lo, hi] = RANGE[dtype];
  const mid = isIntegerDType(dtype) ? Math.floor((lo + hi) / 2) : 0;
  const amp = (hi - lo) / 4;
  const out: Signal[] = [];
  const shapes: [number, number][] = [[0, 1], [1, 1], [2, 3], [1001, 1], [777, 3], [4096, 4]];
  for (const [n, c] of shapes) {
    const r = rng(n * 31 + c);
    const gen: Record<string, (i: number, ch: number) => number> = {
      zeros: () => 0,
      constant: () => mid + 7,
      ramp: (i, ch) => lo + ((i * 97 + ch * 13) % Math.max(1, Math.min(hi - lo, 60000))),
      noise: () => lo + r() * (hi - lo),
      sines: (i, ch) => mid + amp * Math.sin(i * 0.05 * (ch + 1)) + (amp / 50) * (r() - 0.5),
      extremes: (i) => (i % 3 === 0 ? lo : i % 3 === 1 ? hi : mid),
    };
    for (const [name, f] of Object.entries(gen)) {
      out.push({ name: `${dtype}.${n}x${c}.${name}`, spec: { dtype, shape: [n, c] }, data: make(dtype, n, c, f) });
    }
  }
  return out;
}

/** Real int16 excerpts from ../shared/data (empty when absent): N1 mono, locust 4 ch, NP-Ultra 385 ch. */
export function realExcerpts(maxSamples = 20000, maxValues = Infinity): Signal[] {
  if (!HAS_SHARED_DATA) return [];
  const out: Signal[] = [];
  const take = (name: string, bytes: Buffer, offset: number, c: number) => {
    const n = Math.min(maxSamples, Math.floor(maxValues / c), Math.floor((bytes.byteLength - offset) / 2 / c));
    const data = new Int16Array(n * c);
    data.set(new Int16Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * c * 2)));
    out.push({ name: `real.${name}`, spec: { dtype: 'int16', shape: [n, c] }, data });
  };
  take('n1', readFileSync(sharedPath('n1', '0052503c-2849-4f41-ab51-db382103690c.wav')), 44, 1);
  take('locust', readFileSync(sharedPath('ephys', 'locust_tridesclous', 'locust_trial_01.raw')), 0, 4);
  take('np-ultra', readFileSync(sharedPath('ephys', 'spikeglx_np_ultra', 'p5_g0_t0.imec0.ap.bin')), 0, 385);
  return out;
}
