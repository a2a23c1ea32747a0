import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import protobuf from 'protobufjs';
import { otlpTypes } from './otlp-proto.js';

/**
 * Reads one OTLP `Span` message field by field with the protobuf reader,
 * straight into what triage keeps: attributes already as OTel JS values,
 * times as `HrTime`, ids as bytes. No message object per attribute and no
 * 64-bit integer object per timestamp, which decoding the whole message would
 * make for every span a gateway receives. Field numbers are the protocol's
 * (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto).
 */
export interface SpanFields {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: EventFields[];
  droppedEventsCount: number;
  links: LinkFields[];
  droppedLinksCount: number;
  statusCode: number;
  statusMessage: string;
}

export interface EventFields {
  time: HrTime;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface LinkFields {
  traceId: Uint8Array;
  spanId: Uint8Array;
  flags: number;
  attributes: Attributes;
  droppedAttributesCount: number;
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const EMPTY = new Uint8Array(0);

/** @throws Error when the bytes are not a Span message (truncated, a field of the wrong wire type). */
export function readSpan(bytes: Uint8Array): SpanFields {
  const reader = protobuf.Reader.create(bytes);
  const span: SpanFields = {
    traceId: EMPTY,
    spanId: EMPTY,
    parentSpanId: EMPTY,
    traceState: '',
    flags: 0,
    name: '',
    kind: 0,
    startTime: [0, 0],
    endTime: [0, 0],
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    statusCode: 0,
    statusMessage: '',
  };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, LEN);
        span.traceId = reader.bytes();
        break;
      case 2:
        check(reader, wire, LEN);
        span.spanId = reader.bytes();
        break;
      case 3:
        check(reader, wire, LEN);
        span.traceState = reader.string();
        break;
      case 4:
        check(reader, wire, LEN);
        span.parentSpanId = reader.bytes();
        break;
      case 5:
        check(reader, wire, LEN);
        span.name = reader.string();
        break;
      case 6:
        check(reader, wire, VARINT);
        span.kind = reader.int32();
        break;
      case 7:
        check(reader, wire, I64);
        span.startTime = readNanos(reader);
        break;
      case 8:
        check(reader, wire, I64);
        span.endTime = readNanos(reader);
        break;
      case 9:
        check(reader, wire, LEN);
        readKeyValue(reader, reader.uint32() + reader.pos, span.attributes);
        break;
      case 10:
        check(reader, wire, VARINT);
        span.droppedAttributesCount = reader.uint32();
        break;
      case 11:
        check(reader, wire, LEN);
        span.events.push(readEvent(reader, reader.uint32() + reader.pos));
        break;
      case 12:
        check(reader, wire, VARINT);
        span.droppedEventsCount = reader.uint32();
        break;
      case 13:
        check(reader, wire, LEN);
        span.links.push(readLink(reader, reader.uint32() + reader.pos));
        break;
      case 14:
        check(reader, wire, VARINT);
        span.droppedLinksCount = reader.uint32();
        break;
      case 15:
        check(reader, wire, LEN);
        readStatus(reader, reader.uint32() + reader.pos, span);
        break;
      case 16:
        check(reader, wire, I32);
        span.flags = reader.fixed32();
        break;
      default:
        reader.skipType(wire);
    }
  }
  return span;
}

/** A known field with another wire type: not the message we think it is. */
function check(reader: protobuf.Reader, wire: number, wanted: number): void {
  if (wire !== wanted) throw new Error(`invalid wire type ${wire} at offset ${reader.pos}`);
}

/** fixed64 nanoseconds as two 32-bit halves, low first: no 64-bit integer object. */
function readNanos(reader: protobuf.Reader): HrTime {
  const low = reader.fixed32();
  const high = reader.fixed32();
  return nanosToHrTime(low, high);
}

/**
 * Unsigned 64-bit nanoseconds (as 32-bit halves) to `[seconds, nanos]`,
 * exactly, without BigInt: the remainder mod 1e9 is summed from parts small
 * enough for a double (2^48 ≡ 976710656 and 2^32 ≡ 294967296 mod 1e9), then
 * the seconds are the rounded quotient of a multiple of 1e9.
 */
export function nanosToHrTime(low: number, high: number): HrTime {
  const hi = high >>> 0;
  const lo = low >>> 0;
  const nanos = ((hi >>> 16) * 976_710_656 + (hi & 0xffff) * 294_967_296 + lo) % 1e9;
  return [Math.round((hi * 4_294_967_296 + lo - nanos) / 1e9), nanos];
}

function readEvent(reader: protobuf.Reader, end: number): EventFields {
  const event: EventFields = { time: [0, 0], name: '', attributes: {}, droppedAttributesCount: 0 };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, I64);
        event.time = readNanos(reader);
        break;
      case 2:
        check(reader, wire, LEN);
        event.name = reader.string();
        break;
      case 3:
        check(reader, wire, LEN);
        readKeyValue(reader, reader.uint32() + reader.pos, event.attributes);
        break;
      case 4:
        check(reader, wire, VARINT);
        event.droppedAttributesCount = reader.uint32();
        break;
      default:
        reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
  return event;
}

