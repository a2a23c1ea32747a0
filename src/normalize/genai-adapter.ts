import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  LLM_OPERATIONS,
  TOOL_OPERATION,
  TURN_ROOT_OPERATIONS,
} from '../semconv.js';
import type { ConventionAdapter, ConventionFields, TurnStart } from './adapter.js';
import type { AttributeReader } from './attribute-reader.js';
import { normalizeFinishReason } from './finish-reason.js';
import { plannedCallsFromOutputMessages } from './genai-messages.js';
import type { SpanRole } from './span-view.js';

/**
 * OpenTelemetry GenAI semantic conventions, current names first and the
 * deprecated ones still in the wild (`gen_ai.system`, `prompt_tokens`,
 * `completion_tokens`) as fallbacks. Also AI SDK 7 (`@ai-sdk/otel`): its
 * `agent_step` spans are plain grouping spans (role `other`) and its raw
 * finish reasons (`tool-calls`) are normalised.
 */
export const genAiAdapter: ConventionAdapter = {
  id: 'genai',

  matches(span: ReadableSpan): boolean {
    const a = span.attributes;
    return (
      a[ATTR_GEN_AI_OPERATION_NAME] !== undefined ||
      a[ATTR_GEN_AI_PROVIDER_NAME] !== undefined ||
      a[ATTR_GEN_AI_SYSTEM] !== undefined ||
      a[ATTR_GEN_AI_TOOL_NAME] !== undefined
    );
  },

  read: (attrs, _span, into) => {
    readGenAi(attrs, into);
  },
  turnStart: genAiTurnStart,
};

/** Turn roots are known at start: `invoke_agent` / `invoke_workflow` set the operation name up front. */
export function genAiTurnStart(span: ReadableSpan): TurnStart | undefined {
  const operation = span.attributes[ATTR_GEN_AI_OPERATION_NAME];
  if (typeof operation !== 'string' || !TURN_ROOT_OPERATIONS.has(operation)) return undefined;
  return genAiTurnFacts(span.attributes);
}

/** Agent name, version and conversation id as GenAI attributes carry them (also on other conventions' spans). */
export function genAiTurnFacts(attributes: Attributes): TurnStart {
  return {
    agentName: nonEmpty(attributes[ATTR_GEN_AI_AGENT_NAME]),
    agentVersion: nonEmpty(attributes[ATTR_GEN_AI_AGENT_VERSION]),
    conversationId: nonEmpty(attributes[ATTR_GEN_AI_CONVERSATION_ID]),
  };
}

export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads a span in GenAI terms; OpenLLMetry's current output is GenAI and reuses it. */
export function readGenAi(attrs: AttributeReader, into: ConventionFields): void {
  const role = roleOf(attrs);
  into.role = role;
  into.agentName = attrs.string(ATTR_GEN_AI_AGENT_NAME);
  into.agentVersion = attrs.string(ATTR_GEN_AI_AGENT_VERSION);
  into.conversationId = attrs.string(ATTR_GEN_AI_CONVERSATION_ID);
  into.provider = attrs.firstString(ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_SYSTEM);
  into.model = attrs.firstString(ATTR_GEN_AI_RESPONSE_MODEL, ATTR_GEN_AI_REQUEST_MODEL);
  into.inputTokens = attrs.firstCount(ATTR_GEN_AI_USAGE_INPUT_TOKENS, ATTR_GEN_AI_USAGE_PROMPT_TOKENS);
  into.outputTokens = attrs.firstCount(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, ATTR_GEN_AI_USAGE_COMPLETION_TOKENS);
  if (role === 'tool_call') {
    into.toolName = attrs.string(ATTR_GEN_AI_TOOL_NAME);
    into.toolCallId = attrs.string(ATTR_GEN_AI_TOOL_CALL_ID);
    into.argsHash = attrs.digest(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS);
    into.resultHash = attrs.digest(ATTR_GEN_AI_TOOL_CALL_RESULT);
  } else if (role === 'llm_step') {
    // Planned calls come from LLM steps only: an agent span's own output may
    // repeat every tool call of the turn.
    const planned = attrs.jsonWith(ATTR_GEN_AI_OUTPUT_MESSAGES, plannedCallsFromOutputMessages);
    if (planned !== undefined) into.plannedToolCalls = attrs.plannedCalls(planned, ATTR_GEN_AI_OUTPUT_MESSAGES);
    into.finishReason = normalizeFinishReason(attrs.strings(ATTR_GEN_AI_RESPONSE_FINISH_REASONS));
    into.temperature = attrs.number(ATTR_GEN_AI_REQUEST_TEMPERATURE);
    into.maxTokens = attrs.count(ATTR_GEN_AI_REQUEST_MAX_TOKENS);
  }
}

function roleOf(attrs: AttributeReader): SpanRole {
  const operation = attrs.string(ATTR_GEN_AI_OPERATION_NAME);
  if (operation !== undefined) {
    if (TURN_ROOT_OPERATIONS.has(operation)) return 'turn_root';
    if (LLM_OPERATIONS.has(operation)) return 'llm_step';
    if (operation === TOOL_OPERATION) return 'tool_call';
    return 'other';
  }
  // Instrumentations that predate `gen_ai.operation.name` still name a tool or a provider.
  if (attrs.has(ATTR_GEN_AI_TOOL_NAME)) return 'tool_call';
  if (attrs.has(ATTR_GEN_AI_PROVIDER_NAME) || attrs.has(ATTR_GEN_AI_SYSTEM)) return 'llm_step';
  return 'other';
}
