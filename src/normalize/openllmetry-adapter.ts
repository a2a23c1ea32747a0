import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
} from '../semconv.js';
import type { ConventionAdapter, ConventionFields, TurnStart } from './adapter.js';
import type { AttributeReader } from './attribute-reader.js';
import { digestValue } from './content-hash.js';
import type { ContentDigest } from './content-hash.js';
import { normalizeFinishReason } from './finish-reason.js';
import { genAiTurnFacts, readGenAi } from './genai-adapter.js';
import { plannedCallsFromIndexedKeys } from './indexed-tool-calls.js';

// OpenLLMetry / Traceloop (`@traceloop/ai-semantic-conventions`). Its current
// instrumentations emit GenAI keys, so this adapter runs before the GenAI one
// and claims only spans with Traceloop's own keys: entity spans from the
// `withAgent`/`withTool` decorators, and the legacy (<= 0.22) indexed format.
const SPAN_KIND = 'traceloop.span.kind';
const SCOPE_PREFIX = '@traceloop/';
/** The decorators' scope; they name spans `<entity>.<kind>` and set every attribute after start. */
const DECORATOR_SCOPE = '@traceloop/node-server-sdk';
const TURN_SPAN_NAME = /^(.+)\.(agent|workflow)$/;
const WORKFLOW_NAME = 'traceloop.workflow.name';
const ENTITY_NAME = 'traceloop.entity.name';
const ENTITY_INPUT = 'traceloop.entity.input';
const ENTITY_OUTPUT = 'traceloop.entity.output';
const LLM_REQUEST_TYPE = 'llm.request.type';
const LEGACY_COMPLETIONS = 'gen_ai.completion.';
const LEGACY_FIRST_FINISH_REASON = 'gen_ai.completion.0.finish_reason';
const LEGACY_TOOL_CALLS = {
  messages: LEGACY_COMPLETIONS,
  calls: 'tool_calls.',
  name: 'name',
  arguments: 'arguments',
  id: 'id',
};
const TURN_KINDS: ReadonlySet<string> = new Set(['agent', 'workflow']);

export const openLlmetryAdapter: ConventionAdapter = {
  id: 'openllmetry',

  matches(span: ReadableSpan): boolean {
    const a = span.attributes;
    return (
      span.instrumentationScope.name.startsWith(SCOPE_PREFIX) ||
      a[SPAN_KIND] !== undefined ||
      a[WORKFLOW_NAME] !== undefined ||
      a[LLM_REQUEST_TYPE] !== undefined ||
      a[LEGACY_FIRST_FINISH_REASON] !== undefined
    );
  },

  read(attrs: AttributeReader, span: ReadableSpan, into: ConventionFields): void {
    const kind = attrs.string(SPAN_KIND);
    if (kind !== undefined && TURN_KINDS.has(kind)) {
      readGenAi(attrs, into);
      into.role = 'turn_root';
      into.agentName = attrs.firstString(ATTR_GEN_AI_AGENT_NAME, ENTITY_NAME);
      return;
    }
    if (kind === 'tool') {
      readTool(attrs, into);
      return;
    }
    readGenAi(attrs, into);
    if (kind !== undefined) {
      into.role = 'other';
      return;
    }
    if (attrs.has(ATTR_GEN_AI_OPERATION_NAME)) return;
    // Legacy: no operation name; tool calls as `gen_ai.completion.<i>.tool_calls.<j>.{name,arguments}`.
    into.role = 'llm_step';
    into.plannedToolCalls = attrs.plannedCalls(plannedCallsFromIndexedKeys(span.attributes, LEGACY_TOOL_CALLS, attrs.maxContentChars), 'gen_ai.completion');
    into.finishReason = normalizeFinishReason(attrs.strings(LEGACY_FIRST_FINISH_REASON));
  },

  turnStart(span: ReadableSpan, underAgentSpan: boolean): TurnStart | undefined {
    const kind = span.attributes[SPAN_KIND];
    if (typeof kind === 'string') return TURN_KINDS.has(kind) ? genAiTurnFacts(span.attributes) : undefined;
    // `withAgent` / `withWorkflow` at the top: only the span name says so at start.
    const named = underAgentSpan || span.instrumentationScope.name !== DECORATOR_SCOPE ? null : TURN_SPAN_NAME.exec(span.name);
    return named ? { agentName: named[1], agentVersion: undefined, conversationId: undefined } : undefined;
  },
};

function readTool(attrs: AttributeReader, into: ConventionFields): void {
  readGenAi(attrs, into);
  into.role = 'tool_call';
  into.toolName = attrs.firstString(ATTR_GEN_AI_TOOL_NAME, ENTITY_NAME);
  into.toolCallId = attrs.string(ATTR_GEN_AI_TOOL_CALL_ID);
  // Traceloop rewrites AI SDK tool spans with GenAI keys; its decorators only set entity keys.
  into.argsHash = attrs.has(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS) ? attrs.digest(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS) : entityInputDigest(attrs.json(ENTITY_INPUT));
  into.resultHash = attrs.has(ATTR_GEN_AI_TOOL_CALL_RESULT) ? attrs.digest(ATTR_GEN_AI_TOOL_CALL_RESULT) : attrs.digest(ENTITY_OUTPUT);
}

/**
 * The decorators record input as `{"args":[...],"kwargs":{...}}`. Hash what the
 * tool was called with (one argument, or the kwargs), not the envelope, so it
 * compares with the arguments an LLM step planned.
 */
function entityInputDigest(input: unknown): ContentDigest | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null) return digestValue(input);
  const { args, kwargs } = input as { args?: unknown; kwargs?: unknown };
  if (kwargs !== null && typeof kwargs === 'object' && Object.keys(kwargs).length > 0) return digestValue(kwargs);
  if (Array.isArray(args)) return digestValue(args.length === 1 ? args[0] : args);
  return digestValue(input);
}
