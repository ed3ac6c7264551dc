import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../support/app';
import { checkA11y, navigate, pathOf, visit, signIn } from '../support/browser';
import { developmentMail } from '../support/smtp';
import { cardSignInPage, startCardBrowserApp, type CardBrowserApp } from '../support/cardBrowser';
import { rocShort, taipeiToday } from '../../src/platform/dates';
import { importFeed } from '../../src/jobs/opendata/importer';
import { parseFeed, XML_TAIL, xmlHead } from '../../src/jobs/opendata/format';

let b: CardBrowserApp;
beforeAll(async () => {
  b = await startCardBrowserApp();
}, 120_000);
afterAll(async () => {
  await b?.close();
});

const addDays = (iso: string, n: number) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);

describe('事求人: card login → post → review → public search → apply → the agency reads the resume', () => {
  it('runs the whole journey with axe-core on every page', async () => {
    const keyword = `檔案典藏${process.pid % 1000}`;
    // An agency signs in with its agency card and posts a vacancy.
    const agency = await b.newPage();
    await cardSignInPage(agency, b, 'agency-ntunhs', { returnTo: '/jobs/manage' });
    await visit(agency, '/jobs/manage', '機關徵才登錄');
    await navigate(agency, '新增', () => agency.getByRole('link', { name: '新增' }).click());
    expect(pathOf(agency)).toBe('/jobs/manage/new');
    await agency.getByText('注意事項：').waitFor();
    // Sending it without the required fields shows the messages on the same form.
    await agency.locator('#agencyAddress').fill('');
    await navigate(agency, '新增 (errors)', () => agency.getByRole('button', { name: '送出' }).click());
    expect(await agency.locator('.error-summary li').allTextContents()).toEqual(expect.arrayContaining(['請輸入機關地址', '請選擇人員區分', '請選擇職稱', '請勾選工作地', '請輸入資格條件']));
    await agency.locator('#agencyAddress').fill('臺北市北投區明德路365號');
    await agency.locator('#fillerName').fill('林淑芬');
    await agency.locator('#personKind').selectOption('1');
    await agency.locator('#rankFrom').selectOption('6');
    await agency.locator('#rankTo').selectOption('7');
    await agency.locator('#titleCode-pick').fill('科員');
    expect(await agency.locator('#titleCode').inputValue()).toBe('T04');
    await agency.locator('#seriesCode').selectOption('1401');
    await agency.locator('#numberOf').fill('1');
    await agency.getByLabel('10-臺北市').check();
    await agency.locator('#dateFrom').fill(rocShort(taipeiToday()));
    await agency.locator('#dateTo').fill(rocShort(addDays(taipeiToday(), 30)));
    await agency.locator('#workQuality').fill(`具圖書資料管理職系任用資格，熟悉${keyword}實務。`);
    await agency.locator('#workItem').fill('辦理圖書館館藏管理。');
    await agency.locator('#workAddress').fill('臺北市北投區明德路365號');
    await agency.locator('#contactMethod').fill('請寄履歷至 hr@ntunhs.edu.tw');
    await agency.getByLabel('調閱現職應徵者履歷須經其同意').check();
    await agency.locator('#files').setInputFiles({ name: '簡章.txt', mimeType: 'text/plain', buffer: Buffer.from('徵才簡章\n') });
    await navigate(agency, '機關徵才登錄 (sent)', () => agency.getByRole('button', { name: '送出' }).click());
    expect(pathOf(agency)).toBe('/jobs/manage');
    const row = await b.db('jobs_vacancy').where('work_quality', 'like', `%${keyword}%`).first();
    await agency.getByText(`編號 ${row.work_id}`, { exact: true }).waitFor();
    expect(await agency.locator('tr', { hasText: `編號 ${row.work_id}` }).getByText('審核中').count()).toBe(1);
    await navigate(agency, '預覽', () => agency.getByRole('link', { name: `預覽 ${row.work_id}` }).click());
    await visit(agency, '/jobs/manage?history=1', '歷史職缺');

    // The reviewer approves it.
    const reviewer = await b.newPage();
    await signIn(reviewer, 'jobs.reviewer');
    await visit(reviewer, '/jobs/review', '職缺審核');
    await navigate(reviewer, '職缺審核 (one)', () => reviewer.getByRole('link', { name: `審核 ${row.work_id}` }).click());
    await reviewer.getByLabel('審核通過').check();
    await navigate(reviewer, '職缺審核 (done)', () => reviewer.getByRole('button', { name: '送出' }).click());
    expect(pathOf(reviewer)).toBe('/jobs/review');
    await visit(reviewer, '/jobs/dashboard', '職缺統計');
    expect(await reviewer.locator('svg').count()).toBeGreaterThanOrEqual(2);

    // It appears in the public search (a two-character word and two filters).
    const visitor = await b.newPage();
    await visit(visitor, '/jobs', '查詢職缺資料');
    await visitor.locator('#q').fill(keyword.slice(0, 2) + ' ' + keyword);
    await visitor.locator('#county').selectOption('10');
    await visitor.locator('#grade').selectOption('薦任');
    await navigate(visitor, '查詢結果', () => visitor.locator('form.jobs-search').getByRole('button', { name: '查詢' }).click());
    await navigate(visitor, '職缺內容', () => visitor.locator(`a[href="/jobs/view?work_id=${row.work_id}"]`).click());
    await visitor.getByText(keyword).first().waitFor();

    // A civil servant applies with a resume from their 現職資料.
    const a = await makeAccount(b.db, { agencyCode: '301000000A' });
    const servant = await b.newPage();
    await signIn(servant, a.login);
    await visit(servant, `/jobs/view?work_id=${row.work_id}`, '職缺內容 (signed in)');
    await navigate(servant, '應徵', () => servant.getByRole('link', { name: '我要應徵' }).click());
    await servant.getByLabel(/自述/).fill('具五年圖書館實務經驗。');
    await servant.locator('#files').setInputFiles({ name: '履歷.txt', mimeType: 'text/plain', buffer: Buffer.from('我的履歷\n') });
    await navigate(servant, '應徵 (missing agreement)', () => servant.getByRole('button', { name: '送出應徵' }).click());
    expect(await servant.locator('.error-summary li').allTextContents()).toEqual(['請確認履歷內容正確並同意送出', '附件尚未儲存，請重新選擇檔案。']);
    expect(await servant.getByLabel(/自述/).inputValue()).toBe('具五年圖書館實務經驗。');
    await servant.getByLabel(/我已確認履歷內容正確/).check();
    await servant.locator('#files').setInputFiles({ name: '履歷.txt', mimeType: 'text/plain', buffer: Buffer.from('我的履歷\n') });
    await navigate(servant, '我的應徵紀錄', () => servant.getByRole('button', { name: '送出應徵' }).click());
    expect(pathOf(servant)).toBe('/jobs/my/applications');

    // The vacancy needs consent: the agency sees no resume until the applicant consents.
    await visit(agency, `/jobs/manage/${row.id}/applicants`, '調閱履歷 (before consent)');
    await agency.getByText('應徵者尚未同意調閱').waitFor();
    expect(await agency.getByRole('link', { name: '檢視履歷' }).count()).toBe(0);
    await navigate(servant, '我的應徵紀錄 (consented)', () => servant.getByRole('button', { name: `同意調閱 職缺 ${row.work_id} 的履歷` }).click());
    await visit(agency, `/jobs/manage/${row.id}/applicants`, '調閱履歷');
    await navigate(agency, '履歷', () => agency.getByRole('link', { name: '檢視履歷' }).click());
    await agency.getByText('具五年圖書館實務經驗。').waitFor();
    await agency.getByText('內政部').first().waitFor();
    await agency.getByRole('link', { name: '履歷.txt' }).waitFor();
  }, 400_000);
});

