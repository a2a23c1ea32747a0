import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { RawFinding } from '../engine/finding.js';
import type { EvictionReason } from '../emit/triage-metrics.js';
import type { SpanView } from '../normalize/span-view.js';
import type { TurnStart } from '../normalize/adapter.js';
import { SharedStrings, TraceState } from './trace-state.js';
import type { StepMessage, StepSummary, TurnView } from './turn-view.js';
import { StringPool, decodeStep } from './step-codec.js';
import { stepSummaryOf } from './step-summary.js';
import { orderSteps } from './step-order.js';

/**
 * Past this many traces in flight, steps are packed into their trace's step
 * text (about a fifth of the memory of a summary object, for a microsecond of
 * CPU per step); below it they are kept as summaries: memory per open turn
 * only matters when many are open, CPU per span always does.
 */
const PACK_FROM_TRACES = 64;

export interface AssemblerLimits {
  readonly maxTurnsInFlight: number;
  readonly maxSpansPerTurn: number;
  readonly rootGraceMs: number;
  readonly decisionWaitMs: number;
  readonly orphanTimeoutMs: number;
}

/** A turn ready for turn-level signals, with the root span to enrich when it has ended. */
export interface AssembledTurn extends TurnView {
  readonly rootSpan: ReadableSpan | undefined;
  /** Span-level findings of the turn's spans, already written on those spans. */
  readonly spanFindings: readonly RawFinding[];
  /** Instrumentation-health events found when the root span ended, to write on it with the verdict. */
  readonly rootDiagnostics: readonly TimedEvent[];
  /** True when the root was a real turn root (`invoke_agent`...), not a local root that held agent spans. */
  readonly rootIsAgent: boolean;
  /**
   * Spans of agents nested in the turn's agent (steps, inner agent spans), by
   * span id, with the inner agent's name where it differs from the turn's.
   */
  readonly innerAgents: ReadonlyMap<string, string>;
  readonly evictionReason: EvictionReason | undefined;
}

export interface AssemblerHooks {
  /** A turn is decided. Its root span, if present, must be forwarded by the hook. */
  onTurn(turn: AssembledTurn): void;
  /**
   * An agent span that cannot join a turn: it ended after its turn was decided
   * (`late`) or its trace hit `maxSpansPerTurn` (`truncated`). Its findings are
   * final now.
   */
  onStraySpan(
    view: SpanView,
    findings: readonly RawFinding[],
    reason: 'late' | 'truncated',
    turn: { rootSpanId: string; agentName: string | undefined } | undefined,
  ): void;
  /** A local root that turned out to hold no agent span: forward it with the diagnostics it ended with. */
  forward(span: ReadableSpan, diagnostics: readonly TimedEvent[]): void;
  onEvicted(reason: EvictionReason): void;
  onInternalError(error: unknown): void;
  /** Message content to keep on an LLM step's summary; only set when replay fixtures opt in to it. */
  captureMessages?(span: ReadableSpan): readonly StepMessage[] | undefined;
}

/**
 * Groups agent spans into turns as they stream past, keeping per trace only
 * span links and compact step summaries. A turn is decided when its root ends
 * (held up to `rootGraceMs` while children are still open, or `decisionWaitMs`
 * when spans arrive out of order); traces idle for `orphanTimeoutMs` or pushed
 * out by `maxTurnsInFlight` are decided on what they have, marked incomplete.
 */
export class TurnAssembler {
  private readonly _states = new Map<string, TraceState>();
  private readonly _limits: AssemblerLimits;
  private readonly _hooks: AssemblerHooks;
  private readonly _now: () => number;
  private readonly _shared = new SharedStrings(new StringPool());

  constructor(limits: AssemblerLimits, hooks: AssemblerHooks, now: () => number = Date.now) {
    this._limits = limits;
    this._hooks = hooks;
    this._now = now;
  }

  get tracesInFlight(): number {
    return this._states.size;
  }

