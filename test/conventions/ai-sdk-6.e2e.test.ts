import { SpanStatusCode } from '@opentelemetry/api';
import { stepCountIs, streamText } from 'ai';
import { MockLanguageModelV3, convertArrayToReadableStream } from 'ai/test';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FINDINGS, HANDOFF_TOOL, SCENARIOS, SCENARIO_SCRIPTS, enableAsyncContext, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { aiSdk6Tools as tools, runAiSdk6Turn, usage } from '../helpers/ai-sdk-6-agent.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { sha256Of } from '../../src/normalize/content-hash.js';

// Vercel AI SDK 6 (`experimental_telemetry`), run offline with its own
// MockLanguageModelV3 through the real OTel SDK and the triage processor (the
// turns are in test/helpers/ai-sdk-6-agent.ts).

async function runTurn(h: Harness, scenario: Scenario): Promise<void> {
  await runAiSdk6Turn(h.tracer, scenario);
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
