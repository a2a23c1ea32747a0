import { z } from 'zod';

/**
 * OTLP/JSON `ExportTraceServiceRequest`, per the protocol's JSON mapping:
 * lowerCamelCase keys, hex trace and span ids, enums as integers, 64-bit
 * integers as decimal strings or numbers (both are accepted, as receivers
 * must). Unknown fields are ignored, as the specification requires.
 */

const hex = (length: number, what: string) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), `${what} must be ${length} hex characters`);

/** uint64 nanoseconds or int64 values: a decimal string or a non-negative integer number. */
const int64 = z.union([z.string().regex(/^-?\d+$/, 'expected a decimal integer string'), z.number().int()]);
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

export interface OtlpAnyValue {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | 'NaN' | 'Infinity' | '-Infinity' | undefined;
  arrayValue?: { values?: OtlpAnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: OtlpKeyValue[] | undefined } | undefined;
  bytesValue?: string | undefined;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | undefined;
}

export const anyValueSchema: z.ZodType<OtlpAnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64.optional(),
    doubleValue: double.optional(),
    arrayValue: z.object({ values: z.array(anyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValueSchema).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
export const keyValueSchema: z.ZodType<OtlpKeyValue> = z.lazy(() =>
  z.object({ key: z.string(), value: anyValueSchema.optional() }),
);

const attributes = z.array(keyValueSchema).optional();

export const otlpSpanSchema = z.object({
  traceId: hex(32, 'traceId'),
  spanId: hex(16, 'spanId'),
  parentSpanId: z.union([hex(16, 'parentSpanId'), z.literal('')]).optional(),
  traceState: z.string().optional(),
  flags: z.number().int().min(0).optional(),
  name: z.string(),
  kind: z.number().int().min(0).max(5).optional(),
  startTimeUnixNano: int64,
  endTimeUnixNano: int64,
  attributes,
  droppedAttributesCount: z.number().int().min(0).optional(),
  events: z
    .array(
      z.object({
        timeUnixNano: int64,
        name: z.string(),
        attributes,
        droppedAttributesCount: z.number().int().min(0).optional(),
      }),
    )
    .optional(),
  droppedEventsCount: z.number().int().min(0).optional(),
  links: z
    .array(
      z.object({
        traceId: hex(32, 'links.traceId'),
        spanId: hex(16, 'links.spanId'),
        traceState: z.string().optional(),
        attributes,
        droppedAttributesCount: z.number().int().min(0).optional(),
        flags: z.number().int().min(0).optional(),
      }),
    )
    .optional(),
  droppedLinksCount: z.number().int().min(0).optional(),
  status: z.object({ code: z.number().int().min(0).max(2).optional(), message: z.string().optional() }).optional(),
});
export type OtlpSpan = z.output<typeof otlpSpanSchema>;

export const otlpScopeSchema = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  attributes,
  droppedAttributesCount: z.number().int().min(0).optional(),
});

export const otlpResourceSpansSchema = z.object({
  resource: z.object({ attributes, droppedAttributesCount: z.number().int().min(0).optional() }).optional(),
  scopeSpans: z
    .array(z.object({ scope: otlpScopeSchema.optional(), spans: z.array(otlpSpanSchema).optional(), schemaUrl: z.string().optional() }))
    .optional(),
  schemaUrl: z.string().optional(),
});
export type OtlpResourceSpans = z.output<typeof otlpResourceSpansSchema>;

export const exportTraceServiceRequestSchema = z.object({
  resourceSpans: z.array(otlpResourceSpansSchema).optional(),
});
export type ExportTraceServiceRequest = z.output<typeof exportTraceServiceRequestSchema>;

/** A JSON document is taken for a trace request when it is an object with a `resourceSpans` array. */
export function looksLikeTraceRequest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as Record<string, unknown>)['resourceSpans']);
}
