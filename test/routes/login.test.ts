import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, lastAudit, makeAccount, PASSWORD, signIn } from '../support/app';
import { LOGIN_FAILED_MESSAGE } from '../../src/auth/service';

const t = buildApp();
afterAll(() => t.close());

describe('POST /login', () => {
  it('signs in with the custom account, issues a new session id and lands in 我的專區', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    const before = (await agent.get('/login')).headers['set-cookie'];
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/ecpa\.sid=/);
    expect(cookie).not.toBe(String(before));
    const my = await agent.get('/my');
    expect(my.status).toBe(200);
    expect(my.text).toContain('我的專區');
    expect(await lastAudit(t.db, 'auth.login')).toMatchObject({ actor_account_id: a.accountId, outcome: 'ok' });
  });

  it('accepts the national ID as the account', async () => {
    const a = await makeAccount(t.db);
    const { landing } = await signIn(t.app, a.nationalId);
    expect(landing).toBe('/my');
  });

  it('gives one generic message for an unknown account and a wrong password, keeping the account typed', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    const wrong = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: 'Wrong#123' });
    const unknown = await agent.post('/login').type('form').send({ _csrf: csrf, account: 'nobody.here', password: 'Wrong#123' });
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(wrong.text).toContain(LOGIN_FAILED_MESSAGE);
    expect(unknown.text).toContain(LOGIN_FAILED_MESSAGE);
    expect(wrong.text).toContain(`value="${a.username}"`);
    expect(wrong.text).not.toContain('Wrong#123');
  });

  it('locks the account for 15 minutes after 5 consecutive failures', async () => {
    let now = new Date('2026-11-24T02:00:00Z');
    const clocked = buildApp({}, { clock: () => now });
    try {
      const a = await makeAccount(clocked.db);
      const { agent, csrf } = await agentFor(clocked.app);
      for (let i = 0; i < 5; i++) {
        await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: 'Wrong#123' }).expect(400);
      }
      expect(await lastAudit(clocked.db, 'auth.lockout')).toMatchObject({ target_id: String(a.accountId) });
      // The right password is refused while locked, with the same message.
      const locked = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: PASSWORD });
      expect(locked.status).toBe(400);
      expect(locked.text).toContain(LOGIN_FAILED_MESSAGE);
      now = new Date(now.getTime() + 14 * 60_000);
      await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: PASSWORD }).expect(400);
      now = new Date(now.getTime() + 2 * 60_000);
      await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: PASSWORD }).expect(303);
    } finally {
      await clocked.close();
    }
  });

  it('refuses a retired (卸職) person even with the right password', async () => {
    const a = await makeAccount(t.db, { status: '卸職' });
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.text).toContain('卸職');
  });

  it('refuses a form without a CSRF token with 403', async () => {
    const res = await request(t.app).post('/login').type('form').send({ account: 'x', password: 'y' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('表單已逾時');
  });

  it('asks for both fields, with zh-TW messages', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: '', password: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('請輸入帳號');
    expect(res.text).toContain('請輸入密碼');
    expect(res.text).toMatch(/<title>錯誤：/);
  });

  it('rate-limits sign-in attempts per IP', async () => {
    const limited = buildApp({ LOGIN_RATE_LIMIT_PER_15MIN: '3', TRUST_PROXY: 'loopback' });
    try {
      const ip = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const { agent, csrf } = await agentFor(limited.app);
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, account: 'nobody', password: 'x' });
        codes.push(r.status);
      }
      expect(codes).toEqual([400, 400, 400, 429]);
    } finally {
      await limited.close();
    }
  });
});
