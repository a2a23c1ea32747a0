import { z } from 'zod';
import { isFailed, isProviderFailureStatus } from '../normalize/span-view.js';
import type { Signal } from './signal.js';

export const providerErrorOptions = z.strictObject({
  /** HTTP statuses worth a bounded retry; any other failure is permanent. */
  transientStatusCodes: z.array(z.number().int().min(100).max(599)).default([408, 429, 500, 502, 503, 504, 529]),
  /** Case-insensitive fragments of `error.type`, exception type or message that mean a transient failure. */
  transientErrorPatterns: z
    .array(z.string().min(1))
    .default(['timeout', 'timed out', 'rate limit', 'overloaded', 'econnreset', 'econnrefused', 'etimedout', 'socket hang up', 'unavailable', 'internal server error', 'bad gateway', 'too many requests']),
});
export type ProviderErrorOptions = z.input<typeof providerErrorOptions>;

/**
 * `provider_error`: an LLM call failed (status ERROR, `error.type`, an
 * exception, or HTTP 5xx/429). Tagged transient or permanent so routing can
 * choose between a bounded retry and a stop.
 */
export function createProviderErrorSignal(options: ProviderErrorOptions = {}): Signal {
  const { transientStatusCodes, transientErrorPatterns } = providerErrorOptions.parse(options);
  const patterns = transientErrorPatterns.map(p => p.toLowerCase());
  return {
    id: 'provider_error',
    onSpan(span, ctx) {
      if (span.role !== 'llm_step' || !(isFailed(span) || isProviderFailureStatus(span.httpStatusCode))) return;
      const text = [span.errorType, span.exceptionType, span.exceptionMessage, span.statusMessage]
        .filter((t): t is string => t !== undefined)
        .join(' ')
        .toLowerCase();
      const transient =
        (span.httpStatusCode !== undefined && transientStatusCodes.includes(span.httpStatusCode)) ||
        patterns.some(p => text.includes(p));
      ctx.report({
        spanId: span.spanId,
        details: {
          transient,
          ...(span.httpStatusCode !== undefined && { 'http.response.status_code': span.httpStatusCode }),
          ...(span.errorType !== undefined && { 'error.type': span.errorType }),
          ...(span.exceptionType !== undefined && { 'exception.type': span.exceptionType }),
          ...(span.provider !== undefined && { 'gen_ai.provider.name': span.provider }),
          ...(span.model !== undefined && { 'gen_ai.request.model': span.model }),
        },
      });
    },
    toString: () => `provider_error{transientStatusCodes=${transientStatusCodes.join(',')}}`,
  };
}
