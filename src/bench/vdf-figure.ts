/**
 * `neurozip vdf compare`: one VDF cell through one volume codec, rendered as a self-contained HTML
 * page: the numbers (ratio, max error, PSNR, moment errors) and three orthogonal slices through the
 * VDF's peak (vz, vy, vx planes) of the original, the reconstruction and |error|, each a log10
 * colour heatmap (SVG from vega-lite, rendered in Node; no network needed to view).
 */
import { renderSvg } from './report.js';
import type { VdfMoments } from '../metrics/vdf.js';

export interface CompareInput {
  title: string;
  shape: readonly number[];
  original: ArrayLike<number>;
  recon: ArrayLike<number>;
  facts: [string, string][];
  moments: { original: VdfMoments; recon: VdfMoments };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Plane = { name: string; axes: [string, string]; at: (a: number, b: number) => number; na: number; nb: number };

/** The three planes through index (pz, py, px) of a [nz, ny, nx] volume. */
function planes(shape: readonly number[], p: [number, number, number]): Plane[] {
  const [nz, ny, nx] = shape as [number, number, number];
  const idx = (z: number, y: number, x: number) => (z * ny + y) * nx + x;
  return [
    { name: `vz index = ${p[0]}`, axes: ['vx', 'vy'], na: nx, nb: ny, at: (a, b) => idx(p[0], b, a) },
    { name: `vy index = ${p[1]}`, axes: ['vx', 'vz'], na: nx, nb: nz, at: (a, b) => idx(b, p[1], a) },
    { name: `vx index = ${p[2]}`, axes: ['vy', 'vz'], na: ny, nb: nz, at: (a, b) => idx(b, a, p[2]) },
  ];
}

async function heatmap(pl: Plane, values: ArrayLike<number>, floor: number, domain: [number, number], title: string, scheme: string): Promise<string> {
  const data: { a: number; b: number; v: number }[] = [];
  for (let b = 0; b < pl.nb; b++) for (let a = 0; a < pl.na; a++) data.push({ a, b, v: Math.log10(Math.max(floor, Math.abs(values[pl.at(a, b)]!))) });
  return renderSvg({
    title: { text: title, fontSize: 12 },
    width: 240,
    height: 240,
    data: { values: data },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'a', type: 'ordinal', title: pl.axes[0], axis: { labels: false, ticks: false } },
      y: { field: 'b', type: 'ordinal', title: pl.axes[1], sort: 'descending', axis: { labels: false, ticks: false } },
      color: { field: 'v', type: 'quantitative', title: 'log10', scale: { scheme, domain } },
    },
    config: { view: { stroke: null } },
  });
}

export async function renderCompareHtml(c: CompareInput): Promise<string> {
  const n = c.original.length;
  let mx = 0;
  let peak = 0;
  let emx = 0;
  for (let i = 0; i < n; i++) {
    if (c.original[i]! > mx) {
      mx = c.original[i]!;
      peak = i;
    }
    emx = Math.max(emx, Math.abs(c.original[i]! - c.recon[i]!));
  }
  const [, ny, nx] = c.shape as [number, number, number];
  const p: [number, number, number] = [Math.floor(peak / (ny * nx)), Math.floor(peak / nx) % ny, peak % nx];
  const err = Float64Array.from({ length: n }, (_, i) => c.original[i]! - c.recon[i]!);
  const floor = mx > 0 ? mx * 1e-7 : 1e-30;
  const dom: [number, number] = [Math.log10(floor), Math.log10(Math.max(mx, floor * 10))];
  const efloor = emx > 0 ? emx * 1e-4 : floor;
  const edom: [number, number] = [Math.log10(efloor), Math.log10(Math.max(emx, efloor * 10))];
  const rows: string[] = [];
  for (const pl of planes(c.shape, p)) {
    const svgs = [
      await heatmap(pl, c.original, floor, dom, `original, ${pl.name}`, 'viridis'),
      await heatmap(pl, c.recon, floor, dom, `reconstruction, ${pl.name}`, 'viridis'),
      await heatmap(pl, err, efloor, edom, `|error|, ${pl.name}`, 'inferno'),
    ];
    rows.push(`<div class="row">${svgs.map((s) => `<div>${s}</div>`).join('')}</div>`);
  }
  const m = c.moments;
  const facts = c.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const mom = `<tr><th>density Σf</th><td>${m.original.density.toPrecision(6)} → ${m.recon.density.toPrecision(6)}</td></tr><tr><th>bulk velocity</th><td>${m.original.bulk.map((v) => v.toPrecision(5)).join(', ')} → ${m.recon.bulk.map((v) => v.toPrecision(5)).join(', ')}</td></tr><tr><th>temperature (v² units)</th><td>${m.original.temperature.toPrecision(6)} → ${m.recon.temperature.toPrecision(6)}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(c.title)}</title><style>
body{font-family:system-ui,sans-serif;margin:20px;color:#222}h1{font-size:20px}.row{display:flex;gap:8px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}
.note{color:#666;font-size:13px}</style></head><body>
<h1>${esc(c.title)}</h1>
<table>${facts}${mom}</table>
<p class="note">Slices through the VDF's peak (index z, y, x = ${p.join(', ')}). Original and reconstruction share one log10 colour scale from 10⁻⁷·max to max (smaller |values| at the floor); |error| has its own, from 10⁻⁴·(max error) to the max error.</p>
${rows.join('\n')}
</body></html>
`;
}
