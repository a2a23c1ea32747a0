import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanSpans } from '../../src/scan/scan-spans.js';
import { orderSteps } from '../../src/turns/step-order.js';
import type { OrderedStep } from '../../src/turns/step-order.js';
import { postTraces, startTestGateway } from '../helpers/gateway.js';
import { createHarness } from '../helpers/harness.js';
import { tempDir, toOtlpJson } from '../helpers/otlp-files.js';

const T0 = 1_700_000_000_000;
const US = 0.001;

/** An LLM step (the calls it plans; its output tokens, 60 unless given; its duration in µs, 13 unless given) or a tool call (its id; 9 µs unless given). */
type Step = { llm: readonly string[]; tokens?: number; us?: number } | { tool: string; us?: number; fails?: boolean };

/**
 * One turn as the JS SDK stamps a fast agent (a mock model, local tools): it
 * stamps each span's start in whole milliseconds, so every span here starts
 * at T0, and its end at that start plus the span's duration. A tool call runs
 * for 9 µs and a model call for 13 µs unless given, so by their stamps every
 * tool ends before every step, the order in which scan and the gateway read them.
 */
function fastTurn(tracer: Tracer, steps: readonly Step[]): void {
  const root = tracer.startSpan('invoke_agent support', { startTime: T0, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' } });
  const under = trace.setSpan(context.active(), root);
  for (const step of steps) {
    if ('tool' in step) {
      const attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': step.tool, 'gen_ai.tool.call.arguments': `{"q":"${step.tool}"}` };
      const tool = tracer.startSpan('execute_tool search', { startTime: T0, attributes }, under);
      if (step.fails === true) tool.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
      tool.end(T0 + (step.us ?? 9) * US);
      continue;
    }
    const parts = step.llm.length > 0 ? step.llm.map(id => ({ type: 'tool_call', id, name: 'search', arguments: { q: id } })) : [{ type: 'text', content: 'done' }];
    const answer = JSON.stringify([{ role: 'assistant', parts, finish_reason: step.llm.length > 0 ? 'tool_call' : 'stop' }]);
    const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.output.messages': answer, 'gen_ai.usage.output_tokens': step.tokens ?? 60 };
    tracer.startSpan('chat gpt-4o', { startTime: T0, attributes }, under).end(T0 + (step.us ?? 13) * US);
  }
  root.end(T0 + 80 * US);
}

// The answer needs 50 tokens: a planning step's 38 taken for the answer would be a drop.
const signals = { output_token_drop: { options: { minExpectedTokens: { support: 50 } } } };

const verdicts = (findings: readonly { signal: string }[]): string[] => findings.map(f => f.signal).sort();

describe('a turn whose spans all start in the same millisecond: which step ran a tool, which step answered', () => {
  it.each<{ case: string; steps: Step[]; expected: string[] }>([
    { case: 'every planned call runs', steps: [{ llm: ['c1', 'c2'] }, { tool: 'c1' }, { tool: 'c2' }, { llm: ['c3'] }, { tool: 'c3' }, { llm: [] }], expected: [] },
    { case: 'three steps in a row run no tool', steps: [{ llm: [] }, { llm: [] }, { llm: [] }], expected: ['zero_tool_calls'] },
    { case: 'the answer ends first by its stamps', steps: [{ llm: ['c1'], tokens: 38 }, { tool: 'c1' }, { llm: [], tokens: 96, us: 5 }], expected: [] },
    { case: 'the short answer ends first by its stamps', steps: [{ llm: ['c1'], tokens: 60 }, { tool: 'c1' }, { llm: [], tokens: 12, us: 5 }], expected: ['output_token_drop'] },
  ])('$case: scan and the gateway judge it as the processor does in-process', async ({ steps, expected }) => {
    const inProcess = createHarness({ signals });
    fastTurn(inProcess.tracer, steps);
    await inProcess.processor.forceFlush();
    expect(verdicts(inProcess.findings)).toEqual(expected);
    const spans: ReadableSpan[] = inProcess.spans();

    expect(verdicts(await scanSpans(spans, { signals }))).toEqual(expected);

    const out = tempDir();
    const gateway = await startTestGateway({ out, triage: { decisionWaitMs: 0, signals } });
    expect((await postTraces(gateway, toOtlpJson(spans))).status).toBe(200);
    await gateway.shutdown();
    const lines = readFileSync(join(out, 'findings.jsonl'), 'utf8').split('\n').filter(line => line !== '');
    expect(verdicts(lines.map(line => JSON.parse(line) as { signal: string }))).toEqual(expected);
  });
});

describe('same-millisecond turns of any shape (property)', () => {
  /**
   * Steps that each plan one or two calls, the first of which runs (possibly
   * failing) and the second maybe, then the answer; any durations. Stamps
   * cannot tell two steps of one millisecond apart, so what tells the answer
   * from the steps before it is that their calls ran: with two steps whose
   * calls all went unrun in one millisecond, which one answered is unknowable
   * outside the process.
   */
  const turns = fc
    .array(
      fc.record({
        plans: fc
          .array(fc.record({ runs: fc.boolean(), fails: fc.boolean(), us: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 2 })
          .map(([first, ...rest]) => [{ ...first, runs: true }, ...rest]),
        tokens: fc.integer({ min: 1, max: 120 }),
        us: fc.integer({ min: 1, max: 30 }),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map(steps =>
      steps.flatMap((step, k): Step[] => {
        const ids = step.plans.map((_, j) => `c${k}_${j}`);
        const last = k === steps.length - 1;
        const llm: Step = { llm: last ? [] : ids, tokens: step.tokens, us: step.us };
        if (last) return [llm];
        return [llm, ...step.plans.flatMap((plan, j): Step[] => (plan.runs ? [{ tool: ids[j] ?? '', us: plan.us, fails: plan.fails }] : []))];
      }),
    );
  const described = (findings: readonly { signal: string; spanId: string; severity: string; details: unknown }[]): string[] =>
    findings.map(f => JSON.stringify([f.signal, f.spanId, f.severity, f.details])).sort();

  it('scan finds what the processor finds in-process', async () => {
    await fc.assert(
      fc.asyncProperty(turns, async steps => {
        const inProcess = createHarness({ signals });
        fastTurn(inProcess.tracer, steps);
        await inProcess.processor.forceFlush();
        expect(described(await scanSpans(inProcess.spans(), { signals }))).toEqual(described(inProcess.findings));
      }),
      { numRuns: 150 },
    );
  });
});

describe('orderSteps: start order, and a tool call never before the step that planned it', () => {
  /** `L<ms>:<ids>` an LLM step planning those calls, `T<ms>:<id>` a tool call (`-`: no id). */
  const step = (text: string): OrderedStep & { text: string } => {
    const [head = '', ids = ''] = text.split(':');
    const startMs = Number(head.slice(1));
    if (head.startsWith('L')) return { text, role: 'llm_step', startMs, toolCallId: undefined, plannedToolCalls: ids === '' ? [] : ids.split(',').map(id => ({ id })) };
    return { text, role: 'tool_call', startMs, toolCallId: ids === '-' ? undefined : ids, plannedToolCalls: [] };
  };
  it.each([
    { case: 'in start order already: unchanged', steps: ['L0:a', 'T1:a', 'L2:'], order: ['L0:a', 'T1:a', 'L2:'] },
    { case: 'out of start order: sorted, ties kept as given', steps: ['T5:a', 'L1:a', 'L5:', 'T5:b'], order: ['L1:a', 'T5:a', 'L5:', 'T5:b'] },
    { case: 'tools stamped with the step that planned them go after it', steps: ['T0:a', 'T0:b', 'L0:a,b', 'L0:'], order: ['L0:a,b', 'T0:a', 'T0:b', 'L0:'] },
    { case: 'each tool after its own planner', steps: ['T0:a', 'T0:b', 'L0:a', 'L0:b', 'L0:'], order: ['L0:a', 'T0:a', 'L0:b', 'T0:b', 'L0:'] },
    { case: 'a tool whose planner ran before it stays', steps: ['L0:a', 'T1:a', 'L1:a'], order: ['L0:a', 'T1:a', 'L1:a'] },
    { case: 'a tool before a planner of a later millisecond stays (only ties are in doubt)', steps: ['T1:a', 'L2:a'], order: ['T1:a', 'L2:a'] },
    { case: 'a tool without an id, or that no step planned, stays', steps: ['T0:-', 'T0:x', 'L0:'], order: ['T0:-', 'T0:x', 'L0:'] },
  ])('$case', ({ steps, order }) => {
    expect(orderSteps(steps.map(step)).map(s => s.text)).toEqual(order);
  });
});
