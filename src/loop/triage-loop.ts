import { diag } from '@opentelemetry/api';
import type { Meter } from '@opentelemetry/api';
import { parseOrThrow } from '../config/config-error.js';
import type { Finding } from '../engine/finding.js';
import { alertOfFinding } from '../alerts/alert.js';
import { alertOfLoopEvent } from '../alerts/loop-alerts.js';
import type { WebhookAlertSink } from '../alerts/webhook-sink.js';
import { FixTracker } from './fix-tracker.js';
import type { LoopEvent } from './loop-events.js';
import { LoopMetrics } from './loop-metrics.js';
import { loopOptionsSchema } from './loop-options.js';
import type { LoopOptions, ResolvedLoopOptions } from './loop-options.js';
import { emptyLoopState, loopStateSchema } from './loop-state.js';
import type { LoopState } from './loop-state.js';
import { RolloutMonitor } from './rollout-monitor.js';
import { VersionHistory } from './version-history.js';

/** A batch of findings and where they came from, as the processor publishes it. */
export interface LoopObservation {
  readonly agentName: string | undefined;
  /** `gen_ai.agent.version`, else the resource's `service.version`. */
  readonly agentVersion: string | undefined;
  /** When it happened (the turn root's end), in ms since the epoch. */
  readonly timeMs: number;
  readonly findings: readonly Finding[];
}

/**
 * The triage loop after classification: fix tracking (loop latency),
 * rollout regressions and alerts. Fed by the processor once per decided turn
 * (and for findings of late spans); everything here is map updates, and
 * delivery and saving happen in the background.
 */
export class TriageLoop {
  private readonly _options: ResolvedLoopOptions;
  private readonly _versions: VersionHistory;
  private readonly _fixes: FixTracker;
  private readonly _rollout: RolloutMonitor;
  private readonly _metrics: LoopMetrics;
  private readonly _alerts: WebhookAlertSink | undefined;
  private readonly _onError: (reason: string, error: unknown) => void;
  private _dirty = false;
  private _saveTimer: NodeJS.Timeout | undefined;

  /** @throws ConfigError naming the key, when an option is invalid. */
  constructor(options: LoopOptions, meter: Meter, alerts: WebhookAlertSink | undefined, onError: (reason: string, error: unknown) => void) {
    this._options = parseOrThrow(loopOptionsSchema, options, 'options.loop');
    this._alerts = alerts;
    this._onError = onError;
    const saved = this._load();
    this._versions = new VersionHistory(this._options, saved.agents);
    this._fixes = new FixTracker(
      this._options,
      this._versions,
      {
        fixed: (record, fix) => {
          this._metrics.recordFix(fix);
          this._emit({ type: 'fixed', record: { ...record }, fix });
        },
        regressed: (record, previousFix) => {
          this._metrics.regressions.add([record.class]);
          this._emit({ type: 'regressed', record: { ...record }, previousFixInVersion: previousFix.fixedInVersion });
        },
        evicted: () => {
          this._metrics.evictedFingerprints.add([]);
        },
      },
      saved,
    );
    this._rollout = new RolloutMonitor(this._options.rollout, this._versions, saved.rollbackCandidates);
    this._metrics = new LoopMetrics(meter, () => this._fixes.openCountsByClass());
  }

  /** A turn was decided with these findings. Never throws: a failure here is counted, the turn goes on. */
  turnDecided(turn: LoopObservation): void {
    this._guard(() => {
      this._turnDecided(turn);
    });
  }

  /** Findings that arrived outside a turn (late spans): they count as occurrences, not as turns. Never throws. */
  findingsOutsideTurn(observation: LoopObservation): void {
    this._guard(() => {
      this._occurred(observation);
    });
  }

  private _turnDecided(turn: LoopObservation): void {
    const agent = turn.agentName ?? '';
    this._occurred(turn);
    if (turn.agentVersion === undefined) return; // fixes and rollouts are judged per version
    this._dirty = true;
    const failed = turn.findings.some(f => f.scope === 'turn');
    const stats = this._versions.recordTurn(agent, turn.agentVersion, turn.timeMs, failed, this._options.rollout.minTurns);
    this._fixes.turnDecided(agent, turn.agentVersion, turn.timeMs, new Set(turn.findings.map(f => f.fingerprint)));
    const candidate = this._rollout.check(agent, stats, turn.timeMs);
    if (candidate) {
      this._metrics.recordRollbackCandidate(candidate.agent);
      this._emit({ type: 'rollback_candidate', candidate });
    }
    this._scheduleSave();
  }

  /** Marks a failure fingerprint fixed by hand (e.g. the fix shipped outside a versioned rollout). */
  markFixed(fingerprint: string, version?: string, timeMs: number = Date.now()): boolean {
    const done = this._fixes.markFixed(fingerprint, timeMs, version);
    if (done) {
      this._dirty = true;
      this._scheduleSave();
    }
    return done;
  }

  state(): LoopState {
    return { ...emptyLoopState(), agents: this._versions.toState(), ...this._fixes.toState(), rollbackCandidates: this._rollout.toState() };
  }

  /** Hands the state to its port if it changed; the processor calls it before its store saves. Never throws. */
  saveState(): void {
    const port = this._options.state;
    if (!port || !this._dirty) return;
    this._dirty = false;
    try {
      port.save(this.state());
    } catch (error) {
      this._dirty = true;
      this._onError('loop_state_save', error);
    }
  }

  /** Saves the state and waits for pending alerts. */
  async forceFlush(): Promise<void> {
    this.saveState();
    await this._alerts?.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this._saveTimer !== undefined) clearTimeout(this._saveTimer);
    this._saveTimer = undefined;
    this.saveState();
    await this._alerts?.shutdown();
  }

  private _guard(body: () => void): void {
    try {
      body();
    } catch (error) {
      this._onError('loop', error);
    }
  }

  private _occurred(observation: LoopObservation): void {
    if (observation.findings.length === 0) return;
    this._dirty = true;
    this._scheduleSave();
    for (const finding of observation.findings) {
      this._fixes.occurred(finding, observation.agentVersion, observation.timeMs);
      if (this._alerts && this._pages(finding)) this._alerts.offer(alertOfFinding(finding, observation.timeMs));
    }
  }

  private _pages(finding: Finding): boolean {
    const options = this._alerts?.options;
    return options !== undefined && (options.severities.includes(finding.severity) || options.signals.includes(finding.signal));
  }

  private _emit(event: LoopEvent): void {
    if (event.type !== 'fixed' && this._alerts?.options.loopEvents) this._alerts.offer(alertOfLoopEvent(event, Date.now()));
    if (!this._options.onEvent) return;
    try {
      this._options.onEvent(event);
    } catch (error) {
      this._onError('on_loop_event', error);
    }
  }

  private _load(): LoopState {
    const port = this._options.state;
    if (!port) return emptyLoopState();
    try {
      const raw = port.load();
      if (raw === undefined) return emptyLoopState();
      const parsed = loopStateSchema.safeParse(raw);
      if (parsed.success) return parsed.data;
      diag.warn(`agent-triage: saved loop state is unusable (${parsed.error.issues[0]?.message ?? 'invalid'}); starting fresh`);
    } catch (error) {
      this._onError('loop_state_load', error);
    }
    return emptyLoopState();
  }

  private _scheduleSave(): void {
    if (!this._options.state || this._saveTimer !== undefined) return;
    this._saveTimer = setTimeout(() => {
      this._saveTimer = undefined;
      this.saveState();
    }, this._options.saveIntervalMs);
    this._saveTimer.unref();
  }
}
