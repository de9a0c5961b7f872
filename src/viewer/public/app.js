// neurozip view: the page. Plain ES module + Canvas 2D, no build step. The server decodes and
// re-encodes only the visible window; every fetch is async and a newer request aborts an older
// one of the same kind, so the page never waits on stale work.

const $ = (id) => document.getElementById(id);
let info = null;
let lastWindow = null; // { header, data }
let lastEncode = null; // { header, recon, resid }
const seq = { window: 0, encode: 0, trace: 0, slice: 0 };

// ---------- fetching ----------

const inflight = new Map();
let busy = 0;

/** GET `url`; `kind` names the request family (a newer one aborts the older). */
async function get(kind, url, binary) {
  inflight.get(kind)?.abort();
  const ctl = new AbortController();
  inflight.set(kind, ctl);
  busy++;
  $('busy').hidden = false;
  try {
    const res = await fetch(url, { signal: ctl.signal });
    if (!res.ok) {
      let msg = `${res.status} ${res.statusText}`;
      try {
        msg = (await res.json()).error ?? msg;
      } catch {}
      throw new Error(msg);
    }
    return binary ? parseFrame(await res.arrayBuffer()) : await res.json();
  } finally {
    if (inflight.get(kind) === ctl) inflight.delete(kind);
    if (--busy === 0) $('busy').hidden = true;
  }
}

/** u32 header length | JSON header | float32 arrays (lengths in header.arrays). */
function parseFrame(buf) {
  const n = new DataView(buf).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  let off = 4 + n;
  const arrays = header.arrays.map((len) => {
    const a = new Float32Array(buf, off, len);
    off += len * 4;
    return a;
  });
  return { header, arrays };
}

const errors = new Map();
function showError(kind, e) {
  if (e?.name === 'AbortError') return;
  if (e) errors.set(kind, e.message ?? String(e));
  else errors.delete(kind);
  const box = $('error');
  box.textContent = [...errors.entries()].map(([k, m]) => `${k}: ${m}`).join('\n');
  box.hidden = errors.size === 0;
}

function debounce(fn, ms) {
  let t;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

// ---------- drawing ----------

/** Draws a rows x cols array into a canvas; `shade(v)` gives [r, g, b]. */
function drawMatrix(canvas, data, rows, cols, shade) {
  const img = new ImageData(cols, rows);
  const px = img.data;
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = shade(data[i]);
    px[4 * i] = r;
    px[4 * i + 1] = g;
    px[4 * i + 2] = b;
    px[4 * i + 3] = 255;
  }
  const off = new OffscreenCanvas(cols, rows);
  off.getContext('2d').putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

const grey = (vmin, vmax) => {
  const span = vmax > vmin ? vmax - vmin : 1;
  return (v) => {
    const g = Math.max(0, Math.min(255, Math.round(((v - vmin) / span) * 255)));
    return [g, g, g];
  };
};

function percentiles(data, lo, hi) {
  const step = Math.max(1, Math.floor(data.length / 20000));
  const s = [];
  for (let i = 0; i < data.length; i += step) s.push(data[i]);
  s.sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return [at(lo), at(hi)];
}

function contrast() {
  if ($('auto-contrast').checked && lastWindow) {
    const [a, b] = percentiles(lastWindow.shown ?? lastWindow.data, 0.01, 0.99);
    $('vmin').value = String(+a.toPrecision(4));
    $('vmax').value = String(+b.toPrecision(4));
  }
  return [Number($('vmin').value), Number($('vmax').value)];
}

function drawHeatmaps() {
  if (!lastWindow) return;
  const h = lastWindow.header;
  const rows = h.ch1 - h.ch0;
  const cols = lastWindow.data.length / rows;
  // channel offsets (DC) would dominate the picture: subtract each channel's mean of the original
  // from both the original and the reconstruction (the residual is unaffected)
  const offs = new Float32Array(rows);
  if ($('demean').checked) {
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += lastWindow.data[r * cols + c];
      offs[r] = sum / cols;
    }
  }
  const centred = (a) => (offs.some((o) => o !== 0) ? a.map((v, i) => v - offs[Math.floor(i / cols)]) : a);
  lastWindow.shown = centred(lastWindow.data);
  const [vmin, vmax] = contrast();
  drawMatrix($('cv-orig'), lastWindow.shown, rows, cols, grey(vmin, vmax));
  if (lastEncode && sameWindow(lastEncode.header, h)) {
    drawMatrix($('cv-recon'), centred(lastEncode.recon), rows, cols, grey(vmin, vmax));
    const half = (vmax - vmin) / 2 / Number($('gain').value);
    drawMatrix($('cv-resid'), lastEncode.resid, rows, cols, grey(-half, half));
  }
}

