import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The system Python (Debian's, with numpy/h5py); the pyenv `python3` on PATH lacks them. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const cache = new Map<string, boolean>();
export function hasPythonModule(mod: string): boolean {
  if (!cache.has(mod)) cache.set(mod, existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', `import ${mod}`]).status === 0);
  return cache.get(mod)!;
}

/** A test's `skip` option: false when the modules import, else why the test is skipped. */
export function needPython(...mods: string[]): string | false {
  const missing = mods.filter((m) => !hasPythonModule(m));
  return missing.length ? `${SYSTEM_PYTHON} lacks ${missing.join(', ')}` : false;
}

/** Runs a Python snippet with the system Python; returns stdout (throws with stderr on failure). */
export function python(code: string, cwd?: string): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', code], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}
