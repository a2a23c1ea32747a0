import type { MeterProvider } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import type { Finding } from '../engine/finding.js';
import { fixtureOptionsSchema } from '../fixtures/fixture-options.js';
import type { FixtureOptions } from '../fixtures/fixture-options.js';
import { webhookOptionsSchema } from '../alerts/webhook-options.js';
import type { WebhookAlertOptions } from '../alerts/webhook-options.js';
import { loopOptionsSchema } from '../loop/loop-options.js';
import type { LoopOptions } from '../loop/loop-options.js';
import type { HealthNoticeRecord } from '../health/instrumentation-health.js';
import type { StatePersistence } from '../state/state-snapshot.js';
import { signalOverrideSchema } from '../signals/signal-config.js';
import type { TaxonomyDefinition } from '../taxonomy/taxonomy.js';
import type { SignalOverride } from '../signals/signal-config.js';
import type { ConfiguredSignal } from '../signals/registry.js';
import { CUSTOM_SIGNAL_PATTERN, SEVERITIES } from '../signals/signal.js';
import { DEFAULT_MAX_CONTENT_CHARS, DEFAULT_MAX_NAME_CHARS } from '../normalize/attribute-reader.js';
import { SAMPLED_EDGE_CHARS } from '../normalize/content-hash.js';

/** Options of `new AgentTriageSpanProcessor(options)`; validated at construction (an invalid one throws a `ConfigError` naming the key). */
export interface AgentTriageSpanProcessorOptions {
  /** The exporting processor every span is handed to, e.g. `new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })`. */
  next: SpanProcessor;
  /** Where the failure metrics go. The default is a no-op meter. */
  meterProvider?: MeterProvider;
  /** Per-signal overrides of `signals/<id>.yaml`: `{ zero_tool_calls: { options: { maxConsecutiveStepsWithoutTools: 3 } } }`. */
  signals?: Record<string, SignalOverride>;
  /** Your own signals, run after the built-in ones. Ids must be `custom.<name>`; map them in your taxonomy or they land in its fallback class. */
  customSignals?: readonly ConfiguredSignal[];
  /** A preset name (`default`, `incident-review`, `mast`), the path of a taxonomy YAML file, or a definition. The default is `default`. */
  taxonomy?: TaxonomyDefinition | string;
  /** Called once per classified finding, when its turn is decided (the record). Errors it throws are counted and ignored. */
  onFinding?: (finding: Finding) => void;
  /**
   * Called once per failure as soon as it is known, with its route (the
   * control): span-level failures when their span ends, inside that span's
   * `end()`, so the agent can act before its next step; turn-level ones when
   * the turn is decided. Errors it throws are counted and ignored.
   */
  onFailure?: (finding: Finding) => void;
  /** Tools whose calls are safe to repeat: a transient failure of one may be retried within its class's bound. LLM calls always may. */
  idempotentTools?: string[];
  /** Write a replay fixture (and handoff packet) per failure into `fixtures.dir`; off when absent. */
  fixtures?: FixtureOptions;
  /** Fix tracking (loop latency) and rollout regressions; see docs/triage-loop.md. */
  loop?: LoopOptions;
  /** Post hard failures, regressions and rollback candidates to a webhook (Slack-compatible by default). */
  alerts?: WebhookAlertOptions;
  /** Traces with agent turns being assembled at once; past it the oldest is decided on what it has. The default value is 5000. */
  maxTurnsInFlight?: number;
  /** Spans remembered per trace; past it the turn is marked incomplete. The default value is 1000. */
  maxSpansPerTurn?: number;
  /** How long a turn root that ended before its children is held for them. The default value is 1000. */
  rootGraceMs?: number;
  /** Hold every turn root this long before deciding, for spans that arrive out of order (gateway). The default value is 0. */
  decisionWaitMs?: number;
  /** A trace with no span activity for this long is decided on what it has. The default value is 300000. */
  orphanTimeoutMs?: number;
  /** Distinct agent names used as metric labels; further names share `_overflow`. The default value is 100. */
  maxAgentLabels?: number;
  /** At most one `agent_triage.instrumentation_health` span event per cause, convention, signal and field in this window (a signal's notice is written once). The default value is 60000. */
  instrumentationHealthIntervalMs?: number;
  /**
   * Content attributes (tool arguments and results, output messages) longer
   * than this are not parsed whole: digests cover their length and first and
   * last KiB, planned calls are read with long strings stepped over; of a
   * longer status or exception message only the first this many characters
   * are read. Counted in `agent_triage.attributes.limited`. The default value
   * is 8192.
   */
  maxContentChars?: number;
  /**
   * Names and ids read from spans (tool, agent, model and provider names,
   * conversation and tool call ids, the names and ids of planned tool calls,
   * service name, finish reasons, task types, precomputed hashes) longer than
   * this are not read: they would become keys of state, maps and metric
   * labels. The span is judged without them (a planned call whose tool name is
   * not read is left out) and forwarded untouched; counted in
   * `agent_triage.attributes.limited` (task types and hashes: not counted). A
   * span's own name, shown in replay fixtures, is cut to this length.
   * `recordFeedback` with a longer agent name is refused and counted as
   * malformed. The default value is 1024.
   */
  maxNameChars?: number;
  /** Where stateful signals keep baselines and memories across restarts. */
  state?: StateOptions;
  /**
   * Called once per instrumentation gap when a signal cannot judge part of the
   * traffic: per cause, convention, signal and field for gaps a span check
   * finds, per signal, cause and subject for a signal's notice.
   */
  onHealthNotice?: (notice: HealthNoticeRecord) => void;
  /** Milliseconds since the epoch, for baselines and windows. The default is `Date.now`; replays and tests inject their own. */
  clock?: () => number;
}

