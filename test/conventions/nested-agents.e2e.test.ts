import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCENARIO_SCRIPTS, enableAsyncContext, turnRoots } from '../helpers/agent-scenarios.js';
import type { ModelReply, ScenarioScript } from '../helpers/agent-scenarios.js';
import { answerAiSdk6, runAiSdk6Turn } from '../helpers/ai-sdk-6-agent.js';
import { AI_SDK_7_SUITE, AI_SDK_7_SUPPORTED, AiSdk7Agent } from '../helpers/ai-sdk-7-agent.js';
import { scanSpans } from '../../src/scan/scan-spans.js';
import { createHarness, sumWhere } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { ScriptedChatModel, instrumentLangChain, langGraphTools } from '../helpers/langgraph-agent.js';

// Nested agent spans are one turn: the application's own `invoke_agent` span
// around library agent calls (AI SDK 6 and 7), and a LangGraph supervisor that
// runs two worker agents. The turn is the outermost agent span; turn-level
// signals see every nested agent's steps; findings name the span they concern
// and carry the outer agent's name (the inner one as `innerAgentName`).

const OUTER = 'research-agent';

/** The application's own agent span, as apps write it with the GenAI conventions. */
async function inAppAgent(tracer: Tracer, body: () => Promise<void>): Promise<void> {
  await tracer.startActiveSpan(`invoke_agent ${OUTER}`, { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': OUTER } }, async span => {
    try {
      await body();
    } finally {
      span.end();
    }
  });
}

async function expectOneTurnWithoutTools(h: Harness, outerSpanName: string, steps: number): Promise<void> {
  await h.processor.forceFlush();
  expect(turnRoots(h.spans()).map(s => s.name)).toEqual([outerSpanName]);
  expect(h.findings.map(f => [f.signal, f.agentName, f.innerAgentName, f.details.consecutive_steps])).toEqual([['zero_tool_calls', OUTER, undefined, steps]]);
  const root = h.spans().find(s => s.name === outerSpanName);
  expect(h.findings[0]?.spanId).toBe(root?.spanContext().spanId);
  expect(sumWhere(await h.metric('agent_triage.turns'), { 'gen_ai.agent.name': OUTER })).toBe(1);
}

async function expectInnerToolError(h: Harness, inner: string): Promise<void> {
  await h.processor.forceFlush();
  expect(turnRoots(h.spans()).map(s => s.name)).toEqual([`invoke_agent ${OUTER}`]);
  const [finding] = h.findings;
  const failedTool = h.spans().find(s => s.status.code === SpanStatusCode.ERROR && (s.attributes['ai.toolCall.name'] ?? s.attributes['gen_ai.tool.name']) === 'get_time');
  expect([finding?.signal, finding?.agentName, finding?.innerAgentName, finding?.spanId]).toEqual(['tool_error', OUTER, inner, failedTool?.spanContext().spanId]);
  const failures = await h.metric('agent_triage.failures');
  expect(sumWhere(failures, { 'gen_ai.agent.name': OUTER, 'agent_triage.inner_agent.name': inner })).toBe(1);
}

describe('nested agents, Vercel AI SDK 6: four generateText calls inside the app’s invoke_agent', () => {
  beforeAll(enableAsyncContext);

  it('is one turn, and four steps without a tool are a zero-tool streak', async () => {
    const h = createHarness();
    await inAppAgent(h.tracer, async () => {
      for (const part of ['intro', 'methods', 'results', 'summary']) await answerAiSdk6(h.tracer, `write-${part}`, `the ${part}`);
    });
    await expectOneTurnWithoutTools(h, `invoke_agent ${OUTER}`, 4);
    // Read back in end order (as the scan reads files): inner agent spans end before the outer one is known.
    const scanned = await scanSpans(h.spans());
    expect(scanned.map(f => [f.signal, f.agentName, f.details.consecutive_steps])).toEqual([['zero_tool_calls', OUTER, 4]]);
  });

  it('a failing tool of an inner call names its span, the outer agent and the inner one', async () => {
    const h = createHarness();
    await inAppAgent(h.tracer, () => runAiSdk6Turn(h.tracer, 'tool_throws'));
    await expectInnerToolError(h, 'weather-agent');
  });

  it('the library call alone is still its own turn', async () => {
    const h = createHarness();
    await answerAiSdk6(h.tracer, 'write-intro', 'the intro');
    await h.processor.forceFlush();
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['ai.generateText']);
  });
});

