import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { buildApp } from './app';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Impacts that fail a journey. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * The real app on a real port, and one headless Chromium for the whole test file.
 * Call in `beforeAll`; `close` in `afterAll`.
 */
export async function startBrowserApp(env: Record<string, string> = {}) {
  const t = buildApp(env);
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  let scanner: Page | null = null;

  return {
    ...t,
    baseURL,
    browser,
    /** A fresh browser profile (own cookies) with one page, zh-TW, on the app's origin. */
    async newPage(opts: BrowserContextOptions = {}): Promise<Page> {
      const context = await browser.newContext({ baseURL, locale: 'zh-TW', timezoneId: 'Asia/Taipei', ...opts });
      context.setDefaultTimeout(10_000);
      context.setDefaultNavigationTimeout(15_000);
      contexts.push(context);
      const page = await context.newPage();
      if (opts.javaScriptEnabled === false) scannerFor.set(page, async () => (scanner ??= await (await browser.newContext({ baseURL, locale: 'zh-TW' })).newPage()));
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

export type BrowserApp = Awaited<ReturnType<typeof startBrowserApp>>;

/**
 * Pages of a context without JavaScript cannot run axe themselves; their HTML is
 * scanned in a separate page of the same origin (so the stylesheet still applies).
 */
const scannerFor = new WeakMap<Page, () => Promise<Page>>();

interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

function describe(label: string, url: string, violations: Violation[]): string {
  const lines = [`Accessibility violations on ${label} (${url}):`];
  for (const v of violations) {
    lines.push(`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 8)) {
      lines.push(`      at ${n.target.join(' ')}`);
      lines.push(`         ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (n.failureSummary) lines.push(`         ${n.failureSummary.replace(/\s*\n\s*/g, ' | ').slice(0, 300)}`);
    }
    if (v.nodes.length > 8) lines.push(`      … and ${v.nodes.length - 8} more`);
  }
  return lines.join('\n');
}

/** Every page each test file scanned, with the count of minor/moderate findings (kept for the log). */
export const scanned: { label: string; url: string; minor: string[] }[] = [];

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA) on the page as it is now and throws,
 * listing every serious or critical violation, if there is any.
 */
export async function checkA11y(page: Page, label: string): Promise<void> {
  const url = page.url();
  let target = page;
  const scannerOf = scannerFor.get(page);
  if (scannerOf) {
    target = await scannerOf();
    const html = await page.content();
    const same = (u: URL) => u.href === url;
    await target.route(same, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    try {
      await target.goto(url, { waitUntil: 'load' });
    } finally {
      await target.unroute(same);
    }
  }
  const results = await new AxeBuilder({ page: target }).withTags(A11Y_TAGS).analyze();
  const violations = results.violations as Violation[];
  const blocking = violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  scanned.push({ label, url, minor: violations.filter((v) => !BLOCKING.has(v.impact ?? '')).map((v) => `${v.impact} ${v.id}`) });
  if (blocking.length) throw new Error(describe(label, url, blocking));
}

/** Opens a path and scans the page reached (after any redirects). */
export async function visit(page: Page, path: string, label = path): Promise<void> {
  const res = await page.goto(path, { waitUntil: 'load' });
  if (!res) throw new Error(`no response for ${path}`);
  await checkA11y(page, label);
}

/**
 * Does something that loads a new document (submits a form, follows a link),
 * waits for that document and scans it.
 */
export async function navigate(page: Page, label: string, action: () => Promise<unknown>): Promise<void> {
  const loaded = page.waitForEvent('load');
  await action();
  await loaded;
  await checkA11y(page, label);
}

/** Path (and query) of the page's current URL. */
export function pathOf(page: Page): string {
  const u = new URL(page.url());
  return u.pathname + u.search;
}
