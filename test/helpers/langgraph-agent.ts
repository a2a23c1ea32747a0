import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as callbackManager from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { MemorySaver } from '@langchain/langgraph';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import type { TracerProvider } from '@opentelemetry/api';
import { z } from 'zod';
import { SCENARIO_SCRIPTS } from './agent-scenarios.js';
import type { ModelReply, PlannedCall, Scenario, ScenarioScript } from './agent-scenarios.js';

// LangGraph's prebuilt ReAct agent traced by OpenInference's LangChain
// instrumentation, through the real OTel SDK and the triage processor. The
// model is a scripted BaseChatModel: it answers from a list, filling
// `additional_kwargs.tool_calls` the way the OpenAI chat model does (the only
// place the instrumentation reads tool calls from).

export class ScriptedChatModel extends BaseChatModel {
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
export function langGraphTools(script: ScenarioScript): StructuredToolInterface[] {
  return Object.entries(script.tools).map(([name, impl]) =>
    tool(async args => JSON.stringify(await impl(args)), { name, description: name, schema: z.looseObject({}) }),
  );
}

/** Traces LangChain (and so LangGraph) with OpenInference into `tracerProvider`; it patches once per process. */
export function instrumentLangChain(tracerProvider: TracerProvider): void {
  new LangChainInstrumentation({ tracerProvider }).manuallyInstrument(callbackManager);
}

/** One scenario as a turn of LangGraph's prebuilt ReAct agent. */
export async function runLangGraphTurn(scenario: Scenario): Promise<void> {
  const script = SCENARIO_SCRIPTS[scenario]();
  // A planned hand-off waits for a human: the graph stops before its tools node.
  const interruptBeforeTools = scenario === 'planned_not_executed';
  // Deprecated in favour of `createAgent` from the `langchain` package, but still
  // shipped by LangGraph 1.x and what most LangGraph agents in the wild use.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const agent = createReactAgent({
    llm: new ScriptedChatModel(script.replies),
    tools: langGraphTools(script),
    name: 'weather_agent',
    ...(interruptBeforeTools && { checkpointer: new MemorySaver(), interruptBefore: ['tools' as const] }),
  });
  await agent
    .invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] }, { configurable: { thread_id: 'thread-1' }, metadata: { session_id: 'session-1' }, recursionLimit: 8 })
    .catch(() => undefined); // the provider_500 turn rejects, as it does in an app
}
