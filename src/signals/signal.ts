import type { z } from 'zod';
import type { SpanView } from '../normalize/span-view.js';
import type { JsonValue } from '../state/state-snapshot.js';
import type { StateNamespace } from '../state/state-store.js';
import type { TurnView } from '../turns/turn-view.js';

/** Every signal id, fixed: the scan CLI's output and other tools depend on them. */
export const SIGNAL_IDS = [
  'provider_error',
  'tool_error',
  'zero_tool_calls',
  'skipped_planned_call',
  'tool_latency_spike',
  'output_token_drop',
  'tool_result_mismatch',
  'satisfaction_drop',
] as const;
/** The id of a built-in signal, one of {@link SIGNAL_IDS}. */
export type SignalId = (typeof SIGNAL_IDS)[number];

/** Signals users add themselves are namespaced so they never collide with built-in ids. */
export type CustomSignalId = `custom.${string}`;
/** A built-in signal id or a custom signal's `custom.<name>`. */
export type SignalName = SignalId | CustomSignalId;
export const CUSTOM_SIGNAL_PATTERN = /^custom\.[a-z0-9_.-]+$/;

/** `hard`: page someone now. `soft`: log the evidence and flag it for review. */
export const SEVERITIES = ['hard', 'soft'] as const;
/** `hard` (page someone now) or `soft` (log the evidence, flag for review). */
export type Severity = (typeof SEVERITIES)[number];

/** Small, flat facts about a finding; they become span-event attributes. */
export type FindingDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** What a signal reports. The engine adds the signal's id, severity and action. */
export interface SignalReport {
  /** The span the finding concerns (an LLM step, a tool call, or the turn root). */
  readonly spanId: string;
  /** Overrides the signal's configured severity for this finding. */
  readonly severity?: Severity;
  readonly details?: FindingDetails;
  /**
   * `population`: a finding about many turns (e.g. satisfaction week over
   * week), not a failure of the turn it was noticed in. Default `turn`.
   */
  readonly scope?: FindingScope;
}

/** Scopes of a finding: `turn` (a failure of one turn) or `population` (about many turns). */
export const FINDING_SCOPES = ['turn', 'population'] as const;
/** One of {@link FINDING_SCOPES}. */
export type FindingScope = (typeof FINDING_SCOPES)[number];

/**
 * Why a signal cannot judge part of the traffic (one closed set for every
 * instrumentation gap, whether a span check or a signal found it):
 * - `unknown_convention`: spans look like agent spans but no adapter reads them;
 * - `content_not_captured`: content (tool arguments or results, planned calls) is not recorded;
 * - `missing_attribute`: a needed attribute (tool name, output-token count) is absent;
 * - `learned_non_deterministic`: a tool's repeats mostly differ, so it is exempt from now on;
 * - `score_out_of_range`: a feedback score lies outside the configured scale.
 */
export const HEALTH_CAUSES = ['unknown_convention', 'content_not_captured', 'missing_attribute', 'learned_non_deterministic', 'score_out_of_range'] as const;
/** One of {@link HEALTH_CAUSES}. */
export type HealthCause = (typeof HEALTH_CAUSES)[number];

/**
 * Something a signal cannot judge because of how the app is instrumented
 * (no content captured, a tool that is never deterministic). Reported once
 * per cause and subject, never as a failure.
 */
export interface HealthNotice {
  /** Why the signal cannot judge. */
  readonly cause: HealthCause;
  /** The normalised field the signal lacks (e.g. `outputTokens`), when a field is what is missing. */
  readonly field?: string;
  /** What the notice is about, e.g. a tool name; part of the "once" key. */
  readonly subject?: string;
  /** Facts that explain it, e.g. the score that was out of range. */
  readonly details?: FindingDetails;
}

/** What a signal reports through while it evaluates. */
export interface SignalContext {
  report(finding: SignalReport): void;
  health(notice: HealthNotice): void;
}

/** A feedback score recorded for an agent, through the API or read from a span. */
export interface FeedbackRecord {
  readonly score: number;
  readonly agentName: string | undefined;
  /** The span that carried the score, when it came from telemetry. */
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
}

/**
 * What the registry hands a factory besides its options: the clock, and
 * persistent state scoped to the signal (a baseline survives a restart).
 */
export interface SignalDeps {
  /** Milliseconds since the epoch; injected so tests and replays control time. */
  now(): number;
  /**
   * The signal's namespace `name` of the state store, holding at most
   * `maxKeys` keys; persisted values are validated with `schema` on first read.
   */
  state<T extends JsonValue>(name: string, schema: z.ZodType<T>, maxKeys?: number): StateNamespace<T>;
  /** Names and ids read from attributes (task types, precomputed hashes) longer than this are not used: they would be state keys. Default 1024. */
  readonly maxNameChars?: number;
}

/**
 * A failure signal. Signals collect findings through `ctx.report` and never
 * throw on odd input; if one does anyway, the engine isolates and counts it.
 */
export interface Signal {
  readonly id: SignalName;
  /** Evaluated when a span ends, on that span alone (streaming). */
  onSpan?(span: SpanView, ctx: SignalContext): void;
  /** Evaluated once per turn, when the turn is decided. */
  onTurn?(turn: TurnView, ctx: SignalContext): void;
  /** Evaluated when feedback is recorded through the processor's API. */
  onFeedback?(feedback: FeedbackRecord, ctx: SignalContext): void;
  toString(): string;
}
