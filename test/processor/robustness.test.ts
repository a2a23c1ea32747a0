import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { AgentTriageSpanProcessor, ConfigError } from '../../src/index.js';
import type { Signal } from '../../src/index.js';
import { createHarness, failureEvents, sumWhere } from '../helpers/harness.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';

const exploding: Signal = {
  id: 'custom.exploding',
  onSpan() {
    throw new Error('boom');
  },
  onTurn() {
    throw new Error('boom');
  },
  toString: () => 'custom.exploding{}',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('a signal that throws', () => {
  it('is isolated and counted, and the other signals still run', async () => {
    const h = createHarness({ customSignals: [{ signal: exploding, severity: 'hard', action: 'none' }] });
    const ids = runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 502 } } }] });

    expect(h.findings.map(f => f.signal)).toEqual(['provider_error']);
    expect(h.spans()).toHaveLength(2);
    expect(failureEvents(h.span(ids.rootSpanId))).toHaveLength(1);
    // once on the LLM span, once on the root span, once for the turn
    expect(sumWhere(await h.metric('agent_triage.signal.errors'), { 'agent_triage.signal': 'custom.exploding' })).toBe(3);
  });
});

describe('metrics', () => {
  it('count failures by class, signal, severity and agent, and turns by outcome', async () => {
    const h = createHarness();
    runTurn(h.tracer, HEALTHY_TURN);
    runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 500 } } }] });
    runTurn(h.tracer, { agent: 'billing-agent', steps: [{ llm: { text: 'a' } }, { llm: { text: 'b' } }, { llm: { text: 'c' } }] });

    const failures = await h.metric('agent_triage.failures');
    expect(sumWhere(failures, { 'agent_triage.class': 'infra', 'agent_triage.signal': 'provider_error', 'agent_triage.severity': 'hard', 'gen_ai.agent.name': 'weather-agent' })).toBe(1);
    expect(sumWhere(failures, { 'agent_triage.signal': 'zero_tool_calls', 'gen_ai.agent.name': 'billing-agent' })).toBe(1);
    const turns = await h.metric('agent_triage.turns');
    expect(sumWhere(turns, { 'gen_ai.agent.name': 'weather-agent', 'agent_triage.turn.outcome': 'ok' })).toBe(1);
    expect(sumWhere(turns, { 'gen_ai.agent.name': 'weather-agent', 'agent_triage.turn.outcome': 'failed' })).toBe(1);
    expect(sumWhere(turns, { 'gen_ai.agent.name': 'billing-agent', 'agent_triage.turn.outcome': 'failed' })).toBe(1);
    expect(await h.metric('agent_triage.turns.in_flight')).toMatchObject([{ value: 0 }]);
  });

  it('bound the agent label: names past maxAgentLabels share _overflow', async () => {
    const h = createHarness({ maxAgentLabels: 1 });
    runTurn(h.tracer, { ...HEALTHY_TURN, agent: 'first' });
    runTurn(h.tracer, { ...HEALTHY_TURN, agent: 'second' });
    runTurn(h.tracer, { ...HEALTHY_TURN, agent: 'third' });
    const turns = await h.metric('agent_triage.turns');
    expect(turns.map(p => p.attributes['gen_ai.agent.name']).sort()).toEqual(['_overflow', 'first']);
    expect(sumWhere(turns, { 'gen_ai.agent.name': '_overflow' })).toBe(2);
  });
});

