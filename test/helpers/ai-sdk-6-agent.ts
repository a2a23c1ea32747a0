import { APICallError, generateText, jsonSchema, stepCountIs, tool } from 'ai';
import type { ToolSet } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { LanguageModelV3Content, LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import type { Tracer } from '@opentelemetry/api';
import { HANDOFF_TOOL, SCENARIO_SCRIPTS } from './agent-scenarios.js';
import type { ModelReply, Scenario, ScenarioScript } from './agent-scenarios.js';

// Vercel AI SDK 6 (`experimental_telemetry`), run offline with its own
// MockLanguageModelV3: the scenarios as AI SDK 6 turns.

export const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };
const anyObject = jsonSchema<Record<string, unknown>>({ type: 'object' });

function result(reply: Exclude<ModelReply, { status: number }>): LanguageModelV3GenerateResult {
  const content: LanguageModelV3Content[] =
    'text' in reply
      ? [{ type: 'text', text: reply.text }]
      : reply.toolCalls.map(call => ({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: JSON.stringify(call.args) }));
  return { content, finishReason: { unified: 'text' in reply ? 'stop' : 'tool-calls', raw: undefined }, usage, warnings: [] };
}

function model(script: ScenarioScript): MockLanguageModelV3 {
  const replies = [...script.replies];
  return new MockLanguageModelV3({
    doGenerate: () => {
      const reply = replies.shift() ?? { text: 'script exhausted' };
      if ('status' in reply) {
        return Promise.reject(new APICallError({ message: 'Internal Server Error', url: 'http://127.0.0.1/v1/chat', requestBodyValues: {}, statusCode: reply.status }));
      }
      return Promise.resolve(result(reply));
    },
  });
}

/** The script's tools, plus the hand-off tool, which has no `execute`: the app's to run, and it never does. */
export function aiSdk6Tools(script: ScenarioScript): ToolSet {
  const set: ToolSet = { [HANDOFF_TOOL]: tool({ inputSchema: anyObject }) };
  for (const [name, execute] of Object.entries(script.tools)) set[name] = tool({ inputSchema: anyObject, execute });
  return set;
}

/** One scenario as a `generateText` turn traced with `tracer`. */
export async function runAiSdk6Turn(tracer: Tracer, scenario: Scenario): Promise<void> {
  const script = SCENARIO_SCRIPTS[scenario]();
  await generateText({
    model: model(script),
    prompt: 'Weather in Paris?',
    tools: aiSdk6Tools(script),
    maxRetries: 0,
    stopWhen: stepCountIs(3),
    experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', tracer },
  }).catch(() => undefined); // the provider_500 turn rejects, as it does in an app
}

/** A `generateText` call whose one step answers `text` and calls no tool, named `functionId`. */
export async function answerAiSdk6(tracer: Tracer, functionId: string, text: string): Promise<void> {
  await generateText({
    model: model({ replies: [{ text }], tools: {} }),
    prompt: 'Summarise',
    maxRetries: 0,
    experimental_telemetry: { isEnabled: true, functionId, tracer },
  });
}
