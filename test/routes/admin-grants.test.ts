import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, sessionsOf } from '../support/routes';
import { ACCESS_MESSAGES } from '../../src/portal/access/service';

const t = buildApp();
afterAll(() => t.close());

const AGENCY_A = 'A096C0000Q';
const AGENCY_B = '301000000A';
const grantsOf = (accountId: number) => t.db('role_grant').where({ account_id: accountId }).orderBy('id');
const eventsOf = (accountId: number) => t.db('access_grant_event').where({ account_id: accountId }).orderBy('id');
const mailsTo = (to: string) => t.db('mail_outbox').where({ to_address: to }).orderBy('id');
const deniedBy = (actorId: number, action: string) => t.db('audit_event').where({ actor_account_id: actorId, action, outcome: 'denied' }).orderBy('id');

async function actor(roles: string[], agencyCode = AGENCY_A) {
  const a = await makeAccount(t.db, { roles, agencyCode });
  return { a, ...(await signIn(t.app, a.login)) };
}
type Actor = Awaited<ReturnType<typeof actor>>;

const grant = (me: Actor, accountId: number, body: Record<string, string>) =>
  me.agent.post(`/admin/access/people/${accountId}/grants`).type('form').send({ _csrf: me.csrf, ...body });
const revoke = (me: Actor, accountId: number, grantId: number, body: Record<string, string>) =>
  me.agent.post(`/admin/access/people/${accountId}/grants/${grantId}/revoke`).type('form').send({ _csrf: me.csrf, ...body });

