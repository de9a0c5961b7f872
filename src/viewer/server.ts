/**
 * `neurozip view`: a local HTTP server (node:http, 127.0.0.1 only) that serves the page in
 * `src/viewer/public/` and decodes only the window the page asks for.
 *
 * Binary answers (`/api/window`, `/api/encode`, `/api/slice`) are one frame:
 *   u32 LE header length | header JSON (UTF-8, space-padded to a multiple of 4) | float32 LE arrays
 * The arrays are channel-major (row = channel, column = time bin), `rows x cols` each.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { isIntegerDType, itemsize, type TypedArray } from '../core/dtype.js';
import { NeurozipError, UsageError, isNeurozipError } from '../core/errors.js';
import { registeredCodecIds } from '../codecs/registry.js';
import { LEVELS, levelPipeline, type Level } from '../codecs/levels.js';
import { formatPipelineString } from '../pipeline/spec-string.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { maxAbsError, snr } from '../metrics/index.js';
import { HIGHPASS_HZ, butterworthHighpass, compareSpikes, detectCrossings, filterChannel, spikeThreshold } from '../spikes/detect.js';
import { RangeNotSatisfiable, openViewerData, type SeriesData, type ViewerData, type Window } from './data.js';

/** Most values one request may decode or re-encode (keeps the server responsive). */
export const MAX_WINDOW_VALUES = 8_000_000;
/** Most samples per channel the trace view asks for. */
export const MAX_TRACE_SAMPLES = 400_000;
/** Samples before / after a spike in a waveform snippet, at 30 kHz (scaled by the rate). */
const SNIPPET_MS = { pre: 0.6, post: 1.2 };

export interface ViewerOptions {
  port?: number;
  /** Where request errors are reported (the terminal); default stderr. */
  log?: (line: string) => void;
}

export interface ViewerServer {
  url: string;
  port: number;
  data: ViewerData;
  close(): Promise<void>;
}

/** Lossy control -> the codec id it needs; a control whose codec is not registered is disabled. */
export const CONTROL_CODECS = { abs: 'sz', bps: 'sz', rank: 'svd', decim: 'decimate', events: 'events' } as const;

function findPublicDir(): string {
  // dist/src/viewer/server.js -> <root>/src/viewer/public (tsc does not copy assets, so the
  // package ships src/viewer/public and the server finds it from the package root)
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'viewer', 'public');
    const up = dirname(dir);
    if (up === dir) throw new Error('neurozip view: cannot find the package root (src/viewer/public)');
    dir = up;
  }
}

const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml' };