  /**
   * Live spans: record the link so children can find their turn before it
   * ends. `turnStart` is set when the span's adapter says it opens a turn.
   * Any agent span starts tracking its trace: some instrumentations name their
   * turn root only after start, and an agent span that never ends (a library
   * that leaks spans on errors) must keep its turn from looking complete.
   */
  spanStarted(traceId: string, spanId: string, parentId: string | undefined, turnStart: TurnStart | undefined, isAgentSpan: boolean): void {
    let state = this._states.get(traceId);
    if (!state) {
      if (!turnStart && !isAgentSpan) return;
      state = this._createState(traceId);
    }
    state.lastActivityMs = this._now();
    const node = this._addNode(state, spanId, parentId);
    if (node < 0) return;
    if (turnStart) {
      state.markTurnRoot(node);
      state.mergeAgent(node, turnStart.agentName, turnStart.agentVersion, turnStart.conversationId);
    }
  }

  /** True when `spanId` is a span of a trace being assembled (a new span under it is inside a turn). */
  isTrackedSpan(traceId: string, spanId: string | undefined): boolean {
    if (spanId === undefined) return false;
    const state = this._states.get(traceId);
    return state !== undefined && state.indexOf(spanId) >= 0;
  }

  /** True when this trace is being assembled (non-agent spans of other traces can skip the work). */
  isTracked(traceId: string): boolean {
    return this._states.has(traceId);
  }

  /** The agent name of the turn a span under `parentId` belongs to, as far as it is known now. */
  agentUnder(traceId: string, parentId: string | undefined): string | undefined {
    const state = this._states.get(traceId);
    const parent = parentId === undefined || !state ? -1 : state.indexOf(parentId);
    if (!state || parent < 0) return undefined;
    const nearest = state.nearestAgentName(parent);
    if (nearest !== undefined) return nearest;
    const owner = state.ownerOf(parent);
    return owner.kind === 'top' ? undefined : state.agentName(owner.at);
  }

  /**
   * Records an ended span. Returns true when the assembler took the span over
   * (a turn root, held or already forwarded by `onTurn`); otherwise the caller
   * forwards it.
   */
  spanEnded(span: ReadableSpan, view: SpanView, findings: readonly RawFinding[], diagnostics: readonly TimedEvent[]): boolean {
    const isAgentSpan = view.role !== 'other';
    let state = this._states.get(view.traceId);
    if (!state) {
      if (!isAgentSpan) return false;
      state = this._createState(view.traceId);
    }
    state.lastActivityMs = this._now();
    const known = state.indexOf(view.spanId);
    const node = known >= 0 ? known : this._addNode(state, view.spanId, view.parentSpanId);
    if (node < 0) {
      if (isAgentSpan) this._hooks.onStraySpan(view, findings, 'truncated', undefined);
      return false;
    }
    this._recordEnd(state, node, view, findings, view.role === 'llm_step' ? this._hooks.captureMessages?.(span) : undefined);

    const owner = state.ownerOf(node);
    if (!state.isTurnRoot(node) && owner.kind === 'decided') {
      state.markDecided(node, owner.at);
      if (state.isAgentSpan(node)) {
        this._hooks.onStraySpan(view, findings, 'late', { rootSpanId: state.spanIdAt(owner.at), agentName: state.agentName(owner.at) });
      }
      this._releaseIfSettled(state);
      return false;
    }

    // A turn root nested in another agent span of the local trace is part of that turn.
    const isCandidateRoot = (state.isTurnRoot(node) || view.isLocalRoot) && owner.kind !== 'turn';
    if (isCandidateRoot) {
      const deadline = this._now() + this._limits.decisionWaitMs;
      if (this._limits.decisionWaitMs > 0) {
        state.hold(view.spanId, { span, view, diagnostics, deadlineMs: deadline });
      } else if (state.hasOpenMembers(node)) {
        state.hold(view.spanId, { span, view, diagnostics, deadlineMs: this._now() + this._limits.rootGraceMs });
      } else {
        this._decide(state, node, { span, view, diagnostics }, undefined);
      }
      this._releaseIfSettled(state);
      return true;
    }

    this._decideHeldRootsWithoutOpenMembers(state);
    this._releaseIfSettled(state);
    return false;
  }