export type { HealthNoticeRecord } from '../health/instrumentation-health.js';

/** Where stateful signals keep their baselines and memories (the `state` option). */
export interface StateOptions {
  /** The state file of the embedded store. The default is `$AGENT_TRIAGE_STATE_PATH`, else a file per working directory in the user's state folder (see `defaultStatePath`). */
  path?: string;
  /** Persist somewhere else (implement `StatePersistence`), or `false` to keep state in memory only. */
  persistence?: StatePersistence | false;
  /** Keys kept across all signals; past it the least recently used go. The default value is 100000. */
  maxKeys?: number;
  /** How often changed state is saved. The default value is 60000. */
  flushIntervalMs?: number;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';

const spanProcessorSchema = z.custom<SpanProcessor>(
  value =>
    typeof value === 'object' &&
    value !== null &&
    ['onStart', 'onEnd', 'forceFlush', 'shutdown'].every(m => isFunction((value as Record<string, unknown>)[m])),
  'expected a SpanProcessor (onStart, onEnd, forceFlush, shutdown)',
);

const positiveInt = z.number().int().positive();
const durationMs = z.number().min(0).max(Number.MAX_SAFE_INTEGER);

export const optionsSchema = z.strictObject({
  next: spanProcessorSchema,
  meterProvider: z
    .custom<MeterProvider>(value => typeof value === 'object' && value !== null && isFunction((value as Record<string, unknown>)['getMeter']), 'expected a MeterProvider')
    .optional(),
  signals: z.record(z.string(), signalOverrideSchema).optional(),
  // Checked in full by resolveTaxonomy, whose errors name the taxonomy's own keys.
  taxonomy: z
    .union([z.string().min(1), z.custom<TaxonomyDefinition>(value => typeof value === 'object' && value !== null, 'expected a taxonomy definition')])
    .optional(),
  customSignals: z
    .array(
      z.strictObject({
        signal: z.custom<ConfiguredSignal['signal']>(
          value => typeof value === 'object' && value !== null && CUSTOM_SIGNAL_PATTERN.test(String((value as Record<string, unknown>)['id'])),
          'expected a Signal whose id is custom.<name>',
        ),
        severity: z.enum(SEVERITIES),
        action: z.string().min(1),
      }),
    )
    .default([]),
  onFinding: z.custom<(finding: Finding) => void>(isFunction, 'expected a function').optional(),
  onFailure: z.custom<(finding: Finding) => void>(isFunction, 'expected a function').optional(),
  idempotentTools: z.array(z.string().min(1)).default([]),
  fixtures: fixtureOptionsSchema.optional(),
  loop: loopOptionsSchema.optional(),
  alerts: webhookOptionsSchema.optional(),
  maxTurnsInFlight: positiveInt.default(5000),
  maxSpansPerTurn: positiveInt.default(1000),
  rootGraceMs: durationMs.default(1000),
  decisionWaitMs: durationMs.default(0),
  orphanTimeoutMs: durationMs.default(300_000),
  maxAgentLabels: positiveInt.default(100),
  instrumentationHealthIntervalMs: durationMs.default(60_000),
  maxContentChars: z.number().int().min(2 * SAMPLED_EDGE_CHARS).default(DEFAULT_MAX_CONTENT_CHARS),
  maxNameChars: z.number().int().min(16).default(DEFAULT_MAX_NAME_CHARS),
  state: z
    .strictObject({
      path: z.string().min(1).optional(),
      persistence: z
        .union([
          z.literal(false),
          z.custom<StatePersistence>(
            value => typeof value === 'object' && value !== null && ['load', 'save'].every(m => isFunction((value as Record<string, unknown>)[m])),
            'expected false or a StatePersistence (load, save)',
          ),
        ])
        .optional(),
      maxKeys: positiveInt.default(100_000),
      flushIntervalMs: positiveInt.default(60_000),
    })
    .prefault({}),
  onHealthNotice: z.custom<(notice: HealthNoticeRecord) => void>(isFunction, 'expected a function').optional(),
  clock: z.custom<() => number>(isFunction, 'expected a function returning milliseconds').default(() => () => Date.now()),
});
export type ResolvedOptions = z.output<typeof optionsSchema>;
