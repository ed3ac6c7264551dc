import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navigate, pathOf, signInOnPics, startBrowserApp, visit, type BrowserApp } from '../support/browser';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

describe('智慧客服', () => {
  it('answers a question from the FAQ, asked on the eCPA home; every page passes axe', async () => {
    const page = await b.newPage();
    await visit(page, '/', '人事服務網首頁');
    const box = page.locator('section.assistant');
    await box.getByLabel('請輸入您的問題：').fill('忘記密碼怎麼辦？');
    await navigate(page, '智慧客服（有答案）', () => box.getByRole('button', { name: '詢問' }).click());
    expect(pathOf(page)).toMatch(/^\/pics\/assistant\?q=/);
    const answers = page.locator('ol.assistant-list > li');
    expect(await answers.count()).toBeGreaterThan(0);
    expect(await answers.count()).toBeLessThanOrEqual(3);
    expect(await answers.first().innerText()).toContain('忘記人事服務網密碼怎麼辦？');
    expect(await answers.first().innerText()).toContain('來源：PICS 常見問題');
    expect(await page.getByLabel('您的問題').inputValue()).toBe('忘記密碼怎麼辦？');
    await navigate(page, 'PICS 常見問題', () => answers.first().getByRole('link').click());
    expect(pathOf(page)).toBe('/pics/faq');
    expect(new URL(page.url()).hash).toMatch(/^#faq-\d+$/);
  });

  it('a question of only punctuation comes back with a message and what was typed', async () => {
    const page = await b.newPage();
    await visit(page, '/pics/assistant', '智慧客服');
    await page.getByLabel('您的問題').fill('？？！！');
    await navigate(page, '智慧客服（有誤）', () => page.getByRole('button', { name: '詢問' }).click());
    expect(await page.title()).toMatch(/^錯誤：/);
    expect(await page.locator('.error-summary').innerText()).toContain('問題須包含文字或數字，不可只有標點符號');
    expect(await page.getByLabel('您的問題').inputValue()).toBe('？？！！');
  });

  it('hands an unanswerable question to 線上掛號 prefilled; the desk supervisor sees it and turns it into a FAQ entry', async () => {
    const question = `雲端薪資${Date.now().toString(36).replace(/\d/g, '')}補發流程？`;
    const page = await b.newPage();
    await signInOnPics(page, 'wang.xiaoming');
    // From the chat's side panel.
    await visit(page, '/pics/chat', '文字客服');
    const side = page.locator('form.chat-assistant');
    await side.getByLabel('輸入問題，立即查詢常見問題與公告').fill(question);
    await navigate(page, '智慧客服（無答案）', () => side.getByRole('button', { name: '詢問' }).click());
    expect(await page.getByRole('heading', { level: 2, name: /找不到符合您問題的答案/ }).count()).toBe(1);
    await navigate(page, '線上掛號（帶入問題）', () => page.getByRole('link', { name: '線上掛號', exact: true }).click());
    expect(pathOf(page)).toMatch(/^\/pics\/tickets\/new\?q=/);
    expect(await page.getByLabel('主旨').inputValue()).toBe(question);
    expect(await page.getByLabel('問題說明').inputValue()).toBe(question);

    const lead = await b.newPage();
    await signInOnPics(lead, 'cs.lead');
    await visit(lead, '/pics/desk', '客服工作台');
    await navigate(lead, '智慧客服未能回答的問題', () => lead.getByRole('navigation', { name: '客服工作台選單' }).getByRole('link', { name: '智慧客服問題' }).click());
    const row = lead.locator('main table tbody tr', { hasText: question });
    expect(await row.count()).toBe(1);
    await navigate(lead, '轉為常見問題', () => row.getByRole('link', { name: /^轉為常見問題/ }).click());
    expect(await lead.getByLabel('問題').inputValue()).toBe(question);
    await lead.getByLabel('分類').fill('待遇');
    await lead.getByRole('textbox', { name: '答案' }).fill('請洽服務機關人事單位辦理補發。');
    await navigate(lead, '智慧客服未能回答的問題（已轉）', () => lead.getByRole('button', { name: '新增為常見問題' }).click());
    expect(pathOf(lead)).toBe('/pics/desk/assistant');
    expect(await lead.locator('main table tbody tr', { hasText: question }).count()).toBe(0);

    // Asked again, the new entry answers it.
    await visit(page, `/pics/assistant?q=${encodeURIComponent(question)}`, '智慧客服（新常見問題）');
    expect(await page.locator('ol.assistant-list > li').first().innerText()).toContain(question);
  });
});
