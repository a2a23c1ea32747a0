import type { RollbackCandidate, VersionStats } from './loop-state.js';
import { twoProportionZTest } from './two-proportion-z-test.js';
import type { VersionHistory } from './version-history.js';

export interface RolloutOptions {
  readonly enabled: boolean;
  /** One-sided significance level of the z-test. */
  readonly alpha: number;
  /** Turns each of the two versions needs before they are compared. */
  readonly minTurns: number;
}

const MAX_CANDIDATES_KEPT = 100;

/**
 * Compares each agent version's failed-turn rate with the version before it.
 * The test runs when the new version reaches `minTurns`, then each time its
 * turn count doubles (not on every turn: re-testing as data arrives would
 * inflate the false-alarm rate far beyond alpha). A version is flagged once.
 */
export class RolloutMonitor {
  private readonly _options: RolloutOptions;
  private readonly _versions: VersionHistory;
  private readonly _candidates: RollbackCandidate[];

  constructor(options: RolloutOptions, versions: VersionHistory, saved: readonly RollbackCandidate[] = []) {
    this._options = options;
    this._versions = versions;
    this._candidates = [...saved];
  }

  /** Call after `stats` counted a turn; returns a candidate when this version's rise is significant. */
  check(agent: string, stats: VersionStats, timeMs: number): RollbackCandidate | undefined {
    if (!this._options.enabled || stats.flagged || stats.turns < stats.nextTestAtTurns) return undefined;
    const previous = this._versions.previous(agent, stats.version);
    if (!previous || previous.turns < this._options.minTurns) return undefined;
    stats.nextTestAtTurns = stats.turns * 2;
    const result = twoProportionZTest(
      { failures: previous.failedTurns, total: previous.turns },
      { failures: stats.failedTurns, total: stats.turns },
    );
    if (!result || result.pValue >= this._options.alpha) return undefined;
    stats.flagged = true;
    const candidate: RollbackCandidate = {
      agent: agent === '' ? null : agent,
      version: stats.version,
      previousVersion: previous.version,
      turns: stats.turns,
      failedTurns: stats.failedTurns,
      previousTurns: previous.turns,
      previousFailedTurns: previous.failedTurns,
      z: result.z,
      pValue: result.pValue,
      alpha: this._options.alpha,
      detectedAtMs: timeMs,
    };
    this._candidates.push(candidate);
    if (this._candidates.length > MAX_CANDIDATES_KEPT) this._candidates.shift();
    return candidate;
  }

  toState(): RollbackCandidate[] {
    return this._candidates.map(c => ({ ...c }));
  }
}
