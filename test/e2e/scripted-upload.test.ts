import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeAccount, PASSWORD, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { navigate, pathOf, signInOnPics, startBrowserApp, visit, type BrowserApp } from '../support/browser';
import { encode, vacancyForm } from '../routes/jobs-helpers';

// File forms with and without JavaScript. With it, public/js/upload-progress.js posts the form
// (a progress bar) and every answer is a real navigation: a refused form lands on its own page
// (?r=<id>) with the messages and the values typed, a success on the next page; back and
// forward move between them. Without it the same forms post as the browser does. axe-core
// scans every page reached (navigate/visit).
let b: BrowserApp;
let agency: Awaited<ReturnType<typeof cardSignIn>>;
let reviewer: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  b = await startBrowserApp();
  const a = await b.db('agency').where({ code: 'A096C0000Q' }).first('id');
  await b.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  agency = await cardSignIn(b.app, 'agency-ntunhs');
  reviewer = await signIn(b.app, 'jobs.reviewer');
}, 120_000);
afterAll(async () => {
  await b?.close();
});

const FILE = { name: '說明.txt', mimeType: 'text/plain', buffer: Buffer.from('附件內容\n') };
const NOT_KEPT = '附件尚未儲存，請重新選擇檔案。';
const modes = [
  { js: true, tag: 'script' },
  { js: false, tag: 'no JS' },
];

/** A page whose file-form posts are recorded, to tell the script's (its header) from the browser's. */
async function watchedPage(js: boolean): Promise<{ page: Page; scripted: string[]; plain: string[] }> {
  const page = await b.newPage({ javaScriptEnabled: js });
  const scripted: string[] = [];
  const plain: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'POST' || !(r.headers()['content-type'] ?? '').startsWith('multipart/form-data')) return;
    (r.headers()['x-upload-progress'] === '1' ? scripted : plain).push(new URL(r.url()).pathname);
  });
  return { page, scripted, plain };
}

/** Hands a supertest session (the agency card's) to the browser page. */
async function useSessionOf(page: Page, agent: { jar: { getCookies(a: object): { toValueString(): string } } }) {
  const pairs = agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
  const cookies = pairs.split(/;\s*/).filter(Boolean).map((p) => ({ name: p.split('=')[0]!, value: p.slice(p.indexOf('=') + 1), url: b.baseURL }));
  await page.context().addCookies(cookies);
}

async function expectPosts(w: { scripted: string[]; plain: string[] }, js: boolean, n: number) {
  expect(js ? w.scripted.length : w.plain.length).toBe(n);
  expect(js ? w.plain.length : w.scripted.length).toBe(0);
}

describe('事求人 應徵', () => {
  for (const { js, tag } of modes) {
    it(`refused, then sent (${tag})`, async () => {
      const marker = `上傳體驗職缺${process.pid}-${js ? 1 : 2}`;
      expect((await agency.agent.post('/jobs/manage/new').type('form').send(encode(vacancyForm({ workItem: marker }), agency.csrf))).status).toBe(303);
      const v = await b.db('jobs_vacancy').where({ work_item: marker }).first();
      expect((await reviewer.agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: reviewer.csrf, decision: 'approve', reason: '' })).status).toBe(303);
      const me = await makeAccount(b.db, { agencyCode: '301000000A' });
      const w = await watchedPage(js);
      const page = w.page;
      await visit(page, '/login', `帳號登入 (${tag})`);
      const login = page.locator('main form[action="/login"]');
      await login.getByLabel('帳號').fill(me.login);
      await login.getByLabel('密碼').fill(PASSWORD);
      await navigate(page, `登入 (${tag})`, () => login.getByRole('button', { name: '登入' }).click());
      const form = `/jobs/view/${v.work_id}/apply`;
      await visit(page, form, `應徵 (${tag})`);

      await page.getByLabel(/自述/).fill('腳本與否都保留的自述。');
      await page.locator('#files').setInputFiles(FILE);
      await navigate(page, `應徵 錯誤 (${tag})`, () => page.getByRole('button', { name: '送出應徵' }).click());
      await expectPosts(w, js, 1);
      if (js) expect(pathOf(page)).toMatch(new RegExp(`^${form}\\?r=[A-Za-z0-9_-]{22}$`));
      else expect(pathOf(page)).toMatch(new RegExp(`^${form}\\?_csrf=`));
      expect(await page.title()).toMatch(/^錯誤：/);
      expect(await page.locator('.error-summary li').allTextContents()).toEqual(['請確認履歷內容正確並同意送出', NOT_KEPT]);
      expect(await page.getByLabel(/自述/).inputValue()).toBe('腳本與否都保留的自述。');
      expect(await page.locator('#files').inputValue()).toBe('');

      if (js) {
        // The refused form is a page of the history: back to the form, forward to it again.
        const shown = pathOf(page);
        await navigate(page, `應徵 (back, ${tag})`, () => page.goBack());
        expect(pathOf(page)).toBe(form);
        await navigate(page, `應徵 錯誤 (forward, ${tag})`, () => page.goForward());
        expect(pathOf(page)).toBe(shown);
        expect(await page.locator('.error-summary li').allTextContents()).toEqual(['請確認履歷內容正確並同意送出', NOT_KEPT]);
      }

      await page.getByLabel(/我已確認履歷內容正確/).check();
      await page.locator('#files').setInputFiles(FILE);
      await navigate(page, `我的應徵紀錄 (${tag})`, () => page.getByRole('button', { name: '送出應徵' }).click());
      await expectPosts(w, js, 2);
      expect(pathOf(page)).toBe('/jobs/my/applications');
      expect(await page.getByRole('status').first().innerText()).toContain('已應徵「');
      const applied = await b.db('jobs_application').where({ vacancy_id: v.id }).first();
      expect(applied.attachment_original_name).toBe('說明.txt');
    }, 120_000);
  }
});

