/**
 * Every attribute and event name this package writes, under one namespace.
 * The tables in docs/spans.md list the same names.
 */

/** Span event added to the failing span and to its turn's root, one per finding. */
export const EVENT_TRIAGE_FAILURE = 'agent_triage.failure';
/**
 * Span event for a finding about many turns (`satisfaction_drop`), on the turn
 * root whose feedback revealed it; it does not mark that turn failed.
 */
export const EVENT_TRIAGE_POPULATION_FINDING = 'agent_triage.population_finding';

/** The signal id of a finding (event attribute and metric label). */
export const ATTR_TRIAGE_SIGNAL = 'agent_triage.signal';
/** The primary class of a finding. */
export const ATTR_TRIAGE_CLASS = 'agent_triage.class';
/** The secondary classes of a finding (string array), when any. */
export const ATTR_TRIAGE_SECONDARY_CLASSES = 'agent_triage.class.secondary';
/** `hard` or `soft`; on a turn root, `hard` if any finding is. */
export const ATTR_TRIAGE_SEVERITY = 'agent_triage.severity';
/** The immediate action the signal's settings give. */
export const ATTR_TRIAGE_ACTION = 'agent_triage.action';
/** The class's remediation surface (`prompt`, `tool_config`, …). */
export const ATTR_TRIAGE_REMEDIATION_SURFACE = 'agent_triage.remediation.surface';
/** Who owns the fix of the class. */
export const ATTR_TRIAGE_REMEDIATION_OWNER = 'agent_triage.remediation.owner';
/** The class's decision: `stop`, `retry` or `handoff`. */
export const ATTR_TRIAGE_REMEDIATION_DECISION = 'agent_triage.remediation.decision';
/** Stable id of this kind of failure: a hash of signal, class, agent and tool. */
export const ATTR_TRIAGE_FINGERPRINT = 'agent_triage.fingerprint';
/** The span the finding concerns (on the root's copy of a step's finding, the step). */
export const ATTR_TRIAGE_SPAN_ID = 'agent_triage.span_id';
/** Prefix of the signal-specific facts of a finding, e.g. `agent_triage.detail.transient`. */
export const ATTR_TRIAGE_DETAIL_PREFIX = 'agent_triage.detail.';

/** Route (the class's remediation applied to this failure): the effective decision, `stop`, `retry` or `handoff`. */
export const ATTR_TRIAGE_ROUTE_DECISION = 'agent_triage.route.decision';
/** Why the effective decision is what it is: `class`, `not_transient`, `not_idempotent`, `retries_exhausted`. */
export const ATTR_TRIAGE_ROUTE_REASON = 'agent_triage.route.reason';
/** `true` when the agent must not take its next step on its own. */
export const ATTR_TRIAGE_ROUTE_STOPS_RUN = 'agent_triage.route.stops_run';
/** For a granted retry: this failure's attempt number within the trace. */
export const ATTR_TRIAGE_ROUTE_RETRY_ATTEMPT = 'agent_triage.route.retry_attempt';
/** For a class that retries: the bound on attempts. */
export const ATTR_TRIAGE_ROUTE_MAX_ATTEMPTS = 'agent_triage.route.max_attempts';
/** The queue, channel or team the class hands failures to. */
export const ATTR_TRIAGE_ROUTE_HANDOFF_TARGET = 'agent_triage.route.handoff_target';
/** The evidence kinds the class preserves (string array). */
export const ATTR_TRIAGE_ROUTE_EVIDENCE = 'agent_triage.route.evidence';
/** The metric or condition that makes the class a rollback case. */
export const ATTR_TRIAGE_ROUTE_ROLLBACK_TRIGGER = 'agent_triage.route.rollback_trigger';
/** On the turn root's event: the replay fixture written for this failure. */
export const ATTR_TRIAGE_FIXTURE_ID = 'agent_triage.fixture_id';

/** Turn-root summary: `ok` or `failed`. A tail-sampling `string_attribute` policy can key on it. */
export const ATTR_TRIAGE_TURN_OUTCOME = 'agent_triage.turn.outcome';
/** Turn-root summary: sorted, comma-separated primary classes of the turn's failures. */
export const ATTR_TRIAGE_FAILURE_CLASSES = 'agent_triage.failure_classes';
/** Turn-root summary: sorted, comma-separated signals that fired in the turn. */
export const ATTR_TRIAGE_FAILURE_SIGNALS = 'agent_triage.failure_signals';
/** Turn-root summary: the number of findings in the turn. */
export const ATTR_TRIAGE_FAILURE_COUNT = 'agent_triage.failure_count';
/** Turn-root summary: `true` when the turn was evicted or truncated before it was seen whole. */
export const ATTR_TRIAGE_TURN_INCOMPLETE = 'agent_triage.turn.incomplete';

/**
 * Metric label of `agent_triage.failures`: the agent nested in the turn's agent
 * whose span the finding concerns, when its name differs (bounded like agent names).
 */
export const ATTR_TRIAGE_INNER_AGENT = 'agent_triage.inner_agent.name';
/** Metric label: why a turn was evicted, or where an internal error happened. */
export const ATTR_TRIAGE_REASON = 'agent_triage.reason';
/** Metric label: which attribute was malformed. */
export const ATTR_TRIAGE_ATTRIBUTE = 'agent_triage.attribute';

/** Diagnostic span event: a signal cannot judge this span or turn as instrumented (rate-limited per cause, convention, signal and field). */
export const EVENT_TRIAGE_INSTRUMENTATION_HEALTH = 'agent_triage.instrumentation_health';
/** Why a signal cannot judge: one of `HEALTH_CAUSES` (`unknown_convention`, `content_not_captured`, `missing_attribute`, `learned_non_deterministic`, `score_out_of_range`). */
export const ATTR_TRIAGE_HEALTH_CAUSE = 'agent_triage.health.cause';
/** The normalised field the signal needed (`toolName`, `argsHash`, `resultHash`, `plannedToolCalls`, `outputTokens`, `convention`, `score`). */
export const ATTR_TRIAGE_HEALTH_FIELD = 'agent_triage.health.field';
/** What a signal's notice is about, e.g. the tool learned non-deterministic. */
export const ATTR_TRIAGE_HEALTH_SUBJECT = 'agent_triage.health.subject';
/** The instrumentation convention that described the span (`genai`, `openinference`, `ai_sdk`, `openllmetry`, `none`). */
export const ATTR_TRIAGE_CONVENTION = 'agent_triage.convention';

/** Metric label of `agent_triage.loop.time_to_fix`: `auto` (a newer version ran clean) or `manual`. */
export const ATTR_TRIAGE_FIXED_BY = 'agent_triage.fixed_by';
