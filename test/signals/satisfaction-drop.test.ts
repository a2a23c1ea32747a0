import { describe, expect, it } from 'vitest';
import { createHarness, failureEvents, sumWhere } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';

const DAY = 86_400_000;
const START = Date.UTC(2027, 0, 4);

/** A harness whose clock the test moves. */
function clocked(options: Parameters<typeof createHarness>[0] = {}): Harness & { at(ms: number): void } {
  let now = START;
  const h = createHarness({ ...options, clock: () => now });
  return Object.assign(h, {
    at: (ms: number) => {
      now = ms;
    },
  });
}

/** `n` scores of `score` recorded through the API, spread over the day starting at `dayStart`. */
function scores(h: Harness & { at(ms: number): void }, dayStart: number, n: number, score: number): void {
  for (let i = 0; i < n; i++) {
    h.at(dayStart + i * 1000);
    h.processor.recordFeedback({ score, agentName: 'support-agent' });
  }
}

const drops = (h: Harness) => h.findings.filter(f => f.signal === 'satisfaction_drop');

/**
 * Two whole weeks of history: a first score on day 0, the previous week's
 * scores on day 3, this week's on day 14 (windows slide by the hour).
 */
function twoWeeks(h: Harness & { at(ms: number): void }, n: number, previous: number, week: number): void {
  scores(h, START, 1, previous);
  scores(h, START + 3 * DAY, n, previous);
  scores(h, START + 14 * DAY, n, week);
}

describe('satisfaction_drop', () => {
  it.each([
    { desc: 'a 25% week-over-week drop fires', previous: 0.8, week: 0.6, n: 40, fires: true },
    { desc: 'a 5% drop stays quiet', previous: 0.8, week: 0.76, n: 40, fires: false },
    { desc: 'exactly 10% stays quiet (more than 10% is needed)', previous: 0.5, week: 0.45, n: 40, fires: false },
    { desc: 'an improvement stays quiet', previous: 0.6, week: 0.8, n: 40, fires: false },
    { desc: 'cold start: fewer than 30 scores a week give no verdict', previous: 0.8, week: 0.2, n: 29, fires: false },
  ])('$desc', ({ previous, week, n, fires }) => {
    const h = clocked();
    twoWeeks(h, n, previous, week);
    expect(drops(h)).toHaveLength(fires ? 1 : 0);
  });

  it('gives no verdict before two whole weeks of history (a previous week of a few hours is noise)', () => {
    const h = clocked();
    scores(h, START + 3 * DAY, 40, 0.8);
    scores(h, START + 10 * DAY, 40, 0.4);
    expect(drops(h)).toHaveLength(0);
  });

  it('needs the drop to be clear of the noise of binary scores (minZ standard errors)', () => {
    const h = clocked();
    scores(h, START, 1, 1);
    // Previous week: 24 of 30 thumbs up (0.8); this week 20 of 30 (0.67): 17% lower, but within noise.
    for (let i = 0; i < 30; i++) scores(h, START + 3 * DAY + i * 1000, 1, i < 24 ? 1 : 0);
    for (let i = 0; i < 30; i++) scores(h, START + 14 * DAY + i * 1000, 1, i < 20 ? 1 : 0);
    expect(drops(h)).toHaveLength(0);
  });

  it('is a population finding: its own metric, not a turn failure, fired once per re-arm period', async () => {
    const h = clocked();
    scores(h, START, 1, 0.8);
    scores(h, START + 3 * DAY, 40, 0.8);
    scores(h, START + 14 * DAY, 60, 0.5);
    expect(drops(h)).toHaveLength(1);
    expect(drops(h)[0]).toMatchObject({
      scope: 'population',
      severity: 'soft',
      class: 'unclassified',
      agentName: 'support-agent',
      traceId: '',
      spanId: '',
      details: { previous_week_mean: 0.8, week_mean: 0.5, 'gen_ai.agent.name': 'support-agent' },
    });
    expect(sumWhere(await h.metric('agent_triage.population.findings'), { 'agent_triage.signal': 'satisfaction_drop' })).toBe(1);
    expect(await h.metric('agent_triage.failures')).toEqual([]);
    scores(h, START + 15 * DAY - 1000, 10, 0.5); // still down, within a day of firing: quiet
    expect(drops(h)).toHaveLength(1);
    scores(h, START + 15 * DAY + 60_000, 10, 0.5); // a day after firing: re-armed
    expect(drops(h)).toHaveLength(2);
  });

  it('reads scores from a root attribute or an evaluation event, and marks the root with a population event only', () => {
    const h = clocked();
    const turn = (day: number, i: number, score: number, asEvent: boolean) => {
      h.at(START + day * DAY + i * 1000);
      return runTurn(h.tracer, {
        agent: 'support-agent',
        steps: [{ llm: { text: 'hello' } }],
        ...(asEvent
          ? { rootEvents: [{ name: 'gen_ai.evaluation.result', attributes: { 'gen_ai.evaluation.name': 'csat', 'gen_ai.evaluation.score.value': score } }] }
          : { rootAttributes: { 'gen_ai.evaluation.score.value': score } }),
      });
    };
    turn(0, 0, 0.9, false);
    for (let i = 0; i < 30; i++) turn(3, i, 0.9, i % 2 === 0);
    let last = turn(14, 0, 0.5, true);
    for (let i = 1; i < 30; i++) last = turn(14, i, 0.5, i % 2 === 0);
    expect(drops(h)).toMatchObject([{ scope: 'population', traceId: last.traceId, spanId: last.rootSpanId }]);
    const root = h.span(last.rootSpanId);
    expect(root.events.filter(e => e.name === 'agent_triage.population_finding')).toHaveLength(1);
    expect(failureEvents(root)).toEqual([]);
    expect(root.attributes['agent_triage.turn.outcome']).toBe('ok');
  });

  it('ignores invalid feedback and scores outside the scale (counted, reported once)', async () => {
    const h = clocked();
    h.processor.recordFeedback({ score: Number.NaN });
    h.processor.recordFeedback({ score: 3 });
    h.processor.recordFeedback({ score: 5 });
    h.processor.recordFeedback({ score: 0.5, agentName: 'a'.repeat(1025) }); // over maxNameChars (1024)
    expect(sumWhere(await h.metric('agent_triage.attributes.malformed'), { 'agent_triage.attribute': 'feedback' })).toBe(2);
    expect(h.healthNotices.map(n => [n.signal, n.cause, n.field, n.convention])).toEqual([['satisfaction_drop', 'score_out_of_range', 'score', 'none']]);
  });

  it('keeps per-agent weeks apart and survives a clock going backwards', () => {
    const h = clocked();
    scores(h, START, 1, 0.8);
    scores(h, START + 3 * DAY, 40, 0.8);
    h.at(START + 14 * DAY);
    for (let i = 0; i < 40; i++) h.processor.recordFeedback({ score: 0.3, agentName: 'other-agent' });
    expect(drops(h)).toHaveLength(0);
    scores(h, START + 14 * DAY, 20, 0.5);
    h.at(START + 10 * DAY); // the clock jumps back: scores join the newest bucket
    for (let i = 0; i < 20; i++) h.processor.recordFeedback({ score: 0.5, agentName: 'support-agent' });
    expect(drops(h)).toHaveLength(1);
  });
});
