const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Start (Monday 00:00 UTC) of the ISO week containing `ms`. */
export function isoWeekStart(ms: number): number {
  const date = new Date(ms);
  const daysSinceMonday = (date.getUTCDay() + 6) % 7;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - daysSinceMonday);
}

/** `2026-W48`: the ISO year is the year of the week's Thursday. */
export function isoWeekLabel(weekStartMs: number): string {
  const thursday = new Date(weekStartMs + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
