import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { StateSnapshot } from '../../src/state/state-snapshot.js';
import { createHarness, sumWhere } from '../helpers/harness.js';
import { tempDir } from '../helpers/otlp-files.js';

const MB = 1024 * 1024;

function answer(text: string, calls: { id: string; name: string; args: unknown }[]): string {
  return JSON.stringify([
    {
      role: 'assistant',
      parts: [{ type: 'text', content: text }, ...calls.map(c => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args }))],
      finish_reason: calls.length > 0 ? 'tool_call' : 'stop',
    },
  ]);
}

/** A turn: one LLM step planning `search` and `fetch`, only `search` runs with `result`; a final answer. */
function turn(tracer: Tracer, content: { answerText: string; result: string; args?: string }): void {
  const root = tracer.startSpan('invoke_agent reader', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
  const ctx = trace.setSpan(context.active(), root);
  const planned = [
    { id: 'call_1', name: 'search', args: { q: 'handbook' } },
    { id: 'call_2', name: 'fetch', args: { doc: 'handbook.pdf' } },
  ];
  tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 40, 'gen_ai.output.messages': answer(content.answerText, planned) } }, ctx).end();
  tracer
    .startSpan(
      'execute_tool search',
      {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'search',
          'gen_ai.tool.call.id': 'call_1',
          'gen_ai.tool.call.arguments': content.args ?? '{"q":"handbook"}',
          'gen_ai.tool.call.result': content.result,
        },
      },
      ctx,
    )
    .end();
  tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 30, 'gen_ai.output.messages': answer('done', []) } }, ctx).end();
  root.end();
}

const verdicts = (findings: readonly { signal: string; class: string; spanId: string }[]): string[] => findings.map(f => `${f.signal}/${f.class}`).sort();

describe('content over maxContentChars', () => {
  it('a 10 MB answer and a 10 MB tool result: the same verdict as small content, every span forwarded once and untouched, counted as limited', async () => {
    const small = createHarness();
    turn(small.tracer, { answerText: 'Let me look.', result: '{"hits":3}' });

    const large = createHarness();
    const bigText = 'x'.repeat(10 * MB);
    const bigResult = JSON.stringify({ hits: 3, body: 'y'.repeat(10 * MB) });
    turn(large.tracer, { answerText: bigText, result: bigResult });

    // The planned `fetch` that never ran is still found in the skimmed answer.
    expect(verdicts(large.findings)).toEqual(verdicts(small.findings));
    expect(verdicts(large.findings)).toContain('skipped_planned_call/logic');

    const spans = large.spans();
    expect(spans).toHaveLength(4);
    expect(new Set(spans.map(s => s.spanContext().spanId)).size).toBe(4);
    const tool = spans.find(s => s.name === 'execute_tool search');
    expect(tool?.attributes['gen_ai.tool.call.result']).toBe(bigResult);
    const step = spans.find(s => s.attributes['gen_ai.output.messages'] !== undefined && String(s.attributes['gen_ai.output.messages']).length > MB);
    expect(step?.attributes['gen_ai.output.messages']).toBe(answer(bigText, [
      { id: 'call_1', name: 'search', args: { q: 'handbook' } },
      { id: 'call_2', name: 'fetch', args: { doc: 'handbook.pdf' } },
    ]));

    const limited = await large.metric('agent_triage.attributes.limited');
    expect(sumWhere(limited, { 'agent_triage.attribute': 'gen_ai.output.messages' })).toBe(1);
    expect(sumWhere(limited, { 'agent_triage.attribute': 'gen_ai.tool.call.result' })).toBe(1);
    expect(sumWhere(await small.metric('agent_triage.attributes.limited'), {})).toBe(0);
    expect(sumWhere(await large.metric('agent_triage.internal.errors'), {})).toBe(0);
  });

  it('judges repeats of an over-limit result on its length, first and last KiB (a change in the middle is not seen; one at the end is)', () => {
    const h = createHarness({ signals: { tool_result_mismatch: { options: { tools: { search: 'deterministic' } } } } });
    const body = (middle: string, end: string): string => JSON.stringify({ body: `${'a'.repeat(20_000)}${middle}${'b'.repeat(20_000)}${end}` });
    turn(h.tracer, { answerText: 'one', result: body('1', 'z') });
    turn(h.tracer, { answerText: 'two', result: body('2', 'z') });
    expect(h.findings.filter(f => f.signal === 'tool_result_mismatch')).toHaveLength(0);
    turn(h.tracer, { answerText: 'three', result: body('2', 'Z') });
    expect(h.findings.filter(f => f.signal === 'tool_result_mismatch')).toHaveLength(1);
  });

  it('deeply nested JSON in content attributes costs no internal error: over the limit it is malformed, under it digested', async () => {
    const h = createHarness();
    const deepOver = '['.repeat(200_000) + ']'.repeat(200_000);
    const deepUnder = '{"a":' + '['.repeat(2_000) + ']'.repeat(2_000) + '}';
    turn(h.tracer, { answerText: 'x', result: deepOver, args: deepUnder });
    const root = h.tracer.startSpan('invoke_agent reader', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
    h.tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': deepOver } }, trace.setSpan(context.active(), root)).end();
    root.end();

    expect(h.spans()).toHaveLength(6);
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), {})).toBe(0);
    expect(sumWhere(await h.metric('agent_triage.attributes.malformed'), { 'agent_triage.attribute': 'gen_ai.output.messages' })).toBe(1);
    expect(sumWhere(await h.metric('agent_triage.attributes.limited'), {})).toBe(2);
  });
});

