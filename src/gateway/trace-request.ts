import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { otlpResourceSpansSchema, otlpScopeSchema, otlpSpanSchema } from '../otlp/otlp-json-schema.js';
import type { OtlpResourceSpans, OtlpSpan } from '../otlp/otlp-json-schema.js';
import { readableSpansFromRequest } from '../otlp/otlp-to-readable-span.js';
import { forwardableResource, forwardableScope, forwardableSpan } from './forwardable-span.js';
import { HttpError } from './http-error.js';
import { FORWARD } from './forward-item.js';
import { decodeProtoRequest } from './proto-request.js';
import type { ProtoRequest } from './proto-request.js';

export type OtlpEncoding = 'json' | 'protobuf';

export interface DecodedRequest {
  /** What the triage pipeline reads; each carries how it is forwarded (see `FORWARD`). */
  readonly spans: ReadableSpan[];
  /** Spans refused individually (OTLP partial success); the rest are accepted. */
  readonly rejected: number;
  readonly errorMessage: string;
}

/** The encoding a `Content-Type` asks for; anything else is 415. */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  throw new HttpError(415, 'unsupported_media_type', `unsupported content-type "${contentType ?? ''}"; use application/x-protobuf or application/json`);
}

/** The request down to its spans, which are validated one by one so one bad span does not cost the batch. */
const envelopeSchema = z.object({
  resourceSpans: z
    .array(
      otlpResourceSpansSchema.extend({
        scopeSpans: z
          .array(z.object({ scope: otlpScopeSchema.optional(), spans: z.array(z.unknown()).optional(), schemaUrl: z.string().optional() }))
          .optional(),
      }),
    )
    .optional(),
});

const MAX_ERRORS_REPORTED = 3;

/**
 * Decodes and validates an ExportTraceServiceRequest body. A body that cannot
 * be decoded, a malformed envelope, or a request whose spans are all invalid
 * is a 400 naming what is wrong; some invalid spans are a partial success.
 */
export function decodeTraceRequest(body: Buffer, encoding: OtlpEncoding): DecodedRequest {
  return encoding === 'protobuf' ? decodeProtobuf(body) : decodeJson(body);
}

function decodeProtobuf(body: Buffer): DecodedRequest {
  let request: ProtoRequest;
  try {
    request = decodeProtoRequest(body);
  } catch (error) {
    throw new HttpError(400, 'bad_data', `invalid protobuf body: ${(error as Error).message}`);
  }
  return withErrors(request.spans, request.total, request.rejected, request.errors);
}

function decodeJson(body: Buffer): DecodedRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new HttpError(400, 'bad_data', `invalid JSON body: ${(error as Error).message}`);
  }
  if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) throw new HttpError(400, 'bad_data', `invalid JSON body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) throw new HttpError(400, 'bad_data', describeZodError('request', envelope.error));
  const errors: string[] = [];
  let rejected = 0;
  let total = 0;
  const spans: ReadableSpan[] = [];
  envelope.data.resourceSpans?.forEach((resourceSpans, r) => {
    const forwardResource = forwardableResource(resourceSpans);
    resourceSpans.scopeSpans?.forEach((scopeSpans, s) => {
      const valid: OtlpSpan[] = [];
      scopeSpans.spans?.forEach((candidate, i) => {
        total++;
        const parsed = otlpSpanSchema.safeParse(candidate);
        if (parsed.success) {
          valid.push(parsed.data);
          return;
        }
        rejected++;
        if (errors.length < MAX_ERRORS_REPORTED) errors.push(describeZodError(`resourceSpans.${r}.scopeSpans.${s}.spans.${i}`, parsed.error));
      });
      const scoped: OtlpResourceSpans = {
        resource: resourceSpans.resource,
        schemaUrl: resourceSpans.schemaUrl,
        scopeSpans: [{ scope: scopeSpans.scope, schemaUrl: scopeSpans.schemaUrl, spans: valid }],
      };
      const inputs = readableSpansFromRequest({ resourceSpans: [scoped] });
      const forwardScope = forwardableScope(scopeSpans);
      inputs.forEach((input, i) => {
        const span = valid[i];
        if (span) spans.push(Object.defineProperty(input, FORWARD, { value: { readable: forwardableSpan(input, span, forwardResource, forwardScope) } }));
      });
    });
  });
  return withErrors(spans, total, rejected, errors);
}

/** A request with some invalid spans is a partial success; one with only invalid spans is a 400 naming them. */
function withErrors(spans: ReadableSpan[], total: number, rejected: number, errors: readonly string[]): DecodedRequest {
  const errorMessage = errors.join('\n') + (rejected > errors.length ? `\n(and ${rejected - errors.length} more)` : '');
  if (total > 0 && spans.length === 0) throw new HttpError(400, 'bad_data', errorMessage);
  return { spans, rejected, errorMessage: rejected > 0 ? errorMessage : '' };
}

/**
 * Protobuf decoding stops at 100 nested messages (protoc's default, and
 * protobufjs's); a JSON request deeper than this could not be forwarded as
 * protobuf, and would overflow the stack of the recursive schema.
 */
const MAX_JSON_DEPTH = 128;

/** Iterative, so a hostile depth cannot overflow the stack here either. */
function nestedDeeperThan(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}
