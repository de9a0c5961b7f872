import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UnsupportedFormatError } from '../core/errors.js';
import type { Sidecar } from './source.js';

/** Sidecars of a folder source are held in the container header; this bounds them. */
export const MAX_FOLDER_SIDECAR_BYTES = 32 * 1024 * 1024;

/** Every file under `dir` (recursively), as '/'-separated paths relative to it, sorted. */
export function listFolder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** The folder's other files, stored verbatim and restored at the same relative paths. */
export function folderSidecars(dir: string, exclude: readonly string[], role = 'file'): Sidecar[] {
  const skip = new Set(exclude);
  const files = listFolder(dir).filter((p) => !skip.has(p));
  let total = 0;
  const out: Sidecar[] = [];
  for (const p of files) {
    total += statSync(join(dir, p)).size;
    if (total > MAX_FOLDER_SIDECAR_BYTES) {
      throw new UnsupportedFormatError(`${dir}: the files beside the recording exceed ${MAX_FOLDER_SIDECAR_BYTES >> 20} MiB (compress the streams one by one)`);
    }
    out.push({ role, path: p, data: new Uint8Array(readFileSync(join(dir, p))) });
  }
  return out;
}
