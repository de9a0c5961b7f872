import { InvalidConfigError } from '../core/errors.js';
import type { CodecConfig } from './codec.js';

/**
 * Reads a codec's parameters out of its config, checking names, types and ranges, so every codec
 * rejects a bad config the same way (one line naming the codec and the parameter).
 */
export class Params {
  private readonly used = new Set<string>(['id']);
  constructor(private readonly config: CodecConfig) {}

  int(name: string, dflt: number, min: number, max: number): number {
    this.used.add(name);
    const v = this.config[name] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidConfigError(`${this.config.id}: ${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  num(name: string, dflt: number, min: number, max: number): number {
    this.used.add(name);
    const v = this.config[name] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new InvalidConfigError(`${this.config.id}: ${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  str(name: string, dflt: string): string {
    this.used.add(name);
    const v = this.config[name] ?? dflt;
    if (typeof v !== 'string') throw new InvalidConfigError(`${this.config.id}: ${name} must be text, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(name: string, dflt: boolean): boolean {
    this.used.add(name);
    const v = this.config[name] ?? dflt;
    if (typeof v !== 'boolean') {
      throw new InvalidConfigError(`${this.config.id}: ${name} must be true or false, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  oneOf<T extends string>(name: string, dflt: T, allowed: readonly T[]): T {
    this.used.add(name);
    const v = this.config[name] ?? dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      throw new InvalidConfigError(`${this.config.id}: ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  /** Call last: rejects parameters the codec does not know (typos must not pass silently). */
  done(): void {
    for (const k of Object.keys(this.config)) {
      if (!this.used.has(k)) throw new InvalidConfigError(`${this.config.id}: unknown parameter '${k}'`);
    }
  }
}
