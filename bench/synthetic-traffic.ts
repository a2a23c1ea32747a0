/**
 * Synthetic agent traffic on a simulated clock, shared by the quality bench
 * (bench/signal-quality.ts) and the golden test (test/golden): weeks of turns
 * with lognormal tool latencies, deterministic and non-deterministic tools,
 * feedback scores, and injected failures of every kind. A seeded PRNG drives
 * every choice and every span carries explicit times, so the same options give
 * the same spans (apart from their random trace and span ids).
 */
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { AgentTriageSpanProcessorOptions, SignalId } from '../src/index.js';

export const DAY = 86_400_000;

/** Chance that a turn (or, for latency and mismatch, a tool call) carries each kind of injected failure. */
export interface InjectionRates {
  readonly provider: number;
  readonly toolError: number;
  readonly loop: number;
  readonly skipped: number;
  readonly tokenDrop: number;
  readonly latency: number;
  readonly mismatch: number;
}

export interface TrafficOptions {
  readonly seed: number;
  /** Simulated time of the first turn. */
  readonly startMs: number;
  readonly days: number;
  readonly turnsPerAgentPerDay: number;
  readonly inject: InjectionRates;
  /** Calls of a tool before a result mismatch may be injected into it (its result memory is warm). */
  readonly mismatchAfterCalls: number;
}

/** The quality bench's traffic: three weeks, 240 turns per agent per day. */
export const BENCH_TRAFFIC: Omit<TrafficOptions, 'seed' | 'startMs'> = {
  days: 21,
  turnsPerAgentPerDay: 240,
  inject: { provider: 0.004, toolError: 0.004, loop: 0.003, skipped: 0.003, tokenDrop: 0.003, latency: 0.02, mismatch: 0.004 },
  mismatchAfterCalls: 200,
};

/**
 * Signal options the traffic runs with: none, every signal on its defaults
 * (final answers are at least 80 tokens and a drop is under 30: the learned
 * floor of `output_token_drop` must tell them apart without configuration).
 */
export const TRAFFIC_SIGNALS: AgentTriageSpanProcessorOptions['signals'] = {};

/** Seeded PRNG (mulberry32), so every run sees the same traffic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ToolProfile {
  readonly name: string;
  readonly medianMs: number;
  /** Spread of log-latency. */
  readonly sigma: number;
  readonly deterministic: boolean;
}
const TOOLS: readonly ToolProfile[] = [
  { name: 'search_db', medianMs: 240, sigma: 0.25, deterministic: true },
  { name: 'get_weather', medianMs: 120, sigma: 0.25, deterministic: true },
  { name: 'fetch_invoice', medianMs: 600, sigma: 0.2, deterministic: true },
  { name: 'random_tip', medianMs: 40, sigma: 0.25, deterministic: false },
];
/** Shown apart: a tool with a wide latency spread, where a 5x call is often within 3 sigma. */
const WIDE_TOOL: ToolProfile = { name: 'web_scrape', medianMs: 900, sigma: 0.5, deterministic: true };
export const AGENTS = ['support-agent', 'billing-agent', 'travel-agent'] as const;
export const SATISFACTION_DROP_DAY = 15;
/** Satisfaction per agent: billing drops from 0.85 to 0.6 on day 15. */
const satisfaction = (agent: string, day: number): number => (agent === 'billing-agent' && day >= SATISFACTION_DROP_DAY ? 0.6 : 0.85);
/** `tool_latency_spike`'s default minSamples: spikes before it are cold-start spikes. */
export const MIN_SAMPLES = 30;

export type Expected = Exclude<SignalId, 'satisfaction_drop'>;

/** What was injected where, for scoring findings. */
export class Truth {
  readonly injected = new Map<string, Expected>();
  readonly injectedCount = new Map<Expected, number>();
  healthyTurns = 0;
  /** Tool calls neither spiked nor failed, of the narrow-spread tools. */
  healthyToolCalls = 0;
  /** The wide-spread tool, measured apart: its healthy calls and its 5x calls. */
  readonly wideHealthy = new Set<string>();
  readonly wideSpiked = new Set<string>();
  /** 5x calls before their (agent, tool) baseline had minSamples calls: no verdict by design (cold start). */
  readonly coldStartSpikes = new Set<string>();
  readonly callsPerAgentTool = new Map<string, number>();
  expect(signal: Expected, spanId: string): void {
    this.injected.set(`${signal}:${spanId}`, signal);
    this.injectedCount.set(signal, (this.injectedCount.get(signal) ?? 0) + 1);
  }
}

