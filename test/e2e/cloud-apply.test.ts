import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PASSWORD } from '../support/app';
import { checkA11y, navigate, pathOf, visit } from '../support/browser';
import { cardSignInPage, startCardBrowserApp, useCard, type CardBrowserApp } from '../support/cardBrowser';

// The whole 申請服務 journey in Chromium: agency-card login, the wizard of both branches,
// signing 步驟六 with the card through the bridge's popup, the PDF, 進度查詢, and the
// administrator's review to 部分通過. axe-core scans every page.
let b: CardBrowserApp;

beforeAll(async () => {
  b = await startCardBrowserApp();
  const a = await b.db('agency').where({ code: 'A096C0000Q' }).first('id');
  await b.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
}, 120_000);
afterAll(async () => {
  await b?.close();
});

const next = (page: Page, label: string) => navigate(page, label, () => page.getByRole('button', { name: '下一步' }).click());

async function stepsOneToFour(page: Page, kind: 'file' | 'ws', tag: string) {
  await visit(page, '/cloud/apply', `申請服務 管理規範 (${tag})`);
  await navigate(page, `管理規範 未勾選 (${tag})`, () => page.getByRole('button', { name: '開始申請' }).click());
  expect(await page.locator('.error-summary').innerText()).toContain('請先閱讀管理規範並勾選「我同意」');
  await page.getByLabel('我同意').check();
  await navigate(page, `步驟一 (${tag})`, () => page.getByRole('button', { name: '開始申請' }).click());
  expect(pathOf(page)).toMatch(/^\/cloud\/apply\/[0-9a-f-]{36}\/step1$/);

  // Every field empty: the messages, on the same page.
  await next(page, `步驟一 錯誤 (${tag})`);
  const summary = await page.locator('.error-summary').innerText();
  expect(summary).toContain('請輸入聯絡人姓名');
  expect(summary).toContain('請輸入服務使用起日');

  await page.getByLabel('聯絡人姓名').fill('林小美');
  await page.getByLabel('連絡電話').fill('02-28227101#2101');
  await page.getByLabel('電子郵件').fill('hr@ntunhs.edu.tw');
  // The date picker writes the chosen day in ROC form.
  await page.locator('input.date-picker').first().fill('2027-01-01', { force: true });
  expect(await page.getByLabel('起日', { exact: true }).inputValue()).toBe('116/01/01');
  await page.getByLabel('迄日', { exact: true }).fill('116/06/30');
  await page.getByLabel('介接用途').fill('人事資料比對');
  await page.getByLabel('法規依據').fill('公務人員任用法');
  await page.getByLabel('特定目的').fill('人事管理（002）');
  await next(page, `步驟二 (${tag})`);
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('步驟二');

  await page.getByLabel('介接系統名稱').fill('人事管理系統');
  await page.getByLabel('作業系統').fill('Linux');
  await page.getByLabel('程式語言').fill('TypeScript');
  await page.getByLabel('資料庫').fill('PostgreSQL');
  await page.getByLabel('電腦名稱').fill('hr-app-01');
  await page.getByLabel('IP位置').fill('192.168.10.300');
  await next(page, `步驟二 錯誤 (${tag})`);
  expect(await page.locator('.error-summary').innerText()).toContain('IP位置格式錯誤');
  expect(await page.getByLabel('作業系統').inputValue()).toBe('Linux');
  await page.getByLabel('IP位置').fill('192.168.10.30, 10.0.0.5');
  await next(page, `步驟三 (${tag})`);

  await page.getByLabel('機關內部使用').check();
  await page.getByLabel('對外介接使用').check();
  await next(page, `步驟四 (${tag})`);
  await page.getByLabel(kind === 'file' ? '單次服務(檔案交換)' : '即時Web Service連線服務').check();
  await next(page, `步驟五 (${tag})`);
  expect(pathOf(page)).toMatch(kind === 'file' ? /\/step5a$/ : /\/step5b$/);
  // 上一步 keeps the answer of 步驟四.
  await navigate(page, `上一步 回步驟四 (${tag})`, () => page.getByRole('button', { name: '上一步' }).click());
  expect(await page.getByLabel(kind === 'file' ? '單次服務(檔案交換)' : '即時Web Service連線服務').isChecked()).toBe(true);
  await next(page, `步驟五 again (${tag})`);
}

async function signAndFinish(page: Page, tag: string): Promise<string> {
  expect(pathOf(page)).toMatch(/\/step6$/);
  const main = await page.locator('main').innerText();
  expect(main).toContain('林小美');
  expect(main).toContain('116/01/01 ~ 116/06/30');
  expect(main).toContain('注意事項：本步驟必須使用與登入時相同的憑證進行申請。');
  // The popup shows what is signed: the document's title and its digest.
  const purpose = tag === '單次服務' ? /^用途：簽署文件「人事雲端服務平台資料交換服務申請表（國立臺北護理健康大學）」，文件摘要 SHA-256 [0-9a-f]{64}$/ : /^用途：簽署文件「人事雲端服務平台介接服務申請表（國立臺北護理健康大學）」，文件摘要 SHA-256 [0-9a-f]{64}$/;
  await useCard(page, b, 'agency-ntunhs', `步驟七 (${tag})`, { form: 'main form#sign-form', purpose });
  if (!/\/done$/.test(pathOf(page))) throw new Error(`not submitted: ${(await page.locator('main .error-summary, main [role=alert]').allInnerTexts()).join(' / ')}`);
  const done = await page.locator('main').innerText();
  const number = /(AP[FS]Q\d{8})/.exec(done)![1]!;
  expect(done).toContain('您所申請的憑證卡號為：GC00000000000010');
  return number;
}

