import { z } from 'zod';
import type { PlannedToolCall } from '../normalize/span-view.js';
import type { StepSummary } from '../turns/turn-view.js';
import type { Signal } from './signal.js';
import { taskTypeOf } from './task-type.js';

export const zeroToolCallsOptions = z.strictObject({
  /** Fires when more than this many LLM steps in a row executed no tool (see `stepsWithoutTools`). */
  maxConsecutiveStepsWithoutTools: z.number().int().min(1).default(2),
  /** Task types (agent names unless `taskTypeAttribute` is set) whose every turn must call at least one tool. */
  requireToolCallFor: z.array(z.string().min(1)).default([]),
  /** Root-span attribute holding the task type; unset or absent: the agent name. */
  taskTypeAttribute: z.string().min(1).optional(),
});
export type ZeroToolCallsOptions = z.input<typeof zeroToolCallsOptions>;

/**
 * `zero_tool_calls`: the agent kept calling the model without executing any
 * tool (more than 2 consecutive steps by default), the signature of a loop or
 * of an agent that stopped using its tools; or, for task types that require
 * tools, a turn that answered without any. Reported on the turn root.
 */
export function createZeroToolCallsSignal(options: ZeroToolCallsOptions = {}): Signal {
  const { maxConsecutiveStepsWithoutTools: limit, requireToolCallFor, taskTypeAttribute } = zeroToolCallsOptions.parse(options);
  const requiring = new Set(requireToolCallFor);
  return {
    id: 'zero_tool_calls',
    onTurn(turn, ctx) {
      const { longest, llmSteps, toolCalls } = stepsWithoutTools(turn.steps);
      const counts = { consecutive_steps: longest, llm_steps: llmSteps, tool_calls: toolCalls };
      if (longest > limit) {
        ctx.report({ spanId: turn.rootSpanId, details: { ...counts, reason: 'consecutive_steps', threshold: limit } });
        return;
      }
      if (requiring.size === 0 || toolCalls > 0 || llmSteps === 0 || turn.incomplete) return;
      const taskType = taskTypeOf(turn, taskTypeAttribute);
      if (taskType === undefined || !requiring.has(taskType)) return;
      ctx.report({ spanId: turn.rootSpanId, details: { ...counts, reason: 'tool_required', task_type: taskType } });
    },
    toString: () => `zero_tool_calls{maxConsecutiveStepsWithoutTools=${limit},requireToolCallFor=${requireToolCallFor.length}}`,
  };
}

/** What the streak reads of a step. */
export type StreakStep = Pick<StepSummary, 'role' | 'toolCallId'> & { readonly plannedToolCalls: readonly Pick<PlannedToolCall, 'id'>[] };

/**
 * The longest run of LLM steps in a row that executed no tool. A tool call
 * belongs to the latest LLM step before it that planned it (by tool call id),
 * else to the first step after it that did (start times tie: the JS SDK stamps
 * a span's start in whole milliseconds, so a fast tool can sort before the
 * step that planned it), else to the latest LLM step that started before it:
 * a step whose own planned call ran is a step with a tool, even though its
 * tool starts after it.
 */
export function stepsWithoutTools(steps: readonly StreakStep[]): { longest: number; llmSteps: number; toolCalls: number } {
  const executed: boolean[] = [];
  const plannedBy = new Map<string, number>();
  // Tools whose id no step before them planned: settled once every step's plan is known.
  let unplanned: { id: string; before: number }[] | undefined;
  let toolCalls = 0;
  for (const step of steps) {
    if (step.role === 'llm_step') {
      for (const call of step.plannedToolCalls) if (call.id !== undefined) plannedBy.set(call.id, executed.length);
      executed.push(false);
      continue;
    }
    toolCalls++;
    const id = step.toolCallId;
    const owner = id === undefined ? undefined : plannedBy.get(id);
    if (owner !== undefined) executed[owner] = true;
    else if (id !== undefined) (unplanned ??= []).push({ id, before: executed.length - 1 });
    else if (executed.length > 0) executed[executed.length - 1] = true;
  }
  if (unplanned) {
    const firstPlanner = firstPlannerById(steps);
    for (const { id, before } of unplanned) {
      const owner = firstPlanner.get(id) ?? before;
      if (owner >= 0) executed[owner] = true;
    }
  }
  let run = 0;
  let longest = 0;
  for (const ran of executed) {
    run = ran ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return { longest, llmSteps: executed.length, toolCalls };
}

/** For each planned call id, the index among LLM steps of the first step that planned it. */
function firstPlannerById(steps: readonly StreakStep[]): Map<string, number> {
  const first = new Map<string, number>();
  let index = 0;
  for (const step of steps) {
    if (step.role !== 'llm_step') continue;
    for (const call of step.plannedToolCalls) if (call.id !== undefined && !first.has(call.id)) first.set(call.id, index);
    index++;
  }
  return first;
}
