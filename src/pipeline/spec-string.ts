import { UsageError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import type { CodecConfig } from '../codecs/codec.js';

/**
 * The compact pipeline form used on the command line (grammar in docs/spec/pipeline.md):
 *
 *   pipeline := stage ('+' stage)*
 *   stage    := id (':' param (',' param)*)?
 *   param    := name '=' value          value: number | true | false | text
 *
 * e.g. `delta:order=2+shuffle+zstd:level=19`. A string starting with '[' is read as the JSON form.
 */
export function parsePipelineString(text: string): CodecConfig[] {
  const s = text.trim();
  if (s.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch (e) {
      throw new UsageError(`codec JSON does not parse: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.some((c) => !c || typeof c !== 'object' || typeof c.id !== 'string')) {
      throw new UsageError('codec JSON must be an array of objects with an "id"');
    }
    return parsed as CodecConfig[];
  }
  if (s === '') throw new UsageError('empty codec pipeline');
  return s.split('+').map((stage) => {
    const [id, rest, ...extra] = stage.split(':');
    if (!id || !/^[a-z][a-z0-9._-]*$/.test(id.trim()) || extra.length > 0) {
      throw new UsageError(`bad codec stage '${stage}' (expected id or id:name=value,...)`);
    }
    const config: CodecConfig = { id: id.trim() };
    if (rest !== undefined) {
      for (const p of rest.split(',')) {
        const eq = p.indexOf('=');
        const name = p.slice(0, eq).trim();
        if (eq <= 0 || !/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) {
          throw new UsageError(`bad parameter '${p}' in codec stage '${stage}' (expected name=value)`);
        }
        config[name] = parseValue(p.slice(eq + 1).trim());
      }
    }
    return config;
  });
}

function parseValue(v: string): Json {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

export function formatPipelineString(configs: readonly CodecConfig[]): string {
  return configs
    .map(({ id, ...params }) => {
      const ps = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      return ps.length ? `${id}:${ps.join(',')}` : id;
    })
    .join('+');
}
