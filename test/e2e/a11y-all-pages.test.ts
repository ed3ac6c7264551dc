import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PASSWORD } from '../support/app';
import { signAs } from '../support/cards';
import { checkA11y, startBrowserApp, type BrowserApp } from '../support/browser';
import { routeTable } from '../support/routeTable';

/**
 * axe-core over every GET page the router has, for each kind of user the authorization
 * matrix (test/routes/proof-authz.test.ts) names: one browser, one context per kind of
 * user, pages visited one after the other. Which pages a user may open is what the portal
 * answers (a page, not a refusal or a redirect); routes with `:params` are filled from the
 * links of the pages visited (real ids of the demo data), or, where no page links to them,
 * from the rows below. Every GET route must be scanned for some user or be listed in
 * NOT_PAGES with the reason, so a new page that nobody visits fails the last test.
 */

type Who = 'anonymous' | 'civilServant' | 'hr' | 'agent' | 'supervisor' | 'agencyCard' | 'reviewer' | 'admin' | 'platformAdmin' | 'otherAgencyHr';

/** The accounts of the authorization matrix; the agency session signs in with its demo card. */
const USERS: [Who, string | null][] = [
  ['anonymous', null],
  ['civilServant', 'wang.xiaoming'],
  ['hr', 'hr.chief'],
  ['agent', 'cs.agent'],
  ['supervisor', 'cs.lead'],
  ['reviewer', 'jobs.reviewer'],
  ['admin', 'portal.admin'],
  ['platformAdmin', 'mocs.admin'],
  ['otherAgencyHr', 'hr.moi'],
  ['agencyCard', 'agency-ntunhs'],
];

/** GET routes not scanned here (not pages, or pages reached only through another journey), and why. */
const NOT_PAGES: [RegExp, string][] = [
  [/^\/(healthz|readyz|metrics)$/, 'health and metrics for the load balancer and Prometheus, not HTML'],
  [/\.(pdf|csv|json|xml|pem|p7m|p7s|p12|tar\.gz|deb)$/, 'a document or data file to download'],
  [/\/events$/, 'a server-sent event stream of the chat'],
  [/\/(attachments|files|images)\/:\w+$|\/attachment$/, 'a file a user attached, sent as a download'],
  [/^\/mydata\/(folder|hr\/documents)\/:id\/pdf$/, 'a PDF document'],
  [/^\/my\/apps\/:code\/open$/, "a redirect to the app's own site (audited)"],
  [/^\/pics\/chat\/agent$/, 'a redirect to the chat console (/pics/agent/chat)'],
  [/^\/cloud\/admin(\/content)?$/, "a redirect to the platform's 最新消息管理 (/cloud/admin/news)"],
  [/^\/jobs\/(subscribe|unsubscribe)\/confirm$/, "opened only from a mail's link with its signed token; the page it shows (jobs/mail-sent) is scanned in test/e2e/jobs.test.ts"],
  [/^\/jobs\/manage\/:id\/applicants\/:appId$/, "the demo data has no application to the card agency's vacancies; test/e2e/jobs.test.ts applies and scans the resume the agency reads"],
  [/^\/login\/certificate\/activate$/, 'shown only inside a card activation (redirects otherwise); scanned by test/e2e/card-login.test.ts'],
];

const notPage = (path: string) => NOT_PAGES.some(([re]) => re.test(path));

