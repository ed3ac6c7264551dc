import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../support/app';
import { navigate, pathOf, visit, signIn } from '../support/browser';
import { cardSignInPage, startCardBrowserApp, type CardBrowserApp } from '../support/cardBrowser';
import { rocShort, taipeiToday } from '../../src/platform/dates';

let b: CardBrowserApp;
beforeAll(async () => {
  b = await startCardBrowserApp();
}, 300_000);
afterAll(async () => {
  await b?.close();
});

const addDays = (iso: string, n: number) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);

describe('人事雲端服務平台 before the card login', () => {
  it('lets an anonymous visitor read the public pages and jump to a page of 最新公告 (axe on every page)', async () => {
    const page = await b.newPage();
    await visit(page, '/cloud', '最新公告 (anonymous)');
    expect(await page.locator('main').innerText()).toContain('申請服務、進度查詢、錯誤回報及資料交換下載，請以機關憑證登入後使用。');
    const tabs = page.getByRole('navigation', { name: '平台資訊' });
    for (const name of ['服務說明', '安裝說明', '常見問題']) {
      await navigate(page, name, () => tabs.getByRole('link', { name }).click());
      expect(await page.locator('h1').first().innerText()).toContain(name);
    }
    expect(await page.locator('main').innerText()).toContain('此憑證尚未分配權限');
    const menu = page.getByRole('complementary', { name: '平台功能' });
    for (const name of ['相關連結', '聯絡我們']) {
      await navigate(page, name, () => menu.getByRole('link', { name, exact: true }).click());
      expect(await page.locator('h1').first().innerText()).toContain(name);
    }
    await navigate(page, '服務說明 (again)', () => tabs.getByRole('link', { name: '服務說明' }).click());
    const csvHref = await page.locator('a[href$="/fields.csv"]').first().getAttribute('href');
    expect(csvHref).toMatch(/^\/cloud\/services\/.+\/fields\.csv$/);

    // 跳至第 N 頁, a form that works without script.
    await navigate(page, '最新公告 (again)', () => tabs.getByRole('link', { name: '最新公告' }).click());
    const pager = page.getByRole('navigation', { name: '分頁' });
    await pager.getByLabel('跳至第').fill('2');
    await navigate(page, '最新公告 第 2 頁', () => pager.getByRole('button', { name: '前往' }).click());
    expect(pathOf(page)).toBe('/cloud?page=2');
    expect(await page.getByRole('navigation', { name: '分頁' }).innerText()).toContain('目前第 2 頁');

    // Applying needs the agency card: the visitor is sent to the card login.
    await page.goto(`${b.baseURL}/cloud/apply`);
    expect(pathOf(page)).toBe(`/login/certificate?returnTo=${encodeURIComponent('/cloud/apply')}`);
  }, 300_000);
});

describe('應用系統管理 → 應用系統', () => {
  it('an administrator adds a system for one agency (a javascript: link refused first); a civil servant of that agency sees and pins it', async () => {
    const code = `E${process.pid % 100000}`;
    const admin = await makeAccount(b.db, { roles: ['portal_admin'], agencyCode: '376470000A' });
    const servant = await makeAccount(b.db, { agencyCode: 'A096C0000Q' });
    const page = await b.newPage();
    await signIn(page, admin.login);
    await visit(page, '/admin/apps', '應用系統管理');
    expect(await page.locator('main table').innerText()).toContain('事求人機關徵才系統');
    await navigate(page, '新增應用系統', () => page.getByRole('link', { name: '新增應用系統' }).click());
    await page.locator('#code').fill(code);
    await page.locator('#name').fill('線上測驗系統');
    await page.locator('#category').selectOption('D');
    await page.locator('#url').fill('javascript:alert(1)');
    await page.locator('#agencies').fill('A096C0000Q');
    await navigate(page, '新增應用系統 (errors)', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.locator('.error-summary li').allTextContents()).toEqual(['連結網址須以 http://、https:// 或 / 開頭']);
    expect(await page.locator('#name').inputValue()).toBe('線上測驗系統');
    await page.locator('#url').fill('https://quiz.example.gov.tw/');
    await navigate(page, '應用系統管理 (added)', () => page.getByRole('button', { name: '儲存' }).click());
    expect(pathOf(page)).toBe('/admin/apps');
    expect(await page.getByRole('status').innerText()).toBe(`應用系統 ${code} 已新增。`);
    expect(await page.locator('tr', { hasText: code }).innerText()).toContain('A096C0000Q');

    const other = await b.newPage();
    await signIn(other, servant.login);
    await visit(other, '/my/apps', '應用系統 (civil servant)');
    const d = other.locator('details', { hasText: 'D. 其他人事總處業務' });
    const item = d.locator('li').filter({ hasText: '線上測驗系統' });
    expect(await item.innerText()).toContain(`${code}: 線上測驗系統`);
    expect(await item.getByRole('link', { name: '連結 線上測驗系統' }).getAttribute('href')).toBe(`/my/apps/${code}/open`);
    await navigate(other, '應用系統 (pinned)', () => item.getByRole('button', { name: '設為常用 線上測驗系統' }).click());
    expect(await other.getByRole('region', { name: '常用應用系統' }).innerText()).toContain(`${code}: 線上測驗系統`);
    // The manuals' entries are there as they show them.
    expect(await d.innerText()).toContain('DK: 職缺應徵');
    expect(await d.innerText()).not.toContain('DD: 事求人機關徵才系統');
    expect(await other.locator('details', { hasText: 'B. 人事資料服務' }).innerText()).toContain('公務人員個人資料服務網(MyData)');

    // The administrator (another agency) does not see it in their own 應用系統.
    await visit(page, '/my/apps', '應用系統 (administrator)');
    expect(await page.locator('main').innerText()).not.toContain('線上測驗系統');
  }, 300_000);
});

