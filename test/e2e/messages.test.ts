import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navigate, pathOf, startBrowserApp, visit, type BrowserApp, signIn, egovColleague, unreadBadge } from '../support/browser';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

describe('網頁訊息: signature, contacts, a group, a message with an attachment, the unread count; an agency notice', () => {
  it('works end to end', async () => {
    const sender = await egovColleague(b.db);
    const m1 = await egovColleague(b.db, { agencyCode: '376470000A' });
    const m2 = await egovColleague(b.db);
    const page = await b.newPage();
    await signIn(page, sender.login);

    // 簽名檔設定 from 我的專區's menu, with a preview.
    await navigate(page, '簽名檔設定', () => page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '簽名檔設定' }).click());
    await page.getByLabel(/簽名檔/).fill('人事室 科員\n分機 2101');
    await navigate(page, '簽名檔設定（預覽）', () => page.getByRole('button', { name: '預覽' }).click());
    expect(await page.getByRole('region', { name: '預覽' }).innerText()).toContain('分機 2101');
    await navigate(page, '簽名檔設定（已儲存）', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.getByRole('status').first().innerText()).toContain('簽名檔已儲存');

    // 通訊錄: two people found in the directory.
    await navigate(page, '通訊錄', () => page.getByRole('navigation', { name: '個人功能' }).getByRole('link', { name: '通訊錄' }).click());
    for (const m of [m1, m2]) {
      await page.getByLabel('查詢人員（姓名、機關、職稱或單位）').fill(m.name);
      await navigate(page, `通訊錄（查詢 ${m.name}）`, () => page.getByRole('button', { name: '查詢人員' }).click());
      await navigate(page, `通訊錄（加入 ${m.name}）`, () => page.getByRole('row').filter({ hasText: m.email! }).getByRole('button', { name: `加入「${m.name}」`, exact: true }).click());
      expect(await page.getByRole('status').first().innerText()).toContain(`已將 ${m.name} 加入通訊錄`);
    }
    expect(await page.locator('table.contacts').innerText()).toContain(m1.email!);

    // 群組設定: a group of both.
    await navigate(page, '群組設定', () => page.getByRole('navigation', { name: '個人功能' }).getByRole('link', { name: '群組設定' }).click());
    await page.getByLabel('新群組名稱').fill('專案小組');
    await navigate(page, '群組：專案小組', () => page.getByRole('button', { name: '建立群組' }).click());
    for (const m of [m1, m2]) await page.getByLabel(new RegExp(m.name)).check();
    await navigate(page, '群組：專案小組（成員）', () => page.getByRole('button', { name: '加入群組' }).click());
    expect(await page.locator('main').innerText()).toContain('成員 2 位');

    // A message to the group, with an attachment; nobody chosen first shows the error.
    await navigate(page, '網頁訊息', () => page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: /^網頁訊息/ }).click());
    await navigate(page, '撰寫網頁訊息', () => page.getByRole('link', { name: '撰寫訊息' }).click());
    await page.getByLabel('主旨').fill('專案會議');
    await page.getByLabel('內容').fill('週五下午兩點開會，議程如附件。');
    await navigate(page, '撰寫網頁訊息（錯誤）', () => page.getByRole('button', { name: '送出' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('請選擇至少一位收件人或一個群組');
    expect(await page.getByLabel('主旨').inputValue()).toBe('專案會議');
    await page.getByLabel(/專案小組/).check();
    await page.getByLabel(/附件/).setInputFiles({ name: '議程.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n') });
    await navigate(page, '寄件備份', () => page.getByRole('button', { name: '送出' }).click());
    expect(pathOf(page)).toMatch(/^\/my\/messages\/sent\/\d+$/);
    expect(await page.getByRole('status').first().innerText()).toContain('共 2 位收件人');

    // Each member sees the unread count in the header, then reads it.
    for (const m of [m1, m2]) {
      const p = await b.newPage();
      await signIn(p, m.login);
      expect(await unreadBadge(p).innerText()).toMatch(/^網頁訊息 1\s*則未讀$/);
      await navigate(p, '網頁訊息（收件匣）', () => unreadBadge(p).click());
      await navigate(p, '網頁訊息（閱讀）', () => p.getByRole('link', { name: '專案會議' }).click());
      const text = await p.locator('main').innerText();
      expect(text).toContain('週五下午兩點開會');
      expect(text).toContain('分機 2101');
      expect(text).toContain('議程.pdf');
      expect((await unreadBadge(p).innerText()).trim()).toBe('網頁訊息');
      await p.close();
    }

    // HR of m2's agency sends a notice to everyone; m2 reads it.
    const hr = await egovColleague(b.db, { roles: ['hr_staff'] });
    const hrPage = await b.newPage();
    await signIn(hrPage, hr.login);
    await visit(hrPage, '/my/messages', '網頁訊息（人事人員）');
    await navigate(hrPage, '發送機關通知', () => hrPage.getByRole('link', { name: '發送機關通知' }).click());
    await hrPage.getByLabel('本機關全體人員').check();
    await hrPage.getByLabel('主旨').fill('年終尾牙通知');
    await hrPage.getByLabel('內容').fill('本年度尾牙於 12 月 20 日舉行。');
    await navigate(hrPage, '發送機關通知（已送出）', () => hrPage.getByRole('button', { name: '送出通知' }).click());
    expect(await hrPage.getByRole('status').first().innerText()).toMatch(/機關通知已送出，共 [\d,]+ 位收件人/);

    const p2 = await b.newPage();
    await signIn(p2, m2.login);
    expect(await unreadBadge(p2).innerText()).toMatch(/^網頁訊息 1\s*則未讀$/);
    await navigate(p2, '網頁訊息（收件匣）', () => unreadBadge(p2).click());
    await navigate(p2, '機關通知', () => p2.getByRole('link', { name: '年終尾牙通知' }).click());
    expect(await p2.locator('main').innerText()).toContain('本年度尾牙於 12 月 20 日舉行');
  }, 480_000);
});
