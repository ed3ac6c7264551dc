import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, postRaw, rawForm } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const AGENCY_A = 'A096C0000Q';
const AGENCY_B = '301000000A';
const NOT_FOUND = '查無此人員，或此人員不屬於您的機關，請確認身分證字號或自訂帳號';
const OWN = '不得為您本人設定密碼；請以「修改密碼」變更，或使用「忘記密碼」。';
const accountRow = (id: number) => t.db('account').where({ id }).first();
const mailsTo = (to: string) => t.db('mail_outbox').where({ to_address: to });
const deniedFor = (actorId: number) => t.db('audit_event').where({ actor_account_id: actorId, outcome: 'denied' }).orderBy('id', 'desc');

async function actor(roles: string[], agencyCode = AGENCY_A, opts: Parameters<typeof makeAccount>[1] = {}) {
  const a = await makeAccount(t.db, { roles, agencyCode, ...opts });
  return { a, ...(await signIn(t.app, a.login)) };
}

describe('協助設定密碼 by an HR supervisor', () => {
  it('finds a person of the same agency and resets the password, mailing it and recording it', async () => {
    const hr = await actor(['hr_supervisor', 'hr_staff']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const page = await hr.agent.get('/my/password-reset');
    expect(page.status).toBe(200);
    expect(page.text).toContain('人事主管或經授權的人事人員可為本機關人員重設密碼。');
    const found = await hr.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: hr.csrf, query: target.nationalId.toLowerCase() });
    expect(found.status).toBe(200);
    expect(found.text).toContain(`action="/my/password-reset/${target.accountId}"`);
    expect(found.text).toContain(target.email!.replace(/^(.).*(@.*)$/, '$1***$2'));
    expect(found.text).not.toContain(target.email!);
    const res = await hr.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({ _csrf: hr.csrf });
    expect(res.status).toBe(200);
    expect(res.text).toContain('已為 ');
    expect(res.text).toContain('臨時密碼已寄至');
    expect(await mailsTo(target.email!)).toHaveLength(1);
    expect(await accountRow(target.accountId)).toMatchObject({ must_change_password: true });
    expect(await lastAudit(t.db, 'auth.password_reset_by_hr')).toMatchObject({
      actor_account_id: hr.a.accountId,
      target_id: String(target.accountId),
      outcome: 'ok',
    });
  });

  it('finds by custom account in any case', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const found = await hr.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: hr.csrf, query: target.username!.toUpperCase() });
    expect(found.text).toContain(`action="/my/password-reset/${target.accountId}"`);
  });

  it('mails the supervisor when the person has no email', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A, email: null, username: null });
    await hr.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({ _csrf: hr.csrf }).expect(200);
    const [mail] = await mailsTo(hr.a.email!);
    expect(mail.body_text).toContain('尚未設定自訂帳號，請以身分證字號登入');
  });

  it('refuses when neither has an email', async () => {
    const hr = await actor(['hr_supervisor'], AGENCY_A, { email: null });
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A, email: null });
    const before = await accountRow(target.accountId);
    // An account without an email is sent to complete its profile first; reset through the service.
    const user = await t.services.auth.login(hr.a.login, 'Ecpa#2026', { ip: null, requestId: null });
    await expect(t.services.auth.assistedReset(user, target.accountId, { ip: null, requestId: null })).rejects.toMatchObject({
      status: 409,
      message: '此人員及您本人皆未設定電子郵件，無法寄送新密碼',
    });
    expect(await accountRow(target.accountId)).toEqual(before);
  });

  it('answers a person of another agency exactly as no such person (still audited), nothing changed', async () => {
    const hr = await actor(['hr_supervisor', 'hr_staff']);
    const other = await makeAccount(t.db, { agencyCode: AGENCY_B });
    const before = await accountRow(other.accountId);
    // The page with the query typed and the session's CSRF token taken out.
    const page = (html: string, query: string) => html.replaceAll(query, '{query}').replace(/name="_csrf" value="[^"]*"/g, '');
    const missing = 'Z299999999';
    const lookupOther = await hr.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: hr.csrf, query: other.nationalId });
    const lookupNone = await hr.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: hr.csrf, query: missing });
    expectZhPage(lookupOther, 400);
    expectZhPage(lookupNone, 400);
    expect(formErrors(lookupOther.text)).toEqual([NOT_FOUND]);
    expect(formErrors(lookupOther.text)).toEqual(formErrors(lookupNone.text));
    expect(Buffer.from(formErrors(lookupOther.text).join()).equals(Buffer.from(formErrors(lookupNone.text).join()))).toBe(true);
    expect(page(lookupOther.text, other.nationalId)).toBe(page(lookupNone.text, missing));
    expect(inputValue(lookupOther.text, 'query')).toBe(other.nationalId);

    const resetOther = await hr.agent.post(`/my/password-reset/${other.accountId}`).type('form').send({ _csrf: hr.csrf });
    const resetNone = await hr.agent.post('/my/password-reset/999999999').type('form').send({ _csrf: hr.csrf });
    expectZhPage(resetOther, 404);
    expectZhPage(resetNone, 404);
    const bodyOf = (html: string) => /<main[\s\S]*<\/main>/.exec(html)?.[0].replace(/[0-9a-f-]{36}/g, '{id}');
    expect(bodyOf(resetOther.text)).toBe(bodyOf(resetNone.text));

    const denied = await deniedFor(hr.a.accountId);
    expect(denied).toHaveLength(2);
    expect(denied[0]).toMatchObject({ action: 'auth.password_reset_assisted', target_id: String(other.accountId), details: { reason: 'other_agency' } });
    expect(denied[1]).toMatchObject({ action: 'auth.password_reset_assisted', target_id: String(other.accountId), details: { reason: 'other_agency' } });
    expect(await accountRow(other.accountId)).toEqual(before);
    expect(await mailsTo(other.email!)).toEqual([]);
  });

  it('shows a retired person but will not reset them', async () => {
    const hr = await actor(['hr_supervisor']);
    const retired = await makeAccount(t.db, { agencyCode: AGENCY_A, status: '卸職' });
    const before = await accountRow(retired.accountId);
    const found = await hr.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: hr.csrf, query: retired.nationalId });
    expect(found.text).toContain('此人員為卸職狀態，無法設定密碼。');
    expect(found.text).not.toContain(`action="/my/password-reset/${retired.accountId}"`);
    const res = await hr.agent.post(`/my/password-reset/${retired.accountId}`).type('form').send({ _csrf: hr.csrf });
    expectZhPage(res, 409);
    expect(res.text).toContain('此人員為卸職狀態，無法設定密碼');
    expect(await accountRow(retired.accountId)).toEqual(before);
  });

  it('answers bad lookups on the same form', async () => {
    const hr = await actor(['hr_supervisor']);
    const cases: [{ query: string | string[] }, string[]][] = [
      [{ query: '' }, ['請輸入身分證字號或自訂帳號']],
      [{ query: 'no.such.person' }, [NOT_FOUND]],
      [{ query: 'x'.repeat(31) }, ['身分證字號或自訂帳號不可超過 30 個字']],
      [{ query: ['a', 'b'] }, ['身分證字號或自訂帳號格式錯誤']],
      [{ query: "'; DROP TABLE account;--" }, [NOT_FOUND]],
      [{ query: '<script>alert(1)</script>' }, [NOT_FOUND]],
    ];
    for (const [body, messages] of cases) {
      const res = await hr.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: hr.csrf, ...body });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(body)).toEqual(messages);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      if (typeof body.query === 'string' && body.query.length <= 30) expect(inputValue(res.text, 'query')).toBe(body.query.replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
  });

  it('refuses undecodable bytes in the lookup', async () => {
    const hr = await actor(['hr_supervisor']);
    const res = await postRaw(hr.agent, '/my/password-reset/lookup', rawForm(`_csrf=${encodeURIComponent(hr.csrf)}&query=A12%FF`));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['身分證字號或自訂帳號含有無法辨識的字元，請重新輸入']);
  });

  it('answers 404 for an unknown or malformed account id', async () => {
    const hr = await actor(['hr_supervisor']);
    expectZhPage(await hr.agent.post('/my/password-reset/999999999').type('form').send({ _csrf: hr.csrf }), 404);
    expectZhPage(await hr.agent.post('/my/password-reset/abc').type('form').send({ _csrf: hr.csrf }), 404);
    expectZhPage(await hr.agent.post('/my/password-reset/-1').type('form').send({ _csrf: hr.csrf }), 404);
  });

  it('needs the CSRF token', async () => {
    const hr = await actor(['hr_supervisor']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const before = await accountRow(target.accountId);
    expectZhPage(await hr.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({}), 403);
    expect(await accountRow(target.accountId)).toEqual(before);
  });

  it('answers a 10 MB lookup with 413', async () => {
    const hr = await actor(['hr_supervisor']);
    expectZhPage(await hr.agent.post('/my/password-reset/lookup').type('form').send(`_csrf=${encodeURIComponent(hr.csrf)}&query=${'a'.repeat(10 * 1024 * 1024)}`), 413);
  });
});

