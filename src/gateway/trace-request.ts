import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { otlpResourceSpansSchema, otlpScopeSchema, otlpSpanSchema } from '../otlp/otlp-json-schema.js';
import type { OtlpResourceSpans, OtlpSpan } from '../otlp/otlp-json-schema.js';
import { readableSpansFromRequest } from '../otlp/otlp-to-readable-span.js';
import { forwardableResource, forwardableScope, forwardableSpan } from './forwardable-span.js';
import { HttpError } from './http-error.js';
import { decodeTraceRequestProto } from './otlp-proto.js';

export type OtlpEncoding = 'json' | 'protobuf';

/** A decoded span twice: as the triage pipeline reads it, and as it is forwarded. */
export interface DecodedSpan {
  readonly input: ReadableSpan;
  readonly forward: ReadableSpan;
}

export interface DecodedRequest {
  readonly spans: DecodedSpan[];
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
  const envelope = envelopeSchema.safeParse(parseBody(body, encoding));
  if (!envelope.success) throw new HttpError(400, 'bad_data', describeZodError('request', envelope.error));
  const errors: string[] = [];
  let rejected = 0;
  let total = 0;
  const spans: DecodedSpan[] = [];
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
        if (span) spans.push({ input, forward: forwardableSpan(input, span, forwardResource, forwardScope) });
      });
    });
  });
  const errorMessage = errors.join('\n') + (rejected > errors.length ? `\n(and ${rejected - errors.length} more)` : '');
  if (total > 0 && spans.length === 0) throw new HttpError(400, 'bad_data', errorMessage);
  return { spans, rejected, errorMessage: rejected > 0 ? errorMessage : '' };
}

function parseBody(body: Buffer, encoding: OtlpEncoding): unknown {
  let parsed: unknown;
  try {
    parsed = encoding === 'json' ? (JSON.parse(body.toString('utf8')) as unknown) : decodeTraceRequestProto(body);
  } catch (error) {
    throw new HttpError(400, 'bad_data', `invalid ${encoding === 'json' ? 'JSON' : 'protobuf'} body: ${(error as Error).message}`);
  }
  if (encoding === 'json' && nestedDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'bad_data', `invalid JSON body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return parsed;
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
