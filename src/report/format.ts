import type { RollbackCandidate } from '../loop/loop-state.js';

/** `45 min`, `3.2 h`, `2.0 d`: durations at the scale fixes take. */
export function formatDuration(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** `2026-11-23 14:05` in UTC. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatChange(current: number, previous: number): string {
  const delta = current - previous;
  if (delta === 0) return '=';
  return delta > 0 ? `+${delta} ▲` : `${delta} ▼`;
}

export function formatRate(failed: number, total: number): string {
  return total === 0 ? '–' : `${((100 * failed) / total).toFixed(1)}%`;
}

export const ROLLBACK_HEADERS = ['agent', 'version', 'previous', 'failed turns', 'previous failed', 'p-value', 'detected'] as const;

/** One table row per rollback candidate, in `ROLLBACK_HEADERS` order. */
export function rollbackRow(c: RollbackCandidate): string[] {
  return [
    c.agent ?? '',
    c.version,
    c.previousVersion,
    formatRate(c.failedTurns, c.turns),
    formatRate(c.previousFailedTurns, c.previousTurns),
    c.pValue.toPrecision(2),
    formatTime(c.detectedAtMs),
  ];
}
