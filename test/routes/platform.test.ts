import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, csrfFrom, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, patchSessions, postRaw, rawForm, sessionsOf } from '../support/routes';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { createDb } from '../../src/platform/database';
import { createServices } from '../../src/services';
import { createApp } from '../../src/app';

const t = buildApp();
afterAll(() => t.close());

const MIN = 60_000;

describe('health checks', () => {
  it('/healthz answers without touching the session', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('/readyz checks the database', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('/readyz answers 503 when the database is down, and pages a zh-TW 503 without internals', async () => {
    const deadUrl = 'postgres://ecpa:x@127.0.0.1:1/none';
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: deadUrl, PUBLIC_ORIGIN: 'http://portal.test' });
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
    const db = createDb(deadUrl, 1);
    const app = createApp({ config, logger, services: createServices(db, config, logger), databaseUrl: deadUrl });
    try {
      const ready = await request(app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable' });
      const home = await request(app).get('/');
      expect(home.status).toBe(503);
      expect(home.headers['retry-after']).toBe('5');
      expect(home.text).toContain('系統暫時無法提供服務，請稍後再試。');
      expect(home.text).toContain('如需協助，請提供此代碼給客服人員：');
      expect(home.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1|select|stack/i);
      // The log names the route, never the URL: its query string may carry a national ID.
      const page = await request(app).get('/announcements?q=A123456789');
      expect(page.status).toBe(503);
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'database unavailable');
      expect(logged.find((r) => r.requestId === page.headers['x-request-id'])).toMatchObject({ route: '/announcements' });
      expect(lines.join('\n')).not.toContain('A123456789');
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});

describe('pages and headers', () => {
  it('shows a zh-TW 404 page for an unknown path', async () => {
    const res = await request(t.app).get('/no/such/page');
    expectZhPage(res, 404);
    expect(res.text).toContain('找不到網頁');
    expect(res.text).toContain('您要找的網頁不存在或已移除。');
  });

  it('shows the 404 page to a signed-in user too, and for unknown static files', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    const res = await agent.get('/my/nothing-here');
    expectZhPage(res, 404);
    expect(res.text).toContain(a.username === null ? '' : '登出');
    expectZhPage(await request(t.app).get('/public/js/nothing.js'), 404);
  });

  it('answers 404 for GET /logout (sign-out is a POST)', async () => {
    expectZhPage(await request(t.app).get('/logout'), 404);
  });

  it('sends the security headers and a safe session cookie', async () => {
    const res = await request(t.app).get('/login');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,64}$/);
    // An anonymous page stores no session: its form's CSRF token is bound to the pre-session cookie.
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/ecpa\.pre=/);
    expect(cookie).not.toMatch(/ecpa\.sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('keeps a well-formed request id and replaces a malicious one', async () => {
    expect((await request(t.app).get('/login').set('X-Request-Id', 'abc-12345678')).headers['x-request-id']).toBe('abc-12345678');
    const bad = await request(t.app).get('/login').set('X-Request-Id', '<script>alert(1)</script>');
    expect(bad.headers['x-request-id']).not.toContain('<');
  });
});

describe('request bodies the forms never expect', () => {
  it('answers a 10 MB form with 413 and a zh-TW page, never 500', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent
      .post('/login')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&account=${'a'.repeat(10 * 1024 * 1024)}&password=x`);
    expectZhPage(res, 413);
    expect(res.text).toContain('送出的資料量過大，請減少內容後再試。');
  });

  it('answers a 10 MB JSON body with 413 too', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent
      .post('/login')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ _csrf: csrf, account: 'a'.repeat(10 * 1024 * 1024), password: 'x' }));
    expectZhPage(res, 413);
  });

  it('answers a form with too many fields with 413, never 500', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const fields = Array.from({ length: 300 }, (_, i) => `f${i}=x`).join('&');
    const res = await agent.post('/login').type('form').send(`_csrf=${encodeURIComponent(csrf)}&${fields}`);
    expect(res.status).not.toBe(500);
    expectZhPage(res, 413);
  });

  it('answers malformed JSON with 400 and a zh-TW page', async () => {
    const { agent } = await agentFor(t.app);
    const res = await agent.post('/login').set('content-type', 'application/json').send('{"account": ');
    expectZhPage(res, 400);
    expect(res.text).toContain('送出的資料格式錯誤，請確認後再試。');
  });

  it('refuses an unsupported charset without a 500', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent
      .post('/login')
      .set('content-type', 'application/x-www-form-urlencoded; charset=x-unknown')
      .send(`_csrf=${encodeURIComponent(csrf)}&account=a&password=b`);
    expect([400, 415]).toContain(res.status);
    expect(res.text).toContain('<html lang="zh-Hant">');
  });

  it('asks again for undecodable bytes on the sign-in form (no 500)', async () => {
    const { agent, csrf } = await agentFor(t.app);
    for (const account of [Buffer.from('%FF%FE'), Buffer.from([0xff, 0xfe, 0x41])]) {
      const res = await postRaw(agent, '/login', rawForm(`_csrf=${encodeURIComponent(csrf)}&password=x&account=`, account));
      expectZhPage(res, 400);
      expect(res.text).toContain('帳號含有無法辨識的字元，請重新輸入');
    }
  });
});

describe('POST /logout', () => {
  it('ends the session, clears the cookie, records it and goes home', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await signIn(t.app, a.username!);
    expect(await sessionsOf(t.db, a.accountId)).toHaveLength(1);
    const res = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(String(res.headers['set-cookie'])).toMatch(/ecpa\.sid=;/);
    expect(await sessionsOf(t.db, a.accountId)).toHaveLength(0);
    expect(await lastAudit(t.db, 'auth.logout')).toMatchObject({ actor_account_id: a.accountId });
    const my = await agent.get('/my');
    expect(my.status).toBe(302);
    expect(my.headers.location).toBe('/login?returnTo=%2Fmy');
  });

  it('needs the CSRF token (403) and leaves the user signed in', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    const res = await agent.post('/logout').type('form').send({});
    expectZhPage(res, 403);
    expect(res.text).toContain('表單已逾時或來源不明');
    expect((await agent.post('/logout').type('form').send({ _csrf: 'wrong-token' })).status).toBe(403);
    expect((await agent.get('/my')).status).toBe(200);
  });

  it('is harmless for a visitor', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});

describe('session timeouts', () => {
  it('keeps a session used within the idle limit and refreshes lastSeenAt', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    const before = Date.now();
    await patchSessions(t.db, a.accountId, { lastSeenAt: before - 19 * MIN });
    expect((await agent.get('/my')).status).toBe(200);
    const [row] = await sessionsOf(t.db, a.accountId);
    expect(row!.sess.lastSeenAt as number).toBeGreaterThanOrEqual(before);
  });

  it('signs out after 20 idle minutes and says why on the sign-in page', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    await patchSessions(t.db, a.accountId, { lastSeenAt: Date.now() - 21 * MIN });
    const res = await agent.get('/my');
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login\?returnTo=%2Fmy/);
    expect(await sessionsOf(t.db, a.accountId)).toHaveLength(0);
    const login = await agent.get(res.headers.location!);
    expect(login.text).toContain('您已閒置過久或登入時間已達上限，請重新登入。');
    expect(login.text).toContain('value="/my"');
  });

  it('tells a timed-out visitor who opens the sign-in page directly', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    await patchSessions(t.db, a.accountId, { lastSeenAt: Date.now() - 21 * MIN });
    const login = await agent.get('/login');
    expect(login.status).toBe(200);
    expect(login.text).toContain('您已閒置過久或登入時間已達上限，請重新登入。');
  });

  it('refuses a form posted after the idle timeout (the CSRF token went with the session)', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await signIn(t.app, a.username!);
    await patchSessions(t.db, a.accountId, { lastSeenAt: Date.now() - 21 * MIN });
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: 'x.after.timeout', email: 'x@example.gov.tw', egovOptIn: 'yes' });
    expectZhPage(res, 403);
    expect((await t.db('account').where({ id: a.accountId }).first()).username).toBe(a.username);
  });

  it('reads the idle limit from SESSION_IDLE_MINUTES', async () => {
    const short = buildApp({ SESSION_IDLE_MINUTES: '5' });
    try {
      const a = await makeAccount(short.db);
      const { agent } = await signIn(short.app, a.username!);
      await patchSessions(short.db, a.accountId, { lastSeenAt: Date.now() - 4 * MIN });
      expect((await agent.get('/my')).status).toBe(200);
      await patchSessions(short.db, a.accountId, { lastSeenAt: Date.now() - 6 * MIN });
      expect((await agent.get('/my')).status).toBe(302);
    } finally {
      await short.close();
    }
    // The default app still keeps a 6-minute idle session.
    const b = await makeAccount(t.db);
    const { agent } = await signIn(t.app, b.username!);
    await patchSessions(t.db, b.accountId, { lastSeenAt: Date.now() - 6 * MIN });
    expect((await agent.get('/my')).status).toBe(200);
  });

  it('signs out after the absolute limit (8 h) even when active', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    await patchSessions(t.db, a.accountId, { createdAt: Date.now() - 7.9 * 60 * MIN, lastSeenAt: Date.now() - MIN });
    expect((await agent.get('/my')).status).toBe(200);
    await patchSessions(t.db, a.accountId, { createdAt: Date.now() - 8 * 60 * MIN - MIN, lastSeenAt: Date.now() });
    const res = await agent.get('/my');
    expect(res.status).toBe(302);
    expect(await sessionsOf(t.db, a.accountId)).toHaveLength(0);
  });

  it('reads the absolute limit from SESSION_ABSOLUTE_HOURS', async () => {
    const short = buildApp({ SESSION_ABSOLUTE_HOURS: '1' });
    try {
      const a = await makeAccount(short.db);
      const { agent } = await signIn(short.app, a.username!);
      await patchSessions(short.db, a.accountId, { createdAt: Date.now() - 61 * MIN, lastSeenAt: Date.now() });
      expect((await agent.get('/my')).status).toBe(302);
    } finally {
      await short.close();
    }
  });

  it('treats a session the store has expired as signed out', async () => {
    const a = await makeAccount(t.db);
    const { agent } = await signIn(t.app, a.username!);
    await patchSessions(t.db, a.accountId, { expire: new Date(Date.now() - 1000) });
    expect((await agent.get('/my')).status).toBe(302);
  });

  it('gives a fresh session id at sign-in and keeps the old one unusable', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    const anonymous = String((await agent.get('/login')).headers['set-cookie'] ?? '');
    await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: 'Ecpa#2026' }).expect(303);
    const [row] = await sessionsOf(t.db, a.accountId);
    expect(anonymous).not.toContain(row!.sid);
    const page = await agent.get('/my');
    expect(csrfFrom(page.text)).toBeTruthy();
  });
});
