/**
 * Shipped model weights: `assets/models/` at the package root (found from dist/ or src/ by walking
 * up to package.json; no network). `manifest.json` there maps a model name to its file and SHA-256;
 * a weights file whose hash differs, or that is missing, is refused with a one-line error.
 * A name containing '/' or ending in `.nzw` is a path to a weights file of one's own (no manifest).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CorruptDataError, InvalidConfigError } from '../core/errors.js';
import { loadWeights, sha256Hex, type LoadedWeights } from './weights.js';

export function modelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'assets', 'models');
    const up = dirname(dir);
    if (up === dir) throw new InvalidConfigError('cannot find the neurozip package root (assets/models)');
    dir = up;
  }
}

interface Manifest {
  models: Record<string, { file: string; sha256: string }>;
}

function manifest(dir: string): Manifest {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) throw new InvalidConfigError(`model manifest ${p} is missing (the package's assets/models/ is incomplete)`);
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new CorruptDataError(`model manifest ${p} is not valid JSON (${(e as Error).message})`);
  }
}

export function isModelPath(name: string): boolean {
  return name.includes('/') || name.endsWith('.nzw');
}

/** The names of the shipped models. */
export function shippedModels(): string[] {
  return Object.keys(manifest(modelsDir()).models).sort();
}

const cache = new Map<string, LoadedWeights>();

/**
 * Loads a model by name (checked against the manifest's SHA-256) or by path. `who` prefixes errors
 * (e.g. the codec id).
 */
export function loadModel(name: string, who: string, dir = modelsDir()): LoadedWeights {
  let path: string;
  let expect: string | undefined;
  if (isModelPath(name)) path = resolve(name);
  else {
    const entry = manifest(dir).models[name];
    if (!entry) throw new InvalidConfigError(`${who}: unknown model '${name}' (shipped: ${Object.keys(manifest(dir).models).sort().join(', ') || 'none'})`);
    path = join(dir, entry.file);
    expect = entry.sha256;
  }
  if (!existsSync(path)) throw new InvalidConfigError(`${who}: weights file ${path} for model '${name}' is missing`);
  const bytes = new Uint8Array(readFileSync(path));
  const sha = sha256Hex(bytes);
  if (expect !== undefined && sha !== expect) {
    throw new CorruptDataError(`${who}: weights file ${path} is corrupt (sha256 ${sha.slice(0, 16)}…, the manifest says ${expect.slice(0, 16)}…)`);
  }
  const hit = cache.get(sha);
  if (hit) return hit;
  const w = loadWeights(bytes, `${who}: ${path}`);
  cache.set(sha, w);
  return w;
}
