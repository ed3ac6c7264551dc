import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../support/app';
import { checkA11y, navigate, pathOf, startBrowserApp, visit, type BrowserApp, signIn } from '../support/browser';
import { fillMydataRecord } from '../../seeds/mydata';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

let seed = 9000;
async function civilServant() {
  const a = await makeAccount(b.db);
  await fillMydataRecord(b.db, a.personId, seed++);
  return a;
}

describe('MyData: correction journey', () => {
  it('check record → request a correction → HR accepts → the record shows the new value', async () => {
    const a = await civilServant();
    const page = await b.newPage();
    await signIn(page, a.login);
    // From 應用系統 B. 人事資料服務 (shown without a code, as seed 001 shows it).
    await visit(page, '/my/apps', '應用系統');
    const mydata = page.locator('main li').filter({ hasText: '公務人員個人資料服務網(MyData)' });
    await navigate(page, 'MyData 首頁', () => mydata.getByRole('link', { name: /連結/ }).click());
    expect(pathOf(page)).toBe('/mydata');
    expect(await page.locator('main').innerText()).toContain('本系統之個人資料僅供作必要之業務處理之用');

    await navigate(page, '資料查詢及校對', () => page.getByRole('navigation', { name: '個人資料服務網選單' }).getByRole('link', { name: '資料查詢及校對' }).click());
    const post = page.getByRole('region', { name: '現職資料' });
    expect(await post.innerText()).toContain('科員');
    await navigate(page, '申請更正：現職資料', () => post.getByRole('link', { name: /申請更正/ }).click());

    // An empty submit shows the error summary.
    await navigate(page, '申請更正（錯誤）', () => page.getByRole('button', { name: '送出更正申請' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('請輸入申請更正原因');

    await page.getByLabel('要更正的欄位').selectOption({ label: '職稱' });
    await page.getByLabel('申請更正原因（錯誤之處）').fill('115 年 10 月已調任專員，職稱尚未更新。');
    await page.getByLabel('建議更正內容').fill('專員');
    await page.getByLabel(/證明文件/).setInputFiles({ name: '派令.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n') });
    await navigate(page, '更正申請內容', () => page.getByRole('button', { name: '送出更正申請' }).click());
    expect(pathOf(page)).toMatch(/^\/mydata\/corrections\/\d+$/);
    expect(await page.getByRole('status').first().innerText()).toContain('更正申請已送出');
    expect(await page.locator('#status').innerText()).toBe('已送出');
    const correctionId = pathOf(page).split('/').pop();

    // HR of the same agency.
    const h = await makeAccount(b.db, { roles: ['hr_staff'] });
    const hrPage = await b.newPage();
    await signIn(hrPage, h.login);
    await visit(hrPage, '/mydata', 'MyData 首頁（人事人員）');
    await navigate(hrPage, '更正申請處理', () => hrPage.getByRole('navigation', { name: '個人資料服務網選單' }).getByRole('link', { name: '更正申請處理' }).click());
    await navigate(hrPage, '更正申請處理（明細）', () => hrPage.getByRole('link', { name: correctionId!, exact: true }).click());
    expect(await hrPage.locator('#current').innerText()).toBe('科員');
    await navigate(hrPage, '更正申請處理（處理中）', () => hrPage.getByRole('button', { name: '受理（處理中）' }).click());
    expect(await hrPage.locator('#status').innerText()).toBe('處理中');
    expect(await hrPage.getByLabel('更正後內容').inputValue()).toBe('專員');
    await navigate(hrPage, '更正申請處理（已更正）', () => hrPage.getByRole('button', { name: '更正人事資料' }).click());
    expect(await hrPage.locator('#status').innerText()).toBe('已更正');

    await navigate(page, '修改進度查詢', () => page.getByRole('navigation', { name: '個人資料服務網選單' }).getByRole('link', { name: '修改進度查詢' }).click());
    expect(await page.locator('main table').innerText()).toContain('已更正');
    await visit(page, '/mydata/record', '資料查詢及校對（已更正）');
    expect(await page.getByRole('region', { name: '現職資料' }).locator('[data-field="post.title"]').innerText()).toBe('專員');
  }, 300_000);
});

describe('MyData: consent and the personal folder', () => {
  it('consent → HR issues a 獎勵令 → it is in 個人檔案夾 → /verify confirms its code', async () => {
    const a = await civilServant();
    const page = await b.newPage();
    await signIn(page, a.login);
    await visit(page, '/mydata/folder', '個人檔案夾（未同意）');
    expect(await page.locator('main').innerText()).toContain('您尚未同意');
    await visit(page, '/mydata/consent', '線上檢視訊息');
    await navigate(page, '線上檢視訊息（已同意）', () => page.getByRole('button', { name: '同意' }).click());
    expect(await page.locator('main').innerText()).toContain('目前狀態：已同意');

    const h = await makeAccount(b.db, { roles: ['hr_supervisor', 'hr_staff'] });
    const hrPage = await b.newPage();
    await signIn(hrPage, h.login);
    await visit(hrPage, '/mydata/hr/documents/new', '核發獎勵令及證明書');
    // A reward order without its 事由 and 獎勵種類 comes back with the error summary.
    await hrPage.getByLabel('身分證統一編號').fill(a.nationalId);
    await navigate(hrPage, '核發獎勵令及證明書（錯誤）', () => hrPage.getByRole('button', { name: '核發' }).click());
    expect(await hrPage.locator('.error-summary').innerText()).toContain('請輸入事由');
    expect(await hrPage.getByLabel('身分證統一編號').inputValue()).toBe(a.nationalId);
    await hrPage.getByLabel('文件類別').selectOption({ label: '獎勵令' });
    await hrPage.getByLabel('獎勵種類').selectOption('嘉獎一次');
    await hrPage.getByLabel('事由').fill('協助推動數位服務業務，表現優異');
    await navigate(hrPage, '文件核發紀錄', () => hrPage.getByRole('button', { name: '核發' }).click());
    expect(pathOf(hrPage)).toBe('/mydata/hr/documents');
    expect(await hrPage.getByRole('status').first().innerText()).toContain('文件已核發至當事人個人檔案夾');

    await visit(page, '/mydata/folder', '個人檔案夾');
    const row = page.locator('main table tbody tr').first();
    expect(await row.innerText()).toContain('獎勵令');
    const code = await row.locator('code').innerText();
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    await navigate(page, '文件驗證', () => row.getByRole('link', { name: code }).click());
    expect(pathOf(page)).toBe(`/verify?code=${encodeURIComponent(code)}`);
    const result = page.getByRole('region', { name: '驗證結果' });
    expect(await result.innerText()).toContain('此驗證碼有效');
    expect(await result.innerText()).toContain('國立臺北護理健康大學');
    expect(await result.innerText()).toContain('獎勵令');

    // The consent can be withdrawn (after a confirmation); later documents go on paper.
    await visit(page, '/mydata/consent', '線上檢視訊息（撤回前）');
    page.once('dialog', (d) => void d.accept());
    await navigate(page, '線上檢視訊息（已撤回）', () => page.getByRole('button', { name: '撤回同意' }).click());
    expect(await page.locator('main').innerText()).toContain('文件以紙本送達');
    expect((await b.db('mydata_consent_event').where({ person_id: a.personId }).orderBy('id', 'desc').first()).action).toBe('withdraw');
  }, 300_000);
});

describe('MyData: resume and the other pages', () => {
  it('downloads the resume PDF, which pdftotext reads in Chinese', async () => {
    const a = await civilServant();
    await b.db('person').where({ id: a.personId }).update({ title: '技正', unit: '資訊室' });
    const page = await b.newPage();
    await signIn(page, a.login);
    await visit(page, '/mydata/self', '簡要自述維護');
    await page.getByLabel('簡要自述').fill('從事資訊業務十年，熟悉系統開發與資安管理。');
    await navigate(page, '簡要自述維護（已儲存）', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.getByRole('status').first().innerText()).toBe('簡要自述已儲存。');
    await page.getByLabel('簡要自述').fill('字'.repeat(501));
    await navigate(page, '簡要自述維護（錯誤）', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('簡要自述不可超過 500 個字');

    await visit(page, '/mydata/pay', '待遇表查詢');
    expect(await page.locator('main').innerText()).toContain('實發金額');
    await visit(page, '/mydata/resume', '履歷表下載');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下載履歷表（PDF）' }).click()]);
    const file = await download.path();
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(fs.statSync(file).size).toBeGreaterThan(1000);
    const name = (await b.db('person').where({ id: a.personId }).first()).name;
    expect(text).toContain('公務人員履歷表');
    expect(text).toContain(name);
    expect(text).toContain('技正');
    expect(text).toContain('資訊室');
    expect(text).toContain('從事資訊業務十年');
    await checkA11y(page, '履歷表下載（下載後）');
  }, 300_000);
});
