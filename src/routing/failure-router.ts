import type { Finding, RawFinding } from '../engine/finding.js';
import type { Route } from './route.js';
import { routeOf } from './route.js';

/** The reason an aborted per-trace signal carries: the failure that stopped the run. */
export class TriageStopError extends Error {
  override readonly name = 'TriageStopError';
  readonly finding: Finding;

  constructor(finding: Finding) {
    super(`agent-triage: ${finding.signal} (${finding.class}) stops this run; hand off to ${finding.route.handoffTarget}`);
    this.finding = finding;
  }
}

interface TraceRoutes {
  /** Made when someone asks for the trace's signal: most traces never need one. */
  controller: AbortController | undefined;
  /** Retries granted so far, per signal and tool. */
  readonly retries: Map<string, number>;
  /** Routes decided so far, per signal and span: a failure is routed once even when its turn restates it. */
  readonly routes: Map<string, Route>;
  stoppedBy: Finding | undefined;
}

export interface FailureRouterOptions {
  readonly idempotentTools: readonly string[];
  /** Traces whose decisions are remembered; the least recently used is forgotten first. */
  readonly maxTraces: number;
  readonly onFailure: ((finding: Finding) => void) | undefined;
  readonly onCallbackError: (error: unknown) => void;
}

/**
 * Decides each failure's route once, as soon as the failure is known (a
 * span-level failure when its span ends, a turn-level one when the turn is
 * decided), and keeps a per-trace stop decision the agent can consult before
 * its next step. A failure seen again later (its turn being decided, possibly
 * restating it, as `tool_error` does once recovery is known) keeps the route
 * it got first: retries are counted and `onFailure` called once.
 */
export class FailureRouter {
  private readonly _options: FailureRouterOptions;
  private readonly _idempotent: ReadonlySet<string>;
  private readonly _traces = new Map<string, TraceRoutes>();

  constructor(options: FailureRouterOptions) {
    this._options = options;
    this._idempotent = new Set(options.idempotentTools);
  }

  /** The finding with its route; the first time a raw finding is seen, its trace's decision is updated. */
  routed(raw: RawFinding, finding: Omit<Finding, 'route'>): Finding {
    const trace = this._trace(finding.traceId);
    const failureKey = `${raw.signal}\u0000${raw.spanId}`;
    const known = trace.routes.get(failureKey);
    if (known) return { ...finding, route: known };
    const retryKey = `${raw.signal}\u0000${finding.toolName ?? ''}`;
    const route = routeOf(raw, finding.toolName, finding.remediation, {
      idempotentTools: this._idempotent,
      attemptsSoFar: trace.retries.get(retryKey) ?? 0,
    });
    trace.routes.set(failureKey, route);
    if (route.retryAttempt !== undefined) trace.retries.set(retryKey, route.retryAttempt);
    const routedFinding: Finding = { ...finding, route };
    if (route.stopsRun && trace.stoppedBy === undefined) {
      trace.stoppedBy = routedFinding;
      trace.controller?.abort(new TriageStopError(routedFinding));
    }
    if (this._options.onFailure) {
      try {
        this._options.onFailure(routedFinding);
      } catch (error) {
        this._options.onCallbackError(error);
      }
    }
    return routedFinding;
  }

  /** True once a hard failure routed to stop or handoff was seen in the trace. */
  shouldStop(traceId: string): boolean {
    return this._traces.get(traceId)?.stoppedBy !== undefined;
  }

  /** The failure that stopped the trace, if any. */
  stoppedBy(traceId: string): Finding | undefined {
    return this._traces.get(traceId)?.stoppedBy;
  }

  /** Aborted (with a {@link TriageStopError}) when the trace's run must stop. */
  signalFor(traceId: string): AbortSignal {
    const trace = this._trace(traceId);
    if (!trace.controller) {
      trace.controller = new AbortController();
      if (trace.stoppedBy) trace.controller.abort(new TriageStopError(trace.stoppedBy));
    }
    return trace.controller.signal;
  }

  private _trace(traceId: string): TraceRoutes {
    let trace = this._traces.get(traceId);
    if (trace) {
      // Most recently used last, so eviction takes the stalest trace.
      this._traces.delete(traceId);
    } else {
      if (this._traces.size >= this._options.maxTraces) {
        const stalest = this._traces.keys().next().value;
        if (stalest !== undefined) this._traces.delete(stalest);
      }
      trace = { controller: undefined, retries: new Map(), routes: new Map(), stoppedBy: undefined };
    }
    this._traces.set(traceId, trace);
    return trace;
  }
}
