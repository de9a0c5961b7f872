/**
 * The conformance kit every codec calls (DESIGN.md "Tests"): exact round trip (lossless) or bound
 * respected (lossy) over the signal grid and real excerpts; config round trip; golden encodings
 * that must decode forever; truncated and bit-flipped input must raise typed errors.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dtypeOf, type DType, type TypedArray } from '../../src/core/dtype.js';
import { isNeurozipError } from '../../src/core/errors.js';
import type { CodecConfig } from '../../src/codecs/codec.js';
import { codecFromConfig, getCodecFactory } from '../../src/codecs/registry.js';
import '../../src/codecs/builtin.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { parsePipelineString } from '../../src/pipeline/spec-string.js';
import { REPO_ROOT } from './paths.js';
import { realExcerpts, rng, syntheticSignals, type Signal } from './signals.js';

export interface ConformanceOptions {
  /** dtypes the pipeline accepts. */
  dtypes: DType[];
  /** Lossy pipelines: the largest |x - x̂| allowed for a signal. Omitted = exact. */
  tolerance?: (signal: Signal) => number;
  /** Include the real int16 excerpts from ../shared/data (default: when int16 is supported). */
  real?: boolean;
  /** Cap on values per real excerpt, for slow codecs (default: 20000 samples of every channel). */
  realValues?: number;
}

export function conformance(pipelineText: string, opts: ConformanceOptions): void {
  describe(`conformance: ${pipelineText}`, () => {
    const configs = parsePipelineString(pipelineText);

    for (const dtype of opts.dtypes) {
      test(`round trip, ${dtype} grid`, async () => {
        const p = await Pipeline.fromConfig(configs);
        for (const s of syntheticSignals(dtype)) checkRoundTrip(p, s, opts);
      });
    }

    if (opts.real ?? opts.dtypes.includes('int16')) {
      test('round trip, real excerpts', async (t) => {
        const sigs = realExcerpts(20000, opts.realValues);
        if (sigs.length === 0) return t.skip('../shared/data is absent');
        const p = await Pipeline.fromConfig(configs);
        for (const s of sigs) checkRoundTrip(p, s, opts);
      });
    }

    test('config round trip', async () => {
      const p = await Pipeline.fromConfig(configs);
      for (const codec of p.stages) {
        const cfg = codec.toConfig();
        assert.deepEqual(JSON.parse(JSON.stringify(cfg)), cfg, `${codec.id}: config is plain JSON`);
        const again = (await getCodecFactory(cfg.id)).fromConfig(structuredClone(cfg));
        assert.deepEqual(again.toConfig(), cfg, `${codec.id}: fromConfig(toConfig()) is the same codec`);
      }
      const p2 = await Pipeline.fromString(p.toString());
      assert.deepEqual(p2.toConfig(), p.toConfig(), 'string form round-trips');
      await assert.rejects(codecFromConfig({ ...configs[0]!, noSuchParameter: 1 }), (e) => isNeurozipError(e, 'InvalidConfig'));
    });

    test('golden encodings decode forever', async () => {
      const p = await Pipeline.fromConfig(configs);
      const dtype = opts.dtypes[0]!;
      const cases = syntheticSignals(dtype).filter((s) => /\.(777x3\.sines|1001x1\.noise)$/.test(s.name));
      for (const s of cases) await checkGolden(pipelineText, p, s, opts);
    });

    test('truncated and bit-flipped input raise typed errors', async () => {
      const p = await Pipeline.fromConfig(configs);
      const s = syntheticSignals(opts.dtypes[0]!).find((x) => x.name.endsWith('4096x4.sines'))!;
      const enc = p.encode(s.data, s.spec);
      const r = rng(enc.byteLength);
      const cuts = new Set([0, 1, enc.byteLength >> 1, enc.byteLength - 1]);
      for (let i = 0; i < 12; i++) cuts.add(Math.floor(r() * enc.byteLength));
      for (const cut of cuts) {
        assert.throws(() => p.decode(enc.subarray(0, cut), s.spec), (e) => isNeurozipError(e), `truncated to ${cut} bytes`);
      }
      for (let i = 0; i < 48; i++) {
        const bad = new Uint8Array(enc);
        const bit = Math.floor(r() * bad.byteLength * 8);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        try {
          const out = p.decode(bad, s.spec);
          assert.equal(out.length, s.data.length, `bit ${bit} flipped: decoded a wrong shape`);
        } catch (e) {
          assert.ok(isNeurozipError(e), `bit ${bit} flipped: untyped error ${(e as Error)?.stack}`);
        }
      }
    });
  });
}