describe('never harming the host', () => {
  it('does not throw when the next processor throws, and still hands every span to it', () => {
    const exporter = new InMemorySpanExporter();
    const inner = new SimpleSpanProcessor({ exporter });
    let calls = 0;
    const next = Object.assign(Object.create(inner) as SimpleSpanProcessor, {
      onEnd(span: Parameters<SimpleSpanProcessor['onEnd']>[0]) {
        calls++;
        inner.onEnd(span);
        throw new Error('exporter exploded');
      },
    });
    const h = createHarness({ next });
    expect(() => runTurn(h.tracer, HEALTHY_TURN)).not.toThrow();
    expect(calls).toBe(4);
    expect(exporter.getFinishedSpans()).toHaveLength(4);
  });

  it('counts an onFinding callback that throws and carries on', async () => {
    const h = createHarness({
      onFinding: () => {
        throw new Error('user bug');
      },
    });
    expect(() => runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 500 } } }] })).not.toThrow();
    expect(h.spans()).toHaveLength(2);
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), { 'agent_triage.reason': 'on_finding' })).toBe(1);
  });

  it('treats malformed GenAI attributes as unknown, counts them, and never throws', async () => {
    const h = createHarness();
    const root = h.tracer.startSpan('invoke_agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const parent = trace.setSpan(context.active(), root);
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.output.messages': '{"not": "closed"',
      'gen_ai.usage.output_tokens': 'lots',
      'gen_ai.usage.input_tokens': -3,
      'gen_ai.agent.name': ['not', 'a', 'string'],
    };
    h.tracer.startSpan('chat', { attributes }, parent).end();
    h.tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': `[${'x'.repeat(300_000)}]` } }, parent).end();
    h.tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': '[{"parts": "nope"}]' } }, parent).end();
    expect(() => { root.end(); }).not.toThrow();

    expect(h.spans()).toHaveLength(4);
    const malformed = await h.metric('agent_triage.attributes.malformed');
    expect(sumWhere(malformed, { 'agent_triage.attribute': 'gen_ai.output.messages' })).toBe(3);
    expect(sumWhere(malformed, { 'agent_triage.attribute': 'gen_ai.usage.output_tokens' })).toBe(1);
    expect(sumWhere(malformed, { 'agent_triage.attribute': 'gen_ai.usage.input_tokens' })).toBe(1);
    expect(sumWhere(malformed, { 'agent_triage.attribute': 'gen_ai.agent.name' })).toBe(1);
    // three LLM steps in a row without tools is still detected on what could be read
    expect(h.findings.map(f => f.signal)).toEqual(['zero_tool_calls']);
  });
});

describe('invalid configuration fails at construction, naming the key', () => {
  const next = new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() });
  it.each([
    { desc: 'a negative limit', options: { maxTurnsInFlight: -1 }, message: 'options: maxTurnsInFlight' },
    { desc: 'an unknown option', options: { maxTurns: 5 }, message: 'options: maxTurns: unknown key' },
    { desc: 'an unknown signal', options: { signals: { no_such_signal: {} } }, message: 'signals.no_such_signal: unknown signal' },
    { desc: 'an unknown signal option', options: { signals: { zero_tool_calls: { options: { nope: 1 } } } }, message: 'options.nope: unknown key' },
    { desc: 'a bad signal option value', options: { signals: { zero_tool_calls: { options: { maxConsecutiveStepsWithoutTools: 'two' } } } }, message: 'options.maxConsecutiveStepsWithoutTools' },
    { desc: 'a bad severity', options: { signals: { tool_error: { severity: 'medium' } } }, message: 'signals.tool_error.severity' },
    { desc: 'a missing next processor', options: { next: undefined }, message: 'options: next' },
    { desc: 'a taxonomy rule to an unknown class', options: { taxonomy: { name: 't', fallback: 'x', classes: { x: { description: 'x', remediation: { surface: 'prompt', owner: 'o', decision: 'stop', path: 'p', handoffTarget: 'h', evidence: ['trace'], rollbackTrigger: 'r' } } }, rules: [{ signal: 'tool_error', class: 'y' }] } }, message: 'rules.0.class: unknown class "y"' },
  ])('$desc', ({ options, message }) => {
    const build = (): AgentTriageSpanProcessor => new AgentTriageSpanProcessor({ next, ...options } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
  });
});

