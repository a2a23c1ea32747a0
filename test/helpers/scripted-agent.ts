import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';

/**
 * A scripted agent that emits OpenTelemetry GenAI spans through the real SDK,
 * the way an instrumented agent loop does: `invoke_agent` → `chat` steps and
 * `execute_tool` calls. Tests describe a turn as data and get real spans.
 */
export interface ToolCallPlan {
  readonly id?: string;
  readonly name: string;
  readonly args?: unknown;
}

export type TurnStep =
  | {
      readonly llm: {
        readonly toolCalls?: readonly ToolCallPlan[];
        readonly text?: string;
        readonly outputTokens?: number;
        /** Request parameters recorded as `gen_ai.request.temperature` / `max_tokens`. */
        readonly temperature?: number;
        readonly maxTokens?: number;
        /** Input messages recorded as `gen_ai.input.messages` (text parts). */
        readonly input?: readonly { readonly role: string; readonly content: string }[];
        /** Record no token usage (as instrumentations that do not report it). */
        readonly noUsage?: boolean;
        readonly fail?: { readonly httpStatus?: number; readonly errorType?: string; readonly message?: string; readonly exceptionOnly?: boolean };
        /** Explicit duration: the span starts at `Date.now()` and ends this much later. */
        readonly durationMs?: number;
      };
    }
  | {
      readonly tool: {
        readonly name: string;
        readonly id?: string;
        readonly args?: unknown;
        readonly result?: unknown;
        readonly fail?: string;
        /** Explicit duration: the span starts at `Date.now()` and ends this much later. */
        readonly durationMs?: number;
        /** Do not capture arguments and result (as instrumentations with content capture off). */
        readonly noContent?: boolean;
        /** Extra span attributes, e.g. precomputed hashes. */
        readonly attributes?: Attributes;
      };
    };

export interface TurnScript {
  readonly agent?: string;
  /** `gen_ai.agent.version` on the root. */
  readonly agentVersion?: string;
  readonly steps: readonly TurnStep[];
  /** Omit the invoke_agent root: the steps hang under a plain local root span. */
  readonly plainRoot?: boolean;
  /** Extra attributes on the root span (task type, feedback score). */
  readonly rootAttributes?: Attributes;
  /** Events on the root span (e.g. `gen_ai.evaluation.result`). */
  readonly rootEvents?: readonly { readonly name: string; readonly attributes: Attributes }[];
  /** The root span ends with status ERROR (the turn broke). */
  readonly rootFails?: boolean;
}

export interface TurnIds {
  readonly traceId: string;
  readonly rootSpanId: string;
  readonly stepSpanIds: readonly string[];
}

export function runTurn(tracer: Tracer, script: TurnScript): TurnIds {
  const agent = script.agent ?? 'weather-agent';
  const root = script.plainRoot
    ? tracer.startSpan('POST /chat', { kind: SpanKind.SERVER })
    : tracer.startSpan(`invoke_agent ${agent}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': agent,
          'gen_ai.provider.name': 'openai',
          ...(script.agentVersion !== undefined && { 'gen_ai.agent.version': script.agentVersion }),
        },
      });
  const parent = trace.setSpan(context.active(), root);
  const stepSpanIds = script.steps.map(step => ('llm' in step ? llmStep(tracer, parent, step.llm) : toolStep(tracer, parent, step.tool)));
  if (script.rootAttributes) root.setAttributes(script.rootAttributes);
  for (const event of script.rootEvents ?? []) root.addEvent(event.name, event.attributes);
  if (script.rootFails) root.setStatus({ code: SpanStatusCode.ERROR, message: 'turn failed' });
  root.end();
  return { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, stepSpanIds };
}

function llmStep(tracer: Tracer, parent: Context, llm: Extract<TurnStep, { llm: unknown }>['llm']): string {
  const startMs = Date.now();
  const span = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' },
      ...(llm.durationMs !== undefined && { startTime: startMs }),
    },
    parent,
  );
  if (llm.temperature !== undefined) span.setAttribute('gen_ai.request.temperature', llm.temperature);
  if (llm.maxTokens !== undefined) span.setAttribute('gen_ai.request.max_tokens', llm.maxTokens);
  if (llm.input) {
    span.setAttribute('gen_ai.input.messages', JSON.stringify(llm.input.map(m => ({ role: m.role, parts: [{ type: 'text', content: m.content }] }))));
  }
  if (llm.fail) {
    fail(span, llm.fail.message ?? 'provider failed', llm.fail.exceptionOnly);
    if (llm.fail.httpStatus !== undefined) span.setAttribute('http.response.status_code', llm.fail.httpStatus);
    if (llm.fail.errorType !== undefined) span.setAttribute('error.type', llm.fail.errorType);
  } else {
    const parts = [
      ...(llm.text !== undefined ? [{ type: 'text', content: llm.text }] : []),
      ...(llm.toolCalls ?? []).map(call => ({ type: 'tool_call', id: call.id, name: call.name, arguments: call.args ?? {} })),
    ];
    const finish = (llm.toolCalls ?? []).length > 0 ? 'tool_call' : 'stop';
    span.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts, finish_reason: finish }]));
    span.setAttribute('gen_ai.response.finish_reasons', [finish]);
    if (!llm.noUsage) {
      span.setAttribute('gen_ai.usage.input_tokens', 120);
      span.setAttribute('gen_ai.usage.output_tokens', llm.outputTokens ?? 40);
    }
  }
  span.end(llm.durationMs === undefined ? undefined : startMs + llm.durationMs);
  return span.spanContext().spanId;
}

function toolStep(tracer: Tracer, parent: Context, tool: Extract<TurnStep, { tool: unknown }>['tool']): string {
  const startMs = Date.now();
  const span = tracer.startSpan(
    `execute_tool ${tool.name}`,
    {
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool.name,
        'gen_ai.tool.type': 'function',
        ...(tool.id !== undefined && { 'gen_ai.tool.call.id': tool.id }),
        ...(!tool.noContent && { 'gen_ai.tool.call.arguments': JSON.stringify(tool.args ?? {}) }),
        ...tool.attributes,
      },
      ...(tool.durationMs !== undefined && { startTime: startMs }),
    },
    parent,
  );
  if (tool.fail !== undefined) fail(span, tool.fail, false);
  else if (!tool.noContent) span.setAttribute('gen_ai.tool.call.result', JSON.stringify(tool.result ?? { ok: true }));
  span.end(tool.durationMs === undefined ? undefined : startMs + tool.durationMs);
  return span.spanContext().spanId;
}

function fail(span: Span, message: string, exceptionOnly = false): void {
  const error = new Error(message);
  error.name = 'AI_APICallError';
  span.recordException(error);
  if (!exceptionOnly) span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** A healthy two-step turn: plan a tool call, run it, answer. */
export const HEALTHY_TURN: TurnScript = {
  steps: [
    { llm: { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }] } },
    { tool: { name: 'get_weather', id: 'call_1', args: { city: 'Paris' }, result: { temp: 14 } } },
    { llm: { text: 'It is 14°C in Paris.' } },
  ],
};