const sameWindow = (a, b) => a.start === b.start && a.end === b.end && a.ch0 === b.ch0 && a.ch1 === b.ch1 && a.ds === b.ds;

const COLORS = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f', '#4e342e', '#ad1457'];

function drawTraces(t) {
  const cv = $('cv-trace');
  const ctx = cv.getContext('2d');
  ctx.clearRect(0, 0, cv.width, cv.height);
  const sn = $('cv-snip').getContext('2d');
  sn.clearRect(0, 0, $('cv-snip').width, $('cv-snip').height);
  const nCh = t.channels.length;
  const laneH = cv.height / nCh;
  const n = t.end - t.start;
  const xOf = (i) => (i / Math.max(1, n - 1)) * cv.width;
  let total = 0;
  t.channels.forEach((c, k) => {
    const y = c.filtered ?? c.raw;
    // robust scale (99.8th percentile of the deviation), so one artefact does not flatten the rest
    const [lo, hi] = percentiles(y, 0.002, 0.998);
    const center = c.filtered ? 0 : (lo + hi) / 2;
    const mid = k * laneH + laneH / 2;
    const scale = (laneH * 0.42) / Math.max(1e-9, Math.abs(lo - center), Math.abs(hi - center));
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, k * laneH, cv.width, laneH);
    ctx.clip();
    ctx.strokeStyle = COLORS[k % COLORS.length];
    ctx.lineWidth = 1;
    ctx.beginPath();
    // min/max per pixel column so long windows stay faithful
    const perPx = Math.max(1, Math.floor(n / cv.width));
    for (let i = 0; i < n; i += perPx) {
      let a = Infinity;
      let b = -Infinity;
      for (let j = i; j < Math.min(n, i + perPx); j++) {
        if (y[j] < a) a = y[j];
        if (y[j] > b) b = y[j];
      }
      ctx.moveTo(xOf(i), mid - (a - center) * scale);
      ctx.lineTo(xOf(i) + 0.01, mid - (b - center) * scale);
      if (perPx === 1 && i + 1 < n) ctx.lineTo(xOf(i + 1), mid - (y[i + 1] - center) * scale);
    }
    ctx.stroke();
    if (c.threshold !== null) {
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = '#999';
      ctx.beginPath();
      ctx.moveTo(0, mid + c.threshold * scale);
      ctx.lineTo(cv.width, mid + c.threshold * scale);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = '#d50000';
    for (const s of c.spikes) {
      ctx.beginPath();
      ctx.moveTo(xOf(s), k * laneH + 4);
      ctx.lineTo(xOf(s) - 4, k * laneH - 3 + 4);
      ctx.lineTo(xOf(s) + 4, k * laneH - 3 + 4);
      ctx.fill();
      ctx.fillRect(xOf(s) - 0.5, k * laneH + 4, 1, laneH - 8);
    }
    ctx.restore();
    ctx.fillStyle = '#333';
    ctx.fillText(`ch ${c.ch}: ${c.spikes.length} spikes`, 4, k * laneH + 12);
    total += c.spikes.length;
    // snippets, overlaid per channel in its colour
    if (c.snippets.length) {
      const W = $('cv-snip').width;
      const H = $('cv-snip').height;
      const len = c.snippets[0].length;
      let m = 1e-9;
      for (const s of c.snippets) for (const v of s) m = Math.max(m, Math.abs(v));
      sn.strokeStyle = COLORS[k % COLORS.length];
      sn.globalAlpha = Math.max(0.08, Math.min(0.6, 4 / c.snippets.length));
      for (const s of c.snippets) {
        sn.beginPath();
        s.forEach((v, i) => (i ? sn.lineTo : sn.moveTo).call(sn, (i / (len - 1)) * W, H / 2 - (v / m) * (H * 0.45)));
        sn.stroke();
      }
      sn.globalAlpha = 1;
    }
  });
  $('trace-note').textContent = t.sampleRateHz ? `${total} spikes (threshold ${'4.5'}σ, ${'300'} Hz high-pass)` : 'no sample rate: raw traces, no spike detection';
}

