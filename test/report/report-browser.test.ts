import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/cli/report-command.js';
import { writeFixtures, writeLoopState } from '../helpers/report-corpus.js';

/** Debian's chromium (installed by .ci/run). Without it the test is skipped locally and fails in CI. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const required = existsSync(CHROMIUM) || process.env['CI'] !== undefined;

/** Flags that work in a closed-network sandbox: no background connections, no sandbox as root. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const at = (day: number): string => `2026-11-${String(day).padStart(2, '0')}T10:00:00Z`;

describe.runIf(required)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser.close();
  });

  it('renders both charts, with a bar segment per non-zero value, without errors or requests', async () => {
    const dir = writeFixtures([
      { recordedAt: at(3), signal: 'tool_error', class: 'logic' },
      { recordedAt: at(10), signal: 'tool_error', class: 'logic' },
      { recordedAt: at(17), signal: 'tool_error', class: 'logic' },
      { recordedAt: at(18), signal: 'tool_error', class: 'logic' },
      { recordedAt: at(4), signal: 'provider_error', class: 'infra' },
      { recordedAt: at(11), signal: 'provider_error', class: 'infra <b>&</b>' },
    ]);
    const { path } = await writeLoopState(Date.parse('2026-11-01T00:00:00Z'));
    const html = join(mkdtempSync(join(tmpdir(), 'report-')), 'report.html');
    expect(runReport(dir, { state: path, html, weeks: '3' }, { write: () => undefined }, { write: () => undefined })).toBe(0);

    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', message => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', error => problems.push(`page error: ${error.message}`));
    page.on('request', request => requests.push(request.url()));
    const url = pathToFileURL(html).href;
    await page.goto(url);

    const bars = async (chart: string): Promise<{ w: number; h: number }[]> => {
      const boxes = await Promise.all((await page.locator(`svg[data-chart="${chart}"] rect.bar`).all()).map(bar => bar.boundingBox()));
      return boxes.map(box => ({ w: box?.width ?? 0, h: box?.height ?? 0 }));
    };
    // weeks W45..W47: logic 1,1,2 and infra 1,0,0 and the escaped class 0,1,0 → 5 segments
    const weekly = await bars('failures-by-week');
    expect(weekly).toHaveLength(5);
    expect(weekly.every(b => b.w > 0 && b.h > 0)).toBe(true);
    // fixes: infra after 6 h (4–12 h), logic after 3 d (2–7 d)
    const fixes = await bars('time-to-fix');
    expect(fixes).toHaveLength(2);
    expect(fixes.every(b => b.w > 0 && b.h > 0)).toBe(true);

    expect(await page.locator('svg[data-chart="failures-by-week"]').boundingBox()).toMatchObject({ width: expect.any(Number) as number });
    expect(await page.getByText('infra <b>&</b>').count()).toBeGreaterThan(0); // escaped, shown as text
    expect(await page.locator('b').count()).toBe(0);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.screenshot({ path: join(tmpdir(), 'agent-triage-report.png'), fullPage: true });
  });
});
