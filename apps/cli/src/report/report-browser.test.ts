import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TelemetrySummary } from '@eventkit/core/analysis';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOneDecimal } from '../number-format.js';
import { createTempDir, runCli } from '../test-support/run-cli.js';
import { decodePng, pixelVariety } from './test-support/png-pixels.js';
import {
  mixedTelemetry,
  regressionTelemetry,
  START,
  summaryNumbers,
  WEEK,
} from './test-support/report-fixtures.js';

/** Debian's chromium; CI installs it. Without it these tests are skipped, saying so. */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const title = hasChromium
  ? 'the report in a real browser (headless chromium)'
  : `the report in a real browser — SKIPPED: ${CHROMIUM} is not installed (apt-get install chromium)`;

/**
 * The few DOM shapes the functions run in the page use: the CLI compiles without the DOM
 * library, whose globals would leak into the Node code.
 */
interface DomElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  querySelector(selector: string): DomElement | null;
}
declare const document: { documentElement: { scrollWidth: number } };
declare function getComputedStyle(element: DomElement): { backgroundColor: string };

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

interface Opened {
  page: Page;
  /** Every request other than the file's own navigation (each one aborted). */
  requests: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  dialogs: string[];
}

describe.skipIf(!hasChromium)(title, () => {
  let browser: Browser;
  let profile: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  let summary: TelemetrySummary;

  beforeAll(async () => {
    ({ dir, cleanup } = await createTempDir());
    await writeFile(path.join(dir, 'telemetry.jsonl'), mixedTelemetry());
    await writeFile(path.join(dir, 'weeks.jsonl'), regressionTelemetry());
    const made = await runCli(['report', '--html', 'report.html'], { cwd: dir });
    expect(made.code).toBe(0);
    const compared = await runCli(
      [
        'report',
        'weeks.jsonl',
        '--since',
        `${START + WEEK}`,
        '--until',
        `${START + 2 * WEEK}`,
        '--compare',
        'previous',
        '--html',
        'compare.html',
      ],
      { cwd: dir },
    );
    expect(compared.code).toBe(0);
    const json = await runCli(['summarize', '--json'], { cwd: dir });
    summary = JSON.parse(json.stdout) as TelemetrySummary;
    profile = await mkdtemp(path.join(tmpdir(), 'eventkit-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await cleanup?.();
  });

  async function open(file: string, viewport = DESKTOP): Promise<Opened> {
    const page = await browser.newPage();
    await page.setViewport(viewport);
    const url = pathToFileURL(path.join(dir, file)).href;
    const opened: Opened = { page, requests: [], errors: [], dialogs: [] };
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.url() === url) {
        void request.continue();
        return;
      }
      opened.requests.push(request.url());
      void request.abort();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') opened.errors.push(message.text());
    });
    page.on('pageerror', (error) => opened.errors.push(String(error)));
    page.on('dialog', (dialog) => {
      opened.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return opened;
  }

  it('notices a page that fetches something (the check below can fail)', async () => {
    await writeFile(
      path.join(dir, 'fetching.html'),
      '<!doctype html><link rel="stylesheet" href="https://example.invalid/x.css"><img src="http://127.0.0.1:9/x.png">',
    );
    const { page, requests } = await open('fetching.html');
    expect(requests).toHaveLength(2);
    await page.close();
  });

  it.each([
    ['report.html', DESKTOP],
    ['report.html', PHONE],
    ['compare.html', PHONE],
  ])(
    '%s opens at %o with no request leaving the page, no console error, no script',
    async (file, viewport) => {
      const { page, requests, errors, dialogs } = await open(file, viewport);
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(0);
      // Responsive: nothing wider than the screen (wide tables scroll inside their own box).
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        viewport.width,
      );
      await page.close();
    },
  );

  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])('a %s screenshot shows text, tables and charts (not a blank page)', async (_, viewport) => {
    const { page } = await open('report.html', viewport);
    const shot = decodePng(Buffer.from(await page.screenshot({ fullPage: true, type: 'png' })));
    const variety = pixelVariety(shot);
    expect(shot.width).toBe(viewport.width);
    expect(variety.colors).toBeGreaterThan(200);
    expect(variety.inked).toBeGreaterThan(0.05);
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => svg.getBoundingClientRect().width),
    );
    expect(charts.length).toBeGreaterThanOrEqual(3);
    for (const width of charts) expect(width).toBeGreaterThan(Math.min(300, viewport.width - 60));
    await page.goto('about:blank');
    const blank = pixelVariety(decodePng(Buffer.from(await page.screenshot({ type: 'png' }))));
    expect(blank.colors).toBe(1);
    await page.close();
  });

  it('shows the numbers of summarize --json, each visible and rounded as the terminal report rounds', async () => {
    const { page } = await open('report.html', PHONE);
    const shown = await page.$$eval('[data-metric]', (elements) =>
      elements.map((element) => ({
        metric: (element as unknown as DomElement).dataset.metric ?? '',
        value: Number((element as unknown as DomElement).dataset.value),
        text: element.textContent ?? '',
        visible: element.getBoundingClientRect().width > 0,
      })),
    );
    const byMetric = new Map(shown.map((s) => [s.metric, s]));
    for (const [metric, value] of summaryNumbers(summary)) {
      const element = byMetric.get(metric);
      expect({ metric, value: element?.value, visible: element?.visible }).toEqual({
        metric,
        value,
        visible: true,
      });
      if (metric.endsWith('_ms')) expect(element?.text).toBe(formatOneDecimal(value));
      if (metric.endsWith('_rate') || metric.endsWith('.share')) {
        expect(element?.text).toBe(`${formatOneDecimal(value)}%`);
      }
    }
    await page.close();
  });

  it('shows an error message that is a script as text, and runs nothing', async () => {
    const { page, dialogs } = await open('report.html');
    const messages = await page.$$eval('#errors td.msg', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(messages).toContain('<script>alert("pwned")</script> & <b>bold</b>');
    expect(await page.$$eval('#errors b, #slowest img', (found) => found.length)).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('--compare previous shows the week whose recommend p95 doubled as a regression', async () => {
    const { page } = await open('compare.html', PHONE);
    const banner = await page.$eval('#compare .banner', (element) => ({
      text: element.textContent ?? '',
      visible: element.getBoundingClientRect().height > 0,
    }));
    expect(banner.visible).toBe(true);
    expect(banner.text).toMatch(/regression.*recommend p95/);
    const row = await page.$eval('[data-change="actions.recommend.p95_ms"]', (element) => {
      const previous = Number(
        (element as unknown as DomElement).querySelector('[data-metric^="previous."]')?.dataset
          .value,
      );
      const current = Number(
        (element as unknown as DomElement).querySelector('[data-metric^="current."]')?.dataset
          .value,
      );
      return {
        direction: (element as unknown as DomElement).dataset.direction,
        text: element.textContent ?? '',
        background: getComputedStyle(
          (element as unknown as DomElement).querySelector('td') as DomElement,
        ).backgroundColor,
        ratio: current / previous,
      };
    });
    expect(row.direction).toBe('regression');
    expect(row.text).toContain('▲ regression');
    expect(row.ratio).toBeGreaterThan(1.8);
    const plain = await page.$eval('[data-change="actions.explain.p95_ms"]', (element) => ({
      direction: (element as unknown as DomElement).dataset.direction,
      background: getComputedStyle(
        (element as unknown as DomElement).querySelector('td') as DomElement,
      ).backgroundColor,
    }));
    expect(plain.direction).toBe('same');
    expect(row.background).not.toBe(plain.background);
    await page.close();
  });
});
