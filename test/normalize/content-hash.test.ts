import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, digestAttribute, digestValue, hashValue, sha256, sha256Of } from '../../src/normalize/content-hash.js';

/** The definition canonicalJson must match: a copy with keys inserted in sorted order, then JSON.stringify. */
function sortedCopyJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = sortKeys((v as Record<string, unknown>)[key]);
      return sorted;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('content digests', () => {
  it('canonical JSON is the sorted-copy serialisation for any JSON value (array-index keys included)', () => {
    // Any UTF-16 text, lone surrogates and control characters included: they take JSON.stringify's escapes.
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)) }));
    const key = fc.oneof(text, fc.constantFrom('0', '1', '10', '2', '01', '4294967294', '4294967295', '__proto__', 'a', 'é', '"q"'));
    const json = fc.letrec(tie => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value')),
        fc.dictionary(key, tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(json, value => {
        const parsed: unknown = JSON.parse(JSON.stringify(value));
        expect(canonicalJson(parsed)).toBe(sortedCopyJson(parsed));
      }),
      { numRuns: 500, seed: 20261129 },
    );
  });

  it.each([
    ['key order', '{"a":1,"b":[1,{"y":2,"x":1}]}', '{"b":[1,{"x":1,"y":2}],"a":1}'],
    ['whitespace', '{"a": 1}', '{"a":1}'],
    ['long content', `{"text":"${'x'.repeat(200)}","n":1}`, `{"n":1,"text":"${'x'.repeat(200)}"}`],
  ])('equal content digests equally: %s', (_case, a, b) => {
    expect(digestAttribute(a, 8192)).toBe(digestAttribute(b, 8192));
  });

  it('short content stays inline, longer content is sha256; sha256Of gives the sha256 of the canonical JSON either way', () => {
    const short = digestValue({ q: 'x' });
    const long = digestValue({ q: 'x'.repeat(100) });
    expect(short).toBe('\u0000{"q":"x"}');
    expect(long).toBe(hashValue({ q: 'x'.repeat(100) }));
    expect(sha256Of(short)).toBe(hashValue({ q: 'x' }));
    expect(sha256Of(long)).toBe(long);
    expect(sha256Of('sha256:precomputed')).toBe('sha256:precomputed');
  });

  it('content over the limit is digested from its length and edges only, never parsed', () => {
    const limit = 4096;
    const big = (middle: string): string => `{"a":"${'h'.repeat(2000)}${middle}${'t'.repeat(2000)}"}`;
    expect(digestAttribute(big('1'.repeat(500)), limit)).toBe(digestAttribute(big('2'.repeat(500)), limit));
    expect(digestAttribute(big('1'.repeat(500)), limit)).not.toBe(digestAttribute(big('1'.repeat(501)), limit));
    expect(digestAttribute(big('1'.repeat(500)), limit)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digestAttribute('plain text', limit)).toBe(`\u0000${JSON.stringify('plain text')}`);
    expect(sha256Of(digestAttribute('plain text', limit))).toBe(sha256(JSON.stringify('plain text')));
  });
});
