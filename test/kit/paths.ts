import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
/** Real recordings shared beside the project (see ../shared/data/PROVENANCE.md). */
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');
export const HAS_SHARED_DATA = existsSync(join(SHARED_DATA, 'PROVENANCE.md'));
/** Pass as a test option: `{ skip: NO_DATA }` skips with a clear message when the data is absent. */
export const NO_DATA: string | false = HAS_SHARED_DATA ? false : `../shared/data is absent (${SHARED_DATA})`;

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'neurozip-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
