import type { Histogram, Meter } from '@opentelemetry/api';
import { ATTR_GEN_AI_AGENT_NAME } from '../semconv.js';
import { ATTR_TRIAGE_CLASS, ATTR_TRIAGE_FIXED_BY } from '../emit/attributes.js';
import { BoundedLabel, CounterTable, publishCounter } from '../emit/counter-table.js';
import type { FixRecord } from './loop-state.js';

/** Seconds: a minute to a month, the range in which fixes actually ship. */
const TIME_TO_FIX_BOUNDARIES = [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400];

/**
 * Loop metrics. Counters are plain maps published by observable instruments;
 * the histogram is recorded directly, once per fix (rare, never per span).
 */
export class LoopMetrics {
  readonly regressions = new CounterTable([ATTR_TRIAGE_CLASS]);
  readonly rollbackCandidates = new CounterTable([ATTR_GEN_AI_AGENT_NAME]);
  readonly evictedFingerprints = new CounterTable([]);
  private readonly _timeToFix: Histogram;
  private readonly _agents = new BoundedLabel(100);

  constructor(meter: Meter, openByClass: () => ReadonlyMap<string, number>) {
    this._timeToFix = meter.createHistogram('agent_triage.loop.time_to_fix', {
      unit: 's',
      description: 'Time from a failure fingerprint first seen (or regressed) to fixed, by class and by how it was marked fixed.',
      advice: { explicitBucketBoundaries: TIME_TO_FIX_BOUNDARIES },
    });
    publishCounter(meter, 'agent_triage.loop.regressions', '{fingerprint}', 'Fixed failure fingerprints that came back, by class.', this.regressions);
    publishCounter(meter, 'agent_triage.rollout.rollback_candidates', '{version}', 'Agent versions whose failed-turn rate rose significantly over the previous version.', this.rollbackCandidates);
    publishCounter(meter, 'agent_triage.loop.fingerprints.evicted', '{fingerprint}', 'Fingerprints forgotten to stay under maxFingerprints.', this.evictedFingerprints);
    meter
      .createObservableUpDownCounter('agent_triage.loop.open_fingerprints', { unit: '{fingerprint}', description: 'Failure fingerprints not yet fixed, by class.' })
      .addCallback(result => {
        for (const [cls, count] of openByClass()) result.observe(count, { [ATTR_TRIAGE_CLASS]: cls });
      });
  }

  recordFix(fix: FixRecord): void {
    this._timeToFix.record(fix.seconds, { [ATTR_TRIAGE_CLASS]: fix.class, [ATTR_TRIAGE_FIXED_BY]: fix.fixedBy });
  }

  recordRollbackCandidate(agent: string | null): void {
    this.rollbackCandidates.add([this._agents.value(agent ?? undefined)]);
  }
}
