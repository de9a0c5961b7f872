/**
 * The self-contained HTML report of `neurozip bench --html` and `neurozip stats --html`: tables
 * plus inline SVG charts, rendered in Node by vega-lite -> vega (`View({renderer:'none'}).toSVG()`),
 * so producing it needs no browser and viewing it needs no network.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { basename } from 'node:path';
import type { BenchReport, CodecResult, FileResult } from './runner.js';
import type { SignalStats } from './stats.js';

type Spec = Record<string, unknown>;

export async function renderSvg(spec: Spec): Promise<string> {
  const compiled = vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function fmt(v: unknown, digits = 3): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v > 0 ? '∞' : Number.isNaN(v) ? '–' : '−∞';
    if (Math.abs(v) >= 1000) return v.toFixed(0);
    return v.toPrecision(digits + 1).replace(/\.?0+$/, (m) => (m.includes('.') ? '' : m));
  }
  return esc(String(v));
}

function htmlTable(header: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${fmt(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:13px}
.chart{margin:12px 0;overflow-x:auto}code{background:#f4f4f4;padding:1px 4px}`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head><body>\n<h1>${esc(title)}</h1>\n${body}\n</body></html>\n`;
}

const chart = (svg: string, caption = '') => `<div class="chart">${svg}${caption ? `<div class="note">${caption}</div>` : ''}</div>`;

function groupOf(r: CodecResult): string {
  if (r.external) return 'external';
  if (!r.lossless) return 'lossy';
  const p = r.pipeline;
  if (/^level:|neurozip/.test(r.codec)) return 'neurozip level';
  if (/huffman|arith|rle|rans|rice|\bcm\b|lmscm/.test(p)) return 'entropy coder';
  if (/bitshuffle/.test(p)) return 'bitshuffle';
  if (/shuffle/.test(p)) return 'shuffle';
  if (/delta|wavelet|lpc/.test(p)) return 'delta / transform';
  return 'general purpose';
}

/** Codecs no other codec beats on both ratio and speed. */
export function paretoFront<T extends { codec: string; ratio: number }>(rows: T[], speed: keyof T): Set<string> {
  const front = new Set<string>();
  for (const a of rows) {
    const dominated = rows.some((b) => b !== a && b.ratio >= a.ratio && (b[speed] as number) >= (a[speed] as number) && (b.ratio > a.ratio || (b[speed] as number) > (a[speed] as number)));
    if (!dominated && Number.isFinite(a.ratio)) front.add(a.codec);
  }
  return front;
}

/** Lossy pipelines that differ only in numeric parameter values form one rate-distortion curve. */
export function familyOf(pipeline: string): string {
  // `name=4` parameters and numeric command-line flags (`wavpack -hh -x6 -b2.25`)
  return pipeline.replace(/(=|(?:^|\s)-[a-zA-Z])-?\d+(\.\d+)?(e-?\d+)?/g, '$1#');
}

export interface ReportInput {
  title?: string;
  command: string;
  report: BenchReport;
  /** Statistics of one input, for the spectrum and spectrogram. */
  stats?: { file: string; stats: SignalStats };
}

