import type { TypedArray } from '../core/dtype.js';
import type { ChunkSpec, Json } from '../core/types.js';

export type Kind = 'array->array' | 'array->bytes' | 'bytes->bytes';

/** Plain JSON; `id` names the codec, the other keys are its camelCase parameters. */
export interface CodecConfig {
  id: string;
  [key: string]: Json;
}

interface CodecBase {
  /** Lowercase, frozen once released; a changed byte format gets a new id. */
  readonly id: string;
  readonly kind: Kind;
  readonly lossless: boolean;
  /** fromConfig(toConfig()) is the same codec. */
  toConfig(): CodecConfig;
}

/** Transforms an array into another array (delta, remap, quantize...). */
export interface ArrayToArrayCodec extends CodecBase {
  readonly kind: 'array->array';
  /**
   * `out`, when the pipeline gives one, is a scratch array of the encoded spec's dtype and length
   * (old contents are garbage) that the stage may fill completely and return instead of allocating:
   * per-chunk allocations are what make the GC pause low-latency streams and page faults slow
   * parallel workers. Stages may ignore it.
   */
  encode(input: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray;
  /** `spec` is the spec of the array this stage received on encode (what decode must produce). */
  decode(input: TypedArray, spec: ChunkSpec, out?: TypedArray): TypedArray;
  /** The spec of encode's output, when it differs from the input's. */
  encodedSpec?(spec: ChunkSpec): ChunkSpec;
  /**
   * Stages that need side information per chunk (a value table, predictor coefficients) implement
   * this pair instead of relying on encode/decode alone: the pipeline frames each stage's side bytes
   * ahead of the payload (docs/spec/pipeline-side.md) and hands them back on decode.
   */
  encodeWithSide?(input: TypedArray, spec: ChunkSpec, out?: TypedArray): { data: TypedArray; side: Uint8Array };
  decodeWithSide?(input: TypedArray, side: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray;
}

/** Serializes an array to bytes (the plain `bytes` serializer, or an entropy coder). */
export interface ArrayToBytesCodec extends CodecBase {
  readonly kind: 'array->bytes';
  encode(input: TypedArray, spec: ChunkSpec): Uint8Array;
  decode(input: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray;
}

/**
 * Bytes to bytes (general-purpose compressors, byte shuffle). `spec` is the spec of the array that
 * was serialized, so a stage can use the item size; `maxBytes` bounds what decode may produce.
 */
export interface BytesToBytesCodec extends CodecBase {
  readonly kind: 'bytes->bytes';
  encode(input: Uint8Array, spec: ChunkSpec): Uint8Array;
  decode(input: Uint8Array, spec: ChunkSpec, maxBytes: number): Uint8Array;
}

export type Codec = ArrayToArrayCodec | ArrayToBytesCodec | BytesToBytesCodec;

export interface CodecFactory {
  readonly id: string;
  readonly kind: Kind;
  /** A short line for `neurozip codecs` and the docs. */
  readonly description: string;
  /** Builds the codec; throws InvalidConfigError on bad or unknown parameters. */
  fromConfig(config: CodecConfig): Codec;
}
