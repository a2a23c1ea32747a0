import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { otlpTypes } from '../../src/gateway/otlp-proto.js';
import { BAD_ID, bufferReader, nanosToHrTime, readResourceAttributes, readSpan } from '../../src/gateway/proto-span-reader.js';

describe('reading a span from its protobuf bytes', () => {
  it('turns 64-bit nanoseconds into [seconds, nanos] exactly, without BigInt', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), nanos => {
        const low = Number(nanos & 0xffffffffn);
        const high = Number(nanos >> 32n);
        expect(nanosToHrTime(low, high)).toEqual([Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)]);
      }),
      { numRuns: 2000, seed: 20261129 },
    );
  });

  it('reads what the protocol encodes: ids, times, status, attributes of every kind, events and links', () => {
    const id = (hex: string): Buffer => Buffer.from(hex, 'hex');
    const bytes = otlpTypes.span
      .encode(
        otlpTypes.span.fromObject({
          traceId: id('5b8efff798038103d269b633813fc60c'),
          spanId: id('eee19b7ec3c1b174'),
          parentSpanId: id('eee19b7ec3c1b173'),
          traceState: 'a=b',
          flags: 0x301,
          name: 'execute_tool get_weather',
          kind: 3,
          startTimeUnixNano: '1732000000123456789',
          endTimeUnixNano: '1732000001000000001',
          attributes: [
            { key: 'gen_ai.tool.name', value: { stringValue: 'get_weather' } },
            { key: 'count', value: { intValue: '9007199254740991' } },
            { key: 'negative', value: { intValue: '-3' } },
            { key: 'ratio', value: { doubleValue: 0.25 } },
            { key: 'ok', value: { boolValue: true } },
            { key: 'blob', value: { bytesValue: Buffer.from([0, 1, 2, 255]) } },
            { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
            { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } } },
            { key: 'map', value: { kvlistValue: { values: [{ key: 'n', value: { intValue: 7 } }] } } },
            { key: 'empty', value: {} },
            { key: 'ratio', value: { doubleValue: 0.5 } },
          ],
          droppedAttributesCount: 2,
          events: [{ timeUnixNano: '1732000000500000000', name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'Timeout' } }] }],
          links: [{ traceId: id('0af7651916cd43dd8448eb211c80319c'), spanId: id('b7ad6b7169203331'), flags: 1, attributes: [] }],
          status: { code: 2, message: 'upstream timed out' },
        }),
      )
      .finish();
    const span = readSpan(bytes);
    expect([span.traceId, span.spanId, span.parentSpanId]).toEqual(['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 'eee19b7ec3c1b173']);
    expect([span.name, span.kind, span.flags, span.traceState]).toEqual(['execute_tool get_weather', 3, 0x301, 'a=b']);
    expect([span.startTime, span.endTime]).toEqual([
      [1732000000, 123456789],
      [1732000001, 1],
    ]);
    expect(span.attributes).toEqual({
      'gen_ai.tool.name': 'get_weather',
      count: 9007199254740991,
      negative: -3,
      ratio: 0.5, // a later duplicate key wins
      ok: true,
      blob: 'AAEC/w==',
      tags: ['a', 'b'],
      mixed: '["a",1]',
      map: '{"n":7}',
    });
    expect(span.droppedAttributesCount).toBe(2);
    expect(span.events).toEqual([{ time: [1732000000, 500000000], name: 'exception', attributes: { 'exception.type': 'Timeout' }, droppedAttributesCount: 0 }]);
    expect(span.links.map(l => [l.traceId, l.spanId, l.flags])).toEqual([['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 1]]);
    expect([span.statusCode, span.statusMessage]).toEqual([2, 'upstream timed out']);
  });

  it('marks ids of the wrong length, and reads an absent parent as none', () => {
    const bytes = otlpTypes.span.encode(otlpTypes.span.fromObject({ traceId: Buffer.alloc(15, 1), spanId: Buffer.alloc(9, 2), links: [{ traceId: Buffer.alloc(16, 3), spanId: Buffer.alloc(0) }] })).finish();
    const span = readSpan(bytes);
    expect([span.traceId, span.spanId, span.parentSpanId]).toEqual([BAD_ID, BAD_ID, '']);
    expect(span.links.map(l => [l.traceId, l.spanId])).toEqual([['03'.repeat(16), BAD_ID]]);
    const badParent = readSpan(otlpTypes.span.encode(otlpTypes.span.fromObject({ parentSpanId: Buffer.alloc(4, 1) })).finish());
    expect(badParent.parentSpanId).toBe(BAD_ID);
  });

  it('reads short, long, ASCII and UTF-8 strings alike, whether or not they were seen before', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 60 }), fc.constant('__proto__')), fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('chat', 'gpt-4o', 'ünïcödé', 'x'.repeat(48), 'y'.repeat(49)))), { maxLength: 8 }), pairs => {
        // Each pair twice: the second read of a short string comes from the cache.
        const attributes = [...pairs, ...pairs].map(([key, value]) => ({ key, value: { stringValue: value } }));
        const span = readSpan(otlpTypes.span.encode(otlpTypes.span.fromObject({ name: pairs[0]?.[1] ?? '', attributes })).finish());
        expect(span.attributes).toEqual(Object.fromEntries(pairs.map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('utf8')])));
        expect(span.name).toBe(Buffer.from(pairs[0]?.[1] ?? '', 'utf8').toString('utf8'));
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });

  it('keeps an attribute named __proto__ as a key, never as the prototype', () => {
    const span = readSpan(otlpTypes.span.encode(otlpTypes.span.fromObject({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }, { key: 'a', value: { intValue: 1 } }] })).finish());
    expect(Object.keys(span.attributes)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
  });

  it('reads resource attributes, skipping a key without a value and a field of another wire type', () => {
    const resource = otlpTypes.resource
      .encode(otlpTypes.resource.fromObject({ attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'no.value' }], droppedAttributesCount: 1 }))
      .finish();
    const bytes = Buffer.concat([resource, Uint8Array.from([0x08, 0x01])]); // field 1 once more, as a varint
    const reader = bufferReader(bytes);
    expect(readResourceAttributes(reader, bytes.length)).toEqual({ 'service.name': 'svc' });
    expect(reader.pos).toBe(bytes.length);
  });

  it.each([
    ['a truncated message', (bytes: Uint8Array) => bytes.subarray(0, bytes.length - 3)],
    ['a known field with another wire type', () => Uint8Array.from([0x0d, 0, 0, 0, 0])], // field 1 (trace_id) as fixed32
  ])('refuses %s', (_case, mangle) => {
    const bytes = otlpTypes.span.encode(otlpTypes.span.fromObject({ name: 'x', attributes: [{ key: 'k', value: { stringValue: 'v' } }] })).finish();
    expect(() => readSpan(mangle(bytes))).toThrow();
  });
});
