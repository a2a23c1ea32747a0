import { describe, expect, it } from 'vitest';
import { AttributeReader } from '../../src/normalize/attribute-reader.js';

describe('AttributeReader names and text', () => {
  const reader = () =>
    new AttributeReader(
      {
        short: 'search',
        long: 'n'.repeat(17),
        reasons: ['stop', 'r'.repeat(17)],
        reason: 'r'.repeat(17),
        message: 'm'.repeat(100),
        id: 42,
        empty: '',
      },
      8192,
      undefined,
      16,
    );

  it.each([
    ['a name within the limit', (r: AttributeReader) => r.string('short'), 'search', []],
    ['a name over the limit', (r: AttributeReader) => r.string('long'), undefined, ['long']],
    ['a numeric id, stringified', (r: AttributeReader) => r.string('id'), '42', []],
    ['an empty string', (r: AttributeReader) => r.string('empty'), undefined, []],
    ['names in an array, one over the limit', (r: AttributeReader) => r.strings('reasons'), ['stop'], ['reasons']],
    ['one name over the limit, not in an array', (r: AttributeReader) => r.strings('reason'), [], ['reason']],
    ['free text, whatever its length', (r: AttributeReader) => r.text('message'), 'm'.repeat(100), []],
    ['a name from elsewhere (a span name) over the limit', (r: AttributeReader) => r.name('s'.repeat(17), 'span.name'), undefined, ['span.name']],
  ])('%s', (_case, read, expected, limited) => {
    const r = reader();
    expect(read(r)).toEqual(expected);
    expect(r.limited).toEqual(limited);
    expect(r.malformed).toEqual([]);
  });
});
