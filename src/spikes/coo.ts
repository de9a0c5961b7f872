/**
 * Binary spike grids (T, Z, H, W) in COO form, the seed project's layout for Python users:
 * HDF5 datasets `spike_coords` int32 (N, 4) [t, z, x, y], `spike_values` uint8 (N,), `grid_shape`
 * int32 (4,), `timepoint_indices` int32 (T,), `is_train` uint8 (T,); root attributes `total_spikes`,
 * `sparsity_percent`, `format = 'COO_sparse'`, plus metadata (dense bytes, COO bytes, memory saved).
 * Also neurozip's compact encoding of the same data (`encodeCooCompact`, docs/spec/coo.md): entries
 * sorted, linear indices delta-coded, gaps and flags coded with adaptive Exp-Golomb over a binary
 * arithmetic coder.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { ByteReader, ByteWriter } from '../core/bytes.js';
import { CorruptDataError, OutputExistsError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import { BinaryDecoder, BinaryEncoder } from '../codecs/entropy/_binary-coder.js';
import { Bits, EG } from '../codecs/entropy/_adaptive-eg.js';
import type { SpikeEvent } from './events.js';

export interface CooGrid {
  /** [T, Z, H, W] */
  shape: [number, number, number, number];
  /** N x 4 row-major [t, z, x, y], sorted by linear index, no duplicates */
  coords: Int32Array;
  values: Uint8Array;
  timepointIndices: Int32Array;
  isTrain: Uint8Array;
}

export interface ChannelLayout {
  z: number;
  h: number;
  w: number;
}

export function parseLayout(text: string): ChannelLayout {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`layout must be ZxHxW (e.g. 1x32x32), got '${text}'`);
  const [z, h, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!(z >= 1 && h >= 1 && w >= 1)) throw new UsageError(`layout ${text}: every size must be >= 1`);
  return { z, h, w };
}

function checkShape(shape: readonly number[]): asserts shape is [number, number, number, number] {
  if (shape.length !== 4 || shape.some((v) => !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1)) throw new UsageError(`grid shape must be 4 positive int32 sizes, got [${shape.join(', ')}]`);
}

/** Sorts and de-duplicates entries (by linear index); builds the grid. */
export function cooFromEntries(shape: [number, number, number, number], entries: number[][], values?: number[], timepointIndices?: Int32Array, isTrain?: Uint8Array): CooGrid {
  checkShape(shape);
  const [T, Z, H, W] = shape;
  const lin = entries.map(([t, z, x, y], i) => {
    if (!(t! >= 0 && t! < T && z! >= 0 && z! < Z && x! >= 0 && x! < H && y! >= 0 && y! < W)) throw new UsageError(`spike at [${t}, ${z}, ${x}, ${y}] outside grid [${shape.join(', ')}]`);
    return { k: ((t! * Z + z!) * H + x!) * W + y!, v: values?.[i] ?? 1, e: [t!, z!, x!, y!] };
  });
  lin.sort((a, b) => a.k - b.k);
  const kept = lin.filter((e, i) => i === 0 || e.k !== lin[i - 1]!.k);
  const coords = new Int32Array(kept.length * 4);
  kept.forEach((e, i) => coords.set(e.e, i * 4));
  return {
    shape,
    coords,
    values: Uint8Array.from(kept, (e) => e.v),
    timepointIndices: timepointIndices ?? Int32Array.from({ length: T }, (_, i) => i),
    isTrain: isTrain ?? new Uint8Array(T).fill(1),
  };
}

/** Events on channels laid out C-order on (Z, H, W); time binned by `binSamples`. */
export function eventsToCoo(events: readonly SpikeEvent[], nSamples: number, layout: ChannelLayout, binSamples = 1): CooGrid {
  if (nSamples < 1) throw new UsageError('spike grid: the recording is empty');
  const T = Math.ceil(nSamples / binSamples);
  const n = layout.z * layout.h * layout.w;
  const entries = events.map((e) => {
    if (e.channel >= n) throw new UsageError(`channel ${e.channel} does not fit the ${layout.z}x${layout.h}x${layout.w} layout (${n} sites)`);
    return [Math.floor(e.sample / binSamples), Math.floor(e.channel / (layout.h * layout.w)), Math.floor(e.channel / layout.w) % layout.h, e.channel % layout.w];
  });
  return cooFromEntries([T, layout.z, layout.h, layout.w], entries);
}

