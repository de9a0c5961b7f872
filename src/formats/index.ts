import { closeSync, readSync, statSync } from 'node:fs';
import { isOpenEphysBinaryFolder, probeOpenEphysBinary } from './openephys.js';
import { basename, dirname, extname } from 'node:path';
import { UnsupportedFormatError, UsageError } from '../core/errors.js';
import { isNpy, probeNpy } from './npy.js';
import { probeRaw, type RawOptions } from './raw.js';
import { Source, openOrThrow } from './source.js';
import { chPathFor, looksLikeMtscomp, openMtscompSource } from './mtscomp.js';
import { looksLikeSpikeGlx, metaPathFor, probeSpikeGlx } from './spikeglx.js';
import { isWav, probeWav } from './wav.js';
import { arraySourceInfo, ArraySource, isHdf5File, openHdf5Source } from './hdf5.js';
import { isZarrStore, openZarrArray } from './zarr.js';
import { isIntanFolder, openIntanFolder } from './intan.js';
import { isContinuousFile, isOpenEphysLegacyFolder, openOpenEphysLegacy } from './openephys-legacy.js';

export { Source, type SourceInfo } from './source.js';
export type { RawOptions } from './raw.js';

export interface OpenOptions {
  /** Raw binary layout; when given, the file is read as raw whatever its extension. */
  raw?: RawOptions;
  /** HDF5 input: the dataset's path (default `/recording`, else the only 1-D/2-D dataset). */
  dataset?: string;
}

/** openSource, plus the formats whose libraries load asynchronously (HDF5, Zarr). */
export async function openSourceAsync(path: string, opts: OpenOptions = {}): Promise<Source> {
  if (!opts.raw && isHdf5File(path)) return openHdf5Source(path, opts.dataset);
  if (!opts.raw && isZarrStore(path)) {
    const z = await openZarrArray(path, opts.dataset);
    return new ArraySource(path, arraySourceInfo('zarr', z, { dataset: z.dataset, attrs: z.attrs }), z);
  }
  if (opts.dataset !== undefined) throw new UsageError(`${path}: --dataset is for HDF5 and Zarr inputs`);
  return openSource(path, opts);
}

/** Opens a recording, its format found by magic bytes first, then by extension. */
export function openSource(path: string, opts: OpenOptions = {}): Source {
  if (opts.raw) return new Source(path, probeRaw(path, opts.raw));
  if (isDirectory(path)) {
    if (isOpenEphysBinaryFolder(path)) {
      const { mainFile, info } = probeOpenEphysBinary(path);
      return new Source(mainFile, info);
    }
    if (isIntanFolder(path)) return openIntanFolder(path);
    if (isOpenEphysLegacyFolder(path)) return openOpenEphysLegacy(path, true);
    if (isZarrStore(path)) throw new UsageError(`${path}: a Zarr store (open it with openSourceAsync)`);
    throw new UnsupportedFormatError(`${path}: a folder, but not a recording neurozip reads (no structure.oebin, .continuous files or Intan info.rhd)`);
  }
  if (looksLikeMtscomp(path)) return openMtscompSource(path);
  if (isContinuousFile(path)) return openOpenEphysLegacy(path, false);
  if (basename(path) === 'info.rhd') return openIntanFolder(dirname(path));
  if (/\.ch$/i.test(path)) throw new UsageError(`${path}: an mtscomp header; give its .cbin instead`);
  const fd = openOrThrow(path);
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(16);
    head = buf.subarray(0, readSync(fd, buf, 0, 16, 0));
  } finally {
    closeSync(fd);
  }
  if (isWav(head)) return new Source(path, probeWav(path));
  if (isNpy(head)) return new Source(path, probeNpy(path));
  if (isHdf5File(path)) throw new UsageError(`${path}: an HDF5 file (open it with openSourceAsync)`);
  if (looksLikeSpikeGlx(path)) return new Source(path, probeSpikeGlx(path));
  const ext = extname(path).toLowerCase();
  if (ext === '.nzp') throw new UsageError(`${path}: already a .nzp file (use decompress)`);
  if (['.bin', '.dat', '.raw', '.i16', '.pcm'].includes(ext)) {
    throw new UsageError(`${path}: raw binary needs its layout: give --dtype and --channels (and --sample-rate, --offset)`);
  }
  throw new UnsupportedFormatError(`${path}: unknown format (not WAV, .npy or SpikeGLX .bin+.meta; for raw binary give --dtype and --channels)`);
}

/** Where a sidecar of `role` goes when the main file is restored at `mainPath`. */
export function sidecarPath(format: string, role: string, mainPath: string): string {
  if (format === 'spikeglx' && role === 'meta') return metaPathFor(mainPath);
  if (format === 'mtscomp' && role === 'ch') return chPathFor(mainPath);
  return `${mainPath}.${role}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
