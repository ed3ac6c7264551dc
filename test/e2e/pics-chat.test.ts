import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { makeAccount } from '../support/app';
import { CHROMIUM_PATH, checkA11y, navigate, pathOf, signIn } from '../support/browser';
import { serviceClock, startInstance } from '../routes/pics-chat-helpers';

/** axe-core loaded into every document at its start (as test/support/browser.ts does). */
const require = createRequire(import.meta.url);
const AXE_SOURCE: string = createRequire(require.resolve('@axe-core/playwright'))('axe-core').source;

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

// Two app instances on different ports over one database: the asker's pages come from A,
// the agent's from B, so every line crosses instances through LISTEN/NOTIFY.
const sc = serviceClock();
let a: Awaited<ReturnType<typeof startInstance>>;
let b: Awaited<ReturnType<typeof startInstance>>;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems = new Map<Page, string[]>();

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(sc.clock), startInstance(sc.clock)]);
  await sc.settle((d) => a.services.pics.calendar.isWorkday(d));
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
  await Promise.all([a?.stop(), b?.stop()]);
});

async function pageOn(baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: 'zh-TW', timezoneId: 'Asia/Taipei' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  await context.addInitScript({ content: AXE_SOURCE });
  const page = await context.newPage();
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (err) => list.push(`script error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) list.push(`CSP: ${m.text()}`);
  });
  return page;
}

const log = (page: Page) => page.locator('#chat-log');

describe('文字客服 between two browsers on two app instances', () => {
  it('busy → wait → the agent joins → lines and images both ways → chat to ticket', async () => {
    await a.db('pics_chat_agent').update({ status: 'away' });
    await a.db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended' });
    const askerAcc = await makeAccount(a.db);
    const agentAcc = await makeAccount(a.db, { roles: ['cs_agent'] });

    const agent = await pageOn(b.base);
    await signIn(agent, agentAcc.login);
    await navigate(agent, '文字客服專員作業', () => agent.goto('/pics/agent/chat'));
    expect(await agent.locator('#agent-status').innerText()).toBe('暫離');

    const asker = await pageOn(a.base);
    await signIn(asker, askerAcc.login);
    await navigate(asker, '文字客服（開始）', () => asker.goto('/pics/chat'));
    expect(await asker.locator('main').innerText()).toContain('服務範圍：「獎勵令電子化」');

    // No agent on duty: busy, with the 1/2/3 choice.
    await navigate(asker, '文字客服（忙線中）', () => asker.getByRole('button', { name: '開始對話' }).click());
    expect(pathOf(asker)).toMatch(/^\/pics\/chat\/\d+$/);
    const chatId = Number(pathOf(asker).split('/').pop());
    expect(await log(asker).innerText()).toContain('客服人員忙線中，請選擇繼續等候客服人員或其他。');
    await navigate(asker, '文字客服（等候中）', () => asker.getByRole('button', { name: '1. 繼續等候客服人員' }).click());
    expect(await log(asker).innerText()).toContain('已為您轉接專員中，請您稍候，不要離開喔~');
    await expect.poll(() => asker.locator('#queue-status').innerText()).toContain('您目前排在第 1 位。');
    expect(await asker.getByRole('button', { name: '1. 繼續等候客服人員' }).isVisible()).toBe(false);

    // The agent goes on duty and takes the next one.
    await navigate(agent, '文字客服專員作業（服務中）', () => agent.getByRole('button', { name: '開始服務（接受對話）' }).click());
    await expect.poll(() => agent.locator('#queue-count').innerText()).toContain('目前等候人數：1 人');
    await navigate(agent, '文字客服對話（專員）', () => agent.getByRole('button', { name: '接聽下一位' }).click());
    expect(pathOf(agent)).toBe(`/pics/agent/chat/${chatId}`);

    // The greeting reaches the asker's page without a reload.
    await expect.poll(() => log(asker).innerText()).toContain('哈囉，您好，很高興為您服務！');
    expect(await asker.locator('#queue-status').isVisible()).toBe(false);
    await checkA11y(asker, '文字客服（專員已上線）');

    // Asker → agent; Enter sends; the ID number is masked for the agent.
    const askerInput = asker.getByLabel('請輸入您的問題，點選送出按鈕或按下 Enter 鍵');
    await askerInput.fill('您好，我的身分證 A123456789 無法登入 My Data');
    await askerInput.press('Enter');
    await expect.poll(() => log(agent).innerText()).toContain('您好，我的身分證 A12****789 無法登入 My Data');
    expect(await askerInput.inputValue()).toBe('');
    expect(await log(asker).innerText()).toContain('A123456789');
    expect(await log(asker).innerText()).toMatch(/\d\d:\d\d:\d\d/);

    // Agent → asker.
    const agentInput = agent.getByLabel('回覆訊息（按 Enter 鍵送出）');
    await agentInput.fill('請提供問題畫面，以利處理問題，謝謝。');
    await agentInput.press('Enter');
    await expect.poll(() => log(asker).innerText()).toContain('請提供問題畫面，以利處理問題，謝謝。');

    // Images both ways.
    await asker.getByLabel(/上傳問題畫面圖檔/).setInputFiles({ name: '問題畫面.png', mimeType: 'image/png', buffer: PNG });
    await asker.getByRole('button', { name: '上傳圖片' }).click();
    const seenByAgent = agent.getByRole('img', { name: '圖片：問題畫面.png' });
    await seenByAgent.waitFor();
    await expect.poll(() => seenByAgent.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
    await agent.getByLabel(/傳送圖片/).setInputFiles({ name: '說明.png', mimeType: 'image/png', buffer: PNG });
    await agent.getByRole('button', { name: '上傳圖片' }).click();
    const seenByAsker = asker.getByRole('img', { name: '圖片：說明.png' });
    await seenByAsker.waitFor();
    await expect.poll(() => seenByAsker.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);

    // Not an image: the message shows on the page, nothing is sent.
    await asker.getByLabel(/上傳問題畫面圖檔/).setInputFiles({ name: 'virus.png', mimeType: 'image/png', buffer: Buffer.from('MZ this is no image') });
    await asker.getByRole('button', { name: '上傳圖片' }).click();
    await expect.poll(() => asker.locator('#image-error').innerText()).toContain('「virus.png」不是圖片檔');
    await checkA11y(asker, '文字客服（圖片錯誤）');

    // Chat → ticket by the agent: the receipt number appears in the asker's chat.
    await checkA11y(agent, '文字客服對話（專員，圖片）');
    const ticketForm = agent.locator('form.chat-ticket-form');
    await ticketForm.getByLabel('問題主旨').fill('My Data 無法登入');
    await ticketForm.getByLabel('提問者辦公室電話').fill('02-23979108');
    await ticketForm.getByLabel('提問者 Email').fill(askerAcc.email!);
    await navigate(agent, '文字客服對話（已轉掛號單）', () => ticketForm.getByRole('button', { name: '轉為掛號單' }).click());
    const receipt = (await a.db('pics_chat').where({ id: chatId }).first()).receipt_no as string;
    expect(receipt).toMatch(/^\d{6}C\d{5}$/);
    expect(await agent.getByRole('status').first().innerText()).toContain(receipt);
    await expect.poll(() => log(asker).innerText()).toContain(`收件序號：${receipt}`);

    // The agent ends the chat; the asker's page follows.
    agent.once('dialog', (d) => d.accept());
    await navigate(agent, '文字客服專員作業（結束後）', () => agent.getByRole('button', { name: '結束對話' }).click());
    await expect.poll(() => log(asker).innerText()).toContain('客服專員已結束對話');
    expect(await asker.locator('.chat-ended-note').isVisible()).toBe(true);
    await checkA11y(asker, '文字客服（已結束）');
    for (const [page, list] of problems) expect(list, page.url()).toEqual([]);
  }, 240_000);

  it('busy → 2 線上掛號單 → the ticket form prefilled from the chat → the C receipt number in the chat; outside hours the ticket form is offered', async () => {
    await a.db('pics_chat_agent').update({ status: 'away' });
    await a.db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended' });
    const acc = await makeAccount(a.db);
    const asker = await pageOn(a.base);
    await signIn(asker, acc.login);
    await asker.goto('/pics/chat');
    await navigate(asker, '文字客服（忙線中）', () => asker.getByRole('button', { name: '開始對話' }).click());
    const chatId = Number(pathOf(asker).split('/').pop());
    const input = asker.getByLabel('請輸入您的問題，點選送出按鈕或按下 Enter 鍵');
    await input.fill('事求人職缺登錄後無法送出');
    await input.press('Enter');
    await expect.poll(() => log(asker).innerText()).toContain('事求人職缺登錄後無法送出');

    await navigate(asker, '線上掛號（由文字客服）', () => asker.getByRole('button', { name: '2. 線上掛號單' }).click());
    expect(pathOf(asker)).toBe(`/pics/tickets/new?chat=${chatId}`);
    expect(await asker.getByLabel('問題說明').inputValue()).toContain('事求人職缺登錄後無法送出');
    await asker.getByLabel('辦公室電話').fill('02-23979108');
    await asker.getByLabel('Email').fill(acc.email!);
    await asker.getByLabel('問題', { exact: true }).check();
    await navigate(asker, '線上掛號送出成功', () => asker.getByRole('button', { name: '送出' }).click());
    const receipt = (await a.db('pics_chat').where({ id: chatId }).first()).receipt_no as string;
    expect(receipt).toMatch(/^\d{6}C\d{5}$/);
    expect(await asker.locator('main').innerText()).toContain(receipt);

    await navigate(asker, '文字客服（已轉掛號單）', () => asker.goto(`/pics/chat/${chatId}`));
    expect(await log(asker).innerText()).toContain(`收件序號：${receipt}`);
    expect(await asker.locator('.chat-ended-note').isVisible()).toBe(true);

    // Outside service hours (an instance whose clock says 19:30 on a work day).
    const evening = serviceClock(19, 30);
    const late = await startInstance(evening.clock);
    try {
      await evening.settle((d) => late.services.pics.calendar.isWorkday(d));
      const night = await pageOn(late.base);
      await signIn(night, acc.login);
      await navigate(night, '文字客服（非服務時間）', () => night.goto('/pics/chat'));
      expect(await night.locator('main').innerText()).toContain('目前非文字客服服務時間');
      expect(await night.getByRole('button', { name: '開始對話' }).count()).toBe(0);
      await navigate(night, '線上掛號（非服務時間）', () => night.getByRole('link', { name: '填寫線上掛號單' }).click());
      expect(pathOf(night)).toBe('/pics/tickets/new');
    } finally {
      await late.stop();
    }
    for (const [page, list] of problems) expect(list, page.url()).toEqual([]);
  }, 240_000);
});
