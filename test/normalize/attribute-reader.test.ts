import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { AttributeReader } from '../../src/normalize/attribute-reader.js';
import { viewOf } from '../../src/normalize/normalize-span.js';

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
    ['a span name at the limit, for display', (r: AttributeReader) => r.spanName('s'.repeat(16), 'span.name'), 's'.repeat(16), []],
    ['a span name over the limit, for display: cut', (r: AttributeReader) => r.spanName('s'.repeat(17), 'span.name'), 's'.repeat(16), ['span.name']],
    ['a key cut by two readers is counted once', (r: AttributeReader) => [r.spanName('s'.repeat(17), 'span.name'), r.name('s'.repeat(17), 'span.name')], ['s'.repeat(16), undefined], ['span.name']],
    ['a message over maxContentChars: its first maxContentChars', (r: AttributeReader) => r.message('m'.repeat(9000), 'exception.message'), 'm'.repeat(8192), ['exception.message']],
  ])('%s', (_case, read, expected, limited) => {
    const r = reader();
    expect(read(r)).toEqual(expected);
    expect(r.limited).toEqual(limited);
    expect(r.malformed).toEqual([]);
  });
});

describe('the exception event of a span', () => {
  it('counts its over-limit or malformed attributes with the span', () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('t');
    const span = tracer.startSpan('chat');
    span.addEvent('exception', { 'exception.type': 't'.repeat(17), 'exception.message': true });
    span.end();
    const [recorded] = exporter.getFinishedSpans();
    if (!recorded) throw new Error('no span');
    const view = viewOf(recorded, undefined, 8192, undefined, 16);
    expect(view.exceptionType).toBe('exception');
    expect(view.limited).toContain('exception.type');
    expect(view.malformed).toEqual(['exception.message']);
  });
});
