import { diag } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { parseOrThrow } from '../config/config-error.js';
import { fingerprintOf, toolOf } from '../engine/finding.js';
import type { Finding, RawFinding } from '../engine/finding.js';
import { SignalEngine } from '../engine/signal-engine.js';
import { ATTR_TRIAGE_FIXTURE_ID } from '../emit/attributes.js';
import { enrichSpan, findingEvent, turnSummaryAttributes } from '../emit/span-enrichment.js';
import { TriageMetrics } from '../emit/triage-metrics.js';
import { InstrumentationHealth } from '../health/instrumentation-health.js';
import type { ConventionAdapter } from '../normalize/adapter.js';
import { DEFAULT_ADAPTERS, adapterFor } from '../normalize/adapters.js';
import { normalizeSpan } from '../normalize/normalize-span.js';
import type { SpanView } from '../normalize/span-view.js';
import { FixtureRecorder } from '../fixtures/fixture-recorder.js';
import { FailureRouter } from '../routing/failure-router.js';
import { buildSignals } from '../signals/registry.js';
import { Classifier } from '../taxonomy/classifier.js';
import { resolveTaxonomy } from '../taxonomy/taxonomy.js';
import { TurnAssembler } from '../turns/turn-assembler.js';
import type { AssembledTurn } from '../turns/turn-assembler.js';
import { optionsSchema } from './options.js';
import type { AgentTriageSpanProcessorOptions, ResolvedOptions } from './options.js';

const SWEEP_INTERVAL_MS = 100;

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
  /** The processor's metrics; also readable directly (the demo prints them). */
  readonly metrics: TriageMetrics;
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
    this.metrics = new TriageMetrics(resolved.meterProvider, resolved.maxAgentLabels, () => this._assembler.tracesInFlight);
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
    this._health = new InstrumentationHealth(this.metrics.instrumentationHealth, resolved.instrumentationHealthIntervalMs);
    this._engine = new SignalEngine([...buildSignals(resolved.signals), ...resolved.customSignals], signal => {
      this.metrics.signalErrors.add([signal]);
    });
    this._assembler = new TurnAssembler(resolved, {
      onTurn: turn => {
        this._onTurn(turn);
      },
      onStraySpan: (view, findings, reason, turn) => {
        this._onStraySpan(view, findings, reason, turn);
      },
      forward: span => {
        this._forward(span);
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
        const turnStart = adapter?.turnStart(span, this._assembler.isTrackedSpan(context.traceId, parentId));
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
    let taken = false;
    let out = span;
    if (this._shutdown === undefined) {
      try {
        const result = this._process(span);
        out = result.out;
        taken = result.taken;
        this._ensureSweeping();
      } catch (error) {
        this._internalError('end', error);
      }
    }
    if (!taken) this._forward(out);
  }

  async forceFlush(): Promise<void> {
    this._guard('flush', () => {
      this._assembler.flushHeld();
    });
    await this._fixtures?.flush();
    await this._next.forceFlush();
  }

  shutdown(): Promise<void> {
    this._shutdown ??= this._doShutdown();
    return this._shutdown;
  }

  private async _doShutdown(): Promise<void> {
    this._stopSweeping();
    this._guard('shutdown', () => {
      this._assembler.evictAll('shutdown');
    });
    await this._fixtures?.flush();
    await this._next.shutdown();
  }

  /** Returns the span to forward, or `taken` when the assembler now owns it (a turn root). */
  private _process(span: ReadableSpan): { out: ReadableSpan; taken: boolean } {
    const context = span.spanContext();
    const adapter = adapterFor(span, this._adapters);
    const evictedSummary = this._evictedRoots.get(context.spanId);
    if (!adapter && evictedSummary === undefined && !this._assembler.isTracked(context.traceId)) {
      // Not an agent span, not in an agent trace; unless its keys say it is one we cannot read.
      const diagnostics = this._health.checkUnmatched(span.attributes, span.endTime);
      return { out: diagnostics ? enrichSpan(span, diagnostics) : span, taken: false };
    }
    const view = normalizeSpan(span, adapter ? [adapter] : []);
    for (const key of view.malformed) this.metrics.malformed.add([key]);
    if (evictedSummary !== undefined) {
      // Its turn was already decided on partial data; do not count it twice.
      this._evictedRoots.delete(context.spanId);
      return { out: enrichSpan(span, [], evictedSummary), taken: false };
    }
    const raw = view.role === 'other' ? [] : this._engine.evaluateSpan(view);
    const diagnostics = adapter ? this._health.checkView(view, span.endTime) : this._health.checkUnmatched(span.attributes, span.endTime);
    // Diagnostics travel with the span wherever it goes (a turn root is forwarded
    // by the assembler); provisional findings only on spans forwarded from here,
    // since a decided turn writes its own.
    const diagnosed = diagnostics ? enrichSpan(span, diagnostics) : span;
    let out = diagnosed;
    if (raw.length > 0) {
      const agent = view.agentName ?? this._assembler.agentUnder(view.traceId, view.parentSpanId);
      const provisional = raw.map(r => this._classify(r, view.traceId, undefined, agent, false));
      out = enrichSpan(diagnosed, provisional.map(f => findingEvent(f, span.endTime)));
    }
    const taken = this._assembler.spanEnded(diagnosed, view, raw);
    return { out, taken };
  }

  private _onTurn(turn: AssembledTurn): void {
    let root = turn.rootSpan;
    try {
      const raw = [...turn.spanFindings, ...this._engine.evaluateTurn(turn)];
      const findings = raw.map(r => this._classify(r, turn.traceId, turn.rootSpanId, turn.agentName, turn.incomplete));
      this._publish(findings);
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
        const diagnostics = this._health.checkTurn(turn, time) ?? [];
        root = enrichSpan(root, [...events, ...diagnostics], summary);
      } else if (turn.rootIsAgent) {
        this._rememberEvictedRoot(turn.rootSpanId, summary);
      }
    } catch (error) {
      this._internalError('turn', error);
    } finally {
      if (root) this._forward(root);
    }
  }

  private _recordFixtures(turn: AssembledTurn, findings: readonly Finding[]): Map<Finding, string> {
    if (!this._fixtures || findings.length === 0) return new Map();
    try {
      return this._fixtures.record(turn, findings);
    } catch (error) {
      this._internalError('fixture', error);
      return new Map();
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
    this._publish(raw.map(r => this._classify(r, view.traceId, turn?.rootSpanId, agent, true)));
  }

  private _classify(
    raw: RawFinding,
    traceId: string,
    turnRootSpanId: string | undefined,
    agentName: string | undefined,
    incomplete: boolean,
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
      toolName,
      incomplete,
    });
  }

  private _publish(findings: readonly Finding[]): void {
    for (const finding of findings) {
      this.metrics.recordFinding(finding);
      if (!this._options.onFinding) continue;
      try {
        this._options.onFinding(finding);
      } catch (error) {
        this._internalError('on_finding', error);
      }
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
