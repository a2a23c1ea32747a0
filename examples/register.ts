/**
 * Registering the processor in a Node app's tracing setup: put it where the
 * exporting processor would go, and hand it that processor as `next`.
 * Endpoints and headers come from the standard OTEL_EXPORTER_OTLP_* variables.
 */
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AgentTriageSpanProcessor } from '../src/index.js';

const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })],
});
metrics.setGlobalMeterProvider(meterProvider);

export const tracerProvider = new NodeTracerProvider({
  spanProcessors: [
    new AgentTriageSpanProcessor({
      next: new BatchSpanProcessor(new OTLPTraceExporter()),
      meterProvider,
    }),
  ],
});
tracerProvider.register();
