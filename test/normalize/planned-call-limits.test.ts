import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADAPTERS, adapterFor } from '../../src/normalize/adapters.js';
import { viewOf } from '../../src/normalize/normalize-span.js';

const exporter = new InMemorySpanExporter();
// A short service name: the SDK's default (`unknown_service:<path of node>`) may be over the test's limit.
const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'agent' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });

function recorded(attributes: Attributes): ReadableSpan {
  exporter.reset();
  provider.getTracer('planned-call-limits').startSpan('llm', { attributes }).end();
  const [span] = exporter.getFinishedSpans();
  if (!span) throw new Error('no span recorded');
  return span;
}

/** Each convention's LLM step planning `search` (id `call_1`) and a call named `name` with id `id`, with the key that is counted when one is over the limit. */
const CONVENTIONS: readonly [string, (name: string, id: string) => Attributes, string][] = [
  [
    'GenAI output messages',
    (name, id) => ({
      'gen_ai.operation.name': 'chat',
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'search', arguments: {} }, { type: 'tool_call', id, name, arguments: {} }] },
      ]),
    }),
    'gen_ai.output.messages',
  ],
  [
    'AI SDK response tool calls',
    (name, id) => ({
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.response.toolCalls': JSON.stringify([{ toolCallId: 'call_1', toolName: 'search', input: '{}' }, { toolCallId: id, toolName: name, input: '{}' }]),
    }),
    'ai.response.toolCalls',
  ],
  [
    'OpenInference indexed keys',
    (name, id) => ({
      'openinference.span.kind': 'LLM',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'search',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.output_messages.0.message.tool_calls.1.tool_call.function.name': name,
      'llm.output_messages.0.message.tool_calls.1.tool_call.id': id,
    }),
    'llm.output_messages',
  ],
  [
    'OpenLLMetry legacy indexed keys',
    (name, id) => ({
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.completion.0.tool_calls.0.name': 'search',
      'gen_ai.completion.0.tool_calls.0.id': 'call_1',
      'gen_ai.completion.0.tool_calls.1.name': name,
      'gen_ai.completion.0.tool_calls.1.id': id,
    }),
    'gen_ai.completion',
  ],
];

const LIMIT = 32;
const plannedOf = (attributes: Attributes) => {
  const span = recorded(attributes);
  const view = viewOf(span, adapterFor(span, DEFAULT_ADAPTERS), 8192, undefined, LIMIT);
  return { calls: view.plannedToolCalls.map(c => ({ id: c.id, name: c.name })), limited: view.limited };
};

describe('planned calls are bounded like names (maxNameChars)', () => {
  describe.each(CONVENTIONS)('%s', (_convention, llmStep, key) => {
    it.each([
      ['a tool name and id at the limit: read', 'n'.repeat(LIMIT), 'i'.repeat(LIMIT), [{ id: 'call_1', name: 'search' }, { id: 'i'.repeat(LIMIT), name: 'n'.repeat(LIMIT) }], []],
      ['a tool name one over: the call is left out, as a call without a name', 'n'.repeat(LIMIT + 1), 'call_2', [{ id: 'call_1', name: 'search' }], [key]],
      ['an id one over: the call is kept without it (matched by name)', 'fetch', 'i'.repeat(LIMIT + 1), [{ id: 'call_1', name: 'search' }, { id: undefined, name: 'fetch' }], [key]],
    ])('%s', (_case, name, id, calls, limited) => {
      const planned = plannedOf(llmStep(name, id));
      expect(planned.calls).toEqual(calls);
      expect(planned.limited).toEqual(limited);
    });
  });

  it('a call kept without its over-limit id still digests its arguments when asked', () => {
    const span = recorded({
      'gen_ai.operation.name': 'chat',
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'i'.repeat(LIMIT + 1), name: 'fetch', arguments: { doc: 'a' } }] }]),
    });
    const [call] = viewOf(span, adapterFor(span, DEFAULT_ADAPTERS), 8192, undefined, LIMIT).plannedToolCalls;
    const within = recorded({
      'gen_ai.operation.name': 'chat',
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'fetch', arguments: { doc: 'a' } }] }]),
    });
    const [reference] = viewOf(within, adapterFor(within, DEFAULT_ADAPTERS), 8192, undefined, LIMIT).plannedToolCalls;
    expect(call?.argsHash).toBeDefined();
    expect(call?.argsHash).toBe(reference?.argsHash);
  });
});
