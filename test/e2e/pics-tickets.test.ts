import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../support/app';
import { checkA11y, navigate, pathOf, signInOnPics, startBrowserApp, visit, type BrowserApp } from '../support/browser';

let b: BrowserApp;
let dir: string;
beforeAll(async () => {
  b = await startBrowserApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pics-e2e-'));
});
afterAll(async () => {
  await b?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
function tempFile(name: string, data: Buffer | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}


describe('PICS: file a ticket, find it, the agent replies, the asker reads the reply', () => {
  it('works end to end with attachments both ways and the mails', async () => {
    const asker = await makeAccount(b.db);
    const page = await b.newPage();
    await signInOnPics(page, asker.login);
    expect(await page.getByRole('region', { name: '文字客服' }).getByRole('link', { name: '進入文字客服' }).getAttribute('href')).toBe('/pics/chat');

    // 掛號室 > 線上掛號: first an empty submit, then the real one.
    await navigate(page, '線上掛號', () => page.getByRole('navigation', { name: 'PICS 功能選單' }).getByRole('link', { name: '掛號室：線上掛號' }).click());
    expect(pathOf(page)).toBe('/pics/tickets/new');
    expect(await page.getByLabel('Email').inputValue()).toBe(asker.email);
    await navigate(page, '線上掛號（未填寫）', () => page.getByRole('button', { name: '送出' }).click());
    expect(await page.title()).toMatch(/^錯誤：/);
    const summary = page.locator('.error-summary');
    expect(await summary.innerText()).toContain('請輸入問題主旨');
    expect(await summary.innerText()).toContain('請輸入問題說明');

    await page.getByLabel('辦公室電話').fill('02-2397-9108 #301');
    await page.getByLabel('建議').check();
    await page.getByLabel('系統類別').selectOption('B7');
    await page.getByLabel('問題主旨').fill('MyData 履歷表下載失敗');
    await page.getByLabel('問題說明').fill('點選履歷表下載後出現錯誤訊息。\n請協助處理。');
    await page.getByLabel('選擇檔案').setInputFiles([tempFile('錯誤畫面.png', PNG), tempFile('說明.txt', '操作步驟：登入後點選履歷表下載')]);
    await navigate(page, '線上掛號送出成功', () => page.getByRole('button', { name: '送出' }).click());
    expect(pathOf(page)).toMatch(/^\/pics\/tickets\/\d{6}M\d{5}\/filed$/);
    const receiptNo = (await page.locator('.receipt-no').innerText()).trim();
    expect(receiptNo).toMatch(/^\d{6}M\d{5}$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('送出成功');

    // 掛號室 > 掛號查詢 by receipt number.
    await navigate(page, '掛號查詢', () => page.getByRole('navigation', { name: 'PICS 功能選單' }).getByRole('link', { name: '掛號室：掛號查詢' }).click());
    await page.getByLabel('收件序號').fill(receiptNo);
    await navigate(page, '掛號查詢結果', () => page.locator('main').getByRole('button', { name: '查詢', exact: true }).click());
    const row = page.locator('main table tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain('未結案');
    await navigate(page, '掛號案件（未回覆）', () => row.getByRole('link', { name: `檢視 ${receiptNo}` }).click());
    expect(await page.locator('main').innerText()).toContain('客服人員尚未回覆');

    // The agent finds it in the queue, notes, replies with a file.
    const agentAccount = await makeAccount(b.db, { roles: ['cs_agent'], agencyCode: '376470000A' });
    const desk = await b.newPage();
    await signInOnPics(desk, agentAccount.login);
    await navigate(desk, '客服工作台', () => desk.getByRole('navigation', { name: 'PICS 功能選單' }).getByRole('link', { name: '客服工作台' }).click());
    await desk.getByLabel('來源').selectOption('M');
    await desk.getByLabel('系統類別').selectOption('B7');
    await navigate(desk, '客服工作台（篩選）', () => desk.getByRole('button', { name: '篩選' }).click());
    await navigate(desk, '案件處理', () => desk.getByRole('link', { name: receiptNo }).click());
    expect(await desk.locator('main').innerText()).toContain('錯誤畫面.png');
    await navigate(desk, '案件處理（已承辦）', () => desk.getByRole('button', { name: '我來承辦' }).click());
    await desk.getByRole('textbox', { name: '內部註記' }).fill('內部：請廠商確認 MyData 服務');
    await navigate(desk, '案件處理（註記）', () => desk.getByRole('button', { name: '新增註記' }).click());
    await desk.getByRole('textbox', { name: '回覆內容' }).fill('已修正下載功能，請再試一次。');
    await desk.getByLabel('回覆附件').setInputFiles([tempFile('修正說明.pdf', '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')]);
    await navigate(desk, '案件處理（已回覆）', () => desk.getByRole('button', { name: '送出回覆' }).click());
    expect(await desk.getByRole('status').innerText()).toBe('已回覆並以 Email 通知提問者。');
    const history = await desk.getByRole('region', { name: '處理歷程' }).innerText();
    expect(history).toContain('內部：請廠商確認 MyData 服務');
    expect(history).toContain('修正說明.pdf');

    // The asker got a mail and sees the reply and its file, never the note.
    const mail = await b.db('mail_outbox').where({ to_address: asker.email }).orderBy('id', 'desc').first();
    expect(mail.subject).toBe(`[PICS] 您的掛號案件 ${receiptNo} 已有回覆`);
    await page.reload();
    await checkA11y(page, '掛號案件（已回覆）');
    const main = await page.locator('main').innerText();
    expect(main).toContain('已修正下載功能，請再試一次。');
    expect(main).toContain('回覆附件');
    expect(main).not.toContain('請廠商確認');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: '修正說明.pdf' }).click();
    expect((await download).suggestedFilename()).toBe('修正說明.pdf');

    // The agent closes; the asker sees 已結案.
    await desk.getByRole('textbox', { name: '處理結果' }).fill('已修正，結案。');
    await navigate(desk, '案件處理（已結案）', () => desk.getByRole('button', { name: '結案', exact: true }).click());
    await page.reload();
    expect(await page.locator('.pics-summary').innerText()).toContain('已結案');
    const closed = await b.db('mail_outbox').where({ to_address: asker.email }).orderBy('id', 'desc').first();
    expect(closed.subject).toBe(`[PICS] 您的掛號案件 ${receiptNo} 已結案`);
  }, 240_000);
});

describe('PICS pages an agent and a visitor see', () => {
  it('passes axe on the home, search, FAQ, downloads, announcements and every desk page', async () => {
    const visitor = await b.newPage();
    await visit(visitor, '/pics/faq', '常見問題');
    await visit(visitor, '/pics/downloads', '檔案下載');
    await visit(visitor, '/pics/announcements', '公告事項');
    await navigate(visitor, '公告', () => visitor.locator('main table a').first().click());
    await visit(visitor, '/pics/search?q=%E5%AF%86%E7%A2%BC', '站內搜尋');
    expect(await visitor.locator('main').innerText()).toContain('忘記人事服務網密碼怎麼辦？');
    await visit(visitor, '/pics/search?q=', '站內搜尋（空白）');

    const lead = await makeAccount(b.db, { roles: ['cs_agent', 'cs_supervisor'], agencyCode: '376470000A' });
    const page = await b.newPage();
    await signInOnPics(page, lead.login);
    await visit(page, '/pics/desk/dashboard', '統計儀表板');
    expect(await page.locator('main svg[role="img"]').count()).toBe(3);
    await visit(page, '/pics/desk/overdue', '逾期案件');
    await visit(page, '/pics/desk/calendar?year=2026', '辦公日曆');

    // A hotline ticket for a caller.
    const caller = await makeAccount(b.db);
    await visit(page, '/pics/desk/hotline', '客服專線登錄');
    await page.getByLabel('來電者身分證統一編號').fill(caller.nationalId);
    await navigate(page, '客服專線登錄（來電者）', () => page.getByRole('button', { name: '查詢來電者' }).click());
    expect(await page.getByLabel('Email').inputValue()).toBe(caller.email);
    await page.getByLabel('辦公室電話').fill('02-23979108');
    await page.getByLabel('問題主旨').fill('來電：帳號被鎖定');
    await page.getByLabel('問題說明').fill('來電者表示帳號被鎖定');
    await navigate(page, '案件處理（客服專線）', () => page.getByRole('button', { name: '登錄', exact: true }).click());
    expect(await page.getByRole('status').innerText()).toMatch(/已登錄客服專線案件，收件序號 \d{6}H\d{5}。/);
    expect(await page.locator('main').getByRole('heading', { name: '分派' }).count()).toBe(1);
  }, 240_000);
});
