import type { LoopState, RollbackCandidate } from '../loop/loop-state.js';
import { isoWeekLabel, isoWeekStart, WEEK_MS } from './iso-week.js';
import type { ReportFixture } from './report-fixture.js';

export interface ClassTrend {
  readonly class: string;
  /** Failures per week, oldest first, aligned with `ReportData.weeks`. */
  readonly perWeek: readonly number[];
  readonly thisWeek: number;
  readonly lastWeek: number;
  /** True when this week has more failures than last week. */
  readonly growing: boolean;
}

export interface OpenFingerprint {
  readonly fingerprint: string;
  readonly class: string;
  readonly signal: string;
  readonly agent: string | undefined;
  readonly tool: string | undefined;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** Occurrences the loop counted (state), else fixtures recorded. */
  readonly occurrences: number;
  readonly regressions: number;
}

export interface FixStats {
  readonly class: string;
  readonly count: number;
  readonly medianSeconds: number;
  readonly p90Seconds: number;
  readonly maxSeconds: number;
  /** Fixes per `TIME_TO_FIX_BUCKETS` bucket. */
  readonly buckets: readonly number[];
}

export interface ReportData {
  readonly nowMs: number;
  /** ISO week labels, oldest first; the last one contains `nowMs`. */
  readonly weeks: readonly string[];
  readonly fixtureCount: number;
  /** False when no loop state was used: open fingerprints then come from fixtures alone, time to fix is unknown. */
  readonly hasState: boolean;
  /** Which state file the report used, or why none, in words (printed with the report). */
  readonly stateNote: string;
  readonly trends: readonly ClassTrend[];
  readonly open: readonly OpenFingerprint[];
  readonly fixes: readonly FixStats[];
  readonly rollbackCandidates: readonly RollbackCandidate[];
}

/** Upper bounds (seconds) of the time-to-fix distribution's buckets; the last is open-ended. */
export const TIME_TO_FIX_BUCKETS: readonly { label: string; upTo: number }[] = [
  { label: '< 1 h', upTo: 3600 },
  { label: '1–4 h', upTo: 4 * 3600 },
  { label: '4–12 h', upTo: 12 * 3600 },
  { label: '12–24 h', upTo: 86_400 },
  { label: '1–2 d', upTo: 2 * 86_400 },
  { label: '2–7 d', upTo: 7 * 86_400 },
  { label: '1–2 w', upTo: 14 * 86_400 },
  { label: '> 2 w', upTo: Number.POSITIVE_INFINITY },
];

/**
 * Builds the report: failures per class per ISO week from fixtures, open
 * fingerprints and time to fix from the loop state. `nowMs` anchors the
 * weeks (the CLI defaults it to the newest fixture, so a corpus reports the
 * same way whenever it is read).
 */
export function buildReport(fixtures: readonly ReportFixture[], state: LoopState | undefined, nowMs: number, weekCount: number, stateNote = ''): ReportData {
  const lastWeekStart = isoWeekStart(nowMs);
  const weekStarts = Array.from({ length: weekCount }, (_, i) => lastWeekStart - (weekCount - 1 - i) * WEEK_MS);
  const perClass = new Map<string, number[]>();
  for (const fixture of fixtures) {
    const index = weekStarts.indexOf(isoWeekStart(fixture.recordedAtMs));
    if (index < 0) continue;
    const counts = perClass.get(fixture.class) ?? new Array<number>(weekCount).fill(0);
    counts[index] = (counts[index] ?? 0) + 1;
    perClass.set(fixture.class, counts);
  }
  const trends = [...perClass]
    .map(([cls, perWeek]) => {
      const thisWeek = perWeek.at(-1) ?? 0;
      const lastWeek = perWeek.at(-2) ?? 0;
      return { class: cls, perWeek, thisWeek, lastWeek, growing: thisWeek > lastWeek };
    })
    .sort((a, b) => b.thisWeek - b.lastWeek - (a.thisWeek - a.lastWeek) || a.class.localeCompare(b.class));
  return {
    nowMs,
    weeks: weekStarts.map(isoWeekLabel),
    fixtureCount: fixtures.length,
    hasState: state !== undefined,
    stateNote,
    trends,
    open: state ? mergedOpen(state, fixtures) : openFromFixtures(fixtures),
    fixes: state ? fixStats(state) : [],
    rollbackCandidates: state?.rollbackCandidates ?? [],
  };
}

