import type { RawFinding } from '../engine/finding.js';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { SpanView } from '../normalize/span-view.js';
import type { StepSummary } from './turn-view.js';

/**
 * What a trace remembers about one span: its parent link and, once ended, a
 * compact step summary and its span-level findings. Never the span itself.
 */
export interface SpanNode {
  readonly spanId: string;
  parentId: string | undefined;
  isTurnRoot: boolean;
  isLocalRoot: boolean;
  ended: boolean;
  /** True for LLM steps, tool calls and turn roots. */
  isAgentSpan: boolean;
  agentName: string | undefined;
  agentVersion: string | undefined;
  conversationId: string | undefined;
  step: StepSummary | undefined;
  findings: readonly RawFinding[] | undefined;
  /** Set once the node's turn is decided: the root span id of that turn. */
  decidedBy: string | undefined;
}

/** A turn root that has ended and waits for its decision (late children, decision wait). */
export interface HeldRoot {
  readonly span: ReadableSpan;
  readonly view: SpanView;
  /** Instrumentation-health events found when it ended, written with the verdict. */
  readonly diagnostics: readonly TimedEvent[];
  readonly deadlineMs: number;
}

const NO_HELD: ReadonlyMap<string, HeldRoot> = new Map();

export class TraceState {
  readonly nodes = new Map<string, SpanNode>();
  /** Made when a root is first held: most traces never hold one while open (memory per open turn). */
  private _held: Map<string, HeldRoot> | undefined;
  truncated = false;
  lastActivityMs: number;
  readonly traceId: string;

  constructor(traceId: string, nowMs: number) {
    this.traceId = traceId;
    this.lastActivityMs = nowMs;
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

  /**
   * The turn a node belongs to: the outermost turn root among its ancestors in
   * the local trace (an agent span nested in another is part of the outer
   * turn), a decided turn (the node is late), or the top-most ancestor known
   * here. The climb stops at a local root once a turn root is found: spans of
   * another process never join this one's turn. Bounded by the node count, so
   * a parent cycle in bad input cannot loop.
   */
  ownerOf(node: SpanNode): { kind: 'turn' | 'decided' | 'top'; id: string } {
    let current = node;
    let turn: string | undefined;
    for (let hops = 0; hops <= this.nodes.size; hops++) {
      if (turn !== undefined && current.isLocalRoot) break;
      const parentId = current.parentId;
      const parent = parentId === undefined ? undefined : this.nodes.get(parentId);
      if (!parent) break;
      if (parent.decidedBy !== undefined) return turn === undefined ? { kind: 'decided', id: parent.decidedBy } : { kind: 'turn', id: turn };
      if (parent.isTurnRoot) turn = parent.spanId;
      current = parent;
    }
    return turn === undefined ? { kind: 'top', id: current.spanId } : { kind: 'turn', id: turn };
  }

  /** The agent name of the nearest turn root at or above `node` (the inner agent of a nested turn). */
  nearestAgentName(node: SpanNode): string | undefined {
    let current: SpanNode | undefined = node;
    for (let hops = 0; current && hops <= this.nodes.size; hops++) {
      if (current.isTurnRoot) return current.agentName;
      current = current.parentId === undefined ? undefined : this.nodes.get(current.parentId);
    }
    return undefined;
  }

  /** Undecided nodes whose turn is `root` (the root itself included). */
  membersOf(root: SpanNode): SpanNode[] {
    const members: SpanNode[] = [];
    for (const node of this.nodes.values()) {
      if (node.decidedBy !== undefined) continue;
      if (node === root) {
        members.push(node);
        continue;
      }
      const owner = this.ownerOf(node);
      if (owner.kind !== 'decided' && owner.id === root.spanId) members.push(node);
    }
    return members;
  }

  hasOpenMembers(root: SpanNode): boolean {
    return this.membersOf(root).some(node => !node.ended);
  }

  /**
   * Nothing left to wait for: no held root, no open span (an open span of a
   * decided turn will arrive late and must still find its turn), and no
   * undecided agent span.
   */
  isSettled(): boolean {
    if (this.held.size > 0) return false;
    for (const node of this.nodes.values()) {
      if (!node.ended) return false;
      if (node.decidedBy === undefined && node.isAgentSpan) return false;
    }
    return true;
  }
}

export function newNode(spanId: string, parentId: string | undefined): SpanNode {
  return {
    spanId,
    parentId,
    isTurnRoot: false,
    isLocalRoot: parentId === undefined,
    ended: false,
    isAgentSpan: false,
    agentName: undefined,
    agentVersion: undefined,
    conversationId: undefined,
    step: undefined,
    findings: undefined,
    decidedBy: undefined,
  };
}
