import { diag } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace';
import type { CounterTable } from '../emit/counter-table.js';
import {
  ATTR_TRIAGE_CONVENTION,
  ATTR_TRIAGE_HEALTH_CAUSE,
  ATTR_TRIAGE_HEALTH_FIELD,
  ATTR_TRIAGE_SIGNAL,
  EVENT_TRIAGE_INSTRUMENTATION_HEALTH,
} from '../emit/attributes.js';
import { isFailed } from '../normalize/span-view.js';
import type { ConventionId, SpanView } from '../normalize/span-view.js';
import type { SignalId } from '../signals/signal.js';
import type { TurnView } from '../turns/turn-view.js';

export type HealthCause = 'unknown_convention' | 'content_not_captured' | 'missing_attribute';
/** `all`: the span matched no convention, so no signal can read it. */
export type HealthSignal = SignalId | 'all';

/** Attribute-key prefixes of agent instrumentations: a span with one and no adapter is an unknown convention. */
const AGENT_KEY_PREFIXES = ['gen_ai.', 'llm.', 'ai.', 'openinference.', 'traceloop.'];

const TOOL_NAME_SIGNALS: readonly SignalId[] = ['skipped_planned_call', 'tool_latency_spike', 'tool_result_mismatch'];

const DESCRIPTIONS: Readonly<Record<HealthCause, string>> = {
  unknown_convention: 'spans look like agent spans but match no known convention',
  content_not_captured: 'content is not captured, so it cannot be hashed or parsed',
  missing_attribute: 'a needed attribute is missing',
};

/**
 * Notices agent spans that lack what a signal needs and says so: a count per
 * (cause, convention, signal), one diagnostic span event per such key at most
 * every `intervalMs`, and one diag warning per key for the process's life.
 * Healthy spans cost a few property checks and allocate nothing.
 */
export class InstrumentationHealth {
  private readonly _counts: CounterTable;
  private readonly _intervalMs: number;
  private readonly _now: () => number;
  private readonly _lastEventMs = new Map<string, number>();
  private _events: TimedEvent[] | undefined;

  constructor(counts: CounterTable, intervalMs: number, now: () => number = Date.now) {
    this._counts = counts;
    this._intervalMs = intervalMs;
    this._now = now;
  }

  /** Checks a normalised agent span; returns diagnostic events to add to it, or undefined. */
  checkView(view: SpanView, time: HrTime): TimedEvent[] | undefined {
    this._events = undefined;
    const convention = view.convention;
    if (view.role === 'tool_call') {
      if (view.toolName === undefined) {
        for (const signal of TOOL_NAME_SIGNALS) this._gap('missing_attribute', convention, signal, 'toolName', time);
      }
      if (!isFailed(view)) {
        if (view.argsHash === undefined) this._gap('content_not_captured', convention, 'tool_result_mismatch', 'argsHash', time);
        if (view.resultHash === undefined) this._gap('content_not_captured', convention, 'tool_result_mismatch', 'resultHash', time);
      }
    } else if (view.role === 'llm_step' && !isFailed(view)) {
      if (view.finishReason === 'tool_calls' && view.plannedToolCalls.length === 0) {
        this._gap('content_not_captured', convention, 'skipped_planned_call', 'plannedToolCalls', time);
      }
      if (view.outputTokens === undefined) this._gap('missing_attribute', convention, 'output_token_drop', 'outputTokens', time);
    }
    return this._events;
  }

  /**
   * For a decided turn: tools ran but no LLM step recorded planning any call,
   * so planned calls are not captured (OpenInference LangChain writes them
   * only from OpenAI-style `additional_kwargs.tool_calls`).
   */
  checkTurn(turn: TurnView, time: HrTime): TimedEvent[] | undefined {
    this._events = undefined;
    let llmSteps = 0;
    let toolCalls = 0;
    for (const step of turn.steps) {
      if (step.role === 'tool_call') toolCalls++;
      else if (step.plannedToolCalls.length > 0) return undefined;
      else llmSteps++;
    }
    if (llmSteps > 0 && toolCalls > 0) {
      this._gap('content_not_captured', turn.root?.convention ?? 'none', 'skipped_planned_call', 'plannedToolCalls', time);
    }
    return this._events;
  }

  /** For a span no adapter matched: flags it when its keys look like an agent instrumentation's. */
  checkUnmatched(attributes: Attributes, time: HrTime): TimedEvent[] | undefined {
    this._events = undefined;
    for (const key in attributes) {
      if (hasAgentPrefix(key)) {
        this._gap('unknown_convention', 'none', 'all', 'convention', time);
        break;
      }
    }
    return this._events;
  }

  private _gap(cause: HealthCause, convention: ConventionId, signal: HealthSignal, field: string, time: HrTime): void {
    this._counts.add([cause, convention, signal]);
    const key = `${cause}\u0000${convention}\u0000${signal}\u0000${field}`;
    const last = this._lastEventMs.get(key);
    const now = this._now();
    if (last === undefined) {
      const who = signal === 'all' ? 'signals' : `signal ${signal}`;
      const spans = convention === 'none' ? 'some agent spans' : `${convention} spans`;
      diag.warn(`agent-triage: ${who} cannot evaluate ${spans}: ${DESCRIPTIONS[cause]} (${field}).`);
    } else if (now - last < this._intervalMs) {
      return;
    }
    this._lastEventMs.set(key, now);
    (this._events ??= []).push({
      name: EVENT_TRIAGE_INSTRUMENTATION_HEALTH,
      time,
      attributes: {
        [ATTR_TRIAGE_HEALTH_CAUSE]: cause,
        [ATTR_TRIAGE_CONVENTION]: convention,
        [ATTR_TRIAGE_SIGNAL]: signal,
        [ATTR_TRIAGE_HEALTH_FIELD]: field,
      },
      droppedAttributesCount: 0,
    });
  }
}

/** A plain loop: this runs for every attribute of every unrecognised span, so no closure per key. */
function hasAgentPrefix(key: string): boolean {
  for (const prefix of AGENT_KEY_PREFIXES) if (key.startsWith(prefix)) return true;
  return false;
}
