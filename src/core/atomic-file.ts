import { ioError } from './io-error.js';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NeurozipError, OutputExistsError } from './errors.js';

/**
 * A file written under a temporary name beside its destination and moved into place only on
 * commit(), so an interrupted or failed run never leaves a half file under the final name.
 * Without `force`, an existing destination is refused up front and again at commit (no clobber).
 */
export class AtomicFile {
  readonly tmpPath: string;
  private fd: number | undefined;
  bytesWritten = 0;

  constructor(readonly path: string, readonly force = false) {
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
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    this.bytesWritten += bytes.byteLength;
  }

  /** Flushes and closes the temporary file (it can then be read back, e.g. to verify). */
  close(): void {
    if (this.fd === undefined) return;
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
      closeSync(this.fd);
      this.fd = undefined;
    }
    try {
      unlinkSync(this.tmpPath);
    } catch {
      /* already gone */
    }
  }
}
