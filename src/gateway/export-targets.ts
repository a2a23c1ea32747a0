import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
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
  const logged = new Set<string>();
  return {
    name: 'otlp',
    export: spans =>
      new Promise(resolve => {
        exporter.export(spans, result => {
          if (result.code !== ExportResultCode.SUCCESS) logLossOnce(logged, result.error);
          resolve(result.code === ExportResultCode.SUCCESS);
        });
      }),
    shutdown: () => exporter.shutdown(),
  };
}

const MAX_LOGGED_REASONS = 20;

/**
 * Logs a lost batch once per distinct reason, in the receiver's own words when it answered
 * (e.g. the Collector's `{"code":3,"message":"http: request body too large"}`); the
 * `agent_triage.gateway.spans.forwarded{outcome="failed"}` counter counts every lost span.
 */
function logLossOnce(logged: Set<string>, error: Error | undefined): void {
  const data = error !== undefined && 'data' in error && typeof error.data === 'string' && error.data !== '' ? `: ${error.data.slice(0, 500)}` : '';
  const reason = `${error?.message ?? 'export failed'}${data}`;
  if (logged.has(reason) || logged.size >= MAX_LOGGED_REASONS) return;
  logged.add(reason);
  diag.error(`agent-triage gateway: forwarding failed, spans lost (logged once per reason): ${reason}`);
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