  /** Decides held roots whose wait is over, and evicts traces idle past the orphan timeout. */
  sweep(): void {
    const now = this._now();
    // A wall clock that stepped back must not hold a root or a trace longer than its wait.
    const longestHold = Math.max(this._limits.decisionWaitMs, this._limits.rootGraceMs);
    // Not a copy of the map: it runs every 100 ms over every open trace (thousands at the gateway's default wait),
    // and a Map's iteration stands deletions (eviction, release) and visits additions.
    for (const state of this._states.values()) {
      if (state.lastActivityMs > now) state.lastActivityMs = now;
      if (state.held.size > 0) for (const [spanId, held] of [...state.held]) {
        if (state.held.get(spanId) !== held) continue; // released with the turn of an outer agent span
        // Further away than any wait: the clock stepped back since it was held; its wait is over.
        if (held.deadlineMs > now && held.deadlineMs <= now + longestHold) continue;
        const node = state.indexOf(spanId);
        if (node >= 0) this._decide(state, node, held, undefined);
      }
      if (now - state.lastActivityMs >= this._limits.orphanTimeoutMs) {
        this._evict(state, 'orphan_timeout');
      } else {
        this._releaseIfSettled(state);
      }
    }
  }

  /** Decides every held root now (forceFlush): their spans must reach the exporter. */
  flushHeld(): void {
    for (const state of [...this._states.values()]) {
      for (const [spanId, held] of [...state.held]) {
        if (state.held.get(spanId) !== held) continue; // released with the turn of an outer agent span
        const node = state.indexOf(spanId);
        if (node >= 0) this._decide(state, node, held, undefined);
      }
      this._releaseIfSettled(state);
    }
  }

  /** Decides everything on what it has (shutdown). */
  evictAll(reason: EvictionReason): void {
    for (const state of [...this._states.values()]) this._evict(state, reason);
  }

  private _createState(traceId: string): TraceState {
    if (this._states.size >= this._limits.maxTurnsInFlight) {
      const oldest = this._states.values().next().value;
      if (oldest) this._evict(oldest, 'max_turns');
    }
    const state = new TraceState(traceId, this._now(), this._shared);
    this._states.set(traceId, state);
    return state;
  }

  /** The span's index, or -1 when the trace is full. */
  private _addNode(state: TraceState, spanId: string, parentId: string | undefined): number {
    if (state.size >= this._limits.maxSpansPerTurn) {
      if (!state.truncated) this._hooks.onEvicted('truncated');
      state.truncated = true;
      return -1;
    }
    // A span id seen again is the same span starting over (bad input): it replaces its record, as it did before.
    return state.add(spanId, parentId);
  }

  private _decideHeldRootsWithoutOpenMembers(state: TraceState): void {
    if (state.held.size === 0 || this._limits.decisionWaitMs > 0) return;
    for (const [spanId, held] of [...state.held]) {
      if (state.held.get(spanId) !== held) continue; // released with the turn of an outer agent span
      const node = state.indexOf(spanId);
      if (node >= 0 && !state.hasOpenMembers(node)) this._decide(state, node, held, undefined);
    }
  }

