/**
 * The single test entry (one process, fast start): imports every `*.test.js` compiled next to it.
 * node:test's summary lines (# pass / # fail) are what CI reads.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function find(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js') && p !== fileURLToPath(import.meta.url)) out.push(p);
  }
  return out;
}

const only = process.env.NEUROZIP_TEST_FILTER;
for (const file of find(here)) {
  if (only && !file.includes(only)) continue;
  await import(pathToFileURL(file).href);
}
