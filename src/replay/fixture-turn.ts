import type { Fixture, FixtureStepError, ReplayStep } from '../fixtures/fixture-schema.js';
import type { SpanView } from '../normalize/span-view.js';
import type { StepSummary, TurnView } from '../turns/turn-view.js';
import { stepSummaryOf } from '../turns/step-summary.js';

/**
 * Rebuilds, from a fixture, the views the signals saw: one span view per
 * step (for span-level signals) and the turn (for turn-level ones). Content
 * was never stored, so only what hashes and summaries carry is there.
 */
export function spanViewsOf(fixture: Fixture): SpanView[] {
  return fixture.replay.steps.map(step => viewOf(fixture, step));
}

export function turnViewOf(fixture: Fixture): TurnView {
  const { root } = fixture.replay;
  const rootView: SpanView = {
    ...emptyView(fixture, root.span_id, root.name, root.start_ms, root.end_ms, root.error),
    role: 'turn_root',
    isLocalRoot: true,
    parentSpanId: undefined,
  };
  return {
    traceId: fixture.trace_id,
    rootSpanId: root.span_id,
    root: rootView,
    agentName: fixture.agent_name ?? undefined,
    agentVersion: fixture.agent_version ?? undefined,
    conversationId: fixture.session_id,
    steps: fixture.replay.steps.map(step => stepOf(fixture, step)),
    incomplete: fixture.replay.incomplete,
  };
}

function viewOf(fixture: Fixture, step: ReplayStep): SpanView {
  return {
    ...emptyView(fixture, step.span_id, step.name, step.start_ms, step.end_ms, step.error),
    parentSpanId: step.parent_span_id ?? undefined,
    role: step.role,
    model: step.model ?? undefined,
    toolName: step.tool ?? undefined,
    toolCallId: step.call_id ?? undefined,
    argsHash: step.args_hash ?? undefined,
    resultHash: step.result_hash ?? undefined,
    outputTokens: step.output_tokens ?? undefined,
    plannedToolCalls: step.planned_tool_calls.map(call => ({ id: call.id ?? undefined, name: call.name, argsHash: call.args_hash ?? undefined })),
  };
}

function stepOf(fixture: Fixture, step: ReplayStep): StepSummary {
  return { ...stepSummaryOf(viewOf(fixture, step), step.role), region: fixture.context_env.region ?? undefined };
}

function emptyView(fixture: Fixture, spanId: string, name: string, startMs: number, endMs: number, error: FixtureStepError | null): SpanView {
  return {
    traceId: fixture.trace_id,
    spanId,
    parentSpanId: undefined,
    isLocalRoot: false,
    name,
    convention: 'none',
    role: 'other',
    startMs,
    endMs,
    durationMs: Math.max(0, endMs - startMs),
    serviceName: undefined,
    agentName: fixture.agent_name ?? undefined,
    agentVersion: fixture.agent_version ?? undefined,
    conversationId: fixture.session_id,
    model: undefined,
    provider: undefined,
    temperature: undefined,
    maxTokens: undefined,
    region: fixture.context_env.region ?? undefined,
    toolName: undefined,
    toolCallId: undefined,
    argsHash: undefined,
    resultHash: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
    status: error?.status ?? 'unset',
    statusMessage: error?.status_message ?? undefined,
    errorType: error?.error_type ?? undefined,
    httpStatusCode: error?.http_status_code ?? undefined,
    exceptionType: error?.exception_type ?? undefined,
    exceptionMessage: error?.exception_message ?? undefined,
    plannedToolCalls: [],
    finishReason: undefined,
    malformed: [],
    limited: [],
    attributes: {},
    events: [],
  };
}
