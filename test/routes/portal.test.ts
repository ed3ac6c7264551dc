import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors } from '../support/routes';
import { createPortalRepository } from '../../src/portal/repository';
import { startOfTaipeiDay } from '../../src/platform/dates';

const t = buildApp();
afterAll(() => t.close());

const countersOf = (html: string) => {
  const n = (label: string) => Number(new RegExp(`${label}：<strong>([\\d,]+)</strong>`).exec(html)![1]!.replace(/,/g, ''));
  return { online: n('目前線上人數'), today: n('今日總計人數'), total: n('累積上線人數') };
};

describe('首頁', () => {
  it('shows the sign-in panels, the latest announcements and the counters to a visitor', async () => {
    const res = await request(t.app).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('帳號登入');
    expect(res.text).toContain('憑證登入');
    expect(res.text).toContain('name="password"');
    expect(res.text).toMatch(/<section class="latest"[\s\S]*<a href="\/announcements\/\d+">/);
    const c = countersOf(res.text);
    expect(c.total).toBeGreaterThan(0);
    expect(c.online).toBeGreaterThanOrEqual(0);
  });

  it('greets a signed-in user', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.login);
    const res = await agent.get('/');
    expect(res.text).toContain(`測試`);
    expect(res.text).toContain('進入我的專區');
    expect(res.text).not.toContain('name="password"');
  });

  it.each(['/sitemap', '/help/first-login'])('serves %s', async (path) => {
    const res = await request(t.app).get(path);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="zh-Hant">');
  });
});

describe('counters', () => {
  it('counts live signed-in sessions only (目前線上人數), logins today and in total', async () => {
    // Inside one repeatable-read transaction the other test files' sessions cannot move the numbers.
    await t.db
      .transaction(
        async (trx) => {
          const repo = createPortalRepository(trx);
          const since = startOfTaipeiDay(new Date());
          const before = await repo.counters(since);
          const a = await makeAccount(trx);
          const user = { accountId: a.accountId };
          const future = new Date(Date.now() + 600_000);
          await trx('session').insert([
            { sid: `live-1-${a.accountId}`, sess: JSON.stringify({ passport: { user } }), expire: future },
            { sid: `live-2-${a.accountId}`, sess: JSON.stringify({ passport: { user } }), expire: future },
            { sid: `expired-${a.accountId}`, sess: JSON.stringify({ passport: { user } }), expire: new Date(Date.now() - 1000) },
            { sid: `visitor-${a.accountId}`, sess: JSON.stringify({ csrfToken: 'x' }), expire: future },
          ]);
          await trx('login_event').insert([
            { account_id: a.accountId, method: 'password', at: new Date() },
            { account_id: a.accountId, method: 'moica', at: new Date() },
            { account_id: a.accountId, method: 'password', at: new Date(since.getTime() - 1000) },
          ]);
          const after = await repo.counters(since);
          expect(after.online - before.online).toBe(2);
          expect(after.today - before.today).toBe(1);
          expect(after.total - before.total).toBe(3);
          throw new Error('rollback');
        },
        { isolationLevel: 'repeatable read' },
      )
      .catch((err: Error) => {
        if (err.message !== 'rollback') throw err;
      });
  });

  it('caches the counters for 5 seconds, and a sign-in refreshes them (累積上線人數 goes up)', async () => {
    let now = new Date();
    const clocked = buildApp({}, { clock: () => now });
    try {
      const first = countersOf((await request(clocked.app).get('/')).text);
      const a = await makeAccount(clocked.db);
      // A login event written behind the app's back is not seen within the 5 s cache...
      await clocked.db('login_event').insert({ account_id: a.accountId, method: 'password', at: new Date() });
      now = new Date(now.getTime() + 4_000);
      expect(countersOf((await request(clocked.app).get('/')).text)).toEqual(first);
      // ...but is after it.
      now = new Date(now.getTime() + 2_000);
      const later = countersOf((await request(clocked.app).get('/')).text);
      expect(later.total).toBeGreaterThanOrEqual(first.total + 1);
      // Signing in through the app forgets the cache at once.
      const { agent } = await signIn(clocked.app, a.login);
      const signedIn = countersOf((await agent.get('/')).text);
      expect(signedIn.total).toBeGreaterThanOrEqual(later.total + 1);
      expect(signedIn.online).toBeGreaterThanOrEqual(1);
    } finally {
      await clocked.close();
    }
  });
});

