import { z } from 'zod';
import type { StepSummary } from '../turns/turn-view.js';
import type { Signal, SignalDeps } from './signal.js';
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
export function createZeroToolCallsSignal(options: ZeroToolCallsOptions = {}, deps?: Pick<SignalDeps, 'maxNameChars'>): Signal {
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
      const taskType = taskTypeOf(turn, taskTypeAttribute, deps?.maxNameChars);
      if (taskType === undefined || !requiring.has(taskType)) return;
      ctx.report({ spanId: turn.rootSpanId, details: { ...counts, reason: 'tool_required', task_type: taskType } });
    },
    toString: () => `zero_tool_calls{maxConsecutiveStepsWithoutTools=${limit},requireToolCallFor=${requireToolCallFor.length}}`,
  };
}

/**
 * The longest run of LLM steps in a row that executed no tool. A tool call
 * belongs to the latest LLM step that planned it (by tool call id), else to the
 * latest LLM step that started before it: a step whose own planned call ran
 * is a step with a tool, even though its tool starts after it.
 */
export function stepsWithoutTools(steps: readonly StepSummary[]): { longest: number; llmSteps: number; toolCalls: number } {
  const executed: boolean[] = [];
  const plannedBy = new Map<string, number>();
  let toolCalls = 0;
  for (const step of steps) {
    if (step.role === 'llm_step') {
      for (const call of step.plannedToolCalls) if (call.id !== undefined) plannedBy.set(call.id, executed.length);
      executed.push(false);
      continue;
    }
    toolCalls++;
    const owner = (step.toolCallId === undefined ? undefined : plannedBy.get(step.toolCallId)) ?? executed.length - 1;
    if (owner >= 0) executed[owner] = true;
  }
  let run = 0;
  let longest = 0;
  for (const ran of executed) {
    run = ran ? 0 : run + 1;
    longest = Math.max(longest, run);
  }
  return { longest, llmSteps: executed.length, toolCalls };
}
