import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeAccount } from '../support/app';
import { navigate, pathOf, startBrowserApp, tempPasswordMailedTo, visit, type BrowserApp } from '../support/browser';
import { PROFILE_FIRST_MESSAGE } from '../../src/auth/service';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

const FORCED_NOTICE = '您目前使用的是臨時密碼，請先設定新密碼後才能使用本系統其他服務。';

async function signIn(page: Page, account: string, password: string, label: string) {
  await visit(page, '/login', '帳號登入');
  const form = page.locator('main form[action="/login"]');
  await form.getByLabel('帳號').fill(account);
  await form.getByLabel('密碼').fill(password);
  await navigate(page, label, () => form.getByRole('button', { name: '登入' }).click());
}

/** On the forced /my/password form: a rule error first, then a good password, ending in 我的專區. */
async function changeForcedPassword(page: Page, newPassword: string, who: string) {
  expect(pathOf(page)).toBe('/my/password');
  expect(await page.getByRole('status').filter({ hasText: FORCED_NOTICE }).count()).toBe(1);
  // A temporary password is not asked for again.
  expect(await page.getByLabel('目前密碼').count()).toBe(0);
  const form = page.locator('main form[action="/my/password"]');

  await page.getByLabel('新密碼', { exact: true }).fill('Abcd12345');
  await page.getByLabel('確認新密碼').fill('Abcd12345');
  await navigate(page, `修改密碼（缺特殊符號，${who}）`, () => form.getByRole('button', { name: '送出' }).click());
  expect(pathOf(page)).toBe('/my/password');
  expect(await page.locator('main h1').innerText()).toBe('修改密碼');
  expect(await page.locator('.error-summary').innerText()).toContain('密碼須至少包含一個特殊符號');
  expect(await page.locator('#newPassword-error').innerText()).toContain('密碼須至少包含一個特殊符號');
  expect(await page.getByLabel('新密碼', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByLabel('新密碼', { exact: true }).inputValue()).toBe('');
  expect(await page.locator('.error-summary:focus').count()).toBe(1);

  await page.getByLabel('新密碼', { exact: true }).fill(newPassword);
  await page.getByLabel('確認新密碼').fill(newPassword);
  await navigate(page, `我的專區（密碼已變更，${who}）`, () => form.getByRole('button', { name: '送出' }).click());
  expect(pathOf(page)).toBe('/my');
  expect(await page.getByRole('status').filter({ hasText: '密碼已變更，下次登入請使用新密碼。' }).count()).toBe(1);
}

describe('忘記密碼', () => {
  it('mails a temporary password that signs in only to the forced password change', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage();

    await visit(page, '/login', '帳號登入');
    await navigate(page, '忘記密碼', () => page.locator('main').getByRole('link', { name: '忘記密碼' }).click());
    expect(pathOf(page)).toBe('/forgot-password');
    const form = page.locator('main form[action="/forgot-password"]');
    await form.getByLabel('帳號').fill(a.username!);
    await form.getByLabel('電子郵件').fill(a.email!.toUpperCase());
    await navigate(page, '忘記密碼（已寄出）', () => form.getByRole('button', { name: '送出' }).click());
    expect(await page.getByRole('status').innerText()).toContain('臨時密碼已寄至您的電子郵件信箱');

    const mail = await tempPasswordMailedTo(b, a.email!);
    expect(mail.subject).toBe('人事服務網 會員密碼重設說明');
    expect(mail.body).toContain(`帳號：${a.username}`);

    await navigate(page, '帳號登入', () => page.getByRole('link', { name: '前往登入' }).click());
    const login = page.locator('main form[action="/login"]');
    await login.getByLabel('帳號').fill(a.username!);
    await login.getByLabel('密碼').fill(mail.password);
    await navigate(page, '修改密碼（臨時密碼）', () => login.getByRole('button', { name: '登入' }).click());
    expect(pathOf(page)).toBe('/my/password');

    // Nothing else is reachable until the password is changed.
    await visit(page, '/my/apps', '應用系統（被導回修改密碼）');
    expect(pathOf(page)).toBe('/my/password');

    await changeForcedPassword(page, 'Nw#2026ab', '忘記密碼');
    const row = await b.db('account').where({ id: a.accountId }).first();
    expect(row).toMatchObject({ must_change_password: false, temp_password_expires_at: null });

    await visit(page, '/my/apps', '應用系統');
    expect(pathOf(page)).toBe('/my/apps');
  });
});

