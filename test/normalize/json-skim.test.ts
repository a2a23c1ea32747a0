import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkippedString, holdsSkipped, skimJson } from '../../src/normalize/json-skim.js';

// Any UTF-16 text, escapes, control characters and lone surrogates included.
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)) }));
const json = fc.letrec(tie => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value')),
    fc.dictionary(fc.oneof(text, fc.constant('__proto__')), tie('value')),
  ),
})).value;

/** What a skim with this string limit should give: JSON.parse's value, long strings as their length. */
function expectedSkim(value: unknown, maxStringChars: number): unknown {
  if (typeof value === 'string') return value.length > maxStringChars ? { skipped: value.length } : value;
  if (Array.isArray(value)) return value.map(v => expectedSkim(v, maxStringChars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectedSkim(v, maxStringChars)]));
  }
  return value;
}

function comparable(value: unknown): unknown {
  if (value instanceof SkippedString) return { skipped: value.length };
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

describe('skimJson', () => {
  it('gives what JSON.parse gives for any JSON text, whitespace and pretty-printing included', () => {
    fc.assert(
      fc.property(json, fc.constantFrom(undefined, 2), (value, indent) => {
        const source = JSON.stringify(value, null, indent);
        expect(skimJson(source, Number.POSITIVE_INFINITY)).toStrictEqual(JSON.parse(source));
      }),
      { numRuns: 400, seed: 20261130 },
    );
  });

  it('steps over strings longer than the limit, keeping their length (in decoded characters of the token)', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (value, limit) => {
        // Only unescaped text keeps token length equal to decoded length: restrict to plain strings.
        const plain = JSON.parse(JSON.stringify(value).replace(/\\(u[0-9a-fA-F]{4}|.)/g, '_')) as unknown;
        const skimmed = skimJson(JSON.stringify(plain), limit);
        expect(comparable(skimmed)).toStrictEqual(expectedSkim(plain, limit));
        expect(holdsSkipped(skimmed)).toBe(JSON.stringify(expectedSkim(plain, limit)).includes('"skipped"'));
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });

  it.each([
    ['truncated', '[{"a":1}'],
    ['trailing text', '{"a":1} x'],
    ['raw control character in a string', '["a\u0001b"]'],
    ['raw newline in a key', '{"a\nb":1}'],
    ['bad escape', '["\\x41"]'],
    ['single quotes', "{'a':1}"],
    ['nesting past the depth limit', `${'['.repeat(100)}${']'.repeat(100)}`],
  ])('refuses what is not JSON (or nests too deep): %s', (_case, source) => {
    expect(skimJson(source, 256)).toBeUndefined();
  });

  it('keeps `__proto__` as an own key, as JSON.parse does', () => {
    const value = skimJson('{"__proto__":{"polluted":true},"a":1}', 256) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
