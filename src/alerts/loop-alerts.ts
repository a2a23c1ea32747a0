import type { LoopEvent } from '../loop/loop-events.js';
import type { Alert } from './alert.js';

/** Regressions and rollback candidates page; a fix does not. */
export function alertOfLoopEvent(event: Exclude<LoopEvent, { type: 'fixed' }>, timeMs: number): Alert {
  if (event.type === 'regressed') {
    const { record } = event;
    return {
      kind: 'regression',
      dedupeKey: `regression:${record.fingerprint}`,
      title: `regression: ${record.signal} (${record.class}) is back${record.agent === null ? '' : ` in ${record.agent}`}`,
      fields: {
        fingerprint: record.fingerprint,
        signal: record.signal,
        class: record.class,
        agent: record.agent ?? '',
        tool: record.tool ?? '',
        fixed_in_version: event.previousFixInVersion ?? '',
        seen_in_version: record.lastSeenVersion ?? '',
        regressions: record.regressions,
      },
      timeMs,
    };
  }
  const c = event.candidate;
  return {
    kind: 'rollback_candidate',
    dedupeKey: `rollback_candidate:${c.agent ?? ''}:${c.version}`,
    title: `rollback candidate: ${c.agent ?? 'agent'} ${c.version} fails more turns than ${c.previousVersion}`,
    fields: {
      agent: c.agent ?? '',
      version: c.version,
      previous_version: c.previousVersion,
      failure_rate: rate(c.failedTurns, c.turns),
      previous_failure_rate: rate(c.previousFailedTurns, c.previousTurns),
      turns: c.turns,
      previous_turns: c.previousTurns,
      z: Number(c.z.toFixed(2)),
      p_value: Number(c.pValue.toPrecision(3)),
      alpha: c.alpha,
    },
    timeMs,
  };
}

function rate(failed: number, total: number): number {
  return total === 0 ? 0 : Number((failed / total).toFixed(4));
}
