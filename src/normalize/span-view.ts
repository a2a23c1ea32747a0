import { digestArguments } from './content-hash.js';
import type { ContentDigest } from './content-hash.js';

/**
 * The convention-neutral view of one span that every signal reads.
 *
 * Adapters (one per instrumentation convention) produce it; signals never look
 * at raw attribute names, so a new convention plugs in without touching them.
 */

/** What part an agent span plays in a turn. */
export type SpanRole = 'turn_root' | 'llm_step' | 'tool_call' | 'other';

/** The instrumentation conventions an adapter can recognise. */
export type ConventionId = 'genai' | 'openinference' | 'ai_sdk' | 'openllmetry' | 'none';

/** A span event as signals see it: its name and attributes. */
export interface SpanEventView {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** A tool call an LLM step asked for in its output. */
export interface PlannedToolCall {
  readonly id: string | undefined;
  readonly name: string;
  /**
   * Digest of the planned arguments (see {@link SpanView.argsHash}). Only
   * replay fixtures read it, so adapters compute it on first read
   * ({@link plannedToolCall}).
   */
  readonly argsHash: ContentDigest | undefined;
}

/**
 * A planned call whose arguments (`undefined`: none to digest) are digested on
 * the first read of `argsHash`, not on the span path: no signal compares
 * planned arguments, only replay fixtures show them. Argument strings over
 * `maxContentChars` are sampled.
 */
export function plannedToolCall(id: string | undefined, name: string, args: unknown, maxContentChars = Number.POSITIVE_INFINITY): PlannedToolCall {
  return new LazyPlannedCall(id, name, args, maxContentChars);
}

/** A class, not an object literal with a getter: V8 builds those on a slow path, about 20 times dearer. */
class LazyPlannedCall implements PlannedToolCall {
  readonly id: string | undefined;
  readonly name: string;
  #args: unknown;
  readonly #maxContentChars: number;
  #argsHash: ContentDigest | undefined;

  constructor(id: string | undefined, name: string, args: unknown, maxContentChars: number) {
    this.id = id;
    this.name = name;
    this.#args = args;
    this.#maxContentChars = maxContentChars;
  }

  get argsHash(): ContentDigest | undefined {
    if (this.#args !== undefined) {
      this.#argsHash = digestArguments(this.#args, this.#maxContentChars);
      this.#args = undefined;
    }
    return this.#argsHash;
  }
}

/** A span's status code as signals see it. */
export type SpanOutcome = 'ok' | 'error' | 'unset';

/** Why an LLM step stopped, with every emitter's spelling mapped to one value. */
export type FinishReason = 'tool_calls' | 'stop' | 'length' | 'content_filter' | 'error' | 'other';

/** One span as every signal sees it, whatever convention it was written in: role, agent, tool, hashes, tokens, status and failure fields. */
export interface SpanView {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** True when the span has no parent in this process (no parent, or a remote one). */
  readonly isLocalRoot: boolean;
  readonly name: string;
  readonly convention: ConventionId;
  readonly role: SpanRole;
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  readonly serviceName: string | undefined;
  /** The span's own agent name; for LLM steps and tool calls without one, the agent of their turn as known when the span ended. */
  readonly agentName: string | undefined;
  readonly agentVersion: string | undefined;
  readonly conversationId: string | undefined;
  readonly model: string | undefined;
  readonly provider: string | undefined;
  /** Request parameters of an LLM step, when the instrumentation records them. */
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  /** `cloud.region` of the span's resource. */
  readonly region: string | undefined;
  readonly toolName: string | undefined;
  readonly toolCallId: string | undefined;
  /**
   * Digest of the tool arguments, when captured: equal exactly when the
   * canonical JSON of the arguments is (`sha256Of` gives its `sha256:<hex>`).
   */
  readonly argsHash: ContentDigest | undefined;
  /** Digest of the tool result, when captured (as `argsHash`). */
  readonly resultHash: ContentDigest | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly status: SpanOutcome;
  readonly statusMessage: string | undefined;
  readonly errorType: string | undefined;
  readonly httpStatusCode: number | undefined;
  /** `exception.type` of the first `exception` event, if any. */
  readonly exceptionType: string | undefined;
  readonly exceptionMessage: string | undefined;
  /** Tool calls this LLM step planned (empty for other roles). */
  readonly plannedToolCalls: readonly PlannedToolCall[];
  /** Why this LLM step stopped, when the instrumentation says. */
  readonly finishReason: FinishReason | undefined;
  /** Attributes that were present but unusable (wrong type, unparseable). */
  readonly malformed: readonly string[];
  /** Content attributes over `maxContentChars`: sampled or skimmed, not read whole. */
  readonly limited: readonly string[];
  /**
   * The span's raw attributes and events (references, not copies), for
   * signals configured to read a user-chosen key: a task type, a feedback
   * score, precomputed content hashes.
   */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly SpanEventView[];
}

/** HTTP status codes that mean the provider failed the call (server error or throttling). */
export function isProviderFailureStatus(code: number | undefined): boolean {
  return code !== undefined && (code >= 500 || code === 429);
}

/**
 * True when the span reports a failure in any of the ways instrumentations do:
 * status ERROR, `error.type`, an `exception` event on a span not explicitly OK,
 * or a server-error/throttling HTTP status. Libraries set different subsets.
 */
export function isFailed(view: SpanView): boolean {
  return (
    view.status === 'error' ||
    view.errorType !== undefined ||
    (view.exceptionType !== undefined && view.status !== 'ok') ||
    isProviderFailureStatus(view.httpStatusCode)
  );
}
