import type { PlannedToolCall, SpanRole, SpanView } from '../normalize/span-view.js';

/** How a failed step failed: the view's failure fields, what replay needs to re-run span-level signals. */
export type StepError = Pick<SpanView, 'status' | 'statusMessage' | 'errorType' | 'httpStatusCode' | 'exceptionType' | 'exceptionMessage'>;

/** One message of an LLM step, kept only when replay fixtures opt in to message content. */
export interface StepMessage {
  readonly role: string;
  readonly content: string;
}

/** The compact record a turn keeps of one LLM step or tool call (never the span itself). */
export interface StepSummary {
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly role: Extract<SpanRole, 'llm_step' | 'tool_call'>;
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly failed: boolean;
  readonly toolName: string | undefined;
  readonly toolCallId: string | undefined;
  readonly argsHash: string | undefined;
  readonly outputTokens: number | undefined;
  readonly plannedToolCalls: readonly PlannedToolCall[];
  // What replay fixtures need.
  readonly resultHash: string | undefined;
  readonly model: string | undefined;
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly region: string | undefined;
  /** Set when the step failed or carries a failure HTTP status. */
  readonly error: StepError | undefined;
  /** Input and output messages of an LLM step, bounded; only when fixtures opt in to content. */
  readonly messages: readonly StepMessage[] | undefined;
}

/** What turn-level signals see when a turn is decided. */
export interface TurnView {
  readonly traceId: string;
  readonly rootSpanId: string;
  /** The root span's view; undefined when the turn was evicted before its root ended. */
  readonly root: SpanView | undefined;
  readonly agentName: string | undefined;
  readonly agentVersion: string | undefined;
  readonly conversationId: string | undefined;
  /** LLM steps and tool calls in start order. */
  readonly steps: readonly StepSummary[];
  /** True when the turn was evicted or truncated: signals see only part of it. */
  readonly incomplete: boolean;
}
