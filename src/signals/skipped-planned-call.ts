import { z } from 'zod';
import type { StepSummary } from '../turns/turn-view.js';
import type { Signal } from './signal.js';

export const skippedPlannedCallOptions = z.strictObject({
  /** Clock skew tolerated when matching by order: a tool may start this much before its planning step. */
  skewToleranceMs: z.number().min(0).default(1),
});
export type SkippedPlannedCallOptions = z.input<typeof skippedPlannedCallOptions>;

/**
 * `skipped_planned_call`: an LLM step asked for a tool call that no tool span
 * of the turn executed. Matched by call id first; calls without a usable id are
 * matched by tool name and order against executions that carry no id.
 */
export function createSkippedPlannedCallSignal(options: SkippedPlannedCallOptions = {}): Signal {
  const { skewToleranceMs } = skippedPlannedCallOptions.parse(options);
  return {
    id: 'skipped_planned_call',
    onTurn(turn, ctx) {
      const executed = turn.steps.filter(s => s.role === 'tool_call');
      const executedIds = new Set(executed.map(s => s.toolCallId).filter(id => id !== undefined));
      const unmatchedWithoutId = executed.filter(s => s.toolCallId === undefined);
      const planners = turn.steps.filter(s => s.role === 'llm_step' && s.plannedToolCalls.length > 0);
      const lastPlanner = planners.at(-1);
      for (const step of planners) {
        // An evicted turn may still be running the last step's calls: do not call them skipped.
        if (turn.incomplete && turn.root === undefined && step === lastPlanner) continue;
        for (const call of step.plannedToolCalls) {
          if (call.id !== undefined && executedIds.has(call.id)) continue;
          if (takeByNameAndOrder(unmatchedWithoutId, call.name, step, skewToleranceMs)) continue;
          ctx.report({
            spanId: step.spanId,
            details: {
              'gen_ai.tool.name': call.name,
              ...(call.id !== undefined && { 'gen_ai.tool.call.id': call.id }),
            },
          });
        }
      }
    },
    toString: () => `skipped_planned_call{skewToleranceMs=${skewToleranceMs}}`,
  };
}

/** Removes and reports the first id-less execution of `name` that started after the planning step. */
function takeByNameAndOrder(pool: StepSummary[], name: string, planner: StepSummary, skewMs: number): boolean {
  const index = pool.findIndex(s => s.toolName === name && s.startMs >= planner.startMs - skewMs);
  if (index < 0) return false;
  pool.splice(index, 1);
  return true;
}
