import { diag } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import { parseOrThrow } from '../config/config-error.js';
import { fingerprintOf, toolOf } from '../engine/finding.js';
import type { Finding, RawFinding } from '../engine/finding.js';
import { SignalEngine } from '../engine/signal-engine.js';
import { ATTR_TRIAGE_FIXTURE_ID, EVENT_TRIAGE_POPULATION_FINDING } from '../emit/attributes.js';
import { enrichSpan, findingEvent, turnSummaryAttributes } from '../emit/span-enrichment.js';
import { TriageMetrics } from '../emit/triage-metrics.js';
import { InstrumentationHealth } from '../health/instrumentation-health.js';
import type { ConventionAdapter, TurnStart } from '../normalize/adapter.js';
import { DEFAULT_ADAPTERS, adapterFor } from '../normalize/adapters.js';
import { boundedName } from '../normalize/attribute-reader.js';
import { viewOf } from '../normalize/normalize-span.js';
import { ContentDigestMemo } from '../normalize/content-digest-memo.js';
import type { SpanView } from '../normalize/span-view.js';
import { FixtureRecorder } from '../fixtures/fixture-recorder.js';
import { FailureRouter } from '../routing/failure-router.js';
import { buildSignals } from '../signals/registry.js';
import type { SignalDeps, SignalId } from '../signals/signal.js';
import { FileStatePersistence } from '../state/file-persistence.js';
import { defaultStatePath } from '../state/state-path.js';
import type { StatePersistence } from '../state/state-snapshot.js';
import { StateStore } from '../state/state-store.js';
import { Classifier } from '../taxonomy/classifier.js';
import { resolveTaxonomy } from '../taxonomy/taxonomy.js';
import { createTriageLoop } from '../loop/create-loop.js';
import { strayObservation, turnObservation } from '../loop/loop-observation.js';
import type { TriageLoop } from '../loop/triage-loop.js';
import { TurnAssembler } from '../turns/turn-assembler.js';
import type { AssembledTurn } from '../turns/turn-assembler.js';
import { feedbackSchema } from './feedback.js';
import type { FeedbackInput } from './feedback.js';
import { optionsSchema } from './options.js';
import type { AgentTriageSpanProcessorOptions, ResolvedOptions } from './options.js';

const SWEEP_INTERVAL_MS = 100;
const NO_FINDINGS: readonly RawFinding[] = Object.freeze([]);
const NO_EVENTS: readonly TimedEvent[] = Object.freeze([]);
const NO_FIXTURES: ReadonlyMap<Finding, string> = new Map();

/**
 * Watches agent spans, evaluates failure signals per span and per turn,
 * classifies each failure into the taxonomy and writes the verdict back as
 * span events, root-span attributes and metrics. Every span is handed to
 * `next` exactly once, enriched copies for agent spans with findings and
 * turn roots, the original otherwise. Nothing here throws into the app.
 */
export class AgentTriageSpanProcessor implements SpanProcessor {
  private readonly _next: SpanProcessor;
  private readonly _options: ResolvedOptions;
  private readonly _adapters: readonly ConventionAdapter[] = DEFAULT_ADAPTERS;
  private readonly _engine: SignalEngine;
  private readonly _classifier: Classifier;
  private readonly _assembler: TurnAssembler;
  private readonly _router: FailureRouter;
  private readonly _fixtures: FixtureRecorder | undefined;
  private readonly _health: InstrumentationHealth;
  private readonly _digests: ContentDigestMemo;
  private readonly _state: StateStore;
  private readonly _stateTimer: NodeJS.Timeout | undefined;
  /** The processor's metrics; also readable directly (the demo prints them). */
  readonly metrics: TriageMetrics;
  /** Fix tracking, rollout regressions and alerts, fed with every decided turn. */
  readonly loop: TriageLoop;
  /** Summaries of turns decided before their root ended, to put on that root when it arrives. */
  private readonly _evictedRoots = new Map<string, Attributes>();
  private _sweepTimer: NodeJS.Timeout | undefined;
  private _shutdown: Promise<void> | undefined;

