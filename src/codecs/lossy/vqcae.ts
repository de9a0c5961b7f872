/*
 * READ ME FIRST — `vqcae`: learned lossy codec (VQ-CAE; array->bytes; docs/spec/codecs/vqcae.md).
 *  - Per channel: offset (rounded mean) and scale (std, 1/8-octave log steps) normalize the signal;
 *    the trained convolutional encoder (src/learn/vqcae.ts) maps it, zero padded to a multiple of
 *    the total stride S, to T = ceil(n / S) latent vectors, each replaced by the index of its nearest
 *    codebook entry.
 *  - The indices of every channel are range coded with the static prior shipped in the weights file
 *    (index frequencies on the training split): no table is sent, which matters at ~200 bytes/file.
 *  - Decode: codebook lookup, the trained decoder, × scale + offset, cropped to n; integers rounded
 *    and clamped. Not error-bounded: the high band is not coded at all at these rates.
 *  - `model` names shipped weights (assets/models/manifest.json, SHA-256 checked) or a .nzw path; the
 *    stored config is `NAME@SHA8` (the first 8 hex digits of the weights' SHA-256), so a stream is
 *    never decoded with other weights than it was encoded with.
 */
import { allocArray, isIntegerDType, type TypedArray } from '../../core/dtype.js';
import { ByteReader, ByteWriter } from '../../core/bytes.js';
import { CorruptDataError, InvalidConfigError } from '../../core/errors.js';
import type { ChunkSpec } from '../../core/types.js';
import { loadModel } from '../../learn/models.js';
import { Rng } from '../../learn/prng.js';
import { normalization, normalized, PRIOR_TOTAL, scaleOf, VqcaeNet, type VqcaeArch } from '../../learn/vqcae.js';
import { assignWeights, type LoadedWeights } from '../../learn/weights.js';
import { RangeDecoder, RangeEncoder } from '../entropy/_rangecoder.js';
import type { ArrayToBytesCodec, CodecFactory } from '../codec.js';
import { Params } from '../params.js';
import { dtypeRange } from './sz.js';

const FORMAT = 1;
export const DEFAULT_MODEL = 'n1-s1024-k256-v1';

const zz = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1);
const unzz = (u: number) => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/** A loaded model ready for inference: the network, and the prior's cumulative table. */
export interface VqcaeModel {
  net: VqcaeNet;
  freq: Uint32Array;
  cum: Uint32Array;
  sha256: string;
}

const nets = new Map<string, VqcaeModel>();

export function modelFromWeights(w: LoadedWeights, who: string): VqcaeModel {
  const hit = nets.get(w.sha256);
  if (hit) return hit;
  if (w.meta.kind !== 'vqcae') throw new InvalidConfigError(`${who}: weights are a '${w.meta.kind}' model, not vqcae`);
  const a = w.meta.arch as unknown as VqcaeArch;
  const okArch =
    Array.isArray(a?.strides) && a.strides.length >= 1 && a.strides.every((s) => Number.isInteger(s) && s >= 1 && s <= 64) &&
    [a.channels, a.latent, a.codebook].every((v) => Number.isInteger(v) && v >= 1 && v <= 65536);
  if (!okArch) throw new CorruptDataError(`${who}: weights describe an invalid architecture`);
  const net = new VqcaeNet(a, new Rng(0));
  assignWeights(w, net.tensors, who);
  const prior = w.meta.prior;
  if (!Array.isArray(prior) || prior.length !== a.codebook || !prior.every((f) => Number.isInteger(f) && (f as number) >= 1) || prior.reduce((s: number, f) => s + (f as number), 0) !== PRIOR_TOTAL) {
    throw new CorruptDataError(`${who}: weights carry an invalid index prior`);
  }
  const freq = Uint32Array.from(prior as number[]);
  const cum = new Uint32Array(freq.length + 1);
  for (let i = 0; i < freq.length; i++) cum[i + 1] = cum[i]! + freq[i]!;
  const m = { net, freq, cum, sha256: w.sha256 };
  nets.set(w.sha256, m);
  return m;
}

function dims(spec: ChunkSpec): [number, number] {
  const [n = 0, c = 1] = spec.shape;
  return [n, c];
}

class VqcaeCodec implements ArrayToBytesCodec {
  readonly id = 'vqcae';
  readonly kind = 'array->bytes';
  readonly lossless = false;
  constructor(readonly model: string, readonly m: VqcaeModel) {}

  toConfig() {
    return { id: this.id, model: `${this.model}@${this.m.sha256.slice(0, 8)}` };
  }

