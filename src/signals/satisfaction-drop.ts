import { z } from 'zod';
import { stdDev } from '../state/running-stats.js';
import type { RunningStats } from '../state/running-stats.js';
import { addToWindow, bucketAt, currentBucket, statsBetween } from '../state/time-window.js';
import type { TurnView } from '../turns/turn-view.js';
import type { FeedbackRecord, Signal, SignalContext, SignalDeps } from './signal.js';

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

export const satisfactionDropOptions = z
  .strictObject({
    /** Span attribute with the score, on the turn root or on a score event. */
    scoreAttribute: z.string().min(1).default('gen_ai.evaluation.score.value'),
    /** Span event on the turn root that carries `scoreAttribute`. */
    scoreEvent: z.string().min(1).default('gen_ai.evaluation.result'),
    /** Only score events whose `gen_ai.evaluation.name` is this (e.g. `csat`); unset: any. */
    evaluationName: z.string().min(1).optional(),
    /** The score scale; scores are normalised to 0..1 and scores outside it are ignored. */
    scoreMin: z.number().default(0),
    scoreMax: z.number().default(1),
    /** Fires when this week's mean is more than this fraction below the previous week's. */
    dropRatio: z.number().positive().max(1).default(0.1),
    /** Scores each of the two weeks needs before any verdict. */
    minSamplesPerWeek: z.number().int().min(1).default(30),
    /**
     * The drop must also be this many standard errors (Welch) wide, so the
     * noise of a few dozen thumbs up/down cannot pass for a 10% drop.
     */
    minZ: z.number().min(0).default(3),
    /** One "week": the comparison window (sliding, in `bucketMs` steps). */
    windowMs: z.number().int().positive().default(WEEK_MS),
    bucketMs: z.number().int().positive().default(HOUR_MS),
    /** `agent`: one baseline per agent name. `global`: one for all traffic. */
    groupBy: z.enum(['agent', 'global']).default('agent'),
    /** After firing, stay quiet for this group this long. */
    rearmAfterMs: z.number().int().min(0).default(24 * HOUR_MS),
  })
  .refine(o => o.scoreMax > o.scoreMin, { message: 'scoreMax must be greater than scoreMin', path: ['scoreMax'] });
export type SatisfactionDropOptions = z.input<typeof satisfactionDropOptions>;

const scoresSchema = z.array(z.tuple([z.number().int(), z.number().int().positive(), z.number(), z.number().min(0)]));
const timeSchema = z.number();

const MAX_GROUPS = 10_000;

/**
 * `satisfaction_drop`: user satisfaction (feedback scores from span attributes,
 * span events or `recordFeedback`) down more than 10% week over week. A
 * population-level finding: it concerns all turns of the group, not the turn
 * whose score revealed it, so it is emitted with scope `population`. No
 * verdict before two whole weeks of history, and only for a drop that is
 * also statistically clear (`minZ` standard errors).
 */
export function createSatisfactionDropSignal(options: SatisfactionDropOptions, deps: SignalDeps): Signal {
  const config = satisfactionDropOptions.parse(options);
  const windowBuckets = Math.max(1, Math.ceil(config.windowMs / config.bucketMs));
  const scores = deps.state('scores', scoresSchema, MAX_GROUPS);
  const fired = deps.state('fired', timeSchema, MAX_GROUPS);
  const since = deps.state('since', timeSchema, MAX_GROUPS);

  function record(feedback: FeedbackRecord, ctx: SignalContext): void {
    const { scoreMin, scoreMax } = config;
    if (feedback.score < scoreMin || feedback.score > scoreMax) {
      ctx.health({ cause: 'score_out_of_range', field: 'score', details: { score: feedback.score, scoreMin, scoreMax } });
      return;
    }
    const group = config.groupBy === 'agent' ? (feedback.agentName ?? '') : '';
    const nowMs = deps.now();
    const firstMs = since.get(group) ?? nowMs;
    since.set(group, firstMs);
    const buckets = addToWindow(
      scores.get(group) ?? [],
      bucketAt(nowMs, config.bucketMs),
      (feedback.score - scoreMin) / (scoreMax - scoreMin),
      2 * windowBuckets,
    );
    scores.set(group, buckets);
    const now = currentBucket(buckets, bucketAt(nowMs, config.bucketMs));
    // Week over week needs two whole weeks of history: a "previous week" of a few hours is noise.
    if (now - bucketAt(firstMs, config.bucketMs) < 2 * windowBuckets - 1) return;
    const week = statsBetween(buckets, now - windowBuckets, now);
    const previous = statsBetween(buckets, now - 2 * windowBuckets, now - windowBuckets);
    if (week.count < config.minSamplesPerWeek || previous.count < config.minSamplesPerWeek) return;
    if (!(week.mean < previous.mean * (1 - config.dropRatio))) return;
    const standardError = Math.sqrt(variance(week) / week.count + variance(previous) / previous.count);
    if (previous.mean - week.mean < config.minZ * standardError) return;
    const lastFired = fired.get(group);
    if (lastFired !== undefined && nowMs >= lastFired && nowMs - lastFired < config.rearmAfterMs) return;
    fired.set(group, nowMs);
    ctx.report({
      spanId: feedback.spanId ?? '',
      scope: 'population',
      details: {
        ...(feedback.agentName !== undefined && config.groupBy === 'agent' && { 'gen_ai.agent.name': feedback.agentName }),
        week_mean: round(week.mean * (scoreMax - scoreMin) + scoreMin),
        previous_week_mean: round(previous.mean * (scoreMax - scoreMin) + scoreMin),
        drop_ratio: round(1 - week.mean / previous.mean),
        week_samples: week.count,
        previous_week_samples: previous.count,
      },
    });
  }

  return {
    id: 'satisfaction_drop',
    onTurn(turn, ctx) {
      const score = scoreOf(turn, config);
      if (score === undefined) return;
      record({ score, agentName: turn.agentName, traceId: turn.traceId, spanId: turn.rootSpanId }, ctx);
    },
    onFeedback(feedback, ctx) {
      record(feedback, ctx);
    },
    toString: () => `satisfaction_drop{dropRatio=${config.dropRatio},groupBy=${config.groupBy}}`,
  };
}

/** The score on the turn root: its attribute, else the first matching score event. */
function scoreOf(turn: TurnView, config: z.output<typeof satisfactionDropOptions>): number | undefined {
  const root = turn.root;
  if (!root) return undefined;
  const direct = numberOf(root.attributes[config.scoreAttribute]);
  if (direct !== undefined) return direct;
  for (const event of root.events) {
    if (event.name !== config.scoreEvent) continue;
    const attributes = event.attributes ?? {};
    if (config.evaluationName !== undefined && attributes['gen_ai.evaluation.name'] !== config.evaluationName) continue;
    const score = numberOf(attributes[config.scoreAttribute]);
    if (score !== undefined) return score;
  }
  return undefined;
}

function variance(stats: RunningStats): number {
  return stdDev(stats) ** 2;
}

function numberOf(value: unknown): number | undefined {
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : undefined;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
