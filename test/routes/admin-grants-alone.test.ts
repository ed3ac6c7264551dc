import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, makeAccount, signIn } from '../support/app';
import { cardSignIn, signAs } from '../support/cards';
import { expectZhPage, formErrors } from '../support/routes';
import { ACCESS_MESSAGES } from '../../src/portal/access/service';
import { AGENCY_NOT_AUTHORIZED } from '../../src/platform/identity/accountRules';

// These tests change what the whole database holds (the portal administrators, the demo
// agency cards' grants): vitest.config.ts runs this file on a database of its own.
const t = buildApp();
afterAll(() => t.close());

const DGPA = '376470000A';
const adminsLeft = () => t.db('role_grant').where({ role: 'portal_admin' }).pluck('account_id');
const areaRow = async (area: string) => t.db('agency_area_grant as r').join('agency as g', 'g.id', 'r.agency_id').where({ 'g.code': DGPA, 'r.area': area }).first('r.*');

async function admin(roles = ['portal_admin']) {
  const a = await makeAccount(t.db, { roles });
  return { a, ...(await signIn(t.app, a.login)) };
}
type Admin = Awaited<ReturnType<typeof admin>>;
const grantOf = async (accountId: number, role: string) => (await t.db('role_grant').where({ account_id: accountId, role }).first()).id as number;
const revoke = (me: Admin, accountId: number, grantId: number) =>
  me.agent.post(`/admin/access/people/${accountId}/grants/${grantId}/revoke`).type('form').send({ _csrf: me.csrf, revokeReason: '職務異動' });

/** The page's list of refused agency cards. */
const refusedSection = (html: string) => html.slice(html.indexOf('<h2>憑證登入被拒的機關</h2>'), html.indexOf('<h2>查詢機關</h2>'));

/** The agency card's sign-in as the bridge would answer it: the response, and the client. */
async function cardAttempt(card: string) {
  const agent = request.agent(t.app);
  const page = await agent.get('/login/certificate');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const ch = await agent.post('/login/certificate/challenge').set('x-csrf-token', csrf).set('accept', 'application/json');
  return agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...signAs(card, ch.body.tbs) });
}

describe('the last portal administrator', () => {
  it('stays: withdrawing it is refused with the message, nothing changed; two administrators withdrawing each other at once leave one', async () => {
    const a = await admin();
    const b = await admin();
    // Everyone else's administrator role goes first (the demo's portal.admin included).
    for (const id of await adminsLeft()) if (id !== a.a.accountId && id !== b.a.accountId) expect((await revoke(a, id, await grantOf(id, 'portal_admin'))).status).toBe(303);
    expect((await adminsLeft()).sort()).toEqual([a.a.accountId, b.a.accountId].sort());

    // At the same moment each withdraws the other: the lock lets one through.
    const [ra, rb] = await Promise.all([revoke(a, b.a.accountId, await grantOf(b.a.accountId, 'portal_admin')), revoke(b, a.a.accountId, await grantOf(a.a.accountId, 'portal_admin'))]);
    expect([ra.status, rb.status].filter((s) => s === 303)).toHaveLength(1);
    const left = await adminsLeft();
    expect(left).toHaveLength(1);
    const last = left[0] === a.a.accountId ? a : b;
    const loser = last === a ? rb : ra;
    // The one withdrawn lost the role at once: its own request was refused (403) or found the
    // other's role the last (409).
    expect([403, 409]).toContain(loser.status);

    // The last one may not withdraw itself.
    const res = await revoke(last, last.a.accountId, await grantOf(last.a.accountId, 'portal_admin'));
    expectZhPage(res, 409);
    expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.lastAdmin]);
    expect(await adminsLeft()).toEqual([last.a.accountId]);
    expect(await t.db('access_grant_event').where({ account_id: last.a.accountId, change: 'revoke' })).toEqual([]);

    // A new administrator, then the former last one may go.
    const c = await makeAccount(t.db);
    expect((await last.agent.post(`/admin/access/people/${c.accountId}/grants`).type('form').send({ _csrf: last.csrf, role: 'portal_admin', reason: '新任管理者' })).status).toBe(303);
    expect((await revoke(last, last.a.accountId, await grantOf(last.a.accountId, 'portal_admin'))).status).toBe(303);
    expect(await adminsLeft()).toEqual([c.accountId]);
    // Its session, already open, is no administrator's any more.
    expectZhPage(await last.agent.get('/admin/access'), 403);
  });
});

