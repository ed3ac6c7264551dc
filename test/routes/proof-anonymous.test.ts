import { afterAll, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, csrfFrom, signIn } from '../support/app';
import { freshIp } from '../support/routes';

// Anonymous requests must not write without limit: refusals are counted in one audit row
// per source, action and minute; what writes is rate limited per IP (and per address for
// the newsletter); open-data downloads are access log lines; no session row for a visitor
// who has not posted a form.
const t = buildApp();
afterAll(() => t.close());

const keyless = (ip: string) => request(t.app).post('/api/pics/tickets').set('X-Forwarded-For', ip).set('content-type', 'application/json').send('{}');
const auditOf = (action: string, ip: string) => t.db('audit_event').where({ action, ip }).orderBy('id');

describe('repeated anonymous refusals: one audit row per source and minute, with a count', () => {
  it('counts keyless WebHR calls of one IP in one audit row', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await keyless(ip)).status).toBe(401);
    const rows = await auditOf('pics.api.denied', ip);
    // Two rows at most: the five calls may straddle a minute boundary.
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(2);
    const windows = await t.db('audit_refusal_window').where({ action: 'pics.api.denied', ip });
    expect(windows.reduce((n: number, w: { count: number }) => n + w.count, 0)).toBe(5);
    expect(windows.map((w: { audit_event_id: string }) => String(w.audit_event_id)).sort()).toEqual(rows.map((r: { id: string }) => String(r.id)).sort());
    // Another source has its own row.
    const other = freshIp();
    await keyless(other);
    expect(await auditOf('pics.api.denied', other)).toHaveLength(1);
  });

  it('counts failed card logins of one IP in one audit row per reason', async () => {
    const ip = freshIp();
    const { agent, csrf } = await agentFor(t.app);
    for (let i = 0; i < 4; i++) {
      const res = await agent.post('/login/certificate').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, tbs: 'not a tbs', signature: 'AAAA', certb64: 'AAAA' });
      expect(res.status).toBe(400);
    }
    const rows = await auditOf('auth.certificate', ip);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(2);
    expect(rows[0].details.reason).toBe('tbs_malformed');
    const windows = await t.db('audit_refusal_window').where({ action: 'auth.certificate', ip });
    expect(windows.reduce((n: number, w: { count: number }) => n + w.count, 0)).toBe(4);
  });

  it('counts sign-ins of unknown accounts and unmatched 忘記密碼 requests of one IP in one audit row each', async () => {
    const ip = freshIp();
    const { agent, csrf } = await agentFor(t.app);
    for (let i = 0; i < 4; i++) {
      const res = await agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, account: `nobody.${process.pid}.${i}`, password: 'Wrong#2026' });
      expect(res.status).toBe(400);
      const reset = await agent.post('/forgot-password').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, account: `nobody.${process.pid}.${i}`, email: 'x@example.gov.tw' });
      expect(reset.status).toBe(200);
    }
    for (const action of ['auth.login', 'auth.password_reset_request']) {
      const rows = await auditOf(action, ip);
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(rows.length).toBeLessThanOrEqual(2);
      const windows = await t.db('audit_refusal_window').where({ action, ip });
      expect(windows.reduce((n: number, w: { count: number }) => n + w.count, 0)).toBe(4);
    }
  });

  it('shows the count beside the row in /admin/audit', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) await keyless(ip);
    const admin = await signIn(t.app, 'portal.admin');
    const page = await admin.agent.get('/admin/audit?action=pics.api.denied');
    expect(page.status).toBe(200);
    expect(page.text).toContain('同一分鐘次數');
    const windows = await t.db('audit_refusal_window').where({ action: 'pics.api.denied', ip });
    const cells = new RegExp(`<td>${ip.replace(/\./g, '\\.')}</td><td>(\\d+)</td>`, 'g');
    const counts = [...page.text.matchAll(cells)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(counts).toHaveLength(windows.length);
  });

  it('drops windows that counted a single refusal once they are a day old, keeps counted ones', async () => {
    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    const ip = freshIp();
    await t.db('audit_refusal_window').insert([
      { action: 'test.refusal', ip, reason: 'single', minute: old, count: 1 },
      { action: 'test.refusal', ip, reason: 'many', minute: old, count: 7 },
    ]);
    await t.services.audit.pruneRefusalWindows();
    const left = await t.db('audit_refusal_window').where({ action: 'test.refusal', ip });
    expect(left.map((w: { reason: string }) => w.reason)).toEqual(['many']);
  });
});