describe('事求人: an account-password session cannot post', () => {
  it('is told the card rule and offered card login', async () => {
    const page = await b.newPage();
    await signIn(page, 'hr.moi');
    await visit(page, '/jobs/manage', '機關徵才登錄 (password session)');
    await page.getByText('自102年1月15日起本系統僅得以自然人憑證或機關憑證方式登錄職缺資料').waitFor();
    await navigate(page, '憑證登入', () => page.getByRole('link', { name: '以憑證登入' }).click());
    expect(pathOf(page)).toBe('/login/certificate?returnTo=%2Fjobs%2Fmanage');
  });
});

describe('事求人: e-newsletter', () => {
  it('subscribes with an email confirmation and receives the digest', async () => {
    const email = `e2e-sub-${process.pid}@example.com`;
    const page = await b.newPage();
    await visit(page, '/jobs/subscribe', '電子報訂閱');
    await page.getByLabel('電子郵件').fill('wrong');
    await navigate(page, '電子報訂閱 (error)', () => page.getByRole('button', { name: '訂閱' }).click());
    expect(await page.locator('.error-summary li').allTextContents()).toEqual(['電子郵件格式錯誤，例如 name@example.gov.tw']);
    await page.getByLabel('電子郵件').fill(email);
    await page.getByLabel('工作地').selectOption('98');
    await navigate(page, '電子報訂閱 (sent)', () => page.getByRole('button', { name: '訂閱' }).click());
    const mail = await developmentMail(b, email, '訂閱確認');
    const link = /\/jobs\/subscribe\/confirm\?token=[\w.-]+/.exec(mail.text)![0];
    await visit(page, link, '電子報訂閱 (confirmed)');
    await page.getByText('訂閱完成').waitFor();

    // A new vacancy in 連江縣 is approved; tomorrow's 07:00 digest lists it.
    const agency = (await b.db('agency').where({ code: 'A096C0000Q' }).first()) as { id: number; address: string };
    const [v] = await b.db('jobs_vacancy')
      .insert({
        work_id: b.db.raw("document_counter_next('jobs.vacancy')"), agency_id: agency.id, org_id: 'A096C0000Q', org_name: '國立臺北護理健康大學', agency_address: agency.address,
        filler_name: '林淑芬', filler_phone: '02-28227101', person_kind: '1', title: '科員', work_places: ['98'], date_from: taipeiToday(), date_to: addDays(taipeiToday(), 20),
        work_quality: '馬祖', work_item: '馬祖', work_address: '連江縣', contact_method: '電洽', status: 'approved', approved_at: new Date(),
      })
      .returning('work_id');
    await b.services.scheduler.tick(new Date(`${addDays(taipeiToday(), 1)}T07:05:00+08:00`));
    const digest = await developmentMail(b, email, '職缺電子報');
    expect(digest.text).toContain(`work_id=${v.work_id}`);
    const cancel = /\/jobs\/unsubscribe\/confirm\?token=[\w.-]+/.exec(digest.text)![0];
    await visit(page, '/jobs/unsubscribe', '電子報取消');
    await visit(page, cancel, '電子報取消 (done)');
    await page.getByText('已取消訂閱電子報').waitFor();
  }, 200_000);
});