  private _decide(
    state: TraceState,
    root: number,
    rootEnd: { span: ReadableSpan; view: SpanView; diagnostics: readonly TimedEvent[] } | undefined,
    evictionReason: EvictionReason | undefined,
  ): void {
    // Held before its outer agent span was known (spans read in end order): decided with that turn.
    if (state.ownerOf(root).kind === 'turn') return;
    const rootSpanId = state.spanIdAt(root);
    state.release(rootSpanId);
    let members: number[];
    let steps: StepSummary[];
    try {
      members = state.membersOf(root);
      steps = [];
      for (const at of members) {
        const packed = state.step(at);
        if (packed === undefined) continue;
        steps.push('role' in packed ? packed : decodeStep(packed.text, packed.from, state.spanIdAt(at), state.parentIdOf(at), state.shared.strings, packed.context).step);
      }
    } catch (error) {
      // Never lose a root we took over: forward it as it is.
      if (rootEnd) this._hooks.forward(rootEnd.span, rootEnd.diagnostics);
      this._hooks.onInternalError(error);
      return;
    }
    const open = members.some(at => !state.isEnded(at));
    steps = orderSteps(steps);
    const spanFindings = members.flatMap(at => state.findings(at) ?? []);
    const firstAgent = <K extends 'name' | 'version' | 'conversationId'>(key: K) => {
      for (const at of members) {
        const value = state.agent(at)?.[key];
        if (value !== undefined) return value;
      }
      return undefined;
    };
    const agentName = state.agentName(root) ?? firstAgent('name');
    const innerAgents = new Map<string, string>();
    for (const at of members) {
      if (at === root || !state.isAgentSpan(at)) continue;
      const inner = state.nearestAgentName(at);
      const named = inner !== undefined && inner !== agentName;
      if (!named && state.held.size === 0) continue;
      const spanId = state.spanIdAt(at);
      if (named) innerAgents.set(spanId, inner);
      const heldInner = state.held.get(spanId);
      if (heldInner) {
        state.release(spanId);
        this._hooks.forward(heldInner.span, heldInner.diagnostics);
      }
    }
    let hasAgentContent = false;
    for (const at of members) {
      if (state.isAgentSpan(at)) hasAgentContent = true;
      state.markDecided(at, root);
      state.clearStep(at);
      state.setFindings(at, undefined);
    }
    if (!hasAgentContent) {
      if (rootEnd) this._hooks.forward(rootEnd.span, rootEnd.diagnostics);
      return;
    }
    // onTurn forwards the root span and never throws.
    this._hooks.onTurn({
      traceId: state.traceId,
      rootSpanId,
      root: rootEnd?.view,
      rootSpan: rootEnd?.span,
      rootIsAgent: state.isTurnRoot(root),
      innerAgents,
      agentName,
      agentVersion: state.agent(root)?.version ?? firstAgent('version'),
      conversationId: state.agent(root)?.conversationId ?? firstAgent('conversationId'),
      steps,
      spanFindings,
      rootDiagnostics: rootEnd?.diagnostics ?? [],
      incomplete: rootEnd === undefined || open || state.truncated,
      evictionReason,
    });
  }

  /** Decides everything a trace holds on what it has, then forgets it. */
  private _evict(state: TraceState, reason: EvictionReason): void {
    this._states.delete(state.traceId);
    for (const [spanId, held] of [...state.held]) {
      if (state.held.get(spanId) !== held) continue; // released with the turn of an outer agent span
      const node = state.indexOf(spanId);
      if (node >= 0) this._decide(state, node, held, reason);
    }
    // Agent spans whose root never ended: group them under their turn root, or
    // under the top-most ancestor seen, and decide each group as a turn.
    const groups = new Set<number>();
    for (let at = 0; at < state.size; at++) {
      if (state.decidedBy(at) >= 0 || !state.isAgentSpan(at)) continue;
      const owner = state.ownerOf(at);
      const root = owner.kind === 'turn' ? owner.at : state.isTurnRoot(at) ? at : owner.kind === 'top' ? owner.at : -1;
      if (root >= 0) groups.add(root);
    }
    let decidedAny = false;
    for (const root of groups) {
      if (state.decidedBy(root) >= 0) continue;
      this._decide(state, root, undefined, reason);
      decidedAny = true;
    }
    if (decidedAny || state.truncated) this._hooks.onEvicted(reason);
  }

  private _recordEnd(state: TraceState, at: number, view: SpanView, findings: readonly RawFinding[], messages: readonly StepMessage[] | undefined): void {
    state.markEnded(at);
    state.setParent(at, view.parentSpanId);
    state.setLocalRoot(at, view.isLocalRoot);
    if (view.role === 'turn_root') state.markTurnRoot(at);
    else if (view.role !== 'other') state.markAgentSpan(at);
    state.mergeAgent(at, view.agentName, view.agentVersion, view.conversationId);
    if (findings.length > 0) state.setFindings(at, findings);
    const role = view.role;
    if (role !== 'llm_step' && role !== 'tool_call') return;
    const step = stepSummaryOf(view, role, messages);
    if (this._states.size > PACK_FROM_TRACES) state.setStep(at, step);
    else state.setStepSummary(at, step);
  }

  private _releaseIfSettled(state: TraceState): void {
    if (state.isSettled()) this._states.delete(state.traceId);
  }
}