function readLink(reader: protobuf.Reader, end: number): LinkFields {
  const link: LinkFields = { traceId: EMPTY, spanId: EMPTY, flags: 0, attributes: {}, droppedAttributesCount: 0 };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, LEN);
        link.traceId = reader.bytes();
        break;
      case 2:
        check(reader, wire, LEN);
        link.spanId = reader.bytes();
        break;
      case 4:
        check(reader, wire, LEN);
        readKeyValue(reader, reader.uint32() + reader.pos, link.attributes);
        break;
      case 5:
        check(reader, wire, VARINT);
        link.droppedAttributesCount = reader.uint32();
        break;
      case 6:
        check(reader, wire, I32);
        link.flags = reader.fixed32();
        break;
      default:
        reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
  return link;
}

function readStatus(reader: protobuf.Reader, end: number, span: SpanFields): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    if (tag >>> 3 === 2) {
      check(reader, wire, LEN);
      span.statusMessage = reader.string();
    } else if (tag >>> 3 === 3) {
      check(reader, wire, VARINT);
      span.statusCode = reader.int32();
    } else {
      reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
}

/** A KeyValue into `into` (a later duplicate key wins, as in a map); an empty value adds nothing. */
function readKeyValue(reader: protobuf.Reader, end: number, into: Attributes): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    if (tag >>> 3 === 1) {
      check(reader, wire, LEN);
      key = reader.string();
    } else if (tag >>> 3 === 2) {
      check(reader, wire, LEN);
      value = readAnyValue(reader, reader.uint32() + reader.pos);
    } else {
      reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
  if (value !== undefined) into[key] = value;
}

/**
 * An AnyValue as an OTel JS attribute value: scalars read in place; arrays
 * and maps (rare on agent spans) are decoded as messages and flattened as
 * OTel JS attributes must be (see `anyValueToAttribute`). The last field set
 * wins, as for a oneof.
 */
function readAnyValue(reader: protobuf.Reader, end: number): AttributeValue | undefined {
  const start = reader.pos;
  let value: AttributeValue | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, LEN);
        value = reader.string();
        break;
      case 2:
        check(reader, wire, VARINT);
        value = reader.bool();
        break;
      case 3:
        check(reader, wire, VARINT);
        value = int64ToNumber(reader.int64());
        break;
      case 4:
        check(reader, wire, I64);
        value = reader.double();
        break;
      case 5:
      case 6: {
        check(reader, wire, LEN);
        reader.skip(reader.uint32());
        value = anyValueToAttribute(otlpTypes.anyValue.decode(reader.buf.subarray(start, end)) as unknown as AnyValueMessage);
        break;
      }
      case 7:
        check(reader, wire, LEN);
        value = Buffer.from(reader.bytes()).toString('base64');
        break;
      default:
        reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
  return value;
}

/** An int64 as protobufjs reads it: a `Long`-shaped object, or a number without the long package. */
type Int64 = number | { low: number; high: number };

/** As `Number(value)` would be: exact up to 2^53. */
function int64ToNumber(value: Int64): number {
  return typeof value === 'number' ? value : value.high * 4_294_967_296 + (value.low >>> 0);
}

function checkEnd(reader: protobuf.Reader, end: number): void {
  if (reader.pos !== end) throw new Error(`index out of range: ${reader.pos} + 0 > ${end}`);
}

/** An AnyValue decoded as a message (protobufjs names the set oneof member in `value`). */
export interface AnyValueMessage {
  value?: string;
  stringValue: string;
  boolValue: boolean;
  intValue: Int64;
  doubleValue: number;
  bytesValue: Uint8Array;
  arrayValue?: { values: AnyValueMessage[] };
  kvlistValue?: { values: { key: string; value?: AnyValueMessage }[] };
}

/**
 * OTel JS attributes hold scalars and homogeneous scalar arrays only; maps
 * (and mixed arrays) become their JSON text, bytes their base64. A received
 * span is forwarded from its own bytes, so nothing is lost by this.
 */
export function anyValueToAttribute(value: AnyValueMessage): AttributeValue | undefined {
  const scalar = scalarOf(value);
  if (scalar !== undefined) return scalar;
  if (value.value === 'arrayValue') {
    const values = value.arrayValue?.values ?? [];
    const items = values.map(scalarOf);
    if (items.every(item => typeof item === 'string')) return items;
    if (items.every(item => typeof item === 'number')) return items;
    if (items.every(item => typeof item === 'boolean')) return items;
    return JSON.stringify(values.map(plainOf));
  }
  if (value.value === 'kvlistValue') return JSON.stringify(plainOf(value));
  return undefined;
}

function scalarOf(value: AnyValueMessage): string | number | boolean | undefined {
  switch (value.value) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'intValue':
      return int64ToNumber(value.intValue);
    case 'doubleValue':
      return value.doubleValue;
    case 'bytesValue':
      return Buffer.from(value.bytesValue).toString('base64');
    default:
      return undefined;
  }
}

function plainOf(value: AnyValueMessage): unknown {
  const scalar = scalarOf(value);
  if (scalar !== undefined) return scalar;
  if (value.value === 'arrayValue') return (value.arrayValue?.values ?? []).map(plainOf);
  if (value.value === 'kvlistValue') {
    return Object.fromEntries((value.kvlistValue?.values ?? []).map(kv => [kv.key, kv.value === undefined ? null : plainOf(kv.value)]));
  }
  return null;
}
