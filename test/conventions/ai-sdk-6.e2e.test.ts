import { SpanStatusCode } from '@opentelemetry/api';
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import type { ToolSet } from 'ai';
import { MockLanguageModelV3, convertArrayToReadableStream } from 'ai/test';
import type { LanguageModelV3Content, LanguageModelV3GenerateResult, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FINDINGS, HANDOFF_TOOL, SCENARIOS, SCENARIO_SCRIPTS, enableAsyncContext, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { ModelReply, Scenario, ScenarioScript } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { sha256Of } from '../../src/normalize/content-hash.js';

// Vercel AI SDK 6 (`experimental_telemetry`), run offline with its own
// MockLanguageModelV3 through the real OTel SDK and the triage processor.

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };
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
function tools(script: ScenarioScript): ToolSet {
  const set: ToolSet = { [HANDOFF_TOOL]: tool({ inputSchema: anyObject }) };
  for (const [name, execute] of Object.entries(script.tools)) set[name] = tool({ inputSchema: anyObject, execute });
  return set;
}

async function runTurn(h: Harness, scenario: Scenario): Promise<void> {
  const script = SCENARIO_SCRIPTS[scenario]();
  await generateText({
    model: model(script),
    prompt: 'Weather in Paris?',
    tools: tools(script),
    maxRetries: 0,
    stopWhen: stepCountIs(3),
    experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', tracer: h.tracer },
  }).catch(() => undefined); // the provider_500 turn rejects, as it does in an app
  await h.processor.forceFlush();
}

describe('Vercel AI SDK 6 (ai.* spans)', () => {
  beforeAll(enableAsyncContext);

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    const h = createHarness();
    await runTurn(h, scenario);
    expect(findingsOf(h.findings)).toEqual(EXPECTED_FINDINGS[scenario]);
    expect(h.findings.every(f => f.agentName === 'weather-agent')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['ai.generateText']);
  });

  it('recognises the turn root at start and names the span each finding concerns', async () => {
    const h = createHarness();
    await runTurn(h, 'tool_throws');
    const [finding] = h.findings;
    const failed = h.spans().find(s => s.name === 'ai.toolCall' && s.status.code === SpanStatusCode.ERROR);
    expect(finding?.spanId).toBe(failed?.spanContext().spanId);
    expect(finding?.toolName).toBe('get_time');
    const root = h.spans().find(s => s.name === 'ai.generateText');
    expect(root?.attributes['agent_triage.turn.outcome']).toBe('failed');
  });

  it('same arguments with different results: same tool and args hash, different result hash', async () => {
    const h = createHarness();
    await runTurn(h, 'same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.toolName, second?.toolName]).toEqual(['get_weather', 'get_weather']);
    expect([first?.toolCallId, second?.toolCallId]).toEqual(['call_1', 'call_2']);
    expect(first?.argsHash && sha256Of(first.argsHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });

  it('reads planned calls from a streamed step, whose tool-call input is an object', async () => {
    const h = createHarness();
    const chunks: LanguageModelV3StreamPart[][] = [
      [
        { type: 'stream-start', warnings: [] },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: '{"city":"Paris"}' },
        { type: 'tool-call', toolCallId: 'call_2', toolName: HANDOFF_TOOL, input: '{}' },
        { type: 'finish', finishReason: { unified: 'tool-calls', raw: undefined }, usage },
      ],
    ];
    const result = streamText({
      model: new MockLanguageModelV3({ doStream: () => Promise.resolve({ stream: convertArrayToReadableStream(chunks.shift() ?? []) }) }),
      prompt: 'Weather in Paris?',
      tools: tools(SCENARIO_SCRIPTS.healthy()),
      stopWhen: stepCountIs(1),
      experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', tracer: h.tracer },
    });
    await result.consumeStream();
    await h.processor.forceFlush();
    expect(h.findings.map(f => [f.signal, f.details['gen_ai.tool.name']])).toEqual([['skipped_planned_call', HANDOFF_TOOL]]);
  });
});
