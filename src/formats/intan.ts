import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedFormatError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { folderSidecars } from './folder.js';
import { probeRaw } from './raw.js';
import { channelSidecar, ScatterSource, type ScatterLayout } from './scatter.js';
import { Source } from './source.js';

/**
 * Intan RHX (RHD2000 controllers) "traditional" folders without the header-attached .rhd data:
 * `info.rhd` holds the header only, and the amplifier samples are either
 * - "one file per signal type": `amplifier.dat`, int16 LE, the enabled amplifier channels
 *   interleaved in header order (`time.dat` int32 per sample, `auxiliary.dat`, ... beside it); or
 * - "one file per channel": `amp-<native name>.dat` (e.g. `amp-A-000.dat`), int16 LE each.
 * The header is parsed (from Intan's RHD2000 data file format application note) for the sample
 * rate, notch filter and channel names. Every other file of the folder is kept verbatim.
 */
export const RHD_MAGIC = 0xc6912702;

export interface RhdChannel {
  nativeName: string;
  customName: string;
  nativeOrder: number;
  customOrder: number;
  signalType: number;
  enabled: boolean;
  chipChannel: number;
  boardStream: number;
  impedanceMagnitude: number;
  impedancePhase: number;
  group: string;
}

export interface RhdHeader {
  version: [number, number];
  sampleRateHz: number;
  dspEnabled: boolean;
  actualDspCutoffHz: number;
  actualLowerBandwidthHz: number;
  actualUpperBandwidthHz: number;
  notchFilterMode: number;
  notchFilterHz: number | null;
  notes: string[];
  numTempSensors: number;
  evalBoardMode: number;
  referenceChannel: string;
  /** Enabled channels of enabled groups, in file order. */
  channels: RhdChannel[];
  headerBytes: number;
}

/** Parses an RHD2000 header (`info.rhd`, or the start of a header-attached `.rhd`). */
export function parseRhdHeader(path: string, b: Uint8Array): RhdHeader {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const need = (n: number) => {
    if (p + n > b.byteLength) throw new UnsupportedFormatError(`${path}: malformed Intan header (truncated at byte ${p} of ${b.byteLength})`);
  };
  const u32 = () => (need(4), (p += 4), dv.getUint32(p - 4, true));
  const i16 = () => (need(2), (p += 2), dv.getInt16(p - 2, true));
  const f32 = () => (need(4), (p += 4), dv.getFloat32(p - 4, true));
  const qstring = (): string => {
    const n = u32();
    if (n === 0xffffffff || n === 0) return '';
    if (n % 2 !== 0 || n > 1 << 20) throw new UnsupportedFormatError(`${path}: malformed Intan header (bad string length ${n} at byte ${p - 4})`);
    need(n);
    p += n;
    return new TextDecoder('utf-16le').decode(b.subarray(p - n, p));
  };
  if (b.byteLength < 8 || u32() !== RHD_MAGIC) throw new UnsupportedFormatError(`${path}: not an Intan RHD header (magic number is not 0xC6912702)`);
  const major = i16();
  const minor = i16();
  if (major < 1 || major > 3) throw new UnsupportedFormatError(`${path}: Intan RHD header version ${major}.${minor} is not supported (1.x to 3.x)`);
  const v = major * 100 + minor;
  const sampleRateHz = f32();
  const dspEnabled = i16() !== 0;
  const actualDspCutoffHz = f32();
  const actualLowerBandwidthHz = f32();
  const actualUpperBandwidthHz = f32();
  f32(); // desired DSP cutoff
  f32(); // desired lower bandwidth
  f32(); // desired upper bandwidth
  const notchFilterMode = i16();
  f32(); // desired impedance test frequency
  f32(); // actual impedance test frequency
  const notes = [qstring(), qstring(), qstring()];
  const numTempSensors = v >= 101 ? i16() : 0;
  const evalBoardMode = v >= 103 ? i16() : 0;
  const referenceChannel = v >= 200 ? qstring() : '';
  const nGroups = i16();
  if (!(sampleRateHz > 0) || !Number.isFinite(sampleRateHz)) throw new UnsupportedFormatError(`${path}: malformed Intan header (sample rate ${sampleRateHz})`);
  if (nGroups < 0 || nGroups > 64) throw new UnsupportedFormatError(`${path}: malformed Intan header (${nGroups} signal groups)`);
  const channels: RhdChannel[] = [];
  for (let g = 0; g < nGroups; g++) {
    const group = qstring();
    qstring(); // prefix
    const enabled = i16() !== 0;
    const nChannels = i16();
    i16(); // amplified channels
    if (nChannels < 0) throw new UnsupportedFormatError(`${path}: malformed Intan header (group ${group}: ${nChannels} channels)`);
    if (!enabled || nChannels === 0) continue;
    for (let c = 0; c < nChannels; c++) {
      const nativeName = qstring();
      const customName = qstring();
      const nativeOrder = i16();
      const customOrder = i16();
      const signalType = i16();
      const chEnabled = i16() !== 0;
      const chipChannel = i16();
      const boardStream = i16();
      for (let k = 0; k < 4; k++) i16(); // spike scope trigger settings
      const impedanceMagnitude = f32();
      const impedancePhase = f32();
      if (signalType < 0 || signalType > 5) throw new UnsupportedFormatError(`${path}: malformed Intan header (channel ${nativeName}: signal type ${signalType})`);
      if (chEnabled) channels.push({ nativeName, customName, nativeOrder, customOrder, signalType, enabled: chEnabled, chipChannel, boardStream, impedanceMagnitude, impedancePhase, group });
    }
  }
  return {
    version: [major, minor],
    sampleRateHz,
    dspEnabled,
    actualDspCutoffHz,
    actualLowerBandwidthHz,
    actualUpperBandwidthHz,
    notchFilterMode,
    notchFilterHz: notchFilterMode === 1 ? 50 : notchFilterMode === 2 ? 60 : null,
    notes,
    numTempSensors,
    evalBoardMode,
    referenceChannel,
    channels,
    headerBytes: p,
  };
}

