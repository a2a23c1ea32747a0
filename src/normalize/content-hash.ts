import { createHash } from 'node:crypto';
import type { AttributeValue } from '@opentelemetry/api';
import { MAX_PARSED_JSON_CHARS } from './attribute-reader.js';

/**
 * JSON with object keys sorted at every depth, so equal values hash equally
 * whatever order an instrumentation serialised them in.
 */
export function canonicalJson(value: unknown): string {
  // JSON.stringify returns undefined for undefined and functions despite its type.
  const text = JSON.stringify(sortKeys(value)) as string | undefined;
  return text ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Hash of an already-parsed value (e.g. tool-call arguments inside output messages). */
export function hashValue(value: unknown): string {
  return sha256(canonicalJson(value));
}

/**
 * Hash of a content attribute. JSON strings are parsed and canonicalised so
 * `{"a":1,"b":2}` and `{"b":2,"a":1}` agree; anything else (plain text, oversized
 * or unparseable strings) is hashed as the canonical JSON of the raw value.
 */
export function hashAttribute(value: AttributeValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const trimmed = value.trimStart();
    if (value.length <= MAX_PARSED_JSON_CHARS && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
      try {
        return hashValue(JSON.parse(value));
      } catch {
        // Not JSON after all: hash the text itself.
      }
    }
  }
  return hashValue(value);
}

/** Tool-call arguments may be an object or a JSON string of one; both hash the same. */
export function hashArguments(args: unknown): string {
  if (typeof args === 'string') {
    try {
      return hashValue(JSON.parse(args));
    } catch {
      return hashValue(args);
    }
  }
  return hashValue(args);
}
