import { z } from 'zod';
import { isFailed } from '../normalize/span-view.js';
import type { StepSummary } from '../turns/turn-view.js';
import type { Signal } from './signal.js';

export const toolErrorOptions = z.strictObject({
  /**
   * What counts as recovering from a failed call within the turn: a later
   * successful call of the `same_tool` (a retry), or of `any_tool` (a fallback).
   */
  recoveredBy: z.enum(['same_tool', 'any_tool']).default('same_tool'),
});
export type ToolErrorOptions = z.input<typeof toolErrorOptions>;

/**
 * `tool_error`: a tool call failed (status ERROR, `error.type` or an exception).
 *
 * The failing span's own event is written when it ends, before the turn is
 * known, with the configured severity (hard). When the turn is decided the
 * finding is re-evaluated: `soft` if the agent recovered within the turn (a
 * later successful call, and a turn root that did not fail), `hard` if the
 * failure broke the turn. The turn root's event, metrics and callbacks carry
 * that final severity and `recovered`.
 */
export function createToolErrorSignal(options: ToolErrorOptions = {}): Signal {
  const { recoveredBy } = toolErrorOptions.parse(options);
  return {
    id: 'tool_error',
    onSpan(span, ctx) {
      if (span.role !== 'tool_call' || !isFailed(span)) return;
      ctx.report({
        spanId: span.spanId,
        details: {
          ...(span.toolName !== undefined && { 'gen_ai.tool.name': span.toolName }),
          ...(span.toolCallId !== undefined && { 'gen_ai.tool.call.id': span.toolCallId }),
          ...(span.errorType !== undefined && { 'error.type': span.errorType }),
          ...(span.exceptionType !== undefined && { 'exception.type': span.exceptionType }),
        },
      });
    },
    onTurn(turn, ctx) {
      const tools = turn.steps.filter(s => s.role === 'tool_call');
      const rootFailed = turn.root !== undefined && isFailed(turn.root);
      for (const failure of tools.filter(s => s.failed)) {
        const recovered = !rootFailed && !turn.incomplete && tools.some(s => recovers(s, failure, recoveredBy));
        ctx.report({
          spanId: failure.spanId,
          ...(recovered && { severity: 'soft' }),
          details: {
            ...(failure.toolName !== undefined && { 'gen_ai.tool.name': failure.toolName }),
            recovered,
          },
        });
      }
    },
    toString: () => `tool_error{recoveredBy=${recoveredBy}}`,
  };
}

function recovers(candidate: StepSummary, failure: StepSummary, recoveredBy: 'same_tool' | 'any_tool'): boolean {
  // Starts are stamped to the millisecond: a retry may seem to start up to 1 ms before the failure ended.
  if (candidate === failure || candidate.failed || candidate.startMs < failure.endMs - 1) return false;
  return recoveredBy === 'any_tool' || candidate.toolName === failure.toolName;
}