describe('協助設定密碼 for oneself', () => {
  it.each([
    ['an HR supervisor', ['hr_supervisor', 'hr_staff']],
    ['HR staff with the reset grant', ['hr_staff', 'hr_password_reset']],
    ['customer service', ['cs_agent']],
  ])('%s cannot reset their own password, which would skip the current one (403 + audit)', async (_who, roles) => {
    const me = await actor(roles);
    const before = await accountRow(me.a.accountId);
    for (const query of [me.a.nationalId, me.a.username!]) {
      const lookup = await me.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: me.csrf, query });
      expectZhPage(lookup, 403);
      expect(lookup.text).toContain(OWN);
      expect(lookup.text).not.toContain(`action="/my/password-reset/${me.a.accountId}"`);
    }
    const reset = await me.agent.post(`/my/password-reset/${me.a.accountId}`).type('form').send({ _csrf: me.csrf });
    expectZhPage(reset, 403);
    expect(reset.text).toContain(OWN);
    const denied = await deniedFor(me.a.accountId);
    expect(denied).toHaveLength(3);
    for (const d of denied) expect(d).toMatchObject({ action: 'auth.password_reset_assisted', target_id: String(me.a.accountId), details: { reason: 'own_account' } });
    expect(await accountRow(me.a.accountId)).toEqual(before);
    expect(await mailsTo(me.a.email!)).toEqual([]);
    // The session goes on: nothing was reset.
    expect((await me.agent.get('/my/password-reset')).status).toBe(200);
  });
});

