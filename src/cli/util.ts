import { SingleBar } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { isDType, type DType } from '../core/dtype.js';
import { LEVELS, type Level } from '../codecs/levels.js';
import type { RawOptions } from '../formats/index.js';

/** Shared option parsers and terminal helpers for the commands. */
export function parseLevel(v: string): Level {
  if (!LEVELS.includes(v as Level)) throw new InvalidArgumentError(`expected one of ${LEVELS.join(', ')}`);
  return v as Level;
}

export function parseDType(v: string): DType {
  if (!isDType(v)) throw new InvalidArgumentError('expected uint8, int8, int16, uint16, int32, uint32, float32 or float64');
  return v;
}

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function parseNonNegInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function parsePositiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function parseNonNegNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

/** "0-9,12" -> [0..9, 12]. */
export function parseChannelList(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`bad channel range '${part}' (expected e.g. 0-9,12)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new InvalidArgumentError(`bad channel range '${part}' (end before start)`);
    if (b - a > 1e6) throw new InvalidArgumentError(`channel range '${part}' is too large`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

export interface RawFlags {
  dtype?: DType;
  channels?: number;
  sampleRate?: number;
  offset?: number;
}

/** Raw layout from flags: none given = detect the format; --channels without --dtype = int16. */
export function rawFromFlags(o: RawFlags): RawOptions | undefined {
  if (o.dtype === undefined && o.channels === undefined && o.offset === undefined) return undefined;
  if (o.channels === undefined) throw new InvalidArgumentError('raw binary needs --channels');
  return { dtype: o.dtype ?? 'int16', nChannels: o.channels, sampleRateHz: o.sampleRate, offset: o.offset };
}

/** A progress bar on stderr when it is a terminal and not silenced; otherwise nothing. */
export function progressBar(label: string, quiet: boolean): { update: (done: number, total: number) => void; stop: () => void } {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A plain text table with right-aligned numeric columns. */
export function table(rows: (string | number)[][], header: string[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number' || /^[\d.x%-]+$/.test(String(r[j]))));
  return cells.map((r) => r.map((c, j) => (numeric[j] ? c.padStart(w[j]!) : c.padEnd(w[j]!))).join('  ').trimEnd()).join('\n');
}
