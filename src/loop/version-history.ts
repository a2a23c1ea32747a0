import type { LoopState, VersionStats } from './loop-state.js';

export interface VersionLimits {
  readonly maxVersionsPerAgent: number;
  readonly maxAgents: number;
}

/**
 * Per-agent version history. A version is newer than another when its first
 * turn was observed later: this needs no version scheme (semver, git sha,
 * date) and follows the order versions actually reached traffic. Arrival
 * order, not span time: span clocks of one process disagree by a millisecond.
 */
export class VersionHistory {
  /** Agent ('' when unknown) → versions in the order first observed; map order is least recently used first. */
  private readonly _agents = new Map<string, VersionStats[]>();
  private readonly _limits: VersionLimits;

  constructor(limits: VersionLimits, saved: LoopState['agents'] = []) {
    this._limits = limits;
    for (const { agent, versions } of saved) this._agents.set(agent, [...versions]);
  }

  /** Counts one decided turn of `agent` at `version`; returns that version's updated stats. */
  recordTurn(agent: string, version: string, timeMs: number, failed: boolean, firstTestAtTurns: number): VersionStats {
    const versions = this._touch(agent);
    let stats = versions.find(v => v.version === version);
    if (!stats) {
      stats = { version, firstSeenMs: timeMs, turns: 0, failedTurns: 0, nextTestAtTurns: firstTestAtTurns, flagged: false };
      versions.push(stats);
      if (versions.length > this._limits.maxVersionsPerAgent) versions.splice(0, versions.length - this._limits.maxVersionsPerAgent);
    }
    stats.turns++;
    if (failed) stats.failedTurns++;
    return stats;
  }

  /** The version first seen just before `version`, if still remembered. */
  previous(agent: string, version: string): VersionStats | undefined {
    const versions = this._agents.get(agent) ?? [];
    const index = versions.findIndex(v => v.version === version);
    return index > 0 ? versions[index - 1] : undefined;
  }

  /** True when `candidate` was first observed after `than`; a version no longer remembered is older than any that is. */
  isNewer(agent: string, candidate: string, than: string): boolean {
    const versions = this._agents.get(agent) ?? [];
    const candidateIndex = versions.findIndex(v => v.version === candidate);
    return candidateIndex >= 0 && candidateIndex > versions.findIndex(v => v.version === than);
  }

  toState(): LoopState['agents'] {
    return [...this._agents].map(([agent, versions]) => ({ agent, versions: versions.map(v => ({ ...v })) }));
  }

  private _touch(agent: string): VersionStats[] {
    const existing = this._agents.get(agent);
    this._agents.delete(agent);
    if (!existing && this._agents.size >= this._limits.maxAgents) {
      const leastRecent = this._agents.keys().next().value;
      if (leastRecent !== undefined) this._agents.delete(leastRecent);
    }
    const versions = existing ?? [];
    this._agents.set(agent, versions);
    return versions;
  }
}
