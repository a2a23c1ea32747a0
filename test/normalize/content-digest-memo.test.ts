import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContentDigestMemo, MEMO_ENTRY_CHARS, MEMO_GENERATION_CHARS, MEMO_MAX_CONTENT_CHARS } from '../../src/normalize/content-digest-memo.js';
import { digestAttribute } from '../../src/normalize/content-hash.js';

const LIMIT = 8 * 1024;

/** A memo whose digests are counted: each call is one parse, canonicalisation and hash. */
function countingMemo(maxContentChars = LIMIT): { memo: ContentDigestMemo; computed: string[] } {
  const computed: string[] = [];
  const memo = new ContentDigestMemo(maxContentChars, (text, max) => {
    computed.push(text);
    return digestAttribute(text, max);
  });
  return { memo, computed };
}

describe('ContentDigestMemo: the digests of recent contents, remembered', () => {
  it('gives exactly the digest of every content, whatever came before (property)', () => {
    const content = fc.oneof(
      fc.json(),
      fc.string(),
      fc.constantFrom('{"b":2,"a":1}', '{"a":1,"b":2}', ' {"a":1}', 'not json {', '[1,2]'),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.array(content, { maxLength: 40 }), values => {
        const memo = new ContentDigestMemo(LIMIT);
        // Each value twice: once to learn, once from memory.
        for (const value of [...values, ...values]) expect(memo.digest(value)).toBe(digestAttribute(value, LIMIT));
      }),
    );
  });

  it('digests a repeated content once', () => {
    const { memo, computed } = countingMemo();
    for (let i = 0; i < 5; i++) memo.digest('{"order_id":4711,"city":"Berlin"}');
    memo.digest('{"order_id":4712,"city":"Berlin"}');
    expect(computed).toEqual(['{"order_id":4711,"city":"Berlin"}', '{"order_id":4712,"city":"Berlin"}']);
  });

  it('digests contents over its per-content limit, or over maxContentChars (sampled), each time', () => {
    const long = `"${'x'.repeat(MEMO_MAX_CONTENT_CHARS)}"`;
    const { memo, computed } = countingMemo();
    memo.digest(long);
    memo.digest(long);
    expect(computed).toHaveLength(2);
    const sampled = 'y'.repeat(3000);
    const small = countingMemo(2048);
    expect(small.memo.digest(sampled)).toBe(digestAttribute(sampled, 2048));
    small.memo.digest(sampled);
    expect(small.computed).toHaveLength(2);
  });

  it('holds at most two generations of keys, and a content of the previous one is still a hit', () => {
    const { memo, computed } = countingMemo();
    const first = '{"first":true}';
    memo.digest(first);
    // Fill the first generation past its size, so `first` moves to the previous one.
    const filler = (i: number): string => `{"i":${i},"pad":"${'p'.repeat(1000)}"}`;
    let i = 0;
    while (memo.heldChars < MEMO_GENERATION_CHARS) memo.digest(filler(i++));
    memo.digest(filler(i++));
    memo.digest(first);
    expect(computed.filter(text => text === first)).toHaveLength(1);
    // Many more distinct contents: `first` is gone, and what is held stays bounded.
    for (let j = 0; j < 2000; j++) {
      memo.digest(filler(i++));
      expect(memo.heldChars).toBeLessThanOrEqual(2 * MEMO_GENERATION_CHARS);
    }
    memo.digest(first);
    expect(computed.filter(text => text === first)).toHaveLength(2);
  });

  it('bounds the number of entries too: many tiny contents cost their slots', () => {
    const memo = new ContentDigestMemo(LIMIT);
    const perGeneration = Math.floor(MEMO_GENERATION_CHARS / ('{"i":100000}'.length + MEMO_ENTRY_CHARS));
    for (let i = 100_000; i < 100_000 + 3 * perGeneration; i++) {
      memo.digest(`{"i":${i}}`);
      expect(memo.heldChars).toBeLessThanOrEqual(2 * MEMO_GENERATION_CHARS);
    }
    expect(memo.heldChars).toBeGreaterThan(MEMO_GENERATION_CHARS);
  });
});