describe('權限管理: an HR supervisor within their agency', () => {
  it('finds people of the own agency by name, national ID or account, and nobody of another agency (not even a hint)', async () => {
    const hr = await actor(['hr_supervisor']);
    const mine = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const theirs = await makeAccount(t.db, { agencyCode: AGENCY_B });
    const mineName = (await t.db('person').where({ id: mine.personId }).first()).name as string;
    for (const q of [mine.nationalId.toLowerCase(), mine.username!.toUpperCase(), mineName]) {
      const res = await hr.agent.get(`/admin/access?q=${encodeURIComponent(q)}`);
      expectZhPage(res, 200);
      expect(res.text).toContain(`/admin/access/people/${mine.accountId}"`);
      // The national ID shows masked in the results.
      expect(res.text).toContain(`<td>${mine.nationalId.slice(0, 3)}****${mine.nationalId.slice(7)}</td>`);
    }
    for (const q of [theirs.nationalId, theirs.username!]) {
      const res = await hr.agent.get(`/admin/access?q=${encodeURIComponent(q)}`);
      expectZhPage(res, 200);
      expect(res.text).toContain('查無符合條件的人員。');
      expect(res.text).not.toContain(`/admin/access/people/${theirs.accountId}"`);
    }
    // The page of someone outside: 404 like an unknown account, audited.
    const out = await hr.agent.get(`/admin/access/people/${theirs.accountId}`);
    expectZhPage(out, 404);
    expect(out.text).toContain(ACCESS_MESSAGES.noPerson);
    const unknown = await hr.agent.get('/admin/access/people/999999999');
    expectZhPage(unknown, 404);
    const denied = await deniedBy(hr.a.accountId, 'access.person_view');
    expect(denied.map((d: { target_id: string; details: { reason: string } }) => [d.target_id, d.details.reason])).toEqual([
      [String(theirs.accountId), 'out_of_reach'],
      ['999999999', 'no_account'],
    ]);
  });

  it('authorizes a colleague to reset passwords: recorded with 授權人, 授權時間 and reason, audited, mailed, and effective in the colleague’s open session', async () => {
    const hr = await actor(['hr_supervisor']);
    const colleague = await actor([]);
    // The colleague's session, open before the grant.
    expectZhPage(await colleague.agent.get('/my/password-reset'), 403);
    const before = (await t.db('account').where({ id: colleague.a.accountId }).first()).roles_version as number;

    const res = await grant(hr, colleague.a.accountId, { role: 'hr_password_reset', reason: '協助本機關人員設定密碼' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/access/people/${colleague.a.accountId}`);
    const [row] = await grantsOf(colleague.a.accountId);
    expect(row).toMatchObject({ role: 'hr_password_reset', agency_id: colleague.a.agencyId, granted_by_account_id: hr.a.accountId, reason: '協助本機關人員設定密碼' });
    expect(row.granted_by_label).toMatch(/^測試/);
    expect((await t.db('account').where({ id: colleague.a.accountId }).first()).roles_version).toBeGreaterThan(before);
    expect(await eventsOf(colleague.a.accountId)).toMatchObject([{ kind: 'role', subject: 'hr_password_reset', change: 'grant', actor_account_id: hr.a.accountId, reason: '協助本機關人員設定密碼' }]);
    const audit = await t.db('audit_event').where({ action: 'access.role_grant', target_id: String(colleague.a.accountId) }).first();
    expect(audit).toMatchObject({ actor_account_id: hr.a.accountId, outcome: 'ok' });
    expect(audit.details).toMatchObject({ role: 'hr_password_reset', reason: '協助本機關人員設定密碼', mailed: true });
    const [mail] = await mailsTo(colleague.a.email!);
    expect(mail.subject).toBe('【人事服務網】權限異動通知');
    expect(mail.body_text).toContain('授予您「經授權之人事人員（協助設定密碼）（國立臺北護理健康大學）」權限');
    expect(mail.body_text).toContain('原因：協助本機關人員設定密碼');

    const page = await hr.agent.get(`/admin/access/people/${colleague.a.accountId}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('已授予');
    for (const s of ['授權人', '授權時間', row.granted_by_label, '協助本機關人員設定密碼']) expect(page.text).toContain(s);
    expect(page.text).toMatch(/1\d\d\/\d\d\/\d\d \d\d:\d\d/);

    // No new sign-in: the open session holds the role on its next request, and keeps it.
    expectZhPage(await colleague.agent.get('/my/password-reset'), 200);
    const [sess] = await sessionsOf(t.db, colleague.a.accountId);
    expect((sess!.sess as { passport: { user: { roles: unknown[]; rolesVersion: number } } }).passport.user).toMatchObject({
      roles: [{ role: 'hr_password_reset', agencyId: colleague.a.agencyId }],
      rolesVersion: (await t.db('account').where({ id: colleague.a.accountId }).first()).roles_version,
    });

    // Taken away: the same open session loses it on its next request.
    const revoked = await revoke(hr, colleague.a.accountId, row.id, { revokeReason: '業務調整' });
    expect(revoked.status).toBe(303);
    expect(await grantsOf(colleague.a.accountId)).toEqual([]);
    expectZhPage(await colleague.agent.get('/my/password-reset'), 403);
    expect((await eventsOf(colleague.a.accountId)).map((e: { change: string; reason: string }) => [e.change, e.reason])).toEqual([
      ['grant', '協助本機關人員設定密碼'],
      ['revoke', '業務調整'],
    ]);
    expect(await t.db('audit_event').where({ action: 'access.role_revoke', target_id: String(colleague.a.accountId) }).first()).toMatchObject({ actor_account_id: hr.a.accountId, outcome: 'ok' });
    const mails = await mailsTo(colleague.a.email!);
    expect(mails).toHaveLength(2);
    expect(mails[1].body_text).toContain('取消您的「經授權之人事人員（協助設定密碼）（國立臺北護理健康大學）」權限');
    expect(mails[1].body_text).toContain('原因：業務調整');
    const history = await hr.agent.get(`/admin/access/people/${colleague.a.accountId}`);
    expect(history.text).toContain('取消授權');
    expect(history.text).toContain('業務調整');
  });

  it('refuses a role that does not exist: the form again with the message and what was typed, nothing saved', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    for (const role of ['super_admin', 'HR_STAFF; drop']) {
      const res = await grant(hr, target.accountId, { role, reason: '測試原因' });
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.unknownRole]);
      expect(inputValue(res.text, 'reason')).toBe('測試原因');
    }
    expect(await grantsOf(target.accountId)).toEqual([]);
    expect(await eventsOf(target.accountId)).toEqual([]);
  });

  it('asks for the reason and the role, keeping what was typed', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const res = await grant(hr, target.accountId, { role: 'hr_staff', reason: '  ' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入授權原因']);
    expect(res.text).toMatch(/<option value="hr_staff" selected>/);
    const none = await grant(hr, target.accountId, { role: '', reason: '理由' });
    expect(formErrors(none.text)).toEqual(['請輸入角色']);
    const long = await grant(hr, target.accountId, { role: 'hr_staff', reason: '字'.repeat(201) });
    expect(formErrors(long.text)).toEqual(['授權原因不可超過 200 個字']);
    expect(await grantsOf(target.accountId)).toEqual([]);
  });

  it('refuses granting to themselves: 403, the form again, audited, nothing saved', async () => {
    const hr = await actor(['hr_supervisor']);
    const res = await grant(hr, hr.a.accountId, { role: 'hr_password_reset', reason: '自己授權' });
    expectZhPage(res, 403);
    expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.ownAccount]);
    // The own page offers no grant form at all.
    expect(res.text).not.toContain(`action="/admin/access/people/${hr.a.accountId}/grants"`);
    expect((await grantsOf(hr.a.accountId)).map((g: { role: string }) => g.role)).toEqual(['hr_supervisor']);
    expect(await deniedBy(hr.a.accountId, 'access.role_grant')).toMatchObject([{ target_id: String(hr.a.accountId), details: { reason: 'own_account', role: 'hr_password_reset' } }]);
    // Nor take their own role away.
    const [own] = await grantsOf(hr.a.accountId);
    expectZhPage(await revoke(hr, hr.a.accountId, own.id, { revokeReason: '不做了' }), 403);
    expect(await grantsOf(hr.a.accountId)).toHaveLength(1);
  });

  it('refuses granting outside the agency: 404 as for nobody, audited, nothing saved', async () => {
    const hr = await actor(['hr_supervisor']);
    const theirs = await makeAccount(t.db, { agencyCode: AGENCY_B });
    const res = await grant(hr, theirs.accountId, { role: 'hr_staff', reason: '跨機關' });
    expectZhPage(res, 404);
    expect(res.text).toContain(ACCESS_MESSAGES.noPerson);
    expect(await grantsOf(theirs.accountId)).toEqual([]);
    expect(await deniedBy(hr.a.accountId, 'access.role_grant')).toMatchObject([{ target_id: String(theirs.accountId), details: { reason: 'out_of_reach' } }]);
  });

  it('refuses the roles only portal administrators grant: 403, the form again, audited', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const page = await hr.agent.get(`/admin/access/people/${target.accountId}`);
    expect(page.text).toContain('<option value="hr_staff"');
    expect(page.text).toContain('<option value="hr_password_reset"');
    for (const role of ['cs_agent', 'cs_supervisor', 'portal_admin', 'platform_admin', 'jobs_reviewer', 'hr_supervisor']) {
      expect(page.text).not.toContain(`<option value="${role}"`);
      const res = await grant(hr, target.accountId, { role, reason: '越權' });
      expectZhPage(res, 403);
      expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.supervisorOnly]);
    }
    expect(await grantsOf(target.accountId)).toEqual([]);
    expect(await deniedBy(hr.a.accountId, 'access.role_grant')).toHaveLength(6);
  });

  it('cannot take away a role it may not grant (a desk agent of its agency)', async () => {
    const hr = await actor(['hr_supervisor']);
    const agent = await makeAccount(t.db, { agencyCode: AGENCY_A, roles: ['cs_agent'] });
    const [g] = await grantsOf(agent.accountId);
    const page = await hr.agent.get(`/admin/access/people/${agent.accountId}`);
    expect(page.text).not.toContain(`/grants/${g.id}/revoke`);
    const res = await revoke(hr, agent.accountId, g.id, { revokeReason: '越權' });
    expectZhPage(res, 403);
    expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.supervisorOnly]);
    expect(await grantsOf(agent.accountId)).toHaveLength(1);
    expect(await deniedBy(hr.a.accountId, 'access.role_revoke')).toHaveLength(1);
  });

  it('says when the role is already held, and refuses a retired person', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A, roles: ['hr_staff'] });
    const res = await grant(hr, target.accountId, { role: 'hr_staff', reason: '再授權' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.alreadyHeld]);
    expect(await grantsOf(target.accountId)).toHaveLength(1);
    expect(await eventsOf(target.accountId)).toEqual([]);
    const retired = await makeAccount(t.db, { agencyCode: AGENCY_A, status: '卸職' });
    const r = await grant(hr, retired.accountId, { role: 'hr_staff', reason: '已卸職' });
    expectZhPage(r, 400);
    expect(formErrors(r.text)).toEqual([ACCESS_MESSAGES.retired]);
    expect(await grantsOf(retired.accountId)).toEqual([]);
  });

  it('grants to a person without an email: nothing mailed, and the audit entry says so', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A, email: null });
    const before = Number((await t.db('mail_outbox').max<{ max: number }[]>('id as max'))[0]?.max ?? 0);
    expect((await grant(hr, target.accountId, { role: 'hr_staff', reason: '人事室新進人員' })).status).toBe(303);
    expect(await grantsOf(target.accountId)).toHaveLength(1);
    expect(await t.db('mail_outbox').where('id', '>', before).where('subject', '【人事服務網】權限異動通知').whereRaw('body_text like ?', [`%${(await t.db('person').where({ id: target.personId }).first()).name} 您好%`])).toEqual([]);
    expect((await t.db('audit_event').where({ action: 'access.role_grant', target_id: String(target.accountId) }).first()).details).toMatchObject({ mailed: false });
  });

  it('asks for the reason of a withdrawal on the form of that role', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A, roles: ['hr_staff'] });
    const [g] = await grantsOf(target.accountId);
    const res = await revoke(hr, target.accountId, g.id, { revokeReason: '' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入取消原因']);
    expect(res.text).toContain('<input id="revokeReason" name="revokeReason"');
    expect(await grantsOf(target.accountId)).toHaveLength(1);
    expectZhPage(await revoke(hr, target.accountId, 999999999, { revokeReason: 'x' }), 404);
  });
});

