import { diag } from '@opentelemetry/api';
import type { SpanView } from '../normalize/span-view.js';
import type { ConfiguredSignal } from '../signals/registry.js';
import type { FeedbackRecord, HealthNotice, Signal, SignalContext, SignalName, SignalReport } from '../signals/signal.js';
import type { TurnView } from '../turns/turn-view.js';
import type { RawFinding } from './finding.js';

export interface SignalEngineHooks {
  onSignalError(id: SignalName, error: unknown): void;
  /** A health notice, the first time this signal reports this reason and subject. */
  onHealth(id: SignalName, notice: HealthNotice): void;
}

/** Distinct (signal, reason, subject) health notices remembered to report each once. */
const MAX_HEALTH_KEYS = 10_000;

/**
 * Runs every signal, isolating each: a signal that throws is counted through
 * `onSignalError`, its partial reports are kept, and the others still run.
 */
export class SignalEngine {
  private readonly _signals: readonly ConfiguredSignal[];
  private readonly _hooks: SignalEngineHooks;
  private readonly _healthSeen = new Set<string>();

  constructor(signals: readonly ConfiguredSignal[], hooks: SignalEngineHooks) {
    this._signals = signals;
    this._hooks = hooks;
  }

  get signalIds(): SignalName[] {
    return this._signals.map(s => s.signal.id);
  }

  evaluateSpan(span: SpanView): RawFinding[] {
    return this._evaluate(signal => (signal.onSpan ? ctx => signal.onSpan?.(span, ctx) : undefined));
  }

  evaluateTurn(turn: TurnView): RawFinding[] {
    return this._evaluate(signal => (signal.onTurn ? ctx => signal.onTurn?.(turn, ctx) : undefined));
  }

  evaluateFeedback(feedback: FeedbackRecord): RawFinding[] {
    return this._evaluate(signal => (signal.onFeedback ? ctx => signal.onFeedback?.(feedback, ctx) : undefined));
  }

  /** Runs, for each signal, the body `select` returns for it (none: the signal does not take part). */
  private _evaluate(select: (signal: Signal) => ((ctx: SignalContext) => void) | undefined): RawFinding[] {
    const findings: RawFinding[] = [];
    for (const configured of this._signals) {
      const body = select(configured.signal);
      if (body) this._run(configured, findings, body);
    }
    return findings;
  }

  private _run(configured: ConfiguredSignal, into: RawFinding[], body: (ctx: SignalContext) => void): void {
    const { signal, severity, action } = configured;
    const ctx: SignalContext = {
      report(report: SignalReport) {
        into.push({
          signal: signal.id,
          severity: report.severity ?? severity,
          action,
          spanId: report.spanId,
          details: report.details ?? {},
          scope: report.scope ?? 'turn',
        });
      },
      health: notice => {
        this._health(signal.id, notice);
      },
    };
    try {
      body(ctx);
    } catch (error) {
      diag.debug(`agent-triage: signal ${signal.toString()} threw`, error);
      this._hooks.onSignalError(signal.id, error);
    }
  }

  private _health(id: SignalName, notice: HealthNotice): void {
    const key = [id, notice.reason, notice.subject ?? ''].join('\u0000');
    if (this._healthSeen.has(key) || this._healthSeen.size >= MAX_HEALTH_KEYS) return;
    this._healthSeen.add(key);
    this._hooks.onHealth(id, notice);
  }
}
