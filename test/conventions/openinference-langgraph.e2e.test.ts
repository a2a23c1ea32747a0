import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as callbackManager from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { MemorySaver } from '@langchain/langgraph';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXPECTED_SIGNALS, SCENARIOS, enableAsyncContext, signalsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

// LangGraph's prebuilt ReAct agent traced by OpenInference's LangChain
// instrumentation, through the real OTel SDK and the triage processor. The
// model is a scripted BaseChatModel: it answers from a list, filling
// `additional_kwargs.tool_calls` the way the OpenAI chat model does (the only
// place the instrumentation reads tool calls from).

interface PlannedCall {
  readonly id: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

type Reply = string | readonly PlannedCall[] | Error;

class ScriptedChatModel extends BaseChatModel {
  private readonly _replies: Reply[];

  constructor(replies: readonly Reply[]) {
    super({});
    this._replies = [...replies];
  }

  _llmType(): string {
    return 'scripted';
  }

  /** The script already knows which tools it calls. */
  override bindTools(): this {
    return this;
  }

  _generate(): Promise<ChatResult> {
    const reply = this._replies.shift() ?? 'script exhausted';
    if (reply instanceof Error) return Promise.reject(reply);
    const message =
      typeof reply === 'string'
        ? new AIMessage(reply)
        : new AIMessage({
            content: '',
            tool_calls: reply.map(call => ({ ...call, type: 'tool_call' as const })),
            additional_kwargs: {
              tool_calls: reply.map(call => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.args) } })),
            },
          });
    return Promise.resolve({
      generations: [{ text: typeof reply === 'string' ? reply : '', message }],
      llmOutput: { tokenUsage: { promptTokens: 12, completionTokens: 7, totalTokens: 19 } },
    });
  }
}

const weatherCalls: PlannedCall[] = [
  { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } },
  { id: 'call_2', name: 'get_time', args: {} },
];

function tools(options: { timeFails?: boolean; temps?: number[] } = {}): StructuredToolInterface[] {
  const temps = [...(options.temps ?? [14])];
  return [
    tool(({ city }) => JSON.stringify({ city, temp: temps.shift() ?? 0 }), {
      name: 'get_weather',
      description: 'Current weather in a city',
      schema: z.object({ city: z.string() }),
    }),
    tool(
      () => {
        if (options.timeFails) throw new Error('clock unavailable');
        return '12:00';
      },
      { name: 'get_time', description: 'Current time', schema: z.object({}) },
    ),
  ];
}

interface Run {
  readonly replies: readonly Reply[];
  readonly tools: StructuredToolInterface[];
  /** Stop the graph before its tools node (human-in-the-loop approval that never comes). */
  readonly interruptBeforeTools?: boolean;
}

const runs: Record<Scenario, () => Run> = {
  healthy: () => ({ replies: [weatherCalls, '14°C at noon'], tools: tools() }),
  provider_500: () => ({ replies: [Object.assign(new Error('500 Internal Server Error'), { status: 500 })], tools: tools() }),
  tool_throws: () => ({ replies: [weatherCalls, 'no time'], tools: tools({ timeFails: true }) }),
  loop_without_tools: () => ({
    replies: [1, 2, 3].map(n => [{ id: `call_${n}`, name: 'lookup_forecast', args: { city: 'Paris' } }]),
    tools: tools(),
  }),
  planned_not_executed: () => ({ replies: [weatherCalls], tools: tools(), interruptBeforeTools: true }),
  same_args_different_results: () => ({
    replies: [[{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }], [{ id: 'call_2', name: 'get_weather', args: { city: 'Paris' } }], 'it changed'],
    tools: tools({ temps: [14, 31] }),
  }),
};

let h: Harness;

async function runTurn(scenario: Scenario): Promise<void> {
  const run = runs[scenario]();
  // Deprecated in favour of `createAgent` from the `langchain` package, but still
  // shipped by LangGraph 1.x and what most LangGraph agents in the wild use.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const agent = createReactAgent({
    llm: new ScriptedChatModel(run.replies),
    tools: run.tools,
    name: 'weather_agent',
    ...(run.interruptBeforeTools && { checkpointer: new MemorySaver(), interruptBefore: ['tools' as const] }),
  });
  await agent
    .invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] }, { configurable: { thread_id: 'thread-1' }, metadata: { session_id: 'session-1' }, recursionLimit: 8 })
    .catch(() => undefined); // the provider_500 turn rejects, as it does in an app
  await h.processor.forceFlush();
}

describe('OpenInference (LangGraph through @arizeai/openinference-instrumentation-langchain)', () => {
  beforeAll(() => {
    enableAsyncContext();
    h = createHarness();
    // The instrumentation patches LangChain's callback manager once per process; spans go to our provider.
    const provider = new BasicTracerProvider({ spanProcessors: [h.processor] });
    new LangChainInstrumentation({ tracerProvider: provider }).manuallyInstrument(callbackManager);
  });
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    await runTurn(scenario);
    expect(signalsOf(h.findings)).toEqual(EXPECTED_SIGNALS[scenario]);
    expect(h.findings.every(f => f.agentName === 'weather_agent')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['weather_agent']);
  });

  it('names the failing tool and the session', async () => {
    await runTurn('tool_throws');
    expect(h.findings.map(f => [f.signal, f.toolName])).toEqual([['tool_error', 'get_time']]);
    const root = turnRoots(h.spans())[0];
    expect(root?.attributes['session.id']).toBe('session-1');
  });

  it('same arguments with different results: hashes the tool message content, not its envelope', async () => {
    await runTurn('same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.toolName, second?.toolName]).toEqual(['get_weather', 'get_weather']);
    // LangChain tool spans carry no call id; matching falls back to name and order.
    expect([first?.toolCallId, second?.toolCallId]).toEqual([undefined, undefined]);
    expect(first?.argsHash).toMatch(/^sha256:/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });

  it('the same result twice hashes equal although each ToolMessage envelope has its own call id', async () => {
    const run = runs.same_args_different_results();
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const agent = createReactAgent({ llm: new ScriptedChatModel(run.replies), tools: tools({ temps: [14, 14] }), name: 'weather_agent' });
    await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    await h.processor.forceFlush();
    const [first, second] = toolViews(h.spans());
    expect(first?.resultHash).toMatch(/^sha256:/);
    expect(first?.resultHash).toBe(second?.resultHash);
  });
});
