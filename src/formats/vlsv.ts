import { readFileSync } from 'node:fs';
import { CorruptDataError, UnsupportedFormatError, UsageError } from '../core/errors.js';
import { ioError } from '../core/io-error.js';

/**
 * VLSV (Vlasiator) reader: bytes 0-7 hold the endianness marker (0 = little-endian), bytes 8-15 a
 * u64 offset of an XML footer. Each footer tag (VARIABLE, PARAMETER, BLOCKIDS, BLOCKVARIABLE,
 * MESH_BBOX, ...) holds the byte offset of its array as text, with arraysize / vectorsize /
 * datasize / datatype attributes. A population's velocity distribution function (VDF) for one
 * spatial cell is assembled from CELLSWITHBLOCKS, BLOCKSPERCELL, BLOCKIDS and BLOCKVARIABLE on the
 * velocity mesh MESH_BBOX into a dense float32 array [vz, vy, vx] (C order).
 */
export interface VlsvTag {
  tag: string;
  attrs: Record<string, string>;
  /** Byte offset of the array (the tag's text). */
  offset: number;
}

export interface VdfMesh {
  /** Blocks along vx, vy, vz. */
  blocks: [number, number, number];
  /** Cells per block along vx, vy, vz (4, 4, 4 in Vlasiator). */
  blockSize: [number, number, number];
  /** Dense array shape [nvz, nvy, nvx]. */
  shape: [number, number, number];
  /** Velocity extents [min, max] of each axis (x, y, z) when the file has node coordinates. */
  extent?: { vx: [number, number]; vy: [number, number]; vz: [number, number] };
  /** max_velocity_ref_level attribute (refined blocks are refused on extraction). */
  maxRefLevel: number;
}

export interface VdfPopulation {
  name: string;
  cells: number[];
  blocksPerCell: number[];
  mesh: VdfMesh;
}

const TAG_RE = /<([A-Za-z_][\w]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*>([^<]*)<\/\1\s*>/g;
const ATTR_RE = /([\w:.-]+)\s*=\s*"([^"]*)"/g;

export class VlsvFile {
  readonly tags: VlsvTag[];
  private constructor(
    readonly path: string,
    private readonly bytes: Uint8Array,
    readonly footerOffset: number,
    footer: string,
  ) {
    this.tags = [];
    for (const m of footer.matchAll(TAG_RE)) {
      const attrs: Record<string, string> = {};
      for (const a of m[2]!.matchAll(ATTR_RE)) attrs[a[1]!] = a[2]!;
      const text = m[3]!.trim();
      if (!/^\d+$/.test(text)) continue; // not an array tag
      this.tags.push({ tag: m[1]!, attrs, offset: Number(text) });
    }
  }

