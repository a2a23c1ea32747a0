import type { Finding } from '../engine/finding.js';
import type { FingerprintRecord, FixedBy, FixRecord, LoopState } from './loop-state.js';
import type { VersionHistory } from './version-history.js';

export interface FixTrackerLimits {
  /** Turns a newer version must handle without the failure before it counts as fixed. */
  readonly fixAfterTurns: number;
  readonly maxFingerprints: number;
  /** Fixes kept for the report (newest kept). */
  readonly maxFixRecords: number;
}

export interface FixTrackerEvents {
  fixed(record: FingerprintRecord, fix: FixRecord): void;
  regressed(record: FingerprintRecord, previousFix: { fixedAtMs: number; fixedInVersion: string | null; fixedBy: FixedBy }): void;
  evicted(): void;
}

/**
 * The lifecycle of each failure fingerprint: open when first seen, fixed once
 * a newer agent version has handled `fixAfterTurns` turns without it (or by
 * hand), regressed when it comes back after that.
 */
export class FixTracker {
  private readonly _records = new Map<string, FingerprintRecord>();
  /** Agent → fingerprints open for it: what a turn of that agent can move towards fixed. */
  private readonly _openByAgent = new Map<string, Set<string>>();
  private readonly _fixes: FixRecord[];
  private readonly _limits: FixTrackerLimits;
  private readonly _versions: VersionHistory;
  private readonly _events: FixTrackerEvents;

  constructor(limits: FixTrackerLimits, versions: VersionHistory, events: FixTrackerEvents, saved?: Pick<LoopState, 'fingerprints' | 'fixes'>) {
    this._limits = limits;
    this._versions = versions;
    this._events = events;
    this._fixes = [...(saved?.fixes ?? [])];
    for (const record of saved?.fingerprints ?? []) {
      const copy = { ...record };
      this._records.set(copy.fingerprint, copy);
      if (copy.status === 'open') this._openIndex(copy.agent ?? '').add(copy.fingerprint);
    }
  }

  get(fingerprint: string): FingerprintRecord | undefined {
    return this._records.get(fingerprint);
  }

  /** Open fingerprints per class; classes with none open left are reported as 0 so gauges fall back. */
  openCountsByClass(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const record of this._records.values()) {
      counts.set(record.class, (counts.get(record.class) ?? 0) + (record.status === 'open' ? 1 : 0));
    }
    return counts;
  }

  /** A finding was seen in a turn of `version` (undefined when the version is unknown). */
  occurred(finding: Finding, version: string | undefined, timeMs: number): void {
    let record = this._records.get(finding.fingerprint);
    if (!record) {
      record = this._create(finding, timeMs);
    } else if (record.status === 'fixed') {
      const previousFix = { fixedAtMs: record.fixedAtMs ?? timeMs, fixedInVersion: record.fixedInVersion, fixedBy: record.fixedBy ?? 'auto' };
      record.status = 'open';
      record.openedMs = timeMs;
      record.fixedAtMs = null;
      record.fixedInVersion = null;
      record.fixedBy = null;
      record.regressions++;
      this._openIndex(record.agent ?? '').add(record.fingerprint);
      this._events.regressed(record, previousFix);
    }
    record.occurrences++;
    record.lastSeenMs = Math.max(record.lastSeenMs, timeMs);
    if (version !== undefined) record.lastSeenVersion = version;
    record.cleanTurns = 0;
  }

  /**
   * A turn of `agent` at `version` was decided; `seen` are the fingerprints
   * it had. Every open fingerprint of the agent last seen in an older version
   * gains a clean turn, and is fixed when it has enough.
   */
  turnDecided(agent: string, version: string, timeMs: number, seen: ReadonlySet<string>): void {
    const open = this._openByAgent.get(agent);
    if (!open) return;
    for (const fingerprint of open) {
      const record = this._records.get(fingerprint);
      if (!record || seen.has(fingerprint) || record.lastSeenVersion === null) continue;
      if (!this._versions.isNewer(agent, version, record.lastSeenVersion)) continue;
      record.cleanTurns++;
      if (record.cleanTurns >= this._limits.fixAfterTurns) this._fix(record, timeMs, version, 'auto');
    }
  }

  /** Marks a fingerprint fixed by hand; false when it is unknown or not open. */
  markFixed(fingerprint: string, timeMs: number, version: string | undefined): boolean {
    const record = this._records.get(fingerprint);
    if (record?.status !== 'open') return false;
    this._fix(record, timeMs, version ?? null, 'manual');
    return true;
  }

  toState(): Pick<LoopState, 'fingerprints' | 'fixes'> {
    return { fingerprints: [...this._records.values()].map(r => ({ ...r })), fixes: this._fixes.map(f => ({ ...f })) };
  }

  private _fix(record: FingerprintRecord, timeMs: number, version: string | null, by: FixedBy): void {
    record.status = 'fixed';
    record.fixedAtMs = timeMs;
    record.fixedInVersion = version;
    record.fixedBy = by;
    this._openByAgent.get(record.agent ?? '')?.delete(record.fingerprint);
    const fix: FixRecord = { fingerprint: record.fingerprint, class: record.class, seconds: Math.max(0, timeMs - record.openedMs) / 1000, fixedAtMs: timeMs, fixedBy: by };
    this._fixes.push(fix);
    if (this._fixes.length > this._limits.maxFixRecords) this._fixes.splice(0, this._fixes.length - this._limits.maxFixRecords);
    this._events.fixed(record, fix);
  }

  private _create(finding: Finding, timeMs: number): FingerprintRecord {
    if (this._records.size >= this._limits.maxFingerprints) this._evictOne();
    const record: FingerprintRecord = {
      fingerprint: finding.fingerprint,
      signal: finding.signal,
      class: finding.class,
      agent: finding.agentName ?? null,
      tool: finding.toolName ?? null,
      firstSeenMs: timeMs,
      openedMs: timeMs,
      lastSeenMs: timeMs,
      lastSeenVersion: null,
      occurrences: 0,
      cleanTurns: 0,
      status: 'open',
      fixedAtMs: null,
      fixedInVersion: null,
      fixedBy: null,
      regressions: 0,
    };
    this._records.set(record.fingerprint, record);
    this._openIndex(record.agent ?? '').add(record.fingerprint);
    return record;
  }

  /** Forgets the least recently seen fingerprint, preferring fixed ones over open ones. */
  private _evictOne(): void {
    let victim: FingerprintRecord | undefined;
    for (const record of this._records.values()) {
      if (!victim || evictsBefore(record, victim)) victim = record;
    }
    if (!victim) return;
    this._records.delete(victim.fingerprint);
    this._openByAgent.get(victim.agent ?? '')?.delete(victim.fingerprint);
    this._events.evicted();
  }

  private _openIndex(agent: string): Set<string> {
    let set = this._openByAgent.get(agent);
    if (!set) {
      set = new Set();
      this._openByAgent.set(agent, set);
    }
    return set;
  }
}

/** Eviction order: fixed before open, then least recently seen. */
function evictsBefore(a: FingerprintRecord, b: FingerprintRecord): boolean {
  if (a.status !== b.status) return a.status === 'fixed';
  return a.lastSeenMs < b.lastSeenMs;
}
