import { diag } from '@opentelemetry/api';
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace';
import type { CounterTable } from '../emit/counter-table.js';
import {
  ATTR_TRIAGE_CONVENTION,
  ATTR_TRIAGE_HEALTH_CAUSE,
  ATTR_TRIAGE_HEALTH_FIELD,
  ATTR_TRIAGE_HEALTH_SUBJECT,
  ATTR_TRIAGE_DETAIL_PREFIX,
  ATTR_TRIAGE_SIGNAL,
  EVENT_TRIAGE_INSTRUMENTATION_HEALTH,
} from '../emit/attributes.js';
import { isFailed } from '../normalize/span-view.js';
import type { ConventionId, SpanView } from '../normalize/span-view.js';
import type { HealthCause, HealthNotice, SignalId, SignalName } from '../signals/signal.js';
import { ATTR_TOOL_ARGS_HASH, ATTR_TOOL_RESULT_HASH } from '../signals/tool-result-mismatch.js';
import type { TurnView } from '../turns/turn-view.js';

export type { HealthCause } from '../signals/signal.js';
/** `all`: the span matched no convention, so no signal can read it. */
export type HealthSignal = SignalName | 'all';

/**
 * One instrumentation gap, as `onHealthNotice` receives it: which signal
 * cannot judge what (field, subject) and why (cause), on which convention.
 */
export interface HealthNoticeRecord extends HealthNotice {
  /** The signal that cannot judge; `all` when no adapter could read the span. */
  readonly signal: HealthSignal;
  /** The convention of the span concerned; `none` when no adapter read it or no span carried it (feedback through the API). */
  readonly convention: ConventionId;
}

/** Attribute-key prefixes of agent instrumentations: a span with one and no adapter is an unknown convention. */
const AGENT_KEY_PREFIXES = ['gen_ai.', 'llm.', 'ai.', 'openinference.', 'traceloop.'];

const TOOL_NAME_SIGNALS: readonly SignalId[] = ['skipped_planned_call', 'tool_latency_spike', 'tool_result_mismatch'];

const DESCRIPTIONS: Readonly<Record<HealthCause, string>> = {
  unknown_convention: 'spans look like agent spans but match no known convention',
  content_not_captured: 'content is not captured, so it cannot be hashed or parsed',
  missing_attribute: 'a needed attribute is missing',
  learned_non_deterministic: 'its repeats mostly differ, so it is treated as non-deterministic from now on',
  score_out_of_range: 'a score lies outside scoreMin..scoreMax',
};

/** Keys of rate-limited span events remembered; past it the oldest goes (a new key then writes its event again). */
const MAX_EVENT_KEYS = 10_000;

/** A signal's notice waiting for the health check of the span (or turn root) it concerns. */
interface PendingNotice {
  readonly spanId: string;
  readonly record: HealthNoticeRecord;
}

/**
 * The one channel for instrumentation gaps. It checks agent spans for what
 * the signals need, and takes the notices signals raise while they evaluate
 * (a tool learned non-deterministic, a score out of range). Each gap is
 * counted in one metric (cause, convention, signal), written as one span
 * event on the span concerned (at most one per cause, convention, signal and
 * field every `intervalMs`), warned once through `diag` and handed once to
 * `onNotice`. Healthy spans cost a few property checks and allocate nothing.
 */
export class InstrumentationHealth {
  private readonly _counts: CounterTable;
  private readonly _intervalMs: number;
  private readonly _onNotice: (record: HealthNoticeRecord) => void;
  private readonly _now: () => number;
  private readonly _lastEventMs = new Map<string, number>();
  private _pending: PendingNotice[] | undefined;
  private _events: TimedEvent[] | undefined;

  constructor(counts: CounterTable, intervalMs: number, onNotice: (record: HealthNoticeRecord) => void = () => undefined, now: () => number = Date.now) {
    this._counts = counts;
    this._intervalMs = intervalMs;
    this._onNotice = onNotice;
    this._now = now;
  }

  /**
   * A signal's notice (the engine already keeps one per signal, cause and
   * subject): counted, warned and handed on now; its span event waits for the
   * health check of the span or turn it concerns, which follows the evaluation.
   */
  notice(signal: SignalName, notice: HealthNotice, concerns: SpanView | TurnView | undefined): void {
    const convention = concerns === undefined ? 'none' : 'steps' in concerns ? (concerns.root?.convention ?? 'none') : concerns.convention;
    const record: HealthNoticeRecord = { ...notice, signal, convention };
    this._counts.add([notice.cause, convention, signal]);
    this._announce(record);
    if (concerns !== undefined) {
      (this._pending ??= []).push({ spanId: 'steps' in concerns ? concerns.rootSpanId : concerns.spanId, record });
    }
  }

