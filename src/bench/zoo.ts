import { parsePipelineString } from '../pipeline/spec-string.js';
import { registeredCodecIds } from '../codecs/registry.js';
import { LEVELS } from '../codecs/levels.js';
import '../codecs/builtin.js';

/**
 * The lossless codec zoo of `neurozip bench --all-lossless`, so one command reproduces the N1 Codec
 * study and more. Each entry is a pipeline string (docs/spec/pipeline.md) or a neurozip level;
 * entries whose codec ids are not registered in this build are left out (and listed by
 * `missingZoo`), so codecs that arrive later join the zoo without touching this file.
 */
export interface ZooEntry {
  /** The label in tables and plots. */
  name: string;
  /** A pipeline string, `level:<fast|default|max>`, or `external:<flac|wavpack>`. */
  spec: string;
  group: string;
}

const GENERAL: [string, string][] = [
  ['gzip', 'gzip:level=6'],
  ['zlib', 'zlib:level=6'],
  ['deflate', 'deflate:level=6'],
  ['brotli', 'brotli:quality=9'],
  ['zstd-3', 'zstd:level=3'],
  ['zstd-19', 'zstd:level=19'],
  ['lz4', 'lz4'],
  ['bzip2', 'bzip2:level=9'],
  ['xz', 'xz:preset=6'],
];

function entries(): ZooEntry[] {
  const out: ZooEntry[] = [];
  for (const [name, spec] of GENERAL) out.push({ name, spec, group: 'general purpose' });
  for (const [name, spec] of GENERAL) out.push({ name: `delta+${name}`, spec: `delta:order=1+${spec}`, group: 'delta + general purpose' });
  for (const [name, spec] of GENERAL) out.push({ name: `shuffle+${name}`, spec: `shuffle+${spec}`, group: 'byte shuffle + general purpose' });
  out.push(
    { name: 'delta+shuffle+zstd-3', spec: 'delta:order=1+shuffle+zstd:level=3', group: 'byte shuffle + general purpose' },
    { name: 'bitshuffle+zstd-3', spec: 'bitshuffle+zstd:level=3', group: 'bitshuffle' },
    { name: 'bitshuffle+lz4', spec: 'bitshuffle+lz4', group: 'bitshuffle' },
    { name: 'delta+bitshuffle+zstd-3', spec: 'delta:order=1+bitshuffle+zstd:level=3', group: 'bitshuffle' },
    { name: 'delta+bitshuffle+lz4', spec: 'delta:order=1+bitshuffle+lz4', group: 'bitshuffle' },
    { name: 'huffman', spec: 'huffman', group: 'entropy coders' },
    { name: 'delta+huffman', spec: 'delta:order=1+huffman', group: 'entropy coders' },
    { name: 'arith-static', spec: 'arith:adaptive=false', group: 'entropy coders' },
    { name: 'delta+arith-static', spec: 'delta:order=1+arith:adaptive=false', group: 'entropy coders' },
    { name: 'delta+arith-adaptive', spec: 'delta:order=1+arith:adaptive=true', group: 'entropy coders' },
    { name: 'rle', spec: 'rle', group: 'entropy coders' },
    { name: 'delta+rle', spec: 'delta:order=1+rle', group: 'entropy coders' },
    { name: 'rans', spec: 'rans', group: 'entropy coders' },
    { name: 'delta+rans', spec: 'delta:order=1+rans', group: 'entropy coders' },
    { name: 'wavelet53+huffman', spec: 'wavelet53:levels=4+huffman', group: 'transform + entropy' },
    { name: 'wavelet53+arith-adaptive', spec: 'wavelet53:levels=4+arith:adaptive=true', group: 'transform + entropy' },
    { name: 'wavelet53+zstd-19', spec: 'wavelet53:levels=4+shuffle+zstd:level=19', group: 'transform + entropy' },
    { name: 'lpc+rice', spec: 'lpc+rice', group: 'transform + entropy' },
    { name: 'remap+lpc+rice', spec: 'remap+lpc+rice', group: 'transform + entropy' },
    { name: 'remap+fixed+rice', spec: 'remap+fixed+rice', group: 'transform + entropy' },
    { name: 'remap+delta+rans', spec: 'remap+delta:order=1+rans', group: 'transform + entropy' },
    { name: 'remap+lpc+rans', spec: 'remap+lpc+rans', group: 'transform + entropy' },
    { name: 'remap+lpc+cm', spec: 'remap+lpc+cm', group: 'transform + entropy' },
  );
  for (const level of LEVELS) out.push({ name: `neurozip-${level}`, spec: `level:${level}`, group: 'neurozip levels' });
  return out;
}

/** Codec ids a spec needs (none for levels and externals). */
export function specCodecIds(spec: string): string[] {
  if (spec.startsWith('level:') || spec.startsWith('external:')) return [];
  return parsePipelineString(spec).map((c) => c.id);
}

/** The zoo entries this build can run. */
export function losslessZoo(): ZooEntry[] {
  const have = new Set(registeredCodecIds());
  return entries().filter((e) => specCodecIds(e.spec).every((id) => have.has(id)));
}

/** Zoo entries left out because a codec is not registered in this build. */
export function missingZoo(): ZooEntry[] {
  const have = new Set(registeredCodecIds());
  return entries().filter((e) => !specCodecIds(e.spec).every((id) => have.has(id)));
}
