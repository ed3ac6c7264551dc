import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeAccount, signInCookie, twoInstances, type TestApp } from '../support/app';
import { unreadBadge } from '../support/routes';

// Two instances of the portal on one database, as behind the load balancer.
const [a, b] = twoInstances();

type App = TestApp;

const get = (on: App, path: string, cookie: string) => request(on.app).get(path).set('Cookie', cookie);

async function person(on: App, roles: string[] = []) {
  const acct = await makeAccount(on.db, { roles });
  await on.db('account').where({ id: acct.accountId }).update({ egov_opt_in: true });
  return { ...acct, ...(await signInCookie(on.app, acct.login)) };
}

describe('the shared request path across instances', () => {
  it('a session signed in on one instance is signed in on the other; signing out on one ends it on both at once', async () => {
    const p = await person(a);
    expect((await get(b, '/my', p.cookie)).status).toBe(200);
    const out = await request(a.app).post('/logout').set('Cookie', p.cookie).type('form').send({ _csrf: p.csrf });
    expect(out.status).toBe(303);
    const onB = await get(b, '/my', p.cookie);
    expect(onB.status).toBe(302);
    expect(onB.headers.location).toMatch(/^\/login\?returnTo=/);
    expect((await get(a, '/my', p.cookie)).status).toBe(302);
  });

  it('a page read writes nothing to the session row', async () => {
    const p = await person(a);
    const sid = decodeURIComponent(p.cookie.slice('ecpa.sid='.length)).replace(/^s:/, '').split('.')[0]!;
    const before = await a.db('session').where({ sid }).first();
    for (const path of ['/', '/my', '/my/apps', '/announcements']) expect((await get(b, path, p.cookie)).status).toBe(200);
    const after = await a.db('session').where({ sid }).first();
    expect(after.sess).toEqual(before.sess);
    expect(new Date(after.expire).getTime()).toBe(new Date(before.expire).getTime());
  });

  it('a new message shows in the header badge on the next page of either instance, and reading it clears it on both', async () => {
    const sender = await person(a);
    const reader = await person(b);
    expect(unreadBadge((await get(b, '/', reader.cookie)).text)).toBeNull();
    const sent = await request(a.app)
      .post(`/my/messages/new?_csrf=${encodeURIComponent(sender.csrf)}`)
      .set('Cookie', sender.cookie)
      .field('to', String(reader.personId))
      .field('subject', '跨機器通知')
      .field('body', '請查收。');
    expect(sent.status).toBe(303);
    const id = Number(/(\d+)$/.exec(String(sent.headers.location))![1]);
    expect(unreadBadge((await get(b, '/', reader.cookie)).text)).toBe('1');
    expect(unreadBadge((await get(a, '/my/apps', reader.cookie)).text)).toBe('1');
    // The page that marks it read shows the count after reading, and so does every next page.
    expect(unreadBadge((await get(a, `/my/messages/${id}`, reader.cookie)).text)).toBeNull();
    expect(unreadBadge((await get(b, '/', reader.cookie)).text)).toBeNull();
    expect(unreadBadge((await get(a, '/my', reader.cookie)).text)).toBeNull();
  });

  it('a role granted or taken away applies on the next request on the other instance', async () => {
    const p = await person(a);
    const adminLink = 'href="/admin/announcements"';
    expect((await get(b, '/my', p.cookie)).text).not.toContain(adminLink);
    await a.db('role_grant').insert({ account_id: p.accountId, role: 'portal_admin', agency_id: null });
    expect((await get(b, '/my', p.cookie)).text).toContain(adminLink);
    expect((await get(b, '/admin/announcements', p.cookie)).status).toBe(200);
    await a.db('role_grant').where({ account_id: p.accountId, role: 'portal_admin' }).delete();
    expect((await get(a, '/my', p.cookie)).text).not.toContain(adminLink);
    expect((await get(b, '/admin/announcements', p.cookie)).status).toBe(403);
  });

  it('an idle session ends on the other instance too', async () => {
    const p = await person(a);
    const sid = decodeURIComponent(p.cookie.slice('ecpa.sid='.length)).replace(/^s:/, '').split('.')[0]!;
    // Last seen 21 minutes ago (the idle limit is 20).
    await a.db.raw(`UPDATE session SET sess = jsonb_set(sess::jsonb, '{lastSeenAt}', to_jsonb(?::bigint))::json WHERE sid = ?`, [Date.now() - 21 * 60_000, sid]);
    const res = await get(b, '/my', p.cookie);
    expect(res.status).toBe(302);
    expect(res.headers.location).toContain('timeout=1');
  });
});
