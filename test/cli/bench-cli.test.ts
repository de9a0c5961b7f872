import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli } from '../kit/cli.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);
const N1 = ['0052503c-2849-4f41-ab51-db382103690c.wav', '006c6dd6-d91e-419c-9836-c3f320da4f25.wav'];

test('bench over a folder writes JSON, CSV and HTML; stats prints and writes', { skip: NO_DATA }, () => {
  for (const f of N1) copyFileSync(sharedPath('n1', f), join(dir, f));
  let r = cli(['bench', '.', '--codecs', 'zstd-3,delta:order=1+huffman', '--level', 'fast', '--repeat', '2', '--json', 'b.json', '--csv', 'b.csv', '--html', 'b.html'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /delta:order=1\+huffman\s+2\s+[\d.]+/);
  const j = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
  assert.deepEqual(j.results.map((x: { codec: string }) => x.codec).sort(), ['delta:order=1+huffman', 'neurozip-fast', 'zstd-3']);
  for (const x of j.results) {
    assert.equal(x.files, 2);
    assert.equal(x.lossless, true);
    assert.equal(x.mismatches, 0);
  }
  assert.equal(j.perFile.length, 6);
  const csv = readFileSync(join(dir, 'b.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 7);
  const html = readFileSync(join(dir, 'b.html'), 'utf8');
  const at = (s: string) => html.indexOf(s);
  assert.ok(at('Ratio vs speed') > 0 && at('<svg') > at('Ratio vs speed') && at('Spectrogram') > at('<svg'), 'HTML sections and inline SVG');
  // --grid writes the CSV to stdout
  r = cli(['bench', N1[0]!, '--grid', 'zstd:level=1|3'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 3);
  // usage errors exit 2
  assert.equal(cli(['bench', '.', '--codecs', 'zstd', '--all-lossless'], dir).code, 2);
  r = cli(['stats', N1[0]!, '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.nSamples, 98689);
  assert.equal(s.distinct, 266); // PROVENANCE.md lists 266 distinct values for this file
  assert.equal(s.min, -8488);
  assert.equal(s.max, 9704);
  assert.ok(s.spectralEntropy > 0 && s.spectralEntropy < 1);
});
