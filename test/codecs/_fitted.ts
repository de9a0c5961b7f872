/** Fixtures shared by the tests of the per-volume fitted codecs (inr, cnn3d). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/codecs/builtin.js';
import type { ArrayToBytesCodec, CodecConfig } from '../../src/codecs/codec.js';
import { codecFromConfig } from '../../src/codecs/registry.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { REPO_ROOT } from '../kit/paths.js';
import type { Signal } from '../kit/signals.js';

/** Max |finite value| of a signal (a model fit has no bound, but outputs are clamped to it). */
export const maxAbs = (s: Signal): number => {
  let m = 0;
  for (const v of s.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
};

/** Two drifting anisotropic Maxwellians cut to zero below 1e-2 of the peak (a VDF's empty halo), n³. */
export function blob(n: number): Float32Array {
  const out = new Float32Array(n * n * n);
  let i = 0;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++, i++) {
    const v = 5 * Math.exp(-((x - 6) ** 2) / 6 - ((y - 7) ** 2) / 4 - ((z - 6.5) ** 2) / 8) + 2 * Math.exp(-((x - 9) ** 2) / 2 - ((y - 7) ** 2) / 2 - ((z - 7) ** 2) / 2);
    out[i] = v >= 5e-2 ? v : 0;
  }
  return out;
}

export async function codec(cfg: CodecConfig): Promise<ArrayToBytesCodec> {
  return (await codecFromConfig(cfg)) as ArrayToBytesCodec;
}

/** Encodes and decodes x (float32, shape): the stream, its size, the decoded values and the max |error|. */
export async function run(cfg: CodecConfig, x: Float32Array, shape: number[]) {
  const c = await codec(cfg);
  const spec = { dtype: 'float32' as const, shape };
  const enc = c.encode(x, spec);
  const y = c.decode(enc, spec);
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  return { c, spec, enc, bytes: enc.byteLength, y, e };
}

/** sha256 (hex) of the decoded bytes of a committed conformance golden (test/golden/<name>). */
export async function goldenDecodeHash(name: string): Promise<string> {
  const g = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'golden', name), 'utf8'));
  const p = await Pipeline.fromConfig(g.pipeline);
  const d = p.decode(new Uint8Array(Buffer.from(g.encoded, 'base64')), g.spec);
  return createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
}