export async function renderBenchHtml(input: ReportInput): Promise<string> {
  const { report } = input;
  const results = report.results;
  const parts: string[] = [];
  parts.push(`<p class="note">Command: <code>${esc(input.command)}</code><br>Generated ${esc(new Date().toISOString())}. ${results.length} codecs, ${new Set(report.perFile.map((r) => r.file)).size} files. Compressed size is the whole <code>.nzp</code> file; speeds are file to file (read, compress, write; read, decompress, write), MB = 10^6 bytes; × real time = seconds of signal per CPU second.</p>`);

  // summary table
  const sorted = [...results].sort((a, b) => b.ratio - a.ratio);
  parts.push('<h2>Results per codec</h2>');
  const anyLossy = results.some((r) => !r.lossless);
  const lossyCols = anyLossy ? ['SNR dB', 'PSNR dB', 'SSIM', 'PSNR_FS dB', 'SSIM_FS', 'max |err|', 'spike P', 'spike R', 'spike F1'] : [];
  parts.push(
    htmlTable(
      ['codec', 'pipeline', 'files', 'ratio', 'enc MB/s', 'dec MB/s', 'enc ×RT', 'dec ×RT', 'lossless', 'mismatches', 'errors', ...lossyCols],
      sorted.map((r) => [
        r.codec,
        r.pipeline,
        r.files,
        r.ratio,
        r.encodeMBps,
        r.decodeMBps,
        r.xRealTimeEncode,
        r.xRealTimeDecode,
        r.lossless ? (r.mismatches ? 'MISMATCH' : 'verified') : 'lossy',
        r.mismatches,
        r.errors,
        ...(anyLossy ? [r.metrics.snr, r.metrics.psnr, r.metrics.ssim, r.metrics.psnrFullScale, r.metrics.ssimFullScale, r.metrics.maxAbsError, r.metrics.spikePrecision, r.metrics.spikeRecall, r.metrics.spikeF1] : []),
      ]),
    ),
  );

  // ratio vs speed
  const scatter = results.filter((r) => r.files > 0).map((r) => ({ codec: r.codec, ratio: r.ratio, encode: r.encodeMBps, decode: r.decodeMBps, group: groupOf(r) }));
  const scatterSpec = (field: 'encode' | 'decode'): Spec => {
    const front = paretoFront(scatter, field);
    const values = scatter.map((d) => ({ ...d, label: front.has(d.codec) || scatter.length <= 16 ? d.codec : '' }));
    return {
      width: 600,
      height: 380,
      title: `Compression ratio vs ${field} speed (median MB/s per file); labelled: the Pareto front`,
      data: { values },
      layer: [
        {
          transform: [{ filter: { field: 'codec', oneOf: [...front] } }],
          mark: { type: 'line', color: '#bbb', strokeDash: [3, 3] },
          encoding: { x: { field, type: 'quantitative', scale: { type: 'log' } }, y: { field: 'ratio', type: 'quantitative' }, order: { field } },
        },
        { mark: { type: 'point', filled: true, size: 70 }, encoding: { x: { field, type: 'quantitative', scale: { type: 'log' }, title: `${field} MB/s (log)` }, y: { field: 'ratio', type: 'quantitative', scale: { zero: false }, title: 'ratio (total raw / total .nzp)' }, color: { field: 'group', type: 'nominal' }, tooltip: [{ field: 'codec' }, { field: 'ratio' }, { field }] } },
        { mark: { type: 'text', align: 'left', dx: 5, dy: -4, fontSize: 9 }, encoding: { x: { field, type: 'quantitative', scale: { type: 'log' } }, y: { field: 'ratio', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    };
  };
  parts.push('<h2>Ratio vs speed</h2>');
  parts.push(chart(await renderSvg(scatterSpec('encode'))));
  parts.push(chart(await renderSvg(scatterSpec('decode'))));

  // per-file ratio distributions
  const okRows = report.perFile.filter((r) => !r.error);
  const order = sorted.map((r) => r.codec);
  parts.push('<h2>Per-file compression ratio</h2>');
  parts.push(
    chart(
      await renderSvg({
        width: 900,
        height: { step: 14 },
        title: 'Distribution of the per-file ratio (box: quartiles, whiskers: 1.5 IQR)',
        data: { values: okRows.map((r) => ({ codec: r.codec, ratio: r.ratio })) },
        mark: { type: 'boxplot', extent: 1.5, size: 10 },
        encoding: { y: { field: 'codec', type: 'nominal', sort: order, title: null }, x: { field: 'ratio', type: 'quantitative', scale: { zero: false } } },
      }),
    ),
  );

  // lossy
  const lossyRows = okRows.filter((r) => r.metrics.mse !== undefined);
  if (lossyRows.length) parts.push(...(await lossySection(report, lossyRows)));
  else parts.push('<h2>Lossy codecs</h2><p class="note">No lossy codec in this run (use <code>--lossy SPEC...</code>): no rate–distortion curves, metric distributions or waveform overlays.</p>');

  if (input.stats) parts.push(...(await statsCharts(input.stats.file, input.stats.stats)));

  if (report.skipped.length) {
    parts.push('<h2>Skipped</h2>');
    parts.push(htmlTable(['file', 'codec', 'reason'], report.skipped.slice(0, 200).map((s) => [basename(s.file), s.codec, s.reason])));
  }
  const errs = report.perFile.filter((r) => r.error);
  if (errs.length) {
    parts.push('<h2>Errors</h2>');
    parts.push(htmlTable(['file', 'codec', 'error'], errs.slice(0, 200).map((r) => [basename(r.file), r.codec, r.error])));
  }
  return page(input.title ?? 'neurozip benchmark', parts.join('\n'));
}

async function lossySection(report: BenchReport, rows: FileResult[]): Promise<string[]> {
  const parts = ['<h2>Lossy codecs: rate–distortion</h2>'];
  const lossy = report.results.filter((r) => !r.lossless && r.metrics.mse !== undefined);
  const rd = lossy.map((r) => ({
    codec: r.codec,
    family: familyOf(r.pipeline),
    bitsPerSample: (8 * r.compressedBytes) / rows.filter((x) => x.codec === r.codec).reduce((s, x) => s + x.nSamples * x.nChannels, 0),
    ratio: r.ratio,
    snr: r.metrics.snr,
    psnr: r.metrics.psnr,
    ssim: r.metrics.ssim,
    f1: r.metrics.spikeF1,
    rmse: r.metrics.rmse,
    snrMedian: r.metrics.snrMedian,
  }));
  for (const [y, title] of [
    ['snr', 'SNR (dB)'],
    ['psnr', 'PSNR (dB)'],
    ['ssim', 'SSIM'],
    ['f1', 'spike F1 (pooled)'],
  ] as const) {
    parts.push(
      chart(
        await renderSvg({
          width: 420,
          height: 280,
          title: `${title} vs bits per sample`,
          data: { values: rd.filter((d) => d[y] !== null && d[y] !== undefined && Number.isFinite(d[y] as number)) },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'bitsPerSample', type: 'quantitative', title: 'bits per sample (.nzp bytes × 8 / values)' },
            y: { field: y, type: 'quantitative', scale: { zero: false }, title },
            color: { field: 'family', type: 'nominal' },
            order: { field: 'bitsPerSample' },
            tooltip: [{ field: 'codec' }, { field: 'bitsPerSample' }, { field: y }],
          },
        }),
      ),
    );
  }
  // ratio against each fidelity measure, the lossless codecs of the run as horizontal rules
  const lossless = report.results.filter((r) => r.lossless && r.files > 0 && !r.mismatches && !r.errors).map((r) => ({ codec: `${r.codec} (lossless)`, ratio: r.ratio }));
  for (const [x, title, log] of [
    ['snrMedian', 'median SNR over files (dB)', false],
    ['f1', 'spike F1 (pooled, reference detector)', false],
    ['rmse', 'RMSE (pooled, stored units, log)', true],
  ] as const) {
    const pts = rd.filter((d) => d[x] !== null && d[x] !== undefined && Number.isFinite(d[x] as number) && (!log || (d[x] as number) > 0));
    parts.push(
      chart(
        await renderSvg({
          width: 420,
          height: 280,
          title: `Ratio vs ${title.split(' (')[0]}${lossless.length ? '; dashed: lossless' : ''}`,
          layer: [
            {
              data: { values: pts },
              mark: { type: 'line', point: true },
              encoding: {
                x: { field: x, type: 'quantitative', scale: log ? { type: 'log' } : { zero: false }, title },
                y: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'ratio (total raw / total compressed, log)' },
                color: { field: 'family', type: 'nominal' },
                order: { field: 'ratio' },
                tooltip: [{ field: 'codec' }, { field: 'ratio' }, { field: x }],
              },
            },
            ...(lossless.length
              ? [
                  { data: { values: lossless }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'ratio', type: 'quantitative' } } },
                  { data: { values: lossless }, mark: { type: 'text', align: 'left', x: 4, dy: -6, fontSize: 9, color: '#555' }, encoding: { y: { field: 'ratio', type: 'quantitative' }, text: { field: 'codec' } } },
                ]
              : []),
          ],
        }),
      ),
    );
  }
  parts.push('<h2>Lossy codecs: metric distributions over files</h2>');
  const long = rows.flatMap((r) =>
    (['snr', 'psnr', 'mse', 'ssim'] as const).filter((m) => Number.isFinite(r.metrics[m] as number)).map((m) => ({ codec: r.codec, metric: m.toUpperCase(), value: r.metrics[m] as number })),
  );
  for (const m of ['SNR', 'PSNR', 'MSE', 'SSIM']) {
    parts.push(
      chart(
        await renderSvg({
          width: 420,
          height: { step: 16 },
          title: `${m} per file`,
          data: { values: long.filter((d) => d.metric === m && (m !== 'MSE' || d.value > 0)) },
          mark: { type: 'boxplot', extent: 'min-max', size: 10 },
          encoding: { y: { field: 'codec', type: 'nominal', title: null }, x: { field: 'value', type: 'quantitative', scale: { zero: false, ...(m === 'MSE' ? { type: 'log' } : {}) }, title: m === 'MSE' ? 'MSE (log)' : m } },
        }),
      ),
    );
  }
  parts.push('<h2>Original vs reconstruction</h2>');
  for (const e of report.excerpts) {
    const values = e.original.flatMap((v, i) => [
      { ms: ((e.startSample + i) / e.sampleRateHz) * 1000, value: v, series: 'original' },
      { ms: ((e.startSample + i) / e.sampleRateHz) * 1000, value: e.reconstructed[i]!, series: 'reconstruction' },
    ]);
    parts.push(
      chart(
        await renderSvg({
          width: 800,
          height: 220,
          title: `${e.codec} — ${basename(e.file)}, channel 0`,
          data: { values },
          mark: { type: 'line', strokeWidth: 1.2 },
          encoding: {
            x: { field: 'ms', type: 'quantitative', title: 'time (ms)', scale: { zero: false } },
            y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: 'sample value' },
            color: { field: 'series', type: 'nominal', scale: { range: ['#1f77b4', '#e4572e'] } },
            strokeDash: { field: 'series', type: 'nominal', scale: { range: [[1, 0], [4, 2]] } },
          },
        }),
      ),
    );
  }
  return parts;
}

