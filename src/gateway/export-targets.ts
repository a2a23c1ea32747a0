import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeForwardRequest } from './forward-encoding.js';
import type { GatewayConfig } from './gateway-config.js';
import { JsonlFile } from './jsonl-file.js';
import { decodeTraceRequestProto } from './otlp-proto.js';
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
      // Received spans go out as the bytes they came in (plus what triage wrote): see encodeForwardRequest.
      return poster.post(encodeForwardRequest(spans), 'application/x-protobuf');
    },
    shutdown: () => {
      poster.close();
      return Promise.resolve();
    },
  };
}

/** `traces.jsonl`: one OTLP/JSON ExportTraceServiceRequest per line, the JSON mapping of what would be forwarded. */
export function tracesFileTarget(dir: string): ExportTarget<ReadableSpan> {
  const file = new JsonlFile(join(dir, 'traces.jsonl'));
  return {
    name: 'file',
    async export(spans): Promise<ExportOutcome> {
      const line = JSON.stringify(decodeTraceRequestProto(encodeForwardRequest(spans)));
      try {
        await file.append(line);
      } catch (error) {
        // A full disk may clear up: retry within the window like a backend outage.
        return { kind: 'retryable', message: `cannot write ${file.path}: ${(error as Error).message}` };
      }
      return EXPORT_OK;
    },
    shutdown: () => file.close(),
  };
}
