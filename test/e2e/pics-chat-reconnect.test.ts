import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { makeAccount } from '../support/app';
import { CHROMIUM_PATH, checkA11y, navigate, pathOf, signIn } from '../support/browser';
import { serviceClock, startInstance } from '../routes/pics-chat-helpers';

/** axe-core loaded into every document at its start (as test/support/browser.ts does). */
const require = createRequire(import.meta.url);
const AXE_SOURCE: string = createRequire(require.resolve('@axe-core/playwright'))('axe-core').source;

// The asker's browser talks to a load balancer (a small proxy here) in front of two app
// instances over one database. Instance A is drained as on SIGTERM (the path src/server.ts
// takes: services.lifecycle.drain()), its chat streams get `event: reconnect`, the balancer
// sends new requests to B, and the open chat page opens a new stream there by itself and
// keeps receiving the agent's lines.
const sc = serviceClock();
let a: Awaited<ReturnType<typeof startInstance>>;
let b: Awaited<ReturnType<typeof startInstance>>;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** Each request the balancer passed on: its path and the instance that answered it. */
const passed: { path: string; to: string }[] = [];
let target = '';
const balancer = http.createServer((req, res) => {
  const to = target;
  passed.push({ path: req.url ?? '', to });
  const up = http.request(new URL(req.url ?? '/', to), { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  res.on('close', () => up.destroy());
  req.pipe(up);
});
let front = '';

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(sc.clock), startInstance(sc.clock)]);
  await sc.settle((d) => a.services.pics.calendar.isWorkday(d));
  target = a.base;
  await new Promise<void>((r) => balancer.listen(0, '127.0.0.1', r));
  front = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
  balancer.closeAllConnections?.();
  await new Promise<void>((r) => balancer.close(() => r()));
  await Promise.all([a?.stop(), b?.stop()]);
});

async function pageOn(baseURL: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, locale: 'zh-TW', timezoneId: 'Asia/Taipei' });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  await context.addInitScript({ content: AXE_SOURCE });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`script error: ${err.message}`));
  return { page, errors };
}

const log = (page: Page) => page.locator('#chat-log');

describe('文字客服 while an instance shuts down', () => {
  it('the chat page is told to reconnect, opens a new stream on the other instance and keeps receiving the agent’s lines', async () => {
    await a.db('pics_chat_agent').update({ status: 'away' });
    await a.db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended' });
    const askerAcc = await makeAccount(a.db);
    const agentAcc = await makeAccount(a.db, { roles: ['cs_agent'] });

    const { page: agent } = await pageOn(b.base);
    await signIn(agent, agentAcc.login);
    await navigate(agent, '文字客服專員作業', () => agent.goto('/pics/agent/chat'));

    const { page: asker, errors } = await pageOn(front);
    await signIn(asker, askerAcc.login);
    await navigate(asker, '文字客服（開始）', () => asker.goto('/pics/chat'));
    await navigate(asker, '文字客服（忙線中）', () => asker.getByRole('button', { name: '開始對話' }).click());
    const chatId = Number(pathOf(asker).split('/').pop());
    await navigate(asker, '文字客服（等候中）', () => asker.getByRole('button', { name: '1. 繼續等候客服人員' }).click());
    await navigate(agent, '文字客服專員作業（服務中）', () => agent.getByRole('button', { name: '開始服務（接受對話）' }).click());
    await expect.poll(() => agent.locator('#queue-count').innerText()).toContain('目前等候人數：1 人');
    await navigate(agent, '文字客服對話（專員）', () => agent.getByRole('button', { name: '接聽下一位' }).click());
    expect(pathOf(agent)).toBe(`/pics/agent/chat/${chatId}`);
    await expect.poll(() => log(asker).innerText()).toContain('哈囉，您好，很高興為您服務！');

    const streams = () => passed.filter((p) => p.path.startsWith(`/pics/chat/${chatId}/events`));
    expect(streams().length).toBeGreaterThan(0);
    expect(streams().every((s) => s.to === a.base)).toBe(true);
    const agentInput = agent.getByLabel('回覆訊息（按 Enter 鍵送出）');
    await agentInput.fill('斷線前的訊息。');
    await agentInput.press('Enter');
    await expect.poll(() => log(asker).innerText()).toContain('斷線前的訊息。');

    // SIGTERM on A: the balancer stops sending it work (its /readyz is 503), A tells its streams to reconnect.
    target = b.base;
    a.services.lifecycle.drain();
    await expect.poll(() => a.services.pics.chat.hub.size).toBe(0);
    // The page opened a new stream by itself, through the balancer, now to B, from the last line it saw.
    await expect.poll(() => streams().filter((s) => s.to === b.base).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const resumed = streams().find((s) => s.to === b.base)!;
    const afterOf = (path: string) => Number(new URL(path, front).searchParams.get('after'));
    // A new EventSource opened on `event: reconnect` (the browser's own retry would repeat the first address).
    expect(afterOf(resumed.path)).toBeGreaterThan(afterOf(streams()[0]!.path));
    await expect.poll(() => b.services.pics.chat.hub.size).toBeGreaterThan(0);

    // A line the agent sends after the reconnect reaches the page (over B's stream), once.
    await agentInput.fill('重新連線後的訊息。');
    await agentInput.press('Enter');
    await expect.poll(() => log(asker).innerText()).toContain('重新連線後的訊息。');
    expect((await log(asker).innerText()).split('斷線前的訊息。').length - 1).toBe(1);
    expect(await asker.locator('#chat-log li', { hasText: '重新連線後的訊息。' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await checkA11y(asker, '文字客服（重新連線後）');
  }, 180_000);
});