describe.skipIf(!AI_SDK_7_SUPPORTED)(`nested agents, ${AI_SDK_7_SUITE}`, () => {
  let h: Harness;
  let agent: AiSdk7Agent;
  beforeAll(async () => {
    enableAsyncContext();
    h = createHarness();
    agent = await AiSdk7Agent.register(h.tracer);
  });
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });

  it('invoke_agent of AI SDK 7 inside the app’s invoke_agent is one turn; its steps join the streak', async () => {
    const before = sumWhere(await h.metric('agent_triage.turns'), { 'gen_ai.agent.name': OUTER });
    await inAppAgent(h.tracer, async () => {
      for (const part of ['intro', 'results', 'summary']) await agent.answer(`write-${part}`, `the ${part}`);
    });
    await h.processor.forceFlush();
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual([`invoke_agent ${OUTER}`]);
    expect(h.findings.map(f => [f.signal, f.agentName, f.details.consecutive_steps])).toEqual([['zero_tool_calls', OUTER, 3]]);
    expect(sumWhere(await h.metric('agent_triage.turns'), { 'gen_ai.agent.name': OUTER }) - before).toBe(1);
  });

  it('a failing tool of the inner agent names its span, the outer agent and the inner one', async () => {
    await inAppAgent(h.tracer, () => agent.runTurn('tool_throws'));
    await expectInnerToolError(h, 'weather-agent');
  });
});

describe('nested agents, LangGraph: a supervisor graph running two worker agents', () => {
  let h: Harness;
  beforeAll(() => {
    enableAsyncContext();
    h = createHarness();
    instrumentLangChain(new TracerProvider({ spanProcessors: [h.processor] }));
  });
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });
  afterAll(() => h.processor.shutdown());

  async function runSupervisor(researcherReplies: readonly ModelReply[], writerScript: ScenarioScript): Promise<void> {
    const worker = (name: string, replies: readonly ModelReply[], tools: ReturnType<typeof langGraphTools>) =>
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      createReactAgent({ llm: new ScriptedChatModel(replies), tools, name });
    const plan = new ScriptedChatModel([{ text: 'research, then write' }]);
    const supervisor = new StateGraph(MessagesAnnotation)
      .addNode('plan', async state => ({ messages: [await plan.invoke(state.messages)] }))
      .addNode('researcher', worker('researcher', researcherReplies, langGraphTools(SCENARIO_SCRIPTS.healthy())))
      .addNode('writer', worker('writer', writerScript.replies, langGraphTools(writerScript)))
      .addEdge(START, 'plan')
      .addEdge('plan', 'researcher')
      .addEdge('researcher', 'writer')
      .addEdge('writer', END)
      .compile({ name: OUTER });
    await supervisor.invoke({ messages: [{ role: 'user', content: 'Write a report' }] });
    await h.processor.forceFlush();
  }

  it('is one turn: the supervisor’s and both workers’ steps without a tool are one streak', async () => {
    await runSupervisor([{ text: 'notes' }], { replies: [{ text: 'draft' }], tools: {} });
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual([OUTER]);
    const root = h.spans().find(s => s.name === OUTER);
    expect(h.findings.map(f => [f.signal, f.agentName, f.spanId, f.details.consecutive_steps])).toEqual([['zero_tool_calls', OUTER, root?.spanContext().spanId, 3]]);
    expect(sumWhere(await h.metric('agent_triage.turns'), { 'gen_ai.agent.name': OUTER })).toBe(1);
  });

  it('a worker’s failing tool is a finding of the supervisor’s turn on the tool span', async () => {
    // Two steps without a tool, then the writer's step whose planned calls run: no zero-tool streak.
    await runSupervisor([{ text: 'notes' }], SCENARIO_SCRIPTS.tool_throws());
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual([OUTER]);
    const failedTool = h.spans().find(s => s.status.code === SpanStatusCode.ERROR && s.name === 'get_time');
    expect(h.findings.map(f => [f.signal, f.agentName, f.spanId])).toEqual([['tool_error', OUTER, failedTool?.spanContext().spanId]]);
  });
});