async function statsCharts(file: string, st: SignalStats): Promise<string[]> {
  const parts = [`<h2>Signal: ${esc(basename(file))}</h2>`];
  const o = st.overall;
  parts.push(
    htmlTable(
      ['samples', 'channels', 'rate Hz', 'mean', 'median', 'std', 'skewness', 'kurtosis (excess)', 'min', 'max', 'distinct', 'spectral entropy'],
      [[st.nSamples, st.nChannels, st.sampleRateHz, o.mean, o.median, o.std, o.skewness, o.kurtosis, o.min, o.max, o.distinct, st.spectralEntropy]],
    ),
  );
  const psd = Array.from(st.spectrum.psd, (p, k) => ({ hz: st.spectrum.freqHz[k]!, db: 10 * Math.log10(p + 1e-20) })).filter((d) => d.hz > 0);
  parts.push(
    chart(
      await renderSvg({
        width: 700,
        height: 260,
        title: 'Power spectrum (Welch, Hann, 1024-sample segments, 50 % overlap)',
        data: { values: psd },
        mark: { type: 'line', strokeWidth: 1 },
        encoding: { x: { field: 'hz', type: 'quantitative', scale: { type: 'log' }, title: 'frequency (Hz, log)' }, y: { field: 'db', type: 'quantitative', scale: { zero: false }, title: 'PSD (dB re 1 unit²/Hz)' } },
      }),
    ),
  );
  const sg = st.spectrogram;
  const cells: { t: number; f: number; db: number }[] = [];
  for (let i = 0; i < sg.frames; i++) for (let k = 0; k < sg.bins; k++) cells.push({ t: Number(sg.timesS[i]!.toFixed(4)), f: Number(sg.freqHz[k]!.toFixed(1)), db: Number(sg.db[i * sg.bins + k]!.toFixed(1)) });
  parts.push(
    chart(
      await renderSvg({
        width: 800,
        height: 300,
        title: 'Spectrogram, channel 0 (Hann, power density dB)',
        data: { values: cells },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 't', type: 'ordinal', title: 'time (s)', axis: { labelOverlap: 'greedy', labelAngle: 0, format: '.2f', formatType: 'number' } },
          y: { field: 'f', type: 'ordinal', sort: 'descending', title: 'frequency (Hz)', axis: { labelOverlap: 'greedy' } },
          color: { field: 'db', type: 'quantitative', scale: { scheme: 'viridis' }, title: 'dB' },
        },
      }),
    ),
  );
  return parts;
}

export async function renderStatsHtml(file: string, st: SignalStats, command: string): Promise<string> {
  const body = [`<p class="note">Command: <code>${esc(command)}</code></p>`, ...(await statsCharts(file, st))];
  if (st.channels.length > 1) {
    body.push('<h2>Per channel</h2>');
    body.push(htmlTable(['channel', 'mean', 'median', 'std', 'skewness', 'kurtosis', 'distinct', 'spectral entropy'], st.channels.map((c, i) => [i, c.mean, c.median, c.std, c.skewness, c.kurtosis, c.distinct, c.spectralEntropy])));
  }
  return page(`neurozip stats — ${basename(file)}`, body.join('\n'));
}
