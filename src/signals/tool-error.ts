import { z } from 'zod';
import { isFailed } from '../normalize/span-view.js';
import type { Signal } from './signal.js';

export const toolErrorOptions = z.strictObject({});
export type ToolErrorOptions = z.input<typeof toolErrorOptions>;

/** `tool_error`: a tool call failed (status ERROR, `error.type` or an exception). */
export function createToolErrorSignal(options: ToolErrorOptions = {}): Signal {
  toolErrorOptions.parse(options);
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
    toString: () => 'tool_error{}',
  };
}
