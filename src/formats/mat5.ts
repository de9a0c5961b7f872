/**
 * Minimal MATLAB v5 MAT-file reader (the format `save -v6`/`-v7` writes; layout from MathWorks'
 * "MAT-File Format" document): a 128-byte header (116 bytes of text starting 'MATLAB 5.0 MAT-file',
 * 8 bytes of subsystem offset, version 0x0100, endian indicator 'IM'), then tagged data elements.
 *
 * Tags are 8 bytes (u32 type, u32 byte count, data padded to 8 bytes) or the 4-byte "small data
 * element" form (u16 byte count in the upper half of the first word, up to 4 bytes of data in the
 * second). Top-level `miCOMPRESSED` elements hold one zlib-compressed element (inflated with a bound
 * on the output size). `miMATRIX` elements hold array flags (class, complex/logical bits), dimensions,
 * a name, then class-specific data: numeric classes (double/single/int8..uint64; stored data may use
 * a smaller type, converted here to Float64Array; imaginary parts kept in `imag`), char (UTF-16 code
 * units in the storage types MATLAB uses), cell (one miMATRIX per element) and struct (field-name
 * length, names, then one miMATRIX per field per element). Element order is column-major, as in
 * MATLAB. Sparse, object, function-handle and opaque (MCOS) classes are refused with
 * UnsupportedFormatError; big-endian ('MI') files too. Every length is checked against what remains,
 * so damaged input raises CorruptDataError naming the file and the variable path.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { inflateSync } from 'node:zlib';
import { ByteReader } from '../core/bytes.js';
import { CorruptDataError, UnsupportedFormatError } from '../core/errors.js';

export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

interface MatBase {
  name: string;
  /** MATLAB dimensions (at least 2). */
  dims: number[];
}
export interface MatNumeric extends MatBase {
  kind: 'numeric';
  class: MatNumericClass;
  logical: boolean;
  /** Column-major values (int64/uint64 beyond 2^53 lose precision). */
  real: Float64Array;
  imag?: Float64Array;
}
export interface MatChar extends MatBase {
  kind: 'char';
  /** One string per row (a 1xN char array is one string). */
  rows: string[];
}
export interface MatCell extends MatBase {
  kind: 'cell';
  /** Column-major elements. */
  cells: MatValue[];
}
export interface MatStruct extends MatBase {
  kind: 'struct';
  fields: string[];
  /** Column-major elements, each mapping field name -> value. */
  elements: Map<string, MatValue>[];
}
/** An miMATRIX element with no content (MATLAB writes these for empty cell/struct slots). */
export interface MatEmpty extends MatBase {
  kind: 'empty';
}
export type MatValue = MatNumeric | MatChar | MatCell | MatStruct | MatEmpty;

export interface Mat5File {
  headerText: string;
  variables: Map<string, MatValue>;
}

export interface Mat5Options {
  /** Bound on the inflated size of one miCOMPRESSED element (default 1 GiB). */
  maxInflatedBytes?: number;
}

// data types (the mi* constants)
const MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6, MI_SINGLE = 7, MI_DOUBLE = 9;
const MI_INT64 = 12, MI_UINT64 = 13, MI_MATRIX = 14, MI_COMPRESSED = 15, MI_UTF8 = 16, MI_UTF16 = 17, MI_UTF32 = 18;
const TYPE_SIZE: Record<number, number> = { [MI_INT8]: 1, [MI_UINT8]: 1, [MI_INT16]: 2, [MI_UINT16]: 2, [MI_INT32]: 4, [MI_UINT32]: 4, [MI_SINGLE]: 4, [MI_DOUBLE]: 8, [MI_INT64]: 8, [MI_UINT64]: 8, [MI_UTF8]: 1, [MI_UTF16]: 2, [MI_UTF32]: 4 };
const TYPE_NAME: Record<number, string> = { 1: 'miINT8', 2: 'miUINT8', 3: 'miINT16', 4: 'miUINT16', 5: 'miINT32', 6: 'miUINT32', 7: 'miSINGLE', 9: 'miDOUBLE', 12: 'miINT64', 13: 'miUINT64', 14: 'miMATRIX', 15: 'miCOMPRESSED', 16: 'miUTF8', 17: 'miUTF16', 18: 'miUTF32' };

