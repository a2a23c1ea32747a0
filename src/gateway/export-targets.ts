import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { IExportTraceServiceResponse, ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeForwardRequest } from './forward-encoding.js';
import type { GatewayConfig } from './gateway-config.js';
import { JsonlFile } from './jsonl-file.js';
import { decodeTraceRequestProto } from './otlp-proto.js';

export type TargetName = 'otlp' | 'file';

/** Where forwarded batches go. `export` resolves false when the batch is lost (after the exporter's own retries). */
export interface ExportTarget {
  readonly name: TargetName;
  export(spans: ReadableSpan[]): Promise<boolean>;
  shutdown(): Promise<void>;
}

/** The spans of a batch as one OTLP/protobuf request: received spans as their own bytes (see `encodeForwardRequest`). */
const forwardSerializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: spans => encodeForwardRequest(spans),
  deserializeResponse: data => ProtobufTraceSerializer.deserializeResponse(data),
};

/**
 * OTLP/HTTP with protobuf, the Collector's default, through the SDK's own
 * export machinery (retries with backoff on retryable answers, compression,
 * timeouts): endpoint, headers and timeout from the config, else (and
 * compression always) from the standard `OTEL_EXPORTER_OTLP_*` variables.
 */
export function otlpTarget(forward: GatewayConfig['forward']): ExportTarget {
  const config = {
    ...(forward.endpoint !== undefined && { url: forward.endpoint }),
    ...(forward.headers !== undefined && { headers: forward.headers }),
    ...(forward.timeoutMillis !== undefined && { timeoutMillis: forward.timeoutMillis }),
  };
  const exporter = new OTLPExporterBase<ReadableSpan[]>(
    createOtlpHttpExportDelegate(
      // The SDK's own OTLP exporters build their configuration (with the OTEL_EXPORTER_OTLP_* variables) this way.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
      forwardSerializer,
      'otlp_http_span_exporter',
      TraceExporterMetricsHelper,
      undefined,
    ),
  );
  return {
    name: 'otlp',
    export: spans =>
      new Promise(resolve => {
        exporter.export(spans, result => {
          // The exporter base may come with its own copy of @opentelemetry/core: compare the values.
          resolve((result.code as number) === (ExportResultCode.SUCCESS as number));
        });
      }),
    shutdown: () => exporter.shutdown(),
  };
}

/** `traces.jsonl`: one OTLP/JSON ExportTraceServiceRequest per line, the JSON mapping of what would be forwarded. */
export function tracesFileTarget(dir: string): ExportTarget {
  const file = new JsonlFile(join(dir, 'traces.jsonl'));
  return {
    name: 'file',
    async export(spans) {
      await file.append(JSON.stringify(decodeTraceRequestProto(encodeForwardRequest(spans))));
      return true;
    },
    shutdown: () => file.close(),
  };
}
