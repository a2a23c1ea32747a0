import type * as AiV7Module from 'ai-v7';
import type * as AiV7TestModule from 'ai-v7/test';
import type { Tracer } from '@opentelemetry/api';
import { HANDOFF_TOOL, SCENARIO_SCRIPTS } from './agent-scenarios.js';
import type { ModelReply, Scenario, ScenarioScript } from './agent-scenarios.js';

// Vercel AI SDK 7 with `@ai-sdk/otel` (OpenTelemetry GenAI spans:
// invoke_agent → step (agent_step) → chat / execute_tool), run offline with its
// own MockLanguageModelV4. AI SDK 7 declares Node >= 22: the modules are loaded
// on demand, so a suite skipped on older Node never loads them. Installed under
// the alias `ai-v7` beside `ai@6`.
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
export const AI_SDK_7_SUPPORTED = NODE_MAJOR >= 22;
export const AI_SDK_7_SUITE = `Vercel AI SDK 7 via @ai-sdk/otel (GenAI spans; needs Node >= 22, this is Node ${NODE_MAJOR})`;

// Type-only imports: erased, so Node 20 never loads AI SDK 7.
type AiV7 = typeof AiV7Module;
type AiV7Test = typeof AiV7TestModule;
type Model = InstanceType<AiV7Test['MockLanguageModelV4']>;
type GenerateResult = Awaited<ReturnType<Model['doGenerate']>>;
type Content = GenerateResult['content'][number];
type ToolSet = AiV7Module.ToolSet;

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };

function result(reply: Exclude<ModelReply, { status: number }>): GenerateResult {
  const content: Content[] =
    'text' in reply
      ? [{ type: 'text', text: reply.text }]
      : reply.toolCalls.map(call => ({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: JSON.stringify(call.args) }));
  return { content, finishReason: { unified: 'text' in reply ? 'stop' : 'tool-calls', raw: undefined }, usage, warnings: [] };
}

/** AI SDK 7 with its telemetry registered (once per process) on `tracer`. */
export class AiSdk7Agent {
  private readonly _ai: AiV7;
  private readonly _aiTest: AiV7Test;

  private constructor(ai: AiV7, aiTest: AiV7Test) {
    this._ai = ai;
    this._aiTest = aiTest;
  }

  static async register(tracer: Tracer): Promise<AiSdk7Agent> {
    const ai = await import('ai-v7');
    const aiTest = await import('ai-v7/test');
    const { OpenTelemetry } = await import('@ai-sdk/otel');
    ai.registerTelemetry(new OpenTelemetry({ tracer, agentSpanName: 'functionId' }));
    return new AiSdk7Agent(ai, aiTest);
  }

  /** One scenario as a `generateText` turn. */
  async runTurn(scenario: Scenario): Promise<void> {
    const script = SCENARIO_SCRIPTS[scenario]();
    const ai = this._ai;
    await ai
      .generateText({ model: this._model(script), prompt: 'Weather in Paris?', tools: this._tools(script), maxRetries: 0, stopWhen: ai.stepCountIs(3), telemetry: { functionId: 'weather-agent' } })
      .catch(() => undefined); // the provider_500 turn rejects, as it does in an app
  }

  /** A `generateText` call whose one step answers `text` and calls no tool, named `functionId`. */
  async answer(functionId: string, text: string): Promise<void> {
    await this._ai.generateText({ model: this._model({ replies: [{ text }], tools: {} }), prompt: 'Summarise', maxRetries: 0, telemetry: { functionId } });
  }

  private _model(script: ScenarioScript): Model {
    const replies = [...script.replies];
    return new this._aiTest.MockLanguageModelV4({
      doGenerate: () => {
        const reply = replies.shift() ?? { text: 'script exhausted' };
        if ('status' in reply) {
          return Promise.reject(new this._ai.APICallError({ message: 'Internal Server Error', url: 'http://127.0.0.1/v1/chat', requestBodyValues: {}, statusCode: reply.status }));
        }
        return Promise.resolve(result(reply));
      },
    });
  }

  /** The script's tools, plus the hand-off tool, which has no `execute`: the app's to run, and it never does. */
  private _tools(script: ScenarioScript): ToolSet {
    const ai = this._ai;
    const anyObject = ai.jsonSchema<Record<string, unknown>>({ type: 'object' });
    const set: ToolSet = { [HANDOFF_TOOL]: ai.tool({ inputSchema: anyObject }) };
    for (const [name, execute] of Object.entries(script.tools)) set[name] = ai.tool({ inputSchema: anyObject, execute });
    return set;
  }
}