function openFromState(state: LoopState): OpenFingerprint[] {
  return state.fingerprints
    .filter(r => r.status === 'open')
    .map(r => ({
      fingerprint: r.fingerprint,
      class: r.class,
      signal: r.signal,
      agent: r.agent ?? undefined,
      tool: r.tool ?? undefined,
      firstSeenMs: r.firstSeenMs,
      lastSeenMs: r.lastSeenMs,
      occurrences: r.occurrences,
      regressions: r.regressions,
    }))
    .sort((a, b) => b.occurrences - a.occurrences || a.fingerprint.localeCompare(b.fingerprint));
}

/** Open fingerprints of the state, plus those of the fixtures the state does not know (it may know them fixed). */
function mergedOpen(state: LoopState, fixtures: readonly ReportFixture[]): OpenFingerprint[] {
  const known = new Set(state.fingerprints.map(r => r.fingerprint));
  const fromFixtures = openFromFixtures(fixtures.filter(f => !known.has(f.fingerprint)));
  return [...openFromState(state), ...fromFixtures].sort((a, b) => b.occurrences - a.occurrences || a.fingerprint.localeCompare(b.fingerprint));
}

/** The agents a loop state has seen (`''` for turns without an agent name is left out). */
export function agentsOfState(state: LoopState): Set<string> {
  const agents = new Set<string>();
  for (const { agent } of state.agents) if (agent !== '') agents.add(agent);
  for (const { agent } of state.fingerprints) if (agent) agents.add(agent);
  return agents;
}

function openFromFixtures(fixtures: readonly ReportFixture[]): OpenFingerprint[] {
  const byFingerprint = new Map<string, OpenFingerprint>();
  for (const f of fixtures) {
    const seen = byFingerprint.get(f.fingerprint);
    byFingerprint.set(f.fingerprint, {
      fingerprint: f.fingerprint,
      class: f.class,
      signal: f.signal,
      agent: f.agent,
      tool: f.tool,
      firstSeenMs: Math.min(seen?.firstSeenMs ?? f.recordedAtMs, f.recordedAtMs),
      lastSeenMs: Math.max(seen?.lastSeenMs ?? f.recordedAtMs, f.recordedAtMs),
      occurrences: (seen?.occurrences ?? 0) + 1,
      regressions: 0,
    });
  }
  return [...byFingerprint.values()].sort((a, b) => b.occurrences - a.occurrences || a.fingerprint.localeCompare(b.fingerprint));
}

function fixStats(state: LoopState): FixStats[] {
  const byClass = new Map<string, number[]>();
  for (const fix of state.fixes) byClass.set(fix.class, [...(byClass.get(fix.class) ?? []), fix.seconds]);
  return [...byClass]
    .map(([cls, seconds]) => {
      const sorted = [...seconds].sort((a, b) => a - b);
      return {
        class: cls,
        count: sorted.length,
        medianSeconds: quantile(sorted, 0.5),
        p90Seconds: quantile(sorted, 0.9),
        maxSeconds: sorted.at(-1) ?? 0,
        buckets: TIME_TO_FIX_BUCKETS.map((bucket, i) => sorted.filter(s => s < bucket.upTo && s >= (TIME_TO_FIX_BUCKETS[i - 1]?.upTo ?? 0)).length),
      };
    })
    .sort((a, b) => a.class.localeCompare(b.class));
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}
