/**
 * Local copies of the OpenTelemetry GenAI attribute names we read.
 *
 * The GenAI conventions moved out of `@opentelemetry/semantic-conventions`
 * (every `gen_ai.*` constant there is deprecated since 1.42 and only reachable
 * through `/incubating`, which libraries must not import at runtime), so we keep
 * our own. Deprecated names that instrumentations still emit are listed too.
 */

/** The kind of GenAI operation: `chat`, `invoke_agent`, `execute_tool`, ... */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** The GenAI provider, e.g. `openai`. */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** Deprecated upstream, replaced by `gen_ai.provider.name`; still emitted by older instrumentations. */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** Deprecated upstream, replaced by `gen_ai.usage.input_tokens`. */
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS = 'gen_ai.usage.prompt_tokens';
/** Deprecated upstream, replaced by `gen_ai.usage.output_tokens`. */
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS = 'gen_ai.usage.completion_tokens';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';

/** Values of `gen_ai.operation.name` that mark an agent turn (or workflow) root. */
export const TURN_ROOT_OPERATIONS: ReadonlySet<string> = new Set(['invoke_agent', 'invoke_workflow']);
/** Values of `gen_ai.operation.name` that mark one model inference (an LLM step). */
export const LLM_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content']);
export const TOOL_OPERATION = 'execute_tool';

/** Resource attribute (stable name, but only exported from the incubating entry point upstream). */
export const ATTR_CLOUD_REGION = 'cloud.region';

/** The span event the SDK records for exceptions (stable). */
export const EVENT_EXCEPTION = 'exception';