describe('rate limits on anonymous writes, per IP', () => {
  it('refuses keyless WebHR calls past the limit with a JSON 429, and no further audit', async () => {
    const limited = buildApp({ REFUSAL_RATE_LIMIT_PER_15MIN: '3' });
    try {
      const ip = freshIp();
      const post = () => request(limited.app).post('/api/pics/tickets').set('X-Forwarded-For', ip).set('content-type', 'application/json').send('{}');
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await post()).status);
      expect(codes).toEqual([401, 401, 401, 429]);
      const last = await post();
      expect(last.status).toBe(429);
      expect(last.type).toBe('application/json');
      expect(last.body.error.code).toBe('rate_limited');
      const windows = await limited.db('audit_refusal_window').where({ action: 'pics.api.denied', ip });
      expect(windows.reduce((n: number, w: { count: number }) => n + w.count, 0)).toBe(3);
    } finally {
      await limited.close();
    }
  });

  it('refuses failed card logins past the limit with the zh-TW 429 page', async () => {
    const limited = buildApp({ REFUSAL_RATE_LIMIT_PER_15MIN: '2' });
    try {
      const ip = freshIp();
      const { agent, csrf } = await agentFor(limited.app);
      const codes = [];
      for (let i = 0; i < 3; i++) {
        codes.push((await agent.post('/login/certificate').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, tbs: 'x', signature: 'AAAA', certb64: 'AAAA' })).status);
      }
      expect(codes).toEqual([400, 400, 429]);
      const res = await agent.post('/login/certificate').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, tbs: 'x', signature: 'AAAA', certb64: 'AAAA' });
      expect(res.status).toBe(429);
      expect(res.text).toContain('嘗試次數過多，請稍後再試。');
    } finally {
      await limited.close();
    }
  });

  it('limits newsletter mail per IP and per address', async () => {
    const limited = buildApp({ SUBSCRIBE_RATE_LIMIT_PER_15MIN: '4' });
    try {
      const { agent } = await agentFor(limited.app);
      const csrf = csrfFrom((await agent.get('/jobs/subscribe')).text);
      const ip = freshIp();
      const address = `limit-${ip}@example.gov.tw`;
      const subscribe = (email: string, from = ip) => agent.post('/jobs/subscribe').set('X-Forwarded-For', from).type('form').send({ _csrf: csrf, email, keyword: '', county: '', seriesCode: '' });
      // One address: three mails, then 429 even from other addresses of the sender.
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await subscribe(address, freshIp())).status);
      expect(codes).toEqual([200, 200, 200, 429]);
      expect(await limited.db('mail_outbox').where({ to_address: address })).toHaveLength(3);
      // One IP: four requests in all, whatever the address.
      const perIp = [];
      for (let i = 0; i < 5; i++) perIp.push((await subscribe(`other${i}-${ip}@example.gov.tw`)).status);
      expect(perIp).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('open-data downloads', () => {
  it('are logged as one access log line, not as audit events', async () => {
    const before = await t.db('audit_event').where({ action: 'jobs.opendata.download' }).count<{ count: string }[]>('id as count');
    const info = vi.spyOn(t.services.logger, 'info');
    try {
      for (const file of ['vacancies.json', 'vacancies.csv', 'history.xml']) expect((await request(t.app).get(`/jobs/opendata/${file}`)).status).toBe(200);
      const lines = info.mock.calls.filter((c) => (c[0] as { event?: string })?.event === 'jobs.opendata.download');
      expect(lines.map((c) => (c[0] as { file: string }).file)).toEqual(['vacancies.json', 'vacancies.csv', 'history.xml']);
    } finally {
      info.mockRestore();
    }
    const after = await t.db('audit_event').where({ action: 'jobs.opendata.download' }).count<{ count: string }[]>('id as count');
    expect(after[0]!.count).toBe(before[0]!.count);
  });
});

describe('anonymous visitors get no stored session until they sign in', () => {
  // A session an anonymous GET would have stored: a CSRF token and no user.
  const anonymousRows = async () =>
    Number((await t.db('session').whereRaw("jsonb_exists(sess::jsonb, 'csrfToken') AND NOT jsonb_exists(sess::jsonb, 'passport')").count<{ count: string }[]>('sid as count'))[0]!.count);

  it('N cookie-less GETs of pages with a form create no session row and no session cookie', async () => {
    const before = await anonymousRows();
    for (let i = 0; i < 10; i++) {
      for (const url of ['/login', '/pics', '/jobs/subscribe', '/forgot-password']) {
        const res = await request(t.app).get(url);
        expect(res.status).toBe(200);
        const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
        expect(cookies.filter((c) => c.startsWith('ecpa.sid='))).toEqual([]);
      }
    }
    expect(await anonymousRows()).toBe(before);
  });

  it('forms still work without JavaScript: the token of the page and the pre-session cookie sign in', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const pre = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('ecpa.pre='));
    expect(pre).toMatch(/HttpOnly/i);
    expect(pre).toMatch(/SameSite=Lax/i);
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), account: 'wang.xiaoming', password: 'Ecpa#2026' });
    expect(res.status).toBe(303);
    expect((await agent.get('/my/profile')).status).toBe(200);
  });

  it("refuses another browser's anonymous token, and an anonymous token once signed in", async () => {
    const a = await agentFor(t.app);
    const b = await agentFor(t.app);
    expect((await b.agent.post('/jobs/subscribe').type('form').send({ _csrf: a.csrf, email: 'x@example.gov.tw' })).status).toBe(403);
    expect((await request(t.app).post('/jobs/subscribe').type('form').send({ _csrf: a.csrf, email: 'x@example.gov.tw' })).status).toBe(403);
    // Signed in, the session's own token only: the login form's token no longer counts.
    const loginToken = a.csrf;
    expect((await a.agent.post('/login').type('form').send({ _csrf: loginToken, account: 'chen.meiling', password: 'Ecpa#2026' })).status).toBe(303);
    const res = await a.agent.post('/logout').type('form').send({ _csrf: loginToken });
    expect(res.status).toBe(403);
    expect((await a.agent.get('/my/profile')).status).toBe(200);
  });
});