describe('事求人: open data and the importer', () => {
  it('XML, JSON and CSV agree; import → export → import gives the same vacancies', async () => {
    const page = await b.newPage();
    await visit(page, '/jobs/opendata', '職缺Open Data');
    await visit(page, '/jobs/sop', '求職SOP');
    const pdf = await page.request.get('/jobs/resume-form.pdf');
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const first = await importFeed(b.db, fs.readFileSync(path.join(import.meta.dirname, '../fixtures/jobs/legacy-sample.xml'), 'utf8'));
    expect(first.inserted + first.updated + first.unchanged).toBe(4);
    const xml = await (await page.request.get('/jobs/opendata/vacancies.xml')).text();
    const json = await (await page.request.get('/jobs/opendata/vacancies.json')).json();
    const csv = (await (await page.request.get('/jobs/opendata/vacancies.csv')).text()).replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    const rows = parseFeed(xml).rows;
    const ids = rows.map((r) => Number(/work_id=(\d+)/.exec(r.fields.get('VIEW_URL')!)![1]));
    expect(json.vacancies.map((v: { workId: number }) => v.workId)).toEqual(ids);
    expect(csv.map((l) => Number(l.split(',')[0]))).toEqual(ids);
    const mine = [...xml.matchAll(/<ROW>[\s\S]*?<\/ROW>/g)].map((m) => m[0]).filter((r) => /work_id=91000\d\d</.test(r));
    expect(mine.length).toBe(4);
    const again = await importFeed(b.db, xmlHead(new Date()) + mine.join('\n') + '\n' + XML_TAIL);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 4, errors: [] });
    const xml2 = await (await page.request.get('/jobs/opendata/vacancies.xml')).text();
    expect([...xml2.matchAll(/<ROW>[\s\S]*?<\/ROW>/g)].map((m) => m[0]).filter((r) => /work_id=91000\d\d</.test(r))).toEqual(mine);
    await checkA11y(page, '職缺Open Data (after)');
  }, 200_000);
});
