import { z } from 'zod';
import type { Signal } from './signal.js';

export const zeroToolCallsOptions = z.strictObject({
  /** Fires when more than this many LLM steps in a row ran with no tool call between them. */
  maxConsecutiveStepsWithoutTools: z.number().int().min(1).default(2),
});
export type ZeroToolCallsOptions = z.input<typeof zeroToolCallsOptions>;

/**
 * `zero_tool_calls`: the agent kept calling the model without executing any
 * tool (more than 2 consecutive steps by default), the signature of a loop or
 * of an agent that stopped using its tools. Reported on the turn root.
 */
export function createZeroToolCallsSignal(options: ZeroToolCallsOptions = {}): Signal {
  const { maxConsecutiveStepsWithoutTools: limit } = zeroToolCallsOptions.parse(options);
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
      if (longest <= limit) return;
      ctx.report({
        spanId: turn.rootSpanId,
        details: { consecutive_steps: longest, llm_steps: llmSteps, tool_calls: toolCalls, threshold: limit },
      });
    },
    toString: () => `zero_tool_calls{maxConsecutiveStepsWithoutTools=${limit}}`,
  };
}