describe('申請服務 with the agency card', () => {
  it('單次服務: the wizard, the card signature, the PDF and 進度查詢', async () => {
    const page = await b.newPage({ acceptDownloads: true });
    await cardSignInPage(page, b, 'agency-ntunhs');
    await stepsOneToFour(page, 'file', '單次服務');
    await page.getByLabel('特殊條件說明').fill('申請一次性現職人員基本資料');
    await page.getByLabel('說明檔案').setInputFiles({ name: '條件說明.txt', mimeType: 'text/plain', buffer: Buffer.from('以本機關現職人員為限。\n') });
    await page.getByLabel('選取 SQ_PA_001 機關編制資料').check();
    await page.getByLabel('選取 SQ_TA_002 考績資料').check();
    await next(page, '步驟六 (單次服務)');
    expect(await page.locator('main').innerText()).toContain('條件說明.txt');
    const number = await signAndFinish(page, '單次服務');
    expect(number).toMatch(/^APFQ115\d{5}$/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下載介接申請書' }).click()]);
    const text = execFileSync('pdftotext', ['-layout', await download.path(), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const s of ['銓敘部 人事雲端服務平台資料交換服務申請表', number, '國立臺北護理健康大學', '林小美', '人事資料比對', '116/01/01~116/06/30', '192.168.10.30, 10.0.0.5', '機關編制資料', '一次性（檔案下載服務）', 'GC00000000000010']) {
      expect(text).toContain(s);
    }
    const app = await b.db('cloud_application').where({ number }).first();
    expect(text).toContain(app.verification_code);
    await checkA11y(page, '步驟七（下載後）');

    await visit(page, '/cloud/applications', '進度查詢');
    await page.getByLabel('申請案號').fill(number);
    await navigate(page, '進度查詢 結果', () => page.getByRole('button', { name: '執行查詢' }).click());
    expect(await page.locator('table.apply-results').innerText()).toContain(number);
    await navigate(page, '申請明細', () => page.getByRole('link', { name: `查看 ${number}` }).click());
    expect(await page.locator('main').innerText()).toContain('尚未審核');
  }, 600_000);

  it('Web Service: 步驟五B, signing, and the administrator reviews it to 部分通過', async () => {
    const page = await b.newPage();
    await cardSignInPage(page, b, 'agency-ntunhs');
    await stepsOneToFour(page, 'ws', 'Web Service');
    await next(page, '步驟五B 錯誤');
    expect(await page.locator('.error-summary').innerText()).toContain('請選擇資料交換需求');
    await page.getByLabel('選取 SQ_MA_001 退休資料').check();
    await page.getByLabel('選取 SQ_TA_001 銓審資料').check();
    await next(page, '步驟六 (Web Service)');
    expect(await page.locator('main').innerText()).toContain('您所選之資料交換服務項目');
    // 修改 from 步驟六: the step is shown, and 下一步 comes back to 步驟六.
    await navigate(page, '修改 介接系統基本資料', () => page.getByRole('link', { name: /修改\s*介接系統基本資料/ }).click());
    expect(pathOf(page)).toMatch(/\/step2\?from=check$/);
    await page.getByLabel('作業系統').fill('Windows Server');
    await next(page, '步驟六 (修改後)');
    expect(pathOf(page)).toMatch(/\/step6$/);
    expect(await page.locator('main').innerText()).toContain('Windows Server');
    const number = await signAndFinish(page, 'Web Service');
    expect(number).toMatch(/^APSQ115\d{5}$/);

    const admin = await b.newPage();
    await visit(admin, '/login', '帳號登入');
    const form = admin.locator('main form[action="/login"]');
    await form.getByLabel('帳號').fill('mocs.admin');
    await form.getByLabel('密碼').fill(PASSWORD);
    await navigate(admin, '登入後', () => form.getByRole('button', { name: '登入' }).click());
    await visit(admin, '/cloud/admin/reviews', '申請審核管理');
    await navigate(admin, '申請審核', () => admin.getByRole('link', { name: `審核 ${number}` }).click());
    await navigate(admin, '申請審核 錯誤', () => admin.getByRole('button', { name: '送出審核結果' }).click());
    expect(await admin.locator('.error-summary').innerText()).toContain('請選擇每一項服務的審核結果');
    const lines = admin.locator('fieldset.review-line');
    await lines.nth(0).getByLabel('通過', { exact: true }).check();
    await lines.nth(1).getByLabel('不通過', { exact: true }).check();
    await lines.nth(1).getByRole('textbox').fill('非執行職務必要');
    await admin.getByLabel('審核說明（整體，選填）').fill('僅核准退休資料。');
    await navigate(admin, '審核完成', () => admin.getByRole('button', { name: '送出審核結果' }).click());
    expect(await admin.locator('main').innerText()).toContain('部分通過');
    const mail = await b.db('mail_outbox').where({ to_address: 'hr@ntunhs.edu.tw' }).orderBy('id', 'desc').first();
    expect(mail.subject).toContain(`${number} 審核結果：部分通過`);

    await visit(page, `/cloud/applications?number=${number}`, '進度查詢（審核後）');
    expect(await page.locator('table.apply-results').innerText()).toContain('部分通過');
  }, 600_000);
});