export function cooToDense(g: CooGrid): Uint8Array {
  const [T, Z, H, W] = g.shape;
  const total = T * Z * H * W;
  if (total > 2 ** 31) throw new UsageError(`dense grid of ${total} cells is too large`);
  const d = new Uint8Array(total);
  for (let i = 0; i < g.values.length; i++) {
    const [t, z, x, y] = g.coords.subarray(i * 4, i * 4 + 4);
    d[((t! * Z + z!) * H + x!) * W + y!] = g.values[i]!;
  }
  return d;
}

export function denseToCoo(dense: Uint8Array, shape: [number, number, number, number]): CooGrid {
  checkShape(shape);
  const [T, Z, H, W] = shape;
  if (dense.length !== T * Z * H * W) throw new UsageError(`dense grid has ${dense.length} cells, shape [${shape.join(', ')}] needs ${T * Z * H * W}`);
  const entries: number[][] = [];
  const values: number[] = [];
  for (let k = 0; k < dense.length; k++) {
    if (!dense[k]) continue;
    entries.push([Math.floor(k / (Z * H * W)), Math.floor(k / (H * W)) % Z, Math.floor(k / W) % H, k % W]);
    values.push(dense[k]!);
  }
  return cooFromEntries(shape, entries, values);
}

export interface CooStats {
  total_spikes: number;
  sparsity_percent: number;
  dense_bytes: number;
  coo_bytes: number;
  memory_saved_percent: number;
  bytes_per_spike_coo: number;
}

export function cooStats(g: CooGrid): CooStats {
  const cells = g.shape.reduce((a, b) => a * b, 1);
  const n = g.values.length;
  const cooBytes = n * 17 + 16 + g.shape[0] * 5;
  return {
    total_spikes: n,
    sparsity_percent: 100 * (1 - n / cells),
    dense_bytes: cells,
    coo_bytes: cooBytes,
    memory_saved_percent: 100 * (1 - cooBytes / cells),
    bytes_per_spike_coo: 17,
  };
}


/** Writes the grid as HDF5 (the seed's dataset and attribute names). */
export async function writeCooH5(path: string, g: CooGrid, opts: { force?: boolean; meta?: Record<string, string | number> } = {}): Promise<CooStats> {
  if (existsSync(path) && !opts.force) throw new OutputExistsError(`${path} exists (use -f to overwrite)`);
  const H = await (await import('../formats/hdf5.js')).h5();
  const f = new H.File(path, 'w');
  const st = cooStats(g);
  try {
    const n = g.values.length;
    f.create_dataset({ name: 'spike_coords', data: g.coords, shape: [n, 4], dtype: '<i4' });
    f.create_dataset({ name: 'spike_values', data: g.values, shape: [n], dtype: '<B' });
    f.create_dataset({ name: 'grid_shape', data: Int32Array.from(g.shape), shape: [4], dtype: '<i4' });
    f.create_dataset({ name: 'timepoint_indices', data: g.timepointIndices, shape: [g.timepointIndices.length], dtype: '<i4' });
    f.create_dataset({ name: 'is_train', data: g.isTrain, shape: [g.isTrain.length], dtype: '<B' });
    f.create_attribute('total_spikes', st.total_spikes, null, '<i8');
    f.create_attribute('sparsity_percent', st.sparsity_percent, null, '<d');
    f.create_attribute('format', 'COO_sparse');
    f.create_attribute('dense_bytes', st.dense_bytes, null, '<i8');
    f.create_attribute('coo_bytes', st.coo_bytes, null, '<i8');
    f.create_attribute('memory_saved_percent', st.memory_saved_percent, null, '<d');
    f.create_attribute('writer', 'neurozip');
    for (const [k, v] of Object.entries(opts.meta ?? {})) f.create_attribute(k, v);
  } finally {
    f.close();
  }
  return st;
}

