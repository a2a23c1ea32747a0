import type { RawFinding } from '../engine/finding.js';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { SpanView } from '../normalize/span-view.js';
import { IdTable } from './id-table.js';
import { encodeStep } from './step-codec.js';
import type { StringPool } from './step-codec.js';
import type { StepSummary } from './turn-view.js';
import { flatString } from '../state/flat-string.js';

/** A turn root that has ended and waits for its decision (late children, decision wait). */
export interface HeldRoot {
  readonly span: ReadableSpan;
  readonly view: SpanView;
  /** Instrumentation-health events found when it ended, written with the verdict. */
  readonly diagnostics: readonly TimedEvent[];
  readonly deadlineMs: number;
}

/** Who a span is: one object per distinct agent (shared across turns) unless it carries a conversation id. */
export class AgentInfo {
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly conversationId: string | undefined;

  constructor(name: string | undefined, version: string | undefined, conversationId: string | undefined) {
    this.name = name;
    this.version = version;
    this.conversationId = conversationId;
  }
}

/** What a trace shares with every other one of its assembler: pooled names and agents. */
export class SharedStrings {
  private readonly _agents = new Map<string, AgentInfo>();
  /** The agent asked for last: spans of one turn ask for the same one (no key to build). */
  private _last: AgentInfo | undefined;
  readonly strings: StringPool;
  private readonly _maxAgents: number;

  constructor(strings: StringPool, maxAgents = 1024) {
    this.strings = strings;
    this._maxAgents = maxAgents;
  }

  agent(name: string | undefined, version: string | undefined, conversationId: string | undefined): AgentInfo | undefined {
    if (name === undefined && version === undefined && conversationId === undefined) return undefined;
    const last = this._last;
    if (last !== undefined && last.name === name && last.version === version && last.conversationId === conversationId) return last;
    if (conversationId !== undefined) {
      // Conversation ids are too many to keep in the map; the spans of one turn still share one record.
      this._last = new AgentInfo(name, version, conversationId);
      return this._last;
    }
    const key = `${name ?? ''}\u0000${version === undefined ? '\u0001' : version}`;
    let info = this._agents.get(key);
    if (info === undefined) {
      info = new AgentInfo(name, version, undefined);
      if (this._agents.size < this._maxAgents) this._agents.set(key, info);
    }
    this._last = info;
    return info;
  }
}

const TURN_ROOT = 1;
const LOCAL_ROOT = 2;
const ENDED = 4;
const AGENT_SPAN = 8;
/**
 * `meta` = flags + FLAGS * (index of the deciding root + 1): an integer below
 * 2^53, whose low bits `&` reads as they are (ToInt32 keeps them).
 */
const FLAGS = 16;
/**
 * Cells per span: meta, parent (index, id not seen yet, or undefined), agent,
 * packed step (its offset in the trace's step text, or its own string once
 * that text is long).
 */
const STRIDE = 4;
/** Spans a trace has room for at first; it grows by half when full (no more: memory per open turn). */
const FIRST_CAPACITY = 6;
/** Past this length a trace's step text takes no more steps (appending copies it), and while a step is held it is never rewritten. */
const MAX_SHARED_TEXT = 4096;
const NO_HELD: ReadonlyMap<string, HeldRoot> = new Map();

/** Whose turn a span is part of (see {@link TraceState.ownerOf}); `at` is a span index. */
export interface Owner {
  readonly kind: 'turn' | 'decided' | 'top';
  readonly at: number;
}

/**
 * What a trace remembers about its spans while turns are open, numbered in
 * the order they were seen: the span id (packed), parent link, flags, the
 * deciding root once decided, and for LLM steps and tool calls a packed step
 * (see `step-codec.ts`). Never the span itself, and no object per span.
 */
export class TraceState extends IdTable {
  private _cells: unknown[] = new Array<unknown>(FIRST_CAPACITY * STRIDE);
  /** The packed steps of undecided spans, one after another (one string header per trace, not per step). */
  private _text = '';
  /** Spans holding a packed step: the step text is dropped when none does. */
  private _packedSteps = 0;
  /** Span-level findings by span index, for the few spans that have some. */
  private _findings: Map<number, readonly RawFinding[]> | undefined;
  /** Made when a root is first held: most traces never hold one while open (memory per open turn). */
  private _held: Map<string, HeldRoot> | undefined;
  /** Spans not ended yet, and agent spans not decided yet: {@link isSettled} without a walk. */
  private _open = 0;
  private _undecidedAgents = 0;
  truncated = false;
  lastActivityMs: number;
  readonly traceId: string;
  readonly shared: SharedStrings;

  constructor(traceId: string, nowMs: number, shared: SharedStrings) {
    super();
    this.traceId = traceId;
    this.lastActivityMs = nowMs;
    this.shared = shared;
  }

  get held(): ReadonlyMap<string, HeldRoot> {
    return this._held ?? NO_HELD;
  }

  hold(spanId: string, root: HeldRoot): void {
    (this._held ??= new Map()).set(spanId, root);
  }