describe('我的專區', () => {
  it('shows 待辦事項, the favourites and the roles', async () => {
    const a = await makeAccount(t.db, { roles: ['hr_supervisor'] });
    const { agent } = await signIn(t.app, a.login);
    const res = await agent.get('/my');
    expect(res.status).toBe(200);
    expect(res.text).toContain('待辦事項');
    expect(res.text).toContain('尚未設定常用應用系統');
    expect(res.text).toContain('人事主管');
  });

  it('shows 現職資料 with the national ID masked', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.login);
    const res = await agent.get('/my/job');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`${a.nationalId.slice(0, 3)}****${a.nationalId.slice(7)}`);
    expect(res.text).not.toContain(a.nationalId);
    expect(res.text).toContain('國立臺北護理健康大學');
    expect(res.text).toContain('民國 109 年 01 月 01 日');
  });

  it.each(['/my', '/my/apps', '/my/job', '/my/todo', '/my/apps/B6/open', '/my/questionnaires/1'])('sends a visitor from %s to sign in, keeping the way back', async (path) => {
    const res = await request(t.app).get(path);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login?returnTo=${encodeURIComponent(path)}`);
    const login = await request(t.app).get(res.headers.location!);
    expect(login.text).toContain(`name="returnTo" value="${path}"`);
  });

  it('returns to the page asked for after signing in, but never to another site', async () => {
    const a = await makeAccount(t.db);
    for (const [returnTo, expected] of [
      ['/my/apps?category=B', '/my/apps?category=B'],
      ['//evil.example', '/my'],
      ['/\\evil.example', '/my'],
      ['https://evil.example/', '/my'],
    ]) {
      const { agent, csrf } = await agentFor(t.app);
      const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.login, password: 'Ecpa#2026', returnTo });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(expected);
    }
    const page = await request(t.app).get('/login?returnTo=%2F%2Fevil.example');
    expect(page.text).toContain('name="returnTo" value="/my"');
  });

  it('ignores a returnTo sent twice instead of failing the sign-in', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent
      .post('/login')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&account=${a.login}&password=${encodeURIComponent('Ecpa#2026')}&returnTo=%2Fmy%2Fapps&returnTo=%2F%2Fevil`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my');
  });

  it('redirects a signed-in user away from the sign-in page', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.login);
    const res = await agent.get('/login');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/my');
  });
});

describe('POST /login inputs', () => {
  it.each([
    [{ account: ['a', 'b'], password: 'x' }, ['帳號格式錯誤']],
    [{ account: 'a'.repeat(31), password: 'x' }, ['帳號不可超過 30 個字']],
    [{ account: 'someone', password: 'x'.repeat(201) }, ['密碼不可超過 200 個字']],
    [{ account: 'someone', password: ['x', 'y'] }, ['請輸入密碼']],
    [{ account: "'; DROP TABLE account;--", password: '<script>alert(1)</script>' }, ['登入失敗：帳號或密碼錯誤。連續錯誤 5 次將暫停登入 15 分鐘。']],
  ])('answers %j on the same form, never echoing the password', async (body, messages) => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, ...body });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(messages);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).not.toContain('x'.repeat(201));
    expect(await t.db('account').count({ n: '*' }).first()).toMatchObject({ n: expect.any(Number) });
  });

  it('accepts JSON with the same rules and refuses non-string values', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    const bad = await agent.post('/login').set('content-type', 'application/json').send(JSON.stringify({ _csrf: csrf, account: { $ne: '' }, password: { $ne: '' } }));
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['帳號格式錯誤', '請輸入密碼']);
    const good = await agent.post('/login').set('content-type', 'application/json').send(JSON.stringify({ _csrf: csrf, account: a.login, password: 'Ecpa#2026', role: 'portal_admin' }));
    expect(good.status).toBe(303);
    expect((await agent.get('/admin/apps')).status).toBe(403);
  });
});

