import { CorruptDataError } from './errors.js';

/**
 * Bounds-checked little-endian reader. Every read checks what remains first, so damaged input
 * raises CorruptDataError instead of reading past the end or allocating absurd sizes.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  /** Names the thing being read in error messages ("container footer", "rice stream"). */
  readonly what: string;

  constructor(bytes: Uint8Array, what = 'data') {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.what = what;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  private need(n: number): number {
    if (!(n >= 0) || n > this.remaining) {
      throw new CorruptDataError(
        `${this.what}: truncated (need ${n} bytes at offset ${this.pos}, ${this.remaining} left)`,
      );
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }

  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.need(8), true);
  }
  /** Unsigned 64-bit value; must fit a JS safe integer. */
  u64(): number {
    const p = this.need(8);
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getUint32(p + 4, true);
    if (hi >= 0x200000) throw new CorruptDataError(`${this.what}: 64-bit value out of range at offset ${p}`);
    return hi * 0x100000000 + lo;
  }
  /** Unsigned LEB128 varint, at most 2^53. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new CorruptDataError(`${this.what}: varint too long at offset ${this.pos}`);
  }
  /** A view (no copy) of the next n bytes. */
  bytesView(n: number): Uint8Array {
    const p = this.need(n);
    return this.bytes.subarray(p, p + n);
  }
  /** Guard before allocating `count` items of `size` bytes that the stream claims to hold. */
  expectAtLeast(count: number, bytesEach: number): void {
    if (!Number.isSafeInteger(count) || count < 0 || count * bytesEach > this.remaining) {
      throw new CorruptDataError(`${this.what}: claims ${count} items, more than the ${this.remaining} bytes left`);
    }
  }
  end(): void {
    if (this.remaining !== 0) throw new CorruptDataError(`${this.what}: ${this.remaining} unexpected trailing bytes`);
  }
}

/** Growable little-endian writer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): number {
    const need = this.length + n;
    if (need > this.buf.byteLength) {
      let cap = this.buf.byteLength * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const p = this.length;
    this.length = need;
    return p;
  }

  u8(v: number): this {
    const p = this.reserve(1);
    this.view.setUint8(p, v);
    return this;
  }
  u16(v: number): this {
    const p = this.reserve(2);
    this.view.setUint16(p, v, true);
    return this;
  }
  i16(v: number): this {
    const p = this.reserve(2);
    this.view.setInt16(p, v, true);
    return this;
  }
  u32(v: number): this {
    const p = this.reserve(4);
    this.view.setUint32(p, v >>> 0, true);
    return this;
  }
  i32(v: number): this {
    const p = this.reserve(4);
    this.view.setInt32(p, v, true);
    return this;
  }
  f64(v: number): this {
    const p = this.reserve(8);
    this.view.setFloat64(p, v, true);
    return this;
  }
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 out of range: ${v}`);
    const p = this.reserve(8);
    this.view.setUint32(p, v % 0x100000000, true);
    this.view.setUint32(p + 4, Math.floor(v / 0x100000000), true);
    return this;
  }
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    while (v >= 0x80) {
      this.u8((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    return this.u8(v);
  }
  bytes(b: Uint8Array): this {
    const p = this.reserve(b.byteLength);
    this.buf.set(b, p);
    return this;
  }
  /** The written bytes (a view; copy if the writer is reused). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
