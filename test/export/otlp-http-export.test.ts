import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('export through the real OTLP/HTTP exporter', () => {
  it('delivers every span once, with the findings on the failing span and the turn root', async () => {
    receiver = await startOtlpReceiver();
    const processor = new AgentTriageSpanProcessor({
      next: new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }) }),
      state: { persistence: false },
    });
    const provider = new TracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('export-test');
    const healthy = runTurn(tracer, HEALTHY_TURN);
    const failed = runTurn(tracer, {
      steps: [
        { llm: { toolCalls: [{ id: 'c1', name: 'lookup' }] } },
        { tool: { name: 'lookup', id: 'c1', fail: 'database down' } },
        { llm: { text: 'sorry' } },
      ],
    });
    await provider.shutdown();

    const received = receiver.requests.flatMap(r => {
      expect(r.path).toBe('/v1/traces');
      return spansFromTraceRequest(JSON.parse(r.body.toString('utf8')), 'request');
    });
    const ids = received.map(s => s.spanContext().spanId);
    expect(ids.sort()).toEqual([healthy.rootSpanId, ...healthy.stepSpanIds, failed.rootSpanId, ...failed.stepSpanIds].sort());

    const byId = new Map(received.map(s => [s.spanContext().spanId, s]));
    const tool = byId.get(failed.stepSpanIds[1] ?? '');
    expect(tool?.events.map(e => e.name)).toEqual(['exception', 'agent_triage.failure']);
    expect(tool?.events[1]?.attributes).toMatchObject({ 'agent_triage.signal': 'tool_error', 'agent_triage.class': 'logic', 'agent_triage.remediation.surface': 'tool_config' });
    const root = byId.get(failed.rootSpanId);
    expect(root?.attributes).toMatchObject({ 'agent_triage.turn.outcome': 'failed', 'agent_triage.failure_classes': 'logic', 'agent_triage.failure_signals': 'tool_error' });
    expect(root?.events[0]?.attributes).toMatchObject({ 'agent_triage.signal': 'tool_error', 'agent_triage.span_id': failed.stepSpanIds[1] });
    expect(byId.get(healthy.rootSpanId)?.attributes['agent_triage.turn.outcome']).toBe('ok');
  });
});
