import type { AttributeValue, Attributes } from '@opentelemetry/api';

/** Strings longer than this are not parsed as JSON (they are hashed raw instead). */
export const MAX_PARSED_JSON_CHARS = 256 * 1024;

/**
 * Reads typed values out of span attributes without ever throwing, and records
 * the keys whose values were present but unusable so they can be counted.
 */
export class AttributeReader {
  readonly malformed: string[] = [];
  private readonly _attributes: Attributes;

  constructor(attributes: Attributes) {
    this._attributes = attributes;
  }

  has(key: string): boolean {
    return this._attributes[key] !== undefined;
  }

  raw(key: string): AttributeValue | undefined {
    return this._attributes[key];
  }

  /** A non-empty string; numbers are accepted and stringified (ids are sometimes numeric). */
  string(key: string): string | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value === '' ? undefined : value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    this.malformed.push(key);
    return undefined;
  }

  /** The first of several keys that holds a string (current name first, deprecated after). */
  firstString(...keys: string[]): string | undefined {
    for (const key of keys) {
      const value = this.string(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** A finite, non-negative integer; numeric strings are accepted (OTLP int64 arrives as a string). */
  count(key: string): number | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed === 'number' && Number.isInteger(parsed) && parsed >= 0) return parsed;
    this.malformed.push(key);
    return undefined;
  }

  firstCount(...keys: string[]): number | undefined {
    for (const key of keys) {
      const value = this.count(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** A finite number; numeric strings are accepted. */
  number(key: string): number | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed === 'number' && Number.isFinite(parsed)) return parsed;
    this.malformed.push(key);
    return undefined;
  }

  /** A string array, or a single string (some emitters flatten one-element arrays). */
  strings(key: string): string[] | undefined {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
    this.malformed.push(key);
    return undefined;
  }

  /**
   * Parses a JSON-string attribute. Returns undefined (and records the key as
   * malformed) when it is not a string, too large, or not valid JSON.
   */
  json(key: string): unknown {
    const value = this._attributes[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > MAX_PARSED_JSON_CHARS) {
      this.malformed.push(key);
      return undefined;
    }
    try {
      return JSON.parse(value) as unknown;
    } catch {
      this.malformed.push(key);
      return undefined;
    }
  }
}