  static open(path: string): VlsvFile {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      throw ioError(path, 'read', e);
    }
    return VlsvFile.fromBytes(path, bytes);
  }

  static fromBytes(path: string, bytes: Uint8Array): VlsvFile {
    const notVlsv = (why: string): never => {
      throw new UnsupportedFormatError(`${path}: not a VLSV file (${why})`);
    };
    if (bytes.byteLength < 16) notVlsv(`${bytes.byteLength} bytes, shorter than the 16-byte preamble`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const endian = dv.getBigUint64(0, true);
    if (endian !== 0n) notVlsv(endian === 0x0100000000000000n ? 'big-endian VLSV is not supported' : 'bytes 0-7 are not the VLSV endianness marker 0');
    const off = dv.getBigUint64(8, true);
    if (off < 16n) notVlsv(`footer offset ${off} points into the preamble`);
    if (off >= BigInt(bytes.byteLength)) {
      throw new CorruptDataError(`${path}: truncated VLSV file (XML footer expected at byte ${off}, the file has ${bytes.byteLength} bytes)`);
    }
    const footer = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(Number(off)));
    const start = footer.search(/\S/);
    if (start < 0 || !footer.startsWith('<VLSV>', start)) {
      // a footer that starts right but was cut stays recognisable
      notVlsv(`no <VLSV> XML footer at byte ${off}`);
    }
    if (!/<\/VLSV>\s*\0*$/.test(footer)) throw new CorruptDataError(`${path}: truncated VLSV file (the XML footer has no closing </VLSV>)`);
    return new VlsvFile(path, bytes, Number(off), footer);
  }

  /** Tags named `tag` whose attributes include every pair of `attrs`. */
  find(tag: string, attrs: Record<string, string> = {}): VlsvTag[] {
    return this.tags.filter((t) => t.tag === tag && Object.entries(attrs).every(([k, v]) => t.attrs[k] === v));
  }

  findOne(tag: string, attrs: Record<string, string> = {}): VlsvTag | undefined {
    return this.find(tag, attrs)[0];
  }

  /**
   * The array of a tag as numbers (arraysize x vectorsize values, C order), or only the items
   * [first, first + count) of it. uint64/int64 values beyond 2^53 are refused.
   */
  read(t: VlsvTag, first = 0, count?: number): Float64Array | Float32Array {
    const what = `${this.path}: ${t.tag}${t.attrs.name ? ` name="${t.attrs.name}"` : ''}${t.attrs.mesh ? ` mesh="${t.attrs.mesh}"` : ''}`;
    const num = (k: string): number => {
      const v = Number(t.attrs[k]);
      if (!Number.isSafeInteger(v) || v < 0) throw new CorruptDataError(`${what}: bad ${k} attribute ${JSON.stringify(t.attrs[k])}`);
      return v;
    };
    const arraysize = num('arraysize');
    const vectorsize = num('vectorsize');
    const datasize = num('datasize');
    const type = t.attrs.datatype ?? '';
    const n = count ?? arraysize - first;
    if (first < 0 || n < 0 || first + n > arraysize) throw new CorruptDataError(`${what}: items ${first}..${first + n} outside its ${arraysize}`);
    const nv = n * vectorsize;
    const start = t.offset + first * vectorsize * datasize;
    const end = start + nv * datasize;
    if (end > this.footerOffset) {
      throw new CorruptDataError(`${this.path}: truncated or corrupt VLSV file (${t.tag} data at bytes ${start}..${end} runs past the footer at ${this.footerOffset})`);
    }
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset + start, nv * datasize);
    const key = `${type}${datasize}`;
    if (key === 'float4') {
      const out = new Float32Array(nv);
      for (let i = 0; i < nv; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    const out = new Float64Array(nv);
    const get: ((i: number) => number) | undefined = {
      float8: (i: number) => dv.getFloat64(8 * i, true),
      uint1: (i: number) => dv.getUint8(i),
      int1: (i: number) => dv.getInt8(i),
      uint2: (i: number) => dv.getUint16(2 * i, true),
      int2: (i: number) => dv.getInt16(2 * i, true),
      uint4: (i: number) => dv.getUint32(4 * i, true),
      int4: (i: number) => dv.getInt32(4 * i, true),
      uint8: (i: number) => safe(dv.getBigUint64(8 * i, true)),
      int8: (i: number) => safe(dv.getBigInt64(8 * i, true)),
    }[key];
    if (!get) throw new UnsupportedFormatError(`${what}: datatype ${type} of ${datasize} bytes is not supported`);
    const safe = (b: bigint): number => {
      if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) throw new UnsupportedFormatError(`${what}: 64-bit value ${b} beyond 2^53`);
      return Number(b);
    };
    for (let i = 0; i < nv; i++) out[i] = get(i);
    return out;
  }

  /** Reads a PARAMETER by name, or undefined. */
  parameter(name: string): number | undefined {
    const t = this.findOne('PARAMETER', { name });
    return t ? this.read(t)[0] : undefined;
  }

  /** Names of the populations that store velocity blocks. */
  populationNames(): string[] {
    return [...new Set(this.find('BLOCKVARIABLE').map((t) => t.attrs.name ?? ''))].filter((n) => n !== '');
  }

  population(name: string): VdfPopulation {
    const names = this.populationNames();
    if (!names.includes(name)) {
      throw new UsageError(`${this.path}: no population '${name}' (${names.length ? `populations with VDFs: ${names.join(', ')}` : 'the file stores no velocity blocks'})`);
    }
    const req = (tag: string): VlsvTag => {
      const t = this.findOne(tag, { name });
      if (!t) throw new CorruptDataError(`${this.path}: population '${name}' has BLOCKVARIABLE but no ${tag}`);
      return t;
    };
    const cells = Array.from(this.read(req('CELLSWITHBLOCKS')));
    const blocksPerCell = Array.from(this.read(req('BLOCKSPERCELL')));
    if (cells.length !== blocksPerCell.length) throw new CorruptDataError(`${this.path}: ${name}: CELLSWITHBLOCKS has ${cells.length} cells, BLOCKSPERCELL ${blocksPerCell.length}`);
    return { name, cells, blocksPerCell, mesh: this.velocityMesh(name) };
  }

  private velocityMesh(name: string): VdfMesh {
    const bboxTag = this.findOne('MESH_BBOX', { mesh: name });
    let bb: number[];
    if (bboxTag) {
      bb = Array.from(this.read(bboxTag));
      if (bb.length !== 6) throw new CorruptDataError(`${this.path}: MESH_BBOX of '${name}' has ${bb.length} values, expected 6`);
    } else {
      // files written before multi-population support: the mesh is in parameters, blocks of 4^3
      const p = ['vxblocks_ini', 'vyblocks_ini', 'vzblocks_ini'].map((k) => this.parameter(k));
      if (p.some((v) => v === undefined)) throw new UnsupportedFormatError(`${this.path}: no velocity mesh for '${name}' (no MESH_BBOX mesh="${name}" nor vx/vy/vzblocks_ini parameters)`);
      bb = [p[0]!, p[1]!, p[2]!, 4, 4, 4];
    }
    if (bb.some((v) => !Number.isSafeInteger(v) || v < 1) || bb[0]! * bb[3]! * bb[1]! * bb[4]! * bb[2]! * bb[5]! > 2 ** 31) {
      throw new CorruptDataError(`${this.path}: bad velocity mesh ${JSON.stringify(bb)} for '${name}'`);
    }
    const mesh: VdfMesh = {
      blocks: [bb[0]!, bb[1]!, bb[2]!],
      blockSize: [bb[3]!, bb[4]!, bb[5]!],
      shape: [bb[2]! * bb[5]!, bb[1]! * bb[4]!, bb[0]! * bb[3]!],
      maxRefLevel: Number(bboxTag?.attrs.max_velocity_ref_level ?? 0) || 0,
    };
    const crd = (axis: string): [number, number] | undefined => {
      const t = this.findOne(`MESH_NODE_CRDS_${axis}`, { mesh: name });
      if (!t) return undefined;
      const c = this.read(t);
      return c.length >= 2 ? [c[0]!, c[c.length - 1]!] : undefined;
    };
    const ex = crd('X');
    const ey = crd('Y');
    const ez = crd('Z');
    if (ex && ey && ez) mesh.extent = { vx: ex, vy: ey, vz: ez };
    return mesh;
  }

  /** The dense VDF of `cellId` for population `name`: float32 [nvz, nvy, nvx], zeros where no block. */
  readVdf(name: string, cellId: number): { data: Float32Array; shape: [number, number, number]; population: VdfPopulation; blocks: number } {
    const pop = this.population(name);
    const at = pop.cells.indexOf(cellId);
    if (at < 0) {
      const list = pop.cells.length > 20 ? `${pop.cells.slice(0, 20).join(', ')}, ...` : pop.cells.join(', ');
      throw new UsageError(`${this.path}: cell ${cellId} has no VDF for '${name}' (cells with VDFs: ${list || 'none'})`);
    }
    let first = 0;
    for (let i = 0; i < at; i++) first += pop.blocksPerCell[i]!;
    const nBlocks = pop.blocksPerCell[at]!;
    const [nbx, nby, nbz] = pop.mesh.blocks;
    const [bx, by, bz] = pop.mesh.blockSize;
    const per = bx * by * bz;
    const varTag = this.findOne('BLOCKVARIABLE', { name })!;
    if (Number(varTag.attrs.vectorsize) !== per) {
      throw new CorruptDataError(`${this.path}: BLOCKVARIABLE of '${name}' has vectorsize ${varTag.attrs.vectorsize}, the mesh has ${per} cells per block`);
    }
    const ids = this.read(this.findOne('BLOCKIDS', { name })!, first, nBlocks);
    const vals = this.read(varTag, first, nBlocks);
    const [nz, ny, nx] = pop.mesh.shape;
    const base = nbx * nby * nbz;
    const out = new Float32Array(nz * ny * nx);
    for (let b = 0; b < nBlocks; b++) {
      const id = ids[b]!;
      if (!Number.isSafeInteger(id) || id < 0) throw new CorruptDataError(`${this.path}: bad block id ${id}`);
      if (id >= base) {
        throw new UnsupportedFormatError(
          `${this.path}: cell ${cellId} of '${name}' uses a refined velocity mesh (block id ${id} is beyond the ${nbx}x${nby}x${nbz} base grid); refined velocity meshes are not supported`,
        );
      }
      const i = id % nbx;
      const j = Math.floor(id / nbx) % nby;
      const k = Math.floor(id / (nbx * nby));
      for (let z = 0; z < bz; z++) {
        for (let y = 0; y < by; y++) {
          const row = ((k * bz + z) * ny + (j * by + y)) * nx + i * bx;
          const src = b * per + bx * (y + by * z);
          for (let x = 0; x < bx; x++) out[row + x] = vals[src + x]!;
        }
      }
    }
    return { data: out, shape: [nz, ny, nx], population: pop, blocks: nBlocks };
  }
}