/** A turn whose one tool call fails; the agent, the tool, the model and the conversation are all named `name`. */
function failingToolTurn(tracer: Tracer, name: string): void {
  const named = { 'gen_ai.agent.name': name, 'gen_ai.conversation.id': name };
  const root = tracer.startSpan('invoke_agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', ...named } });
  const ctx = trace.setSpan(context.active(), root);
  tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': name, 'gen_ai.usage.output_tokens': 20 } }, ctx).end();
  const tool = tracer.startSpan('execute_tool', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': 'call_1' } }, ctx);
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  tool.end();
  root.end();
}

describe('names over maxNameChars', () => {
  it.each([
    ['at the limit: read', 32, true],
    ['one character over: not read, counted as limited', 33, false],
  ])('a tool, agent, model and conversation name %s; the turn is judged and forwarded either way', async (_case, length, read) => {
    const h = createHarness({ maxNameChars: 32 });
    const name = 'n'.repeat(length);
    failingToolTurn(h.tracer, name);

    const failure = h.findings.find(f => f.signal === 'tool_error');
    expect(failure?.toolName).toBe(read ? name : undefined);
    expect(failure?.agentName).toBe(read ? name : undefined);
    expect(h.spans()).toHaveLength(3);
    const tool = h.spans().find(s => s.name === 'execute_tool');
    expect(tool?.attributes['gen_ai.tool.name']).toBe(name); // forwarded as it came
    const limited = await h.metric('agent_triage.attributes.limited');
    for (const key of ['gen_ai.tool.name', 'gen_ai.agent.name', 'gen_ai.request.model', 'gen_ai.conversation.id']) {
      expect(sumWhere(limited, { 'agent_triage.attribute': key }) > 0, key).toBe(!read);
    }
    const labels = (await h.metric('agent_triage.failures')).flatMap(point => Object.values(point.attributes));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.some(value => typeof value === 'string' && value.length > 32)).toBe(false);
  });

  it('10 MB names cost bounded work: no internal error, every span forwarded once and untouched, no state key, label or finding holds them', async () => {
    const saved: StateSnapshot[] = [];
    const persistence = {
      load: () => undefined,
      save: (snapshot: StateSnapshot) => {
        saved.push(snapshot);
        return Promise.resolve();
      },
    };
    const h = createHarness({ state: { persistence } });
    const huge = 'x'.repeat(10 * MB);
    for (let i = 0; i < 3; i++) {
      const name = `${i}${huge}`;
      failingToolTurn(h.tracer, name);
      // A call that succeeds: the one tool_latency_spike and tool_result_mismatch keep state for, keyed by tool name.
      h.tracer.startSpan('execute_tool', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.arguments': '{"q":1}', 'gen_ai.tool.call.result': '{"r":1}' } }).end();
    }

    expect(h.spans()).toHaveLength(12);
    expect(new Set(h.spans().map(s => s.spanContext().spanId)).size).toBe(12);
    await h.processor.forceFlush();
    const keys = saved.at(-1)?.entries.map(([, key]) => key) ?? [];
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every(key => key.length <= 1024)).toBe(true);
    expect(h.findings.filter(f => f.signal === 'tool_error')).toHaveLength(3);
    for (const finding of h.findings) expect(JSON.stringify(finding).length).toBeLessThan(10_000);
    const labels = (await h.metric('agent_triage.turns')).flatMap(point => Object.values(point.attributes));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.every(value => typeof value !== 'string' || value.length <= 1024)).toBe(true);
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), {})).toBe(0);
  });
});

