/** Element types neurozip handles, their typed arrays and sizes. */
export type DType = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

interface DTypeInfo {
  readonly itemsize: number;
  readonly integer: boolean;
  readonly signed: boolean;
  readonly ctor: new (buffer: ArrayBufferLike | number, byteOffset?: number, length?: number) => TypedArray;
  /** NumPy descr, little-endian. */
  readonly npy: string;
}

const INFO: Record<DType, DTypeInfo> = {
  uint8: { itemsize: 1, integer: true, signed: false, ctor: Uint8Array as never, npy: '|u1' },
  int8: { itemsize: 1, integer: true, signed: true, ctor: Int8Array as never, npy: '|i1' },
  int16: { itemsize: 2, integer: true, signed: true, ctor: Int16Array as never, npy: '<i2' },
  uint16: { itemsize: 2, integer: true, signed: false, ctor: Uint16Array as never, npy: '<u2' },
  int32: { itemsize: 4, integer: true, signed: true, ctor: Int32Array as never, npy: '<i4' },
  uint32: { itemsize: 4, integer: true, signed: false, ctor: Uint32Array as never, npy: '<u4' },
  float32: { itemsize: 4, integer: false, signed: true, ctor: Float32Array as never, npy: '<f4' },
  float64: { itemsize: 8, integer: false, signed: true, ctor: Float64Array as never, npy: '<f8' },
};

export const DTYPES = Object.keys(INFO) as DType[];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(INFO, x);
}

export function itemsize(dtype: DType): number {
  return INFO[dtype].itemsize;
}

export function isIntegerDType(dtype: DType): boolean {
  return INFO[dtype].integer;
}

export function isSignedDType(dtype: DType): boolean {
  return INFO[dtype].signed;
}

export function npyDescr(dtype: DType): string {
  return INFO[dtype].npy;
}

export function dtypeFromNpyDescr(descr: string): DType | undefined {
  const norm = descr.replace(/^=/, '<');
  return DTYPES.find((d) => INFO[d].npy === norm || INFO[d].npy.replace('|', '<') === norm);
}

/** New zero-filled array of `length` elements. */
export function allocArray(dtype: DType, length: number): TypedArray {
  return new INFO[dtype].ctor(length);
}

/** `out` when it is a `dtype` array of `length` (a pipeline's scratch array), else a new one. */
export function reuseArray(out: TypedArray | undefined, dtype: DType, length: number): TypedArray {
  return out && out.length === length && out instanceof INFO[dtype].ctor ? out : allocArray(dtype, length);
}

/** A typed view on `bytes` (copies when the offset is not aligned to the item size). */
export function viewAs(dtype: DType, bytes: Uint8Array): TypedArray {
  const size = INFO[dtype].itemsize;
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} items`);
  }
  if (bytes.byteOffset % size !== 0) bytes = new Uint8Array(bytes); // copy: Buffer#slice is a view
  return new INFO[dtype].ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
}

/** The bytes of a typed array, without copying. Platform is little-endian (checked at load). */
export function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('neurozip needs a little-endian platform');
}