describe('事求人: 送出 publishes at once; a reviewer takes it down', () => {
  it('an agency publishes a vacancy at once, the public reads it, a reviewer takes it down with a reason and the agency is mailed', async () => {
    const keyword = `即時刊登${process.pid % 1000}`;
    const agency = await b.newPage();
    await cardSignInPage(agency, b, 'agency-dgpa', { returnTo: '/jobs/manage' });
    await visit(agency, '/jobs/manage/new', '新增徵才資料');
    await agency.locator('#agencyAddress').fill('臺北市中正區濟南路1段2之2號');
    await agency.locator('#fillerName').fill('陳志明');
    await agency.locator('#fillerEmail').fill('jobs@dgpa.gov.tw');
    await agency.locator('#personKind').selectOption('1');
    await agency.locator('#rankFrom').selectOption('6');
    await agency.locator('#rankTo').selectOption('7');
    await agency.locator('#titleCode-pick').fill('科員');
    await agency.locator('#seriesCode').selectOption('1401');
    await agency.locator('#numberOf').fill('1');
    await agency.getByLabel('10-臺北市').check();
    await agency.locator('#dateFrom').fill(rocShort(taipeiToday()));
    await agency.locator('#dateTo').fill(rocShort(addDays(taipeiToday(), 30)));
    await agency.locator('#workQuality').fill(`具${keyword}相關經驗。`);
    await agency.locator('#workItem').fill('辦理人事資訊業務。');
    await agency.locator('#workAddress').fill('臺北市中正區濟南路1段2之2號');
    await agency.locator('#contactMethod').fill('請寄履歷至 jobs@dgpa.gov.tw');
    await navigate(agency, '機關徵才登錄 (published)', () => agency.getByRole('button', { name: '送出' }).click());
    expect(pathOf(agency)).toBe('/jobs/manage');
    const row = await b.db('jobs_vacancy').where('work_quality', 'like', `%${keyword}%`).first();
    expect(row.status).toBe('approved');
    expect(await agency.getByRole('status').innerText()).toContain(`職缺編號 ${row.work_id}，已完成刊登`);

    const visitor = await b.newPage();
    await visit(visitor, `/jobs/view?work_id=${row.work_id}`, '職缺內容 (published at once)');
    await visitor.getByText(keyword).first().waitFor();

    const reviewer = await b.newPage();
    await signIn(reviewer, 'jobs.reviewer');
    await visit(reviewer, '/jobs/review', '職缺審核');
    await reviewer.locator('#workId').fill(String(row.work_id));
    await navigate(reviewer, '職缺審核 (found)', () => reviewer.locator('main form[action="/jobs/review"]').getByRole('button', { name: '查詢' }).click());
    await navigate(reviewer, '下架', () => reviewer.getByRole('link', { name: `下架 ${row.work_id}` }).click());
    reviewer.on('dialog', (dlg) => void dlg.accept());
    await navigate(reviewer, '下架 (no reason)', () => reviewer.getByRole('button', { name: '下架' }).click());
    expect(await reviewer.locator('.error-summary li').allTextContents()).toEqual(['請輸入下架理由']);
    await reviewer.locator('#reason').fill('工作內容與職稱不符');
    await navigate(reviewer, '職缺審核 (taken down)', () => reviewer.getByRole('button', { name: '下架' }).click());
    expect(pathOf(reviewer)).toBe('/jobs/review');
    expect(await reviewer.getByRole('status').innerText()).toBe(`職缺編號 ${row.work_id} 已下架，已通知刊登機關。`);

    const gone = await visitor.goto(`${b.baseURL}/jobs/view?work_id=${row.work_id}`);
    expect(gone?.status()).toBe(404);
    await visit(agency, `/jobs/manage?workId=${row.work_id}`, '機關徵才登錄 (taken down)');
    expect(await agency.locator('main table').innerText()).toContain('已下架');
    const mail = await b.db('mail_outbox').where({ to_address: 'jobs@dgpa.gov.tw' }).orderBy('id', 'desc').first();
    expect(mail.subject).toBe(`【事求人機關徵才系統】職缺編號 ${row.work_id} 已下架`);
    expect(mail.body_text).toContain('下架理由：工作內容與職稱不符');
  }, 400_000);
});