describe('turn assembly over time', () => {
  it('holds a root that ends before its child, and decides the turn when the child ends', () => {
    vi.useFakeTimers();
    const h = createHarness({ rootGraceMs: 1000 });
    const root = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const tool = h.tracer.startSpan('execute_tool t', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' } }, trace.setSpan(context.active(), root));
    root.end();
    expect(h.spans()).toHaveLength(0);
    vi.advanceTimersByTime(10);
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'broken' });
    tool.end();
    expect(h.spans().map(s => s.name).sort()).toEqual(['execute_tool t', 'invoke_agent a']);
    expect(h.findings).toMatchObject([{ signal: 'tool_error', incomplete: false }]);
  });

  it('forwards a held root after the grace period, marked incomplete; the late child counts as late', async () => {
    vi.useFakeTimers();
    const h = createHarness({ rootGraceMs: 500 });
    const root = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const tool = h.tracer.startSpan('execute_tool t', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' } }, trace.setSpan(context.active(), root));
    root.end();
    vi.advanceTimersByTime(700);
    expect(h.spans().map(s => s.name)).toEqual(['invoke_agent a']);
    expect(h.spans()[0]?.attributes['agent_triage.turn.incomplete']).toBe(true);
    tool.setStatus({ code: SpanStatusCode.ERROR });
    tool.end();
    expect(h.spans()).toHaveLength(2);
    expect(h.findings).toMatchObject([{ signal: 'tool_error', incomplete: true }]);
    expect(sumWhere(await h.metric('agent_triage.spans.late'), {})).toBe(1);
  });

  it('decides a turn whose root never ends after the orphan timeout, and annotates the root if it shows up later', async () => {
    vi.useFakeTimers();
    const h = createHarness({ orphanTimeoutMs: 60_000 });
    const root = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const parent = trace.setSpan(context.active(), root);
    for (const text of ['a', 'b', 'c']) {
      h.tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text }] }]) } }, parent).end();
    }
    vi.advanceTimersByTime(60_500);
    expect(h.findings).toMatchObject([{ signal: 'zero_tool_calls', incomplete: true, agentName: 'a' }]);
    expect(sumWhere(await h.metric('agent_triage.turns.evicted'), { 'agent_triage.reason': 'orphan_timeout' })).toBe(1);
    root.end();
    const exportedRoot = h.spans().find(s => s.name === 'invoke_agent a');
    expect(exportedRoot?.attributes).toMatchObject({ 'agent_triage.turn.outcome': 'failed', 'agent_triage.turn.incomplete': true });
    expect(sumWhere(await h.metric('agent_triage.turns'), {})).toBe(1);
  });

  it('in one sweep, evicts every idle trace and decides every held root whose wait is over, and keeps the rest', async () => {
    vi.useFakeTimers();
    const h = createHarness({ orphanTimeoutMs: 60_000, decisionWaitMs: 30_000 });
    const agent = (name: string) => ({ attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name } });
    const chat = { attributes: { 'gen_ai.operation.name': 'chat' } };
    // Three turns whose roots never end: idle from now on.
    const idle = ['a', 'b', 'c'].map(name => h.tracer.startSpan(`invoke_agent ${name}`, agent(name)));
    for (const root of idle) h.tracer.startSpan('chat', chat, trace.setSpan(context.active(), root)).end();
    vi.advanceTimersByTime(45_000);
    // A turn whose root ended and is held for its 30 s wait, and a turn still running.
    const held = h.tracer.startSpan('invoke_agent held', agent('held'));
    h.tracer.startSpan('chat', chat, trace.setSpan(context.active(), held)).end();
    held.end();
    const running = h.tracer.startSpan('invoke_agent running', agent('running'));
    const evicted = async () => sumWhere(await h.metric('agent_triage.turns.evicted'), { 'agent_triage.reason': 'orphan_timeout' });
    vi.advanceTimersByTime(14_999);
    expect(await evicted()).toBe(0);
    // The sweep at 60 s (one every 100 ms since the first span) finds all three idle for 60 s; the others for 15 s.
    vi.advanceTimersByTime(1);
    expect(await evicted()).toBe(3);
    expect(h.spans().some(s => s.name === 'invoke_agent held')).toBe(false);
    vi.advanceTimersByTime(15_500);
    expect(h.spans().filter(s => s.name === 'invoke_agent held')).toHaveLength(1);
    expect(sumWhere(await h.metric('agent_triage.turns.in_flight'), {})).toBe(1);
    running.end();
    expect(h.spans().filter(s => s.name.startsWith('invoke_agent'))).toHaveLength(1);
    vi.advanceTimersByTime(30_500);
    expect(h.spans().filter(s => s.name.startsWith('invoke_agent')).map(s => s.name).sort()).toEqual(['invoke_agent held', 'invoke_agent running']);
    expect(await evicted()).toBe(3);
  });

  it('evicts the oldest turn at maxTurnsInFlight and decides it on what it has', async () => {
    const h = createHarness({ maxTurnsInFlight: 1 });
    const first = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    h.tracer.startSpan('execute_tool t', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 't' } }, trace.setSpan(context.active(), first)).end();
    runTurn(h.tracer, HEALTHY_TURN);
    first.end();
    expect(h.spans()).toHaveLength(6);
    expect(sumWhere(await h.metric('agent_triage.turns.evicted'), { 'agent_triage.reason': 'max_turns' })).toBe(1);
    expect(sumWhere(await h.metric('agent_triage.turns'), {})).toBe(2);
  });

  it('forwards held roots on forceFlush and decides open turns on shutdown', async () => {
    const h = createHarness({ rootGraceMs: 60_000 });
    const root = h.tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    const child = h.tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } }, trace.setSpan(context.active(), root));
    root.end();
    expect(h.spans()).toHaveLength(0);
    await h.processor.forceFlush();
    expect(h.spans()).toHaveLength(1);
    const open = h.tracer.startSpan('invoke_agent b', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    h.tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } }, trace.setSpan(context.active(), open)).end();
    await h.processor.shutdown();
    expect(sumWhere(await h.metric('agent_triage.turns.evicted'), { 'agent_triage.reason': 'shutdown' })).toBe(1);
    child.end();
    open.end();
  });
});
