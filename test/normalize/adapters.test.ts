import type { Attributes } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADAPTERS, adapterFor } from '../../src/normalize/adapters.js';
import { digestValue } from '../../src/normalize/content-hash.js';
import { normalizeFinishReason } from '../../src/normalize/finish-reason.js';
import { normalizeSpan } from '../../src/normalize/normalize-span.js';
import type { SpanView } from '../../src/normalize/span-view.js';

// Attribute sets as the libraries emitted them in the end-to-end tests
// (abridged), to pin down adapter choice and parsing edge cases.

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

function recorded(name: string, attributes: Attributes, scope = 'recorded'): ReadableSpan {
  exporter.reset();
  provider.getTracer(scope).startSpan(name, { attributes }).end();
  const [span] = exporter.getFinishedSpans();
  if (!span) throw new Error('no span');
  return span;
}

function view(attributes: Attributes, name = 'span'): SpanView {
  return normalizeSpan(recorded(name, attributes), DEFAULT_ADAPTERS);
}

const AI_SDK_DO_GENERATE = {
  'ai.operationId': 'ai.generateText.doGenerate',
  'ai.telemetry.functionId': 'weather-agent',
  'gen_ai.system': 'mock-provider',
  'ai.response.finishReason': 'tool-calls',
  'ai.response.toolCalls': JSON.stringify([{ toolCallId: 'call_1', toolName: 'get_weather', input: '{"city":"Paris"}' }]),
  'ai.usage.outputTokens': 7,
};
const TRACELOOP_CHAT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'traceloop.workflow.name': 'support',
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', finish_reason: 'tool_call', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] }]),
  'gen_ai.response.finish_reasons': ['tool_call'],
  'gen_ai.usage.output_tokens': 7,
};
const LEGACY_OPENAI_CHAT = {
  'llm.request.type': 'chat',
  'gen_ai.system': 'OpenAI',
  'gen_ai.completion.0.finish_reason': 'tool_calls',
  'gen_ai.completion.0.tool_calls.0.name': 'get_weather',
  'gen_ai.completion.0.tool_calls.0.arguments': '{"city":"Paris"}',
  'gen_ai.usage.completion_tokens': 7,
};
const OPENINFERENCE_LLM = {
  'openinference.span.kind': 'LLM',
  'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
  'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
  'llm.token_count.completion': 7,
};

