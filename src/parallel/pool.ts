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
    this.key = JSON.stringify(pipeline);
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

  private run(op: TaskMessage['op'], spec: ChunkSpec, bytes: Uint8Array, give: boolean, crc?: number): Promise<{ bytes: Uint8Array; crc?: number }> {
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
      w.postMessage({ id, op, pipelineKey: this.key, spec, buffer, crc } satisfies TaskMessage, [buffer]);
    });
  }

  /**
   * Encodes a chunk; resolves to the payload and its CRC-32C. With `give`, the array's buffer is
   * transferred to the worker (no copy) and must not be used afterwards.
   */
  encode(data: TypedArray, spec: ChunkSpec, give = false): Promise<{ bytes: Uint8Array; crc?: number }> {
    return this.run('encode', spec, bytesOf(data), give);
  }

  /** Decodes a payload; with `crc`, the worker first checks the payload against it. */
  async decode(payload: Uint8Array, spec: ChunkSpec, crc?: number, give = false): Promise<TypedArray> {
    return viewAs(spec.dtype, (await this.run('decode', spec, payload, give, crc)).bytes);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/**
 * Runs `produce(i)` for i in [0, n) with at most `window` results in flight and hands each to
 * `consume` in order: the reading, encoding and writing of chunks overlap, memory stays bounded.
 */
export async function orderedMap<T>(n: number, window: number, produce: (i: number) => Promise<T>, consume: (r: T, i: number) => void): Promise<void> {
  const inflight: Promise<T>[] = [];
  let next = 0;
  try {
    for (let i = 0; i < n; i++) {
      while (next < n && next < i + window) {
        const task = produce(next++);
        task.catch(() => {}); // observed when its turn comes; not an unhandled rejection before
        inflight.push(task);
      }
      consume(await inflight.shift()!, i);
    }
  } finally {
    // A failure leaves later tasks running: wait for them so none rejects unobserved.
    await Promise.allSettled(inflight);
  }
}
