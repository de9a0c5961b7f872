import { allocArray, dtypeOf, itemsize, type TypedArray } from '../core/dtype.js';
import { CorruptDataError, InvalidConfigError, isNeurozipError } from '../core/errors.js';
import { ByteReader, ByteWriter } from '../core/bytes.js';
import { elementCount, type ChunkSpec } from '../core/types.js';
import type { ArrayToArrayCodec, ArrayToBytesCodec, BytesToBytesCodec, Codec, CodecConfig } from '../codecs/codec.js';
import { codecFromConfig } from '../codecs/registry.js';
import { formatPipelineString, parsePipelineString } from './spec-string.js';

/**
 * A chain of codecs: array->array stages, exactly one array->bytes serializer (the plain `bytes`
 * serializer is inserted when none is named), then bytes->bytes stages. Encode runs forward,
 * decode backward. Building is async (codecs load lazily); encode and decode are synchronous.
 * The arrays passed between stages live in scratch buffers owned by the pipeline and reused from
 * chunk to chunk (never the arrays it returns): fresh per-chunk arrays cost GC pauses in
 * low-latency streams and page faults in parallel workers.
 */
export class Pipeline {
  private readonly scratch: (TypedArray | undefined)[] = [];

  private constructor(
    readonly arrayStages: readonly ArrayToArrayCodec[],
    readonly serializer: ArrayToBytesCodec,
    readonly bytesStages: readonly BytesToBytesCodec[],
  ) {}

  static async fromConfig(configs: readonly CodecConfig[]): Promise<Pipeline> {
    const codecs: Codec[] = [];
    for (const c of configs) codecs.push(await codecFromConfig(c));
    const arrays: ArrayToArrayCodec[] = [];
    const bytes: BytesToBytesCodec[] = [];
    let serializer: ArrayToBytesCodec | undefined;
    for (const codec of codecs) {
      if (codec.kind === 'array->array') {
        if (serializer || bytes.length) throw new InvalidConfigError(`pipeline: array stage '${codec.id}' after the bytes stages`);
        arrays.push(codec);
      } else if (codec.kind === 'array->bytes') {
        if (serializer) throw new InvalidConfigError(`pipeline: two array->bytes stages ('${serializer.id}', '${codec.id}')`);
        if (bytes.length) throw new InvalidConfigError(`pipeline: '${codec.id}' after a bytes->bytes stage`);
        serializer = codec;
      } else {
        bytes.push(codec);
      }
    }
    serializer ??= (await codecFromConfig({ id: 'bytes' })) as ArrayToBytesCodec;
    return new Pipeline(arrays, serializer, bytes);
  }

  static async fromString(text: string): Promise<Pipeline> {
    return Pipeline.fromConfig(parsePipelineString(text));
  }

  get stages(): Codec[] {
    return [...this.arrayStages, this.serializer, ...this.bytesStages];
  }

  get lossless(): boolean {
    return this.stages.every((c) => c.lossless);
  }

  toConfig(): CodecConfig[] {
    return this.stages.map((c) => c.toConfig());
  }

  toString(): string {
    return formatPipelineString(this.toConfig());
  }

  /** A reusable array for `spec` in `slot` (contents are garbage). */
  private scratchFor(slot: number, spec: ChunkSpec): TypedArray {
    const n = elementCount(spec.shape);
    const have = this.scratch[slot];
    if (have && dtypeOf(have) === spec.dtype && have.length >= n) return have.subarray(0, n);
    const a = allocArray(spec.dtype, n);
    this.scratch[slot] = a;
    return a;
  }

  /** A stage may hand its input through (`bytes` views it): never return a scratch buffer. */
  private detach<T extends TypedArray>(a: T): T {
    return this.scratch.some((s) => s?.buffer === a.buffer) ? (a.slice() as T) : a;
  }

