import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { TriageStopError } from '../../src/index.js';
import type { Finding } from '../../src/index.js';
import { routeOf } from '../../src/routing/route.js';
import type { RawFinding } from '../../src/engine/finding.js';
import { resolveTaxonomy } from '../../src/taxonomy/taxonomy.js';
import { createHarness, failureEvents, sumWhere } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';

/**
 * An agent loop that asks the processor before each step, the way an app
 * would: it runs the steps in order and stops as soon as its trace's signal
 * is aborted. Each step is a real span.
 */
function runGuardedAgent(tracer: Tracer, signalFor: (traceId: string) => AbortSignal, steps: readonly { tool: string; fail?: boolean }[]): { ran: string[]; stopReason: unknown } {
  const root = tracer.startSpan('invoke_agent guarded', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'guarded' } });
  const parent = trace.setSpan(context.active(), root);
  const signal = signalFor(root.spanContext().traceId);
  const ran: string[] = [];
  for (const step of steps) {
    if (signal.aborted) break;
    const span = tracer.startSpan(`execute_tool ${step.tool}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': step.tool } }, parent);
    ran.push(step.tool);
    if (step.fail === true) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.end();
  }
  root.end();
  return { ran, stopReason: signal.reason };
}

describe('routing decided in advance per class', () => {
  it('stops the run before its next step when a tool fails (logic: stop), during the turn', () => {
    const failures: Finding[] = [];
    const h = createHarness({ onFailure: f => failures.push(f) });
    const { ran, stopReason } = runGuardedAgent(h.tracer, id => h.processor.signalFor(id), [
      { tool: 'read_account' },
      { tool: 'charge_card', fail: true },
      { tool: 'send_receipt' },
    ]);
    expect(ran).toEqual(['read_account', 'charge_card']);
    expect(stopReason).toBeInstanceOf(TriageStopError);
    expect((stopReason as TriageStopError).finding).toMatchObject({ signal: 'tool_error', class: 'logic', route: { decision: 'stop', stopsRun: true } });
    expect(failures).toHaveLength(1);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]?.route).toEqual(failures[0]?.route);
  });

  it('reports each failure once to onFailure (at span end) and once to onFinding and metrics (at turn end)', async () => {
    const order: string[] = [];
    const h = createHarness({ onFailure: f => order.push(`failure:${f.signal}`) });
    const root = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const parent = trace.setSpan(context.active(), root);
    const tool = h.tracer.startSpan('execute_tool t', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' } }, parent);
    tool.setStatus({ code: SpanStatusCode.ERROR });
    tool.end();
    const traceId = root.spanContext().traceId;
    expect(order).toEqual(['failure:tool_error']);
    expect(h.processor.shouldStop(traceId)).toBe(true);
    expect(h.findings).toEqual([]);
    root.end();
    expect(order).toEqual(['failure:tool_error']);
    expect(h.findings.map(f => f.signal)).toEqual(['tool_error']);
    expect(h.processor.stoppedBy(traceId)?.signal).toBe('tool_error');
    expect(sumWhere(await h.metric('agent_triage.failures'), {})).toBe(1);
  });

  it('grants bounded retries for transient provider errors, then fails closed', () => {
    const h = createHarness();
    const root = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const parent = trace.setSpan(context.active(), root);
    const traceId = root.spanContext().traceId;
    const stops: boolean[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const llm = h.tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'http.response.status_code': 503 } }, parent);
      llm.setStatus({ code: SpanStatusCode.ERROR });
      llm.end();
      stops.push(h.processor.shouldStop(traceId));
    }
    root.end();
    expect(stops).toEqual([false, false, true]);
    // Three LLM steps without a tool also make a zero_tool_calls finding; this test is about the retries.
    const providerErrors = h.findings.filter(f => f.signal === 'provider_error');
    expect(providerErrors.map(f => [f.route.decision, f.route.reason, f.route.retryAttempt])).toEqual([
      ['retry', 'class', 1],
      ['retry', 'class', 2],
      ['stop', 'retries_exhausted', undefined],
    ]);
    const rootEvents = failureEvents(h.span(root.spanContext().spanId)).filter(e => e['agent_triage.signal'] === 'provider_error');
    expect(rootEvents.map(e => e['agent_triage.route.retry_attempt'])).toEqual([1, 2, undefined]);
    expect(rootEvents[2]).toMatchObject({ 'agent_triage.route.decision': 'stop', 'agent_triage.route.reason': 'retries_exhausted', 'agent_triage.route.max_attempts': 2 });
  });

  it('writes the route on the failing span and the turn root', () => {
    const h = createHarness();
    const ids = runTurn(h.tracer, { steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'x' }] } }, { tool: { name: 'x', id: 'c1', fail: 'no' } }] });
    const expected = {
      'agent_triage.route.decision': 'stop',
      'agent_triage.route.reason': 'class',
      'agent_triage.route.stops_run': true,
      'agent_triage.route.handoff_target': 'agent engineering on-call',
      'agent_triage.route.evidence': ['trace', 'replay_fixture', 'tool_history', 'context_env', 'handoff_packet'],
      'agent_triage.route.rollback_trigger': 'hard logic failures rise for a new agent version against the previous one',
    };
    expect(failureEvents(h.span(ids.stepSpanIds[1] ?? ''))[0]).toMatchObject(expected);
    expect(failureEvents(h.span(ids.rootSpanId))[0]).toMatchObject(expected);
  });

  it('isolates an onFailure that throws: counted, spans still exported, decision still made', async () => {
    const h = createHarness({
      onFailure: () => {
        throw new Error('app bug');
      },
    });
    const ids = runTurn(h.tracer, { steps: [{ llm: { fail: { errorType: 'invalid_api_key' } } }] });
    expect(h.spans()).toHaveLength(2);
    expect(h.processor.shouldStop(ids.traceId)).toBe(true);
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), { 'agent_triage.reason': 'on_failure' })).toBe(1);
  });

  it('keeps a healthy trace running', () => {
    const h = createHarness();
    const { ran, stopReason } = runGuardedAgent(h.tracer, id => h.processor.signalFor(id), [{ tool: 'a' }, { tool: 'b' }]);
    expect(ran).toEqual(['a', 'b']);
    expect(stopReason).toBeUndefined();
  });
});

describe('routeOf', () => {
  const infra = resolveTaxonomy('default').classes['infra']?.remediation;
  const raw = (details: RawFinding['details'], severity: 'hard' | 'soft' = 'hard'): RawFinding => ({ signal: 'provider_error', severity, action: 'a', spanId: 's', details, scope: 'turn' });
  const cases = [
    { desc: 'transient LLM failure', finding: raw({ transient: true }), tool: undefined, so: 0, decision: 'retry', reason: 'class', stops: false },
    { desc: 'permanent failure', finding: raw({ transient: false }), tool: undefined, so: 0, decision: 'stop', reason: 'not_transient', stops: true },
    { desc: 'transient failure of a tool not declared idempotent', finding: raw({ transient: true }), tool: 'send_email', so: 0, decision: 'stop', reason: 'not_idempotent', stops: true },
    { desc: 'transient failure of an idempotent tool', finding: raw({ transient: true }), tool: 'get_weather', so: 1, decision: 'retry', reason: 'class', stops: false },
    { desc: 'retries spent', finding: raw({ transient: true }), tool: undefined, so: 2, decision: 'stop', reason: 'retries_exhausted', stops: true },
    { desc: 'soft failure that cannot retry', finding: raw({}, 'soft'), tool: undefined, so: 0, decision: 'stop', reason: 'not_transient', stops: false },
  ] as const;
  it.each(cases)('$desc → $decision ($reason)', ({ finding, tool, so, decision, reason, stops }) => {
    if (!infra) throw new Error('no infra class');
    const route = routeOf(finding, tool, infra, { idempotentTools: new Set(['get_weather']), attemptsSoFar: so });
    expect(route).toMatchObject({ decision, reason, stopsRun: stops });
  });
});