  /** Checks a normalised agent span; returns diagnostic events to add to it, or undefined. */
  checkView(view: SpanView, time: HrTime): TimedEvent[] | undefined {
    this._events = undefined;
    this._takePending(view.spanId, time);
    const convention = view.convention;
    if (view.role === 'tool_call') {
      if (view.toolName === undefined) {
        for (const signal of TOOL_NAME_SIGNALS) this._gap('missing_attribute', convention, signal, 'toolName', time);
      }
      if (!isFailed(view)) {
        // A precomputed hash under the default attribute name stands in for content (renamed ones are not seen here).
        if (view.argsHash === undefined && view.attributes[ATTR_TOOL_ARGS_HASH] === undefined) {
          this._gap('content_not_captured', convention, 'tool_result_mismatch', 'argsHash', time);
        }
        if (view.resultHash === undefined && view.attributes[ATTR_TOOL_RESULT_HASH] === undefined) {
          this._gap('content_not_captured', convention, 'tool_result_mismatch', 'resultHash', time);
        }
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
    this._takePending(turn.rootSpanId, time);
    let llmSteps = 0;
    let toolCalls = 0;
    for (const step of turn.steps) {
      if (step.role === 'tool_call') toolCalls++;
      else if (step.plannedToolCalls.length > 0) return this._events;
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

  /** A gap a span check found: counted on every span; announced the first time; an event at most once per interval. */
  private _gap(cause: HealthCause, convention: ConventionId, signal: HealthSignal, field: string, time: HrTime): void {
    this._counts.add([cause, convention, signal]);
    const key = `${cause}\u0000${convention}\u0000${signal}\u0000${field}`;
    const last = this._lastEventMs.get(key);
    const now = this._now();
    if (last === undefined) this._announce({ signal, cause, convention, field });
    else if (now - last < this._intervalMs) return;
    if (last === undefined && this._lastEventMs.size >= MAX_EVENT_KEYS) {
      const oldest = this._lastEventMs.keys().next();
      if (oldest.done !== true) this._lastEventMs.delete(oldest.value);
    }
    this._lastEventMs.set(key, now);
    (this._events ??= []).push(healthEvent({ signal, cause, convention, field }, time));
  }

  /** The events of the notices raised while this span (or turn) was evaluated; stale ones (a turn without a root) are dropped. */
  private _takePending(spanId: string, time: HrTime): void {
    const pending = this._pending;
    if (pending === undefined) return;
    this._pending = undefined;
    for (const { spanId: concerned, record } of pending) {
      if (concerned === spanId) (this._events ??= []).push(healthEvent(record, time));
    }
  }

  private _announce(record: HealthNoticeRecord): void {
    const { signal, convention, cause, field, subject } = record;
    const who = signal === 'all' ? 'signals' : `signal ${signal}`;
    const spans = convention === 'none' ? 'some agent spans' : `${convention} spans`;
    const what = [field, subject].filter(part => part !== undefined).join(', ');
    diag.warn(`agent-triage: ${who} cannot evaluate ${spans}: ${DESCRIPTIONS[cause]}${what === '' ? '' : ` (${what})`}.`);
    this._onNotice(record);
  }
}

function healthEvent(record: HealthNoticeRecord, time: HrTime): TimedEvent {
  const attributes: Attributes = {
    [ATTR_TRIAGE_HEALTH_CAUSE]: record.cause,
    [ATTR_TRIAGE_CONVENTION]: record.convention,
    [ATTR_TRIAGE_SIGNAL]: record.signal,
  };
  if (record.field !== undefined) attributes[ATTR_TRIAGE_HEALTH_FIELD] = record.field;
  if (record.subject !== undefined) attributes[ATTR_TRIAGE_HEALTH_SUBJECT] = record.subject;
  for (const [key, value] of Object.entries(record.details ?? {})) attributes[`${ATTR_TRIAGE_DETAIL_PREFIX}${key}`] = value as AttributeValue;
  return { name: EVENT_TRIAGE_INSTRUMENTATION_HEALTH, time, attributes, droppedAttributesCount: 0 };
}

/** A plain loop: this runs for every attribute of every unrecognised span, so no closure per key. */
function hasAgentPrefix(key: string): boolean {
  for (const prefix of AGENT_KEY_PREFIXES) if (key.startsWith(prefix)) return true;
  return false;
}
