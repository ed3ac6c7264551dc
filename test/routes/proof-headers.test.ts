import crypto from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/platform/database';
import { APP_ROLE, checkAppLogin } from '../../src/platform/dbRole';
import request from 'supertest';
import { buildApp, csrfFrom, PASSWORD, signIn } from '../support/app';
import { isBadCharacterError } from '../../src/platform/web/rejectNul';

const t = buildApp();
afterAll(() => t.close());

describe('response headers', () => {
  it('public pages: strict CSP with a nonce, nosniff, HSTS, no framing', async () => {
    const res = await request(t.app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-/);
    expect(res.headers['content-security-policy']).toMatch(/object-src 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('pages of a signed-in user are never stored', async () => {
    const { agent } = await signIn(t.app, 'wang.xiaoming');
    for (const path of ['/my', '/my/profile', '/']) {
      const res = await agent.get(path);
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('the nonce differs on every response', async () => {
    const a = (await request(t.app).get('/')).headers['content-security-policy'];
    const b = (await request(t.app).get('/')).headers['content-security-policy'];
    expect(a).not.toBe(b);
  });
});

describe('session fixation', () => {
  it('a session id planted before sign-in is replaced at sign-in', async () => {
    // An anonymous GET stores no session, so the attacker plants one that is in the store
    // (the cookie signed as express-session signs it).
    const sid = `planted-${crypto.randomUUID()}`;
    await t.db('session').insert({ sid, sess: JSON.stringify({ cookie: { path: '/', httpOnly: true, sameSite: 'lax' } }), expire: new Date(Date.now() + 3600_000) });
    const planted = encodeURIComponent(`s:${sid}.${crypto.createHmac('sha256', t.config.sessionSecret).update(sid).digest('base64').replace(/=+$/, '')}`);
    const before = await request(t.app).get('/login').set('Cookie', `ecpa.sid=${planted}`);
    const csrf = csrfFrom(before.text);
    const pre = /ecpa\.pre=([^;]+)/.exec(String(before.headers['set-cookie'] ?? ''))?.[1];
    const res = await request(t.app).post('/login').set('Cookie', `ecpa.sid=${planted}; ecpa.pre=${pre}`).type('form').send({ _csrf: csrf, account: 'chen.meiling', password: PASSWORD });
    expect(res.status).toBe(303);
    const issued = /ecpa\.sid=([^;]+)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
    expect(issued).toBeTruthy();
    expect(issued).not.toBe(planted);
    // The planted id no longer leads anywhere.
    const replay = await request(t.app).get('/my').set('Cookie', `ecpa.sid=${planted}`);
    expect(replay.status).toBe(302);
  });
});

describe('the audit trail', () => {
  it('cannot be updated, deleted or truncated by the application database role, nor its guards taken off', async () => {
    await t.services.audit.record({ action: 'test.append_only', details: { n: 1 } });
    const row = await t.db('audit_event').where({ action: 'test.append_only' }).orderBy('id', 'desc').first();
    expect((await t.db.raw('SELECT current_user AS u')).rows[0].u).toBe(APP_ROLE);
    const denied = /permission denied|must be owner/i;
    await expect(t.db('audit_event').where({ id: row.id }).update({ action: 'test.changed' })).rejects.toThrow(denied);
    await expect(t.db('audit_event').where({ id: row.id }).delete()).rejects.toThrow(denied);
    await expect(t.db.raw('TRUNCATE audit_event')).rejects.toThrow(denied);
    await expect(t.db.raw('ALTER TABLE audit_event DISABLE TRIGGER ALL')).rejects.toThrow(denied);
    await expect(t.db.raw('DROP TABLE audit_event')).rejects.toThrow(denied);
    // RESET ROLE returns to the role the connection started with: still the app's.
    await expect(t.db.transaction(async (trx) => {
      await trx.raw('RESET ROLE');
      await trx('audit_event').where({ id: row.id }).delete();
    })).rejects.toThrow(denied);
    // No new tables either: the schema is the owner's.
    await expect(t.db.raw('CREATE TABLE audit_copy (id int)')).rejects.toThrow(denied);
    expect((await t.db('audit_event').where({ id: row.id }).first()).action).toBe('test.append_only');
  });

  it('the app logs in as its own login: not a superuser, not the owner nor a member of it, owning nothing', async () => {
    const owner = createDb(inject('ownerDatabaseUrl'), 1);
    try {
      const ownerRole = (await owner.raw('SELECT current_user AS u')).rows[0].u as string;
      expect(ownerRole).not.toBe(APP_ROLE);
      // Neither login is a superuser; the owner may not create roles or databases.
      const roles = (await owner.raw('SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname IN (?, ?)', [ownerRole, APP_ROLE])).rows;
      expect(roles).toHaveLength(2);
      for (const r of roles) expect(r, r.rolname).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
      const me = (await t.db.raw("SELECT session_user AS login, pg_has_role(session_user, ?, 'MEMBER') AS member FROM pg_roles LIMIT 1", [ownerRole])).rows[0];
      expect(me).toEqual({ login: APP_ROLE, member: false });
      const owned = (await t.db.raw('SELECT count(*) AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = session_user)')).rows[0].n;
      expect(owned).toBe(0);
      // The check that stops a start with a wrong login passes for it, and refuses the owner's.
      await expect(checkAppLogin(t.db, ownerRole)).resolves.toBeUndefined();
      await expect(checkAppLogin(owner, ownerRole)).rejects.toThrow(/is the schema owner .* owns \d+ tables/);
      const denied = /permission denied|must be owner/i;
      // From the app's own connection: no way back to the owner, no replica mode that skips
      // the triggers, no change to the audit trail.
      await t.services.audit.record({ action: 'test.no_way_back', details: {} });
      const row = await t.db('audit_event').where({ action: 'test.no_way_back' }).orderBy('id', 'desc').first();
      await expect(t.db.raw(`SET ROLE ${ownerRole}`)).rejects.toThrow(denied);
      await expect(t.db.raw('SET session_replication_role = replica')).rejects.toThrow(denied);
      await expect(t.db.transaction(async (trx) => {
        await trx.raw(`SET LOCAL ROLE ${ownerRole}`);
        await trx('audit_event').where({ id: row.id }).delete();
      })).rejects.toThrow(denied);
      await expect(t.db.transaction(async (trx) => {
        await trx.raw('SET LOCAL session_replication_role = replica');
        await trx('audit_event').where({ id: row.id }).delete();
      })).rejects.toThrow(denied);
      await expect(t.db('audit_event').where({ id: row.id }).delete()).rejects.toThrow(denied);
      await expect(t.db('audit_event').where({ id: row.id }).update({ action: 'test.changed' })).rejects.toThrow(denied);
      await expect(t.db.raw('TRUNCATE audit_event')).rejects.toThrow(denied);
      expect((await owner('audit_event').where({ id: row.id }).first()).action).toBe('test.no_way_back');
    } finally {
      await owner.destroy();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE even from the schema owner (triggers)', async () => {
    const owner = createDb(inject('ownerDatabaseUrl'), 1);
    try {
      const row = await owner('audit_event').orderBy('id', 'desc').first();
      await expect(owner('audit_event').where({ id: row.id }).update({ action: 'test.changed' })).rejects.toThrow(/append-only|not allowed/i);
      await expect(owner('audit_event').where({ id: row.id }).delete()).rejects.toThrow(/append-only|not allowed/i);
      await expect(owner.raw('TRUNCATE audit_event')).rejects.toThrow(/append-only|not allowed/i);
    } finally {
      await owner.destroy();
    }
  });
});

describe('NUL characters', () => {
  it('in a form value: the field\'s own message on the same form, what was typed kept, nothing saved', async () => {
    const { agent, csrf } = await signIn(t.app, 'wang.xiaoming');
    const form = await agent.post('/my/profile').type('form').send(`_csrf=${encodeURIComponent(csrf)}&username=a%00b&email=x%40y.tw`);
    expect(form.status).toBe(400);
    expect(form.text).toContain('含有無法辨識的字元');
    expect(form.text).toContain('x@y.tw');
  });

  it('in a query value never fails; in a field name or path it is refused with a zh-TW 400', async () => {
    const { agent, csrf } = await signIn(t.app, 'wang.xiaoming');
    const query = await agent.get('/agencies?q=%00');
    expect(query.status).toBeLessThan(500);
    const key = await agent.post('/my/profile').type('form').send(`_csrf=${encodeURIComponent(csrf)}&user%00name=a&email=x%40y.tw`);
    expect(key.status).toBe(400);
    expect(key.text).toContain('不允許的控制字元');
    const path = await agent.get('/announcements%00');
    expect([400, 404]).toContain(path.status);
    // In a query's name, where it may be written among other parameters.
    for (const url of ['/agencies?q%00=1', '/agencies?page=1&%00=x', '/my?x=1&a%00b']) {
      const named = await agent.get(url);
      expect(named.status, url).toBe(400);
      expect(named.text).toContain('不允許的控制字元');
    }
  });

  it('in a multipart field is refused with a zh-TW 400 and no file is kept', async () => {
    const { agent, csrf } = await signIn(t.app, 'wang.xiaoming');
    const multipart = await agent.post(`/pics/tickets?_csrf=${encodeURIComponent(csrf)}`).field('appCode', 'A1\u0000').field('subject', 'x').attach('files', Buffer.from('%PDF-1.4\n'), 'a.pdf');
    expect(multipart.status).toBe(400);
    expect(multipart.text).toContain('不允許的控制字元');
  });

  it('that reaches the database anyway is answered 400, not 500', async () => {
    const err = await t.db.raw('select ?::text as v', ['a\u0000b']).catch((e: unknown) => e);
    expect(isBadCharacterError(err)).toBe(true);
  });
});
