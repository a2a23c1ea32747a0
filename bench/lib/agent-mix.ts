/**
 * The workloads every bench shares, written with the real OTel API and SDK:
 * the agent mix (per turn a root `invoke_agent`, 3 LLM steps of which 2 plan
 * two tool calls, 4 tool calls, 2 plain HTTP spans) and the 3-span payload
 * turn, with GenAI semantic-convention attributes as instrumentations write
 * them.
 */
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

export const MIX_SPANS_PER_TURN = 10;
const TOOLS = ['search_orders', 'get_weather', 'fetch_invoice', 'lookup_customer'] as const;

const input = JSON.stringify([
  { role: 'system', parts: [{ type: 'text', content: 'You are a support agent. Use the tools to answer.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'Where is my order 4711 and what will the weather be on delivery?' }] },
]);

function plannedCalls(step: number): { id: string; name: string; args: Record<string, unknown> }[] {
  return [0, 1].map(i => {
    const name = TOOLS[(step * 2 + i) % TOOLS.length] ?? 'search_orders';
    return { id: `call_${step}_${i}`, name, args: { order_id: 4711 + i, city: 'Berlin', include_history: i === 0 } };
  });
}

function answerWithCalls(calls: ReturnType<typeof plannedCalls>): string {
  return JSON.stringify([
    {
      role: 'assistant',
      parts: [
        { type: 'text', content: 'Let me look that up.' },
        ...calls.map(c => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args })),
      ],
      finish_reason: 'tool_call',
    },
  ]);
}

const finalAnswer = JSON.stringify([
  { role: 'assistant', parts: [{ type: 'text', content: 'Your order 4711 ships Thursday; expect light rain in Berlin on delivery.' }], finish_reason: 'stop' },
]);

const llmAttributes = (output: string, outputTokens: number): Record<string, string | number | string[]> => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.response.model': 'gpt-4o-2024-08-06',
  'gen_ai.usage.input_tokens': 412,
  'gen_ai.usage.output_tokens': outputTokens,
  'gen_ai.response.finish_reasons': [outputTokens > 60 ? 'stop' : 'tool_call'],
  'gen_ai.input.messages': input,
  'gen_ai.output.messages': output,
});

/** A failure to inject into a mix turn (the scan corpus has some, so the scan has findings to write). */
export type MixFailure = 'none' | 'tool_error' | 'provider_error';

/** The request number of the last tool call made unique (see `mixTurn`'s `uniqueContent`). */
let uniqueRequest = 0;

/**
 * One agent turn of the mix: 10 spans. `agent` names the agent (bounded label).
 * Its tool calls repeat a few arguments and results, as deterministic tools
 * asked the same things do; with `uniqueContent`, each call's arguments and
 * result are new (a request number in both).
 */
export function mixTurn(tracer: Tracer, agent = 'support-agent', failure: MixFailure = 'none', uniqueContent = false): void {
  const root = tracer.startSpan(`invoke_agent ${agent}`, {
    kind: SpanKind.INTERNAL,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent, 'gen_ai.provider.name': 'openai' },
  });
  const ctx = trace.setSpan(context.active(), root);
  for (let step = 0; step < 3; step++) {
    const calls = step < 2 ? plannedCalls(step) : [];
    if (uniqueContent) for (const call of calls) call.args['request'] = ++uniqueRequest;
    const llm = tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: llmAttributes(calls.length > 0 ? answerWithCalls(calls) : finalAnswer, calls.length > 0 ? 38 : 96) }, ctx);
    if (failure === 'provider_error' && step === 2) {
      llm.setAttributes({ 'error.type': '500', 'http.response.status_code': 500 });
      llm.setStatus({ code: SpanStatusCode.ERROR, message: 'Internal Server Error' });
    }
    llm.end();
    for (const call of calls) {
      const tool = tracer.startSpan(
        `execute_tool ${call.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': call.name,
            'gen_ai.tool.type': 'function',
            'gen_ai.tool.call.id': call.id,
            'gen_ai.tool.call.arguments': JSON.stringify(call.args),
            'gen_ai.tool.call.result': JSON.stringify({ ok: true, order: { id: call.args['order_id'], status: 'shipped', eta: '2025-06-12' }, forecast: 'light rain, 14°C', request: call.args['request'] }),
          },
        },
        ctx,
      );
      if (failure === 'tool_error' && call.id === 'call_1_1') {
        tool.setAttribute('error.type', 'TimeoutError');
        tool.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
      }
      tool.end();
    }
  }
  for (const route of ['/api/orders/4711', '/api/weather']) {
    tracer.startSpan(`GET ${route}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'url.full': `https://internal.example${route}`, 'http.response.status_code': 200 } }, ctx).end();
  }
  root.end();
}

