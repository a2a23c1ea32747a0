import type { PlannedToolCall } from '../normalize/span-view.js';
import type { StepSummary } from './turn-view.js';

/** What ordering reads of a step. */
export type OrderedStep = Pick<StepSummary, 'role' | 'startMs' | 'toolCallId'> & { readonly plannedToolCalls: readonly Pick<PlannedToolCall, 'id'>[] };

/**
 * A turn's steps in the order they ran, as far as the spans tell: by start
 * time (a stable sort: ties keep the order given), and a tool call never
 * before the LLM step that planned its call id. The JS SDK stamps starts in
 * whole milliseconds, so a fast tool often starts "with" the step that
 * planned it; where a turn is read from its stamps (scan, the gateway), the
 * tool, ending first, came first. In process, steps arrive in start order and
 * already satisfy both. Returns `steps`, sorted in place, or a reordered copy.
 */
export function orderSteps<T extends OrderedStep>(steps: T[]): T[] {
  // Steps come in start order almost always; the (stable) sort is then a no-op, so skip its work array.
  if (!inStartOrder(steps)) steps.sort((a, b) => a.startMs - b.startMs);
  return toolsAfterTheirPlanners(steps);
}

function inStartOrder(steps: readonly OrderedStep[]): boolean {
  for (let i = 1; i < steps.length; i++) if ((steps[i] as OrderedStep).startMs < (steps[i - 1] as OrderedStep).startMs) return false;
  return true;
}

/**
 * Moves each tool call that precedes, in the same millisecond, the first step
 * planning its id (with no planner before it) to just after that step. A
 * planner's stamp is never later than its tool's (the tool starts after the
 * planner ends), so only ties can put a tool first.
 */
function toolsAfterTheirPlanners<T extends OrderedStep>(steps: T[]): T[] {
  if (!toolBeforeTiedStep(steps) || everyToolPlannedJustBefore(steps)) return steps;
  const firstPlanner = firstPlannerById(steps);
  // The index each step goes after: its own, or for a tool to move, its planner's (planned before it, or in another
  // millisecond: left where it is). A tool that moves leaves its own slot empty.
  let after: (T[] | undefined)[] | undefined;
  let moved: boolean[] | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as T;
    const at = step.role === 'tool_call' && step.toolCallId !== undefined ? firstPlanner.get(step.toolCallId) : undefined;
    if (at === undefined || at <= i || (steps[at] as T).startMs !== step.startMs) continue;
    after ??= [];
    moved ??= [];
    (after[at] ??= []).push(step);
    moved[i] = true;
  }
  if (after === undefined || moved === undefined) return steps;
  const ordered: T[] = [];
  for (let i = 0; i < steps.length; i++) {
    if (moved[i] !== true) ordered.push(steps[i] as T);
    for (const tool of after[i] ?? []) ordered.push(tool);
  }
  return ordered;
}

/** A tool call followed by an LLM step of the same start: the only case reordering can change. */
function toolBeforeTiedStep(steps: readonly OrderedStep[]): boolean {
  let toolAt: number | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as OrderedStep;
    if (toolAt !== undefined && (steps[toolAt] as OrderedStep).startMs !== step.startMs) toolAt = undefined;
    if (step.role === 'tool_call') toolAt ??= i;
    else if (toolAt !== undefined) return true;
  }
  return false;
}

/** How far back from a tool call its planner is looked for before the full check: a step or two in practice. */
const NEAR_STEPS = 8;

/**
 * True when one of the few steps before each tool call planned its id, as in
 * process order: then no tool can move (its first planner is before it), and
 * the check allocates nothing. False sends the turn to the full check.
 */
function everyToolPlannedJustBefore(steps: readonly OrderedStep[]): boolean {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as OrderedStep;
    if (step.role !== 'tool_call' || step.toolCallId === undefined) continue;
    if (!plannedWithin(steps, i, step.toolCallId)) return false;
  }
  return true;
}

function plannedWithin(steps: readonly OrderedStep[], toolAt: number, id: string): boolean {
  for (let j = toolAt - 1; j >= 0 && j >= toolAt - NEAR_STEPS; j--) {
    for (const call of (steps[j] as OrderedStep).plannedToolCalls) if (call.id === id) return true;
  }
  return false;
}

/** For each planned call id, the index of the first step that planned it. */
function firstPlannerById(steps: readonly OrderedStep[]): Map<string, number> {
  const first = new Map<string, number>();
  for (let i = 0; i < steps.length; i++) {
    for (const call of (steps[i] as OrderedStep).plannedToolCalls) if (call.id !== undefined && !first.has(call.id)) first.set(call.id, i);
  }
  return first;
}
