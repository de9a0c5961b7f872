/** neurozip's public API (re-exports only). */
import './codecs/builtin.js';

export * from './core/dtype.js';
export * from './core/errors.js';
export type { ChunkSpec, Json, Recording } from './core/types.js';
export { ByteReader, ByteWriter } from './core/bytes.js';
export { BitReader, BitWriter } from './core/bits.js';
export { crc32c, sha256Hex } from './core/checksum.js';
export type * from './codecs/codec.js';
export { codecFromConfig, getCodecFactory, registerCodec, registeredCodecIds } from './codecs/registry.js';
export { Params } from './codecs/params.js';
export { levelPipeline, LEVELS, type Level } from './codecs/levels.js';
export { Pipeline } from './pipeline/pipeline.js';
export { formatPipelineString, parsePipelineString } from './pipeline/spec-string.js';
export { NzpReader, type ReadRequest } from './container/reader.js';
export { ContainerWriter, chooseChunkSamples } from './container/writer.js';
export type { ContainerFooter, ContainerHeader } from './container/format.js';
export { openSource, sidecarPath, Source, type SourceInfo, type RawOptions } from './formats/index.js';
export { npyHeader } from './formats/npy.js';
export { wavHeader } from './formats/wav.js';
export * from './api/compress.js';
export { createEncoder, StreamEncoder, StreamDecoder, compressStream, decompressStream, type EncoderOptions } from './api/stream.js';
export { VERSION } from './version.js';