describe('機關授權 from the refused agency cards', () => {
  it('lists an agency refused 「此憑證尚未分配權限」 and grants it in one click; the card then signs in', async () => {
    const pa = await admin();
    const open = await cardSignIn(t.app, 'agency-dgpa');
    expect((await open.agent.get('/agency')).status).toBe(200);
    const withdraw = await pa.agent.post(`/admin/access/agencies/${DGPA}/areas`).type('form').send({ _csrf: pa.csrf, area: 'portal', change: 'revoke', reason: '憑證停用' });
    expect(withdraw.status).toBe(303);
    expect(await areaRow('portal')).toBeUndefined();
    // The card's open session ended with it.
    const after = await open.agent.get('/agency');
    expect(after.status).toBe(302);
    expect(after.headers.location).toMatch(/^\/login/);

    for (let i = 0; i < 2; i++) {
      const refused = await cardAttempt('agency-dgpa');
      expectZhPage(refused, 400);
      expect(refused.text).toContain(AGENCY_NOT_AUTHORIZED);
    }
    const list = await pa.agent.get('/admin/access/agencies');
    expectZhPage(list, 200);
    const row = /<tr>\s*<td><a href="\/admin\/access\/agencies\/376470000A">[\s\S]*?<\/tr>/.exec(refusedSection(list.text))?.[0] ?? '';
    expect(row).toContain('行政院人事行政總處');
    expect(row).toContain('人事服務網（機關憑證登入）');
    expect(row).toMatch(/<td>2<\/td>/);
    const oneClick = await pa.agent.post(`/admin/access/agencies/${DGPA}/areas`).type('form').send({ _csrf: pa.csrf, area: 'portal', change: 'grant', back: 'list', reason: '依機關憑證被拒紀錄授權' });
    expect(oneClick.status).toBe(303);
    expect(oneClick.headers.location).toBe('/admin/access/agencies');
    expect(await areaRow('portal')).toMatchObject({ granted_by_account_id: pa.a.accountId, reason: '依機關憑證被拒紀錄授權' });
    expect(refusedSection((await pa.agent.get('/admin/access/agencies')).text)).not.toContain(DGPA);
    expect((await cardAttempt('agency-dgpa')).status).toBe(303);
  });

  it('a 銓敘部管理者 grants the cloud platform to an agency whose card was refused there; the card session then opens /cloud', async () => {
    const mocs = await admin(['platform_admin']);
    const card = await cardSignIn(t.app, 'agency-dgpa');
    if (await areaRow('cloud')) {
      expect((await mocs.agent.post(`/admin/access/agencies/${DGPA}/areas`).type('form').send({ _csrf: mocs.csrf, area: 'cloud', change: 'revoke', reason: '暫停使用' })).status).toBe(303);
    }
    const refused = await card.agent.get('/cloud/apply');
    expectZhPage(refused, 403);
    expect(refused.text).toContain(AGENCY_NOT_AUTHORIZED);
    const list = await mocs.agent.get('/admin/access/agencies');
    const row = /<tr>\s*<td><a href="\/admin\/access\/agencies\/376470000A">[\s\S]*?<\/tr>/.exec(refusedSection(list.text))?.[0] ?? '';
    expect(row).toContain('人事雲端服務平台');
    const grant = await mocs.agent.post(`/admin/access/agencies/${DGPA}/areas`).type('form').send({ _csrf: mocs.csrf, area: 'cloud', change: 'grant', back: 'list', reason: '依機關憑證被拒紀錄授權' });
    expect(grant.status).toBe(303);
    expect((await card.agent.get('/cloud')).status).toBe(200);
    expect((await card.agent.get('/cloud/apply')).status).toBe(200);
    expect(await t.db('audit_event').where({ action: 'access.area_grant', actor_account_id: mocs.a.accountId, target_id: DGPA }).first()).toMatchObject({ outcome: 'ok' });
  });
});
