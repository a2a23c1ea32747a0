import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import type { ConventionAdapter, ConventionFields, TurnStart } from './adapter.js';
import type { AttributeReader } from './attribute-reader.js';
import { hashArguments, hashAttribute } from './content-hash.js';
import { normalizeFinishReason } from './finish-reason.js';
import { nonEmpty } from './genai-adapter.js';
import type { PlannedToolCall, SpanRole } from './span-view.js';

// Vercel AI SDK 6 built-in telemetry (`experimental_telemetry`) and AI SDK 7's
// `LegacyOpenTelemetry`: spans named by `ai.operationId`, scope `ai`.
const OPERATION_ID = 'ai.operationId';
const FUNCTION_ID = 'ai.telemetry.functionId';
const METADATA_PREFIX = 'ai.telemetry.metadata.';
const CONVERSATION_METADATA_KEYS = ['conversationId', 'sessionId', 'threadId'].map(k => METADATA_PREFIX + k);
const TOOL_CALL_NAME = 'ai.toolCall.name';
const TOOL_CALL_ID = 'ai.toolCall.id';
const TOOL_CALL_ARGS = 'ai.toolCall.args';
const TOOL_CALL_RESULT = 'ai.toolCall.result';
const RESPONSE_TOOL_CALLS = 'ai.response.toolCalls';
const RESPONSE_FINISH_REASON = 'ai.response.finishReason';

/** The top-level calls that run a whole (multi-step) turn. */
const TURN_OPERATIONS: ReadonlySet<string> = new Set(['ai.generateText', 'ai.streamText']);
/** One provider call: `<turn operation>.doGenerate` / `.doStream`. */
const LLM_SUFFIXES = ['.doGenerate', '.doStream'];
const TOOL_OPERATION = 'ai.toolCall';

// `input` is a JSON string in v6 doGenerate but an object in doStream and v7
// legacy; AI SDK 4 called it `args`.
const responseToolCalls = z.array(
  z
    .object({
      toolCallId: z.string().optional(),
      toolName: z.string().min(1),
      input: z.unknown().optional(),
      args: z.unknown().optional(),
    })
    .loose(),
);

export const aiSdkAdapter: ConventionAdapter = {
  id: 'ai_sdk',

  matches(span: ReadableSpan): boolean {
    return span.attributes[OPERATION_ID] !== undefined;
  },

  read(attrs: AttributeReader): ConventionFields {
    const role = roleOf(attrs.string(OPERATION_ID));
    const common = {
      role,
      agentName: attrs.string(FUNCTION_ID),
      conversationId: attrs.firstString(...CONVERSATION_METADATA_KEYS),
      provider: attrs.firstString('ai.model.provider', 'gen_ai.system'),
      model: attrs.firstString('ai.response.model', 'ai.model.id'),
      inputTokens: attrs.firstCount('ai.usage.inputTokens', 'ai.usage.promptTokens'),
      outputTokens: attrs.firstCount('ai.usage.outputTokens', 'ai.usage.completionTokens'),
    };
    if (role === 'tool_call') {
      return {
        ...common,
        toolName: attrs.string(TOOL_CALL_NAME),
        toolCallId: attrs.string(TOOL_CALL_ID),
        argsHash: hashAttribute(attrs.raw(TOOL_CALL_ARGS)),
        resultHash: hashAttribute(attrs.raw(TOOL_CALL_RESULT)),
      };
    }
    if (role === 'llm_step') {
      return {
        ...common,
        plannedToolCalls: plannedCalls(attrs),
        finishReason: normalizeFinishReason(attrs.strings(RESPONSE_FINISH_REASON)),
      };
    }
    return common;
  },

  turnStart(span: ReadableSpan): TurnStart | undefined {
    const attributes = span.attributes;
    const operation = attributes[OPERATION_ID];
    if (typeof operation !== 'string' || !TURN_OPERATIONS.has(operation)) return undefined;
    return {
      agentName: nonEmpty(attributes[FUNCTION_ID]),
      agentVersion: undefined,
      conversationId: CONVERSATION_METADATA_KEYS.map(key => nonEmpty(attributes[key])).find(id => id !== undefined),
    };
  },
};

function roleOf(operation: string | undefined): SpanRole {
  if (operation === undefined) return 'other';
  if (TURN_OPERATIONS.has(operation)) return 'turn_root';
  if (operation === TOOL_OPERATION) return 'tool_call';
  if (LLM_SUFFIXES.some(suffix => operation.endsWith(suffix))) return 'llm_step';
  return 'other';
}

function plannedCalls(attrs: AttributeReader): PlannedToolCall[] | undefined {
  const value = attrs.json(RESPONSE_TOOL_CALLS);
  if (value === undefined) return undefined;
  const parsed = responseToolCalls.safeParse(value);
  if (!parsed.success) {
    attrs.malformed.push(RESPONSE_TOOL_CALLS);
    return undefined;
  }
  return parsed.data.map(call => {
    const args = call.input ?? call.args;
    const id = call.toolCallId === '' ? undefined : call.toolCallId;
    return { id, name: call.toolName, argsHash: args === undefined ? undefined : hashArguments(args) };
  });
}