describe('應用系統', () => {
  it('lists only the systems the user may use', async () => {
    const clerk = await makeAccount(t.db);
    const hr = await makeAccount(t.db, { roles: ['hr_staff'] });
    const clerkPage = (await (await signIn(t.app, clerk.login)).agent.get('/my/apps')).text;
    const hrPage = (await (await signIn(t.app, hr.login)).agent.get('/my/apps')).text;
    expect(clerkPage).toContain('PICS人事資訊系統客服網');
    expect(clerkPage).not.toContain('WebHR人力資源管理資訊系統');
    expect(hrPage).toContain('WebHR人力資源管理資訊系統');
    expect(hrPage).not.toContain('機關帳號權限設定');
  });

  it('opens one category when asked, ignoring an unknown one', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.login);
    const b = await agent.get('/my/apps?category=B');
    expect(b.text.match(/<details class="app-category" open>/g)).toHaveLength(1);
    const bad = await agent.get('/my/apps?category=%3Cscript%3E&category=B');
    expect(bad.status).toBe(200);
    expect(bad.text.match(/<details class="app-category" open>/g)).toHaveLength(5);
  });

  it('pins and unpins a favourite', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await signIn(t.app, a.login);
    const pin = await agent.post('/my/apps/B6/favorite').type('form').send({ _csrf: csrf, pinned: 'true' });
    expect(pin.status).toBe(303);
    expect(pin.headers.location).toBe('/my/apps');
    // Pinning twice keeps one row.
    await agent.post('/my/apps/B6/favorite').type('form').send({ _csrf: csrf, pinned: 'true' }).expect(303);
    expect(await t.db('favorite_app').where({ account_id: a.accountId }).pluck('app_code')).toEqual(['B6']);
    const my = await agent.get('/my');
    expect(my.text).toContain('已將 B6 設定為常用應用系統。');
    expect(my.text).toContain('href="/my/apps/B6/open"');
    const unpin = await agent.post('/my/apps/B6/favorite').type('form').send({ _csrf: csrf, pinned: 'false', back: 'my' });
    expect(unpin.headers.location).toBe('/my');
    expect(await t.db('favorite_app').where({ account_id: a.accountId })).toEqual([]);
    // Only 'my' is a way back; anything else goes to the list.
    const odd = await agent.post('/my/apps/B6/favorite').type('form').send({ _csrf: csrf, pinned: 'false', back: 'https://evil.example' });
    expect(odd.headers.location).toBe('/my/apps');
  });

  it('refuses to pin a system the user may not use: 403 and a denied audit row', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await signIn(t.app, a.login);
    const res = await agent.post('/my/apps/A1/favorite').type('form').send({ _csrf: csrf, pinned: 'true' });
    expectZhPage(res, 403);
    expect(await t.db('favorite_app').where({ account_id: a.accountId })).toEqual([]);
    expect(await lastAudit(t.db, 'app.open')).toMatchObject({ actor_account_id: a.accountId, outcome: 'denied', target_id: 'A1' });
  });

  it('answers 404 for an unknown code, escaped, and needs the CSRF token', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await signIn(t.app, a.login);
    const res = await agent.post(`/my/apps/${encodeURIComponent('<b>x')}/favorite`).type('form').send({ _csrf: csrf });
    expectZhPage(res, 404);
    expect(res.text).not.toContain('<b>x');
    expectZhPage(await agent.post('/my/apps/B6/favorite').type('form').send({ pinned: 'true' }), 403);
    expect(await t.db('favorite_app').where({ account_id: a.accountId })).toEqual([]);
  });

  it('opens a system by redirecting to it', async () => {
    const hr = await makeAccount(t.db, { roles: ['hr_staff'] });
    const { agent } = await signIn(t.app, hr.login);
    const res = await agent.get('/my/apps/WEBHR/open');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://webhr.dgpa.gov.tw/');
  });

  it('refuses a role-gated system to a civil servant: 403 and a denied audit row', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.login);
    const res = await agent.get('/my/apps/A1/open');
    expectZhPage(res, 403);
    expect(res.text).toContain('您沒有使用此應用系統的權限');
    const row = await t.db('audit_event').where({ actor_account_id: a.accountId, action: 'app.open' }).first();
    expect(row).toMatchObject({ outcome: 'denied', target_type: 'app', target_id: 'A1' });
  });

  it('answers 404 for an unknown or inactive system', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.login);
    expectZhPage(await agent.get('/my/apps/NOPE/open'), 404);
    expectZhPage(await agent.get(`/my/apps/${'Z'.repeat(300)}/open`), 404);
    const code = `Q${a.accountId}`.slice(0, 10);
    await t.db('app_catalog').insert({ code, name: '停用系統', category: 'B', url: '/x', active: false });
    try {
      expectZhPage(await agent.get(`/my/apps/${code}/open`), 404);
      expect((await agent.get('/my/apps')).text).not.toContain('停用系統');
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });
});

