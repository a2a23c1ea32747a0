import { escapeHtml } from './html-escape.js';

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  /** One value per category. */
  readonly values: readonly number[];
}

export interface StackedBarChart {
  /** Identifies the chart in the page (`data-chart`). */
  readonly id: string;
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly yLabel: string;
}

/** Distinguishable colours (Okabe–Ito order, then extra hues), repeated past ten series. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#8C564B', '#7F7F7F'];

/** One colour per name, the same in every chart of a page. */
export function colorsFor(names: readonly string[]): (name: string) => string {
  const sorted = [...new Set(names)].sort();
  return name => PALETTE[Math.max(0, sorted.indexOf(name)) % PALETTE.length] ?? '#000000';
}
const WIDTH = 720;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 48 };

/** A stacked bar chart of counts as inline SVG: one bar per category, one segment per series, a legend below. */
export function stackedBarChart(chart: StackedBarChart): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = chart.categories.map((_, i) => chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const step = Math.max(1, niceCeiling(Math.max(0, ...totals) / 4)); // counts: whole-number ticks
  const max = step * Math.max(1, Math.ceil(Math.max(0, ...totals) / step));
  const slot = plotW / Math.max(1, chart.categories.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (value: number): number => MARGIN.top + plotH - (value / max) * plotH;

  const parts: string[] = [];
  for (let tick = 0; tick <= max; tick += step) {
    const ty = y(tick).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" font-size="11">${tick}</text>`);
  }
  chart.categories.forEach((category, i) => {
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    let base = 0;
    chart.series.forEach(series => {
      const value = series.values[i] ?? 0;
      if (value <= 0) return;
      const top = y(base + value);
      const height = y(base) - top;
      parts.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${height.toFixed(1)}" fill="${series.color}">` +
          `<title>${escapeHtml(`${series.name} · ${category}: ${value}`)}</title></rect>`,
      );
      base += value;
    });
    parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${escapeHtml(category)}</text>`);
  });
  parts.push(
    `<text x="12" y="${MARGIN.top + plotH / 2}" transform="rotate(-90 12 ${MARGIN.top + plotH / 2})" text-anchor="middle" font-size="11">${escapeHtml(chart.yLabel)}</text>`,
  );
  if (chart.series.length === 0) {
    parts.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" font-size="13" fill="#666">no data</text>`);
  }
  const legend = chart.series
    .map(s => `<li><span class="swatch" style="background:${s.color}"></span>${escapeHtml(s.name)}</li>`)
    .join('');
  return (
    `<figure><figcaption>${escapeHtml(chart.title)}</figcaption>` +
    `<svg data-chart="${escapeHtml(chart.id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(chart.title)}" xmlns="http://www.w3.org/2000/svg">` +
    parts.join('') +
    `</svg><ul class="legend">${legend}</ul></figure>`
  );
}

/** The smallest 1, 2 or 5 × 10^n at or above `value`: a tick step people read easily. */
function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find(m => m * magnitude >= value) ?? 10;
  return step * magnitude;
}
