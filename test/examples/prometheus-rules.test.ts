import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { CounterTable } from '../../src/emit/counter-table.js';
import { TriageMetrics } from '../../src/emit/triage-metrics.js';
import { GatewayMetrics } from '../../src/gateway/gateway-metrics.js';

const DIR = fileURLToPath(new URL('../../examples/prometheus/', import.meta.url));
const RULES = readFileSync(`${DIR}agent-triage-rules.yml`, 'utf8');
const run = promisify(execFile);

/** Every series our metrics produce, as the Prometheus exporter writes them. */
async function scrape(): Promise<string> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const triage = new TriageMetrics(provider, 10, { inFlight: () => 1, stateKeys: () => 1 });
  const gateway = new GatewayMetrics(provider, () => 1);
  const tables: CounterTable[] = [
    triage.failures, triage.turns, triage.signalErrors, triage.malformed, triage.evicted, triage.lateSpans, triage.internalErrors,
    triage.instrumentationHealth, triage.populationFindings, triage.stateErrors,
    gateway.received, gateway.forwarded, gateway.rejectedRequests, gateway.rejectedSpans,
  ];
  for (const table of tables) table.add(['a', 'b', 'c', 'd']);
  const { resourceMetrics } = await exporter.collect();
  await provider.shutdown();
  return new PrometheusSerializer().serialize(resourceMetrics);
}

describe('examples/prometheus alert rules', () => {
  it('use only metric and label names the exporter really produces', async () => {
    const text = await scrape();
    const metrics = new Set([...RULES.matchAll(/\b(agent_triage_[a-z_]+)\s*[{[]/g)].map(m => m[1]));
    const labels = new Set([...RULES.matchAll(/\bby \(([^)]*)\)/g)].flatMap(m => (m[1] ?? '').split(',').map(l => l.trim())));
    expect(metrics.size).toBeGreaterThanOrEqual(8);
    for (const metric of metrics) expect(text, metric).toMatch(new RegExp(`^${metric}\\{`, 'm'));
    for (const label of labels) expect(text, label).toContain(`${label}="`);
  });

  // Debian's promtool (installed by .ci/run). Without it the test is skipped locally and fails in CI.
  const promtoolMissing = spawnSync('promtool', ['--version']).error !== undefined;
  it.skipIf(promtoolMissing && process.env['CI'] === undefined)('pass their promtool unit tests', async () => {
    expect(promtoolMissing, 'promtool is missing: apt-get install prometheus (.ci/run does)').toBe(false);
    const { stdout } = await run('promtool', ['test', 'rules', 'agent-triage-rules.test.yml'], { cwd: DIR });
    expect(stdout).toContain('SUCCESS');
  });
});
