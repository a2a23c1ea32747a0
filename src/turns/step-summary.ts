import { isFailed, isProviderFailureStatus } from '../normalize/span-view.js';
import type { SpanView } from '../normalize/span-view.js';
import type { StepMessage, StepSummary } from './turn-view.js';

/** The compact record a turn keeps of an LLM step or tool call: what signals and fixtures need, never the span. */
export function stepSummaryOf(view: SpanView, role: StepSummary['role'], messages?: readonly StepMessage[]): StepSummary {
  const failed = isFailed(view);
  return {
    spanId: view.spanId,
    parentSpanId: view.parentSpanId,
    role,
    name: view.name,
    startMs: view.startMs,
    endMs: view.endMs,
    failed,
    toolName: view.toolName,
    toolCallId: view.toolCallId,
    argsHash: view.argsHash,
    resultHash: view.resultHash,
    outputTokens: view.outputTokens,
    plannedToolCalls: view.plannedToolCalls,
    model: view.model,
    temperature: view.temperature,
    maxTokens: view.maxTokens,
    region: view.region,
    error: failed || isProviderFailureStatus(view.httpStatusCode) ? stepErrorOf(view) : undefined,
    messages,
  };
}

function stepErrorOf(view: SpanView): StepSummary['error'] {
  return {
    status: view.status,
    statusMessage: view.statusMessage,
    errorType: view.errorType,
    httpStatusCode: view.httpStatusCode,
    exceptionType: view.exceptionType,
    exceptionMessage: view.exceptionMessage,
  };
}