  /** @throws ConfigError naming the key, when an option, a signal file or the taxonomy is invalid. */
  constructor(options: AgentTriageSpanProcessorOptions) {
    const resolved = parseOrThrow(optionsSchema, options, 'options');
    this._options = resolved;
    this._next = resolved.next;
    this._classifier = new Classifier(resolveTaxonomy(resolved.taxonomy));
    this._router = new FailureRouter({
      idempotentTools: resolved.idempotentTools,
      maxTraces: resolved.maxTurnsInFlight,
      onFailure: resolved.onFailure,
      onCallbackError: error => {
        this._internalError('on_failure', error);
      },
    });
    this.metrics = new TriageMetrics(resolved.meterProvider, resolved.maxAgentLabels, {
      inFlight: () => this._assembler.tracesInFlight,
      stateKeys: () => this._state.size,
    });
    this._fixtures =
      resolved.fixtures &&
      new FixtureRecorder(resolved.fixtures, this._classifier.taxonomyName, {
        onWritten: () => {
          this.metrics.fixturesWritten.add([]);
        },
        onDropped: reason => {
          this.metrics.fixturesDropped.add([reason]);
        },
        onError: error => {
          diag.warn('agent-triage: could not write a replay fixture', error);
        },
      });
    this._digests = new ContentDigestMemo(resolved.maxContentChars);
    this._health = new InstrumentationHealth(this.metrics.instrumentationHealth, resolved.instrumentationHealthIntervalMs, record => {
      this._callback('on_health_notice', () => this._options.onHealthNotice?.(record));
    });
    const persistence = resolvePersistence(resolved.state, resolved.clock);
    this._state = new StateStore({
      maxKeys: resolved.state.maxKeys,
      persistence,
      now: resolved.clock,
      hooks: {
        onEvicted: () => {
          this.metrics.stateEvictions.add([]);
        },
        onInvalidValue: () => {
          this.metrics.stateErrors.add(['invalid_value']);
        },
        onPersistError: (operation, error) => {
          if (this.metrics.stateErrors.get([operation]) === 0) {
            diag.warn(`agent-triage: cannot ${operation} state (${String(persistence)}); signals keep running on memory`, error);
          }
          this.metrics.stateErrors.add([operation]);
        },
      },
    });
    this.loop = createTriageLoop(resolved, this._state, (reason, error) => {
      this._internalError(reason, error);
    });
    const signals = [...buildSignals(resolved.signals ?? {}, id => this._depsFor(id)), ...resolved.customSignals];
    this._engine = new SignalEngine(signals, {
      onSignalError: signal => {
        this.metrics.signalErrors.add([signal]);
      },
      onHealth: (signal, notice, concerns) => {
        this._health.notice(signal, notice, concerns);
      },
    });
    this._assembler = new TurnAssembler(resolved, {
      onTurn: turn => {
        this._onTurn(turn);
      },
      onStraySpan: (view, findings, reason, turn) => {
        this._onStraySpan(view, findings, reason, turn);
      },
      forward: (span, diagnostics) => {
        this._forward(enrichSpan(span, diagnostics));
      },
      onEvicted: reason => {
        this.metrics.evicted.add([reason]);
      },
      onInternalError: error => {
        this._internalError('assemble', error);
      },
      ...(this._fixtures && {
        captureMessages: (span: ReadableSpan) => this._fixtures?.captureMessages(span),
      }),
    });
    // Last, so a constructor that throws (bad configuration) leaves no timer behind.
    if (persistence) {
      this._stateTimer = setInterval(() => {
        void this._state.flush();
      }, resolved.state.flushIntervalMs);
      this._stateTimer.unref();
    }
  }

  /**
   * True once a hard failure whose class routes to stop or handoff was seen in
   * the trace (span-level failures count as soon as their span ends): the
   * agent should not take its next step on its own.
   */
  shouldStop(traceId: string): boolean {
    return this._router.shouldStop(traceId);
  }

  /** An AbortSignal aborted, with a `TriageStopError` carrying the failure, when `shouldStop(traceId)` turns true. */
  signalFor(traceId: string): AbortSignal {
    return this._router.signalFor(traceId);
  }

  /** The failure that stopped the trace's run, if any. */
  stoppedBy(traceId: string): Finding | undefined {
    return this._router.stoppedBy(traceId);
  }