// ---------- series view ----------

function readWindow() {
  const n = info.nSamples;
  let win = Math.max(2, Math.floor(Number($('win').value) || 2));
  const start = Math.max(0, Math.floor(Number($('start').value) || 0));
  const ch0 = Math.max(0, Math.floor(Number($('ch0').value) || 0));
  const ch1 = Math.max(ch0 + 1, Math.floor(Number($('ch1').value) || ch0 + 1));
  const ds = Math.max(1, Math.floor(Number($('ds').value) || 1));
  $('t-slider').max = String(Math.max(0, n - Math.min(win, n)));
  return { start, end: start + win, ch0, ch1, ds };
}

const qs = (o) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString();

function codecParams() {
  const custom = $('codec').value.trim();
  if (custom) return { codec: custom };
  const p = { level: $('level').value };
  for (const id of ['abs', 'bps', 'rank', 'decim']) if (!$(id).disabled && Number($(id).value) > 0) p[id] = $(id).value;
  if (!$('events').disabled && $('events').checked) p.events = 1;
  return p;
}

function timeLabel(w) {
  const fs = info.sampleRateHz;
  $('t-label').textContent = fs ? `${(w.start / fs).toFixed(4)} – ${(w.end / fs).toFixed(4)} s` : `samples ${w.start} – ${w.end}`;
}

async function loadWindow() {
  const w = readWindow();
  timeLabel(w);
  try {
    const { header, arrays } = await get('window', `/api/window?${qs(w)}`, true);
    lastWindow = { header, data: arrays[0] };
    showError('window', null);
    drawHeatmaps();
    document.body.dataset.windowSeq = String(++seq.window);
  } catch (e) {
    showError('window', e);
  }
}

async function loadEncode() {
  const w = readWindow();
  try {
    const { header, arrays } = await get('encode', `/api/encode?${qs({ ...w, ...codecParams() })}`, true);
    lastEncode = { header, recon: arrays[0], resid: arrays[1] };
    showError('codec', null);
    $('ratio').textContent = `${header.ratio.toFixed(3)}×`;
    $('snr').textContent = header.snrDb === null ? '∞ (exact)' : `${header.snrDb.toFixed(2)} dB`;
    $('maxerr').textContent = String(Math.round(header.maxAbsError * 1000) / 1000);
    $('f1').textContent = header.spikes ? (header.spikes.f1 === null ? 'no spikes' : `${header.spikes.f1.toFixed(3)} (${header.spikes.original} spikes)`) : 'no sample rate';
    $('enc-ms').textContent = `${header.encodeMs.toFixed(1)} ms`;
    $('spec').textContent = `${header.spec}${header.lossless ? ' (lossless)' : ' (LOSSY)'} · ${header.rawBytes} → ${header.compressedBytes} bytes`;
    drawHeatmaps();
    document.body.dataset.encodeSeq = String(++seq.encode);
  } catch (e) {
    showError('codec', e);
  }
}

async function loadTrace() {
  const w = readWindow();
  const ch = $('trace-ch').value.replace(/\s+/g, '');
  try {
    const t = await get('trace', `/api/trace?${qs({ start: w.start, end: w.end, ch })}`, false);
    showError('trace', null);
    drawTraces(t);
    document.body.dataset.traceSeq = String(++seq.trace);
  } catch (e) {
    showError('trace', e);
  }
}

function refreshAll() {
  loadWindow();
  loadEncode();
  loadTrace();
}