/** The simulated time: the end of the last turn so far. Give `() => clock.nowMs` to the processor. */
export interface SimulatedClock {
  nowMs: number;
}

/** Emits the traffic through `tracer`, advancing `clock` turn by turn. */
export class SyntheticTraffic {
  readonly truth = new Truth();
  private readonly _tracer: Tracer;
  private readonly _clock: SimulatedClock;
  private readonly _options: TrafficOptions;
  private readonly _random: () => number;
  /** The current result version of each (tool, argument) pair: a bump is a data change (an injected mismatch). */
  private readonly _versions = new Map<string, number>();
  /** When each (tool, argument) pair last returned a result: a mismatch needs a remembered result. */
  private readonly _lastResultAt = new Map<string, number>();
  /** Calls per tool, so mismatches are injected only once the tool is past its warm-up. */
  private readonly _callsPerTool = new Map<string, number>();

  constructor(tracer: Tracer, clock: SimulatedClock, options: TrafficOptions) {
    this._tracer = tracer;
    this._clock = clock;
    this._options = options;
    this._random = rng(options.seed);
  }

  get turns(): number {
    return this._options.days * this._options.turnsPerAgentPerDay * AGENTS.length;
  }

  /** Every turn of every day, in time order. */
  run(): void {
    const { days, startMs } = this._options;
    const turnsPerDay = this._options.turnsPerAgentPerDay * AGENTS.length;
    for (let day = 0; day < days; day++) {
      for (let i = 0; i < turnsPerDay; i++) {
        this._turn(AGENTS[i % AGENTS.length] ?? 'support-agent', day, startMs + day * DAY + (i * DAY) / turnsPerDay);
      }
    }
  }

