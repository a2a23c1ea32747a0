import { diag } from '@opentelemetry/api';
import type { SpanView } from '../normalize/span-view.js';
import type { ConfiguredSignal } from '../signals/registry.js';
import type { FeedbackRecord, HealthNotice, Signal, SignalContext, SignalName, SignalReport } from '../signals/signal.js';
import type { TurnView } from '../turns/turn-view.js';
import type { RawFinding } from './finding.js';

export interface SignalEngineHooks {
  onSignalError(id: SignalName, error: unknown): void;
  /**
   * A health notice, the first time this signal reports this cause and
   * subject, with the span or turn being evaluated when it was raised
   * (undefined for feedback recorded through the API).
   */
  onHealth(id: SignalName, notice: HealthNotice, concerns: SpanView | TurnView | undefined): void;
}

/** Distinct (signal, cause, subject) health notices remembered to report each once. */
const MAX_HEALTH_KEYS = 10_000;

const NO_FINDINGS: readonly RawFinding[] = Object.freeze([]);

const ON_SPAN = (signal: Signal, span: SpanView, ctx: SignalContext): void => signal.onSpan?.(span, ctx);
const ON_TURN = (signal: Signal, turn: TurnView, ctx: SignalContext): void => signal.onTurn?.(turn, ctx);
const ON_FEEDBACK = (signal: Signal, feedback: FeedbackRecord, ctx: SignalContext): void => signal.onFeedback?.(feedback, ctx);

/** A signal with the one context it reports through, made once: evaluating a span allocates nothing when nothing is found. */
interface Runner {
  readonly configured: ConfiguredSignal;
  readonly ctx: SignalContext;
}

/**
 * Runs every signal, isolating each: a signal that throws is counted through
 * `onSignalError`, its partial reports are kept, and the others still run.
 */
export class SignalEngine {
  private readonly _signals: readonly ConfiguredSignal[];
  private readonly _hooks: SignalEngineHooks;
  private readonly _healthSeen = new Set<string>();
  private readonly _spanRunners: readonly Runner[];
  private readonly _turnRunners: readonly Runner[];
  private readonly _feedbackRunners: readonly Runner[];
  /** Where the evaluation under way collects its findings; undefined until the first report. */
  private _found: RawFinding[] | undefined;
  /** The span or turn under evaluation, which a health notice concerns. */
  private _concerns: SpanView | TurnView | undefined;

  constructor(signals: readonly ConfiguredSignal[], hooks: SignalEngineHooks) {
    this._signals = signals;
    this._hooks = hooks;
    const runners = signals.map(configured => ({ configured, ctx: this._contextFor(configured) }));
    this._spanRunners = runners.filter(r => r.configured.signal.onSpan !== undefined);
    this._turnRunners = runners.filter(r => r.configured.signal.onTurn !== undefined);
    this._feedbackRunners = runners.filter(r => r.configured.signal.onFeedback !== undefined);
  }

  get signalIds(): SignalName[] {
    return this._signals.map(s => s.signal.id);
  }

  /** Findings of one span; a shared empty array when there are none (do not mutate). */
  evaluateSpan(span: SpanView): readonly RawFinding[] {
    this._concerns = span;
    return this._evaluate(this._spanRunners, ON_SPAN, span);
  }

  evaluateTurn(turn: TurnView): readonly RawFinding[] {
    this._concerns = turn;
    return this._evaluate(this._turnRunners, ON_TURN, turn);
  }

  evaluateFeedback(feedback: FeedbackRecord): readonly RawFinding[] {
    this._concerns = undefined;
    return this._evaluate(this._feedbackRunners, ON_FEEDBACK, feedback);
  }

  /** `call` is one of the module's constants, not a closure: this runs for every span and turn. */
  private _evaluate<T>(runners: readonly Runner[], call: (signal: Signal, subject: T, ctx: SignalContext) => void, subject: T): readonly RawFinding[] {
    this._found = undefined;
    for (const runner of runners) {
      try {
        call(runner.configured.signal, subject, runner.ctx);
      } catch (error) {
        this._failed(runner, error);
      }
    }
    return this._take();
  }

  private _take(): readonly RawFinding[] {
    const found = this._found;
    this._found = undefined;
    // Not kept past its evaluation: a span view references the span's (possibly large) attributes.
    this._concerns = undefined;
    return found ?? NO_FINDINGS;
  }

  private _contextFor(configured: ConfiguredSignal): SignalContext {
    const { signal, severity, action } = configured;
    return {
      report: (report: SignalReport) => {
        (this._found ??= []).push({
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
  }

  private _failed(runner: Runner, error: unknown): void {
    const { signal } = runner.configured;
    diag.debug(`agent-triage: signal ${signal.toString()} threw`, error);
    this._hooks.onSignalError(signal.id, error);
  }

  private _health(id: SignalName, notice: HealthNotice): void {
    const key = [id, notice.cause, notice.subject ?? ''].join('\u0000');
    if (this._healthSeen.has(key) || this._healthSeen.size >= MAX_HEALTH_KEYS) return;
    this._healthSeen.add(key);
    this._hooks.onHealth(id, notice, this._concerns);
  }
}
