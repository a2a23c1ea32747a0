import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { DEFAULT_ADAPTERS } from '../../src/normalize/adapters.js';
import { normalizeSpan } from '../../src/normalize/normalize-span.js';
import type { SpanView } from '../../src/normalize/span-view.js';
import type { Finding, SignalId } from '../../src/index.js';

/**
 * The scenarios every convention's end-to-end test runs with its real library,
 * and the findings (`signal/class`) each must produce: the same for every convention.
 */
export const EXPECTED_FINDINGS = {
  /** Plan two tool calls, run both, answer. */
  healthy: [],
  /** The provider answers HTTP 500. */
  provider_500: ['provider_error/infra'],
  /** One of two planned tools throws. */
  tool_throws: ['tool_error/logic'],
  /** The model keeps asking for a tool the agent does not have: three LLM steps, nothing executed. */
  loop_without_tools: ['skipped_planned_call/logic', 'zero_tool_calls/logic'],
  /** The model plans a call the agent never runs (a tool without an executor, or a run stopped before tools). */
  planned_not_executed: ['skipped_planned_call/logic'],
  /** The same tool with the same arguments returns different results within a turn. */
  same_args_different_results: [],
} as const satisfies Record<string, readonly `${SignalId}/${string}`[]>;

export type Scenario = keyof typeof EXPECTED_FINDINGS;
export const SCENARIOS = Object.keys(EXPECTED_FINDINGS) as Scenario[];

export interface PlannedCall {
  readonly id: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/** What the fake model answers, step by step: an HTTP failure, tool calls, or text. */
export type ModelReply = { readonly status: number } | { readonly toolCalls: readonly PlannedCall[] } | { readonly text: string };

export type ToolImpl = (args: Record<string, unknown>) => Promise<unknown>;

/** One scenario as library-neutral data; each test turns it into its library's model and tools. */
export interface ScenarioScript {
  readonly replies: readonly ModelReply[];
  /** The tools the agent can execute, by name. */
  readonly tools: Readonly<Record<string, ToolImpl>>;
}

/** A hand-off the model may plan and the agent never executes: control goes back to the user. */
export const HANDOFF_TOOL = 'ask_user';

const weatherCalls: PlannedCall[] = [
  { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } },
  { id: 'call_2', name: 'get_time', args: {} },
];

function weatherTools(options: { timeFails?: boolean; temps?: number[] } = {}): Record<string, ToolImpl> {
  const temps = [...(options.temps ?? [14])];
  return {
    get_weather: ({ city }) => Promise.resolve({ city, temp: temps.shift() ?? 0 }),
    get_time: () => (options.timeFails ? Promise.reject(new Error('clock unavailable')) : Promise.resolve('12:00')),
  };
}

export const SCENARIO_SCRIPTS: Record<Scenario, () => ScenarioScript> = {
  healthy: () => ({ replies: [{ toolCalls: weatherCalls }, { text: '14°C at noon' }], tools: weatherTools() }),
  provider_500: () => ({ replies: [{ status: 500 }], tools: weatherTools() }),
  tool_throws: () => ({ replies: [{ toolCalls: weatherCalls }, { text: 'no time' }], tools: weatherTools({ timeFails: true }) }),
  loop_without_tools: () => ({
    replies: [1, 2, 3].map(n => ({ toolCalls: [{ id: `call_${n}`, name: 'lookup_forecast', args: { city: 'Paris' } }] })),
    tools: weatherTools(),
  }),
  planned_not_executed: () => ({
    replies: [{ toolCalls: [{ id: 'call_1', name: HANDOFF_TOOL, args: { question: 'Which city?' } }] }],
    tools: weatherTools(),
  }),
  same_args_different_results: () => ({
    replies: [
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }] },
      { toolCalls: [{ id: 'call_2', name: 'get_weather', args: { city: 'Paris' } }] },
      { text: 'it changed' },
    ],
    tools: weatherTools({ temps: [14, 31] }),
  }),
};

/** Sorted distinct `signal/class` pairs of a set of findings. */
export function findingsOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map(f => `${f.signal}/${f.class}`))].sort();
}

/** Libraries that use the global tracer or context need a context manager, or every span is a root. */
export function enableAsyncContext(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** The normalised views of the exported tool-call spans, in end order. */
export function toolViews(spans: readonly ReadableSpan[]): SpanView[] {
  return spans.map(span => normalizeSpan(span, DEFAULT_ADAPTERS)).filter(view => view.role === 'tool_call');
}

/** Spans carrying the turn summary: one per decided turn root. */
export function turnRoots(spans: readonly ReadableSpan[]): ReadableSpan[] {
  return spans.filter(span => span.attributes['agent_triage.turn.outcome'] !== undefined);
}