describe('協助設定密碼 by other roles', () => {
  it('lets HR staff with the reset grant reset their agency', async () => {
    const staff = await actor(['hr_staff', 'hr_password_reset']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    await staff.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({ _csrf: staff.csrf }).expect(200);
    expect(await accountRow(target.accountId)).toMatchObject({ must_change_password: true });
    expect(await lastAudit(t.db, 'auth.password_reset_by_hr')).toMatchObject({ actor_account_id: staff.a.accountId });
  });

  it('refuses HR staff without the grant: 403 and a denied audit row', async () => {
    const staff = await actor(['hr_staff']);
    const target = await makeAccount(t.db, { agencyCode: AGENCY_A });
    const before = await accountRow(target.accountId);
    expectZhPage(await staff.agent.get('/my/password-reset'), 403);
    expectZhPage(await staff.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: staff.csrf, query: target.nationalId }), 403);
    expectZhPage(await staff.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({ _csrf: staff.csrf }), 403);
    const denied = await deniedFor(staff.a.accountId);
    expect(denied).toHaveLength(3);
    expect(denied[0]).toMatchObject({ action: 'access.denied', target_id: `/my/password-reset/${target.accountId}`, details: { required: ['hr_supervisor', 'hr_password_reset', 'cs_agent'] } });
    expect(await accountRow(target.accountId)).toEqual(before);
  });

  it('refuses a civil servant: 403 and a denied audit row', async () => {
    const me = await actor([]);
    const res = await me.agent.get('/my/password-reset');
    expectZhPage(res, 403);
    expect(res.text).toContain('您沒有權限使用此功能');
    expect(await deniedFor(me.a.accountId)).toHaveLength(1);
  });

  it('lets customer service reset anyone, in any agency', async () => {
    const cs = await actor(['cs_agent'], '376470000A');
    const page = await cs.agent.get('/my/password-reset');
    expect(page.text).toContain('客服人員可為任何人員重設密碼');
    for (const code of [AGENCY_A, AGENCY_B]) {
      const target = await makeAccount(t.db, { agencyCode: code });
      const found = await cs.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: cs.csrf, query: target.nationalId });
      expect(found.status).toBe(200);
      await cs.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({ _csrf: cs.csrf }).expect(200);
      expect(await mailsTo(target.email!)).toHaveLength(1);
      expect(await lastAudit(t.db, 'auth.password_reset_by_cs_agent')).toMatchObject({ actor_account_id: cs.a.accountId, target_id: String(target.accountId) });
    }
  });

  it('sends a visitor to sign in', async () => {
    const res = await request(t.app).get('/my/password-reset');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fmy%2Fpassword-reset');
    const { agent, csrf } = await agentFor(t.app);
    expectZhPage(await agent.post('/my/password-reset/lookup').type('form').send({ _csrf: csrf, query: 'A123456789' }), 401);
  });
});