  onStart(span: Span, parentContext: Context): void {
    if (this._shutdown === undefined) {
      try {
        const context = span.spanContext();
        const parentId = span.parentSpanContext?.spanId;
        const adapter = adapterFor(span, this._adapters);
        const turnStart = boundedTurnStart(adapter?.turnStart(span, this._assembler.isTrackedSpan(context.traceId, parentId)), this._options.maxNameChars);
        this._assembler.spanStarted(context.traceId, context.spanId, parentId, turnStart, adapter !== undefined);
        this._ensureSweeping();
      } catch (error) {
        this._internalError('start', error);
      }
    }
    try {
      this._next.onStart(span, parentContext);
    } catch (error) {
      globalErrorHandler(error as Error);
    }
  }

  onEnding(span: Span): void {
    try {
      this._next.onEnding?.(span);
    } catch (error) {
      globalErrorHandler(error as Error);
    }
  }

  onEnd(span: ReadableSpan): void {
    let out: ReadableSpan | undefined = span;
    if (this._shutdown === undefined) {
      try {
        out = this._process(span);
        this._ensureSweeping();
      } catch (error) {
        this._internalError('end', error);
      }
    }
    if (out !== undefined) this._forward(out);
  }

  /**
   * Records a feedback score (e.g. a thumbs up/down or CSAT answer) for
   * `satisfaction_drop`, when it arrives outside the trace. Invalid input is
   * counted as malformed and ignored; this never throws.
   */
  recordFeedback(feedback: FeedbackInput): void {
    if (this._shutdown !== undefined) return;
    this._guard('feedback', () => {
      const parsed = feedbackSchema.safeParse(feedback);
      // The agent name is satisfaction_drop's group key: bounded as names read from spans are.
      if (!parsed.success || (parsed.data.agentName?.length ?? 0) > this._options.maxNameChars) {
        this.metrics.malformed.add(['feedback']);
        return;
      }
      const { score, agentName, traceId, spanId } = parsed.data;
      const raw = this._engine.evaluateFeedback({ score, agentName, traceId, spanId });
      this._publish(raw.map(r => this._classify(r, traceId ?? '', undefined, agentName, false)));
    });
  }

  async forceFlush(): Promise<void> {
    this._guard('flush', () => {
      this._assembler.flushHeld();
    });
    this.loop.saveState(); // into the store, before the store saves
    await Promise.all([this._fixtures?.flush(), this._state.flush(), this.loop.forceFlush()]);
    await this._next.forceFlush();
  }

  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  private async _doShutdown(): Promise<void> {
    this._stopSweeping();
    clearInterval(this._stateTimer);
    this._guard('shutdown', () => {
      this._assembler.evictAll('shutdown');
    });
    this.loop.saveState();
    await Promise.all([this._fixtures?.flush(), this._state.flush(), this.loop.shutdown()]);
    await this._next.shutdown();
  }

  private _depsFor(id: SignalId): SignalDeps {
    return {
      now: this._options.clock,
      state: (name, schema, maxKeys) => this._state.namespace(`${id}.${name}`, schema, maxKeys),
      maxNameChars: this._options.maxNameChars,
    };
  }

  /**
   * One pass per span: view it once, judge it, and either hand it to the
   * assembler (a turn root, written once when its turn is decided) or return
   * it with what it carries written on it once (a copy only when something is
   * written). Returns what to forward now, undefined when the assembler took the span.
   */
  private _process(span: ReadableSpan): ReadableSpan | undefined {
    const context = span.spanContext();
    const adapter = adapterFor(span, this._adapters);
    const evictedSummary = this._evictedRoots.size === 0 ? undefined : this._evictedRoots.get(context.spanId);
    if (!adapter && evictedSummary === undefined && !this._assembler.isTracked(context.traceId)) {
      // Not an agent span, not in an agent trace; unless its keys say it is one we cannot read.
      const diagnostics = this._health.checkUnmatched(span.attributes, span.endTime);
      return diagnostics ? enrichSpan(span, diagnostics) : span;
    }
    const view = viewOf(span, adapter, this._options.maxContentChars, this._digests, this._options.maxNameChars);
    if ((view.role === 'llm_step' || view.role === 'tool_call') && view.agentName === undefined) {
      view.agentName = this._assembler.agentUnder(view.traceId, view.parentSpanId);
    }
    if (view.malformed.length > 0) for (const key of view.malformed) this.metrics.malformed.add([key]);
    if (view.limited.length > 0) for (const key of view.limited) this.metrics.contentLimited.add([key]);
    if (evictedSummary !== undefined) {
      // Its turn was already decided on partial data; do not count it twice.
      this._evictedRoots.delete(context.spanId);
      return enrichSpan(span, [], evictedSummary);
    }
    const raw = view.role === 'other' ? NO_FINDINGS : this._engine.evaluateSpan(view);
    const diagnostics = adapter ? this._health.checkView(view, span.endTime) : this._health.checkUnmatched(span.attributes, span.endTime);
    // Provisional findings go only on spans forwarded from here (a decided turn
    // writes its own), but are classified, and so routed with onFailure, before
    // the assembler may decide the turn. A turn root the assembler takes keeps
    // its diagnostics until its turn writes everything at once.
    const provisional = raw.length === 0 ? NO_EVENTS : raw.map(r => findingEvent(this._classify(r, view.traceId, undefined, view.agentName, false), span.endTime));
    if (this._assembler.spanEnded(span, view, raw, diagnostics ?? NO_EVENTS)) return undefined;
    if (provisional.length === 0) return diagnostics ? enrichSpan(span, diagnostics) : span;
    return enrichSpan(span, diagnostics ? [...diagnostics, ...provisional] : provisional);
  }

