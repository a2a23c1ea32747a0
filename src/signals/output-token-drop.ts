import { z } from 'zod';
import { countInHistogram, quantilesOf } from '../state/log-histogram.js';
import type { StepSummary } from '../turns/turn-view.js';
import type { Signal, SignalDeps } from './signal.js';
import { taskTypeOf } from './task-type.js';

const DAY_MS = 86_400_000;

export const outputTokenDropOptions = z.strictObject({
  /** Minimum output tokens per task type; a task type listed here is judged on it alone (no learned floor). */
  minExpectedTokens: z.record(z.string().min(1), z.number().int().min(0)).default({}),
  /** Minimum for task types not listed; 1 means an empty answer always counts as a drop. */
  defaultMinExpectedTokens: z.number().int().min(0).default(1),
  /** Root-span attribute holding the task type; unset or absent: the agent name. */
  taskTypeAttribute: z.string().min(1).optional(),
  /** `final_step`: the tokens of the turn's last LLM step (its answer). `turn_total`: of all its LLM steps. */
  measure: z.enum(['final_step', 'turn_total']).default('final_step'),
  /**
   * The learned floor, for task types without a configured minimum: fire below
   * `fraction` × the `quantile` of the task type's own answers over `windowMs`,
   * once `minSamples` answers are in. Not judged when that quantile is under
   * `minBaselineTokens` (answers legitimately short) or the median is more
   * than `maxSpread` times it (answers too variable). A drop is not learned.
   */
  learnedFloor: z
    .strictObject({
      enabled: z.boolean().default(true),
      quantile: z.number().min(0).max(0.5).default(0.02),
      fraction: z.number().positive().max(1).default(0.3),
      minSamples: z.number().int().min(1).default(10),
      windowMs: z.number().int().positive().default(7 * DAY_MS),
      minBaselineTokens: z.number().min(0).default(16),
      maxSpread: z.number().min(1).default(10),
    })
    .prefault({}),
});
export type OutputTokenDropOptions = z.input<typeof outputTokenDropOptions>;

const baselineSchema = z.array(z.tuple([z.number().int(), z.record(z.string().regex(/^\d+$/), z.number().int().positive())]));
type Baseline = [day: number, histogram: Record<string, number>][];

/**
 * `output_token_drop`: a turn answered with fewer output tokens than its task
 * type needs (a truncated or empty answer): below the configured minimum of
 * its task type, or below the floor learned from the task type's own recent
 * answers (daily log histograms over the last 7 days).
 */
export function createOutputTokenDropSignal(options: OutputTokenDropOptions, deps: SignalDeps): Signal {
  const parsed = outputTokenDropOptions.parse(options);
  const { minExpectedTokens, defaultMinExpectedTokens, taskTypeAttribute, measure, learnedFloor: learned } = parsed;
  const windowDays = Math.max(1, Math.ceil(learned.windowMs / DAY_MS));
  // Same daily histograms as earlier versions kept: a persisted baseline stays usable.
  const baselines = deps.state('median', baselineSchema);
  return {
    id: 'output_token_drop',
    onTurn(turn, ctx) {
      if (turn.incomplete) return; // the answer may not have been written yet
      const llmSteps = turn.steps.filter(s => s.role === 'llm_step');
      const final = finalStep(turn.steps, llmSteps);
      if (!final || final.failed) return; // no answer, or provider_error's case
      const tokens = measure === 'final_step' ? final.outputTokens : sumTokens(llmSteps);
      // No count: the LLM step's own health check reports it (instrumentation_health, field outputTokens).
      if (tokens === undefined) return;
      const taskType = taskTypeOf(turn, taskTypeAttribute, deps.maxNameChars) ?? '';
      const configured = minExpectedTokens[taskType];
      const minimum = configured ?? defaultMinExpectedTokens;
      const details = { task_type: taskType, output_tokens: tokens, measure };
      if (tokens < minimum) {
        ctx.report({ spanId: final.spanId, details: { ...details, mode: 'absolute', min_expected_tokens: minimum } });
        return;
      }
      if (configured !== undefined || !learned.enabled) return;
      const stored: Baseline = baselines.get(taskType) ?? [];
      const today = Math.max(Math.floor(deps.now() / DAY_MS), stored.at(-1)?.[0] ?? 0);
      const window = allAfter(stored, today - windowDays) ? stored : stored.filter(([day]) => day > today - windowDays);
      const { values, count } = quantilesOf(
        window.map(([, histogram]) => histogram),
        [learned.quantile, 0.5],
      );
      const [low = 0, median = 0] = values;
      const judged = count >= learned.minSamples && low >= learned.minBaselineTokens && median <= learned.maxSpread * low;
      const floor = learned.fraction * low;
      if (judged && tokens < floor) {
        ctx.report({
          spanId: final.spanId,
          details: { ...details, mode: 'learned', floor_tokens: Math.round(floor), baseline_low_tokens: Math.round(low), baseline_median_tokens: Math.round(median), baseline_samples: count },
        });
        return; // a drop is not learned: a burst of drops cannot lower the floor and silence itself
      }
      const last = window.at(-1);
      if (last?.[0] === today) countInHistogram(last[1], tokens);
      else {
        const histogram = {};
        countInHistogram(histogram, tokens);
        window.push([today, histogram]);
      }
      baselines.set(taskType, window);
    },
    toString: () => `output_token_drop{measure=${measure},default=${defaultMinExpectedTokens},learnedFloor=${learned.enabled}}`,
  };
}

/**
 * The turn's answer: its last LLM step in start order. The JS SDK stamps starts
 * in whole milliseconds, and steps that start in the same one are in no known
 * order (end times of fast steps are not comparable either): of those, the last
 * one whose planned calls did not run, since the agent went on after a step
 * whose calls ran.
 */
function finalStep(steps: readonly StepSummary[], llmSteps: readonly StepSummary[]): StepSummary | undefined {
  const last = llmSteps.at(-1);
  if (last === undefined || llmSteps.length === 1 || (llmSteps.at(-2) as StepSummary).startMs !== last.startMs) return last;
  const executed = new Set<string>();
  for (const step of steps) if (step.role === 'tool_call' && step.toolCallId !== undefined) executed.add(step.toolCallId);
  for (let i = llmSteps.length - 1; i >= 0 && (llmSteps[i] as StepSummary).startMs === last.startMs; i--) {
    const step = llmSteps[i] as StepSummary;
    if (!step.plannedToolCalls.some(call => call.id !== undefined && executed.has(call.id))) return step;
  }
  return last;
}

function sumTokens(steps: readonly StepSummary[]): number | undefined {
  const known = steps.map(s => s.outputTokens).filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

/** True when every day is after `cutoff`: the window is the stored baseline itself, not a copy per turn. */
function allAfter(baseline: Baseline, cutoff: number): boolean {
  for (const [day] of baseline) if (day <= cutoff) return false;
  return true;
}
