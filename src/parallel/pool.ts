import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bytesOf, viewAs, type TypedArray } from '../core/dtype.js';
import { NeurozipError, type ErrorTag } from '../core/errors.js';
import type { ChunkSpec } from '../core/types.js';
import type { CodecConfig } from '../codecs/codec.js';

export interface TaskMessage {
  id: number;
  op: 'encode' | 'decode';
  pipelineKey: string;
  spec: ChunkSpec;
  buffer: ArrayBuffer;
  /** decode: the payload's expected CRC-32C, checked in the worker before decoding. */
  crc?: number;
}

export interface ResultMessage {
  id: number;
  buffer?: ArrayBuffer;
  /** CRC-32C of an encoded payload, computed in the worker (off the writer's thread). */
  crc?: number;
  error?: { message: string; tag?: string };
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

interface Pending {
  resolve: (r: { bytes: Uint8Array; crc?: number }) => void;
  reject: (e: Error) => void;
  worker: Worker;
}

/**
 * A fixed pool of worker threads encoding and decoding independent chunks. Results come back per
 * task, so callers keep their own order (the container's bytes are identical whatever the thread
 * count). A worker that dies fails every task it held with a clear error.
 */
export class ChunkPool {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private readonly key: string;

  constructor(pipeline: readonly CodecConfig[], readonly size: number) {
    this.key = pipelineKey(pipeline);
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./worker.js', import.meta.url));
      w.on('message', (m: ResultMessage) => this.settle(m));
      w.on('error', (e) => this.fail(w, new NeurozipError('Io', `worker thread failed: ${e.message}`)));
      w.on('exit', (code) => code !== 0 && this.fail(w, new NeurozipError('Io', `worker thread exited with code ${code}`)));
      this.workers.push(w);
      this.load.set(w, 0);
    }
  }

  private settle(m: ResultMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.load.set(p.worker, this.load.get(p.worker)! - 1);
    if (m.error) p.reject(new NeurozipError((m.error.tag as ErrorTag) ?? 'Io', m.error.message));
    else p.resolve({ bytes: new Uint8Array(m.buffer!), crc: m.crc });
  }

  private fail(w: Worker, e: Error): void {
    this.failure ??= e;
    for (const [id, p] of this.pending) {
      if (p.worker === w) {
        this.pending.delete(id);
        p.reject(e);
      }
    }
    this.workers.splice(this.workers.indexOf(w), 1);
    this.load.delete(w);
  }

  /** Whether a worker has died (the pool then fails every task). */
  get broken(): boolean {
    return this.failure !== undefined || this.workers.length < this.size;
  }

  /** Idle workers do not keep the process alive (unref); busy ones do (ref). */
  setBusy(busy: boolean): void {
    for (const w of this.workers) (busy ? w.ref() : w.unref());
  }

  private run(op: TaskMessage['op'], spec: ChunkSpec, bytes: Uint8Array, give: boolean, crc?: number, key = this.key): Promise<{ bytes: Uint8Array; crc?: number }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) return Promise.reject(new NeurozipError('Io', 'no worker threads left'));
    let w = this.workers[0]!;
    for (const c of this.workers) if (this.load.get(c)! < this.load.get(w)!) w = c;
    const id = this.nextId++;
    // Transfer the caller's buffer when it is given away whole; otherwise transfer a copy
    // (new Uint8Array copies; Buffer#slice would be a view).
    const owned = give && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const buffer = (owned ? bytes.buffer : new Uint8Array(bytes).buffer) as ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      this.load.set(w, this.load.get(w)! + 1);
      w.postMessage({ id, op, pipelineKey: key, spec, buffer, crc } satisfies TaskMessage, [buffer]);
    });
  }

  /**
   * Encodes a chunk; resolves to the payload and its CRC-32C. With `give`, the array's buffer is
   * transferred to the worker (no copy) and must not be used afterwards.
   */
  encode(data: TypedArray, spec: ChunkSpec, give = false, key = this.key): Promise<{ bytes: Uint8Array; crc?: number }> {
    return this.run('encode', spec, bytesOf(data), give, undefined, key);
  }

  /** Decodes a payload; with `crc`, the worker first checks the payload against it. */
  async decode(payload: Uint8Array, spec: ChunkSpec, crc?: number, give = false, key = this.key): Promise<TypedArray> {
    return viewAs(spec.dtype, (await this.run('decode', spec, payload, give, crc, key)).bytes);
  }

  /** This pool's workers running `pipeline` (each worker builds a pipeline once and keeps it). */
  forPipeline(pipeline: readonly CodecConfig[]): PipelinePool {
    const key = pipelineKey(pipeline);
    return {
      size: this.size,
      encode: (data, spec, give) => this.encode(data, spec, give, key),
      decode: (payload, spec, crc, give) => this.decode(payload, spec, crc, give, key),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

function pipelineKey(pipeline: readonly CodecConfig[]): string {
  return JSON.stringify(pipeline);
}

/** Chunk encoding and decoding for one pipeline on a pool's workers. */
export interface PipelinePool {
  readonly size: number;
  encode(data: TypedArray, spec: ChunkSpec, give?: boolean): Promise<{ bytes: Uint8Array; crc?: number }>;
  decode(payload: Uint8Array, spec: ChunkSpec, crc?: number, give?: boolean): Promise<TypedArray>;
}

const shared = new Map<number, { pool: ChunkPool; jobs: number }>();

/**
 * Runs `job` on a pool of `size` workers kept between jobs: a CLI run over many files, a library
 * compressing file after file, verify after compress all reuse warm workers (JIT compiled,
 * pipelines built) instead of starting cold ones per file. Idle, the workers do not keep the
 * process alive; a pool whose worker died is replaced.
 */
export async function withSharedPool<T>(pipeline: readonly CodecConfig[], size: number, job: (pool: PipelinePool) => Promise<T>): Promise<T> {
  let entry = shared.get(size);
  if (!entry || entry.pool.broken) {
    if (entry && entry.jobs === 0) void entry.pool.close();
    entry = { pool: new ChunkPool(pipeline, size), jobs: 0 };
    shared.set(size, entry);
  }
  const e = entry;
  if (e.jobs++ === 0) e.pool.setBusy(true);
  try {
    return await job(e.pool.forPipeline(pipeline));
  } finally {
    if (--e.jobs === 0) e.pool.setBusy(false);
  }
}

/**
 * Runs `produce(i)` for i in [0, n) with at most `window` results in flight and hands each to
 * `consume` in order: the reading, encoding and writing of chunks overlap, memory stays bounded.
 */
export async function orderedMap<T>(n: number, window: number, produce: (i: number) => Promise<T>, consume: (r: T, i: number) => void | Promise<void>): Promise<void> {
  const inflight: Promise<T>[] = [];
  let next = 0;
  try {
    for (let i = 0; i < n; i++) {
      while (next < n && next < i + window) {
        const task = produce(next++);
        task.catch(() => {}); // observed when its turn comes; not an unhandled rejection before
        inflight.push(task);
      }
      await consume(await inflight.shift()!, i);
    }
  } finally {
    // A failure leaves later tasks running: wait for them so none rejects unobserved.
    await Promise.allSettled(inflight);
  }
}
