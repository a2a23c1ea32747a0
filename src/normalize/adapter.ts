import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { AttributeReader } from './attribute-reader.js';
import type { ContentDigest } from './content-hash.js';
import type { ConventionId, FinishReason, PlannedToolCall, SpanRole } from './span-view.js';

/**
 * The part of a {@link SpanView} that depends on the instrumentation
 * convention. An adapter fills it in place on the view being built (every
 * field starts undefined, `role` as `other`, `plannedToolCalls` empty): one
 * object per span, whatever the convention.
 */
export interface ConventionFields {
  role: SpanRole;
  agentName: string | undefined;
  agentVersion: string | undefined;
  conversationId: string | undefined;
  model: string | undefined;
  provider: string | undefined;
  /** Request parameters of an LLM step (kept for replay fixtures). */
  temperature: number | undefined;
  maxTokens: number | undefined;
  toolName: string | undefined;
  toolCallId: string | undefined;
  argsHash: ContentDigest | undefined;
  resultHash: ContentDigest | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  plannedToolCalls: readonly PlannedToolCall[];
  finishReason: FinishReason | undefined;
}

/** What a span that starts a turn says about it at start (before its children run). */
export interface TurnStart {
  readonly agentName: string | undefined;
  readonly agentVersion: string | undefined;
  readonly conversationId: string | undefined;
}

/**
 * Reads one instrumentation convention. Adapters are tried in order and the
 * first whose `matches` is true describes the span; convention-independent
 * facts (ids, times, status, exceptions, HTTP status) are read once elsewhere.
 */
export interface ConventionAdapter {
  readonly id: ConventionId;
  /**
   * A cheap test, run on every span at start and at end: does the span carry
   * this convention's keys (or come from its instrumentation scope)?
   */
  matches(span: ReadableSpan): boolean;
  /** Fills `into` (see {@link ConventionFields}) from the span's attributes. */
  read(attributes: AttributeReader, span: ReadableSpan, into: ConventionFields): void;
  /**
   * Called at span start, when only what the instrumentation passed to
   * `startSpan` is known (some set every attribute later, so name and scope
   * matter): returns the turn's facts when the span opens an agent turn, else
   * undefined. `underAgentSpan` is true when the parent is already tracked.
   */
  turnStart(span: ReadableSpan, underAgentSpan: boolean): TurnStart | undefined;
}