  release(spanId: string): void {
    this._held?.delete(spanId);
  }

  indexOf(spanId: string): number {
    return this.idIndex(spanId);
  }

  /** A new span, not ended, or a span seen again at start (bad input) reset to one. */
  add(spanId: string, parentId: string | undefined): number {
    let at = this.idIndex(spanId);
    if (at < 0) {
      at = this.addId(spanId);
      if ((at + 1) * STRIDE > this._cells.length) this._grow();
    } else {
      const meta = this._meta(at);
      if ((meta & ENDED) === 0) this._open--;
      if ((meta & AGENT_SPAN) !== 0 && meta < FLAGS) this._undecidedAgents--;
      this.clearStep(at);
    }
    this._cells[at * STRIDE] = parentId === undefined ? LOCAL_ROOT : 0;
    this._cells[at * STRIDE + 1] = this._link(parentId);
    this._cells[at * STRIDE + 2] = undefined;
    this._cells[at * STRIDE + 3] = undefined;
    this._findings?.delete(at);
    this._open++;
    return at;
  }

  spanIdAt(at: number): string {
    return this.idAt(at);
  }

  /** The parent's index, or -1 (no parent, or not seen in this trace). */
  parentOf(at: number): number {
    const parent = this._cells[at * STRIDE + 1];
    if (typeof parent === 'number' || parent === undefined) return parent ?? -1;
    const found = this.idIndex(parent as string);
    if (found >= 0) this._cells[at * STRIDE + 1] = found; // seen now: remember the link, drop the id
    return found;
  }

  parentIdOf(at: number): string | undefined {
    const parent = this._cells[at * STRIDE + 1];
    return typeof parent === 'number' ? this.idAt(parent) : (parent as string | undefined);
  }

  setParent(at: number, parentId: string | undefined): void {
    const parent = this._cells[at * STRIDE + 1];
    const same = typeof parent === 'number' ? parentId !== undefined && this.idIs(parent, parentId) : parent === parentId;
    if (!same) this._cells[at * STRIDE + 1] = this._link(parentId);
  }

  /** A parent link: the parent's index when it is known here, else its id (resolved by {@link parentOf} once seen). */
  private _link(parentId: string | undefined): number | string | undefined {
    if (parentId === undefined) return undefined;
    const found = this.idIndex(parentId);
    return found >= 0 ? found : parentId;
  }

  isTurnRoot(at: number): boolean {
    return (this._meta(at) & TURN_ROOT) !== 0;
  }

  isLocalRoot(at: number): boolean {
    return (this._meta(at) & LOCAL_ROOT) !== 0;
  }

  isEnded(at: number): boolean {
    return (this._meta(at) & ENDED) !== 0;
  }

  /** True for LLM steps, tool calls and turn roots. */
  isAgentSpan(at: number): boolean {
    return (this._meta(at) & AGENT_SPAN) !== 0;
  }

  /** The index of the root whose turn decided this span, or -1. */
  decidedBy(at: number): number {
    return Math.floor(this._meta(at) / FLAGS) - 1;
  }

  markTurnRoot(at: number): void {
    this._setFlag(at, TURN_ROOT);
    this.markAgentSpan(at);
  }

  markAgentSpan(at: number): void {
    const meta = this._meta(at);
    if (meta & AGENT_SPAN) return;
    this._cells[at * STRIDE] = meta + AGENT_SPAN;
    if (meta < FLAGS) this._undecidedAgents++;
  }

  setLocalRoot(at: number, isLocalRoot: boolean): void {
    const meta = this._meta(at);
    if (((meta & LOCAL_ROOT) !== 0) !== isLocalRoot) this._cells[at * STRIDE] = meta + (isLocalRoot ? LOCAL_ROOT : -LOCAL_ROOT);
  }

  markEnded(at: number): void {
    if (this._setFlag(at, ENDED)) this._open--;
  }

  markDecided(at: number, root: number): void {
    const meta = this._meta(at);
    if (meta >= FLAGS) return;
    this._cells[at * STRIDE] = meta + FLAGS * (root + 1);
    if (meta & AGENT_SPAN) this._undecidedAgents--;
  }

  agent(at: number): AgentInfo | undefined {
    return this._cells[at * STRIDE + 2] as AgentInfo | undefined;
  }

  agentName(at: number): string | undefined {
    return this.agent(at)?.name;
  }

  /** Fills in the agent fields the span does not have yet. */
  mergeAgent(at: number, name: string | undefined, version: string | undefined, conversationId: string | undefined): void {
    const current = this.agent(at);
    const nextName = current?.name ?? name;
    const nextVersion = current?.version ?? version;
    const nextConversation = current?.conversationId ?? conversationId;
    if (nextName === current?.name && nextVersion === current?.version && nextConversation === current?.conversationId) return;
    this._cells[at * STRIDE + 2] = this.shared.agent(nextName, nextVersion, nextConversation);
  }

