import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { RawFinding } from '../engine/finding.js';
import type { EvictionReason } from '../emit/triage-metrics.js';
import type { SpanView } from '../normalize/span-view.js';
import type { TurnStart } from '../normalize/adapter.js';
import { TraceState, newNode } from './trace-state.js';
import type { SpanNode } from './trace-state.js';
import type { StepMessage, StepSummary, TurnView } from './turn-view.js';
import { stepSummaryOf } from './step-summary.js';

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
    if (!node) return;
    if (turnStart) {
      node.isTurnRoot = true;
      node.isAgentSpan = true;
      node.agentName = turnStart.agentName;
      node.agentVersion = turnStart.agentVersion;
      node.conversationId = turnStart.conversationId;
    }
  }

  /** True when `spanId` is a span of a trace being assembled (a new span under it is inside a turn). */
  isTrackedSpan(traceId: string, spanId: string | undefined): boolean {
    return spanId !== undefined && this._states.get(traceId)?.nodes.has(spanId) === true;
  }

  /** True when this trace is being assembled (non-agent spans of other traces can skip the work). */
  isTracked(traceId: string): boolean {
    return this._states.has(traceId);
  }

  /** The agent name of the turn a span under `parentId` belongs to, as far as it is known now. */
  agentUnder(traceId: string, parentId: string | undefined): string | undefined {
    const state = this._states.get(traceId);
    const parent = parentId === undefined ? undefined : state?.nodes.get(parentId);
    if (!state || !parent) return undefined;
    const nearest = state.nearestAgentName(parent);
    if (nearest !== undefined) return nearest;
    const owner = state.ownerOf(parent);
    return owner.kind === 'top' ? undefined : state.nodes.get(owner.id)?.agentName;
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
    const node = state.nodes.get(view.spanId) ?? this._addNode(state, view.spanId, view.parentSpanId);
    if (!node) {
      if (isAgentSpan) this._hooks.onStraySpan(view, findings, 'truncated', undefined);
      return false;
    }
    recordEnd(node, view, findings, view.role === 'llm_step' ? this._hooks.captureMessages?.(span) : undefined);

    const owner = state.ownerOf(node);
    if (!node.isTurnRoot && owner.kind === 'decided') {
      node.decidedBy = owner.id;
      if (node.isAgentSpan) {
        this._hooks.onStraySpan(view, findings, 'late', { rootSpanId: owner.id, agentName: state.nodes.get(owner.id)?.agentName });
      }
      this._releaseIfSettled(state);
      return false;
    }

    // A turn root nested in another agent span of the local trace is part of that turn.
    const isCandidateRoot = (node.isTurnRoot || view.isLocalRoot) && owner.kind !== 'turn';
    if (isCandidateRoot) {
      const deadline = this._now() + this._limits.decisionWaitMs;
      if (this._limits.decisionWaitMs > 0) {
        state.hold(node.spanId, { span, view, diagnostics, deadlineMs: deadline });
      } else if (state.hasOpenMembers(node)) {
        state.hold(node.spanId, { span, view, diagnostics, deadlineMs: this._now() + this._limits.rootGraceMs });
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
    for (const state of [...this._states.values()]) {
      if (state.lastActivityMs > now) state.lastActivityMs = now;
      for (const [spanId, held] of [...state.held]) {
        if (state.held.get(spanId) !== held) continue; // released with the turn of an outer agent span
        // Further away than any wait: the clock stepped back since it was held; its wait is over.
        if (held.deadlineMs > now && held.deadlineMs <= now + longestHold) continue;
        const node = state.nodes.get(spanId);
        if (node) this._decide(state, node, held, undefined);
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
        const node = state.nodes.get(spanId);
        if (node) this._decide(state, node, held, undefined);
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
    const state = new TraceState(traceId, this._now());
    this._states.set(traceId, state);
    return state;
  }

  private _addNode(state: TraceState, spanId: string, parentId: string | undefined): SpanNode | undefined {
    if (state.nodes.size >= this._limits.maxSpansPerTurn) {
      if (!state.truncated) this._hooks.onEvicted('truncated');
      state.truncated = true;
      return undefined;
    }
    const node = newNode(spanId, parentId);
    state.nodes.set(spanId, node);
    return node;
  }

  private _decideHeldRootsWithoutOpenMembers(state: TraceState): void {
    if (state.held.size === 0 || this._limits.decisionWaitMs > 0) return;
    for (const [spanId, held] of [...state.held]) {
      if (state.held.get(spanId) !== held) continue; // released with the turn of an outer agent span
      const node = state.nodes.get(spanId);
      if (node && !state.hasOpenMembers(node)) this._decide(state, node, held, undefined);
    }
  }

  private _decide(
    state: TraceState,
    root: SpanNode,
    rootEnd: { span: ReadableSpan; view: SpanView; diagnostics: readonly TimedEvent[] } | undefined,
    evictionReason: EvictionReason | undefined,
  ): void {
    // Held before its outer agent span was known (spans read in end order): decided with that turn.
    if (state.ownerOf(root).kind === 'turn') return;
    state.release(root.spanId);
    let members: SpanNode[];
    try {
      members = state.membersOf(root);
    } catch (error) {
      // Never lose a root we took over: forward it as it is.
      if (rootEnd) this._hooks.forward(rootEnd.span, rootEnd.diagnostics);
      this._hooks.onInternalError(error);
      return;
    }
    const open = members.some(node => !node.ended);
    const steps = members
      .map(node => node.step)
      .filter((step): step is StepSummary => step !== undefined)
      .sort((a, b) => a.startMs - b.startMs);
    const spanFindings = members.flatMap(node => node.findings ?? []);
    const agentName = root.agentName ?? members.find(node => node.agentName !== undefined)?.agentName;
    const innerAgents = new Map<string, string>();
    for (const node of members) {
      if (node === root || !node.isAgentSpan) continue;
      const inner = state.nearestAgentName(node);
      if (inner !== undefined && inner !== agentName) innerAgents.set(node.spanId, inner);
      const heldInner = state.held.get(node.spanId);
      if (heldInner) {
        state.release(node.spanId);
        this._hooks.forward(heldInner.span, heldInner.diagnostics);
      }
    }
    for (const node of members) {
      node.decidedBy = root.spanId;
      node.step = undefined;
      node.findings = undefined;
    }
    const hasAgentContent = members.some(node => node.isAgentSpan);
    if (!hasAgentContent) {
      if (rootEnd) this._hooks.forward(rootEnd.span, rootEnd.diagnostics);
      return;
    }
    // onTurn forwards the root span and never throws.
    this._hooks.onTurn({
      traceId: state.traceId,
      rootSpanId: root.spanId,
      root: rootEnd?.view,
      rootSpan: rootEnd?.span,
      rootIsAgent: root.isTurnRoot,
      innerAgents,
      agentName,
      agentVersion: root.agentVersion ?? members.find(node => node.agentVersion !== undefined)?.agentVersion,
      conversationId: root.conversationId ?? members.find(node => node.conversationId !== undefined)?.conversationId,
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
      const node = state.nodes.get(spanId);
      if (node) this._decide(state, node, held, reason);
    }
    // Agent spans whose root never ended: group them under their turn root, or
    // under the top-most ancestor seen, and decide each group as a turn.
    const groups = new Map<string, SpanNode>();
    for (const node of state.nodes.values()) {
      if (node.decidedBy !== undefined || !node.isAgentSpan) continue;
      const owner = state.ownerOf(node);
      const rootId = owner.kind === 'turn' ? owner.id : node.isTurnRoot ? node.spanId : owner.kind === 'top' ? owner.id : undefined;
      const root = rootId === undefined ? undefined : state.nodes.get(rootId);
      if (root) groups.set(root.spanId, root);
    }
    let decidedAny = false;
    for (const root of groups.values()) {
      if (root.decidedBy !== undefined) continue;
      this._decide(state, root, undefined, reason);
      decidedAny = true;
    }
    if (decidedAny || state.truncated) this._hooks.onEvicted(reason);
  }

  private _releaseIfSettled(state: TraceState): void {
    if (state.isSettled()) this._states.delete(state.traceId);
  }
}

function recordEnd(node: SpanNode, view: SpanView, findings: readonly RawFinding[], messages: readonly StepMessage[] | undefined): void {
  node.ended = true;
  node.parentId = view.parentSpanId;
  node.isLocalRoot = view.isLocalRoot;
  if (view.role === 'turn_root') node.isTurnRoot = true;
  if (view.role !== 'other') node.isAgentSpan = true;
  node.agentName ??= view.agentName;
  node.agentVersion ??= view.agentVersion;
  node.conversationId ??= view.conversationId;
  if (findings.length > 0) node.findings = findings;
  if (view.role === 'llm_step' || view.role === 'tool_call') node.step = stepSummaryOf(view, view.role, messages);
}
