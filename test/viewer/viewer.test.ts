import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '../../src/codecs/builtin.js';
import { compressFile } from '../../src/api/compress.js';
import { openSource } from '../../src/formats/index.js';
import { npyHeader } from '../../src/formats/npy.js';
import { startViewer, type ViewerServer } from '../../src/viewer/server.js';
import { levelPipeline } from '../../src/codecs/levels.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { cli } from '../kit/cli.js';
import { REPO_ROOT, tempDir } from '../kit/paths.js';

// page.evaluate callbacks run in the browser; the project compiles without the DOM lib
declare const document: any;
type HTMLCanvasElement = any;

const NP2 = join(REPO_ROOT, 'samples', 'np2_g0_t0.imec0.ap.bin');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'viewer');
const { dir, cleanup } = tempDir();
const logs: string[] = [];
let v: ViewerServer;

before(async () => {
  v = await startViewer(NP2, { port: 0, log: (l) => logs.push(l) });
});
after(async () => {
  await v?.close();
  cleanup();
});

/** Parses a binary frame: u32 header length, JSON header, float32 arrays. */
async function frame(res: Response) {
  const buf = await res.arrayBuffer();
  const n = new DataView(buf).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  let off = 4 + n;
  const arrays = (header.arrays as number[]).map((len) => {
    const a = new Float32Array(buf.slice(off, off + len * 4));
    off += len * 4;
    return a;
  });
  return { header, arrays };
}

