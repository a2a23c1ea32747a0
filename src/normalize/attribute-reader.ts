import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { digestAttribute } from './content-hash.js';
import type { ContentDigest } from './content-hash.js';
import type { ContentDigestMemo } from './content-digest-memo.js';
import { skimJson } from './json-skim.js';
import type { PlannedToolCall } from './span-view.js';

/** Default of the `limits.maxContentChars` option: content attributes longer than this are not parsed, only sampled. */
export const DEFAULT_MAX_CONTENT_CHARS = 8 * 1024;
/** Default of the `maxNameChars` option: names and ids (tool, agent, model, ...) longer than this are not read. */
export const DEFAULT_MAX_NAME_CHARS = 1024;

/**
 * `value` when it is a non-empty string of at most `maxNameChars` characters,
 * else undefined: the one rule for names and ids that become keys of state,
 * maps and metric labels, wherever they are read.
 */
export function boundedName(value: unknown, maxNameChars: number): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= maxNameChars ? value : undefined;
}

const NONE: readonly string[] = Object.freeze([]);
/** Strings inside a skimmed (over-limit) JSON value longer than this are stepped over, not decoded. */
const SKIM_STRING_CHARS = 256;

/**
 * Reads typed values out of span attributes without ever throwing, and records
 * the keys whose values were present but unusable (`malformed`) or too large
 * to read whole (`limited`) so they can be counted. Allocates nothing more
 * for a span whose attributes are all fine.
 */
export class AttributeReader {
  private _malformed: string[] | undefined;
  private _limited: string[] | undefined;
  private readonly _attributes: Attributes;
  /** Content attributes longer than this are sampled (digests) or skimmed (JSON), never parsed whole. */
  readonly maxContentChars: number;
  /**
   * Names and ids (read with `string`, `firstString`, `strings`) longer than
   * this are not read: they would become keys of state, maps and metric
   * labels, held for long and hashed on every use.
   */
  readonly maxNameChars: number;
  /** Remembers the digests of recent contents (the processor's, for its `maxContentChars`); none: digest each time. */
  private readonly _digests: ContentDigestMemo | undefined;

  constructor(
    attributes: Attributes,
    maxContentChars: number = DEFAULT_MAX_CONTENT_CHARS,
    digests?: ContentDigestMemo,
    maxNameChars: number = DEFAULT_MAX_NAME_CHARS,
  ) {
    this._attributes = attributes;
    this.maxContentChars = maxContentChars;
    this._digests = digests;
    this.maxNameChars = maxNameChars;
  }

  get malformed(): readonly string[] {
    return this._malformed ?? NONE;
  }

  get limited(): readonly string[] {
    return this._limited ?? NONE;
  }

  markMalformed(key: string): void {
    (this._malformed ??= []).push(key);
  }

  /** Records `key` as limited, once per span however many readers cut it. */
  markLimited(key: string): void {
    if (this._limited === undefined) this._limited = [key];
    else if (!this._limited.includes(key)) this._limited.push(key);
  }

  /** The digest of a content attribute (tool arguments or result), bounded by `maxContentChars`. */
  digest(key: string): ContentDigest | undefined {
    const value = this._attributes[key];
    if (typeof value === 'string' && value.length > this.maxContentChars) this.markLimited(key);
    return this._digests ? this._digests.digest(value) : digestAttribute(value, this.maxContentChars);
  }

  has(key: string): boolean {
    return this._attributes[key] !== undefined;
  }

  raw(key: string): AttributeValue | undefined {
    return this._attributes[key];
  }