describe('機關代碼查詢', () => {
  const rowsOf = (html: string) => [...html.matchAll(/<tr><td>([A-Z0-9]{10})<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);

  it('lists every active agency, ten a page', async () => {
    const res = await request(t.app).get('/agencies');
    expect(res.status).toBe(200);
    expect(rowsOf(res.text)).toHaveLength(10);
    expect(res.text).toMatch(/共 \d+ 筆／計 \d+ 頁，目前第 1 頁/);
    const p2 = await request(t.app).get('/agencies?page=2');
    expect(rowsOf(p2.text)[0]).not.toEqual(rowsOf(res.text)[0]);
  });

  it('finds by code prefix, in any case', async () => {
    const res = await request(t.app).get('/agencies?q=a096c');
    expect(rowsOf(res.text)).toEqual([['A096C0000Q', '國立臺北護理健康大學']]);
  });

  it('finds by part of the name, and pages the results', async () => {
    const res = await request(t.app).get(`/agencies?q=${encodeURIComponent('部')}`);
    const rows = rowsOf(res.text);
    expect(rows.length).toBe(10);
    expect(rows.every(([, name]) => name!.includes('部'))).toBe(true);
    expect(res.text).toContain('href="/agencies?q=%E9%83%A8&amp;page=2"');
    const p2 = rowsOf((await request(t.app).get(`/agencies?q=${encodeURIComponent('部')}&page=2`)).text);
    expect(p2.length).toBeGreaterThan(0);
    expect(p2.every(([, name]) => name!.includes('部'))).toBe(true);
  });

  it.each(['%', '_', '內%部', '內_部', '\\', '%%', "'; DROP TABLE agency;--"])('treats %j literally (no wildcards, no SQL)', async (q) => {
    const res = await request(t.app).get(`/agencies?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    expect(rowsOf(res.text)).toEqual([]);
    expect(res.text).toContain('查無符合的機關。');
    expect(Number((await t.db('agency').count({ n: '*' }).first())!.n)).toBeGreaterThan(30);
  });

  it.each(['abc', '-1', '0', '99999', '1e9', '999999'])('never fails on page=%s', async (page) => {
    const res = await request(t.app).get(`/agencies?q=${encodeURIComponent('部')}&page=${page}`);
    expect(res.status).toBe(200);
  });

  it('refuses a query that is too long or holds bad characters, keeping it escaped', async () => {
    const long = await request(t.app).get(`/agencies?q=${'臺'.repeat(51)}`);
    expectZhPage(long, 400);
    expect(formErrors(long.text)).toEqual(['機關代碼或名稱不可超過 50 個字']);
    const bad = await request(t.app).get('/agencies?q=%FF%FE');
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['機關代碼或名稱含有無法辨識的字元，請重新輸入']);
    const html = await request(t.app).get(`/agencies?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(html.status).toBe(200);
    expect(html.text).not.toContain('<script>alert(1)</script>');
    expect(html.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('treats a query sent twice as no query', async () => {
    const res = await request(t.app).get('/agencies?q=a&q=b');
    expect(res.status).toBe(200);
    expect(rowsOf(res.text)).toHaveLength(10);
  });
});