  private _onTurn(turn: AssembledTurn): void {
    let root = turn.rootSpan;
    try {
      const raw = supersede(turn.spanFindings, this._engine.evaluateTurn(turn));
      const all = raw.map(r => this._classify(r, turn.traceId, turn.rootSpanId, turn.agentName, turn.incomplete, turn.innerAgents.get(r.spanId)));
      this._publish(all);
      this.loop.turnDecided(turnObservation(turn, root, all));
      const findings = all.length === 0 ? all : all.filter(f => f.scope === 'turn');
      const population = all.length === 0 ? all : all.filter(f => f.scope === 'population');
      this.metrics.recordTurn(turn.agentName, findings.length > 0 ? 'failed' : 'ok');
      const fixtureIds = this._recordFixtures(turn, findings);
      const summary = turnSummaryAttributes(findings, turn.incomplete);
      if (root) {
        const time = root.endTime;
        const events = findings.map(f => {
          const event = findingEvent(f, time);
          const fixtureId = fixtureIds.get(f);
          return fixtureId === undefined ? event : { ...event, attributes: { ...event.attributes, [ATTR_TRIAGE_FIXTURE_ID]: fixtureId } };
        });
        const diagnostics = this._health.checkTurn(turn, time) ?? NO_EVENTS;
        const populationEvents = population.map(f => findingEvent(f, time, EVENT_TRIAGE_POPULATION_FINDING));
        root = enrichSpan(root, [...turn.rootDiagnostics, ...events, ...populationEvents, ...diagnostics], summary);
      } else if (turn.rootIsAgent) {
        this._rememberEvictedRoot(turn.rootSpanId, summary);
      }
    } catch (error) {
      this._internalError('turn', error);
      // Keep what the span already carried when it ended, unless that is what failed.
      try {
        if (root) root = enrichSpan(root, turn.rootDiagnostics);
      } catch {
        // forwarded as it is
      }
    } finally {
      if (root) this._forward(root);
    }
  }

  private _recordFixtures(turn: AssembledTurn, findings: readonly Finding[]): ReadonlyMap<Finding, string> {
    if (!this._fixtures || findings.length === 0) return NO_FIXTURES;
    try {
      return this._fixtures.record(turn, findings);
    } catch (error) {
      this._internalError('fixture', error);
      return NO_FIXTURES;
    }
  }

  private _onStraySpan(
    view: SpanView,
    raw: readonly RawFinding[],
    reason: 'late' | 'truncated',
    turn: { rootSpanId: string; agentName: string | undefined } | undefined,
  ): void {
    if (reason === 'late') this.metrics.lateSpans.add([]);
    const agent = view.agentName ?? turn?.agentName;
    const findings = raw.map(r => this._classify(r, view.traceId, turn?.rootSpanId, agent, true));
    this._publish(findings);
    if (findings.length > 0) this.loop.findingsOutsideTurn(strayObservation(view, agent, findings));
  }

