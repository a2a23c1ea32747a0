import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';

/**
 * A deliberately small agent loop, instrumented the way the OpenTelemetry
 * GenAI conventions describe: `invoke_agent` → `chat` per model call →
 * `execute_tool` per tool call. The "model" is a script, so the demo needs no
 * API key, and each scenario can make it fail in a specific way.
 */
export type ModelReply =
  | { readonly text: string; readonly outputTokens?: number }
  /** Not a final answer and no tool call: the agent loops back to the model. */
  | { readonly thinking: string }
  | { readonly toolCalls: readonly { readonly id: string; readonly name: string; readonly args: Record<string, unknown> }[] }
  | { readonly providerError: number };

export type Tool = (args: Record<string, unknown>) => unknown;

export interface Scenario {
  readonly title: string;
  readonly agent: string;
  readonly replies: readonly ModelReply[];
  readonly tools: Readonly<Record<string, Tool>>;
  /** A bug in the dispatcher: these tool names are planned by the model but never run. */
  readonly dropsCallsTo?: readonly string[];
}

class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly status: number;
  constructor(status: number) {
    super(`provider returned HTTP ${status}`);
    this.status = status;
  }
}

const tracer = trace.getTracer('toy-agent', '1.0.0');

export async function runAgent(scenario: Scenario, userMessage: string): Promise<string> {
  return tracer.startActiveSpan(
    `invoke_agent ${scenario.agent}`,
    { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': scenario.agent, 'gen_ai.agent.version': '1.4.2', 'gen_ai.provider.name': 'openai', 'gen_ai.conversation.id': `conv-${scenario.agent}` } },
    async root => {
      try {
        for (const reply of scenario.replies) {
          const outcome = await chat(reply, userMessage);
          if ('text' in outcome) return outcome.text;
          if ('thinking' in outcome) continue;
          for (const call of outcome.toolCalls) {
            if (scenario.dropsCallsTo?.includes(call.name)) continue;
            await executeTool(call, scenario.tools[call.name]);
          }
        }
        return '(gave up)';
      } catch (error) {
        fail(root, error);
        return '(failed)';
      } finally {
        root.end();
      }
    },
  );
}

async function chat(reply: ModelReply, prompt: string): Promise<Exclude<ModelReply, { providerError: number }>> {
  return tracer.startActiveSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.request.temperature': 0.2 } }, async span => {
    try {
      await Promise.resolve();
      if ('providerError' in reply) {
        span.setAttribute('http.response.status_code', reply.providerError);
        throw new ProviderError(reply.providerError);
      }
      const parts =
        'toolCalls' in reply
          ? reply.toolCalls.map(c => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args }))
          : [{ type: 'text', content: 'text' in reply ? reply.text : reply.thinking }];
      const finish = 'toolCalls' in reply ? 'tool_call' : 'stop';
      span.setAttributes({
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: prompt }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts, finish_reason: finish }]),
        'gen_ai.response.finish_reasons': [finish],
        'gen_ai.usage.input_tokens': 180,
        'gen_ai.usage.output_tokens': 'text' in reply ? (reply.outputTokens ?? 60) : 25,
      });
      return reply;
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

async function executeTool(call: { id: string; name: string; args: Record<string, unknown> }, tool: Tool | undefined): Promise<void> {
  await tracer.startActiveSpan(`execute_tool ${call.name}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.name, 'gen_ai.tool.call.id': call.id, 'gen_ai.tool.type': 'function', 'gen_ai.tool.call.arguments': JSON.stringify(call.args) } }, async span => {
    try {
      if (!tool) throw new Error(`unknown tool ${call.name}`);
      const result = await Promise.resolve(tool(call.args));
      span.setAttribute('gen_ai.tool.call.result', JSON.stringify(result));
    } catch (error) {
      fail(span, error); // the agent carries on: the next model call sees the error
    } finally {
      span.end();
    }
  });
}

function fail(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}
