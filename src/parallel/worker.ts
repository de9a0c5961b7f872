/**
 * Worker side of the chunk pool: builds each pipeline once (by its JSON) and runs encode/decode
 * on chunks sent by pool.ts. Buffers travel as transferred ArrayBuffers.
 */
import { parentPort } from 'node:worker_threads';
import '../codecs/builtin.js';
import { allocArray, bytesOf, viewAs } from '../core/dtype.js';
import { CorruptDataError, isNeurozipError } from '../core/errors.js';
import { crc32c } from '../core/checksum.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { TaskMessage, ResultMessage } from './pool.js';

const pipelines = new Map<string, Pipeline>();

parentPort!.on('message', async (m: TaskMessage) => {
  try {
    let p = pipelines.get(m.pipelineKey);
    if (!p) {
      p = await Pipeline.fromConfig(JSON.parse(m.pipelineKey));
      // the pool outlives a job: keep a few pipelines (each holds its scratch arrays), oldest out
      if (pipelines.size >= 4) pipelines.delete(pipelines.keys().next().value!);
      pipelines.set(m.pipelineKey, p);
    }
    const input = new Uint8Array(m.buffer);
    let out: Uint8Array;
    if (m.op === 'encode') {
      out = p.encode(viewAs(m.spec.dtype, input), m.spec);
    } else {
      if (m.crc !== undefined && crc32c(input) !== m.crc) throw new CorruptDataError('checksum mismatch (the file is damaged)');
      const n = m.spec.shape.reduce((a, b) => a * b, 1);
      out = bytesOf(p.decode(input, m.spec, allocArray(m.spec.dtype, n)));
    }
    const buffer = (out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : new Uint8Array(out).buffer) as ArrayBuffer;
    const crc = m.op === 'encode' ? crc32c(out) : undefined;
    parentPort!.postMessage({ id: m.id, buffer, crc } satisfies ResultMessage, [buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error & { tag?: string };
    parentPort!.postMessage({ id: m.id, error: { message: err.message, tag: isNeurozipError(e) ? err.tag : undefined } } satisfies ResultMessage);
  }
});