describe('planned tool calls over maxNameChars', () => {
  it('10 MB planned tool names and ids (OpenInference indexed keys) cost bounded work: no finding holds them, every span forwarded once and untouched', async () => {
    const h = createHarness();
    const huge = 'x'.repeat(10 * MB);
    const root = h.tracer.startSpan('agent', { attributes: { 'openinference.span.kind': 'AGENT', 'agent.name': 'reader' } });
    const llm = {
      'openinference.span.kind': 'LLM',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'search',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.output_messages.0.message.tool_calls.1.tool_call.function.name': `a${huge}`,
      'llm.output_messages.0.message.tool_calls.1.tool_call.id': 'call_2',
      'llm.output_messages.0.message.tool_calls.2.tool_call.function.name': 'fetch',
      'llm.output_messages.0.message.tool_calls.2.tool_call.id': `b${huge}`,
    };
    h.tracer.startSpan('llm', { attributes: llm }, trace.setSpan(context.active(), root)).end();
    root.end();

    // None ran: `search` and `fetch` (its id not read) are reported; the call with a 10 MB name is not read.
    const skipped = h.findings.filter(f => f.signal === 'skipped_planned_call');
    expect(skipped.map(f => [f.details['gen_ai.tool.name'], f.details['gen_ai.tool.call.id']])).toEqual([
      ['search', 'call_1'],
      ['fetch', undefined],
    ]);
    for (const finding of h.findings) expect(JSON.stringify(finding).length).toBeLessThan(10_000);
    expect(h.spans()).toHaveLength(2);
    expect(h.spans().find(s => s.name === 'llm')?.attributes).toEqual(llm);
    expect(sumWhere(await h.metric('agent_triage.attributes.limited'), { 'agent_triage.attribute': 'llm.output_messages' })).toBe(1);
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), {})).toBe(0);
  });
});

/** A turn whose LLM step fails with `message` as its status message and as its exception's message. */
function failingLlmTurn(tracer: Tracer, message: string): void {
  const root = tracer.startSpan('invoke_agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
  const llm = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' } }, trace.setSpan(context.active(), root));
  llm.recordException({ name: 'ProviderError', message });
  llm.setStatus({ code: SpanStatusCode.ERROR, message });
  llm.end();
  root.end();
}

describe('status and exception messages over maxContentChars', () => {
  it.each([
    ['at the limit: read whole', 2048, true],
    ['one character over: its first maxContentChars read, counted as limited', 2049, false],
  ])('a message ending in "timeout" %s', async (_case, length, whole) => {
    const h = createHarness({ maxContentChars: 2048 });
    const message = `${'z'.repeat(length - 'timeout'.length)}timeout`;
    failingLlmTurn(h.tracer, message);

    // provider_error looks for its transient patterns in what was read: the cut drops the last character.
    const failure = h.findings.find(f => f.signal === 'provider_error');
    expect(failure?.details['transient']).toBe(whole);
    const llm = h.spans().find(s => s.name === 'chat');
    expect(llm?.status.message).toBe(message); // forwarded as it came
    const limited = await h.metric('agent_triage.attributes.limited');
    for (const key of ['otel.status_description', 'exception.message']) {
      expect(sumWhere(limited, { 'agent_triage.attribute': key }), key).toBe(whole ? 0 : 1);
    }
  });

  it('10 MB messages cost bounded work: the same verdict, every span forwarded once and untouched, no internal error', async () => {
    const h = createHarness();
    const message = `upstream timeout: ${'z'.repeat(10 * MB)}`;
    for (let i = 0; i < 3; i++) failingLlmTurn(h.tracer, message);

    expect(h.findings.filter(f => f.signal === 'provider_error').map(f => f.details['transient'])).toEqual([true, true, true]);
    expect(h.spans()).toHaveLength(6);
    expect(h.spans().filter(s => s.status.message === message)).toHaveLength(3);
    for (const finding of h.findings) expect(JSON.stringify(finding).length).toBeLessThan(10_000);
    expect(sumWhere(await h.metric('agent_triage.attributes.limited'), { 'agent_triage.attribute': 'exception.message' })).toBe(3);
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), {})).toBe(0);
  });
});

describe('replay fixtures of oversized steps', () => {
  it('a replay fixture of a step with a 10 MB span name and status message holds their first maxNameChars and 512 characters', async () => {
    const dir = tempDir();
    const h = createHarness({ fixtures: { dir } });
    const huge = 'z'.repeat(10 * MB);
    const root = h.tracer.startSpan('invoke_agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
    const llm = h.tracer.startSpan(`chat ${huge}`, { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' } }, trace.setSpan(context.active(), root));
    llm.setStatus({ code: SpanStatusCode.ERROR, message: `upstream error ${huge}` });
    llm.end();
    root.end();
    await h.processor.forceFlush();

    const [name, ...others] = readdirSync(dir).filter(file => file.startsWith('agent_fail_'));
    expect(others).toEqual([]);
    const text = readFileSync(join(dir, name ?? ''), 'utf8');
    expect(text.length).toBeLessThan(64 * 1024);
    expect(text).toContain(`"chat ${'z'.repeat(1024 - 'chat '.length)}"`);
    expect(text).toMatch(new RegExp(`"status_message": ?"upstream error z{${512 - 'upstream error '.length}}…"`));
    expect(h.spans().find(s => s.name.startsWith('chat'))?.name).toBe(`chat ${huge}`); // forwarded as it came
    expect(sumWhere(await h.metric('agent_triage.attributes.limited'), { 'agent_triage.attribute': 'span.name' })).toBe(1);
  });
});
