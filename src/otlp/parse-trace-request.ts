import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describeZodError } from '../config/config-error.js';
import { exportTraceServiceRequestSchema } from './otlp-json-schema.js';
import { readableSpansFromRequest } from './otlp-to-readable-span.js';

/** Bad OTLP input; the message names where and what is wrong. */
export class OtlpParseError extends Error {
  override readonly name = 'OtlpParseError';
}

/**
 * Validates a parsed OTLP/JSON ExportTraceServiceRequest and returns its spans.
 * @param where names the input in error messages (a file, `file:line`, a request).
 * @throws OtlpParseError naming the offending field.
 */
export function spansFromTraceRequest(json: unknown, where: string): ReadableSpan[] {
  const parsed = exportTraceServiceRequestSchema.safeParse(json);
  if (!parsed.success) throw new OtlpParseError(describeZodError(where, parsed.error));
  return readableSpansFromRequest(parsed.data);
}
