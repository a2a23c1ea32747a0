/**
 * Agents whose answers are legitimately short or highly variable, for the
 * quality bench: three weeks of turns of one agent, through the real processor
 * on its defaults, with no drop injected. Every `output_token_drop` finding is
 * a false positive of the learned floor. The informational shape marks its
 * limit: rare legitimate one-liners of an agent whose answers are otherwise
 * long look like drops (configure a minimum for such an agent).
 */
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentTriageSpanProcessor } from '../src/index.js';
import { DAY, rng } from './synthetic-traffic.js';

export interface AnswerShape {
  readonly label: string;
  /** Shown to mark a limit, not held to the target. */
  readonly informational?: boolean;
  /** Output tokens of one answer, from a uniform draw and a standard normal draw. */
  readonly tokens: (uniform: number, normal: number) => number;
}

export const ANSWER_SHAPES: readonly AnswerShape[] = [
  { label: 'short answers (1–12 tokens)', tokens: u => 1 + Math.floor(u * 12) },
  { label: 'highly variable answers (lognormal, σ = 1, median 300)', tokens: (_u, n) => Math.max(1, Math.round(300 * Math.exp(n))) },
  { label: 'mostly long answers, 3% one-liners of 2–8 tokens', informational: true, tokens: (u, n) => (u < 0.03 ? 2 + Math.floor((u / 0.03) * 7) : Math.round(300 * Math.exp(0.3 * n))) },
];

const DAYS = 21;
const TURNS_PER_DAY = 240;

/** A `next` processor that keeps nothing: the benchmarks read findings, not exports. */
export class DiscardingProcessor implements SpanProcessor {
  onStart(): void {
    // nothing kept
  }
  onEnd(): void {
    // nothing kept
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Three weeks of one agent answering in `shape`; how many turns and how many drops were reported. */
export async function quietOnAnswerShape(shape: AnswerShape, seed = 7): Promise<{ turns: number; fired: number }> {
  const random = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  let nowMs = Date.UTC(2026, 0, 5);
  let fired = 0;
  const processor = new AgentTriageSpanProcessor({
    next: new DiscardingProcessor(),
    clock: () => nowMs,
    state: { persistence: false },
    onFinding: finding => {
      if (finding.signal === 'output_token_drop') fired++;
    },
  });
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('answer-shapes');
  const start = nowMs;
  const turns = DAYS * TURNS_PER_DAY;
  for (let i = 0; i < turns; i++) {
    const at = start + (i * DAY) / TURNS_PER_DAY;
    const root = tracer.startSpan('invoke_agent shaped-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'shaped-agent' }, startTime: at });
    const step = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': shape.tokens(random(), normal()) }, startTime: at + 1 }, trace.setSpan(context.active(), root));
    step.end(at + 500);
    nowMs = at + 501;
    root.end(nowMs);
  }
  await processor.shutdown();
  return { turns, fired };
}
