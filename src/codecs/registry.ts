import { InvalidConfigError, UnknownCodecError } from '../core/errors.js';
import type { Codec, CodecConfig, CodecFactory } from './codec.js';

type Loader = () => CodecFactory | Promise<CodecFactory>;

const ID_RE = /^[a-z][a-z0-9._-]*$/;
const loaders = new Map<string, Loader>();
const loaded = new Map<string, CodecFactory>();
const builtin = new Set<string>();

/**
 * Registers a codec under `id`. The loader runs on first use, so heavy backends (native addons,
 * wasm) load only when a pipeline needs them. Third parties register namespaced ids ("acme.foo").
 */
export function registerCodec(id: string, loader: Loader, origin: 'builtin' | 'user' = 'user'): void {
  if (!ID_RE.test(id)) throw new InvalidConfigError(`codec id '${id}' must match ${ID_RE}`);
  loaders.set(id, loader);
  loaded.delete(id);
  if (origin === 'builtin') builtin.add(id);
  else builtin.delete(id);
}

/**
 * Whether worker threads can run this pipeline: they load only the built-in codecs, so a codec
 * registered at run time (or a built-in id overridden) is known to this thread alone.
 */
export function workersCanRun(configs: readonly CodecConfig[]): boolean {
  return configs.every((c) => builtin.has(c.id));
}

export function registeredCodecIds(): string[] {
  return [...loaders.keys()].sort();
}

export async function getCodecFactory(id: string): Promise<CodecFactory> {
  const hit = loaded.get(id);
  if (hit) return hit;
  const loader = loaders.get(id);
  if (!loader) throw new UnknownCodecError(id);
  const factory = await loader();
  if (factory.id !== id) throw new InvalidConfigError(`codec loader for '${id}' returned '${factory.id}'`);
  loaded.set(id, factory);
  return factory;
}

export async function codecFromConfig(config: CodecConfig): Promise<Codec> {
  if (!config || typeof config !== 'object' || typeof config.id !== 'string') {
    throw new InvalidConfigError(`codec config must be an object with an 'id', got ${JSON.stringify(config)}`);
  }
  return (await getCodecFactory(config.id)).fromConfig(config);
}
