import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as traceloop from '@traceloop/node-server-sdk';
import { withAgent, withTool } from '@traceloop/node-server-sdk';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { EXPECTED_FINDINGS, HANDOFF_TOOL, SCENARIO_SCRIPTS } from './agent-scenarios.js';
import type { ModelReply, PlannedCall, Scenario, ScenarioScript } from './agent-scenarios.js';

/**
 * A hand-rolled agent loop on the real OpenAI client, as OpenLLMetry users
 * write one: `withAgent` around the turn, `withTool` around each tool, the
 * client talking to a loopback server that plays the model with canned Chat
 * Completions replies (the library's own fake-model route: no network).
 */
const TOOL_DEFINITIONS: ChatCompletionTool[] = ['get_weather', 'get_time', HANDOFF_TOOL].map(name => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: {} } },
}));
const MAX_STEPS = 4;

type InstrumentModules = NonNullable<Parameters<typeof traceloop.initialize>[0]>['instrumentModules'];

// Traceloop types `openAI` with openai's CommonJS declarations; the ESM class
// we import is the same class at run time, but TypeScript sees two types.
/** The current OpenLLMetry format: Traceloop instruments the OpenAI client itself. */
export const OPENLLMETRY_MODULES = { openAI: OpenAI } as unknown as InstrumentModules;

/**
 * Starts Traceloop's own NodeSDK (once per process) with the triage processor
 * as its extra `processor`, and its own exporter (in-memory in tests, so
 * nothing leaves the process) seeing the spans as the app made them.
 */
export function initializeTraceloop(processor: SpanProcessor, exporter: SpanExporter, instrumentModules: InstrumentModules): void {
  traceloop.initialize({
    appName: 'weather-app',
    exporter,
    processor,
    disableBatch: true,
    instrumentModules,
    traceloopSyncEnabled: false,
    silenceInitializationMessage: true,
  });
}

/** The loopback model: answers each Chat Completions request with the next scripted reply. */
export class FakeChatCompletionsServer {
  private readonly _server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const reply = this._replies.shift() ?? { text: 'script exhausted' };
      response.setHeader('content-type', 'application/json');
      if ('status' in reply) {
        response.statusCode = reply.status;
        response.end(JSON.stringify({ error: { message: 'Internal Server Error', type: 'server_error' } }));
        return;
      }
      response.end(JSON.stringify(completion(reply)));
    });
  });
  private _replies: ModelReply[] = [];

  async start(): Promise<string> {
    await new Promise<void>(resolve => this._server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this._server.address() as AddressInfo).port}/v1`;
  }

  script(replies: readonly ModelReply[]): void {
    this._replies = [...replies];
  }

  stop(): Promise<void> {
    return new Promise(resolve => {
      this._server.close(() => {
        resolve();
      });
    });
  }
}

function completion(reply: { toolCalls: readonly PlannedCall[] } | { text: string }): unknown {
  const toolCalls = 'toolCalls' in reply ? reply.toolCalls : [];
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_795_000_000,
    model: 'gpt-4o',
    choices: [
      {
        index: 0,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
        message: {
          role: 'assistant',
          content: 'text' in reply ? reply.text : null,
          ...(toolCalls.length > 0 && {
            tool_calls: toolCalls.map(call => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args) } })),
          }),
        },
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  };
}

/** Runs `body` with an OpenAI client talking to a fresh loopback fake model, then stops the model. */
export async function withFakeOpenAi(body: (server: FakeChatCompletionsServer, client: OpenAI) => Promise<void>): Promise<void> {
  const server = new FakeChatCompletionsServer();
  try {
    await body(server, new OpenAI({ apiKey: 'test-key', baseURL: await server.start(), maxRetries: 0 }));
  } finally {
    await server.stop();
  }
}

/** Scripts the fake model for a scenario and runs one agent turn against it. */
export function runScenarioTurn(server: FakeChatCompletionsServer, client: OpenAI, scenario: Scenario): Promise<string> {
  const script = SCENARIO_SCRIPTS[scenario]();
  server.script(script.replies);
  return runAgentTurn(client, script);
}

/** One agent turn. Provider failures end the turn with an apology, as apps do. */
function runAgentTurn(client: OpenAI, run: ScenarioScript): Promise<string> {
  return withAgent({ name: 'support', conversationId: 'conv-1' }, async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    for (let step = 0; step < MAX_STEPS; step++) {
      const reply = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOL_DEFINITIONS }).catch(() => undefined);
      const message = reply?.choices[0]?.message;
      if (!message) return 'Sorry, please try again later.';
      messages.push(message);
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) return message.content ?? '';
      for (const call of calls) {
        if (call.type !== 'function') continue;
        if (call.function.name === HANDOFF_TOOL) return 'Which city?';
        const impl = run.tools[call.function.name];
        const content = impl
          ? await withTool({ name: call.function.name }, impl, JSON.parse(call.function.arguments) as Record<string, unknown>).then(
              result => JSON.stringify(result),
              (error: unknown) => `Error: ${String(error)}`,
            )
          : `Error: no tool named ${call.function.name}`;
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    return 'Giving up.';
  });
}

/**
 * Where OpenLLMetry cannot produce the shared expectation, because its spans
 * leak on errors: the OpenAI instrumentation ends its chat span only on
 * success, and `withTool` never ends its span when the tool rejects. Either
 * way the failed span is never exported. The open span keeps the turn from
 * looking whole: it is decided incomplete, and the throwing tool's planned
 * call shows as never executed.
 */
export const OPENLLMETRY_EXPECTED: Record<Scenario, readonly string[]> = {
  ...EXPECTED_FINDINGS,
  provider_500: [],
  tool_throws: ['skipped_planned_call/logic'],
};
export const LEAKS_A_SPAN: ReadonlySet<Scenario> = new Set(['provider_500', 'tool_throws']);
