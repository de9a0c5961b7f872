/**
 * Typed errors. Every error neurozip raises on purpose carries a `tag`, so callers (the CLI,
 * tests, third parties) can branch on the kind without string matching.
 */
export type ErrorTag =
  | 'CorruptData'
  | 'UnsupportedFormat'
  | 'UnknownCodec'
  | 'InvalidConfig'
  | 'Usage'
  | 'OutputExists'
  | 'Io'
  | 'Mismatch';

export class NeurozipError extends Error {
  readonly tag: ErrorTag;
  constructor(tag: ErrorTag, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.tag = tag;
    this.name = `${tag}Error`;
  }
}

/** Encoded bytes are damaged, truncated or not what the reader expects. */
export class CorruptDataError extends NeurozipError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CorruptData', message, options);
  }
}

/** A file or stream whose format (or version of it) neurozip does not read. */
export class UnsupportedFormatError extends NeurozipError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UnsupportedFormat', message, options);
  }
}

export class UnknownCodecError extends NeurozipError {
  constructor(id: string) {
    super('UnknownCodec', `unknown codec '${id}'`);
  }
}

/** A codec or pipeline configuration that cannot be honoured (bad parameter, wrong dtype). */
export class InvalidConfigError extends NeurozipError {
  constructor(message: string) {
    super('InvalidConfig', message);
  }
}

/** The user asked for something inconsistent (bad flag, wrong channel count for the file). */
export class UsageError extends NeurozipError {
  constructor(message: string) {
    super('Usage', message);
  }
}

export class OutputExistsError extends NeurozipError {
  constructor(path: string) {
    super('OutputExists', `${path}: already exists (use -f to overwrite)`);
  }
}

/** Decoded data differs from the original (verification failed). */
export class MismatchError extends NeurozipError {
  constructor(message: string) {
    super('Mismatch', message);
  }
}

export function isNeurozipError(err: unknown, tag?: ErrorTag): err is NeurozipError {
  return err instanceof NeurozipError && (tag === undefined || err.tag === tag);
}
