import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkA11y, navigate, pathOf, signInOnPics, startBrowserApp, visit, type BrowserApp } from '../support/browser';

let b: BrowserApp;
let dir: string;
beforeAll(async () => {
  b = await startBrowserApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-e2e-upload-'));
});
afterAll(async () => {
  await b?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A text file of `bytes` bytes (a 線上掛號 accepts plain text up to 4 MB). */
function textFile(name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.alloc(bytes, 'a'));
  return file;
}

async function fillTicket(page: Page, subject: string, file: string) {
  await page.getByLabel('系統類別').selectOption('B7');
  await page.getByLabel('問題主旨').fill(subject);
  await page.getByLabel('問題說明').fill('附上錯誤紀錄檔。');
  await page.getByLabel('選擇檔案').setInputFiles([file]);
}

describe('the pages every government site has', () => {
  it('無障礙聲明, 隱私權及資訊安全政策 and 政府網站資料開放宣告 are linked from the footer of every layout and pass axe', async () => {
    const page = await b.newPage();
    for (const start of ['/', '/pics', '/jobs', '/pics/faq']) {
      await visit(page, start, start);
      const footer = page.locator('footer.site-footer');
      for (const name of ['無障礙聲明', '隱私權及資訊安全政策', '政府網站資料開放宣告']) expect(await footer.getByRole('link', { name }).count()).toBe(1);
    }
    const footer = page.locator('footer.site-footer');
    await navigate(page, '無障礙聲明', () => footer.getByRole('link', { name: '無障礙聲明' }).click());
    expect(pathOf(page)).toBe('/accessibility');
    const main = await page.locator('main').innerText();
    expect(main).toContain('AA 等級');
    expect(main).toContain('問題反映');
    expect(main).toContain('02-23979108');
    await navigate(page, '隱私權及資訊安全政策', () => footer.getByRole('link', { name: '隱私權及資訊安全政策' }).click());
    expect(pathOf(page)).toBe('/privacy');
    expect(await page.getByRole('heading', { level: 2, name: '二、資訊安全政策' }).count()).toBe(1);
    await navigate(page, '政府網站資料開放宣告', () => footer.getByRole('link', { name: '政府網站資料開放宣告' }).click());
    expect(pathOf(page)).toBe('/open-data');
    expect(await page.locator('main').innerText()).toContain('政府資料開放授權條款');
  });

  it('prints a page without navigation or backgrounds, with the address after each link', async () => {
    const page = await b.newPage();
    await visit(page, '/jobs', '事求人');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.site-header').isVisible()).toBe(false);
    expect(await page.locator('.jobs-nav').isVisible()).toBe(false);
    expect(await page.locator('.skip-link').isVisible()).toBe(false);
    const body = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(['rgba(0, 0, 0, 0)', 'transparent']).toContain(body);
    const link = page.locator('main a[href^="/"]').first();
    const href = await link.getAttribute('href');
    type Styles = { getComputedStyle: (e: unknown, pseudo: string) => { content: string } };
    const after = await link.evaluate((a) => (globalThis as unknown as Styles).getComputedStyle(a, '::after').content);
    expect(after).toContain(href!);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('header.site-header').isVisible()).toBe(true);
  });
});

describe('upload progress on file forms', () => {
  it('shows the bytes sent in a <progress> bar while a 線上掛號 with a 3 MB file posts, then the filed page', async () => {
    const page = await b.newPage();
    await signInOnPics(page, 'wang.xiaoming');
    await visit(page, '/pics/tickets/new', '線上掛號');
    const seen: { percent: number; bar: boolean }[] = [];
    await page.exposeFunction('reportUploadProgress', (p: { percent: number; bar: boolean }) => seen.push(p));
    // The page's own script dispatches upload-progress on the form; the bar must show the same value.
    await page.evaluate(`{
      const form = document.querySelector('form[enctype="multipart/form-data"]');
      form.addEventListener('upload-progress', (e) => {
        const bar = form.querySelector('.upload-progress progress');
        window.reportUploadProgress({ percent: e.detail.percent, bar: !!bar && bar.value === e.detail.percent });
      });
    }`);
    await fillTicket(page, '上傳進度測試', textFile('log.txt', 3 * 1024 * 1024));
    const filed = page.waitForURL(/\/pics\/tickets\/\w+\/filed$/);
    await page.getByRole('button', { name: '送出' }).click();
    await filed;
    await page.waitForLoadState('load');
    await checkA11y(page, '線上掛號完成（進度列）');
    expect(await page.locator('main').innerText()).toContain('收件序號');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.bar)).toBe(true);
    expect(seen[seen.length - 1]!.percent).toBe(100);
    const ticket = await b.db('pics_ticket').where({ subject: '上傳進度測試' }).first('id');
    expect(Number((await b.db('pics_attachment').where({ ticket_id: ticket.id }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(1);
  }, 240_000);

  it('a form with an error comes back as the page with its messages, at the form address', async () => {
    const page = await b.newPage();
    await signInOnPics(page, 'wang.xiaoming');
    await visit(page, '/pics/tickets/new', '線上掛號');
    await fillTicket(page, '', textFile('empty-subject.txt', 1024));
    // A real navigation (its load event) to the form's own page, which shows the refused form.
    await navigate(page, '線上掛號（有誤，進度列）', () => page.getByRole('button', { name: '送出' }).click());
    expect(pathOf(page)).toMatch(/^\/pics\/tickets\/new\?r=[A-Za-z0-9_-]{22}$/);
    expect(await page.title()).toMatch(/^錯誤：/);
    expect(await page.locator('.error-summary').innerText()).toContain('問題主旨');
    expect(await page.locator('.error-summary').innerText()).toContain('附件尚未儲存，請重新選擇檔案。');
    expect(await page.getByLabel('問題說明').inputValue()).toBe('附上錯誤紀錄檔。');
  }, 240_000);

  it('without JavaScript the same form posts as usual', async () => {
    const page = await b.newPage({ javaScriptEnabled: false });
    await signInOnPics(page, 'wang.xiaoming');
    await visit(page, '/pics/tickets/new', '線上掛號（無 JavaScript）');
    await fillTicket(page, '無 JavaScript 上傳', textFile('nojs.txt', 512 * 1024));
    await navigate(page, '線上掛號完成（無 JavaScript）', () => page.getByRole('button', { name: '送出' }).click());
    expect(pathOf(page)).toMatch(/^\/pics\/tickets\/\w+\/filed$/);
    expect(await page.locator('.upload-progress').count()).toBe(0);
    expect(await b.db('pics_ticket').where({ subject: '無 JavaScript 上傳' }).first('id')).toBeTruthy();
  }, 240_000);
});