  encode(input: TypedArray, spec: ChunkSpec): Uint8Array {
    const [n, c] = dims(spec);
    const S = this.m.net.stride;
    const T = Math.ceil(n / S);
    const head = new ByteWriter(16 + 8 * c);
    head.u8(FORMAT);
    const rc = new RangeEncoder(64 + T * c);
    const x = new Float64Array(n);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0, k = ch; i < n; i++, k += c) x[i] = input[k]!;
      const nz = normalization(x);
      head.varint(zz(nz.offset));
      head.varint(nz.q === null ? 0 : zz(nz.q) + 1);
      if (nz.q === null || T === 0) continue;
      for (const i of this.m.net.indices(normalized(x, nz, T * S))) rc.encode(this.m.cum[i]!, this.m.freq[i]!, PRIOR_TOTAL);
    }
    // the range coder's first byte is always 0: not stored
    const body = rc.finish().subarray(1);
    head.varint(body.length);
    head.bytes(body);
    return head.finish();
  }

  decode(bytes: Uint8Array, spec: ChunkSpec, out?: TypedArray): TypedArray {
    const [n, c] = dims(spec);
    const S = this.m.net.stride;
    const T = Math.ceil(n / S);
    const r = new ByteReader(bytes, 'vqcae stream');
    const fmt = r.u8();
    if (fmt !== FORMAT) throw new CorruptDataError(`vqcae: unknown payload format ${fmt}`);
    const norms: { offset: number; q: number | null }[] = [];
    for (let ch = 0; ch < c; ch++) {
      const offset = unzz(r.varint());
      const qq = r.varint();
      const q = qq === 0 ? null : unzz(qq - 1);
      if (!Number.isSafeInteger(offset) || (q !== null && Math.abs(q) > 8 * 1100)) throw new CorruptDataError(`vqcae: channel ${ch} has an impossible offset or scale`);
      norms.push({ offset, q });
    }
    const len = r.varint();
    const body = new Uint8Array(len + 1);
    body.set(r.bytesView(len), 1);
    r.end();
    const y = out ?? allocArray(spec.dtype, n * c);
    if (y.length !== n * c) throw new InvalidConfigError(`vqcae: output buffer holds ${y.length} values, need ${n * c}`);
    const range = isIntegerDType(spec.dtype) ? dtypeRange(spec.dtype) : undefined;
    const fit = range ? (v: number) => Math.max(range[0], Math.min(range[1], Math.round(v))) : (v: number) => v;
    const needCoder = T > 0 && norms.some((z) => z.q !== null);
    const rd = needCoder ? new RangeDecoder(body) : undefined;
    const { cum, freq } = this.m;
    const K = freq.length;
    for (let ch = 0; ch < c; ch++) {
      const { offset, q } = norms[ch]!;
      if (q === null || T === 0) {
        for (let i = 0, k = ch; i < n; i++, k += c) y[k] = fit(offset);
        continue;
      }
      const idx = new Int32Array(T);
      for (let t = 0; t < T; t++) {
        const v = rd!.target(PRIOR_TOTAL);
        let lo = 0;
        let hi = K - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (cum[mid]! <= v) lo = mid;
          else hi = mid - 1;
        }
        rd!.consume(cum[lo]!, freq[lo]!);
        idx[t] = lo;
      }
      const rec = this.m.net.reconstruct(idx);
      const s = scaleOf(q);
      for (let i = 0, k = ch; i < n; i++, k += c) y[k] = fit(offset + s * rec[i]!);
    }
    return y;
  }
}

export const factory: CodecFactory = {
  id: 'vqcae',
  kind: 'array->bytes',
  description: 'learned lossy codec (VQ-CAE): conv autoencoder + vector-quantized latent, indices range coded with a shipped prior; model=NAME|PATH.nzw',
  fromConfig(config) {
    const p = new Params(config);
    const spec = p.str('model', DEFAULT_MODEL);
    p.done();
    // `NAME@SHA8`: the '@' keeps the value text in the pipeline string grammar (a bare hex prefix
    // such as 12345678 would read back as a number)
    const at = spec.lastIndexOf('@');
    const model = at >= 0 ? spec.slice(0, at) : spec;
    const sha = at >= 0 ? spec.slice(at + 1) : '';
    if (model === '') throw new InvalidConfigError(`vqcae: model must name a shipped model or a .nzw file, got '${spec}'`);
    if (at >= 0 && !/^[0-9a-f]{8}$/.test(sha)) throw new InvalidConfigError(`vqcae: the weights hash after '@' must be 8 lowercase hex digits, got '${sha}'`);
    const m = modelFromWeights(loadModel(model, 'vqcae'), 'vqcae');
    if (sha !== '' && m.sha256.slice(0, 8) !== sha) {
      throw new CorruptDataError(`vqcae: model '${model}' has weights sha256 ${m.sha256.slice(0, 8)}…, the stream was made with ${sha}… (other weights)`);
    }
    return new VqcaeCodec(model, m);
  },
};
