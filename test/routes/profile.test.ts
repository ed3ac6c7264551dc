import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, csrfFrom, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, postRaw, rawForm } from '../support/routes';
import { PROFILE_FIRST_MESSAGE } from '../../src/auth/service';
import { USERNAME_RULE } from '../../src/platform/identity/accountRules';

const t = buildApp();
afterAll(() => t.close());

const accountRow = (id: number) => t.db('account').where({ id }).first();
const uniq = () => `u${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function signedIn(opts: Parameters<typeof makeAccount>[1] = {}) {
  const a = await makeAccount(t.db, opts);
  const s = await signIn(t.app, a.login);
  return { a, ...s, before: await accountRow(a.accountId) };
}

describe('GET /my/profile', () => {
  it('shows the current values', async () => {
    const { a, agent } = await signedIn();
    const res = await agent.get('/my/profile');
    expect(res.status).toBe(200);
    expect(inputValue(res.text, 'username')).toBe(a.username);
    expect(inputValue(res.text, 'email')).toBe(a.email);
    expect(res.text).not.toContain(PROFILE_FIRST_MESSAGE);
  });

  it('sends a visitor to sign in', async () => {
    const res = await request(t.app).get('/my/profile');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fmy%2Fprofile');
  });
});

describe('POST /my/profile', () => {
  it('saves the custom account, email, phone and e公務 choice, and records it', async () => {
    const { a, agent, csrf } = await signedIn();
    const username = uniq();
    const res = await agent
      .post('/my/profile')
      .type('form')
      .send({ _csrf: csrf, username: `  ${username}  `, email: 'New.Mail@Example.gov.tw', phone: '02-23979108', egovOptIn: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my/profile');
    const row = await accountRow(a.accountId);
    expect(row).toMatchObject({ username, email: 'New.Mail@Example.gov.tw', phone: '02-23979108', egov_opt_in: true });
    expect(await lastAudit(t.db, 'account.profile_update')).toMatchObject({
      actor_account_id: a.accountId,
      details: { usernameChanged: true, emailChanged: true },
    });
    const page = await agent.get('/my/profile');
    expect(page.text).toContain('個人資料已更新。');
    // The session knows the new account name.
    expect(page.text).toContain(`value="${username}"`);
    // Signing in with the new custom account works, in any case.
    await signIn(t.app, username.toUpperCase());
  });

  it('clears the optional phone', async () => {
    const { a, agent, csrf } = await signedIn();
    await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: a.username, email: a.email, phone: '0912-345-678', egovOptIn: 'no' }).expect(303);
    await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: a.username, email: a.email, phone: '', egovOptIn: 'no' }).expect(303);
    expect((await accountRow(a.accountId)).phone).toBeNull();
  });

  it('ignores fields it does not know (no mass assignment)', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent.post('/my/profile').type('form').send({
      _csrf: csrf,
      username: a.username,
      email: a.email,
      phone: '',
      egovOptIn: 'no',
      must_change_password: 'true',
      mustChangePassword: 'true',
      password_hash: 'x',
      failed_logins: '99',
      locked_until: '2099-01-01',
      person_id: '1',
      id: '1',
      role: 'portal_admin',
      roles: 'portal_admin',
      agencyId: '1',
    });
    expect(res.status).toBe(303);
    const row = await accountRow(a.accountId);
    expect({ ...row, egov_opt_in: before.egov_opt_in, phone: before.phone }).toEqual(before);
    expect(await t.db('role_grant').where({ account_id: a.accountId })).toEqual([]);
    expect((await agent.get('/admin/apps')).status).toBe(403);
  });

  it('asks for every required field, keeping what was typed, and saves nothing', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: '', email: '', phone: '0912', egovOptIn: '' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入自訂帳號', '請輸入電子郵件', '個人電話格式錯誤，請輸入數字，例如 02-23979108', '請選擇是否允許e公務接收訊息']);
    expect(res.text).toMatch(/<title>錯誤：個人資料修改/);
    expect(inputValue(res.text, 'phone')).toBe('0912');
    expect(res.text).toContain('aria-invalid="true"');
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('treats a form with no fields at all like an empty one', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('自訂帳號格式錯誤');
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('refuses every field longer than its column, one at a time', async () => {
    const { a, agent, csrf, before } = await signedIn();
    for (const [field, value, message] of [
      ['username', 'a'.repeat(31), '自訂帳號不可超過 30 個字'],
      ['email', `${'a'.repeat(245)}@gov.tw.tw`, '電子郵件不可超過 254 個字'],
      ['phone', '0'.repeat(31), '個人電話不可超過 30 個字'],
    ]) {
      const body = { _csrf: csrf, username: a.username, email: a.email, phone: '', egovOptIn: 'yes', [field!]: value };
      const res = await agent.post('/my/profile').type('form').send(body);
      expectZhPage(res, 400);
      expect(formErrors(res.text), field).toEqual([message]);
      expect(inputValue(res.text, field!), field).toBe(value);
      expect(await accountRow(a.accountId)).toEqual(before);
    }
  });

  it('refuses every wrong format with its message, one at a time', async () => {
    const { a, agent, csrf, before } = await signedIn();
    for (const [field, value, message] of [
      ['username', 'abc', USERNAME_RULE],
      ['username', '1abcd', USERNAME_RULE],
      ['username', 'ab cd', USERNAME_RULE],
      ['username', '王小明帳號', USERNAME_RULE],
      ['username', 'a123456789', '自訂帳號不可使用身分證字號'],
      ['email', 'not-an-email', '電子郵件格式錯誤，例如 name@example.gov.tw'],
      ['email', 'a@b', '電子郵件格式錯誤，例如 name@example.gov.tw'],
      ['phone', '0912abc', '個人電話格式錯誤，請輸入數字，例如 02-23979108'],
      ['egovOptIn', 'maybe', '請選擇是否允許e公務接收訊息'],
    ]) {
      const body = { _csrf: csrf, username: a.username, email: a.email, phone: '', egovOptIn: 'yes', [field!]: value };
      const res = await agent.post('/my/profile').type('form').send(body);
      expectZhPage(res, 400);
      expect(formErrors(res.text), `${field} ${value}`).toEqual([message]);
      expect(await accountRow(a.accountId)).toEqual(before);
    }
  });

  it('refuses a custom account already used by someone else, whatever the case', async () => {
    const other = await makeAccount(t.db, { username: `Taken.${uniq()}` });
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: other.username!.toLowerCase(), email: a.email, phone: '', egovOptIn: 'yes' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['此自訂帳號已有人使用，請改用其他帳號']);
    expect(inputValue(res.text, 'username')).toBe(other.username!.toLowerCase());
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('lets a user change the case of their own custom account', async () => {
    const { a, agent, csrf } = await signedIn();
    await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: a.username!.toUpperCase(), email: a.email, phone: '', egovOptIn: 'yes' }).expect(303);
    expect((await accountRow(a.accountId)).username).toBe(a.username!.toUpperCase());
  });

  it('refuses a field sent twice (an array) with a format message', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent
      .post('/my/profile')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&username=${a.username}&username=other.name&email=${encodeURIComponent(a.email!)}&phone=&egovOptIn=yes`);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['自訂帳號格式錯誤']);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('refuses JSON with values of the wrong type', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent
      .post('/my/profile')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ _csrf: csrf, username: { $ne: null }, email: ['a@b.tw'], phone: 912345678, egovOptIn: true }));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['自訂帳號格式錯誤', '電子郵件格式錯誤', '個人電話格式錯誤', '請選擇是否允許e公務接收訊息']);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('refuses bytes that are not UTF-8 (percent-encoded or raw), keeping the form', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const head = `_csrf=${encodeURIComponent(csrf)}&email=${encodeURIComponent(a.email!)}&phone=&egovOptIn=yes&username=`;
    for (const bad of [Buffer.from('abc%FF%FEdef'), Buffer.from([0x61, 0x62, 0x63, 0xff, 0xfe, 0x64])]) {
      const res = await postRaw(agent, '/my/profile', rawForm(head, bad));
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual(['自訂帳號含有無法辨識的字元，請重新輸入']);
      expect(inputValue(res.text, 'email')).toBe(a.email);
    }
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('refuses control characters', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: a.username, email: `${a.email}\u0000`, phone: '', egovOptIn: 'yes' });
    expect(formErrors(res.text)).toEqual(['電子郵件含有無法辨識的字元，請重新輸入']);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('echoes SQL and HTML metacharacters escaped and saves nothing', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent
      .post('/my/profile')
      .type('form')
      .send({ _csrf: csrf, username: "'; DROP TABLE account;--", email: '<script>alert(1)</script>', phone: '"><img src=x onerror=alert(1)>', egovOptIn: 'yes' });
    expectZhPage(res, 400);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).not.toContain('<img src=x');
    expect(inputValue(res.text, 'username')).toBe('&#39;; DROP TABLE account;--');
    expect(inputValue(res.text, 'email')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(inputValue(res.text, 'phone')).toBe('&#34;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(await accountRow(a.accountId)).toEqual(before);
    expect(Number((await t.db('account').count({ n: '*' }).first())!.n)).toBeGreaterThan(0);
  });

  it('answers a 10 MB body with 413 and saves nothing', async () => {
    const { a, agent, csrf, before } = await signedIn();
    const res = await agent
      .post('/my/profile')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&username=${'a'.repeat(10 * 1024 * 1024)}&email=x%40y.tw&egovOptIn=yes`);
    expectZhPage(res, 413);
    expect(res.text).toContain('送出的資料量過大');
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('needs the right CSRF token', async () => {
    const { a, agent, before } = await signedIn();
    const body = { username: uniq(), email: a.email, egovOptIn: 'yes' };
    expectZhPage(await agent.post('/my/profile').type('form').send(body), 403);
    expectZhPage(await agent.post('/my/profile').type('form').send({ ...body, _csrf: 'x'.repeat(40) }), 403);
    // A token from another session is not this session's.
    const other = await agentFor(t.app);
    expectZhPage(await agent.post('/my/profile').type('form').send({ ...body, _csrf: other.csrf }), 403);
    // Two tokens (an array) are no token.
    const { csrf } = await (async () => ({ csrf: csrfFrom((await agent.get('/my/profile')).text) }))();
    expectZhPage(await agent.post('/my/profile').type('form').send(`_csrf=${encodeURIComponent(csrf)}&_csrf=${encodeURIComponent(csrf)}&username=${body.username}`), 403);
    expect(await accountRow(a.accountId)).toEqual(before);
  });

  it('answers 401 to a visitor posting the form', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: uniq(), email: 'a@b.tw', egovOptIn: 'yes' });
    expectZhPage(res, 401);
    expect(res.text).toContain('請先登入後再使用此功能。');
  });
});

describe('first sign-in: no custom account or email yet', () => {
  async function firstTimer(opts: Parameters<typeof makeAccount>[1] = {}) {
    const a = await makeAccount(t.db, { username: null, email: null, ...opts });
    const s = await signIn(t.app, a.nationalId);
    return { a, ...s };
  }

  it('sends every other page to /my/profile with the message', async () => {
    const { agent } = await firstTimer();
    for (const path of ['/my', '/my/apps', '/my/todo', '/my/job', '/my/apps/B6/open', '/admin/announcements', '/admin/apps', '/my/password-reset', '/polls/1', '/announcements', '/']) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.location, path).toBe('/my/profile');
    }
    const page = await agent.get('/my/profile');
    expect(page.status).toBe(200);
    expect(page.text).toContain(PROFILE_FIRST_MESSAGE);
    expect(page.text).toContain('「為增進個人資料之安全性，請先設定自訂帳號後才能使用本系統其他服務。」'.slice(1, -1));
  });

  it('sends posts elsewhere to /my/profile too, doing nothing', async () => {
    const { a, agent, csrf } = await firstTimer();
    const poll = await t.db('poll').where('open_to', '>=', '2030-01-01').first();
    const option = await t.db('poll_option').where({ poll_id: poll.id }).first();
    const res = await agent.post(`/polls/${poll.id}`).type('form').send({ _csrf: csrf, optionId: String(option.id) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my/profile');
    expect(await t.db('poll_vote').where({ account_id: a.accountId })).toEqual([]);
    const fav = await agent.post('/my/apps/B6/favorite').type('form').send({ _csrf: csrf, pinned: 'true' });
    expect(fav.headers.location).toBe('/my/profile');
    expect(await t.db('favorite_app').where({ account_id: a.accountId })).toEqual([]);
  });

  it('counts an account with a custom account but no email as incomplete', async () => {
    const a = await makeAccount(t.db, { email: null });
    const { agent } = await signIn(t.app, a.username!);
    expect((await agent.get('/my')).headers.location).toBe('/my/profile');
  });

  it('opens the portal once the profile is set', async () => {
    const { a, agent, csrf } = await firstTimer();
    const username = uniq();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username, email: `${username}@example.gov.tw`, phone: '', egovOptIn: 'no' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my/profile');
    expect((await agent.get('/my')).status).toBe(200);
    expect(await accountRow(a.accountId)).toMatchObject({ username, email: `${username}@example.gov.tw`, egov_opt_in: false });
    // The national ID still signs in.
    await signIn(t.app, a.nationalId);
  });

  it('with a temporary password too: profile first, then the password, then the portal', async () => {
    const { agent, csrf } = await firstTimer({ mustChange: true, tempExpires: new Date(Date.now() + 3_600_000) });
    expect((await agent.get('/my/password')).status).toBe(200);
    const username = uniq();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username, email: `${username}@example.gov.tw`, phone: '', egovOptIn: 'yes' });
    expect(res.headers.location).toBe('/my/password');
    expect((await agent.get('/my')).headers.location).toBe('/my/password');
    const pw = await agent.post('/my/password').type('form').send({ _csrf: csrf, newPassword: 'Brand#New1', confirmPassword: 'Brand#New1' });
    expect(pw.status).toBe(303);
    expect((await agent.get('/my')).status).toBe(200);
  });

  it('shows the duplicate message and keeps the user on the form', async () => {
    const other = await makeAccount(t.db, { username: `Dup.${uniq()}` });
    const { a, agent, csrf } = await firstTimer();
    const res = await agent.post('/my/profile').type('form').send({ _csrf: csrf, username: other.username!.toUpperCase(), email: 'me@example.gov.tw', phone: '', egovOptIn: 'yes' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['此自訂帳號已有人使用，請改用其他帳號']);
    expect(res.text).toContain(PROFILE_FIRST_MESSAGE);
    expect(inputValue(res.text, 'email')).toBe('me@example.gov.tw');
    expect(await accountRow(a.accountId)).toMatchObject({ username: null, email: null });
    expect((await agent.get('/my')).headers.location).toBe('/my/profile');
  });
});
