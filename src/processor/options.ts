import type { MeterProvider } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import type { Finding } from '../engine/finding.js';
import { signalOverrideSchema } from '../signals/signal-config.js';
import { taxonomySchema } from '../taxonomy/taxonomy.js';
import type { TaxonomyDefinition } from '../taxonomy/taxonomy.js';
import type { SignalOverride } from '../signals/signal-config.js';

export interface AgentTriageSpanProcessorOptions {
  /** The exporting processor every span is handed to, e.g. `new BatchSpanProcessor(new OTLPTraceExporter())`. */
  next: SpanProcessor;
  /** Where the failure metrics go. The default is a no-op meter. */
  meterProvider?: MeterProvider;
  /** Per-signal overrides of `signals/<id>.yaml`: `{ zero_tool_calls: { options: { maxConsecutiveStepsWithoutTools: 3 } } }`. */
  signals?: Record<string, SignalOverride>;
  /** A taxonomy definition, or the path of a taxonomy YAML file. The default is `signals/taxonomies/default.yaml`. */
  taxonomy?: TaxonomyDefinition | string;
  /** Called once per classified finding, when its turn is decided. Errors it throws are counted and ignored. */
  onFinding?: (finding: Finding) => void;
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
  /** At most one `agent_triage.instrumentation_health` span event per cause, convention, signal and field in this window. The default value is 60000. */
  instrumentationHealthIntervalMs?: number;
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
  taxonomy: z.union([z.string().min(1), taxonomySchema]).optional(),
  onFinding: z.custom<(finding: Finding) => void>(isFunction, 'expected a function').optional(),
  maxTurnsInFlight: positiveInt.default(5000),
  maxSpansPerTurn: positiveInt.default(1000),
  rootGraceMs: durationMs.default(1000),
  decisionWaitMs: durationMs.default(0),
  orphanTimeoutMs: durationMs.default(300_000),
  maxAgentLabels: positiveInt.default(100),
  instrumentationHealthIntervalMs: durationMs.default(60_000),
});
export type ResolvedOptions = z.output<typeof optionsSchema>;