test('viewer: binds 127.0.0.1 and describes the recording and which codec controls exist', async () => {
  assert.match(v.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const info = await (await fetch(v.url + 'api/info')).json() as any;
  assert.deepEqual([info.kind, info.format, info.nChannels, info.nSamples, info.sampleRateHz], ['series', 'spikeglx', 385, 1000, 30000]);
  assert.equal(info.codecs.level, true);
  for (const k of ['abs', 'bps', 'rank', 'decim', 'events']) assert.equal(typeof info.codecs[k], 'boolean');
  const page = await fetch(v.url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<canvas id="cv-orig"/);
  assert.equal((await fetch(v.url + 'app.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await fetch(v.url + '..%2fpackage.json')).status, 404);
});

test('viewer: /api/window returns exactly the window, channel-major, downsampled by peak', async () => {
  const src = openSource(NP2);
  const frames = src.readFrames(100, 50);
  src.close();
  const { header, arrays } = await frame(await fetch(v.url + 'api/window?start=100&end=150&ch0=10&ch1=14&ds=1'));
  assert.deepEqual([header.start, header.end, header.ch0, header.ch1], [100, 150, 10, 14]);
  assert.equal(arrays[0]!.length, 4 * 50);
  for (let c = 0; c < 4; c++) for (let s = 0; s < 50; s++) assert.equal(arrays[0]![c * 50 + s], frames[s * 385 + 10 + c]);
  const ds = await frame(await fetch(v.url + 'api/window?start=100&end=150&ch0=10&ch1=14&ds=8'));
  assert.equal(ds.arrays[0]!.length, 4 * 7);
  const bin0 = Array.from({ length: 8 }, (_, s) => frames[s * 385 + 10]!);
  assert.equal(Math.abs(ds.arrays[0]![0]!), Math.max(...bin0.map(Math.abs)));
});

/** The max level's pipeline for the 385-channel int16 fixture, as the viewer names it. */
async function maxSpec385(): Promise<string> {
  return (await Pipeline.fromConfig(levelPipeline('max', { dtype: 'int16', nChannels: 385, sampleRateHz: 30000 }))).toString();
}

test('viewer: /api/encode re-encodes the window and reports ratio, SNR and spike F1', async () => {
  const fast = await frame(await fetch(v.url + 'api/encode?start=0&end=400&ch0=0&ch1=385&level=fast'));
  const max = await frame(await fetch(v.url + 'api/encode?start=0&end=400&ch0=0&ch1=385&level=max'));
  for (const f of [fast, max]) {
    assert.equal(f.header.lossless, true);
    assert.equal(f.header.snrDb, null); // exact: infinite SNR
    assert.equal(f.header.maxAbsError, 0);
    assert.equal(f.header.spikes.f1, 1);
    assert.ok(f.header.ratio > 1.5, String(f.header.ratio));
    assert.ok(f.arrays[1]!.every((r) => r === 0), 'lossless residual is zero');
  }
  assert.notEqual(fast.header.ratio, max.header.ratio);
  assert.equal(max.header.spec, await maxSpec385());
  const custom = await frame(await fetch(v.url + 'api/encode?start=0&end=400&ch0=0&ch1=8&codec=' + encodeURIComponent('delta+zstd:level=3')));
  assert.equal(custom.header.spec, 'delta:order=1+bytes+zstd:level=3');
});

test('viewer: bad requests get clear JSON errors here and a line in the terminal', async () => {
  const past = await fetch(v.url + 'api/window?start=900&end=1200');
  assert.equal(past.status, 416);
  assert.match(((await past.json()) as any).error, /window \[900, 1200\) is past the end of the recording \(1000 samples\)/);
  assert.ok(logs.some((l) => /^neurozip view: 416 GET \/api\/window\?start=900&end=1200: window/.test(l)), logs.join('\n'));
  const chans = await fetch(v.url + 'api/window?start=0&end=10&ch0=380&ch1=400');
  assert.equal(chans.status, 416);
  assert.match(((await chans.json()) as any).error, /past the last channel \(385 channels\)/);
  const bad = await fetch(v.url + 'api/window?start=abc');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as any).error, /start must be an integer/);
  const codec = await fetch(v.url + 'api/encode?start=0&end=10&codec=nosuchcodec');
  assert.equal(codec.status, 400);
  assert.match(((await codec.json()) as any).error, /nosuchcodec/);
  const info = await (await fetch(v.url + 'api/info')).json() as any;
  if (!info.codecs.abs) {
    const abs = await fetch(v.url + 'api/encode?start=0&end=10&abs=4');
    assert.equal(abs.status, 400);
    assert.match(((await abs.json()) as any).error, /not available in this build/);
  }
  // DNS rebinding: a request naming another host is refused (fetch cannot set Host, node:http can)
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: v.port, path: '/api/info', headers: { host: 'evil.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 403);
});

test('viewer: port in use and unreadable files are clear errors', async () => {
  await assert.rejects(startViewer(NP2, { port: v.port }), /port \d+ on 127\.0\.0\.1 is already in use/);
  const missing = cli(['view', join(dir, 'nope.wav'), '--port', '0']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^neurozip: .*nope\.wav: cannot open \(no such file or directory\)/);
  writeFileSync(join(dir, 'junk.xyz'), 'not a recording');
  const junk = cli(['view', join(dir, 'junk.xyz'), '--port', '0']);
  assert.equal(junk.code, 1);
  assert.match(junk.stderr, /junk\.xyz: unknown format/);
  const busy = cli(['view', NP2, '--port', String(v.port)]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /already in use/);
});

test('viewer: a .nzp is read through the container (random access), same samples as the source', async () => {
  const nzp = join(dir, 'np2.nzp');
  await compressFile(NP2, nzp, { level: 'fast', chunkSeconds: 0.005, threads: 1 });
  const z = await startViewer(nzp, { port: 0 });
  try {
    const info = await (await fetch(z.url + 'api/info')).json() as any;
    assert.match(info.format, /^nzp \(spikeglx\)/);
    assert.ok(info.container.chunks >= 6, JSON.stringify(info.container));
    const a = await frame(await fetch(z.url + 'api/window?start=300&end=340&ch0=0&ch1=385'));
    const b = await frame(await fetch(v.url + 'api/window?start=300&end=340&ch0=0&ch1=385'));
    assert.deepEqual(a.arrays[0], b.arrays[0]);
  } finally {
    await z.close();
  }
});

test('viewer: a 3-D .npy volume gives orthogonal slices', async () => {
  const [n0, n1, n2] = [5, 6, 7];
  const vol = new Float32Array(n0 * n1 * n2);
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) for (let k = 0; k < n2; k++) vol[(i * n1 + j) * n2 + k] = 100 * i + 10 * j + k + 1;
  const p = join(dir, 'vol.npy');
  writeFileSync(p, Buffer.concat([npyHeader('float32', [n0, n1, n2]), Buffer.from(vol.buffer)]));
  const z = await startViewer(p, { port: 0 });
  try {
    const info = await (await fetch(z.url + 'api/info')).json() as any;
    assert.deepEqual([info.kind, info.shape], ['volume', [5, 6, 7]]);
    const s0 = await frame(await fetch(z.url + 'api/slice?axis=0&index=2'));
    assert.deepEqual([s0.header.rows, s0.header.cols, s0.arrays[0]![8]], [6, 7, 200 + 10 + 1 + 1]);
    const s1 = await frame(await fetch(z.url + 'api/slice?axis=1&index=3'));
    assert.deepEqual([s1.header.rows, s1.header.cols, s1.arrays[0]![7 + 4]], [5, 7, 100 + 30 + 4 + 1]);
    const s2 = await frame(await fetch(z.url + 'api/slice?axis=2&index=6'));
    assert.deepEqual([s2.header.rows, s2.header.cols, s2.arrays[0]![6 * 4 + 5]], [5, 6, 400 + 50 + 6 + 1]);
    const past = await fetch(z.url + 'api/slice?axis=2&index=7');
    assert.equal(past.status, 416);
    assert.match(((await past.json()) as any).error, /slice 7 is past the end of axis 2 \(7 planes\)/);
    assert.equal((await fetch(z.url + 'api/window')).status, 400);
  } finally {
    await z.close();
  }
});

const NO_CHROMIUM: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`;

test('viewer end to end in Chromium: slider moves the window, a codec control re-encodes', { skip: NO_CHROMIUM, timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(v.url);
    const seqs = () => page.evaluate(() => ({ w: Number(document.body.dataset.windowSeq ?? 0), e: Number(document.body.dataset.encodeSeq ?? 0), t: Number(document.body.dataset.traceSeq ?? 0) }));
    const canvasHash = (id: string) => page.evaluate((i) => (document.getElementById(i) as HTMLCanvasElement).toDataURL(), id).then((u) => createHash('sha256').update(u).digest('hex'));
    await page.waitForFunction(() => Number(document.body.dataset.windowSeq) >= 1 && Number(document.body.dataset.encodeSeq) >= 1 && Number(document.body.dataset.traceSeq) >= 1);
    assert.match(await page.textContent('#file-info') ?? '', /spikeglx, 1000 samples × 385 ch/);
    const ratio0 = await page.textContent('#ratio');
    assert.match(ratio0 ?? '', /^\d+\.\d{3}×$/);
    const orig0 = await canvasHash('cv-orig');
    const recon0 = await canvasHash('cv-recon');
    const trace0 = await canvasHash('cv-trace');
    assert.equal(orig0, recon0, 'lossless: the reconstruction looks like the original');
    await page.screenshot({ path: join(ARTIFACTS, '1-loaded.png') });

    // move the time slider
    const before = await seqs();
    await page.locator('#t-slider').fill('300');
    await page.waitForFunction((b) => Number(document.body.dataset.windowSeq) > b.w && Number(document.body.dataset.encodeSeq) > b.e && Number(document.body.dataset.traceSeq) > b.t, before);
    assert.equal(await page.inputValue('#start'), '300');
    const orig1 = await canvasHash('cv-orig');
    assert.notEqual(orig1, orig0, 'the original heatmap changed with the window');
    assert.notEqual(await canvasHash('cv-recon'), recon0, 'the reconstruction changed with the window');
    assert.notEqual(await canvasHash('cv-trace'), trace0, 'the trace changed with the window');
    const ratio1 = await page.textContent('#ratio');
    assert.notEqual(ratio1, ratio0, 'the ratio is the new window\'s');
    await page.screenshot({ path: join(ARTIFACTS, '2-slider-moved.png') });

    // change a codec control
    const mid = await seqs();
    await page.selectOption('#level', 'max');
    await page.waitForFunction((b) => Number(document.body.dataset.encodeSeq) > b.e, mid);
    const ratio2 = await page.textContent('#ratio');
    assert.notEqual(ratio2, ratio1, 'the ratio follows the level');
    assert.match(await page.textContent('#spec') ?? '', new RegExp(`^${(await maxSpec385()).replace(/[+.]/g, '\\$&')} `));
    await page.screenshot({ path: join(ARTIFACTS, '3-level-max.png') });

    // a window past the end: a clear message on the page
    await page.fill('#start', '990');
    await page.locator('#start').dispatchEvent('change');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error') ?? '', /window \[990, \d+\) is past the end of the recording \(1000 samples\)/);
    await page.screenshot({ path: join(ARTIFACTS, '4-past-end.png') });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});
