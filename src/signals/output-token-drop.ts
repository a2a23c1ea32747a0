import { z } from 'zod';
import { addToHistogram, medianOf } from '../state/log-histogram.js';
import type { LogHistogram } from '../state/log-histogram.js';
import type { StepSummary } from '../turns/turn-view.js';
import type { Signal, SignalDeps } from './signal.js';
import { taskTypeOf } from './task-type.js';

const DAY_MS = 86_400_000;

export const outputTokenDropOptions = z.strictObject({
  /** Minimum output tokens per task type. */
  minExpectedTokens: z.record(z.string().min(1), z.number().int().min(0)).default({}),
  /** Minimum for task types not listed; 1 means an empty answer always counts as a drop. */
  defaultMinExpectedTokens: z.number().int().min(0).default(1),
  /** Root-span attribute holding the task type; unset or absent: the agent name. */
  taskTypeAttribute: z.string().min(1).optional(),
  /** `final_step`: the tokens of the turn's last LLM step (its answer). `turn_total`: of all its LLM steps. */
  measure: z.enum(['final_step', 'turn_total']).default('final_step'),
  /** Relative mode: also fire below `fraction` of the task type's median over the baseline window. */
  relative: z
    .strictObject({
      enabled: z.boolean().default(false),
      fraction: z.number().positive().max(1).default(0.5),
      minSamples: z.number().int().min(1).default(30),
      windowMs: z.number().int().positive().default(7 * DAY_MS),
    })
    .prefault({}),
});
export type OutputTokenDropOptions = z.input<typeof outputTokenDropOptions>;

const baselineSchema = z.array(z.tuple([z.number().int(), z.record(z.string().regex(/^\d+$/), z.number().int().positive())]));
type Baseline = [day: number, histogram: LogHistogram][];

/**
 * `output_token_drop`: a turn answered with fewer output tokens than its task
 * type needs (a truncated or empty answer). Optionally relative to the task
 * type's median over the last 7 days, kept as daily log histograms.
 */
export function createOutputTokenDropSignal(options: OutputTokenDropOptions, deps: SignalDeps): Signal {
  const parsed = outputTokenDropOptions.parse(options);
  const { minExpectedTokens, defaultMinExpectedTokens, taskTypeAttribute, measure, relative } = parsed;
  const windowDays = Math.max(1, Math.ceil(relative.windowMs / DAY_MS));
  const baselines = deps.state('median', baselineSchema);
  return {
    id: 'output_token_drop',
    onTurn(turn, ctx) {
      if (turn.incomplete) return; // the answer may not have been written yet
      const llmSteps = turn.steps.filter(s => s.role === 'llm_step');
      // Steps are in start order; end times of fast steps are not comparable (starts are stamped to the millisecond).
      const final = llmSteps.at(-1);
      if (!final || final.failed) return; // no answer, or provider_error's case
      const tokens = measure === 'final_step' ? final.outputTokens : sumTokens(llmSteps);
      // No count: the LLM step's own health check reports it (instrumentation_health, field outputTokens).
      if (tokens === undefined) return;
      const taskType = taskTypeOf(turn, taskTypeAttribute) ?? '';
      const minimum = minExpectedTokens[taskType] ?? defaultMinExpectedTokens;
      const details = { task_type: taskType, output_tokens: tokens, measure };
      if (tokens < minimum) {
        ctx.report({ spanId: final.spanId, details: { ...details, mode: 'absolute', min_expected_tokens: minimum } });
      } else if (relative.enabled) {
        const stored: Baseline = baselines.get(taskType) ?? [];
        const today = Math.max(Math.floor(deps.now() / DAY_MS), stored.at(-1)?.[0] ?? 0);
        const window = stored.filter(([day]) => day > today - windowDays);
        const { median, count } = medianOf(window.map(([, histogram]) => histogram));
        if (count >= relative.minSamples && tokens < relative.fraction * median) {
          ctx.report({
            spanId: final.spanId,
            details: { ...details, mode: 'relative', baseline_median_tokens: Math.round(median), fraction: relative.fraction },
          });
        }
        const last = window.at(-1);
        if (last?.[0] === today) window[window.length - 1] = [today, addToHistogram(last[1], tokens)];
        else window.push([today, addToHistogram({}, tokens)]);
        baselines.set(taskType, window);
      }
    },
    toString: () => `output_token_drop{measure=${measure},default=${defaultMinExpectedTokens},relative=${relative.enabled}}`,
  };
}

function sumTokens(steps: readonly StepSummary[]): number | undefined {
  const known = steps.map(s => s.outputTokens).filter((t): t is number => t !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}