describe('雲端服務申請 步驟五', () => {
  for (const { js, tag } of modes) {
    it(`refused with its file kept, then 下一步 to 步驟六 (${tag})`, async () => {
      const post = (id: string, step: string, body: Record<string, string | string[]>) =>
        agency.agent.post(`/cloud/apply/${id}/${step}`).type('form').send({ _csrf: agency.csrf, action: 'next', ...body });
      const started = await agency.agent.post('/cloud/apply').type('form').send({ _csrf: agency.csrf, agree: 'yes' });
      const id = /\/cloud\/apply\/([0-9a-f-]{36})\/step1$/.exec(String(started.headers.location))![1]!;
      await post(id, 'step1', { contactName: '林小美', contactPhone: '02-28227101#2101', contactEmail: 'hr@ntunhs.edu.tw', periodFrom: '116/01/01', periodTo: '116/12/31', purpose: '人事資料比對', legalBasis: '公務人員任用法', specificPurpose: '人事管理（002）' });
      await post(id, 'step2', { systemName: '人事管理系統', os: 'Linux', language: 'TypeScript', databaseName: 'PostgreSQL', computerName: 'hr-app-01', ipAddresses: '192.168.10.21' });
      await post(id, 'step3', { userScopes: ['internal'] });
      expect((await post(id, 'step4', { kind: 'file' })).headers.location).toBe(`/cloud/apply/${id}/step5a`);

      const w = await watchedPage(js);
      const page = w.page;
      await useSessionOf(page, agency.agent as never);
      const step5 = `/cloud/apply/${id}/step5a`;
      await visit(page, step5, `步驟五 (${tag})`);
      await page.getByLabel('特殊條件說明').fill('以本機關現職人員為限。');
      await page.getByLabel('說明檔案').setInputFiles(FILE);
      await navigate(page, `步驟五 錯誤 (${tag})`, () => page.getByRole('button', { name: '下一步' }).click());
      await expectPosts(w, js, 1);
      expect(pathOf(page)).toMatch(js ? new RegExp(`^${step5}\\?r=`) : new RegExp(`^${step5}\\?_csrf=`));
      expect(await page.locator('.error-summary li').allTextContents()).toEqual(['請選擇申請之服務']);
      expect(await page.getByLabel('特殊條件說明').inputValue()).toBe('以本機關現職人員為限。');
      // A valid file stays with the draft: it need not be chosen again.
      expect(await page.locator('.field-static').first().innerText()).toBe('上傳之檔案：說明.txt');

      await page.getByLabel('選取 SQ_PA_001 機關編制資料').check();
      await page.getByLabel('說明檔案').setInputFiles({ ...FILE, name: '新說明.txt' });
      await navigate(page, `步驟六 (${tag})`, () => page.getByRole('button', { name: '下一步' }).click());
      await expectPosts(w, js, 2);
      expect(pathOf(page)).toBe(`/cloud/apply/${id}/step6`);
      expect(await page.locator('main').innerText()).toContain('新說明.txt');
    }, 120_000);
  }
});

describe('PICS 線上掛號', () => {
  for (const { js, tag } of modes) {
    it(`refused at its own page, then filed (${tag})`, async () => {
      const asker = await makeAccount(b.db);
      const w = await watchedPage(js);
      const page = w.page;
      await signInOnPics(page, asker.login);
      await visit(page, '/pics/tickets/new', `線上掛號 (${tag})`);
      await page.getByLabel('辦公室電話').fill('02-2397-9108');
      await page.getByLabel('問題主旨').fill('上傳表單測試主旨');
      await page.getByLabel('選擇檔案').setInputFiles(FILE);
      await navigate(page, `線上掛號 錯誤 (${tag})`, () => page.getByRole('button', { name: '送出' }).click());
      await expectPosts(w, js, 1);
      // With the script, the refused form is shown at the form's own address.
      expect(pathOf(page)).toMatch(js ? /^\/pics\/tickets\/new\?r=/ : /^\/pics\/tickets\?_csrf=/);
      const summary = await page.locator('.error-summary li').allTextContents();
      expect(summary).toContain('請輸入問題說明');
      expect(summary).toContain(NOT_KEPT);
      expect(await page.getByLabel('問題主旨').inputValue()).toBe('上傳表單測試主旨');

      await page.getByLabel('系統類別').selectOption('B7');
      await page.getByLabel('問題說明').fill('操作步驟如附件。');
      await page.getByLabel('選擇檔案').setInputFiles(FILE);
      await navigate(page, `線上掛號 送出成功 (${tag})`, () => page.getByRole('button', { name: '送出' }).click());
      await expectPosts(w, js, 2);
      expect(pathOf(page)).toMatch(/^\/pics\/tickets\/\d{6}M\d{5}\/filed$/);
    }, 120_000);
  }
});