function checkRoundTrip(p: Pipeline, s: Signal, opts: ConformanceOptions): void {
  const input = s.data.slice();
  const enc = p.encode(s.data, s.spec);
  assert.deepEqual(s.data, input, `${s.name}: encode must not modify its input`);
  const dec = p.decode(enc, s.spec);
  assert.equal(dtypeOf(dec), s.spec.dtype, `${s.name}: dtype`);
  assert.equal(dec.length, s.data.length, `${s.name}: length`);
  if (!opts.tolerance) {
    assertSameArray(dec, s.data, s.name);
  } else {
    const tol = opts.tolerance(s);
    let worst = 0;
    for (let i = 0; i < dec.length; i++) worst = Math.max(worst, Math.abs(dec[i]! - s.data[i]!));
    assert.ok(worst <= tol, `${s.name}: max error ${worst} > bound ${tol}`);
  }
  // decode into a caller's buffer holding garbage (stages get dirty scratch arrays too)
  const out = s.data.slice();
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).fill(0x5a);
  const dec2 = p.decode(enc, s.spec, out);
  assert.equal(dec2, out, `${s.name}: decode(out) must return out`);
  assertSameArray(dec2, dec, `${s.name}: decode(out) vs decode()`);
  // the pipeline reuses its scratch arrays: a second encode must give the same bytes
  assert.deepEqual(p.encode(s.data, s.spec), enc, `${s.name}: a second encode differs`);
}

export function assertSameArray(a: TypedArray, b: TypedArray, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: differs at ${i}: ${a[i]} vs ${b[i]}`);
  }
}

/**
 * Golden files live in test/golden/, one per pipeline x signal. A missing one is written on the
 * first run (then committed and reviewed); an existing one must decode with the stored config.
 */
async function checkGolden(pipelineText: string, p: Pipeline, s: Signal, opts: ConformanceOptions): Promise<void> {
  const dir = join(REPO_ROOT, 'test', 'golden');
  let stem = pipelineText.replace(/[^a-zA-Z0-9=.,_-]+/g, '_');
  if (stem.length > 120) stem = `${stem.slice(0, 60)}~${createHash('sha256').update(pipelineText).digest('hex').slice(0, 16)}`;
  const file = join(dir, `${stem}.${s.name}.json`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const golden = {
      pipeline: p.toConfig(),
      spec: s.spec,
      input: Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).toString('base64'),
      encoded: Buffer.from(p.encode(s.data, s.spec)).toString('base64'),
    };
    writeFileSync(file, JSON.stringify(golden, null, 1) + '\n');
  }
  const g = JSON.parse(readFileSync(file, 'utf8')) as { pipeline: CodecConfig[]; spec: Signal['spec']; input: string; encoded: string };
  const input = new Uint8Array(Buffer.from(g.input, 'base64'));
  assert.deepEqual(input, new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength), `${file}: input drifted`);
  const stored = await Pipeline.fromConfig(g.pipeline);
  const dec = stored.decode(new Uint8Array(Buffer.from(g.encoded, 'base64')), g.spec);
  if (opts.tolerance) {
    const tol = opts.tolerance(s);
    for (let i = 0; i < dec.length; i++) assert.ok(Math.abs(dec[i]! - s.data[i]!) <= tol, `${file}: bound broken at ${i}`);
  } else {
    assertSameArray(dec, s.data, file);
  }
}