describe('首次登入', () => {
  it('requires a custom account and email first (keeping what was typed on an error), then a new password', async () => {
    const a = await makeAccount(b.db, { username: null, email: null, mustChange: true, password: 'K5L6H5W8' });
    const page = await b.newPage();

    await signIn(page, a.nationalId, 'K5L6H5W8', '個人資料修改（首次登入）');
    expect(pathOf(page)).toBe('/my/profile');
    expect(await page.getByRole('status').filter({ hasText: PROFILE_FIRST_MESSAGE }).count()).toBe(1);

    await visit(page, '/my/apps', '應用系統（被導回個人資料修改）');
    expect(pathOf(page)).toBe('/my/profile');

    const username = `u${a.nationalId.toLowerCase()}`;
    const form = page.locator('main form[action="/my/profile"]');
    await page.getByLabel('自訂帳號').fill(username);
    await page.getByLabel('電子郵件').fill('xu.yating@');
    await navigate(page, '個人資料修改（電子郵件格式錯誤）', () => form.getByRole('button', { name: '修改個人資料' }).click());
    expect(pathOf(page)).toBe('/my/profile');
    expect(await page.getByRole('status').filter({ hasText: PROFILE_FIRST_MESSAGE }).count()).toBe(1);
    expect(await page.locator('.error-summary').innerText()).toContain('電子郵件格式錯誤');
    expect(await page.locator('#email-error').innerText()).toContain('電子郵件格式錯誤');
    expect(await page.getByLabel('電子郵件').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('自訂帳號').inputValue()).toBe(username);
    expect(await page.getByLabel('電子郵件').inputValue()).toBe('xu.yating@');
    // The summary links to the field.
    expect(await page.locator('.error-summary a').getAttribute('href')).toBe('#email');

    const email = `${username}@example.gov.tw`;
    await page.getByLabel('電子郵件').fill(email);
    await navigate(page, '修改密碼（首次登入）', () => form.getByRole('button', { name: '修改個人資料' }).click());
    expect(pathOf(page)).toBe('/my/password');
    expect(await page.getByRole('status').filter({ hasText: '個人資料已更新。' }).count()).toBe(1);

    await changeForcedPassword(page, 'Fi#rst2026', '首次登入');
    expect(await b.db('account').where({ id: a.accountId }).first()).toMatchObject({ username, email, must_change_password: false });
    // From now on the custom account is the one to sign in with.
    expect(await page.locator('.user-card .user-name').innerText()).toContain((await b.db('person').where({ id: a.personId }).first()).name);
  });
});

describe('協助設定密碼', () => {
  it('lets an HR supervisor reset a staff member of the agency (who then must change it) but not a person of another agency', async () => {
    const supervisor = await makeAccount(b.db, { agencyCode: 'A096C0000Q', roles: ['hr_supervisor', 'hr_staff'] });
    const staff = await makeAccount(b.db, { agencyCode: 'A096C0000Q' });
    const other = await makeAccount(b.db, { agencyCode: '301000000A' });
    const staffName = (await b.db('person').where({ id: staff.personId }).first()).name as string;
    const page = await b.newPage();
    const lookupForm = () => page.locator('main form[action="/my/password-reset/lookup"]');

    await signIn(page, supervisor.login, 'Ecpa#2026', '我的專區（人事主管）');
    await navigate(page, '協助設定密碼', () => page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '協助設定密碼' }).click());
    expect(pathOf(page)).toBe('/my/password-reset');

    await lookupForm().getByLabel('身分證字號或自訂帳號').fill(staff.nationalId);
    await navigate(page, '協助設定密碼（查詢結果）', () => lookupForm().getByRole('button', { name: '查詢' }).click());
    const result = page.getByRole('region', { name: '查詢結果' });
    expect(await result.innerText()).toContain(staffName);
    expect(await result.innerText()).toContain('國立臺北護理健康大學');

    // Declining the confirmation resets nothing.
    const reset = result.getByRole('button', { name: '重設密碼並寄送通知' });
    const declined = page.waitForEvent('dialog');
    const clicking = reset.click(); // resolves once the dialog is answered
    const d1 = await declined;
    expect(d1.type()).toBe('confirm');
    expect(d1.message()).toBe(`確定要為 ${staffName} 重設密碼嗎？`);
    await d1.dismiss();
    await clicking;
    expect(pathOf(page)).toBe('/my/password-reset/lookup');
    expect(await b.db('mail_outbox').where({ to_address: staff.email }).first()).toBeUndefined();

    page.once('dialog', (dialog) => void dialog.accept());
    await navigate(page, '協助設定密碼（已重設）', () => reset.click());
    expect(await page.getByRole('status').innerText()).toContain(`已為 ${staffName} 重設密碼`);
    const audit = await b.db('audit_event').where({ action: 'auth.password_reset_by_hr', target_id: String(staff.accountId) }).first();
    expect(audit).toMatchObject({ actor_account_id: supervisor.accountId, outcome: 'ok' });

    // The staff member signs in with the mailed password and has to replace it.
    const mail = await tempPasswordMailedTo(b, staff.email!);
    const staffPage = await b.newPage();
    await signIn(staffPage, staff.login, mail.password, '修改密碼（人事主管重設後）');
    expect(pathOf(staffPage)).toBe('/my/password');
    await changeForcedPassword(staffPage, 'St#aff2026', '協助設定密碼');

    // Back to the supervisor: an empty query first (the error on the same form), then someone of 內政部.
    await navigate(page, '協助設定密碼（繼續）', () => page.getByRole('link', { name: '繼續為其他人員設定' }).click());
    await navigate(page, '協助設定密碼（未輸入）', () => lookupForm().getByRole('button', { name: '查詢' }).click());
    expect(await page.locator('#query-error').count()).toBe(1);
    expect(await lookupForm().getByLabel('身分證字號或自訂帳號').getAttribute('aria-invalid')).toBe('true');

    await lookupForm().getByLabel('身分證字號或自訂帳號').fill(other.nationalId);
    // Answered as for no such person: the same form and message, nothing said about who exists.
    await navigate(page, '協助設定密碼（他機關人員）', () => lookupForm().getByRole('button', { name: '查詢' }).click());
    expect(await page.locator('main h1').innerText()).toBe('協助設定密碼');
    expect(await page.locator('#query-error').innerText()).toContain('查無此人員，或此人員不屬於您的機關，請確認身分證字號或自訂帳號');
    expect(await page.getByRole('button', { name: '重設密碼並寄送通知' }).count()).toBe(0);

    const denied = await b.db('audit_event')
      .where({ action: 'auth.password_reset_assisted', outcome: 'denied', target_id: String(other.accountId) })
      .first();
    expect(denied).toMatchObject({ actor_account_id: supervisor.accountId });
    expect(denied.details).toMatchObject({ reason: 'other_agency' });
    expect(await b.db('mail_outbox').where({ to_address: other.email }).first()).toBeUndefined();
  });
});
