import { ioError } from './io-error.js';
import { closeSync, existsSync, fdatasync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, write as writeCb, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NeurozipError, OutputExistsError } from './errors.js';

/**
 * A file written under a temporary name beside its destination and moved into place only on
 * commit(), so an interrupted or failed run never leaves a half file under the final name.
 * Without `force`, an existing destination is refused up front and again at commit (no clobber).
 */
const SYNC_EVERY_BYTES = 16 * 1024 * 1024;

export class AtomicFile {
  readonly tmpPath: string;
  private fd: number | undefined;
  bytesWritten = 0;
  /** Background mode: writes queued in order on libuv's threads (see `background`). */
  private readonly inflight: Promise<void>[] = [];
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private unsynced = 0;
  private failed: Error | undefined;

  /**
   * With `background`, write() queues the bytes and returns at once (the caller hands them over
   * and must not change them), so writing overlaps with the next chunk's decoding; the caller
   * awaits drain() now and then (bounded memory) and before close().
   */
  constructor(readonly path: string, readonly force = false, readonly background = false) {
    if (!force && existsSync(path)) throw new OutputExistsError(path);
    this.tmpPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      this.fd = openSync(this.tmpPath, 'wx');
    } catch (e) {
      throw ioError(path, 'create output', e);
    }
  }

  write(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new Error('AtomicFile: write after close');
    if (this.failed) throw this.failed;
    if (this.background) {
      const fd = this.fd;
      this.queued += bytes.byteLength;
      this.bytesWritten += bytes.byteLength;
      this.tail = this.tail.then(async () => {
        let off = 0;
        try {
          while (off < bytes.byteLength && !this.failed) {
            off += await new Promise<number>((res, rej) => writeCb(fd, bytes, off, bytes.byteLength - off, null, (e, n) => (e ? rej(e) : res(n))));
          }
          // flush as we go, on the same background queue: close()'s fsync then has little left
          this.unsynced += bytes.byteLength;
          if (this.unsynced >= SYNC_EVERY_BYTES) {
            this.unsynced = 0;
            await new Promise<void>((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())));
          }
        } catch (e) {
          this.failed ??= ioError(this.path, 'write output', e);
        } finally {
          this.queued -= bytes.byteLength;
        }
      });
      this.inflight.push(this.tail);
      return;
    }
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    this.bytesWritten += bytes.byteLength;
  }

  /** Background mode: waits until at most `maxQueued` bytes wait to be written; throws a write's error. */
  async drain(maxQueued = 0): Promise<void> {
    while (this.queued > maxQueued && this.inflight.length) await this.inflight.shift();
    if (this.queued === 0) this.inflight.length = 0;
    if (this.failed) throw this.failed;
  }

  /** Flushes and closes the temporary file (it can then be read back, e.g. to verify). */
  close(): void {
    if (this.fd === undefined) return;
    if (this.queued > 0) throw new Error('AtomicFile: close() with background writes pending (await drain() first)');
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  commit(): void {
    this.close();
    if (this.force) {
      renameSync(this.tmpPath, this.path);
      return;
    }
    try {
      linkSync(this.tmpPath, this.path); // fails if the destination appeared meanwhile
    } catch (e) {
      this.abort();
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(this.path);
      throw e;
    }
    unlinkSync(this.tmpPath);
  }

  /** Removes the temporary file; safe to call more than once. */
  abort(): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      this.failed ??= new Error('aborted');
      // a background write may be inside a syscall on this fd: close only after it (never a reused fd)
      if (this.queued > 0) void this.tail.then(() => closeSync(fd));
      else closeSync(fd);
    }
    try {
      unlinkSync(this.tmpPath);
    } catch {
      /* already gone */
    }
  }
}
