import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ConventionAdapter, ConventionFields, TurnStart } from './adapter.js';
import type { AttributeReader } from './attribute-reader.js';
import { normalizeFinishReason } from './finish-reason.js';
import { nonEmpty } from './genai-adapter.js';
import { isRecord } from './genai-messages.js';
import { holdsSkipped } from './json-skim.js';
import { plannedToolCall } from './span-view.js';
import type { PlannedToolCall, SpanRole } from './span-view.js';

// Vercel AI SDK 6 built-in telemetry (`experimental_telemetry`) and AI SDK 7's
// `LegacyOpenTelemetry`: spans named by `ai.operationId`, scope `ai`.
const OPERATION_ID = 'ai.operationId';
const FUNCTION_ID = 'ai.telemetry.functionId';
const METADATA_PREFIX = 'ai.telemetry.metadata.';
const [CONVERSATION_ID_KEY, SESSION_ID_KEY, THREAD_ID_KEY] = ['conversationId', 'sessionId', 'threadId'].map(k => METADATA_PREFIX + k) as [string, string, string];
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

export const aiSdkAdapter: ConventionAdapter = {
  id: 'ai_sdk',

  matches(span: ReadableSpan): boolean {
    return span.attributes[OPERATION_ID] !== undefined;
  },

  read(attrs: AttributeReader, _span: ReadableSpan, into: ConventionFields): void {
    const role = roleOf(attrs.string(OPERATION_ID));
    into.role = role;
    into.agentName = attrs.string(FUNCTION_ID);
    into.conversationId = attrs.firstString(CONVERSATION_ID_KEY, SESSION_ID_KEY, THREAD_ID_KEY);
    into.provider = attrs.firstString('ai.model.provider', 'gen_ai.system');
    into.model = attrs.firstString('ai.response.model', 'ai.model.id');
    into.inputTokens = attrs.firstCount('ai.usage.inputTokens', 'ai.usage.promptTokens');
    into.outputTokens = attrs.firstCount('ai.usage.outputTokens', 'ai.usage.completionTokens');
    if (role === 'tool_call') {
      into.toolName = attrs.string(TOOL_CALL_NAME);
      into.toolCallId = attrs.string(TOOL_CALL_ID);
      into.argsHash = attrs.digest(TOOL_CALL_ARGS);
      into.resultHash = attrs.digest(TOOL_CALL_RESULT);
    } else if (role === 'llm_step') {
      const planned = attrs.jsonWith(RESPONSE_TOOL_CALLS, plannedCalls);
      if (planned !== undefined) into.plannedToolCalls = attrs.plannedCalls(planned, RESPONSE_TOOL_CALLS);
      into.finishReason = normalizeFinishReason(attrs.strings(RESPONSE_FINISH_REASON));
    }
  },

  turnStart(span: ReadableSpan): TurnStart | undefined {
    const attributes = span.attributes;
    const operation = attributes[OPERATION_ID];
    if (typeof operation !== 'string' || !TURN_OPERATIONS.has(operation)) return undefined;
    return {
      agentName: nonEmpty(attributes[FUNCTION_ID]),
      agentVersion: undefined,
      conversationId: nonEmpty(attributes[CONVERSATION_ID_KEY]) ?? nonEmpty(attributes[SESSION_ID_KEY]) ?? nonEmpty(attributes[THREAD_ID_KEY]),
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

/**
 * `ai.response.toolCalls`: `[{toolCallId?, toolName, input?|args?}]`. `input`
 * is a JSON string in v6 doGenerate but an object in doStream and v7 legacy;
 * AI SDK 4 called it `args`. Any element without a tool name makes the whole
 * value malformed (undefined).
 */
function plannedCalls(value: unknown, skimmed: boolean): PlannedToolCall[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const planned: PlannedToolCall[] = [];
  for (const call of value) {
    if (!isRecord(call)) return undefined;
    const { toolCallId, toolName, input, args: legacyArgs } = call;
    if (typeof toolName !== 'string' || toolName === '' || (toolCallId !== undefined && typeof toolCallId !== 'string')) return undefined;
    const args = input ?? legacyArgs;
    const digestible = args !== undefined && !(skimmed && holdsSkipped(args));
    planned.push(plannedToolCall(toolCallId === '' ? undefined : toolCallId, toolName, digestible ? args : undefined));
  }
  return planned;
}
