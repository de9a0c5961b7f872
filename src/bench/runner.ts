/**
 * The benchmark runner behind `neurozip bench`: every input file x every codec goes through the
 * real path, file -> .nzp -> file (compressFile / decompressFile), so "compressed bytes" is the
 * size of the actual .nzp (header, index, checksums included), and a lossless codec is checked by
 * comparing the restored file with the original byte for byte. Lossy codecs get fidelity metrics
 * and spike-event precision/recall/F1 (the reference detector). External peers (flac, wavpack)
 * run as processes on WAV inputs when they are on PATH. Repeats report the median times.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { compressFile, decompressFile } from '../api/compress.js';
import { allocArray, dtypeOf, isIntegerDType, isSignedDType, itemsize, type TypedArray } from '../core/dtype.js';
import { isNeurozipError, UsageError } from '../core/errors.js';
import { LEVELS, levelPipeline, type Level } from '../codecs/levels.js';
import { NzpReader } from '../container/reader.js';
import { openSource, type RawOptions } from '../formats/index.js';
import { fidelity } from '../metrics/fidelity.js';
import { compareSpikes, eventWindowSnrs, SpikeTally, type SpikeCounts } from '../spikes/detect.js';
import { Pipeline } from '../pipeline/pipeline.js';

export interface BenchCodec {
  /** Label in tables and plots. */
  name: string;
  /** Pipeline string, `level:<fast|default|max>` or `external:<flac|wavpack>`. */
  spec: string;
}

export interface FileMetrics {
  mse?: number;
  rmse?: number;
  snr?: number;
  /** Aggregates only: the median of the per-file SNRs. */
  snrMedian?: number;
  psnr?: number;
  ssim?: number;
  /** Integer dtypes: PSNR and SSIM on the dtype's full scale (the VQ-CAE paper's definitions; docs/spec/metrics.md). */
  psnrFullScale?: number;
  ssimFullScale?: number;
  maxAbsError?: number;
  spikeHits?: number;
  spikesOriginal?: number;
  spikesReconstructed?: number;
  spikePrecision?: number | null;
  spikeRecall?: number | null;
  spikeF1?: number | null;
  /** Reference detector at threshold multipliers 4.0, 4.5 and 5.0 (pooled in aggregates). */
  spikesByMultiplier?: Record<string, SpikeCounts & { precision: number | null; recall: number | null; f1: number | null }>;
  /** SNR (dB) in +-1 ms around each original event (reference detector, 4.5); per file the list. */
  eventWindowSnrDb?: number[];
  /** Median of eventWindowSnrDb (per file; in aggregates over all events of all files). */
  eventWindowSnrMedianDb?: number | null;
}

export const BENCH_MULTIPLIERS = [4, 4.5, 5] as const;

function tallyJson(t: SpikeTally) {
  return { hits: t.hits, original: t.original, reconstructed: t.reconstructed, precision: t.precision, recall: t.recall, f1: t.f1 };
}

function medianOf(v: number[]): number | null {
  if (!v.length) return null;
  const a = [...v].sort((p, q) => p - q);
  const n = a.length;
  return n % 2 ? a[(n - 1) >> 1]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}

export interface FileResult {
  file: string;
  codec: string;
  pipeline: string;
  external: boolean;
  nSamples: number;
  nChannels: number;
  sampleRateHz: number | null;
  rawBytes: number;
  compressedBytes: number;
  ratio: number;
  /** Median wall-clock seconds over the repeats, file to file. */
  encodeSeconds: number;
  decodeSeconds: number;
  /** Median CPU seconds (this process; wall time for external tools). */
  encodeCpuSeconds: number;
  decodeCpuSeconds: number;
  encodeMBps: number;
  decodeMBps: number;
  /** Seconds of signal per second of CPU (null without a sample rate). */
  xRealTimeEncode: number | null;
  xRealTimeDecode: number | null;
  lossless: boolean;
  /** Lossless: 1 when the restored file differs from the original, else 0. */
  mismatches: number;
  metrics: FileMetrics;
  error?: string;
}

export interface CodecResult {
  codec: string;
  pipeline: string;
  external: boolean;
  files: number;
  rawBytes: number;
  compressedBytes: number;
  ratio: number;
  /** Medians over files. */
  encodeMBps: number;
  decodeMBps: number;
  xRealTimeEncode: number | null;
  xRealTimeDecode: number | null;
  lossless: boolean;
  mismatches: number;
  errors: number;
  metrics: FileMetrics;
}

