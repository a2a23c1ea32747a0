import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import { startTestGateway } from '../helpers/gateway.js';
import { recordSpans, tempDir, toOtlpJson } from '../helpers/otlp-files.js';
import { postTraces } from '../helpers/gateway.js';
import { runTurn } from '../helpers/scripted-agent.js';
import { healthyTurns, TURN_LOCAL_FAILURES } from './helpers/agent-traffic.js';
import { freePort, Processes, scrape, startCollector, waitFor } from './helpers/processes.js';
import { startTraceSink } from './helpers/trace-sink.js';
import type { TraceSink } from './helpers/trace-sink.js';

const binary = inject('otelcolBinary');
const RULES_DIR = fileURLToPath(new URL('../../examples/prometheus/', import.meta.url));
const RULES = 'agent-triage-rules.yml';

interface Series {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The `{…}` part as exposed. */
  readonly selector: string;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Series[] {
  return text
    .split('\n')
    .filter(line => line !== '' && !line.startsWith('#'))
    .flatMap(line => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+/.exec(line);
      if (!match?.[1]) return [];
      const selector = match[2] ?? '{}';
      const labels = Object.fromEntries([...selector.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(m => [m[1] ?? '', m[2] ?? '']));
      return [{ name: match[1], labels, selector }];
    });
}

const processes = new Processes();
const sinks: TraceSink[] = [];
afterEach(async () => {
  await processes.stopAll();
  await Promise.all(sinks.splice(0).map(sink => sink.close()));
});

const promtoolMissing = spawnSync('promtool', ['--version']).error !== undefined;

describe.skipIf(binary === '')('triage metrics through the Collector prometheus exporter (examples/collector/otel-collector-tail-sampling.yaml)', () => {
  it('arrive as the alert rules expect them, and the rules evaluate on exactly those series (promtool)', async () => {
    const sink = await startTraceSink();
    sinks.push(sink);
    const [grpc, http, prometheus, deadPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    await startCollector(processes, binary, {
      config: 'otel-collector-tail-sampling.yaml',
      env: {
        OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
        OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
        PROMETHEUS_ENDPOINT: `127.0.0.1:${prometheus}`,
        TRACING_BACKEND_ENDPOINT: sink.url,
      },
      overrides: { processors: { batch: { timeout: '100ms' } } },
    });
    const metricsUrl = `http://127.0.0.1:${http}/v1/metrics`;

    // In-process: the processor's metrics over OTLP.
    const meterProvider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout-agent' }),
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: metricsUrl }), exportIntervalMillis: 200 })],
    });
    const provider = new TracerProvider({
      spanProcessors: [new AgentTriageSpanProcessor({ next: new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }), meterProvider, state: { persistence: false } })],
    });
    const tracer = provider.getTracer('collector-test-agent');
    for (const turn of [...TURN_LOCAL_FAILURES, ...healthyTurns(3)]) runTurn(tracer, turn.script);

    // The gateway: its metrics over OTLP; forwarding to a closed port, so spans are lost (the forward-failing alert).
    const gateway = await startTestGateway({
      // A short retry window: spans to a dead backend are counted lost after it (5 minutes by default).
      forward: { endpoint: `http://127.0.0.1:${deadPort}/v1/traces`, timeoutMillis: 1000, flushIntervalMs: 50, retry: { initialIntervalMs: 100, maxElapsedMs: 500 } },
      metrics: { otlp: { endpoint: metricsUrl, intervalMillis: 200 } },
      triage: { decisionWaitMs: 100 },
    });
    try {
      const spans = recordSpans(t => {
        for (const turn of TURN_LOCAL_FAILURES) runTurn(t, turn.script);
      });
      expect((await postTraces(gateway, toOtlpJson(spans))).status).toBe(200);

      const exposition = `http://127.0.0.1:${prometheus}/metrics`;
      const series = await waitFor('triage metrics of both senders, and the gateway’s lost spans, in the Collector’s exposition', async () => {
        const parsed = parseExposition(await scrape(exposition));
        const jobs = new Set(parsed.filter(s => s.name === 'agent_triage_failures_total').map(s => s.labels['job']));
        const lost = parsed.some(s => s.name === 'agent_triage_gateway_spans_forwarded_total' && s.labels['agent_triage_gateway_outcome'] === 'failed');
        return jobs.has('checkout-agent') && jobs.has('agent-triage-gateway') && lost ? parsed : undefined;
      }, 30_000, 200);

      const triage = series.filter(s => s.name.startsWith('agent_triage_'));
      for (const s of triage) expect(s.labels['otel_scope_name'], s.name).toMatch(/^otel-agent-triage(-gateway)?$/);
      const text = await scrape(exposition);
      const counters = [...text.matchAll(/^# TYPE (agent_triage_\S+) counter$/gm)].map(m => m[1] ?? '');
      expect(counters).toEqual(expect.arrayContaining(['agent_triage_failures_total', 'agent_triage_turns_total', 'agent_triage_gateway_spans_forwarded_total']));
      for (const name of counters) expect(name, 'counters end in _total').toMatch(/_total$/);
      // The same names as the gateway's own /metrics, which Prometheus scrapes directly.
      const direct = new Set(parseExposition(await scrape(`${gateway.url}/metrics`)).map(s => s.name));
      const viaCollector = new Set(triage.filter(s => s.labels['job'] === 'agent-triage-gateway').map(s => s.name));
      expect([...viaCollector].sort()).toEqual([...direct].filter(name => name.startsWith('agent_triage_')).sort());
      // The metrics the rules alert on in this traffic, under the names the rules use.
      const names = new Set(triage.map(s => s.name));
      for (const name of ['agent_triage_failures_total', 'agent_triage_turns_total', 'agent_triage_gateway_spans_forwarded_total']) expect(names).toContain(name);

      if (promtoolMissing && process.env['CI'] === undefined) {
        console.warn('promtool is missing: the alert rules were not evaluated (apt-get install prometheus; .ci/run does)');
        return;
      }
      expect(promtoolMissing, 'promtool is missing: apt-get install prometheus (.ci/run does)').toBe(false);

      // Each exposed series, verbatim, as one counting up by one a minute: the rules must fire on exactly these.
      const hard = triage.filter(s => s.name === 'agent_triage_failures_total' && s.labels['agent_triage_severity'] === 'hard');
      const lost = triage.filter(s => s.name === 'agent_triage_gateway_spans_forwarded_total' && s.labels['agent_triage_gateway_outcome'] === 'failed');
      expect(hard.length).toBeGreaterThan(0);
      // A group's alert value is the summed 5-minute increase: 5 for each series in it.
      const groups = new Map<string, { labels: Record<string, string>; series: number }>();
      for (const s of hard) {
        const labels = { gen_ai_agent_name: s.labels['gen_ai_agent_name'] ?? '', agent_triage_signal: s.labels['agent_triage_signal'] ?? '', agent_triage_class: s.labels['agent_triage_class'] ?? '' };
        const key = JSON.stringify(labels);
        groups.set(key, { labels, series: (groups.get(key)?.series ?? 0) + 1 });
      }
      const targets = [...new Set(lost.map(s => s.labels['agent_triage_gateway_target'] ?? ''))];
      const test = {
        rule_files: [RULES],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: triage.filter(s => s.name.endsWith('_total')).map(s => ({ series: `${s.name}${s.selector}`, values: '0+1x20' })),
            alert_rule_test: [
              {
                alertname: 'AgentHardFailures',
                eval_time: '10m',
                exp_alerts: [...groups.values()].map(({ labels, series: count }) => ({
                  exp_labels: { severity: 'page', ...labels },
                  exp_annotations: { summary: `Agent ${labels.gen_ai_agent_name}: ${5 * count} hard ${labels.agent_triage_signal} failures in 5 minutes` },
                })),
              },
              {
                alertname: 'AgentTriageGatewayForwardFailing',
                eval_time: '10m',
                exp_alerts: targets.map(target => ({
                  exp_labels: { severity: 'page', agent_triage_gateway_target: target },
                  exp_annotations: { summary: `The agent-triage gateway is losing spans forwarding to ${target}` },
                })),
              },
            ],
          },
        ],
      };
      const dir = tempDir('promtool-');
      copyFileSync(join(RULES_DIR, RULES), join(dir, RULES));
      writeFileSync(join(dir, 'collector-shape.test.yml'), stringify(test));
      const { stdout } = await promisify(execFile)('promtool', ['test', 'rules', 'collector-shape.test.yml'], { cwd: dir });
      expect(stdout).toContain('SUCCESS');
    } finally {
      await gateway.shutdown();
      await provider.shutdown();
      await meterProvider.shutdown();
    }
  });
});
