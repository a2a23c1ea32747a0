import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import protobuf from 'protobufjs';
import { otlpTypes } from './otlp-proto.js';
import { setAttribute } from '../otlp/otlp-to-readable-span.js';

/**
 * Reads one OTLP `Span` message field by field with the protobuf reader,
 * straight into what triage keeps: attributes already as OTel JS values,
 * times as `HrTime`, ids as hex. No message object per attribute, no 64-bit
 * integer object per timestamp and no buffer view per id, which decoding the
 * whole message would make for every span a gateway receives. Short ASCII
 * strings (attribute keys, most scalar values) come from a small cache, so
 * the same key is one string, not a new one per span. Field numbers are the
 * protocol's (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto).
 */
export interface SpanFields {
  /** Hex, or {@link BAD_ID} when the id does not have 16 bytes. */
  traceId: string;
  /** Hex, or {@link BAD_ID} when the id does not have 8 bytes. */
  spanId: string;
  /** Hex; empty when absent, {@link BAD_ID} when it has neither 0 nor 8 bytes. */
  parentSpanId: string;
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

/** Shaped as the SDK's `TimedEvent`, so triage reads it as it is. */
export interface EventFields {
  name: string;
  time: HrTime;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface LinkFields {
  traceId: string;
  spanId: string;
  flags: number;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** An id of the wrong length: never a hex id, so it fails every check. */
export const BAD_ID = '-';

const VARINT = 0;
const I64 = 1;
/** The length-delimited wire type (strings, bytes, messages). */
export const LEN = 2;
const I32 = 5;
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

/** A reader over a Buffer (the request body), so ids and strings are read from it in place. */
export type BufferReader = protobuf.Reader & { buf: Buffer };

export function bufferReader(bytes: Uint8Array): BufferReader {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return protobuf.Reader.create(buffer) as BufferReader;
}

export function emptySpanFields(): SpanFields {
  const span = {} as SpanFields;
  resetSpanFields(span);
  return span;
}

/** Shared by every span without that timestamp: `readNanos` replaces a time, never writes into one. */
const ZERO_TIME = Object.freeze([0, 0]) as unknown as HrTime;
/** Shared by every span without links: the first link read replaces it with a new array. */
const NO_LINKS = Object.freeze([]) as unknown as LinkFields[];

/** Every field to its default; attributes and events new, links new once one is read (a scratch span serves a whole request). */
function resetSpanFields(span: SpanFields): void {
  span.traceId = BAD_ID;
  span.spanId = BAD_ID;
  span.parentSpanId = '';
  span.traceState = '';
  span.flags = 0;
  span.name = '';
  span.kind = 0;
  span.startTime = ZERO_TIME;
  span.endTime = ZERO_TIME;
  span.attributes = {};
  span.droppedAttributesCount = 0;
  span.events = [];
  span.droppedEventsCount = 0;
  span.links = NO_LINKS;
  span.droppedLinksCount = 0;
  span.statusCode = 0;
  span.statusMessage = '';
}

/** One span's bytes on their own (tests, tools). @throws Error when they are not a Span message. */
export function readSpan(bytes: Uint8Array): SpanFields {
  const reader = bufferReader(bytes);
  const span = emptySpanFields();
  readSpanFields(reader, reader.len, span);
  return span;
}

/**
 * Reads the Span message from the reader's position up to `end` into `span`,
 * every field reset first (so one scratch object serves a whole request; the
 * attributes, events and any links are new each time).
 * @throws Error when the bytes are not a Span message (truncated, a field of the wrong wire type).
 */
export function readSpanFields(reader: BufferReader, end: number, span: SpanFields): void {
  resetSpanFields(span);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, LEN);
        span.traceId = readId(reader, TRACE_ID_BYTES);
        break;
      case 2:
        check(reader, wire, LEN);
        span.spanId = readId(reader, SPAN_ID_BYTES);
        break;
      case 3:
        check(reader, wire, LEN);
        span.traceState = reader.string();
        break;
      case 4:
        check(reader, wire, LEN);
        span.parentSpanId = readId(reader, SPAN_ID_BYTES, true);
        break;
      case 5:
        check(reader, wire, LEN);
        span.name = readString(reader);
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
        if (span.links === NO_LINKS) span.links = [];
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
  checkEnd(reader, end);
}

/** An id field as hex, read in place; {@link BAD_ID} when it is not `size` bytes long (nor empty, where `empty` allows it). */
function readId(reader: BufferReader, size: number, empty = false): string {
  const length = reader.uint32();
  const start = reader.pos;
  reader.skip(length);
  if (length === size) return reader.buf.toString('hex', start, start + length);
  return empty && length === 0 ? '' : BAD_ID;
}

/** Strings up to this many bytes go through the cache. */
const CACHED_MAX_BYTES = 48;
/** Cache slots (a power of two): direct-mapped, a collision replaces the slot, so it never grows. */
const CACHE_SLOTS = 4096;
const stringCache: string[] = new Array<string>(CACHE_SLOTS).fill('');

/**
 * A length-delimited string. A short ASCII one is looked up by a hash of its
 * length and a few of its bytes, and compared byte by byte with the cached
 * string, so repeated keys and values are the same string each time (no new
 * string, no new hashing when it becomes a property key).
 */
function readString(reader: BufferReader): string {
  const length = reader.uint32();
  const start = reader.pos;
  const end = start + length;
  if (end > reader.len) throw new RangeError(`index out of range: ${start} + ${length} > ${reader.len}`);
  reader.pos = end;
  const buf = reader.buf;
  if (length > CACHED_MAX_BYTES) return buf.toString('utf8', start, end);
  if (length === 0) return '';
  // Both ends and the middle: keys share prefixes, ids share all but their last characters.
  let hash = Math.imul(length, 0x9e3779b1);
  hash = Math.imul(hash ^ (buf[start] as number), 0x01000193);
  hash = Math.imul(hash ^ (buf[start + (length >>> 1)] as number), 0x01000193);
  hash = Math.imul(hash ^ (buf[end - 1] as number), 0x01000193);
  if (length > 3) {
    hash = Math.imul(hash ^ (buf[start + 1] as number), 0x01000193);
    hash = Math.imul(hash ^ (buf[end - 2] as number), 0x01000193);
    hash = Math.imul(hash ^ (buf[end - 3] as number), 0x01000193);
  }
  const slot = (hash ^ (hash >>> 15)) & (CACHE_SLOTS - 1);
  const cached = stringCache[slot] as string;
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return cached;
  }
  for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return buf.toString('utf8', start, end);
  const text = buf.toString('latin1', start, end);
  stringCache[slot] = text;
  return text;
}

/** A known field with another wire type: not the message we think it is. */
function check(reader: BufferReader, wire: number, wanted: number): void {
  if (wire !== wanted) throw new Error(`invalid wire type ${wire} at offset ${reader.pos}`);
}

/** fixed64 nanoseconds as two 32-bit halves, low first: no 64-bit integer object. */
function readNanos(reader: BufferReader): HrTime {
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

function readEvent(reader: BufferReader, end: number): EventFields {
  const event: EventFields = { name: '', time: [0, 0], attributes: {}, droppedAttributesCount: 0 };
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
        event.name = readString(reader);
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

function readLink(reader: BufferReader, end: number): LinkFields {
  const link: LinkFields = { traceId: BAD_ID, spanId: BAD_ID, flags: 0, attributes: {}, droppedAttributesCount: 0 };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, LEN);
        link.traceId = readId(reader, TRACE_ID_BYTES);
        break;
      case 2:
        check(reader, wire, LEN);
        link.spanId = readId(reader, SPAN_ID_BYTES);
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

function readStatus(reader: BufferReader, end: number, span: SpanFields): void {
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

/**
 * A Resource message's attributes (its dropped count is not kept). An
 * attribute field of another wire type is skipped: the resource is forwarded
 * as its own bytes whatever it holds, and only read for triage.
 * @throws Error when the bytes are not a protobuf message (truncated).
 */
export function readResourceAttributes(reader: BufferReader, end: number): Attributes {
  const attributes: Attributes = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    if (tag >>> 3 === 1 && wire === LEN) {
      readKeyValue(reader, reader.uint32() + reader.pos, attributes);
    } else {
      reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
  return attributes;
}

/** A KeyValue into `into` (a later duplicate key wins, as in a map); an empty value adds nothing. */
function readKeyValue(reader: BufferReader, end: number, into: Attributes): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    if (tag >>> 3 === 1) {
      check(reader, wire, LEN);
      key = readString(reader);
    } else if (tag >>> 3 === 2) {
      check(reader, wire, LEN);
      value = readAnyValue(reader, reader.uint32() + reader.pos);
    } else {
      reader.skipType(wire);
    }
  }
  checkEnd(reader, end);
  if (value !== undefined) setAttribute(into, key, value);
}

/**
 * An AnyValue as an OTel JS attribute value: scalars read in place; arrays
 * and maps (rare on agent spans) are decoded as messages and flattened as
 * OTel JS attributes must be (see `anyValueToAttribute`). The last field set
 * wins, as for a oneof.
 */
function readAnyValue(reader: BufferReader, end: number): AttributeValue | undefined {
  const start = reader.pos;
  let value: AttributeValue | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        check(reader, wire, LEN);
        value = readString(reader);
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

/** @throws Error unless the reader stopped exactly at `end` (a field ran past its message). */
export function checkEnd(reader: BufferReader, end: number): void {
  if (reader.pos !== end) throw new Error(`index out of range: ${reader.pos} + 0 > ${end}`);
}

/** An AnyValue decoded as a message (protobufjs names the set oneof member in `value`). */
interface AnyValueMessage {
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
function anyValueToAttribute(value: AnyValueMessage): AttributeValue | undefined {
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
