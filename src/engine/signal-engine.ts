import { diag } from '@opentelemetry/api';
import type { SpanView } from '../normalize/span-view.js';
import type { ConfiguredSignal } from '../signals/registry.js';
import type { SignalContext, SignalName, SignalReport } from '../signals/signal.js';
import type { TurnView } from '../turns/turn-view.js';
import type { RawFinding } from './finding.js';

/**
 * Runs every signal, isolating each: a signal that throws is counted through
 * `onSignalError`, its partial reports are kept, and the others still run.
 */
export class SignalEngine {
  private readonly _signals: readonly ConfiguredSignal[];
  private readonly _onSignalError: (id: SignalName, error: unknown) => void;

  constructor(signals: readonly ConfiguredSignal[], onSignalError: (id: SignalName, error: unknown) => void) {
    this._signals = signals;
    this._onSignalError = onSignalError;
  }

  get signalIds(): SignalName[] {
    return this._signals.map(s => s.signal.id);
  }

  evaluateSpan(span: SpanView): RawFinding[] {
    const findings: RawFinding[] = [];
    for (const configured of this._signals) {
      const { signal } = configured;
      if (!signal.onSpan) continue;
      this._run(configured, findings, ctx => {
        signal.onSpan?.(span, ctx);
      });
    }
    return findings;
  }

  evaluateTurn(turn: TurnView): RawFinding[] {
    const findings: RawFinding[] = [];
    for (const configured of this._signals) {
      const { signal } = configured;
      if (!signal.onTurn) continue;
      this._run(configured, findings, ctx => {
        signal.onTurn?.(turn, ctx);
      });
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
        });
      },
    };
    try {
      body(ctx);
    } catch (error) {
      diag.debug(`agent-triage: signal ${signal.toString()} threw`, error);
      this._onSignalError(signal.id, error);
    }
  }
}
