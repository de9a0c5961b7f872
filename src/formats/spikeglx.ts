import { existsSync, readFileSync } from 'node:fs';
import { UnsupportedFormatError } from '../core/errors.js';
import { probeRaw } from './raw.js';
import type { SourceInfo } from './source.js';

/**
 * SpikeGLX `.bin` + `.meta`: int16 interleaved; channel count (nSavedChans) and rate
 * (imSampRate / niSampRate) come from the `.meta` text, which travels in the container and is
 * restored beside the `.bin`.
 */
export function metaPathFor(binPath: string): string {
  return binPath.replace(/\.bin$/i, '') + '.meta';
}

export function looksLikeSpikeGlx(path: string): boolean {
  return /\.bin$/i.test(path) && (existsSync(metaPathFor(path)) || /\.(ap|lf|nidq|obx)\.bin$/i.test(path));
}

export function parseMeta(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).replace(/^~/, '')] = line.slice(eq + 1);
  }
  return out;
}

export function probeSpikeGlx(path: string): SourceInfo {
  const metaPath = metaPathFor(path);
  if (!existsSync(metaPath)) throw new UnsupportedFormatError(`${path}: SpikeGLX .meta not found (expected ${metaPath})`);
  const metaBytes = new Uint8Array(readFileSync(metaPath));
  const meta = parseMeta(new TextDecoder().decode(metaBytes));
  const nChannels = Number(meta.nSavedChans);
  const rate = Number(meta.imSampRate ?? meta.niSampRate ?? meta.obSampRate);
  if (!Number.isInteger(nChannels) || nChannels < 1) throw new UnsupportedFormatError(`${metaPath}: no valid nSavedChans`);
  if (!(rate > 0)) throw new UnsupportedFormatError(`${metaPath}: no valid sample rate (imSampRate / niSampRate)`);
  const info = probeRaw(path, { dtype: 'int16', nChannels, sampleRateHz: rate }, 'spikeglx');
  info.sidecars = [{ role: 'meta', data: metaBytes }];
  info.meta = { typeThis: meta.typeThis ?? null, fileSizeBytes: meta.fileSizeBytes ? Number(meta.fileSizeBytes) : null };
  return info;
}