  /**
   * The span's step: its summary as it is, or (packed) the text holding it,
   * where in it the step starts, and the text its references point into.
   */
  step(at: number): StepSummary | { text: string; from: number; context: string } | undefined {
    const step = this._cells[at * STRIDE + 3] as number | string | StepSummary | undefined;
    if (step === undefined || typeof step === 'object') return step;
    return typeof step === 'number' ? { text: this._text, from: step, context: this._text } : { text: step, from: 0, context: this._text };
  }

  /** Keeps a step's summary as it is (few turns open: packing would cost CPU to save little). */
  setStepSummary(at: number, step: StepSummary): void {
    this.clearStep(at);
    this._cells[at * STRIDE + 3] = step;
  }

  /** Forgets the span's step (its turn is decided); the step text too, once no span holds a packed step. */
  clearStep(at: number): void {
    const cell = at * STRIDE + 3;
    const step = this._cells[cell];
    if (step === undefined) return;
    this._cells[cell] = undefined;
    if (typeof step !== 'object' && --this._packedSteps === 0) this._text = '';
  }

  /**
   * Keeps the step packed, referring into the trace's step text. That text
   * only grows while steps are held (references stay valid); past
   * {@link MAX_SHARED_TEXT} a step is kept as a string of its own.
   */
  setStep(at: number, step: StepSummary): void {
    this.clearStep(at);
    const packed = encodeStep(step, this.shared.strings, this._text);
    this._packedSteps++;
    if (this._text.length < MAX_SHARED_TEXT) {
      this._cells[at * STRIDE + 3] = this._text.length;
      this._text = flatString(this._text + packed);
    } else {
      this._cells[at * STRIDE + 3] = flatString(packed);
    }
  }

  findings(at: number): readonly RawFinding[] | undefined {
    return this._findings?.get(at);
  }

  setFindings(at: number, findings: readonly RawFinding[] | undefined): void {
    if (findings !== undefined) (this._findings ??= new Map()).set(at, findings);
    else this._findings?.delete(at);
  }

  /**
   * The turn a span belongs to: the outermost turn root among its ancestors in
   * the local trace (an agent span nested in another is part of the outer
   * turn), a decided turn (the span is late), or the top-most ancestor known
   * here. The climb stops at a local root once a turn root is found: spans of
   * another process never join this one's turn. Bounded by the span count, so
   * a parent cycle in bad input cannot loop.
   */
  ownerOf(at: number): Owner {
    let current = at;
    let turn = -1;
    for (let hops = 0; hops <= this.size; hops++) {
      if (turn >= 0 && (this._meta(current) & LOCAL_ROOT) !== 0) break;
      const parent = this.parentOf(current);
      if (parent < 0) break;
      const meta = this._meta(parent);
      if (meta >= FLAGS) return turn < 0 ? { kind: 'decided', at: Math.floor(meta / FLAGS) - 1 } : { kind: 'turn', at: turn };
      if ((meta & TURN_ROOT) !== 0) turn = parent;
      current = parent;
    }
    return turn < 0 ? { kind: 'top', at: current } : { kind: 'turn', at: turn };
  }

  /** The agent name of the nearest turn root at or above `at` (the inner agent of a nested turn). */
  nearestAgentName(at: number): string | undefined {
    let current = at;
    for (let hops = 0; current >= 0 && hops <= this.size; hops++) {
      if (this.isTurnRoot(current)) return this.agentName(current);
      current = this.parentOf(current);
    }
    return undefined;
  }

  /** Undecided spans whose turn is `root` (the root itself included), in the order they were seen. */
  membersOf(root: number): number[] {
    const members: number[] = [];
    for (let at = 0; at < this.size; at++) {
      if (this.decidedBy(at) >= 0) continue;
      if (at === root) {
        members.push(at);
        continue;
      }
      const owner = this.ownerOf(at);
      if (owner.kind !== 'decided' && owner.at === root) members.push(at);
    }
    return members;
  }

  hasOpenMembers(root: number): boolean {
    if (this._open === 0) return false; // nothing open in the trace: no walk
    return this.membersOf(root).some(at => !this.isEnded(at));
  }

  /**
   * Nothing left to wait for: no held root, no open span (an open span of a
   * decided turn will arrive late and must still find its turn), and no
   * undecided agent span.
   */
  isSettled(): boolean {
    return this.held.size === 0 && this._open === 0 && this._undecidedAgents === 0;
  }

  private _meta(at: number): number {
    return this._cells[at * STRIDE] as number;
  }

  /** Sets a flag; false when it was set already. */
  private _setFlag(at: number, flag: number): boolean {
    const meta = this._meta(at);
    if (meta & flag) return false;
    this._cells[at * STRIDE] = meta + flag;
    return true;
  }

  /** Room for half as many spans again, allocated exactly (a growing array would reserve more). */
  private _grow(): void {
    const cells = new Array<unknown>(Math.ceil((this._cells.length / STRIDE) * 1.5) * STRIDE);
    for (let i = 0; i < this._cells.length; i++) cells[i] = this._cells[i];
    this._cells = cells;
  }
}