/** Routes with `:params` as a regular expression over a concrete path. */
function matcher(path: string): RegExp {
  const escaped = path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

let b: BrowserApp;
let pages: { path: string; params: number; re: RegExp }[] = [];
/** Route → the kinds of user it was scanned for. */
const scanned = new Map<string, Who[]>();
const failures: string[] = [];
const timings: string[] = [];

beforeAll(async () => {
  b = await startBrowserApp();
  pages = routeTable(b.app)
    .filter((r) => r.method === 'GET' && !notPage(r.path))
    .map((r) => ({ path: r.path, params: (r.path.match(/:\w+/g) ?? []).length, re: matcher(r.path) }));
}, 120_000);
afterAll(async () => {
  await b?.close();
});

async function signIn(page: Page, who: Who, account: string) {
  const api = page.context().request;
  if (who === 'agencyCard') {
    const html = await (await api.get('/login/certificate')).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const ch = await api.post('/login/certificate/challenge', { headers: { 'x-csrf-token': csrf, accept: 'application/json' } });
    const { tbs } = (await ch.json()) as { tbs: string };
    const res = await api.post('/login/certificate', { form: { _csrf: csrf, ...signAs(account, tbs) }, maxRedirects: 0 });
    expect(res.status(), `card sign-in of ${account}`).toBe(303);
    return;
  }
  const html = await (await api.get('/login')).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const res = await api.post('/login', { form: { _csrf: csrf, account, password: PASSWORD }, maxRedirects: 0 });
  expect(res.status(), `sign-in of ${account}`).toBe(303);
}

/** The route a same-origin path belongs to: the most specific pattern that matches it. */
function routeOf(path: string): string | null {
  const hits = pages.filter((p) => p.re.test(path)).sort((x, y) => x.params - y.params);
  return hits[0]?.path ?? null;
}

/**
 * Visits every page `who` may open, starting from the routes without parameters and
 * following links to the others; returns the routes scanned.
 */
async function scanAs(who: Who, account: string | null, extra: (who: Who, page: Page) => Promise<string[]>) {
  const page = await b.newPage();
  if (account) await signIn(page, who, account);
  const done = new Set<string>();
  const tried = new Set<string>();
  const attemptsOf = new Map<string, number>();
  const queue: string[] = pages.filter((p) => p.params === 0).map((p) => p.path);
  const enqueue = (href: string) => {
    let url: URL;
    try {
      url = new URL(href, b.baseURL);
    } catch {
      return;
    }
    if (url.origin !== b.baseURL) return;
    const route = routeOf(url.pathname);
    if (!route || done.has(route)) return;
    const target = url.pathname + url.search;
    // A few candidates per route: a route this user may not open is not asked for again and again.
    const attempts = attemptsOf.get(route) ?? 0;
    if (attempts >= 3 || tried.has(target) || queue.includes(target)) return;
    attemptsOf.set(route, attempts + 1);
    queue.push(target);
  };
  const started = Date.now();
  let visits = 0;
  let extraAdded = false;
  for (;;) {
    if (!queue.length) {
      // Pages no visited page links to: their rows, once.
      if (extraAdded) break;
      extraAdded = true;
      for (const u of await extra(who, page)) enqueue(u);
      continue;
    }
    const target = queue.shift()!;
    tried.add(target);
    const route = routeOf(target.split('?')[0]!);
    if (!route || done.has(route)) continue;
    // Only what the portal answers this user with a page is scanned: not a refusal, nor a redirect.
    if (process.env.A11Y_PROGRESS) fs.appendFileSync(process.env.A11Y_PROGRESS, `${who} ${target}\n`);
    const res = await page.goto(target, { waitUntil: 'load' });
    if (!res || res.status() !== 200 || res.request().redirectedFrom() || !/text\/html/.test(res.headers()['content-type'] ?? '')) continue;
    visits++;
    done.add(route);
    try {
      await checkA11y(page, `${target} as ${who}`);
    } catch (err) {
      failures.push(String((err as Error).message ?? err));
      if (process.env.A11Y_PROGRESS) fs.appendFileSync(process.env.A11Y_PROGRESS, `${failures.at(-1)}\n`);
    }
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const h of hrefs) enqueue(h.split('#')[0]!);
  }
  for (const r of done) scanned.set(r, [...(scanned.get(r) ?? []), who]);
  timings.push(`${who}: ${visits} pages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.context().close();
  return done;
}

/**
 * Pages no visited page links to, from the rows of the demo data or rows the test makes:
 * the page shown once a ticket is filed, a past 文字客服 chat, an unanswered question of
 * 智慧客服 to turn into an FAQ, and the steps and the last page of a 申請服務 draft.
 */
async function extraUrls(who: Who, page: Page): Promise<string[]> {
  const urls: string[] = [];
  const wang = b.db('account').where('username', 'wang.xiaoming');
  if (who === 'civilServant') {
    const ticket = await b.db('pics_ticket').whereIn('person_id', wang.clone().select('person_id')).orderBy('id').first('receipt_no');
    const chat = await b.db('pics_chat').whereIn('asker_account_id', wang.clone().select('id')).orderBy('id', 'desc').first('id');
    return [...(ticket ? [`/pics/tickets/${ticket.receipt_no}/filed`] : []), ...(chat ? [`/pics/chat/${chat.id}`] : [])];
  }
  if (who === 'hr' || who === 'admin') {
    // 權限管理 lists people only after a search: 王小明's page (of hr.chief's own agency).
    const account = await wang.clone().first('id');
    const urls = [`/admin/access/people/${account.id}`];
    if (who === 'admin') {
      // A poll still a draft (only those can be edited) and an agency a 事求人 feed added.
      const [poll] = await b.db('poll').insert({ title: '無障礙測試投票（草稿）', description: '', open_from: '2030-01-01', open_to: '2030-12-31', status: 'draft' }).returning('id');
      const code = `Z${String(process.pid).padStart(9, '0').slice(-9)}`;
      const [agency] = await b.db('agency')
        .insert({ code, name: '無障礙測試匯入機關', address: '臺北市中正區濟南路1段2之2號', phone: '02-23979108', origin: 'import', imported_at: new Date() })
        .onConflict('code')
        .merge()
        .returning('id');
      urls.push(`/admin/polls/${poll.id}/edit`, `/jobs/imports/agencies/${agency.id}`);
    }
    return urls;
  }
  if (who === 'agent' || who === 'supervisor') {
    const chat = await b.db('pics_chat').whereIn('asker_account_id', wang.clone().select('id')).orderBy('id', 'desc').first('id');
    const urls = chat ? [`/pics/agent/chat/${chat.id}`] : [];
    if (who === 'supervisor') {
      const [q] = await b.db('pics_assistant_unanswered')
        .insert({ normalized: `a11y 測試問題 ${process.pid}`, question: '無障礙測試：如何以鍵盤操作人事服務網？' })
        .onConflict('normalized')
        .merge()
        .returning('id');
      urls.push(`/pics/desk/assistant/${q.id}/faq`);
    }
    return urls;
  }
  if (who === 'platformAdmin' || who === 'agencyCard') {
    // An error report of the card's agency (the demo data has none), for both sides.
    const agency = await b.db('agency').where({ code: 'A096C0000Q' }).first('id');
    let report = await b.db('cloud_report').where({ agency_id: agency.id }).first('code');
    if (!report) {
      [report] = await b.db('cloud_report')
        .insert({ agency_id: agency.id, reporter_name: '林淑芬', phone: '02-28227101', email: 'hr@ntunhs.edu.tw', occurred_on: '2026-12-01', content: '無障礙測試：下載檔案時出現錯誤。' })
        .returning('code');
    }
    if (who === 'platformAdmin') return [`/cloud/admin/reports/${report!.code}`];
    urls.push(`/cloud/reports/${report!.code}`);
  }
  if (who === 'agencyCard') {
    // Two drafts: one walked step by step, one standing for an application already signed.
    const api = page.context().request;
    const drafts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const html = await (await api.get('/cloud/apply')).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
      const res = await api.post('/cloud/apply', { form: { _csrf: csrf, agree: 'yes' }, maxRedirects: 0 });
      expect(res.status(), 'a new 申請服務 draft').toBe(303);
      drafts.push(res.headers().location!);
    }
    const done = /^\/cloud\/apply\/([\w-]+)\//.exec(drafts[1]!)![1]!;
    const draft = await b.db('cloud_application_draft').where({ id: done }).first('agency_id');
    const signed = await b.db('cloud_application').where({ agency_id: draft.agency_id }).whereNull('draft_id').orderBy('id', 'desc').first('id');
    if (signed) await b.db('cloud_application').where({ id: signed.id }).update({ draft_id: done });
    await b.db('cloud_application_draft').where({ id: done }).update({ submitted_at: new Date() });
    return [...urls, drafts[0]!, `/cloud/apply/${done}/done`];
  }
  return urls;
}

/**
 * A11Y_USERS=admin,hr re-checks only those kinds of user (while fixing a view); the test that
 * every page was visited needs them all and is then skipped.
 */
const ONLY = (process.env.A11Y_USERS ?? '').split(',').filter(Boolean);

describe('axe-core over every GET page, for each kind of user', () => {
  for (const [who, account] of USERS.filter(([w]) => !ONLY.length || ONLY.includes(w))) {
    it(`every page ${who} may open has no serious or critical violation`, async () => {
      const before = failures.length;
      const done = await scanAs(who, account, extraUrls);
      expect(done.size, `${who} opened pages`).toBeGreaterThan(5);
      expect(failures.slice(before).join('\n\n')).toBe('');
    }, 900_000);
  }

  it('the error pages (not found, refused) pass axe too', async () => {
    const page = await b.newPage();
    const notFound = await page.goto('/no-such-page');
    expect(notFound?.status()).toBe(404);
    await checkA11y(page, '404');
    await signIn(page, 'civilServant', 'wang.xiaoming');
    const refused = await page.goto('/admin/audit');
    expect(refused?.status()).toBe(403);
    await checkA11y(page, '403');
  });

  it.skipIf(ONLY.length > 0)('visited every GET page of the router for some kind of user', () => {
    console.info(`a11y-all-pages: ${timings.join('; ')}`);
    const missing = pages.map((p) => p.path).filter((p) => !scanned.has(p));
    expect(missing).toEqual([]);
  });
});
