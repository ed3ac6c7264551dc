import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeAccount, signIn, signInCookie, twoInstances, type TestApp } from '../support/app';
import { sessionsOf, unreadBadge } from '../support/routes';

// Two instances on one database, each keeping the sessions it read (platform/web/sessionCache.ts).
const [a, b] = twoInstances();

type App = TestApp;

/**
 * How many sessions an instance found, by where from (its `ecpa_session_reads_total`), and how
 * often it dropped everything it kept (`ecpa_session_cache_cleared_total`).
 */
async function reads(on: App): Promise<{ kept: number; database: number; cleared: number; lost: number }> {
  const { values } = await on.services.metrics.sessionReads.get();
  const of = (source: string) => values.find((v) => v.labels.source === source)?.value ?? 0;
  const cleared = (await on.services.metrics.sessionCacheCleared.get()).values;
  const lost = cleared.find((v) => v.labels.reason === 'connection')?.value ?? 0;
  return { kept: of('kept'), database: of('database'), cleared: cleared.reduce((n, v) => n + v.value, 0), lost };
}

/**
 * Whether `round` found every session kept. Other files' tests run beside this one, and a change
 * they make to many people at once (a notice to a whole agency) drops every kept session: a round
 * during which that happened is tried again, three times at most. A round that missed without it
 * is a failure.
 */
async function allKept(on: App, round: () => Promise<void>): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    const before = await reads(on);
    await round();
    const after = await reads(on);
    if (after.database === before.database) return true;
    if (after.cleared === before.cleared) return false;
  }
  return false;
}

/** Loads `path` until the instance answers it from a kept session (the LISTEN connection may still be starting). */
async function untilKept(on: App, agent: Awaited<ReturnType<typeof signIn>>['agent'], path = '/'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const before = (await reads(on)).kept;
    expect((await agent.get(path)).status).toBe(200);
    if ((await reads(on)).kept > before) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the session was never kept');
}

async function person() {
  const acct = await makeAccount(a.db);
  await a.db('account').where({ id: acct.accountId }).update({ egov_opt_in: true });
  return { ...acct, ...(await signIn(a.app, acct.login)) };
}

describe('sessions kept between requests', () => {
  it('a signed-in person’s next pages take the session from the instance, not from the database', async () => {
    const p = await person();
    await untilKept(a, p.agent);
    const before = await reads(a);
    const kept = await allKept(a, async () => {
      for (const path of ['/', '/my', '/my/apps', '/announcements', '/my/profile']) expect((await p.agent.get(path)).status).toBe(200);
    });
    expect(kept).toBe(true);
    const after = await reads(a);
    expect(after.kept - before.kept).toBeGreaterThanOrEqual(5);
  });

  it('a session removed in the database (signed out elsewhere) is never served from what was kept', async () => {
    for (let i = 0; i < 5; i++) {
      const p = await person();
      await untilKept(a, p.agent);
      await a.db('session').whereRaw("(sess->'passport'->'user'->>'accountId')::int = ?", [p.accountId]).delete();
      const res = await p.agent.get('/my');
      expect(res.status).toBe(302);
      expect(res.headers.location).toMatch(/^\/login\?returnTo=/);
    }
  });

  it('a session changed in the database is read again on the very next request', async () => {
    const p = await person();
    await untilKept(a, p.agent);
    const [row] = await sessionsOf(a.db, p.accountId);
    // Last seen 21 minutes ago (the idle limit is 20): the next page ends the session.
    await a.db.raw(`UPDATE session SET sess = jsonb_set(sess::jsonb, '{lastSeenAt}', to_jsonb(?::bigint))::json WHERE sid = ?`, [Date.now() - 21 * 60_000, row!.sid]);
    const res = await p.agent.get('/my');
    expect(res.status).toBe(302);
    expect(res.headers.location).toContain('timeout=1');
  });

  it('a role given in the database applies on the next request of an instance that kept the session', async () => {
    const p = await person();
    await untilKept(a, p.agent);
    const adminLink = 'href="/admin/announcements"';
    expect((await p.agent.get('/my')).text).not.toContain(adminLink);
    await b.db('role_grant').insert({ account_id: p.accountId, role: 'portal_admin', agency_id: null });
    expect((await p.agent.get('/my')).text).toContain(adminLink);
    await b.db('role_grant').where({ account_id: p.accountId, role: 'portal_admin' }).delete();
    expect((await p.agent.get('/my')).text).not.toContain(adminLink);
    expect((await p.agent.get('/admin/announcements')).status).toBe(403);
  });

  it('the unread badge follows message rows written in the database, for that person only', async () => {
    const p = await person();
    const other = await person();
    await untilKept(a, p.agent);
    await untilKept(a, other.agent);
    expect(unreadBadge((await p.agent.get('/')).text)).toBeNull();
    const [msg] = await a.db('message')
      .insert({ sender_name: '人事處', sender_agency_name: '測試機關', subject: '直接寫入', body: '內容' })
      .returning('id');
    await a.db('message_recipient').insert({ person_id: p.personId, message_id: msg.id });
    expect(unreadBadge((await p.agent.get('/')).text)).toBe('1');
    // The other person's kept session is still used.
    expect(await allKept(a, async () => void expect((await other.agent.get('/')).status).toBe(200))).toBe(true);
    await a.db('message_recipient').where({ person_id: p.personId, message_id: msg.id }).update({ read_at: new Date() });
    expect(unreadBadge((await p.agent.get('/')).text)).toBeNull();
  });

  it('when the notification connection is lost, nothing kept is used until it is back, and then it is kept again', async () => {
    const p = await person();
    const { cookie } = await signInCookie(a.app, p.login);
    const get = () => request(a.app).get('/my').set('Cookie', cookie);
    await untilKept(a, p.agent);
    expect((await get()).status).toBe(200);
    expect(await allKept(a, async () => void expect((await get()).status).toBe(200))).toBe(true);
    const lostBefore = (await reads(a)).lost;
    // Every instance's listener (other files' too): each must fall back to the database.
    const killed = await a.db.raw("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'ecpa-change-feed'");
    expect(killed.rows.length).toBeGreaterThan(0);
    // Removed while no notification can arrive.
    await a.db('session').whereRaw("(sess->'passport'->'user'->>'accountId')::int = ?", [p.accountId]).delete();
    expect((await get()).status).toBe(302);
    expect((await reads(a)).lost).toBeGreaterThan(lostBefore);
    // Back and keeping again: the session removed meanwhile is still gone.
    const q = await person();
    await untilKept(a, q.agent);
    expect((await get()).status).toBe(302);
  });
});