export async function startViewer(path: string, opts: ViewerOptions = {}): Promise<ViewerServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const data = await openViewerData(path);
  const publicDir = findPublicDir();
  const assets = new Map<string, string>();
  for (const name of readdirSync(publicDir)) assets.set('/' + name, join(publicDir, name));
  assets.set('/', join(publicDir, 'index.html'));
  const pipelines = new Map<string, Promise<Pipeline>>();
  const pipelineFor = (spec: string) => {
    let p = pipelines.get(spec);
    if (!p) {
      p = Pipeline.fromString(spec);
      p.catch(() => pipelines.delete(spec));
      pipelines.set(spec, p);
    }
    return p;
  };

  let port = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => fail(req, res, e));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      // DNS-rebinding guard: only pages served from this origin may talk to the server
      return sendJson(res, 403, { error: `host '${host}' refused: the viewer answers only 127.0.0.1:${port}` });
    }
    if (req.method !== 'GET') return sendJson(res, 405, { error: `${req.method} not allowed` });
    const u = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const q = u.searchParams;
    switch (u.pathname) {
      case '/api/info':
        return sendJson(res, 200, { ...data.info, codecs: controlsAvailable(), levels: LEVELS });
      case '/api/window': {
        const s = series();
        const w = windowOf(q, s);
        const ds = intParam(q, 'ds', 1, 1);
        const x = s.read(w);
        return sendFrame(res, { ...w, ds, dtype: s.info.dtype }, [binned(x, w, ds)]);
      }
      case '/api/encode': {
        const s = series();
        const w = windowOf(q, s);
        const ds = intParam(q, 'ds', 1, 1);
        const spec = q.get('codec')?.trim() || specFromControls(q, s);
        const r = await reencode(s, w, spec);
        const residual = new Float32Array(r.x.length);
        for (let i = 0; i < residual.length; i++) residual[i] = Number(r.x[i]!) - Number(r.y[i]!);
        const { x: _x, y, ...metrics } = r;
        return sendFrame(res, { ...w, ds, ...metrics }, [binned(y, w, ds), binned(residual, w, ds)]);
      }
      case '/api/trace':
        return sendJson(res, 200, trace(series(), q));
      case '/api/slice': {
        if (data.info.kind !== 'volume') throw new UsageError(`${data.info.file} is a time series, not a 3-D volume`);
        const axis = intParam(q, 'axis', 0, 0);
        if (axis > 2) throw new UsageError(`axis must be 0, 1 or 2, got ${axis}`);
        const index = intParam(q, 'index', 0, 0);
        const sl = (data as Extract<ViewerData, { slice: unknown }>).slice(axis as 0 | 1 | 2, index);
        return sendFrame(res, { axis, index, rows: sl.rows, cols: sl.cols }, [sl.data]);
      }
    }
    const file = assets.get(u.pathname);
    if (!file) return sendJson(res, 404, { error: `no such page: ${u.pathname}` });
    res.writeHead(200, { 'content-type': MIME[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  }

  function series(): SeriesData {
    if (data.info.kind !== 'series') throw new UsageError(`${data.info.file} is a 3-D volume; ask /api/slice`);
    return data as SeriesData;
  }

  function controlsAvailable(): Record<string, boolean> {
    const ids = new Set(registeredCodecIds());
    const out: Record<string, boolean> = { level: true };
    for (const [control, id] of Object.entries(CONTROL_CODECS)) out[control] = ids.has(id);
    return out;
  }

  function fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const status = e instanceof RangeNotSatisfiable ? 416 : isNeurozipError(e) ? (e.tag === 'CorruptData' || e.tag === 'Io' ? 500 : 400) : 500;
    const message = e instanceof Error ? e.message : String(e);
    log(`neurozip view: ${status} ${req.method} ${req.url}: ${message}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, status, { error: message });
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      data.close();
      if (e.code === 'EADDRINUSE') reject(new NeurozipError('Io', `port ${opts.port} on 127.0.0.1 is already in use (pick another with --port, or --port 0 for any free port)`));
      else if (e.code === 'EACCES') reject(new NeurozipError('Io', `port ${opts.port} on 127.0.0.1: permission denied (use a port above 1023)`));
      else reject(e);
    };
    server.once('error', onError);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    data,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          data.close();
          resolve();
        });
      }),
  };

  async function reencode(s: SeriesData, w: Window, spec: string) {
    const x = s.read(w);
    const k = w.ch1 - w.ch0;
    const n = w.end - w.start;
    const pipeline = await pipelineFor(spec);
    const chunk = { dtype: s.info.dtype, shape: [n, k] };
    const t0 = performance.now();
    const bytes = pipeline.encode(x, chunk);
    const t1 = performance.now();
    const y = pipeline.decode(bytes, chunk);
    const t2 = performance.now();
    const rawBytes = x.length * itemsize(s.info.dtype);
    const fs = s.info.sampleRateHz;
    let spikes: { hits: number; original: number; reconstructed: number; f1: number | null } | null = null;
    if (fs && fs > 2 * HIGHPASS_HZ) {
      const c = compareSpikes(x, y, k, fs);
      const d = c.original + c.reconstructed;
      spikes = { ...c, f1: d ? (2 * c.hits) / d : null };
    }
    const lossless = pipeline.lossless;
    const snrDb = snr(x, y, k);
    return {
      x,
      y,
      spec: pipeline.toString(),
      lossless,
      rawBytes,
      compressedBytes: bytes.byteLength,
      ratio: bytes.byteLength ? rawBytes / bytes.byteLength : 0,
      snrDb: Number.isFinite(snrDb) ? snrDb : null,
      maxAbsError: maxAbsError(x, y),
      spikes,
      encodeMs: t1 - t0,
      decodeMs: t2 - t1,
    };
  }
}

/** The pipeline string the page's controls stand for (lossy stages first, then the level's coder). */
export function specFromControls(q: URLSearchParams, s: SeriesData): string {
  const ids = new Set(registeredCodecIds());
  const need = (control: keyof typeof CONTROL_CODECS) => {
    const id = CONTROL_CODECS[control];
    if (!ids.has(id)) throw new UsageError(`${control}: codec '${id}' is not available in this build`);
  };
  const levelText = q.get('level') ?? 'default';
  if (!(LEVELS as readonly string[]).includes(levelText)) throw new UsageError(`level must be one of ${LEVELS.join(', ')}, got '${levelText}'`);
  const level = levelText as Level;
  const stages: string[] = [];
  const decim = intParam(q, 'decim', 1, 1);
  if (decim > 1) {
    need('decim');
    stages.push(`decimate:factor=${decim}`);
  }
  const rank = intParam(q, 'rank', 0, 0);
  if (rank > 0) {
    need('rank');
    stages.push(`svd:rank=${rank}`);
  }
  if (q.get('events') === '1') {
    need('events');
    if (!s.info.sampleRateHz) throw new UsageError('events mode needs a sample rate, and this recording has none');
    // events is itself the serializer (array->bytes): nothing of the level follows it
    return [...stages, `events:fs=${s.info.sampleRateHz}`].join('+');
  }
  const abs = numParam(q, 'abs', 0);
  const bps = numParam(q, 'bps', 0);
  if (abs > 0 || bps > 0) {
    need(abs > 0 ? 'abs' : 'bps');
    stages.push(abs > 0 ? `sz:abs=${abs},order=8` : `sz:bps=${bps},order=8`);
    stages.push(level === 'max' ? 'cm:limit=255,rate=8' : 'rans');
    return stages.join('+');
  }
  // svd hands float32 coefficients on: the level's coder must then be the float one
  const tailDType = rank > 0 ? 'float32' : s.info.dtype;
  const tail = levelPipeline(level, { dtype: tailDType, nChannels: s.info.nChannels, sampleRateHz: s.info.sampleRateHz ?? undefined });
  return [...stages, formatPipelineString(tail)].join('+');
}

function intParam(q: URLSearchParams, name: string, dflt: number, min: number): number {
  const t = q.get(name);
  if (t === null || t === '') return dflt;
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`${name} must be an integer >= ${min}, got '${t}'`);
  return v;
}

function numParam(q: URLSearchParams, name: string, dflt: number): number {
  const t = q.get(name);
  if (t === null || t === '') return dflt;
  const v = Number(t);
  if (!Number.isFinite(v) || v < 0) throw new UsageError(`${name} must be a number >= 0, got '${t}'`);
  return v;
}

function windowOf(q: URLSearchParams, s: SeriesData): Window {
  const i = s.info;
  const start = intParam(q, 'start', 0, 0);
  const w: Window = {
    start,
    end: intParam(q, 'end', Math.min(i.nSamples, start + 1000), 0),
    ch0: intParam(q, 'ch0', 0, 0),
    ch1: intParam(q, 'ch1', i.nChannels, 0),
  };
  if ((w.end - w.start) * Math.max(0, w.ch1 - w.ch0) > MAX_WINDOW_VALUES) {
    throw new UsageError(`window of ${w.end - w.start} samples x ${w.ch1 - w.ch0} channels is larger than ${MAX_WINDOW_VALUES} values; narrow it or raise the downsample factor`);
  }
  return w;
}

/**
 * Interleaved [n, k] -> channel-major [k, ceil(n / ds)] float32; each bin keeps its value of
 * largest magnitude so spikes survive downsampling.
 */
export function binned(x: ArrayLike<number> | TypedArray, w: Window, ds: number): Float32Array {
  const k = w.ch1 - w.ch0;
  const n = w.end - w.start;
  const cols = Math.ceil(n / ds);
  const out = new Float32Array(k * cols);
  const a = x as ArrayLike<number>;
  for (let c = 0; c < k; c++) {
    for (let b = 0; b < cols; b++) {
      let best = 0;
      let bestAbs = -1;
      for (let s = b * ds, e = Math.min(n, s + ds); s < e; s++) {
        const v = Number(a[s * k + c]);
        const m = Math.abs(v);
        if (m > bestAbs) {
          bestAbs = m;
          best = v;
        }
      }
      out[c * cols + b] = best;
    }
  }
  return out;
}

function trace(s: SeriesData, q: URLSearchParams) {
  const i = s.info;
  const chText = q.get('ch') ?? '0';
  const channels = chText.split(',').filter(Boolean).map(Number);
  if (channels.length === 0 || channels.length > 8 || channels.some((c) => !Number.isSafeInteger(c) || c < 0)) {
    throw new UsageError(`ch must list 1 to 8 channel numbers separated by commas, got '${chText}'`);
  }
  const start = intParam(q, 'start', 0, 0);
  const end = intParam(q, 'end', Math.min(i.nSamples, start + 1000), 0);
  if (end - start > MAX_TRACE_SAMPLES) throw new UsageError(`trace window of ${end - start} samples is longer than ${MAX_TRACE_SAMPLES}`);
  const fs = i.sampleRateHz;
  // the high-pass starts from rest: filter from up to 20 ms before the window so its start
  // transient falls outside what is shown
  const pad = fs ? Math.min(start, Math.round(fs * 0.02)) : 0;
  const out = channels.map((ch) => {
    const x = s.read({ start: start - pad, end, ch0: ch, ch1: ch + 1 });
    const raw = Array.from((x as ArrayLike<number>) , Number).slice(pad);
    if (!fs || fs <= 2 * HIGHPASS_HZ) return { ch, raw, filtered: null, threshold: null, spikes: [], snippets: [] };
    const f = filterChannel(Array.from(x as ArrayLike<number>, Number), 1, 0, butterworthHighpass(HIGHPASS_HZ, fs)).subarray(pad);
    const thr = spikeThreshold(f);
    const spikes = Array.from(detectCrossings(f, thr, fs));
    const pre = Math.max(1, Math.round((SNIPPET_MS.pre * fs) / 1000));
    const post = Math.max(1, Math.round((SNIPPET_MS.post * fs) / 1000));
    const snippets = spikes
      .filter((t) => t - pre >= 0 && t + post <= f.length)
      .slice(0, 200)
      .map((t) => Array.from(f.subarray(t - pre, t + post), (v) => Math.round(v * 100) / 100));
    return { ch, raw, filtered: Array.from(f, (v) => Math.round(v * 100) / 100), threshold: thr, spikes, snippets, pre };
  });
  return { start, end, sampleRateHz: fs, integer: isIntegerDType(i.dtype), channels: out };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendFrame(res: ServerResponse, header: Record<string, unknown>, arrays: Float32Array[]): void {
  let json = Buffer.from(JSON.stringify({ ...header, arrays: arrays.map((a) => a.length) }), 'utf8');
  const pad = (4 - (json.length % 4)) % 4;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const parts = [len, json, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))];
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(Buffer.concat(parts));
}
