import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, lastAudit, makeAccount, PASSWORD, signIn } from '../support/app';
import { expectZhPage, formErrors, freshIp, inputValue, postRaw, rawForm, sessionsOf } from '../support/routes';
import { developmentMail, tempPasswordIn } from '../support/smtp';
import { LOGIN_FAILED_MESSAGE } from '../../src/auth/service';
import { TEMP_PASSWORD_HOURS } from '../../src/platform/identity/accountRules';

const t = buildApp();
afterAll(() => t.close());

const accountRow = (id: number) => t.db('account').where({ id }).first();
const NEW = 'Brand#New26';

async function signedIn(opts: Parameters<typeof makeAccount>[1] = {}) {
  const a = await makeAccount(t.db, opts);
  const s = await signIn(t.app, a.login, opts.password);
  return { a, ...s, before: await accountRow(a.accountId) };
}

async function canSignIn(login: string, password: string) {
  const { agent, csrf } = await agentFor(t.app);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: login, password });
  return res.status === 303;
}

describe('POST /my/password', () => {
  it('changes the password, ends the other sessions, keeps this one and records it', async () => {
    const { a, agent, csrf } = await signedIn();
    const elsewhere = await signIn(t.app, a.login);
    expect(await sessionsOf(t.db, a.accountId)).toHaveLength(2);
    const res = await agent.post('/my/password').type('form').send({ _csrf: csrf, currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my');
    const my = await agent.get('/my');
    expect(my.status).toBe(200);
    expect(my.text).toContain('密碼已變更，下次登入請使用新密碼。');
    expect(await sessionsOf(t.db, a.accountId)).toHaveLength(1);
    expect((await elsewhere.agent.get('/my')).status).toBe(302);
    const row = await accountRow(a.accountId);
    expect(row.must_change_password).toBe(false);
    expect(row.password_changed_at).not.toBeNull();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(NEW);
    expect(await lastAudit(t.db, 'auth.password_change')).toMatchObject({ actor_account_id: a.accountId, details: { forced: false } });
    expect(await canSignIn(a.login, NEW)).toBe(true);
    expect(await canSignIn(a.login, PASSWORD)).toBe(false);
  });

  it('shows the rules and never puts a password back into the page', async () => {
    const { agent, csrf } = await signedIn();
    const page = await agent.get('/my/password');
    expect(page.text).toContain('密碼請勿輸入下列特殊字元 % &amp; + * ? &lt; &gt; \\ /');
    expect(page.text).toContain('請設定密碼長度 8 碼以上，且必須至少包含英文字母、數字及特殊符號');
    const help = await request(t.app).get('/help/first-login');
    expect(help.text).toContain('<li>密碼長度 8 碼以上，且必須至少包含英文字母、數字及特殊符號。</li>');
    expect(help.text).toContain('<li>密碼請勿輸入下列特殊字元 % &amp; + * ? &lt; &gt; \\ /</li>');
    const res = await agent.post('/my/password').type('form').send({ _csrf: csrf, currentPassword: 'Typed#Current1', newPassword: 'Typed#New1', confirmPassword: 'Typed#Other1' });
    expectZhPage(res, 400);
    expect(res.text).not.toContain('Typed#');
    for (const f of ['currentPassword', 'newPassword', 'confirmPassword']) expect(inputValue(res.text, f)).toBeNull();
  });

  it('refuses every broken rule with its message and changes nothing', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ currentPassword: '' }, ['請輸入目前密碼']],
      [{ currentPassword: 'Wrong#Pass1' }, ['目前密碼不正確']],
      [{ newPassword: '', confirmPassword: '' }, ['請輸入新密碼']],
      [{ newPassword: NEW, confirmPassword: '' }, ['請再輸入一次新密碼']],
      [{ newPassword: 'Ab1#', confirmPassword: 'Ab1#' }, ['密碼長度須 8 碼以上']],
      [{ newPassword: 'abcdefgh#', confirmPassword: 'abcdefgh#' }, ['密碼須至少包含一個數字']],
      [{ newPassword: '12345678#', confirmPassword: '12345678#' }, ['密碼須至少包含一個英文字母']],
      [{ newPassword: 'Abcd12345', confirmPassword: 'Abcd12345' }, ['密碼須至少包含一個特殊符號']],
      [{ newPassword: 'Abcd1234<', confirmPassword: 'Abcd1234<' }, ['密碼請勿使用下列特殊字元：&lt;']],
      [{ newPassword: 'Abcd 1234#', confirmPassword: 'Abcd 1234#' }, ['密碼僅能使用英文字母、數字及半形符號，不可含空白']],
      [{ newPassword: NEW, confirmPassword: 'Brand#New27' }, ['兩次輸入的新密碼不一致']],
      [{ newPassword: PASSWORD, confirmPassword: PASSWORD }, ['新密碼不可與目前密碼相同']],
      [{ newPassword: `Ab1#${'x'.repeat(197)}`, confirmPassword: 'x' }, ['新密碼不可超過 200 個字']],
      [{ newPassword: [NEW, NEW], confirmPassword: NEW }, ['新密碼格式錯誤']],
    ];
    for (const [patch, messages] of cases) {
      const res = await agent.post('/my/password').type('form').send({ _csrf: csrf, currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW, ...patch });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(patch)).toEqual(messages);
      expect(await accountRow(a.accountId)).toEqual(before);
    }
  });

  it('refuses the custom account itself as the password', async () => {
    const username = `Pw.Same${Date.now() % 100000}#x`.replace('#', '_');
    const { a, agent, csrf, before } = await signedIn({ username });
    const res = await agent.post('/my/password').type('form').send({ _csrf: csrf, currentPassword: PASSWORD, newPassword: `${username.toLowerCase()}`, confirmPassword: `${username.toLowerCase()}` });
    expectZhPage(res, 400);
    expect(formErrors(res.text)[0]).toContain('密碼不可與帳號相同');
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('refuses undecodable bytes in the new password', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await postRaw(agent, '/my/password', rawForm(`_csrf=${encodeURIComponent(csrf)}&currentPassword=${encodeURIComponent(PASSWORD)}&newPassword=Abcd%231234%FF&confirmPassword=Abcd%231234%FF`));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['密碼僅能使用英文字母、數字及半形符號，不可含空白']);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('ignores a must_change_password field (no mass assignment)', async () => {
    const { a, agent, csrf } = await signedIn();
    await agent
      .post('/my/password')
      .type('form')
      .send({ _csrf: csrf, currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW, must_change_password: 'true', mustChangePassword: 'true', temp_password_expires_at: '2099-01-01' })
      .expect(303);
    expect(await accountRow(a.accountId)).toMatchObject({ must_change_password: false, temp_password_expires_at: null });
  });

  it('answers a 10 MB body with 413 and changes nothing', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent.post('/my/password').type('form').send(`_csrf=${encodeURIComponent(csrf)}&newPassword=${'A1#'.repeat(3.5 * 1024 * 1024)}`);
    expectZhPage(res, 413);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('needs the CSRF token', async () => {
    const { a, agent, before } = await signedIn();
    const res = await agent.post('/my/password').type('form').send({ currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW });
    expectZhPage(res, 403);
    expect(await accountRow(a.accountId)).toEqual(before);
  });
});

describe('a temporary password', () => {
  it('forces /my/password before any other page, without asking for the current password', async () => {
    const a = await makeAccount(t.db, { mustChange: true, tempExpires: new Date(Date.now() + 3_600_000) });
    const { agent, csrf } = await signIn(t.app, a.login);
    for (const path of ['/my', '/my/apps', '/my/profile/../todo', '/admin/apps', '/polls', '/']) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.location, path).toBe('/my/password');
    }
    expect((await agent.get('/my/profile')).status).toBe(200);
    const page = await agent.get('/my/password');
    expect(page.text).toContain('您目前使用的是臨時密碼，請先設定新密碼後才能使用本系統其他服務。');
    expect(page.text).not.toContain('name="currentPassword"');
    const res = await agent.post('/my/password').type('form').send({ _csrf: csrf, newPassword: NEW, confirmPassword: NEW });
    expect(res.status).toBe(303);
    expect((await agent.get('/my')).status).toBe(200);
    expect(await accountRow(a.accountId)).toMatchObject({ must_change_password: false, temp_password_expires_at: null });
    expect(await lastAudit(t.db, 'auth.password_change')).toMatchObject({ actor_account_id: a.accountId, details: { forced: true } });
  });

  it('may not be kept as the new password', async () => {
    const a = await makeAccount(t.db, { password: 'Temp#2026x', mustChange: true, tempExpires: new Date(Date.now() + 3_600_000) });
    const { agent, csrf } = await signIn(t.app, a.login, 'Temp#2026x');
    const res = await agent.post('/my/password').type('form').send({ _csrf: csrf, newPassword: 'Temp#2026x', confirmPassword: 'Temp#2026x' });
    expect(formErrors(res.text)).toEqual(['新密碼不可與目前密碼相同']);
  });

  it('is refused once expired, with its own message', async () => {
    const a = await makeAccount(t.db, { mustChange: true, tempExpires: new Date(Date.now() - 60_000) });
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.login, password: PASSWORD });
    expectZhPage(res, 400);
    expect(res.text).toContain('臨時密碼已逾有效期限，請重新使用「忘記密碼」或洽人事人員重設。');
    expect(await lastAudit(t.db, 'auth.login')).toMatchObject({ target_id: String(a.accountId), outcome: 'failed', details: { reason: 'temp_expired' } });
    // A wrong password still gets the generic message (the expiry is not disclosed).
    const wrong = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.login, password: 'Wrong#123' });
    expect(wrong.text).toContain(LOGIN_FAILED_MESSAGE);
  });
});