/** The content of one payload-bench turn: the LLM step's answer and the tool's result, as an instrumentation would set them. */
export interface PayloadContent {
  readonly answer: string;
  readonly result: string;
}

/**
 * Fresh content of about `contentBytes` for one payload-bench turn: answer
 * text plus one planned call, and a tool result. `flatten` reads each string
 * once: `JSON.stringify` returns a cons string in V8 and its first reader
 * flattens it, so this takes that copy out of what reads it next.
 */
export function payloadContent(contentBytes: number, flatten = false): PayloadContent {
  const text = 'x'.repeat(Math.max(1, Math.floor(contentBytes / 2)));
  const answer = JSON.stringify([
    {
      role: 'assistant',
      parts: [
        { type: 'text', content: text },
        { type: 'tool_call', id: 'call_1', name: 'read_document', arguments: { doc: 'handbook.pdf' } },
      ],
      finish_reason: 'tool_call',
    },
  ]);
  const result = JSON.stringify({ doc: 'handbook.pdf', body: 'y'.repeat(Math.max(1, Math.floor(contentBytes / 2))) });
  if (flatten) {
    answer.charCodeAt(0);
    result.charCodeAt(0);
  }
  return { answer, result };
}

/** The 3-span turn of the payload bench: root, an LLM step answering `content.answer`, the tool call returning `content.result`. */
export function payloadTurn(tracer: Tracer, content: PayloadContent): void {
  const root = tracer.startSpan('invoke_agent reader', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
  const ctx = trace.setSpan(context.active(), root);
  tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: llmAttributes(content.answer, 40) }, ctx).end();
  tracer
    .startSpan(
      'execute_tool read_document',
      {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'read_document',
          'gen_ai.tool.call.id': 'call_1',
          'gen_ai.tool.call.arguments': '{"doc":"handbook.pdf"}',
          'gen_ai.tool.call.result': content.result,
        },
      },
      ctx,
    )
    .end();
  root.end();
}

/** Mix turns recorded so far in this process: failures are injected by this count, across calls. */
let recordedTurns = 0;

/**
 * Ended spans of `turns` mix turns, recorded by the plain SDK as an app would
 * export them; across calls, every 50th turn has a tool error and every 70th a
 * provider error ({@link failureOf}).
 */
export function recordMixTurns(turns: number, service = 'agent-app'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench-agent');
  for (let i = 0; i < turns; i++) mixTurn(tracer, `agent-${i % 3}`, failureOf(recordedTurns++));
  return exporter.getFinishedSpans();
}

/** How many mix turns `recordMixTurns` has recorded in this process so far (the next turn's number). */
export function mixTurnsRecorded(): number {
  return recordedTurns;
}

/** The turns in [from, to) that {@link failureOf} makes fail: one finding each is what a scan should report. */
export function failuresAmong(from: number, to: number): number {
  let count = 0;
  for (let turn = from; turn < to; turn++) if (failureOf(turn) !== 'none') count++;
  return count;
}

/** Every 50th turn has a tool error, every 70th a provider error (deterministic). */
export function failureOf(turn: number): MixFailure {
  if (turn % 50 === 49) return 'tool_error';
  if (turn % 70 === 69) return 'provider_error';
  return 'none';
}