  /**
   * A name or id: a non-empty string of at most `maxNameChars` (a longer one is
   * recorded as limited and not read); numbers are accepted and stringified
   * (ids are sometimes numeric).
   */
  string(key: string): string | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return this.name(value, key);
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    this.markMalformed(key);
    return undefined;
  }

  /** Free text (a message): a non-empty string, whatever its length (bound it with {@link message}). */
  text(key: string): string | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value === '' ? undefined : value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    this.markMalformed(key);
    return undefined;
  }

  /**
   * Free text (a status or exception message) from wherever it was read: its
   * first `maxContentChars` characters (a longer one is recorded as limited
   * under `key`), so no signal, fixture or packed step handles more of it.
   */
  message(value: string | undefined, key: string): string | undefined {
    if (value === undefined || value === '') return undefined;
    if (value.length <= this.maxContentChars) return value;
    this.markLimited(key);
    return value.slice(0, this.maxContentChars);
  }

  /**
   * A span's own name, shown in replay fixtures and held while its turn is
   * open: its first `maxNameChars` characters (a longer one is recorded as
   * limited under `key`). Not a key of anything: names that are keys use
   * {@link name}, which does not read an over-limit value at all.
   */
  spanName(value: string, key: string): string {
    if (value.length <= this.maxNameChars) return value;
    this.markLimited(key);
    return value.slice(0, this.maxNameChars);
  }

  /**
   * Planned calls read from `key`, bounded like names: a call whose tool name
   * is over `maxNameChars` is left out (as a call without a name is), an id
   * over it is dropped from its call (which is then matched by name); either
   * is recorded as limited under `key`. The same array when nothing is over.
   */
  plannedCalls(calls: PlannedToolCall[], key: string): PlannedToolCall[] {
    const max = this.maxNameChars;
    let over = false;
    for (const call of calls) if (call.name.length > max || (call.id !== undefined && call.id.length > max)) over = true;
    if (!over) return calls;
    this.markLimited(key);
    return calls.filter(call => call.name.length <= max).map(call => (call.id !== undefined && call.id.length > max ? withoutId(call) : call));
  }

  /** `value` as a name (non-empty, at most `maxNameChars`; longer: recorded as limited under `key`), from wherever it was read. */
  name(value: string | undefined, key: string): string | undefined {
    const bounded = boundedName(value, this.maxNameChars);
    if (bounded === undefined && value !== undefined && value !== '') this.markLimited(key);
    return bounded;
  }

  /** The first of two or three keys that holds a string (current name first, deprecated after); fixed arity, so no array per call. */
  firstString(first: string, second: string, third?: string): string | undefined {
    const value = this.string(first) ?? this.string(second);
    return value !== undefined || third === undefined ? value : this.string(third);
  }

  /** A finite, non-negative integer; numeric strings are accepted (OTLP int64 arrives as a string). */
  count(key: string): number | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed === 'number' && Number.isInteger(parsed) && parsed >= 0) return parsed;
    this.markMalformed(key);
    return undefined;
  }

  firstCount(first: string, second: string): number | undefined {
    return this.count(first) ?? this.count(second);
  }

  /** A finite number; numeric strings are accepted. */
  number(key: string): number | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed === 'number' && Number.isFinite(parsed)) return parsed;
    this.markMalformed(key);
    return undefined;
  }

  /** Names: a string array, or a single string (some emitters flatten one-element arrays); a name over `maxNameChars` is left out and recorded as limited. */
  strings(key: string): string[] | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value.length > this.maxNameChars ? this._overLimit(key) : [value];
    if (Array.isArray(value)) {
      const names = value.filter(isString);
      for (const name of names) if (name.length > this.maxNameChars) return this._overLimit(key, names);
      return names;
    }
    this.markMalformed(key);
    return undefined;
  }

  private _overLimit(key: string, names: readonly string[] = []): string[] {
    this.markLimited(key);
    return names.filter(v => v.length <= this.maxNameChars);
  }

  /**
   * Parses a JSON-string attribute of at most `maxContentChars`. Returns
   * undefined (and records the key as malformed) when it is not a string or
   * not valid JSON; a longer string is recorded as limited and not parsed.
   */
  json(key: string): unknown {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > this.maxContentChars) {
      this.markLimited(key);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.markMalformed(key);
      return undefined;
    }
    try {
      return JSON.parse(value) as unknown;
    } catch {
      this.markMalformed(key);
      return undefined;
    }
  }

  /**
   * Reads a structured JSON-string attribute with `read`, which returns
   * undefined when the value does not have the expected shape (the key is then
   * recorded as malformed). A value over `maxContentChars` is skimmed (long
   * strings in it stepped over, `skimmed` true) and recorded as limited.
   */
  jsonWith<T>(key: string, read: (value: unknown, skimmed: boolean) => T | undefined): T | undefined {
    const raw = this._attributes[key];
    const skimmed = typeof raw === 'string' && raw.length > this.maxContentChars;
    let value: unknown;
    if (skimmed) {
      this.markLimited(key);
      value = skimJson(raw, SKIM_STRING_CHARS);
      if (value === undefined) this.markMalformed(key);
    } else {
      value = this.json(key);
    }
    if (value === undefined) return undefined;
    const result = read(value, skimmed);
    if (result === undefined) this.markMalformed(key);
    return result;
  }
}

/** `call` without its id; its arguments' digest is still computed on first read. */
function withoutId(call: PlannedToolCall): PlannedToolCall {
  return {
    id: undefined,
    name: call.name,
    get argsHash() {
      return call.argsHash;
    },
  };
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
