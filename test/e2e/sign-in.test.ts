import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeAccount, PASSWORD } from '../support/app';
import { checkA11y, navigate, pathOf, startBrowserApp, visit, type BrowserApp } from '../support/browser';
import { LOGIN_FAILED_MESSAGE } from '../../src/auth/service';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

const ROC_DATE_TIME = /^\d{3}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/;

async function nameOf(personId: number): Promise<string> {
  return (await b.db('person').where({ id: personId }).first()).name;
}

async function loginTime(page: Page, label: '上次登入時間' | '本次登入時間'): Promise<string> {
  return (await page.locator(`.login-times dt:text-is("${label}") + dd`).innerText()).trim();
}

/** Signs in on /login (the full form), scanning the page reached. */
async function signInOnLoginPage(page: Page, account: string, password: string, label: string) {
  const form = page.locator('main form[action="/login"]');
  await form.getByLabel('帳號').fill(account);
  await form.getByLabel('密碼').fill(password);
  await navigate(page, label, () => form.getByRole('button', { name: '登入' }).click());
}

describe('the accessibility check itself', () => {
  it('fails a page with serious or critical violations, naming them', async () => {
    const page = await b.newPage();
    await page.setContent('<html><head><title>x</title></head><body><img src="/x.png"><input id="q"><a href="/"></a></body></html>');
    const err = await checkA11y(page, 'a broken page').then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/a broken page/);
    expect(err?.message).toMatch(/\[critical\] image-alt/);
    expect(err?.message).toMatch(/\[critical\] label/);
    expect(err?.message).toMatch(/\[serious\] (html-has-lang|link-name)/);
  });

  it('fails a page whose script throws', async () => {
    const page = await b.newPage();
    await page.setContent('<html lang="zh-Hant"><head><title>x</title></head><body><main><h1>x</h1><script>throw new Error("boom")</script></main></body></html>');
    await expect(checkA11y(page, 'a page with a broken script')).rejects.toThrow(/uncaught script error: boom/);
  });
});

describe('帳號登入', () => {
  it('signs in from the home page panel, lands in 我的專區 with name and login times, and signs out', async () => {
    const a = await makeAccount(b.db);
    const name = await nameOf(a.personId);
    const page = await b.newPage();

    await visit(page, '/', '首頁');
    const panel = page.locator('.login-panels form[action="/login"]');
    await panel.getByLabel('帳號').fill(a.login);
    await panel.getByLabel('密碼').fill(PASSWORD);
    await navigate(page, '我的專區', () => panel.getByRole('button', { name: '登入' }).click());

    expect(pathOf(page)).toBe('/my');
    expect(await page.locator('main h1').innerText()).toBe('我的專區');
    expect(await page.locator('.user-card .user-name').innerText()).toContain(name);
    expect(await page.locator('.user-card .user-name').innerText()).toContain('帳號登入');
    expect(await loginTime(page, '上次登入時間')).toBe('首次登入');
    const firstLogin = await loginTime(page, '本次登入時間');
    expect(firstLogin).toMatch(ROC_DATE_TIME);

    // 登出 is a form button in the main menu.
    await navigate(page, '首頁（登出後）', () => page.getByRole('navigation', { name: '主選單' }).getByRole('button', { name: '登出' }).click());
    expect(pathOf(page)).toBe('/');
    expect(await page.locator('.login-panels').count()).toBe(1);
    expect(await page.locator('.user-card').count()).toBe(0);
    expect(await page.getByRole('navigation', { name: '主選單' }).getByRole('link', { name: '我的專區' }).count()).toBe(0);

    // Signed out: 我的專區 asks to sign in again and comes back afterwards.
    await visit(page, '/my', '帳號登入（由我的專區轉來）');
    expect(pathOf(page)).toBe('/login?returnTo=%2Fmy');
    await signInOnLoginPage(page, a.login, PASSWORD, '我的專區（再次登入）');
    expect(pathOf(page)).toBe('/my');
    // The previous sign-in is now the 上次登入時間.
    expect(await loginTime(page, '上次登入時間')).toBe(firstLogin);
    expect(await loginTime(page, '本次登入時間')).toMatch(ROC_DATE_TIME);

    // Pages declare their icon, so the browser never asks for /favicon.ico: that request
    // would carry the session cookie and use up a flash message meant for the next page.
    expect(b.requests.filter((r) => r.startsWith('GET /favicon.ico'))).toEqual([]);
  });

  it('gives the same generic message for 5 wrong passwords, then refuses the right one while locked', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage();
    await visit(page, '/login', '帳號登入');

    for (let i = 1; i <= 5; i++) {
      await signInOnLoginPage(page, a.login, `Wrong#${i}23`, `帳號登入（第 ${i} 次密碼錯誤）`);
      expect(pathOf(page)).toBe('/login');
      expect(await page.title()).toMatch(/^錯誤：帳號登入/);
      expect(await page.locator('.error-summary').innerText()).toContain(LOGIN_FAILED_MESSAGE);
      expect(await page.locator('#password-error').innerText()).toContain(LOGIN_FAILED_MESSAGE);
      // The summary takes the focus; the account typed is kept, the password is not.
      expect(await page.locator('.error-summary:focus').count()).toBe(1);
      expect(await page.getByLabel('帳號').inputValue()).toBe(a.login);
      expect(await page.getByLabel('密碼').inputValue()).toBe('');
    }
    const lockout = await b.db('audit_event').where({ action: 'auth.lockout', target_id: String(a.accountId) }).first();
    expect(lockout).toBeTruthy();

    await signInOnLoginPage(page, a.login, PASSWORD, '帳號登入（鎖定中，密碼正確）');
    expect(pathOf(page)).toBe('/login');
    expect(await page.locator('.error-summary').innerText()).toContain(LOGIN_FAILED_MESSAGE);
    expect(await page.locator('.user-card').count()).toBe(0);
    const refused = await b.db('audit_event').where({ action: 'auth.login', target_id: String(a.accountId) }).orderBy('id', 'desc').first();
    expect(refused).toMatchObject({ outcome: 'failed' });
    expect(refused.details).toMatchObject({ reason: 'locked' });
  });
});