describe('權限管理: portal administrators', () => {
  it('grant every role to anyone, HR roles for the person’s own agency, and see them on the page', async () => {
    const admin = await actor(['portal_admin'], AGENCY_B);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const found = await admin.agent.get(`/admin/access?q=${target.nationalId}`);
    expect(found.text).toContain(`/admin/access/people/${target.accountId}"`);
    for (const role of ['cs_agent', 'cs_supervisor', 'platform_admin', 'jobs_reviewer', 'hr_supervisor', 'portal_admin']) {
      expect((await grant(admin, target.accountId, { role, reason: `指派 ${role}` })).status).toBe(303);
    }
    const rows = await grantsOf(target.accountId);
    expect(rows.map((r: { role: string; agency_id: number | null }) => [r.role, r.agency_id])).toEqual([
      ['cs_agent', null],
      ['cs_supervisor', null],
      ['platform_admin', null],
      ['jobs_reviewer', null],
      ['hr_supervisor', target.agencyId],
      ['portal_admin', null],
    ]);
    const page = await admin.agent.get(`/admin/access/people/${target.accountId}`);
    for (const label of ['客服人員', '客服主管', '銓敘部管理者', '事求人審核人員', '人事主管', '人事服務網管理者']) expect(page.text).toContain(label);
    // The new reviewer opens 事求人審核 on the next request of a session opened now.
    const them = await signIn(t.app, target.login);
    expect((await them.agent.get('/jobs/review')).status).toBe(200);
    const [reviewer] = rows.filter((r: { role: string }) => r.role === 'jobs_reviewer');
    expect((await revoke(admin, target.accountId, reviewer.id, { revokeReason: '調任' })).status).toBe(303);
    expectZhPage(await them.agent.get('/jobs/review'), 403);
    // A second administrator may be withdrawn: there are others.
    const [pa] = (await grantsOf(target.accountId)).filter((r: { role: string }) => r.role === 'portal_admin');
    expect((await revoke(admin, target.accountId, pa.id, { revokeReason: '調任' })).status).toBe(303);
  });

  it('search everyone; seeded grants show 系統建置 as 授權人', async () => {
    const admin = await actor(['portal_admin']);
    const res = await admin.agent.get('/admin/access?q=cs.agent');
    const id = /\/admin\/access\/people\/(\d+)"/.exec(res.text)![1];
    const page = await admin.agent.get(`/admin/access/people/${id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('系統建置');
  });
});

describe('who may open 權限管理 and 機關授權', () => {
  const PEOPLE_GETS = ['/admin/access', '/admin/access/people/1'];
  it.each([[[] as string[]], [['cs_agent']], [['hr_staff']], [['hr_password_reset']], [['jobs_reviewer']], [['platform_admin']]])('refuses %j the people pages: 403 and audited', async (roles) => {
    const me = await actor(roles);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    for (const path of PEOPLE_GETS) expectZhPage(await me.agent.get(path), 403);
    expectZhPage(await grant(me, target.accountId, { role: 'hr_staff', reason: 'x' }), 403);
    expect(await grantsOf(target.accountId)).toEqual([]);
    const denied = await deniedBy(me.a.accountId, 'access.denied');
    expect(denied.map((d: { target_id: string }) => d.target_id)).toEqual([...PEOPLE_GETS, `/admin/access/people/${target.accountId}/grants`]);
  });

  it.each([[[] as string[]], [['hr_supervisor']], [['cs_supervisor']]])('refuses %j the agency pages: 403 and audited', async (roles) => {
    const me = await actor(roles);
    expectZhPage(await me.agent.get('/admin/access/agencies'), 403);
    expectZhPage(await me.agent.post(`/admin/access/agencies/${AGENCY_A}/areas`).type('form').send({ _csrf: me.csrf, area: 'cloud', change: 'revoke', reason: 'x' }), 403);
    expect(await deniedBy(me.a.accountId, 'access.denied')).toHaveLength(2);
    expect(await t.db('agency_area_grant').join('agency', 'agency.id', 'agency_area_grant.agency_id').where({ code: AGENCY_A, area: 'cloud' }).first()).toBeTruthy();
  });

  it('sends a visitor to sign in, and refuses a visitor’s post with 401', async () => {
    const res = await request(t.app).get('/admin/access');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fadmin%2Faccess');
    const { agent, csrf } = await agentFor(t.app);
    expectZhPage(await agent.post('/admin/access/people/1/grants').type('form').send({ _csrf: csrf, role: 'portal_admin', reason: 'x' }), 401);
  });

  it('shows the links in the menu to those who may use them', async () => {
    expect((await (await actor(['hr_supervisor'])).agent.get('/my')).text).toContain('href="/admin/access">權限管理');
    const mocs = (await (await actor(['platform_admin'])).agent.get('/my')).text;
    expect(mocs).toContain('href="/admin/access/agencies">機關授權');
    expect(mocs).not.toContain('href="/admin/access">權限管理');
    const plain = (await (await actor([])).agent.get('/my')).text;
    expect(plain).not.toContain('/admin/access');
  });
});

describe('機關授權', () => {
  const areaRow = async (code: string, area: string) =>
    t.db('agency_area_grant as r').join('agency as g', 'g.id', 'r.agency_id').where({ 'g.code': code, 'r.area': area }).first('r.*');
  // An agency no demo card belongs to, so other tests' card sessions are not touched.
  const OTHER = AGENCY_B;

  it('a portal administrator withdraws and grants an agency’s areas with a reason, kept as history and audited', async () => {
    const admin = await actor(['portal_admin']);
    const list = await admin.agent.get(`/admin/access/agencies?q=${OTHER}`);
    expectZhPage(list, 200);
    expect(list.text).toContain(`/admin/access/agencies/${OTHER}"`);
    for (const area of ['jobs', 'portal']) {
      const post = (change: string, reason: string) => admin.agent.post(`/admin/access/agencies/${OTHER}/areas`).type('form').send({ _csrf: admin.csrf, area, change, reason });
      expect((await post('revoke', '機關停止使用')).status).toBe(303);
      expect(await areaRow(OTHER, area)).toBeUndefined();
      const again = await post('revoke', '再取消');
      expectZhPage(again, 400);
      expect(formErrors(again.text)).toEqual([ACCESS_MESSAGES.areaMissing]);
      expect((await post('grant', '機關申請使用')).status).toBe(303);
      expect(await areaRow(OTHER, area)).toMatchObject({ granted_by_account_id: admin.a.accountId, reason: '機關申請使用' });
      const twice = await post('grant', '再授權');
      expectZhPage(twice, 400);
      expect(formErrors(twice.text)).toEqual([ACCESS_MESSAGES.areaHeld]);
    }
    const page = await admin.agent.get(`/admin/access/agencies/${OTHER}`);
    expectZhPage(page, 200);
    for (const s of ['機關停止使用', '機關申請使用', '授權人', '授權時間']) expect(page.text).toContain(s);
    const audits = await t.db('audit_event').whereIn('action', ['access.area_grant', 'access.area_revoke']).where({ actor_account_id: admin.a.accountId, outcome: 'ok' });
    expect(audits).toHaveLength(4);
    expect(audits[0].target_id).toBe(OTHER);
  });

  it('asks for area, change and reason, keeping what was typed; an unknown agency is 404', async () => {
    const admin = await actor(['portal_admin']);
    const res = await admin.agent.post(`/admin/access/agencies/${OTHER}/areas`).type('form').send({ _csrf: admin.csrf, area: 'moon', change: 'grant', reason: '原因保留' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請選擇授權範圍']);
    expect(inputValue(res.text, 'reason')).toBe('原因保留');
    const empty = await admin.agent.post(`/admin/access/agencies/${OTHER}/areas`).type('form').send({ _csrf: admin.csrf, area: 'cloud', change: 'grant', reason: '' });
    expect(formErrors(empty.text)).toEqual(['請輸入原因']);
    expectZhPage(await admin.agent.get('/admin/access/agencies/ZZZZZZZZZZ'), 404);
    expectZhPage(await admin.agent.post('/admin/access/agencies/ZZZZZZZZZZ/areas').type('form').send({ _csrf: admin.csrf, area: 'cloud', change: 'grant', reason: 'x' }), 404);
  });

  it('a 銓敘部管理者 manages the cloud grant only: another area is 403 with the message, audited, nothing changed', async () => {
    const mocs = await actor(['platform_admin']);
    const page = await mocs.agent.get(`/admin/access/agencies/${OTHER}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('<option value="cloud"');
    expect(page.text).not.toContain('<option value="jobs"');
    const post = (area: string, change: string) => mocs.agent.post(`/admin/access/agencies/${OTHER}/areas`).type('form').send({ _csrf: mocs.csrf, area, change, reason: '銓敘部審核' });
    for (const area of ['jobs', 'portal']) {
      const res = await post(area, 'revoke');
      expectZhPage(res, 403);
      expect(formErrors(res.text)).toEqual([ACCESS_MESSAGES.platformCloudOnly]);
      expect(await areaRow(OTHER, area)).toBeTruthy();
    }
    expect(await deniedBy(mocs.a.accountId, 'access.area_revoke')).toHaveLength(2);
    const had = Boolean(await areaRow(OTHER, 'cloud'));
    expect((await post('cloud', had ? 'revoke' : 'grant')).status).toBe(303);
    expect(Boolean(await areaRow(OTHER, 'cloud'))).toBe(!had);
    expect((await post('cloud', had ? 'grant' : 'revoke')).status).toBe(303);
    expect(Boolean(await areaRow(OTHER, 'cloud'))).toBe(had);
  });
});
