import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedFormatError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { folderSidecars } from './folder.js';
import { probeRaw } from './raw.js';
import type { SourceInfo } from './source.js';

/**
 * Open Ephys binary format: a folder with `structure.oebin` (JSON) and, per continuous stream,
 * `continuous/<folder_name>/continuous.dat` (or `<folder_name>/continuous.dat` beside the oebin):
 * int16 little-endian interleaved, `num_channels` channels at `sample_rate`, channel names and
 * `bit_volts` in the oebin. The first stream whose data file exists is the compressed sample
 * stream; every other file of the folder (the oebin, timestamps, events, other streams) is a
 * sidecar restored verbatim at its relative path.
 */
export function isOpenEphysBinaryFolder(dir: string): boolean {
  return existsSync(join(dir, 'structure.oebin'));
}

export function probeOpenEphysBinary(dir: string): { mainFile: string; info: SourceInfo } {
  const oebinPath = join(dir, 'structure.oebin');
  let j: any;
  try {
    j = JSON.parse(readFileSync(oebinPath, 'utf8'));
  } catch (e) {
    throw new UnsupportedFormatError(`${oebinPath}: not readable JSON (${(e as Error).message})`);
  }
  const streams: any[] = Array.isArray(j?.continuous) ? j.continuous : [];
  if (streams.length === 0) throw new UnsupportedFormatError(`${oebinPath}: no continuous streams`);
  for (const s of streams) {
    const folder = String(s?.folder_name ?? '').replace(/\/+$/, '');
    if (!folder || folder.includes('..')) continue;
    const candidates = [`continuous/${folder}/continuous.dat`, `${folder}/continuous.dat`];
    const rel = candidates.find((c) => existsSync(join(dir, c)));
    if (!rel) continue;
    const nChannels = Number(s.num_channels);
    const rate = Number(s.sample_rate);
    if (!Number.isInteger(nChannels) || nChannels < 1) throw new UnsupportedFormatError(`${oebinPath}: stream ${folder} has no valid num_channels`);
    if (!(rate > 0)) throw new UnsupportedFormatError(`${oebinPath}: stream ${folder} has no valid sample_rate`);
    const mainFile = join(dir, rel);
    const info = probeRaw(mainFile, { dtype: 'int16', nChannels, sampleRateHz: rate }, 'openephys-binary');
    const chans: any[] = Array.isArray(s.channels) ? s.channels : [];
    info.mainPath = rel;
    info.sidecars = folderSidecars(dir, [rel]);
    info.meta = {
      stream: folder,
      channelNames: chans.map((c) => String(c?.channel_name ?? '')) as Json,
      bitVolts: chans.map((c) => (typeof c?.bit_volts === 'number' ? c.bit_volts : null)) as Json,
      units: chans.map((c) => String(c?.units ?? '')) as Json,
    };
    return { mainFile, info };
  }
  throw new UnsupportedFormatError(`${dir}: structure.oebin names streams (${streams.map((s) => s?.folder_name).join(', ')}) but none has a continuous.dat`);
}
