/**
 * `npm run demo`: a toy agent on the real OpenTelemetry SDK with the triage
 * processor registered, exporting traces and metrics over OTLP/HTTP. With no
 * OTEL_EXPORTER_OTLP_ENDPOINT set, the OTLP data goes to a receiver embedded
 * in this script on 127.0.0.1, so nothing else needs to run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import type { Finding } from '../../src/index.js';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import { SCENARIOS } from './scenarios.js';
import { runAgent } from './toy-agent.js';

async function main(): Promise<void> {
  const embedded = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] === undefined ? await startEmbeddedReceiver() : undefined;
  if (embedded) process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = embedded.url;
  console.log(`OTLP/HTTP endpoint: ${process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? ''}${embedded ? ' (embedded receiver)' : ''}\n`);

  const resource = resourceFromAttributes({ 'service.name': 'agent-triage-demo', 'service.version': '1.4.2' });
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 60_000 })],
  });
  const findings: Finding[] = [];
  const triage = new AgentTriageSpanProcessor({
    next: new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }),
    meterProvider,
    onFinding: finding => findings.push(finding),
    // Baselines persist to the default state file (see docs/signals.md); the demo starts
    // fresh each run so its output is the same every time.
    state: { persistence: false },
  });
  // TracerProvider and explicit registration exist on both SDK lines (3.x has no NodeTracerProvider).
  const provider = new TracerProvider({ resource, spanProcessors: [triage] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);

  for (const scenario of SCENARIOS) {
    const before = findings.length;
    const answer = await runAgent(scenario, 'What is the weather in Paris?');
    const found = findings.slice(before);
    const verdict = found.length === 0 ? 'ok' : found.map(f => `${f.signal} → ${f.class} (${f.severity})`).join(', ');
    console.log(`${scenario.title.padEnd(45)} ${verdict}`);
    console.log(`${''.padEnd(45)} answer: ${answer}`);
  }

  await provider.shutdown();
  await meterProvider.shutdown();

  console.log('\nClassified failures (what the scan CLI and onFinding see):');
  console.table(
    findings.map(f => ({ signal: f.signal, class: f.class, severity: f.severity, agent: f.agentName, remediation: `${f.remediation.surface} / ${f.remediation.decision}`, action: f.action })),
  );

  if (embedded) {
    console.log('Metrics as the embedded OTLP receiver got them:');
    console.table(embedded.metricPoints().filter(p => p.metric === 'agent_triage.failures' || p.metric === 'agent_triage.turns'));
    const roots = embedded.spans().filter(s => s.attributes['agent_triage.turn.outcome'] !== undefined);
    console.log(`Spans the embedded OTLP receiver got: ${embedded.spans().length}; the turn roots among them:`);
    console.table(roots.map(s => ({ span: s.name, outcome: s.attributes['agent_triage.turn.outcome'], classes: s.attributes['agent_triage.failure_classes'] ?? '', events: s.events.filter(e => e.name === 'agent_triage.failure').length })));
    await embedded.close();
  }
}

async function startEmbeddedReceiver() {
  const traces: ReturnType<typeof spansFromTraceRequest> = [];
  const points: MetricPoint[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') traces.push(...spansFromTraceRequest(JSON.parse(Buffer.concat(chunks).toString('utf8')), 'demo receiver'));
      if (req.url === '/v1/metrics') points.push(...metricPointsOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => traces,
    metricPoints: () => points,
    close: () => new Promise<void>(resolve => server.close(() => { resolve(); })),
  };
}

type MetricPoint = Record<string, string | number>;

/** Flattens the sum data points of an OTLP/JSON metrics request; enough for a printout. */
function metricPointsOf(request: unknown): MetricPoint[] {
  type KeyValue = { key: string; value: Record<string, unknown> };
  type Json = { resourceMetrics?: { scopeMetrics?: { metrics?: { name: string; sum?: { dataPoints?: { attributes?: KeyValue[]; asInt?: number | string }[] } }[] }[] }[] };
  const points: MetricPoint[] = [];
  for (const rm of (request as Json).resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        for (const dp of metric.sum?.dataPoints ?? []) {
          const labels = Object.fromEntries((dp.attributes ?? []).map(kv => [kv.key.replace(/^(agent_triage|gen_ai)\./, ''), String(Object.values(kv.value)[0])]));
          points.push({ metric: metric.name, ...labels, value: Number(dp.asInt ?? 0) });
        }
      }
    }
  }
  return points;
}

await main();
