import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { Knex } from 'knex';
import { buildApp, makeAccount, PASSWORD } from './app';
import { freePort } from '../../src/platform/net';
import { developmentMail, tempPasswordIn } from './smtp';

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

/** The axe-core that @axe-core/playwright itself ships with. */
const require = createRequire(import.meta.url);
const AXE_SOURCE: string = createRequire(require.resolve('@axe-core/playwright'))('axe-core').source;

export const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Impacts that fail a journey. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * The real app on a real port, and one headless Chromium for the whole test file.
 * Call in `beforeAll`; `close` in `afterAll`.
 */
export async function startBrowserApp(env: Record<string, string> = {}) {
  // The app's public origin is the one the browser uses (the card bridge signs a portal
  // challenge only for the site it names).
  const port = await freePort();
  const t = buildApp({ PUBLIC_ORIGIN: `http://127.0.0.1:${port}`, ...env });
  const server: Server = t.app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  /** Every request the server got, as "METHOD /path", for journeys that check what was asked. */
  const requests: string[] = [];
  server.on('request', (req: { method?: string; url?: string }) => requests.push(`${req.method} ${req.url}`));
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

  return {
    ...t,
    baseURL,
    browser,
    requests,
    /** A fresh browser profile (own cookies) with one page, zh-TW, on the app's origin. */
    async newPage(opts: BrowserContextOptions = {}): Promise<Page> {
      const context = await browser.newContext({ baseURL, locale: 'zh-TW', timezoneId: 'Asia/Taipei', ...opts });
      context.setDefaultTimeout(10_000);
      context.setDefaultNavigationTimeout(15_000);
      contexts.push(context);
      // axe-core is loaded into every document once, at its start, instead of being
      // sent over for each scan (that halves the time a scan takes).
      await context.addInitScript({ content: AXE_SOURCE });
      const page = await context.newPage();
      watchForProblems(page);
      if (opts.javaScriptEnabled === false) {
        let scanner: Page | null = null;
        scannerFor.set(page, async () => {
          if (scanner) return scanner;
          const scanContext = await browser.newContext({ baseURL, locale: 'zh-TW', timezoneId: 'Asia/Taipei' });
          contexts.push(scanContext);
          await scanContext.addInitScript({ content: AXE_SOURCE });
          return (scanner = await scanContext.newPage());
        });
      }
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

/**
 * Uncaught script errors and Content-Security-Policy refusals on a page, collected
 * between scans: a script the CSP blocks or that throws is a broken page too.
 */
const problems = new WeakMap<Page, string[]>();

function watchForProblems(page: Page) {
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (err) => list.push(`uncaught script error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) list.push(`CSP: ${m.text()}`);
  });
  page.on('popup', watchForProblems);
}

const CONTEXT_GONE = /Execution context was destroyed|navigating/i;

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA) on the page as it is now and throws,
 * listing every serious or critical violation, if there is any. Set
 * E2E_A11Y_REPORT=1 to also print the moderate and minor ones.
 */
export async function checkA11y(page: Page, label: string): Promise<void> {
  // A page still loading (a redirect chain, a script navigating) is scanned once it is done.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.waitForLoadState('load');
      return await scan(page, label);
    } catch (err) {
      if (attempt >= 3 || !CONTEXT_GONE.test(String(err)) || page.isClosed()) throw err;
    }
  }
}

async function scan(page: Page, label: string): Promise<void> {
  const url = page.url();
  const seen = problems.get(page)?.splice(0) ?? [];
  if (seen.length) throw new Error(`Page problems on ${label} (${url}):\n  ${seen.join('\n  ')}`);
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
  // axe normally comes from the init script; a document made with setContent has not run it.
  if ((await target.evaluate('typeof window.axe')) !== 'object') await target.evaluate(AXE_SOURCE);
  // Legacy mode runs axe in the page itself instead of opening a blank page per scan
  // to combine frame results; these pages have no cross-origin frames, and it is much faster.
  const results = await new AxeBuilder({ page: target, axeSource: 'void 0' })
    .withTags(A11Y_TAGS)
    .options({ resultTypes: ['violations'] })
    .setLegacyMode(true)
    .analyze();
  const violations = results.violations as Violation[];
  const blocking = violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  const other = violations.filter((v) => !BLOCKING.has(v.impact ?? ''));
  if (other.length && process.env.E2E_A11Y_REPORT) console.warn(describe(label, url, other));
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
  const loaded = page.waitForEvent('load', { timeout: 15_000 }).then(() => true, () => false);
  await action();
  if (!(await loaded)) throw new Error(`${label}: no new page was shown`);
  await checkA11y(page, label);
}

/** Path (and query) of the page's current URL. */
export function pathOf(page: Page): string {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/**
 * Signs in through the portal's 帳號登入 form and scans the page reached; by default that
 * page must be 我的專區 (`landing: null` takes whatever the sign-in leads to).
 */
export async function signIn(page: Page, account: string, opts: { label?: string; landing?: string | null; password?: string } = {}): Promise<void> {
  await visit(page, '/login', '帳號登入');
  const form = page.locator('main form[action="/login"]');
  await form.getByLabel('帳號').fill(account);
  await form.getByLabel('密碼').fill(opts.password ?? PASSWORD);
  await navigate(page, opts.label ?? `after sign-in (${account})`, () => form.getByRole('button', { name: '登入' }).click());
  const landing = opts.landing === undefined ? '/my' : opts.landing;
  if (landing !== null && pathOf(page) !== landing) throw new Error(`signing in as ${account} led to ${pathOf(page)}, not ${landing}`);
}

/** Signs in on PICS's own sign-in page and lands on the PICS home. */
export async function signInOnPics(page: Page, account: string, password = PASSWORD): Promise<void> {
  await visit(page, '/pics', 'PICS 登入頁');
  const form = page.locator('main form[action="/login"]');
  await form.getByLabel('帳號').fill(account);
  await form.getByLabel('密碼').fill(password);
  await navigate(page, 'PICS 首頁', () => form.getByRole('button', { name: '登入' }).click());
  if (pathOf(page) !== '/pics') throw new Error(`signing in as ${account} on PICS led to ${pathOf(page)}`);
}

/** The temporary password (like K5L6H5W8) of the newest mail to this address, as its addressee reads it (development outbox). */
export async function tempPasswordMailedTo(b: Pick<BrowserApp, 'services'>, to: string): Promise<{ password: string; subject: string; body: string }> {
  const mail = await developmentMail(b, to);
  return { password: tempPasswordIn(mail.text), subject: mail.subject, body: mail.text };
}

/** A new civil servant who accepts e公務 messages (their profile says 是), with their name. */
export async function egovColleague(db: Knex, opts: { agencyCode?: string; roles?: string[] } = {}) {
  const a = await makeAccount(db, opts);
  await db('account').where({ id: a.accountId }).update({ egov_opt_in: true });
  const { name } = await db('person').where({ id: a.personId }).first('name');
  return { ...a, name: name as string };
}

/** The header's count of unread 網頁訊息. */
export const unreadBadge = (page: Page) => page.getByRole('navigation', { name: '主選單' }).locator('#unread-messages');
