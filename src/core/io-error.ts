import { NeurozipError } from './errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
};

/** A system error as one readable line naming the path and what went wrong. */
export function ioError(path: string, action: string, e: unknown): NeurozipError {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  return new NeurozipError('Io', `${path}: cannot ${action} (${REASONS[code] ?? code ?? (e as Error).message})`, { cause: e });
}
