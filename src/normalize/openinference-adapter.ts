import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ConventionAdapter, ConventionFields, TurnStart } from './adapter.js';
import type { AttributeReader } from './attribute-reader.js';
import { digestAttribute } from './content-hash.js';
import type { ContentDigest } from './content-hash.js';
import { normalizeFinishReason } from './finish-reason.js';
import { nonEmpty } from './genai-adapter.js';
import { isRecord } from './genai-messages.js';
import { plannedCallsFromIndexedKeys } from './indexed-tool-calls.js';
import type { SpanRole } from './span-view.js';

// Arize OpenInference (`@arizeai/openinference-semantic-conventions`): the
// span kind is the UPPERCASE `openinference.span.kind`; lists are flattened.
const SPAN_KIND = 'openinference.span.kind';
/** OpenInference's tracer sets every attribute after start: at start only the scope says it is one of its spans. */
const SCOPE_PREFIX = '@arizeai/openinference-instrumentation';
const AGENT_NAME = 'agent.name';
const SESSION_ID = 'session.id';
const TOOL_NAME = 'tool.name';
const INPUT_VALUE = 'input.value';
const OUTPUT_VALUE = 'output.value';
const OUTPUT_MESSAGES = 'llm.output_messages.';
const OUTPUT_TOOL_CALLS = {
  messages: OUTPUT_MESSAGES,
  calls: 'message.tool_calls.',
  name: 'tool_call.function.name',
  arguments: 'tool_call.function.arguments',
  id: 'tool_call.id',
};

export const openInferenceAdapter: ConventionAdapter = {
  id: 'openinference',

  matches(span: ReadableSpan): boolean {
    return span.attributes[SPAN_KIND] !== undefined || span.instrumentationScope.name.startsWith(SCOPE_PREFIX);
  },

  read(attrs: AttributeReader, span: ReadableSpan, into: ConventionFields): void {
    const isLocalRoot = span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;
    const role = roleOf(attrs.string(SPAN_KIND), isLocalRoot);
    into.role = role;
    // LangGraph names its top chain after the agent and sets no `agent.name`.
    into.agentName = attrs.string(AGENT_NAME) ?? (role === 'turn_root' ? attrs.name(span.name, 'span.name') : undefined);
    into.conversationId = attrs.string(SESSION_ID);
    into.provider = attrs.firstString('llm.provider', 'llm.system');
    into.model = attrs.firstString('llm.response.model_name', 'llm.model_name', 'llm.request.model_name');
    into.inputTokens = attrs.count('llm.token_count.prompt');
    into.outputTokens = attrs.count('llm.token_count.completion');
    if (role === 'tool_call') {
      into.toolName = attrs.string(TOOL_NAME) ?? attrs.name(span.name, 'span.name');
      // Python instrumentations set one of these; LangChain.js and OpenAI Agents set neither.
      into.toolCallId = attrs.firstString('tool_call.id', 'tool.id');
      into.argsHash = attrs.digest(INPUT_VALUE);
      // A failed tool's output is the error, not a result worth comparing.
      into.resultHash = span.status.code === SpanStatusCode.ERROR ? undefined : toolResultDigest(attrs);
    } else if (role === 'llm_step') {
      into.plannedToolCalls = attrs.plannedCalls(plannedCallsFromIndexedKeys(span.attributes, OUTPUT_TOOL_CALLS, attrs.maxContentChars), 'llm.output_messages');
      into.finishReason = normalizeFinishReason(attrs.strings('llm.finish_reason'));
    }
  },

  turnStart(span: ReadableSpan, underAgentSpan: boolean): TurnStart | undefined {
    const attributes = span.attributes;
    const kind = attributes[SPAN_KIND];
    // An AGENT opens a turn anywhere; otherwise the top span does (LangGraph's
    // agent is a CHAIN named after the graph). The kind is usually unknown yet.
    const opens = kind === 'AGENT' || (!underAgentSpan && (kind === undefined || kind === 'CHAIN'));
    if (!opens) return undefined;
    return {
      agentName: nonEmpty(attributes[AGENT_NAME]) ?? nonEmpty(span.name),
      agentVersion: undefined,
      conversationId: nonEmpty(attributes[SESSION_ID]),
    };
  },
};

function roleOf(kind: string | undefined, isLocalRoot: boolean): SpanRole {
  switch (kind) {
    case 'AGENT':
      return 'turn_root';
    case 'CHAIN':
      return isLocalRoot ? 'turn_root' : 'other';
    case 'LLM':
      return 'llm_step';
    case 'TOOL':
      return 'tool_call';
    default:
      return 'other';
  }
}

/**
 * LangChain serialises a tool's output as a ToolMessage whose envelope holds
 * the call id and a fresh message id, so digesting it whole would make every
 * call "differ": digest the message content instead. Other outputs (and
 * outputs over the content limit) digest as they are.
 */
function toolResultDigest(attrs: AttributeReader): ContentDigest | undefined {
  const value = attrs.raw(OUTPUT_VALUE);
  if (typeof value !== 'string' || value.length > attrs.maxContentChars || !value.includes('"ToolMessage"')) {
    return attrs.digest(OUTPUT_VALUE);
  }
  try {
    const content = toolMessageContent(JSON.parse(value) as unknown);
    if (content === undefined) return attrs.digest(OUTPUT_VALUE);
    return digestAttribute(typeof content === 'string' ? content : JSON.stringify(content), attrs.maxContentChars);
  } catch {
    return attrs.digest(OUTPUT_VALUE);
  }
}

/** `{output: {lc, type: 'constructor', id: [..., 'ToolMessage'], kwargs: {content}}}` or the message itself. */
function toolMessageContent(parsed: unknown): unknown {
  const message = isRecord(parsed) && isRecord(parsed['output']) ? parsed['output'] : parsed;
  if (!isRecord(message) || !isRecord(message['kwargs'])) return undefined;
  return message['kwargs']['content'];
}
