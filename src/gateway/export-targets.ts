import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { GatewayConfig } from './gateway-config.js';
import { JsonlFile } from './jsonl-file.js';

export type TargetName = 'otlp' | 'file';

/** Where forwarded batches go. `export` resolves false when the batch is lost (after the exporter's own retries). */
export interface ExportTarget {
  readonly name: TargetName;
  export(spans: ReadableSpan[]): Promise<boolean>;
  shutdown(): Promise<void>;
}

/**
 * The SDK's OTLP/HTTP trace exporter: endpoint, headers and timeout from the
 * config, else (and compression always) from the standard
 * `OTEL_EXPORTER_OTLP_*` variables, which the exporter reads itself.
 */
export function otlpTarget(forward: GatewayConfig['forward']): ExportTarget {
  const exporter = new OTLPTraceExporter({
    ...(forward.endpoint !== undefined && { url: forward.endpoint }),
    ...(forward.headers !== undefined && { headers: forward.headers }),
    ...(forward.timeoutMillis !== undefined && { timeoutMillis: forward.timeoutMillis }),
  });
  return {
    name: 'otlp',
    export: spans =>
      new Promise(resolve => {
        exporter.export(spans, result => {
          resolve(result.code === ExportResultCode.SUCCESS);
        });
      }),
    shutdown: () => exporter.shutdown(),
  };
}

/** `traces.jsonl`: one OTLP/JSON ExportTraceServiceRequest per line, serialized as the JS exporter does. */
export function tracesFileTarget(dir: string): ExportTarget {
  const file = new JsonlFile(join(dir, 'traces.jsonl'));
  const decoder = new TextDecoder();
  return {
    name: 'file',
    async export(spans) {
      const bytes = JsonTraceSerializer.serializeRequest(spans);
      if (!bytes) return false;
      await file.append(decoder.decode(bytes));
      return true;
    },
    shutdown: () => file.close(),
  };
}