// array classes (the mx*_CLASS constants)
const NUMERIC_CLASS: Record<number, MatNumericClass> = { 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64' };
const CLASS_NAME: Record<number, string> = { 1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 16: 'function handle', 17: 'opaque (MCOS object)' };
const MX_CELL = 1, MX_STRUCT = 2, MX_CHAR = 4;
const FLAG_COMPLEX = 0x0800, FLAG_LOGICAL = 0x0200;

interface Element {
  type: number;
  data: Uint8Array;
}

class Parser {
  constructor(
    readonly file: string,
    readonly opts: Mat5Options,
  ) {}

  corrupt(where: string, msg: string): CorruptDataError {
    return new CorruptDataError(`${this.file}: ${where ? where + ': ' : ''}${msg}`);
  }

  /** Reads one tagged element; miCOMPRESSED data is not padded to 8 bytes. */
  element(r: ByteReader, where: string): Element {
    const start = r.pos;
    const w0 = r.u32();
    const small = w0 >>> 16;
    if (small !== 0) {
      const type = w0 & 0xffff;
      if (small > 4) throw this.corrupt(where, `small data element at offset ${start} claims ${small} bytes (at most 4)`);
      const data = r.bytesView(4).subarray(0, small);
      return { type, data };
    }
    const type = w0;
    const n = r.u32();
    if (n > r.remaining) throw this.corrupt(where, `${TYPE_NAME[type] ?? `type ${type}`} element at offset ${start} claims ${n} bytes, only ${r.remaining} left (truncated?)`);
    const data = r.bytesView(n);
    if (type !== MI_COMPRESSED) {
      const pad = (8 - (n % 8)) % 8;
      // the last element of a stream may omit its padding
      r.bytesView(Math.min(pad, r.remaining));
    }
    return { type, data };
  }

  /** Top-level: header, then variables (inflating miCOMPRESSED). */
  file5(bytes: Uint8Array): Mat5File {
    if (bytes.byteLength < 128) {
      if (bytes.byteLength >= 10 && latin1(bytes.subarray(0, 10)) === 'MATLAB 5.0') throw this.corrupt('header', `truncated: ${bytes.byteLength} bytes, the header alone is 128`);
      throw new UnsupportedFormatError(`${this.file}: not a MATLAB v5 MAT-file (${bytes.byteLength} bytes, shorter than the 128-byte header)`);
    }
    const text = latin1(bytes.subarray(0, 116)).replace(/[\0 ]+$/, '');
    const endian = latin1(bytes.subarray(126, 128));
    if (text.startsWith('MATLAB 7.3 MAT-file')) throw new UnsupportedFormatError(`${this.file}: MATLAB v7.3 MAT-file (HDF5 based); this reader handles v5/v6/v7 files only (read v7.3 with an HDF5 reader)`);
    if (!text.startsWith('MATLAB 5.0 MAT-file')) {
      throw new UnsupportedFormatError(`${this.file}: not a MATLAB v5 MAT-file (header text does not start with 'MATLAB 5.0 MAT-file'${endian === 'IM' || endian === 'MI' ? '' : '; a v4 file or not MATLAB at all'})`);
    }
    if (endian === 'MI') throw new UnsupportedFormatError(`${this.file}: big-endian MAT-file ('MI' indicator) is not supported`);
    if (endian !== 'IM') throw this.corrupt('header', `bad endian indicator ${JSON.stringify(endian)} (expected 'IM')`);
    const version = bytes[124]! | (bytes[125]! << 8);
    if (version !== 0x0100) throw new UnsupportedFormatError(`${this.file}: MAT-file version 0x${version.toString(16).padStart(4, '0')} (expected 0x0100)`);
    const r = new ByteReader(bytes.subarray(128), `${this.file}: data`);
    const variables = new Map<string, MatValue>();
    let index = 0;
    while (r.remaining > 0) {
      const where = `element ${index} (file offset ${128 + r.pos})`;
      if (r.remaining < 8) throw this.corrupt(where, `${r.remaining} trailing bytes, too short for an element tag (truncated?)`);
      let el = this.element(r, where);
      if (el.type === MI_COMPRESSED) {
        const inner = this.inflate(el.data, where);
        const ir = new ByteReader(inner, `${this.file}: ${where} (inflated)`);
        el = this.element(ir, where);
        if (ir.remaining > 7) throw this.corrupt(where, `${ir.remaining} bytes after the compressed element`);
      }
      if (el.type !== MI_MATRIX) throw this.corrupt(where, `top-level element of type ${TYPE_NAME[el.type] ?? el.type}, expected miMATRIX`);
      const v = this.matrix(el.data, '');
      if (!v.name) throw this.corrupt(where, 'top-level variable without a name');
      variables.set(v.name, v);
      index++;
    }
    return { headerText: text, variables };
  }

  inflate(data: Uint8Array, where: string): Uint8Array {
    const max = this.opts.maxInflatedBytes ?? 2 ** 30;
    try {
      return inflateSync(data, { maxOutputLength: max });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test((e as Error).message)) {
        throw this.corrupt(where, `miCOMPRESSED element inflates to more than ${max} bytes (the bound)`);
      }
      throw this.corrupt(where, `miCOMPRESSED element does not inflate (${(e as Error).message}; truncated or damaged zlib stream)`);
    }
  }

  /** Parses the content of an miMATRIX element. `path` names it in errors ("CAttached(2).fluo_mean"). */
  matrix(data: Uint8Array, path: string): MatValue {
    if (data.byteLength === 0) return { kind: 'empty', name: '', dims: [0, 0] };
    const r = new ByteReader(data, `${this.file}: ${path || 'miMATRIX'}`);
    const flagsEl = this.element(r, path);
    if (flagsEl.type !== MI_UINT32 || flagsEl.data.byteLength !== 8) throw this.corrupt(path, `array flags must be 8 bytes of miUINT32, got ${flagsEl.data.byteLength} bytes of ${TYPE_NAME[flagsEl.type] ?? flagsEl.type}`);
    const flags = new DataView(flagsEl.data.buffer, flagsEl.data.byteOffset, 8).getUint32(0, true);
    const cls = flags & 0xff;
    const dimsEl = this.element(r, path);
    if (dimsEl.type !== MI_INT32 || dimsEl.data.byteLength % 4 !== 0 || dimsEl.data.byteLength < 8) throw this.corrupt(path, `dimensions must be at least 2 miINT32 values`);
    const dims = Array.from(this.numbers(dimsEl, path, 'dimensions'));
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw this.corrupt(path, `negative dimension in [${dims.join(', ')}]`);
    const count = dims.reduce((a, b) => a * b, 1);
    const nameEl = this.element(r, path);
    if (nameEl.type !== MI_INT8 && nameEl.type !== MI_UINT8 && nameEl.data.byteLength !== 0) throw this.corrupt(path, `array name must be miINT8`);
    const name = latin1(nameEl.data);
    const here = path || name;
    if (NUMERIC_CLASS[cls]) {
      // an empty array may come without a data element
      const real = count === 0 && r.remaining === 0 ? new Float64Array(0) : this.numbers(this.element(r, here), here, 'real part', count);
      let imag: Float64Array | undefined;
      if (flags & FLAG_COMPLEX) {
        if (r.remaining === 0) throw this.corrupt(here, 'complex array without an imaginary part (truncated?)');
        imag = this.numbers(this.element(r, here), here, 'imaginary part', count);
      }
      return { kind: 'numeric', name, dims, class: NUMERIC_CLASS[cls]!, logical: (flags & FLAG_LOGICAL) !== 0, real, ...(imag ? { imag } : {}) };
    }
    if (cls === MX_CHAR) {
      let codes: Float64Array | Uint32Array;
      if (count === 0 && r.remaining === 0) codes = new Float64Array(0);
      else {
        const el = this.element(r, here);
        if (el.type === MI_UTF8) codes = Uint32Array.from(Array.from(new TextDecoder('utf-8', { fatal: false }).decode(el.data), (ch) => ch.codePointAt(0)!));
        else codes = this.numbers(el, here, 'characters');
        if (codes.length !== count) throw this.corrupt(here, `char array ${dims.join('x')} holds ${codes.length} characters, expected ${count}`);
      }
      const nr = dims[0]!;
      const nc = nr ? count / nr : 0;
      const rows: string[] = [];
      for (let i = 0; i < nr; i++) {
        let s = '';
        for (let j = 0; j < nc; j++) s += String.fromCodePoint(codes[j * nr + i]!);
        rows.push(s);
      }
      return { kind: 'char', name, dims, rows };
    }
    if (cls === MX_CELL) {
      r.expectAtLeast(count, 8);
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const el = this.element(r, `${here}{${i + 1}}`);
        if (el.type !== MI_MATRIX) throw this.corrupt(`${here}{${i + 1}}`, `cell element of type ${TYPE_NAME[el.type] ?? el.type}, expected miMATRIX`);
        cells.push(this.matrix(el.data, `${here}{${i + 1}}`));
      }
      return { kind: 'cell', name, dims, cells };
    }
    if (cls === MX_STRUCT) {
      const lenEl = this.element(r, here);
      if (lenEl.type !== MI_INT32 || lenEl.data.byteLength !== 4) throw this.corrupt(here, 'struct field-name length must be one miINT32');
      const fl = new DataView(lenEl.data.buffer, lenEl.data.byteOffset, 4).getInt32(0, true);
      const namesEl = this.element(r, here);
      if (namesEl.type !== MI_INT8 && namesEl.type !== MI_UINT8) throw this.corrupt(here, 'struct field names must be miINT8');
      if (fl <= 0 ? namesEl.data.byteLength !== 0 : namesEl.data.byteLength % fl !== 0) throw this.corrupt(here, `field names (${namesEl.data.byteLength} bytes) are not a multiple of the field-name length ${fl}`);
      const nf = fl > 0 ? namesEl.data.byteLength / fl : 0;
      const fields: string[] = [];
      for (let k = 0; k < nf; k++) fields.push(latin1(namesEl.data.subarray(k * fl, (k + 1) * fl)).replace(/\0.*$/s, ''));
      if (new Set(fields).size !== fields.length) throw this.corrupt(here, `duplicate struct field names [${fields.join(', ')}]`);
      r.expectAtLeast(count * nf, 8);
      const elements: Map<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const m = new Map<string, MatValue>();
        for (const f of fields) {
          const p = `${here}${count > 1 ? `(${i + 1})` : ''}.${f}`;
          const el = this.element(r, p);
          if (el.type !== MI_MATRIX) throw this.corrupt(p, `struct field of type ${TYPE_NAME[el.type] ?? el.type}, expected miMATRIX`);
          m.set(f, this.matrix(el.data, p));
        }
        elements.push(m);
      }
      return { kind: 'struct', name, dims, fields, elements };
    }
    throw new UnsupportedFormatError(`${this.file}: ${here}: MATLAB class ${CLASS_NAME[cls] ?? `#${cls}`} is not supported by this reader`);
  }

  /** Numeric data element -> Float64Array, checking the type and (optionally) the count. */
  numbers(el: Element, where: string, what: string, expect?: number): Float64Array {
    const size = TYPE_SIZE[el.type];
    if (!size || el.type === MI_UTF8) throw this.corrupt(where, `${what}: ${TYPE_NAME[el.type] ?? `unknown type ${el.type}`} is not a numeric data type`);
    if (el.data.byteLength % size !== 0) throw this.corrupt(where, `${what}: ${el.data.byteLength} bytes is not a multiple of ${size} (${TYPE_NAME[el.type]})`);
    const n = el.data.byteLength / size;
    if (expect !== undefined && n !== expect) throw this.corrupt(where, `${what}: ${n} values, the dimensions need ${expect}`);
    const dv = new DataView(el.data.buffer, el.data.byteOffset, el.data.byteLength);
    const out = new Float64Array(n);
    switch (el.type) {
      case MI_INT8: for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
      case MI_UINT8: case MI_UTF8: for (let i = 0; i < n; i++) out[i] = dv.getUint8(i); break;
      case MI_INT16: for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true); break;
      case MI_UINT16: case MI_UTF16: for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true); break;
      case MI_INT32: for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true); break;
      case MI_UINT32: case MI_UTF32: for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, true); break;
      case MI_SINGLE: for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true); break;
      case MI_DOUBLE: for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true); break;
      case MI_INT64: for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true)); break;
      case MI_UINT64: for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(8 * i, true)); break;
    }
    return out;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Parses MAT v5 bytes; `file` names the source in error messages. */
export function parseMat5(bytes: Uint8Array, file = 'input', opts: Mat5Options = {}): Mat5File {
  return new Parser(file, opts).file5(bytes);
}

export function readMat5(path: string, opts: Mat5Options = {}): Mat5File {
  return parseMat5(readFileSync(path), basename(path), opts);
}

/** The numeric values of `v` (real part), or a CorruptDataError saying what was found instead. */
export function matNumbers(v: MatValue | undefined, what: string, file: string): Float64Array {
  if (!v) throw new CorruptDataError(`${file}: ${what} is missing`);
  if (v.kind === 'empty') return new Float64Array(0);
  if (v.kind !== 'numeric') throw new CorruptDataError(`${file}: ${what} is a ${v.kind} array, expected numeric`);
  return v.real;
}