describe('adapter choice: the most specific convention wins', () => {
  it.each([
    ['AI SDK 6 doGenerate (also carries gen_ai.system)', AI_SDK_DO_GENERATE, 'ai_sdk'],
    ['Traceloop 0.27 chat span inside withAgent (GenAI keys + traceloop.workflow.name)', TRACELOOP_CHAT, 'openllmetry'],
    ['Traceloop 0.22 legacy openai.chat', LEGACY_OPENAI_CHAT, 'openllmetry'],
    ['OpenInference LLM', OPENINFERENCE_LLM, 'openinference'],
    ['plain GenAI chat', { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' }, 'genai'],
    ['an HTTP span', { 'http.request.method': 'GET' }, undefined],
  ])('%s → %s', (_desc, attributes, convention) => {
    expect(adapterFor(recorded('s', attributes), DEFAULT_ADAPTERS)?.id).toBe(convention);
  });

  it('every convention reads the same LLM step: planned call, arguments hash, output tokens', () => {
    const views = [AI_SDK_DO_GENERATE, TRACELOOP_CHAT, LEGACY_OPENAI_CHAT, OPENINFERENCE_LLM].map(a => view(a));
    const argsHash = digestValue({ city: 'Paris' });
    expect(views.map(v => [v.role, v.outputTokens, v.plannedToolCalls.map(c => [c.name, c.argsHash])])).toEqual(
      Array(4).fill(['llm_step', 7, [['get_weather', argsHash]]]),
    );
    // Only some conventions carry call ids and finish reasons (OpenInference LangChain has neither here).
    expect(views.map(v => [v.plannedToolCalls[0]?.id, v.finishReason])).toEqual([
      ['call_1', 'tool_calls'],
      ['call_1', 'tool_calls'],
      [undefined, 'tool_calls'],
      [undefined, undefined],
    ]);
  });
});

describe('turn roots at span start', () => {
  const start = (span: ReadableSpan, underAgentSpan = false) => adapterFor(span, DEFAULT_ADAPTERS)?.turnStart(span, underAgentSpan);
  it.each([
    ['GenAI invoke_agent', recorded('invoke_agent a', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' }), false, 'a'],
    ['AI SDK ai.generateText', recorded('ai.generateText', { 'ai.operationId': 'ai.generateText', 'ai.telemetry.functionId': 'a' }), false, 'a'],
    ['AI SDK ai.streamText', recorded('ai.streamText', { 'ai.operationId': 'ai.streamText', 'ai.telemetry.functionId': 'a' }), false, 'a'],
    ['OpenInference AGENT, even nested', recorded('x', { 'openinference.span.kind': 'AGENT', 'agent.name': 'a' }), true, 'a'],
    ['OpenInference top CHAIN, named after the graph', recorded('a', { 'openinference.span.kind': 'CHAIN' }), false, 'a'],
    // OpenInference's tracer sets attributes after start: only the scope is known.
    ['an OpenInference span with no attributes yet, at the top', recorded('a', {}, '@arizeai/openinference-instrumentation-langchain'), false, 'a'],
    ['Traceloop withAgent at start (name only)', recorded('support.agent', {}, '@traceloop/node-server-sdk'), false, 'support'],
    ['Traceloop agent kind given at start', recorded('x', { 'traceloop.span.kind': 'agent', 'gen_ai.agent.name': 'a' }), false, 'a'],
  ])('%s opens a turn', (_desc, span, under, agentName) => {
    expect(start(span, under)).toEqual(expect.objectContaining({ agentName }));
  });
  it.each([
    ['GenAI chat', recorded('chat', { 'gen_ai.operation.name': 'chat' }), false],
    ['AI SDK doGenerate', recorded('d', { 'ai.operationId': 'ai.generateText.doGenerate' }), false],
    ['OpenInference CHAIN inside a turn', recorded('c', { 'openinference.span.kind': 'CHAIN' }), true],
    ['an OpenInference span with no attributes yet, inside a turn', recorded('c', {}, '@arizeai/openinference-instrumentation-langchain'), true],
    ['Traceloop withTool at the top', recorded('get_weather.tool', {}, '@traceloop/node-server-sdk'), false],
    ['Traceloop tool kind', recorded('t', { 'traceloop.span.kind': 'tool' }), false],
  ])('%s does not', (_desc, span, under) => {
    expect(start(span, under)).toBeUndefined();
  });
});

describe('parsing edge cases', () => {
  it('legacy indexed tool calls keep message and call order numerically (10 after 2), with ids when present', () => {
    const attributes: Attributes = { 'llm.request.type': 'chat', 'gen_ai.completion.0.finish_reason': 'tool_calls' };
    for (const j of [10, 2, 0]) {
      attributes[`gen_ai.completion.0.tool_calls.${j}.name`] = `tool_${j}`;
      attributes[`gen_ai.completion.0.tool_calls.${j}.id`] = `call_${j}`;
    }
    attributes['gen_ai.completion.1.tool_calls.0.name'] = 'second_choice';
    attributes['gen_ai.completion.0.tool_calls.3.arguments'] = '{}'; // no name: dropped
    expect(view(attributes).plannedToolCalls.map(c => [c.name, c.id])).toEqual([
      ['tool_0', 'call_0'],
      ['tool_2', 'call_2'],
      ['tool_10', 'call_10'],
      ['second_choice', undefined],
    ]);
  });

  it('AI SDK tool-call input hashes the same as a JSON string (doGenerate) and as an object (doStream)', () => {
    const asString = view(AI_SDK_DO_GENERATE);
    const asObject = view({
      ...AI_SDK_DO_GENERATE,
      'ai.operationId': 'ai.streamText.doStream',
      'ai.response.toolCalls': JSON.stringify([{ type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: { city: 'Paris' } }]),
    });
    expect(asObject.plannedToolCalls).toEqual(asString.plannedToolCalls);
  });

  it('malformed AI SDK tool calls are counted, not thrown', () => {
    const v = view({ ...AI_SDK_DO_GENERATE, 'ai.response.toolCalls': '{"not":"an array"}' });
    expect(v.plannedToolCalls).toEqual([]);
    expect(v.malformed).toEqual(['ai.response.toolCalls']);
  });

  it('LangChain tool output: the content is hashed, not the ToolMessage envelope with its ids', () => {
    const toolMessage = (callId: string, content: string): string =>
      JSON.stringify({ output: { lc: 1, type: 'constructor', id: ['langchain_core', 'messages', 'ToolMessage'], kwargs: { status: 'success', content, tool_call_id: callId, id: `msg-${callId}` } } });
    const tool = (output: string) => view({ 'openinference.span.kind': 'TOOL', 'tool.name': 'get_weather', 'input.value': 'Paris', 'output.value': output });
    const a = tool(toolMessage('call_1', '{"temp":14}'));
    const b = tool(toolMessage('call_2', '{"temp":14}'));
    const c = tool(toolMessage('call_3', '{"temp":31}'));
    expect(a.resultHash).toBe(b.resultHash);
    expect(a.resultHash).toBe(digestValue({ temp: 14 }));
    expect(c.resultHash).not.toBe(a.resultHash);
  });

  it('Traceloop decorator input: the tool arguments are hashed, not the {args, kwargs} envelope', () => {
    const tool = (input: unknown) => view({ 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'get_weather', 'traceloop.entity.input': JSON.stringify(input) });
    expect(tool({ args: [], kwargs: { city: 'Paris' } }).argsHash).toBe(digestValue({ city: 'Paris' }));
    expect(tool({ args: [{ city: 'Paris' }], kwargs: {} }).argsHash).toBe(digestValue({ city: 'Paris' }));
    expect(tool({ args: ['Paris', 3], kwargs: {} }).argsHash).toBe(digestValue(['Paris', 3]));
  });

  it.each([
    [['tool-calls'], 'tool_calls'],
    [['tool_calls'], 'tool_calls'],
    [['tool_call'], 'tool_calls'],
    [['function_call'], 'tool_calls'],
    [['content-filter'], 'content_filter'],
    [['STOP'], 'stop'],
    [['', 'length'], 'length'],
    [['something_new'], 'other'],
    [[], undefined],
  ])('finish reasons %j normalise to %s', (raw, expected) => {
    expect(normalizeFinishReason(raw)).toBe(expected);
  });
});
