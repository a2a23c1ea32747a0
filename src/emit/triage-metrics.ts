import { ValueType, createNoopMeter } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import { ATTR_GEN_AI_AGENT_NAME } from '../semconv.js';
import type { Finding } from '../engine/finding.js';
import { BoundedLabel, CounterTable, publishCounter } from './counter-table.js';
import {
  ATTR_TRIAGE_ATTRIBUTE,
  ATTR_TRIAGE_CLASS,
  ATTR_TRIAGE_CONVENTION,
  ATTR_TRIAGE_HEALTH_CAUSE,
  ATTR_TRIAGE_INNER_AGENT,
  ATTR_TRIAGE_REASON,
  ATTR_TRIAGE_SEVERITY,
  ATTR_TRIAGE_SIGNAL,
  ATTR_TRIAGE_TURN_OUTCOME,
} from './attributes.js';

export const METER_NAME = 'otel-agent-triage';

export type TurnOutcome = 'ok' | 'failed';
export type EvictionReason = 'max_turns' | 'orphan_timeout' | 'shutdown' | 'truncated';

/**
 * The processor's metrics. Everything is aggregated in plain maps and published
 * through observable instruments, so the span path never calls the metrics SDK.
 * Labels come from closed sets, except the agent name, which is bounded.
 */
export class TriageMetrics {
  readonly failures = new CounterTable([ATTR_TRIAGE_CLASS, ATTR_TRIAGE_SIGNAL, ATTR_TRIAGE_SEVERITY, ATTR_GEN_AI_AGENT_NAME, ATTR_TRIAGE_INNER_AGENT]);
  readonly turns = new CounterTable([ATTR_GEN_AI_AGENT_NAME, ATTR_TRIAGE_TURN_OUTCOME]);
  readonly signalErrors = new CounterTable([ATTR_TRIAGE_SIGNAL]);
  readonly malformed = new CounterTable([ATTR_TRIAGE_ATTRIBUTE]);
  readonly contentLimited = new CounterTable([ATTR_TRIAGE_ATTRIBUTE]);
  readonly evicted = new CounterTable([ATTR_TRIAGE_REASON]);
  readonly lateSpans = new CounterTable([]);
  readonly internalErrors = new CounterTable([ATTR_TRIAGE_REASON]);
  readonly fixturesWritten = new CounterTable([]);
  readonly fixturesDropped = new CounterTable([ATTR_TRIAGE_REASON]);
  readonly instrumentationHealth = new CounterTable([ATTR_TRIAGE_HEALTH_CAUSE, ATTR_TRIAGE_CONVENTION, ATTR_TRIAGE_SIGNAL]);
  readonly populationFindings = new CounterTable([ATTR_TRIAGE_CLASS, ATTR_TRIAGE_SIGNAL, ATTR_TRIAGE_SEVERITY, ATTR_GEN_AI_AGENT_NAME]);
  readonly stateEvictions = new CounterTable([]);
  readonly stateErrors = new CounterTable([ATTR_TRIAGE_REASON]);
  private readonly _agents: BoundedLabel;

  constructor(meterProvider: MeterProvider | undefined, maxAgentLabels: number, gauges: { inFlight: () => number; stateKeys: () => number }) {
    this._agents = new BoundedLabel(maxAgentLabels);
    const meter = meterProvider?.getMeter(METER_NAME) ?? createNoopMeter();
    publishCounter(meter, 'agent_triage.failures', '{failure}', 'Classified agent failures by class, signal, severity and agent (and nested agent, when it differs).', this.failures);
    publishCounter(meter, 'agent_triage.turns', '{turn}', 'Decided agent turns by agent and outcome: the denominator for failure rates.', this.turns);
    publishCounter(meter, 'agent_triage.signal.errors', '{error}', 'Signals that threw while evaluating (isolated; the others still ran).', this.signalErrors);
    publishCounter(meter, 'agent_triage.attributes.malformed', '{attribute}', 'Agent-span attributes that were present but unusable (wrong type, unparseable).', this.malformed);
    publishCounter(
      meter,
      'agent_triage.attributes.limited',
      '{attribute}',
      'Content attributes over maxContentChars: judged on a bounded sample (digests) or skimmed (planned calls), never read whole; status and exception messages over maxContentChars: cut; names and ids over maxNameChars: not read (span names: cut).',
      this.contentLimited,
    );
    publishCounter(meter, 'agent_triage.turns.evicted', '{turn}', 'Turns decided on partial data: evicted at the in-flight limit, on orphan timeout or shutdown, or truncated.', this.evicted);
    publishCounter(meter, 'agent_triage.spans.late', '{span}', 'Agent spans that ended after their turn was decided.', this.lateSpans);
    publishCounter(
      meter,
      'agent_triage.instrumentation_health',
      '{gap}',
      'Instrumentation gaps by cause, convention and signal: agent spans lacking what a signal needs (each span), and parts of the traffic a signal cannot judge (each notice once).',
      this.instrumentationHealth,
    );
    publishCounter(meter, 'agent_triage.internal.errors', '{error}', 'Internal errors; the span was forwarded unchanged.', this.internalErrors);
    publishCounter(meter, 'agent_triage.fixtures.written', '{fixture}', 'Replay fixtures written to disk.', this.fixturesWritten);
    publishCounter(meter, 'agent_triage.fixtures.dropped', '{fixture}', 'Replay fixtures not written: the write queue was full or the write failed.', this.fixturesDropped);
    publishCounter(meter, 'agent_triage.population.findings', '{finding}', 'Findings about many turns at once (satisfaction week over week), by class, signal, severity and agent.', this.populationFindings);
    publishCounter(meter, 'agent_triage.state.evictions', '{key}', 'State keys dropped, least recently used first, to stay under state.maxKeys.', this.stateEvictions);
    publishCounter(meter, 'agent_triage.state.errors', '{error}', 'State that could not be loaded or saved, or a persisted value that failed validation.', this.stateErrors);
    const gauge = (name: string, unit: string, description: string, read: () => number): void => {
      meter.createObservableUpDownCounter(name, { unit, description, valueType: ValueType.INT }).addCallback(result => {
        result.observe(read());
      });
    };
    gauge('agent_triage.turns.in_flight', '{turn}', 'Traces with agent turns being assembled.', gauges.inFlight);
    gauge('agent_triage.state.keys', '{key}', 'Keys held by the state store (baselines and memories of stateful signals).', gauges.stateKeys);
  }

  agentLabel(agent: string | undefined): string {
    return this._agents.value(agent);
  }

  recordFinding(finding: Finding): void {
    if (finding.scope === 'population') {
      this.populationFindings.add([finding.class, finding.signal, finding.severity, this.agentLabel(finding.agentName)]);
      return;
    }
    const inner = finding.innerAgentName === undefined ? undefined : this.agentLabel(finding.innerAgentName);
    this.failures.add([finding.class, finding.signal, finding.severity, this.agentLabel(finding.agentName), inner]);
  }

  recordTurn(agent: string | undefined, outcome: TurnOutcome): void {
    this.turns.add([this.agentLabel(agent), outcome]);
  }
}
