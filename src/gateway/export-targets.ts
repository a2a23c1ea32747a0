import { join } from 'node:path';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { GatewayConfig } from './gateway-config.js';
import { JsonlFile } from './jsonl-file.js';
import { OtlpHttpPoster, resolveOtlpHttpOptions } from './otlp-http-target.js';
import { EXPORT_OK } from './retry-policy.js';
import type { ExportOutcome } from './retry-policy.js';

export type TargetName = 'otlp' | 'file';

/**
 * Where forwarded batches go. One call is one attempt: the sink decides about
 * retries from the outcome. `export` should not reject; a rejection is taken
 * as a retryable failure.
 */
export interface ExportTarget<T> {
  readonly name: TargetName;
  export(items: readonly T[]): Promise<ExportOutcome>;
  shutdown(): Promise<void>;
}

/**
 * OTLP/HTTP protobuf to `forward.endpoint` (else the standard
 * `OTEL_EXPORTER_OTLP_*` variables), one attempt per call.
 * @throws ConfigError when one of those variables is malformed
 */
export function otlpTarget(forward: GatewayConfig['forward'], env: NodeJS.ProcessEnv): ExportTarget<ReadableSpan> & { readonly url: string } {
  const poster = new OtlpHttpPoster(resolveOtlpHttpOptions(forward, env));
  return {
    name: 'otlp',
    url: poster.url,
    async export(spans) {
      const body = ProtobufTraceSerializer.serializeRequest([...spans]);
      if (!body) return { kind: 'permanent', message: 'the spans could not be encoded' };
      return poster.post(body, 'application/x-protobuf');
    },
    shutdown: () => {
      poster.close();
      return Promise.resolve();
    },
  };
}

/** `traces.jsonl`: one OTLP/JSON ExportTraceServiceRequest per line, serialized as the JS exporter does. */
export function tracesFileTarget(dir: string): ExportTarget<ReadableSpan> {
  const file = new JsonlFile(join(dir, 'traces.jsonl'));
  const decoder = new TextDecoder();
  return {
    name: 'file',
    async export(spans): Promise<ExportOutcome> {
      const bytes = JsonTraceSerializer.serializeRequest([...spans]);
      if (!bytes) return { kind: 'permanent', message: 'the spans could not be encoded' };
      try {
        await file.append(decoder.decode(bytes));
      } catch (error) {
        // A full disk may clear up: retry within the window like a backend outage.
        return { kind: 'retryable', message: `cannot write ${file.path}: ${(error as Error).message}` };
      }
      return EXPORT_OK;
    },
    shutdown: () => file.close(),
  };
}
