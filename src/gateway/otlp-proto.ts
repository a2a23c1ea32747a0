import protobuf from 'protobufjs';

/**
 * The OTLP trace messages, written from the protocol's message definitions as
 * a protobufjs JSON descriptor. Field names are the JSON mapping's
 * lowerCamelCase, so a decoded message has the OTLP/JSON shape (after ids are
 * turned into hex). Enums are read as plain int32, which is wire-compatible.
 */
const repeated = (type: string, id: number) => ({ type, id, rule: 'repeated' });

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: { type: 'string', id: 1 },
            boolValue: { type: 'bool', id: 2 },
            intValue: { type: 'int64', id: 3 },
            doubleValue: { type: 'double', id: 4 },
            arrayValue: { type: 'ArrayValue', id: 5 },
            kvlistValue: { type: 'KeyValueList', id: 6 },
            bytesValue: { type: 'bytes', id: 7 },
          },
        },
        ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
        KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
        KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
        InstrumentationScope: {
          fields: {
            name: { type: 'string', id: 1 },
            version: { type: 'string', id: 2 },
            attributes: repeated('KeyValue', 3),
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Resource: { fields: { attributes: repeated('KeyValue', 1), droppedAttributesCount: { type: 'uint32', id: 2 } } },
        ExportTraceServiceRequest: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },
        ResourceSpans: {
          fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: repeated('ScopeSpans', 2), schemaUrl: { type: 'string', id: 3 } },
        },
        ScopeSpans: {
          fields: { scope: { type: 'InstrumentationScope', id: 1 }, spans: repeated('Span', 2), schemaUrl: { type: 'string', id: 3 } },
        },
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            traceState: { type: 'string', id: 3 },
            parentSpanId: { type: 'bytes', id: 4 },
            flags: { type: 'fixed32', id: 16 },
            name: { type: 'string', id: 5 },
            kind: { type: 'int32', id: 6 },
            startTimeUnixNano: { type: 'fixed64', id: 7 },
            endTimeUnixNano: { type: 'fixed64', id: 8 },
            attributes: repeated('KeyValue', 9),
            droppedAttributesCount: { type: 'uint32', id: 10 },
            events: repeated('Event', 11),
            droppedEventsCount: { type: 'uint32', id: 12 },
            links: repeated('Link', 13),
            droppedLinksCount: { type: 'uint32', id: 14 },
            status: { type: 'Status', id: 15 },
          },
        },
        Event: {
          fields: {
            timeUnixNano: { type: 'fixed64', id: 1 },
            name: { type: 'string', id: 2 },
            attributes: repeated('KeyValue', 3),
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Link: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            traceState: { type: 'string', id: 3 },
            attributes: repeated('KeyValue', 4),
            droppedAttributesCount: { type: 'uint32', id: 5 },
            flags: { type: 'fixed32', id: 6 },
          },
        },
        Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
        ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } },
        ExportTracePartialSuccess: { fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
        /** google.rpc.Status, the body of every 4xx/5xx response (details left empty). */
        RpcStatus: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor).resolveAll();
const requestType = root.lookupType('otlp.ExportTraceServiceRequest');
const responseType = root.lookupType('otlp.ExportTraceServiceResponse');

/** The message types the gateway reads and writes span by span. */
export const otlpTypes = {
  request: requestType,
  resource: root.lookupType('otlp.Resource'),
  scope: root.lookupType('otlp.InstrumentationScope'),
  span: root.lookupType('otlp.Span'),
  keyValue: root.lookupType('otlp.KeyValue'),
  anyValue: root.lookupType('otlp.AnyValue'),
  event: root.lookupType('otlp.Event'),
};
const rpcStatusType = root.lookupType('otlp.RpcStatus');

/**
 * Decodes a protobuf ExportTraceServiceRequest into the OTLP/JSON shape:
 * trace and span ids as hex, 64-bit integers as decimal strings, `bytesValue`
 * as base64. The result still goes through the same zod validation as JSON.
 * @throws Error when the bytes are not a valid message (e.g. truncated).
 */
export function decodeTraceRequestProto(body: Uint8Array): unknown {
  const message = requestType.decode(body);
  const json = requestType.toObject(message, { longs: String, bytes: String });
  idsToHex(json);
  return json;
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Ids only appear on spans and links, never inside attribute values, so a key match is exact there. */
function idsToHex(node: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'attributes') continue;
    if (ID_FIELDS.has(key) && typeof value === 'string') {
      node[key] = Buffer.from(value, 'base64').toString('hex');
    } else if (Array.isArray(value)) {
      for (const item of value) if (isRecord(item)) idsToHex(item);
    } else if (isRecord(value)) {
      idsToHex(value);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function encodeTraceResponseProto(rejectedSpans: number, errorMessage: string): Uint8Array {
  const body = rejectedSpans > 0 || errorMessage !== '' ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return responseType.encode(responseType.fromObject(body)).finish();
}

export function encodeRpcStatusProto(code: number, message: string): Uint8Array {
  return rpcStatusType.encode(rpcStatusType.fromObject({ code, message })).finish();
}

/** The message of a protobuf google.rpc.Status answer, if the bytes are one (a truncated answer may not be). */
export function rpcStatusMessageOf(body: Uint8Array): string | undefined {
  try {
    const { message } = rpcStatusType.decode(body) as unknown as { message: string };
    return message === '' ? undefined : message;
  } catch {
    return undefined;
  }
}