describe('without JavaScript', () => {
  it('signs in, changes the profile (with a validation error first) and signs out using plain forms', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage({ javaScriptEnabled: false });

    await visit(page, '/login', '帳號登入（無 JavaScript）');
    await signInOnLoginPage(page, a.login, PASSWORD, '我的專區（無 JavaScript）');
    expect(pathOf(page)).toBe('/my');

    await navigate(page, '個人資料修改（無 JavaScript）', () =>
      page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '個人資料修改' }).click(),
    );
    expect(pathOf(page)).toBe('/my/profile');
    expect(await page.getByLabel('自訂帳號').inputValue()).toBe(a.username);

    const form = page.locator('main form[action="/my/profile"]');
    const newEmail = `new.${a.username}@example.gov.tw`;
    await page.getByLabel('電子郵件').fill(newEmail);
    await page.getByLabel('個人電話').fill('分機 123');
    await page.getByRole('radio', { name: '是' }).check();
    await navigate(page, '個人資料修改（電話格式錯誤，無 JavaScript）', () => form.getByRole('button', { name: '修改個人資料' }).click());
    expect(pathOf(page)).toBe('/my/profile');
    expect(await page.locator('.error-summary').innerText()).toContain('個人電話格式錯誤');
    expect(await page.locator('#phone-error').innerText()).toContain('個人電話格式錯誤');
    // What was typed is kept.
    expect(await page.getByLabel('電子郵件').inputValue()).toBe(newEmail);
    expect(await page.getByRole('radio', { name: '是' }).isChecked()).toBe(true);

    await page.getByLabel('自訂帳號').fill(a.username!);
    await page.getByLabel('個人電話').fill('02-23979108');
    await navigate(page, '個人資料修改（已更新，無 JavaScript）', () => form.getByRole('button', { name: '修改個人資料' }).click());
    expect(pathOf(page)).toBe('/my/profile');
    expect(await page.getByRole('status').filter({ hasText: '個人資料已更新。' }).count()).toBe(1);
    const row = await b.db('account').where({ id: a.accountId }).first();
    expect(row).toMatchObject({ email: newEmail, phone: '02-23979108', egov_opt_in: true });

    await navigate(page, '首頁（登出後，無 JavaScript）', () => page.getByRole('navigation', { name: '主選單' }).getByRole('button', { name: '登出' }).click());
    expect(pathOf(page)).toBe('/');
    expect(await page.locator('.user-card').count()).toBe(0);
  });
});
