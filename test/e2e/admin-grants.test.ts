import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeAccount } from '../support/app';
import { checkA11y, navigate, pathOf, tempPasswordMailedTo, visit, signIn } from '../support/browser';
import { cardSignInPage, startCardBrowserApp, type CardBrowserApp } from '../support/cardBrowser';
import { AGENCY_NOT_AUTHORIZED } from '../../src/platform/identity/accountRules';

// 權限管理 and 機關授權 in Chromium, with the real card chain for the agency card: an HR
// supervisor authorizes a colleague who then resets a password (in the session the colleague
// already had open), and an administrator grants an agency the cloud platform from the list
// of refused cards, after which the card's session opens /cloud. axe-core scans every page.
let b: CardBrowserApp;
const DGPA = '376470000A';

beforeAll(async () => {
  b = await startCardBrowserApp();
}, 120_000);
afterAll(async () => {
  await b?.close();
});

const myMenu = (page: Page) => page.getByRole('navigation', { name: '我的專區' });

describe('權限管理', () => {
  it('an HR supervisor authorizes a colleague, who then resets a staff member’s password without signing in again', { timeout: 240_000 }, async () => {
    const supervisor = await makeAccount(b.db, { agencyCode: 'A096C0000Q', roles: ['hr_supervisor'] });
    const colleague = await makeAccount(b.db, { agencyCode: 'A096C0000Q' });
    const staff = await makeAccount(b.db, { agencyCode: 'A096C0000Q' });
    const colleagueName = (await b.db('person').where({ id: colleague.personId }).first()).name as string;
    const supervisorName = (await b.db('person').where({ id: supervisor.personId }).first()).name as string;

    // The colleague is signed in already, without 協助設定密碼.
    const them = await b.newPage();
    await signIn(them, colleague.login, { label: '我的專區（同事，授權前）', landing: null });
    expect(await myMenu(them).getByRole('link', { name: '協助設定密碼' }).count()).toBe(0);

    const page = await b.newPage();
    await signIn(page, supervisor.login, { label: '我的專區（人事主管）', landing: null });
    await navigate(page, '權限管理', () => myMenu(page).getByRole('link', { name: '權限管理' }).click());
    expect(pathOf(page)).toBe('/admin/access');
    const search = page.locator('main form[action="/admin/access"]');
    await search.getByLabel('姓名、身分證字號或自訂帳號').fill(colleague.nationalId);
    await navigate(page, '權限管理（查詢結果）', () => search.getByRole('button', { name: '查詢' }).click());
    await navigate(page, '人員權限', () => page.getByRole('link', { name: `檢視權限 ${colleagueName}` }).click());
    expect(await page.locator('main h1').innerText()).toBe(`${colleagueName} 的權限`);
    expect(await page.locator('main').innerText()).toContain('此人員目前沒有任何權限（一般人員）。');

    // Only the two roles a supervisor may grant are offered; without a reason the form comes back.
    const grantForm = page.locator(`main form[action="/admin/access/people/${colleague.accountId}/grants"]`);
    const options = await grantForm.getByLabel('角色').locator('option').allInnerTexts();
    expect(options).toEqual(['請選擇', '人事人員', '經授權之人事人員（協助設定密碼）']);
    await grantForm.getByLabel('角色').selectOption('hr_password_reset');
    await navigate(page, '授予權限（未填原因）', () => grantForm.getByRole('button', { name: '授予權限' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('請輸入授權原因');
    expect(await page.locator('.error-summary:focus').count()).toBe(1);
    expect(await grantForm.getByLabel('角色').inputValue()).toBe('hr_password_reset');
    await grantForm.getByLabel('授權原因').fill('協助本機關人員設定密碼');
    await navigate(page, '授予權限（完成）', () => grantForm.getByRole('button', { name: '授予權限' }).click());
    expect(await page.getByRole('status').first().innerText()).toContain(`已授予 ${colleagueName}「經授權之人事人員（協助設定密碼）」權限`);
    const roles = page.getByRole('table').first();
    const rolesText = await roles.innerText();
    for (const s of ['經授權之人事人員（協助設定密碼）', '國立臺北護理健康大學', supervisorName, '協助本機關人員設定密碼']) expect(rolesText).toContain(s);
    const mail = await b.db('mail_outbox').where({ to_address: colleague.email }).first();
    expect(mail.subject).toBe('【人事服務網】權限異動通知');

    // The colleague's open session has the role on its next page.
    await visit(them, '/my', '我的專區（同事，授權後）');
    await navigate(them, '協助設定密碼（同事）', () => myMenu(them).getByRole('link', { name: '協助設定密碼' }).click());
    const lookup = them.locator('main form[action="/my/password-reset/lookup"]');
    await lookup.getByLabel('身分證字號或自訂帳號').fill(staff.nationalId);
    await navigate(them, '協助設定密碼（查詢結果）', () => lookup.getByRole('button', { name: '查詢' }).click());
    them.once('dialog', (dialog) => void dialog.accept());
    await navigate(them, '協助設定密碼（已重設）', () => them.getByRole('button', { name: '重設密碼並寄送通知' }).click());
    expect(await them.getByRole('status').innerText()).toContain('重設密碼');
    expect((await tempPasswordMailedTo(b, staff.email!)).password).toMatch(/^[A-Z0-9]{8}$/);
    expect(await b.db('audit_event').where({ action: 'auth.password_reset_by_hr', actor_account_id: colleague.accountId, target_id: String(staff.accountId) }).first()).toBeTruthy();
  });
});

describe('機關授權', () => {
  it('an administrator grants an agency the cloud platform from its refused card, and the card then opens /cloud', { timeout: 240_000 }, async () => {
    const dgpa = await b.db('agency').where({ code: DGPA }).first('id');
    await b.db('agency_area_grant').where({ agency_id: dgpa.id, area: 'cloud' }).delete();

    const card = await b.newPage();
    await cardSignInPage(card, b, 'agency-dgpa');
    await visit(card, '/cloud/apply', '人事雲端服務平台（未授權）');
    expect(await card.locator('main').innerText()).toContain(AGENCY_NOT_AUTHORIZED);

    const page = await b.newPage();
    await signIn(page, 'portal.admin', { label: '我的專區（管理者）', landing: null });
    await navigate(page, '機關授權', () => myMenu(page).getByRole('link', { name: '機關授權' }).click());
    expect(pathOf(page)).toBe('/admin/access/agencies');
    const refused = page.getByRole('table', { name: '憑證登入被拒的機關' });
    const row = refused.getByRole('row').filter({ hasText: DGPA });
    expect(await row.innerText()).toContain('人事雲端服務平台');
    await navigate(page, '機關授權（已授權）', () => row.getByRole('button', { name: /^授權/ }).click());
    expect(await page.getByRole('status').first().innerText()).toContain('已授權 行政院人事行政總處（376470000A）使用「人事雲端服務平台」');
    expect(await refused.getByRole('row').filter({ hasText: DGPA }).count()).toBe(0);

    // The agency's page shows who granted it, when and why.
    await navigate(page, '機關授權（行政院人事行政總處）', async () => {
      const search = page.locator('main form[action="/admin/access/agencies"]');
      await search.getByLabel('機關代碼或名稱').fill(DGPA);
      await search.getByRole('button', { name: '查詢' }).click();
    });
    await navigate(page, '機關授權明細', () => page.getByRole('link', { name: '管理授權 行政院人事行政總處' }).click());
    expect(await page.locator('main').innerText()).toContain('依機關憑證被拒紀錄授權');

    await visit(card, '/cloud', '人事雲端服務平台（已授權）');
    expect(pathOf(card)).toBe('/cloud');
    expect(await card.locator('main').innerText()).not.toContain(AGENCY_NOT_AUTHORIZED);
    await visit(card, '/cloud/apply', '申請服務（已授權）');
    expect(pathOf(card)).toBe('/cloud/apply');
    await checkA11y(card, '申請服務');
  });
});
