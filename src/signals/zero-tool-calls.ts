import { z } from 'zod';
import type { Signal } from './signal.js';
import { taskTypeOf } from './task-type.js';

export const zeroToolCallsOptions = z.strictObject({
  /** Fires when more than this many LLM steps in a row ran with no tool call between them. */
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
      let run = 0;
      let longest = 0;
      let llmSteps = 0;
      let toolCalls = 0;
      for (const step of turn.steps) {
        if (step.role === 'tool_call') {
          toolCalls++;
          run = 0;
        } else {
          llmSteps++;
          run++;
          longest = Math.max(longest, run);
        }
      }
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
