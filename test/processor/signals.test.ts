import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import { createHarness, failureEvents } from '../helpers/harness.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';

interface Case {
  readonly desc: string;
  readonly script: TurnScript;
  readonly signal: string;
  readonly className: string;
  readonly severity: 'hard' | 'soft';
  /** Index into the script's steps of the span the finding concerns; 'root' for the turn root. */
  readonly concerns: number | 'root';
  /** True when the failing span itself carries the event (span-level signals). */
  readonly onFailingSpan: boolean;
}

const cases: Case[] = [
  {
    desc: 'provider 500 on an LLM step',
    script: { steps: [{ llm: { fail: { httpStatus: 500, message: 'Internal Server Error' } } }] },
    signal: 'provider_error',
    className: 'infra',
    severity: 'hard',
    concerns: 0,
    onFailingSpan: true,
  },
  {
    desc: 'provider 429 (throttled) with only an exception event and no status',
    script: { steps: [{ llm: { fail: { httpStatus: 429, exceptionOnly: true, message: 'Too Many Requests' } } }] },
    signal: 'provider_error',
    className: 'infra',
    severity: 'hard',
    concerns: 0,
    onFailingSpan: true,
  },
  {
    desc: 'permanent provider error (error.type, no HTTP status)',
    script: { steps: [{ llm: { fail: { errorType: 'invalid_api_key', message: 'bad key' } } }] },
    signal: 'provider_error',
    className: 'logic',
    severity: 'hard',
    concerns: 0,
    onFailingSpan: true,
  },
  {
    desc: 'a tool that throws',
    script: {
      steps: [
        { llm: { toolCalls: [{ id: 'c1', name: 'get_time' }] } },
        { tool: { name: 'get_time', id: 'c1', fail: 'clock unavailable' } },
        { llm: { text: 'Sorry.' } },
      ],
    },
    signal: 'tool_error',
    className: 'logic',
    severity: 'hard',
    concerns: 1,
    onFailingSpan: true,
  },
  {
    desc: 'three LLM steps in a row without a tool',
    script: { steps: [{ llm: { text: 'thinking' } }, { llm: { text: 'still thinking' } }, { llm: { text: 'hmm' } }] },
    signal: 'zero_tool_calls',
    className: 'logic',
    severity: 'hard',
    concerns: 'root',
    onFailingSpan: false,
  },
  {
    desc: 'a planned call (by id) that never ran',
    script: {
      steps: [
        { llm: { toolCalls: [{ id: 'c1', name: 'get_weather' }, { id: 'c2', name: 'get_time' }] } },
        { tool: { name: 'get_weather', id: 'c1' } },
        { llm: { text: 'done' } },
      ],
    },
    signal: 'skipped_planned_call',
    className: 'logic',
    severity: 'hard',
    concerns: 0,
    onFailingSpan: false,
  },
  {
    desc: 'a planned call without id, matched by name and order, that never ran',
    script: {
      steps: [
        { llm: { toolCalls: [{ name: 'search' }, { name: 'search' }] } },
        { tool: { name: 'search' } },
        { llm: { text: 'done' } },
      ],
    },
    signal: 'skipped_planned_call',
    className: 'logic',
    severity: 'hard',
    concerns: 0,
    onFailingSpan: false,
  },
];

describe('AgentTriageSpanProcessor signals', () => {
  it.each(cases)('$signal fires on $desc', ({ script, signal, className, severity, concerns, onFailingSpan }) => {
    const h = createHarness();
    const ids = runTurn(h.tracer, script);
    const concernedId = concerns === 'root' ? ids.rootSpanId : ids.stepSpanIds[concerns];

    expect(h.findings.map(f => f.signal)).toEqual([signal]);
    const [finding] = h.findings;
    expect(finding).toMatchObject({ signal, class: className, severity, spanId: concernedId, traceId: ids.traceId, turnRootSpanId: ids.rootSpanId, agentName: 'weather-agent' });

    const rootEvents = failureEvents(h.span(ids.rootSpanId));
    expect(rootEvents).toHaveLength(1);
    expect(rootEvents[0]).toMatchObject({
      'agent_triage.signal': signal,
      'agent_triage.class': className,
      'agent_triage.severity': severity,
      'agent_triage.span_id': concernedId,
      'agent_triage.fingerprint': finding?.fingerprint,
    });
    expect(h.span(ids.rootSpanId).attributes).toMatchObject({
      'agent_triage.turn.outcome': 'failed',
      'agent_triage.failure_classes': className,
      'agent_triage.failure_signals': signal,
      'agent_triage.failure_count': 1,
    });
    if (concernedId !== undefined && concernedId !== ids.rootSpanId) {
      expect(failureEvents(h.span(concernedId))).toHaveLength(onFailingSpan ? 1 : 0);
    }
  });

  it('stays quiet on a healthy turn and marks its root ok', () => {
    const h = createHarness();
    const ids = runTurn(h.tracer, HEALTHY_TURN);
    expect(h.findings).toEqual([]);
    expect(h.spans()).toHaveLength(4);
    for (const span of h.spans()) expect(failureEvents(span)).toEqual([]);
    expect(h.span(ids.rootSpanId).attributes['agent_triage.turn.outcome']).toBe('ok');
  });

  it('hands next the very same object for agent spans without findings, an enriched copy for the root', () => {
    const exporter = new InMemorySpanExporter();
    const originals = new Map<string, ReadableSpan>();
    const recorder: SpanProcessor = {
      onStart: () => undefined,
      onEnd: span => originals.set(span.spanContext().spanId, span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const triage = new AgentTriageSpanProcessor({ next: new SimpleSpanProcessor({ exporter }), state: { persistence: false } });
    const tracer = new TracerProvider({ spanProcessors: [recorder, triage] }).getTracer('identity');
    const ids = runTurn(tracer, HEALTHY_TURN);
    const exported = new Map(exporter.getFinishedSpans().map(span => [span.spanContext().spanId, span]));

    for (const stepId of ids.stepSpanIds) expect(exported.get(stepId)).toBe(originals.get(stepId));
    const root = exported.get(ids.rootSpanId);
    expect(root).not.toBe(originals.get(ids.rootSpanId));
    expect(root?.attributes['agent_triage.turn.outcome']).toBe('ok');
    expect(originals.get(ids.rootSpanId)?.attributes['agent_triage.turn.outcome']).toBeUndefined();
  });

  it('treats a plain local root holding LLM spans as the turn root', () => {
    const h = createHarness();
    const ids = runTurn(h.tracer, { plainRoot: true, steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    expect(h.findings).toMatchObject([{ signal: 'provider_error', turnRootSpanId: ids.rootSpanId }]);
    expect(h.span(ids.rootSpanId).attributes['agent_triage.turn.outcome']).toBe('failed');
  });

  it('does not consider two consecutive LLM steps a loop (threshold is more than 2)', () => {
    const h = createHarness();
    runTurn(h.tracer, { steps: [{ llm: { text: 'a' } }, { llm: { text: 'b' } }] });
    expect(h.findings).toEqual([]);
  });
});

describe('a lone agent span that is its own local root', () => {
  it('is a turn of its own: a failed tool span with no parent is reported', () => {
    const h = createHarness();
    const tool = h.tracer.startSpan('execute_tool t', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' } });
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'down' });
    tool.end();
    expect(h.findings).toMatchObject([{ signal: 'tool_error', spanId: tool.spanContext().spanId, turnRootSpanId: tool.spanContext().spanId }]);
    expect(failureEvents(h.span(tool.spanContext().spanId))).toHaveLength(1);
  });
});
