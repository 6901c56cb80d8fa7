// report.html in a real browser: Debian's chromium driven by playwright-core
// opens a realistic run's report from file://. Nothing may go to the network,
// nothing may log an error, every chart must draw, and no secret may be in it.
// Set PEAKDRILL_KEEP_TEST_DIR=1 to keep the run directory and screenshots.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReports } from '../src/report/render-reports.ts';
import { writeFixtureRun } from '../src/report/testing/fixture-run.ts';
import { countPngColours } from '../src/report/testing/png-colours.ts';
import { checkRunDirectory } from '../src/run/check-run.ts';
import { CHROMIUM_PATH } from '../src/stack/toolchain/chromium-installer.ts';

const PLANTED_SECRET = 'pg-S3cret-planted-7f3a9c';
const CHARTS = [
  'chart-throughput',
  'chart-latency',
  'chart-errors',
  'chart-stock',
  'chart-probe',
  'chart-propagation',
];

let dir: string;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: run \`peakdrill setup\` (as root it installs Debian's chromium)`,
    );
  }
  dir = await mkdtemp(join(tmpdir(), 'peakdrill-report-html-'));
  await writeFixtureRun(dir, { runId: 'report-html' });
  // The secret reaches the run the way a careless setup would leak it: in a connection string.
  const runJson = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  runJson.versions.database = `postgres://peakdrill:${PLANTED_SECRET}@127.0.0.1:5432/peakdrill`;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'run.json'), JSON.stringify(runJson));
  const scenarioJson = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8'));
  scenarioJson.description = `failover drill (PGPASSWORD=${PLANTED_SECRET})`;
  await writeFile(join(dir, 'scenario.json'), JSON.stringify(scenarioJson));
  const { verdict } = await checkRunDirectory(dir);
  expect(verdict.status).toBe('fail');
  await renderReports(dir, { env: { PGPASSWORD: PLANTED_SECRET } });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
});

afterAll(async () => {
  await browser?.close();
  if (process.env.PEAKDRILL_KEEP_TEST_DIR === '1') console.log(`kept ${dir}`);
  else if (dir) await rm(dir, { recursive: true, force: true });
});

describe('report.html in chromium', () => {
  it('opens from disk with no network request, no console error, and draws every chart', async () => {
    const context = await browser!.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    try {
      const page = await context.newPage();
      const outside: string[] = [];
      const problems: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        outside.push(url);
        return route.abort();
      });
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) outside.push(request.url());
      });
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('dialog', (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });

      await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load' });
      await page.waitForSelector('#chart-propagation canvas');

      expect(await page.title()).toBe('peakdrill FAIL: region-failover (report-html)');
      // The verdict comes first.
      const firstSection = await page.locator('main > section').first().getAttribute('id');
      expect(firstSection).toBe('verdict');
      await expect.poll(() => page.locator('#verdict .status').textContent()).toBe('FAIL');

      for (const id of CHARTS) {
        const canvas = page.locator(`#${id} canvas`).first();
        const box = await canvas.boundingBox();
        expect(box, `${id} has a canvas`).not.toBeNull();
        expect(box!.width, `${id} width`).toBeGreaterThan(300);
        const shot = await canvas.screenshot();
        const { distinct } = countPngColours(shot);
        expect(distinct, `${id} is not blank`).toBeGreaterThan(1);
      }
      // Faults shaded: the fault table lists the window.
      await expect.poll(() => page.locator('table.faults').textContent()).toContain('lose-region-a');
      // Every assertion and checker is on the page.
      expect(await page.locator('table.assertions tbody tr').count()).toBe(4);
      expect(await page.locator('details.checker').count()).toBeGreaterThanOrEqual(10);

      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      await page.locator('#timelines').screenshot({ path: join(dir, 'timelines.png') });

      expect(outside).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('leaks no secret into any report', async () => {
    for (const name of ['report.html', 'summary.md', 'junit.xml']) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(text, name).not.toContain(PLANTED_SECRET);
    }
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('postgres://peakdrill:[redacted]@127.0.0.1:5432/peakdrill');
  });
});
