import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/codecs/builtin.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { LmscmModel } from '../../src/codecs/entropy/_lmscm-model.js';
import { alignShift, findAsset, histMean, KNOWN_PRIORS, logProfile, namedPrior, parsePrior, serializePrior, VALUE_SPAN, type LmscmPrior } from '../../src/codecs/entropy/_lmscm-prior.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { conformance } from '../kit/conformance.js';
import { rng } from '../kit/signals.js';
import { NO_DATA, sharedPath } from '../kit/paths.js';
import { readFileSync } from 'node:fs';

conformance('remap+lmscm:model=2', { dtypes: ['int16'], realValues: 6000 });
conformance('remap+lmscm:model=2,prior=n1-v1', { dtypes: ['int16'], realValues: 6000 });

function smallPrior(): LmscmPrior {
  const m = new LmscmModel([6, 10], 3, 2, 255, 8e-9, 4);
  m.slot[0] = m.base[0]! + 1;
  m.slot[1] = m.base[1]! + 7;
  for (let i = 0; i < 50; i++) {
    m.p(1, 1, 2);
    m.update(i % 3 === 0 ? 1 : 0);
  }
  const hist = new Float64Array(VALUE_SPAN);
  hist[100] = 7;
  hist[4095] = 1;
  return { state: m.snapshot(), hist, countCap: 20 };
}

test('lmscm prior: serialize / parse round trip, and loading caps the counts', () => {
  const p = smallPrior();
  const back = parsePrior(serializePrior(p), 'test prior');
  assert.deepEqual(back.hist, p.hist);
  assert.deepEqual(back.state.prob, p.state.prob);
  assert.deepEqual(back.state.weights, p.state.weights);
  assert.deepEqual(back.state.apm2, p.state.apm2);
  assert.equal(Math.max(...p.state.count[0]!), 50);
  assert.equal(Math.max(...back.state.count[0]!), 20, 'counts are capped on parse');
  const m = new LmscmModel([6, 10], 3, 2, 255, 8e-9, 4, back.state);
  assert.deepEqual(m.snapshot(), back.state);
});

test('lmscm prior: damaged bytes and a layout mismatch raise typed errors', () => {
  const bytes = serializePrior(smallPrior());
  assert.throws(() => parsePrior(bytes.subarray(0, bytes.length >> 1), 'p'), (e) => isNeurozipError(e, 'CorruptData'));
  assert.throws(() => parsePrior(new Uint8Array([1, 2, 3]), 'p'), (e) => isNeurozipError(e, 'CorruptData'));
  const other = new LmscmModel([6, 11], 3, 2, 255, 8e-9, 4);
  assert.throws(() => other.load(smallPrior().state), (e) => isNeurozipError(e, 'InvalidConfig'));
});

test('lmscm prior: the shipped asset is found and checked; unknown, missing or corrupt priors are clear errors', async () => {
  assert.ok(findAsset(KNOWN_PRIORS['n1-v1']!.file), 'assets/ is found from the compiled module');
  assert.equal(findAsset('no-such-prior.bin'), undefined);
  assert.ok(namedPrior('n1-v1').state.prob.length > 0);
  await assert.rejects(Pipeline.fromString('lmscm:prior=nope'), (e) => isNeurozipError(e, 'InvalidConfig'));
  // n1-v1 was trained for model 2
  await assert.rejects(Pipeline.fromString('lmscm:prior=n1-v1'), (e) => isNeurozipError(e, 'InvalidConfig') && /model=2/.test((e as Error).message));
  KNOWN_PRIORS['test-missing'] = { file: 'no-such-prior.bin', sha256: '0'.repeat(64) };
  KNOWN_PRIORS['test-corrupt'] = { file: KNOWN_PRIORS['n1-v1']!.file, sha256: '0'.repeat(64) };
  try {
    assert.throws(() => namedPrior('test-missing'), (e) => isNeurozipError(e, 'InvalidConfig') && /missing/.test((e as Error).message));
    assert.throws(() => namedPrior('test-corrupt'), (e) => isNeurozipError(e, 'CorruptData') && /sha256/.test((e as Error).message));
  } finally {
    delete KNOWN_PRIORS['test-missing'];
    delete KNOWN_PRIORS['test-corrupt'];
  }
});

test('lmscm prior: alignment finds the shift of a chunk whose values follow the training histogram', () => {
  // training histogram: a bump around 2000 with every third code narrow (a DNL-like fingerprint)
  const hist = new Float64Array(VALUE_SPAN);
  for (let a = 1700; a < 2300; a++) hist[a] = Math.round(1e5 * Math.exp(-(((a - 2000) / 80) ** 2)) * (a % 3 === 0 ? 0.3 : 1));
  const r = rng(5);
  const cdf: number[] = [];
  let tot = 0;
  for (let a = 0; a < VALUE_SPAN; a++) cdf.push((tot += hist[a]!));
  const shift = 1930; // chunk values v = absolute code - shift
  const n = 20000;
  const x = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r() * tot;
    let lo = 0;
    while (cdf[lo]! < u) lo++;
    x[i] = lo - shift;
  }
  assert.equal(alignShift(x, 0, n, 1, logProfile(hist), histMean(hist)), shift);
});

test('lmscm with a prior: a held-out n1 excerpt codes smaller than without', { skip: NO_DATA }, async () => {
  // the last n1 file by sorted name is in the held-out half (the prior never saw it)
  const buf = readFileSync(sharedPath('n1', 'ffb6837e-be2b-474f-bdd0-3c9cd631f39d.wav'));
  const n = 20000;
  const x = new Int16Array(n);
  x.set(new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + 44 + 2 * n)));
  const spec = { dtype: 'int16' as const, shape: [n, 1] };
  const plain = await Pipeline.fromString('remap+lmscm:model=2');
  const withPrior = await Pipeline.fromString('remap+lmscm:model=2,prior=n1-v1');
  const a = plain.encode(x, spec);
  const b = withPrior.encode(x, spec);
  assert.deepEqual(withPrior.decode(b, spec), x);
  assert.ok(b.byteLength < a.byteLength, `with prior ${b.byteLength} bytes vs ${a.byteLength}`);
});