/** Reads a COO spike grid HDF5, validating names, dtypes, shapes and ranges. */
export async function readCooH5(path: string): Promise<CooGrid & { attrs: Record<string, unknown> }> {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file`);
  if (!hasHdf5Signature(path)) throw new UnsupportedFormatError(`${path}: not an HDF5 file (no HDF5 signature)`);
  const { h5, hdf5Reason } = await import('../formats/hdf5.js');
  const H = await h5();
  let f: InstanceType<typeof H.File>;
  try {
    f = new H.File(path, 'r');
  } catch (e) {
    throw new UnsupportedFormatError(`${path}: not a readable HDF5 file (${hdf5Reason(e)})`);
  }
  try {
    const ds = (name: string, n: number | null, cols?: number) => {
      const d = f.get(name) as { shape: number[] | null; value: unknown } | null;
      if (!d || !('shape' in d)) throw new CorruptDataError(`${path}: dataset '${name}' missing (not a COO spike grid)`);
      const shape = d.shape ?? [];
      if (cols !== undefined ? shape.length !== 2 || shape[1] !== cols : shape.length !== 1) throw new CorruptDataError(`${path}: '${name}' has shape [${shape.join(', ')}]`);
      if (n !== null && shape[0] !== n) throw new CorruptDataError(`${path}: '${name}' has ${shape[0]} rows, expected ${n}`);
      return d.value as ArrayLike<number>;
    };
    const gs = Array.from(ds('grid_shape', 4), Number);
    checkShapeCorrupt(path, gs);
    const vals = ds('spike_values', null);
    const coordsRaw = ds('spike_coords', vals.length, 4);
    const tpi = Int32Array.from(ds('timepoint_indices', gs[0]!), Number);
    const tr = Uint8Array.from(ds('is_train', gs[0]!), Number);
    const entries: number[][] = [];
    for (let i = 0; i < vals.length; i++) entries.push([0, 1, 2, 3].map((j) => Number(coordsRaw[i * 4 + j]!)));
    let g: CooGrid;
    try {
      g = cooFromEntries(gs as [number, number, number, number], entries, Array.from(vals, Number), tpi, tr);
    } catch (e) {
      throw new CorruptDataError(`${path}: ${(e as Error).message}`);
    }
    const attrs: Record<string, unknown> = {};
    for (const k of Object.keys(f.attrs)) attrs[k] = f.get_attribute(k, true);
    if (attrs.format !== 'COO_sparse') throw new CorruptDataError(`${path}: attribute format is ${JSON.stringify(attrs.format)}, expected 'COO_sparse'`);
    return { ...g, attrs };
  } finally {
    f.close();
  }
}

function checkShapeCorrupt(path: string, s: number[]): void {
  if (s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 1)) throw new CorruptDataError(`${path}: bad grid_shape [${s.join(', ')}]`);
}

const MAGIC = [0x4e, 0x5a, 0x43, 0x4f]; // 'NZCO'

/**
 * neurozip's compact COO: 'NZCO', version 1, varints T Z H W N, flags (bit 0: values not all 1,
 * bit 1: timepoint_indices not 0..T-1, bit 2: is_train not all 1); then one arithmetic-coded stream:
 * gaps between sorted linear indices (first from 0), adaptive Exp-Golomb with the previous gap's
 * bit length as context; values - 1 when flagged; timepoint index deltas when flagged; is_train bits
 * (context: the previous bit) when flagged.
 */
export function encodeCooCompact(g: CooGrid): Uint8Array {
  const [T, Z, H, W] = g.shape;
  const n = g.values.length;
  const allOnes = g.values.every((v) => v === 1);
  const identity = g.timepointIndices.every((v, i) => v === i);
  const allTrain = g.isTrain.every((v) => v === 1);
  const w = new ByteWriter(64);
  w.bytes(Uint8Array.from(MAGIC)).u8(1);
  for (const v of [T, Z, H, W, n]) w.varint(v);
  w.u8((allOnes ? 0 : 1) | (identity ? 0 : 2) | (allTrain ? 0 : 4));
  const e = new BinaryEncoder(n * 2 + 64);
  const gaps = new EG(33);
  let prev = -1;
  let ctx = 0;
  for (let i = 0; i < n; i++) {
    const [t, z, x, y] = g.coords.subarray(i * 4, i * 4 + 4);
    const k = ((t! * Z + z!) * H + x!) * W + y!;
    const gap = k - prev - 1;
    gaps.enc(e, ctx, gap);
    ctx = 32 - Math.clz32(gap);
    prev = k;
  }
  const vm = new EG(1);
  if (!allOnes) for (const v of g.values) vm.enc(e, 0, Math.max(0, v - 1) + (v === 0 ? 255 : 0));
  const tm = new EG(1);
  if (!identity) for (let i = 0; i < T; i++) tm.encSigned(e, 0, g.timepointIndices[i]! - (i ? g.timepointIndices[i - 1]! + 1 : 0));
  const bm = new Bits(2);
  if (!allTrain) for (let i = 0; i < T; i++) bm.enc(e, i ? g.isTrain[i - 1]! & 1 : 0, g.isTrain[i]! ? 1 : 0);
  w.bytes(e.finish());
  return w.finish();
}

export function decodeCooCompact(bytes: Uint8Array): CooGrid {
  const r = new ByteReader(bytes, 'compact COO');
  const magic = r.bytesView(4);
  if (MAGIC.some((b, i) => magic[i] !== b)) throw new CorruptDataError('compact COO: bad magic (not an NZCO stream)');
  const ver = r.u8();
  if (ver !== 1) throw new CorruptDataError(`compact COO: unknown version ${ver}`);
  const [T, Z, H, W, n] = [r.varint(), r.varint(), r.varint(), r.varint(), r.varint()];
  const shape = [T, Z, H, W] as [number, number, number, number];
  if (shape.some((v) => v < 1 || v > 2 ** 31 - 1)) throw new CorruptDataError(`compact COO: bad shape [${shape.join(', ')}]`);
  const cells = T * Z * H * W;
  if (n > cells) throw new CorruptDataError(`compact COO: ${n} entries in ${cells} cells`);
  const flags = r.u8();
  if (flags > 7) throw new CorruptDataError(`compact COO: unknown flags ${flags}`);
  const d = new BinaryDecoder(r.bytesView(r.remaining), 'compact COO');
  const coords = new Int32Array(n * 4);
  const gaps = new EG(33);
  let prev = -1;
  let ctx = 0;
  for (let i = 0; i < n; i++) {
    const gap = gaps.dec(d, ctx);
    ctx = 32 - Math.clz32(gap);
    const k = prev + 1 + gap;
    if (k >= cells) throw new CorruptDataError(`compact COO: index ${k} beyond ${cells} cells`);
    coords.set([Math.floor(k / (Z * H * W)), Math.floor(k / (H * W)) % Z, Math.floor(k / W) % H, k % W], i * 4);
    prev = k;
  }
  const values = new Uint8Array(n).fill(1);
  const vm = new EG(1);
  if (flags & 1) for (let i = 0; i < n; i++) { const u = vm.dec(d, 0); if (u > 255) throw new CorruptDataError('compact COO: value > 255'); values[i] = u === 255 ? 0 : u + 1; }
  const tpi = Int32Array.from({ length: T }, (_, i) => i);
  const tm = new EG(1);
  if (flags & 2) for (let i = 0; i < T; i++) tpi[i] = tm.decSigned(d, 0) + (i ? tpi[i - 1]! + 1 : 0);
  const isTrain = new Uint8Array(T).fill(1);
  const bm = new Bits(2);
  if (flags & 4) for (let i = 0; i < T; i++) isTrain[i] = bm.dec(d, i ? isTrain[i - 1]! : 0);
  d.end();
  return { shape, coords, values, timepointIndices: tpi, isTrain };
}

/** The HDF5 superblock signature at offset 0, 512, 1024, 2048, ... (HDF5 file format spec). */
function hasHdf5Signature(path: string): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(8);
    for (let off = 0; off <= 1 << 20; off = off ? off * 2 : 512) {
      if (readSync(fd, buf, 0, 8, off) < 8) return false;
      if (sig.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