/** A short stretch of one file, original and reconstruction, for the report's overlays. */
export interface WaveformExcerpt {
  codec: string;
  file: string;
  sampleRateHz: number;
  startSample: number;
  original: number[];
  reconstructed: number[];
}

export interface BenchReport {
  results: CodecResult[];
  perFile: FileResult[];
  excerpts: WaveformExcerpt[];
  skipped: { file: string; codec: string; reason: string }[];
}

export interface BenchInput {
  path: string;
  raw?: RawOptions;
}

export interface RunOptions {
  repeat?: number;
  tmpDir?: string;
  /** Called after each file x codec. */
  onStep?: (done: number, total: number, label: string) => void;
  /** Samples per waveform excerpt (default 0.03 s worth, at most 2000). */
  excerptSeconds?: number;
  /** Worker threads for chunk coding inside compress / decompress (default 1: one core). */
  threads?: number;
}

const now = () => performance.now() / 1000;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function onPath(tool: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/** External peers found on PATH, as bench codecs labelled external. */
export function externalPeers(): BenchCodec[] {
  const out: BenchCodec[] = [];
  if (onPath('flac')) out.push({ name: 'flac-8 (external)', spec: 'external:flac' });
  if (onPath('wavpack') && onPath('wvunpack')) out.push({ name: 'wavpack-hh (external)', spec: 'external:wavpack' });
  return out;
}

interface Loaded {
  input: BenchInput;
  bytes: Buffer;
  data: TypedArray;
  format: string;
  nSamples: number;
  nChannels: number;
  sampleRateHz: number | null;
  fileBytes: number;
}

function load(input: BenchInput): Loaded {
  const src = openSource(input.path, { raw: input.raw });
  try {
    const i = src.info;
    return {
      input,
      bytes: statSync(input.path).isDirectory() ? Buffer.alloc(0) : readFileSync(input.path),
      data: src.readFrames(0, i.nSamples),
      format: i.format,
      nSamples: i.nSamples,
      nChannels: i.nChannels,
      sampleRateHz: i.sampleRateHz ?? null,
      fileBytes: i.fileBytes,
    };
  } finally {
    src.close();
  }
}

/** A `--lossy` mode used as a bench spec (`abs=40`, `psnr=30`, `bps=2`...), or undefined. */
export function lossyModeSpec(spec: string): string | undefined {
  return /^(abs|rel|psnr|bps)=/.test(spec) ? spec : undefined;
}

async function pipelineString(spec: string, f: Loaded): Promise<{ text: string; lossless: boolean; level?: Level; lossy?: string }> {
  if (lossyModeSpec(spec)) return { text: `--lossy ${spec}`, lossless: false, lossy: spec };
  if (spec.startsWith('level:')) {
    const level = spec.slice(6) as Level;
    if (!LEVELS.includes(level)) throw new UsageError(`unknown level '${level}'`);
    const p = await Pipeline.fromConfig(levelPipeline(level, { dtype: dtypeOf(f.data), nChannels: f.nChannels, sampleRateHz: f.sampleRateHz ?? undefined }));
    return { text: p.toString(), lossless: p.lossless, level };
  }
  const p = await Pipeline.fromString(spec);
  return { text: p.toString(), lossless: p.lossless };
}

/** Decodes every chunk of a .nzp into one array (the reconstruction, for lossy metrics). */
async function readAll(path: string): Promise<TypedArray> {
  const r = await NzpReader.open(path);
  try {
    const out = allocArray(r.header.dtype, r.nSamples * r.nChannels);
    for (let i = 0; i < r.nChunks; i++) out.set(r.decodeChunk(i) as never, r.chunkStart(i) * r.nChannels);
    return out;
  } finally {
    r.close();
  }
}

function sameSamples(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

interface Measured {
  compressedBytes: number;
  enc: number[];
  encCpu: number[];
  dec: number[];
  decCpu: number[];
  mismatch: boolean;
  reconstruction?: TypedArray;
}

async function measureNzp(f: Loaded, text: string, level: Level | undefined, lossless: boolean, repeat: number, dir: string, threads: number, lossy?: string): Promise<Measured> {
  const nzp = join(dir, 'bench.nzp');
  const folder = statSync(f.input.path).isDirectory();
  const back = join(dir, folder ? 'restored-folder' : 'restored' + (f.format === 'wav' ? '.wav' : '.bin'));
  const m: Measured = { compressedBytes: 0, enc: [], encCpu: [], dec: [], decCpu: [], mismatch: false };
  for (let k = 0; k < repeat; k++) {
    let t = now();
    let c = cpu();
    const res = await compressFile(f.input.path, nzp, { ...(lossy ? { lossy, forceLossy: true } : level ? { level } : { codec: text, forceLossy: true }), force: true, verify: false, raw: f.input.raw, threads });
    m.enc.push(now() - t);
    m.encCpu.push(cpu() - c);
    m.compressedBytes = statSync(nzp).size;
    if (res.compressedBytes !== m.compressedBytes) throw new Error(`.nzp size ${m.compressedBytes} differs from the writer's count ${res.compressedBytes}`);
    t = now();
    c = cpu();
    let d;
    if (folder) rmSync(back, { recursive: true, force: true });
    try {
      d = await decompressFile(nzp, back, { force: true, threads });
    } catch (e) {
      // a lossless pipeline whose output does not hash to the original: a mismatch, not a crash
      if (!isNeurozipError(e, 'Mismatch')) throw e;
      m.mismatch = true;
      m.dec.push(now() - t);
      m.decCpu.push(cpu() - c);
      continue;
    }
    m.dec.push(now() - t);
    m.decCpu.push(cpu() - c);
    if (k === 0) {
      if (lossless) m.mismatch ||= !(await restoredMatches(f, back, d.output, d.sidecars, nzp));
      else m.reconstruction = await readAll(nzp);
    }
    for (const s of d.sidecars) rmSync(s, { force: true });
    if (folder) rmSync(back, { recursive: true, force: true });
  }
  return m;
}

/**
 * Lossless check. A plain file must come back byte for byte. An Open Ephys folder must come back
 * as the same files (main data and sidecars) byte for byte. An mtscomp .cbin decompresses to raw
 * samples (as mtsdecomp does), so there the decoded samples must equal the original samples.
 */
async function restoredMatches(f: Loaded, back: string, output: string, sidecars: string[], nzp: string): Promise<boolean> {
  if (f.format === 'mtscomp') return sameSamples(await readAll(nzp), f.data);
  if (!statSync(f.input.path).isDirectory()) return readFileSync(back).equals(f.bytes);
  for (const p of [output, ...sidecars]) {
    if (!statSync(p).isFile()) continue;
    const rel = relative(back, p);
    if (!readFileSync(p).equals(readFileSync(join(f.input.path, rel)))) return false;
  }
  return true;
}

function runTool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`);
}

/** `external:wavpack-b<B>`: WavPack hybrid lossy mode, `wavpack -hh -x6 -bB` (no correction file). */
export function wavpackHybridBits(spec: string): number | undefined {
  const m = /^external:wavpack-b([0-9.]+)$/.exec(spec);
  return m ? Number(m[1]) : undefined;
}

async function measureWavpackHybrid(f: Loaded, bits: number, repeat: number, dir: string): Promise<Measured> {
  const enc = join(dir, 'x.wv');
  const back = join(dir, 'x.restored.wav');
  const m: Measured = { compressedBytes: 0, enc: [], encCpu: [], dec: [], decCpu: [], mismatch: false };
  for (let k = 0; k < repeat; k++) {
    rmSync(enc, { force: true });
    rmSync(back, { force: true });
    let t = now();
    runTool('wavpack', ['-hh', '-x6', `-b${bits}`, '-q', '-y', f.input.path, '-o', enc]);
    m.enc.push(now() - t);
    m.compressedBytes = statSync(enc).size;
    t = now();
    runTool('wvunpack', ['-q', '-y', enc, '-o', back]);
    m.dec.push(now() - t);
    if (k === 0) {
      const src = openSource(back);
      try {
        m.reconstruction = src.readFrames(0, src.info.nSamples);
      } finally {
        src.close();
      }
    }
  }
  m.encCpu = m.enc;
  m.decCpu = m.dec;
  return m;
}

async function measureExternal(f: Loaded, tool: 'flac' | 'wavpack', repeat: number, dir: string): Promise<Measured> {
  const enc = join(dir, tool === 'flac' ? 'x.flac' : 'x.wv');
  const back = join(dir, 'x.restored.wav');
  const m: Measured = { compressedBytes: 0, enc: [], encCpu: [], dec: [], decCpu: [], mismatch: false };
  for (let k = 0; k < repeat; k++) {
    rmSync(enc, { force: true });
    rmSync(back, { force: true });
    let t = now();
    if (tool === 'flac') runTool('flac', ['-8', '--silent', '-f', '-o', enc, f.input.path]);
    else runTool('wavpack', ['-hh', '-q', '-y', f.input.path, '-o', enc]);
    m.enc.push(now() - t);
    m.compressedBytes = statSync(enc).size;
    t = now();
    if (tool === 'flac') runTool('flac', ['-d', '--silent', '-f', '-o', back, enc]);
    else runTool('wvunpack', ['-q', '-y', enc, '-o', back]);
    m.dec.push(now() - t);
    if (k === 0) {
      // the tools restore the samples (the WAV header may be rewritten): compare samples exactly
      const src = openSource(back);
      try {
        m.mismatch = !sameSamples(src.readFrames(0, src.info.nSamples), f.data);
      } finally {
        src.close();
      }
    }
  }
  m.encCpu = m.enc;
  m.decCpu = m.dec;
  return m;
}

/** Why an external tool cannot take this file, or undefined when it can. */
function externalUnsupported(f: Loaded, tool: string): string | undefined {
  if (f.format !== 'wav') return `${tool} runs on WAV inputs only (this is ${f.format})`;
  if (tool === 'flac' && f.nChannels > 8) return `flac takes at most 8 channels (${f.nChannels})`;
  if (!(f.data instanceof Int16Array || f.data instanceof Uint8Array || f.data instanceof Int32Array)) return `${tool}: integer PCM only`;
  return undefined;
}

/** Picks the 30 ms around the strongest negative deflection of channel 0 (or the start). */
function excerptWindow(f: Loaded, seconds: number): [number, number] {
  const len = Math.min(f.nSamples, Math.max(16, Math.min(2000, Math.round((f.sampleRateHz ?? 20000) * seconds))));
  let best = 0;
  let bestV = Infinity;
  for (let i = 1; i < f.nSamples; i++) {
    const d = f.data[i * f.nChannels]! - f.data[(i - 1) * f.nChannels]!;
    if (d < bestV) {
      bestV = d;
      best = i;
    }
  }
  const start = Math.max(0, Math.min(f.nSamples - len, best - (len >> 1)));
  return [start, len];
}

/**
 * Where the temporary .nzp and restored files go: a RAM file system when there is one, so that
 * the writer's fsync and the disk do not dominate the timings of fast codecs on small files.
 */
function defaultTmp(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // no /dev/shm: use the OS temporary directory
  }
  return tmpdir();
}

export async function runBench(inputs: BenchInput[], codecs: BenchCodec[], opts: RunOptions = {}): Promise<BenchReport> {
  const repeat = Math.max(1, opts.repeat ?? 1);
  const dir = mkdtempSync(join(opts.tmpDir ?? defaultTmp(), 'neurozip-bench-'));
  const perFile: FileResult[] = [];
  const excerpts: WaveformExcerpt[] = [];
  const skipped: BenchReport['skipped'] = [];
  const total = inputs.length * codecs.length;
  let done = 0;
  try {
    for (const input of inputs) {
      const f = load(input);
      const signalSeconds = f.sampleRateHz ? f.nSamples / f.sampleRateHz : null;
      for (const codec of codecs) {
        const label = `${basename(input.path)} ${codec.name}`;
        const external = codec.spec.startsWith('external:');
        const base = {
          file: input.path,
          codec: codec.name,
          external,
          nSamples: f.nSamples,
          nChannels: f.nChannels,
          sampleRateHz: f.sampleRateHz,
          rawBytes: f.fileBytes,
        };
        try {
          let m: Measured;
          let text: string;
          let lossless: boolean;
          const hybrid = wavpackHybridBits(codec.spec);
          if (hybrid !== undefined) {
            const why = externalUnsupported(f, 'wavpack');
            if (why) {
              skipped.push({ file: input.path, codec: codec.name, reason: why });
              continue;
            }
            text = `wavpack -hh -x6 -b${hybrid}`;
            lossless = false;
            m = await measureWavpackHybrid(f, hybrid, repeat, dir);
          } else if (external) {
            const tool = codec.spec.slice(9) as 'flac' | 'wavpack';
            const why = externalUnsupported(f, tool);
            if (why) {
              skipped.push({ file: input.path, codec: codec.name, reason: why });
              continue;
            }
            text = tool === 'flac' ? 'flac -8' : 'wavpack -hh';
            lossless = true;
            m = await measureExternal(f, tool, repeat, dir);
          } else {
            const p = await pipelineString(codec.spec, f);
            text = p.text;
            lossless = p.lossless;
            m = await measureNzp(f, text, p.level, lossless, repeat, dir, opts.threads ?? 1, p.lossy);
          }
          const enc = median(m.enc);
          const dec = median(m.dec);
          const encCpu = median(m.encCpu);
          const decCpu = median(m.decCpu);
          const metrics: FileMetrics = {};
          if (m.reconstruction) {
            const dt = dtypeOf(f.data);
            const scale = isIntegerDType(dt) ? { bits: 8 * itemsize(dt), signed: isSignedDType(dt) } : undefined;
            Object.assign(metrics, fidelity(f.data, m.reconstruction, f.nChannels, scale));
            if (f.sampleRateHz && f.sampleRateHz > 600) {
              const s = compareSpikes(f.data, m.reconstruction, f.nChannels, f.sampleRateHz);
              const t = new SpikeTally().add(s);
              Object.assign(metrics, { spikeHits: s.hits, spikesOriginal: s.original, spikesReconstructed: s.reconstructed, spikePrecision: t.precision, spikeRecall: t.recall, spikeF1: t.f1 });
              metrics.spikesByMultiplier = {};
              for (const k of BENCH_MULTIPLIERS) metrics.spikesByMultiplier[String(k)] = tallyJson(new SpikeTally().add(compareSpikes(f.data, m.reconstruction, f.nChannels, f.sampleRateHz, k)));
              const w = eventWindowSnrs(f.data, m.reconstruction, f.nChannels, f.sampleRateHz).map((v) => (Number.isFinite(v) ? v : 999));
              metrics.eventWindowSnrDb = w;
              metrics.eventWindowSnrMedianDb = medianOf(w);
            }
            if (!excerpts.some((e) => e.codec === codec.name)) {
              const [start, len] = excerptWindow(f, opts.excerptSeconds ?? 0.03);
              const pick = (a: TypedArray) => Array.from({ length: len }, (_, i) => Number(a[(start + i) * f.nChannels]!));
              excerpts.push({ codec: codec.name, file: input.path, sampleRateHz: f.sampleRateHz ?? 1, startSample: start, original: pick(f.data), reconstructed: pick(m.reconstruction) });
            }
          }
          perFile.push({
            ...base,
            pipeline: text,
            compressedBytes: m.compressedBytes,
            ratio: f.fileBytes / m.compressedBytes,
            encodeSeconds: enc,
            decodeSeconds: dec,
            encodeCpuSeconds: encCpu,
            decodeCpuSeconds: decCpu,
            encodeMBps: f.fileBytes / 1e6 / enc,
            decodeMBps: f.fileBytes / 1e6 / dec,
            xRealTimeEncode: signalSeconds === null ? null : signalSeconds / Math.max(encCpu, 1e-6),
            xRealTimeDecode: signalSeconds === null ? null : signalSeconds / Math.max(decCpu, 1e-6),
            lossless,
            mismatches: lossless && m.mismatch ? 1 : 0,
            metrics,
          });
        } catch (e) {
          if (isNeurozipError(e, 'Usage') || isNeurozipError(e, 'UnknownCodec') || isNeurozipError(e, 'InvalidConfig')) {
            // a codec that cannot take this input (e.g. an integer-only filter on floats)
            skipped.push({ file: input.path, codec: codec.name, reason: (e as Error).message });
          } else {
            perFile.push({
              ...base,
              pipeline: codec.spec,
              compressedBytes: 0,
              ratio: NaN,
              encodeSeconds: NaN,
              decodeSeconds: NaN,
              encodeCpuSeconds: NaN,
              decodeCpuSeconds: NaN,
              encodeMBps: NaN,
              decodeMBps: NaN,
              xRealTimeEncode: null,
              xRealTimeDecode: null,
              lossless: false,
              mismatches: 0,
              metrics: {},
              error: (e as Error).message,
            });
          }
        } finally {
          opts.onStep?.(++done, total, label);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results: summarize(codecs, perFile), perFile, excerpts, skipped };
}

/** Per-codec aggregates: total ratio, median MB/s, pooled x-real-time, pooled lossy metrics. */
export function summarize(codecs: BenchCodec[], perFile: FileResult[]): CodecResult[] {
  const out: CodecResult[] = [];
  for (const codec of codecs) {
    const rows = perFile.filter((r) => r.codec === codec.name);
    const ok = rows.filter((r) => !r.error);
    if (rows.length === 0) continue;
    const raw = ok.reduce((s, r) => s + r.rawBytes, 0);
    const comp = ok.reduce((s, r) => s + r.compressedBytes, 0);
    const sig = ok.reduce((s, r) => s + (r.sampleRateHz ? r.nSamples / r.sampleRateHz : 0), 0);
    const allRate = ok.every((r) => r.sampleRateHz);
    const encCpu = ok.reduce((s, r) => s + r.encodeCpuSeconds, 0);
    const decCpu = ok.reduce((s, r) => s + r.decodeCpuSeconds, 0);
    const metrics: FileMetrics = {};
    const lossy = ok.filter((r) => r.metrics.mse !== undefined);
    if (lossy.length) {
      let sq = 0;
      let n = 0;
      for (const r of lossy) {
        const cnt = r.nSamples * r.nChannels;
        sq += r.metrics.mse! * cnt;
        n += cnt;
      }
      const mean = (k: 'snr' | 'psnr' | 'ssim' | 'psnrFullScale' | 'ssimFullScale') => lossy.reduce((s, r) => s + (r.metrics[k] as number), 0) / lossy.length;
      metrics.mse = n ? sq / n : 0;
      metrics.rmse = Math.sqrt(metrics.mse);
      metrics.snr = mean('snr');
      metrics.snrMedian = median(lossy.map((r) => r.metrics.snr ?? Infinity));
      metrics.psnr = mean('psnr');
      metrics.ssim = mean('ssim');
      if (lossy.every((r) => r.metrics.psnrFullScale !== undefined)) {
        metrics.psnrFullScale = mean('psnrFullScale');
        metrics.ssimFullScale = mean('ssimFullScale');
      }
      metrics.maxAbsError = Math.max(...lossy.map((r) => r.metrics.maxAbsError!));
      const withSpikes = lossy.filter((r) => r.metrics.spikesOriginal !== undefined);
      if (withSpikes.length) {
        const t = new SpikeTally();
        for (const r of withSpikes) t.add({ hits: r.metrics.spikeHits!, original: r.metrics.spikesOriginal!, reconstructed: r.metrics.spikesReconstructed! } satisfies SpikeCounts);
        Object.assign(metrics, { spikeHits: t.hits, spikesOriginal: t.original, spikesReconstructed: t.reconstructed, spikePrecision: t.precision, spikeRecall: t.recall, spikeF1: t.f1 });
        metrics.spikesByMultiplier = {};
        for (const k of BENCH_MULTIPLIERS) {
          const tk = new SpikeTally();
          for (const r of withSpikes) {
            const c = r.metrics.spikesByMultiplier?.[String(k)];
            if (c) tk.add(c);
          }
          metrics.spikesByMultiplier[String(k)] = tallyJson(tk);
        }
        metrics.eventWindowSnrMedianDb = medianOf(withSpikes.flatMap((r) => r.metrics.eventWindowSnrDb ?? []));
      }
    }
    out.push({
      codec: codec.name,
      pipeline: ok[0]?.pipeline ?? codec.spec,
      external: codec.spec.startsWith('external:'),
      files: ok.length,
      rawBytes: raw,
      compressedBytes: comp,
      ratio: comp ? raw / comp : NaN,
      encodeMBps: median(ok.map((r) => r.encodeMBps)),
      decodeMBps: median(ok.map((r) => r.decodeMBps)),
      xRealTimeEncode: allRate && encCpu > 0 ? sig / encCpu : null,
      xRealTimeDecode: allRate && decCpu > 0 ? sig / decCpu : null,
      lossless: ok.length > 0 && ok.every((r) => r.lossless),
      mismatches: rows.reduce((s, r) => s + r.mismatches, 0),
      errors: rows.length - ok.length,
      metrics,
    });
  }
  return out;
}

/** Files under the inputs: folders are walked (sorted); recordings are what openSource accepts. */
export function expandInputs(paths: string[], raw?: RawOptions): { inputs: BenchInput[]; ignored: string[] } {
  const inputs: BenchInput[] = [];
  const ignored: string[] = [];
  const visit = (p: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      // a folder that is itself one recording (Open Ephys binary) is an input; others are walked
      try {
        openSource(p, { raw }).close();
        inputs.push({ path: p, raw });
        return;
      } catch {
        for (const name of readdirSorted(p)) visit(join(p, name), false);
        return;
      }
    }
    if (!explicit && /\.(meta|nzp|ch|json|md|txt|oebin|xml)$/i.test(p)) return;
    try {
      openSource(p, { raw }).close();
      inputs.push({ path: p, raw });
    } catch (e) {
      if (explicit) throw e;
      ignored.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  return { inputs, ignored };
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).sort();
}
