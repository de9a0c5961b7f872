import { createRequire } from 'node:module';
import { CorruptDataError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import type { BytesToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';

/**
 * lzma-native's public helpers (`compress`, `LZMA().compress`, streams) are asynchronous. Its
 * native `Stream` also codes synchronously: `code(chunk, false)` runs liblzma on the calling
 * thread and calls `bufferHandler` before returning. That is the route used here.
 */
interface NativeStream {
  bufferHandler: (buf: Buffer | null | undefined, processed: unknown, err: Error | null | undefined) => void;
  easyEncoder_(preset: number, check: number): void;
  streamDecoder_(memlimit: number | null, flags: number): void;
  code(chunk: Uint8Array | null, async: boolean): void;
  resetUnderlying(): void;
}
interface LzmaNative {
  Stream: new () => NativeStream;
  CHECK_CRC32: number;
  PRESET_EXTREME: number;
}
const lzma = createRequire(import.meta.url)('lzma-native') as LzmaNative;

/** Decoder memory limit: preset 9 needs a 64 MiB dictionary; nothing we write needs more. */
const MEMLIMIT = 128 * 1024 * 1024;
/** Input is fed in slices so that the output can be checked against `maxBytes` as it grows. */
const SLICE = 4096;

function run(stream: NativeStream, feed: (push: (c: Uint8Array | null) => void) => void, limit: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let error: Error | undefined;
  stream.bufferHandler = (buf, _processed, err) => {
    if (buf) {
      parts.push(buf);
      total += buf.byteLength;
    }
    if (err) error = err;
  };
  try {
    feed((c) => {
      stream.code(c, false);
      if (error) throw new CorruptDataError(`xz: ${error.message}`);
      if (total > limit) throw new CorruptDataError(`xz: output exceeds the expected ${limit} bytes`);
    });
  } finally {
    stream.resetUnderlying();
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

/** `xz`: one .xz stream (liblzma easy encoder, LZMA2, CRC-32 check) via lzma-native. */
class XzCodec implements BytesToBytesCodec {
  readonly id = 'xz';
  readonly kind = 'bytes->bytes';
  readonly lossless = true;
  constructor(
    readonly preset: number,
    readonly extreme: boolean,
  ) {}

  encode(input: Uint8Array): Uint8Array {
    const s = new lzma.Stream();
    s.easyEncoder_(this.preset | (this.extreme ? lzma.PRESET_EXTREME : 0), lzma.CHECK_CRC32);
    return run(s, (push) => {
      if (input.byteLength) push(input);
      push(null);
    }, Infinity);
  }

  decode(input: Uint8Array, _spec: ChunkSpec, maxBytes: number): Uint8Array {
    if (input.byteLength < 32 || input[0] !== 0xfd || input[1] !== 0x37 || input[2] !== 0x7a || input[3] !== 0x58 || input[4] !== 0x5a || input[5] !== 0) {
      throw new CorruptDataError('xz: not an xz stream (bad magic or too short)');
    }
    const s = new lzma.Stream();
    s.streamDecoder_(MEMLIMIT, 0);
    const out = run(s, (push) => {
      for (let p = 0; p < input.byteLength; p += SLICE) push(input.subarray(p, Math.min(p + SLICE, input.byteLength)));
      push(null);
    }, maxBytes);
    return out;
  }

  toConfig() {
    return { id: this.id, preset: this.preset, extreme: this.extreme };
  }
}

export const factory: CodecFactory = {
  id: 'xz',
  kind: 'bytes->bytes',
  description: 'xz / LZMA2 (lzma-native, liblzma), preset 0-9, extreme=true|false',
  fromConfig(config) {
    const p = new Params(config);
    const preset = p.int('preset', 6, 0, 9);
    const extreme = p.bool('extreme', false);
    p.done();
    return new XzCodec(preset, extreme);
  },
};