describe('忘記密碼', () => {
  const forgot = async (body: Record<string, unknown>, ip = freshIp()) => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/forgot-password').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, ...body });
    return { agent, res };
  };
  const mailsTo = (to: string) => t.db('mail_outbox').where({ to_address: to }).orderBy('id');
  const NEUTRAL = '若帳號與電子郵件相符，新的臨時密碼已寄至您的電子郵件信箱，請於 72 小時內登入並修改密碼。';

  it('shows the form', async () => {
    const res = await request(t.app).get('/forgot-password');
    expect(res.status).toBe(200);
    expect(res.text).toContain('臨時密碼 72 小時內有效');
  });

  it('mails a temporary password valid for 72 hours when account and email match, and records it', async () => {
    const a = await makeAccount(t.db);
    const elsewhere = await signIn(t.app, a.login);
    const started = Date.now();
    const { res } = await forgot({ account: a.username!.toUpperCase(), email: a.email!.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.text).toContain(NEUTRAL);
    const [mail, ...more] = await mailsTo(a.email!);
    expect(more).toEqual([]);
    expect(mail.subject).toBe('人事服務網 會員密碼重設說明');
    // The log keeps the message with the password masked; the addressee gets it.
    expect(mail.body_text).toContain('您的新密碼如下：\n（已遮蔽）\n');
    const delivered = await developmentMail(t, a.email!);
    const temp = tempPasswordIn(delivered.text);
    expect(temp).toMatch(/^([A-HJ-NP-Z][2-9]){4}$/);
    expect(delivered.text).toContain(`此密碼於 ${TEMP_PASSWORD_HOURS} 小時內有效`);
    expect(delivered.text).toContain(`帳號：${a.username}`);
    const row = await accountRow(a.accountId);
    expect(row.must_change_password).toBe(true);
    const expires = new Date(row.temp_password_expires_at).getTime();
    expect(expires).toBeGreaterThanOrEqual(started + 72 * 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 72 * 3_600_000 + 1000);
    expect(await lastAudit(t.db, 'auth.password_reset_self')).toMatchObject({ target_id: String(a.accountId), outcome: 'ok', details: { mailedTo: a.email } });
    // Sessions signed in with the old password are ended; the old password no longer works.
    expect((await elsewhere.agent.get('/my')).status).toBe(302);
    expect(await canSignIn(a.login, PASSWORD)).toBe(false);
    // The temporary password signs in but opens only /my/password until replaced.
    const s = await signIn(t.app, a.login, temp);
    expect((await s.agent.get('/my/apps')).headers.location).toBe('/my/password');
    await s.agent.post('/my/password').type('form').send({ _csrf: s.csrf, newPassword: NEW, confirmPassword: NEW }).expect(303);
    expect((await s.agent.get('/my/apps')).status).toBe(200);
    expect(await canSignIn(a.login, temp!)).toBe(false);
  });

  it('accepts the national ID as the account', async () => {
    const a = await makeAccount(t.db);
    await forgot({ account: a.nationalId.toLowerCase(), email: a.email });
    expect(await mailsTo(a.email!)).toHaveLength(1);
  });

  it.each([
    ['a wrong email', async () => { const a = await makeAccount(t.db); return { a, body: { account: a.username, email: `other.${a.email}` } }; }],
    ['an unknown account', async () => { const a = await makeAccount(t.db); return { a, body: { account: 'no.such.account', email: a.email } }; }],
    ['someone else\'s email', async () => { const a = await makeAccount(t.db); const b = await makeAccount(t.db); return { a, body: { account: a.username, email: b.email } }; }],
    ['a retired person', async () => { const a = await makeAccount(t.db, { status: '卸職' }); return { a, body: { account: a.username, email: a.email } }; }],
  ])('shows the same neutral page and sends nothing for %s', async (_label, make) => {
    const { a, body } = await make();
    const before = await accountRow(a.accountId);
    const { res } = await forgot(body);
    expect(res.status).toBe(200);
    expect(res.text).toContain(NEUTRAL);
    expect(await t.db('mail_outbox').whereIn('to_address', [a.email!, String(body.email)])).toEqual([]);
    expect(await accountRow(a.accountId)).toEqual(before);
    expect(await lastAudit(t.db, 'auth.password_reset_request')).toMatchObject({ outcome: 'failed' });
  });

  it('sends nothing to an account without an email', async () => {
    const a = await makeAccount(t.db, { email: null });
    const before = await accountRow(a.accountId);
    const { res } = await forgot({ account: a.username, email: 'guess@example.gov.tw' });
    expect(res.text).toContain(NEUTRAL);
    expect(await mailsTo('guess@example.gov.tw')).toEqual([]);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it.each([
    [{ account: '', email: '' }, ['請輸入帳號', '請輸入電子郵件']],
    [{ account: 'a'.repeat(31), email: 'x@example.gov.tw' }, ['帳號不可超過 30 個字']],
    [{ account: 'someone', email: 'not-an-email' }, ['電子郵件格式錯誤，例如 name@example.gov.tw']],
    [{ account: ['a', 'b'], email: 'x@example.gov.tw' }, ['帳號格式錯誤']],
    [{ account: "'; DROP TABLE account;--", email: '<script>alert(1)</script>' }, ['電子郵件格式錯誤，例如 name@example.gov.tw']],
  ])('refuses %j on the same form, keeping what was typed', async (body, messages) => {
    const { res } = await forgot(body);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(messages);
    if (typeof body.account === 'string' && body.account.length <= 30) {
      expect(inputValue(res.text, 'account')).toBe(body.account.replace(/'/g, '&#39;'));
    }
    expect(res.text).not.toContain('<script>alert(1)</script>');
  });

  it('refuses undecodable bytes', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await postRaw(agent.set('X-Forwarded-For', freshIp()) as typeof agent, '/forgot-password', rawForm(`_csrf=${encodeURIComponent(csrf)}&email=a%40b.tw&account=`, Buffer.from([0xff, 0xfe])));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['帳號含有無法辨識的字元，請重新輸入']);
  });

  it('answers a 10 MB body with 413', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/forgot-password').set('X-Forwarded-For', freshIp()).type('form').send(`_csrf=${encodeURIComponent(csrf)}&account=${'a'.repeat(10 * 1024 * 1024)}`);
    expectZhPage(res, 413);
  });

  it('needs the CSRF token', async () => {
    const a = await makeAccount(t.db);
    const res = await request(t.app).post('/forgot-password').set('X-Forwarded-For', freshIp()).type('form').send({ account: a.username, email: a.email });
    expectZhPage(res, 403);
    expect(await mailsTo(a.email!)).toEqual([]);
  });

  it('limits requests per IP (10 per 15 minutes) with a zh-TW page', async () => {
    const ip = freshIp();
    const { agent, csrf } = await agentFor(t.app);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      codes.push((await agent.post('/forgot-password').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, account: '', email: '' })).status);
    }
    expect(codes.slice(0, 10).every((c) => c === 400)).toBe(true);
    expect(codes[10]).toBe(429);
    const res = await agent.post('/forgot-password').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, account: 'x', email: 'x@y.tw' });
    expectZhPage(res, 429);
    expect(res.text).toContain('嘗試次數過多，請稍後再試。');
  });

  it('lets a temporary password expire after 72 hours (injected clock)', async () => {
    let now = new Date();
    const clocked = buildApp({}, { clock: () => now });
    try {
      const a = await makeAccount(clocked.db);
      const { agent, csrf } = await agentFor(clocked.app);
      await agent.post('/forgot-password').set('X-Forwarded-For', freshIp()).type('form').send({ _csrf: csrf, account: a.username, email: a.email }).expect(200);
      const temp = tempPasswordIn((await developmentMail(clocked, a.email!)).text);
      now = new Date(now.getTime() + 72 * 3_600_000 - 60_000);
      const early = await agent.post('/login').type('form').send({ _csrf: csrf, account: a.username, password: temp });
      expect(early.status).toBe(303);
      await agent.post('/logout').type('form').send({ _csrf: csrf });
      const fresh = await agentFor(clocked.app);
      now = new Date(now.getTime() + 2 * 60_000);
      const late = await fresh.agent.post('/login').type('form').send({ _csrf: fresh.csrf, account: a.username, password: temp });
      expectZhPage(late, 400);
      expect(late.text).toContain('臨時密碼已逾有效期限');
    } finally {
      await clocked.close();
    }
  });
});