  private _classify(
    raw: RawFinding,
    traceId: string,
    turnRootSpanId: string | undefined,
    agentName: string | undefined,
    incomplete: boolean,
    innerAgentName?: string,
  ): Finding {
    const classification = this._classifier.classify(raw.signal, raw.details);
    const toolName = toolOf(raw.details);
    return this._router.routed(raw, {
      ...raw,
      traceId,
      turnRootSpanId,
      class: classification.primary,
      secondaryClasses: classification.secondary,
      remediation: classification.remediation,
      fingerprint: fingerprintOf(raw.signal, classification.primary, agentName, toolName),
      agentName,
      ...(innerAgentName === undefined ? {} : { innerAgentName }),
      toolName,
      incomplete,
    });
  }

  private _publish(findings: readonly Finding[]): void {
    for (const finding of findings) {
      this.metrics.recordFinding(finding);
      this._callback('on_finding', () => this._options.onFinding?.(finding));
    }
  }

  /** Runs a user callback; what it throws is counted and ignored. */
  private _callback(reason: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this._internalError(reason, error);
    }
  }

  private _rememberEvictedRoot(spanId: string, summary: Attributes): void {
    if (this._evictedRoots.size >= this._options.maxTurnsInFlight) {
      const oldest = this._evictedRoots.keys().next().value;
      if (oldest !== undefined) this._evictedRoots.delete(oldest);
    }
    this._evictedRoots.set(spanId, summary);
  }

  private _forward(span: ReadableSpan): void {
    try {
      this._next.onEnd(span);
    } catch (error) {
      globalErrorHandler(error as Error);
    }
  }

  private _internalError(reason: string, error: unknown): void {
    if (this.metrics.internalErrors.get([reason]) === 0) {
      diag.error(`agent-triage: internal error (${reason}); spans are still forwarded`, error);
    }
    this.metrics.internalErrors.add([reason]);
  }

  private _guard(reason: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this._internalError(reason, error);
    }
  }

  private _ensureSweeping(): void {
    if (this._sweepTimer !== undefined || this._assembler.tracesInFlight === 0) return;
    this._sweepTimer = setInterval(() => {
      this._guard('sweep', () => {
        this._assembler.sweep();
      });
      if (this._assembler.tracesInFlight === 0) this._stopSweeping();
    }, SWEEP_INTERVAL_MS);
    this._sweepTimer.unref();
  }

  private _stopSweeping(): void {
    if (this._sweepTimer !== undefined) clearInterval(this._sweepTimer);
    this._sweepTimer = undefined;
  }
}

/**
 * Turn-level signals have the last word on their own span-level findings: a
 * turn-level report for the same signal and span replaces the span-level one
 * (keeping its details), e.g. `tool_error` once the turn shows whether the
 * agent recovered.
 */
function supersede(spanFindings: readonly RawFinding[], turnFindings: readonly RawFinding[]): readonly RawFinding[] {
  if (turnFindings.length === 0) return spanFindings;
  if (spanFindings.length === 0) return turnFindings;
  const key = (f: RawFinding): string => `${f.signal}\u0000${f.spanId}`;
  const final = new Map(turnFindings.map(f => [key(f), f]));
  const kept = spanFindings.filter(f => !final.has(key(f)));
  const earlier = new Map(spanFindings.map(f => [key(f), f]));
  const merged = turnFindings.map(f => {
    const before = earlier.get(key(f));
    return before ? { ...f, details: { ...before.details, ...f.details } } : f;
  });
  return [...kept, ...merged];
}

function resolvePersistence(state: ResolvedOptions['state'], clock: () => number): StatePersistence | undefined {
  if (state.persistence === false) return undefined;
  if (state.persistence) return state.persistence;
  const path = state.path ?? defaultStatePath();
  diag.info(`agent-triage: state file ${path}`);
  return new FileStatePersistence(path, clock);
}

/** What a span says at start, without a name or id over `maxNameChars` (counted when the span ends, as the view reads it). */
function boundedTurnStart(start: TurnStart | undefined, maxNameChars: number): TurnStart | undefined {
  if (start === undefined) return undefined;
  const agentName = boundedName(start.agentName, maxNameChars);
  const agentVersion = boundedName(start.agentVersion, maxNameChars);
  const conversationId = boundedName(start.conversationId, maxNameChars);
  return agentName === start.agentName && agentVersion === start.agentVersion && conversationId === start.conversationId ? start : { agentName, agentVersion, conversationId };
}
