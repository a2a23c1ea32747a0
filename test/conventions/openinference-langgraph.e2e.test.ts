import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as callbackManager from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { MemorySaver } from '@langchain/langgraph';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXPECTED_FINDINGS, SCENARIOS, SCENARIO_SCRIPTS, enableAsyncContext, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { ModelReply, PlannedCall, Scenario, ScenarioScript } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { sha256Of } from '../../src/normalize/content-hash.js';

// LangGraph's prebuilt ReAct agent traced by OpenInference's LangChain
// instrumentation, through the real OTel SDK and the triage processor. The
// model is a scripted BaseChatModel: it answers from a list, filling
// `additional_kwargs.tool_calls` the way the OpenAI chat model does (the only
// place the instrumentation reads tool calls from).

class ScriptedChatModel extends BaseChatModel {
  private readonly _replies: ModelReply[];
  private readonly _openAiStyle: boolean;

  /** `openAiStyle: false` fills only the standard `tool_calls`, as most non-OpenAI chat models do. */
  constructor(replies: readonly ModelReply[], { openAiStyle = true } = {}) {
    super({});
    this._replies = [...replies];
    this._openAiStyle = openAiStyle;
  }

  _llmType(): string {
    return 'scripted';
  }

  /** The script already knows which tools it calls. */
  override bindTools(): this {
    return this;
  }

  private _toolCallMessage(calls: readonly PlannedCall[]): AIMessage {
    const openAiToolCalls = calls.map(call => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.args) } }));
    return new AIMessage({
      content: '',
      tool_calls: calls.map(call => ({ ...call, type: 'tool_call' as const })),
      additional_kwargs: this._openAiStyle ? { tool_calls: openAiToolCalls } : {},
    });
  }

  _generate(): Promise<ChatResult> {
    const reply = this._replies.shift() ?? { text: 'script exhausted' };
    if ('status' in reply) return Promise.reject(Object.assign(new Error(`${reply.status} Internal Server Error`), { status: reply.status }));
    const message = 'text' in reply ? new AIMessage(reply.text) : this._toolCallMessage(reply.toolCalls);
    return Promise.resolve({
      generations: [{ text: 'text' in reply ? reply.text : '', message }],
      llmOutput: { tokenUsage: { promptTokens: 12, completionTokens: 7, totalTokens: 19 } },
    });
  }
}

/** The script's tools as LangChain tools (the hand-off tool is not among them: LangGraph is interrupted before it). */
function tools(script: ScenarioScript): StructuredToolInterface[] {
  return Object.entries(script.tools).map(([name, impl]) =>
    tool(async args => JSON.stringify(await impl(args)), { name, description: name, schema: z.looseObject({}) }),
  );
}

let h: Harness;

async function runTurn(scenario: Scenario): Promise<void> {
  const script = SCENARIO_SCRIPTS[scenario]();
  // A planned hand-off waits for a human: the graph stops before its tools node.
  const interruptBeforeTools = scenario === 'planned_not_executed';
  // Deprecated in favour of `createAgent` from the `langchain` package, but still
  // shipped by LangGraph 1.x and what most LangGraph agents in the wild use.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const agent = createReactAgent({
    llm: new ScriptedChatModel(script.replies),
    tools: tools(script),
    name: 'weather_agent',
    ...(interruptBeforeTools && { checkpointer: new MemorySaver(), interruptBefore: ['tools' as const] }),
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
    const provider = new TracerProvider({ spanProcessors: [h.processor] });
    new LangChainInstrumentation({ tracerProvider: provider }).manuallyInstrument(callbackManager);
  });
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    await runTurn(scenario);
    expect(findingsOf(h.findings)).toEqual(EXPECTED_FINDINGS[scenario]);
    expect(h.findings.every(f => f.agentName === 'weather_agent')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['weather_agent']);
  });

  it('inside an HTTP server span, the top CHAIN is still the turn root', async () => {
    await h.tracer.startActiveSpan('POST /chat', async span => {
      await runTurn('tool_throws');
      span.end();
    });
    await h.processor.forceFlush();
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['weather_agent']);
    expect(h.findings.map(f => [f.signal, f.agentName])).toEqual([['tool_error', 'weather_agent']]);
  });

  it('a model without OpenAI-style tool calls: planned calls are not captured, and health says so on the root', async () => {
    const script = SCENARIO_SCRIPTS.planned_not_executed();
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const agent = createReactAgent({
      llm: new ScriptedChatModel(SCENARIO_SCRIPTS.healthy().replies, { openAiStyle: false }),
      tools: tools(script),
      name: 'weather_agent',
    });
    await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    await h.processor.forceFlush();
    const root = turnRoots(h.spans())[0];
    expect(root?.events.filter(e => e.name === 'agent_triage.instrumentation_health').map(e => e.attributes)).toEqual([
      {
        'agent_triage.health.cause': 'content_not_captured',
        'agent_triage.convention': 'openinference',
        'agent_triage.signal': 'skipped_planned_call',
        'agent_triage.health.field': 'plannedToolCalls',
      },
    ]);
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
    expect(first?.argsHash && sha256Of(first.argsHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });

  it('the same result twice hashes equal although each ToolMessage envelope has its own call id', async () => {
    const script = SCENARIO_SCRIPTS.same_args_different_results();
    const sameEveryTime = { get_weather: () => Promise.resolve({ city: 'Paris', temp: 14 }) };
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const agent = createReactAgent({ llm: new ScriptedChatModel(script.replies), tools: tools({ ...script, tools: sameEveryTime }), name: 'weather_agent' });
    await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    await h.processor.forceFlush();
    const [first, second] = toolViews(h.spans());
    expect(first?.resultHash && sha256Of(first.resultHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.resultHash).toBe(second?.resultHash);
  });
});