function initSeries() {
  $('series-view').hidden = false;
  const n = info.nSamples;
  const C = info.nChannels;
  // about 0.1 s, at most 4000 samples and half the recording (so the slider has room to move)
  const win = Math.min(info.sampleRateHz ? Math.round(info.sampleRateHz * 0.1) : 2000, 4000, Math.max(2, Math.floor(n / 2)));
  $('win').value = String(Math.max(2, win));
  $('win').max = String(n);
  $('start').max = String(n - 1);
  $('ch1').value = String(Math.min(C, 96));
  $('ch1').max = String(C);
  $('ch0').max = String(C - 1);
  $('trace-ch').value = [0, 1, 2].filter((c) => c < C).join(',');
  for (const l of info.levels) $('level').add(new Option(l, l, l === 'default', l === 'default'));
  document.querySelectorAll('[data-control]').forEach((label) => {
    const id = label.dataset.control;
    if (!info.codecs[id]) {
      label.classList.add('unavailable');
      label.querySelector('input').disabled = true;
      label.querySelector('small').textContent = 'not available in this build';
    }
  });
  const windowChanged = debounce(refreshAll, 60);
  $('t-slider').addEventListener('input', () => {
    $('start').value = $('t-slider').value;
    windowChanged();
  });
  for (const id of ['start', 'win', 'ch0', 'ch1', 'ds']) {
    $(id).addEventListener('change', () => {
      $('t-slider').value = $('start').value;
      refreshAll();
    });
  }
  const codecChanged = debounce(loadEncode, 60);
  for (const id of ['level', 'abs', 'bps', 'rank', 'decim', 'events', 'codec']) $(id).addEventListener('change', codecChanged);
  for (const id of ['vmin', 'vmax']) $(id).addEventListener('input', () => {
    $('auto-contrast').checked = false;
    drawHeatmaps();
  });
  $('auto-contrast').addEventListener('change', drawHeatmaps);
  $('demean').addEventListener('change', () => {
    $('auto-contrast').checked = true;
    drawHeatmaps();
  });
  $('gain').addEventListener('change', drawHeatmaps);
  $('trace-ch').addEventListener('change', loadTrace);
  refreshAll();
}

// ---------- volume view ----------

// viridis anchors (matplotlib), interpolated linearly
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
}

const slices = [null, null, null];

function drawSlices() {
  const log = $('log-scale').checked;
  // one colour scale for the three planes, so they compare
  let hi = -Infinity;
  let lo = Infinity;
  let minPos = Infinity;
  for (const s of slices) {
    if (!s) continue;
    for (const v of s.data) {
      if (v > hi) hi = v;
      if (v < lo) lo = v;
      if (v > 0 && v < minPos) minPos = v;
    }
  }
  if (hi === -Infinity) return;
  let map;
  if (log && hi > 0) {
    const floor = Math.max(minPos, hi * 1e-8);
    const l0 = Math.log10(floor);
    const l1 = Math.log10(hi);
    map = (v) => (v > 0 ? viridis((Math.log10(Math.max(v, floor)) - l0) / Math.max(1e-12, l1 - l0)) : [0, 0, 0]);
  } else {
    map = (v) => viridis((v - lo) / Math.max(1e-30, hi - lo));
  }
  slices.forEach((s, axis) => s && drawMatrix($(`cv-ax${axis}`), s.data, s.rows, s.cols, map));
}

async function loadSlice(axis) {
  const index = Number($(`ix${axis}`).value);
  try {
    const { header, arrays } = await get(`slice${axis}`, `/api/slice?${qs({ axis, index })}`, true);
    slices[axis] = { data: arrays[0], rows: header.rows, cols: header.cols };
    $(`cap${axis}`).textContent = `axis ${axis} = ${index}`;
    showError(`slice ${axis}`, null);
    drawSlices();
    document.body.dataset.sliceSeq = String(++seq.slice);
  } catch (e) {
    showError(`slice ${axis}`, e);
  }
}

function initVolume() {
  $('volume-view').hidden = false;
  info.shape.forEach((n, axis) => {
    const el = $(`ix${axis}`);
    el.max = String(n - 1);
    el.value = String(Math.floor(n / 2));
    el.addEventListener('input', debounce(() => loadSlice(axis), 40));
    loadSlice(axis);
  });
  $('log-scale').addEventListener('change', drawSlices);
}

// ---------- start ----------

try {
  info = await get('info', '/api/info', false);
  const what = info.kind === 'series' ? `${info.nSamples} samples × ${info.nChannels} ch, ${info.dtype}${info.sampleRateHz ? ` @ ${info.sampleRateHz} Hz` : ''}` : `${info.shape.join(' × ')} ${info.dtype}`;
  const stored = info.container ? ` · stored as ${info.container.pipeline} (${info.container.ratio.toFixed(3)}×, ${info.container.chunks} chunks)` : '';
  $('file-info').textContent = `${info.file} — ${info.format}, ${what}${stored}`;
  if (info.kind === 'series') initSeries();
  else initVolume();
} catch (e) {
  $('file-info').textContent = 'could not load';
  showError('info', e);
}
