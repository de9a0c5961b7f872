import { isNeurozipError } from '../core/errors.js';

/** Global flags every command reads (set by main before running). */
export const globals = { debug: false };

/** Prints one clear line for an error; returns the exit code it deserves (1, or 2 for usage). */
export function report(err: unknown): number {
  if (isNeurozipError(err)) {
    process.stderr.write(`neurozip: ${err.message}\n`);
    if (globals.debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.tag === 'Usage' ? 2 : 1;
  }
  const e = err as Error;
  process.stderr.write(`neurozip: internal error: ${e?.message ?? String(err)}${globals.debug ? '' : ' (run with --debug for details)'}\n`);
  if (globals.debug && e?.stack) process.stderr.write(e.stack + '\n');
  return 1;
}

/**
 * Runs `job` for each input like gzip does: an input that fails is reported and the others go
 * on; the exit code is the worst seen.
 */
export async function forEachInput(inputs: string[], job: (input: string) => Promise<void>): Promise<void> {
  for (const input of inputs) {
    try {
      await job(input);
    } catch (e) {
      process.exitCode = Math.max(Number(process.exitCode ?? 0), report(e));
    }
  }
}