export function isIntanFolder(dir: string): boolean {
  return existsSync(join(dir, 'info.rhd'));
}

export function openIntanFolder(dir: string): Source {
  const hdrPath = join(dir, 'info.rhd');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(hdrPath));
  } catch {
    throw new UnsupportedFormatError(`${hdrPath}: cannot read the Intan header`);
  }
  const h = parseRhdHeader(hdrPath, bytes);
  const amps = h.channels.filter((c) => c.signalType === 0);
  if (amps.length === 0) throw new UnsupportedFormatError(`${hdrPath}: no enabled amplifier channels`);
  const meta: Record<string, Json> = {
    channelNames: amps.map((c) => c.customName || c.nativeName),
    nativeChannelNames: amps.map((c) => c.nativeName),
    intanVersion: `${h.version[0]}.${h.version[1]}`,
    notchFilterHz: h.notchFilterHz,
    bandwidthHz: [h.actualLowerBandwidthHz, h.actualUpperBandwidthHz],
    dspCutoffHz: h.dspEnabled ? h.actualDspCutoffHz : null,
    referenceChannel: h.referenceChannel,
    bitVolts: amps.map(() => 0.195),
    units: amps.map(() => 'uV'),
  };
  const checkTime = (nSamples: number) => {
    const t = join(dir, 'time.dat');
    if (existsSync(t) && statSync(t).size !== nSamples * 4) {
      throw new UnsupportedFormatError(`${dir}: time.dat holds ${statSync(t).size / 4} timestamps but the amplifier data ${nSamples} samples (mismatched sizes)`);
    }
  };
  if (existsSync(join(dir, 'amplifier.dat'))) {
    // one file per signal type
    const main = join(dir, 'amplifier.dat');
    const size = statSync(main).size;
    if (size % (2 * amps.length) !== 0) throw new UnsupportedFormatError(`${main}: ${size} bytes is not a whole number of frames of the ${amps.length} amplifier channels info.rhd enables (mismatched sizes)`);
    const info = probeRaw(main, { dtype: 'int16', nChannels: amps.length, sampleRateHz: h.sampleRateHz }, 'intan-rhx');
    checkTime(info.nSamples);
    info.mainPath = 'amplifier.dat';
    info.sidecars = folderSidecars(dir, ['amplifier.dat']);
    info.fileBytes += info.sidecars.reduce((a, s) => a + s.data.byteLength, 0);
    info.meta = { ...meta, layout: 'one-file-per-signal-type' };
    return new Source(main, info);
  }
  // one file per channel
  const names = amps.map((c) => `amp-${c.nativeName}.dat`);
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length === names.length) throw new UnsupportedFormatError(`${dir}: info.rhd but neither amplifier.dat nor amp-*.dat files (looked for ${names[0]})`);
  if (missing.length) throw new UnsupportedFormatError(`${dir}: missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} (channels info.rhd enables)`);
  const sizes = names.map((n) => statSync(join(dir, n)).size);
  const odd = sizes.findIndex((s) => s !== sizes[0]);
  if (odd >= 0) throw new UnsupportedFormatError(`${dir}: channel files differ in size (${names[0]}: ${sizes[0]} bytes, ${names[odd]}: ${sizes[odd]}; mismatched sizes)`);
  if (sizes[0]! % 2 !== 0) throw new UnsupportedFormatError(`${join(dir, names[0]!)}: ${sizes[0]} bytes is not a whole number of int16 samples`);
  const nSamples = sizes[0]! / 2;
  checkTime(nSamples);
  const layout: ScatterLayout = { files: [], headerBytes: 0, recordSamples: 0, recordPre: 0, recordPost: 0, tsDelta: false };
  const sidecars = [];
  let fileBytes = 0;
  for (const n of names) {
    const r = channelSidecar(dir, layout, n, nSamples, 2);
    layout.files.push({ path: n, bytes: r.bytes, sha256: r.sha256 });
    sidecars.push(r.sidecar);
    fileBytes += r.bytes;
  }
  const others = folderSidecars(dir, names);
  sidecars.push(...others);
  fileBytes += others.reduce((a, s) => a + s.data.byteLength, 0);
  return new ScatterSource(
    dir,
    {
      format: 'intan-rhx',
      dtype: 'int16',
      nChannels: amps.length,
      nSamples,
      sampleRateHz: h.sampleRateHz,
      encoding: { bytesPerSample: 2, bigEndian: false },
      dataOffset: 0,
      prefix: new Uint8Array(0),
      suffix: new Uint8Array(0),
      sidecars,
      mainPath: names[0]!,
      fileBytes,
      meta: { ...meta, layout: 'one-file-per-channel', scatter: layout as unknown as Json },
    },
    layout,
  );
}
