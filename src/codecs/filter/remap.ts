import { allocArray, reuseArray, isIntegerDType, itemsize, type DType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { ArrayToArrayCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dims } from './delta.js';

/**
 * `remap`: per channel, maps the values a chunk uses onto dense indices 0..M-1 (byte layout in
 * docs/spec/codecs/remap.md). Three modes, chosen per channel by what makes the indices densest:
 *
 * - 0 `offset`: index = v - min.
 * - 1 `affine`: index = (v - min) / step, step = gcd of (v - min) > 1 (an exact LSB grid).
 * - 2 `table`:  the sorted distinct values u[0..K-1] with gap filling: consecutive values u[j], u[j+1]
 *   are round((u[j+1]-u[j]) / g0) indices apart (g0 = smallest gap, at least 1 index), so a grid
 *   with a non-integer step (N1: 10-bit codes scaled by ~64.06) maps onto consecutive ADC codes
 *   and a code that never occurs still leaves its hole, keeping the signal linear for predictors.
 *   The hole indices decode to interpolated values (never produced by the encoder).
 *
 * The output dtype is the unsigned integer of the input's width, so downstream stages see indices
 * (encodedSpec depends on the spec only). The per-channel tables travel as pipeline side bytes.
 */
const UNSIGNED: Partial<Record<DType, DType>> = {
  int8: 'uint8',
  uint8: 'uint8',
  int16: 'uint16',
  uint16: 'uint16',
  int32: 'uint32',
  uint32: 'uint32',
};

const MODE_OFFSET = 0;
const MODE_AFFINE = 1;
const MODE_TABLE = 2;

/** Signed integers as LEB128 varints of their zigzag fold (exact up to 2^52 in doubles). */
export function writeZigzag(w: ByteWriter, v: number): void {
  w.varint(v >= 0 ? 2 * v : -2 * v - 1);
}
export function readZigzag(r: ByteReader): number {
  const u = r.varint();
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

function gcd(a: number, b: number): number {
  while (b) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Index steps between consecutive distinct values (the gap-filling rule, shared by both sides). */
function gapSteps(d: number, g0: number): number {
  return Math.max(1, Math.floor((2 * d + g0) / (2 * g0)));
}

interface ChannelMap {
  mode: number;
  min: number;
  step: number;
  values?: Float64Array; // table mode: sorted distinct values
}

class RemapCodec implements ArrayToArrayCodec {
  readonly id = 'remap';
  readonly kind = 'array->array';
  readonly lossless = true;
  /** Reused scratch for 8/16-bit values: occurrence marks, and value -> index (fits 16 bits). */
  private seen = new Uint8Array(65536);
  private lut16 = new Uint16Array(65536);
  private list = new Int32Array(0);
  private col: Int32Array | Float64Array = new Int32Array(0);
  /** Reused index -> value table of the decoder. */
  private dlut = new Float64Array(0);

  encodedSpec(spec: ChunkSpec): ChunkSpec {
    return { dtype: outDType(spec.dtype), shape: spec.shape };
  }

  encode(): TypedArray {
    throw new InvalidConfigError('remap: stores a value table per chunk; run it inside a Pipeline (encodeWithSide)');
  }
  decode(): TypedArray {
    throw new InvalidConfigError('remap: needs its side bytes; run it inside a Pipeline (decodeWithSide)');
  }

  private analyse(x: TypedArray, n: number, c: number, ch: number, dtype: DType): ChannelMap {
    if (n === 0) return { mode: MODE_OFFSET, min: 0, step: 1 };
    let min = Infinity;
    let max = -Infinity;
    for (let k = ch; k < n * c; k += c) {
      const v = x[k]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    let distinct: Float64Array;
    if (itemsize(dtype) <= 2) {
      // distinct values: mark, and list each the first time; sort the list when it is short
      // next to the span (a channel of few samples, e.g. many channels per chunk), else scan
      const seen = this.seen; // all zero between calls
      const base = min;
      const span = max - min + 1;
      if (this.list.length < Math.min(n, span)) this.list = new Int32Array(Math.min(n, span));
      const list = this.list;
      let kount = 0;
      for (let k = ch; k < n * c; k += c) {
        const v = x[k]! - base;
        if (seen[v] === 0) {
          seen[v] = 1;
          list[kount++] = v;
        }
      }
      distinct = new Float64Array(kount);
      if (kount * 8 < span) {
        const sorted = list.subarray(0, kount).sort();
        for (let j = 0; j < kount; j++) {
          distinct[j] = sorted[j]! + base;
          seen[sorted[j]!] = 0;
        }
      } else {
        for (let i = 0, j = 0; i < span; i++) {
          if (seen[i]) {
            distinct[j++] = i + base;
            seen[i] = 0;
          }
        }
      }
    } else {
      const tmp = new Float64Array(n);
      for (let i = 0, k = ch; i < n; i++, k += c) tmp[i] = x[k]!;
      tmp.sort();
      let kount = 0;
      for (let i = 0; i < n; i++) if (i === 0 || tmp[i] !== tmp[i - 1]) tmp[kount++] = tmp[i]!;
      distinct = tmp.slice(0, kount);
    }
    let g = 0;
    let g0 = Infinity;
    for (let j = 1; j < distinct.length; j++) {
      const d = distinct[j]! - distinct[j - 1]!;
      g = gcd(d, g);
      if (d < g0) g0 = d;
    }
    const affineRange = g > 1 ? (max - min) / g + 1 : max - min + 1;
    let tableRange = 1;
    for (let j = 1; j < distinct.length; j++) tableRange += gapSteps(distinct[j]! - distinct[j - 1]!, g0);
    // The table costs about one byte per distinct value; take it when it at least halves the range.
    if (distinct.length > 1 && tableRange * 2 <= affineRange && distinct.length * 4 <= n && tableRange <= tableLimit(n)) {
      return { mode: MODE_TABLE, min, step: 1, values: distinct };
    }
    if (g > 1) return { mode: MODE_AFFINE, min, step: g };
    return { mode: MODE_OFFSET, min, step: 1 };
  }

  /** Channel ch of interleaved x, contiguous (a reused scratch). */
  private column(x: TypedArray, n: number, c: number, ch: number, dtype: DType): TypedArray {
    const small = itemsize(dtype) <= 2;
    if (this.col.length < n || (this.col instanceof Int32Array) !== small) this.col = small ? new Int32Array(n) : new Float64Array(n);
    const col = this.col;
    for (let i = 0, k = ch; i < n; i++, k += c) col[i] = x[k]!;
    return col.subarray(0, n);
  }

  encodeWithSide(x: TypedArray, spec: ChunkSpec, out?: TypedArray): { data: TypedArray; side: Uint8Array } {
    const dtype = checkDType(spec);
    const [n, c] = dims(spec);
    const y = reuseArray(out, outDType(dtype), x.length);
    const w = new ByteWriter(16 + 4 * c);
    for (let ch = 0; ch < c; ch++) {
      // several channels: gather this one first (one strided pass instead of three)
      const src = c === 1 ? x : this.column(x, n, c, ch, dtype);
      const m = this.analyse(src, n, 1, 0, dtype);
      w.u8(m.mode);
      writeZigzag(w, m.min);
      if (m.mode === MODE_AFFINE) {
        w.varint(m.step);
        const inv = m.step;
        for (let i = 0, k = ch; i < n; i++, k += c) y[k] = (src[i]! - m.min) / inv;
      } else if (m.mode === MODE_OFFSET) {
        for (let i = 0, k = ch; i < n; i++, k += c) y[k] = src[i]! - m.min;
      } else {
        const u = m.values!;
        w.varint(u.length - 1);
        let g0 = Infinity;
        for (let j = 1; j < u.length; j++) g0 = Math.min(g0, u[j]! - u[j - 1]!);
        for (let j = 1; j < u.length; j++) w.varint(u[j]! - u[j - 1]! - 1);
        if (itemsize(dtype) <= 2) {
          // value -> index lookup (indices < 65536: the gap steps never exceed the value span)
          const lut = this.lut16;
          let idx = 0;
          for (let j = 0; j < u.length; j++) {
            if (j > 0) idx += gapSteps(u[j]! - u[j - 1]!, g0);
            lut[u[j]! - m.min] = idx;
          }
          for (let i = 0, k = ch; i < n; i++, k += c) y[k] = lut[src[i]! - m.min]!;
        } else {
          const idxOf = new Float64Array(u.length);
          let idx = 0;
          for (let j = 0; j < u.length; j++) {
            if (j > 0) idx += gapSteps(u[j]! - u[j - 1]!, g0);
            idxOf[j] = idx;
          }
          for (let i = 0, k = ch; i < n; i++, k += c) {
            // binary search in the sorted table
            const v = src[i]!;
            let lo = 0;
            let hi = u.length - 1;
            while (lo < hi) {
              const mid = (lo + hi) >> 1;
              if (u[mid]! < v) lo = mid + 1;
              else hi = mid;
            }
            y[k] = idxOf[lo]!;
          }
        }
      }
    }
    return { data: y, side: w.finish().slice() };
  }

  decodeWithSide(y: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const dtype = checkDType(spec);
    const [n, c] = dims(spec);
    const [lo, hi] = RANGE[dtype];
    const x = out ?? allocArray(dtype, y.length);
    const r = new ByteReader(side, 'remap side bytes');
    for (let ch = 0; ch < c; ch++) {
      const mode = r.u8();
      const min = readZigzag(r);
      if (min < lo || min > hi) throw new CorruptDataError(`remap: channel ${ch} minimum ${min} outside ${dtype}`);
      if (mode === MODE_OFFSET || mode === MODE_AFFINE) {
        const step = mode === MODE_AFFINE ? r.varint() : 1;
        if (step < 1) throw new CorruptDataError(`remap: channel ${ch} step 0`);
        const maxIdx = Math.floor((hi - min) / step);
        for (let k = ch; k < n * c; k += c) {
          const i = y[k]!;
          if (i > maxIdx) throw new CorruptDataError(`remap: index ${i} beyond the range of channel ${ch}`);
          x[k] = min + i * step;
        }
      } else if (mode === MODE_TABLE) {
        const kount = r.varint() + 1;
        r.expectAtLeast(kount - 1, 1);
        const u = new Float64Array(kount);
        u[0] = min;
        let g0 = Infinity;
        for (let j = 1; j < kount; j++) {
          u[j] = u[j - 1]! + r.varint() + 1;
          if (u[j]! > hi) throw new CorruptDataError(`remap: channel ${ch} table value beyond ${dtype}`);
          g0 = Math.min(g0, u[j]! - u[j - 1]!);
        }
        let m = 1;
        for (let j = 1; j < kount; j++) m += gapSteps(u[j]! - u[j - 1]!, g0);
        if (m > 2 ** (8 * itemsize(dtype)) || m > tableLimit(n)) throw new CorruptDataError(`remap: channel ${ch} table too large`);
        // index -> value, holes interpolated on the grid of the value below
        if (this.dlut.length < m) this.dlut = new Float64Array(Math.max(m, 2 * this.dlut.length));
        const lut = this.dlut;
        let idx = 0;
        for (let j = 0; j < kount; j++) {
          const steps = j + 1 < kount ? gapSteps(u[j + 1]! - u[j]!, g0) : 1;
          for (let s = 0; s < steps; s++) lut[idx + s] = Math.min(hi, u[j]! + s * g0);
          idx += steps;
        }
        for (let k = ch; k < n * c; k += c) {
          const i = y[k]!;
          if (i >= m) throw new CorruptDataError(`remap: index ${i} beyond the table of channel ${ch} (${m})`);
          x[k] = lut[i]!;
        }
      } else {
        throw new CorruptDataError(`remap: unknown mode ${mode} for channel ${ch}`);
      }
    }
    r.end();
    return x;
  }

  toConfig() {
    return { id: this.id };
  }
}

const RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Largest index range a table may span (bounds the decoder's allocation by the chunk size). */
function tableLimit(n: number): number {
  return Math.max(65536, 2 * n);
}

function outDType(dtype: DType): DType {
  return UNSIGNED[dtype] ?? dtype;
}

function checkDType(spec: ChunkSpec): DType {
  if (!isIntegerDType(spec.dtype)) throw new InvalidConfigError(`remap: needs an integer dtype, got ${spec.dtype}`);
  return spec.dtype;
}

export const factory: CodecFactory = {
  id: 'remap',
  kind: 'array->array',
  description: 'per-channel dense value indices (offset, LSB grid or value table with gap filling)',
  fromConfig(config) {
    new Params(config).done();
    return new RemapCodec();
  },
};
