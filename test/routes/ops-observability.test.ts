import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, makeAccount, PASSWORD } from '../support/app';
import { createLogger } from '../../src/platform/logger';
import { loadConfig } from '../../src/config';
import { addressMatcher } from '../../src/platform/metrics';

/** The JSON lines the app's logger wrote. */
function captured() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (s: string) => void lines.push(s) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const log = captured();
const t = buildApp({}, { logger: log.logger });
afterAll(() => t.close());

/** The access-log lines of one request id. */
const accessLines = (reqId: string) => log.records().filter((r) => r.reqId === reqId && r.msg === 'request');

/** One sample's value from a Prometheus text exposition, or null. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

describe('access log', () => {
  it('writes one JSON line per request with the request id (also the X-Request-Id header), method, route pattern, status, duration and account', async () => {
    const res = await request(t.app).get('/announcements');
    expect(res.status).toBe(200);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[\w-]{8,64}$/);
    const lines = accessLines(id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: id, method: 'GET', route: '/announcements', status: 200, accountId: null });
    expect(typeof lines[0]!.durationMs).toBe('number');
  });

  it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const kept = await request(t.app).get('/healthz').set('X-Request-Id', 'lb-0123456789abcdef');
    expect(kept.headers['x-request-id']).toBe('lb-0123456789abcdef');
    expect(accessLines('lb-0123456789abcdef')).toHaveLength(1);
    const replaced = await request(t.app).get('/healthz').set('X-Request-Id', '<script>');
    expect(replaced.headers['x-request-id']).not.toBe('<script>');
    expect(accessLines(replaced.headers['x-request-id'] as string)).toHaveLength(1);
  });

  it('names the route pattern with its mount path, not the URL, and the signed-in account', async () => {
    const admin = await makeAccount(t.db, { roles: ['portal_admin'] });
    const { agent, csrf } = await agentFor(t.app);
    await agent.post('/login').type('form').send({ _csrf: csrf, account: admin.username, password: PASSWORD }).expect(303);
    const res = await agent.get('/admin/audit?actor=someone');
    expect(res.status).toBe(200);
    const [line] = accessLines(res.headers['x-request-id'] as string);
    expect(line).toMatchObject({ method: 'GET', route: '/admin/audit', status: 200, accountId: admin.accountId });
  });

  it('never logs the password, the national ID, the CSRF token or the cookie of a login POST', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.nationalId, password: PASSWORD });
    expect(res.status).toBe(303);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    const [line] = accessLines(res.headers['x-request-id'] as string);
    expect(line).toMatchObject({ method: 'POST', route: '/login', status: 303, accountId: a.accountId });
    const all = log.lines.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(a.nationalId);
    expect(all).not.toContain(csrf);
    expect(all).not.toContain(cookie);
  });

  it('never logs a national ID or a token carried in the URL path or query string', async () => {
    const nationalId = 'A123456789';
    const res = await request(t.app).get(`/verify?code=${nationalId}&token=s3cr3t-t0ken`);
    const notFound = await request(t.app).get(`/people/${nationalId}?nationalId=${nationalId}`);
    expect(notFound.status).toBe(404);
    const [found] = accessLines(res.headers['x-request-id'] as string);
    const [missing] = accessLines(notFound.headers['x-request-id'] as string);
    expect(found).toMatchObject({ route: '/verify' });
    expect(missing).toMatchObject({ route: '(none)', status: 404 });
    const all = log.lines.join('\n');
    expect(all).not.toContain(nationalId);
    expect(all).not.toContain('s3cr3t-t0ken');
  });
});

describe('GET /metrics', () => {
  it('answers in the Prometheus text format with the HTTP histogram by route pattern and status class', async () => {
    await request(t.app).get('/announcements').expect(200);
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(res.text, 'ecpa_http_request_duration_seconds_count', { method: 'GET', route: '/announcements', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(res.text).toContain('# TYPE ecpa_http_request_duration_seconds histogram');
    // No raw URL becomes a label.
    expect(res.text).not.toContain('A123456789');
    for (const name of ['ecpa_db_pool_pending_acquires', 'ecpa_mail_outbox_pending', 'ecpa_mail_outbox_oldest_pending_seconds', 'ecpa_mail_failed', 'process_resident_memory_bytes']) {
      expect(sample(res.text, name), name).not.toBeNull();
    }
    expect(res.text).toContain('# TYPE ecpa_db_pool_acquire_wait_seconds histogram');
  });

  it('counts database pool waits: queries queued behind a full pool show as pending acquires', async () => {
    // The test pool holds 5 connections: 8 slow queries leave 3 waiting.
    const slow = Array.from({ length: 8 }, () => t.db.raw('select pg_sleep(0.6)').then(() => undefined));
    await new Promise((r) => setTimeout(r, 150));
    const during = await request(t.app).get('/metrics');
    await Promise.all(slow);
    expect(sample(during.text, 'ecpa_db_pool_pending_acquires')).toBeGreaterThanOrEqual(1);
    const after = await request(t.app).get('/metrics');
    expect(sample(after.text, 'ecpa_db_pool_acquire_wait_seconds_count')).toBeGreaterThanOrEqual(8);
    expect(sample(after.text, 'ecpa_db_pool_acquire_wait_seconds_bucket', { le: '0.1' })).toBeLessThan(sample(after.text, 'ecpa_db_pool_acquire_wait_seconds_count')!);
  });

  it('reports the mail outbox: depth, the oldest waiting message and mail given up', async () => {
    const before = await request(t.app).get('/metrics');
    const [waiting] = await t.db('mail_outbox')
      .insert({ to_address: 'ops-metrics@example.gov.tw', subject: 'x', body_text: 'x', created_at: new Date(Date.now() - 7200_000) })
      .returning('id');
    const [givenUp] = await t.db('mail_outbox').insert({ to_address: 'ops-metrics@example.gov.tw', subject: 'x', body_text: 'x', attempts: 10, error: 'refused', dead_at: new Date() }).returning('id');
    try {
      const res = await request(t.app).get('/metrics');
      expect(sample(res.text, 'ecpa_mail_outbox_pending')).toBe(sample(before.text, 'ecpa_mail_outbox_pending')! + 1);
      expect(sample(res.text, 'ecpa_mail_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(7200);
      expect(sample(res.text, 'ecpa_mail_failed')).toBe(sample(before.text, 'ecpa_mail_failed')! + 1);
    } finally {
      await t.db('mail_outbox').whereIn('id', [waiting.id, givenUp.id]).delete();
    }
  });

  it("reports a queue's depth and job lag until a worker has taken its job", async () => {
    const name = `ops.metrics.lag.${Date.now()}`;
    let ran = 0;
    t.services.scheduler.define(name, { retryLimit: 0, retryDelay: 1, expireInSeconds: 60 }, async () => ++ran);
    await t.services.scheduler.send(name, {});
    await new Promise((r) => setTimeout(r, 50));
    const due = await request(t.app).get('/metrics');
    expect(sample(due.text, 'ecpa_queue_depth', { queue: name })).toBe(1);
    expect(sample(due.text, 'ecpa_queue_lag_seconds', { queue: name })).toBeGreaterThan(0);
    expect(await t.services.scheduler.drain([name])).toBe(1);
    expect(ran).toBe(1);
    const done = await request(t.app).get('/metrics');
    expect(sample(done.text, 'ecpa_queue_depth', { queue: name })).toBe(0);
    expect(sample(done.text, 'ecpa_queue_lag_seconds', { queue: name })).toBe(0);
    expect(sample(done.text, 'ecpa_queue_failed', { queue: name })).toBe(0);
  });

  it("reports each trusted CA's CRL: age since thisUpdate and time left until nextUpdate", async () => {
    const res = await request(t.app).get('/metrics');
    for (const ca of ['moica', 'gca', 'nhi']) {
      expect(sample(res.text, 'ecpa_crl_age_seconds', { ca })).toBeGreaterThanOrEqual(0);
      expect(sample(res.text, 'ecpa_crl_next_update_seconds', { ca })).toBeGreaterThan(0);
    }
  });

  it('counts card sign-ins by result', async () => {
    const { agent, csrf } = await agentFor(t.app);
    await agent.get('/login/certificate');
    const page = await agent.get('/login/certificate');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? csrf;
    const before = sample((await request(t.app).get('/metrics')).text, 'ecpa_card_logins_total', { result: 'incomplete' }) ?? 0;
    await agent.post('/login/certificate').type('form').send({ _csrf: token }).expect(400);
    await agent.post('/login/certificate').type('form').send({ _csrf: token, tbs: '{}', certb64: 'AAAA', signature: 'AAAA' }).expect(400);
    const res = await request(t.app).get('/metrics');
    expect(sample(res.text, 'ecpa_card_logins_total', { result: 'incomplete' })).toBe(before + 1);
    expect(sample(res.text, 'ecpa_card_logins_total', { result: 'tbs_malformed' })).toBeGreaterThanOrEqual(1);
  });

  it('is a 404 for an address METRICS_ALLOW does not list (the client address as the trusted proxy gives it)', async () => {
    const res = await request(t.app).get('/metrics').set('X-Forwarded-For', '203.0.113.9');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('ecpa_');
    expect(res.text).toContain('找不到網頁');
  });

  it('answers a configured block through the trusted proxy, and a spoofed X-Forwarded-For does not pass without one', async () => {
    const allowed = buildApp({ METRICS_ALLOW: '203.0.113.0/24' });
    const untrusted = buildApp({ METRICS_ALLOW: '203.0.113.0/24', TRUST_PROXY: 'false' });
    try {
      expect((await request(allowed.app).get('/metrics').set('X-Forwarded-For', '203.0.113.9')).status).toBe(200);
      expect((await request(allowed.app).get('/metrics').set('X-Forwarded-For', '198.51.100.1')).status).toBe(404);
      // Loopback is no longer listed.
      expect((await request(allowed.app).get('/metrics')).status).toBe(404);
      expect((await request(untrusted.app).get('/metrics').set('X-Forwarded-For', '203.0.113.9')).status).toBe(404);
    } finally {
      await allowed.close();
      await untrusted.close();
    }
  });

  it('refuses a METRICS_ALLOW entry that is not an address or CIDR block, naming the variable', () => {
    expect(() => loadConfig({ METRICS_ALLOW: '10.0.0.0/33' })).toThrow(/METRICS_ALLOW/);
    expect(() => loadConfig({ METRICS_ALLOW: 'everyone' })).toThrow(/METRICS_ALLOW/);
    expect(loadConfig({ METRICS_ALLOW: 'loopback, 10.0.0.0/8, fd00::/8' }).metricsAllow).toEqual(['127.0.0.0/8', '::1/128', '10.0.0.0/8', 'fd00::/8']);
  });

  it('matches IPv4-mapped IPv6 client addresses as IPv4', () => {
    const allowed = addressMatcher(['127.0.0.0/8', '::1/128']);
    expect(allowed('::ffff:127.0.0.1')).toBe(true);
    expect(allowed('::1')).toBe(true);
    expect(allowed('10.0.0.1')).toBe(false);
    expect(allowed(undefined)).toBe(false);
  });
});
