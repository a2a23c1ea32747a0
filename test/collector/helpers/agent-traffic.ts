import { createHash } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SignalId, SignalOverride } from '../../../src/index.js';
import { HANDOFF_TOOL } from '../../helpers/agent-scenarios.js';
import { HEALTHY_TURN } from '../../helpers/scripted-agent.js';
import type { TurnScript, TurnStep } from '../../helpers/scripted-agent.js';

/** A turn of the traffic and the failure signal it must be judged by (none: healthy). */
export interface PlannedTurn {
  readonly script: TurnScript;
  readonly signal: SignalId | undefined;
  /**
   * Judged against earlier turns: send those first. (A gateway judges spans as requests arrive,
   * and two requests in flight at once can arrive in either order.)
   */
  readonly afterEarlierTurns?: boolean;
}

/** `lookup` is declared deterministic, so two different results for the same arguments fire tool_result_mismatch. */
export const TRAFFIC_SIGNALS: Record<string, SignalOverride> = { tool_result_mismatch: { options: { tools: { lookup: 'deterministic' } } } };

/**
 * Steps that end in order, some milliseconds apart, as real ones do. (Spans of one turn that end
 * within the same millisecond carry clock skew between them, so a gateway, which sees only their
 * timestamps, could order them differently from the agent.)
 */
function timed(script: TurnScript): TurnScript {
  let endMs = 0;
  const steps = script.steps.map((step): TurnStep => {
    if ('llm' in step) {
      endMs = step.llm.durationMs ?? endMs + 5;
      return { llm: { ...step.llm, durationMs: endMs } };
    }
    endMs = step.tool.durationMs ?? endMs + 5;
    return { tool: { ...step.tool, durationMs: endMs } };
  });
  return { ...script, steps };
}

const plan = (name: string, id: string, args: Record<string, unknown> = {}) => ({ llm: { toolCalls: [{ id, name, args }] } });

/** Failures that one turn shows on its own, whichever instance judges it. */
export const TURN_LOCAL_FAILURES: readonly PlannedTurn[] = withTimedSteps([
  { signal: 'provider_error', script: { agent: 'support-agent', steps: [{ llm: { fail: { httpStatus: 500 } } }] } },
  {
    signal: 'tool_error',
    script: { steps: [plan('get_time', 'c1'), { tool: { name: 'get_time', id: 'c1', fail: 'clock unavailable' } }, { llm: { text: 'no time' } }] },
  },
  { signal: 'zero_tool_calls', script: { steps: [1, 2, 3].map(n => plan('lookup_forecast', `c${n}`, { city: 'Paris' })) } },
  { signal: 'skipped_planned_call', script: { steps: [plan(HANDOFF_TOOL, 'c1', { question: 'Which city?' })] } },
  {
    signal: 'output_token_drop',
    script: { steps: [plan('search', 'c1'), { tool: { name: 'search', id: 'c1' } }, { llm: { text: '', outputTokens: 0 } }] },
  },
]);

const lookupTurn = (value: number): TurnScript => ({
  agent: 'lookup-agent',
  steps: [plan('lookup', 'c1', { id: 7 }), { tool: { name: 'lookup', id: 'c1', args: { id: 7 }, result: { value } } }, { llm: { text: 'found it' } }],
});

const slowToolTurn = (durationMs: number): TurnScript => ({
  agent: 'latency-agent',
  steps: [plan('search', 'c1'), { tool: { name: 'search', id: 'c1', durationMs } }, { llm: { text: 'done' } }],
});

/**
 * Turns judged against earlier turns of the same agent (a baseline, a remembered result):
 * healthy warm-up turns, then the failing one. The warm-up count matches the signals' defaults.
 */
export const STATEFUL_FAILURES: readonly PlannedTurn[] = withTimedSteps([
  ...Array.from({ length: 30 }, (_, i) => ({ signal: undefined, script: slowToolTurn(200 * Math.exp(0.1 * Math.sin(i * 1.7))) })),
  { signal: 'tool_latency_spike', script: slowToolTurn(1000), afterEarlierTurns: true },
  { signal: undefined, script: lookupTurn(1) },
  { signal: 'tool_result_mismatch', script: lookupTurn(2), afterEarlierTurns: true },
]);

/** `count` healthy turns of a few agents. */
export function healthyTurns(count: number): PlannedTurn[] {
  return withTimedSteps(Array.from({ length: count }, (_, i) => ({ signal: undefined, script: { ...HEALTHY_TURN, agent: `weather-agent-${i % 3}` } })));
}

function withTimedSteps(turns: PlannedTurn[]): PlannedTurn[] {
  return turns.map(turn => ({ ...turn, script: timed(turn.script) }));
}

/** Trace and span ids from a counter: the same traffic has the same ids in every run. */
export class SeededIdGenerator {
  private _next = 0;
  private readonly _seed: string;

  constructor(seed: string) {
    this._seed = seed;
  }

  generateTraceId(): string {
    return this._hex(32);
  }

  generateSpanId(): string {
    return this._hex(16);
  }

  private _hex(length: number): string {
    return createHash('sha256').update(`${this._seed}/${this._next++}`).digest('hex').slice(0, length);
  }
}

/** Hands every span to several processors (the exporting pipeline and a recorder). */
export class TeeSpanProcessor implements SpanProcessor {
  private readonly _targets: readonly SpanProcessor[];

  constructor(targets: readonly SpanProcessor[]) {
    this._targets = targets;
  }

  onStart(span: Span, parentContext: Context): void {
    for (const target of this._targets) target.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    for (const target of this._targets) target.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this._targets.map(target => target.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this._targets.map(target => target.shutdown()));
  }
}

export const traceIdOf = (span: ReadableSpan): string => span.spanContext().traceId;

/** Spans by trace id. */
export function byTrace(spans: readonly ReadableSpan[]): Map<string, ReadableSpan[]> {
  const traces = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const list = traces.get(traceIdOf(span));
    if (list) list.push(span);
    else traces.set(traceIdOf(span), [span]);
  }
  return traces;
}

/** The turn root's verdict, from the summary attributes the triage writes on it. */
export function outcomeOf(spans: readonly ReadableSpan[]): { outcome: string; signals: string } | undefined {
  const root = spans.find(span => span.attributes['agent_triage.turn.outcome'] !== undefined);
  if (!root) return undefined;
  return { outcome: String(root.attributes['agent_triage.turn.outcome']), signals: String(root.attributes['agent_triage.failure_signals'] ?? '') };
}