  private _normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this._random())) * Math.cos(2 * Math.PI * this._random());
  }

  private _pick<T>(items: readonly T[]): T {
    return items[Math.floor(this._random() * items.length)] as T;
  }

  private _span(name: string, parent: Context | undefined, attributes: Record<string, string | number | string[]>, startMs: number): Span {
    return this._tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, startTime: startMs }, parent ?? context.active());
  }

  private _llm(parent: Context, at: number, calls: readonly { id: string; name: string; args: unknown }[], outputTokens: number, fail?: number): { id: string; end: number } {
    const s = this._span('chat gpt-4o', parent, { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' }, at);
    const end = at + 400 + this._random() * 600;
    if (fail !== undefined) {
      s.recordException(new Error('provider failed'));
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'provider failed' });
      s.setAttribute('http.response.status_code', fail);
    } else {
      const parts = calls.length > 0 ? calls.map(c => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args })) : [{ type: 'text', content: 'answer' }];
      s.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts }]));
      s.setAttribute('gen_ai.usage.input_tokens', 500);
      s.setAttribute('gen_ai.usage.output_tokens', outputTokens);
    }
    s.end(end);
    return { id: s.spanContext().spanId, end };
  }

  private _tool(parent: Context, at: number, profile: ToolProfile, call: { id: string; args: number }, inject: { spike: boolean; fail: boolean; mismatch: boolean }): { id: string; end: number; healthy: boolean } {
    const key = `${profile.name}:${call.args}`;
    if (inject.mismatch) this._versions.set(key, (this._versions.get(key) ?? 0) + 1);
    const normalMs = profile.medianMs * Math.exp(profile.sigma * this._normal());
    const durationMs = inject.spike ? 5 * normalMs : normalMs;
    const s = this._span(`execute_tool ${profile.name}`, parent, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': profile.name,
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.call.arguments': JSON.stringify({ q: call.args }),
    }, at);
    if (inject.fail) {
      s.recordException(new Error('tool failed'));
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
    } else {
      const result = profile.deterministic ? { q: call.args, v: this._versions.get(key) ?? 0 } : { tip: this._random() };
      s.setAttribute('gen_ai.tool.call.result', JSON.stringify(result));
    }
    s.end(at + durationMs);
    return { id: s.spanContext().spanId, end: at + durationMs, healthy: !inject.spike && !inject.fail };
  }

  private _turn(agent: string, day: number, at: number): void {
    const { inject: rates } = this._options;
    const truth = this.truth;
    const root = this._span(`invoke_agent ${agent}`, undefined, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent, 'gen_ai.provider.name': 'openai' }, at);
    const parent = trace.setSpan(context.active(), root);
    const roll = this._random();
    let t = at + 1;
    let cursor = 0;
    const is = (p: number): boolean => roll >= cursor && roll < (cursor += p);
    const kind = is(rates.provider) ? 'provider' : is(rates.toolError) ? 'toolError' : is(rates.loop) ? 'loop' : is(rates.skipped) ? 'skipped' : is(rates.tokenDrop) ? 'tokenDrop' : 'healthy';
    if (kind === 'loop') {
      for (let i = 0; i < 3; i++) t = this._llm(parent, t, [], 80).end;
      truth.expect('zero_tool_calls', root.spanContext().spanId);
    } else if (kind === 'provider') {
      const failed = this._llm(parent, t, [], 0, this._pick([500, 503, 429, 400]));
      truth.expect('provider_error', failed.id);
      t = failed.end;
    } else {
      const profiles = this._random() < 0.05 ? [WIDE_TOOL] : [this._pick(TOOLS), ...(this._random() < 0.4 ? [this._pick(TOOLS)] : [])];
      const calls = profiles.map((profile, i) => ({ id: `call_${i}`, name: profile.name, args: Math.floor(this._random() * 20), profile }));
      const planner = this._llm(parent, t, calls, 40);
      t = planner.end;
      const executed = kind === 'skipped' ? calls.slice(0, -1) : calls;
      if (kind === 'skipped') truth.expect('skipped_planned_call', planner.id);
      executed.forEach((call, i) => {
        const seen = this._callsPerTool.get(call.name) ?? 0;
        this._callsPerTool.set(call.name, seen + 1);
        const inject = {
          fail: kind === 'toolError' && i === 0,
          spike: kind === 'healthy' && this._random() < rates.latency,
          mismatch:
            kind === 'healthy' &&
            call.profile.deterministic &&
            seen > this._options.mismatchAfterCalls &&
            t - (this._lastResultAt.get(`${call.name}:${call.args}`) ?? -DAY) < DAY / 2 &&
            this._random() < rates.mismatch,
        };
        // Only a call that returned a result leaves a memory to compare with (for the signal's TTL, 24 h).
        if (!inject.fail) this._lastResultAt.set(`${call.name}:${call.args}`, t);
        const result = this._tool(parent, t, call.profile, call, inject);
        t = result.end;
        const agentTool = `${agent}:${call.name}`;
        if (!inject.fail) truth.callsPerAgentTool.set(agentTool, (truth.callsPerAgentTool.get(agentTool) ?? 0) + 1);
        if (inject.fail) truth.expect('tool_error', result.id);
        if (inject.mismatch) truth.expect('tool_result_mismatch', result.id);
        if (call.profile === WIDE_TOOL) {
          if (inject.spike) truth.wideSpiked.add(result.id);
          else if (result.healthy) truth.wideHealthy.add(result.id);
        } else if (inject.spike && (truth.callsPerAgentTool.get(`${agent}:${call.name}`) ?? 0) < MIN_SAMPLES) {
          truth.coldStartSpikes.add(result.id);
        } else if (inject.spike) {
          truth.expect('tool_latency_spike', result.id);
        } else if (result.healthy) {
          truth.healthyToolCalls++;
        }
      });
      const tokens = kind === 'tokenDrop' ? Math.floor(this._random() * 30) : Math.max(80, Math.round(300 * Math.exp(0.4 * this._normal())));
      const answer = this._llm(parent, t, [], tokens);
      if (kind === 'tokenDrop') truth.expect('output_token_drop', answer.id);
      t = answer.end;
    }
    if (kind === 'healthy') truth.healthyTurns++;
    root.setAttribute('gen_ai.evaluation.score.value', this._random() < satisfaction(agent, day) ? 1 : 0);
    this._clock.nowMs = t;
    root.end(t + 1);
  }
}