  /** Specs seen by each array stage, then the one the serializer receives (last). */
  private specChain(spec: ChunkSpec): ChunkSpec[] {
    const specs = [spec];
    for (const s of this.arrayStages) specs.push(s.encodedSpec ? s.encodedSpec(specs[specs.length - 1]!) : specs[specs.length - 1]!);
    return specs;
  }

  encode(data: TypedArray, spec: ChunkSpec): Uint8Array {
    if (dtypeOf(data) !== spec.dtype || data.length !== elementCount(spec.shape)) {
      throw new InvalidConfigError(`pipeline: input is ${data.length} ${dtypeOf(data)} values, spec says ${spec.shape.join('x')} ${spec.dtype}`);
    }
    const specs = this.specChain(spec);
    let a = data;
    const sides: Uint8Array[] = [];
    // scratch slots: 2i for stage i's encode output, 2i + 1 for stage i's decode output
    this.arrayStages.forEach((s, i) => {
      const out = this.scratchFor(2 * i, specs[i + 1]!);
      if (s.encodeWithSide) {
        const r = s.encodeWithSide(a, specs[i]!, out);
        a = r.data;
        sides.push(r.side);
      } else {
        a = s.encode(a, specs[i]!, out);
      }
    });
    const last = specs[specs.length - 1]!;
    let b = this.serializer.encode(a, last);
    for (const s of this.bytesStages) b = s.encode(b, last);
    if (sides.length === 0) return this.detach(b);
    // Side information of the stages that have it, in stage order, each as varint length + bytes,
    // then the payload (docs/spec/pipeline-side.md). Pipelines without such stages are unchanged.
    const w = new ByteWriter(b.byteLength + 64);
    for (const side of sides) w.varint(side.byteLength).bytes(side);
    w.bytes(b);
    return w.finish();
  }

  /** Decodes one chunk; any failure inside a codec surfaces as CorruptDataError naming it. */
  decode(bytes: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const specs = this.specChain(spec);
    const last = specs[specs.length - 1]!;
    const maxBytes = 2 * elementCount(last.shape) * itemsize(last.dtype) + 65536;
    let b = bytes;
    const sides: (Uint8Array | undefined)[] = [];
    if (this.arrayStages.some((s) => s.encodeWithSide)) {
      const r = new ByteReader(bytes, 'pipeline side information');
      for (const s of this.arrayStages) sides.push(s.encodeWithSide ? r.bytesView(r.varint()) : undefined);
      b = r.bytesView(r.remaining);
    }
    for (let i = this.bytesStages.length - 1; i >= 0; i--) {
      const s = this.bytesStages[i]!;
      b = guard(s.id, () => s.decode(b, last, maxBytes));
    }
    const k = this.arrayStages.length;
    let a = guard(this.serializer.id, () => this.serializer.decode(b, last, k ? this.scratchFor(2 * k - 1, last) : out));
    checkShape(this.serializer.id, a, last);
    for (let i = this.arrayStages.length - 1; i >= 0; i--) {
      const s = this.arrayStages[i]!;
      const prev = a;
      const side = sides[i];
      const into = i === 0 ? out : this.scratchFor(2 * i - 1, specs[i]!);
      a = guard(s.id, () => (s.decodeWithSide && side ? s.decodeWithSide(prev, side, specs[i]!, into) : s.decode(prev, specs[i]!, into)));
      checkShape(s.id, a, specs[i]!);
    }
    if (out && a !== out) {
      out.set(a as never);
      return out;
    }
    return out ? a : this.detach(a);
  }
}

function guard<T>(id: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isNeurozipError(e)) throw e;
    throw new CorruptDataError(`${id}: cannot decode (${(e as Error).message})`, { cause: e });
  }
}

function checkShape(id: string, a: TypedArray, spec: ChunkSpec): void {
  if (dtypeOf(a) !== spec.dtype || a.length !== elementCount(spec.shape)) {
    throw new CorruptDataError(`${id}: decoded ${a.length} ${dtypeOf(a)} values, expected ${elementCount(spec.shape)} ${spec.dtype}`);
  }
}
