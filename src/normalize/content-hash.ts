import * as crypto from 'node:crypto';
import type { AttributeValue } from '@opentelemetry/api';
import { flatString } from '../state/flat-string.js';

/**
 * A digest of tool arguments or results: two contents are equal exactly when
 * their digests are. Short canonical JSON is kept inline behind a NUL marker
 * (cheaper than hashing, and no longer than a hash); anything longer is
 * `sha256:<hex>` of its canonical JSON. {@link sha256Of} gives the
 * `sha256:<hex>` form of either, for findings and replay fixtures.
 */
export type ContentDigest = string;

/** Canonical JSON up to this length is kept inline in a digest (a `sha256:` digest is 71 characters). */
const MAX_INLINE_CHARS = 64;
const INLINE_MARKER = '\u0000';
/** Characters of the head and of the tail of an over-limit content value that its digest covers. */
export const SAMPLED_EDGE_CHARS = 1024;

// `crypto.hash` (one call, no Hash object) exists from Node 20.12; older 20.x builds fall back.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/** Flat (see {@link flatString}): digests are held for long, in open turns and in signal memory. */
export function sha256(text: string): string {
  return flatString(`sha256:${sha256Hex(text)}`);
}

/**
 * JSON with object keys sorted at every depth, so equal values hash equally
 * whatever order an instrumentation serialised them in. Written directly
 * (no sorted copy of the value); the output is exactly what `JSON.stringify`
 * prints for a copy whose keys were inserted in sorted order, array-index keys
 * first as JavaScript orders them.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'null';
}

/** Undefined where `JSON.stringify` omits the value (undefined, functions, symbols). */
function canonical(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (canonical(value[i]) ?? 'null');
        return `${out}]`;
      }
      return canonicalObject(value as Record<string, unknown>);
    default:
      return undefined;
  }
}

/** Characters `JSON.stringify` escapes in a string (surrogates: only lone ones, decided by it). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON.stringify escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify` of a string, without its call for the common string that needs no escape. */
function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function canonicalObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  // Most objects have a few keys, none array-index-like, often already sorted: check before sorting.
  let sorted = true;
  let indexLike = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0 && (keys[i - 1] as string) > key) sorted = false;
    if (!indexLike && isArrayIndex(key)) indexLike = true;
  }
  if (!sorted) sortKeys(keys);
  // A plain object lists array-index keys first, in numeric order, whatever the insertion order.
  const ordered = indexLike ? [...keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter(key => !isArrayIndex(key))] : keys;
  let out = '{';
  for (const key of ordered) {
    // `__proto__` cannot be an own key of a copy built by assignment: JSON.stringify never saw it.
    if (key === '__proto__') continue;
    const text = canonical(object[key]);
    if (text === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${quoted(key)}:${text}`;
  }
  return `${out}}`;
}

/** Sorts like `Array.prototype.sort()` (UTF-16 code units; keys are distinct), without its work array for the usual few keys. */
function sortKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  // Most keys start with a letter: skip the pattern for them.
  return first >= 0x30 && first <= 0x39 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/** SHA-256 of the canonical JSON of an already-parsed value. */
export function hashValue(value: unknown): string {
  return sha256(canonicalJson(value));
}

function digestOfCanonical(text: string): ContentDigest {
  return text.length <= MAX_INLINE_CHARS ? flatString(INLINE_MARKER + text) : sha256(text);
}

/** Digest of an already-parsed value (e.g. tool-call arguments inside output messages). */
export function digestValue(value: unknown): ContentDigest {
  return digestOfCanonical(canonicalJson(value));
}

/** The `sha256:<hex>` form of a digest (a precomputed hash from an attribute passes unchanged). */
export function sha256Of(digest: ContentDigest): string {
  return digest.startsWith(INLINE_MARKER) ? sha256(digest.slice(1)) : digest;
}

/**
 * Digest of a content attribute. JSON strings are parsed and canonicalised so
 * `{"a":1,"b":2}` and `{"b":2,"a":1}` agree; other values (plain text,
 * unparseable strings) digest as the canonical JSON of the raw value. A string
 * longer than `maxChars` is not parsed: its digest covers its length and its
 * first and last {@link SAMPLED_EDGE_CHARS} characters, so the work stays
 * bounded whatever the payload.
 */
export function digestAttribute(value: string, maxChars: number): ContentDigest;
export function digestAttribute(value: AttributeValue | undefined, maxChars: number): ContentDigest | undefined;
export function digestAttribute(value: AttributeValue | undefined, maxChars: number): ContentDigest | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return digestValue(value);
  if (value.length > maxChars) return sampledDigest(value);
  const first = firstNonSpace(value);
  if (first === '{' || first === '[') {
    try {
      return digestValue(JSON.parse(value));
    } catch {
      // Not JSON after all: digest the text itself.
    }
  }
  return digestOfCanonical(JSON.stringify(value));
}

/**
 * Tool-call arguments may be an object or a JSON string of one; both digest
 * the same. A string over `maxChars` is sampled, not parsed (as attributes are).
 */
export function digestArguments(args: unknown, maxChars = Number.POSITIVE_INFINITY): ContentDigest {
  if (typeof args === 'string') {
    if (args.length > maxChars) return sampledDigest(args);
    try {
      return digestValue(JSON.parse(args));
    } catch {
      return digestValue(args);
    }
  }
  return digestValue(args);
}

function sampledDigest(text: string): ContentDigest {
  const head = text.slice(0, SAMPLED_EDGE_CHARS);
  const tail = text.slice(-SAMPLED_EDGE_CHARS);
  return sha256(`sampled:${text.length}:${head}\u0000${tail}`);
}

function firstNonSpace(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return text[i];
  }
  return undefined;
}
